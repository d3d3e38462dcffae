/*
 * Environment-based configuration for containers, with Docker's rules
 * (docker/cli opts/envfile + moby daemon merge):
 *
 * - env files: KEY=VALUE lines; leading whitespace skipped; '#' comments and
 *   blank lines ignored; a UTF-8 BOM on the first line ignored; CRLF endings
 *   accepted; no quote or escape processing (the value is kept literally,
 *   quotes included); KEY alone passes the caller's value through and is
 *   dropped when the caller has none; a key containing whitespace, an empty
 *   key ("=x"), invalid UTF-8 or a NUL byte is an error naming file:line.
 * - spec variables (-e): KEY=VALUE, or KEY alone to pass the caller's value
 *   through; KEY alone with no caller value unsets KEY (Docker: it also hides
 *   the image's value). An empty key is an error.
 * - merge: the env files in order, then the spec variables; later wins, and a
 *   key keeps the position of its first occurrence (replaced in place, new
 *   keys appended). Then the image's variables whose key the user did not set
 *   (or unset) follow, in the image's order: moby's merge() puts the user's
 *   variables first and appends the image's leftovers.
 *
 * Pure logic: no side effects, no getenv (the caller's environment is given).
 */
#ifndef ENGINE_CONFIG_ENV_H
#define ENGINE_CONFIG_ENV_H

#include <stddef.h>

/* Parse an env file's @len bytes; the error names @path and the line
 * number (a NUL byte is an error too). */
int engine__env_parse_file_mem(const char *path, const char *text, size_t len, char *const *caller_env,
			       char ***out);
int engine__env_parse_file(const char *path, char *const *caller_env, char ***out);

/* Merge: @files (each an env-file path, in order), then @spec_env, later
 * wins; then the @image_env entries whose key the user did not touch. Any
 * of the vectors may be NULL. */
int engine__env_merge(char *const *image_env, char *const *env_files, char *const *spec_env,
		      char *const *caller_env, char ***out);

/* Docker's ReplaceOrAppendEnvValues, used by the runtime for its defaults
 * (PATH, HOSTNAME): each @env entry replaces the @defaults entry with the
 * same key in place, or is appended. */
int engine__env_with_defaults(char *const *defaults, char *const *env, char ***out);

/* Validate one "KEY=VALUE" or "KEY" item (no empty key). */
int engine__env_validate(const char *item);

/* Value of @key in an env vector (borrowed) or NULL. The last definition
 * wins when a vector holds a key twice, as the merge would decide. */
const char *engine__env_get(char *const *env, const char *key);

#endif
