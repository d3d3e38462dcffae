/*
 * libarchive plumbing shared by the image formats: readers that accept any
 * compression, writers for the tars that save and the default image make,
 * and archive errors turned into engine errors.
 */
#ifndef ENGINE_IMAGE_ARCHIVE_UTIL_H
#define ENGINE_IMAGE_ARCHIVE_UTIL_H

#include <stdint.h>
#include <sys/types.h>

#include "backend/archive_lib.h"

/* Record the archive's last error as ENGINE_EINVALID (or EIO for a system
 * error) with @what as context; returns the code. */
int engine__archive_error(struct archive *a, const char *what);

/* The decompressions a reader of untrusted input accepts: gzip, bzip2, xz
 * and zstd, all in-library. Never archive_read_support_filter_all, which
 * also bids external programs (lrzip, lzop, grzip) found on the host. */
void engine__archive_support_filters(struct archive *a);

/* A tar reader over @fd (not taken): plain, gzip, bzip2, xz or zstd. */
int engine__archive_reader_fd(int fd, struct archive **out);

/* A reader over @fd that yields the decompressed byte stream as one raw
 * entry (for importing tarballs: the tar itself is not parsed here). */
int engine__archive_raw_reader_fd(int fd, struct archive **out);

/* A pax tar writer (uncompressed) over @fd (not taken). */
int engine__archive_writer_fd(int fd, struct archive **out);

/* Close and free a reader or writer (NULL is fine); a writer's close error
 * is reported (short write, full disk). */
int engine__archive_reader_free(struct archive *a);
int engine__archive_writer_close(struct archive *a, const char *what);

/* Write a regular file entry with fixed metadata (root-owned, @mtime) whose
 * content is @data. */
int engine__archive_write_buf(struct archive *a, const char *name, mode_t mode, int64_t mtime,
			      const void *data, size_t len);
/* Write a regular file entry whose content is the file at @path. */
int engine__archive_write_file(struct archive *a, const char *name, mode_t mode, int64_t mtime,
			       const char *path);
/* Write a regular file entry of @size bytes read from @fd (from its offset). */
int engine__archive_write_fd(struct archive *a, const char *name, mode_t mode, int64_t mtime, int fd,
			     int64_t size);
/* Write a directory entry. */
int engine__archive_write_dir(struct archive *a, const char *name, mode_t mode, int64_t mtime);

#endif
