/* json-c wrappers: parsing with named errors, atomic writes, typed getters. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

int engine__json_parse(const char *data, size_t len, const char *what, json_object **out)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj;
	enum json_tokener_error jerr;

	if (!tok)
		return engine__error_oom();
	if (len > INT32_MAX) {
		json_tokener_free(tok);
		return engine__error_set(ENGINE_EINVALID, 0, "%s: JSON document too large", what);
	}
	obj = json_tokener_parse_ex(tok, data, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!obj || jerr != json_tokener_success) {
		size_t off = json_tokener_get_parse_end(tok);
		int r = engine__error_set(ENGINE_EINVALID, 0, "%s: invalid JSON at offset %zu: %s", what, off,
					  jerr == json_tokener_continue ? "unexpected end of input"
									: json_tokener_error_desc(jerr));
		json_object_put(obj);
		json_tokener_free(tok);
		return r;
	}
	json_tokener_free(tok);
	*out = obj;
	return 0;
}

int engine__json_parse_file(const char *path, json_object **out)
{
	cleanup_free char *data = NULL;
	size_t len;
	int r = engine__read_file(path, &data, &len);

	if (r < 0)
		return r;
	return engine__json_parse(data, len, path, out);
}

int engine__json_write_file(const char *path, json_object *obj, bool durable)
{
	size_t len;
	const char *s = json_object_to_json_string_length(
	    obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	if (!s)
		return engine__error_oom();
	return engine__write_file_atomic(path, s, len, 0644, durable);
}

const char *engine__json_get_string(json_object *obj, const char *key)
{
	json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int64_t engine__json_get_int(json_object *obj, const char *key, int64_t def)
{
	json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
		return def;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return def;
	return json_object_get_int64(v);
}

json_object *engine__json_get_type(json_object *obj, const char *key, json_type type)
{
	json_object *v;

	if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

int engine__json_add_string(json_object *obj, const char *key, const char *value)
{
	json_object *s;

	if (!value)
		return 0;
	s = json_object_new_string(value);
	if (!s || json_object_object_add(obj, key, s) < 0) {
		json_object_put(s);
		return engine__error_oom();
	}
	return 0;
}

int engine__json_to_strv(json_object *array, char ***out)
{
	cleanup_strv char **v = calloc(1, sizeof(char *));
	size_t n;

	if (!v)
		return engine__error_oom();
	if (array && json_object_is_type(array, json_type_array)) {
		n = json_object_array_length(array);
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(array, i);
			if (!json_object_is_type(e, json_type_string))
				return engine__error_set(ENGINE_EINVALID, 0, "expected a string at index %zu",
							 i);
			if (engine__strv_push(&v, json_object_get_string(e)) < 0)
				return engine__error_oom();
		}
	}
	*out = steal_ptr(v);
	return 0;
}

json_object *engine__json_from_strv(char *const *strv)
{
	json_object *a = json_object_new_array();

	if (!a) {
		engine__error_oom();
		return NULL;
	}
	for (size_t i = 0; strv && strv[i]; i++) {
		json_object *s = json_object_new_string(strv[i]);
		if (!s || json_object_array_add(a, s) < 0) {
			json_object_put(s);
			json_object_put(a);
			engine__error_oom();
			return NULL;
		}
	}
	return a;
}

int engine__json_export(json_object *obj, bool compact, char **out)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (compact ? JSON_C_TO_STRING_PLAIN : JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	const char *s = json_object_to_json_string_ext(obj, flags);

	*out = s ? strdup(s) : NULL;
	return *out ? 0 : engine__error_oom();
}
