/*
 * Layers from directories (builds, commits): a container's upper dir is
 * written as an OCI layer — overlay whiteouts (0/0 char devices, opaque
 * xattr) become ".wh." entries — into a gzip blob, hashing the tar on the
 * way (the diff ID); the blob is then unpacked like any other layer.
 */
#include "config.h"

#include <dirent.h>
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
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/userns.h"
#include "util/fs.h"
#include "util/safepath.h"
#include "util/str.h"

struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;
};

/* The walk recurses once per directory level, on threads with small
 * stacks too (the daemon's are 1 MiB): what would be big locals of each
 * level is one allocation per layer. */
struct diff_bufs {
	char data[1 << 16], proc[64 + 4096], xlist[4096], xvalue[65536], target[4096];
};

struct differ {
	struct diff_bufs *b;
	struct archive *tar;  /* pax tar, uncompressed, into tar_out */
	struct archive *gz;   /* raw format + gzip filter, into gz_out */
	engine__sha256 *diff; /* hash of the uncompressed tar */
	engine__blob_writer *blob;
	struct hardlink *links;
	size_t nlinks;
	int err;	   /* first failure of a callback (error already set) */
	char *const *skip; /* regular files left out (relative paths), or NULL */
	bool rootless;	   /* host ids map back through @map */
	engine__idmap map;
};

static la_ssize_t gz_out(struct archive *a, void *data, const void *buf, size_t len)
{
	struct differ *d = data;

	if (d->err)
		return -1;
	d->err = engine__blob_writer_write(d->blob, buf, len);
	return d->err ? -1 : (la_ssize_t)len;
}

static la_ssize_t tar_out(struct archive *a, void *data, const void *buf, size_t len)
{
	struct differ *d = data;

	if (d->err)
		return -1;
	d->err = engine__sha256_update(d->diff, buf, len);
	if (!d->err && archive_write_data(d->gz, buf, len) != (la_ssize_t)len && !d->err)
		d->err = engine__error_set(ENGINE_EIO, 0, "compress layer: %s", archive_error_string(d->gz));
	return d->err ? -1 : (la_ssize_t)len;
}

static int tar_fail(struct differ *d, const char *path)
{
	if (d->err)
		return engine__error_wrap("layer entry \"%s\"", path);
	return engine__error_set(ENGINE_EIO, 0, "layer entry \"%s\": %s", path, archive_error_string(d->tar));
}

static int add_xattrs(struct differ *d, struct archive_entry *e, int dfd, const char *name, const char *path)
{
	char *proc = d->b->proc, *list = d->b->xlist, *value = d->b->xvalue;
	ssize_t n;

	snprintf(proc, sizeof(d->b->proc), "/proc/self/fd/%d/%s", dfd, name);
	n = llistxattr(proc, list, sizeof(d->b->xlist));
	if (n < 0)
		return errno == ENOTSUP ? 0 : engine__error_errno(errno, "list xattrs of %s", path);
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		ssize_t v;

		if (engine__xattr_is_overlay(k) || strcmp(k, ENGINE__OVERRIDE_STAT_XATTR) == 0)
			continue;
		v = lgetxattr(proc, k, value, sizeof(d->b->xvalue));
		if (v < 0)
			return engine__error_errno(errno, "read xattr %s of %s", k, path);
		archive_entry_xattr_add_entry(e, k, value, (size_t)v);
	}
	return 0;
}

/* Rootless: the owner as the container saw it (host ids mapped back, or
 * the override xattr a rootless unpack left where they could not be). */
static void container_owner(struct differ *d, struct archive_entry *e, int dfd, const char *name,
			    const struct stat *st)
{
	char *proc = d->b->proc, v[64];
	unsigned uid, gid, mode;
	ssize_t n;

	archive_entry_set_uid(e, engine__idmap_to_container(&d->map, st->st_uid, false));
	archive_entry_set_gid(e, engine__idmap_to_container(&d->map, st->st_gid, true));
	if (S_ISLNK(st->st_mode))
		return;
	snprintf(proc, sizeof(d->b->proc), "/proc/self/fd/%d/%s", dfd, name);
	n = lgetxattr(proc, ENGINE__OVERRIDE_STAT_XATTR, v, sizeof(v) - 1);
	if (n <= 0)
		return;
	v[n] = '\0';
	if (sscanf(v, "%u:%u:%o", &uid, &gid, &mode) == 3) {
		archive_entry_set_uid(e, uid);
		archive_entry_set_gid(e, gid);
		archive_entry_set_perm(e, mode & 07777);
	}
}

static bool is_opaque(int dfd, const char *name)
{
	cleanup_close int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return fd >= 0 && engine__overlay_opaque_fd(fd);
}

static struct archive_entry *new_entry(const char *path, const struct stat *st)
{
	struct archive_entry *e = archive_entry_new();

	if (!e)
		return NULL;
	archive_entry_copy_stat(e, st);
	archive_entry_set_pathname(e, path);
	archive_entry_unset_atime(e);
	archive_entry_unset_ctime(e);
	archive_entry_unset_birthtime(e);
	archive_entry_set_ino(e, 0);
	archive_entry_set_dev(e, 0);
	archive_entry_set_nlink(e, 1);
	return e;
}

static int write_marker(struct differ *d, const char *path, const struct stat *like)
{
	struct stat st = *like;
	struct archive_entry *e;
	int r = 0;

	st.st_mode = S_IFREG | 0600;
	st.st_size = 0;
	st.st_rdev = 0;
	e = new_entry(path, &st);
	if (!e)
		return engine__error_oom();
	if (archive_write_header(d->tar, e) < ARCHIVE_WARN)
		r = tar_fail(d, path);
	archive_entry_free(e);
	return r;
}

/* @pfd: the O_PATH fd the entry's stat came from. A running container
 * (commit without pause) can swap the name for a device node or a FIFO
 * between that stat and an open by name, which would have the host read
 * a host disk into the layer; the fd's own inode is read instead. */
static int copy_data(struct differ *d, int pfd, const char *path)
{
	cleanup_close int fd = engine__reopen_regular(pfd);
	char *buf = d->b->data;

	if (fd < 0)
		return engine__error_errno(-fd, "open %s", path);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(d->b->data));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return engine__error_errno(errno, "read %s", path);
		if (n == 0)
			return 0;
		if (archive_write_data(d->tar, buf, (size_t)n) != n)
			return tar_fail(d, path);
	}
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* As deep as docker cp and export go (image/tree_tar.c): a container's
 * tree nested deeper is refused rather than run the stack out. */
#define MAX_DEPTH 512

static int walk(struct differ *d, int dfd, const char *prefix, int depth);

static int one(struct differ *d, int dfd, const char *name, const char *prefix, int depth)
{
	cleanup_free char *path = prefix[0] ? engine__strdup_printf("%s/%s", prefix, name) : strdup(name);
	struct archive_entry *e = NULL;
	cleanup_close int pfd = -EBADF;
	struct stat st;
	int r = 0;

	if (!path)
		return engine__error_oom();
	pfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0 || fstat(pfd, &st) < 0)
		return engine__error_errno(errno, "stat %s", path);
	if (S_ISSOCK(st.st_mode))
		return 0;
	for (size_t i = 0; S_ISREG(st.st_mode) && d->skip && d->skip[i]; i++)
		if (strcmp(d->skip[i], path) == 0)
			return 0;
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
		cleanup_free char *wh = prefix[0] ? engine__strdup_printf("%s/.wh.%s", prefix, name)
						  : engine__strdup_printf(".wh.%s", name);
		return wh ? write_marker(d, wh, &st) : ENGINE_ENOMEM;
	}
	e = new_entry(path, &st);
	if (!e)
		return engine__error_oom();
	if (S_ISLNK(st.st_mode)) {
		char *target = d->b->target;
		ssize_t n = readlinkat(pfd, "", target, sizeof(d->b->target) - 1);
		if (n < 0) {
			r = engine__error_errno(errno, "readlink %s", path);
			goto out;
		}
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	}
	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		for (size_t i = 0; i < d->nlinks; i++)
			if (d->links[i].dev == st.st_dev && d->links[i].ino == st.st_ino) {
				archive_entry_set_hardlink(e, d->links[i].path);
				archive_entry_set_size(e, 0);
				break;
			}
		if (!archive_entry_hardlink(e)) {
			struct hardlink *grown = realloc(d->links, (d->nlinks + 1) * sizeof(*grown));
			if (!grown || !(grown[d->nlinks].path = strdup(path))) {
				if (grown)
					d->links = grown;
				r = engine__error_oom();
				goto out;
			}
			d->links = grown;
			grown[d->nlinks].dev = st.st_dev;
			grown[d->nlinks].ino = st.st_ino;
			d->nlinks++;
		}
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		archive_entry_set_size(e, 0);
	if (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))
		archive_entry_set_size(e, 0);
	if (d->rootless)
		container_owner(d, e, dfd, name, &st);
	r = add_xattrs(d, e, dfd, name, path);
	if (r < 0)
		goto out;
	if (archive_write_header(d->tar, e) < ARCHIVE_WARN) {
		r = tar_fail(d, path);
		goto out;
	}
	if (S_ISREG(st.st_mode) && !archive_entry_hardlink(e))
		r = copy_data(d, pfd, path);
	else if (S_ISDIR(st.st_mode)) {
		cleanup_close int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			r = engine__error_errno(errno, "open %s", path);
			goto out;
		}
		if (is_opaque(dfd, name)) {
			cleanup_free char *opq = engine__strdup_printf("%s/.wh..wh..opq", path);
			r = opq ? write_marker(d, opq, &st) : ENGINE_ENOMEM;
			if (r < 0)
				goto out;
		}
		close(pfd); /* one fd per level held while below */
		pfd = -EBADF;
		r = depth >= MAX_DEPTH
			? engine__error_set(ENGINE_EINVALID, 0,
					    "directories nested too deep (over %d levels) at %.200s...",
					    MAX_DEPTH, path)
			: walk(d, sub, path, depth + 1);
	}
out:
	archive_entry_free(e);
	return r;
}

static int walk(struct differ *d, int dfd, const char *prefix, int depth)
{
	int fd = dup(dfd);
	cleanup_closedir DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	cleanup_strv char **names = calloc(1, sizeof(char *));
	struct dirent *de;
	size_t n = 0;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return engine__error_errno(errno, "read directory %s", prefix[0] ? prefix : ".");
	}
	if (!names)
		return engine__error_oom();
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char **grown = realloc(names, (n + 2) * sizeof(char *));
		if (!grown)
			return engine__error_oom();
		names = grown;
		names[n] = strdup(de->d_name);
		names[++n] = NULL;
		if (!names[n - 1])
			return engine__error_oom();
	}
	/* Sorted, so the same tree gives the same tar (and digests). */
	qsort(names, n, sizeof(char *), cmp_names);
	for (size_t i = 0; i < n; i++) {
		int r = one(d, dfd, names[i], prefix, depth);
		if (r < 0)
			return r;
	}
	return 0;
}

static int open_writers(struct differ *d)
{
	struct archive_entry *e;

	d->tar = archive_write_new();
	d->gz = archive_write_new();
	if (!d->tar || !d->gz)
		return engine__backend_null(&engine__backend_archive);
	archive_write_set_format_raw(d->gz);
	archive_write_add_filter_gzip(d->gz);
	archive_write_set_bytes_in_last_block(d->gz, 1);
	if (archive_write_open(d->gz, d, NULL, gz_out, NULL) != ARCHIVE_OK)
		return engine__error_set(ENGINE_ERROR, 0, "compress layer: %s", archive_error_string(d->gz));
	e = archive_entry_new();
	if (!e)
		return engine__error_oom();
	archive_entry_set_pathname(e, "layer.tar");
	archive_entry_set_filetype(e, AE_IFREG);
	int r = archive_write_header(d->gz, e);
	archive_entry_free(e);
	if (r < ARCHIVE_WARN)
		return engine__error_set(ENGINE_ERROR, 0, "compress layer: %s", archive_error_string(d->gz));
	archive_write_set_format_pax_restricted(d->tar);
	archive_write_set_bytes_in_last_block(d->tar, 1);
	if (archive_write_open(d->tar, d, NULL, tar_out, NULL) != ARCHIVE_OK)
		return engine__error_set(ENGINE_ERROR, 0, "write layer: %s", archive_error_string(d->tar));
	return 0;
}

int engine__layer_create_from_dir(engine_context *ctx, const char *dir, const char *parent_chain_id,
				  char blob_digest_out[ENGINE__DIGEST_LEN + 1],
				  char diff_id_out[ENGINE__DIGEST_LEN + 1],
				  char chain_id_out[ENGINE__DIGEST_LEN + 1])
{
	return engine__layer_create_from_dir_skip(ctx, dir, parent_chain_id, NULL, blob_digest_out,
						  diff_id_out, chain_id_out);
}

int engine__layer_create_from_dir_skip(engine_context *ctx, const char *dir, const char *parent_chain_id,
				       char *const *skip, char blob_digest_out[ENGINE__DIGEST_LEN + 1],
				       char diff_id_out[ENGINE__DIGEST_LEN + 1],
				       char chain_id_out[ENGINE__DIGEST_LEN + 1])
{
	struct differ d = {.skip = skip};
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char blob[ENGINE__DIGEST_LEN + 1], diff[ENGINE__DIGEST_LEN + 1];
	int lock, r;

	if (dfd < 0)
		return engine__error_errno(errno, "layer from %s", dir);
	d.rootless = geteuid() != 0;
	if (d.rootless && engine__idmap_self(&d.map) < 0)
		return engine__error_wrap("layer from %s", dir);
	/* Held until the layer is recorded: GC must not take the blob first. */
	lock = engine__store_lock(ctx, false);
	if (lock < 0)
		return lock;
	d.b = malloc(sizeof(*d.b));
	r = d.b ? engine__sha256_new(&d.diff) : engine__error_oom();
	if (r == 0)
		r = engine__blob_writer_new(ctx, NULL, &d.blob);
	if (r == 0)
		r = open_writers(&d);
	if (r == 0)
		r = walk(&d, dfd, "", 0);
	if (r == 0 && archive_write_close(d.tar) != ARCHIVE_OK)
		r = tar_fail(&d, "(end)");
	if (r == 0 && archive_write_close(d.gz) != ARCHIVE_OK)
		r = d.err
			? d.err
			: engine__error_set(ENGINE_EIO, 0, "compress layer: %s", archive_error_string(d.gz));
	if (r == 0)
		r = engine__sha256_final(d.diff, diff);
	if (r == 0)
		r = engine__blob_writer_commit(d.blob, blob);
	if (r == 0)
		r = engine__layer_unpack_blob(ctx, blob, diff, parent_chain_id, chain_id_out);
	if (r == 0) {
		memcpy(blob_digest_out, blob, sizeof(blob));
		memcpy(diff_id_out, diff, sizeof(diff));
	} else {
		engine__error_wrap("layer from %s", dir);
	}
	if (d.tar)
		archive_write_free(d.tar);
	if (d.gz)
		archive_write_free(d.gz);
	engine__sha256_free(d.diff);
	engine__blob_writer_free(d.blob);
	for (size_t i = 0; i < d.nlinks; i++)
		free(d.links[i].path);
	free(d.links);
	free(d.b);
	engine__store_unlock(lock);
	return r;
}
