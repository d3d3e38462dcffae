/* The rootless id mapping: subordinate ranges, writing maps, and running a
 * function as root of a mapped user namespace (see userns.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "util/cleanup.h"
#include "util/userns.h"

extern char **environ;

#define NEWUIDMAP "/usr/bin/newuidmap"
#define NEWGIDMAP "/usr/bin/newgidmap"

int engine__subids(const char *file, const char *name, unsigned long id, uint32_t *start, uint32_t *count)
{
	cleanup_fclose FILE *f = fopen(file, "re");
	char line[512], idstr[24];

	*start = *count = 0;
	if (!f)
		return errno == ENOENT ? 0 : engine__error_errno(errno, "open %s", file);
	snprintf(idstr, sizeof(idstr), "%lu", id);
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *who = strtok_r(line, ":\n", &save), *s = strtok_r(NULL, ":\n", &save),
		     *n = strtok_r(NULL, ":\n", &save), *end;
		unsigned long long vs, vn;

		if (!who || !s || !n || (strcmp(who, idstr) != 0 && (!name || strcmp(who, name) != 0)))
			continue;
		errno = 0;
		vs = strtoull(s, &end, 10);
		if (errno || *end || end == s)
			continue;
		vn = strtoull(n, &end, 10);
		if (errno || *end || end == n || vn == 0 || vs + vn > UINT32_MAX)
			continue;
		/* The first usable range, as podman takes it. */
		*start = (uint32_t)vs;
		*count = (uint32_t)vn;
		return 0;
	}
	return 0;
}

int engine__idmap_self(engine__idmap *m)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	const char *name = NULL;

	memset(m, 0, sizeof(*m));
	m->uid = geteuid();
	m->gid = getegid();
	if (getpwuid_r(m->uid, &pw, buf, sizeof(buf), &found) == 0 && found)
		name = found->pw_name;
	if (engine__subids("/etc/subuid", name, m->uid, &m->subuid_start, &m->subuid_count) < 0 ||
	    engine__subids("/etc/subgid", name, m->uid, &m->subgid_start, &m->subgid_count) < 0)
		return engine__error_wrap("subordinate ids");
	/* Both or neither: files that map but groups that do not would be
	 * stranger than a single id. */
	if (!m->subuid_count || !m->subgid_count || access(NEWUIDMAP, X_OK) < 0 ||
	    access(NEWGIDMAP, X_OK) < 0)
		m->subuid_count = m->subgid_count = 0;
	return 0;
}

uint32_t engine__idmap_to_container(const engine__idmap *m, uint32_t host, bool gid)
{
	uint32_t self = gid ? m->gid : m->uid, start = gid ? m->subgid_start : m->subuid_start,
		 count = gid ? m->subgid_count : m->subuid_count;

	if (host == self)
		return 0;
	if (count && host >= start && host - start < count)
		return host - start + 1;
	return 65534;
}

/* Run a new[ug]idmap for @pid; it says on stderr what it disliked. */
static int run_idmap(const char *prog, pid_t pid, unsigned long self, uint32_t start, uint32_t count)
{
	char spid[16], sself[24], sstart[16], scount[16];
	char *argv[] = {(char *)prog, spid, "0", sself, "1", "1", sstart, scount, NULL};
	pid_t child;
	int status, r;

	snprintf(spid, sizeof(spid), "%d", (int)pid);
	snprintf(sself, sizeof(sself), "%lu", self);
	snprintf(sstart, sizeof(sstart), "%u", start);
	snprintf(scount, sizeof(scount), "%u", count);
	r = posix_spawn(&child, prog, NULL, NULL, argv, environ);
	if (r != 0)
		return engine__error_errno(r, "run %s", prog);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return engine__error_errno(errno, "wait for %s", prog);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return engine__error_set(ENGINE_EPERM, 0,
					 "%s %s 0 %s 1 1 %s %s failed (status %d): are the ranges in "
					 "/etc/subuid and /etc/subgid the caller's?",
					 prog, spid, sself, sstart, scount, status);
	return 0;
}

static int write_proc(pid_t pid, const char *file, const char *data)
{
	char path[64];
	size_t len = strlen(data);
	cleanup_close int fd = -EBADF;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return engine__error_errno(errno, "open %s", path);
	if (write(fd, data, len) != (ssize_t)len)
		return engine__error_errno(errno, "write %s", path);
	return 0;
}

int engine__idmap_write(const engine__idmap *m, pid_t pid)
{
	char line[64];

	if (m->subuid_count)
		return run_idmap(NEWUIDMAP, pid, m->uid, m->subuid_start, m->subuid_count) < 0 ||
			       run_idmap(NEWGIDMAP, pid, m->gid, m->subgid_start, m->subgid_count) < 0
			   ? engine_error_last()->code
			   : 0;
	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)m->uid);
	if (write_proc(pid, "uid_map", line) < 0 || write_proc(pid, "setgroups", "deny") < 0)
		return engine_error_last()->code;
	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)m->gid);
	return write_proc(pid, "gid_map", line);
}

/* What the child sends back: its result and message. */
struct run_report {
	int code;
	int sys_errno;
	char message[900];
};

int engine__idmap_run(const engine__idmap *m, int (*fn)(void *arg), void *arg, const char *what)
{
	struct run_report rep;
	int sv[2], status;
	char c;
	pid_t pid;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return engine__error_errno(errno, "%s: socketpair", what);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(sv[0]), close(sv[1]);
		return engine__error_errno(e, "%s: fork", what);
	}
	if (pid == 0) {
		int r;

		close(sv[0]);
		memset(&rep, 0, sizeof(rep));
		/* Dumpable, so that our /proc files (the maps) are ours. */
		if (unshare(CLONE_NEWUSER) < 0 || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0 ||
		    write(sv[1], "u", 1) != 1 || read(sv[1], &c, 1) != 1 || setresgid(0, 0, 0) < 0 ||
		    setresuid(0, 0, 0) < 0) {
			r = engine__error_errno(errno, "enter a mapped user namespace");
		} else {
			r = fn(arg);
		}
		if (r < 0) {
			rep.code = engine_error_last()->code;
			rep.sys_errno = engine_error_last()->sys_errno;
			snprintf(rep.message, sizeof(rep.message), "%s", engine_error_last()->message);
		}
		n = write(sv[1], &rep, sizeof(rep));
		_exit(n == (ssize_t)sizeof(rep) && r == 0 ? 0 : 1);
	}
	close(sv[1]);
	memset(&rep, 0, sizeof(rep));
	if (read(sv[0], &c, 1) != 1)
		rep.code = engine__error_set(ENGINE_ERROR, 0, "%s: the helper died before its maps", what);
	else if (engine__idmap_write(m, pid) < 0)
		rep.code = engine__error_wrap("%s: map the helper's user namespace", what);
	else if (write(sv[0], "g", 1) != 1)
		rep.code = engine__error_errno(errno, "%s: release the helper", what);
	else if ((n = read(sv[0], &rep, sizeof(rep))) != (ssize_t)sizeof(rep))
		rep.code = engine__error_set(ENGINE_ERROR, 0, "%s: the helper died", what);
	else if (rep.code < 0)
		rep.code = engine__error_set(rep.code, rep.sys_errno, "%s: %s", what, rep.message);
	close(sv[0]);
	if (rep.code < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return rep.code;
}
