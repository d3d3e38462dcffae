/* flock-based locks: released by the kernel if the holder dies, so a killed
 * process never leaves the store locked. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/error.h"
#include "util/lock.h"

static int take(const char *path, bool exclusive, bool wait)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);

	if (fd < 0)
		return engine__error_errno(errno, "lock %s", path);
	while (flock(fd, op) < 0) {
		int e = errno;
		if (e == EINTR)
			continue;
		close(fd);
		if (e == EWOULDBLOCK)
			return engine__error_set(ENGINE_EBUSY, e, "lock %s: held by another process", path);
		return engine__error_errno(e, "lock %s", path);
	}
	return fd;
}

int engine__lock_take(const char *path, bool exclusive)
{
	return take(path, exclusive, true);
}

int engine__lock_try(const char *path, bool exclusive)
{
	return take(path, exclusive, false);
}

void engine__lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
