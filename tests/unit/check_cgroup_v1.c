/*
 * The v1 driver for real (legacy or hybrid hosts; skipped on pure v2): the
 * files its limits write, attaching a forked child, OOM, the pids limit,
 * the freezer, stats, kill and removal.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "check_cgroup.h"
#include "util/cleanup.h"
#include "util/str.h"

static bool v1_host(void)
{
	engine__cgroup_mode m;

	return th_cg_expected_mode(&m) == 0 && m != ENGINE__CGROUP_UNIFIED;
}

/* A context with the suite's parent and a cgroup @name in it; false (the
 * test skips) on a host without v1 controllers. */
static bool v1_setup(th_cg_env *env, const char *name, const engine__cgroup_limits *l, engine__cgroup **cg)
{
	if (!v1_host())
		return false;
	th_cg_env_open(env, NULL);
	ck_assert_engine_ok(engine__cgroup_create(env->ctx, name, l, cg));
	return true;
}

static bool exists(const char *dir)
{
	return dir && access(dir, F_OK) == 0;
}

/* SIGKILL through the cgroup: the child dies of it, the cgroup empties. */
static void kill_and_reap(engine__cgroup *cg, th_child *c)
{
	int status;

	ck_assert_engine_ok(engine__cgroup_kill(cg, SIGKILL));
	status = th_child_wait(c);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert(!engine__cgroup_populated(cg));
}

START_TEST(test_cgroup__v1_limits_files)
{
	engine__cgroup_limits l = {.memory = 64 << 20,
				   .cpu_shares = 512,
				   .cpu_quota = 50000,
				   .cpu_period = 100000,
				   .pids = 32,
				   .cpuset_cpus = "0",
				   .cpuset_mems = "0"};
	static const char *ctrls[] = {"memory", "cpu",	   "cpuacct", "cpuset",
				      "pids",	"freezer", "devices", NULL};
	engine__cgroup *cg = NULL, *again = NULL;
	char *paths[8] = {0};
	cleanup_free char *devices = NULL;
	th_cg_env env;

	if (!v1_setup(&env, "limits", &l, &cg))
		TH_SKIP("no cgroup v1 controllers on this host");
	th_assert_file(engine__cgroup_path(cg, "memory"), "memory.limit_in_bytes", "67108864");
	if (exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"))
		th_assert_file(engine__cgroup_path(cg, "memory"), "memory.memsw.limit_in_bytes", "67108864");
	th_assert_file(engine__cgroup_path(cg, "cpu"), "cpu.shares", "512");
	th_assert_file(engine__cgroup_path(cg, "cpu"), "cpu.cfs_quota_us", "50000");
	th_assert_file(engine__cgroup_path(cg, "cpu"), "cpu.cfs_period_us", "100000");
	th_assert_file(engine__cgroup_path(cg, "cpuset"), "cpuset.cpus", "0");
	th_assert_file(engine__cgroup_path(cg, "cpuset"), "cpuset.mems", "0");
	th_assert_file(engine__cgroup_path(cg, "pids"), "pids.max", "32");
	/* Docker's device policy: no blanket rule, the null device allowed. */
	devices = th_read(engine__cgroup_path(cg, "devices"), "devices.list");
	ck_assert_ptr_nonnull(devices);
	ck_assert_ptr_nonnull(strstr(devices, "c 1:3 rwm"));
	ck_assert_ptr_null(strstr(devices, "a *:* rwm"));
	ck_assert_ptr_nonnull(strstr(engine__cgroup_path(cg, "memory"), th_cg_parent));
	if (exists("/sys/fs/cgroup/unified/cgroup.procs")) {
		/* Hybrid: a controller-less v2 cgroup as well. */
		ck_assert(exists(engine__cgroup_path(cg, NULL)));
		ck_assert_ptr_nonnull(strstr(engine__cgroup_path(cg, NULL), "/sys/fs/cgroup/unified/"));
		ck_assert_int_eq(engine__cgroup_fd(cg), -1);
	}
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "limits", &l, &again), ENGINE_EEXISTS,
			       "already exists");
	/* Another handle (as another process would open it) sees the same. */
	ck_assert_engine_ok(engine__cgroup_open(env.ctx, "limits", &again));
	for (int i = 0; ctrls[i]; i++) {
		ck_assert_pstr_eq(engine__cgroup_path(again, ctrls[i]), engine__cgroup_path(cg, ctrls[i]));
		paths[i] = engine__path_join(engine__cgroup_path(cg, ctrls[i]), "");
	}
	engine__cgroup_free(again);
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	for (int i = 0; ctrls[i]; i++) {
		ck_assert_msg(!exists(paths[i]), "%s left behind", paths[i]);
		free(paths[i]);
	}
	th_cg_env_close(&env);
}
END_TEST

static int cpuset_child(int report, void *arg)
{
	(void)arg;
	return write(report, "x", 1) == 1 ? 0 : 1;
}

START_TEST(test_cgroup__v1_cpuset_inherits_cpus)
{
	/* Only mems set: cpus must come from the parent, or no task could join. */
	engine__cgroup_limits l = {.cpuset_mems = "0"};
	cleanup_free char *root_cpus = th_read("/sys/fs/cgroup/cpuset", "cpuset.cpus");
	engine__cgroup *cg = NULL;
	th_cg_env env;
	th_child c;
	char b;

	if (!exists("/sys/fs/cgroup/cpuset/cpuset.cpus"))
		TH_SKIP("no v1 cpuset controller");
	if (!v1_setup(&env, "cpuset", &l, &cg))
		TH_SKIP("%s", "no cgroup v1 controllers on this host");
	th_assert_file(engine__cgroup_path(cg, "cpuset"), "cpuset.cpus", root_cpus);
	th_child_start(&c, cg, cpuset_child, NULL);
	th_child_read(&c, &b, 1);
	ck_assert_int_eq(th_child_wait(&c), 0);
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	th_cg_env_close(&env);
}
END_TEST

static int touch_and_spin(int report, void *arg)
{
	size_t len = 8 << 20;
	volatile char *mem = malloc(len);

	(void)arg;
	if (!mem)
		return 1;
	/* volatile: a memset of memory never read again may be dropped. */
	for (size_t i = 0; i < len; i += 4096)
		mem[i] = 1;
	if (write(report, "t", 1) != 1)
		return 1;
	th_spin();
	return 0;
}

START_TEST(test_cgroup__v1_attach_stats_kill)
{
	engine__cgroup_limits l = {.memory = 256 << 20, .pids = 16};
	engine__cgroup_stats st;
	engine__cgroup *cg = NULL;
	cleanup_free char *proc = NULL, *self = NULL, *want = NULL;
	th_cg_env env;
	th_child c;
	char b;

	if (!v1_setup(&env, "stats", &l, &cg))
		TH_SKIP("no cgroup v1 controllers on this host");
	ck_assert(!engine__cgroup_populated(cg));
	th_child_start(&c, cg, touch_and_spin, NULL);
	th_child_read(&c, &b, 1);
	ck_assert_int_ge(asprintf(&proc, "/proc/%d", (int)c.pid), 0);
	self = th_read(proc, "cgroup");
	ck_assert_int_ge(asprintf(&want, ":memory:/%s/stats\n", th_cg_parent), 0);
	ck_assert_msg(strstr(self, want), "%s not in:\n%s", want, self);
	free(want);
	if (exists("/sys/fs/cgroup/unified/cgroup.procs")) {
		ck_assert_int_ge(asprintf(&want, "0::/%s/stats", th_cg_parent), 0);
		ck_assert_msg(strstr(self, want), "%s not in:\n%s", want, self);
	}
	ck_assert(engine__cgroup_populated(cg));
	ck_assert_engine_ok(engine__cgroup_stats_read(cg, &st));
	ck_assert_uint_ge(st.memory_usage, 8 << 20);
	ck_assert_uint_ge(st.memory_max_usage, st.memory_usage);
	ck_assert_uint_eq(st.memory_limit, 256 << 20);
	ck_assert_uint_ge(st.memory_anon, 4 << 20);
	ck_assert_uint_gt(st.cpu_usage_ns, 0);
	ck_assert_uint_eq(st.pids_current, 1);
	ck_assert_uint_eq(st.oom_kills, 0);
	ck_assert(!engine__cgroup_oom_killed(cg));
	kill_and_reap(cg, &c);
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	th_cg_env_close(&env);
}
END_TEST

START_TEST(test_cgroup__v1_kill_other_signal)
{
	engine__cgroup *cg = NULL, *other = NULL;
	th_cg_env env;
	th_child c;
	char b;
	int status;

	if (!v1_setup(&env, "term", NULL, &cg))
		TH_SKIP("no cgroup v1 controllers on this host");
	th_child_start(&c, cg, th_spin_child, NULL);
	th_child_read(&c, &b, 1);
	/* Through a second handle, as `engine kill` from another process. */
	ck_assert_engine_ok(engine__cgroup_open(env.ctx, "term", &other));
	ck_assert_engine_ok(engine__cgroup_kill(other, SIGTERM));
	status = th_child_wait(&c);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	ck_assert_engine_error(engine__cgroup_kill(other, 0), ENGINE_EINVALID, "signal 0");
	engine__cgroup_free(other);
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	th_cg_env_close(&env);
}
END_TEST

static int hog(int report, void *arg)
{
	(void)report;
	(void)arg;
	for (int i = 0; i < 512; i++) {
		volatile char *p = malloc(1 << 20);

		if (!p)
			return 2;
		for (size_t o = 0; o < (1 << 20); o += 4096)
			p[o] = (char)i;
	}
	return 0; /* not reached under the limit */
}

START_TEST(test_cgroup__v1_oom_kill)
{
	engine__cgroup_limits l = {.memory = 32 << 20};
	engine__cgroup_stats st;
	engine__cgroup *cg = NULL;
	th_cg_env env;
	th_child c;
	int status;

	if (!v1_setup(&env, "oom", &l, &cg))
		TH_SKIP("no cgroup v1 controllers on this host");
	th_child_start(&c, cg, hog, NULL);
	status = th_child_wait(&c);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x", status);
	ck_assert(engine__cgroup_oom_killed(cg));
	ck_assert_engine_ok(engine__cgroup_stats_read(cg, &st));
	ck_assert_uint_ge(st.oom_kills, 1);
	ck_assert_uint_ge(st.memory_max_usage, 16 << 20);
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	th_cg_env_close(&env);
}
END_TEST

static int fork_until_refused(int report, void *arg)
{
	int n = 0;

	(void)arg;
	for (int i = 0; i < 16; i++) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0)
			break;
		n++;
	}
	if (write(report, &n, sizeof(n)) != sizeof(n))
		return 1;
	pause();
	return 0;
}

START_TEST(test_cgroup__v1_pids_limit)
{
	engine__cgroup_limits l = {.pids = 4};
	engine__cgroup_stats st;
	engine__cgroup *cg = NULL;
	th_cg_env env;
	th_child c;
	int forks = -1, status;

	if (!v1_setup(&env, "pids", &l, &cg))
		TH_SKIP("no cgroup v1 controllers on this host");
	th_child_start(&c, cg, fork_until_refused, NULL);
	th_child_read(&c, &forks, sizeof(forks));
	ck_assert_int_eq(forks, 3); /* the child plus three make four */
	ck_assert_engine_ok(engine__cgroup_stats_read(cg, &st));
	ck_assert_uint_eq(st.pids_current, 4);
	/* Grandchildren included: destroy kills what is left. */
	ck_assert_engine_ok(engine__cgroup_kill(cg, SIGKILL));
	status = th_child_wait(&c);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	th_cg_env_close(&env);
}
END_TEST

START_TEST(test_cgroup__v1_freeze_thaw)
{
	volatile uint64_t *counter =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	engine__cgroup *cg = NULL;
	uint64_t a, b;
	th_cg_env env;
	th_child c;
	int status;

	ck_assert_ptr_ne((void *)counter, MAP_FAILED);
	if (!v1_setup(&env, "freeze", NULL, &cg))
		TH_SKIP("no cgroup v1 controllers on this host");
	th_child_start(&c, cg, th_count_forever, (void *)counter);
	ck_assert_uint_gt(th_wait_progress(counter, 0), 0);
	ck_assert_engine_ok(engine__cgroup_freeze(cg, true));
	th_assert_file(engine__cgroup_path(cg, "freezer"), "freezer.state", "FROZEN");
	a = *counter;
	usleep(50000);
	b = *counter;
	ck_assert_uint_eq(a, b);
	/* A signal other than SIGKILL leaves a paused container paused. */
	ck_assert_engine_ok(engine__cgroup_kill(cg, SIGCONT));
	th_assert_file(engine__cgroup_path(cg, "freezer"), "freezer.state", "FROZEN");
	ck_assert_engine_ok(engine__cgroup_freeze(cg, false));
	th_assert_file(engine__cgroup_path(cg, "freezer"), "freezer.state", "THAWED");
	ck_assert_uint_gt(th_wait_progress(counter, b), b);
	/* Destroying a paused container works: it is thawed to die. */
	ck_assert_engine_ok(engine__cgroup_freeze(cg, true));
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	status = th_child_wait(&c);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	munmap((void *)counter, 4096);
	th_cg_env_close(&env);
}
END_TEST

/* A fake legacy (or hybrid, with "unified") host: a temp root holding bind
 * mounts of some of the real hierarchies, in a private mount namespace so
 * that nothing outlives this test process. NULL when one is missing. */
static char *legacy_root(const char *const *ctrls)
{
	char *root;

	if (!v1_host())
		return NULL;
	for (int i = 0; ctrls[i]; i++) {
		cleanup_free char *real = engine__strdup_printf("/sys/fs/cgroup/%s/cgroup.procs", ctrls[i]);

		if (!exists(real))
			return NULL;
	}
	root = th_mkdtemp("cg-v1root");
	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	for (int i = 0; ctrls[i]; i++) {
		cleanup_free char *real = engine__strdup_printf("/sys/fs/cgroup/%s", ctrls[i]);
		cleanup_free char *dir = engine__path_join(root, ctrls[i]);

		ck_assert_int_eq(mkdir(dir, 0755), 0);
		ck_assert_int_eq(mount(real, dir, NULL, MS_BIND, NULL), 0);
	}
	return root;
}

static void legacy_root_free(char *root, const char *const *ctrls)
{
	for (int i = 0; ctrls[i]; i++) {
		cleanup_free char *dir = engine__path_join(root, ctrls[i]);

		ck_assert_int_eq(umount(dir), 0);
	}
	th_cleanup_dir(root);
}

START_TEST(test_cgroup__v1_missing_controller)
{
	static const char *const ctrls[] = {"memory", NULL};
	engine__cgroup_limits l = {.pids = 10};
	engine__cgroup *cg = NULL;
	engine__cgroup_mode m;
	th_cg_env env;
	char *root = legacy_root(ctrls);

	if (!root)
		TH_SKIP("a v1 controller this test mounts is missing");
	th_cg_env_open_root(&env, NULL, root);
	ck_assert_engine_ok(engine__cgroup_mode_get(env.ctx, &m));
	ck_assert_int_eq(m, ENGINE__CGROUP_LEGACY);
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "nopids", &l, &cg), ENGINE_ENOTSUP,
			       "pids limit: the pids controller is not mounted");
	l = (engine__cgroup_limits){.cpu_quota = 20000};
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "nocpu", &l, &cg), ENGINE_ENOTSUP, "cpu quota");
	l = (engine__cgroup_limits){.cpuset_cpus = "0"};
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "nocpuset", &l, &cg), ENGINE_ENOTSUP, "cpuset");
	/* What the host can do still works, and nothing else was made. */
	l = (engine__cgroup_limits){.memory = 64 << 20};
	ck_assert_engine_ok(engine__cgroup_create(env.ctx, "memonly", &l, &cg));
	ck_assert_pstr_eq(engine__cgroup_path(cg, "pids"), NULL);
	ck_assert_pstr_eq(engine__cgroup_path(cg, NULL), NULL);
	ck_assert_int_eq(engine__cgroup_fd(cg), -1);
	ck_assert_engine_error(engine__cgroup_freeze(cg, true), ENGINE_ENOTSUP, "no freezer");
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	ck_assert_engine_error(engine__cgroup_context_set_root(env.ctx, "/tmp"), ENGINE_EBUSY,
			       "already in use");
	th_cg_env_close(&env);
	legacy_root_free(root, ctrls);
}
END_TEST

/* Pure v1 has no cgroup.kill: SIGKILL goes freeze, kill each, thaw, and
 * again until empty; without a freezer, the loop alone. Either way the
 * forked grandchildren die too. */
static void legacy_kill_tree(const char *const *ctrls)
{
	engine__cgroup_limits l = {.pids = 4};
	engine__cgroup *cg = NULL;
	th_cg_env env;
	th_child c;
	int forks;
	char *root = legacy_root(ctrls);

	if (!root)
		TH_SKIP("a v1 controller this test mounts is missing");
	th_cg_env_open_root(&env, NULL, root);
	ck_assert_engine_ok(engine__cgroup_create(env.ctx, "tree", &l, &cg));
	th_child_start(&c, cg, fork_until_refused, NULL);
	th_child_read(&c, &forks, sizeof(forks));
	ck_assert_int_eq(forks, 3);
	ck_assert(engine__cgroup_populated(cg));
	kill_and_reap(cg, &c);
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	th_cg_env_close(&env);
	legacy_root_free(root, ctrls);
}

START_TEST(test_cgroup__v1_legacy_kill_with_freezer)
{
	static const char *const ctrls[] = {"memory", "pids", "freezer", NULL};

	legacy_kill_tree(ctrls);
}
END_TEST

START_TEST(test_cgroup__v1_legacy_kill_without_freezer)
{
	static const char *const ctrls[] = {"memory", "pids", NULL};

	legacy_kill_tree(ctrls);
}
END_TEST

START_TEST(test_cgroup__v1_hybrid_readonly_unified)
{
	/* Hybrid, but the unified mount is read-only to us: the v2 extras are
	 * skipped and v1 alone carries the container. */
	static const char *const ctrls[] = {"memory", "pids", "freezer", "unified", NULL};
	engine__cgroup_limits l = {.memory = 64 << 20, .pids = 8};
	cleanup_free char *unified = NULL;
	engine__cgroup *cg = NULL;
	engine__cgroup_mode m;
	th_cg_env env;
	th_child c;
	char b;
	char *root = legacy_root(ctrls);

	if (!root)
		TH_SKIP("a v1 controller this test mounts is missing");
	unified = engine__path_join(root, "unified");
	ck_assert_int_eq(mount(NULL, unified, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	th_cg_env_open_root(&env, NULL, root);
	ck_assert_engine_ok(engine__cgroup_mode_get(env.ctx, &m));
	ck_assert_int_eq(m, ENGINE__CGROUP_HYBRID);
	ck_assert_engine_ok(engine__cgroup_create(env.ctx, "rou", &l, &cg));
	ck_assert_pstr_eq(engine__cgroup_path(cg, NULL), NULL);
	th_child_start(&c, cg, th_spin_child, NULL);
	th_child_read(&c, &b, 1);
	ck_assert(engine__cgroup_populated(cg));
	kill_and_reap(cg, &c);
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	th_cg_env_close(&env);
	legacy_root_free(root, ctrls);
}
END_TEST

START_TEST(test_cgroup__v1_device_policy)
{
	engine__cgroup_limits open_all = {.devices_allow_all = true};
	engine__cgroup *cg = NULL;
	th_cg_env env;

	if (!exists("/sys/fs/cgroup/devices/devices.allow"))
		TH_SKIP("no v1 devices controller");
	if (!v1_setup(&env, "devices", NULL, &cg))
		TH_SKIP("%s", "no cgroup v1 controllers on this host");
	th_assert_device_policy(cg, true);
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	ck_assert_engine_ok(engine__cgroup_create(env.ctx, "privileged", &open_all, &cg));
	ck_assert_pstr_eq(engine__cgroup_path(cg, "devices"), NULL);
	th_assert_device_policy(cg, false);
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	th_cg_env_close(&env);
}
END_TEST

/* engine_run's cgroups: the hierarchies of its limits, its OOM report
 * and the device policy (on a hybrid host its v2 cgroup's BPF program);
 * none that only stats or pause would read. */
START_TEST(test_cgroup__v1_ephemeral_hierarchies)
{
	engine__cgroup_limits l = {.memory = 64 << 20, .ephemeral = true};
	engine__cgroup *cg = NULL;
	bool kill_v2 = exists("/sys/fs/cgroup/unified/cgroup.kill");
	th_cg_env env;

	if (!v1_setup(&env, "ephemeral", &l, &cg))
		TH_SKIP("no cgroup v1 controllers on this host");
	ck_assert_pstr_ne(engine__cgroup_path(cg, "memory"), NULL);
	th_assert_file(engine__cgroup_path(cg, "memory"), "memory.limit_in_bytes", "67108864");
	if (exists("/sys/fs/cgroup/devices/devices.allow"))
		th_assert_device_policy(cg, true);
	ck_assert_pstr_eq(engine__cgroup_path(cg, "blkio"), NULL);
	ck_assert_pstr_eq(engine__cgroup_path(cg, "pids"), NULL);
	ck_assert_pstr_eq(engine__cgroup_path(cg, "cpuacct"), NULL);
	/* hybrid with cgroup.kill: the v2 cgroup kills the tree, and holds
	 * the device program (checked above) */
	if (kill_v2) {
		ck_assert_pstr_eq(engine__cgroup_path(cg, "freezer"), NULL);
		ck_assert_pstr_eq(engine__cgroup_path(cg, "devices"), NULL);
	}
	ck_assert_engine_ok(engine__cgroup_destroy(cg));

	/* A pids limit brings the pids hierarchy back. */
	l.pids = 16;
	ck_assert_engine_ok(engine__cgroup_create(env.ctx, "ephemeral", &l, &cg));
	th_assert_file(engine__cgroup_path(cg, "pids"), "pids.max", "16");
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	th_cg_env_close(&env);
}
END_TEST

void th_cg_add_v1_tests(Suite *s)
{
	TCase *tc = tcase_create("v1");

	th_cg_add_fixture(tc);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cgroup__v1_limits_files);
	tcase_add_test(tc, test_cgroup__v1_cpuset_inherits_cpus);
	tcase_add_test(tc, test_cgroup__v1_attach_stats_kill);
	tcase_add_test(tc, test_cgroup__v1_kill_other_signal);
	tcase_add_test(tc, test_cgroup__v1_oom_kill);
	tcase_add_test(tc, test_cgroup__v1_pids_limit);
	tcase_add_test(tc, test_cgroup__v1_freeze_thaw);
	tcase_add_test(tc, test_cgroup__v1_missing_controller);
	tcase_add_test(tc, test_cgroup__v1_legacy_kill_with_freezer);
	tcase_add_test(tc, test_cgroup__v1_legacy_kill_without_freezer);
	tcase_add_test(tc, test_cgroup__v1_hybrid_readonly_unified);
	tcase_add_test(tc, test_cgroup__v1_device_policy);
	tcase_add_test(tc, test_cgroup__v1_ephemeral_hierarchies);
	suite_add_tcase(s, tc);
}
