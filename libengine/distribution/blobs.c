/*
 * Blobs of the registry view: stored ones are opened as files (the caller
 * can sendfile them); in pull-through mode a missing one is fetched from
 * the upstream once, however many readers want it, and each reader follows
 * the bytes as they arrive (upstream.c does the fetching).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "distribution/internal.h"
#include "util/cleanup.h"
#include "util/str.h"

struct engine_distribution_blob {
	engine_distribution *dist;
	int fd;		       /* a stored blob */
	int64_t size;	       /* of a stored blob */
	engine__dist_fetch *f; /* or a fetch in progress */
};

static int check_digest(const char *digest)
{
	if (engine__digest_valid(digest))
		return 0;
	if (digest && strchr(digest, ':') && !engine__str_starts_with(digest, "sha256:"))
		return engine__error_set(ENGINE_ENOTSUP, 0, "digest \"%s\": only sha256 is supported",
					 digest);
	return engine__error_set(ENGINE_EINVALID, 0, "digest \"%s\" is malformed", digest ? digest : "");
}

/* Open the stored blob @digest: 0, ENGINE_ENOTFOUND, or an error. */
static int open_stored(engine_distribution *d, const char *digest, int *fd, int64_t *size)
{
	cleanup_free char *path = NULL;
	struct stat st;
	int r = engine__blob_path(d->ctx, digest, &path);

	if (r < 0)
		return r;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return errno == ENOENT
			   ? engine__error_set(ENGINE_ENOTFOUND, ENOENT, "blob %s not found", digest)
			   : engine__error_errno(errno, "open blob %s", digest);
	if (fstat(*fd, &st) < 0) {
		r = engine__error_errno(errno, "stat blob %s", digest);
		close(*fd);
		return r;
	}
	*size = st.st_size;
	return 0;
}

/* A fetch's failure as the reader sees it: not found, refused or timed
 * out upstream, else an I/O failure of the upstream (a corrupt blob too:
 * the reader's request was fine). */
static int fetch_error(const engine__dist_fetch *f)
{
	int code = f->err == ENGINE_ENOTFOUND || f->err == ENGINE_EPERM || f->err == ENGINE_ETIMEOUT
		       ? f->err
		       : ENGINE_EIO;

	return engine__error_set(code, 0, "%s", f->message);
}

ENGINE_EXTERN int engine_distribution_blob_open(engine_distribution *d, const char *name, const char *digest,
						engine_distribution_blob **out)
{
	cleanup_free char *canonical = NULL;
	engine_distribution_blob *b;
	int fd = -1, r;
	int64_t size = 0;

	if (!d || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "blob: NULL argument");
	r = engine__dist_canonical(d, name, &canonical);
	if (r == 0)
		r = check_digest(digest);
	if (r < 0)
		return r;
	b = calloc(1, sizeof(*b));
	if (!b)
		return engine__error_oom();
	b->dist = d;
	b->fd = -1;
	r = engine__dist_index_deleted(d, canonical, digest);
	if (r > 0)
		r = engine__error_set(ENGINE_ENOTFOUND, 0, "blob %s unknown to %s: deleted", digest, name);
	if (r == 0)
		r = open_stored(d, digest, &fd, &size);
	if (r == ENGINE_ENOTFOUND && d->upstream_domain) {
		engine_error_clear();
		pthread_mutex_lock(&d->lock);
		/* Stored meanwhile by a fetch that just ended? */
		r = open_stored(d, digest, &fd, &size);
		if (r == ENGINE_ENOTFOUND) {
			engine_error_clear();
			r = engine__dist_fetch_get(d, name, canonical, digest, &b->f);
		}
		while (r == 0 && b->f && !b->f->started)
			pthread_cond_wait(&d->cond, &d->lock);
		if (r == 0 && b->f && b->f->done && b->f->err)
			r = fetch_error(b->f);
		pthread_mutex_unlock(&d->lock);
	}
	if (r < 0) {
		engine_distribution_blob_free(b);
		return r;
	}
	b->fd = fd;
	b->size = b->f ? b->f->size : size;
	*out = b;
	return 0;
}

ENGINE_EXTERN int64_t engine_distribution_blob_size(const engine_distribution_blob *b)
{
	return b ? b->size : -1;
}

ENGINE_EXTERN int engine_distribution_blob_fd(const engine_distribution_blob *b)
{
	return b ? b->fd : -1;
}

static ssize_t pread_full(int fd, char *buf, size_t len, int64_t off)
{
	ssize_t n;

	do
		n = pread(fd, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	return n;
}

ENGINE_EXTERN int engine_distribution_blob_read(engine_distribution_blob *b, int64_t offset, char *buf,
						size_t len, size_t *got)
{
	engine__dist_fetch *f;
	ssize_t n;
	int fd;

	if (!b || !buf || !got || offset < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "blob read: bad argument");
	*got = 0;
	f = b->f;
	if (!f) {
		fd = b->fd;
	} else {
		engine_distribution *d = b->dist;

		int64_t avail;

		/* The last byte waits for the digest check: a corrupt blob is
		 * never served whole. */
		pthread_mutex_lock(&d->lock);
		while (!f->done && f->written - 1 <= offset)
			pthread_cond_wait(&d->cond, &d->lock);
		if (f->err) {
			int r = fetch_error(f);
			pthread_mutex_unlock(&d->lock);
			return r;
		}
		avail = f->done ? f->written : f->written - 1;
		if (avail <= offset) {
			pthread_mutex_unlock(&d->lock);
			return 0;
		}
		if ((int64_t)len > avail - offset)
			len = (size_t)(avail - offset);
		fd = f->fd;
		pthread_mutex_unlock(&d->lock);
	}
	n = pread_full(fd, buf, len, offset);
	if (n < 0)
		return engine__error_errno(errno, "read blob");
	*got = (size_t)n;
	return 0;
}

ENGINE_EXTERN int engine_distribution_blob_wait(engine_distribution_blob *b)
{
	engine_distribution *d;
	int r = 0;

	if (!b)
		return engine__error_set(ENGINE_EINVALID, 0, "blob wait: NULL argument");
	if (!b->f)
		return 0;
	d = b->dist;
	pthread_mutex_lock(&d->lock);
	while (!b->f->done)
		pthread_cond_wait(&d->cond, &d->lock);
	if (b->f->err)
		r = fetch_error(b->f);
	pthread_mutex_unlock(&d->lock);
	return r;
}

ENGINE_EXTERN void engine_distribution_blob_free(engine_distribution_blob *b)
{
	if (!b)
		return;
	if (b->fd >= 0)
		close(b->fd);
	if (b->f)
		engine__dist_fetch_put(b->f);
	free(b);
}

ENGINE_EXTERN int engine_distribution_blob_mount(engine_distribution *d, const char *name, const char *from,
						 const char *digest)
{
	cleanup_free char *canonical = NULL, *source = NULL;
	char *blobs[] = {(char *)digest, NULL};
	engine__dist_index_change c = {.add_blobs = blobs};
	int lock, r;

	if (!d)
		return engine__error_set(ENGINE_EINVALID, 0, "mount: NULL argument");
	if ((r = engine__dist_writable(d, false)) < 0)
		return r;
	r = engine__dist_canonical(d, name, &canonical);
	if (r == 0 && from)
		r = engine_distribution_name_check(from);
	if (r == 0)
		r = check_digest(digest);
	if (r < 0)
		return r;
	lock = engine__store_lock(d->ctx, false);
	if (lock < 0)
		return lock;
	/* Not from a repository that deleted it (Distribution checks the
	 * source's link); the mount links it into @name again. */
	if (!engine__blob_exists(d->ctx, digest) || (from && engine__dist_canonical(d, from, &source) == 0 &&
						     engine__dist_index_deleted(d, source, digest) != 0))
		r = engine__error_set(ENGINE_ENOTFOUND, 0, "blob %s not found", digest);
	else
		r = engine__dist_index_update(d, canonical, &c);
	engine__store_unlock(lock);
	return r;
}

ENGINE_EXTERN int engine_distribution_blob_delete(engine_distribution *d, const char *name,
						  const char *digest)
{
	cleanup_free char *canonical = NULL;
	engine__dist_index_change c = {.forget = digest};
	int r;

	if (!d)
		return engine__error_set(ENGINE_EINVALID, 0, "blob delete: NULL argument");
	if ((r = engine__dist_writable(d, true)) < 0)
		return r;
	r = engine__dist_canonical(d, name, &canonical);
	if (r == 0)
		r = check_digest(digest);
	if (r == 0)
		r = engine__dist_index_deleted(d, canonical, digest);
	if (r == 0 && !engine__blob_exists(d->ctx, digest))
		r = 1;
	if (r > 0)
		r = engine__error_set(ENGINE_ENOTFOUND, 0, "blob %s unknown to %s", digest, name);
	/* Unlinked from this repository only: the content stays for every
	 * image and repository that holds it, and for the GC to collect once
	 * nothing does. */
	if (r == 0)
		r = engine__dist_index_update(d, canonical, &c);
	return r < 0 ? engine__error_wrap("delete blob %s", digest) : 0;
}
