/*
 * cgroup file I/O shared by both drivers. Creating a container's cgroup is on
 * the start path, so every access is one openat relative to a cached dirfd
 * plus one read or write: no stdio, no path building, no fstat.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup_internal.h"
#include "core/error.h"
#include "util/cleanup.h"

int engine__cgroup_write(int dirfd, const char *dir, const char *file, const char *value, bool create)
{
	cleanup_close int fd = -EBADF;
	size_t len = strlen(value);
	ssize_t n;

	fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0644);
	if (fd < 0)
		return engine__error_errno(errno, "cgroup %s/%s: open", dir, file);
	/* cgroup files take one value per write(2): a short write is an error. */
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return engine__error_errno(errno, "cgroup %s/%s: write \"%s\"", dir, file, value);
	if ((size_t)n != len)
		return engine__error_set(ENGINE_EIO, 0, "cgroup %s/%s: short write of \"%s\"", dir, file,
					 value);
	return 0;
}

int engine__cgroup_write_u64(int dirfd, const char *dir, const char *file, uint64_t value, bool create)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	return engine__cgroup_write(dirfd, dir, file, buf, create);
}

/* read(2) until @size bytes or EOF. */
static ssize_t read_full(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len < size) {
		ssize_t n = read(fd, buf + len, size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

ssize_t engine__cgroup_read(int dirfd, const char *dir, const char *file, char *buf, size_t size)
{
	cleanup_close int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return engine__error_errno(errno, "cgroup %s/%s: open", dir, file);
	if ((n = read_full(fd, buf, size - 1)) < 0)
		return engine__error_errno(errno, "cgroup %s/%s: read", dir, file);
	buf[n] = '\0';
	return n;
}

int engine__cgroup_read_all(int dirfd, const char *dir, const char *file, char **out)
{
	cleanup_close int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;

	if (fd < 0)
		return engine__error_errno(errno, "cgroup %s/%s: open", dir, file);
	do {
		char *grown = realloc(buf, (cap = cap ? cap * 2 : 4096) + 1);

		if (!grown)
			return engine__error_oom();
		buf = grown;
		if ((n = read_full(fd, buf + len, cap - len)) < 0)
			return engine__error_errno(errno, "cgroup %s/%s: read", dir, file);
		len += (size_t)n;
	} while (len == cap);
	buf[len] = '\0';
	*out = steal_ptr(buf);
	return 0;
}

int engine__cgroup_read_u64(int dirfd, const char *dir, const char *file, uint64_t *out)
{
	char buf[64], *end;
	ssize_t n = engine__cgroup_read(dirfd, dir, file, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	if (strncmp(buf, "max", 3) == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	errno = 0;
	*out = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return engine__error_set(ENGINE_EIO, 0, "cgroup %s/%s: not a number: \"%.20s\"", dir, file,
					 buf);
	return 0;
}

bool engine__cgroup_kv(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			char *end;

			errno = 0;
			*out = strtoull(p + klen + 1, &end, 10);
			return errno == 0 && end != p + klen + 1;
		}
	}
	return false;
}

/* Sums the "MAJ:MIN rbytes=N wbytes=N ..." lines of a v2 io.stat. */
void engine__cgroup_io_stat(const char *text, uint64_t *rd, uint64_t *wr)
{
	*rd = *wr = 0;
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *end = p + strcspn(p, "\n");

		for (const char *t = p; t < end; t += strcspn(t, " \n"), t += strspn(t, " ")) {
			uint64_t *into = strncmp(t, "rbytes=", 7) == 0	 ? rd
					 : strncmp(t, "wbytes=", 7) == 0 ? wr
									 : NULL;

			if (into)
				*into += strtoull(t + 7, NULL, 10);
		}
	}
}

/* Sums the "MAJ:MIN Read N" / "MAJ:MIN Write N" lines of a v1
 * blkio.throttle.io_service_bytes(_recursive); its "Total" lines are not
 * counted twice. */
void engine__cgroup_blkio_v1(const char *text, uint64_t *rd, uint64_t *wr)
{
	*rd = *wr = 0;
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		unsigned maj, min;
		char op[16];
		unsigned long long v;

		if (sscanf(p, "%u:%u %15s %llu", &maj, &min, op, &v) != 4)
			continue;
		if (strcmp(op, "Read") == 0)
			*rd += v;
		else if (strcmp(op, "Write") == 0)
			*wr += v;
	}
}

size_t engine__cgroup_io_devices_parse(const char *text, engine__cgroup_io_dev *devs, size_t max)
{
	size_t n = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *end = p + strcspn(p, "\n");
		engine__cgroup_io_dev *d = NULL;
		unsigned maj, min;
		int used = 0;

		if (sscanf(p, "%u:%u %n", &maj, &min, &used) != 2 || !used || p + used > end)
			continue;
		for (size_t i = 0; i < n && !d; i++)
			if (devs[i].major == maj && devs[i].minor == min)
				d = &devs[i];
		if (!d) {
			if (n == max)
				continue;
			d = &devs[n++];
			*d = (engine__cgroup_io_dev){maj, min, 0, 0};
		}
		for (const char *t = p + used; t < end; t += strcspn(t, " \n"), t += strspn(t, " ")) {
			if (strncmp(t, "rbytes=", 7) == 0)
				d->read_bytes += strtoull(t + 7, NULL, 10);
			else if (strncmp(t, "wbytes=", 7) == 0)
				d->write_bytes += strtoull(t + 7, NULL, 10);
			else if (strncmp(t, "Read ", 5) == 0)
				d->read_bytes += strtoull(t + 5, NULL, 10);
			else if (strncmp(t, "Write ", 6) == 0)
				d->write_bytes += strtoull(t + 6, NULL, 10);
		}
	}
	return n;
}

int engine__cgroup_signal_procs(int dirfd, const char *dir, int sig, size_t *count)
{
	cleanup_free char *procs = NULL;
	size_t n = 0;
	int r = engine__cgroup_read_all(dirfd, dir, "cgroup.procs", &procs);

	if (r < 0)
		return r;
	for (char *p = procs, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		while (*end == '\n')
			end++;
		if (pid <= 0)
			continue;
		n++;
		if (kill((pid_t)pid, sig) < 0 && errno != ESRCH)
			return engine__error_errno(errno, "cgroup %s: kill pid %ld with signal %d", dir, pid,
						   sig);
	}
	if (count)
		*count = n;
	return 0;
}

int engine__cgroup_open_dir(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int engine__cgroup_mkdir_p(int dirfd, const char *dir, const char *rel, bool *created)
{
	cleanup_close int cur = -EBADF;
	cleanup_free char *copy = strdup(rel);
	char *save = NULL;
	int at = dirfd;

	if (!copy)
		return engine__error_oom();
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next;

		*created = mkdirat(at, c, 0755) == 0;
		if (!*created && errno != EEXIST)
			return engine__error_errno(errno, "cgroup %s: mkdir %s", dir, rel);
		next = engine__cgroup_open_dir(at, c);
		if (next < 0)
			return engine__error_errno(errno, "cgroup %s: open %s", dir, rel);
		engine__closep(&cur);
		at = cur = next;
	}
	if (cur < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "cgroup %s: empty path", dir);
	return steal_fd(cur);
}

void engine__cgroup_nap(unsigned usec)
{
	struct timespec ts = {0, (long)usec * 1000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int engine__cgroup_rmdir(int dirfd, const char *dir, const char *name)
{
	/* Killed tasks leave the cgroup asynchronously; a v1 rmdir fails with
	 * EBUSY until the last has gone. Back off from 50 us to 10 ms. */
	unsigned nap = 50, waited = 0;

	while (unlinkat(dirfd, name, AT_REMOVEDIR) < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || waited >= 1000000)
			return engine__error_errno(errno, "cgroup %s: rmdir", dir);
		engine__cgroup_nap(nap);
		waited += nap;
		nap = nap < 10000 ? nap * 2 : nap;
	}
	return 0;
}
