/*
 * The decompressing reader behind every layer unpack. One thread reads the
 * blob and decompresses it, the caller's thread parses the tar and writes
 * files — the two-core pipeline of `tar -xzf` (tar plus a gzip process) —
 * and a third hashes the uncompressed bytes (the diff ID) from the same
 * buffers, so neither side carries the digest alone; the blob is read
 * once — and when it is being copied into the store (a load from a
 * directory), the bytes read go to its blob writer too (the "tee"), so the
 * copy, its digest and the unpack are one pass over the source. gzip goes
 * through ISA-L's igzip where it is installed (two to three times zlib's
 * speed), everything else (and gzip without ISA-L) through libarchive's
 * raw format with its gzip/zstd/xz/bzip2 filters.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#ifdef HAVE_ISAL
#include "backend/isal_lib.h"
#include "util/thread.h"
#endif

#define NBUF 8
#define BUFSZ (512 * 1024)
#define ISAL_INSZ (256 * 1024)

/* Tests pin the inflater (engine__layer_stream_force_inflater). */
static int forced_inflater = ENGINE__INFLATER_AUTO;

struct chunk {
	char *data;
	size_t len;
};

struct isal_reader {
#ifdef HAVE_ISAL
	struct inflate_state st;
#endif
	unsigned char *in;
	bool input_eof;
	bool done; /* the last gzip member ended */
};

struct engine__layer_stream {
	int fd;
	/* Every byte read from fd also goes here (a blob being copied in:
	 * one read of the source both stores and unpacks it). */
	engine__blob_writer *tee;
	bool tee_failed; /* its error is the producer's last error */
	char *rawbuf;	 /* libarchive's input (read callback) */
	uint64_t max_bytes;
	struct archive *raw;	  /* the producer's decompressor (libarchive) */
	struct isal_reader *isal; /* or ISA-L's, for gzip */
	struct archive *tar;	  /* the consumer's tar reader */
	uint64_t max_expanded;	  /* max_ratio times the blob size (0: no ratio check) */
	uint64_t max_ratio, blob_size;
	engine__sha256 *hash;
	pthread_t thread, hasher;
	bool started, hasher_started;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct chunk bufs[NBUF];
	/* Filled buffers, oldest first; each goes back to the free list once
	 * both the tar reader and the hasher are past it. */
	int ring[NBUF];
	int rhead, rcount;
	int tar_done, hash_done; /* buffers from rhead each has finished */
	bool tar_holding;	 /* the tar reader uses ring[rhead + tar_done] */
	int freelist[NBUF];
	int nfree;
	bool eof, cancel;
	int err_code; /* producer failure */
	char err_msg[512];
	uint64_t total;
	const char *compression;
};

static void fail_locked(engine__layer_stream *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_locked(engine__layer_stream *s, int code, const char *fmt, ...)
{
	va_list ap;

	if (s->err_code)
		return;
	s->err_code = code;
	va_start(ap, fmt);
	vsnprintf(s->err_msg, sizeof(s->err_msg), fmt, ap);
	va_end(ap);
}

static const char *filter_name(int code)
{
	switch (code) {
	case ARCHIVE_FILTER_GZIP:
		return "gzip";
	case ARCHIVE_FILTER_ZSTD:
		return "zstd";
	case ARCHIVE_FILTER_XZ:
		return "xz";
	case ARCHIVE_FILTER_BZIP2:
		return "bzip2";
	default:
		return "none";
	}
}

/* --- the input ------------------------------------------------------------ */

/* read(2) on the blob, each byte handed to the tee as well: a negative
 * errno on failure, @why saying why (the tee's own message when it
 * failed). */
static ssize_t src_read(engine__layer_stream *s, void *buf, size_t len, const char **why)
{
	ssize_t n;

	do
		n = read(s->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;

		*why = strerror(e);
		return -e;
	}
	if (n > 0 && s->tee && engine__blob_writer_write(s->tee, buf, (size_t)n) < 0) {
		s->tee_failed = true;
		*why = engine_error_last()->message;
		return -EIO;
	}
	return n;
}

/* --- libarchive ---------------------------------------------------------- */

static la_ssize_t raw_read(struct archive *a, void *data, const void **buf)
{
	engine__layer_stream *s = data;
	const char *why = NULL;
	ssize_t n = src_read(s, s->rawbuf, BUFSZ, &why);

	if (n < 0) {
		archive_set_error(a, (int)-n, "%s", why);
		return -1;
	}
	*buf = s->rawbuf;
	return n;
}

static void la_start(engine__layer_stream *s)
{
	struct archive_entry *e;
	int r = archive_read_next_header(s->raw, &e);

	pthread_mutex_lock(&s->lock);
	if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
		s->compression = filter_name(archive_filter_code(s->raw, 0));
	else if (r == ARCHIVE_EOF)
		s->eof = true; /* an empty blob: the tar reader reports it */
	else
		fail_locked(s, ENGINE_EINVALID, "decompress: %s", archive_error_string(s->raw));
	pthread_mutex_unlock(&s->lock);
}

/* Fill @buf: the bytes decompressed, 0 at the end, or -1 (s->raw has the
 * reason). Whole buffers mean fewer hand-offs and larger hash updates. */
static ssize_t la_fill(engine__layer_stream *s, char *buf, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		la_ssize_t n = archive_read_data(s->raw, buf + got, cap - got);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static const char *la_error(engine__layer_stream *s)
{
	const char *msg = archive_error_string(s->raw);

	return msg ? msg : "read error";
}

/* --- ISA-L ---------------------------------------------------------------- */

#ifdef HAVE_ISAL
static const char *isal_strerror(int r)
{
	switch (r) {
	case ISAL_INVALID_BLOCK:
		return "invalid deflate block";
	case ISAL_INVALID_SYMBOL:
		return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK:
		return "invalid deflate distance";
	case ISAL_INVALID_WRAPPER:
		return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD:
		return "unsupported gzip compression method";
	case ISAL_INCORRECT_CHECKSUM:
		return "gzip checksum mismatch";
	default:
		return "inflate failed";
	}
}

/* Top up the input: what is left moves to the front, then read. */
static int isal_read(engine__layer_stream *s, struct isal_reader *z, const char **why)
{
	size_t left = z->st.avail_in;
	ssize_t n;

	if (left && z->st.next_in != z->in)
		memmove(z->in, z->st.next_in, left);
	z->st.next_in = z->in;
	n = src_read(s, z->in + left, ISAL_INSZ - left, why);
	if (n < 0)
		return (int)n;
	if (n == 0)
		z->input_eof = true;
	z->st.avail_in = (uint32_t)(left + (size_t)n);
	return 0;
}

/* Like la_fill; errors go to @why. A blob may hold several gzip members
 * one after another (gzip -c a b): each is inflated in turn. Bytes after
 * the last member that do not start another one are ignored, as gzip and
 * libarchive do (the blob digest covers them anyway). */
static ssize_t isal_fill(engine__layer_stream *s, char *buf, size_t cap, const char **why)
{
	struct isal_reader *z = s->isal;
	size_t got = 0;
	int r;

	while (got < cap && !z->done) {
		if (z->st.block_state == ISAL_BLOCK_FINISH) {
			/* A member ended: another one, or the end. */
			if (z->st.avail_in < 2 && !z->input_eof && isal_read(s, z, why) < 0)
				return -1;
			if (z->st.avail_in < 2 || z->st.next_in[0] != 0x1f || z->st.next_in[1] != 0x8b) {
				z->done = true;
				break;
			}
			isal_inflate_reset(&z->st);
			z->st.crc_flag = ISAL_GZIP;
		}
		if (z->st.avail_in == 0) {
			if (z->input_eof) {
				*why = "unexpected end of gzip data";
				return -1;
			}
			if (isal_read(s, z, why) < 0)
				return -1;
			continue;
		}
		uint32_t in_before = z->st.avail_in;

		z->st.next_out = (uint8_t *)buf + got;
		z->st.avail_out = (uint32_t)(cap - got);
		r = isal_inflate(&z->st);
		if (r < 0) {
			*why = isal_strerror(r);
			return -1;
		}
		if (r == ISAL_NEED_DICT) {
			*why = "gzip stream needs a preset dictionary";
			return -1;
		}
		if (z->st.avail_in == in_before && cap - z->st.avail_out == got &&
		    z->st.block_state != ISAL_BLOCK_FINISH) {
			/* No progress: igzip wants more input than it holds. */
			if (z->input_eof) {
				*why = "unexpected end of gzip data";
				return -1;
			}
			if (isal_read(s, z, why) < 0)
				return -1;
		}
		got = cap - z->st.avail_out;
	}
	return (ssize_t)got;
}

/* Whether to inflate @fd's gzip with ISA-L: it starts with the gzip magic
 * and the library loads. */
static bool isal_wanted(int fd)
{
	unsigned char magic[2];

	if (forced_inflater == ENGINE__INFLATER_LIBARCHIVE)
		return false;
	if (pread(fd, magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b)
		return false;
	if (engine__backend_require(&engine__backend_isal) < 0) {
		engine_error_clear(); /* an accelerator: zlib will do */
		return false;
	}
	return true;
}
#endif

static ssize_t fill(engine__layer_stream *s, char *buf, size_t cap, const char **why)
{
	ssize_t n;

#ifdef HAVE_ISAL
	if (s->isal)
		return isal_fill(s, buf, cap, why);
#endif
	n = la_fill(s, buf, cap);
	if (n < 0)
		*why = la_error(s);
	return n;
}

/* --- the pipeline ---------------------------------------------------------- */

static void *producer(void *arg)
{
	engine__layer_stream *s = arg;

	engine__thread_block_signals();

	if (!s->isal)
		la_start(s);

	while (!s->eof) {
		int idx;
		ssize_t n;

		pthread_mutex_lock(&s->lock);
		while (s->nfree == 0 && !s->cancel)
			pthread_cond_wait(&s->cond, &s->lock);
		if (s->cancel || s->err_code) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		idx = s->freelist[--s->nfree];
		pthread_mutex_unlock(&s->lock);

		const char *why = NULL;
		n = fill(s, s->bufs[idx].data, BUFSZ, &why);
		size_t got = n > 0 ? (size_t)n : 0;

		pthread_mutex_lock(&s->lock);
		if (n < 0) {
			fail_locked(s, ENGINE_EINVALID, "decompress: %s", why);
		} else {
			s->total += got;
			if (s->total > s->max_bytes) {
				fail_locked(s, ENGINE_EINVALID,
					    "uncompressed size exceeds the limit of %llu bytes "
					    "(image-unpack-max-bytes)",
					    (unsigned long long)s->max_bytes);
			} else if (s->max_expanded && s->total > ENGINE__UNPACK_RATIO_FLOOR &&
				   s->total > s->max_expanded) {
				/* Checked as the output grows: a bomb stops here, not
				 * after its gigabytes are on disk. */
				fail_locked(s, ENGINE_EINVALID,
					    "decompression bomb: %llu compressed bytes expand past "
					    "%llu:1 (%llu bytes so far; image-unpack-max-ratio)",
					    (unsigned long long)s->blob_size,
					    (unsigned long long)s->max_ratio, (unsigned long long)s->total);
			}
		}
		if (s->err_code || got == 0) {
			s->freelist[s->nfree++] = idx;
			if (n == 0)
				s->eof = true;
		} else {
			s->bufs[idx].len = got;
			s->ring[(s->rhead + s->rcount) % NBUF] = idx;
			s->rcount++;
			if (got < BUFSZ)
				s->eof = true; /* a short fill is the end */
		}
		bool stop = s->err_code != 0;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
		if (stop)
			break;
	}
	pthread_mutex_lock(&s->lock);
	s->eof = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Buffers both the tar reader and the hasher are done with go back to the
 * producer. */
static void release_locked(engine__layer_stream *s)
{
	bool freed = false;

	while (s->tar_done > 0 && s->hash_done > 0) {
		s->freelist[s->nfree++] = s->ring[s->rhead];
		s->rhead = (s->rhead + 1) % NBUF;
		s->rcount--;
		s->tar_done--;
		s->hash_done--;
		freed = true;
	}
	if (freed)
		pthread_cond_broadcast(&s->cond);
}

/* Take the next filled buffer for the tar reader (blocking); -1 at the end
 * or on failure. */
static int next_chunk(engine__layer_stream *s)
{
	int idx = -1;

	pthread_mutex_lock(&s->lock);
	if (s->tar_holding) {
		s->tar_holding = false;
		s->tar_done++;
		release_locked(s);
	}
	while (s->tar_done >= s->rcount && !s->eof && !s->err_code)
		pthread_cond_wait(&s->cond, &s->lock);
	if (s->tar_done < s->rcount && !s->err_code) {
		idx = s->ring[(s->rhead + s->tar_done) % NBUF];
		s->tar_holding = true;
	}
	pthread_mutex_unlock(&s->lock);
	return idx;
}

/* The diff ID, on its own thread over the same buffers, in order. */
static void *hasher(void *arg)
{
	engine__layer_stream *s = arg;

	engine__thread_block_signals();
	pthread_mutex_lock(&s->lock);
	for (;;) {
		int idx;

		while (s->hash_done >= s->rcount && !s->eof && !s->cancel && !s->err_code)
			pthread_cond_wait(&s->cond, &s->lock);
		if (s->hash_done >= s->rcount || s->cancel || s->err_code)
			break;
		idx = s->ring[(s->rhead + s->hash_done) % NBUF];
		pthread_mutex_unlock(&s->lock);
		engine__sha256_update(s->hash, s->bufs[idx].data, s->bufs[idx].len);
		pthread_mutex_lock(&s->lock);
		s->hash_done++;
		release_locked(s);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static la_ssize_t consumer_read(struct archive *a, void *data, const void **buf)
{
	engine__layer_stream *s = data;
	int idx = next_chunk(s);

	if (idx < 0) {
		if (s->err_code) {
			archive_set_error(a, EIO, "%s", s->err_msg);
			return -1;
		}
		return 0;
	}
	*buf = s->bufs[idx].data;
	return (la_ssize_t)s->bufs[idx].len;
}

int engine__layer_stream_open(const char *path, const engine__unpack_options *limits,
			      engine__layer_stream **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return engine__error_errno(errno, "open %s", path);
	return engine__layer_stream_open_fd(fd, NULL, limits, out);
}

int engine__layer_stream_open_fd(int fd, engine__blob_writer *tee, const engine__unpack_options *limits,
				 engine__layer_stream **out)
{
	engine__layer_stream *s = calloc(1, sizeof(*s));
	struct stat st;
	int r;

	if (!s) {
		close(fd);
		return engine__error_oom();
	}
	s->fd = fd;
	s->tee = tee;
	s->max_bytes = limits->max_bytes;
	s->max_ratio = limits->max_ratio;
	s->compression = "none";
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	for (int i = 0; i < NBUF; i++) {
		s->bufs[i].data = malloc(BUFSZ);
		if (!s->bufs[i].data) {
			r = engine__error_oom();
			goto fail;
		}
		s->freelist[s->nfree++] = i;
	}
	r = engine__sha256_new(&s->hash);
	if (r < 0)
		goto fail;
	if (fstat(s->fd, &st) < 0) {
		r = engine__error_errno(errno, "stat layer blob");
		goto fail;
	}
	s->blob_size = (uint64_t)st.st_size;
	if (s->max_ratio)
		s->max_expanded =
		    s->blob_size > UINT64_MAX / s->max_ratio ? UINT64_MAX : s->blob_size * s->max_ratio;
	posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	s->tar = archive_read_new();
	if (!s->tar) {
		r = engine__backend_null(&engine__backend_archive);
		goto fail;
	}
#ifdef HAVE_ISAL
	if (isal_wanted(s->fd)) {
		s->isal = calloc(1, sizeof(*s->isal));
		if (!s->isal || !(s->isal->in = malloc(ISAL_INSZ))) {
			r = engine__error_oom();
			goto fail;
		}
		isal_inflate_init(&s->isal->st);
		s->isal->st.crc_flag = ISAL_GZIP;
		s->compression = "gzip";
	}
#endif
	if (!s->isal) {
		s->raw = archive_read_new();
		if (!s->raw) {
			r = engine__backend_null(&engine__backend_archive);
			goto fail;
		}
		/* Only in-library filters: filter_all would also bid external programs. */
		archive_read_support_filter_gzip(s->raw);
		archive_read_support_filter_zstd(s->raw);
		archive_read_support_filter_xz(s->raw);
		archive_read_support_filter_bzip2(s->raw);
		archive_read_support_format_raw(s->raw);
		s->rawbuf = malloc(BUFSZ);
		if (!s->rawbuf) {
			r = engine__error_oom();
			goto fail;
		}
		if (archive_read_open(s->raw, s, NULL, raw_read, NULL) != ARCHIVE_OK) {
			r = engine__error_set(ENGINE_EINVALID, 0, "open layer blob: %s",
					      archive_error_string(s->raw));
			goto fail;
		}
	}
	archive_read_support_format_tar(s->tar);
	r = pthread_create(&s->thread, NULL, producer, s);
	if (r != 0) {
		r = engine__error_errno(r, "start decompression thread");
		goto fail;
	}
	s->started = true;
	r = pthread_create(&s->hasher, NULL, hasher, s);
	if (r != 0) {
		r = engine__error_errno(r, "start digest thread");
		goto fail;
	}
	s->hasher_started = true;
	if (archive_read_open(s->tar, s, NULL, consumer_read, NULL) != ARCHIVE_OK) {
		if (s->err_code)
			r = engine__error_set(s->err_code, 0, "%s", s->err_msg);
		else
			r = engine__error_set(ENGINE_EINVALID, 0, "not a tar archive: %s",
					      archive_error_string(s->tar));
		goto fail;
	}
	*out = s;
	return 0;

fail:
	engine__layer_stream_free(s);
	return r;
}

struct archive *engine__layer_stream_archive(engine__layer_stream *s)
{
	return s->tar;
}

int engine__layer_stream_error(engine__layer_stream *s)
{
	int code;

	pthread_mutex_lock(&s->lock);
	code = s->err_code;
	if (code)
		engine__error_set(code, 0, "%s", s->err_msg);
	pthread_mutex_unlock(&s->lock);
	return code;
}

const char *engine__layer_stream_compression(engine__layer_stream *s)
{
	const char *c;

	pthread_mutex_lock(&s->lock);
	c = s->compression;
	pthread_mutex_unlock(&s->lock);
	return c;
}

int engine__layer_stream_finish(engine__layer_stream *s, char diff_id[ENGINE__DIGEST_LEN + 1])
{
	/* The tar reader stops at the end-of-archive blocks; the diff ID covers
	 * whatever padding follows, so drain it. */
	while (next_chunk(s) >= 0)
		;
	pthread_join(s->thread, NULL);
	s->started = false;
	pthread_join(s->hasher, NULL);
	s->hasher_started = false;
	if (engine__layer_stream_error(s))
		return s->err_code;
	/* The decompressor may stop before the blob's end (bytes after the
	 * last gzip member): the copy takes all of it. */
	while (s->tee) {
		const char *why = NULL;
		ssize_t n = src_read(s, s->bufs[0].data, BUFSZ, &why);

		if (n == 0)
			break;
		if (n < 0)
			return s->tee_failed ? engine__error_wrap("copy layer blob")
					     : engine__error_errno((int)-n, "read layer blob");
	}
	return engine__sha256_final(s->hash, diff_id);
}

void engine__layer_stream_free(engine__layer_stream *s)
{
	if (!s)
		return;
	if (s->started || s->hasher_started) {
		pthread_mutex_lock(&s->lock);
		s->cancel = true;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
	if (s->started)
		pthread_join(s->thread, NULL);
	if (s->hasher_started)
		pthread_join(s->hasher, NULL);
	if (s->tar)
		archive_read_free(s->tar);
	if (s->raw)
		archive_read_free(s->raw);
	if (s->isal) {
		free(s->isal->in);
		free(s->isal);
	}
	if (s->fd >= 0)
		close(s->fd);
	free(s->rawbuf);
	engine__sha256_free(s->hash);
	for (int i = 0; i < NBUF; i++)
		free(s->bufs[i].data);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

const char *engine__layer_stream_inflater(engine__layer_stream *s)
{
	return s->isal ? "isa-l" : "libarchive";
}

void engine__layer_stream_force_inflater(int which)
{
	forced_inflater = which;
}
