/*
 * Environment-based configuration for containers, with Docker's rules:
 * the image's Env, then the spec's variables (KEY=VALUE, or KEY alone to
 * pass the caller's value through, dropped when the caller has none), and
 * env files (KEY=VALUE lines, '#' comments, blank lines ignored, no quote
 * processing, KEY alone passes through). Later definitions of a key win and
 * keep the position of the first one, as Docker's merge does.
 * Pure logic: no side effects, no getenv (the caller's environment is given).
 */
#ifndef ENGINE_CONFIG_ENV_H
#define ENGINE_CONFIG_ENV_H

#include <stddef.h>

/* Parse an env file's text; the error names @path and the line number. */
int engine__env_parse_file_text(const char *path, const char *text, char *const *caller_env, char ***out);
int engine__env_parse_file(const char *path, char *const *caller_env, char ***out);

/* Merge: @image_env, then @files (each an env-file path, in order), then
 * @spec_env, later wins. Docker applies --env-file before -e, so -e wins. */
int engine__env_merge(char *const *image_env, char *const *env_files, char *const *spec_env,
		      char *const *caller_env, char ***out);

/* Validate one "KEY=VALUE" or "KEY" item (no empty key, no NUL). */
int engine__env_validate(const char *item);

/* Value of @key in an env vector (borrowed) or NULL. */
const char *engine__env_get(char *const *env, const char *key);

#endif
