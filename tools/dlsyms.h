/*
 * Loading a library's functions on first use, for the tools: the engine
 * binary links neither libmicrohttpd/GnuTLS (the servers, httpserver/lazy.c)
 * nor libcurl (the daemon client, client/transport.c), so the commands that
 * do not need them do not pay for loading them. The library has its own
 * loader (libengine/backend), which the tools cannot reach: they see only
 * the public API.
 */
#ifndef ENGINE_TOOLS_DLSYMS_H
#define ENGINE_TOOLS_DLSYMS_H

#include <stddef.h>

/* One function to resolve: its name and where its address goes. */
typedef struct tools_dlsym {
	const char *name;
	void **slot;
} tools_dlsym;

/* dlopen @soname (kept open for the life of the process) and fill every
 * slot of @syms. 0, or -1 with a message naming the library and what is
 * wrong in @err. Not thread-safe: callers load once (pthread_once). */
int tools_dlsyms_load(const char *soname, int global, const tools_dlsym *syms, size_t n, char *err,
		      size_t errlen);

#endif
