/*
 * engine-init: the only program of the engine's that runs inside a
 * container. The library embeds it and execs it from a sealed memfd
 * (init.c), never from a file on the host, so /proc/self/exe of whatever
 * enters a container is an immutable in-memory copy (CVE-2019-5736): a
 * "#!/proc/self/exe" script or a PT_INTERP can reach only this program.
 *
 *   engine-init -- CMD ARG...        PID 1 of a --init container: runs CMD
 *                                    as its child, reaps every zombie,
 *                                    forwards signals to CMD, exits with its
 *                                    status (as tini and docker-init do).
 *   engine-init --exec CMD ARG...    replaces itself with CMD (how every
 *                                    container's command is started).
 *   engine-init --job SOCK INIT ROOT N PROCS DIR...
 *                                    a prepared sandbox's wait (the pool in
 *                                    runtime/pool.c): says it is ready on
 *                                    SOCK, receives the job there (this
 *                                    program's argv in one of the forms
 *                                    above, the env, stdio as SCM_RIGHTS)
 *                                    and goes on with it (a --init job
 *                                    through a re-exec of INIT, its own
 *                                    memfd, for PID 1's command line); EOF
 *                                    instead (the pool closed, or its owner
 *                                    died) moves it out of its cgroup
 *                                    through the N cgroup.procs fds PROCS
 *                                    and removes each cgroup DIR under the
 *                                    fd ROOT.
 *
 * The runtime has already dropped privileges, applied seccomp and closed
 * every host fd: this program holds nothing but stdio and the error pipe on
 * fd 3, which it hands to the command with close-on-exec so that a
 * successful exec reads as EOF, and on which it reports a failed exec as an
 * engine__child_error (exit 127 when CMD is not found, 126 otherwise).
 *
 * It is built static, without libc (raw system calls, x86-64 and aarch64),
 * to stay a few KiB: copying it into a memfd and exec'ing it is cheap.
 */
#include <stddef.h>

#include <asm/unistd.h>

#include "init/nolibc.h"
#include "runtime/child_error.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The few kernel constants used, the same on both architectures. */
#define E_NOENT 2
#define E_INTR 4
#define E_NOTDIR 20
#define E_ACCES 13
#define E_NAMETOOLONG 36
#define SIG_CHLD 17
#define SIG_KILL 9
#define SIG_STOP 19
#define SIG_SETMASK_ 2
#define W_NOHANG 1
#define F_SETFD_ 2
#define FD_CLOEXEC_ 1
#define PR_SET_DUMPABLE_ 4
#define PR_SET_NAME_ 15
#define TIOCSPGRP_ 0x5410
#define AT_FDCWD_ (-100)
#define E_INVAL 22
#define AT_REMOVEDIR_ 0x200
#define AT_EMPTY_PATH_ 0x1000
#define SOL_SOCKET_ 1
#define SCM_RIGHTS_ 1
#define MSG_CTRUNC_ 0x8
#define MSG_WAITALL_ 0x100
#define MSG_NOSIGNAL_ 0x4000
#define MSG_CMSG_CLOEXEC_ 0x40000000

/* Where failures are reported: fd 3, or --report-fd's (an OCI container
 * whose fds 3.. are the caller's, --preserve-fds). */
static int report_fd = ENGINE__INIT_REPORT_FD;

__attribute__((noreturn)) static void die(int code)
{
	for (;;)
		SYS(__NR_exit_group, code, 0, 0);
}

/* The compiler may emit calls to these for struct copies and zeroing. */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

static size_t slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int seq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void scat(char *buf, size_t size, const char *s)
{
	size_t n = slen(buf);

	while (*s && n + 1 < size)
		buf[n++] = *s++;
	buf[n] = '\0';
}

/* --- exec with the engine's error reporting ----------------------------- */

__attribute__((noreturn)) static void report(int sys_errno, int exit_code, const char *m1, const char *m2,
					     const char *m3)
{
	engine__child_error e;

	memset(&e, 0, sizeof(e));
	e.sys_errno = sys_errno;
	e.exit_code = exit_code;
	scat(e.message, sizeof(e.message), m1);
	scat(e.message, sizeof(e.message), m2);
	scat(e.message, sizeof(e.message), m3);
	while (SYS(__NR_write, report_fd, &e, sizeof(e)) == -E_INTR)
		;
	die(exit_code);
}

static const char *env_path(char **envp)
{
	for (size_t i = 0; envp[i]; i++)
		if (envp[i][0] == 'P' && envp[i][1] == 'A' && envp[i][2] == 'T' && envp[i][3] == 'H' &&
		    envp[i][4] == '=')
			return envp[i] + 5;
	return DEFAULT_PATH;
}

/* execvpe: each candidate from PATH in order; the engine's 126/127 rules. */
__attribute__((noreturn)) static void exec_command(char **argv, char **envp)
{
	const char *cmd = argv[0], *path;
	char buf[4096];
	long first = -E_NOENT;
	int denied = 0, has_slash = 0;

	for (const char *c = cmd; *c; c++)
		has_slash |= *c == '/';
	/* Only a successful exec closes the error pipe. */
	SYS(__NR_fcntl, report_fd, F_SETFD_, FD_CLOEXEC_);
	if (has_slash || !*cmd) {
		first = SYS(__NR_execve, cmd, argv, envp);
	} else {
		path = env_path(envp);
		for (const char *s = path;;) {
			const char *e = s;
			size_t dir, n = slen(cmd);
			long r;

			while (*e && *e != ':')
				e++;
			dir = (size_t)(e - s);
			if (dir + 1 + n + 1 > sizeof(buf)) {
				r = -E_NAMETOOLONG;
			} else {
				size_t k = 0;

				for (size_t i = 0; i < dir; i++)
					buf[k++] = s[i];
				if (dir)
					buf[k++] = '/';
				for (size_t i = 0; i <= n; i++)
					buf[k++] = cmd[i];
				r = SYS(__NR_execve, buf, argv, envp);
			}
			if (r == -E_ACCES)
				denied = 1;
			else if (r != -E_NOENT && r != -E_NOTDIR)
				first = r;
			if (r != -E_NOENT && r != -E_NOTDIR && r != -E_ACCES && r != -E_NAMETOOLONG)
				break;
			if (!*e)
				break;
			s = e + 1;
		}
	}
	if (first == -E_NOTDIR)
		first = -E_NOENT;
	if (denied && first == -E_NOENT)
		first = -E_ACCES;
	if (first == -E_NOENT)
		report(E_NOENT, 127, "exec: \"", cmd,
		       has_slash ? "\": no such file or directory"
				 : "\": executable file not found in $PATH");
	report((int)-first, 126, "exec ", cmd, "");
}

/* Whether @cmd names an existing file, directly or through PATH: an OCI
 * `create` reports a missing command before it returns, as runc does. */
static int command_exists(const char *cmd, char **envp)
{
	const char *path = env_path(envp);
	char buf[4096];
	int has_slash = 0;

	for (const char *c = cmd; *c; c++)
		has_slash |= *c == '/';
	if (has_slash)
		return sys6(__NR_faccessat, AT_FDCWD_, (long)cmd, 0, 0, 0, 0) != -E_NOENT;
	for (const char *s = path;;) {
		const char *e = s;
		size_t dir, n = slen(cmd);

		while (*e && *e != ':')
			e++;
		dir = (size_t)(e - s);
		if (dir + 1 + n + 1 <= sizeof(buf)) {
			size_t k = 0;

			for (size_t i = 0; i < dir; i++)
				buf[k++] = s[i];
			if (dir)
				buf[k++] = '/';
			for (size_t i = 0; i <= n; i++)
				buf[k++] = cmd[i];
			if (sys6(__NR_faccessat, AT_FDCWD_, (long)buf, 0, 0, 0, 0) == 0)
				return 1;
		}
		if (!*e)
			return 0;
		s = e + 1;
	}
}

/* OCI create: the container waits here until `start` writes a byte to
 * its fifo; the creator learns it got this far from the report fd's EOF. */
static void wait_for_start(int fd, char **argv, char **envp)
{
	char b;
	long n;

	if (!command_exists(argv[0], envp)) {
		int has_slash = 0;

		for (const char *c = argv[0]; *c; c++)
			has_slash |= *c == '/';
		report(E_NOENT, 127, "exec: \"", argv[0],
		       has_slash ? "\": no such file or directory"
				 : "\": executable file not found in $PATH");
	}
	SYS(__NR_close, report_fd, 0, 0);
	do
		n = SYS(__NR_read, fd, &b, 1);
	while (n == -E_INTR);
	if (n != 1)
		die(1);
	SYS(__NR_close, fd, 0, 0);
}

static int parse_fd(const char *s)
{
	int v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* --- a prepared sandbox's wait for its job ------------------------------ */

/* The kernel's layouts, the same on both (64-bit) architectures. */
struct iovec_ {
	void *base;
	size_t len;
};
struct msghdr_ {
	void *name;
	int namelen;
	struct iovec_ *iov;
	size_t iovlen;
	void *control;
	size_t controllen;
	unsigned int flags;
};
struct cmsghdr_ {
	size_t len;
	int level;
	int type;
};

static char job_buf[ENGINE__POOL_JOB_BYTES];
static char *job_ptrs[ENGINE__POOL_JOB_PTRS];

/* No job will come: leave the cgroup and remove it (nobody else will),
 * then exit. Best effort, like engine__cgroup_leave. */
__attribute__((noreturn)) static void orphaned(int root, char **cg, int n)
{
	for (int i = 0; i < n; i++) {
		int fd = parse_fd(cg[2 * i]);

		if (fd >= 0)
			SYS(__NR_write, fd, "0", 1);
	}
	for (int i = 0; i < n; i++)
		SYS(__NR_unlinkat, root, cg[2 * i + 1], AT_REMOVEDIR_);
	die(0);
}

__attribute__((noreturn)) static void malformed(void)
{
	report(E_INVAL, 0, "malformed job", "", "");
}

/* Point @out[0..count) at the next @count strings of @s (each ends before
 * @end), NULL after them. */
static char *split(char *s, const char *end, char **out, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++) {
		out[i] = s;
		while (s < end && *s)
			s++;
		if (s == end)
			malformed();
		s++;
	}
	out[count] = 0;
	return s;
}

/* Returns the job's argc, with *@argv_out and *@envp_out its argv and env. */
static int wait_job(int argc, char **argv, char ***argv_out, char ***envp_out)
{
	engine__pool_job_header h;
	union {
		struct cmsghdr_ align;
		char buf[sizeof(struct cmsghdr_) + 4 * sizeof(int)];
	} ctl;
	struct iovec_ iov = {&h, sizeof(h)};
	struct msghdr_ m;
	int sock, self, root, n, fds[3] = {-1, -1, -1}, nfds = 0;
	char **cg = argv + 6, *s;
	long r;

	sock = argc >= 6 ? parse_fd(argv[2]) : -1;
	self = argc >= 6 ? parse_fd(argv[3]) : -1;
	root = argc >= 6 ? parse_fd(argv[4]) : -1;
	n = argc >= 6 ? parse_fd(argv[5]) : -1;
	if (sock < 0 || self < 0 || root < 0 || n < 0 || argc != 6 + 2 * n)
		report(E_INVAL, 0, "engine-init --job: bad arguments", "", "");
	do
		r = sys6(__NR_sendto, sock, (long)"r", 1, MSG_NOSIGNAL_, 0, 0);
	while (r == -E_INTR);
	if (r != 1)
		orphaned(root, cg, n);
	memset(&m, 0, sizeof(m));
	m.iov = &iov;
	m.iovlen = 1;
	m.control = ctl.buf;
	m.controllen = sizeof(ctl.buf);
	do
		r = SYS(__NR_recvmsg, sock, &m, MSG_WAITALL_ | MSG_CMSG_CLOEXEC_);
	while (r == -E_INTR);
	if (r <= 0)
		orphaned(root, cg, n);
	if (m.controllen >= sizeof(struct cmsghdr_) && ctl.align.level == SOL_SOCKET_ &&
	    ctl.align.type == SCM_RIGHTS_ && ctl.align.len >= sizeof(struct cmsghdr_)) {
		nfds = (int)((ctl.align.len - sizeof(struct cmsghdr_)) / sizeof(int));
		if (nfds > 3)
			nfds = 3;
		memcpy(fds, ctl.buf + sizeof(struct cmsghdr_), (size_t)nfds * sizeof(int));
	}
	if (r != (long)sizeof(h) || (m.flags & MSG_CTRUNC_) || h.len > sizeof(job_buf) ||
	    (unsigned long)h.argc + h.envc + 2 > ENGINE__POOL_JOB_PTRS || h.argc < 3)
		malformed();
	for (unsigned int got = 0; got < h.len;) {
		r = SYS(__NR_read, sock, job_buf + got, h.len - got);
		if (r == -E_INTR)
			continue;
		if (r <= 0)
			malformed();
		got += (unsigned int)r;
	}
	s = split(job_buf, job_buf + h.len, job_ptrs, h.argc);
	split(s, job_buf + h.len, job_ptrs + h.argc + 1, h.envc);
	/* The stdio that came along replaces the /dev/null it was built with. */
	for (int i = 0, k = 0; i < 3; i++) {
		if (!(h.stdio_mask & (1u << i)))
			continue;
		if (k >= nfds)
			malformed();
		r = SYS(__NR_dup3, fds[k++], i, 0);
		if (r < 0)
			report((int)-r, 0, "dup2 stdio", "", "");
	}
	/* Nothing of the host's stays: the cgroup fds and the socket go. */
	for (int k = 0; k < nfds; k++)
		if (fds[k] > 2)
			SYS(__NR_close, fds[k], 0, 0);
	for (int i = 0; i < n; i++)
		SYS(__NR_close, parse_fd(cg[2 * i]), 0, 0);
	SYS(__NR_close, root, 0, 0);
	SYS(__NR_close, sock, 0, 0);
	if (seq(job_ptrs[1], "--")) {
		/* PID 1 for good: its command line is the job's, not this one. */
		SYS(__NR_fcntl, self, F_SETFD_, FD_CLOEXEC_);
		r = sys6(__NR_execveat, self, (long)"", (long)job_ptrs, (long)(job_ptrs + h.argc + 1),
			 AT_EMPTY_PATH_, 0);
		report((int)-r, 0, "re-exec engine-init", "", "");
	}
	SYS(__NR_close, self, 0, 0);
	*argv_out = job_ptrs;
	*envp_out = job_ptrs + h.argc + 1;
	return (int)h.argc;
}

/* --- PID 1 -------------------------------------------------------------- */

__attribute__((noreturn)) static void run_init(char **argv, char **envp)
{
	unsigned long all = ~0UL, none = 0;
	long child;

	SYS(__NR_prctl, PR_SET_NAME_, "docker-init", 0);
	sys6(__NR_rt_sigprocmask, SIG_SETMASK_, (long)&all, 0, sizeof(all), 0, 0);
	child = sys6(__NR_clone, SIG_CHLD, 0, 0, 0, 0, 0);
	if (child < 0)
		report((int)-child, 0, "init: fork the command", "", "");
	if (child == 0) {
		int pgrp;

		/* Its own process group, in the foreground of the session's
		 * terminal if it has one (SIGTTOU is still blocked). */
		SYS(__NR_setpgid, 0, 0, 0);
		pgrp = (int)SYS(__NR_getpid, 0, 0, 0);
		SYS(__NR_ioctl, 0, TIOCSPGRP_, &pgrp);
		sys6(__NR_rt_sigprocmask, SIG_SETMASK_, (long)&none, 0, sizeof(none), 0, 0);
		exec_command(argv, envp);
	}
	/* Only the command reports exec failures: let its exec close the pipe. */
	SYS(__NR_close, report_fd, 0, 0);
	for (;;) {
		unsigned char info[128];
		long sig = sys6(__NR_rt_sigtimedwait, (long)&all, (long)info, 0, sizeof(all), 0, 0);

		if (sig < 0)
			continue;
		if (sig != SIG_CHLD) {
			SYS(__NR_kill, child, sig, 0);
			continue;
		}
		for (;;) {
			int status = 0;
			long w = sys6(__NR_wait4, -1, (long)&status, W_NOHANG, 0, 0, 0);

			if (w <= 0)
				break;
			if (w == child)
				die((status & 0x7f) ? 128 + (status & 0x7f) : (status >> 8) & 0xff);
		}
	}
}

__attribute__((noreturn, used)) void start_c(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1), **envp = argv + argc + 1;

	int wait_fd = -1;

	/* Nothing to see in here, and the error pipe is ours until exec. */
	SYS(__NR_prctl, PR_SET_DUMPABLE_, 0, 0);
	if (argc >= 2 && seq(argv[1], "--job"))
		argc = wait_job(argc, argv, &argv, &envp);
	while (argc >= 3 && (seq(argv[1], "--report-fd") || seq(argv[1], "--wait-fd"))) {
		int v = parse_fd(argv[2]);

		if (v < 0)
			break;
		if (argv[1][2] == 'r')
			report_fd = v;
		else
			wait_fd = v;
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	if (wait_fd >= 0 && argc >= 3 && seq(argv[1], "--exec"))
		wait_for_start(wait_fd, argv + 2, envp);
	if (argc >= 3 && seq(argv[1], "--"))
		run_init(argv + 2, envp);
	if (argc >= 3 && seq(argv[1], "--exec"))
		exec_command(argv + 2, envp);
	{
		static const char usage[] = "usage: docker-init -- COMMAND [ARG...]\n";

		SYS(__NR_write, 2, usage, sizeof(usage) - 1);
	}
	die(2);
}
