/*
 * One fd over an AF_UNIX socket (SCM_RIGHTS) with a few bytes beside it:
 * the container's terminal to the engine, an OCI console socket's master,
 * engine_run's finished mount namespaces in flight. Only system calls, no
 * allocation: usable in a cloned child before its exec.
 */
#ifndef ENGINE_UTIL_FDPASS_H
#define ENGINE_UTIL_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/* Send @fd with the @len bytes at @data (at least one), retrying on EINTR;
 * sendmsg's result (MSG_NOSIGNAL is added to @flags). */
ssize_t engine__fd_send(int sock, int fd, const void *data, size_t len, int flags);

/* Receive one fd sent so, close-on-exec, retrying on EINTR; up to @len bytes
 * beside it into @data, their count in *@got. The fd, or -1: errno from
 * recvmsg, or ENODATA when a message (or EOF) came without exactly one fd. */
int engine__fd_recv(int sock, void *data, size_t len, ssize_t *got, int flags);

#endif
