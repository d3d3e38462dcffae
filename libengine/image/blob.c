/*
 * Content-addressed blobs: written through a temp file while hashing,
 * verified, then linked into blobs/sha256/<hex> in one step, so a blob is
 * either complete and verified or absent.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct engine__blob_writer {
	engine_context *ctx;
	char expected[ENGINE__DIGEST_LEN + 1];
	engine__sha256 *hash;
	int fd;
	char *tmp_path; /* named temp file when O_TMPFILE is unavailable */
	int lock_fd;
	bool detached; /* takes the store lock only to commit */
	int64_t size;  /* bytes written */
	bool done;
	bool summed; /* the hash is final: sum holds it */
	char sum[ENGINE__DIGEST_LEN + 1];
};

static int check_digest(const char *digest)
{
	if (engine__digest_valid(digest))
		return 0;
	if (digest && strchr(digest, ':') && strncmp(digest, "sha256:", 7) != 0)
		return engine__error_set(ENGINE_ENOTSUP, 0, "digest \"%s\": only sha256 is supported",
					 digest);
	return engine__error_set(ENGINE_EINVALID, 0, "invalid digest \"%s\"", digest ? digest : "(null)");
}

static int writer_new(engine_context *ctx, const char *expected, bool detached, engine__blob_writer **out)
{
	cleanup_free char *tmpdir = NULL;
	engine__blob_writer *w;
	int r;

	if (expected && (r = check_digest(expected)) < 0)
		return r;
	w = calloc(1, sizeof(*w));
	if (!w)
		return engine__error_oom();
	w->ctx = ctx;
	w->fd = -1;
	w->lock_fd = -1;
	if (expected)
		memcpy(w->expected, expected, ENGINE__DIGEST_LEN + 1);
	/* Shared: GC (exclusive) must not sweep the temp file under us. */
	if (!detached) {
		r = w->lock_fd = engine__store_lock(ctx, false);
		if (r < 0)
			goto fail;
	}
	r = engine__sha256_new(&w->hash);
	if (r < 0)
		goto fail;
	r = engine__store_tmpdir(ctx, &tmpdir);
	if (r < 0)
		goto fail;
	/* An unnamed file vanishes by itself if we are killed, and no GC can
	 * sweep it: a detached writer needs no lock until it commits. */
	w->fd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
	if (w->fd < 0 || access("/proc/self/fd", X_OK) < 0) {
		if (w->fd >= 0)
			close(w->fd);
		/* A named temp file is swept by GC unless the lock is held. */
		if (detached && (r = w->lock_fd = engine__store_lock(ctx, false)) < 0)
			goto fail;
		w->tmp_path = engine__path_join(tmpdir, "blob-XXXXXX");
		if (!w->tmp_path) {
			r = ENGINE_ENOMEM;
			goto fail;
		}
		w->fd = mkostemp(w->tmp_path, O_CLOEXEC);
		if (w->fd < 0) {
			r = engine__error_errno(errno, "create %s", w->tmp_path);
			free(w->tmp_path);
			w->tmp_path = NULL;
			goto fail;
		}
		fchmod(w->fd, 0644);
	}
	w->detached = detached;
	*out = w;
	return 0;

fail:
	engine__blob_writer_free(w);
	return r;
}

int engine__blob_writer_new(engine_context *ctx, const char *expected, engine__blob_writer **out)
{
	return writer_new(ctx, expected, false, out);
}

int engine__blob_writer_new_detached(engine_context *ctx, engine__blob_writer **out)
{
	return writer_new(ctx, NULL, true, out);
}

int engine__blob_writer_expect(engine__blob_writer *w, const char *digest)
{
	int r = check_digest(digest);

	if (r < 0)
		return r;
	memcpy(w->expected, digest, ENGINE__DIGEST_LEN + 1);
	return 0;
}

int engine__blob_writer_fd(const engine__blob_writer *w)
{
	return w->fd;
}

int64_t engine__blob_writer_size(const engine__blob_writer *w)
{
	return w->size;
}

int engine__blob_writer_digest(engine__blob_writer *w, char digest_out[ENGINE__DIGEST_LEN + 1])
{
	int r;

	if (!w->summed) {
		if ((r = engine__sha256_final(w->hash, w->sum)) < 0)
			return r;
		w->summed = true;
	}
	memcpy(digest_out, w->sum, sizeof(w->sum));
	return 0;
}

int engine__blob_writer_write(engine__blob_writer *w, const void *data, size_t len)
{
	int r;

	if (w->summed)
		return engine__error_set(ENGINE_EINVALID, 0, "blob writer: write after its digest");
	r = engine__sha256_update(w->hash, data, len);
	if (r < 0)
		return r;
	r = engine__write_all(w->fd, data, len);
	if (r < 0)
		return engine__error_wrap("write blob");
	w->size += (int64_t)len;
	return 0;
}

int engine__blob_writer_commit(engine__blob_writer *w, char digest_out[ENGINE__DIGEST_LEN + 1])
{
	char got[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *dir = NULL, *dest = NULL;
	int r;

	if (w->done)
		return engine__error_set(ENGINE_EINVALID, 0, "blob writer already committed");
	if (w->lock_fd < 0 && (r = w->lock_fd = engine__store_lock(w->ctx, false)) < 0)
		return r;
	r = engine__blob_writer_digest(w, got);
	if (r < 0)
		return r;
	if (w->expected[0] && strcmp(w->expected, got) != 0)
		return engine__error_set(ENGINE_EINVALID, 0, "blob digest mismatch: expected %s, got %s",
					 w->expected, got);
	dir = engine__context_path(w->ctx, "blobs/sha256");
	if (!dir || !(dest = engine__store_path(w->ctx, "blobs/sha256", got, "")))
		return ENGINE_ENOMEM;
	r = engine__mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	if (w->tmp_path) {
		/* link, not rename: an existing blob (same content) stays as it is. */
		if (link(w->tmp_path, dest) < 0 && errno != EEXIST)
			return engine__error_errno(errno, "store blob %s", got);
	} else {
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", w->fd);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, dest, AT_SYMLINK_FOLLOW) < 0 && errno != EEXIST)
			return engine__error_errno(errno, "store blob %s", got);
	}
	w->done = true;
	if (digest_out)
		memcpy(digest_out, got, sizeof(got));
	return 0;
}

void engine__blob_writer_free(engine__blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp_path) {
		unlink(w->tmp_path);
		free(w->tmp_path);
	}
	engine__sha256_free(w->hash);
	engine__store_unlock(w->lock_fd);
	free(w);
}

int engine__blob_put_buf(engine_context *ctx, const void *data, size_t len, const char *expected,
			 char digest_out[ENGINE__DIGEST_LEN + 1])
{
	engine__blob_writer *w = NULL;
	int r = engine__blob_writer_new(ctx, expected, &w);

	if (r == 0)
		r = engine__blob_writer_write(w, data, len);
	if (r == 0)
		r = engine__blob_writer_commit(w, digest_out);
	engine__blob_writer_free(w);
	return r;
}

int engine__blob_put_fd(engine_context *ctx, int fd, const char *expected,
			char digest_out[ENGINE__DIGEST_LEN + 1])
{
	engine__blob_writer *w = NULL;
	cleanup_free char *buf = malloc(1 << 20);
	int r;

	if (!buf)
		return engine__error_oom();
	r = engine__blob_writer_new(ctx, expected, &w);
	while (r == 0) {
		ssize_t n = read(fd, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = engine__error_errno(errno, "read blob");
			break;
		}
		if (n == 0) {
			r = engine__blob_writer_commit(w, digest_out);
			break;
		}
		r = engine__blob_writer_write(w, buf, (size_t)n);
	}
	engine__blob_writer_free(w);
	return r;
}

bool engine__blob_exists(engine_context *ctx, const char *digest)
{
	cleanup_free char *path = NULL;

	if (!engine__digest_valid(digest))
		return false;
	path = engine__store_path(ctx, "blobs/sha256", digest, "");
	return path && engine__path_exists(path);
}

int engine__blob_path(engine_context *ctx, const char *digest, char **out)
{
	cleanup_free char *path = NULL;
	int r = check_digest(digest);

	if (r < 0)
		return r;
	path = engine__store_path(ctx, "blobs/sha256", digest, "");
	if (!path)
		return ENGINE_ENOMEM;
	if (!engine__path_exists(path))
		return engine__error_set(ENGINE_ENOTFOUND, ENOENT, "blob %s not found", digest);
	*out = steal_ptr(path);
	return 0;
}

int engine__blob_read(engine_context *ctx, const char *digest, char **out, size_t *len)
{
	cleanup_free char *path = NULL;
	int r = engine__blob_path(ctx, digest, &path);

	if (r < 0)
		return r;
	cleanup_free char *data = NULL;
	char got[ENGINE__DIGEST_LEN + 1];
	size_t n;

	r = engine__read_file(path, &data, &n);
	if (r < 0)
		return engine__error_wrap("blob %s", digest);
	/* Small blobs (configs, manifests) are re-verified on every read: a
	 * corrupted one must not be parsed as if it were the real thing. */
	r = engine__sha256_buf(data, n, got);
	if (r < 0)
		return r;
	if (strcmp(got, digest) != 0)
		return engine__error_set(ENGINE_EINVALID, 0, "blob %s: digest mismatch (content is %s)",
					 digest, got);
	*out = steal_ptr(data);
	if (len)
		*len = n;
	return 0;
}
