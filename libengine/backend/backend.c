/*
 * Loading a back end (backend.h): dlopen the library by its soname on first
 * use, resolve every function the stubs forward to, and report a library
 * that is missing or too old by name. A failed load is not remembered, so a
 * long-running process (the daemon) picks the library up once it is
 * installed.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>

#include "backend/backend.h"
#include "core/error.h"

static void load_locked(engine__backend *b)
{
	void *h;

	dlerror();
	/* RTLD_LOCAL: the library's symbols stay out of the global scope, so
	 * an embedder that links another copy is not affected. */
	h = dlopen(b->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();

		snprintf(b->error, sizeof(b->error), "%s (%s) is needed for %s and cannot be loaded: %s",
			 b->name, b->soname, b->used_for, why ? why : "dlopen failed");
		return;
	}
	for (size_t i = 0; i < b->n_symbols; i++) {
		void *fn = dlsym(h, b->symbols[i]);

		if (!fn) {
			snprintf(b->error, sizeof(b->error),
				 "%s (%s) is needed for %s but lacks %s (too old a version?)", b->name,
				 b->soname, b->used_for, b->symbols[i]);
			dlclose(h);
			return;
		}
		b->slots[i] = fn;
	}
	/* The handle is kept for the life of the process: stubs and objects
	 * the library made may be in use on any thread. */
	__atomic_store_n(&b->state, 1, __ATOMIC_RELEASE);
}

int engine__backend_null(engine__backend *b)
{
	int r = engine__backend_require(b);

	return r < 0 ? r : engine__error_oom();
}

int engine__backend_require(engine__backend *b)
{
	if (engine__backend_ready(b))
		return 0;
	pthread_mutex_lock(&b->lock);
	if (!engine__backend_ready(b))
		load_locked(b);
	pthread_mutex_unlock(&b->lock);
	if (engine__backend_ready(b))
		return 0;
	/* b->error is only written under the lock, before state changes; a
	 * concurrent failing load writes the same text. */
	pthread_mutex_lock(&b->lock);
	int r = engine__error_set(ENGINE_ENOTSUP, 0, "%s", b->error);
	pthread_mutex_unlock(&b->lock);
	return r;
}
