/* One fd over an AF_UNIX socket: see fdpass.h. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "util/fdpass.h"

typedef union {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
} fd_control;

ssize_t engine__fd_send(int sock, int fd, const void *data, size_t len, int flags)
{
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	fd_control u;
	struct msghdr msg;
	struct cmsghdr *cm;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	memset(&u, 0, sizeof(u));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do
		n = sendmsg(sock, &msg, flags | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n;
}

int engine__fd_recv(int sock, void *data, size_t len, ssize_t *got, int flags)
{
	struct iovec iov = {.iov_base = data, .iov_len = len};
	fd_control u;
	struct msghdr msg;
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	do
		n = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	*got = n;
	if (n < 0)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int))) {
		errno = ENODATA;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}
