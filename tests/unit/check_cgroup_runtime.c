/*
 * cgroups as the container runtime uses them (privileged): the limits of a
 * spec reach the kernel's files, pause/resume drive the freezer, stats and
 * kill go through the container's cgroup, a timeout kills every process of
 * the container, a limit the kernel refuses fails the run cleanly, and
 * nothing is left in the cgroup tree after remove or an ephemeral run.
 */
#include "config.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>

#include "check_cgroup.h"
#include "check_runtime.h"
#include "util/cleanup.h"

static char *root, *rootfs;

#define SH(script) ((const char *const[]){"sh", "-c", (script), NULL})

static void suite_setup(void)
{
	root = th_mkdtemp("cg-runtime");
	rootfs = tr_rootfs(root);
	snprintf(th_cg_parent, sizeof(th_cg_parent), "engine-test-%s", strrchr(root, '/') + 1);
}

static void suite_teardown(void)
{
	th_cg_purge(th_cg_parent);
	free(rootfs);
	th_cleanup_dir(root);
}

static engine_context *context(void)
{
	char parent[256];
	engine_context *ctx = tr_context(root, parent);

	ck_assert_str_eq(parent, th_cg_parent);
	return ctx;
}

/* Number of container cgroups under our parent in any hierarchy. */
static int cgroups_left(void)
{
	cleanup_closedir DIR *top = opendir("/sys/fs/cgroup");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(top);
	while ((e = readdir(top))) {
		cleanup_free char *pdir = NULL;
		cleanup_closedir DIR *d = NULL;
		struct dirent *c;

		if (e->d_name[0] == '.' ||
		    asprintf(&pdir, "/sys/fs/cgroup/%s/%s", e->d_name, th_cg_parent) < 0)
			continue;
		if (!(d = opendir(pdir)))
			continue;
		while ((c = readdir(d)))
			if (c->d_type == DT_DIR && c->d_name[0] != '.')
				n++;
	}
	return n;
}

static bool exists(const char *p)
{
	return p && access(p, F_OK) == 0;
}

START_TEST(test_cgroup_runtime__limits_pause_stats_kill)
{
	engine_context *ctx = context();
	engine_spec *s = tr_spec(rootfs, SH("sleep 30"));
	engine_container *c = NULL;
	engine__cgroup *cg = NULL;
	engine__cgroup_mode mode;
	engine_container_stats st = ENGINE_CONTAINER_STATS_INIT;
	char *paths[4] = {0};
	const char *ctrls[] = {NULL, "memory", "freezer", "cpu"};
	int code = -1;

	ck_assert_engine_ok(engine_spec_set_memory_str(s, "64m"));
	ck_assert_engine_ok(engine_spec_set_cpus(s, 0.5));
	ck_assert_engine_ok(engine_spec_set_cpu_shares(s, 512));
	ck_assert_engine_ok(engine_spec_set_cpuset(s, "0"));
	ck_assert_engine_ok(engine_spec_set_pids_limit(s, 20));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	ck_assert_engine_ok(engine_container_start(c));
	ck_assert_engine_ok(engine__cgroup_mode_get(ctx, &mode));
	ck_assert_engine_ok(engine__cgroup_open(ctx, engine_container_id(c), &cg));
	if (mode == ENGINE__CGROUP_UNIFIED) {
		const char *d = engine__cgroup_path(cg, NULL);

		th_assert_file(d, "memory.max", "67108864");
		th_assert_file(d, "cpu.max", "50000 100000");
		th_assert_file(d, "cpu.weight", "20");
		th_assert_file(d, "cpuset.cpus", "0");
		th_assert_file(d, "pids.max", "20");
	} else {
		th_assert_file(engine__cgroup_path(cg, "memory"), "memory.limit_in_bytes", "67108864");
		th_assert_file(engine__cgroup_path(cg, "cpu"), "cpu.cfs_quota_us", "50000");
		th_assert_file(engine__cgroup_path(cg, "cpu"), "cpu.shares", "512");
		th_assert_file(engine__cgroup_path(cg, "cpuset"), "cpuset.cpus", "0");
		th_assert_file(engine__cgroup_path(cg, "pids"), "pids.max", "20");
	}
	for (int i = 0; i < 4; i++)
		if (engine__cgroup_path(cg, ctrls[i]))
			paths[i] = strdup(engine__cgroup_path(cg, ctrls[i]));
	ck_assert(engine__cgroup_populated(cg));

	ck_assert_engine_ok(engine_container_pause(c));
	if (mode == ENGINE__CGROUP_UNIFIED)
		th_assert_file(paths[0], "cgroup.freeze", "1");
	else
		th_assert_file(paths[2], "freezer.state", "FROZEN");
	ck_assert_engine_ok(engine_container_resume(c));
	if (mode != ENGINE__CGROUP_UNIFIED)
		th_assert_file(paths[2], "freezer.state", "THAWED");

	ck_assert_engine_ok(engine_container_stats_get(c, &st));
	ck_assert_uint_eq(st.memory_limit, 64 << 20);
	ck_assert_uint_ge(st.pids, 1);
	ck_assert_uint_gt(st.memory_usage, 0);

	ck_assert_engine_ok(engine_container_kill(c, SIGKILL));
	ck_assert_engine_ok(engine_container_wait(c, 10, &code));
	ck_assert_int_eq(code, 137);
	ck_assert_engine_ok(engine_container_remove(c, 0));
	for (int i = 0; i < 4; i++) {
		ck_assert_msg(!exists(paths[i]), "%s left behind", paths[i]);
		free(paths[i]);
	}
	engine__cgroup_free(cg);
	engine_container_free(c);
	engine_spec_free(s);
	tr_context_free(ctx);
}
END_TEST

/* The counters docker stats shows beside memory: CPU time split into user
 * and system, CFS throttling under a quota, and the network counters of
 * the container's namespace (network none: lo only, not counted). Block
 * I/O is parsed in check_cgroup_v2.c and check_cgroup_v1.c: this kernel's
 * v1 blkio counts only throttled devices, as dockerd sees it too. */
START_TEST(test_cgroup_runtime__stats_cpu_net)
{
	engine_context *ctx = context();
	engine_spec *s = tr_spec(rootfs, SH("while :; do :; done"));
	engine_container *c = NULL;
	engine_container_stats st = ENGINE_CONTAINER_STATS_INIT;
	int code = -1;

	ck_assert_engine_ok(engine_spec_set_cpus(s, 0.5));
	ck_assert_engine_ok(engine_spec_set_memory_str(s, "64m"));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	ck_assert_engine_ok(engine_container_start(c));
	/* Busy at a 50% quota: throttled within a few 100 ms periods (the
	 * kernel counts a throttled period when it starts, its time when it
	 * ends: wait for both). */
	for (int i = 0; i < 200; i++) {
		ck_assert_engine_ok(engine_container_stats_get(c, &st));
		if (st.cpu_throttled_periods > 0 && st.cpu_throttled_ns > 0 && st.cpu_user_ns > 0)
			break;
		usleep(50 * 1000);
	}
	ck_assert_uint_gt(st.cpu_user_ns, 0);
	ck_assert_uint_le(st.cpu_user_ns + st.cpu_system_ns, st.cpu_usage_ns + 20 * 1000 * 1000);
	ck_assert_uint_gt(st.cpu_throttled_periods, 0);
	ck_assert_uint_le(st.cpu_throttled_periods, st.cpu_periods);
	ck_assert_uint_gt(st.cpu_throttled_ns, 0);
	ck_assert_uint_eq(st.net_rx_bytes, 0);
	ck_assert_uint_eq(st.net_tx_packets, 0);
	/* Block I/O per device: a JSON list, real device numbers in it. */
	{
		char *json = NULL;

		ck_assert_engine_ok(engine_container_blkio_stats(c, &json));
		ck_assert_msg(json[0] == '[' && !strstr(json, "\"major\":0,\"minor\":0"), "%s", json);
		engine_free(json);
	}
	ck_assert_engine_ok(engine_container_kill(c, SIGKILL));
	ck_assert_engine_ok(engine_container_wait(c, 10, &code));
	{
		char *json = NULL;

		ck_assert_engine_error(engine_container_blkio_stats(c, &json), ENGINE_EBUSY, "not running");
	}
	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);
	engine_spec_free(s);
	tr_context_free(ctx);
}
END_TEST

START_TEST(test_cgroup_runtime__timeout_kills_every_process)
{
	engine_context *ctx = context();
	/* Background sleeps outlive sh unless the whole cgroup is killed. */
	engine_spec *s = tr_spec(rootfs, SH("sleep 60 & sleep 60 & sleep 60"));
	engine_run_result *res = NULL;
	engine__cgroup *cg = NULL;

	ck_assert_engine_ok(engine_spec_set_init(s, 1));
	ck_assert_engine_ok(engine_spec_set_pids_limit(s, 16));
	ck_assert_engine_ok(engine_spec_set_timeout(s, 0.5));
	res = tr_run_ok(ctx, s);
	ck_assert_int_eq(res->timed_out, 1);
	ck_assert_engine_error(engine__cgroup_open(ctx, res->id, &cg), ENGINE_ENOTFOUND, "no such cgroup");
	ck_assert_int_eq(cgroups_left(), 0);
	engine_run_result_free(res);
	engine_spec_free(s);
	tr_context_free(ctx);
}
END_TEST

START_TEST(test_cgroup_runtime__kernel_refuses_cpuset)
{
	engine_context *ctx = context();
	engine_spec *s = tr_spec(rootfs, SH("true"));
	engine_run_result *res = NULL;
	int r;

	/* No host has CPU 4095 online: the kernel refuses the write. */
	ck_assert_engine_ok(engine_spec_set_cpuset(s, "4095"));
	r = engine_run(ctx, s, &res);
	ck_assert_int_lt(r, 0);
	ck_assert_msg(strstr(engine_error_last()->message, "cpuset.cpus"), "message: %s",
		      engine_error_last()->message);
	ck_assert_int_eq(cgroups_left(), 0);
	engine_run_result_free(res);
	engine_spec_free(s);
	tr_context_free(ctx);
}
END_TEST

/* The memory cgroup's inode: which cgroup a run had (they are reused). */
static unsigned long memcg_ino(void)
{
	cleanup_closedir DIR *d = NULL;
	struct dirent *e;
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/fs/cgroup/memory/%s", th_cg_parent);
	d = opendir(path);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && e->d_type == DT_DIR) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/memory/%s/%s", th_cg_parent, e->d_name);
			return stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
		}
	return 0;
}

/* engine_run keeps a few finished runs' cgroups for the next runs with the
 * same limits (backstage.c): bounded while the context lives, none after. */
START_TEST(test_cgroup_runtime__ephemeral_runs_leave_no_cgroup)
{
	engine_context *ctx = context();
	engine_spec *s = tr_spec(rootfs, SH("cat /proc/self/cgroup >/dev/null; exit 3"));

	ck_assert_engine_ok(engine_spec_set_memory_str(s, "32m"));
	ck_assert_engine_ok(engine_spec_set_pids_limit(s, 32));
	for (int i = 0; i < 10; i++) {
		engine_run_result *res = tr_run_ok(ctx, s);

		ck_assert_int_eq(res->exit_code, 3);
		ck_assert_int_eq(res->oom_killed, 0);
		engine_run_result_free(res);
		/* (four ready, four on their way, in each of memory, pids, v2) */
		ck_assert_int_le(cgroups_left(), 8 * 3);
	}
	engine_spec_free(s);
	tr_context_free(ctx);
	ck_assert_int_eq(cgroups_left(), 0);
}
END_TEST

/* A reused cgroup is the previous run's, empty: an OOM kill there is not
 * the next run's, other limits get a cgroup of their own, and a container
 * that could change its cgroup (CAP_SYS_ADMIN) never hands its on. */
START_TEST(test_cgroup_runtime__reused_cgroup_starts_clean)
{
	engine_context *ctx = context();
	engine_spec *oom = tr_spec(
	    rootfs, (const char *const[]){"dd", "if=/dev/zero", "of=/dev/null", "bs=96M", "count=1", NULL});
	engine_spec *ok = tr_spec(rootfs, SH("grep -c ':memory:/$' /proc/self/cgroup"));
	engine_run_result *res;
	unsigned long seen[8] = {0};
	int reused = 0;

	ck_assert_engine_ok(engine_spec_set_memory_str(oom, "16m"));
	ck_assert_engine_ok(engine_spec_set_memory_str(ok, "16m"));
	for (int i = 0; i < 8; i++) {
		res = tr_run_ok(ctx, i % 2 ? ok : oom);
		ck_assert_int_eq(res->oom_killed, i % 2 ? 0 : 1);
		if (i % 2)
			ck_assert_str_eq(res->stdout_data, "1\n");
		engine_run_result_free(res);
		/* let the thread take it back before the next run */
		for (int k = 0; k < 200 && !(seen[i] = memcg_ino()); k++)
			usleep(10 * 1000);
		for (int k = 0; k < i; k++)
			if (seen[k] && seen[k] == seen[i])
				reused = 1;
	}
	ck_assert_msg(reused, "no cgroup was used twice");
	/* Other limits: the kept ones are not theirs. */
	ck_assert_engine_ok(engine_spec_set_memory_str(ok, "24m"));
	res = tr_run_ok(ctx, ok);
	ck_assert_int_eq(res->oom_killed, 0);
	engine_run_result_free(res);
	/* CAP_SYS_ADMIN: never kept (it could have raised its own limit). */
	engine__run_stock_drop(ctx);
	ck_assert_int_eq(cgroups_left(), 0);
	ck_assert_engine_ok(engine_spec_add_cap(ok, "SYS_ADMIN"));
	for (int i = 0; i < 3; i++) {
		res = tr_run_ok(ctx, ok);
		engine_run_result_free(res);
		ck_assert_int_eq(cgroups_left(), 0);
	}
	engine_spec_free(oom);
	engine_spec_free(ok);
	tr_context_free(ctx);
	ck_assert_int_eq(cgroups_left(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cgroup-runtime");
	TCase *tc = tcase_create("runtime");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_cgroup_runtime__limits_pause_stats_kill);
	tcase_add_test(tc, test_cgroup_runtime__stats_cpu_net);
	tcase_add_test(tc, test_cgroup_runtime__timeout_kills_every_process);
	tcase_add_test(tc, test_cgroup_runtime__kernel_refuses_cpuset);
	tcase_add_test(tc, test_cgroup_runtime__ephemeral_runs_leave_no_cgroup);
	tcase_add_test(tc, test_cgroup_runtime__reused_cgroup_starts_clean);
	suite_add_tcase(s, tc);
	return th_run_suite(s, 1);
}
