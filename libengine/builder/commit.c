/*
 * engine_container_commit (docker commit): a new image from a container's
 * writable layer on top of its image. The layer is the upper dir in OCI
 * form, minus the files the runtime writes into every container; the
 * config is the container's (its command, environment, working directory
 * and user over the image's), with --change instructions applied as in a
 * Dockerfile, plus a history entry. A running container is paused for the
 * copy unless told otherwise, as Docker does.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "builder/builder.h"
#include "builder/steps.h"
#include "core/abi.h"
#include "core/error.h"
#include "image/store.h"
#include "runtime/lifecycle.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

ENGINE_EXTERN int engine_commit_options_init(engine_commit_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_commit_options, opts, version, ENGINE_COMMIT_OPTIONS_INIT);
}

static void now_rfc3339(char out[64])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	engine__format_time(out, 64, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

/* "KEY=..." replaces the image's KEY, as the container saw it. */
static void env_merge(json_object *env, const char *item)
{
	size_t k = strcspn(item, "=");

	for (size_t i = 0; i < json_object_array_length(env); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));

		if (e && strncmp(e, item, k) == 0 && (e[k] == '=' || e[k] == '\0')) {
			json_object_array_put_idx(env, i, json_object_new_string(item));
			return;
		}
	}
	json_object_array_add(env, json_object_new_string(item));
}

/* The container's view of the config: its overrides over the image's. */
static int container_config(engine_container *c, json_object *image)
{
	json_object *cfg = engine__json_get_type(image, "config", json_type_object), *env;
	const engine_spec *s = c->spec;

	if (!cfg) {
		cfg = json_object_new_object();
		json_object_object_add(image, "config", cfg);
	}
	if (s->entrypoint_set) {
		json_object_object_add(cfg, "Entrypoint", engine__json_from_strv(s->entrypoint));
		json_object_object_del(cfg, "Cmd");
	}
	if (s->argv)
		json_object_object_add(cfg, "Cmd", engine__json_from_strv(s->argv));
	env = engine__json_get_type(cfg, "Env", json_type_array);
	if (!env && s->env) {
		env = json_object_new_array();
		json_object_object_add(cfg, "Env", env);
	}
	for (size_t i = 0; s->env && s->env[i]; i++)
		if (strchr(s->env[i], '='))
			env_merge(env, s->env[i]);
	if (s->working_dir)
		engine__json_add_string(cfg, "WorkingDir", s->working_dir);
	if (s->user) {
		json_object_object_del(cfg, "User");
		engine__json_add_string(cfg, "User", s->user);
	}
	return 0;
}

static int add_history(engine_container *c, json_object *image, const engine_commit_options *o,
		       const char *created)
{
	json_object *hist = engine__json_get_type(image, "history", json_type_array);
	json_object *h = json_object_new_object(), *args;
	cleanup_free char *cmd = strdup(engine__json_get_string(c->config, "Path") ?: "");

	args = engine__json_get_type(c->config, "Args", json_type_array);
	for (size_t i = 0; cmd && args && i < json_object_array_length(args); i++) {
		char *g = engine__strdup_printf("%s %s", cmd,
						json_object_get_string(json_object_array_get_idx(args, i)));

		free(cmd);
		cmd = g;
	}
	if (!h || !cmd)
		return engine__error_oom();
	if (!hist) {
		hist = json_object_new_array();
		json_object_object_add(image, "history", hist);
	}
	engine__json_add_string(h, "created", created);
	engine__json_add_string(h, "created_by", cmd);
	if (o->author && *o->author)
		engine__json_add_string(h, "author", o->author);
	if (o->comment && *o->comment)
		engine__json_add_string(h, "comment", o->comment);
	json_object_array_add(hist, h);
	return 0;
}

static int build_image(engine_container *c, const engine_commit_options *o, const char *base_id,
		       char id_out[ENGINE__DIGEST_LEN + 1])
{
	static char *const skip[] = {"etc/hosts", "etc/hostname", "etc/resolv.conf", NULL};
	char parent[ENGINE__DIGEST_LEN + 1], blob[ENGINE__DIGEST_LEN + 1], diff[ENGINE__DIGEST_LEN + 1],
	    chain[ENGINE__DIGEST_LEN + 1], now[64];
	cleanup_json json_object *image = NULL;
	cleanup_free char *upper = engine__path_join(c->dir, "upper");
	json_object *rootfs, *ids;
	const char *text;
	bool has;
	int r;

	if (!upper)
		return ENGINE_ENOMEM;
	if ((r = engine__build_load_image(c->ctx, base_id, &image)) < 0 ||
	    (r = engine__build_top_chain(image, parent, &has)) < 0)
		return r;
	r = engine__layer_create_from_dir_skip(c->ctx, upper, has ? parent : NULL, skip, blob, diff, chain);
	if (r < 0)
		return r;
	now_rfc3339(now);
	if ((r = container_config(c, image)) < 0)
		return r;
	if (o->changes.count) {
		cleanup_strv char **v = calloc(o->changes.count + 1, sizeof(char *));

		for (size_t i = 0; v && i < o->changes.count; i++)
			if (!(v[i] = strdup(o->changes.strings[i])))
				return engine__error_oom();
		if (!v)
			return engine__error_oom();
		if ((r = engine__build_apply_changes(image, v)) < 0)
			return r;
	}
	if ((r = add_history(c, image, o, now)) < 0)
		return r;
	rootfs = engine__json_get_type(image, "rootfs", json_type_object);
	if (!rootfs) {
		rootfs = json_object_new_object();
		engine__json_add_string(rootfs, "type", "layers");
		json_object_object_add(image, "rootfs", rootfs);
	}
	ids = engine__json_get_type(rootfs, "diff_ids", json_type_array);
	if (!ids) {
		ids = json_object_new_array();
		json_object_object_add(rootfs, "diff_ids", ids);
	}
	json_object_array_add(ids, json_object_new_string(diff));
	json_object_object_add(image, "created", json_object_new_string(now));
	json_object_object_add(image, "container", json_object_new_string(c->id));
	json_object_object_add(image, "parent", json_object_new_string(base_id));
	json_object_object_del(image, "author");
	json_object_object_del(image, "comment");
	if (o->author && *o->author)
		engine__json_add_string(image, "author", o->author);
	if (o->comment && *o->comment)
		engine__json_add_string(image, "comment", o->comment);
	text = json_object_to_json_string_ext(image, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text)
		return engine__error_oom();
	if ((r = engine__blob_put_buf(c->ctx, text, strlen(text), NULL, id_out)) < 0 ||
	    (r = engine__image_register(c->ctx, id_out, NULL)) < 0)
		return r;
	if (o->ref && *o->ref && (r = engine__image_tag(c->ctx, id_out, o->ref)) < 0)
		return r;
	return 0;
}

ENGINE_EXTERN int engine_container_commit(engine_container *c, const engine_commit_options *opts,
					  char **id_out)
{
	engine_commit_options defaults = ENGINE_COMMIT_OPTIONS_INIT;
	const engine_commit_options *o = &defaults;
	char id[ENGINE__DIGEST_LEN + 1];
	const char *base;
	bool paused = false;
	int lock, r;

	if (!c || !id_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_commit: NULL argument");
	if ((r = engine__abi_read(ENGINE__ABI(engine_commit_options), &defaults, opts)) < 0)
		return r;
	base = engine__json_get_string(c->config, "ImageID");
	if (!base || !*base)
		return engine__error_set(ENGINE_ENOTSUP, 0,
					 "commit container %.12s: it runs on a plain directory, not an image",
					 c->id);
	if (o->pause && strcmp(engine_container_status(c), "running") == 0) {
		r = engine_container_pause(c);
		if (r < 0)
			return engine__error_wrap("commit container %.12s: pause", c->id);
		paused = true;
	}
	/* Shared store lock from the layer to the tag: GC cannot take the
	 * blob or the layer before the image refers to them. */
	lock = engine__store_lock(c->ctx, false);
	r = lock < 0 ? lock : build_image(c, o, base, id);
	if (lock >= 0)
		engine__store_unlock(lock);
	if (paused) {
		engine__error_saved saved;

		engine__error_save(&saved);
		engine_container_resume(c);
		engine__error_restore(&saved);
	}
	if (r < 0)
		return engine__error_wrap("commit container %.12s", c->id);
	*id_out = strdup(id);
	return *id_out ? 0 : engine__error_oom();
}
