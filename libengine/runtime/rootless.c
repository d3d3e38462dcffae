/*
 * Rootless containers: a context whose opener is not root gives every
 * container a user namespace created with its other namespaces (clone), so
 * the mounts are made inside it, by its root. The caller's uid and gid map
 * to 0 and its subordinate ranges (/etc/subuid, /etc/subgid) to 1..N,
 * written by the setuid newuidmap/newgidmap of Debian's uidmap; without a
 * range (or those programs) only the caller maps, to 0, written directly:
 * then every other uid and gid of the image shows as nobody, and a user
 * switch (-u) to anything but 0 is refused before the start.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/str.h"

extern char **environ;

#define NEWUIDMAP "/usr/bin/newuidmap"
#define NEWGIDMAP "/usr/bin/newgidmap"

int engine__rootless_subids(const char *file, const char *name, unsigned long id, uint32_t *start,
			    uint32_t *count)
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
		/* The first usable range, as newuidmap's users (podman) take it. */
		*start = (uint32_t)vs;
		*count = (uint32_t)vn > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)vn;
		return 0;
	}
	return 0;
}

int engine__rootless_plan(engine_context *ctx, engine__plan *p)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	const char *name = NULL;
	int r;

	if (!engine__context_rootless(ctx))
		return 0;
	p->rootless = true;
	p->clone_flags |= CLONE_NEWUSER;
	p->rootless_uid = geteuid();
	p->rootless_gid = getegid();
	if (getpwuid_r(p->rootless_uid, &pw, buf, sizeof(buf), &found) == 0 && found)
		name = found->pw_name;
	if ((r = engine__rootless_subids("/etc/subuid", name, p->rootless_uid, &p->subuid_start,
					 &p->subuid_count)) < 0 ||
	    (r = engine__rootless_subids("/etc/subgid", name, p->rootless_uid, &p->subgid_start,
					 &p->subgid_count)) < 0)
		return engine__error_wrap("rootless");
	if (access(NEWUIDMAP, X_OK) < 0 || access(NEWGIDMAP, X_OK) < 0)
		p->subuid_count = p->subgid_count = 0;
	/* Both or neither: a container whose files map but whose groups do not
	 * would be stranger than one with a single id. */
	if (!p->subuid_count || !p->subgid_count)
		p->subuid_count = p->subgid_count = 0;
	if (p->has_user && (p->uid > p->subuid_count || p->gid > p->subgid_count))
		return engine__error_set(
		    ENGINE_ENOTSUP, 0,
		    "user %u:%u: running rootless, the user namespace maps only ids 0..%u "
		    "(%s for uid %u)",
		    (unsigned)p->uid, (unsigned)p->gid, (unsigned)p->subuid_count,
		    p->subuid_count
			? "the ranges in /etc/subuid and /etc/subgid"
			: "no range in /etc/subuid and /etc/subgid, or no newuidmap (package uidmap)",
		    (unsigned)p->rootless_uid);
	/* devpts's gid=5 (tty) exists only when the ranges map it. */
	p->devpts_data = p->subgid_count >= 5 ? NULL : "newinstance,ptmxmode=0666,mode=0620";
	return 0;
}

/* Run a new[ug]idmap for @pid with @args; its stderr says what it disliked. */
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

int engine__rootless_write_maps(const engine__plan *p, pid_t pid)
{
	char line[64];

	if (p->subuid_count)
		return run_idmap(NEWUIDMAP, pid, p->rootless_uid, p->subuid_start, p->subuid_count) < 0 ||
			       run_idmap(NEWGIDMAP, pid, p->rootless_gid, p->subgid_start, p->subgid_count) <
				   0
			   ? engine_error_last()->code
			   : 0;
	/* An unprivileged writer may map only itself, and a gid map only
	 * once setgroups is denied for good. */
	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)p->rootless_uid);
	if (write_proc(pid, "uid_map", line) < 0)
		return engine_error_last()->code;
	if (write_proc(pid, "setgroups", "deny") < 0)
		return engine_error_last()->code;
	snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)p->rootless_gid);
	return write_proc(pid, "gid_map", line);
}
