/* Fixtures for the image format suites: images built by real tools (umoci,
 * skopeo, tar), hand-made layouts, and checks that nothing was stored. */
#ifndef ENGINE_TESTS_IMAGE_FIXTURES_H
#define ENGINE_TESTS_IMAGE_FIXTURES_H

#include <dirent.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "check_helpers.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/digest.h"
#include "util/fs.h"

/* Run a shell command (printf-style); returns its exit status. */
static inline int fx_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int fx_sh(const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	int st;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	st = system(cmd);
	if (st != 0)
		fprintf(stderr, "command failed (%d): %s\n", st, cmd);
	free(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static inline int fx_have(const char *tool)
{
	char *cmd;
	int st;

	if (asprintf(&cmd, "command -v %s >/dev/null 2>&1", tool) < 0)
		abort();
	st = system(cmd);
	free(cmd);
	return st == 0;
}

#define FX_REQUIRE(tool)                                                                                     \
	do {                                                                                                 \
		if (!fx_have(tool))                                                                          \
			TH_SKIP("%s not installed", tool);                                                   \
	} while (0)

static inline char *fx_path(const char *a, const char *b)
{
	char *p = engine__path_join(a, b);

	ck_assert_ptr_nonnull(p);
	return p;
}

/* Entries in <root>/blobs/sha256 (0 when absent). */
static inline int fx_count_blobs(const char *root)
{
	char *dir = fx_path(root, "blobs/sha256");
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	free(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static inline size_t fx_count_images(engine_context *ctx)
{
	char **ids = NULL;
	size_t n = 0;

	ck_assert_engine_ok(engine__image_ids(ctx, &ids));
	while (ids && ids[n])
		n++;
	for (size_t i = 0; ids && ids[i]; i++)
		free(ids[i]);
	free(ids);
	return n;
}

/* An image as the store records it: its config and its record. */
struct fx_image {
	char id[ENGINE__DIGEST_LEN + 1];
	json_object *config; /* the whole config blob */
	json_object *record; /* layers, diff_ids, ... */
};

static inline void fx_image_get(engine_context *ctx, const char *ref, struct fx_image *out)
{
	ck_assert_engine_ok(engine__image_lookup(ctx, ref, out->id));
	ck_assert_engine_ok(engine__image_config(ctx, out->id, &out->config));
	ck_assert_engine_ok(engine__image_record(ctx, out->id, &out->record));
}

static inline void fx_image_put(struct fx_image *img)
{
	json_object_put(img->config);
	json_object_put(img->record);
}

static inline char *fx_image_id(engine_context *ctx, const char *ref)
{
	char id[ENGINE__DIGEST_LEN + 1];

	ck_assert_engine_ok(engine__image_lookup(ctx, ref, id));
	return strdup(id);
}

/* config.config.<key> (a string), or NULL. */
static inline const char *fx_cfg_str(struct fx_image *img, const char *key)
{
	json_object *c = json_object_object_get(img->config, "config");
	json_object *v = c ? json_object_object_get(c, key) : NULL;

	return v ? json_object_get_string(v) : NULL;
}

static inline json_object *fx_cfg(struct fx_image *img, const char *key)
{
	json_object *c = json_object_object_get(img->config, "config");

	return c ? json_object_object_get(c, key) : NULL;
}

static inline size_t fx_cfg_len(struct fx_image *img, const char *key)
{
	json_object *a = fx_cfg(img, key);

	return a ? json_object_array_length(a) : 0;
}

static inline const char *fx_cfg_idx(struct fx_image *img, const char *key, size_t i)
{
	return json_object_get_string(json_object_array_get_idx(fx_cfg(img, key), i));
}

static inline size_t fx_nlayers(struct fx_image *img)
{
	return json_object_array_length(json_object_object_get(img->record, "layers"));
}

static inline const char *fx_layer(struct fx_image *img, size_t i)
{
	return json_object_get_string(
	    json_object_array_get_idx(json_object_object_get(img->record, "layers"), i));
}

static inline const char *fx_diff_id(struct fx_image *img, size_t i)
{
	return json_object_get_string(
	    json_object_array_get_idx(json_object_object_get(img->record, "diff_ids"), i));
}

/* Assert a failed load left nothing: no image, no blob. */
#define fx_assert_nothing_stored(ctx, root)                                                                  \
	do {                                                                                                 \
		ck_assert_int_eq(fx_count_images(ctx), 0);                                                   \
		ck_assert_int_eq(fx_count_blobs(root), 0);                                                   \
	} while (0)

/*
 * A three-layer OCI layout built by umoci in <dir>/L, tag "base":
 * layer 1 has dirs, a hardlink, relative and absolute symlinks, setuid,
 * setgid and sticky modes, a fifo and a non-root owner; layer 2 deletes a
 * directory tree and a file (umoci's per-file whiteouts) and rewrites the
 * hardlinked file; layer 3 (made with tar, added raw) has an opaque
 * whiteout. The config sets Env, Cmd, WorkingDir and a label.
 */
static inline void fx_umoci_layout(const char *dir)
{
	ck_assert_int_eq(
	    fx_sh("set -e; cd '%s'; exec >/dev/null 2>&1\n"
		  "umoci init --layout L\n"
		  "umoci new --image L:base\n"
		  "umoci unpack --image L:base B\n"
		  "R=B/rootfs\n"
		  "mkdir -p $R/etc $R/dir/sub $R/gone/deep $R/opq/old $R/bin $R/tmp\n"
		  "echo hi > $R/etc/hello; ln $R/etc/hello $R/etc/hardlink\n"
		  "ln -s ../etc/hello $R/dir/sym; ln -s /etc/hello $R/dir/abs\n"
		  "echo x > $R/dir/sub/f; chown 1000:1001 $R/dir/sub/f\n"
		  "printf s > $R/bin/suid; chmod 4755 $R/bin/suid\n"
		  "printf g > $R/bin/sgid; chmod 2711 $R/bin/sgid; chmod 1777 $R/tmp\n"
		  "echo g > $R/gone/deep/f; echo del > $R/etc/deleted\n"
		  "echo o > $R/opq/old/f; echo o2 > $R/opq/keep\n"
		  "mkfifo $R/fifo\n"
		  "umoci repack --refresh-bundle --image L:base B\n"
		  "rm -rf $R/gone $R/etc/deleted; echo new > $R/new; echo changed > $R/etc/hello\n"
		  "umoci repack --refresh-bundle --image L:base B\n"
		  "mkdir -p T/opq; touch T/opq/.wh..wh..opq; echo fresh > T/opq/fresh\n"
		  "tar --numeric-owner --owner=0 --group=0 -C T -cf opq.tar opq\n"
		  "umoci raw add-layer --image L:base opq.tar\n"
		  "umoci config --image L:base --config.env A=1 --config.cmd sh --config.workingdir /etc "
		  "--config.label k=v\n"
		  "rm -rf B T opq.tar\n",
		  dir),
	    0);
}

/* The digest (from index.json) of the only manifest of layout @layout. */
static inline json_object *fx_json_file(const char *path)
{
	json_object *o = json_object_from_file(path);

	ck_assert_msg(o != NULL, "parse %s", path);
	return o;
}

/* Write @data as a blob of layout @layout; its digest goes to @digest. */
static inline void fx_put_blob(const char *layout, const char *data, size_t len,
			       char digest[ENGINE__DIGEST_LEN + 1])
{
	char *path;

	ck_assert_int_eq(engine__sha256_buf(data, len, digest), 0);
	if (asprintf(&path, "%s/blobs/sha256/%s", layout, digest + 7) < 0)
		abort();
	ck_assert_engine_ok(engine__write_file_atomic(path, data, len, 0644, false));
	free(path);
}

static inline void fx_write(const char *path, const char *data)
{
	ck_assert_engine_ok(engine__write_file_atomic(path, data, strlen(data), 0644, false));
}

#endif
