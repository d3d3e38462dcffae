/*
 * Image references and tags: Docker's reference grammar and normalisation,
 * and repositories.json (Docker's own shape: {"Repositories": {repo:
 * {"repo:tag": id}}}), rewritten atomically under tags.lock.
 */
#include "config.h"

#include <ctype.h>
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
#include "util/str.h"
#include "util/strv.h"

static bool alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool path_component_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !alnum_lower(s[0]) || !alnum_lower(s[n - 1]))
		return false;
	while (i < n) {
		if (alnum_lower(s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		if (s[i] == '.') {
			j++;
		} else if (s[i] == '_') {
			j++;
			if (j < n && s[j] == '_')
				j++;
		} else if (s[i] == '-') {
			while (j < n && s[j] == '-')
				j++;
		} else {
			return false;
		}
		if (j >= n || !alnum_lower(s[j]))
			return false;
		i = j;
	}
	return true;
}

static bool domain_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-' && s[i] != ':' &&
		    s[i] != '[' && s[i] != ']')
			return false;
	return n > 0;
}

static bool tag_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
			return false;
	return true;
}

int engine__ref_normalize(const char *ref, char **out)
{
	cleanup_free char *name = NULL;
	const char *at, *tag = NULL, *digest = NULL, *rest;
	char *colon, *slash;
	size_t first_len;

	if (!ref || !ref[0])
		return engine__error_set(ENGINE_EINVALID, 0, "invalid reference format: empty");
	at = strchr(ref, '@');
	name = at ? strndup(ref, (size_t)(at - ref)) : strdup(ref);
	if (!name)
		return engine__error_oom();
	if (at) {
		digest = at + 1;
		if (!engine__digest_valid(digest))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "invalid reference format: \"%s\": bad digest", ref);
	}
	slash = strrchr(name, '/');
	colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		*colon = '\0';
		tag = colon + 1;
		if (!tag_ok(tag))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "invalid reference format: \"%s\": bad tag", ref);
	}
	/* The first component is a registry when it looks like a host. */
	rest = name;
	slash = strchr(name, '/');
	first_len = slash ? (size_t)(slash - name) : strlen(name);
	const char *domain = NULL;
	size_t domain_len = 0;
	if (slash && (memchr(name, '.', first_len) || memchr(name, ':', first_len) ||
		      (first_len == 9 && !strncmp(name, "localhost", 9)) || memchr(name, '[', first_len))) {
		domain = name;
		domain_len = first_len;
		rest = slash + 1;
		if (!domain_ok(domain, domain_len))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "invalid reference format: \"%s\": bad registry", ref);
	} else {
		for (const char *p = name; *p; p++)
			if (isupper((unsigned char)*p))
				return engine__error_set(
				    ENGINE_EINVALID, 0,
				    "invalid reference format: \"%s\": repository name must be lowercase",
				    ref);
	}
	for (const char *p = rest;;) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (!path_component_ok(p, n))
			return engine__error_set(ENGINE_EINVALID, 0, "invalid reference format: \"%s\"", ref);
		if (!end)
			break;
		p = end + 1;
	}
	/* Familiar form: Docker Hub's domain and "library/" are implied. */
	if (domain && ((domain_len == 9 && !strncmp(domain, "docker.io", 9)) ||
		       (domain_len == 15 && !strncmp(domain, "index.docker.io", 15)))) {
		domain = NULL;
		if (engine__str_starts_with(rest, "library/") && !strchr(rest + 8, '/'))
			rest += 8;
	}
	char *res;
	if (digest)
		res = engine__strdup_printf("%.*s%s%s@%s", (int)domain_len, domain ? domain : "",
					    domain ? "/" : "", rest, digest);
	else
		res = engine__strdup_printf("%.*s%s%s:%s", (int)domain_len, domain ? domain : "",
					    domain ? "/" : "", rest, tag ? tag : "latest");
	if (!res)
		return ENGINE_ENOMEM;
	*out = res;
	return 0;
}

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

	r = engine__ref_normalize(ref, &norm);
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

	r = engine__ref_normalize(ref, &norm);
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
