/*
 * The one way the engine touches a container's or an image's tree from the
 * host: every path is resolved from a directory fd of that tree, component
 * by component or by openat2, never by a host path that the tree's own
 * symlinks could redirect. Two resolution modes:
 *
 *   beneath  RESOLVE_BENEATH: the path must stay under the root; relative
 *            symlinks that stay under it are followed (or none at all with
 *            @no_symlinks), absolute ones and ".." past the root fail EXDEV.
 *   in root  RESOLVE_IN_ROOT: the root is "/" for the path (chroot
 *            semantics): absolute symlinks and ".." restart at / clamp to
 *            the root. This is how a path inside a container is meant.
 *
 * Both refuse magic links (/proc/self/fd/...) and mount crossings. Where
 * openat2 is missing (ENOSYS: old kernel, a seccomp filter) a userspace walk
 * with O_PATH|O_NOFOLLOW per component gives the same answer or a stricter
 * one. Low-level functions return an fd or -errno; the *_file helpers set
 * the thread's engine error and return ENGINE_E* codes. The engine needs
 * /proc (reopening an O_PATH fd goes through /proc/self/fd).
 */
#ifndef ENGINE_UTIL_SAFEPATH_H
#define ENGINE_UTIL_SAFEPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Open @rel ("" is the root itself) beneath @rootfd. O_CLOEXEC is added.
 * -EXDEV: the path leaves the root (or crosses a mount). */
int engine__open_beneath(int rootfd, const char *rel, int flags, bool no_symlinks);

/* Open @path (absolute or relative, both meaning "from the root") inside
 * @rootfd with chroot semantics. With O_NOFOLLOW a final symlink is not
 * followed (open it with O_PATH to look at it). O_CLOEXEC is added. */
int engine__open_in_root(int rootfd, const char *path, int flags);

/* The same resolution, giving the resolved path instead of an fd: every
 * symlink replaced by its target inside the root, "." and ".." gone, the
 * result relative to the root ("" for the root). The last component and
 * everything after the first missing one are kept lexically, so a path
 * that does not exist yet resolves to where it would be created. */
int engine__resolve_in_root(int rootfd, const char *path, char **out);

/* The next component of the path at *@p (split in place, *@p moved past
 * it), NULL at the end; *@last tells whether only slashes follow. */
char *engine__path_next(char **p, bool *last);

/* Tests: behave as if openat2 were missing. */
void engine__open_beneath_force_walk(bool on);

/* The directory holding the last component of @rel (a clean relative
 * path: no empty, "." or ".." components) beneath @rootfd, following no
 * symlink at all; missing directories are created with @mkdir_mode unless
 * it is 0 (then -ENOENT). *@base points at the last component inside @rel.
 * Returns an O_RDONLY directory fd or -errno (-EXDEV: a symlink or a mount
 * on the way; -ENOTDIR: a file). */
int engine__open_parent_beneath(int rootfd, const char *rel, mode_t mkdir_mode, const char **base);

/* Unlink @rel (clean, relative) beneath @rootfd without following any
 * symlink on the way (-EXDEV); the last component itself is removed, never
 * followed. @flags is 0 or AT_REMOVEDIR. Returns 0 or -errno. */
int engine__unlink_beneath(int rootfd, const char *rel, int flags);

/* Turn an O_PATH fd of a regular file into a readable one without opening
 * anything else: a FIFO, a device or a socket is refused (-EINVAL) before
 * any open() that could block or act on it. */
int engine__reopen_regular(int pathfd);

/* Read at most @max bytes of @fd into a NUL-terminated buffer (*@len when
 * non-NULL). More than @max is -EFBIG. Returns 0 or -errno. */
int engine__read_fd_bounded(int fd, size_t max, char **out, size_t *len);

/* Reopen @pathfd (engine__reopen_regular) and read it, at most @max
 * bytes: ENGINE_EINVALID when it is not a regular file or larger. */
int engine__read_regular(int pathfd, size_t max, const char *what, char **out, size_t *len);

/* Read the regular file @path inside @rootfd (chroot semantics) into a
 * NUL-terminated buffer, at most @max bytes. ENGINE_ENOTFOUND when missing,
 * ENGINE_EINVALID when it is not a regular file or larger than @max,
 * ENGINE_EPERM when the path escapes. @what names the file in messages. */
int engine__read_file_in_root(int rootfd, const char *path, size_t max, const char *what, char **out,
			      size_t *len);

/* Open @path inside @rootfd with chroot semantics and no magic links, as
 * an O_PATH fd, creating what is missing (directories with @mode, the last
 * component as an empty file unless @dir). Nothing is created through a
 * symlink: a dangling one on the way is replaced by its target, resolved
 * from the root again, and that is created (Docker's way; 40 hops at
 * most). Where openat2 is missing no symlink is followed at all (-ELOOP)
 * and ".." is refused (-EXDEV). No malloc and no locks, so
 * a cloned child may call it between clone and exec (mount destinations).
 * Returns the fd or -errno. */
int engine__mkpath_in_root(int rootfd, const char *path, bool dir, mode_t mode);

#endif
