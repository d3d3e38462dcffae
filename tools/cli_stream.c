/* Attached sessions (see cli_stream.h): one poll loop over stdin and the
 * attachment, a self-pipe for SIGWINCH and the proxied signals, and a
 * waiter thread for the exit status. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "cli_stream.h"

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int e = errno;

	if (write(sig_pipe[1], &b, 1) < 0) {
		/* full: the signal is dropped, like a coalesced one */
	}
	errno = e;
}

int cli_terminal_size(unsigned *rows, unsigned *cols)
{
	struct winsize ws;

	if ((ioctl(1, TIOCGWINSZ, &ws) == 0 || ioctl(0, TIOCGWINSZ, &ws) == 0) && ws.ws_row && ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
		return 1;
	}
	*rows = *cols = 0;
	return 0;
}

static void *waiter_main(void *arg)
{
	struct cli_session *s = arg;
	engine_wait_options o = ENGINE_WAIT_OPTIONS_INIT;

	o.condition = s->condition;
	o.cancel_fd = s->cancel_fd;
	s->wait_rc = engine_container_wait_until(s->container, &o, &s->result);
	if (s->wait_rc < 0 && s->wait_rc != ENGINE_ECANCELED)
		fprintf(stderr, "Error: wait: %s\n", engine_error_last()->message);
	return NULL;
}

int cli_session_wait(struct cli_session *s, int condition)
{
	s->condition = condition;
	engine_wait_result_init(&s->result, ENGINE_WAIT_RESULT_VERSION);
	s->cancel_fd = eventfd(0, EFD_CLOEXEC);
	if (s->cancel_fd < 0)
		return cli_failf(EXIT_ENGINE, "eventfd: %s", strerror(errno));
	if (pthread_create(&s->waiter, NULL, waiter_main, s) != 0) {
		close(s->cancel_fd);
		return cli_failf(EXIT_ENGINE, "cannot start the waiter");
	}
	s->waiting = 1;
	return 0;
}

int cli_session_finish(struct cli_session *s, int detached)
{
	int status;

	if (!s->waiting)
		return 0;
	if (detached) {
		uint64_t one = 1;

		if (write(s->cancel_fd, &one, sizeof(one)) < 0) {
			/* an eventfd write does not fail short of overflow */
		}
	}
	pthread_join(s->waiter, NULL);
	close(s->cancel_fd);
	s->waiting = 0;
	if (detached)
		return 0;
	status = s->wait_rc < 0 ? EXIT_ENGINE : s->result.exit_code;
	return status;
}

int cli_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copies until EOF; once the run ended (@r->ending), until the first idle
 * 100 ms: a process of the container's left in the host's PID namespace
 * (--pid host) may hold the pipe for good. */
struct relay_arg {
	struct cli_tty_relay *r;
	int i;
};

static void *tty_relay_main(void *arg)
{
	struct relay_arg a = *(struct relay_arg *)arg;
	int from = a.r->read_end[a.i];
	char buf[16384];
	sigset_t pipe_sig;

	free(arg);
	/* A reader that went away is EPIPE here, not the whole CLI's death
	 * (which would leave the run's cgroup and mounts behind). */
	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_sig, NULL);
	for (;;) {
		struct pollfd p = {.fd = from, .events = POLLIN};
		int n = poll(&p, 1, 100);
		ssize_t got;

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && atomic_load(&a.r->ending))
			break;
		if (n <= 0)
			continue;
		got = read(from, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (cli_write_all(a.i, buf, (size_t)got) < 0 && errno == EPIPE) {
			/* The container's writes fail from now on, as with the pipe
			 * itself (a closed terminal or a full disk only loses output). */
			close(from);
			a.r->closed[a.i] = true;
			break;
		}
	}
	return NULL;
}

/* Whether the container may have our fd @i itself: only the null device.
 * Through /proc/self/fd/N a process reopens what an fd refers to with any
 * access the file's mode gives it: a file our stdout appends to (`>> log`)
 * would be read and truncated, a pipe's read end opened (what the host's
 * other writers send to our reader stolen), a socket read or shut down
 * under its owner. Docker's containers get the shim's pipes, never the
 * client's fds: everything else is copied by a thread. */
static bool hand_over(int i)
{
	struct stat st;

	if (isatty(i))
		return false;
	if (fstat(i, &st) < 0)
		return true; /* closed: the run says so */
	return S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

/* Whether stdout and stderr are the same file (2>&1): one pipe keeps
 * their order. */
static bool same_file(int a, int b)
{
	struct stat x, y;

	return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino &&
	       x.st_rdev == y.st_rdev;
}

int cli_tty_relay_start(struct cli_tty_relay *r)
{
	atomic_init(&r->ending, 0);
	for (int i = 0; i < 3; i++) {
		r->fd[i] = i;
		r->read_end[i] = -1;
		r->closed[i] = false;
	}
	for (int i = 1; i <= 2; i++) {
		struct relay_arg *a;
		int p[2];

		if (hand_over(i))
			continue;
		if (i == 2 && r->read_end[1] >= 0 && same_file(1, 2)) {
			r->fd[2] = r->fd[1];
			continue;
		}
		a = malloc(sizeof(*a));
		if (!a || pipe2(p, O_CLOEXEC) < 0) {
			free(a);
			cli_tty_relay_end(r);
			fprintf(stderr, "Error: relay the terminal: %s\n", strerror(errno));
			return -1;
		}
		*a = (struct relay_arg){r, i};
		r->read_end[i] = p[0];
		r->fd[i] = p[1];
		if (pthread_create(&r->thread[i], NULL, tty_relay_main, a) != 0) {
			free(a);
			close(p[0]);
			close(p[1]);
			r->read_end[i] = -1;
			r->fd[i] = i;
			cli_tty_relay_end(r);
			fprintf(stderr, "Error: relay the terminal: cannot start a thread\n");
			return -1;
		}
	}
	return 0;
}

void cli_tty_relay_end(struct cli_tty_relay *r)
{
	atomic_store(&r->ending, 1);
	r->fd[2] = r->read_end[2] < 0 ? 2 : r->fd[2]; /* a shared pipe is closed once */
	for (int i = 1; i <= 2; i++) {
		if (r->read_end[i] < 0)
			continue;
		close(r->fd[i]);
		pthread_join(r->thread[i], NULL);
		if (!r->closed[i])
			close(r->read_end[i]);
		r->read_end[i] = -1;
		r->fd[i] = i;
	}
}

static void do_resize(struct cli_session *s)
{
	unsigned rows, cols;

	if (s->resize && cli_terminal_size(&rows, &cols))
		s->resize(s->resize_arg, rows, cols); /* best effort, like docker's */
}

int cli_session_pump(struct cli_session *s)
{
	static const int proxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	int tty = engine_attach_tty(s->attach), use_stdin = s->use_stdin && engine_attach_stdin(s->attach);
	int raw = tty && use_stdin && isatty(0), result = 0, stdin_open = use_stdin;
	struct termios saved;
	struct sigaction sa, old[7];
	char buf[32768];

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return cli_failf(EXIT_ENGINE, "pipe: %s", strerror(errno)), -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGWINCH, &sa, &old[6]);
	if (s->sig_proxy && !tty)
		for (int i = 0; i < 6; i++)
			sigaction(proxied[i], &sa, &old[i]);
	if (raw && tcgetattr(0, &saved) == 0) {
		struct termios t = saved;

		cfmakeraw(&t);
		tcsetattr(0, TCSADRAIN, &t);
	} else {
		raw = 0;
	}
	if (tty)
		do_resize(s);
	for (;;) {
		struct pollfd pfd[3] = {{.fd = engine_attach_fd(s->attach), .events = POLLIN},
					{.fd = sig_pipe[0], .events = POLLIN},
					{.fd = stdin_open ? 0 : -1, .events = POLLIN}};
		int n = poll(pfd, 3, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			result = -1;
			break;
		}
		if (pfd[1].revents) {
			unsigned char sig;

			while (read(sig_pipe[0], &sig, 1) == 1) {
				if (sig == SIGWINCH)
					do_resize(s);
				else
					engine_container_kill(s->container, sig); /* it may be gone: fine */
			}
		}
		if (pfd[0].revents) {
			int stream = 1;
			int r = engine_attach_read(s->attach, buf, sizeof(buf), &stream, 0);

			if (r == 0)
				break;
			if (r < 0 && r != ENGINE_ETIMEOUT) {
				cli_fail(EXIT_ENGINE, "attach");
				result = -1;
				break;
			}
			if (r > 0)
				cli_write_all(stream == 2 ? 2 : 1, buf, (size_t)r);
		}
		if (pfd[2].revents) {
			ssize_t r = read(0, buf, sizeof(buf));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				/* End of input: the container's stdin closes (stdin_once). */
				stdin_open = 0;
				engine_attach_close_stdin(s->attach);
				continue;
			}
			if (engine_attach_write(s->attach, buf, (size_t)r) < 0) {
				stdin_open = 0;
				continue;
			}
			if (engine_attach_detached(s->attach)) {
				result = 1;
				break;
			}
		}
	}
	if (raw)
		tcsetattr(0, TCSADRAIN, &saved);
	sigaction(SIGWINCH, &old[6], NULL);
	if (s->sig_proxy && !tty)
		for (int i = 0; i < 6; i++)
			sigaction(proxied[i], &old[i], NULL);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	return result;
}
