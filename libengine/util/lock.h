/* Advisory file locks (flock) that serialise processes sharing one root. */
#ifndef ENGINE_UTIL_LOCK_H
#define ENGINE_UTIL_LOCK_H

#include <stdbool.h>

/* Open (creating) @path and take a shared or exclusive flock, waiting for
 * it. Returns the fd holding the lock (close it to release) or a negative code. */
int engine__lock_take(const char *path, bool exclusive);
/* The same without waiting: ENGINE_EBUSY when another holder exists. */
int engine__lock_try(const char *path, bool exclusive);
void engine__lock_release(int fd);

/* In a child forked from a process with several threads: close its copies
 * of the locks other threads held at the fork. A flock belongs to the open
 * file, so a long-lived child (a container's monitor) holding such a copy
 * would keep another container's or the store's lock taken until it exits. */
void engine__lock_drop_inherited(void);

#endif
