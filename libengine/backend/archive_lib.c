/*
 * The libarchive back end: tar reading and writing for image load, save,
 * import, layer unpack and diff, and the builder's COPY/ADD. Loaded on the
 * first call, so commands that never see a tar do not pay for libarchive,
 * libxml2 and ICU.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "backend/archive_lib.h"

/* clang-format off */
#define FUNCS(F, V, S) \
	F(time_t, archive_entry_atime, (struct archive_entry *a0), (a0), 0) \
	F(int, archive_entry_atime_is_set, (struct archive_entry *a0), (a0), 0) \
	F(long, archive_entry_atime_nsec, (struct archive_entry *a0), (a0), 0) \
	V(archive_entry_copy_stat, (struct archive_entry *a0, const struct stat *a1), (a0, a1)) \
	F(mode_t, archive_entry_filetype, (struct archive_entry *a0), (a0), 0) \
	V(archive_entry_free, (struct archive_entry *a0), (a0)) \
	F(la_int64_t, archive_entry_gid, (struct archive_entry *a0), (a0), 0) \
	F(const char *, archive_entry_hardlink, (struct archive_entry *a0), (a0), NULL) \
	F(const char *, archive_entry_hardlink_utf8, (struct archive_entry *a0), (a0), NULL) \
	F(mode_t, archive_entry_mode, (struct archive_entry *a0), (a0), 0) \
	F(time_t, archive_entry_mtime, (struct archive_entry *a0), (a0), 0) \
	F(long, archive_entry_mtime_nsec, (struct archive_entry *a0), (a0), 0) \
	F(struct archive_entry *, archive_entry_new, (void), (), NULL) \
	F(const char *, archive_entry_pathname, (struct archive_entry *a0), (a0), NULL) \
	F(const char *, archive_entry_pathname_utf8, (struct archive_entry *a0), (a0), NULL) \
	F(dev_t, archive_entry_rdev, (struct archive_entry *a0), (a0), 0) \
	V(archive_entry_set_dev, (struct archive_entry *a0, dev_t a1), (a0, a1)) \
	V(archive_entry_set_filetype, (struct archive_entry *a0, unsigned int a1), (a0, a1)) \
	V(archive_entry_set_gid, (struct archive_entry *a0, la_int64_t a1), (a0, a1)) \
	V(archive_entry_set_hardlink, (struct archive_entry *a0, const char *a1), (a0, a1)) \
	V(archive_entry_set_ino, (struct archive_entry *a0, la_int64_t a1), (a0, a1)) \
	V(archive_entry_set_mode, (struct archive_entry *a0, mode_t a1), (a0, a1)) \
	V(archive_entry_set_mtime, (struct archive_entry *a0, time_t a1, long a2), (a0, a1, a2)) \
	V(archive_entry_set_nlink, (struct archive_entry *a0, unsigned int a1), (a0, a1)) \
	V(archive_entry_set_pathname, (struct archive_entry *a0, const char *a1), (a0, a1)) \
	V(archive_entry_set_perm, (struct archive_entry *a0, mode_t a1), (a0, a1)) \
	V(archive_entry_set_size, (struct archive_entry *a0, la_int64_t a1), (a0, a1)) \
	V(archive_entry_set_symlink, (struct archive_entry *a0, const char *a1), (a0, a1)) \
	V(archive_entry_set_uid, (struct archive_entry *a0, la_int64_t a1), (a0, a1)) \
	F(la_int64_t, archive_entry_size, (struct archive_entry *a0), (a0), 0) \
	F(const char *, archive_entry_symlink, (struct archive_entry *a0), (a0), NULL) \
	F(const char *, archive_entry_symlink_utf8, (struct archive_entry *a0), (a0), NULL) \
	F(la_int64_t, archive_entry_uid, (struct archive_entry *a0), (a0), 0) \
	V(archive_entry_unset_atime, (struct archive_entry *a0), (a0)) \
	V(archive_entry_unset_birthtime, (struct archive_entry *a0), (a0)) \
	V(archive_entry_unset_ctime, (struct archive_entry *a0), (a0)) \
	V(archive_entry_xattr_add_entry, (struct archive_entry *a0, const char *a1, const void *a2, size_t a3), (a0, a1, a2, a3)) \
	F(int, archive_entry_xattr_next, (struct archive_entry *a0, const char **a1, const void **a2, size_t *a3), (a0, a1, a2, a3), ARCHIVE_FATAL) \
	F(int, archive_entry_xattr_reset, (struct archive_entry *a0), (a0), 0) \
	F(int, archive_errno, (struct archive *a0), (a0), 0) \
	F(const char *, archive_error_string, (struct archive *a0), (a0), this_backend->error) \
	F(int, archive_filter_code, (struct archive *a0, int a1), (a0, a1), 0) \
	F(la_ssize_t, archive_read_data, (struct archive *a0, void *a1, size_t a2), (a0, a1, a2), ARCHIVE_FATAL) \
	F(int, archive_read_data_block, (struct archive *a0, const void **a1, size_t *a2, la_int64_t *a3), (a0, a1, a2, a3), ARCHIVE_FATAL) \
	F(int, archive_read_free, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(struct archive *, archive_read_new, (void), (), NULL) \
	F(int, archive_read_next_header, (struct archive *a0, struct archive_entry **a1), (a0, a1), ARCHIVE_FATAL) \
	F(int, archive_read_open, (struct archive *a0, void *a1, archive_open_callback *a2, archive_read_callback *a3, archive_close_callback *a4), (a0, a1, a2, a3, a4), ARCHIVE_FATAL) \
	F(int, archive_read_open_fd, (struct archive *a0, int a1, size_t a2), (a0, a1, a2), ARCHIVE_FATAL) \
	F(int, archive_read_open_filename, (struct archive *a0, const char *a1, size_t a2), (a0, a1, a2), ARCHIVE_FATAL) \
	F(int, archive_read_support_filter_all, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(int, archive_read_support_filter_bzip2, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(int, archive_read_support_filter_gzip, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(int, archive_read_support_filter_xz, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(int, archive_read_support_filter_zstd, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(int, archive_read_support_format_gnutar, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(int, archive_read_support_format_raw, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(int, archive_read_support_format_tar, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(int, archive_write_add_filter_gzip, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(int, archive_write_add_filter_none, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(int, archive_write_close, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(la_ssize_t, archive_write_data, (struct archive *a0, const void *a1, size_t a2), (a0, a1, a2), ARCHIVE_FATAL) \
	F(la_ssize_t, archive_write_data_block, (struct archive *a0, const void *a1, size_t a2, la_int64_t a3), (a0, a1, a2, a3), ARCHIVE_FATAL) \
	F(struct archive *, archive_write_disk_new, (void), (), NULL) \
	F(int, archive_write_disk_set_options, (struct archive *a0, int a1), (a0, a1), ARCHIVE_FATAL) \
	F(int, archive_write_finish_entry, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(int, archive_write_free, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(int, archive_write_header, (struct archive *a0, struct archive_entry *a1), (a0, a1), ARCHIVE_FATAL) \
	F(struct archive *, archive_write_new, (void), (), NULL) \
	F(int, archive_write_open, (struct archive *a0, void *a1, archive_open_callback *a2, archive_write_callback *a3, archive_close_callback *a4), (a0, a1, a2, a3, a4), ARCHIVE_FATAL) \
	F(int, archive_write_open_fd, (struct archive *a0, int a1), (a0, a1), ARCHIVE_FATAL) \
	F(int, archive_write_set_bytes_in_last_block, (struct archive *a0, int a1), (a0, a1), ARCHIVE_FATAL) \
	F(int, archive_write_set_format_pax_restricted, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	F(int, archive_write_set_format_raw, (struct archive *a0), (a0), ARCHIVE_FATAL) \
	S(archive_set_error)
/* clang-format on */

ENGINE__BACKEND_DEFINE(archive, "libarchive", ENGINE_SONAME_ARCHIVE,
		       "tar archives (image load, save, import and unpack, COPY/ADD)", FUNCS)

/* Varargs: format here, hand the text over. */
void engine__dl_archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
	void (*fn)(struct archive *, int, const char *, ...) = ENGINE__BE_SLOT(archive_set_error);
	char msg[1024];
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(a, err, "%s", msg);
}
