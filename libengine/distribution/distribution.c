/*
 * The registry view of a store: the handle, repository names (their
 * grammar, and how they map onto store tags and onto the upstream's
 * paths), the catalog and tag lists (store tags and the registry's index,
 * merged, sorted, paginated).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/abi.h"
#include "core/error.h"
#include "distribution/internal.h"
#include "registry/endpoint.h"
#include "registry/regconfig.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/reference.h"
#include "util/str.h"
#include "util/strv.h"

#define NAME_MAX_LEN 255

ENGINE_EXTERN int engine_distribution_options_init(engine_distribution_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_distribution_options, opts, version,
					  ENGINE_DISTRIBUTION_OPTIONS_INIT);
}

/* "https://registry-1.docker.io/" -> url "https://registry-1.docker.io",
 * domain "docker.io" (Hub's API host and index host are Hub). */
static int parse_upstream(const char *url, char **url_out, char **domain_out)
{
	cleanup_free char *host = NULL;
	size_t len = strlen(url);
	const char *rest;

	if (!engine__str_starts_with(url, "http://") && !engine__str_starts_with(url, "https://"))
		return engine__error_set(ENGINE_EINVALID, 0,
					 "mirror-of \"%s\": the upstream must be an http:// or https:// URL",
					 url);
	host = engine__url_host(url);
	if (!host)
		return ENGINE_ENOMEM;
	if (!engine__reference_domain_valid(host))
		return engine__error_set(ENGINE_EINVALID, 0, "mirror-of \"%s\": invalid host \"%s\"", url,
					 host);
	rest = strstr(url, "://") + 3;
	rest += strcspn(rest, "/?#");
	if (rest[strspn(rest, "/")] != '\0')
		return engine__error_set(ENGINE_EINVALID, 0,
					 "mirror-of \"%s\": give the registry's root URL, without a path",
					 url);
	while (len > 0 && url[len - 1] == '/')
		len--;
	*url_out = strndup(url, len);
	if (strcmp(host, ENGINE__DOCKER_HUB_API) == 0 || strcmp(host, "index.docker.io") == 0 ||
	    strcmp(host, ENGINE__DOCKER_HUB) == 0)
		*domain_out = strdup(ENGINE__DOCKER_HUB);
	else
		*domain_out = steal_ptr(host);
	if (!*url_out || !*domain_out)
		return engine__error_oom();
	return 0;
}

ENGINE_EXTERN int engine_distribution_new(engine_context *ctx, const engine_distribution_options *opts,
					  engine_distribution **out)
{
	engine_distribution_options o = ENGINE_DISTRIBUTION_OPTIONS_INIT;
	engine_distribution *d;
	int r;

	if (!ctx || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "distribution: NULL argument");
	if ((r = engine__abi_read(ENGINE__ABI(engine_distribution_options), &o, opts)) < 0)
		return r;
	if (o.timeout < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "distribution: negative timeout %d", o.timeout);
	d = calloc(1, sizeof(*d));
	if (!d)
		return engine__error_oom();
	d->ctx = ctx;
	d->read_only = o.read_only != 0;
	d->timeout = engine__endpoint_timeout(ctx, o.timeout);
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	if (o.mirror_of && o.mirror_of[0] &&
	    (r = parse_upstream(o.mirror_of, &d->upstream_url, &d->upstream_domain)) < 0) {
		engine_distribution_free(d);
		return r;
	}
	*out = d;
	return 0;
}

ENGINE_EXTERN void engine_distribution_free(engine_distribution *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->closing = true;
	pthread_cond_broadcast(&d->cond);
	/* Fetch threads see `closing` and stop at their next write. */
	while (d->threads > 0)
		pthread_cond_wait(&d->cond, &d->lock);
	engine__dist_uploads_clear(d);
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d->upstream_url);
	free(d->upstream_domain);
	free(d);
}

/* --- names ------------------------------------------------------------------ */

static bool alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool component_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !alnum_lower(s[0]) || !alnum_lower(s[n - 1]))
		return false;
	while (i < n) {
		if (alnum_lower(s[i])) {
			i++;
			continue;
		}
		size_t sep = i;
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return false;
		if (i == sep || i >= n || !alnum_lower(s[i]))
			return false;
	}
	return true;
}

ENGINE_EXTERN int engine_distribution_name_check(const char *name)
{
	size_t len;

	if (!name || !name[0])
		return engine__error_set(ENGINE_EINVALID, 0, "invalid repository name: empty");
	len = strlen(name);
	if (len > NAME_MAX_LEN)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "invalid repository name: %zu characters, the limit is %d", len,
					 NAME_MAX_LEN);
	for (const char *p = name;;) {
		size_t n = strcspn(p, "/");

		if (!component_ok(p, n))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "invalid repository name \"%s\": component \"%.*s\" must be "
						 "lower-case letters and "
						 "digits, separated by '.', '_', '__' or dashes",
						 name, (int)n, p);
		if (!p[n])
			break;
		p += n + 1;
	}
	return 0;
}

int engine__dist_tag_check(const char *tag)
{
	size_t n = tag ? strlen(tag) : 0;

	if (n == 0 || n > 128 || tag[0] == '.' || tag[0] == '-' ||
	    strspn(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "invalid tag \"%s\": letters, digits, '_', '.' and '-', at most 128, "
		    "not starting with '.' or '-'",
		    tag ? tag : "");
	return 0;
}

static bool hub_mode(const engine_distribution *d)
{
	return strcmp(engine__dist_domain(d), ENGINE__DOCKER_HUB) == 0;
}

int engine__dist_canonical(const engine_distribution *d, const char *name, char **out)
{
	int r = engine_distribution_name_check(name);

	if (r < 0)
		return r;
	if (!d->upstream_domain) {
		/* Served as familiar names: "library/x" and "docker.io/x" are "x". */
		cleanup_reference engine__reference *ref = NULL;

		r = engine__reference_parse(name, ENGINE__DOCKER_HUB, &ref);
		if (r < 0)
			return r;
		*out = engine__reference_familiar_name(ref, ENGINE__DOCKER_HUB);
	} else if (hub_mode(d) && engine__str_starts_with(name, "library/") && !strchr(name + 8, '/')) {
		*out = strdup(name + 8);
	} else {
		*out = strdup(name);
	}
	return *out ? 0 : engine__error_oom();
}

int engine__dist_store_ref(const engine_distribution *d, const char *name, const char *tag, char **out)
{
	cleanup_free char *s = d->upstream_domain
				   ? engine__strdup_printf("%s/%s:%s", d->upstream_domain, name, tag)
				   : engine__strdup_printf("%s:%s", name, tag);

	if (!s)
		return ENGINE_ENOMEM;
	return engine__reference_normalize(s, out);
}

char *engine__dist_served_name(const engine_distribution *d, const char *store_key, char **tag_out)
{
	cleanup_reference engine__reference *ref = NULL;
	cleanup_free char *name = NULL;

	if (engine__reference_parse(store_key, ENGINE__DOCKER_HUB, &ref) < 0 || !ref->tag || ref->digest) {
		engine_error_clear();
		return NULL;
	}
	if (!d->upstream_domain)
		name = engine__reference_familiar_name(ref, ENGINE__DOCKER_HUB);
	else if (strcmp(ref->domain, d->upstream_domain) != 0)
		return NULL;
	else if (hub_mode(d))
		name = engine__reference_familiar_name(ref, ENGINE__DOCKER_HUB);
	else
		name = strdup(ref->path);
	if (!name || engine_distribution_name_check(name) < 0) {
		engine_error_clear();
		return NULL;
	}
	if (tag_out && !(*tag_out = strdup(ref->tag)))
		return NULL;
	return steal_ptr(name);
}

char *engine__dist_upstream_path(const engine_distribution *d, const char *name)
{
	if (hub_mode(d) && !strchr(name, '/'))
		return engine__strdup_printf("library/%s", name);
	return strdup(name);
}

/* --- listings ---------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort @v, drop duplicates, and hand the page after @last (at most @n, 0:
 * all) to @out. */
static int paginate(char **v, const char *last, size_t n, engine_strarray *out, int *more)
{
	size_t len = engine__strv_len(v), k = 0, start = 0;
	cleanup_strv char **page = calloc(1, sizeof(char *));

	if (!page)
		return engine__error_oom();
	qsort(v, len, sizeof(char *), cmp_str);
	for (size_t i = 0; i < len; i++)
		if (k == 0 || strcmp(v[k - 1], v[i]) != 0) {
			char *t = v[k];
			v[k++] = v[i];
			v[i] = t;
		}
	while (start < k && last && last[0] && strcmp(v[start], last) <= 0)
		start++;
	if (more)
		*more = 0;
	for (size_t i = start; i < k; i++) {
		if (n && i - start == n) {
			if (more)
				*more = 1;
			break;
		}
		if (engine__strv_push(&page, v[i]) < 0)
			return ENGINE_ENOMEM;
	}
	engine__strv_to_array(steal_ptr(page), out);
	return 0;
}

ENGINE_EXTERN int engine_distribution_catalog(engine_distribution *d, const char *last, size_t n,
					      engine_strarray *out, int *more)
{
	cleanup_json json_object *tags = NULL;
	cleanup_strv char **names = NULL;
	int r;

	if (!d || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "catalog: NULL argument");
	r = engine__dist_index_repos(d, &names);
	if (r == 0)
		r = engine__tags_load(d->ctx, &tags);
	if (r < 0)
		return engine__error_wrap("catalog");
	json_object_object_foreach(tags, key, val)
	{
		char *name = engine__dist_served_name(d, key, NULL);

		(void)val;
		if (name && engine__strv_push_take(&names, name) < 0)
			return ENGINE_ENOMEM;
	}
	return paginate(names, last, n, out, more);
}

ENGINE_EXTERN int engine_distribution_tags(engine_distribution *d, const char *name, const char *last,
					   size_t n, engine_strarray *out, int *more)
{
	cleanup_json json_object *tags = NULL, *index = NULL;
	cleanup_strv char **list = calloc(1, sizeof(char *));
	cleanup_free char *canonical = NULL;
	json_object *itags;
	int r;

	if (!d || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "tags: NULL argument");
	if (!list)
		return engine__error_oom();
	r = engine__dist_canonical(d, name, &canonical);
	if (r == 0)
		r = engine__tags_load(d->ctx, &tags);
	if (r == 0)
		r = engine__dist_index_read(d, canonical, &index);
	if (r < 0)
		return engine__error_wrap("tags of %s", name ? name : "(null)");
	json_object_object_foreach(tags, key, val)
	{
		char *tag = NULL;
		cleanup_free char *served = engine__dist_served_name(d, key, &tag);

		(void)val;
		if (served && strcmp(served, canonical) == 0) {
			if (engine__strv_push_take(&list, tag) < 0)
				return ENGINE_ENOMEM;
		} else {
			free(tag);
		}
	}
	itags = engine__json_get_type(index, "tags", json_type_object);
	if (itags) {
		json_object_object_foreach(itags, t, dv)
		{
			(void)dv;
			if (engine__strv_push(&list, t) < 0)
				return ENGINE_ENOMEM;
		}
	}
	if (!list[0] && d->upstream_domain) {
		engine__strv_free(steal_ptr(list));
		r = engine__dist_upstream_tags(d, name, &list);
		if (r < 0)
			return r;
	}
	/* (a repository whose tags all went has an empty list, as in Distribution) */
	if (!list[0] && !itags)
		return engine__error_set(ENGINE_ENOTFOUND, 0, "repository %s: no such repository", name);
	return paginate(list, last, n, out, more);
}
