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

/* --- logging drivers and rotation (logopts.c, logset.c) --------------- */

/* What a container's --log-driver and --log-opt mean to the monitor. */
typedef struct engine__log_policy {
	bool none;	  /* --log-driver none: no log for readers (1 MB kept for attachers) */
	int64_t max_size; /* rotate once the file has this many bytes, -1: never */
	int max_files;	  /* files kept, the current one included (>= 1) */
} engine__log_policy;

/* The driver's name and the options' names, in Docker's words (create). */
int engine__log_driver_check(const char *driver, char *const *opts);
/* The whole check, values included, and what they mean (start). */
int engine__log_policy_get(const char *driver, char *const *opts, engine__log_policy *out);

/* Rotated files are named like Docker's: container.log.1 (the newest) ... */
#define ENGINE__LOG_ROTATED_MAX 4096

/* Rotate the log whose current file is @log_fd in the directory @dirfd,
 * keeping @max_files files in all: container.log.K becomes .K+1 (the
 * oldest goes), container.log becomes .1 and a new, empty container.log
 * is made. Returns the new file's fd (O_APPEND); @log_fd stays open for
 * the caller (replays in progress). Readers see the set change at once:
 * the rename happens under an exclusive flock of the old file, which
 * engine__log_files_open takes shared. */
int engine__log_rotate(int dirfd, int max_files, int log_fd);
/* Open the rotated file number @k (1: the newest) of @dirfd, -1 if none. */
int engine__log_open_rotated(int dirfd, int k);

/* A reader's view of every file of a log, oldest first, the current file
 * last, each with its size when opened; a position in them. */
typedef struct engine__log_files {
	int *fd;
	off_t *end;
	uint64_t *ino;
	size_t n;
	size_t i;  /* the file being read */
	off_t off; /* the next record in it */
} engine__log_files;

/* Open the files of the log in the container directory @dir as one
 * consistent set (none when there is no log yet). */
int engine__log_files_open(const char *dir, engine__log_files *out);
void engine__log_files_close(engine__log_files *f);
/* Position at the start, at the last @lines lines of @streams (walking
 * back through the rotated files), or at the end. */
void engine__log_files_tail(engine__log_files *f, int streams, int64_t lines);
/* Position at @off in the file @ino (a position taken before, see
 * engine__log_files_pos); the oldest file's start when that file is gone. */
void engine__log_files_seek(engine__log_files *f, uint64_t ino, off_t off);
/* Where the next record would be read: the file's inode and offset. */
void engine__log_files_pos(const engine__log_files *f, uint64_t *ino, off_t *off);
/* The next complete record: 1 with @h and @payload (ENGINE__LOG_MAX_PAYLOAD
 * bytes), 0 at the end of the set as opened, negative on a read error. */
int engine__log_files_next(engine__log_files *f, engine__log_hdr *h, char *payload);
/* Take in what the current file has grown by since it was opened. */
void engine__log_files_refresh(engine__log_files *f);

/* The offset where the last @lines lines start, as engine__log_tail_offset,
 * and in @counted how many lines there are from there (fewer than @lines
 * when the file starts before); @newest: an unfinished last line counts. */
off_t engine__log_tail_count(int fd, off_t size, int streams, int64_t lines, bool newest, int64_t *counted);

#endif
