/* Sets of paths (open addressing), for the paths one layer wrote. */
#ifndef ENGINE_IMAGE_PATHSET_H
#define ENGINE_IMAGE_PATHSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct engine__pathset {
	char **slots;
	size_t cap, count;
} engine__pathset;

/* 1 when added, 0 when already present, ENGINE_ENOMEM. */
int engine__pathset_add(engine__pathset *set, const char *path);
bool engine__pathset_has(const engine__pathset *set, const char *path);
void engine__pathset_free(engine__pathset *set);

/* The same question for millions of paths at 8 bytes each: a set of 64-bit
 * path hashes. A collision only makes two paths look like one, which the
 * unpacker uses to count repeats, never to decide what to write. */
typedef struct engine__hashset {
	uint64_t *slots;
	size_t cap, count;
} engine__hashset;

/* 1 when added, 0 when already present, ENGINE_ENOMEM. */
int engine__hashset_add(engine__hashset *set, const char *path);
void engine__hashset_free(engine__hashset *set);

#endif
