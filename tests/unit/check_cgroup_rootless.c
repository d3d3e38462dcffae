/* Rootless cgroups (cgroup_rootless.c), as uid 65534 in a child: the
 * delegated subtree found from the caller's cgroup in a fake cgroup2 tree
 * (directories and files owned by that user, as systemd's delegation
 * leaves them), limits written there through the v2 driver; without a
 * delegation, no cgroup and a limit refused naming why. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cgroup/cgroup_internal.h"
#include "check_cgroup.h"
#include "core/error.h"
#include "util/cleanup.h"

#define NOBODY 65534

/* A cgroup dir in the fake tree at @root/@rel offering @controllers,
 * delegated to NOBODY (dir and control files) when @delegated. */
static void fake_cgroup(const char *root, const char *rel, const char *controllers, bool delegated)
{
	char dir[1024], cmd[1200];
	static const char *const files[] = {"cgroup.subtree_control", "cgroup.procs", "cgroup.controllers"};

	snprintf(dir, sizeof(dir), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	th_write(dir, "cgroup.controllers", controllers);
	th_write(dir, "cgroup.subtree_control", "");
	th_write(dir, "cgroup.procs", "");
	if (!delegated)
		return;
	ck_assert_int_eq(chown(dir, NOBODY, NOBODY), 0);
	for (size_t i = 0; i < 3; i++) {
		cleanup_free char *p = engine__path_join(dir, files[i]);

		ck_assert_int_eq(chown(p, NOBODY, NOBODY), 0);
	}
}

static void find_child(int report, void *arg)
{
	const char *root = arg;
	char *base = NULL, *why = NULL, want[1100];

	/* Delegated: the caller's cgroup's parent. */
	TH_CHILD_CHECK(report, engine__cgroup_rootless_find(root, "/user/app/self", &base, &why) == 0,
		       "find");
	snprintf(want, sizeof(want), "%s/user/app", root);
	TH_CHILD_CHECK(report, base && !why && strcmp(base, want) == 0, "delegated: base %s why %s", base,
		       why);
	free(base);
	/* Root's: not delegated. */
	TH_CHILD_CHECK(report, engine__cgroup_rootless_find(root, "/system/self", &base, &why) == 0, "find");
	TH_CHILD_CHECK(report, !base && why && strstr(why, "/system is not delegated to uid 65534"),
		       "root's: %s", why);
	free(why);
	/* Hybrid's unified mount: ours, but no controllers in it. */
	TH_CHILD_CHECK(report, engine__cgroup_rootless_find(root, "/hybrid/self", &base, &why) == 0, "find");
	TH_CHILD_CHECK(report, !base && why && strstr(why, "/hybrid is delegated but offers no controllers"),
		       "hybrid: %s", why);
	free(why);
	/* Legacy: no v2 at all; and a caller in no v2 cgroup. */
	TH_CHILD_CHECK(report, engine__cgroup_rootless_find(NULL, "/user/app/self", &base, &why) == 0,
		       "find");
	TH_CHILD_CHECK(report, !base && why && strstr(why, "no cgroup v2 hierarchy"), "legacy: %s", why);
	free(why);
	TH_CHILD_CHECK(report, engine__cgroup_rootless_find(root, NULL, &base, &why) == 0, "find");
	TH_CHILD_CHECK(report, !base && why && strstr(why, "in no cgroup of"), "no cgroup: %s", why);
	free(why);
}

START_TEST(test_cgroup__rootless_find_delegation)
{
	char *root = th_mkdtemp("cg-rootless");

	if (geteuid() != 0) {
		th_cleanup_dir(root);
		TH_SKIP("becoming another user needs root");
	}
	ck_assert_int_eq(chmod(root, 0755), 0);
	fake_cgroup(root, "", "cpu memory pids", false);
	fake_cgroup(root, "/user/app", "memory pids", true);
	fake_cgroup(root, "/system", "memory pids", false);
	fake_cgroup(root, "/hybrid", "", true);
	th_as_user(NOBODY, find_child, root);
	th_cleanup_dir(root);
}
END_TEST

/* The caller's cgroup in the v2 hierarchy, from /proc/self/cgroup. */
static char *self_cgroup(void)
{
	cleanup_fclose FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			return strdup(line + 3);
		}
	return NULL;
}

struct limits_arg {
	const char *store, *cg_root, *base;
};

static void limits_child(int report, void *p)
{
	struct limits_arg *a = p;
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine__cgroup_limits l = {.memory = 64 << 20, .pids = 10};
	engine_context *ctx = NULL;
	engine__cgroup *cg = NULL;
	char dir[1200], buf[64];
	ssize_t n;
	int fd;

	o.root = a->store;
	TH_CHILD_CHECK(report, engine_context_new(&ctx, &o) == 0, "context: %s",
		       engine_error_last()->message);
	TH_CHILD_CHECK(report, engine__cgroup_context_set_root(ctx, a->cg_root) == 0, "set root");
	TH_CHILD_CHECK(report, engine__cgroup_create(ctx, "c1", &l, &cg) == 0, "create: %s",
		       engine_error_last()->message);
	snprintf(dir, sizeof(dir), "%s/engine/c1", a->base);
	TH_CHILD_CHECK(report, strcmp(engine__cgroup_path(cg, NULL), dir) == 0, "path %s, want %s",
		       engine__cgroup_path(cg, NULL), dir);
	snprintf(dir, sizeof(dir), "%s/engine/c1/memory.max", a->base);
	fd = open(dir, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	buf[n > 0 ? n : 0] = '\0';
	TH_CHILD_CHECK(report, strncmp(buf, "67108864", 8) == 0, "%s: [%s]", dir, buf);
	close(fd);
	/* The controllers were enabled for the parent's children, in the
	 * delegated subtree only. */
	snprintf(dir, sizeof(dir), "%s/engine/cgroup.subtree_control", a->base);
	fd = open(dir, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	buf[n > 0 ? n : 0] = '\0';
	TH_CHILD_CHECK(report, strstr(buf, "memory") && strstr(buf, "pids"), "%s: [%s]", dir, buf);
	close(fd);
	engine__cgroup_destroy(cg);
	snprintf(dir, sizeof(dir), "%s/engine/c1", a->base);
	TH_CHILD_CHECK(report, access(dir, F_OK) < 0, "%s left behind", dir);
	engine_context_free(ctx);
}

START_TEST(test_cgroup__rootless_delegated_limits)
{
	char *tmp = th_mkdtemp("cg-rootless");
	cleanup_free char *self = self_cgroup(), *parent = NULL, *store = NULL, *cg_root = NULL;
	char base[2048];

	if (geteuid() != 0 || !self) {
		th_cleanup_dir(tmp);
		TH_SKIP(!self ? "this process is in no cgroup v2" : "becoming another user needs root");
	}
	ck_assert_int_eq(chmod(tmp, 0755), 0);
	store = engine__path_join(tmp, "store");
	cg_root = engine__path_join(tmp, "cg");
	ck_assert_int_eq(mkdir(store, 0700), 0);
	ck_assert_int_eq(chown(store, NOBODY, NOBODY), 0);
	/* The tree mirrors where this process is: its parent is delegated. */
	parent = strdup(self);
	*(strrchr(parent, '/') == parent ? parent + 1 : strrchr(parent, '/')) = '\0';
	fake_cgroup(cg_root, "", "cpu memory pids", strcmp(parent, "/") == 0);
	if (strcmp(parent, "/") != 0)
		fake_cgroup(cg_root, parent, "memory pids", true);
	snprintf(base, sizeof(base), "%s%s", cg_root, strcmp(parent, "/") == 0 ? "" : parent);
	th_as_user(NOBODY, limits_child, &(struct limits_arg){store, cg_root, base});
	th_cleanup_dir(tmp);
}
END_TEST

static void none_child(int report, void *store)
{
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine__cgroup_limits l = {.pids = 10};
	engine__cgroup_stats st;
	engine_context *ctx = NULL;
	engine__cgroup *cg = NULL;
	int r;

	o.root = store;
	TH_CHILD_CHECK(report, engine_context_new(&ctx, &o) == 0, "context: %s",
		       engine_error_last()->message);
	r = engine__cgroup_create(ctx, "c1", &l, &cg);
	TH_CHILD_CHECK(report,
		       r == ENGINE_ENOTSUP && strstr(engine_error_last()->message,
						     "pids limit: running rootless without a cgroup: "),
		       "limit: %d %s", r, engine_error_last()->message);
	/* Without limits: a handle, no cgroup; what needs one says why. */
	TH_CHILD_CHECK(report, engine__cgroup_create(ctx, "c1", NULL, &cg) == 0, "create: %s",
		       engine_error_last()->message);
	TH_CHILD_CHECK(report, engine__cgroup_fd(cg) < 0 && engine__cgroup_attach(cg, getpid()) == 0,
		       "attach");
	TH_CHILD_CHECK(report, !engine__cgroup_populated(cg) && !engine__cgroup_oom_killed(cg), "populated");
	r = engine__cgroup_stats_read(cg, &st);
	TH_CHILD_CHECK(report,
		       r == ENGINE_ENOTSUP && strstr(engine_error_last()->message, "stats: running rootless"),
		       "stats: %s", engine_error_last()->message);
	r = engine__cgroup_freeze(cg, true);
	TH_CHILD_CHECK(report,
		       r == ENGINE_ENOTSUP && strstr(engine_error_last()->message, "pause: running rootless"),
		       "pause: %s", engine_error_last()->message);
	TH_CHILD_CHECK(report, engine__cgroup_destroy(cg) == 0, "destroy");
	TH_CHILD_CHECK(report, engine__cgroup_parent_remove(ctx) == 0, "parent remove");
	engine_context_free(ctx);
}

/* This host as nobody: whatever its layout, nobody has no delegation. */
START_TEST(test_cgroup__rootless_without_delegation)
{
	char *tmp = th_mkdtemp("cg-rootless");

	if (geteuid() != 0) {
		th_cleanup_dir(tmp);
		TH_SKIP("becoming another user needs root");
	}
	ck_assert_int_eq(chown(tmp, NOBODY, NOBODY), 0);
	th_as_user(NOBODY, none_child, tmp);
	th_cleanup_dir(tmp);
}
END_TEST

void th_cg_add_rootless_tests(Suite *s)
{
	TCase *tc = tcase_create("rootless");

	tcase_add_test(tc, test_cgroup__rootless_find_delegation);
	tcase_add_test(tc, test_cgroup__rootless_delegated_limits);
	tcase_add_test(tc, test_cgroup__rootless_without_delegation);
	suite_add_tcase(s, tc);
}
