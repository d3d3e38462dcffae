/*
 * cgroups: pure conversions, mode detection, the v1 driver for real on a v1
 * or hybrid host (limits, attach, OOM, pids, freezer, stats, kill, destroy),
 * and the v2 driver against a fake cgroup2 tree's files. Every cgroup lives
 * under a parent unique to this run, which the suite removes even when a
 * test fails.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "cgroup/cgroup.h"
#include "check_cgroup.h"
#include "util/cleanup.h"

/* ---- pure ---------------------------------------------------------------- */

START_TEST(test_cgroup__shares_to_weight)
{
	ck_assert_uint_eq(engine__cgroup_shares_to_weight(0), 0);
	ck_assert_uint_eq(engine__cgroup_shares_to_weight(2), 1);
	ck_assert_uint_eq(engine__cgroup_shares_to_weight(1024), 39);
	ck_assert_uint_eq(engine__cgroup_shares_to_weight(262144), 10000);
	/* Out-of-range shares clamp like the kernel's v1 cpu.shares. */
	ck_assert_uint_eq(engine__cgroup_shares_to_weight(1), 1);
	ck_assert_uint_eq(engine__cgroup_shares_to_weight(1000000), 10000);
}
END_TEST

START_TEST(test_cgroup__cpus_to_quota)
{
	int64_t q = 0;

	ck_assert_engine_ok(engine__cgroup_cpus_to_quota(0.5, 0, &q));
	ck_assert_int_eq(q, 50000);
	ck_assert_engine_ok(engine__cgroup_cpus_to_quota(1.5, 200000, &q));
	ck_assert_int_eq(q, 300000);
	ck_assert_engine_ok(engine__cgroup_cpus_to_quota(0.001, 0, &q));
	ck_assert_int_eq(q, 1000);
	ck_assert_engine_error(engine__cgroup_cpus_to_quota(0, 0, &q), ENGINE_EINVALID, "must be a positive");
	ck_assert_engine_error(engine__cgroup_cpus_to_quota(-2, 0, &q), ENGINE_EINVALID, "cpus -2");
	ck_assert_engine_error(engine__cgroup_cpus_to_quota(NAN, 0, &q), ENGINE_EINVALID, "positive");
}
END_TEST

/* ---- detection and validation --------------------------------------------- */

START_TEST(test_cgroup__detect_host)
{
	engine__cgroup_mode m, expected;
	th_cg_env env;

	if (th_cg_expected_mode(&expected) < 0)
		TH_SKIP("no cgroup mounts");
	ck_assert_engine_ok(engine__cgroup_detect(NULL, &m));
	ck_assert_str_eq(engine__cgroup_mode_name(m), engine__cgroup_mode_name(expected));
	/* The context caches the same answer. */
	th_cg_env_open(&env, NULL);
	ck_assert_engine_ok(engine__cgroup_mode_get(env.ctx, &m));
	ck_assert_int_eq(m, expected);
	printf("cgroup mode on this host: %s\n", engine__cgroup_mode_name(m));
	th_cg_env_close(&env);
}
END_TEST

START_TEST(test_cgroup__detect_bad_root)
{
	engine__cgroup_mode m;
	char *tmp = th_mkdtemp("cg-bad");
	cleanup_free char *missing = engine__path_join(tmp, "missing");

	ck_assert_engine_error(engine__cgroup_detect(tmp, &m), ENGINE_ENOTSUP, "neither a cgroup2 mount");
	ck_assert_engine_error(engine__cgroup_detect(missing, &m), ENGINE_ENOTFOUND, "missing");
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_cgroup__invalid_input)
{
	engine__cgroup_limits l = {0};
	engine__cgroup *cg = NULL;
	th_cg_env env;

	th_cg_env_open(&env, NULL);
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "../x", &l, &cg), ENGINE_EINVALID,
			       "cgroup name \"../x\"");
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "a/b", &l, &cg), ENGINE_EINVALID, "invalid");
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "", &l, &cg), ENGINE_EINVALID, "invalid");
	l.memory = -1;
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "x", &l, &cg), ENGINE_EINVALID,
			       "memory limit -1");
	l = (engine__cgroup_limits){.memory = 1 << 20, .memory_swap = 1 << 19};
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "x", &l, &cg), ENGINE_EINVALID,
			       "below the memory limit");
	l = (engine__cgroup_limits){.memory_swap = 1 << 20};
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "x", &l, &cg), ENGINE_EINVALID,
			       "needs a memory limit");
	l = (engine__cgroup_limits){.cpu_shares = 1};
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "x", &l, &cg), ENGINE_EINVALID, "cpu shares 1");
	l = (engine__cgroup_limits){.cpu_quota = 10};
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "x", &l, &cg), ENGINE_EINVALID,
			       "at least 1000");
	l = (engine__cgroup_limits){.cpu_period = 50000};
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "x", &l, &cg), ENGINE_EINVALID,
			       "needs a cpu quota");
	l = (engine__cgroup_limits){.cpuset_cpus = ""};
	ck_assert_engine_error(engine__cgroup_create(env.ctx, "x", &l, &cg), ENGINE_EINVALID, "cpuset");
	ck_assert_ptr_null(cg);
	ck_assert_engine_error(engine__cgroup_open(env.ctx, "nope", &cg), ENGINE_ENOTFOUND, "nope");
	th_cg_env_close(&env);
}
END_TEST

START_TEST(test_cgroup__bad_parent_config)
{
	engine__cgroup_mode m;
	th_cg_env env;

	th_cg_env_open(&env, "\"../escape\"");
	ck_assert_engine_error(engine__cgroup_mode_get(env.ctx, &m), ENGINE_EINVALID, "cgroup-parent");
	th_cg_env_close(&env);
	th_cg_env_open(&env, "42");
	ck_assert_engine_error(engine__cgroup_mode_get(env.ctx, &m), ENGINE_EINVALID, "cgroup-parent");
	th_cg_env_close(&env);
}
END_TEST

/* Every hierarchy's directory (the root itself on a unified host, each
 * mount below it otherwise) joined with @rel, passed to @fn. */
static int each_hierarchy(const char *rel, int (*fn)(const char *path))
{
	cleanup_closedir DIR *top = opendir("/sys/fs/cgroup");
	cleanup_free char *direct = engine__path_join("/sys/fs/cgroup", rel);
	struct dirent *e;
	int n = fn(direct);

	while (top && (e = readdir(top))) {
		cleanup_free char *p = NULL;

		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		ck_assert_int_ge(asprintf(&p, "/sys/fs/cgroup/%s/%s", e->d_name, rel), 0);
		n += fn(p);
	}
	return n;
}

static int dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int remove_dir(const char *path)
{
	return rmdir(path) == 0;
}

START_TEST(test_cgroup__absolute_path_makes_no_parent)
{
	/* An OCI bundle's absolute cgroupsPath ("/docker/<id>") lives below
	 * the hierarchy roots: the context's own parent cgroup, named here
	 * for this test alone, is neither needed nor made. */
	engine__cgroup_limits l = {.pids = 16};
	cleanup_free char *dflt = NULL, *dflt_json = NULL, *path = NULL, *pod = NULL, *leaf = NULL;
	engine__cgroup *cg = NULL, *again = NULL;
	engine__cgroup_mode m;
	th_cg_env env;
	th_child c;
	int made;
	char b;

	if (th_cg_expected_mode(&m) < 0)
		TH_SKIP("no cgroup mounts");
	ck_assert_int_ge(asprintf(&dflt, "%s-default", th_cg_parent), 0);
	ck_assert_int_ge(asprintf(&dflt_json, "\"%s\"", dflt), 0);
	ck_assert_int_ge(asprintf(&path, "/%s/pod/leaf", th_cg_parent), 0);
	ck_assert_int_ge(asprintf(&pod, "%s/pod", th_cg_parent), 0);
	ck_assert_int_ge(asprintf(&leaf, "%s/pod/leaf", th_cg_parent), 0);
	th_cg_env_open(&env, dflt_json);
	ck_assert_engine_ok(engine__cgroup_create_path(env.ctx, path, "leaf", &l, &cg));
	ck_assert_int_gt(each_hierarchy(leaf, dir_exists), 0);
	th_child_start(&c, cg, th_spin_child, NULL);
	th_child_read(&c, &b, 1);
	ck_assert(engine__cgroup_populated(cg));
	ck_assert_engine_ok(engine__cgroup_open_path(env.ctx, path, "leaf", &again));
	ck_assert(engine__cgroup_populated(again));
	ck_assert_pstr_eq(engine__cgroup_path(again, NULL), engine__cgroup_path(cg, NULL));
	ck_assert_pstr_eq(engine__cgroup_path(again, "pids"), engine__cgroup_path(cg, "pids"));
	engine__cgroup_free(again);
	ck_assert_engine_ok(engine__cgroup_kill(cg, SIGKILL));
	th_child_wait(&c);
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	/* The leaf goes; the levels above stay (others may share them). */
	ck_assert_int_eq(each_hierarchy(leaf, dir_exists), 0);
	ck_assert_int_gt(each_hierarchy(pod, dir_exists), 0);
	made = each_hierarchy(dflt, dir_exists);
	each_hierarchy(pod, remove_dir);
	each_hierarchy(th_cg_parent, remove_dir);
	each_hierarchy(dflt, remove_dir);
	th_cg_env_close(&env);
	ck_assert_msg(made == 0, "the default parent %s was made", dflt);
}
END_TEST

START_TEST(test_cgroup__absolute_parent)
{
	/* dockerd's --cgroup-parent /a/b: the same cgroups as "a/b", below
	 * the roots of every hierarchy the host has. */
	engine__cgroup_limits l = {.pids = 16, .memory = 64 << 20};
	cleanup_free char *json = NULL, *leaf = NULL;
	engine__cgroup *cg = NULL;
	engine__cgroup_mode m;
	th_cg_env env;

	if (th_cg_expected_mode(&m) < 0)
		TH_SKIP("no cgroup mounts");
	ck_assert_int_ge(asprintf(&json, "\"/%s\"", th_cg_parent), 0);
	ck_assert_int_ge(asprintf(&leaf, "%s/abs1", th_cg_parent), 0);
	th_cg_env_open(&env, json);
	ck_assert_engine_ok(engine__cgroup_create(env.ctx, "abs1", &l, &cg));
	ck_assert_int_gt(each_hierarchy(leaf, dir_exists), 0);
	ck_assert_ptr_nonnull(strstr(engine__cgroup_path(cg, NULL), leaf));
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	ck_assert_int_eq(each_hierarchy(leaf, dir_exists), 0);
	th_cg_env_close(&env);
	ck_assert_int_eq(each_hierarchy(th_cg_parent, dir_exists), 0);
	/* Nothing but slashes names no cgroup. */
	th_cg_env_open(&env, "\"/\"");
	ck_assert_engine_error(engine__cgroup_mode_get(env.ctx, &m), ENGINE_EINVALID, "cgroup-parent");
	th_cg_env_close(&env);
}
END_TEST

struct thread_arg {
	engine_context *ctx;
	int index;
	int failures;
	char message[256];
};

static void *create_destroy(void *p)
{
	struct thread_arg *a = p;
	engine__cgroup_limits l = {.pids = 100};

	for (int i = 0; i < 5; i++) {
		engine__cgroup *cg = NULL;
		char id[32];

		snprintf(id, sizeof(id), "t%d-%d", a->index, i);
		if (engine__cgroup_create(a->ctx, id, &l, &cg) < 0 || engine__cgroup_destroy(cg) < 0) {
			a->failures++;
			snprintf(a->message, sizeof(a->message), "%s", engine_error_last()->message);
		}
	}
	return NULL;
}

/* A kept cgroup is only reused for the same limits (backstage.c): every
 * field tells two sets apart, strings by content, device rules in order. */
START_TEST(test_cgroup__limits_equal)
{
	static const engine__cgroup_device_rule r1[] = {{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "rw"}};
	static const engine__cgroup_device_rule r2[] = {{true, 'c', 1, 3, "rw"}, {false, 'a', -1, -1, "rwm"}};
	char cpus_a[] = "0-1", cpus_b[] = "0-1", mems[] = "0";
	engine__cgroup_limits base = {.memory = 64 << 20,
				      .memory_swap = -1,
				      .cpu_shares = 512,
				      .cpu_quota = 50000,
				      .cpu_period = 100000,
				      .pids = 20,
				      .cpuset_cpus = cpus_a,
				      .device_rules = r1,
				      .n_device_rules = 2,
				      .ephemeral = true},
			      same = base, v[16];
	engine__cgroup_device_rule r3[2];
	int n = 0;

	same.cpuset_cpus = cpus_b;
	ck_assert(engine__cgroup_limits_equal(&base, &same));
	ck_assert(engine__cgroup_limits_equal(&base, &base));
	for (int i = 0; i < 16; i++)
		v[i] = base;
	v[n++].memory = 32 << 20;
	v[n++].memory_swap = 0;
	v[n++].cpu_shares = 1024;
	v[n++].cpu_quota = 0;
	v[n++].cpu_period = 200000;
	v[n++].pids = 0;
	v[n++].cpuset_cpus = NULL;
	v[n++].cpuset_cpus = "0";
	v[n++].cpuset_mems = mems;
	v[n++].devices_allow_all = true;
	v[n++].oom_kill_disable = true;
	v[n++].minimal = true;
	v[n++].ephemeral = false;
	v[n++].n_device_rules = 1;
	v[n++].device_rules = r2;
	memcpy(r3, r1, sizeof(r3));
	r3[1].access[1] = '\0';
	v[n++].device_rules = r3;
	for (int i = 0; i < n; i++) {
		ck_assert_msg(!engine__cgroup_limits_equal(&base, &v[i]), "variant %d taken as equal", i);
		ck_assert_msg(!engine__cgroup_limits_equal(&v[i], &base), "variant %d taken as equal", i);
	}
}
END_TEST

START_TEST(test_cgroup__threads_share_a_context)
{
	/* Embedders are multithreaded: the first use (detection, parent
	 * setup) and every create race on one context. */
	struct thread_arg args[4];
	pthread_t t[4];
	th_cg_env env;

	th_cg_env_open(&env, NULL);
	for (int i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){.ctx = env.ctx, .index = i};
		ck_assert_int_eq(pthread_create(&t[i], NULL, create_destroy, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_msg(args[i].failures == 0, "thread %d: %s", i, args[i].message);
	}
	th_cg_env_close(&env);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("pure");
	int r;

	snprintf(th_cg_parent, sizeof(th_cg_parent), "engine-test-%d-%lx", (int)getpid(),
		 (unsigned long)time(NULL));
	tcase_add_test(tc, test_cgroup__shares_to_weight);
	tcase_add_test(tc, test_cgroup__cpus_to_quota);
	tcase_add_test(tc, test_cgroup__limits_equal);
	tcase_add_test(tc, test_cgroup__detect_bad_root);
	suite_add_tcase(s, tc);
	tc = tcase_create("host");
	th_cg_add_fixture(tc);
	tcase_add_test(tc, test_cgroup__detect_host);
	tcase_add_test(tc, test_cgroup__invalid_input);
	tcase_add_test(tc, test_cgroup__bad_parent_config);
	tcase_add_test(tc, test_cgroup__threads_share_a_context);
	tcase_add_test(tc, test_cgroup__absolute_path_makes_no_parent);
	tcase_add_test(tc, test_cgroup__absolute_parent);
	suite_add_tcase(s, tc);
	th_cg_add_v1_tests(s);
	th_cg_add_v2_tests(s);
	th_cg_add_unified_tests(s);
	th_cg_add_rootless_tests(s);
	r = th_run_suite(s, 1);
	if (geteuid() == 0)
		th_cg_purge(th_cg_parent);
	return r;
}
