/*
 * Plain tar streams of directory trees, in and out (docker cp, export,
 * archive get/put): a tree is written from a directory fd without following
 * any symlink (every node is opened O_PATH|O_NOFOLLOW from its parent, a
 * regular file is reopened only after fstat says it is one), with hard
 * links, xattrs and Go's trailing "/" on directory names; a tar is
 * extracted through the layer unpacker in its plain mode, so no entry can
 * reach outside the target directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <linux/magic.h>
#include <unistd.h>

#include "core/error.h"
#include "image/archive_util.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/safepath.h"
#include "util/str.h"

#define MAX_DEPTH 512

struct link {
	dev_t dev;
	ino_t ino;
	char *name;
};

/* add_node recurses once per directory level, on threads with small
 * stacks too (the daemon's are 1 MiB): what would be big locals of each
 * level is one allocation per stream. */
struct bufs {
	char data[65536], xnames[4096], xvalue[4096], target[4096];
};

struct writer {
	struct bufs *b;
	struct archive *a;
	int fd;
	const engine__tar_options *o;
	struct link *links;
	size_t nlinks;
	int err; /* error from the output callback (already set) */
};

/* send(MSG_NOSIGNAL) where the fd is a socket: a reader that went away is
 * an EPIPE error, never a SIGPIPE in the embedder's process. */
static la_ssize_t out_cb(struct archive *a, void *data, const void *buf, size_t len)
{
	struct writer *w = data;
	ssize_t n;

	(void)a;
	do {
		n = send(w->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(w->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		w->err = engine__error_errno(errno, "write tar stream");
		return -1;
	}
	return n;
}

/* Filesystems whose content is not data: a live container's /proc, /sys. */
static bool pseudo_fs(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return false;
	switch ((unsigned long)sf.f_type) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEVPTS_SUPER_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case DEBUGFS_MAGIC:
	case SECURITYFS_MAGIC:
		return true;
	default:
		return false;
	}
}

static int fail(struct writer *w, const char *aname)
{
	if (w->err)
		return w->err;
	return engine__error_set(ENGINE_EIO, 0, "tar entry \"%s\": %s", aname, archive_error_string(w->a));
}

static int add_xattrs(struct writer *w, struct archive_entry *e, int fd)
{
	char *names = w->b->xnames, *value = w->b->xvalue;
	ssize_t n = flistxattr(fd, names, sizeof(w->b->xnames));

	for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(names + i) + 1) {
		const char *name = names + i;
		ssize_t len;

		/* overlay's bookkeeping is not the file's */
		if (engine__xattr_is_overlay(name))
			continue;
		len = fgetxattr(fd, name, value, sizeof(w->b->xvalue));
		if (len >= 0)
			archive_entry_xattr_add_entry(e, name, value, (size_t)len);
	}
	return 0;
}

static int copy_data(struct writer *w, int fd, const char *aname)
{
	char *buf = w->b->data;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(w->b->data))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return engine__error_errno(errno, "read \"%s\"", aname);
		if (archive_write_data(w->a, buf, (size_t)n) != n)
			return fail(w, aname);
	}
	return 0;
}

/* A hard link to a file already written: its first name, or NULL after
 * recording this one. */
static const char *link_seen(struct writer *w, const struct stat *st, const char *aname)
{
	struct link *g;

	for (size_t i = 0; i < w->nlinks; i++)
		if (w->links[i].dev == st->st_dev && w->links[i].ino == st->st_ino)
			return w->links[i].name;
	g = realloc(w->links, (w->nlinks + 1) * sizeof(*g));
	if (!g)
		return NULL;
	w->links = g;
	g[w->nlinks].dev = st->st_dev;
	g[w->nlinks].ino = st->st_ino;
	g[w->nlinks].name = strdup(aname);
	if (g[w->nlinks].name)
		w->nlinks++;
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_node(struct writer *w, int fd, const char *aname, int depth);

static int add_children(struct writer *w, int fd, const char *aname, int depth)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_closedir DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	int r = 0;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return engine__error_errno(errno, "read directory \"%s\"", *aname ? aname : ".");
	}
	/* Sorted, so the same tree gives the same stream. */
	while ((de = readdir(d))) {
		char **g;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		g = realloc(names, (n + 1) * sizeof(*g));
		if (!g || !(g[n] = strdup(de->d_name))) {
			free(g ? g : names);
			names = NULL;
			r = engine__error_oom();
			goto out;
		}
		names = g;
		n++;
	}
	if (n > 1) /* qsort of an empty list would pass NULL */
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n && r == 0; i++) {
		cleanup_free char *child =
		    *aname ? engine__strdup_printf("%s/%s", aname, names[i]) : strdup(names[i]);
		int cfd = child ? openat(dirfd(d), names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC) : -1;

		if (!child)
			r = engine__error_oom();
		else if (cfd < 0 && errno != ENOENT) /* vanished meanwhile: skip */
			r = engine__error_errno(errno, "open \"%s\"", child);
		else if (cfd >= 0) {
			r = add_node(w, cfd, child, depth + 1);
			close(cfd);
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

/* @fd: an O_PATH fd of the node; @aname its name in the archive ("" for the
 * contents of a directory without an entry of its own). */
static int add_node(struct writer *w, int fd, const char *aname, int depth)
{
	struct archive_entry *e;
	cleanup_close int rfd = -EBADF;
	cleanup_free char *dname = NULL;
	const char *first = NULL;
	struct stat st;
	int r = 0;

	if (depth > MAX_DEPTH)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "directories nested too deep (over %d levels) at \"%.200s...\"",
					 MAX_DEPTH, aname);
	if (fstat(fd, &st) < 0)
		return engine__error_errno(errno, "stat \"%s\"", aname);
	if (S_ISSOCK(st.st_mode))
		return 0; /* a tar cannot hold a socket */
	if (!*aname)
		return S_ISDIR(st.st_mode) ? add_children(w, fd, aname, depth)
					   : engine__error_set(ENGINE_EINVALID, 0, "not a directory");
	e = archive_entry_new();
	if (!e)
		return engine__error_oom();
	dname = S_ISDIR(st.st_mode) ? engine__strdup_printf("%s/", aname) : strdup(aname);
	if (!dname) {
		archive_entry_free(e);
		return ENGINE_ENOMEM;
	}
	archive_entry_set_pathname(e, dname);
	archive_entry_copy_stat(e, &st);
	if (w->o->root_owner) {
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
	}
	if (S_ISLNK(st.st_mode)) {
		char *target = w->b->target;
		ssize_t n = readlinkat(fd, "", target, sizeof(w->b->target) - 1);

		if (n < 0) {
			archive_entry_free(e);
			return engine__error_errno(errno, "read link \"%s\"", aname);
		}
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	} else if (S_ISREG(st.st_mode)) {
		if (st.st_nlink > 1 && (first = link_seen(w, &st, aname))) {
			archive_entry_set_size(e, 0);
			archive_entry_set_hardlink(e, first);
		} else {
			rfd = engine__reopen_regular(fd);
			if (rfd < 0) {
				archive_entry_free(e);
				return engine__error_errno(-rfd, "open \"%s\"", aname);
			}
			add_xattrs(w, e, rfd);
		}
	} else if (S_ISDIR(st.st_mode)) {
		rfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rfd >= 0)
			add_xattrs(w, e, rfd);
	}
	/* ARCHIVE_WARN: a name that is not UTF-8 went out as it is
	 * (hdrcharset=BINARY), as commit writes it; a container's file
	 * names must not stop its export or a cp. */
	if (archive_write_header(w->a, e) < ARCHIVE_WARN)
		r = fail(w, aname);
	archive_entry_free(e);
	if (r == 0 && S_ISREG(st.st_mode) && !first)
		r = copy_data(w, rfd, aname);
	if (r == 0 && S_ISDIR(st.st_mode) && !(w->o->skip_pseudo && pseudo_fs(fd)))
		r = add_children(w, fd, aname, depth);
	return r;
}

int engine__tar_write_tree(int out_fd, int fd, const char *aname, const engine__tar_options *opts)
{
	static const engine__tar_options defaults;
	struct writer w = {.fd = out_fd, .o = opts ? opts : &defaults};
	int r;

	w.b = malloc(sizeof(*w.b));
	w.a = w.b ? archive_write_new() : NULL;
	if (!w.a) {
		free(w.b);
		return engine__error_oom();
	}
	/* ustar unless a name, a size or an xattr needs pax headers. */
	if (archive_write_set_format_pax_restricted(w.a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w.a, 1) != ARCHIVE_OK ||
	    archive_write_open(w.a, &w, NULL, out_cb, NULL) != ARCHIVE_OK) {
		r = engine__error_set(ENGINE_ERROR, 0, "start tar stream: %s", archive_error_string(w.a));
		archive_write_free(w.a);
		free(w.b);
		return r;
	}
	r = add_node(&w, fd, aname, 0);
	if (archive_write_close(w.a) != ARCHIVE_OK && r == 0)
		r = fail(&w, "end of archive");
	archive_write_free(w.a);
	for (size_t i = 0; i < w.nlinks; i++)
		free(w.links[i].name);
	free(w.links);
	free(w.b);
	return r;
}

int engine__tar_extract(engine_context *ctx, int in_fd, int dirfd, bool no_chown)
{
	engine__unpack_options o = {.mode = ENGINE__UNPACK_PLAIN, .no_chown = no_chown, .to_host = no_chown};
	engine__unpack_result res;
	struct archive *a = archive_read_new();
	int r;

	if (!a)
		return engine__error_oom();
	engine__unpack_limits(ctx, &o);
	/* docker cp and the archive API accept plain, gzip, bzip2 and xz tars
	 * (and zstd): in-library filters only, never a host program. */
	engine__archive_support_filters(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open_fd(a, in_fd, 65536) != ARCHIVE_OK) {
		r = engine__error_set(ENGINE_EINVALID, 0, "read tar stream: %s", archive_error_string(a));
		archive_read_free(a);
		return r;
	}
	r = engine__unpack_archive(a, dirfd, &o, &res);
	archive_read_free(a);
	return r;
}
