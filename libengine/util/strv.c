/* String vectors: the argv/env shape used throughout the library. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "util/strv.h"

size_t engine__strv_len(char *const *strv)
{
	size_t n = 0;

	while (strv && strv[n])
		n++;
	return n;
}

void engine__strv_free(char **strv)
{
	if (!strv)
		return;
	for (size_t i = 0; strv[i]; i++)
		free(strv[i]);
	free(strv);
}

char **engine__strv_dup(char *const *strv)
{
	size_t n = engine__strv_len(strv);
	char **out = calloc(n + 1, sizeof(char *));

	if (!out) {
		engine__error_oom();
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		out[i] = strdup(strv[i]);
		if (!out[i]) {
			engine__strv_free(out);
			engine__error_oom();
			return NULL;
		}
	}
	return out;
}

int engine__strv_push_take(char ***strv, char *s)
{
	size_t n = engine__strv_len(*strv);
	char **grown;

	if (!s)
		return engine__error_oom();
	grown = realloc(*strv, (n + 2) * sizeof(char *));
	if (!grown) {
		free(s);
		return engine__error_oom();
	}
	grown[n] = s;
	grown[n + 1] = NULL;
	*strv = grown;
	return 0;
}

int engine__strv_push(char ***strv, const char *s)
{
	return engine__strv_push_take(strv, strdup(s));
}

void engine__strv_to_array(char **strv, engine_strarray *out)
{
	out->strings = strv;
	out->count = engine__strv_len(strv);
}

ENGINE_EXTERN void engine_strarray_dispose(engine_strarray *array)
{
	if (!array)
		return;
	for (size_t i = 0; i < array->count; i++)
		free(array->strings[i]);
	free(array->strings);
	array->strings = NULL;
	array->count = 0;
}

ENGINE_EXTERN void engine_free(void *ptr)
{
	free(ptr);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void engine__strv_sort(char **strv)
{
	qsort(strv, engine__strv_len(strv), sizeof(char *), cmp_str);
}
