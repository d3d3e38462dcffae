/* Blob source hints. Best effort: a lost or stale hint only costs an
 * upload, so readers ignore a damaged file and each blob keeps the few
 * most recent repositories. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "core/error.h"
#include "registry/sources.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/str.h"
#include "util/strv.h"

#define MAX_SOURCES 4

static json_object *load(const char *path)
{
	json_object *doc = NULL;

	if (!engine__path_exists(path) || engine__json_parse_file(path, &doc) < 0 ||
	    !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		engine_error_clear();
		doc = json_object_new_object();
	}
	return doc;
}

int engine__sources_add(engine_context *ctx, const char *name, char *const *digests)
{
	cleanup_free char *path = engine__context_path(ctx, "registry-sources.json");
	cleanup_free char *lockp = engine__context_path(ctx, "registry-sources.lock");
	cleanup_json json_object *doc = NULL;
	int lk, r;

	if (!path || !lockp)
		return ENGINE_ENOMEM;
	lk = engine__lock_take(lockp, true);
	if (lk < 0)
		return lk;
	doc = load(path);
	if (!doc) {
		engine__lock_release(lk);
		return engine__error_oom();
	}
	for (char *const *d = digests; *d; d++) {
		json_object *list = engine__json_get_type(doc, *d, json_type_array);
		json_object *fresh = json_object_new_array();
		if (!fresh)
			break;
		/* Most recent first, no duplicates, a few at most. */
		json_object_array_add(fresh, json_object_new_string(name));
		for (size_t i = 0; list && i < json_object_array_length(list) &&
				   json_object_array_length(fresh) < MAX_SOURCES;
		     i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(list, i));
			if (s && strcmp(s, name) != 0)
				json_object_array_add(fresh, json_object_new_string(s));
		}
		json_object_object_add(doc, *d, fresh);
	}
	r = engine__json_write_file(path, doc, false);
	engine__lock_release(lk);
	return r;
}

int engine__sources_get(engine_context *ctx, const char *digest, const char *domain, const char *except_path,
			char ***out)
{
	cleanup_free char *path = engine__context_path(ctx, "registry-sources.json");
	cleanup_json json_object *doc = NULL;
	cleanup_strv char **found = calloc(1, sizeof(char *));
	cleanup_free char *prefix = engine__strdup_printf("%s/", domain);
	json_object *list;

	if (!path || !found || !prefix)
		return engine__error_oom();
	doc = load(path);
	list = doc ? engine__json_get_type(doc, digest, json_type_array) : NULL;
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(list, i));
		if (s && engine__str_starts_with(s, prefix) && strcmp(s + strlen(prefix), except_path) != 0 &&
		    engine__strv_push(&found, s + strlen(prefix)) < 0)
			return ENGINE_ENOMEM;
	}
	*out = steal_ptr(found);
	return 0;
}

void engine__sources_record(engine_context *ctx, const char *domain, const char *path,
			    const engine__manifest *m)
{
	cleanup_strv char **blobs = NULL;
	cleanup_free char *name = engine__strdup_printf("%s/%s", domain, path);
	bool ok = name != NULL;

	for (size_t i = 0; ok && i < m->n_layers; i++)
		ok = engine__strv_push(&blobs, m->layers[i].digest) == 0;
	if (ok)
		ok = engine__strv_push(&blobs, m->config.digest) == 0;
	if (!ok || engine__sources_add(ctx, name, blobs) < 0)
		engine_error_clear();
}
