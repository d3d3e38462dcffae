/*
 * The starter: a single-threaded child forked when the daemon starts,
 * before any listener or thread exists, that runs engine_container_start()
 * on the daemon's behalf. The library forks a container's monitor from the
 * process that starts it; forked from the multithreaded daemon, the
 * monitor would inherit every fd open at that instant (other clients'
 * sockets, which then never close; other threads' store locks, which then
 * deadlock) and any lock another thread held. Forked from the starter it
 * inherits nothing but the starter's socket, which it closes.
 *
 * Protocol over a socketpair: the daemon sends a request (container ID),
 * the starter answers with the outcome (code, errno, message). One request
 * at a time; starts are short.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/daemon.h"

struct start_req {
	char id[65];
};

struct start_rep {
	int code;
	char message[1024];
};

static int chan = -1;
static pid_t starter_pid = -1;
static pthread_mutex_t chan_lock = PTHREAD_MUTEX_INITIALIZER;

static int full_io(int fd, void *buf, size_t len, bool writing)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

__attribute__((noreturn)) static void starter_main(int fd, const engine_context_options *base)
{
	engine_context_options opts = *base;
	sigset_t none;

	/* Only the daemon's socket (moved to fd 3) and stderr stay: nothing else
	 * may reach a monitor. */
	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			_exit(1);
		fd = 3;
	}
	syscall(SYS_close_range, 4U, ~0U, 0U);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(0);
	for (;;) {
		struct start_req req;
		struct start_rep rep;
		engine_context *ctx = NULL;
		engine_container *c = NULL;
		int r;

		if (full_io(fd, &req, sizeof(req), false) < 0)
			_exit(0); /* the daemon is gone */
		req.id[64] = '\0';
		memset(&rep, 0, sizeof(rep));
		/* A fresh context per start: a reloaded daemon.json applies at once. */
		r = engine_context_new(&ctx, &opts);
		if (r == 0)
			r = engine_container_open(ctx, req.id, &c);
		if (r == 0)
			r = engine_container_start(c);
		rep.code = r;
		if (r < 0)
			snprintf(rep.message, sizeof(rep.message), "%s", engine_error_last()->message);
		engine_container_free(c);
		engine_context_free(ctx);
		if (full_io(fd, &rep, sizeof(rep), true) < 0)
			_exit(0);
	}
}

int starter_spawn(const char *root, const char *run_dir, const char *config_path)
{
	engine_context_options opts = ENGINE_CONTEXT_OPTIONS_INIT;
	int sv[2];
	pid_t pid;

	opts.root = root;
	opts.run_dir = run_dir;
	opts.config_path = config_path;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0)
		starter_main(sv[1], &opts);
	close(sv[1]);
	chan = sv[0];
	starter_pid = pid;
	return 0;
}

int starter_start(const char *id, char *message, size_t mlen)
{
	struct start_req req;
	struct start_rep rep;
	int r;

	memset(&req, 0, sizeof(req));
	snprintf(req.id, sizeof(req.id), "%s", id);
	pthread_mutex_lock(&chan_lock);
	r = chan >= 0 && full_io(chan, &req, sizeof(req), true) == 0 &&
		    full_io(chan, &rep, sizeof(rep), false) == 0
		? 0
		: -1;
	pthread_mutex_unlock(&chan_lock);
	if (r < 0) {
		snprintf(message, mlen, "the daemon's starter process is gone (restart the daemon)");
		return ENGINE_ERROR;
	}
	rep.message[sizeof(rep.message) - 1] = '\0';
	snprintf(message, mlen, "%s", rep.message);
	return rep.code;
}

void starter_stop(void)
{
	if (chan >= 0)
		close(chan);
	chan = -1;
	if (starter_pid > 0) {
		kill(starter_pid, SIGTERM);
		while (waitpid(starter_pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	starter_pid = -1;
}
