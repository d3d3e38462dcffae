/* Prepared sandboxes (engine_pool): runs behave like engine_run, a
 * sandbox is never handed out twice, sandboxes are isolated from each
 * other, and a closed pool, a closed context or a killed owner leaves no
 * sandbox, mount, cgroup or process behind. */
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#define TR_FIXTURE "pool"
#include "check_runtime.h"
#include "runtime/runtime.h"

static engine_pool *pool_with(engine_context *c, const char *const *argv, unsigned size, bool limits)
{
	engine_spec *s = tr_spec(rootfs, argv);
	engine_pool_options o = ENGINE_POOL_OPTIONS_INIT;
	engine_pool *p = NULL;

	if (limits)
		ck_assert_engine_ok(engine_spec_set_memory_str(s, "64m"));
	o.size = size;
	ck_assert_engine_ok(engine_pool_new(c, s, &o, &p));
	engine_spec_free(s);
	return p;
}

static engine_pool *pool_of(engine_context *c, const char *const *argv, unsigned size)
{
	return pool_with(c, argv, size, true);
}

/* Wait (with a wide margin for a loaded machine) until @p has @n ready. */
static void wait_ready(engine_pool *p, unsigned n)
{
	for (int i = 0; i < 3000 && engine__pool_ready(p) < n; i++)
		usleep(10000);
	ck_assert_uint_eq(engine__pool_ready(p), n);
}

static engine_run_result *run_ok(engine_pool *p, const char *const *argv, const char *const *env)
{
	engine_strarray a = {(char **)argv, 0}, e = {(char **)env, 0};
	engine_run_result *res = NULL;

	while (argv && argv[a.count])
		a.count++;
	while (env && env[e.count])
		e.count++;
	ck_assert_engine_ok(engine_pool_run(p, argv ? &a : NULL, env ? &e : NULL, &res));
	ck_assert_msg(res->exit_code == 0, "exit %d, stderr: %s", res->exit_code, res->stderr_data);
	return res;
}

START_TEST(test_pool__runs_like_engine_run)
{
	engine_pool *p = pool_of(ctx, SH("echo template"), 2);
	engine_run_result *res;

	res = run_ok(p, NULL, NULL);
	ck_assert_str_eq(res->stdout_data, "template\n");
	engine_run_result_free(res);
	/* argv replaces the command, env adds to the environment; PID 1. */
	res = run_ok(p, SH("echo $FOO $$ $(cat /proc/self/cgroup | wc -l)"),
		     (const char *const[]){"FOO=bar", NULL});
	ck_assert_msg(strncmp(res->stdout_data, "bar 1 ", 6) == 0, "got %s", res->stdout_data);
	engine_run_result_free(res);
	/* A failing command: its status comes back. */
	{
		engine_strarray a = {(char **)SH("echo oops >&2; exit 3"), 3};
		engine_run_result *r = NULL;

		ck_assert_engine_ok(engine_pool_run(p, &a, NULL, &r));
		ck_assert_int_eq(r->exit_code, 3);
		ck_assert_str_eq(r->stderr_data, "oops\n");
		engine_run_result_free(r);
	}
	/* A missing command: 127 and ENGINE_ENOTFOUND, like docker run. */
	{
		engine_strarray a = {(char **)(const char *const[]){"no-such-cmd", NULL}, 1};
		engine_run_result *r = NULL;

		ck_assert_engine_error(engine_pool_run(p, &a, NULL, &r), ENGINE_ENOTFOUND, "no-such-cmd");
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(r->exit_code, 127);
		engine_run_result_free(r);
	}
	/* Bad input loses nothing: the next run works. */
	{
		engine_strarray e = {(char **)(const char *const[]){"NOEQUALS", NULL}, 1};
		engine_run_result *r = NULL;

		ck_assert_engine_error(engine_pool_run(p, NULL, &e, &r), ENGINE_EINVALID, "NOEQUALS");
		ck_assert_ptr_null(r);
	}
	res = run_ok(p, NULL, NULL);
	engine_run_result_free(res);
	engine_pool_free(p);
}
END_TEST

/* The status comes back as the command ends (before its sandbox is torn
 * down), so check it is the command's, run after run: exit codes, a
 * signal (the OOM killer's), and everything it wrote, which is read to the
 * end before the result. */
START_TEST(test_pool__status_and_output_complete)
{
	engine_pool *p = pool_of(ctx, SH("true"), 2);

	for (int i = 0; i < 6; i++) {
		char cmd[160];
		engine_strarray a = {(char **)SH(cmd), 3};
		engine_run_result *r = NULL;

		snprintf(cmd, sizeof(cmd), "head -c %d /dev/zero; head -c %d /dev/zero >&2; exit %d",
			 100000 * (i + 1), 300000 + 7 * i, i * 51);
		ck_assert_engine_ok(engine_pool_run(p, &a, NULL, &r));
		ck_assert_int_eq(r->exit_code, i * 51);
		ck_assert_int_eq(r->signal, 0);
		ck_assert_uint_eq(r->stdout_len, 100000 * (i + 1));
		ck_assert_uint_eq(r->stderr_len, 300000 + 7 * i);
		engine_run_result_free(r);
	}
	{
		/* Over the pool's 64m: killed by the OOM killer. */
		engine_strarray a = {
		    (char **)SH("echo before; exec dd if=/dev/zero of=/dev/null bs=96M count=1"), 3};
		engine_run_result *r = NULL;

		ck_assert_engine_ok(engine_pool_run(p, &a, NULL, &r));
		ck_assert_int_eq(r->signal, SIGKILL);
		ck_assert_int_eq(r->exit_code, 137);
		ck_assert_int_eq(r->oom_killed, 1);
		ck_assert_str_eq(r->stdout_data, "before\n");
		engine_run_result_free(r);
	}
	engine_pool_free(p);
}
END_TEST

/* The command runs with the scheduling of the thread that calls
 * engine_pool_run (as engine_run's would), not that of the pool's thread. */
START_TEST(test_pool__runs_with_callers_scheduling)
{
	engine_pool *p = pool_of(ctx, SH("cut -d' ' -f19 /proc/self/stat"), 2);
	id_t tid = (id_t)syscall(SYS_gettid);
	engine_run_result *res;

	wait_ready(p, 2);
	ck_assert_int_eq(setpriority(PRIO_PROCESS, tid, 7), 0);
	res = run_ok(p, NULL, NULL);
	ck_assert_int_eq(setpriority(PRIO_PROCESS, tid, 0), 0);
	ck_assert_str_eq(res->stdout_data, "7\n");
	engine_run_result_free(res);
	res = run_ok(p, NULL, NULL);
	ck_assert_str_eq(res->stdout_data, "0\n");
	engine_run_result_free(res);
	engine_pool_free(p);
}
END_TEST

START_TEST(test_pool__never_handed_out_twice)
{
	engine_pool *p = pool_of(ctx, SH("true"), 3);
	char ids[12][65];

	for (int i = 0; i < 12; i++) {
		/* A file left by an earlier run would be found here. (Namespace
		 * inode numbers are recycled: compared between concurrent runs
		 * below, not here.) */
		engine_run_result *res = run_ok(p, SH("test ! -e /tmp/mark && touch /tmp/mark"), NULL);

		snprintf(ids[i], sizeof(ids[i]), "%s", res->id);
		engine_run_result_free(res);
		for (int k = 0; k < i; k++)
			ck_assert_str_ne(ids[i], ids[k]);
	}
	engine_pool_free(p);
}
END_TEST

/* A sandbox ends up with the privileges engine_run gives the same spec:
 * capabilities, no_new_privs and exactly one seccomp filter (the default
 * profile's is loaded before the job, a custom one after), or none. */
/* One run of @s (freed here) through a pool of one and one through
 * engine_run: the same output, which is returned. */
static char *pooled_like_direct(engine_spec *s)
{
	engine_pool_options o = ENGINE_POOL_OPTIONS_INIT;
	engine_run_result *direct = NULL, *pooled;
	engine_pool *p = NULL;
	char *out;

	o.size = 1;
	ck_assert_engine_ok(engine_pool_new(ctx, s, &o, &p));
	ck_assert_engine_ok(engine_run(ctx, s, &direct));
	ck_assert_int_eq(direct->exit_code, 0);
	pooled = run_ok(p, NULL, NULL);
	ck_assert_str_eq(pooled->stdout_data, direct->stdout_data);
	out = strdup(pooled->stdout_data);
	engine_run_result_free(pooled);
	engine_run_result_free(direct);
	engine_pool_free(p);
	engine_spec_free(s);
	return out;
}

START_TEST(test_pool__same_privileges_as_engine_run)
{
	const char *const *probe = SH("grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status");
	const char *profiles[] = {"default", "unconfined", "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}"};

	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		engine_spec *s = tr_spec(rootfs, probe);
		char *out;

		ck_assert_engine_ok(engine_spec_set_seccomp_profile(s, profiles[i]));
		ck_assert_engine_ok(engine_spec_set_memory_str(s, "64m"));
		out = pooled_like_direct(s);
		ck_assert_ptr_nonnull(strstr(out, i == 1 ? "Seccomp:\t0" : "Seccomp:\t2"));
		if (i != 1)
			ck_assert_ptr_nonnull(strstr(out, "Seccomp_filters:\t1\n"));
		free(out);
	}
	/* A user other than root (the sandbox waits itself, not engine-init),
	 * --init (engine-init waits, then re-execs as PID 1 and runs the
	 * command as its child), and few fds (the sandbox waits itself): PID 1
	 * holds what it would hold anyway. */
	for (int k = 0; k < 3; k++) {
		engine_spec *s =
		    tr_spec(rootfs, SH("id -u; grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status; "
				       "xargs -0 </proc/1/cmdline; ls /proc/1/fd"));
		char *out;

		ck_assert_engine_ok(k == 0   ? engine_spec_set_user(s, "nobody")
				    : k == 1 ? engine_spec_set_init(s, 1)
					     : engine_spec_add_rlimit(s, "nofile=12"));
		out = pooled_like_direct(s);
		ck_assert_ptr_nonnull(strstr(out, k == 0 ? "65534\n" : "0\n"));
		ck_assert_msg(strstr(out, k == 1 ? "docker-init -- sh -c id" : "sh -c id") != NULL, "got %s",
			      out);
		free(out);
	}
}
END_TEST

static void *run_thread(void *arg)
{
	engine_pool *p = arg;
	static __thread char buf[64];
	engine_run_result *res = NULL;
	engine_strarray a = {(char **)SH("readlink /proc/self/ns/mnt; sleep 0.2"), 3};

	if (engine_pool_run(p, &a, NULL, &res) < 0 || res->exit_code != 0) {
		engine_run_result_free(res);
		return NULL;
	}
	snprintf(buf, sizeof(buf), "%s", res->stdout_data);
	engine_run_result_free(res);
	return strdup(buf);
}

START_TEST(test_pool__sandboxes_isolated_from_each_other)
{
	engine_pool *p = pool_of(ctx, SH("true"), 2);
	pthread_t t[3];
	char *got[3];

	wait_ready(p, 2);
	/* Three at once from a pool of two: one is made on the spot. */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, run_thread, p), 0);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], (void **)&got[i]);
		ck_assert_ptr_nonnull(got[i]);
	}
	ck_assert_str_ne(got[0], got[1]);
	ck_assert_str_ne(got[0], got[2]);
	ck_assert_str_ne(got[1], got[2]);
	for (int i = 0; i < 3; i++)
		free(got[i]);
	engine_pool_free(p);
}
END_TEST

struct long_run {
	engine_pool *p;
	const char *const *argv;
	volatile int done;
};

static void *long_run_thread(void *arg)
{
	struct long_run *l = arg;
	engine_strarray a = {(char **)l->argv, 3};
	engine_run_result *res = NULL;
	int r = engine_pool_run(l->p, &a, NULL, &res);

	r = r < 0 ? r : res->exit_code;
	engine_run_result_free(res);
	l->done = 1;
	return (void *)(intptr_t)r;
}

/* The refill holds back while a run is in flight and a sandbox is ready
 * (the run's sandbox gets the CPUs), fills the pool again once the run
 * returned, and does not hold back when nothing is ready at all. */
START_TEST(test_pool__refills_between_runs)
{
	engine_pool *p = pool_of(ctx, SH("true"), 2), *one = pool_of(ctx, SH("true"), 1);
	struct long_run l = {p, SH("sleep 1"), 0}, m = {one, SH("sleep 5"), 0};
	pthread_t t;
	void *ret;

	wait_ready(p, 2);
	ck_assert_int_eq(pthread_create(&t, NULL, long_run_thread, &l), 0);
	for (int i = 0; i < 3000 && engine__pool_ready(p) != 1; i++)
		usleep(1000);
	while (!l.done) {
		ck_assert_uint_eq(engine__pool_ready(p), 1);
		usleep(20000);
	}
	pthread_join(t, &ret);
	ck_assert_int_eq((int)(intptr_t)ret, 0);
	wait_ready(p, 2);

	wait_ready(one, 1);
	ck_assert_int_eq(pthread_create(&t, NULL, long_run_thread, &m), 0);
	for (int i = 0; i < 3000 && engine__pool_ready(one) != 0; i++)
		usleep(1000);
	wait_ready(one, 1);
	ck_assert_msg(!m.done, "the run ended before the pool was refilled");
	pthread_join(t, &ret);
	ck_assert_int_eq((int)(intptr_t)ret, 0);
	engine_pool_free(one);
	engine_pool_free(p);
	ck_assert_msg(engine__cgroup_parent_remove(ctx) == 0, "left: %s", engine_error_last()->message);
}
END_TEST

/* Whether sandboxes are there: the test's cgroup parent cannot be removed
 * while a cgroup (or a process) is in it. Asked through a context of its
 * own, so @c's cgroup state stays as it was. */
static bool sandboxes_present(void)
{
	char parent[256];
	engine_context *probe = tr_context(root, parent);
	bool busy = engine__cgroup_parent_remove(probe) < 0;

	engine_context_free(probe);
	return busy;
}

/* The test's cgroup parent can only be removed once no sandbox cgroup (and
 * so no sandbox process) is left in it. */
static bool parent_gone_within(engine_context *c, int seconds)
{
	for (int i = 0; i < seconds * 20; i++) {
		if (engine__cgroup_parent_remove(c) == 0)
			return true;
		usleep(50000);
	}
	return false;
}

START_TEST(test_pool__closed_pool_leaves_nothing)
{
	engine_pool *p = pool_of(ctx, SH("true"), 3);

	wait_ready(p, 3);
	ck_assert(sandboxes_present());
	engine_pool_free(p);
	ck_assert_msg(engine__cgroup_parent_remove(ctx) == 0, "left: %s", engine_error_last()->message);
}
END_TEST

START_TEST(test_pool__closed_context_leaves_nothing)
{
	engine_pool *p = pool_of(ctx, SH("true"), 3);
	engine_run_result *res = NULL;

	wait_ready(p, 3);
	engine_context_free(ctx);
	ctx = tr_context(root, cg_parent);
	ck_assert_msg(engine__cgroup_parent_remove(ctx) == 0, "left: %s", engine_error_last()->message);
	/* The handle outlives its context: runs fail, free is safe. */
	ck_assert_engine_error(engine_pool_run(p, NULL, NULL, &res), ENGINE_EINVALID, "closed");
	engine_pool_free(p);
}
END_TEST

START_TEST(test_pool__killed_owner_leaves_nothing)
{
	int sync[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(sync), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char parent[256];
		engine_context *mine = tr_context(root, parent);
		/* With limits (v1 and v2 cgroups on a hybrid host) and without
		 * (only the v2 one there). */
		engine_pool *p = pool_with(mine, SH("true"), 3, true);
		engine_pool *q = pool_with(mine, SH("true"), 2, false);

		for (int i = 0; i < 3000 && (engine__pool_ready(p) < 3 || engine__pool_ready(q) < 2); i++)
			usleep(10000);
		if (write(sync[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(sync[1]);
	ck_assert_int_eq(read(sync[0], &c, 1), 1);
	close(sync[0]);
	ck_assert(sandboxes_present());
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* Each sandbox sees its socket close, leaves and removes its cgroup. */
	ck_assert_msg(parent_gone_within(ctx, 20), "left: %s", engine_error_last()->message);
}
END_TEST

START_TEST(test_pool__bad_spec_and_options)
{
	engine_spec *s = tr_spec("/nonexistent-rootfs", SH("true"));
	engine_pool_options o = ENGINE_POOL_OPTIONS_INIT;
	engine_pool *p = NULL;

	ck_assert_int_ne(engine_pool_new(ctx, s, NULL, &p), 0);
	ck_assert_ptr_null(p);
	engine_spec_free(s);
	/* A sandbox that fails after its cgroup, while it builds its rootfs:
	 * the pool hands out only sandboxes that wait for their job, so the
	 * first one's failure is engine_pool_new's. */
	s = tr_spec(rootfs, SH("true"));
	ck_assert_engine_ok(engine_spec_set_read_only(s, 1));
	ck_assert_engine_ok(engine_spec_set_working_dir(s, "/no/such/dir"));
	ck_assert_int_lt(engine_pool_new(ctx, s, NULL, &p), 0);
	ck_assert_msg(strstr(engine_error_last()->message, "working directory"), "got %s",
		      engine_error_last()->message);
	ck_assert_ptr_null(p);
	engine_spec_free(s);
	s = tr_spec(rootfs, SH("true"));
	o.size = 65;
	ck_assert_engine_error(engine_pool_new(ctx, s, &o, &p), ENGINE_EINVALID, "at most 64");
	o.version = 99;
	ck_assert_engine_error(engine_pool_new(ctx, s, &o, &p), ENGINE_EINVALID, "version");
	ck_assert_engine_error(engine_pool_new(NULL, s, NULL, &p), ENGINE_EINVALID, "NULL");
	engine_spec_free(s);
	engine_pool_free(NULL);
	ck_assert_msg(engine__cgroup_parent_remove(ctx) == 0, "left: %s", engine_error_last()->message);
}
END_TEST

static Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pool__runs_like_engine_run);
	tcase_add_test(tc, test_pool__status_and_output_complete);
	tcase_add_test(tc, test_pool__runs_with_callers_scheduling);
	tcase_add_test(tc, test_pool__never_handed_out_twice);
	tcase_add_test(tc, test_pool__same_privileges_as_engine_run);
	tcase_add_test(tc, test_pool__sandboxes_isolated_from_each_other);
	tcase_add_test(tc, test_pool__refills_between_runs);
	tcase_add_test(tc, test_pool__closed_pool_leaves_nothing);
	tcase_add_test(tc, test_pool__closed_context_leaves_nothing);
	tcase_add_test(tc, test_pool__killed_owner_leaves_nothing);
	tcase_add_test(tc, test_pool__bad_spec_and_options);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(pool_suite(), 1);
}
