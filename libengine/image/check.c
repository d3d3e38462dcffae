/*
 * engine_store_check: every blob against its digest, every layer against its
 * record and blob, every image against its blobs and layers, every tag
 * against its image. Unreferenced content and temp files are not problems
 * (they are what an interrupted write leaves, and prune removes them).
 */
#include "config.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <engine/store.h>

#include "core/context.h"
#include "core/error.h"
#include "image/internal.h"
#include "image/store.h"
#include "image/verify.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

__attribute__((format(printf, 2, 3))) static int add(char ***problems, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return engine__strv_push_take(problems, s);
}

static int check_blobs(engine_context *ctx, char ***problems)
{
	cleanup_free char *dir = engine__context_path(ctx, "blobs/sha256");
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;
	int r = 0;

	if (!dir)
		return ENGINE_ENOMEM;
	d = opendir(dir);
	while (r == 0 && d && (de = readdir(d))) {
		char digest[16 + 256], got[ENGINE__DIGEST_LEN + 1];
		cleanup_free char *path = NULL;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(digest, sizeof(digest), "sha256:%s", de->d_name);
		if (!engine__digest_valid(digest)) {
			r = add(problems, "blobs/sha256/%s: not a sha256 digest", de->d_name);
			continue;
		}
		path = engine__path_join(dir, de->d_name);
		if (!path)
			return ENGINE_ENOMEM;
		if (engine__sha256_file(path, got) < 0) {
			r = add(problems, "blob %s: unreadable: %s", digest, engine_error_last()->message);
			continue;
		}
		if (strcmp(got, digest) != 0)
			r = add(problems, "blob %s: digest mismatch (content is %s)", digest, got);
	}
	return r;
}

static int check_layers(engine_context *ctx, char ***problems)
{
	cleanup_free char *dir = engine__context_path(ctx, "layers");
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;
	int r = 0;

	if (!dir)
		return ENGINE_ENOMEM;
	d = opendir(dir);
	while (r == 0 && d && (de = readdir(d))) {
		cleanup_json json_object *rec = NULL;
		char chain[16 + 256], want[ENGINE__DIGEST_LEN + 1];
		const char *diff_id, *parent, *recorded;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(chain, sizeof(chain), "sha256:%s", de->d_name);
		if (!engine__digest_valid(chain)) {
			r = add(problems, "layers/%s: not a chain ID", de->d_name);
			continue;
		}
		if (engine__layer_record(ctx, chain, &rec) < 0) {
			r = add(problems, "layer %s: record unreadable: %s", chain,
				engine_error_last()->message);
			continue;
		}
		diff_id = engine__json_get_string(rec, "diff_id");
		parent = engine__json_get_string(rec, "parent");
		recorded = engine__json_get_string(rec, "chain_id");
		if (!engine__digest_valid(diff_id) || (parent && !engine__digest_valid(parent)) ||
		    !recorded) {
			r = add(problems, "layer %s: record is malformed", chain);
			continue;
		}
		engine__chain_id(parent, diff_id, want);
		if (strcmp(want, chain) != 0 || strcmp(recorded, chain) != 0) {
			r = add(problems, "layer %s: record does not match its chain ID", chain);
			continue;
		}
		if (parent && !engine__layer_exists(ctx, parent))
			r = add(problems, "layer %s: parent layer %s missing", chain, parent);
		if (r == 0)
			r = engine__layer_verify(ctx, chain, rec, problems);
	}
	return r;
}

static int check_images(engine_context *ctx, char ***problems)
{
	cleanup_strv char **ids = NULL;
	int r = engine__image_ids(ctx, &ids);

	for (size_t i = 0; r == 0 && ids[i]; i++) {
		cleanup_json json_object *rec = NULL, *config = NULL;
		json_object *chains, *layers;
		const char *m;

		if (engine__image_record(ctx, ids[i], &rec) < 0) {
			r = add(problems, "image %s: record unreadable: %s", ids[i],
				engine_error_last()->message);
			continue;
		}
		if (!engine__blob_exists(ctx, ids[i]))
			r = add(problems, "image %s: config blob missing", ids[i]);
		else if (engine__image_config(ctx, ids[i], &config) < 0)
			r = add(problems, "image %s: config unreadable: %s", ids[i],
				engine_error_last()->message);
		m = engine__json_get_string(rec, "manifest");
		if (r == 0 && (!m || !engine__blob_exists(ctx, m)))
			r = add(problems, "image %s: manifest blob %s missing", ids[i], m ? m : "(none)");
		layers = engine__json_get_type(rec, "layers", json_type_array);
		for (size_t j = 0; r == 0 && layers && j < json_object_array_length(layers); j++) {
			const char *b = json_object_get_string(json_object_array_get_idx(layers, j));
			if (!engine__blob_exists(ctx, b))
				r = add(problems, "image %s: layer blob %s missing", ids[i],
					b ? b : "(null)");
		}
		chains = engine__json_get_type(rec, "chain_ids", json_type_array);
		for (size_t j = 0; r == 0 && chains && j < json_object_array_length(chains); j++) {
			const char *c = json_object_get_string(json_object_array_get_idx(chains, j));
			if (!engine__layer_exists(ctx, c))
				r = add(problems, "image %s: layer %s missing", ids[i], c ? c : "(null)");
		}
	}
	return r;
}

static int check_tags(engine_context *ctx, char ***problems)
{
	cleanup_json json_object *flat = NULL;
	int r = engine__tags_load(ctx, &flat);

	if (r < 0)
		return add(problems, "repositories.json: %s", engine_error_last()->message);
	json_object_object_foreach(flat, ref, id)
	{
		cleanup_json json_object *rec = NULL;
		if (engine__image_record(ctx, json_object_get_string(id), &rec) < 0 &&
		    (r = add(problems, "tag %s: image %s missing", ref, json_object_get_string(id))) < 0)
			return r;
	}
	return 0;
}

ENGINE_EXTERN int engine_store_check(engine_context *ctx, engine_strarray *problems)
{
	cleanup_strv char **found = calloc(1, sizeof(char *));
	int lock, r;

	if (!ctx || !problems)
		return engine__error_set(ENGINE_EINVALID, 0, "store check: NULL argument");
	if (!found)
		return engine__error_oom();
	/* Shared: writers may go on (their renames are atomic), GC may not. */
	lock = engine__store_lock(ctx, false);
	if (lock < 0)
		return lock;
	r = check_blobs(ctx, &found);
	if (r == 0)
		r = check_layers(ctx, &found);
	if (r == 0)
		r = check_images(ctx, &found);
	if (r == 0)
		r = check_tags(ctx, &found);
	engine__store_unlock(lock);
	if (r < 0)
		return r;
	engine_error_clear();
	engine__strv_to_report(steal_ptr(found), problems);
	return 0;
}
