/* Filesystem helpers shared by the store, the runtime and the builder. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/error.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/userns.h"

int engine__mkdir_p(const char *path, mode_t mode)
{
	cleanup_free char *copy = strdup(path);
	char *p;

	if (!copy)
		return engine__error_oom();
	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return engine__error_errno(errno, "mkdir %s", copy);
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return engine__error_errno(errno, "mkdir %s", copy);
	return 0;
}

/* How deep the removal recurses (a DIR and a frame per level). A tree a
 * container made can be nested without bound; below this depth, a
 * directory is moved up into the top directory being removed and taken in
 * a later pass, so any depth goes on a small stack (the daemon's threads
 * have 1 MiB) and a few hundred fds. */
#define RM_MAX_DEPTH 64

struct rm_walk {
	int topfd; /* the directory being removed */
	dev_t dev; /* its filesystem: a mount point below is refused */
	const char *what;
	unsigned moved; /* directories moved up into @topfd in this pass */
	unsigned serial;
};

/* Move @name of @dfd into the top directory under a name of ours. */
static int rm_move_up(struct rm_walk *w, int dfd, const char *name)
{
	for (int tries = 0; tries < 1000; tries++) {
		char tmp[64];

		snprintf(tmp, sizeof(tmp), ".engine-rm-%u", w->serial++);
		if (renameat2(dfd, name, w->topfd, tmp, RENAME_NOREPLACE) == 0) {
			w->moved++;
			return 0;
		}
		if (errno != EEXIST)
			return engine__error_errno(errno, "remove %s/%s", w->what, name);
	}
	return engine__error_set(ENGINE_EBUSY, EEXIST, "remove %s/%s: no free name to move it to", w->what,
				 name);
}

/* Takes @dfd. */
static int rm_children(struct rm_walk *w, int dfd, int depth)
{
	const char *what = w->what;
	cleanup_closedir DIR *d = fdopendir(dfd);
	struct dirent *de;

	if (!d) {
		close(dfd);
		return engine__error_errno(errno, "remove %s", what);
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return engine__error_errno(errno, "remove %s/%s", what, de->d_name);
		}
		if (S_ISDIR(st.st_mode)) {
			int cfd;

			if (st.st_dev != w->dev)
				return engine__error_set(ENGINE_EBUSY, EBUSY,
							 "remove %s/%s: is a mount point", what, de->d_name);
			if (depth >= RM_MAX_DEPTH) {
				int r = rm_move_up(w, dirfd(d), de->d_name);

				if (r < 0)
					return r;
				continue;
			}
			cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			/* Our own directory without permissions (overlay's work/work,
			 * made 0000 by a rootless container's root, which is us). */
			if (cfd < 0 && errno == EACCES && st.st_uid == geteuid() &&
			    fchmodat(dirfd(d), de->d_name, 0700, 0) == 0)
				cfd = openat(dirfd(d), de->d_name,
					     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0)
				return engine__error_errno(errno, "remove %s/%s", what, de->d_name);
			int r = rm_children(w, cfd, depth + 1);
			if (r < 0)
				return r;
			if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
				return engine__error_errno(errno, "remove %s/%s", what, de->d_name);
		} else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			return engine__error_errno(errno, "remove %s/%s", what, de->d_name);
		}
	}
	return 0;
}

static int rm_rf_at(int dirfd, const char *name)
{
	struct stat st;
	int fd, r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : engine__error_errno(errno, "remove %s", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return engine__error_errno(errno, "remove %s", name);
		return 0;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES && st.st_uid == geteuid() && fchmodat(dirfd, name, 0700, 0) == 0)
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return engine__error_errno(errno, "remove %s", name);
	struct rm_walk w = {.topfd = fd, .dev = st.st_dev, .what = name};
	do {
		/* a new open file: a dup's position would stay at the end */
		int pass = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		w.moved = 0;
		r = pass < 0 ? engine__error_errno(errno, "remove %s", name) : rm_children(&w, pass, 0);
	} while (r == 0 && w.moved);
	close(fd);
	if (r < 0)
		return r;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return engine__error_errno(errno, "remove %s", name);
	return 0;
}

struct rm_arg {
	int dirfd;
	const char *name;
};

static int rm_in_userns(void *arg)
{
	const struct rm_arg *a = arg;

	return rm_rf_at(a->dirfd, a->name);
}

int engine__rm_rf_at(int dirfd, const char *name)
{
	engine__idmap m;
	int r = rm_rf_at(dirfd, name);

	/* Rootless: what a container or an image made as another of the
	 * caller's subordinate ids (a 0700 home) is that id's; its root in
	 * a mapped user namespace may remove it. */
	if (r == ENGINE_EPERM && geteuid() != 0 && engine__idmap_self(&m) == 0 && m.subuid_count) {
		engine_error_clear();
		r = engine__idmap_run(&m, rm_in_userns, &(struct rm_arg){dirfd, name},
				      "remove as the container's ids");
	}
	return r;
}

bool engine__overlay_opaque_fd(int fd)
{
	char v[2];

	return (fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 ||
		fgetxattr(fd, "user.overlay.opaque", v, sizeof(v)) == 1) &&
	       v[0] == 'y';
}

const char *engine__overlay_opaque_xattr(void)
{
	return geteuid() == 0 ? "trusted.overlay.opaque" : "user.overlay.opaque";
}

int engine__rm_rf(const char *path)
{
	return engine__rm_rf_at(AT_FDCWD, path);
}

int engine__read_file(const char *path, char **out, size_t *len)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t size = 0, cap = 0;

	if (fd < 0)
		return engine__error_errno(errno, "open %s", path);
	for (;;) {
		ssize_t n;

		if (cap - size < 4096) {
			char *grown;

			cap = cap ? cap * 2 : 8192;
			grown = realloc(buf, cap + 1);
			if (!grown)
				return engine__error_oom();
			buf = grown;
		}
		n = read(fd, buf + size, cap - size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return engine__error_errno(errno, "read %s", path);
		}
		if (n == 0)
			break;
		size += (size_t)n;
	}
	if (!buf && !(buf = malloc(1)))
		return engine__error_oom();
	buf[size] = '\0';
	if (len)
		*len = size;
	*out = steal_ptr(buf);
	return 0;
}

int engine__write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return engine__error_errno(errno, "write");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

char *engine__path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	char *out;

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (la == 1 && a[0] == '/')
		la = 0;
	if (asprintf(&out, "%.*s/%s", (int)la, a, b) < 0) {
		engine__error_oom();
		return NULL;
	}
	return out;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int engine__fsync_dir(const char *path)
{
	cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		return engine__error_errno(errno, "fsync %s", path);
	return 0;
}

int engine__write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, bool durable)
{
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -EBADF;
	int r;

	if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0)
		return engine__error_oom();
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return engine__error_errno(errno, "create %s", tmp);
	r = engine__write_all(fd, data, len);
	if (r < 0) {
		engine__error_wrap("write %s", path);
		goto unlink_tmp;
	}
	if (fchmod(fd, mode) < 0 || (durable && fsync(fd) < 0)) {
		r = engine__error_errno(errno, "write %s", path);
		goto unlink_tmp;
	}
	if (rename(tmp, path) < 0) {
		r = engine__error_errno(errno, "rename %s", path);
		goto unlink_tmp;
	}
	if (durable) {
		cleanup_free char *dir = dir_of(path);
		if (!dir)
			return engine__error_oom();
		return engine__fsync_dir(dir);
	}
	return 0;

unlink_tmp:
	unlink(tmp);
	return r;
}

int engine__mkdtemp_in(const char *parent, const char *prefix, char **out)
{
	char *tmpl;

	if (asprintf(&tmpl, "%s/.tmp-%s-XXXXXX", parent, prefix) < 0)
		return engine__error_oom();
	if (!mkdtemp(tmpl)) {
		int e = errno;
		free(tmpl);
		return engine__error_errno(e, "create temp dir in %s", parent);
	}
	*out = tmpl;
	return 0;
}

bool engine__path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Bytes of the regular files under @fd, not following links. */
static int64_t tree_size(int fd, int depth)
{
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	int64_t total = 0;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 256) {
			int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0) {
				total += tree_size(sub, depth + 1);
				close(sub);
			}
		} else if (S_ISREG(st.st_mode)) {
			total += st.st_blocks * 512;
		}
	}
	closedir(d);
	return total;
}

int64_t engine__tree_bytes(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int64_t n;

	if (fd < 0)
		return 0;
	n = tree_size(fd, 0);
	close(fd);
	return n;
}
