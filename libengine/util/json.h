/* json-c helpers that report errors the library's way. */
#ifndef ENGINE_UTIL_JSON_H
#define ENGINE_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/* Parse @len bytes; on failure the error names @what and json-c's reason. */
int engine__json_parse(const char *data, size_t len, const char *what, json_object **out);
/* Read and parse a file; the error names the path. */
int engine__json_parse_file(const char *path, json_object **out);
/* Serialise (plain, no spaces) and write atomically. */
int engine__json_write_file(const char *path, json_object *obj, bool durable);

/* Borrowed string member, or NULL when missing or not a string. */
const char *engine__json_get_string(json_object *obj, const char *key);
/* Integer member, or @def when missing. */
int64_t engine__json_get_int(json_object *obj, const char *key, int64_t def);
/* Member of the given type, or NULL. */
json_object *engine__json_get_type(json_object *obj, const char *key, json_type type);

/* Add a string member (NULL value adds nothing). Returns 0 or ENGINE_ENOMEM. */
int engine__json_add_string(json_object *obj, const char *key, const char *value);

/* Array of strings to a NULL-terminated vector (NULL array: empty vector). */
int engine__json_to_strv(json_object *array, char ***out);
/* NULL-terminated vector to a new JSON array. */
json_object *engine__json_from_strv(char *const *strv);
/* @obj as a malloc'd string for a caller (engine_free()), pretty-printed
 * unless @compact; ENGINE_ENOMEM when it cannot be made. */
int engine__json_export(json_object *obj, bool compact, char **out);

#endif
