/* Image reference grammar and Docker's normalisation rules (default
 * registry, "library/" prefix, default tag): the only parser of references
 * in the library, kept pure for unit tests. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "util/reference.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/str.h"

#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128

static int invalid(const char *s, const char *why)
{
	return engine__error_set(ENGINE_EINVALID, 0, "invalid reference format: \"%s\": %s", s, why);
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | "__" | "-"+ */
static bool component_valid(const char *s, size_t len)
{
	size_t i = 0;

	if (len == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
		return false;
	while (i < len) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		/* A separator: exactly one of ".", "_", "__", or a run of "-". */
		size_t start = i;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < len && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < len && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == start || i >= len || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

static bool path_valid(const char *s, const char **why)
{
	const char *p = s;

	for (const char *c = s; *c; c++)
		if (*c >= 'A' && *c <= 'Z') {
			*why = "repository name must be lowercase";
			return false;
		}
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (!component_valid(p, len)) {
			*why = "invalid repository name";
			return false;
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	return true;
}

static bool tag_valid(const char *t)
{
	size_t len = strlen(t);

	if (len == 0 || len > TAG_MAX_LEN)
		return false;
	if (!(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
			return false;
	return true;
}

bool engine__reference_domain_valid(const char *s)
{
	const char *port = NULL;
	const char *host_end;

	if (!s || !*s)
		return false;
	if (s[0] == '[') {
		/* IPv6 literal: hex digits and colons inside brackets. */
		const char *close = strchr(s, ']');
		if (!close || close == s + 1)
			return false;
		for (const char *c = s + 1; c < close; c++)
			if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '.')
				return false;
		if (close[1] == '\0')
			return true;
		if (close[1] != ':')
			return false;
		port = close + 2;
		host_end = close + 1;
	} else {
		const char *colon = strchr(s, ':');
		host_end = colon ? colon : s + strlen(s);
		port = colon ? colon + 1 : NULL;
		/* domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9], joined by "." */
		const char *c = s;
		while (c < host_end) {
			const char *dot = memchr(c, '.', (size_t)(host_end - c));
			const char *end = dot ? dot : host_end;
			if (end == c || !isalnum((unsigned char)c[0]) || !isalnum((unsigned char)end[-1]))
				return false;
			for (const char *k = c; k < end; k++)
				if (!isalnum((unsigned char)*k) && *k != '-')
					return false;
			c = dot ? dot + 1 : host_end;
			if (dot && c == host_end)
				return false;
		}
	}
	if (port) {
		if (!*port || strlen(port) > 5)
			return false;
		for (const char *c = port; *c; c++)
			if (!isdigit((unsigned char)*c))
				return false;
		if (atoi(port) > 65535)
			return false;
	}
	return true;
}

const char *engine__reference_api_host(const char *domain)
{
	if (strcmp(domain, ENGINE__DOCKER_HUB) == 0 || strcmp(domain, "index.docker.io") == 0)
		return ENGINE__DOCKER_HUB_API;
	return domain;
}

void engine__reference_free(engine__reference *r)
{
	if (!r)
		return;
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	free(r);
}

static bool looks_like_host(const char *s, size_t len)
{
	if (len == 9 && strncmp(s, "localhost", 9) == 0)
		return true;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '.' || s[i] == ':' || s[i] == '[' || (s[i] >= 'A' && s[i] <= 'Z'))
			return true;
	return false;
}

static int parse_digest(const char *s, const char *d)
{
	const char *colon = strchr(d, ':');

	if (!colon || colon == d)
		return invalid(s, "invalid digest format");
	if (strncmp(d, "sha256:", 7) != 0)
		return invalid(s, "unsupported digest algorithm (only sha256)");
	if (!engine__digest_valid(d))
		return invalid(s, "invalid sha256 digest (want 64 lowercase hex digits)");
	return 0;
}

int engine__reference_parse(const char *s, const char *default_domain, engine__reference **out)
{
	cleanup_free char *name = NULL;
	engine__reference *r;
	const char *why = NULL;
	char *at, *slash, *colon;
	bool implied = false;

	if (!s || !*s)
		return invalid("", "empty image name");
	if (strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64)
		return invalid(s, "a 64-character hexadecimal string is an image ID, not a repository name");
	if (!default_domain || !*default_domain)
		default_domain = ENGINE__DOCKER_HUB;
	for (const char *c = s; *c; c++)
		if (isspace((unsigned char)*c) || !isprint((unsigned char)*c))
			return invalid(s, "contains whitespace or control characters");
	name = strdup(s);
	r = calloc(1, sizeof(*r));
	if (!name || !r) {
		free(r);
		return engine__error_oom();
	}
	at = strchr(name, '@');
	if (at) {
		*at = '\0';
		if (parse_digest(s, at + 1) < 0)
			goto fail;
		r->digest = strdup(at + 1);
		if (!r->digest)
			goto oom;
	}
	/* A ":" after the last "/" starts the tag; an earlier one is a port. */
	slash = strrchr(name, '/');
	colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		*colon = '\0';
		if (!tag_valid(colon + 1)) {
			invalid(s, "invalid tag format");
			goto fail;
		}
		r->tag = strdup(colon + 1);
		if (!r->tag)
			goto oom;
	}
	if (!*name) {
		invalid(s, "empty repository name");
		goto fail;
	}
	/* Docker's rule: the first component is a registry when it looks like a
	 * host (has "." or ":", is "localhost", or has capitals). */
	slash = strchr(name, '/');
	if (slash && looks_like_host(name, (size_t)(slash - name))) {
		*slash = '\0';
		if (!engine__reference_domain_valid(name)) {
			invalid(s, "invalid registry host");
			goto fail;
		}
		r->domain = strdup(strcmp(name, "index.docker.io") == 0 ? ENGINE__DOCKER_HUB : name);
		r->path = strdup(slash + 1);
	} else {
		implied = true;
		r->domain = strdup(default_domain);
		r->path = strdup(name);
	}
	if (!r->domain || !r->path)
		goto oom;
	if (!path_valid(r->path, &why)) {
		invalid(s, why);
		goto fail;
	}
	if (!strchr(r->path, '/') && (implied || strcmp(r->domain, ENGINE__DOCKER_HUB) == 0)) {
		char *p = engine__strdup_printf("library/%s", r->path);
		if (!p)
			goto fail;
		free(r->path);
		r->path = p;
	}
	if (strlen(r->domain) + 1 + strlen(r->path) > NAME_MAX_LEN) {
		invalid(s, "repository name longer than 255 characters");
		goto fail;
	}
	if (!r->tag && !r->digest) {
		r->tag_implied = true;
		if (!(r->tag = strdup("latest")))
			goto oom;
	}
	*out = r;
	return 0;
oom:
	engine__error_oom();
fail:
	engine__reference_free(r);
	return engine_error_last()->code;
}

char *engine__reference_name(const engine__reference *r)
{
	return engine__strdup_printf("%s/%s", r->domain, r->path);
}

static char *with_suffix(const char *name, const engine__reference *r, bool tag, bool digest)
{
	return engine__strdup_printf("%s%s%s%s%s", name, tag && r->tag ? ":" : "",
				     tag && r->tag ? r->tag : "", digest && r->digest ? "@" : "",
				     digest && r->digest ? r->digest : "");
}

char *engine__reference_string(const engine__reference *r)
{
	cleanup_free char *name = engine__reference_name(r);

	return name ? with_suffix(name, r, true, true) : NULL;
}

char *engine__reference_familiar_name(const engine__reference *r, const char *default_domain)
{
	const char *p = r->path;
	char *name;

	if (!default_domain || !*default_domain)
		default_domain = ENGINE__DOCKER_HUB;
	if (strcmp(r->domain, default_domain) != 0)
		return engine__reference_name(r);
	if (engine__str_starts_with(p, "library/") && !strchr(p + 8, '/'))
		p += 8;
	/* "docker.io/foo.com/x" must not come out as "foo.com/x", which reads
	 * as another registry's image (Docker's familiar form does; the store
	 * keys tags by this string, so it has to read back as itself). */
	if (strchr(p, '/') && looks_like_host(p, (size_t)(strchr(p, '/') - p)))
		return engine__reference_name(r);
	if (!(name = strdup(p)))
		engine__error_oom();
	return name;
}

char *engine__reference_familiar(const engine__reference *r, const char *default_domain, bool with_digest)
{
	cleanup_free char *name = engine__reference_familiar_name(r, default_domain);

	if (!name)
		return NULL;
	if (with_digest && r->digest)
		return with_suffix(name, r, false, true);
	return with_suffix(name, r, true, false);
}

int engine__reference_normalize(const char *s, char **out)
{
	engine__reference *r = NULL;
	int rc = engine__reference_parse(s, NULL, &r);

	if (rc < 0)
		return rc;
	*out = engine__reference_familiar(r, NULL, true);
	engine__reference_free(r);
	return *out ? 0 : engine__error_oom();
}
