/*
 * engine_build: the step loop of Docker's classic builder. Each step starts
 * from the previous step's image, looks itself up in the cache by (parent
 * image ID, step key), and otherwise runs: metadata steps change the config
 * only, COPY/ADD/WORKDIR write a layer directly, RUN runs a container and
 * keeps the diff of its upper dir. Every step's result is a registered
 * image, so the cache always points at real images.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <engine/image.h>

#include "builder/steps.h"
#include "builder/step_copy.h"
#include "core/abi.h"
#include "core/error.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

ENGINE_EXTERN int engine_build_options_init(engine_build_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_build_options, opts, version, ENGINE_BUILD_OPTIONS_INIT);
}

/* --- events ------------------------------------------------------------------------ */

static const char *const event_names[] = {"step",      "cached", "running", "output", "removed",
					  "step_done", "built",	 "tagged",  "warning"};

void engine__build_emit(engine__builder *b, int kind, const char *text)
{
	engine_build_event ev = {
	    kind, kind == ENGINE_BUILD_EVENT_BUILT || kind == ENGINE_BUILD_EVENT_TAGGED ? 0 : b->step,
	    b->total, text ? text : ""};

	if (b->fn)
		b->fn(&ev, b->payload);
	if (b->event_fd >= 0) {
		json_object *o = json_object_new_object();
		const char *s;

		if (!o)
			return;
		json_object_object_add(o, "event", json_object_new_string(event_names[kind]));
		json_object_object_add(o, "step", json_object_new_int(ev.step));
		json_object_object_add(o, "total", json_object_new_int(ev.total));
		json_object_object_add(o, "text", json_object_new_string(ev.text));
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		if (s) {
			/* One write per line, so concurrent readers never see half a line. */
			cleanup_free char *line = engine__strdup_printf("%s\n", s);

			if (line && engine__write_all(b->event_fd, line, strlen(line)) < 0)
				engine_error_clear();
		}
		json_object_put(o);
	}
}

/* --- images ---------------------------------------------------------------------- */

static void now_rfc3339(char out[64])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

int engine__build_load_image(engine_context *ctx, const char *id, json_object **out)
{
	cleanup_free char *data = NULL;
	size_t len = 0;
	int r;

	if (!id || !*id) {
		*out = engine__build_scratch_image();
		return *out ? 0 : ENGINE_ENOMEM;
	}
	if ((r = engine__blob_read(ctx, id, &data, &len)) < 0)
		return engine__error_wrap("image %s: config", id);
	if ((r = engine__json_parse(data, len, "image config", out)) < 0)
		return r;
	/* Every step adds to it as an object: anything else is not a config
	 * (json-c asserts, ending the process, on a member add to a non-object). */
	if (!json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		return engine__error_set(ENGINE_EINVALID, 0, "image %s: config is not a JSON object", id);
	}
	return 0;
}

/* The chain ID of the image's top layer (NULL when it has none). */
int engine__build_top_chain(json_object *image, char out[ENGINE__DIGEST_LEN + 1], bool *has)
{
	json_object *ids = engine__json_get_type(engine__json_get_type(image, "rootfs", json_type_object),
						 "diff_ids", json_type_array);
	char chain[ENGINE__DIGEST_LEN + 1] = "";
	size_t n = ids ? json_object_array_length(ids) : 0;

	*has = n > 0;
	for (size_t i = 0; i < n; i++) {
		const char *d = json_object_get_string(json_object_array_get_idx(ids, i));

		if (i == 0) {
			snprintf(chain, sizeof(chain), "%s", d);
		} else {
			cleanup_free char *pair = engine__strdup_printf("%s %s", chain, d);

			if (!pair || engine__sha256_buf(pair, strlen(pair), chain) < 0)
				return ENGINE_ENOMEM;
		}
	}
	memcpy(out, chain, sizeof(chain));
	return 0;
}

/* Store the stage's config as an image: its ID is the config's digest. */
static int commit(engine__builder *b, engine__build_stage *st, char id_out[ENGINE__DIGEST_LEN + 1])
{
	const char *s = json_object_to_json_string_ext(st->image, JSON_C_TO_STRING_PLAIN);
	int r;

	if (!s)
		return engine__error_oom();
	if ((r = engine__blob_put_buf(b->ctx, s, strlen(s), NULL, id_out)) < 0)
		return engine__error_wrap("store image config");
	if ((r = engine__image_register(b->ctx, id_out, NULL)) < 0)
		return engine__error_wrap("register image %s", id_out);
	return 0;
}

/* Finish a step that missed the cache: history, layer, new image, cache entry. */
int engine__build_finish_step(engine__builder *b, engine__build_stage *st, const char *created_by,
			      const char *key, const char *diff_id)
{
	char now[64], id[ENGINE__DIGEST_LEN + 1];
	int r;

	now_rfc3339(now);
	/* Like Docker's built images, each step names the image it came from
	 * (inspect's "Parent"). */
	if (b->cur[0])
		json_object_object_add(st->image, "parent", json_object_new_string(b->cur));
	else
		json_object_object_del(st->image, "parent");
	if ((r = engine__build_record_step(st, created_by, diff_id, now)) < 0 || (r = commit(b, st, id)) < 0)
		return r;
	/* The cache is keyed by the parent, which is the current image. */
	if ((r = engine__build_cache_put(b->ctx, b->cur, key, id)) < 0)
		return r;
	memcpy(b->cur, id, sizeof(id));
	return 0;
}

/* A cache probe: on a hit the stage continues from the cached image. */
int engine__build_probe(engine__builder *b, engine__build_stage *st, const char *key, bool *hit)
{
	char id[ENGINE__DIGEST_LEN + 1];
	json_object *img = NULL;
	int r;

	*hit = false;
	if (b->no_cache)
		return 0;
	if ((r = engine__build_cache_get(b->ctx, b->cur, key, id)) <= 0)
		return r;
	if ((r = engine__build_load_image(b->ctx, id, &img)) < 0)
		return r;
	json_object_put(st->image);
	st->image = img;
	memcpy(b->cur, id, sizeof(id));
	*hit = true;
	engine__build_emit(b, ENGINE_BUILD_EVENT_CACHED, NULL);
	return 0;
}

/* Make a layer from @dir on top of the stage's layers. */
int engine__build_layer(engine__builder *b, engine__build_stage *st, const char *dir,
			char diff_id[ENGINE__DIGEST_LEN + 1])
{
	char parent[ENGINE__DIGEST_LEN + 1], blob[ENGINE__DIGEST_LEN + 1], chain[ENGINE__DIGEST_LEN + 1];
	bool has;
	int r;

	if ((r = engine__build_top_chain(st->image, parent, &has)) < 0)
		return r;
	r = engine__layer_create_from_dir(b->ctx, dir, has ? parent : NULL, blob, diff_id, chain);
	return r < 0 ? engine__error_wrap("create layer") : 0;
}

/* The parent image's layer directories (none for scratch). */
int engine__build_layer_dirs(engine__builder *b, char ***out)
{
	engine__image_rootfs *rf = NULL;
	int r;

	if (!*b->cur) {
		*out = calloc(1, sizeof(char *));
		return *out ? 0 : engine__error_oom();
	}
	if ((r = engine__image_rootfs_get(b->ctx, b->cur, &rf)) < 0)
		return r;
	*out = engine__strv_dup(rf->layer_dirs);
	engine__image_rootfs_free(rf);
	return *out ? 0 : ENGINE_ENOMEM;
}

/* A fresh directory in the store's tmp/ (same filesystem as the layers). */
int engine__build_tmpdir(engine__builder *b, const char *prefix, char **out)
{
	cleanup_free char *tmp = NULL;
	int r;

	if ((r = engine__store_tmpdir(b->ctx, &tmp)) < 0)
		return r;
	return engine__mkdtemp_in(tmp, prefix, out);
}

/* --- steps ----------------------------------------------------------------------- */

static char *nop_created_by(engine__build_stage *st, const char *comment)
{
	cleanup_free char *shell = engine__build_shell_string(st);

	/* Docker joins [shell..., "#(nop) ", comment] with spaces: two spaces. */
	return shell ? engine__strdup_printf("%s #(nop)  %s", shell, comment) : NULL;
}

static int step_meta(engine__builder *b, engine__build_stage *st, const engine__df_instr *in)
{
	cleanup_free char *comment = NULL, *created_by = NULL, *key = NULL, *tmp = NULL;
	cleanup_strv char **layers = NULL;
	char diff_id[ENGINE__DIGEST_LEN + 1];
	bool hit, layer = false;
	int r;

	if ((r = engine__build_apply_meta(st, in, &comment)) < 0)
		return r;
	if (!(created_by = nop_created_by(st, comment)) || engine__build_step_key(st, created_by, &key) < 0)
		return ENGINE_ENOMEM;
	if ((r = engine__build_probe(b, st, key, &hit)) < 0 || hit)
		return r;
	if (in->kind == ENGINE__DF_WORKDIR) {
		/* Like Docker, WORKDIR creates a missing directory: a small layer. */
		const char *wd = engine__json_get_string(engine__build_config(st), "WorkingDir");
		cleanup_free char *res = NULL;
		struct stat sb;

		if ((r = engine__build_layer_dirs(b, &layers)) < 0)
			return r;
		/* Through the image's symlinks, as Docker's: WORKDIR /w/sub with
		 * /w -> /x makes /x/sub, and an existing parent keeps its mode
		 * and owner (/tmp stays 1777, /root 0700). */
		if ((r = engine__image_path_resolve(layers, wd, &res)) < 0)
			return engine__error_wrap("Dockerfile:%d: WORKDIR %s", in->line, wd);
		if (engine__image_path_stat(layers, res, &sb) != 0) {
			engine_error_clear();
			if ((r = engine__build_tmpdir(b, "workdir", &tmp)) < 0)
				return r;
			r = chmod(tmp, 0755) < 0 ? engine__error_errno(errno, "chmod %s", tmp)
						 : engine__image_mkdir(layers, res, tmp);
			if (r < 0) {
				r = engine__error_wrap("Dockerfile:%d: WORKDIR %s", in->line, wd);
				engine__rm_rf(tmp);
				return r;
			}
			r = engine__build_layer(b, st, tmp, diff_id);
			engine__rm_rf(tmp);
			if (r < 0)
				return r;
			layer = true;
		}
	}
	return engine__build_finish_step(b, st, created_by, key, layer ? diff_id : NULL);
}

static int parse_chmod(const engine__df_instr *in, int *out)
{
	const char *v = engine__df_flag(in, "chmod");
	char *end;
	long m;

	*out = -1;
	if (!v)
		return 0;
	m = strtol(v, &end, 8);
	if (!*v || *end || m < 0 || m > 07777)
		return engine__error_set(ENGINE_EINVALID, 0, "Dockerfile:%d: %s: invalid --chmod \"%s\"",
					 in->line, engine__df_kind_name(in->kind), v);
	*out = (int)m;
	return 0;
}

/* --from=NAME: an earlier stage (by name or index), else an image in the store. */
static int resolve_from(engine__builder *b, const engine__df_instr *in, const char *from,
			char id[ENGINE__DIGEST_LEN + 1])
{
	for (size_t i = 0; i < b->n_done; i++) {
		char idx[32];

		snprintf(idx, sizeof(idx), "%zu", i);
		if ((b->stage_names[i] && strcasecmp(b->stage_names[i], from) == 0) ||
		    strcmp(idx, from) == 0) {
			memcpy(id, b->stage_ids[i], ENGINE__DIGEST_LEN + 1);
			return 0;
		}
	}
	if (engine__image_lookup(b->ctx, from, id) < 0)
		return engine__error_wrap("Dockerfile:%d: COPY --from=%s: no such stage or image", in->line,
					  from);
	return 0;
}

static int step_copy(engine__builder *b, engine__build_stage *st, const engine__df_instr *in)
{
	engine__copy_req req = {0};
	engine__copy_plan *plan = NULL;
	cleanup_strv char **srcs = calloc(1, sizeof(char *)), **layers = NULL;
	cleanup_free char *dest = NULL, *raw_dest = NULL, *chown = NULL, *from_root = NULL, *tmp = NULL;
	cleanup_free char *created_by = NULL, *key = NULL, *shell = NULL;
	const char *from = engine__df_flag(in, "from"), *wd;
	size_t n = engine__strv_len(in->args);
	char diff_id[ENGINE__DIGEST_LEN + 1];
	bool hit;
	int r;

	if (!srcs)
		return engine__error_oom();
	for (size_t i = 0; i + 1 < n; i++) {
		char *s;

		if ((r = engine__build_expand(st, in, in->args[i], &s)) < 0)
			return r;
		if ((r = engine__strv_push_take(&srcs, s)) < 0)
			return r;
	}
	if ((r = engine__build_expand(st, in, in->args[n - 1], &raw_dest)) < 0)
		return r;
	/* A relative destination is relative to WORKDIR; a trailing '/' means a directory. */
	wd = engine__json_get_string(engine__build_config(st), "WorkingDir");
	dest = raw_dest[0] == '/' ? strdup(raw_dest)
				  : engine__strdup_printf("%s/%s", wd && *wd ? wd : "", raw_dest);
	if (!dest)
		return engine__error_oom();
	if ((r = parse_chmod(in, &req.chmod)) < 0 || (r = engine__build_layer_dirs(b, &layers)) < 0)
		return r;
	/* Symlinks on the way to the destination are followed inside the image
	 * (COPY x /bin/ where /bin -> usr/bin writes into /usr/bin). */
	{
		char *res = NULL;
		/* "." and "dir/." name directories too, as in Docker. */
		bool slash = engine__str_ends_with(dest, "/") || strcmp(raw_dest, ".") == 0 ||
			     engine__str_ends_with(dest, "/.") || engine__str_ends_with(dest, "/..");

		if ((r = engine__image_path_resolve(layers, dest, &res)) < 0)
			return engine__error_wrap("Dockerfile:%d: %s %s", in->line,
						  engine__df_kind_name(in->kind), dest);
		free(dest);
		dest = slash && !engine__str_ends_with(res, "/") ? engine__strdup_printf("%s/", res) : res;
		if (dest != res)
			free(res);
		if (!dest)
			return ENGINE_ENOMEM;
	}
	if (engine__df_flag(in, "chown")) {
		if ((r = engine__build_expand(st, in, engine__df_flag(in, "chown"), &chown)) < 0)
			return r;
		if ((r = engine__chown_resolve(layers, chown, &req.uid, &req.gid)) < 0)
			return engine__error_wrap("Dockerfile:%d: %s", in->line,
						  engine__df_kind_name(in->kind));
		req.chown = true;
	}
	if (from) {
		char id[ENGINE__DIGEST_LEN + 1];

		if ((r = resolve_from(b, in, from, id)) < 0 ||
		    (r = engine__build_tmpdir(b, "from", &from_root)) < 0)
			return r;
		/* The other image's files, flattened once for this step. */
		if ((r = engine_image_unpack(b->ctx, id, from_root)) < 0) {
			engine__rm_rf(from_root);
			return engine__error_wrap("Dockerfile:%d: COPY --from=%s", in->line, from);
		}
	}
	req.ctx = b->ctx;
	req.kw = engine__df_kind_name(in->kind);
	req.line = in->line;
	req.src_root = from ? from_root : b->context_dir;
	req.ignore = from ? NULL : b->ignore;
	req.srcs = srcs;
	req.dest = dest;
	req.add = in->kind == ENGINE__DF_ADD;
	req.preserve_owner = from != NULL;
	req.in_image = from != NULL;
	req.layers = layers;
	r = engine__copy_plan_new(&req, &plan);
	if (r >= 0) {
		shell = engine__build_shell_string(st);
		created_by =
		    shell ? engine__strdup_printf("%s #(nop) %s %s%s%s%s%s in %s ", shell, req.kw,
						  chown ? "--chown=" : "", chown ? chown : "",
						  chown ? " " : "", engine__copy_plan_hash(plan), "", dest)
			  : NULL;
		r = created_by && engine__build_step_key(st, created_by, &key) == 0 ? 0 : ENGINE_ENOMEM;
	}
	if (r >= 0 && (r = engine__build_probe(b, st, key, &hit)) >= 0 && !hit) {
		if ((r = engine__build_tmpdir(b, "copy", &tmp)) >= 0) {
			r = engine__copy_plan_write(&req, plan, tmp);
			if (r >= 0)
				r = engine__build_layer(b, st, tmp, diff_id);
			engine__rm_rf(tmp);
		}
		if (r >= 0)
			r = engine__build_finish_step(b, st, created_by, key, diff_id);
	}
	engine__copy_plan_free(plan);
	if (from_root)
		engine__rm_rf(from_root);
	return r;
}

int engine__build_step(engine__builder *b, engine__build_stage *st, const engine__df_instr *in)
{
	switch (in->kind) {
	case ENGINE__DF_RUN:
		return engine__build_step_run(b, st, in);
	case ENGINE__DF_COPY:
	case ENGINE__DF_ADD:
		return step_copy(b, st, in);
	case ENGINE__DF_FROM:
		return engine__error_set(ENGINE_EINVALID, 0, "Dockerfile:%d: FROM inside a stage", in->line);
	default:
		return step_meta(b, st, in);
	}
}
