/* Filesystem helpers: atomic writes, recursive create/remove, file reads. */
#ifndef ENGINE_UTIL_FS_H
#define ENGINE_UTIL_FS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

/* mkdir -p. Existing directories are fine. */
int engine__mkdir_p(const char *path, mode_t mode);

/* rm -rf that never crosses into another mount and never follows symlinks;
 * a missing path is success. Fails with EBUSY on a mount point inside. */
int engine__rm_rf(const char *path);
/* The same, relative to a directory fd. */
int engine__rm_rf_at(int dirfd, const char *name);

/* Read a whole file (NUL-terminated, length in *len when non-NULL). */
int engine__read_file(const char *path, char **out, size_t *len);
/* Whether the directory @fd is marked opaque for overlay: by the host's
 * root (trusted.overlay.opaque) or rootless (user.overlay.opaque: a
 * rootless store, a rootless container's upper dir, mounted "userxattr"). */
bool engine__overlay_opaque_fd(int fd);
/* The opaque marker this process writes: trusted.* as root, else user.*. */
const char *engine__overlay_opaque_xattr(void);

/* Write @data to @path through "<path>.tmp-XXXXXX" and rename(2), so readers
 * see the old file or the new one, never a mix. @durable adds fsync of the
 * file and its directory. */
int engine__write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, bool durable);

/* Write all of @len bytes to @fd, retrying short writes and EINTR. */
int engine__write_all(int fd, const void *data, size_t len);

/* "a/b" joined with exactly one slash; NULL on OOM (error set). */
char *engine__path_join(const char *a, const char *b);

/* Make a fresh temp directory "<parent>/.tmp-<prefix>-XXXXXX" (malloc'd path). */
int engine__mkdtemp_in(const char *parent, const char *prefix, char **out);

/* fsync a directory so a rename inside it is durable. */
int engine__fsync_dir(const char *path);

/* Whether a path exists (lstat succeeds). */
bool engine__path_exists(const char *path);

/* Bytes the regular files under the directory @path take on disk (blocks),
 * not following symlinks; 0 when it cannot be opened. */
int64_t engine__tree_bytes(const char *path);

#endif
