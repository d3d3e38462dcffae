/*
 * Path resolution that stays inside a tree given as a directory fd: the one
 * resolver behind the unpacker, the builder (RUN filtering, COPY/ADD, the
 * image view), user lookup and every other host-side access to a
 * container's or an image's files. openat2 does the work where the kernel
 * has it; a component walk with O_PATH|O_NOFOLLOW does it where not.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/error.h"
#include "util/cleanup.h"
#include "util/safepath.h"

#define MAX_SYMLINK_HOPS 40

/* 1 once openat2 is known missing (old kernel, or a seccomp filter that
 * answers ENOSYS): a fact about the process, so cached process-wide. */
static int openat2_missing;

void engine__open_beneath_force_walk(bool on)
{
	__atomic_store_n(&openat2_missing, on ? 1 : 0, __ATOMIC_RELAXED);
}

static long try_openat2(int rootfd, const char *rel, int flags, uint64_t resolve)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .resolve = resolve | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	long fd = -ENOSYS;

	if (__atomic_load_n(&openat2_missing, __ATOMIC_RELAXED))
		return -ENOSYS;
	for (int tries = 0; tries < 16; tries++) {
		fd = syscall(SYS_openat2, rootfd, rel[0] ? rel : ".", &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno == ENOSYS) {
			__atomic_store_n(&openat2_missing, 1, __ATOMIC_RELAXED);
			return -ENOSYS;
		}
		/* EAGAIN: a concurrent rename somewhere; the kernel asks us to retry. */
		if (errno != EAGAIN && errno != EINTR)
			break;
	}
	return -errno;
}

/* Walk the directories of @path (modified in place) from @rootfd, one
 * component at a time with O_NOFOLLOW: a symlink on the way is -EXDEV, a
 * mount crossing too, "." and empty components are skipped, ".." is
 * -EINVAL (callers pass clean paths). Missing directories are created
 * with @mkdir_mode unless it is 0. Returns the last directory's fd. */
static int walk_dirs(int rootfd, char *path, mode_t mkdir_mode)
{
	struct stat root_st, st;
	int cur;

	if (fstat(rootfd, &root_st) < 0)
		return -errno;
	cur = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;
	for (char *p = path, *next; p; p = next) {
		int fd;

		next = strchr(p, '/');
		if (next)
			*next++ = '\0';
		if (!*p || strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0) {
			close(cur);
			return -EINVAL;
		}
		fd = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && mkdir_mode) {
			if (mkdirat(cur, p, mkdir_mode) < 0 && errno != EEXIST)
				fd = -1;
			else
				fd = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			int e = errno;
			struct stat lst;

			if ((e == ENOTDIR || e == ELOOP) && fstatat(cur, p, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(lst.st_mode))
				e = EXDEV;
			close(cur);
			return -e;
		}
		close(cur);
		cur = fd;
		if (fstat(cur, &st) < 0 || st.st_dev != root_st.st_dev) {
			close(cur);
			return -EXDEV;
		}
	}
	return cur;
}

/* Without openat2: the directories by walk_dirs, then the last component
 * with O_NOFOLLOW — stricter than RESOLVE_BENEATH (no symlink at all),
 * never looser. */
static int open_walk(int rootfd, const char *rel, int flags)
{
	cleanup_free char *path = strdup(rel);
	cleanup_close int dfd = -EBADF;
	struct stat st, dst;
	char *slash, *last;
	int fd;

	if (!path)
		return -ENOMEM;
	slash = strrchr(path, '/');
	last = slash ? slash + 1 : path;
	if (slash)
		*slash = '\0';
	dfd = walk_dirs(rootfd, slash ? path : (char[]){""}, 0);
	if (dfd < 0)
		return dfd;
	if (!*last || strcmp(last, ".") == 0)
		last = ".";
	else if (strcmp(last, "..") == 0)
		return -EINVAL;
	fd = openat(dfd, last, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if ((e == ELOOP || e == ENOTDIR) && fstatat(dfd, last, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode) && !(flags & O_PATH))
			e = EXDEV;
		return -e;
	}
	if (fstat(fd, &st) < 0 || fstat(dfd, &dst) < 0 || st.st_dev != dst.st_dev) {
		close(fd);
		return -EXDEV;
	}
	return fd;
}

int engine__open_beneath(int rootfd, const char *rel, int flags, bool no_symlinks)
{
	long fd = try_openat2(rootfd, rel, flags, RESOLVE_BENEATH | (no_symlinks ? RESOLVE_NO_SYMLINKS : 0));

	if (fd == -ENOSYS)
		return open_walk(rootfd, rel, flags);
	return (int)fd;
}

/* --- chroot-semantics walk --------------------------------------------------- */

struct resbuf {
	char *s;
	size_t len, cap;
};

static int res_push(struct resbuf *b, const char *name)
{
	size_t n = strlen(name), need = b->len + n + 2;

	if (need > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		char *g;

		while (cap < need)
			cap *= 2;
		g = realloc(b->s, cap);
		if (!g)
			return -ENOMEM;
		b->s = g;
		b->cap = cap;
	}
	if (b->len)
		b->s[b->len++] = '/';
	memcpy(b->s + b->len, name, n + 1);
	b->len += n;
	return 0;
}

static void res_pop(struct resbuf *b)
{
	while (b->len > 0 && b->s[b->len - 1] != '/')
		b->len--;
	if (b->len > 0)
		b->len--;
	if (b->s)
		b->s[b->len] = '\0';
}

/* The rest of a path after a missing component, applied lexically. */
static int res_append_lexically(struct resbuf *b, char *rest)
{
	char *save = NULL;

	for (char *c = strtok_r(rest, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0)
			res_pop(b);
		else if (res_push(b, c) < 0)
			return -ENOMEM;
	}
	return 0;
}

char *engine__path_next(char **p, bool *last)
{
	char *c = *p, *end;

	while (*c == '/')
		c++;
	if (!*c)
		return NULL;
	end = strchr(c, '/');
	if (end) {
		*end = '\0';
		*p = end + 1;
	} else {
		*p = c + strlen(c);
	}
	*last = (*p)[strspn(*p, "/")] == '\0';
	return c;
}

/* Resolve @path inside @rootfd like RESOLVE_IN_ROOT. With @resolved the
 * resolved path is produced (symlinks followed, the last one too) and 0
 * returned; otherwise the final component is opened with @flags. */
static int walk_in_root(int rootfd, const char *path, int flags, char **resolved)
{
	struct resbuf res = {0};
	struct stat root_st, st;
	char *rem = strdup(path), *p;
	int cur = -1, hops = 0, ret = 0;

	if (!rem)
		return -ENOMEM;
	if (fstat(rootfd, &root_st) < 0 ||
	    (cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		ret = -errno;
		goto out;
	}
	for (p = rem;;) {
		char *c;
		bool last;
		int fd;

		c = engine__path_next(&p, &last);
		if (!c) { /* the path names a directory we are in */
			if (!resolved && (ret = openat(cur, ".", flags | O_CLOEXEC)) < 0)
				ret = -errno;
			break;
		}
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			/* Up by name from the root, never by openat(".."): the
			 * resolved prefix holds no symlink, so this walk is exact. */
			res_pop(&res);
			close(cur);
			cur = open_walk(rootfd, res.s ? res.s : "", O_PATH | O_DIRECTORY);
			if (cur < 0) {
				ret = cur;
				break;
			}
			continue;
		}
		fd = openat(cur, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			if (ret == -ENOENT && resolved) {
				ret = res_push(&res, c);
				if (ret == 0)
					ret = res_append_lexically(&res, p);
			}
			break;
		}
		if (fstat(fd, &st) < 0 || st.st_dev != root_st.st_dev) {
			close(fd);
			ret = -EXDEV;
			break;
		}
		if (S_ISLNK(st.st_mode) && (!last || resolved || !(flags & O_NOFOLLOW))) {
			char target[4096];
			ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
			char *next;

			close(fd);
			if (n < 0 || ++hops > MAX_SYMLINK_HOPS) {
				ret = n < 0 ? -errno : -ELOOP;
				break;
			}
			target[n] = '\0';
			next = malloc((size_t)n + strlen(p) + 2);
			if (!next) {
				ret = -ENOMEM;
				break;
			}
			sprintf(next, "%s/%s", target, p);
			free(rem);
			rem = p = next;
			if (target[0] == '/') { /* absolute: from the tree's root */
				res.len = 0;
				if (res.s)
					res.s[0] = '\0';
				close(cur);
				cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (cur < 0) {
					ret = -errno;
					break;
				}
			}
			continue;
		}
		if (!last) {
			if (!S_ISDIR(st.st_mode)) {
				close(fd);
				ret = -ENOTDIR;
				break;
			}
			if (res_push(&res, c) < 0) {
				close(fd);
				ret = -ENOMEM;
				break;
			}
			close(cur);
			cur = fd;
			continue;
		}
		if (resolved) {
			close(fd);
			ret = res_push(&res, c);
			break;
		}
		/* Reopen by name with O_NOFOLLOW: a swap to a symlink since the
		 * check fails (ELOOP) instead of leading anywhere. */
		close(fd);
		ret = openat(cur, c, flags | O_NOFOLLOW | O_CLOEXEC);
		if (ret < 0) {
			ret = -errno;
			break;
		}
		if (fstat(ret, &st) < 0 || st.st_dev != root_st.st_dev) {
			close(ret);
			ret = -EXDEV;
		}
		break;
	}
	if (ret >= 0 && resolved) {
		*resolved = res.s ? res.s : strdup("");
		res.s = NULL;
		if (!*resolved)
			ret = -ENOMEM;
	}
out:
	if (cur >= 0)
		close(cur);
	free(res.s);
	free(rem);
	return ret;
}

int engine__open_in_root(int rootfd, const char *path, int flags)
{
	long fd;

	if (flags & O_CREAT)
		return -EINVAL; /* create through engine__open_parent_beneath */
	fd = try_openat2(rootfd, path, flags, RESOLVE_IN_ROOT);
	if (fd == -ENOSYS)
		return walk_in_root(rootfd, path, flags, NULL);
	return (int)fd;
}

int engine__resolve_in_root(int rootfd, const char *path, char **out)
{
	return walk_in_root(rootfd, path, 0, out);
}

/* --- creating and removing beneath a root --------------------------------------- */

int engine__open_parent_beneath(int rootfd, const char *rel, mode_t mkdir_mode, const char **base)
{
	cleanup_free char *path = strdup(rel);
	char *slash;

	if (!path)
		return -ENOMEM;
	slash = strrchr(path, '/');
	*base = slash ? rel + (slash - path) + 1 : rel;
	if (!**base || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0)
		return -EINVAL;
	if (slash)
		*slash = '\0';
	return walk_dirs(rootfd, slash ? path : (char[]){""}, mkdir_mode);
}

int engine__unlink_beneath(int rootfd, const char *rel, int flags)
{
	const char *base;
	int pfd = engine__open_parent_beneath(rootfd, rel, 0, &base), r = 0;

	if (pfd < 0)
		return pfd;
	if (unlinkat(pfd, base, flags) < 0)
		r = -errno;
	close(pfd);
	return r;
}

/* --- reading regular files ------------------------------------------------------- */

int engine__reopen_regular(int pathfd)
{
	char proc[64];
	struct stat a, b;
	int fd;

	if (fstat(pathfd, &a) < 0)
		return -errno;
	if (!S_ISREG(a.st_mode))
		return -EINVAL;
	/* Through the fd's own magic link: the inode already checked, not
	 * whatever the name points at now. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	fd = open(proc, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		close(fd);
		return -EXDEV;
	}
	return fd;
}

int engine__read_fd_bounded(int fd, size_t max, char **out, size_t *len)
{
	size_t got = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (got + 1 >= cap) {
			size_t want = cap * 2, limit = max > SIZE_MAX - 2 ? SIZE_MAX : max + 2;
			char *g;

			if (want > limit)
				want = limit;
			if (want <= cap) {
				free(buf);
				return -EFBIG;
			}
			g = realloc(buf, want);
			if (!g) {
				free(buf);
				return -ENOMEM;
			}
			buf = g;
			cap = want;
		}
		n = read(fd, buf + got, cap - got - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max) {
			free(buf);
			return -EFBIG;
		}
	}
	buf[got] = '\0';
	*out = buf;
	if (len)
		*len = got;
	return 0;
}

int engine__read_regular(int pathfd, size_t max, const char *what, char **out, size_t *len)
{
	cleanup_close int fd = engine__reopen_regular(pathfd);
	int r;

	if (fd == -EINVAL)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: not a regular file", what);
	if (fd < 0)
		return engine__error_errno(-fd, "%s: open", what);
	r = engine__read_fd_bounded(fd, max, out, len);
	if (r == -EFBIG)
		return engine__error_set(ENGINE_EINVALID, EFBIG, "%s: larger than %zu bytes", what, max);
	if (r < 0)
		return engine__error_errno(-r, "%s: read", what);
	return 0;
}

int engine__read_file_in_root(int rootfd, const char *path, size_t max, const char *what, char **out,
			      size_t *len)
{
	cleanup_close int pfd = engine__open_in_root(rootfd, path, O_PATH);

	if (pfd < 0) {
		if (pfd == -ENOENT || pfd == -ENOTDIR)
			return engine__error_set(ENGINE_ENOTFOUND, ENOENT, "%s: not found", what);
		if (pfd == -EXDEV || pfd == -ELOOP)
			return engine__error_set(ENGINE_EPERM, -pfd, "%s: path leaves the root", what);
		return engine__error_errno(-pfd, "%s: open", what);
	}
	return engine__read_regular(pfd, max, what, out, len);
}

/* --- in a cloned child: no malloc, no locks ------------------------------ */

/* openat2 RESOLVE_IN_ROOT without magic links; where openat2 is missing, a
 * walk that follows no symlink at all and refuses "..". -errno on failure. */
static int open_in_root_nomalloc(int rootfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	const char *p = path;
	int cur;

	for (int tries = 0; tries < 16 && !__atomic_load_n(&openat2_missing, __ATOMIC_RELAXED); tries++) {
		long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

		if (fd >= 0)
			return (int)fd;
		if (errno == ENOSYS)
			break;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
	}
	cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	if (cur < 0)
		return -errno;
	while (*p) {
		char comp[256];
		size_t n = 0;
		int next;

		while (*p == '/')
			p++;
		while (p[n] && p[n] != '/')
			n++;
		if (n == 0)
			break;
		if (n >= sizeof(comp) || (n == 2 && p[0] == '.' && p[1] == '.')) {
			close(cur);
			return n >= sizeof(comp) ? -ENAMETOOLONG : -EXDEV;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		if (next < 0)
			return -errno;
		{
			struct stat st;

			if (fstat(next, &st) < 0 || S_ISLNK(st.st_mode)) {
				close(next);
				return -ELOOP;
			}
		}
		cur = next;
	}
	return cur;
}

/* Replace the dangling symlink @p..@end of @buf (in directory @parent) by its
 * target, keeping what follows: "/a/link/rest" becomes "/a/TARGET/rest" or
 * "TARGET/rest" for an absolute target. */
static int splice_link(char *buf, size_t size, char *p, char *end, bool more, int parent)
{
	char link[4096], next[4096];
	ssize_t n = readlinkat(parent, p, link, sizeof(link) - 1);
	size_t head = link[0] == '/' ? 0 : (size_t)(p - buf), used;
	const char *rest = more ? end + 1 : "";

	if (n <= 0)
		return -ELOOP;
	link[n] = '\0';
	if (head + (size_t)n + 1 + strlen(rest) + 1 > sizeof(next) || size < sizeof(next))
		return -ENAMETOOLONG;
	memcpy(next, buf, head);
	memcpy(next + head, link, (size_t)n);
	used = head + (size_t)n;
	next[used++] = '/';
	memcpy(next + used, rest, strlen(rest) + 1);
	memcpy(buf, next, sizeof(next));
	return 0;
}

int engine__mkpath_in_root(int rootfd, const char *path, bool dir, mode_t mode)
{
	char buf[4096];
	size_t len = strlen(path);
	int parent, fd = open_in_root_nomalloc(rootfd, path, O_PATH), hops = 0;
	char *p;

	if (fd != -ENOENT)
		return fd;
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
restart:
	parent = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	if (parent < 0)
		return -errno;
	p = buf;
	for (;;) {
		char *end, save;
		bool last;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		for (end = p; *end && *end != '/';)
			end++;
		save = *end;
		*end = '\0';
		last = true;
		for (const char *q = end + (save ? 1 : 0); save && *q; q++)
			if (*q != '/') {
				last = false;
				break;
			}
		fd = open_in_root_nomalloc(rootfd, buf, O_PATH);
		if (fd == -ENOENT) {
			/* Created in the directory the prefix resolved to, never
			 * through a symlink: O_EXCL and mkdirat do not follow one. */
			int c;

			if (last && !dir) {
				c = openat(parent, p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
					   0644);
				if (c >= 0)
					close(c);
			} else {
				c = mkdirat(parent, p, mode);
			}
			if (c < 0 && errno != EEXIST) {
				int e = errno;

				close(parent);
				return -e;
			}
			fd = open_in_root_nomalloc(rootfd, buf, O_PATH);
			if (fd == -ENOENT) {
				/* A dangling symlink: its target is what gets made,
				 * resolved from the root again (Docker's behaviour). */
				int r = ++hops > 40
					    ? -ELOOP
					    : splice_link(buf, sizeof(buf), p, end, save != 0, parent);

				close(parent);
				if (r < 0)
					return r;
				goto restart;
			}
		}
		close(parent);
		if (fd < 0)
			return fd;
		parent = fd;
		*end = save;
		p = end;
	}
	return parent;
}
