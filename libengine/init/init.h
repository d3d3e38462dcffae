/*
 * engine-init as the runtime sees it: a sealed in-memory copy of the
 * embedded program (engine_init.c) to exec inside containers.
 */
#ifndef ENGINE_INIT_INIT_H
#define ENGINE_INIT_INIT_H

#include <stddef.h>

#include <engine/context.h>

/* argv[0] of engine-init inside a container, as Docker names its init. */
#define ENGINE__INIT_NAME "/sbin/docker-init"

/* The context's memfd of engine-init: made on first use, sealed against
 * writes, resizing and mode changes, close-on-exec; borrowed (closed with
 * the context). Negative ENGINE_E* code with the error set on failure. */
int engine__init_fd(engine_context *ctx);

/* The embedded program (generated at build time from engine_init.c). */
extern const unsigned char engine__init_image[];
extern const size_t engine__init_image_size;

#endif
