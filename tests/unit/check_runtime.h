/* Fixtures shared by the runtime suites: a busybox rootfs directory built
 * from the host's static busybox, and a one-call run helper. */
#ifndef ENGINE_TESTS_CHECK_RUNTIME_H
#define ENGINE_TESTS_CHECK_RUNTIME_H

/* config.h (through check_helpers.h) first: it defines _GNU_SOURCE. */
#include "check_helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "cgroup/cgroup.h"

#define TR_BUSYBOX "/bin/busybox"

static inline void tr_write(const char *dir, const char *rel, const char *content, mode_t mode)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "fopen %s", path);
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
}

/* <root>/rootfs: bin/busybox and its applets as symlinks, etc/passwd, etc/group. */
static inline char *tr_rootfs(const char *root)
{
	char *rootfs, cmd[4096], line[256];
	FILE *list;

	if (asprintf(&rootfs, "%s/rootfs", root) < 0)
		abort();
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/bin %s/etc %s/tmp %s/root %s/home/app && cp %s %s/bin/busybox", rootfs, rootfs,
		 rootfs, rootfs, rootfs, TR_BUSYBOX, rootfs);
	ck_assert_int_eq(system(cmd), 0);
	chmod(rootfs, 0755);
	snprintf(cmd, sizeof(cmd), "%s/tmp", rootfs);
	chmod(cmd, 01777);
	list = popen(TR_BUSYBOX " --list", "r");
	ck_assert(list != NULL);
	while (fgets(line, sizeof(line), list)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line || strcmp(line, "busybox") == 0)
			continue;
		snprintf(cmd, sizeof(cmd), "%s/bin/%s", rootfs, line);
		if (symlink("busybox", cmd) < 0 && errno != EEXIST)
			ck_abort_msg("symlink %s", cmd);
	}
	pclose(list);
	tr_write(rootfs, "etc/passwd",
		 "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n"
		 "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		 0644);
	tr_write(rootfs, "etc/group", "root:x:0:\nstaff:x:50:app\napp:x:1000:\nnogroup:x:65534:\n", 0644);
	return rootfs;
}

/* A spec on @rootfs running @argv (NULL-terminated). */
static inline engine_spec *tr_spec(const char *rootfs, const char *const *argv)
{
	engine_spec *s = NULL;
	engine_strarray a = {(char **)argv, 0};

	while (argv[a.count])
		a.count++;
	ck_assert_engine_ok(engine_spec_new(&s));
	ck_assert_engine_ok(engine_spec_set_rootfs(s, rootfs));
	ck_assert_engine_ok(engine_spec_set_argv(s, &a));
	return s;
}

/* Run and assert success; the caller frees the result. */
static inline engine_run_result *tr_run_ok(engine_context *ctx, engine_spec *s)
{
	engine_run_result *res = NULL;

	ck_assert_engine_ok(engine_run(ctx, s, &res));
	ck_assert(res != NULL);
	return res;
}

/* Run "sh -c SCRIPT" on @rootfs and return stdout (caller frees); asserts exit 0. */
static inline char *tr_sh(engine_context *ctx, engine_spec *s)
{
	engine_run_result *res = tr_run_ok(ctx, s);
	char *out;

	ck_assert_msg(res->exit_code == 0, "exit %d, stderr: %s", res->exit_code, res->stderr_data);
	out = strdup(res->stdout_data);
	engine_run_result_free(res);
	return out;
}

/* Whether any line of /proc/self/mountinfo contains @needle. */
static inline int tr_mounted(const char *needle)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			found = 1;
	fclose(f);
	return found;
}

/* A context whose cgroups live under a parent of the test's own (see
 * th_context_cgroups); tr_context_free removes that parent. */
static inline engine_context *tr_context(const char *root, char *parent)
{
	return th_context_cgroups(root, parent);
}

static inline void tr_context_free(engine_context *ctx)
{
	th_context_free_cgroups(ctx);
}

/* The fixture every runtime suite shares: per test, a temp root holding a
 * busybox rootfs and a context on a cgroup parent of its own; afterwards,
 * nothing may stay mounted under the root. A suite defines TR_FIXTURE (its
 * temp-dir tag) before including this header to get it. */
#ifdef TR_FIXTURE
static char *root, *rootfs;
static char cg_parent[256];
static engine_context *ctx;

static void setup(void)
{
	root = th_mkdtemp(TR_FIXTURE);
	rootfs = tr_rootfs(root);
	ctx = tr_context(root, cg_parent);
}

static void teardown(void)
{
	tr_context_free(ctx);
	ctx = NULL;
	ck_assert_msg(!tr_mounted(root), "a mount under %s was left behind", root);
	free(rootfs);
	th_cleanup_dir(root);
	root = NULL;
}

#define SH(script) ((const char *const[]){"sh", "-c", (script), NULL})
#endif

#endif
