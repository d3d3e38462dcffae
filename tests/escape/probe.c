/*
 * The escape suite's probe: one static program run inside test containers
 * that tries one breakout at a time and prints what it reached, one
 * "name: result" line per attempt ("ok" when the kernel let it through,
 * else the errno name). Attempts that would change the host only ever
 * create marker files under a directory the test made for the purpose, or
 * open without writing; nothing here writes to a real system file.
 *
 * Usage: probe COMMAND [ARGS...]; see main() for the commands.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char *result(long r)
{
	static char buf[64];

	if (r >= 0)
		return "ok";
	snprintf(buf, sizeof(buf), "%s", strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	return buf;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* From a directory fd that may lie outside our root, walk up to the
 * global root and down to @marker_dir (a host path); create a file there. */
static int try_escape_from(int dfd, const char *marker_dir, const char *tag)
{
	char rel[8192] = "";
	int mdir, fd;

	for (int i = 0; i < 64; i++)
		strcat(rel, "../");
	strncat(rel, marker_dir + 1, sizeof(rel) - strlen(rel) - 1);
	mdir = openat(dfd, rel, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (mdir < 0)
		return -1;
	fd = openat(mdir, tag, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dprintf(fd, "escaped\n");
		close(fd);
	}
	close(mdir);
	return fd >= 0 ? 0 : -1;
}

/* fdscan MARKER_DIR SECONDS: race for another process's directory fds (a
 * process joining the container while it still holds the caller's). */
static int cmd_fdscan(const char *marker_dir, double seconds)
{
	double end = now() + seconds;
	pid_t self = getpid();
	long seen = 0;

	while (now() < end) {
		DIR *proc = opendir("/proc");
		struct dirent *pe;

		while (proc && (pe = readdir(proc))) {
			char path[300], tag[300];
			int pid = atoi(pe->d_name);
			DIR *fds;
			struct dirent *fe;

			if (pid <= 0 || pid == self)
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fd", pid);
			fds = opendir(path);
			while (fds && (fe = readdir(fds))) {
				int fd = atoi(fe->d_name), dfd;

				if (fe->d_name[0] == '.' || fd < 3)
					continue;
				seen++;
				snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
				dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (dfd < 0)
					continue;
				snprintf(tag, sizeof(tag), "fd-escape-pid%d-fd%d", pid, fd);
				if (try_escape_from(dfd, marker_dir, tag) == 0) {
					printf("fdscan: ESCAPED through %s\n", path);
					return 0;
				}
				close(dfd);
			}
			if (fds)
				closedir(fds);
		}
		if (proc)
			closedir(proc);
	}
	printf("fdscan: nothing reached (%ld foreign fds seen)\n", seen);
	return 1;
}

/* The process's view of another: capabilities, seccomp, no_new_privs,
 * dumpable (readable at all), its executable and its fds. */
static int cmd_status(const char *pid)
{
	char path[300], line[512], link[4096];
	FILE *f;
	DIR *d;
	struct dirent *de;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	f = fopen(path, "r");
	if (!f) {
		printf("status: %s\n", result(-1));
		return 1;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "CapBnd:", 7) ||
		    !strncmp(line, "Uid:", 4) || !strncmp(line, "Seccomp:", 8) ||
		    !strncmp(line, "NoNewPrivs:", 11))
			fputs(line, stdout);
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%s/exe", pid);
	n = readlink(path, link, sizeof(link) - 1);
	link[n < 0 ? 0 : n] = '\0';
	printf("exe: %s\n", n < 0 ? result(-1) : link);
	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	d = opendir(path);
	if (!d) {
		printf("fds: %s\n", result(-1));
		return 0;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		link[n < 0 ? 0 : n] = '\0';
		printf("fd %s: %s\n", de->d_name, link);
	}
	closedir(d);
	return 0;
}

/* fdwrite PID MARKER_DIR: through each directory fd of PID, reach the
 * host's marker dir. */
static int cmd_fdwrite(const char *pid, const char *marker_dir)
{
	char path[300], tag[300];
	DIR *d;
	struct dirent *de;
	int reached = 0;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	d = opendir(path);
	if (!d) {
		printf("fdwrite: %s\n", result(-1));
		return 1;
	}
	while ((de = readdir(d))) {
		int dfd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, de->d_name);
		dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		snprintf(tag, sizeof(tag), "fd-escape-pid%s-fd%s", pid, de->d_name);
		if (try_escape_from(dfd, marker_dir, tag) == 0) {
			printf("fdwrite: ESCAPED through %s\n", path);
			reached = 1;
		}
		close(dfd);
	}
	closedir(d);
	if (!reached)
		printf("fdwrite: nothing reached\n");
	return !reached;
}

/* The terminal: is there a controlling terminal, and does TIOCSTI (typing
 * into whatever reads that terminal) work on it or on stdio, or TIOCLINUX? */
static int cmd_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	char c = ' ';

	printf("sid: %s\n", getsid(0) == getpid() ? "own" : "inherited");
	printf("open /dev/tty: %s\n", result(fd));
	if (fd >= 0)
		printf("TIOCSTI /dev/tty: %s\n", result(ioctl(fd, TIOCSTI, &c)));
	for (int i = 0; i < 3; i++)
		if (isatty(i))
			printf("TIOCSTI fd %d: %s\n", i, result(ioctl(i, TIOCSTI, &c)));
	/* TIOCLINUX reaches a virtual console (its selection is pasted as
	 * input); subcode 6 only reads the shift state. */
	for (int i = 0; i < 3; i++) {
		char sub = 6;

		if (isatty(i))
			printf("TIOCLINUX fd %d: %s\n", i, result(ioctl(i, TIOCLINUX, &sub)));
	}
	return 0;
}

static int cmd_ptrace(const char *pid)
{
	long r = ptrace(PTRACE_SEIZE, atoi(pid), NULL, NULL);

	printf("ptrace seize %s: %s\n", pid, result(r));
	if (r == 0)
		ptrace(PTRACE_DETACH, atoi(pid), NULL, NULL);
	return 0;
}

static int cmd_syscalls(void)
{
	long r;

	r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
	printf("keyctl: %s\n", result(r));
	r = syscall(SYS_add_key, "user", "engine-escape-probe", "x", 1, KEY_SPEC_PROCESS_KEYRING);
	printf("add_key: %s\n", result(r));
	r = unshare(CLONE_NEWUSER);
	printf("unshare user: %s\n", result(r));
	r = unshare(CLONE_NEWNS);
	printf("unshare mount: %s\n", result(r));
	r = syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL);
	printf("mount: %s\n", result(r));
#if defined(__x86_64__)
	/* The i386 entry point: unshare is 310, keyctl 288, mount 21. */
	{
		long nr = 310, a = CLONE_NEWUSER;

		__asm__ volatile("int $0x80" : "+a"(nr) : "b"(a) : "memory");
		errno = nr < 0 ? (int)-nr : 0;
		printf("int80 unshare user: %s\n", result(nr < 0 ? -1 : 0));
		nr = 288, a = KEYCTL_GET_KEYRING_ID;
		__asm__ volatile("int $0x80"
				 : "+a"(nr)
				 : "b"(a), "c"(KEY_SPEC_USER_KEYRING), "d"(0)
				 : "memory");
		errno = nr < 0 ? (int)-nr : 0;
		printf("int80 keyctl: %s\n", result(nr < 0 ? -1 : 0));
	}
	/* x32: the x86-64 number with bit 30 set (unshare is 272). */
	r = syscall(0x40000000 | 272, CLONE_NEWUSER);
	printf("x32 unshare user: %s\n", result(r));
#endif
	return 0;
}

/* More of what Docker's profile refuses, each called with arguments that
 * change nothing even where the call is allowed (a bad pointer, an
 * invalid command, a namespace made and dropped at once). */
static int cmd_syscalls2(void)
{
	struct {
		unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} args = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
	long r;

	r = syscall(SYS_userfaultfd, 0);
	printf("userfaultfd: %s\n", result(r));
	if (r >= 0)
		close((int)r);
	r = syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
	printf("perf_event_open: %s\n", result(r));
	r = syscall(SYS_io_uring_setup, 1, NULL);
	printf("io_uring_setup: %s\n", result(r));
	r = syscall(SYS_bpf, -1, NULL, 0);
	printf("bpf: %s\n", result(r));
	r = syscall(SYS_kexec_load, 0, 1000000, NULL, 0);
	printf("kexec_load: %s\n", result(r));
	r = syscall(SYS_open_by_handle_at, -1, NULL, 0);
	printf("open_by_handle_at: %s\n", result(r));
	r = syscall(SYS_fsopen, "tmpfs", 0);
	printf("fsopen: %s\n", result(r));
	if (r >= 0)
		close((int)r);
	r = syscall(SYS_setns, -1, 0);
	printf("setns: %s\n", result(r));
	r = syscall(SYS_init_module, NULL, 0, "");
	printf("init_module: %s\n", result(r));
	r = syscall(SYS_iopl, 0);
	printf("iopl: %s\n", result(r));
	r = syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0);
	printf("socket vsock: %s\n", result(r));
	r = syscall(SYS_socket, 38 /* AF_ALG */, SOCK_SEQPACKET, 0);
	printf("socket alg: %s\n", result(r));
	r = syscall(SYS_personality, 0x0040000 /* ADDR_NO_RANDOMIZE */);
	printf("personality no-randomize: %s\n", result(r));
	r = syscall(SYS_clone3, &args, sizeof(args));
	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	printf("clone3 newuser: %s\n", result(r));
	r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	printf("clone newuser: %s\n", result(r));
	r = syscall(SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	printf("syslog: %s\n", result(r));
	return 0;
}

/* swapnode DIR N b|c MAJOR MINOR SECONDS: N regular files DIR/fI (4096
 * 'x' bytes, then a hole up to 64 KiB), each swapped over and over
 * (renameat2 RENAME_EXCHANGE) with a device node of MAJOR:MINOR, which the
 * container cannot open itself: for host-side code that stats a name and
 * opens it after to race. */
static int cmd_swapnode(const char *dir, int n, const char *type, const char *maj, const char *min,
			double seconds)
{
	char xs[4096], a[512], b[512];
	double end = now() + seconds;

	memset(xs, 'x', sizeof(xs));
	mkdir(dir, 0755);
	for (int i = 0; i < n; i++) {
		int fd;

		snprintf(a, sizeof(a), "%s/f%d", dir, i);
		fd = open(a, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, xs, sizeof(xs)) != (ssize_t)sizeof(xs) || ftruncate(fd, 65536) < 0) {
			printf("swapnode: %s: %s\n", a, result(-1));
			return 1;
		}
		close(fd);
		snprintf(b, sizeof(b), "%s/.n%d", dir, i);
		if (mknod(b, (type[0] == 'b' ? S_IFBLK : S_IFCHR) | 0644, makedev(atoi(maj), atoi(min))) <
		    0) {
			printf("swapnode: mknod: %s\n", result(-1));
			return 1;
		}
	}
	printf("swapnode: ready\n");
	while (now() < end)
		for (int i = 0; i < n; i++) {
			snprintf(a, sizeof(a), "%s/f%d", dir, i);
			snprintf(b, sizeof(b), "%s/.n%d", dir, i);
			syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */);
		}
	return 0;
}

/* deepdir DIR N: a chain of N directories DIR/a/a/..., made one level at a
 * time from the last one's fd (no path is ever longer than "a"). */
static int cmd_deepdir(const char *dir, int n)
{
	int fd;

	mkdir(dir, 0755);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; fd >= 0 && i < n; i++) {
		int sub;

		if (mkdirat(fd, "a", 0755) < 0 && errno != EEXIST)
			break;
		sub = openat(fd, "a", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = sub;
	}
	printf("deepdir: %s\n", result(fd));
	if (fd >= 0)
		close(fd);
	return fd < 0;
}

/* Open for writing without writing: a read-only or masked path fails at
 * open, which is all the test needs to know. */
static int cmd_openw(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		int fd = open(argv[i], O_WRONLY | O_CLOEXEC);

		printf("openw %s: %s\n", argv[i], result(fd));
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

/* mknod PATH b|c MAJOR MINOR: make a device node and open it read-only
 * (no read, no ioctl): the device cgroup decides the open. */
static int cmd_mknod(const char *path, const char *type, const char *maj, const char *min)
{
	mode_t m = (type[0] == 'b' ? S_IFBLK : S_IFCHR) | 0600;
	int r = mknod(path, m, makedev(atoi(maj), atoi(min))), fd;

	printf("mknod %s: %s\n", path, result(r));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	printf("open %s: %s\n", path, result(fd));
	if (fd >= 0)
		close(fd);
	return 0;
}

/* opendev PATH...: open existing device nodes read-only. */
static int cmd_opendev(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);

		printf("open %s: %s\n", argv[i], result(fd));
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && !strcmp(argv[1], "fdscan"))
		return cmd_fdscan(argv[2], atof(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "status"))
		return cmd_status(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "fdwrite"))
		return cmd_fdwrite(argv[2], argv[3]);
	if (argc >= 2 && !strcmp(argv[1], "tty"))
		return cmd_tty();
	if (argc >= 3 && !strcmp(argv[1], "ptrace"))
		return cmd_ptrace(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "syscalls"))
		return cmd_syscalls();
	if (argc >= 2 && !strcmp(argv[1], "syscalls2"))
		return cmd_syscalls2();
	if (argc >= 8 && !strcmp(argv[1], "swapnode"))
		return cmd_swapnode(argv[2], atoi(argv[3]), argv[4], argv[5], argv[6], atof(argv[7]));
	if (argc >= 4 && !strcmp(argv[1], "deepdir"))
		return cmd_deepdir(argv[2], atoi(argv[3]));
	if (argc >= 2 && !strcmp(argv[1], "openw"))
		return cmd_openw(argc - 2, argv + 2);
	if (argc >= 6 && !strcmp(argv[1], "mknod"))
		return cmd_mknod(argv[2], argv[3], argv[4], argv[5]);
	if (argc >= 2 && !strcmp(argv[1], "opendev"))
		return cmd_opendev(argc - 2, argv + 2);
	fprintf(
	    stderr,
	    "usage: probe "
	    "fdscan|status|fdwrite|tty|ptrace|syscalls|syscalls2|swapnode|deepdir|openw|mknod|opendev ...\n");
	return 2;
}
