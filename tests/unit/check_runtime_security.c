/* engine_run with limits and security (privileged): OOM kill reported,
 * pids limit, seccomp default vs unconfined, dropped capabilities, rlimits,
 * the namespace modes (--ipc, --uts, --pid, --cgroupns, --userns), and a leak test over many ephemeral runs.
 */
#define TR_FIXTURE "runtime-sec"
#include "check_runtime.h"

#include <dirent.h>
#include <sched.h>
#include <signal.h>

#include "runtime/runtime.h"

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

static void host_ns(char *out, size_t len)
{
	static const char *const names[] = {"ipc", "uts", "pid", "cgroup"};

	out[0] = 0;
	for (size_t i = 0; i < 4; i++) {
		char path[64], link[64];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/ns/%s", names[i]);
		n = readlink(path, link, sizeof(link) - 1);
		ck_assert_int_gt(n, 0);
		link[n] = 0;
		snprintf(out + strlen(out), len - strlen(out), "%s\n", link);
	}
}

#define NS_LINKS                                                                                             \
	SH("for n in ipc uts pid cgroup; do readlink /proc/self/ns/$n; done; grep -c ' /dev/shm ' "          \
	   "/proc/mounts")

/* --ipc, --uts, --pid, --cgroupns, --userns: Docker's values only; without
 * them every namespace is the container's own; with "host" the host's. */
START_TEST(test_runtime__ns_modes)
{
	engine_spec *s = tr_spec(rootfs, NS_LINKS), *copy = NULL;
	engine_run_result *res;
	engine__plan *p;
	char host[512], want[600];

	host_ns(host, sizeof(host));
	ck_assert_engine_error(engine_spec_set_ipc(s, "bogus"), ENGINE_EINVALID, "invalid IPC mode: bogus");
	ck_assert_engine_error(engine_spec_set_ipc(s, "container:"), ENGINE_EINVALID, "invalid IPC mode");
	ck_assert_engine_error(engine_spec_set_pid(s, "private"), ENGINE_EINVALID,
			       "invalid PID mode: private");
	ck_assert_engine_error(engine_spec_set_uts(s, "container:x"), ENGINE_EINVALID, "invalid UTS mode");
	ck_assert_engine_error(engine_spec_set_userns_mode(s, "remap"), ENGINE_EINVALID, "invalid USER mode");
	ck_assert_engine_error(engine_spec_set_cgroupns(s, "shared"), ENGINE_EINVALID,
			       "invalid cgroup namespace mode: shared");
	ck_assert_engine_error(engine_spec_set_ipc(NULL, "host"), ENGINE_EINVALID, "spec is NULL");
	/* the default: namespaces of its own, a /dev/shm of its own */
	res = run(s);
	ck_assert_int_eq(res->exit_code, 0);
	for (char *save = NULL, *line = strtok_r(res->stdout_data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (strchr(line, ':'))
			ck_assert_msg(!strstr(host, line), "the host's namespace %s by default", line);
	engine_run_result_free(res);

	/* host: the host's, and the host's /dev/shm bound */
	s = tr_spec(rootfs, NS_LINKS);
	ck_assert_engine_ok(engine_spec_set_ipc(s, "host"));
	ck_assert_engine_ok(engine_spec_set_uts(s, "host"));
	ck_assert_engine_ok(engine_spec_set_pid(s, "host"));
	ck_assert_engine_ok(engine_spec_set_cgroupns(s, "host"));
	ck_assert_engine_ok(engine_spec_set_userns_mode(s, "host"));
	/* config.json keeps them */
	ck_assert_engine_ok(engine__spec_copy(s, &copy));
	ck_assert_str_eq(copy->ipc_mode, "host");
	ck_assert_str_eq(copy->uts_mode, "host");
	ck_assert_str_eq(copy->pid_mode, "host");
	ck_assert_str_eq(copy->cgroupns_mode, "host");
	ck_assert_str_eq(copy->userns_mode, "host");
	ck_assert(!engine__spec_ns_default(copy));
	engine_spec_free(copy);
	res = run(s);
	snprintf(want, sizeof(want), "%s1\n", host);
	ck_assert_str_eq(res->stdout_data, want);
	engine_run_result_free(res);

	/* none: no /dev/shm; "" is the default again */
	s = tr_spec(rootfs, SH("grep -c ' /dev/shm ' /proc/mounts"));
	ck_assert_engine_ok(engine_spec_set_pid(s, "host"));
	ck_assert_engine_ok(engine_spec_set_pid(s, ""));
	ck_assert_engine_ok(engine_spec_set_ipc(s, "none"));
	res = run(s);
	ck_assert_str_eq(res->stdout_data, "0\n");
	engine_run_result_free(res);

	/* a hostname with the host's UTS namespace: dockerd's words */
	s = tr_spec(rootfs, SH("true"));
	ck_assert_engine_ok(engine_spec_set_uts(s, "host"));
	ck_assert_engine_ok(engine_spec_set_hostname(s, "x"));
	ck_assert_engine_error(engine_run(ctx, s, &res), ENGINE_EINVALID,
			       "conflicting options: hostname and the UTS mode");
	engine_spec_free(s);

	/* the plan: which namespaces are left to the clone */
	s = tr_spec(rootfs, SH("true"));
	ck_assert(engine__spec_ns_default(s));
	ck_assert_engine_ok(engine_spec_set_ipc(s, "container:other"));
	ck_assert_engine_ok(engine_spec_set_pid(s, "container:other"));
	ck_assert(!engine__spec_ns_default(s));
	p = engine__plan_alloc();
	p->clone_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
	p->new_cgroupns = true;
	ck_assert_engine_ok(engine__plan_ns(p, s));
	ck_assert_uint_eq(p->clone_flags, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWNET);
	ck_assert(p->new_cgroupns && !p->no_shm);
	ck_assert_int_eq(p->join_ipcns_fd, -1);
	ck_assert_int_eq(p->join_pidns_fd, -1);
	/* joining one that does not exist */
	ck_assert_engine_error(engine__plan_ns_join(ctx, p, s), ENGINE_ENOTFOUND, "ipc mode container:other");
	engine__plan_free(p);
	engine_spec_free(s);
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
		char mem[512], pids[512];

		/* A few finished runs' cgroups are kept for the next runs (four
		 * ready, four on their way), none once they are dropped. */
		snprintf(mem, sizeof(mem), "/sys/fs/cgroup/memory/%s", cg_parent);
		snprintf(pids, sizeof(pids), "/sys/fs/cgroup/pids/%s", cg_parent);
		ck_assert_int_le(count_subdirs(mem), 8);
		ck_assert_int_le(count_subdirs(pids), 8);
		engine__run_stock_drop(ctx);
		ck_assert_int_eq(count_subdirs(mem), 0);
		ck_assert_int_eq(count_subdirs(pids), 0);
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
	tcase_add_test(tc, test_runtime__ns_modes);
	tcase_add_test(tc, test_runtime__no_leaks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(runtime_security_suite(), 1);
}
