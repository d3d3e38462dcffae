/* libarchive readers and writers for the image formats, with engine errors. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "image/archive_util.h"
#include "util/cleanup.h"

/* Large blocks: layer tars are read and written in one pass, and libarchive
 * passes each block straight through when it can. */
#define BLOCK_SIZE (1024 * 1024)

int engine__archive_error(struct archive *a, const char *what)
{
	int e = a ? archive_errno(a) : 0;
	const char *msg = a ? archive_error_string(a) : NULL;

	if (!msg)
		msg = "unknown archive error";
	if (e == ENOMEM)
		return engine__error_oom();
	/* libarchive reports format problems with its own pseudo-errno values
	 * (ARCHIVE_ERRNO_FILE_FORMAT = EFTYPE/EILSEQ, MISC = -1): those are
	 * malformed input, not I/O. */
	if (e == EIO || e == ENOSPC || e == EDQUOT || e == EPIPE || e == EBADF)
		return engine__error_set(ENGINE_EIO, e, "%s: %s", what, msg);
	return engine__error_set(ENGINE_EINVALID, 0, "%s: %s", what, msg);
}

void engine__archive_support_filters(struct archive *a)
{
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
}

static int reader_new(struct archive **out)
{
	struct archive *a = archive_read_new();

	if (!a)
		return engine__backend_null(&engine__backend_archive);
	engine__archive_support_filters(a);
	*out = a;
	return 0;
}

/* A reader of @fd: tar (plain or GNU), or with @raw its decompressed bytes
 * as one entry. */
static int reader_fd(int fd, bool raw, struct archive **out)
{
	struct archive *a = NULL;
	int r = reader_new(&a);

	if (r < 0)
		return r;
	if (raw) {
		archive_read_support_format_raw(a);
	} else {
		archive_read_support_format_tar(a);
		archive_read_support_format_gnutar(a);
	}
	if (archive_read_open_fd(a, fd, BLOCK_SIZE) != ARCHIVE_OK) {
		r = engine__archive_error(a, "open archive");
		archive_read_free(a);
		return r;
	}
	*out = a;
	return 0;
}

int engine__archive_reader_fd(int fd, struct archive **out)
{
	return reader_fd(fd, false, out);
}

int engine__archive_raw_reader_fd(int fd, struct archive **out)
{
	return reader_fd(fd, true, out);
}

int engine__archive_writer_fd(int fd, struct archive **out)
{
	struct archive *a = archive_write_new();

	if (!a)
		return engine__backend_null(&engine__backend_archive);
	/* pax_restricted: plain ustar headers unless a name or size needs pax,
	 * which every tar reader (docker, skopeo, Go's archive/tar) handles. */
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		int r = engine__archive_error(a, "open tar writer");
		archive_write_free(a);
		return r;
	}
	*out = a;
	return 0;
}

int engine__archive_reader_free(struct archive *a)
{
	if (a)
		archive_read_free(a);
	return 0;
}

int engine__archive_writer_close(struct archive *a, const char *what)
{
	int r = 0;

	if (!a)
		return 0;
	if (archive_write_close(a) != ARCHIVE_OK)
		r = engine__archive_error(a, what);
	archive_write_free(a);
	return r;
}

static struct archive_entry *entry_new(const char *name, mode_t mode, int64_t mtime, int64_t size)
{
	struct archive_entry *e = archive_entry_new();

	if (!e)
		return NULL;
	archive_entry_set_pathname(e, name);
	archive_entry_set_mode(e, mode);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, mtime, 0);
	archive_entry_set_size(e, size);
	return e;
}

static int write_header(struct archive *a, struct archive_entry *e, const char *name)
{
	int r = 0;

	if (archive_write_header(a, e) != ARCHIVE_OK) {
		cleanup_free char *what = NULL;

		if (asprintf(&what, "write tar entry %s", name) < 0)
			what = NULL;
		r = engine__archive_error(a, what ? what : name);
	}
	archive_entry_free(e);
	return r;
}

int engine__archive_write_buf(struct archive *a, const char *name, mode_t mode, int64_t mtime,
			      const void *data, size_t len)
{
	struct archive_entry *e = entry_new(name, S_IFREG | (mode & 07777), mtime, (int64_t)len);
	int r;

	if (!e)
		return engine__error_oom();
	r = write_header(a, e, name);
	if (r < 0)
		return r;
	if (len && archive_write_data(a, data, len) != (la_ssize_t)len)
		return engine__archive_error(a, name);
	return 0;
}

int engine__archive_write_fd(struct archive *a, const char *name, mode_t mode, int64_t mtime, int fd,
			     int64_t size)
{
	struct archive_entry *e = entry_new(name, S_IFREG | (mode & 07777), mtime, size);
	cleanup_free char *buf = NULL;
	int64_t left = size;
	int r;

	if (!e)
		return engine__error_oom();
	r = write_header(a, e, name);
	if (r < 0)
		return r;
	buf = malloc(BLOCK_SIZE);
	if (!buf)
		return engine__error_oom();
	while (left > 0) {
		ssize_t n = read(fd, buf, left < BLOCK_SIZE ? (size_t)left : BLOCK_SIZE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return engine__error_errno(errno, "read %s", name);
		if (n == 0)
			return engine__error_set(ENGINE_EIO, 0, "read %s: file shrank while being archived",
						 name);
		if (archive_write_data(a, buf, (size_t)n) != n)
			return engine__archive_error(a, name);
		left -= n;
	}
	return 0;
}

int engine__archive_write_file(struct archive *a, const char *name, mode_t mode, int64_t mtime,
			       const char *path)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return engine__error_errno(errno, "open %s", path);
	return engine__archive_write_fd(a, name, mode, mtime, fd, st.st_size);
}

int engine__archive_write_dir(struct archive *a, const char *name, mode_t mode, int64_t mtime)
{
	struct archive_entry *e = entry_new(name, S_IFDIR | (mode & 07777), mtime, 0);

	if (!e)
		return engine__error_oom();
	return write_header(a, e, name);
}
