/*
 * Scope-bound cleanup for locals (LXC / systemd style). A guarded local is
 * released when it leaves scope; ownership leaves it only through
 * steal_ptr()/steal_fd(), which make the move explicit.
 */
#ifndef ENGINE_UTIL_CLEANUP_H
#define ENGINE_UTIL_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <json-c/json.h>

static inline void engine__freep(void *p)
{
	free(*(void **)p);
}

static inline void engine__closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void engine__fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void engine__closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static inline void engine__json_putp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}

void engine__strv_free(char **strv);
static inline void engine__strv_freep(char ***strv)
{
	engine__strv_free(*strv);
}

#define cleanup_free __attribute__((cleanup(engine__freep)))
#define cleanup_close __attribute__((cleanup(engine__closep)))
#define cleanup_fclose __attribute__((cleanup(engine__fclosep)))
#define cleanup_closedir __attribute__((cleanup(engine__closedirp)))
#define cleanup_json __attribute__((cleanup(engine__json_putp)))
#define cleanup_strv __attribute__((cleanup(engine__strv_freep)))

/* Move a pointer out of a guarded local, leaving NULL behind. */
#define steal_ptr(p)                                                                                         \
	({                                                                                                   \
		__typeof__(p) steal_tmp_ = (p);                                                              \
		(p) = NULL;                                                                                  \
		steal_tmp_;                                                                                  \
	})

/* Move an fd out of a guarded local, leaving -EBADF behind. */
#define steal_fd(fd)                                                                                         \
	({                                                                                                   \
		int steal_fd_ = (fd);                                                                        \
		(fd) = -EBADF;                                                                               \
		steal_fd_;                                                                                   \
	})

#endif
