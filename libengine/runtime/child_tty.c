/*
 * The container's terminal, child side: a pty from the container's own
 * devpts (so `tty` says /dev/pts/0 and nothing of the host's devpts is
 * visible), its slave as stdio, controlling terminal and /dev/console (like
 * runc and crun), and the master sent to the parent over the sync socket.
 * Between clone and exec: system calls only. Also the parent's receiving
 * end.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "core/error.h"
#include "runtime/runtime.h"
#include "util/fdpass.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

#define FAIL(what, arg) engine__child_fail(err_fd, errno, 0, what, arg)

static void append_uint(char *buf, size_t size, unsigned v)
{
	char digits[16];
	size_t n = 0, len = strlen(buf);

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof(digits));
	while (n && len + 1 < size)
		buf[len++] = digits[--n];
	buf[len] = '\0';
}

static void send_fd(int sock, int fd, int err_fd)
{
	if (engine__fd_send(sock, fd, "t", 1, 0) != 1)
		FAIL("send the terminal to the engine", NULL);
}

void engine__child_console(const engine__plan *p, int sock, int err_fd, bool joined)
{
	char path[32] = "/dev/pts/";
	unsigned n = 0;
	int master, slave, unlock = 0;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		FAIL("open", "/dev/ptmx");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
		FAIL("set up the pty", NULL);
	append_uint(path, sizeof(path), n);
	/* The peer ioctl opens the slave of this very master, whatever the path holds. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0 && (errno == EINVAL || errno == ENOTTY))
		slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		FAIL("open", path);
	if (p->tty_rows && p->tty_cols) {
		struct winsize ws = {.ws_row = p->tty_rows, .ws_col = p->tty_cols};

		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			FAIL("set the terminal size", NULL);
	}
	/* The container's user owns its terminal (mesg, write, some shells care). */
	if (p->has_user) {
		/* Before entering its user namespace the child is the host's root. */
		uid_t uid = p->uid + (p->userns_count && !joined ? p->userns_uid : 0);

		if (fchown(slave, uid, (gid_t)-1) < 0)
			FAIL("chown", path);
	}
	/* An exec shares the container's /dev/console. The bind is made from
	 * the slave's fd onto the node's fd: by path, a volume over /dev could
	 * make either a link to a procfs file (runc's CVE-2025-52565). */
	if (!joined) {
		int fd = open("/dev/console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600),
		    tree;
		struct stat st;

		/* An empty regular file of ours or one the image has: never a
		 * device a volume put there, and nothing is opened for I/O. */
		if (fd >= 0)
			close(fd);
		fd = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			FAIL("create", "/dev/console");
		if (!S_ISREG(st.st_mode)) {
			errno = EEXIST;
			FAIL("/dev/console is not a regular file:", "/dev/console");
		}
		tree = open_tree(slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (tree < 0 ||
		    move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			FAIL("bind the terminal on", "/dev/console");
		close(tree);
		close(fd);
	}
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			FAIL("dup2 the terminal", NULL);
	close(slave);
	/* A session of its own, with the pty as its controlling terminal; a
	 * session made earlier (EPERM: already its leader) is fine too. */
	if (setsid() < 0 && errno != EPERM)
		FAIL("setsid", NULL);
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		FAIL("make the pty the controlling terminal", NULL);
	send_fd(sock, master, err_fd);
	close(master);
}

int engine__recv_console(int sock, int *out)
{
	char byte = 0;
	ssize_t got;
	int fd = engine__fd_recv(sock, &byte, 1, &got, 0);

	if (fd < 0 && got < 0)
		return engine__error_errno(errno, "receive the container's terminal");
	if (fd < 0 || got != 1 || byte != 't') {
		if (fd >= 0)
			close(fd);
		return engine__error_set(ENGINE_ERROR, 0,
					 "the container process died before handing over its terminal");
	}
	*out = fd;
	return 0;
}
