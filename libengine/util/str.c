/* String helpers: formatting, prefixes, Docker-style sizes. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "util/str.h"

char *engine__strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *out;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&out, fmt, ap);
	va_end(ap);
	if (n < 0) {
		engine__error_oom();
		return NULL;
	}
	return out;
}

bool engine__str_eq_null(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

bool engine__str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool engine__str_ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

int engine__parse_size(const char *s, int64_t *out)
{
	char *end;
	double v;
	double mult = 1;

	if (!s || !*s)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid size: empty");
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0 || isnan(v))
		return engine__error_set(ENGINE_EINVALID, 0, "invalid size \"%s\"", s);
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'b':
		end++;
		break;
	case 'k':
		mult = 1024.0, end++;
		break;
	case 'm':
		mult = 1024.0 * 1024, end++;
		break;
	case 'g':
		mult = 1024.0 * 1024 * 1024, end++;
		break;
	case 't':
		mult = 1024.0 * 1024 * 1024 * 1024, end++;
		break;
	default:
		return engine__error_set(ENGINE_EINVALID, 0, "invalid size \"%s\": unknown unit", s);
	}
	if (mult > 1 && tolower((unsigned char)*end) == 'b')
		end++;
	if (*end)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid size \"%s\"", s);
	v *= mult;
	if (v > 9.2e18)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid size \"%s\": too large", s);
	*out = (int64_t)v;
	return 0;
}

void engine__human_duration(int64_t s, char *buf, size_t len)
{
	int64_t h = (s + 1800) / 3600; /* hours, rounded as Go's d.Hours() then int */

	if (s < 1)
		snprintf(buf, len, "Less than a second");
	else if (s == 1)
		snprintf(buf, len, "1 second");
	else if (s < 60)
		snprintf(buf, len, "%lld seconds", (long long)s);
	else if (s / 60 == 1)
		snprintf(buf, len, "About a minute");
	else if (s < 3600)
		snprintf(buf, len, "%lld minutes", (long long)(s / 60));
	else if (h == 1)
		snprintf(buf, len, "About an hour");
	else if (h < 48)
		snprintf(buf, len, "%lld hours", (long long)h);
	else if (h < 24 * 7 * 2)
		snprintf(buf, len, "%lld days", (long long)(h / 24));
	else if (h < 24 * 30 * 2)
		snprintf(buf, len, "%lld weeks", (long long)(h / 24 / 7));
	else if (h < 24 * 365 * 2)
		snprintf(buf, len, "%lld months", (long long)(h / 24 / 30));
	else
		snprintf(buf, len, "%lld years", (long long)(h / 24 / 365));
}
