/*
 * Dockerfile syntax, as Docker's classic builder reads it: the parser (lines,
 * continuations, comments, parser directives, instruction forms), the shell
 * word expansion it applies at dispatch time, and .dockerignore matching.
 * Pure logic: no I/O beyond the buffers given, so tests need no privileges.
 */
#ifndef ENGINE_BUILD_DOCKERFILE_H
#define ENGINE_BUILD_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum engine__df_kind {
	ENGINE__DF_FROM,
	ENGINE__DF_RUN,
	ENGINE__DF_CMD,
	ENGINE__DF_ENTRYPOINT,
	ENGINE__DF_COPY,
	ENGINE__DF_ADD,
	ENGINE__DF_ENV,
	ENGINE__DF_ARG,
	ENGINE__DF_LABEL,
	ENGINE__DF_EXPOSE,
	ENGINE__DF_VOLUME,
	ENGINE__DF_WORKDIR,
	ENGINE__DF_USER,
	ENGINE__DF_STOPSIGNAL,
	ENGINE__DF_SHELL,
	ENGINE__DF_HEALTHCHECK,
	ENGINE__DF_MAINTAINER,
	ENGINE__DF_ONBUILD,
} engine__df_kind;

/*
 * One instruction. What @args holds depends on the kind:
 *   FROM                  words: image [AS name] ("AS" kept as written)
 *   RUN CMD ENTRYPOINT SHELL   exec form (@json): the array; shell form: one string
 *   COPY ADD EXPOSE VOLUME     the list (JSON array or whitespace-separated words)
 *   ENV LABEL             key, value, key, value... (raw: quotes and $ unexpanded)
 *   ARG                   words "name" or "name=default" (raw)
 *   WORKDIR USER STOPSIGNAL MAINTAINER ONBUILD   the rest of the line, one string
 *   HEALTHCHECK           "NONE", or "CMD" then the command as for CMD
 */
typedef struct engine__df_instr {
	engine__df_kind kind;
	int line;	/* first physical line, 1-based */
	char *original; /* the instruction as written, continuations joined, trimmed */
	char **flags;	/* "name=value" or "name" (leading "--" removed) */
	char **args;
	bool json;
	/* HEALTHCHECK only: parsed flags, nanoseconds (0: default) */
	int64_t hc_interval, hc_timeout, hc_start_period, hc_start_interval;
	int hc_retries;
} engine__df_instr;

typedef struct engine__dockerfile {
	char escape; /* '\\' or '`' */
	engine__df_instr *instrs;
	size_t n_instrs;
	char **warnings; /* NULL-terminated, e.g. empty continuation lines */
} engine__dockerfile;

/* Parse @text (@len bytes). @name labels errors: "<name>:<line>: <reason>",
 * all ENGINE_EINVALID. */
int engine__dockerfile_parse(const char *name, const char *text, size_t len, engine__dockerfile **out);
void engine__dockerfile_free(engine__dockerfile *df);

/* The upper-case keyword of a kind ("RUN"). */
const char *engine__df_kind_name(engine__df_kind kind);
/* The value of flag --@name (NULL when absent; "" for a bare --name). */
const char *engine__df_flag(const engine__df_instr *in, const char *name);
/* Go-style duration ("1m30s", "500ms", "2h") in nanoseconds. */
int engine__df_parse_duration(const char *s, int64_t *out);

/* --- shell word expansion (dispatch time) --------------------------------- */

/*
 * Expand one word the way Docker does for ENV, LABEL, COPY, WORKDIR...:
 * $VAR, ${VAR}, ${VAR:-word}, ${VAR:+word}, ${VAR-word}, ${VAR+word},
 * ${VAR:?msg}; single and double quotes removed, the escape character
 * escapes the next one (\$ is a literal $). @env holds "KEY=VALUE" strings,
 * the first definition of a key wins. An unset variable expands to "".
 * Errors (ENGINE_EINVALID) say what is wrong ("missing '}'").
 */
int engine__shlex_word(const char *word, char escape, char *const *env, char **out);

/* --- .dockerignore ------------------------------------------------------- */

typedef struct engine__ignore engine__ignore;

/* Parse a .dockerignore's text ('#' comments, blank lines, "!" exceptions,
 * paths cleaned and made relative like Docker's). */
int engine__ignore_parse(const char *text, engine__ignore **out);
void engine__ignore_free(engine__ignore *ig);
/* Whether @relpath (relative to the context, '/'-separated) is excluded:
 * the last pattern matching it or one of its parent directories decides. */
bool engine__ignore_match(const engine__ignore *ig, const char *relpath);
/* Whether any "!" pattern exists (then excluded directories must still be
 * walked, since something inside may be included again). */
bool engine__ignore_has_exceptions(const engine__ignore *ig);

/* Go's filepath.Match on '/'-separated paths ('*' and '?' never match '/',
 * [classes], '\' escapes), plus "**" matching any number of directories
 * when @doublestar. Malformed patterns match nothing. */
bool engine__glob_match(const char *pattern, const char *s, bool doublestar);

#endif
