/*
 * Docker's --filter "key=value" lists for listings and prunes: parsing
 * against the keys a listing knows, and the matchers every listing shares
 * (labels, timestamps and durations, regular expressions). Values of one key
 * are alternatives; different keys must all match.
 */
#ifndef ENGINE_UTIL_FILTERS_H
#define ENGINE_UTIL_FILTERS_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include <engine/common.h>

typedef struct engine__filter {
	char *key;
	char *value;
} engine__filter;

typedef struct engine__filters {
	engine__filter *items;
	size_t n;
} engine__filters;

/* Parse @in ("key=value" each; NULL or empty: no filters) with the keys in
 * @known (NULL-terminated). ENGINE_EINVALID names an unknown key or an item
 * without "=". */
int engine__filters_parse(const engine_strarray *in, const char *const *known, engine__filters *out);
void engine__filters_clear(engine__filters *f);
/* Whether any filter has @key. */
bool engine__filters_has(const engine__filters *f, const char *key);
/* Run @match over the values of @key: true when none is given or any matches. */
bool engine__filters_any(const engine__filters *f, const char *key,
			 bool (*match)(const char *value, void *arg), void *arg);

/* Labels given as "KEY=VALUE" or "KEY" (an empty value) into the object
 * @out; ENGINE_EINVALID names an empty key. */
int engine__labels_parse(const engine_strarray *in, json_object *out);
/* "key" or "key=value" against a JSON object of labels (may be NULL). */
bool engine__filter_label(const char *want, json_object *labels);
/* A point in time as Docker's since/until take it: a Unix timestamp
 * ("1700000000[.5]"), an RFC 3339 time or date, or a Go duration back from
 * now ("10m", "1h30m"). Nanoseconds since the epoch; ENGINE_EINVALID. */
int engine__filter_time(const char *value, int64_t *out);
/* A Go duration ("1h30m", "10m", "45s", "1.5h", "500ms", "100ns") in
 * nanoseconds; -1 when malformed. */
int engine__go_duration(const char *s, int64_t *out);
/* POSIX extended regular expression search (Docker's name filter). */
bool engine__filter_regex(const char *pattern, const char *text);

#endif
