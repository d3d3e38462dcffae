/* Path sets with linear probing: flatten needs "did this layer write it?",
 * the unpacker "how many entries repeat a path?". */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "image/pathset.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t find(char **slots, size_t cap, const char *path)
{
	size_t i = (size_t)hash(path) & (cap - 1);

	while (slots[i] && strcmp(slots[i], path) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static int grow(engine__pathset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 1024;
	char **slots = calloc(cap, sizeof(char *));

	if (!slots)
		return engine__error_oom();
	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i])
			slots[find(slots, cap, set->slots[i])] = set->slots[i];
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
	return 0;
}

int engine__pathset_add(engine__pathset *set, const char *path)
{
	size_t i;

	if ((set->count + 1) * 2 > set->cap && grow(set) < 0)
		return ENGINE_ENOMEM;
	i = find(set->slots, set->cap, path);
	if (set->slots[i])
		return 0;
	set->slots[i] = strdup(path);
	if (!set->slots[i])
		return engine__error_oom();
	set->count++;
	return 1;
}

bool engine__pathset_has(const engine__pathset *set, const char *path)
{
	return set->cap && set->slots[find(set->slots, set->cap, path)] != NULL;
}

void engine__pathset_free(engine__pathset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
	set->slots = NULL;
	set->cap = set->count = 0;
}

static int hash_grow(engine__hashset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 1024;
	uint64_t *slots = calloc(cap, sizeof(uint64_t));

	if (!slots)
		return engine__error_oom();
	for (size_t i = 0; i < set->cap; i++) {
		size_t j;

		if (!set->slots[i])
			continue;
		for (j = (size_t)set->slots[i] & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
			;
		slots[j] = set->slots[i];
	}
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
	return 0;
}

int engine__hashset_add(engine__hashset *set, const char *path)
{
	uint64_t h = hash(path) ?: 1; /* 0 marks an empty slot */
	size_t i;

	if ((set->count + 1) * 2 > set->cap && hash_grow(set) < 0)
		return ENGINE_ENOMEM;
	for (i = (size_t)h & (set->cap - 1); set->slots[i]; i = (i + 1) & (set->cap - 1))
		if (set->slots[i] == h)
			return 0;
	set->slots[i] = h;
	set->count++;
	return 1;
}

void engine__hashset_free(engine__hashset *set)
{
	free(set->slots);
	set->slots = NULL;
	set->cap = set->count = 0;
}
