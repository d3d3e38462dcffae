/*
 * Path-safety decisions for layer tars: lexical cleaning of entry names,
 * whiteout names, and opening paths without leaving the layer root.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/error.h"
#include "image/internal.h"
#include "util/cleanup.h"
#include "util/str.h"

int engine__entry_clean(const char *name, const char *what, char **out)
{
	size_t len = strlen(name);
	cleanup_free char *buf = malloc(len + 1);
	size_t o = 0;
	const char *p = name;

	if (!buf)
		return engine__error_oom();
	/* Docker joins entry names onto the destination, so a leading "/" only
	 * means "from the root"; ".." past the root is what escapes. */
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* empty or "." component */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (o == 0)
				return engine__error_set(ENGINE_EPERM, EXDEV,
							 "%s \"%s\": escapes the layer root", what, name);
			while (o > 0 && buf[o - 1] != '/')
				o--;
			if (o > 0)
				o--; /* the slash before the dropped component */
		} else {
			if (o > 0)
				buf[o++] = '/';
			memcpy(buf + o, p, n);
			o += n;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	buf[o] = '\0';
	*out = steal_ptr(buf);
	return 0;
}

enum engine__whiteout_kind engine__whiteout_classify(const char *base, const char **target)
{
	if (strncmp(base, ".wh.", 4) != 0)
		return ENGINE__WH_NONE;
	if (strcmp(base, ".wh..wh..opq") == 0)
		return ENGINE__WH_OPAQUE;
	if (strncmp(base, ".wh..wh.", 8) == 0)
		return ENGINE__WH_META;
	*target = base + 4;
	return ENGINE__WH_FILE;
}

bool engine__whiteout_target_ok(const char *target)
{
	return target[0] && strcmp(target, ".") != 0 && strcmp(target, "..") != 0 && !strchr(target, '/');
}

bool engine__xattr_is_overlay(const char *name)
{
	return engine__str_starts_with(name, "trusted.overlay.") ||
	       engine__str_starts_with(name, "user.overlay.");
}

/* 1 once openat2 is known missing (old kernel, or a seccomp filter that
 * answers ENOSYS): a fact about the process, so cached process-wide. */
static int openat2_missing;

void engine__open_beneath_force_walk(bool on)
{
	__atomic_store_n(&openat2_missing, on ? 1 : 0, __ATOMIC_RELAXED);
}

/* Without openat2: one component at a time, refusing every symlink on the
 * way and every mount crossing — stricter than RESOLVE_BENEATH, never looser. */
static int open_walk(int rootfd, const char *rel, int flags)
{
	cleanup_free char *path = strdup(rel);
	struct stat root_st, st;
	int cur, fd;
	char *p, *next;

	if (!path)
		return -ENOMEM;
	if (fstat(rootfd, &root_st) < 0)
		return -errno;
	if (!path[0]) {
		fd = openat(rootfd, ".", flags | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	cur = dup(rootfd);
	if (cur < 0)
		return -errno;
	for (p = path; p; p = next) {
		next = strchr(p, '/');
		if (next)
			*next++ = '\0';
		fd = openat(cur, p, (next ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
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

int engine__open_beneath(int rootfd, const char *rel, int flags, bool no_symlinks)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV |
		       (no_symlinks ? RESOLVE_NO_SYMLINKS : 0),
	};
	long fd;

	if (__atomic_load_n(&openat2_missing, __ATOMIC_RELAXED))
		return open_walk(rootfd, rel, flags);
	for (int tries = 0; tries < 16; tries++) {
		fd = syscall(SYS_openat2, rootfd, rel[0] ? rel : ".", &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno == ENOSYS) {
			__atomic_store_n(&openat2_missing, 1, __ATOMIC_RELAXED);
			return open_walk(rootfd, rel, flags);
		}
		/* EAGAIN: a concurrent rename somewhere; the kernel asks us to retry. */
		if (errno != EAGAIN && errno != EINTR)
			break;
	}
	return -errno;
}
