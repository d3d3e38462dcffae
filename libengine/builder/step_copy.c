/*
 * COPY/ADD: sources resolved like Docker's classic builder (paths cleaned
 * and kept inside the context, wildcards, .dockerignore, a top-level
 * symlink followed within the context), a content hash of exactly what
 * would be written, and the writing itself into the layer directory, with
 * the parent directories taking their metadata from the image.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backend/archive_lib.h"
#include "builder/step_copy.h"
#include "builder/sbuf.h"
#include "core/error.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/safepath.h"
#include "util/str.h"
#include "util/strv.h"

enum src_type { SRC_FILE, SRC_DIR, SRC_ARCHIVE };

struct source {
	char *abs;    /* host path */
	char *rel;    /* path relative to the source root (for .dockerignore) */
	char *target; /* where it lands in the image: the file, or the directory receiving contents */
	enum src_type type;
};

struct engine__copy_plan {
	struct source *v;
	size_t n;
	char hash[ENGINE__DIGEST_LEN + 16];
};

/* --- resolving sources ---------------------------------------------------------- */

/* Clean a '/'-separated path lexically; NULL (error set) when it climbs out. */
static char *clean_rel(const engine__copy_req *req, const char *src)
{
	cleanup_strv char **parts = calloc(1, sizeof(char *));
	cleanup_free char *copy = strdup(src);
	char *save = NULL;
	cleanup_sbuf engine__sbuf b = {0};

	if (!parts || !copy) {
		engine__error_oom();
		return NULL;
	}
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		size_t n = engine__strv_len(parts);

		if (strcmp(t, ".") == 0)
			continue;
		if (strcmp(t, "..") == 0) {
			if (n == 0 && src[0] != '/') {
				engine__error_set(
				    ENGINE_EINVALID, 0,
				    "Dockerfile:%d: %s failed: forbidden path outside the build context: %s",
				    req->line, req->kw, src);
				return NULL;
			}
			if (n) {
				free(parts[n - 1]);
				parts[n - 1] = NULL;
			}
			continue;
		}
		if (engine__strv_push(&parts, t) < 0)
			return NULL;
	}
	for (size_t i = 0; parts[i]; i++)
		if ((i && engine__sbuf_addc(&b, '/') < 0) || engine__sbuf_add(&b, parts[i]) < 0)
			return NULL;
	if (!b.len && engine__sbuf_addc(&b, '.') < 0)
		return NULL;
	return engine__sbuf_steal(&b);
}

static bool has_wildcard(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			continue;
		}
		if (*s == '*' || *s == '?' || *s == '[')
			return true;
	}
	return false;
}

/* Collect the paths under @root matching @pattern (Go filepath.Match on
 * the whole relative path), sorted, skipping what .dockerignore excludes. */
static int glob_walk(const engine__copy_req *req, const char *dir_rel, const char *pattern, char ***out)
{
	cleanup_free char *dir =
	    strcmp(dir_rel, ".") == 0 ? strdup(req->src_root) : engine__path_join(req->src_root, dir_rel);
	struct dirent **names = NULL;
	int n, r = 0;

	if (!dir)
		return ENGINE_ENOMEM;
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		cleanup_free char *rel = NULL, *abs = NULL;
		struct stat st;

		if (r < 0 || strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
			goto next;
		rel = strcmp(dir_rel, ".") == 0 ? strdup(nm) : engine__path_join(dir_rel, nm);
		abs = rel ? engine__path_join(req->src_root, rel) : NULL;
		if (!abs) {
			r = ENGINE_ENOMEM;
			goto next;
		}
		if (req->ignore && engine__ignore_match(req->ignore, rel) &&
		    !engine__ignore_has_exceptions(req->ignore))
			goto next;
		if (engine__glob_match(pattern, rel, false)) {
			if (!(req->ignore && engine__ignore_match(req->ignore, rel)))
				r = engine__strv_push(out, rel);
		} else if (lstat(abs, &st) == 0 && S_ISDIR(st.st_mode)) {
			r = glob_walk(req, rel, pattern, out);
		}
	next:
		free(names[i]);
	}
	free(names);
	return r;
}

static void plan_clear(engine__copy_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].abs);
		free(p->v[i].rel);
		free(p->v[i].target);
	}
	free(p->v);
}

void engine__copy_plan_free(engine__copy_plan *plan)
{
	if (!plan)
		return;
	plan_clear(plan);
	free(plan);
}

const char *engine__copy_plan_hash(const engine__copy_plan *plan)
{
	return plan->hash;
}

static bool dest_is_dir_in_image(const engine__copy_req *req)
{
	struct stat st;

	return engine__image_path_stat(req->layers, req->dest, &st) == 0 && S_ISDIR(st.st_mode);
}

/* @rel with an image's symlinks resolved inside its root (@src_root), as
 * the image sees them: "/usr/bin/x" -> "/opt/x" is the image's /opt/x, not
 * the host's. NULL with the error set. */
static char *in_image_path(const engine__copy_req *req, const char *rel)
{
	cleanup_close int rootfd = open(req->src_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_free char *inside = NULL;
	int r = rootfd < 0 ? -errno : engine__resolve_in_root(rootfd, rel, &inside);

	if (r < 0) {
		engine__error_set(ENGINE_ENOTFOUND, -r, "Dockerfile:%d: %s failed: %s: %s", req->line,
				  req->kw, rel, r == -EXDEV || r == -ELOOP ? "too many links" : strerror(-r));
		return NULL;
	}
	return engine__path_join(req->src_root, inside);
}

static int add_source(engine__copy_plan *p, const engine__copy_req *req, const char *rel, bool dest_dir)
{
	cleanup_free char *joined =
	    req->in_image ? in_image_path(req, rel) : engine__path_join(req->src_root, rel);
	cleanup_free char *real = NULL, *root_real = NULL;
	struct source *s;
	struct stat st;
	size_t rl;

	if (!joined)
		return req->in_image ? engine_error_last()->code : ENGINE_ENOMEM;
	/* The context root itself is never excluded ("*" then "!src" still copies src). */
	if (lstat(joined, &st) < 0 ||
	    (req->ignore && strcmp(rel, ".") != 0 && engine__ignore_match(req->ignore, rel)))
		return engine__error_set(
		    ENGINE_ENOTFOUND, ENOENT,
		    "Dockerfile:%d: %s failed: file not found in build context or excluded by "
		    ".dockerignore: stat %s: file does not exist",
		    req->line, req->kw, rel);
	/* A symlink named as the source is followed, but only within the root. */
	real = realpath(joined, NULL);
	root_real = realpath(req->src_root, NULL);
	if (!real || !root_real)
		return engine__error_set(
		    ENGINE_ENOTFOUND, errno,
		    "Dockerfile:%d: %s failed: file not found in build context: %s (dangling link)",
		    req->line, req->kw, rel);
	rl = strlen(root_real);
	if (strcmp(real, root_real) != 0 &&
	    (strncmp(real, root_real, rl) != 0 || (real[rl] != '/' && strcmp(root_real, "/") != 0)))
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "Dockerfile:%d: %s failed: forbidden path outside the build context: %s", req->line,
		    req->kw, rel);
	if (stat(real, &st) < 0)
		return engine__error_errno(errno, "stat %s", rel);
	/* ADD looks inside regular files for a tar: that needs libarchive. */
	if (req->add && S_ISREG(st.st_mode) && engine__backend_require(&engine__backend_archive) < 0)
		return engine__error_wrap("Dockerfile:%d: %s", req->line, req->kw);
	s = realloc(p->v, (p->n + 1) * sizeof(*s));
	if (!s)
		return engine__error_oom();
	p->v = s;
	s = &p->v[p->n];
	memset(s, 0, sizeof(*s));
	p->n++;
	s->abs = steal_ptr(real);
	s->rel = strdup(rel);
	if (S_ISDIR(st.st_mode))
		s->type = SRC_DIR;
	else if (req->add && S_ISREG(st.st_mode) && engine__archive_is_tar(s->abs))
		s->type = SRC_ARCHIVE;
	else
		s->type = SRC_FILE;
	if (s->type == SRC_FILE && dest_dir) {
		const char *base = strrchr(rel, '/');

		s->target = engine__path_join(req->dest, base ? base + 1 : rel);
	} else {
		s->target = strdup(req->dest);
	}
	if (!s->rel || !s->target)
		return engine__error_oom();
	return 0;
}

static int hash_plan(const engine__copy_req *req, engine__copy_plan *p);

int engine__copy_plan_new(const engine__copy_req *req, engine__copy_plan **out)
{
	engine__copy_plan *p = calloc(1, sizeof(*p));
	cleanup_strv char **rels = calloc(1, sizeof(char *));
	bool dest_dir;
	int r = 0;

	if (!p || !rels) {
		free(p);
		return engine__error_oom();
	}
	for (size_t i = 0; req->srcs[i] && r >= 0; i++) {
		const char *s = req->srcs[i];
		cleanup_free char *rel = NULL;
		size_t before = engine__strv_len(rels);

		if (engine__str_starts_with(s, "http://") || engine__str_starts_with(s, "https://") ||
		    engine__str_starts_with(s, "git@")) {
			r = engine__error_set(req->add ? ENGINE_ENOTSUP : ENGINE_EINVALID, 0,
					      req->add
						  ? "Dockerfile:%d: ADD %s: remote URLs are not supported: "
						    "this host has no network"
						  : "Dockerfile:%d: COPY %s: source can't be a URL",
					      req->line, s);
			break;
		}
		if (!(rel = clean_rel(req, s))) {
			r = engine_error_last()->code;
			break;
		}
		if (has_wildcard(rel)) {
			r = glob_walk(req, ".", rel, &rels);
			if (r >= 0 && engine__strv_len(rels) == before)
				r = engine__error_set(
				    ENGINE_ENOTFOUND, 0,
				    "Dockerfile:%d: %s failed: no source files were specified", req->line,
				    req->kw);
		} else {
			r = engine__strv_push(&rels, rel);
		}
	}
	if (r >= 0 && engine__strv_len(rels) > 1 && !engine__str_ends_with(req->dest, "/"))
		r = engine__error_set(
		    ENGINE_EINVALID, 0,
		    "Dockerfile:%d: When using %s with more than one source file, the destination "
		    "must be a directory and end with a /",
		    req->line, req->kw);
	dest_dir = engine__str_ends_with(req->dest, "/") || dest_is_dir_in_image(req);
	for (size_t i = 0; r >= 0 && rels[i]; i++)
		r = add_source(p, req, rels[i], dest_dir);
	if (r >= 0)
		r = hash_plan(req, p);
	if (r < 0) {
		engine__copy_plan_free(p);
		return r;
	}
	*out = p;
	return 0;
}

/* --- hashing and writing ---------------------------------------------------------- */

struct walk {
	const engine__copy_req *req;
	engine__sha256 *h; /* hashing, or */
	int rootfd;	   /* writing beneath this directory (the layer being made) */
};

static void entry_meta(const struct walk *w, const struct stat *st, mode_t *mode, uid_t *uid, gid_t *gid)
{
	*mode = st->st_mode & 07777;
	if (w->req->chmod >= 0 && !S_ISLNK(st->st_mode))
		*mode = (mode_t)w->req->chmod;
	if (w->req->preserve_owner && !w->req->chown) {
		*uid = st->st_uid;
		*gid = st->st_gid;
	} else {
		*uid = w->req->uid;
		*gid = w->req->gid;
	}
}

static int hash_header(struct walk *w, const char *target, char type, mode_t mode, uid_t uid, gid_t gid,
		       long long size)
{
	char buf[PATH_MAX + 128];
	int n = snprintf(buf, sizeof(buf), "%s%c%c %o %u %u %lld", target, 0, type, (unsigned)mode,
			 (unsigned)uid, (unsigned)gid, size);

	return engine__sha256_update(w->h, buf, (size_t)n + 1);
}

static int hash_file(struct walk *w, const char *abs)
{
	cleanup_close int fd = open(abs, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return engine__error_errno(errno, "open %s", abs);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return engine__error_errno(errno, "read %s", abs);
		if (engine__sha256_update(w->h, buf, (size_t)n) < 0)
			return ENGINE_ENOMEM;
	}
	return 0;
}

/* --- writing, beneath the layer directory's fd ----------------------------------------- */

/* Owner, mode and times of @name in @dfd ("." for @dfd itself). Symlinks
 * keep their mode and are never followed. */
static int set_meta(int dfd, const char *name, const struct stat *src, mode_t mode, uid_t uid, gid_t gid,
		    const char *target)
{
	struct timespec ts[2] = {src->st_atim, src->st_mtim};

	if (fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return engine__error_errno(errno, "chown %s", target);
	/* After chown, which clears setuid/setgid. */
	if (!S_ISLNK(src->st_mode) && fchmodat(dfd, name, mode, 0) < 0)
		return engine__error_errno(errno, "chmod %s", target);
	if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return engine__error_errno(errno, "set times of %s", target);
	return 0;
}

static int copy_data(const char *src, int pfd, const char *name, mode_t mode, const char *target)
{
	cleanup_close int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	cleanup_close int out = -EBADF;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return engine__error_errno(errno, "open %s", src);
	unlinkat(pfd, name, 0); /* a second source for the same target replaces the first */
	out = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
	if (out < 0)
		return engine__error_errno(errno, "create %s", target);
	for (;;) {
		ssize_t c = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);

		if (c == 0)
			return 0;
		if (c < 0)
			break; /* not supported across these filesystems: plain copy */
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return engine__error_errno(errno, "read %s", src);
		if (engine__write_all(out, buf, (size_t)n) < 0)
			return engine__error_wrap("write %s", target);
	}
	return 0;
}

/* A missing ancestor takes the image's metadata where the image has that
 * directory, else 0755 and the copy's owner. */
static int make_ancestor(struct walk *w, int dfd, const char *name, const char *in_image)
{
	struct stat img;

	if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
		return engine__error_errno(errno, "mkdir %s", in_image);
	if (engine__image_path_stat(w->req->layers, in_image, &img) == 0 && S_ISDIR(img.st_mode))
		return set_meta(dfd, name, &img, img.st_mode & 07777, img.st_uid, img.st_gid, in_image);
	engine_error_clear();
	uid_t uid = w->req->preserve_owner && !w->req->chown ? 0 : w->req->uid;
	gid_t gid = w->req->preserve_owner && !w->req->chown ? 0 : w->req->gid;
	if (fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 || fchmodat(dfd, name, 0755, 0) < 0)
		return engine__error_errno(errno, "mkdir %s", in_image);
	return 0;
}

/* The directory holding @target (@target itself with @self) in the layer
 * being written, its missing ancestors made. Every step is an openat with
 * O_NOFOLLOW from the layer's root: a symlink or a file on the way (a
 * source may have put one there) is refused, so nothing lands outside.
 * *@base (when !@self) is @target's last component ("." for the root). */
static int open_target_dir(struct walk *w, const char *target, bool self, char **base)
{
	cleanup_free char *t = strdup(target), *prefix = malloc(strlen(target) + 2);
	cleanup_close int cur = openat(w->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t plen = 0;
	bool last = false;
	char *p, *c;

	if (!t || !prefix)
		return engine__error_oom();
	if (cur < 0)
		return engine__error_errno(errno, "open the layer directory");
	for (p = t; (c = engine__path_next(&p, &last));) {
		int fd;

		if (last && !self) {
			*base = strdup(c);
			return *base ? steal_fd(cur) : engine__error_oom();
		}
		plen += (size_t)sprintf(prefix + plen, "/%s", c);
		fd = openat(cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			if (make_ancestor(w, cur, c, prefix) < 0)
				return engine_error_last()->code;
			fd = openat(cur, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0 && (errno == ENOTDIR || errno == ELOOP))
			return engine__error_set(ENGINE_EINVALID, 0, "%s: %s is not a directory", w->req->kw,
						 prefix);
		if (fd < 0)
			return engine__error_errno(errno, "open %s", prefix);
		close(cur);
		cur = fd;
	}
	if (!self && !(*base = strdup(".")))
		return engine__error_oom();
	return steal_fd(cur);
}

int engine__image_mkdir(char *const *layers, const char *path, const char *root)
{
	engine__copy_req req = {.kw = "WORKDIR", .chmod = -1, .layers = layers};
	cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct walk w = {.req = &req, .rootfd = rootfd};
	int fd;

	if (rootfd < 0)
		return engine__error_errno(errno, "open %s", root);
	fd = open_target_dir(&w, path, true, NULL);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static int visit(struct walk *w, int pfd, const char *abs, const char *rel, const char *target, bool emit,
		 bool top);

/* The children of the source directory @abs, written into @dfd (-1 when
 * the directory itself is excluded: a re-included child then makes its
 * way from the root). */
static int visit_children(struct walk *w, int dfd, const char *abs, const char *rel, const char *target)
{
	struct dirent **names = NULL;
	int n = scandir(abs, &names, NULL, alphasort), r = 0;

	if (n < 0)
		return engine__error_errno(errno, "read directory %s", abs);
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		cleanup_free char *cabs = NULL, *crel = NULL, *ctarget = NULL;
		bool excluded = false;

		if (r < 0 || strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
			goto next;
		cabs = engine__path_join(abs, nm);
		crel = rel ? (strcmp(rel, ".") == 0 ? strdup(nm) : engine__path_join(rel, nm)) : NULL;
		ctarget = engine__path_join(target, nm);
		if (!cabs || !ctarget || (rel && !crel)) {
			r = ENGINE_ENOMEM;
			goto next;
		}
		if (w->req->ignore && crel)
			excluded = engine__ignore_match(w->req->ignore, crel);
		if (excluded) {
			struct stat st;

			/* Something inside may be re-included by a "!" pattern. */
			if (engine__ignore_has_exceptions(w->req->ignore) && lstat(cabs, &st) == 0 &&
			    S_ISDIR(st.st_mode))
				r = visit(w, -1, cabs, crel, ctarget, false, false);
			goto next;
		}
		r = visit(w, dfd, cabs, crel, ctarget, true, false);
	next:
		free(names[i]);
	}
	free(names);
	return r;
}

static int hash_entry(struct walk *w, const char *abs, const struct stat *st, const char *target, mode_t mode,
		      uid_t uid, gid_t gid, const char *link, size_t ll)
{
	char type = S_ISDIR(st->st_mode)   ? 'd'
		    : S_ISREG(st->st_mode) ? 'f'
		    : S_ISLNK(st->st_mode) ? 'l'
					   : 'o';
	int r;

	if ((r = hash_header(w, target, type, mode, uid, gid,
			     S_ISREG(st->st_mode) ? (long long)st->st_size : 0)) < 0)
		return r;
	if (S_ISREG(st->st_mode))
		return hash_file(w, abs);
	if (S_ISLNK(st->st_mode))
		return engine__sha256_update(w->h, link, ll + 1);
	if (!S_ISDIR(st->st_mode))
		return engine__sha256_update(w->h, &st->st_rdev, sizeof(st->st_rdev));
	return 0;
}

/* One source entry: hashed, or written as @target into the layer. @pfd is
 * the directory that receives it when the caller has it open, else -1. */
static int visit(struct walk *w, int pfd, const char *abs, const char *rel, const char *target, bool emit,
		 bool top)
{
	cleanup_close int own = -EBADF, dfd = -EBADF;
	cleanup_free char *base = NULL;
	struct stat st, img;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	char link[PATH_MAX];
	ssize_t ll = 0;
	int r;

	if (lstat(abs, &st) < 0)
		return engine__error_errno(errno, "stat %s", rel ? rel : abs);
	if (S_ISSOCK(st.st_mode))
		return 0; /* like Docker's tar of the context: sockets are not files to copy */
	entry_meta(w, &st, &mode, &uid, &gid);
	/* A directory copied onto one the image has keeps the image's metadata. */
	if (top && S_ISDIR(st.st_mode) && engine__image_path_stat(w->req->layers, target, &img) == 0 &&
	    S_ISDIR(img.st_mode)) {
		mode = img.st_mode & 07777;
		uid = img.st_uid;
		gid = img.st_gid;
	}
	engine_error_clear();
	if (S_ISLNK(st.st_mode)) {
		ll = readlink(abs, link, sizeof(link) - 1);
		if (ll < 0)
			return engine__error_errno(errno, "readlink %s", abs);
		link[ll] = '\0';
	}
	if (emit && w->h && (r = hash_entry(w, abs, &st, target, mode, uid, gid, link, (size_t)ll)) < 0)
		return r;
	if (emit && w->rootfd >= 0) {
		if (pfd < 0) {
			if ((own = open_target_dir(w, target, false, &base)) < 0)
				return own;
			pfd = own;
		} else {
			const char *slash = strrchr(target, '/');
			if (!(base = strdup(slash ? slash + 1 : target)))
				return engine__error_oom();
		}
		if (S_ISDIR(st.st_mode)) {
			struct stat cur;

			if (fstatat(pfd, base, &cur, AT_SYMLINK_NOFOLLOW) == 0) {
				if (!S_ISDIR(cur.st_mode))
					return engine__error_set(ENGINE_EINVALID, 0,
								 "%s: %s is not a directory", w->req->kw,
								 target);
			} else if (mkdirat(pfd, base, 0700) < 0) {
				return engine__error_errno(errno, "mkdir %s", target);
			}
			dfd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (dfd < 0)
				return engine__error_errno(errno, "open %s", target);
		} else if (S_ISREG(st.st_mode)) {
			if ((r = copy_data(abs, pfd, base, mode, target)) < 0)
				return r;
		} else {
			unlinkat(pfd, base, 0);
			if (S_ISLNK(st.st_mode) ? symlinkat(link, pfd, base) < 0
						: mknodat(pfd, base, st.st_mode, st.st_rdev) < 0)
				return engine__error_errno(errno, "create %s", target);
		}
	}
	if (S_ISDIR(st.st_mode) && (r = visit_children(w, dfd, abs, rel, target)) < 0)
		return r;
	/* Last, so writing the children does not change the directory's times. */
	if (emit && w->rootfd >= 0)
		return S_ISDIR(st.st_mode) ? set_meta(dfd, ".", &st, mode, uid, gid, target)
					   : set_meta(pfd, base, &st, mode, uid, gid, target);
	return 0;
}

static int walk_plan(struct walk *w, const engine__copy_plan *p)
{
	int r = 0;

	for (size_t i = 0; i < p->n && r >= 0; i++) {
		const struct source *s = &p->v[i];
		const char *rel = w->req->ignore ? s->rel : NULL;
		engine__extract_options xo = {.owner_override = w->req->chown,
					      .uid = w->req->uid,
					      .gid = w->req->gid,
					      .perm_override = w->req->chmod >= 0,
					      .perm = (mode_t)(w->req->chmod >= 0 ? w->req->chmod : 0)};
		int dfd;

		if (s->type != SRC_ARCHIVE) {
			r = visit(w, -1, s->abs, rel, s->target, true, true);
			continue;
		}
		if (w->h) {
			if ((r = engine__sha256_update(w->h, "archive", 8)) < 0 ||
			    (r = engine__sha256_update(w->h, s->target, strlen(s->target) + 1)) < 0)
				break;
			r = hash_file(w, s->abs);
			continue;
		}
		/* The store's unpacker: its path safety and its limits, not a
		 * second extractor. */
		if ((dfd = r = open_target_dir(w, s->target, true, NULL)) < 0)
			break;
		r = engine__archive_extract(w->req->ctx, s->abs, dfd, &xo);
		close(dfd);
		if (r < 0)
			r = engine__error_wrap("%s %s", w->req->kw, s->rel);
	}
	return r;
}

static int hash_plan(const engine__copy_req *req, engine__copy_plan *p)
{
	struct walk w = {req, NULL, -1};
	char digest[ENGINE__DIGEST_LEN + 1];
	int r;

	if ((r = engine__sha256_new(&w.h)) < 0)
		return r;
	r = walk_plan(&w, p);
	if (r >= 0)
		r = engine__sha256_final(w.h, digest);
	engine__sha256_free(w.h);
	if (r < 0)
		return r;
	snprintf(p->hash, sizeof(p->hash), "%s:%s",
		 p->n != 1		   ? "multi"
		 : p->v[0].type == SRC_DIR ? "dir"
					   : "file",
		 engine__digest_hex(digest));
	return 0;
}

int engine__copy_plan_write(const engine__copy_req *req, const engine__copy_plan *plan, const char *root)
{
	cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct walk w = {req, NULL, -1};

	if (rootfd < 0)
		return engine__error_errno(errno, "open %s", root);
	/* The layer's root directory becomes the image's "/" in the overlay. */
	if (fchmod(rootfd, 0755) < 0)
		return engine__error_errno(errno, "chmod %s", root);
	w.rootfd = rootfd;
	return walk_plan(&w, plan);
}
