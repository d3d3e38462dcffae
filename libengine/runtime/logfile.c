/*
 * The container log's record format (see logfile.h): encoding output into
 * records, reading a record header, and finding where the last N lines
 * start. Also the small byte buffer the monitor queues output in.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "runtime/logfile.h"

int engine__buf_append(engine__buf *b, const void *data, size_t len)
{
	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (b->cap - b->len < len) {
		size_t ncap;
		char *g;

		/* Reclaim the consumed front before growing. */
		if (b->off) {
			memmove(b->data, b->data + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
		}
		ncap = b->cap ? b->cap : 4096;
		while (ncap - b->len < len)
			ncap *= 2;
		if (ncap != b->cap) {
			g = realloc(b->data, ncap);
			if (!g)
				return engine__error_oom();
			b->data = g;
			b->cap = ncap;
		}
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

void engine__buf_consume(engine__buf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

void engine__buf_free(engine__buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static int put_record(engine__buf *out, int stream, bool partial, const char *data, size_t len,
		      int64_t time_ns)
{
	engine__log_hdr h = {ENGINE__LOG_MAGIC, (uint8_t)stream, partial ? ENGINE__LOG_PARTIAL : 0,
			     (uint32_t)len, time_ns};
	uint32_t trailer = (uint32_t)len;

	if (engine__buf_append(out, &h, sizeof(h)) < 0 || engine__buf_append(out, data, len) < 0 ||
	    engine__buf_append(out, &trailer, sizeof(trailer)) < 0)
		return ENGINE_ENOMEM;
	return 0;
}

int engine__log_encode(engine__buf *out, int stream, const char *data, size_t len, int64_t time_ns)
{
	while (len) {
		const char *nl =
		    memchr(data, '\n', len < ENGINE__LOG_MAX_PAYLOAD ? len : ENGINE__LOG_MAX_PAYLOAD);
		size_t n = nl ? (size_t)(nl - data) + 1
			      : (len < ENGINE__LOG_MAX_PAYLOAD ? len : ENGINE__LOG_MAX_PAYLOAD);

		if (put_record(out, stream, !nl, data, n, time_ns) < 0)
			return ENGINE_ENOMEM;
		data += n;
		len -= n;
	}
	return 0;
}

static int pread_all(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		got += (size_t)n;
	}
	return 1;
}

int engine__log_read_hdr(int fd, off_t off, off_t size, engine__log_hdr *out)
{
	int r;

	if (size - off < ENGINE__LOG_HDR)
		return 0;
	r = pread_all(fd, out, sizeof(*out), off);
	if (r < 0)
		return engine__error_errno(-r, "read log record");
	if (r == 0)
		return 0;
	if (out->magic != ENGINE__LOG_MAGIC || (out->stream != 1 && out->stream != 2) ||
	    out->len > ENGINE__LOG_MAX_PAYLOAD)
		return engine__error_set(ENGINE_EIO, 0, "corrupt log record at offset %lld", (long long)off);
	if (size - off < (off_t)(ENGINE__LOG_HDR + out->len + ENGINE__LOG_TRAILER))
		return 0;
	return 1;
}

/* The end of the last complete record, scanning forward (a write cut short
 * by a full disk leaves a torn record at the end). */
static off_t valid_end(int fd, off_t size)
{
	engine__log_hdr h;
	off_t pos = 0;

	while (engine__log_read_hdr(fd, pos, size, &h) == 1)
		pos += ENGINE__LOG_HDR + (off_t)h.len + ENGINE__LOG_TRAILER;
	return pos;
}

/* The start of the record ending at @pos, or -1. */
static off_t record_before(int fd, off_t pos, engine__log_hdr *h)
{
	uint32_t len;
	off_t start;

	if (pos < ENGINE__LOG_HDR + ENGINE__LOG_TRAILER ||
	    pread_all(fd, &len, sizeof(len), pos - ENGINE__LOG_TRAILER) != 1 || len > ENGINE__LOG_MAX_PAYLOAD)
		return -1;
	start = pos - ENGINE__LOG_TRAILER - (off_t)len - ENGINE__LOG_HDR;
	if (start < 0 || pread_all(fd, h, sizeof(*h), start) != 1 || h->magic != ENGINE__LOG_MAGIC ||
	    h->len != len)
		return -1;
	return start;
}

off_t engine__log_tail_count(int fd, off_t size, int streams, int64_t lines, bool newest, int64_t *counted)
{
	off_t pos = size;
	int64_t count = 0;
	bool first = newest;
	engine__log_hdr h;

	*counted = 0;
	if (lines < 0)
		return 0;
	if (size > 0 && record_before(fd, size, &h) < 0)
		pos = valid_end(fd, size);
	while (pos > 0) {
		off_t start = record_before(fd, pos, &h);

		if (start < 0)
			break;
		if (streams & h.stream) {
			/* An unfinished last line counts as a line. */
			if (!(h.flags & ENGINE__LOG_PARTIAL) || first) {
				if (count == lines) {
					*counted = count;
					return pos;
				}
				count++;
			}
			first = false;
		}
		pos = start;
	}
	*counted = count;
	return 0;
}

off_t engine__log_tail_offset(int fd, off_t size, int streams, int64_t lines)
{
	int64_t counted;

	return engine__log_tail_count(fd, size, streams, lines, true, &counted);
}
