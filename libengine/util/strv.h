/* NULL-terminated string vectors (argv/env style). */
#ifndef ENGINE_UTIL_STRV_H
#define ENGINE_UTIL_STRV_H

#include <stddef.h>

#include <engine/common.h>

size_t engine__strv_len(char *const *strv);
/* Deep copy; NULL in gives an empty vector. NULL on OOM (error set). */
char **engine__strv_dup(char *const *strv);
/* Append a copy of @s, growing *@strv. Returns 0 or ENGINE_ENOMEM. */
int engine__strv_push(char ***strv, const char *s);
/* Append @s itself (ownership moves in, freed on failure). */
int engine__strv_push_take(char ***strv, char *s);
void engine__strv_free(char **strv);
/* Sort in place by strcmp. */
void engine__strv_sort(char **strv);
/* Move a vector into a public engine_strarray (strv's array is consumed). */
void engine__strv_to_array(char **strv, engine_strarray *out);

#endif
