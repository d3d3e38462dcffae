/*
 * A container's log as a set of files (--log-opt max-size, max-file):
 * container.log, the file the monitor appends to, and the rotated
 * container.log.1 (the newest) to container.log.N-1, as Docker names
 * json-file's. Rotation is the monitor's (relay.c); readers open the set
 * under a shared flock of the current file, which the rotation holds
 * exclusively while it renames, so a reader never sees a file twice or
 * misses one, and read the files oldest first through their own fds.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "runtime/logfile.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define TMP_NAME ENGINE__LOG_FILE ".new"

static void rotated_name(char *buf, size_t len, int k)
{
	if (k == 0)
		snprintf(buf, len, "%s", ENGINE__LOG_FILE);
	else
		snprintf(buf, len, "%s.%d", ENGINE__LOG_FILE, k);
}

int engine__log_open_rotated(int dirfd, int k)
{
	char name[64];

	rotated_name(name, sizeof(name), k);
	return openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

int engine__log_rotate(int dirfd, int max_files, int log_fd)
{
	char from[64], to[64];
	int nfd, r = 0;

	/* The new file first: when it cannot be made, the old one goes on. */
	nfd = openat(dirfd, TMP_NAME, O_RDWR | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (nfd < 0)
		return engine__error_errno(errno, "rotate the log: create %s", TMP_NAME);
	while (flock(log_fd, LOCK_EX) < 0 && errno == EINTR)
		;
	if (max_files > ENGINE__LOG_ROTATED_MAX)
		max_files = ENGINE__LOG_ROTATED_MAX;
	for (int k = max_files - 1; k >= 1 && r == 0; k--) {
		rotated_name(from, sizeof(from), k - 1);
		rotated_name(to, sizeof(to), k);
		if (renameat(dirfd, from, dirfd, to) < 0 && errno != ENOENT)
			r = engine__error_errno(errno, "rotate the log: rename %s", from);
	}
	/* One file kept: the current one starts again (a new file, so that a
	 * reader holding the old one is not cut short). */
	if (r == 0 && renameat(dirfd, TMP_NAME, dirfd, ENGINE__LOG_FILE) < 0)
		r = engine__error_errno(errno, "rotate the log: rename %s", TMP_NAME);
	flock(log_fd, LOCK_UN);
	if (r < 0) {
		close(nfd);
		unlinkat(dirfd, TMP_NAME, 0);
		return r;
	}
	return nfd;
}

void engine__log_files_close(engine__log_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		close(f->fd[i]);
	free(f->fd);
	free(f->end);
	free(f->ino);
	memset(f, 0, sizeof(*f));
}

static int push(engine__log_files *f, int fd)
{
	struct stat sb;
	int *nfd;
	off_t *nend;
	uint64_t *nino;

	if (fstat(fd, &sb) < 0) {
		close(fd);
		return engine__error_errno(errno, "stat the log");
	}
	nfd = realloc(f->fd, (f->n + 1) * sizeof(*nfd));
	if (nfd)
		f->fd = nfd;
	nend = realloc(f->end, (f->n + 1) * sizeof(*nend));
	if (nend)
		f->end = nend;
	nino = realloc(f->ino, (f->n + 1) * sizeof(*nino));
	if (nino)
		f->ino = nino;
	if (!nfd || !nend || !nino) {
		close(fd);
		return engine__error_oom();
	}
	f->fd[f->n] = fd;
	f->end[f->n] = sb.st_size;
	f->ino[f->n] = (uint64_t)sb.st_ino;
	f->n++;
	return 0;
}

/* The current file, locked shared and still the current one. */
static int open_current(int dirfd)
{
	for (int tries = 0; tries < 100; tries++) {
		struct stat a, b;
		int fd = openat(dirfd, ENGINE__LOG_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

		if (fd < 0)
			return errno == ENOENT ? -ENOENT : -errno;
		while (flock(fd, LOCK_SH) < 0 && errno == EINTR)
			;
		if (fstat(fd, &a) == 0 && fstatat(dirfd, ENGINE__LOG_FILE, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return fd;
		/* Rotated before the lock was ours: the new one. */
		close(fd);
	}
	return -EAGAIN;
}

int engine__log_files_open(const char *dir, engine__log_files *out)
{
	cleanup_close int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	engine__log_files f = {0};
	int cur, r = 0;
	int k;

	memset(out, 0, sizeof(*out));
	if (dirfd < 0)
		return engine__error_errno(errno, "open %s", dir);
	cur = open_current(dirfd);
	if (cur == -ENOENT)
		return 0;
	if (cur < 0)
		return engine__error_errno(-cur, "open log %s/%s", dir, ENGINE__LOG_FILE);
	/* The rotated ones, newest first, while no rotation can happen. */
	for (k = 1; k <= ENGINE__LOG_ROTATED_MAX && r == 0; k++) {
		int fd = engine__log_open_rotated(dirfd, k);

		if (fd < 0)
			break;
		r = push(&f, fd);
	}
	flock(cur, LOCK_UN);
	if (r == 0)
		r = push(&f, cur);
	else
		close(cur);
	if (r < 0) {
		engine__log_files_close(&f);
		return r;
	}
	/* Oldest first: the rotated ones were taken newest first. */
	for (size_t a = 0, b = f.n - 2; f.n > 2 && a < b; a++, b--) {
		int tfd = f.fd[a];
		off_t tend = f.end[a];
		uint64_t tino = f.ino[a];

		f.fd[a] = f.fd[b], f.end[a] = f.end[b], f.ino[a] = f.ino[b];
		f.fd[b] = tfd, f.end[b] = tend, f.ino[b] = tino;
	}
	*out = f;
	return 0;
}

void engine__log_files_tail(engine__log_files *f, int streams, int64_t lines)
{
	f->i = 0;
	f->off = 0;
	if (!f->n || lines < 0)
		return;
	if (lines == 0) {
		f->i = f->n - 1;
		f->off = f->end[f->i];
		return;
	}
	for (size_t i = f->n; i-- > 0;) {
		int64_t counted;
		off_t off =
		    engine__log_tail_count(f->fd[i], f->end[i], streams, lines, i == f->n - 1, &counted);

		if (counted >= lines || i == 0) {
			f->i = i;
			f->off = off;
			return;
		}
		lines -= counted;
	}
}

void engine__log_files_seek(engine__log_files *f, uint64_t ino, off_t off)
{
	f->i = 0;
	f->off = 0;
	for (size_t i = 0; i < f->n; i++)
		if (f->ino[i] == ino) {
			f->i = i;
			f->off = off < f->end[i] ? off : f->end[i];
			return;
		}
}

void engine__log_files_pos(const engine__log_files *f, uint64_t *ino, off_t *off)
{
	*ino = f->n ? f->ino[f->i] : 0;
	*off = f->n ? f->off : 0;
}

void engine__log_files_refresh(engine__log_files *f)
{
	struct stat sb;

	if (f->n && fstat(f->fd[f->n - 1], &sb) == 0)
		f->end[f->n - 1] = sb.st_size;
}

int engine__log_files_next(engine__log_files *f, engine__log_hdr *h, char *payload)
{
	while (f->i < f->n) {
		int r = engine__log_read_hdr(f->fd[f->i], f->off, f->end[f->i], h);

		if (r < 0 && f->i + 1 == f->n)
			return r;
		if (r <= 0) {
			/* The end of a rotated file (a torn or corrupt record
			 * ends it too): on to the next one. */
			engine_error_clear();
			if (f->i + 1 == f->n)
				return 0;
			f->i++;
			f->off = 0;
			continue;
		}
		if (pread(f->fd[f->i], payload, h->len, f->off + ENGINE__LOG_HDR) != (ssize_t)h->len)
			return engine__error_errno(errno, "read log");
		f->off += ENGINE__LOG_HDR + (off_t)h->len + ENGINE__LOG_TRAILER;
		return 1;
	}
	return 0;
}
