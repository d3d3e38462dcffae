/*
 * engine_image_import: a plain rootfs tarball (any compression) becomes a
 * one-layer image with a config built from the options. The input is read
 * once: gzip and zstd inputs are stored as they are while their
 * decompressed stream is hashed for the diff_id; other compressions are
 * stored decompressed so every stored layer is one the store can unpack.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/abi.h"
#include "core/error.h"
#include "image/archive_util.h"
#include "image/image_import.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

#define CHUNK (1024 * 1024)

ENGINE_EXTERN int engine_image_import_options_init(engine_image_import_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_image_import_options, opts, version,
					  ENGINE_IMAGE_IMPORT_OPTIONS_INIT);
}

const char *engine__host_arch(void)
{
	static const struct {
		const char *uname, *oci;
	} map[] = {
	    {"x86_64", "amd64"}, {"aarch64", "arm64"},	 {"armv7l", "arm"},  {"i686", "386"},
	    {"i386", "386"},	 {"ppc64le", "ppc64le"}, {"s390x", "s390x"}, {"riscv64", "riscv64"},
	};
	struct utsname u;

	if (uname(&u) == 0)
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (!strcmp(u.machine, map[i].uname))
				return map[i].oci;
	return "amd64";
}

void engine__format_rfc3339(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* --- reading the input once ----------------------------------------------- */

struct tee {
	int fd;
	engine__blob_writer *raw; /* the input's bytes as read, while teeing */
	bool teeing;
	int error;
	char buf[CHUNK];
};

static la_ssize_t tee_read(struct archive *a, void *data, const void **out)
{
	struct tee *t = data;
	ssize_t n;

	do
		n = read(t->fd, t->buf, sizeof(t->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read input");
		return -1;
	}
	if (n > 0 && t->teeing && (t->error = engine__blob_writer_write(t->raw, t->buf, (size_t)n)) < 0) {
		archive_set_error(a, EIO, "store the input");
		return -1;
	}
	*out = t->buf;
	return n;
}

/* Whether @h is a tar header block: the checksum of a ustar or v7 header
 * matches, or the block is zero (the end of an empty archive). */
static bool tar_header_ok(const unsigned char *h, size_t len)
{
	unsigned long sum = 0, want;
	bool zero = true;
	char field[9];
	char *end;

	if (len < 512)
		return false;
	for (size_t i = 0; i < 512; i++) {
		zero = zero && h[i] == 0;
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	}
	if (zero)
		return true;
	memcpy(field, h + 148, 8);
	field[8] = '\0';
	want = strtoul(field, &end, 8);
	return end != field && want == sum;
}

struct layer_out {
	char blob[ENGINE__DIGEST_LEN + 1];
	char diff_id[ENGINE__DIGEST_LEN + 1];
};

static int read_layer(engine_context *ctx, int fd, struct layer_out *out)
{
	struct tee *t = calloc(1, sizeof(*t));
	struct archive *a = archive_read_new();
	engine__blob_writer *plain = NULL;
	engine__sha256 *h = NULL;
	struct archive_entry *e;
	unsigned char head[512];
	size_t head_len = 0;
	int code, r;

	if (!t || !a) {
		r = !a ? engine__backend_null(&engine__backend_archive) : engine__error_oom();
		goto out;
	}
	t->fd = fd;
	t->teeing = true;
	if ((r = engine__blob_writer_new(ctx, NULL, &t->raw)) < 0 || (r = engine__sha256_new(&h)) < 0)
		goto out;
	engine__archive_support_filters(a);
	archive_read_support_format_raw(a);
	if (archive_read_open(a, t, NULL, tee_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		r = t->error < 0 ? t->error : engine__archive_error(a, "read tarball");
		goto out;
	}
	code = archive_filter_code(a, 0);
	if (code != ARCHIVE_FILTER_NONE && code != ARCHIVE_FILTER_GZIP && code != ARCHIVE_FILTER_ZSTD) {
		/* The store unpacks tar, gzip and zstd: keep the rest decompressed. */
		t->teeing = false;
		engine__blob_writer_free(t->raw);
		t->raw = NULL;
		if ((r = engine__blob_writer_new(ctx, NULL, &plain)) < 0)
			goto out;
	}
	for (;;) {
		char buf[65536];
		la_ssize_t n = archive_read_data(a, buf, sizeof(buf));

		if (n < 0) {
			r = t->error < 0 ? t->error : engine__archive_error(a, "read tarball");
			goto out;
		}
		if (n == 0)
			break;
		if (head_len < sizeof(head)) {
			size_t k = sizeof(head) - head_len < (size_t)n ? sizeof(head) - head_len : (size_t)n;

			memcpy(head + head_len, buf, k);
			head_len += k;
		}
		if ((r = engine__sha256_update(h, buf, (size_t)n)) < 0 ||
		    (plain && (r = engine__blob_writer_write(plain, buf, (size_t)n)) < 0))
			goto out;
	}
	if (!tar_header_ok(head, head_len)) {
		r = engine__error_set(ENGINE_EINVALID, 0, "not a tar archive%s",
				      code != ARCHIVE_FILTER_NONE ? " (after decompression)" : "");
		goto out;
	}
	if ((r = engine__sha256_final(h, out->diff_id)) < 0)
		goto out;
	r = engine__blob_writer_commit(plain ? plain : t->raw, out->blob);
out:
	if (a)
		archive_read_free(a);
	engine__sha256_free(h);
	engine__blob_writer_free(plain);
	if (t)
		engine__blob_writer_free(t->raw);
	free(t);
	return r;
}

/* --- the config ------------------------------------------------------------ */

static int add_strv(json_object *obj, const char *key, const engine_strarray *a)
{
	json_object *arr;

	if (!a || !a->count)
		return 0;
	arr = json_object_new_array();
	if (!arr)
		return engine__error_oom();
	for (size_t i = 0; i < a->count; i++)
		json_object_array_add(arr, json_object_new_string(a->strings[i] ? a->strings[i] : ""));
	json_object_object_add(obj, key, arr);
	return 0;
}

/* {"80/tcp": {}} style objects; @kv splits "key=value" into a string map. */
static int add_set(json_object *obj, const char *key, const engine_strarray *a, bool kv, bool ports)
{
	json_object *set;

	if (!a || !a->count)
		return 0;
	set = json_object_new_object();
	if (!set)
		return engine__error_oom();
	json_object_object_add(obj, key, set);
	for (size_t i = 0; i < a->count; i++) {
		const char *s = a->strings[i] ? a->strings[i] : "";
		const char *eq = strchr(s, '=');
		cleanup_free char *k = NULL;

		if (kv) {
			if (!eq || eq == s)
				return engine__error_set(ENGINE_EINVALID, 0,
							 "label \"%s\": expected key=value", s);
			k = strndup(s, (size_t)(eq - s));
			if (!k)
				return engine__error_oom();
			json_object_object_add(set, k, json_object_new_string(eq + 1));
			continue;
		}
		if (ports) {
			char *end;
			long port = strtol(s, &end, 10);

			if (end == s || port < 1 || port > 65535 ||
			    (*end && strcmp(end, "/tcp") && strcmp(end, "/udp") && strcmp(end, "/sctp")))
				return engine__error_set(ENGINE_EINVALID, 0,
							 "exposed port \"%s\": expected PORT[/PROTO]", s);
			k = *end ? strdup(s) : engine__strdup_printf("%ld/tcp", port);
		} else {
			if (!*s)
				return engine__error_set(ENGINE_EINVALID, 0, "volume: empty path");
			k = strdup(s);
		}
		if (!k)
			return engine__error_oom();
		json_object_object_add(set, k, json_object_new_object());
	}
	return 0;
}

static int build_config(const engine_image_import_options *o, const struct layer_out *layer, int64_t created,
			const char *created_by, const char *comment, json_object **out)
{
	cleanup_json json_object *root = json_object_new_object();
	json_object *config = json_object_new_object();
	json_object *rootfs, *diff_ids, *history, *h;
	char when[32];
	int r;

	if (!root || !config) {
		json_object_put(config);
		return engine__error_oom();
	}
	engine__format_rfc3339(created, when);
	json_object_object_add(root, "architecture", json_object_new_string(engine__host_arch()));
	json_object_object_add(root, "os", json_object_new_string("linux"));
	json_object_object_add(root, "created", json_object_new_string(when));
	/* docker import's image comment ("Imported from -", or -m's) */
	if (comment && *comment)
		json_object_object_add(root, "comment", json_object_new_string(comment));
	json_object_object_add(root, "config", config);
	if (o) {
		for (size_t i = 0; i < o->env.count; i++) {
			const char *eq = o->env.strings[i] ? strchr(o->env.strings[i], '=') : NULL;

			if (!eq || eq == o->env.strings[i])
				return engine__error_set(ENGINE_EINVALID, 0, "env \"%s\": expected KEY=VALUE",
							 o->env.strings[i] ? o->env.strings[i] : "");
		}
		if ((r = add_strv(config, "Env", &o->env)) < 0 ||
		    (r = add_strv(config, "Entrypoint", &o->entrypoint)) < 0 ||
		    (r = add_strv(config, "Cmd", &o->cmd)) < 0)
			return r;
		if (o->working_dir && *o->working_dir)
			json_object_object_add(config, "WorkingDir", json_object_new_string(o->working_dir));
		if (o->user && *o->user)
			json_object_object_add(config, "User", json_object_new_string(o->user));
		if ((r = add_set(config, "Labels", &o->labels, true, false)) < 0 ||
		    (r = add_set(config, "ExposedPorts", &o->exposed_ports, false, true)) < 0 ||
		    (r = add_set(config, "Volumes", &o->volumes, false, false)) < 0)
			return r;
	}
	rootfs = json_object_new_object();
	diff_ids = json_object_new_array();
	history = json_object_new_array();
	h = json_object_new_object();
	if (!rootfs || !diff_ids || !history || !h) {
		json_object_put(rootfs);
		json_object_put(diff_ids);
		json_object_put(history);
		json_object_put(h);
		return engine__error_oom();
	}
	json_object_object_add(root, "rootfs", rootfs);
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", diff_ids);
	json_object_array_add(diff_ids, json_object_new_string(layer->diff_id));
	json_object_object_add(root, "history", history);
	json_object_array_add(history, h);
	json_object_object_add(h, "created", json_object_new_string(when));
	json_object_object_add(h, "created_by", json_object_new_string(created_by));
	if (comment && *comment)
		json_object_object_add(h, "comment", json_object_new_string(comment));
	*out = steal_ptr(root);
	return 0;
}

int engine__image_import_fd(engine_context *ctx, int fd, const engine_image_import_options *opts,
			    int64_t created, const char *created_by, const char *comment,
			    char id_out[ENGINE__DIGEST_LEN + 1])
{
	cleanup_json json_object *config = NULL;
	char chain[ENGINE__DIGEST_LEN + 1];
	struct layer_out layer;
	const char *s = NULL;
	size_t len = 0;
	int lock, r;

	/* Bad options fail before anything is read or stored. */
	memset(&layer, 0, sizeof(layer));
	r = build_config(opts, &layer, created, created_by, comment, &config);
	if (r < 0)
		return r;
	json_object_put(config);
	config = NULL;

	/* Shared store lock until the image is registered: GC must not sweep
	 * the layer blob in between. */
	lock = engine__store_lock(ctx, false);
	if (lock < 0)
		return lock;
	r = read_layer(ctx, fd, &layer);
	if (r >= 0)
		r = build_config(opts, &layer, created, created_by, comment, &config);
	if (r >= 0 && !(s = json_object_to_json_string_length(
			    config, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len)))
		r = engine__error_oom();
	if (r >= 0)
		r = engine__layer_unpack_blob(ctx, layer.blob, layer.diff_id, NULL, chain);
	if (r >= 0)
		r = engine__blob_put_buf(ctx, s, len, NULL, id_out);
	if (r >= 0)
		r = engine__image_register(ctx, id_out, NULL);
	if (r >= 0 && opts && opts->ref && *opts->ref)
		r = engine__image_tag(ctx, id_out, opts->ref);
	engine__store_unlock(lock);
	return r < 0 ? r : 0;
}

ENGINE_EXTERN int engine_image_import(engine_context *ctx, const char *path, int fd,
				      const engine_image_import_options *opts, char **id_out)
{
	engine_image_import_options o = ENGINE_IMAGE_IMPORT_OPTIONS_INIT;
	char id[ENGINE__DIGEST_LEN + 1];
	cleanup_close int own = -EBADF;
	cleanup_free char *comment = NULL;
	int r;

	if (!ctx || (!path && fd < 0))
		return engine__error_set(ENGINE_EINVALID, 0, "import: missing context or input");
	if ((r = engine__abi_read(ENGINE__ABI(engine_image_import_options), &o, opts)) < 0)
		return r;
	opts = &o;
	if (path) {
		own = open(path, O_RDONLY | O_CLOEXEC);
		if (own < 0)
			return errno == ENOENT ? engine__error_set(ENGINE_ENOTFOUND, ENOENT,
								   "import %s: no such file", path)
					       : engine__error_errno(errno, "import %s", path);
		fd = own;
	}
	comment = opts->comment ? strdup(opts->comment)
				: engine__strdup_printf("Imported from %s", path ? path : "-");
	if (!comment)
		return engine__error_oom();
	r = engine__image_import_fd(ctx, fd, opts, (int64_t)time(NULL), "engine import", comment, id);
	if (r < 0)
		return engine__error_wrap("import %s", path ? path : "-");
	if (id_out && !(*id_out = strdup(id)))
		return engine__error_oom();
	return 0;
}
