/* engine_run with limits and security (privileged): OOM kill reported,
 * pids limit, seccomp default vs unconfined, dropped capabilities, rlimits,
 * and a leak test over many ephemeral runs. */
#define TR_FIXTURE "runtime-sec"
#include "check_runtime.h"

#include <dirent.h>
#include <signal.h>

static engine_run_result *run(engine_spec *s)
{
	engine_run_result *res = tr_run_ok(ctx, s);

	engine_spec_free(s);
	return res;
}

START_TEST(test_runtime__memory_oom)
{
	engine_spec *s = tr_spec(
	    rootfs, (const char *const[]){"dd", "if=/dev/zero", "of=/dev/null", "bs=96M", "count=1", NULL});
	engine_run_result *res;

	ck_assert_engine_ok(engine_spec_set_memory_str(s, "16m"));
	res = run(s);
	ck_assert_int_eq(res->oom_killed, 1);
	ck_assert_int_eq(res->signal, SIGKILL);
	engine_run_result_free(res);

	/* Under the limit: no OOM; the cgroup namespace is rooted at the
	 * container's own cgroup. */
	s = tr_spec(rootfs, SH("dd if=/dev/zero of=/dev/null bs=1M count=1 2>/dev/null; grep -c ':memory:/$' "
			       "/proc/self/cgroup"));
	ck_assert_engine_ok(engine_spec_set_memory(s, 64 * 1024 * 1024));
	res = run(s);
	ck_assert_int_eq(res->oom_killed, 0);
	ck_assert_int_eq(res->exit_code, 0);
	ck_assert_str_eq(res->stdout_data, "1\n");
	engine_run_result_free(res);
}
END_TEST

START_TEST(test_runtime__pids_limit)
{
	/* The shell's forks fail once 10 tasks exist (ash gives up there). */
	engine_spec *s =
	    tr_spec(rootfs, SH("i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done; echo done"));
	engine_run_result *res;

	ck_assert_engine_ok(engine_spec_set_pids_limit(s, 10));
	res = run(s);
	ck_assert_msg(strstr(res->stderr_data, "can't fork"), "stderr: %s", res->stderr_data);
	engine_run_result_free(res);

	s = tr_spec(rootfs, SH("i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done; echo done"));
	res = run(s);
	ck_assert_msg(strcmp(res->stdout_data, "done\n") == 0, "exit %d out [%s] err [%s]", res->exit_code,
		      res->stdout_data, res->stderr_data);
	ck_assert_int_eq(res->stderr_len, 0);
	engine_run_result_free(res);
}
END_TEST

START_TEST(test_runtime__bad_limits)
{
	engine_spec *s = NULL;

	ck_assert_engine_ok(engine_spec_new(&s));
	ck_assert_engine_error(engine_spec_set_memory_str(s, "12q"), ENGINE_EINVALID, "memory limit");
	ck_assert_engine_error(engine_spec_set_memory(s, 1024), ENGINE_EINVALID, "minimum is 6MB");
	ck_assert_engine_error(engine_spec_set_cpus(s, -1), ENGINE_EINVALID, "cpus");
	ck_assert_engine_error(engine_spec_set_network(s, ""), ENGINE_EINVALID, "network mode is empty");
	ck_assert_engine_error(engine_spec_set_network(s, "container:"), ENGINE_EINVALID,
			       "no container named");
	ck_assert_engine_error(engine_spec_add_port(s, "80/sctp"), ENGINE_EINVALID, "tcp or udp");
	ck_assert_engine_error(engine_spec_add_host(s, "nocolon"), ENGINE_EINVALID, "NAME:IP");
	ck_assert_engine_error(engine_spec_add_rlimit(s, "bogus=1"), ENGINE_EINVALID, "bogus");
	ck_assert_engine_error(engine_spec_set_name(s, "-bad"), ENGINE_EINVALID, "invalid container name");
	engine_spec_free(s);
}
END_TEST

START_TEST(test_runtime__seccomp)
{
	engine_spec *s = tr_spec(rootfs, SH("unshare -U true && echo allowed"));
	engine_run_result *res = run(s);

	ck_assert_int_ne(res->exit_code, 0);
	ck_assert_msg(strstr(res->stderr_data, "Operation not permitted"), "stderr: %s", res->stderr_data);
	engine_run_result_free(res);

	s = tr_spec(rootfs, SH("unshare -U true && echo allowed"));
	ck_assert_engine_ok(engine_spec_set_seccomp_profile(s, "unconfined"));
	res = run(s);
	ck_assert_msg(res->exit_code == 0, "stderr: %s", res->stderr_data);
	ck_assert_str_eq(res->stdout_data, "allowed\n");
	engine_run_result_free(res);

	/* keyctl: Docker's profile refuses it whatever the capabilities. */
	{
		char cmd[8192];

		snprintf(cmd, sizeof(cmd), "cp %s/tests/unit/runtime_syscall %s/bin/",
			 getenv("top_builddir") ? getenv("top_builddir") : ".", rootfs);
		ck_assert_int_eq(system(cmd), 0);
	}
	s = tr_spec(rootfs, (const char *const[]){"runtime_syscall", "keyctl", NULL});
	res = run(s);
	ck_assert_str_eq(res->stdout_data, "EPERM\n");
	engine_run_result_free(res);
	s = tr_spec(rootfs, (const char *const[]){"runtime_syscall", "keyctl", NULL});
	ck_assert_engine_ok(engine_spec_set_seccomp_profile(s, "unconfined"));
	res = run(s);
	ck_assert_msg(strcmp(res->stdout_data, "EPERM\n") != 0, "keyctl unconfined: %s", res->stdout_data);
	engine_run_result_free(res);
	/* With CAP_SYS_ADMIN the default profile allows mount (like Docker);
	 * without it, the profile refuses. */
	s = tr_spec(rootfs, (const char *const[]){"runtime_syscall", "mount", NULL});
	res = run(s);
	ck_assert_str_eq(res->stdout_data, "EPERM\n");
	engine_run_result_free(res);
	s = tr_spec(rootfs, (const char *const[]){"runtime_syscall", "mount", NULL});
	ck_assert_engine_ok(engine_spec_add_cap(s, "SYS_ADMIN"));
	res = run(s);
	ck_assert_str_eq(res->stdout_data, "ok\n");
	engine_run_result_free(res);

	/* mount is blocked both by the profile and the missing CAP_SYS_ADMIN. */
	s = tr_spec(rootfs, SH("mkdir -p /m; mount -t tmpfs none /m"));
	res = run(s);
	ck_assert_msg(res->exit_code != 0 && res->stderr_len > 0, "mount: %s", res->stderr_data);
	engine_run_result_free(res);
}
END_TEST

START_TEST(test_runtime__caps)
{
	const char *script =
	    "touch /f; mknod /n c 1 3 2>/dev/null && echo mknod; chown 1:1 /f 2>/dev/null && echo chown; "
	    "grep CapEff /proc/self/status";
	engine_spec *s = tr_spec(rootfs, SH(script));
	engine_run_result *res = run(s);

	ck_assert_ptr_nonnull(strstr(res->stdout_data, "mknod\nchown\n"));
	/* Docker's default set. */
	ck_assert_ptr_nonnull(strstr(res->stdout_data, "CapEff:\t00000000a80425fb"));
	engine_run_result_free(res);

	s = tr_spec(rootfs, SH(script));
	ck_assert_engine_ok(engine_spec_drop_cap(s, "MKNOD"));
	ck_assert_engine_ok(engine_spec_drop_cap(s, "CAP_CHOWN"));
	res = run(s);
	ck_assert_msg(strncmp(res->stdout_data, "CapEff:", 7) == 0, "stdout: %s", res->stdout_data);
	engine_run_result_free(res);

	/* A non-root user keeps no effective capabilities. */
	s = tr_spec(rootfs, SH("grep CapEff /proc/self/status"));
	ck_assert_engine_ok(engine_spec_set_user(s, "1000"));
	res = run(s);
	ck_assert_str_eq(res->stdout_data, "CapEff:\t0000000000000000\n");
	engine_run_result_free(res);

	/* An unknown name is refused when set, as dockerd refuses it at create. */
	s = tr_spec(rootfs, SH("true"));
	ck_assert_engine_error(engine_spec_add_cap(s, "NOT_A_CAP"), ENGINE_EINVALID, "NOT_A_CAP");
	ck_assert_engine_error(engine_spec_drop_cap(s, "CAP_NOPE"), ENGINE_EINVALID, "CAP_NOPE");
	ck_assert_engine_ok(engine_spec_add_cap(s, "all"));
	ck_assert_engine_ok(engine_spec_drop_cap(s, "cap_chown"));
	engine_spec_free(s);
}
END_TEST

START_TEST(test_runtime__rlimits_and_nnp)
{
	engine_spec *s = tr_spec(rootfs, SH("ulimit -n; grep NoNewPrivs /proc/self/status"));
	engine_run_result *res;

	ck_assert_engine_ok(engine_spec_add_rlimit(s, "nofile=123:456"));
	res = run(s);
	ck_assert_str_eq(res->stdout_data, "123\nNoNewPrivs:\t1\n");
	engine_run_result_free(res);

	s = tr_spec(rootfs, SH("grep NoNewPrivs /proc/self/status"));
	ck_assert_engine_ok(engine_spec_set_no_new_privs(s, 0));
	res = run(s);
	ck_assert_str_eq(res->stdout_data, "NoNewPrivs:\t0\n");
	engine_run_result_free(res);
}
END_TEST

/* spec_host.c: each value checked where it is given, then applied. */
START_TEST(test_runtime__host_settings)
{
	engine_spec *s = tr_spec(rootfs, SH("cat /proc/sys/kernel/shmmni; id -G; ls -l /dev/n0 | cut -c1"));
	engine_run_result *res;

	ck_assert_engine_error(engine_spec_add_sysctl(s, "kernel.hostname=x"), ENGINE_EINVALID,
			       "kernel.hostname");
	ck_assert_engine_error(engine_spec_add_sysctl(s, "vm/swappiness=1"), ENGINE_EINVALID,
			       "vm.swappiness");
	ck_assert_engine_error(engine_spec_add_sysctl(s, "net.ipv4"), ENGINE_EINVALID, "key=value");
	ck_assert_engine_error(engine_spec_add_sysctl(s, "net/../kernel/x=1"), ENGINE_EINVALID, "invalid");
	ck_assert_engine_error(engine_spec_add_sysctl(s, "net.x=1\n2"), ENGINE_EINVALID, "key=value");
	ck_assert_engine_error(engine_spec_add_group(s, "a:b"), ENGINE_EINVALID, "a:b");
	ck_assert_engine_error(engine_spec_add_device(s, "/dev/nonexistent-x"), ENGINE_ENOTFOUND,
			       "/dev/nonexistent-x");
	ck_assert_engine_error(engine_spec_add_device(s, "/dev/null:/tmp/null"), ENGINE_EINVALID,
			       "under /dev");
	ck_assert_engine_error(engine_spec_add_device(s, "/dev/null:/dev/null:rwx"), ENGINE_EINVALID,
			       "invalid device");
	ck_assert_engine_error(engine_spec_add_device(s, "relative"), ENGINE_EINVALID, "invalid device");
	ck_assert_engine_error(engine_spec_add_volumes_from(s, "x:rx"), ENGINE_EINVALID, "x:rx");
	ck_assert_engine_error(engine_spec_add_link(s, "a:b:c"), ENGINE_EINVALID, "a:b:c");
	ck_assert_engine_error(engine_spec_set_cpuset_mems(s, "1-0"), ENGINE_EINVALID, "1-0");
	ck_assert_engine_ok(engine_spec_add_sysctl(s, "kernel.shmmni=1234"));
	ck_assert_engine_ok(engine_spec_add_group(s, "4321"));
	ck_assert_engine_ok(engine_spec_add_device(s, "/dev/null:/dev/n0:r"));
	res = run(s);
	ck_assert_str_eq(res->stdout_data, "1234\n0 4321\nc\n");
	engine_run_result_free(res);
}
END_TEST

START_TEST(test_runtime__network_host)
{
	engine_spec *s = tr_spec(rootfs, SH("ls /sys/class/net | wc -l"));
	engine_run_result *res;
	int host = 0, none;
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;

	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			host++;
	closedir(d);
	ck_assert_engine_ok(engine_spec_set_network(s, "host"));
	res = run(s);
	ck_assert_int_eq(atoi(res->stdout_data), host);
	engine_run_result_free(res);

	s = tr_spec(rootfs, SH("ls /sys/class/net"));
	res = run(s);
	none = strcmp(res->stdout_data, "lo\n") == 0;
	ck_assert_msg(none, "interfaces: %s", res->stdout_data);
	engine_run_result_free(res);
}
END_TEST

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int count_subdirs(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && e->d_type == DT_DIR)
			n++;
	closedir(d);
	return n;
}

static int count_children(void)
{
	char path[64];
	FILE *f;
	int n = 0, c;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	f = fopen(path, "r");
	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		if (c == ' ')
			n++;
	fclose(f);
	return n;
}

START_TEST(test_runtime__no_leaks)
{
	char containers[4096];

	snprintf(containers, sizeof(containers), "%s/containers", root);
	for (int i = 0; i < 200; i++) {
		engine_spec *s = tr_spec(rootfs, (const char *const[]){"true", NULL});
		engine_run_result *res;

		ck_assert_engine_ok(engine_spec_set_memory_str(s, "32m"));
		ck_assert_engine_ok(engine_spec_set_pids_limit(s, 64));
		res = run(s);
		ck_assert_int_eq(res->exit_code, 0);
		engine_run_result_free(res);
	}
	ck_assert_int_eq(count_entries(containers), 0);
	ck_assert_int_eq(count_children(), 0);
	ck_assert(!tr_mounted(root));
	{
		char cg[512];

		snprintf(cg, sizeof(cg), "/sys/fs/cgroup/memory/%s", cg_parent);
		ck_assert_int_eq(count_subdirs(cg), 0);
		snprintf(cg, sizeof(cg), "/sys/fs/cgroup/pids/%s", cg_parent);
		ck_assert_int_eq(count_subdirs(cg), 0);
	}
}
END_TEST

static Suite *runtime_security_suite(void)
{
	Suite *s = suite_create("runtime-security");
	TCase *tc = tcase_create("security");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_runtime__memory_oom);
	tcase_add_test(tc, test_runtime__pids_limit);
	tcase_add_test(tc, test_runtime__bad_limits);
	tcase_add_test(tc, test_runtime__seccomp);
	tcase_add_test(tc, test_runtime__caps);
	tcase_add_test(tc, test_runtime__rlimits_and_nnp);
	tcase_add_test(tc, test_runtime__host_settings);
	tcase_add_test(tc, test_runtime__network_host);
	tcase_add_test(tc, test_runtime__no_leaks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(runtime_security_suite(), 1);
}
