/*
 * Docker's masked and read-only paths, child side (between clone and exec:
 * system calls only). Every mount is made from and onto fds, each path
 * resolved once: the mask's source is the null device opened without
 * following a symlink and checked to be 1:3, so a volume over /dev cannot
 * turn /dev/null into a link that makes the mask bind a writable procfs
 * file such as /proc/sys/kernel/core_pattern into the container (runc's
 * CVE-2025-31133), and a read-only bind cannot be swapped between its
 * source and its target.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/runtime.h"

#define FAIL(what, arg) engine__child_fail(err_fd, errno, 0, what, arg)

void engine__child_set_readonly(int err_fd, const char *path, bool recursive)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};

	if (mount_setattr(AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &attr, sizeof(attr)) < 0)
		FAIL("remount read-only", path);
}

/* /dev/null as an O_PATH fd, only if it is the kernel's null device. */
static int open_null(int err_fd)
{
	int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		FAIL("mask: open", "/dev/null");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		errno = EPERM;
		FAIL("mask: not the null device (a link or another file):", "/dev/null");
	}
	return fd;
}

/* Attach a detached mount @tree onto the node @target_fd. */
static void attach_on(int err_fd, int tree, int target_fd, const char *path)
{
	if (tree < 0)
		FAIL("mask: make a mount for", path);
	if (move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		FAIL("mask", path);
	close(tree);
}

/* An empty read-only tmpfs, detached. */
static int empty_tmpfs(int err_fd)
{
	int fs = fsopen("tmpfs", FSOPEN_CLOEXEC), mnt;

	if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "size", "0", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		FAIL("mask: create", "tmpfs");
	mnt = fsmount(fs, FSMOUNT_CLOEXEC,
		      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	close(fs);
	return mnt;
}

void engine__child_mask_paths(int err_fd, const engine__plan *p)
{
	struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
	int null_fd = -1, empty = -1;
	struct stat st;

	for (size_t i = 0; p->masked && p->masked[i]; i++) {
		const char *m = p->masked[i];
		int fd = open(m, O_PATH | O_CLOEXEC);

		if (fd < 0 || fstat(fd, &st) < 0) {
			if (fd >= 0)
				close(fd);
			continue; /* not there: nothing to hide */
		}
		if (S_ISDIR(st.st_mode)) {
			/* One empty read-only tmpfs for all: the first directory
			 * gets it, the others a bind of it (not a superblock
			 * each). Never a detached mount left to close: that
			 * unmount would wait for an RCU grace period. */
			if (empty < 0) {
				attach_on(err_fd, empty_tmpfs(err_fd), fd, m);
				if ((empty = open(m, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
					FAIL("mask: open", m);
			} else {
				attach_on(
				    err_fd,
				    open_tree(empty, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH),
				    fd, m);
			}
		} else {
			if (null_fd < 0)
				null_fd = open_null(err_fd);
			attach_on(err_fd,
				  open_tree(null_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH),
				  fd, m);
		}
		close(fd);
	}
	if (null_fd >= 0)
		close(null_fd);
	if (empty >= 0)
		close(empty);
	for (size_t i = 0; p->readonly && p->readonly[i]; i++) {
		const char *path = p->readonly[i];
		int fd = open(path, O_PATH | O_CLOEXEC), tree;

		if (fd < 0)
			continue;
		tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
		if (tree < 0 || mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof(ro)) < 0)
			FAIL("bind read-only path", path);
		attach_on(err_fd, tree, fd, path);
		close(fd);
	}
}
