/*
 * engine_container_changes (docker diff): what a container changed in its
 * filesystem, read from its overlay upper dir against the image's layers
 * without mounting anything. A whiteout is a deletion; a file or directory
 * the layers lack is an addition; anything else in the upper dir is a
 * modification. A directory that only holds changes (copied up by overlay)
 * is reported modified when something below it is, as Docker does, and
 * what the engine itself writes (/etc/hosts, /etc/hostname,
 * /etc/resolv.conf, mount points) is left out, as Docker's init layer does.
 * Every step is an openat/fstatat with O_NOFOLLOW from a directory fd, so
 * what the container put in its upper dir cannot lead the walk elsewhere.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/error.h"
#include "runtime/container_int.h"
#include "runtime/lifecycle.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

enum { KIND_MODIFIED = 0, KIND_ADDED = 1, KIND_DELETED = 2 };

typedef struct change {
	char *path;
	int kind;
} change;

typedef struct walk {
	int *lower; /* layer root fds, topmost first */
	size_t nlower;
	char **skip; /* absolute paths the engine writes */
	change *list;
	size_t n, cap;
} walk;

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool is_opaque(int dirfd, const char *name)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return fd >= 0 && engine__overlay_opaque_fd(fd);
}

/* Whether @rel ("a/b") exists in the layers: the topmost layer that has it,
 * or a whiteout / opaque directory on the way, decides. Each layer's
 * components are walked with O_NOFOLLOW, so a symlink in a layer is never
 * followed out of it. */
static bool in_lower(walk *w, const char *rel)
{
	for (size_t l = 0; l < w->nlower; l++) {
		cleanup_free char *copy = strdup(rel);
		int dfd = dup(w->lower[l]);
		char *save = NULL, *next, *name;
		bool found = false, hidden = false;
		struct stat st;

		if (!copy || dfd < 0) {
			if (dfd >= 0)
				close(dfd);
			return false;
		}
		bool opaque = false;

		name = strtok_r(copy, "/", &save);
		while (name) {
			next = strtok_r(NULL, "/", &save);
			if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				/* an opaque directory hides the layers below */
				hidden = opaque;
				break;
			}
			if (is_whiteout(&st)) {
				hidden = true;
				break;
			}
			if (!next) {
				found = true;
				break;
			}
			if (!S_ISDIR(st.st_mode)) {
				hidden = true;
				break;
			}
			{
				int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

				close(dfd);
				dfd = sub;
			}
			if (dfd < 0)
				break;
			opaque = engine__overlay_opaque_fd(dfd);
			name = next;
		}
		if (dfd >= 0)
			close(dfd);
		if (found)
			return true;
		if (hidden)
			return false;
	}
	return false;
}

static int add(walk *w, const char *path, int kind)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 32;
		change *g = realloc(w->list, cap * sizeof(*g));

		if (!g)
			return engine__error_oom();
		w->list = g;
		w->cap = cap;
	}
	w->list[w->n].path = strdup(path);
	if (!w->list[w->n].path)
		return engine__error_oom();
	w->list[w->n++].kind = kind;
	return 0;
}

static bool skipped(walk *w, const char *path)
{
	for (size_t i = 0; w->skip[i]; i++)
		if (strcmp(w->skip[i], path) == 0)
			return true;
	return false;
}

/* Whether @dir is a mount point the engine made, or holds one. */
static bool holds_skipped(walk *w, const char *dir)
{
	size_t n = strlen(dir);

	for (size_t i = 0; w->skip[i]; i++)
		if (strncmp(w->skip[i], dir, n) == 0 && (w->skip[i][n] == '/' || w->skip[i][n] == '\0'))
			return true;
	return false;
}

/* Walk the upper directory @dfd (the container path @path, "" for /).
 * Returns how many changes were recorded below it, or < 0. */
static int walk_dir(walk *w, int dfd, const char *path, int depth)
{
	cleanup_closedir DIR *d = NULL;
	struct dirent *e;
	int below = 0, fd;

	if (depth > 256)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "directories nested too deep (over 256 levels) at %.200s...", path);
	fd = dup(dfd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return engine__error_errno(errno, "read upper dir %s", *path ? path : "/");
	}
	while ((e = readdir(d))) {
		cleanup_free char *child = NULL;
		struct stat st;
		int r;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		child = engine__strdup_printf("%s/%s", path, e->d_name);
		if (!child)
			return ENGINE_ENOMEM;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* removed meanwhile */
		if (skipped(w, child))
			continue;
		if (is_whiteout(&st) || !S_ISDIR(st.st_mode)) {
			r = add(w, child,
				is_whiteout(&st)	 ? KIND_DELETED
				: in_lower(w, child + 1) ? KIND_MODIFIED
							 : KIND_ADDED);
			if (r < 0)
				return r;
			below++;
			continue;
		}
		{
			bool lower = in_lower(w, child + 1), fresh = !lower || is_opaque(dfd, e->d_name);
			int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0)
				continue;
			r = walk_dir(w, sub, child, depth + 1);
			close(sub);
			if (r < 0)
				return r;
			/* A copied-up directory counts when something in it changed; a
			 * new one unless the engine made it for a mount point. */
			if (r == 0 && (!fresh || holds_skipped(w, child)))
				continue;
			r = add(w, child, fresh && !lower ? KIND_ADDED : KIND_MODIFIED);
			if (r < 0)
				return r;
			below++;
		}
	}
	return below;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const change *)a)->path, ((const change *)b)->path);
}

/* The paths the engine writes itself: its /etc files and the mount points. */
static int skip_list(engine_container *c, char ***out)
{
	static const char *const fixed[] = {
	    "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/proc", "/sys", "/dev", NULL};
	char **v = engine__strv_dup((char *const *)fixed);

	for (size_t i = 0; v && i < c->spec->n_mounts; i++)
		if (engine__strv_push(&v, c->spec->mounts[i].dst) < 0) {
			engine__strv_free(v);
			return ENGINE_ENOMEM;
		}
	if (!v)
		return ENGINE_ENOMEM;
	*out = v;
	return 0;
}

ENGINE_EXTERN int engine_container_changes(engine_container *c, char **json_out)
{
	cleanup_json json_object *arr = json_object_new_array();
	cleanup_free char *upper = NULL;
	cleanup_close int ufd = -EBADF;
	engine__cinfo ci;
	engine_spec tmp;
	walk w = {0};
	const char *image_id;
	size_t nl;
	int r;

	if (!c || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_changes: NULL argument");
	if (!arr)
		return engine__error_oom();
	memset(&ci, 0, sizeof(ci));
	tmp = *c->spec;
	image_id = engine__json_get_string(c->config, "ImageID");
	if (image_id && *image_id)
		tmp.image = (char *)image_id;
	r = engine__cinfo_load_image(c->ctx, &tmp, &ci);
	if (r < 0)
		goto out;
	nl = engine__strv_len(ci.layers);
	w.lower = calloc(nl + 1, sizeof(*w.lower));
	if (!w.lower) {
		r = engine__error_oom();
		goto out;
	}
	for (size_t i = 0; i < nl; i++) {
		int fd = open(ci.layers[nl - 1 - i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0) {
			r = engine__error_errno(errno, "open layer %s", ci.layers[nl - 1 - i]);
			goto out;
		}
		w.lower[w.nlower++] = fd;
	}
	r = skip_list(c, &w.skip);
	if (r < 0)
		goto out;
	upper = engine__strdup_printf("%s/upper", c->dir);
	if (!upper) {
		r = ENGINE_ENOMEM;
		goto out;
	}
	ufd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ufd < 0) {
		/* engine_run's containers keep no upper dir on disk */
		r = engine__error_errno(errno, "upper dir of container %.12s", c->id);
		goto out;
	}
	r = walk_dir(&w, ufd, "", 0);
	if (r < 0)
		goto out;
	if (w.n > 1) /* qsort of an empty list would pass NULL */
		qsort(w.list, w.n, sizeof(*w.list), by_path);
	for (size_t i = 0; i < w.n; i++) {
		json_object *o = json_object_new_object();

		json_object_array_add(arr, o);
		engine__json_add_string(o, "Path", w.list[i].path);
		json_object_object_add(o, "Kind", json_object_new_int(w.list[i].kind));
	}
	*json_out = strdup(
	    json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	r = *json_out ? 0 : engine__error_oom();
out:
	for (size_t i = 0; i < w.nlower; i++)
		close(w.lower[i]);
	free(w.lower);
	for (size_t i = 0; i < w.n; i++)
		free(w.list[i].path);
	free(w.list);
	engine__strv_free(w.skip);
	free(ci.dir);
	engine__strv_free(ci.layers);
	if (ci.config)
		json_object_put(ci.config);
	free(ci.image_id);
	return r < 0 ? engine__error_wrap("changes of container %.12s", c->id) : 0;
}
