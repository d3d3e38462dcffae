/* flock-based locks: released by the kernel if the holder dies, so a killed
 * process never leaves the store locked. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
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

/* Whether @fd holds a lock: /proc/self/fdinfo lists the locks held
 * through an open file as "lock:" lines. */
static bool holds_lock(int fd)
{
	char path[64], buf[4096];
	ssize_t n;
	int info;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	info = open(path, O_RDONLY | O_CLOEXEC);
	if (info < 0)
		return false;
	n = read(info, buf, sizeof(buf) - 1);
	close(info);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strncmp(buf, "lock:", 5) == 0 || strstr(buf, "\nlock:") != NULL;
}

void engine__lock_drop_inherited(void)
{
	/* No opendir: malloc in a child forked from threads is not safe with
	 * every allocator (ASan's may be locked by a thread that is gone). */
	char buf[4096];
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n;

	if (dir < 0)
		return;
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			char *end;
			long fd = strtol(de->d_name, &end, 10);

			off += de->d_reclen;
			if (*end || end == de->d_name || fd <= STDERR_FILENO || fd == dir)
				continue;
			if (holds_lock((int)fd))
				close((int)fd);
		}
	}
	close(dir);
}
