/*
 * A container's log (containers/<id>/container.log): what its stdout and
 * stderr wrote, as a sequence of records, so readers can tell the streams
 * apart, filter by time and walk back for --tail without scanning the file.
 *
 *   header (16 bytes): u16 magic, u8 stream (1 stdout, 2 stderr), u8 flags,
 *                      u32 payload length, i64 time (ns since the epoch)
 *   payload
 *   trailer (4 bytes): u32 payload length again (walking backwards)
 *
 * Host byte order: the file never leaves the machine. A record holds one
 * line (ending in '\n') or a fragment of one (ENGINE__LOG_PARTIAL): output
 * is logged as soon as it is read, so a prompt without a newline is there
 * too. Only the monitor appends; a reader stops at an incomplete record.
 */
#ifndef ENGINE_RUNTIME_LOGFILE_H
#define ENGINE_RUNTIME_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ENGINE__LOG_FILE "container.log"
#define ENGINE__LOG_MAGIC 0x4c45 /* "EL" */
#define ENGINE__LOG_PARTIAL 0x01 /* the line continues in the next record of its stream */
#define ENGINE__LOG_HDR 16
#define ENGINE__LOG_TRAILER 4
/* Payloads are split so a record never grows without bound. */
#define ENGINE__LOG_MAX_PAYLOAD 16384

typedef struct engine__log_hdr {
	uint16_t magic;
	uint8_t stream;
	uint8_t flags;
	uint32_t len;
	int64_t time_ns;
} engine__log_hdr;

/* A growable byte buffer (monitor output queues, record batches). */
typedef struct engine__buf {
	char *data;
	size_t len, cap, off; /* off: bytes already consumed from the front */
} engine__buf;

int engine__buf_append(engine__buf *b, const void *data, size_t len);
/* Bytes not yet consumed. */
static inline size_t engine__buf_pending(const engine__buf *b)
{
	return b->len - b->off;
}
void engine__buf_consume(engine__buf *b, size_t n);
void engine__buf_free(engine__buf *b);

/* Append the records for @len bytes of @stream output to @out, split at
 * newlines (and at ENGINE__LOG_MAX_PAYLOAD), all stamped @time_ns. */
int engine__log_encode(engine__buf *out, int stream, const char *data, size_t len, int64_t time_ns);

/* Read the record header at @off of @fd. 1 when a complete record is
 * there (header, payload and trailer), 0 at the end or at an incomplete
 * record, negative on a read error or a corrupt header. */
int engine__log_read_hdr(int fd, off_t off, off_t size, engine__log_hdr *out);

/* The offset where the last @lines lines start, walking back from @size
 * over complete records of the streams in @streams (bit 1 stdout, bit 2
 * stderr); 0 when the file has fewer. */
off_t engine__log_tail_offset(int fd, off_t size, int streams, int64_t lines);

#endif
