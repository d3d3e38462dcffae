/*
 * The v2 driver against the real kernel: the host's cgroup2 tree (on a
 * hybrid host, the unified mount, which has no resource controllers — so a
 * limit there must be refused). Placement by clone3(CLONE_INTO_CGROUP), the
 * core freezer, cgroup.kill, the freeze-and-signal path, stats, removal.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "check_cgroup.h"
#include "util/cleanup.h"

/* The cgroup2 root to drive (NULL: the host's own, pure v2); false when
 * the host has no cgroup2 mount. */
static bool unified_root(const char **root)
{
	engine__cgroup_mode m;

	if (th_cg_expected_mode(&m) < 0 || m == ENGINE__CGROUP_LEGACY)
		return false;
	*root = m == ENGINE__CGROUP_HYBRID ? "/sys/fs/cgroup/unified" : NULL;
	return true;
}

static bool unified_setup(th_cg_env *env, const char *name, engine__cgroup **cg)
{
	const char *root;
	engine__cgroup_mode m;

	if (!unified_root(&root))
		return false;
	th_cg_env_open_root(env, NULL, root);
	ck_assert_engine_ok(engine__cgroup_mode_get(env->ctx, &m));
	ck_assert_int_eq(m, ENGINE__CGROUP_UNIFIED);
	ck_assert_engine_ok(engine__cgroup_create(env->ctx, name, NULL, cg));
	return true;
}

/* fork() straight into @cgfd, as the runtime's spawn does. */
static pid_t clone_into(int cgfd)
{
	struct clone_args args = {
	    .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgfd};

	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

START_TEST(test_cgroup__unified_clone_freeze_kill)
{
	volatile uint64_t *counter =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cleanup_free char *proc = NULL, *self = NULL, *want = NULL, *dir = NULL;
	engine__cgroup_stats st;
	engine__cgroup *cg = NULL;
	th_cg_env env;
	uint64_t a, b;
	int status;
	pid_t pid;

	ck_assert_ptr_ne((void *)counter, MAP_FAILED);
	if (!unified_setup(&env, "clone", &cg))
		TH_SKIP("no cgroup2 mount on this host");
	ck_assert_int_ge(engine__cgroup_fd(cg), 0);
	pid = clone_into(engine__cgroup_fd(cg));
	if (pid < 0 && errno == ENOSYS) {
		printf("note: no clone3; attaching after fork instead\n");
		pid = fork();
		if (pid > 0)
			ck_assert_engine_ok(engine__cgroup_attach(cg, pid));
	}
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		th_count_forever(-1, (void *)counter);
	}
	ck_assert_int_ge(asprintf(&proc, "/proc/%d", (int)pid), 0);
	self = th_read(proc, "cgroup");
	ck_assert_int_ge(asprintf(&want, "0::/%s/clone", th_cg_parent), 0);
	ck_assert_msg(self && strstr(self, want), "%s not in:\n%s", want, self);
	ck_assert(engine__cgroup_populated(cg));
	ck_assert_uint_gt(th_wait_progress(counter, 0), 0);

	ck_assert_engine_ok(engine__cgroup_freeze(cg, true));
	dir = strdup(engine__cgroup_path(cg, NULL));
	th_assert_file(dir, "cgroup.freeze", "1");
	a = *counter;
	usleep(50000);
	b = *counter;
	ck_assert_uint_eq(a, b);
	/* Not SIGKILL: signalled while frozen, and left frozen. */
	ck_assert_engine_ok(engine__cgroup_kill(cg, SIGCONT));
	th_assert_file(dir, "cgroup.freeze", "1");
	ck_assert_engine_ok(engine__cgroup_freeze(cg, false));
	ck_assert_uint_gt(th_wait_progress(counter, b), b);

	ck_assert_engine_ok(engine__cgroup_stats_read(cg, &st));
	ck_assert_uint_gt(st.cpu_usage_ns, 0);
	ck_assert_engine_ok(engine__cgroup_kill(cg, SIGKILL));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	ck_assert_msg(access(dir, F_OK) < 0, "%s left behind", dir);
	munmap((void *)counter, 4096);
	th_cg_env_close(&env);
}
END_TEST

START_TEST(test_cgroup__unified_term_and_destroy_frozen)
{
	engine__cgroup *cg = NULL;
	th_cg_env env;
	th_child c, d;
	char b;
	int status;

	if (!unified_setup(&env, "term", &cg))
		TH_SKIP("no cgroup2 mount on this host");
	th_child_start(&c, cg, th_spin_child, NULL);
	th_child_read(&c, &b, 1);
	/* SIGTERM goes freeze, signal every task in cgroup.procs, thaw. */
	ck_assert_engine_ok(engine__cgroup_kill(cg, SIGTERM));
	status = th_child_wait(&c);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	/* A frozen cgroup is killed and removed by destroy. */
	th_child_start(&d, cg, th_spin_child, NULL);
	th_child_read(&d, &b, 1);
	ck_assert_engine_ok(engine__cgroup_freeze(cg, true));
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	status = th_child_wait(&d);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	th_cg_env_close(&env);
}
END_TEST

START_TEST(test_cgroup__unified_refuses_missing_controllers)
{
	engine__cgroup_limits l = {.memory = 64 << 20};
	cleanup_free char *root_ctl = th_read("/sys/fs/cgroup/unified", "cgroup.controllers");
	cleanup_free char *want = NULL;
	engine__cgroup *cg = NULL;
	th_cg_env env;

	/* Only meaningful where the cgroup2 tree lacks the memory controller:
	 * a hybrid host such as this project's CI machine. */
	if (!root_ctl || strstr(root_ctl, "memory"))
		TH_SKIP("no controller-less cgroup2 mount (a hybrid host has one)");
	th_cg_env_open_root(&env, NULL, "/sys/fs/cgroup/unified");
	ck_assert_int_ge(asprintf(&want,
				  "memory limit: the memory controller is not available in "
				  "/sys/fs/cgroup/unified/%s",
				  th_cg_parent),
			 0);
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "nomem", &l, &cg), ENGINE_ENOTSUP, want);
	l = (engine__cgroup_limits){.pids = 3};
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "nopids", &l, &cg), ENGINE_ENOTSUP,
			       "pids limit");
	l = (engine__cgroup_limits){.cpu_shares = 100};
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "nocpu", &l, &cg), ENGINE_ENOTSUP,
			       "cpu shares");
	ck_assert_engine_error(engine__cgroup_open(env.ctx, "nomem", &cg), ENGINE_ENOTFOUND,
			       "no such cgroup");
	th_cg_env_close(&env);
}
END_TEST

START_TEST(test_cgroup__unified_device_policy)
{
	engine__cgroup_limits open_all = {.devices_allow_all = true};
	engine__cgroup *cg = NULL;
	th_cg_env env;

	/* Default: Docker's device policy, a BPF program on the cgroup. */
	if (!unified_setup(&env, "devices", &cg))
		TH_SKIP("no cgroup2 mount on this host");
	th_assert_device_policy(cg, true);
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	ck_assert_engine_ok(engine__cgroup_create(env.ctx, "privileged", &open_all, &cg));
	th_assert_device_policy(cg, false);
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	th_cg_env_close(&env);
}
END_TEST

void th_cg_add_unified_tests(Suite *s)
{
	TCase *tc = tcase_create("unified");

	th_cg_add_fixture(tc);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cgroup__unified_clone_freeze_kill);
	tcase_add_test(tc, test_cgroup__unified_term_and_destroy_frozen);
	tcase_add_test(tc, test_cgroup__unified_refuses_missing_controllers);
	tcase_add_test(tc, test_cgroup__unified_device_policy);
	suite_add_tcase(s, tc);
}
