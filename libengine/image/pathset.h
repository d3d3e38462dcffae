/* A set of strings (open addressing), for the paths one layer wrote. */
#ifndef ENGINE_IMAGE_PATHSET_H
#define ENGINE_IMAGE_PATHSET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct engine__pathset {
	char **slots;
	size_t cap, count;
} engine__pathset;

/* 1 when added, 0 when already present, ENGINE_ENOMEM. */
int engine__pathset_add(engine__pathset *set, const char *path);
bool engine__pathset_has(const engine__pathset *set, const char *path);
void engine__pathset_free(engine__pathset *set);

#endif
