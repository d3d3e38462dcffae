/*
 * .dockerignore and COPY source patterns: Go's filepath.Match syntax plus
 * "**", and Docker's PatternMatcher rules (the last matching pattern wins, a
 * pattern that matches a parent directory matches what is inside it, "!"
 * re-includes).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "builder/dockerfile.h"
#include "builder/sbuf.h"
#include "core/error.h"
#include "util/cleanup.h"

struct pattern {
	char *text;
	bool exclusion;
};

struct engine__ignore {
	struct pattern *v;
	size_t n;
	bool exceptions;
};

static size_t utf8_len(const char *s)
{
	size_t n = 1;

	while ((s[n] & 0xC0) == 0x80)
		n++;
	return n;
}

/* One bracket expression at @p ("[...]"); *consumed is its length, 0 when
 * malformed. Whether the character at @s (of @slen bytes) is in it. */
static bool match_class(const char *p, const char *s, size_t slen, size_t *consumed)
{
	const char *q = p + 1;
	bool neg = false, hit = false;
	unsigned char c = (unsigned char)*s;

	*consumed = 0;
	if (*q == '^') {
		neg = true;
		q++;
	}
	if (*q == ']')
		return false; /* empty class: malformed, as in Go */
	while (*q && *q != ']') {
		unsigned char lo, hi;

		if (*q == '\\' && q[1])
			q++;
		lo = (unsigned char)*q++;
		hi = lo;
		if (*q == '-' && q[1] && q[1] != ']') {
			q++;
			if (*q == '\\' && q[1])
				q++;
			hi = (unsigned char)*q++;
		}
		if (slen == 1 && c >= lo && c <= hi)
			hit = true;
	}
	if (*q != ']')
		return false;
	*consumed = (size_t)(q - p) + 1;
	return hit != neg;
}

static bool match(const char *p, const char *s, bool ds)
{
	for (;;) {
		switch (*p) {
		case '\0':
			return *s == '\0';
		case '*':
			if (ds && p[1] == '*') {
				p += 2;
				if (*p == '/')
					p++;
				if (!*p)
					return true;
				/* "**" means zero or more whole directories, like the regexp (.*[/])? */
				if (match(p, s, ds))
					return true;
				for (const char *t = s; *t; t++)
					if (*t == '/' && match(p, t + 1, ds))
						return true;
				return false;
			}
			p++;
			for (const char *t = s;; t++) {
				if (match(p, t, ds))
					return true;
				if (!*t || *t == '/')
					return false;
			}
		case '?':
			if (!*s || *s == '/')
				return false;
			s += utf8_len(s);
			p++;
			continue;
		case '[': {
			size_t consumed, sl;

			if (!*s)
				return false;
			sl = utf8_len(s);
			if (!match_class(p, s, sl, &consumed))
				return false;
			p += consumed;
			s += sl;
			continue;
		}
		case '\\':
			if (p[1])
				p++;
			/* the escaped character is literal */
			__attribute__((fallthrough));
		default:
			if (*p != *s)
				return false;
			p++;
			s++;
		}
	}
}

bool engine__glob_match(const char *pattern, const char *s, bool doublestar)
{
	return match(pattern, s, doublestar);
}

/* Go's filepath.Clean for '/'-separated paths. */
static char *clean_path(const char *path)
{
	bool rooted = path[0] == '/';
	size_t n = strlen(path);
	char *out = malloc(n + 3);
	size_t w = 0, floor;
	const char *p = path;

	if (!out)
		return NULL;
	if (rooted)
		out[w++] = '/';
	floor = w; /* ".." never climbs above the root or a leading ".." */
	while (*p) {
		const char *e = p;
		size_t len;

		while (*e && *e != '/')
			e++;
		len = (size_t)(e - p);
		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* empty or "." element */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (w > floor) {
				while (w > floor && out[w - 1] != '/')
					w--;
				if (w > floor)
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				floor = w;
			}
		} else {
			if (w > 0 && out[w - 1] != '/')
				out[w++] = '/';
			memcpy(out + w, p, len);
			w += len;
		}
		p = *e ? e + 1 : e;
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return out;
}

int engine__ignore_parse(const char *text, engine__ignore **out)
{
	engine__ignore *ig = calloc(1, sizeof(*ig));
	const char *p = text;
	size_t cap = 0;

	if (!ig)
		return engine__error_oom();
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		cleanup_free char *line = strndup(p, len);
		char *s, *end;
		bool excl;

		p = e ? e + 1 : NULL;
		if (!line)
			goto oom;
		if (line[0] == '#')
			continue;
		s = line;
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		end = s + strlen(s);
		while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		if (!*s)
			continue;
		excl = *s == '!';
		if (excl) {
			s++;
			while (*s == ' ' || *s == '\t')
				s++;
		}
		if (ig->n == cap) {
			struct pattern *v = realloc(ig->v, (cap ? cap * 2 : 8) * sizeof(*v));

			if (!v)
				goto oom;
			ig->v = v;
			cap = cap ? cap * 2 : 8;
		}
		if (*s) {
			char *c = clean_path(s);

			if (!c)
				goto oom;
			/* Patterns are relative to the context, "/" included. */
			if (c[0] == '/' && c[1])
				memmove(c, c + 1, strlen(c));
			ig->v[ig->n].text = c;
		} else if (!(ig->v[ig->n].text = strdup(""))) {
			goto oom;
		}
		ig->v[ig->n].exclusion = excl;
		ig->exceptions |= excl;
		ig->n++;
	}
	*out = ig;
	return 0;
oom:
	engine__ignore_free(ig);
	return engine__error_oom();
}

void engine__ignore_free(engine__ignore *ig)
{
	if (!ig)
		return;
	for (size_t i = 0; i < ig->n; i++)
		free(ig->v[i].text);
	free(ig->v);
	free(ig);
}

bool engine__ignore_has_exceptions(const engine__ignore *ig)
{
	return ig && ig->exceptions;
}

bool engine__ignore_match(const engine__ignore *ig, const char *relpath)
{
	bool matched = false;
	const char *slash = strrchr(relpath, '/');

	if (!ig)
		return false;
	for (size_t i = 0; i < ig->n; i++) {
		const struct pattern *pt = &ig->v[i];
		bool m;

		/* An inclusion cannot change an excluded verdict and vice versa. */
		if (pt->exclusion != matched)
			continue;
		m = match(pt->text, relpath, true);
		if (!m && slash) {
			/* A pattern that matches a parent directory covers its contents. */
			cleanup_free char *buf = strdup(relpath);

			for (char *q = buf ? strchr(buf, '/') : NULL; q && !m; q = strchr(q + 1, '/')) {
				*q = '\0';
				m = match(pt->text, buf, true);
				*q = '/';
			}
		}
		if (m)
			matched = !pt->exclusion;
	}
	return matched;
}
