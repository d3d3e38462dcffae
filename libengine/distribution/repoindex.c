/*
 * The registry's own index of repositories (format in internal.h): what a
 * repository holds beyond the store's tagged images. One small JSON file
 * per repository, rewritten atomically under a lock that serialises every
 * process serving the same root.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/context.h"
#include "core/error.h"
#include "distribution/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/str.h"
#include "util/strv.h"

#define INDEX_FILE ENGINE__DISTRIBUTION_INDEX
#define REPOS_DIR ENGINE__DISTRIBUTION_REPOS

static char *index_path(engine_distribution *d, const char *canonical)
{
	cleanup_free char *rel = engine__strdup_printf(REPOS_DIR "/%s/" INDEX_FILE, canonical);

	return rel ? engine__context_path(d->ctx, rel) : NULL;
}

int engine__dist_index_read(engine_distribution *d, const char *canonical, json_object **out)
{
	cleanup_free char *path = index_path(d, canonical);
	int r;

	if (!path)
		return engine__error_oom();
	r = engine__json_parse_file(path, out);
	if (r == ENGINE_ENOTFOUND) {
		engine_error_clear();
		*out = json_object_new_object();
		return *out ? 0 : engine__error_oom();
	}
	if (r == 0 && !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		return engine__error_set(ENGINE_EINVALID, 0, "%s: expected a JSON object", path);
	}
	return r < 0 ? engine__error_wrap("repository %s: index", canonical) : 0;
}

/* The member @key of @o of type @t, created when missing. */
static json_object *member(json_object *o, const char *key, json_type t)
{
	json_object *v = engine__json_get_type(o, key, t);

	if (v)
		return v;
	v = t == json_type_array ? json_object_new_array() : json_object_new_object();
	if (v)
		json_object_object_add(o, key, v);
	return v;
}

static bool array_has(json_object *arr, const char *s)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s) == 0)
			return true;
	return false;
}

static int array_add(json_object *arr, const char *s)
{
	if (!arr)
		return engine__error_oom();
	if (array_has(arr, s))
		return 0;
	return json_object_array_add(arr, json_object_new_string(s)) == 0 ? 0 : engine__error_oom();
}

static void array_drop(json_object *arr, const char *s)
{
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s) == 0) {
			json_object_array_del_idx(arr, i, 1);
			return;
		}
}

static int apply(json_object *idx, const engine__dist_index_change *c)
{
	/* A repository has tags once one was set (its tags list then answers
	 * even when all are gone, as Distribution's tags directory stays);
	 * one pushed by digest only has none. */
	json_object *tags = c->tag ? member(idx, "tags", json_type_object) : NULL;
	json_object *fetched = c->tag ? member(idx, "fetched", json_type_object) : NULL;
	json_object *deleted;
	int r;

	if (c->tag && (!tags || !fetched))
		return engine__error_oom();
	if (c->manifest && (r = array_add(member(idx, "manifests", json_type_array), c->manifest)) < 0)
		return r;
	/* What is pushed, mounted or linked again is the repository's again. */
	deleted = engine__json_get_type(idx, "deleted", json_type_array);
	if (c->manifest)
		array_drop(deleted, c->manifest);
	if (c->revive)
		array_drop(deleted, c->revive);
	for (size_t i = 0; c->add_blobs && c->add_blobs[i]; i++)
		array_drop(deleted, c->add_blobs[i]);
	if (c->tag && c->drop_tag) {
		json_object_object_del(tags, c->tag);
		json_object_object_del(fetched, c->tag);
	} else if (c->tag && c->manifest) {
		json_object_object_add(tags, c->tag, json_object_new_string(c->manifest));
		if (c->fetched)
			json_object_object_add(fetched, c->tag, json_object_new_int64((int64_t)time(NULL)));
		else
			json_object_object_del(fetched, c->tag);
	}
	for (size_t i = 0; c->add_blobs && c->add_blobs[i]; i++)
		if ((r = array_add(member(idx, "blobs", json_type_array), c->add_blobs[i])) < 0)
			return r;
	if (c->drop_manifest)
		array_drop(engine__json_get_type(idx, "manifests", json_type_array), c->drop_manifest);
	for (size_t i = 0; c->drop_blobs && c->drop_blobs[i]; i++)
		array_drop(engine__json_get_type(idx, "blobs", json_type_array), c->drop_blobs[i]);
	if (c->forget) {
		array_drop(engine__json_get_type(idx, "manifests", json_type_array), c->forget);
		array_drop(engine__json_get_type(idx, "blobs", json_type_array), c->forget);
		if ((r = array_add(member(idx, "deleted", json_type_array), c->forget)) < 0)
			return r;
	}
	return 0;
}

int engine__dist_index_deleted(engine_distribution *d, const char *canonical, const char *digest)
{
	cleanup_json json_object *idx = NULL;
	json_object *deleted;
	int r = engine__dist_index_read(d, canonical, &idx);

	if (r < 0)
		return r;
	deleted = engine__json_get_type(idx, "deleted", json_type_array);
	return deleted && array_has(deleted, digest) ? 1 : 0;
}

int engine__dist_index_update(engine_distribution *d, const char *canonical,
			      const engine__dist_index_change *c)
{
	cleanup_free char *path = index_path(d, canonical);
	cleanup_free char *lock_path = engine__context_path(d->ctx, "distribution/lock");
	cleanup_free char *dir = NULL;
	cleanup_json json_object *idx = NULL;
	int lock, r;

	if (!path || !lock_path)
		return engine__error_oom();
	dir = strdup(path);
	if (!dir)
		return engine__error_oom();
	*strrchr(dir, '/') = '\0';
	r = engine__mkdir_p(dir, 0700);
	if (r < 0)
		return engine__error_wrap("repository %s", canonical);
	lock = engine__lock_take(lock_path, true);
	if (lock < 0)
		return engine__error_wrap("repository %s: lock the registry index", canonical);
	r = engine__dist_index_read(d, canonical, &idx);
	if (r == 0)
		r = apply(idx, c);
	if (r == 0)
		r = engine__json_write_file(path, idx, false);
	engine__lock_release(lock);
	return r < 0 ? engine__error_wrap("repository %s: update the registry index", canonical) : 0;
}

/* Walk @dir (relative name @rel) for repositories: every index file, as
 * Distribution's catalog lists a repository whose tags all went. */
static int walk(engine_distribution *d, const char *dir, const char *rel, char ***out, int depth)
{
	cleanup_closedir DIR *dh = opendir(dir);
	struct dirent *de;
	int r;

	if (!dh)
		return (errno == ENOENT || errno == ENOTDIR) ? 0 : engine__error_errno(errno, "open %s", dir);
	if (depth > 64)
		return 0;
	while ((de = readdir(dh))) {
		cleanup_free char *sub = NULL, *subrel = NULL;

		if (de->d_name[0] == '.')
			continue;
		if (strcmp(de->d_name, INDEX_FILE) == 0 && rel[0]) {
			cleanup_json json_object *idx = NULL;

			if (engine__dist_index_read(d, rel, &idx) < 0) {
				engine_error_clear();
				continue;
			}
			if ((r = engine__strv_push(out, rel)) < 0)
				return r;
			continue;
		}
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		sub = engine__path_join(dir, de->d_name);
		subrel = rel[0] ? engine__strdup_printf("%s/%s", rel, de->d_name) : strdup(de->d_name);
		if (!sub || !subrel)
			return engine__error_oom();
		if ((r = walk(d, sub, subrel, out, depth + 1)) < 0)
			return r;
	}
	return 0;
}

int engine__dist_index_repos(engine_distribution *d, char ***out)
{
	cleanup_free char *dir = engine__context_path(d->ctx, REPOS_DIR);
	cleanup_strv char **v = calloc(1, sizeof(char *));
	int r;

	if (!dir || !v)
		return engine__error_oom();
	r = walk(d, dir, "", &v, 0);
	if (r < 0)
		return r;
	*out = steal_ptr(v);
	return 0;
}
