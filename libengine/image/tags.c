/*
 * Image tags: repositories.json (Docker's own shape: {"Repositories": {repo:
 * {"repo:tag": id}}}), rewritten atomically under tags.lock. Keys are
 * references in the spelling util/reference.c normalises them to.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "core/error.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/reference.h"
#include "util/str.h"
#include "util/strv.h"

/* Repository part of a normalised "name:tag" (malloc'd). */
static char *repo_of(const char *ref)
{
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');
	const char *at = strchr(ref, '@');
	const char *end = at ? at : colon;

	return end ? strndup(ref, (size_t)(end - ref)) : strdup(ref);
}

int engine__tags_load(engine_context *ctx, json_object **out)
{
	cleanup_free char *path = engine__context_path(ctx, "repositories.json");
	cleanup_json json_object *doc = NULL;
	json_object *flat, *repos;
	int r;

	if (!path)
		return ENGINE_ENOMEM;
	flat = json_object_new_object();
	if (!flat)
		return engine__error_oom();
	r = engine__json_parse_file(path, &doc);
	if (r == ENGINE_ENOTFOUND) {
		*out = flat;
		return 0;
	}
	if (r < 0) {
		json_object_put(flat);
		return r;
	}
	repos = engine__json_get_type(doc, "Repositories", json_type_object);
	if (repos) {
		json_object_object_foreach(repos, repo, tags)
		{
			(void)repo;
			if (!json_object_is_type(tags, json_type_object))
				continue;
			json_object_object_foreach(tags, ref, id)
			{
				if (json_object_is_type(id, json_type_string))
					json_object_object_add(flat, ref, json_object_get(id));
			}
		}
	}
	*out = flat;
	return 0;
}

static int tags_save(engine_context *ctx, json_object *flat)
{
	cleanup_free char *path = engine__context_path(ctx, "repositories.json");
	cleanup_json json_object *doc = json_object_new_object();
	json_object *repos = json_object_new_object();

	if (!path || !doc || !repos) {
		json_object_put(repos);
		return engine__error_oom();
	}
	json_object_object_add(doc, "Repositories", repos);
	json_object_object_foreach(flat, ref, id)
	{
		cleanup_free char *repo = repo_of(ref);
		json_object *tags;

		if (!repo)
			return engine__error_oom();
		if (!json_object_object_get_ex(repos, repo, &tags)) {
			tags = json_object_new_object();
			if (!tags || json_object_object_add(repos, repo, tags) < 0)
				return engine__error_oom();
		}
		json_object_object_add(tags, ref, json_object_get(id));
	}
	return engine__json_write_file(path, doc, false);
}

int engine__tags_lock(engine_context *ctx)
{
	cleanup_free char *path = engine__context_path(ctx, "tags.lock");

	return path ? engine__lock_take(path, true) : ENGINE_ENOMEM;
}

int engine__image_tag(engine_context *ctx, const char *image_id, const char *ref)
{
	cleanup_free char *norm = NULL;
	cleanup_json json_object *rec = NULL, *flat = NULL;
	int lock, r;

	r = engine__reference_normalize(ref, &norm);
	if (r < 0)
		return r;
	if (strchr(norm, '@'))
		return engine__error_set(ENGINE_EINVALID, 0, "tag \"%s\": a tag cannot contain a digest",
					 ref);
	const char *repo_end = strrchr(norm, ':');
	if (repo_end - norm == 64 && strspn(norm, "0123456789abcdef") == 64)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "tag \"%s\": repository name cannot be 64-byte hexadecimal", ref);
	r = engine__image_record(ctx, image_id, &rec);
	if (r < 0)
		return r;
	lock = engine__tags_lock(ctx);
	if (lock < 0)
		return lock;
	r = engine__tags_load(ctx, &flat);
	if (r == 0) {
		json_object_object_add(flat, norm, json_object_new_string(image_id));
		r = tags_save(ctx, flat);
	}
	engine__lock_release(lock);
	return r < 0 ? engine__error_wrap("tag %s", norm) : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int engine__tags_of(engine_context *ctx, const char *image_id, char ***out)
{
	cleanup_json json_object *flat = NULL;
	cleanup_strv char **v = calloc(1, sizeof(char *));
	int r;

	if (!v)
		return engine__error_oom();
	r = engine__tags_load(ctx, &flat);
	if (r < 0)
		return r;
	json_object_object_foreach(flat, ref, id)
	{
		if (strcmp(json_object_get_string(id), image_id) == 0 && (r = engine__strv_push(&v, ref)) < 0)
			return r;
	}
	qsort(v, engine__strv_len(v), sizeof(char *), cmp_str);
	*out = steal_ptr(v);
	return 0;
}

int engine__tag_remove(engine_context *ctx, const char *ref)
{
	cleanup_free char *norm = NULL;
	cleanup_json json_object *flat = NULL;
	int lock, r;

	r = engine__reference_normalize(ref, &norm);
	if (r < 0)
		return r;
	lock = engine__tags_lock(ctx);
	if (lock < 0)
		return lock;
	r = engine__tags_load(ctx, &flat);
	if (r == 0) {
		if (!json_object_object_get_ex(flat, norm, NULL)) {
			r = engine__error_set(ENGINE_ENOTFOUND, 0, "No such image: %s", norm);
		} else {
			json_object_object_del(flat, norm);
			r = tags_save(ctx, flat);
		}
	}
	engine__lock_release(lock);
	return r;
}

int engine__tags_remove_image(engine_context *ctx, const char *image_id, char ***removed)
{
	cleanup_json json_object *flat = NULL;
	cleanup_strv char **gone = calloc(1, sizeof(char *));
	int lock, r;

	if (!gone)
		return engine__error_oom();
	lock = engine__tags_lock(ctx);
	if (lock < 0)
		return lock;
	r = engine__tags_load(ctx, &flat);
	if (r == 0) {
		json_object_object_foreach(flat, ref, id)
		{
			if (strcmp(json_object_get_string(id), image_id) == 0 &&
			    (r = engine__strv_push(&gone, ref)) < 0)
				break;
		}
	}
	if (r == 0 && gone[0]) {
		for (size_t i = 0; gone[i]; i++)
			json_object_object_del(flat, gone[i]);
		r = tags_save(ctx, flat);
	}
	engine__lock_release(lock);
	if (r == 0 && removed) {
		qsort(gone, engine__strv_len(gone), sizeof(char *), cmp_str);
		*removed = steal_ptr(gone);
	}
	return r;
}
