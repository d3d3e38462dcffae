/* Small string helpers. */
#ifndef ENGINE_UTIL_STR_H
#define ENGINE_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* asprintf that returns NULL (with ENGINE_ENOMEM set) on failure. */
char *engine__strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool engine__str_starts_with(const char *s, const char *prefix);
/* Whether @a and @b are the same string, or both NULL. */
bool engine__str_eq_null(const char *a, const char *b);
bool engine__str_ends_with(const char *s, const char *suffix);
/* Parse a Docker-style size: "64m", "1g", "512k", "1024" (bytes), "1.5g".
 * Units b,k,m,g,t (binary, case-insensitive, optional trailing "b"). */
int engine__parse_size(const char *s, int64_t *out);
/* A duration as Docker's units.HumanDuration writes it ("Less than a
 * second", "3 seconds", "About a minute", "2 hours", "3 weeks"). */
void engine__human_duration(int64_t seconds, char *buf, size_t len);

#endif
