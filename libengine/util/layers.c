/*
 * Lookups in a stack of overlay layer directories without mounting them
 * (see layers.h): the merge rules of overlayfs applied one path component
 * at a time over directory fds, with symlinks resolved inside the view.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/error.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/layers.h"
#include "util/safepath.h"
#include "util/strv.h"

#define MAX_SYMLINK_HOPS 40

struct engine__layers {
	int *root; /* top first */
	size_t n;
};

/* The directories that make up one directory of the view, top first. */
struct dirset {
	int *fd;
	size_t n;
};

static void set_clear(struct dirset *s)
{
	for (size_t i = 0; i < s->n; i++)
		close(s->fd[i]);
	free(s->fd);
	s->fd = NULL;
	s->n = 0;
}

void engine__layers_free(engine__layers *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		close(l->root[i]);
	free(l->root);
	free(l);
}

int engine__layers_open(char *const *dirs, bool top_first, engine__layers **out)
{
	size_t n = engine__strv_len(dirs);
	engine__layers *l = calloc(1, sizeof(*l));

	if (!l || !(l->root = calloc(n + 1, sizeof(int)))) {
		free(l);
		return engine__error_oom();
	}
	for (size_t k = 0; k < n; k++) {
		const char *d = dirs[top_first ? k : n - 1 - k];
		int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			int r = engine__error_errno(errno, "open layer %s", d);
			engine__layers_free(l);
			return r;
		}
		l->root[l->n++] = fd;
	}
	*out = l;
	return 0;
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool is_opaque(int dfd)
{
	return engine__overlay_opaque_fd(dfd);
}

static int set_add(struct dirset *s, int fd)
{
	int *g = realloc(s->fd, (s->n + 1) * sizeof(int));

	if (!g) {
		close(fd);
		return engine__error_oom();
	}
	s->fd = g;
	s->fd[s->n++] = fd;
	return 0;
}

static int root_set(engine__layers *l, struct dirset *s)
{
	for (size_t i = 0; i < l->n; i++) {
		int fd = fcntl(l->root[i], F_DUPFD_CLOEXEC, 3);

		if (fd < 0)
			return engine__error_errno(errno, "dup layer fd");
		if (set_add(s, fd) < 0)
			return ENGINE_ENOMEM;
	}
	return 0;
}

/* The topmost layer of @s that has @name: 1 (index in *@idx), 0 none. */
static int find(const struct dirset *s, const char *name, size_t *idx, struct stat *st)
{
	for (size_t i = 0; i < s->n; i++) {
		if (fstatat(s->fd[i], name, st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return engine__error_errno(errno, "stat %s", name);
		}
		if (is_whiteout(st))
			return 0;
		*idx = i;
		return 1;
	}
	return 0;
}

/* The directory @name of @s (a directory in layer @idx) as a new set: that
 * directory, then the same one below until a whiteout, a non-directory or
 * an opaque directory ends the merge. */
static int child_set(const struct dirset *s, size_t idx, const char *name, struct dirset *out)
{
	for (size_t i = idx; i < s->n; i++) {
		struct stat st;
		int fd;

		if (fstatat(s->fd[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return engine__error_errno(errno, "stat %s", name);
		}
		if (!S_ISDIR(st.st_mode))
			break;
		fd = openat(s->fd[i], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return engine__error_errno(errno, "open %s", name);
		bool opaque = is_opaque(fd);
		if (set_add(out, fd) < 0)
			return ENGINE_ENOMEM;
		if (opaque)
			break;
	}
	return 0;
}

/* The set of the directory @names (no symlinks in it) from the root. */
static int replay(engine__layers *l, char *const *names, struct dirset *out)
{
	int r = root_set(l, out);

	for (size_t k = 0; r >= 0 && names && names[k]; k++) {
		struct dirset next = {0};
		struct stat st;
		size_t idx;

		r = find(out, names[k], &idx, &st);
		if (r == 1 && !S_ISDIR(st.st_mode))
			r = 0;
		if (r == 1)
			r = child_set(out, idx, names[k], &next);
		else if (r == 0)
			r = engine__error_set(ENGINE_ENOTFOUND, ENOENT, "%s: changed during the lookup",
					      names[k]);
		set_clear(out);
		*out = next;
	}
	return r < 0 ? r : 0;
}

static char *join_names(char *const *names, const char *last)
{
	size_t len = 2 + (last ? strlen(last) + 1 : 0);
	char *s, *p;

	for (size_t k = 0; names && names[k]; k++)
		len += strlen(names[k]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*p = '\0';
	for (size_t k = 0; names && names[k]; k++)
		p += sprintf(p, "/%s", names[k]);
	if (last)
		p += sprintf(p, "/%s", last);
	if (!s[0])
		strcpy(s, "/");
	return s;
}

void engine__layers_entry_clear(engine__layers_entry *e)
{
	if (e->dirfd >= 0)
		close(e->dirfd);
	e->dirfd = -1;
	free(e->name);
	free(e->path);
	e->name = e->path = NULL;
}

/* Not found at component @c: out->path gets the resolved prefix, @c and
 * the rest, the rest taken lexically. */
static int not_found(char ***names, const char *c, char *rest, engine__layers_entry *out)
{
	char *save = NULL;

	if (engine__strv_push(names, c) < 0)
		return ENGINE_ENOMEM;
	for (char *t = strtok_r(rest, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		size_t n = engine__strv_len(*names);

		if (strcmp(t, ".") == 0)
			continue;
		if (strcmp(t, "..") == 0) {
			if (n) {
				free((*names)[n - 1]);
				(*names)[n - 1] = NULL;
			}
		} else if (engine__strv_push(names, t) < 0) {
			return ENGINE_ENOMEM;
		}
	}
	out->path = join_names(*names, NULL);
	return out->path ? 0 : engine__error_oom();
}

int engine__layers_lookup(engine__layers *l, const char *path, bool follow, engine__layers_entry *out)
{
	cleanup_free char *rem = strdup(path);
	cleanup_strv char **names = calloc(1, sizeof(char *));
	struct dirset cur = {0};
	int hops = 0, r;
	char *p;

	memset(out, 0, sizeof(*out));
	out->dirfd = -1;
	if (!rem || !names)
		return engine__error_oom();
	if ((r = root_set(l, &cur)) < 0)
		goto done;
	for (p = rem;;) {
		struct dirset next = {0};
		struct stat st;
		size_t idx;
		char *c;
		bool last;

		c = engine__path_next(&p, &last);
		if (!c) { /* ends at a directory of the view */
			if (!cur.n) {
				r = 0;
				out->path = join_names(names, NULL);
				break;
			}
			out->dirfd = fcntl(cur.fd[0], F_DUPFD_CLOEXEC, 3);
			out->name = strdup(".");
			out->path = join_names(names, NULL);
			if (out->dirfd < 0 || !out->name || !out->path || fstat(out->dirfd, &out->st) < 0)
				r = engine__error_errno(errno ? errno : ENOMEM, "lookup %s", path);
			else
				r = 1;
			break;
		}
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			size_t n = engine__strv_len(names);

			if (n) {
				free(names[n - 1]);
				names[n - 1] = NULL;
			}
			set_clear(&cur);
			if ((r = replay(l, names, &cur)) < 0)
				break;
			continue;
		}
		r = find(&cur, c, &idx, &st);
		if (r < 0)
			break;
		if (r == 0 || (!last && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))) {
			r = not_found(&names, c, p, out);
			break;
		}
		if (S_ISLNK(st.st_mode) && (!last || follow)) {
			char target[4096];
			ssize_t n = readlinkat(cur.fd[idx], c, target, sizeof(target) - 1);
			char *again;

			if (n < 0) {
				r = engine__error_errno(errno, "readlink %s", c);
				break;
			}
			if (++hops > MAX_SYMLINK_HOPS) {
				r = engine__error_set(ENGINE_EINVALID, ELOOP,
						      "%s: too many levels of symbolic links", path);
				break;
			}
			target[n] = '\0';
			again = malloc((size_t)n + strlen(p) + 2);
			if (!again) {
				r = engine__error_oom();
				break;
			}
			sprintf(again, "%s/%s", target, p);
			free(rem);
			rem = p = again;
			if (target[0] == '/') {
				engine__strv_free(names);
				names = calloc(1, sizeof(char *));
				set_clear(&cur);
				if (!names) {
					r = engine__error_oom();
					break;
				}
				if ((r = root_set(l, &cur)) < 0)
					break;
			}
			continue;
		}
		if (last) {
			out->dirfd = fcntl(cur.fd[idx], F_DUPFD_CLOEXEC, 3);
			out->name = strdup(c);
			out->path = join_names(names, c);
			out->st = st;
			if (out->dirfd < 0 || !out->name || !out->path)
				r = engine__error_oom();
			else
				r = 1;
			break;
		}
		if ((r = child_set(&cur, idx, c, &next)) < 0) {
			set_clear(&next);
			break;
		}
		set_clear(&cur);
		cur = next;
		if (engine__strv_push(&names, c) < 0) {
			r = ENGINE_ENOMEM;
			break;
		}
	}
done:
	set_clear(&cur);
	if (r < 0)
		engine__layers_entry_clear(out);
	return r;
}

int engine__layers_read(engine__layers *l, const char *path, size_t max, char **out, size_t *len)
{
	engine__layers_entry e;
	cleanup_close int pfd = -EBADF;
	int r = engine__layers_lookup(l, path, true, &e);

	if (r == 1) {
		pfd = openat(e.dirfd, e.name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (pfd < 0)
			r = engine__error_errno(errno, "open %s", path);
	}
	engine__layers_entry_clear(&e);
	if (r < 0)
		return r;
	if (r == 0)
		return engine__error_set(ENGINE_ENOTFOUND, ENOENT, "%s: not found", path);
	return engine__read_regular(pfd, max, path, out, len);
}
