/* A growable byte string for the build subsystem's text processing. */
#ifndef ENGINE_BUILD_SBUF_H
#define ENGINE_BUILD_SBUF_H

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

typedef struct engine__sbuf {
	char *s;
	size_t len, cap;
} engine__sbuf;

static inline int engine__sbuf_addn(engine__sbuf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *s;

		while (cap < b->len + n + 1)
			cap *= 2;
		s = realloc(b->s, cap);
		if (!s)
			return engine__error_oom();
		b->s = s;
		b->cap = cap;
	}
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static inline int engine__sbuf_add(engine__sbuf *b, const char *p)
{
	return engine__sbuf_addn(b, p, strlen(p));
}

static inline int engine__sbuf_addc(engine__sbuf *b, char c)
{
	return engine__sbuf_addn(b, &c, 1);
}

/* The string (never NULL: "" when empty), ownership to the caller. */
static inline char *engine__sbuf_steal(engine__sbuf *b)
{
	char *s = b->s ? b->s : strdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	if (!s)
		engine__error_oom();
	return s;
}

static inline void engine__sbuf_freep(engine__sbuf *b)
{
	free(b->s);
	b->s = NULL;
}

#define cleanup_sbuf __attribute__((cleanup(engine__sbuf_freep)))

#endif
