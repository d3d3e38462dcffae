/*
 * The v2 driver against its file interface: a temp dir posing as a cgroup2
 * root (cgroup.controllers, cgroup.subtree_control, ...). The assertions are
 * on the files the driver writes and on how it parses canned kernel output.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include "cgroup/cgroup_internal.h"
#include "check_cgroup.h"
#include "util/cleanup.h"

typedef struct fake {
	char *root;
	char *parent; /* <root>/p */
	th_cg_env env;
} fake;

/* A fake root offering @controllers, with @enabled already in its
 * subtree_control; @with_kill pre-creates p/cgroup.kill (Linux 5.14+). */
static void fake_open(fake *f, const char *controllers, const char *enabled, bool with_kill)
{
	f->root = th_mkdtemp("cg-fake");
	f->parent = engine__path_join(f->root, "p");
	th_write(f->root, "cgroup.controllers", controllers);
	th_write(f->root, "cgroup.subtree_control", enabled);
	if (with_kill) {
		ck_assert_int_eq(mkdir(f->parent, 0755), 0);
		th_write(f->parent, "cgroup.kill", "");
	}
	th_cg_env_open_root(&f->env, "\"p\"", f->root);
}

static void fake_close(fake *f)
{
	th_cg_env_close(&f->env);
	ck_assert_msg(access(f->parent, F_OK) < 0, "parent left behind");
	th_cleanup_dir(f->root);
	free(f->parent);
}

START_TEST(test_cgroup__v2_absolute_parent)
{
	/* "/q/r" as dockerd's --cgroup-parent: <root>/q/r/<id>, controllers
	 * enabled on the way down as for "q/r". */
	engine__cgroup_limits l = {.pids = 10};
	engine__cgroup *cg = NULL;
	cleanup_free char *q = NULL, *qr = NULL, *dir = NULL;
	th_cg_env env;
	char *root = th_mkdtemp("cg-fake");

	th_write(root, "cgroup.controllers", "cpu memory pids");
	th_write(root, "cgroup.subtree_control", "");
	th_cg_env_open_root(&env, "\"/q/r\"", root);
	ck_assert_engine_ok(engine__cgroup_create(env.ctx, "c1", &l, &cg));
	q = engine__path_join(root, "q");
	qr = engine__path_join(q, "r");
	dir = engine__path_join(qr, "c1");
	ck_assert_str_eq(engine__cgroup_path(cg, NULL), dir);
	th_assert_file(root, "cgroup.subtree_control", "+cpu +memory +pids");
	th_assert_file(qr, "cgroup.subtree_control", "+cpu +memory +pids");
	th_assert_file(dir, "pids.max", "10");
	th_write(dir, "cgroup.events", "populated 0\nfrozen 0\n");
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	th_cg_env_close(&env);
	ck_assert_msg(access(qr, F_OK) < 0, "parent left behind");
	th_cleanup_dir(root);
}
END_TEST

START_TEST(test_cgroup__v2_create_writes_limits)
{
	engine__cgroup_limits l = {.memory = 64 << 20,
				   .cpu_shares = 1024,
				   .cpu_quota = 50000,
				   .pids = 10,
				   .cpuset_cpus = "0-1",
				   .cpuset_mems = "0"};
	engine__cgroup *cg = NULL;
	engine__cgroup_mode m;
	cleanup_free char *dir = NULL;
	fake f;

	fake_open(&f, "cpuset cpu io memory hugetlb pids rdma misc", "", false);
	ck_assert_engine_ok(engine__cgroup_mode_get(f.env.ctx, &m));
	ck_assert_int_eq(m, ENGINE__CGROUP_UNIFIED);
	ck_assert_engine_ok(engine__cgroup_create(f.env.ctx, "c1", &l, &cg));
	dir = engine__path_join(f.parent, "c1");
	ck_assert_str_eq(engine__cgroup_path(cg, NULL), dir);
	/* Enabled for our subtree: in the root (for p) and in p (for c1). */
	th_assert_file(f.root, "cgroup.subtree_control", "+cpu +cpuset +memory +pids +io");
	th_assert_file(f.parent, "cgroup.subtree_control", "+cpu +cpuset +memory +pids +io");
	th_assert_file(dir, "memory.max", "67108864");
	th_assert_file(dir, "memory.swap.max", "0");
	th_assert_file(dir, "cpu.weight", "39");
	th_assert_file(dir, "cpu.max", "50000 100000");
	th_assert_file(dir, "pids.max", "10");
	th_assert_file(dir, "cpuset.cpus", "0-1");
	th_assert_file(dir, "cpuset.mems", "0");
	ck_assert_int_ge(engine__cgroup_fd(cg), 0);
	ck_assert_engine_ok(engine__cgroup_attach(cg, 4242));
	th_assert_file(dir, "cgroup.procs", "4242");
	ck_assert_engine_error(engine__cgroup_attach(cg, 0), ENGINE_EINVALID, "attach pid 0");
	th_write(dir, "cgroup.events", "populated 0\nfrozen 0\n");
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	ck_assert_msg(access(dir, F_OK) < 0, "cgroup dir left behind");
	fake_close(&f);
}
END_TEST

START_TEST(test_cgroup__v2_swap_and_no_limits)
{
	engine__cgroup_limits l = {.memory = 64 << 20, .memory_swap = 96 << 20};
	engine__cgroup *cg = NULL;
	cleanup_free char *d1 = NULL, *d2 = NULL, *d3 = NULL;
	fake f;

	/* Already enabled in the root: the root's file is left alone. */
	fake_open(&f, "cpu memory pids", "cpu memory pids", false);
	ck_assert_engine_ok(engine__cgroup_create(f.env.ctx, "swap", &l, &cg));
	th_assert_file(f.root, "cgroup.subtree_control", "cpu memory pids");
	th_assert_file(f.parent, "cgroup.subtree_control", "+cpu +memory +pids");
	d1 = engine__path_join(f.parent, "swap");
	th_assert_file(d1, "memory.swap.max", "33554432");
	engine__cgroup_free(cg);
	l.memory_swap = -1;
	ck_assert_engine_ok(engine__cgroup_create(f.env.ctx, "swapmax", &l, &cg));
	d2 = engine__path_join(f.parent, "swapmax");
	th_assert_file(d2, "memory.swap.max", "max");
	engine__cgroup_free(cg);
	/* No limits: nothing is written but the directory. */
	ck_assert_engine_ok(engine__cgroup_create(f.env.ctx, "plain", NULL, &cg));
	d3 = engine__path_join(f.parent, "plain");
	ck_assert(access(d3, F_OK) == 0);
	ck_assert_msg(access(d3, F_OK) == 0 && faccessat(AT_FDCWD, d3, F_OK, 0) == 0, "%s", d3);
	{
		cleanup_free char *mm = engine__path_join(d3, "memory.max");

		ck_assert_msg(access(mm, F_OK) < 0, "memory.max written");
	}
	engine__cgroup_free(cg);
	ck_assert_engine_ok(engine__rm_rf(d1));
	ck_assert_engine_ok(engine__rm_rf(d2));
	ck_assert_engine_ok(engine__rm_rf(d3));
	fake_close(&f);
}
END_TEST

START_TEST(test_cgroup__v2_missing_controller)
{
	engine__cgroup_limits l = {.pids = 5};
	engine__cgroup *cg = NULL;
	cleanup_free char *dir = NULL;
	fake f;

	fake_open(&f, "cpu memory", "", false);
	ck_assert_engine_error(engine__cgroup_create(f.env.ctx, "c", &l, &cg), ENGINE_ENOTSUP,
			       "pids limit: the pids controller is not available");
	l = (engine__cgroup_limits){.cpuset_cpus = "0"};
	ck_assert_engine_error(engine__cgroup_create(f.env.ctx, "c", &l, &cg), ENGINE_ENOTSUP, "cpuset");
	dir = engine__path_join(f.parent, "c");
	ck_assert_msg(access(dir, F_OK) < 0, "a refused cgroup was created");
	/* Only what the root offers is enabled. */
	th_assert_file(f.root, "cgroup.subtree_control", "+cpu +memory");
	l = (engine__cgroup_limits){.memory = 1 << 30, .cpu_shares = 2};
	ck_assert_engine_ok(engine__cgroup_create(f.env.ctx, "c", &l, &cg));
	th_assert_file(dir, "cpu.weight", "1");
	th_write(dir, "cgroup.events", "populated 0\nfrozen 0\n");
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	fake_close(&f);
}
END_TEST

/* v1's blkio.throttle.io_service_bytes(_recursive): per device and op, then
 * a "Total" per device and overall that must not be counted again. */
START_TEST(test_cgroup__blkio_v1_parse)
{
	uint64_t rd = 1, wr = 1;

	engine__cgroup_blkio_v1(
	    "8:0 Read 4096\n8:0 Write 512\n8:0 Sync 4608\n8:0 Async 0\n8:0 Discard 0\n"
	    "8:0 Total 4608\n253:1 Read 100\n253:1 Write 0\n253:1 Total 100\nTotal 4708\n",
	    &rd, &wr);
	ck_assert_uint_eq(rd, 4196);
	ck_assert_uint_eq(wr, 512);
	engine__cgroup_blkio_v1("Total 0\n", &rd, &wr);
	ck_assert_uint_eq(rd + wr, 0);
	engine__cgroup_blkio_v1(NULL, &rd, &wr);
	ck_assert_uint_eq(rd + wr, 0);
	engine__cgroup_io_stat("8:0 rbytes=1 wbytes=2\ngarbage\n8:16 wbytes=3 rbytes=4 rios=9\n", &rd, &wr);
	ck_assert_uint_eq(rd, 5);
	ck_assert_uint_eq(wr, 5);
}
END_TEST

/* The same files per device, with the device numbers dockerd reports. */
START_TEST(test_cgroup__io_devices_parse)
{
	engine__cgroup_io_dev d[4];
	size_t n;

	n = engine__cgroup_io_devices_parse(
	    "8:0 Read 4096\n8:0 Write 512\n8:0 Sync 4608\n8:0 Async 0\n8:0 Discard 0\n"
	    "8:0 Total 4608\n253:1 Read 100\n253:1 Write 0\n253:1 Total 100\nTotal 4708\n",
	    d, 4);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(d[0].major, 8);
	ck_assert_uint_eq(d[0].minor, 0);
	ck_assert_uint_eq(d[0].read_bytes, 4096);
	ck_assert_uint_eq(d[0].write_bytes, 512);
	ck_assert_uint_eq(d[1].major, 253);
	ck_assert_uint_eq(d[1].minor, 1);
	ck_assert_uint_eq(d[1].read_bytes, 100);
	ck_assert_uint_eq(d[1].write_bytes, 0);
	n = engine__cgroup_io_devices_parse("8:16 rbytes=7 wbytes=9 rios=1 wios=2 dbytes=0 dios=0\n"
					    "garbage\n259:0 wbytes=3 rbytes=4\n",
					    d, 4);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(d[0].major, 8);
	ck_assert_uint_eq(d[0].minor, 16);
	ck_assert_uint_eq(d[0].read_bytes, 7);
	ck_assert_uint_eq(d[0].write_bytes, 9);
	ck_assert_uint_eq(d[1].major, 259);
	ck_assert_uint_eq(d[1].read_bytes, 4);
	ck_assert_uint_eq(d[1].write_bytes, 3);
	/* At most @max devices; nothing from nothing. */
	ck_assert_uint_eq(engine__cgroup_io_devices_parse("1:1 rbytes=1\n1:2 rbytes=1\n", d, 1), 1);
	ck_assert_uint_eq(engine__cgroup_io_devices_parse("Total 0\n", d, 4), 0);
	ck_assert_uint_eq(engine__cgroup_io_devices_parse(NULL, d, 4), 0);
}
END_TEST

START_TEST(test_cgroup__v2_stats_parse)
{
	engine__cgroup_stats st;
	engine__cgroup *cg = NULL;
	cleanup_free char *dir = NULL;
	fake f;

	fake_open(&f, "cpu memory pids io", "", false);
	ck_assert_engine_ok(engine__cgroup_create(f.env.ctx, "s", NULL, &cg));
	dir = engine__path_join(f.parent, "s");
	th_write(dir, "memory.current", "1048576\n");
	th_write(dir, "memory.max", "max\n");
	th_write(dir, "memory.peak", "2097152\n");
	th_write(dir, "memory.stat",
		 "anon 4096\nanon_thp 0\nfile 8192\nkernel 77\ninactive_anon 1\n"
		 "active_anon 2\ninactive_file 100\nactive_file 200\n");
	th_write(dir, "memory.events", "low 0\nhigh 0\nmax 7\noom 1\noom_kill 2\noom_group_kill 0\n");
	th_write(dir, "cpu.stat",
		 "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 40\nnr_throttled 7\n"
		 "throttled_usec 2500\n");
	th_write(dir, "io.stat",
		 "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
		 "253:1 rbytes=100 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n");
	th_write(dir, "pids.current", "3\n");
	th_write(dir, "cgroup.events", "populated 1\nfrozen 0\n");
	ck_assert_engine_ok(engine__cgroup_stats_read(cg, &st));
	ck_assert_uint_eq(st.memory_usage, 1048576);
	ck_assert_uint_eq(st.memory_limit, 0);
	ck_assert_uint_eq(st.memory_max_usage, 2097152);
	ck_assert_uint_eq(st.memory_anon, 4096);
	ck_assert_uint_eq(st.memory_file, 8192);
	ck_assert_uint_eq(st.memory_inactive_file, 100);
	ck_assert_uint_eq(st.cpu_usage_ns, 1500000);
	ck_assert_uint_eq(st.cpu_user_ns, 1000000);
	ck_assert_uint_eq(st.cpu_system_ns, 500000);
	ck_assert_uint_eq(st.cpu_periods, 40);
	ck_assert_uint_eq(st.cpu_throttled_periods, 7);
	ck_assert_uint_eq(st.cpu_throttled_ns, 2500000);
	ck_assert_uint_eq(st.io_read_bytes, 4196);
	ck_assert_uint_eq(st.io_write_bytes, 8192);
	{
		engine__cgroup_io_dev d[8];
		size_t n = 0;

		ck_assert_engine_ok(engine__cgroup_io_devices(cg, d, 8, &n));
		ck_assert_uint_eq(n, 2);
		ck_assert_uint_eq(d[0].major, 8);
		ck_assert_uint_eq(d[0].write_bytes, 8192);
		ck_assert_uint_eq(d[1].major, 253);
		ck_assert_uint_eq(d[1].minor, 1);
		ck_assert_uint_eq(d[1].read_bytes, 100);
	}
	ck_assert_uint_eq(st.pids_current, 3);
	ck_assert_uint_eq(st.oom_kills, 2);
	ck_assert(engine__cgroup_oom_killed(cg));
	ck_assert(engine__cgroup_populated(cg));
	/* A limit, and memory.peak absent (before Linux 5.19). */
	th_write(dir, "memory.max", "67108864\n");
	{
		cleanup_free char *peak = engine__path_join(dir, "memory.peak");

		ck_assert_int_eq(unlink(peak), 0);
	}
	ck_assert_engine_ok(engine__cgroup_stats_read(cg, &st));
	ck_assert_uint_eq(st.memory_limit, 67108864);
	ck_assert_uint_eq(st.memory_max_usage, 0);
	/* Garbage from the kernel is an error naming the file. */
	th_write(dir, "memory.current", "lots\n");
	ck_assert_engine_error(engine__cgroup_stats_read(cg, &st), ENGINE_EIO,
			       "memory.current: not a number");
	th_write(dir, "cgroup.events", "populated 0\nfrozen 0\n");
	ck_assert(!engine__cgroup_populated(cg));
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	fake_close(&f);
}
END_TEST

START_TEST(test_cgroup__v2_freeze_and_kill)
{
	engine__cgroup *cg = NULL;
	cleanup_free char *dir = NULL;
	fake f;

	fake_open(&f, "cpu memory pids", "", true);
	ck_assert_engine_ok(engine__cgroup_create(f.env.ctx, "fk", NULL, &cg));
	dir = engine__path_join(f.parent, "fk");
	/* The fake kernel has already "frozen" it: the driver sees that. */
	th_write(dir, "cgroup.events", "populated 1\nfrozen 1\n");
	ck_assert_engine_ok(engine__cgroup_freeze(cg, true));
	th_assert_file(dir, "cgroup.freeze", "1");
	th_write(dir, "cgroup.events", "populated 1\nfrozen 0\n");
	ck_assert_engine_ok(engine__cgroup_freeze(cg, false));
	th_assert_file(dir, "cgroup.freeze", "0");
	/* SIGKILL goes through cgroup.kill, one write for the whole tree. */
	ck_assert_engine_ok(engine__cgroup_kill(cg, SIGKILL));
	th_assert_file(dir, "cgroup.kill", "1");
	/* Destroy of a populated cgroup kills first; the fake dir goes. */
	th_write(dir, "cgroup.kill", "");
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	ck_assert_msg(access(dir, F_OK) < 0, "cgroup dir left behind");
	fake_close(&f);
}
END_TEST

START_TEST(test_cgroup__v2_open_existing)
{
	engine__cgroup *cg = NULL, *again = NULL;
	fake f;

	fake_open(&f, "memory", "", false);
	ck_assert_engine_error(engine__cgroup_open(f.env.ctx, "gone", &cg), ENGINE_ENOTFOUND,
			       "no such cgroup");
	ck_assert_engine_ok(engine__cgroup_create(f.env.ctx, "o", NULL, &cg));
	ck_assert_engine_error(engine__cgroup_create(f.env.ctx, "o", NULL, &again), ENGINE_EEXISTS,
			       "already exists");
	ck_assert_engine_ok(engine__cgroup_open(f.env.ctx, "o", &again));
	ck_assert_str_eq(engine__cgroup_path(again, NULL), engine__cgroup_path(cg, NULL));
	ck_assert_pstr_eq(engine__cgroup_path(again, "memory"), NULL);
	engine__cgroup_free(again);
	th_write(engine__cgroup_path(cg, NULL), "cgroup.events", "populated 0\nfrozen 0\n");
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	fake_close(&f);
}
END_TEST

START_TEST(test_cgroup__v2_absolute_path)
{
	/* cgroupsPath "/pod/a/c": made below the root with our controllers
	 * enabled on the way down, and the context's parent "p" is not made. */
	engine__cgroup_limits l = {.memory = 32 << 20, .pids = 7};
	cleanup_free char *pod = NULL, *a = NULL, *dir = NULL;
	engine__cgroup *cg = NULL, *again = NULL;
	engine__cgroup_stats st;
	fake f;

	fake_open(&f, "cpu memory pids io", "", false);
	ck_assert_engine_error(engine__cgroup_open_path(f.env.ctx, "/pod/a/c", "c", &cg), ENGINE_ENOTFOUND,
			       "no such cgroup");
	ck_assert_engine_ok(engine__cgroup_create_path(f.env.ctx, "/pod/a/c", "c", &l, &cg));
	pod = engine__path_join(f.root, "pod");
	a = engine__path_join(pod, "a");
	dir = engine__path_join(a, "c");
	ck_assert_str_eq(engine__cgroup_path(cg, NULL), dir);
	th_assert_file(f.root, "cgroup.subtree_control", "+cpu +memory +pids +io");
	th_assert_file(pod, "cgroup.subtree_control", "+cpu +memory +pids +io");
	th_assert_file(a, "cgroup.subtree_control", "+cpu +memory +pids +io");
	th_assert_file(dir, "memory.max", "33554432");
	th_assert_file(dir, "pids.max", "7");
	ck_assert_msg(access(f.parent, F_OK) < 0, "the context's parent was made");
	/* Opened again, it knows its controllers from its parent's file. */
	ck_assert_engine_ok(engine__cgroup_open_path(f.env.ctx, "/pod/a/c", "c", &again));
	th_write(dir, "memory.current", "4096\n");
	th_write(dir, "memory.stat", "anon 4096\nfile 0\n");
	th_write(dir, "cpu.stat", "usage_usec 5\n");
	th_write(dir, "pids.current", "2\n");
	ck_assert_engine_ok(engine__cgroup_stats_read(again, &st));
	ck_assert_uint_eq(st.memory_usage, 4096);
	ck_assert_uint_eq(st.memory_limit, 32 << 20);
	ck_assert_uint_eq(st.pids_current, 2);
	engine__cgroup_free(again);
	ck_assert_msg(access(f.parent, F_OK) < 0, "the context's parent was made");
	th_write(dir, "cgroup.events", "populated 0\nfrozen 0\n");
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	ck_assert_msg(access(dir, F_OK) < 0, "cgroup dir left behind");
	ck_assert_msg(access(a, F_OK) == 0, "the levels above are left in place");
	/* A relative path is below the context's parent. */
	ck_assert_engine_ok(engine__cgroup_create_path(f.env.ctx, "rel/c", "c", NULL, &cg));
	engine__cgroup_free(cg);
	ck_assert_msg(access(f.parent, F_OK) == 0, "no parent for a relative path");
	ck_assert_engine_ok(engine__rm_rf(pod));
	fake_close(&f);
}
END_TEST

START_TEST(test_cgroup__v2_oom_kill_disable_ignored)
{
	/* v2 has no switch for the OOM killer: Docker discards the setting
	 * with a warning; the driver makes the cgroup and its other limits. */
	engine__cgroup_limits l = {.memory = 16 << 20, .oom_kill_disable = true};
	cleanup_free char *dir = NULL;
	engine__cgroup *cg = NULL;
	fake f;

	fake_open(&f, "cpu memory pids", "", false);
	ck_assert_engine_ok(engine__cgroup_create(f.env.ctx, "nooom", &l, &cg));
	dir = engine__path_join(f.parent, "nooom");
	th_assert_file(dir, "memory.max", "16777216");
	{
		cleanup_free char *group = engine__path_join(dir, "memory.oom.group");

		ck_assert_msg(access(group, F_OK) < 0, "memory.oom.group written");
	}
	th_write(dir, "cgroup.events", "populated 0\nfrozen 0\n");
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	/* Alone, without a memory limit, too. */
	l = (engine__cgroup_limits){.oom_kill_disable = true};
	ck_assert_engine_ok(engine__cgroup_create(f.env.ctx, "nooom", &l, &cg));
	th_write(dir, "cgroup.events", "populated 0\nfrozen 0\n");
	ck_assert_engine_ok(engine__cgroup_destroy(cg));
	fake_close(&f);
}
END_TEST

void th_cg_add_v2_tests(Suite *s)
{
	TCase *tc = tcase_create("v2-files");

	tcase_add_test(tc, test_cgroup__v2_create_writes_limits);
	tcase_add_test(tc, test_cgroup__v2_swap_and_no_limits);
	tcase_add_test(tc, test_cgroup__v2_missing_controller);
	tcase_add_test(tc, test_cgroup__v2_stats_parse);
	tcase_add_test(tc, test_cgroup__blkio_v1_parse);
	tcase_add_test(tc, test_cgroup__io_devices_parse);
	tcase_add_test(tc, test_cgroup__v2_freeze_and_kill);
	tcase_add_test(tc, test_cgroup__v2_open_existing);
	tcase_add_test(tc, test_cgroup__v2_absolute_path);
	tcase_add_test(tc, test_cgroup__v2_absolute_parent);
	tcase_add_test(tc, test_cgroup__v2_oom_kill_disable_ignored);
	suite_add_tcase(s, tc);
}
