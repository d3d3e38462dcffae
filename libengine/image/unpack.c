/*
 * Extraction of one layer tar beneath a root directory fd: every entry type,
 * ownership, modes, xattrs, times, whiteouts. Safety rests on two rules:
 * names are cleaned lexically (engine__entry_clean) and every directory is
 * reached with openat2 RESOLVE_BENEATH from the root, so no entry can
 * create, change or follow anything outside it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/error.h"
#include "image/internal.h"
#include "image/pathset.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/strv.h"
#include "util/userns.h"

struct dirmeta {
	char *path;
	mode_t mode;
	struct timespec ts[2];
	bool implicit; /* defer_implicit: metadata from the layers below, later */
};

struct unpacker {
	struct archive *a;
	int rootfd;
	const engine__unpack_options *o;
	engine__unpack_result *res;
	const char *name; /* the raw entry name, for messages */
	char *cache_path; /* the last parent directory, kept open */
	int cache_fd;
	struct dirmeta *dirs;
	size_t ndirs, capdirs;
	engine__pathset seen;	 /* APPLY mode: paths this layer wrote */
	engine__hashset written; /* every path an entry named, to count repeats */
	uint64_t repeats;
	bool privileged;
	/* What this unpack creates is already owned by these ids (see
	 * new_owner_ok). */
	bool own_new;
	uid_t self_uid;
	gid_t self_gid;
	uint64_t sizes;
	engine__owners owners; /* rootless: owners still to give */
};

static int entry_fail(struct unpacker *u, int code, int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int entry_fail(struct unpacker *u, int code, int sys_errno, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sys_errno && code == 0)
		code = engine__error_code_from_errno(sys_errno);
	if (sys_errno)
		return engine__error_set(code, sys_errno, "entry \"%s\": %s: %s", u->name, msg,
					 strerror(sys_errno));
	return engine__error_set(code, 0, "entry \"%s\": %s", u->name, msg);
}

static int escape_fail(struct unpacker *u)
{
	return entry_fail(u, ENGINE_EPERM, 0, "escapes the layer root");
}

static void cache_drop(struct unpacker *u)
{
	if (u->cache_fd >= 0)
		close(u->cache_fd);
	u->cache_fd = -1;
	free(u->cache_path);
	u->cache_path = NULL;
}

/* Forget the cached parent when @rel is it or one of its ancestors. */
static void cache_invalidate(struct unpacker *u, const char *rel)
{
	size_t n = strlen(rel);

	if (!u->cache_path)
		return;
	if (n == 0 ||
	    (strncmp(u->cache_path, rel, n) == 0 && (u->cache_path[n] == '\0' || u->cache_path[n] == '/')))
		cache_drop(u);
}

static int defer_dir(struct unpacker *u, const char *rel, mode_t mode, const struct timespec ts[2],
		     bool implicit)
{
	if (u->ndirs == u->capdirs) {
		size_t cap = u->capdirs ? u->capdirs * 2 : 256;
		struct dirmeta *grown = realloc(u->dirs, cap * sizeof(*grown));
		if (!grown)
			return engine__error_oom();
		u->dirs = grown;
		u->capdirs = cap;
	}
	u->dirs[u->ndirs].path = strdup(rel);
	if (!u->dirs[u->ndirs].path)
		return engine__error_oom();
	u->dirs[u->ndirs].mode = mode;
	u->dirs[u->ndirs].ts[0] = ts[0];
	u->dirs[u->ndirs].ts[1] = ts[1];
	u->dirs[u->ndirs].implicit = implicit;
	u->ndirs++;
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
}

/* The metadata a directory the tar does not list takes: that of the same
 * directory in the layers below (topmost first), since in the merged
 * overlay the topmost copy's metadata wins. 1 when found, 0 when no layer
 * below has it as a directory. */
static int lower_dir_stat(char *const *lower_dirs, const char *rel, struct stat *st)
{
	for (size_t i = 0; lower_dirs && lower_dirs[i]; i++) {
		cleanup_close int lfd = open(lower_dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		cleanup_close int pfd = -EBADF;

		if (lfd < 0)
			continue;
		pfd = engine__open_beneath(lfd, rel, O_PATH | O_NOFOLLOW, false);
		if (pfd < 0)
			continue;
		if (fstat(pfd, st) < 0)
			continue;
		/* Hidden by a whiteout or a file below: no directory to copy. */
		return S_ISDIR(st->st_mode) ? 1 : 0;
	}
	return 0;
}

/* A directory the tar does not list but needs (LAYER mode). With
 * defer_implicit the layers below are still being unpacked: it is listed
 * for engine__unpack_implicit_dirs instead. */
static int implicit_dir_meta(struct unpacker *u, int dfd, const char *rel)
{
	static const struct timespec none[2];
	struct stat st;

	if (u->o->defer_implicit)
		return defer_dir(u, rel, 0, none, true);
	if (lower_dir_stat(u->o->lower_dirs, rel, &st) <= 0)
		return 0;
	struct timespec ts[2] = {st.st_atim, st.st_mtim};
	if (fchown(dfd, st.st_uid, st.st_gid) < 0 && u->privileged)
		return entry_fail(u, 0, errno, "chown parent \"%s\"", rel);
	return defer_dir(u, rel, st.st_mode & 07777, ts, false);
}

int engine__unpack_implicit_dirs(int rootfd, char *const *rels, char *const *lower_dirs)
{
	bool privileged = geteuid() == 0;

	for (size_t i = 0; rels && rels[i]; i++) {
		cleanup_close int fd = -EBADF;
		struct stat st;

		if (lower_dir_stat(lower_dirs, rels[i], &st) <= 0)
			continue;
		fd = engine__open_beneath(rootfd, rels[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW, true);
		if (fd < 0)
			continue; /* replaced or removed by a later entry */
		struct timespec ts[2] = {st.st_atim, st.st_mtim};
		if (fchown(fd, st.st_uid, st.st_gid) < 0 && privileged)
			return engine__error_errno(errno, "directory \"%s\": chown", rels[i]);
		if (fchmod(fd, st.st_mode & 07777) < 0 || futimens(fd, ts) < 0)
			return engine__error_errno(errno, "directory \"%s\": set mode and times", rels[i]);
	}
	return 0;
}

/* Create the missing directories of @parent one by one, each reached from
 * the root with RESOLVE_BENEATH. Returns an fd or a negative errno. */
static int make_parents(struct unpacker *u, const char *parent)
{
	cleanup_free char *path = strdup(parent);
	int prev = dup(u->rootfd);
	char *p;

	if (!path || prev < 0) {
		if (prev >= 0)
			close(prev);
		return -ENOMEM;
	}
	for (p = path;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		int fd = engine__open_beneath(u->rootfd, path, O_RDONLY | O_DIRECTORY, false);
		if (fd == -ENOENT) {
			const char *comp = strrchr(path, '/');
			comp = comp ? comp + 1 : path;
			if (mkdirat(prev, comp, 0755) < 0 && errno != EEXIST) {
				fd = -errno;
			} else {
				fd = engine__open_beneath(u->rootfd, path, O_RDONLY | O_DIRECTORY, false);
				if (fd >= 0 && u->o->mode == ENGINE__UNPACK_LAYER &&
				    implicit_dir_meta(u, fd, path) < 0) {
					close(fd);
					close(prev);
					return -EIO; /* error already set */
				}
			}
		}
		close(prev);
		if (fd < 0)
			return fd;
		prev = fd;
		*p = saved;
		if (saved == '\0')
			break;
	}
	return prev;
}

static int resolve_fail(struct unpacker *u, int neg, const char *what)
{
	if (neg == -EIO && engine_error_last()->code)
		return engine_error_last()->code;
	if (neg == -EXDEV || neg == -ELOOP)
		return escape_fail(u);
	if (neg == -ENOTDIR)
		return entry_fail(u, ENGINE_EINVALID, 0, "%s is not a directory", what);
	return entry_fail(u, 0, -neg, "open %s", what);
}

/* The directory that will hold the entry (borrowed; cached). */
static int parent_fd(struct unpacker *u, const char *parent)
{
	int fd;

	if (u->cache_path && strcmp(u->cache_path, parent) == 0)
		return u->cache_fd;
	cache_drop(u);
	fd = engine__open_beneath(u->rootfd, parent, O_RDONLY | O_DIRECTORY, false);
	if (fd == -ENOENT) {
		engine_error_clear();
		fd = make_parents(u, parent);
	}
	if (fd < 0)
		return resolve_fail(u, fd, "parent directory");
	u->cache_path = strdup(parent);
	if (!u->cache_path) {
		close(fd);
		return engine__error_oom();
	}
	u->cache_fd = fd;
	return fd;
}

static int remove_existing(struct unpacker *u, int pfd, const char *rel, const char *base)
{
	cache_invalidate(u, rel);
	if (engine__rm_rf_at(pfd, base) < 0)
		return engine__error_wrap("entry \"%s\": replace existing", u->name);
	return 0;
}

static int set_xattrs(struct unpacker *u, struct archive_entry *e, int fd, int pfd, const char *base)
{
	const char *name;
	const void *value;
	size_t size;

	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		int r;

		/* Nor the owner a rootless unpack records (diff reads it back
		 * as the file's owner and mode): only owners.c writes it. */
		if (engine__xattr_is_overlay(name) || strcmp(name, ENGINE__OVERRIDE_STAT_XATTR) == 0)
			continue;
		if (fd >= 0) {
			r = fsetxattr(fd, name, value, size, 0);
		} else {
			char proc[64 + 4096];
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", pfd, base);
			r = lsetxattr(proc, name, value, size, 0);
		}
		if (r < 0)
			return entry_fail(u, 0, errno, "set xattr %s", name);
	}
	return 0;
}

/* Whether an entry this unpack has just created already has the owner the
 * tar gives it, so the chown can go (tens of thousands of calls a layer): a
 * privileged LAYER unpack creates its tree itself under a root that is not
 * setgid, and directories get their modes only at the end, so everything
 * new belongs to the unpacker's own uid and gid. */
static bool new_owner_ok(struct unpacker *u, struct archive_entry *e)
{
	return u->own_new && archive_entry_uid(e) == (la_int64_t)u->self_uid &&
	       archive_entry_gid(e) == (la_int64_t)u->self_gid;
}

static int chown_ok(struct unpacker *u, int r)
{
	/* Unprivileged unpacks keep the caller's ownership, like tar. */
	return r == 0 || (!u->privileged && errno == EPERM);
}

static bool all_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	return len > 0 && p[0] == 0 && memcmp(p, p + 1, len - 1) == 0;
}

static int write_regular(struct unpacker *u, struct archive_entry *e, int pfd, const char *rel,
			 const char *base)
{
	cleanup_close int fd = -EBADF;
	int64_t size = archive_entry_size(e);
	int64_t end = 0;
	struct timespec ts[2];

	fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		if (remove_existing(u, pfd, rel, base) < 0)
			return engine_error_last()->code;
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return entry_fail(u, 0, errno, "create");
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int r = archive_read_data_block(u->a, &buf, &len, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return entry_fail(u, ENGINE_EINVALID, 0, "read data: %s", archive_error_string(u->a));
		/* Zeros become a hole (the file is new, so it reads back the
		 * same): a zero-filled bomb costs no disk before a limit ends it. */
		if (all_zero(buf, len))
			len = 0;
		for (size_t done = 0; done < len;) {
			ssize_t n = pwrite(fd, (const char *)buf + done, len - done, off + (off_t)done);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return entry_fail(u, 0, errno, "write");
			}
			done += (size_t)n;
		}
		if (len && off + (int64_t)len > end)
			end = off + (int64_t)len;
	}
	if (end < size && ftruncate(fd, size) < 0) /* a sparse file's trailing hole */
		return entry_fail(u, 0, errno, "truncate");
	if (!chown_ok(u, u->o->no_chown || new_owner_ok(u, e)
			     ? 0
			     : fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e))))
		return entry_fail(u, 0, errno, "chown");
	/* After chown, which clears setuid/setgid. */
	if (fchmod(fd, archive_entry_mode(e) & 07777) < 0)
		return entry_fail(u, 0, errno, "chmod");
	int r = set_xattrs(u, e, fd, pfd, base);
	if (r < 0)
		return r;
	entry_times(e, ts);
	if (futimens(fd, ts) < 0)
		return entry_fail(u, 0, errno, "set times");
	u->res->size += (uint64_t)size;
	return 0;
}

static int make_dir(struct unpacker *u, struct archive_entry *e, int pfd, const char *rel, const char *base)
{
	cleanup_close int fd = -EBADF;
	struct timespec ts[2];
	struct stat st;
	bool opaque = false, fresh = true;

	if (mkdirat(pfd, base, 0700) < 0) {
		if (errno != EEXIST)
			return entry_fail(u, 0, errno, "mkdir");
		fresh = false; /* owned by whichever entry made it */
		/* An existing directory is updated in place; anything else is replaced. */
		if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return entry_fail(u, 0, errno, "stat");
		if (!S_ISDIR(st.st_mode)) {
			/* A directory whited out and recreated by the same layer
			 * must hide what the layers below had in it. */
			opaque = u->o->mode == ENGINE__UNPACK_LAYER && S_ISCHR(st.st_mode) &&
				 st.st_rdev == makedev(0, 0);
			if (remove_existing(u, pfd, rel, base) < 0)
				return engine_error_last()->code;
			if (mkdirat(pfd, base, 0700) < 0)
				return entry_fail(u, 0, errno, "mkdir");
		}
	}
	fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return entry_fail(u, 0, errno, "open");
	if (opaque && fsetxattr(fd, engine__overlay_opaque_xattr(), "y", 1, 0) < 0)
		return entry_fail(u, 0, errno, "mark directory opaque");
	if (!chown_ok(u, u->o->no_chown || (fresh && new_owner_ok(u, e))
			     ? 0
			     : fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e))))
		return entry_fail(u, 0, errno, "chown");
	int r = set_xattrs(u, e, fd, pfd, base);
	if (r < 0)
		return r;
	entry_times(e, ts);
	/* Mode and times last: the children are still to come. */
	return defer_dir(u, rel, archive_entry_mode(e) & 07777, ts, false);
}

static int make_special(struct unpacker *u, struct archive_entry *e, int pfd, const char *rel,
			const char *base)
{
	mode_t type = archive_entry_filetype(e);
	struct timespec ts[2];
	int r;

	for (int attempt = 0;; attempt++) {
		if (type == AE_IFLNK)
			r = symlinkat(archive_entry_symlink(e)	      ? archive_entry_symlink(e)
				      : archive_entry_symlink_utf8(e) ? archive_entry_symlink_utf8(e)
								      : "",
				      pfd, base);
		else if (type == AE_IFIFO)
			r = mkfifoat(pfd, base, 0600);
		else
			r = mknodat(pfd, base, (type == AE_IFCHR ? S_IFCHR : S_IFBLK) | 0600,
				    archive_entry_rdev(e));
		if (r == 0)
			break;
		/* A user namespace may not make devices (only overlay's 0/0
		 * whiteouts): rootless, a layer's device nodes are skipped; a
		 * container gets the host's own for /dev (README, rootless). */
		if (errno == EPERM && !u->privileged && (type == AE_IFCHR || type == AE_IFBLK)) {
			u->res->devices_skipped++;
			return 0;
		}
		if (errno != EEXIST || attempt > 0)
			return entry_fail(u, 0, errno, "create");
		if (remove_existing(u, pfd, rel, base) < 0)
			return engine_error_last()->code;
	}
	if (!chown_ok(u, u->o->no_chown || new_owner_ok(u, e)
			     ? 0
			     : fchownat(pfd, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
					AT_SYMLINK_NOFOLLOW)))
		return entry_fail(u, 0, errno, "chown");
	if (type != AE_IFLNK && fchmodat(pfd, base, archive_entry_mode(e) & 07777, 0) < 0)
		return entry_fail(u, 0, errno, "chmod");
	r = set_xattrs(u, e, -1, pfd, base);
	if (r < 0)
		return r;
	entry_times(e, ts);
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return entry_fail(u, 0, errno, "set times");
	return 0;
}

static int make_hardlink(struct unpacker *u, const char *target, int pfd, const char *rel, const char *base)
{
	cleanup_free char *clean = NULL;
	cleanup_close int tfd = -EBADF;
	const char *slash, *tbase;
	int r = engine__entry_clean(target, "hardlink target", &clean);

	if (r < 0)
		return engine__error_wrap("entry \"%s\"", u->name);
	if (!clean[0])
		return entry_fail(u, ENGINE_EINVALID, 0, "hardlink to the layer root");
	slash = strrchr(clean, '/');
	if (slash) {
		clean[slash - clean] = '\0';
		tbase = slash + 1;
		tfd = engine__open_beneath(u->rootfd, clean, O_PATH | O_DIRECTORY, false);
	} else {
		tbase = clean;
		tfd = engine__open_beneath(u->rootfd, "", O_PATH | O_DIRECTORY, false);
	}
	if (tfd < 0) {
		if (tfd == -ENOENT)
			return entry_fail(u, ENGINE_EINVALID, 0, "hardlink target \"%s\" not found", target);
		return resolve_fail(u, tfd, "hardlink target");
	}
	/* No AT_SYMLINK_FOLLOW: a target that is a symlink is linked itself. */
	for (int attempt = 0;; attempt++) {
		if (linkat(tfd, tbase, pfd, base, 0) == 0)
			return 0;
		if (errno == ENOENT)
			return entry_fail(u, ENGINE_EINVALID, 0, "hardlink target \"%s\" not found", target);
		if (errno != EEXIST || attempt > 0)
			return entry_fail(u, 0, errno, "hardlink to \"%s\"", target);
		struct stat a, b;
		if (fstatat(tfd, tbase, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
		    fstatat(pfd, base, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			return 0; /* linked to itself */
		if (remove_existing(u, pfd, rel, base) < 0)
			return engine_error_last()->code;
	}
}

static int whiteout(struct unpacker *u, int pfd, const char *parent, const char *target)
{
	cleanup_free char *rel = NULL;

	if (!engine__whiteout_target_ok(target))
		return escape_fail(u);
	rel = parent[0] ? engine__strdup_printf("%s/%s", parent, target) : strdup(target);
	if (!rel)
		return engine__error_oom();
	if (remove_existing(u, pfd, rel, target) < 0)
		return engine_error_last()->code;
	if (u->o->mode == ENGINE__UNPACK_APPLY)
		return 0;
	if (mknodat(pfd, target, S_IFCHR | 0000, makedev(0, 0)) < 0)
		return entry_fail(u, 0, errno, "create whiteout");
	return 0;
}

/* APPLY mode: an opaque directory loses everything this layer did not write. */
static int clear_opaque(struct unpacker *u, int pfd, const char *parent)
{
	int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_closedir DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return entry_fail(u, 0, errno, "open opaque directory");
	}
	while ((de = readdir(d))) {
		cleanup_free char *rel = NULL;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		rel = parent[0] ? engine__strdup_printf("%s/%s", parent, de->d_name) : strdup(de->d_name);
		if (!rel)
			return engine__error_oom();
		if (engine__pathset_has(&u->seen, rel))
			continue;
		if (remove_existing(u, pfd, rel, de->d_name) < 0)
			return engine_error_last()->code;
	}
	return 0;
}

static int note_seen(struct unpacker *u, const char *rel)
{
	if (u->o->mode != ENGINE__UNPACK_APPLY)
		return 0;
	/* Ancestors too: an opaque marker must not remove the way to this path. */
	cleanup_free char *p = strdup(rel);
	if (!p)
		return engine__error_oom();
	for (;;) {
		int r = engine__pathset_add(&u->seen, p);
		if (r < 0)
			return r;
		if (r == 0)
			return 0; /* already there, and so are its ancestors */
		char *slash = strrchr(p, '/');
		if (!slash)
			return 0;
		*slash = '\0';
	}
}

static int create(struct unpacker *u, struct archive_entry *e, int pfd, const char *rel, const char *base);

static int entry(struct unpacker *u, struct archive_entry *e)
{
	cleanup_free char *rel = NULL;
	const char *parent, *base, *target = NULL;
	char *slash;
	int pfd, r;

	r = engine__entry_clean(u->name, "entry", &rel);
	if (r < 0)
		return r;
	/* Entries repeating a path cost a replacement each: millions of
	 * identical entries would take minutes before the entry cap. */
	r = engine__hashset_add(&u->written, rel);
	if (r < 0)
		return r;
	if (r == 0 && ++u->repeats > ENGINE__UNPACK_MAX_REPEATS && u->repeats > u->written.count)
		return entry_fail(
		    u, ENGINE_EINVALID, 0,
		    "%llu entries repeat paths written before in the same layer (an entry flood)",
		    (unsigned long long)u->repeats);
	if (u->o->owner_override) {
		archive_entry_set_uid(e, u->o->uid);
		archive_entry_set_gid(e, u->o->gid);
	}
	if (u->o->perm_override && archive_entry_filetype(e) != AE_IFLNK)
		archive_entry_set_perm(e, u->o->perm);
	/* What a container made lands owned by the caller, root as often as
	 * not: its device nodes and set-id bits would be the caller's gifts
	 * (a world-writable /dev/mem, a setuid-root shell on the host). */
	if (u->o->to_host &&
	    (archive_entry_filetype(e) == AE_IFCHR || archive_entry_filetype(e) == AE_IFBLK)) {
		u->res->devices_skipped++;
		return 0;
	}
	if (u->o->to_host && archive_entry_filetype(e) != AE_IFDIR)
		archive_entry_set_perm(e, archive_entry_mode(e) & 07777 & ~(mode_t)(S_ISUID | S_ISGID));
	if (!rel[0]) {
		struct timespec ts[2];
		if (archive_entry_filetype(e) != AE_IFDIR)
			return entry_fail(u, ENGINE_EINVALID, 0, "the layer root must be a directory");
		if (!chown_ok(u, u->o->no_chown ? 0
						: fchown(u->rootfd, (uid_t)archive_entry_uid(e),
							 (gid_t)archive_entry_gid(e))))
			return entry_fail(u, 0, errno, "chown");
		entry_times(e, ts);
		return defer_dir(u, "", archive_entry_mode(e) & 07777, ts, false);
	}
	slash = strrchr(rel, '/');
	if (slash) {
		*slash = '\0';
		parent = rel;
		base = slash + 1;
	} else {
		parent = "";
		base = rel;
	}
	enum engine__whiteout_kind kind =
	    u->o->mode == ENGINE__UNPACK_PLAIN ? ENGINE__WH_NONE : engine__whiteout_classify(base, &target);
	if (kind == ENGINE__WH_META)
		return 0;
	pfd = parent_fd(u, parent);
	if (pfd < 0)
		return pfd;
	if (kind == ENGINE__WH_OPAQUE) {
		if (u->o->mode == ENGINE__UNPACK_APPLY)
			return clear_opaque(u, pfd, parent);
		if (fsetxattr(pfd, engine__overlay_opaque_xattr(), "y", 1, 0) < 0)
			return entry_fail(u, 0, errno, "mark directory opaque");
		return 0;
	}
	if (kind == ENGINE__WH_FILE)
		return whiteout(u, pfd, parent, target);

	/* Rebuild "parent/base" for records and cache checks. */
	if (slash)
		*slash = '/';
	r = note_seen(u, rel);
	if (r < 0)
		return r;
	r = create(u, e, pfd, rel, base);
	/* Rootless: the owners the caller could not give, for the pass in a
	 * mapped user namespace (owners.c). */
	if (r == 0 && !u->privileged && !u->o->no_chown && (archive_entry_uid(e) || archive_entry_gid(e)))
		r = engine__owners_note(&u->owners, rel, (uid_t)archive_entry_uid(e),
					(gid_t)archive_entry_gid(e), archive_entry_mode(e),
					archive_entry_filetype(e) == AE_IFLNK);
	return r;
}

/* The entry itself, by type. */
static int create(struct unpacker *u, struct archive_entry *e, int pfd, const char *rel, const char *base)
{
	const char *hardlink =
	    archive_entry_hardlink(e) ? archive_entry_hardlink(e) : archive_entry_hardlink_utf8(e);

	if (hardlink)
		return make_hardlink(u, hardlink, pfd, rel, base);
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		u->sizes += (uint64_t)archive_entry_size(e);
		if (u->sizes > u->o->max_bytes)
			return entry_fail(
			    u, ENGINE_EINVALID, 0,
			    "uncompressed size exceeds the limit of %llu bytes (image-unpack-max-bytes)",
			    (unsigned long long)u->o->max_bytes);
		return write_regular(u, e, pfd, rel, base);
	case AE_IFDIR:
		return make_dir(u, e, pfd, rel, base);
	case AE_IFLNK:
	case AE_IFIFO:
	case AE_IFCHR:
	case AE_IFBLK:
		return make_special(u, e, pfd, rel, base);
	default:
		return 0; /* sockets and unknown types carry nothing to restore */
	}
}

/* Deferred implicit directories whose last word in the tar is the
 * implicit one (an explicit entry after it set its own metadata). */
static int list_implicit(struct unpacker *u)
{
	engine__pathset decided = {0};
	int r = 0;

	for (size_t i = u->ndirs; i-- > 0 && r >= 0;) {
		struct dirmeta *d = &u->dirs[i];

		r = engine__pathset_add(&decided, d->path);
		if (r == 1 && d->implicit)
			r = engine__strv_push(&u->res->implicit_dirs, d->path);
	}
	engine__pathset_free(&decided);
	return r < 0 ? r : 0;
}

static int finish_dirs(struct unpacker *u)
{
	for (size_t i = 0; i < u->ndirs; i++) {
		struct dirmeta *d = &u->dirs[i];
		int fd;

		if (d->implicit)
			continue;
		fd = engine__open_beneath(u->rootfd, d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, true);
		if (fd < 0)
			continue; /* replaced or removed by a later entry */
		if (fchmod(fd, d->mode) < 0 || futimens(fd, d->ts) < 0) {
			int e = errno;
			close(fd);
			return engine__error_errno(e, "directory \"%s\": set mode and times", d->path);
		}
		close(fd);
	}
	return u->o->defer_implicit ? list_implicit(u) : 0;
}

int engine__unpack_archive(struct archive *a, int rootfd, const engine__unpack_options *opts,
			   engine__unpack_result *res)
{
	struct unpacker u = {
	    .a = a,
	    .rootfd = rootfd,
	    .o = opts,
	    .res = res,
	    .cache_fd = -1,
	    .privileged = geteuid() == 0,
	};
	struct archive_entry *e;
	struct stat rst;
	int r = 0;

	memset(res, 0, sizeof(*res));
	/* A setgid root would hand its group down to everything created. */
	u.own_new = u.privileged && !opts->owner_override && opts->mode == ENGINE__UNPACK_LAYER &&
		    fstat(rootfd, &rst) == 0 && !(rst.st_mode & S_ISGID);
	u.self_uid = geteuid();
	u.self_gid = getegid();
	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF) {
			r = 0;
			break;
		}
		if (r < ARCHIVE_WARN) {
			r = engine__error_set(ENGINE_EINVALID, 0, "read tar: %s", archive_error_string(a));
			break;
		}
		if (opts->cancel && __atomic_load_n(opts->cancel, __ATOMIC_RELAXED)) {
			r = engine__error_set(ENGINE_ECANCELED, ECANCELED, "unpack cancelled");
			break;
		}
		if (++res->entries > opts->max_entries) {
			r = engine__error_set(ENGINE_EINVALID, 0,
					      "more than %llu entries (image-unpack-max-entries)",
					      (unsigned long long)opts->max_entries);
			break;
		}
		/* Raw bytes when libarchive can give them, else its UTF-8 form
		 * (names the current locale cannot represent). */
		u.name =
		    archive_entry_pathname(e) ? archive_entry_pathname(e) : archive_entry_pathname_utf8(e);
		if (!u.name) {
			r = engine__error_set(ENGINE_EINVALID, 0, "read tar: entry without a name");
			break;
		}
		r = entry(&u, e);
		if (r < 0)
			break;
	}
	if (r == 0)
		r = finish_dirs(&u);
	cache_drop(&u);
	if (r == 0 && u.owners.n)
		r = engine__owners_apply(rootfd, &u.owners);
	engine__owners_free(&u.owners);
	for (size_t i = 0; i < u.ndirs; i++)
		free(u.dirs[i].path);
	free(u.dirs);
	engine__pathset_free(&u.seen);
	engine__hashset_free(&u.written);
	return r;
}
