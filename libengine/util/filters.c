/* Docker's --filter lists: parsing and the shared matchers. */
#include "config.h"

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "util/filters.h"

void engine__filters_clear(engine__filters *f)
{
	for (size_t i = 0; f && i < f->n; i++) {
		free(f->items[i].key);
		free(f->items[i].value);
	}
	if (f) {
		free(f->items);
		f->items = NULL;
		f->n = 0;
	}
}

int engine__filters_parse(const engine_strarray *in, const char *const *known, engine__filters *out)
{
	out->items = NULL;
	out->n = 0;
	if (!in || !in->count)
		return 0;
	out->items = calloc(in->count, sizeof(*out->items));
	if (!out->items)
		return engine__error_oom();
	for (size_t i = 0; i < in->count; i++) {
		const char *item = in->strings[i], *eq = item ? strchr(item, '=') : NULL;
		bool ok = false;

		if (!eq) {
			engine__filters_clear(out);
			return engine__error_set(ENGINE_EINVALID, 0,
						 "bad format of filter (expected name=value): %s",
						 item ? item : "(null)");
		}
		out->items[i].key = strndup(item, (size_t)(eq - item));
		out->items[i].value = strdup(eq + 1);
		out->n++;
		if (!out->items[i].key || !out->items[i].value) {
			engine__filters_clear(out);
			return engine__error_oom();
		}
		for (size_t k = 0; known[k] && !ok; k++)
			ok = strcmp(known[k], out->items[i].key) == 0;
		if (!ok) {
			int r =
			    engine__error_set(ENGINE_EINVALID, 0, "invalid filter '%s'", out->items[i].key);

			engine__filters_clear(out);
			return r;
		}
	}
	return 0;
}

bool engine__filters_has(const engine__filters *f, const char *key)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (strcmp(f->items[i].key, key) == 0)
			return true;
	return false;
}

bool engine__filters_any(const engine__filters *f, const char *key,
			 bool (*match)(const char *value, void *arg), void *arg)
{
	bool given = false;

	for (size_t i = 0; f && i < f->n; i++) {
		if (strcmp(f->items[i].key, key) != 0)
			continue;
		given = true;
		if (match(f->items[i].value, arg))
			return true;
	}
	return !given;
}

bool engine__filter_label(const char *want, json_object *labels)
{
	const char *eq = strchr(want, '=');
	size_t klen = eq ? (size_t)(eq - want) : strlen(want);
	bool found = false;

	if (!labels)
		return false;
	json_object_object_foreach(labels, k, v)
	{
		if (strlen(k) != klen || strncmp(k, want, klen) != 0)
			continue;
		found = !eq || strcmp(json_object_get_string(v), eq + 1) == 0;
		break;
	}
	return found;
}

int engine__go_duration(const char *s, int64_t *out)
{
	double total = 0;

	if (!*s)
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		double unit;

		if (end == s)
			return -1;
		s = end;
		if (strncmp(s, "ms", 2) == 0)
			unit = 1e6, s += 2;
		else if (strncmp(s, "us", 2) == 0)
			unit = 1e3, s += 2;
		else if (strncmp(s, "ns", 2) == 0)
			unit = 1, s += 2;
		else if (*s == 'h')
			unit = 3600e9, s++;
		else if (*s == 'm')
			unit = 60e9, s++;
		else if (*s == 's')
			unit = 1e9, s++;
		else
			return -1;
		total += v * unit;
	}
	*out = (int64_t)total;
	return 0;
}

int engine__filter_time(const char *value, int64_t *out)
{
	struct timespec now;
	struct tm tm;
	int64_t d;
	char *end;
	double secs;

	clock_gettime(CLOCK_REALTIME, &now);
	if (engine__go_duration(value, &d) == 0) {
		*out = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - d;
		return 0;
	}
	secs = strtod(value, &end);
	if (end != value && !*end && isdigit((unsigned char)value[0])) {
		*out = (int64_t)(secs * 1e9);
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(value, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(value, "%Y-%m-%d", &tm);
	}
	if (end) {
		int64_t t = (int64_t)timegm(&tm);

		if (*end == '.') /* fractional seconds */
			while (isdigit((unsigned char)*++end))
				;
		if (*end == 'Z' || !*end) {
			*out = t * 1000000000;
			return 0;
		}
		if ((*end == '+' || *end == '-') && strlen(end) == 6 && end[3] == ':') {
			int64_t off = (int64_t)(atoi(end + 1) * 3600 + atoi(end + 4) * 60);

			*out = (t - (*end == '+' ? off : -off)) * 1000000000;
			return 0;
		}
	}
	return engine__error_set(
	    ENGINE_EINVALID, 0,
	    "invalid time \"%s\": use a Unix timestamp, an RFC 3339 time or a duration (10m)", value);
}

bool engine__filter_regex(const char *pattern, const char *text)
{
	regex_t re;
	bool ok;

	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	ok = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

int engine__labels_parse(const engine_strarray *in, json_object *out)
{
	for (size_t i = 0; i < in->count; i++) {
		const char *l = in->strings[i], *eq = l ? strchr(l, '=') : NULL;
		char *key;

		if (!l || !*l || eq == l)
			return engine__error_set(ENGINE_EINVALID, 0, "label \"%s\": want KEY=VALUE",
						 l ? l : "");
		key = eq ? strndup(l, (size_t)(eq - l)) : strdup(l);
		if (!key)
			return engine__error_oom();
		json_object_object_add(out, key, json_object_new_string(eq ? eq + 1 : ""));
		free(key);
	}
	return 0;
}
