/* Authentication challenge parsing: auth-param lists with quoted strings
 * and escapes, as Distribution and Docker Hub send them. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "registry/challenge.h"
#include "util/cleanup.h"
#include "util/str.h"

void engine__challenge_clear(engine__challenge *c)
{
	free(c->realm);
	free(c->service);
	free(c->scope);
	free(c->error);
	memset(c, 0, sizeof(*c));
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* One name=value pair; value is a token or a quoted string. Advances *pp. */
static int parse_param(const char **pp, char **name, char **value)
{
	const char *p = skip_ws(*pp);
	const char *start = p;
	cleanup_free char *v = NULL;
	size_t n = 0;

	while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.'))
		p++;
	if (p == start)
		return -1;
	*name = strndup(start, (size_t)(p - start));
	p = skip_ws(p);
	if (*p != '=') {
		free(*name);
		return -1;
	}
	p = skip_ws(p + 1);
	v = malloc(strlen(p) + 1);
	if (!*name || !v) {
		free(*name);
		return -1;
	}
	if (*p == '"') {
		p++;
		while (*p && *p != '"') {
			if (*p == '\\' && p[1])
				p++;
			v[n++] = *p++;
		}
		if (*p != '"') {
			free(*name);
			return -1;
		}
		p++;
	} else {
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			v[n++] = *p++;
	}
	v[n] = '\0';
	p = skip_ws(p);
	if (*p == ',')
		p++;
	*value = steal_ptr(v);
	*pp = p;
	return 0;
}

int engine__challenge_parse(const char *header, engine__challenge *out)
{
	const char *p = skip_ws(header ? header : "");
	const char *scheme = p;
	size_t slen;

	memset(out, 0, sizeof(*out));
	while (*p && *p != ' ' && *p != '\t')
		p++;
	slen = (size_t)(p - scheme);
	if (slen == 6 && strncasecmp(scheme, "Bearer", 6) == 0)
		out->scheme = ENGINE__AUTH_BEARER;
	else if (slen == 5 && strncasecmp(scheme, "Basic", 5) == 0)
		out->scheme = ENGINE__AUTH_BASIC;
	else if (slen == 0)
		return engine__error_set(ENGINE_EINVALID, 0, "empty WWW-Authenticate challenge");
	else
		return engine__error_set(ENGINE_ENOTSUP, 0, "unsupported authentication scheme \"%.*s\"",
					 (int)slen, scheme);
	while (*(p = skip_ws(p))) {
		char *name = NULL, *value = NULL;
		char **slot = NULL;

		if (parse_param(&p, &name, &value) < 0) {
			engine__challenge_clear(out);
			return engine__error_set(ENGINE_EINVALID, 0,
						 "malformed WWW-Authenticate challenge \"%s\"", header);
		}
		if (strcasecmp(name, "realm") == 0)
			slot = &out->realm;
		else if (strcasecmp(name, "service") == 0)
			slot = &out->service;
		else if (strcasecmp(name, "scope") == 0)
			slot = &out->scope;
		else if (strcasecmp(name, "error") == 0)
			slot = &out->error;
		free(name);
		if (slot) {
			free(*slot);
			*slot = value;
		} else {
			free(value);
		}
	}
	if (out->scheme == ENGINE__AUTH_BEARER && (!out->realm || !*out->realm)) {
		engine__challenge_clear(out);
		return engine__error_set(ENGINE_EINVALID, 0, "Bearer challenge without a realm: \"%s\"",
					 header);
	}
	if (out->scheme == ENGINE__AUTH_BEARER && !engine__str_starts_with(out->realm, "http://") &&
	    !engine__str_starts_with(out->realm, "https://")) {
		cleanup_free char *realm = strdup(out->realm);
		engine__challenge_clear(out);
		return engine__error_set(ENGINE_EINVALID, 0, "Bearer realm \"%s\" is not an http(s) URL",
					 realm ? realm : "");
	}
	return 0;
}

static int append_escaped(char **buf, size_t *len, size_t *cap, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		if (*len + 4 > *cap) {
			size_t ncap = *cap * 2 + 64;
			char *n = realloc(*buf, ncap);
			if (!n)
				return engine__error_oom();
			*buf = n;
			*cap = ncap;
		}
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			(*buf)[(*len)++] = (char)c;
		} else {
			(*buf)[(*len)++] = '%';
			(*buf)[(*len)++] = hex[c >> 4];
			(*buf)[(*len)++] = hex[c & 15];
		}
	}
	(*buf)[*len] = '\0';
	return 0;
}

static int append_raw(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > *cap) {
		size_t ncap = *cap * 2 + n + 64;
		char *b = realloc(*buf, ncap);
		if (!b)
			return engine__error_oom();
		*buf = b;
		*cap = ncap;
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
	return 0;
}

char *engine__challenge_token_url(const engine__challenge *c, char *const *scopes)
{
	cleanup_free char *buf = NULL;
	size_t len = 0, cap = 0;
	const char *sep;

	/* Only a Bearer challenge has a realm to send the token request to. */
	if (!c->realm) {
		engine__error_set(ENGINE_EINVALID, 0, "authentication challenge without a realm");
		return NULL;
	}
	sep = strchr(c->realm, '?') ? "&" : "?";

	if (append_raw(&buf, &len, &cap, c->realm) < 0)
		return NULL;
	if (c->service && *c->service) {
		if (append_raw(&buf, &len, &cap, sep) < 0 || append_raw(&buf, &len, &cap, "service=") < 0 ||
		    append_escaped(&buf, &len, &cap, c->service) < 0)
			return NULL;
		sep = "&";
	}
	for (char *const *s = scopes; s && *s; s++) {
		if (append_raw(&buf, &len, &cap, sep) < 0 || append_raw(&buf, &len, &cap, "scope=") < 0 ||
		    append_escaped(&buf, &len, &cap, *s) < 0)
			return NULL;
		sep = "&";
	}
	return steal_ptr(buf);
}
