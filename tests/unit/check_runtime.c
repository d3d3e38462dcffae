/* engine_run end to end (privileged): spawn, rootfs, env, user, mounts,
 * exit codes, capture, timeout, and nothing left behind. */
#define TR_FIXTURE "runtime"
#include "check_runtime.h"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "init/init.h"
#include "runtime/runtime.h"

static char *sh(engine_spec *s)
{
	char *out = tr_sh(ctx, s);

	engine_spec_free(s);
	return out;
}

START_TEST(test_runtime__echo)
{
	engine_run_result *res;
	engine_spec *s = tr_spec(rootfs, (const char *const[]){"echo", "hello", NULL});
	char path[4096];

	res = tr_run_ok(ctx, s);
	ck_assert_int_eq(res->exit_code, 0);
	ck_assert_int_eq(res->signal, 0);
	ck_assert_int_eq(res->timed_out, 0);
	ck_assert_int_eq(res->stdout_len, 6);
	ck_assert_str_eq(res->stdout_data, "hello\n");
	ck_assert_int_eq(res->stderr_len, 0);
	ck_assert_int_eq(strlen(res->id), 64);
	snprintf(path, sizeof(path), "%s/containers/%s", root, res->id);
	ck_assert_msg(access(path, F_OK) < 0, "%s left behind", path);
	engine_run_result_free(res);
	engine_spec_free(s);
}
END_TEST

START_TEST(test_runtime__exit_code_and_signal)
{
	engine_run_result *res;
	engine_spec *s = tr_spec(rootfs, SH("echo err >&2; exit 3"));

	res = tr_run_ok(ctx, s);
	ck_assert_int_eq(res->exit_code, 3);
	ck_assert_str_eq(res->stderr_data, "err\n");
	engine_run_result_free(res);
	engine_spec_free(s);

	/* PID 1 ignores signals it has no handler for, even from itself; a
	 * command under --init does not. */
	s = tr_spec(rootfs, SH("kill -KILL $$; echo survived"));
	res = tr_run_ok(ctx, s);
	ck_assert_int_eq(res->exit_code, 0);
	ck_assert_str_eq(res->stdout_data, "survived\n");
	engine_run_result_free(res);
	engine_spec_free(s);
	s = tr_spec(rootfs, SH("kill -KILL $$; echo survived"));
	ck_assert_engine_ok(engine_spec_set_init(s, 1));
	res = tr_run_ok(ctx, s);
	ck_assert_int_eq(res->exit_code, 128 + SIGKILL);
	ck_assert_int_eq(res->stdout_len, 0);
	engine_run_result_free(res);
	engine_spec_free(s);
}
END_TEST

START_TEST(test_runtime__command_not_found)
{
	engine_run_result *res = NULL;
	engine_spec *s = tr_spec(rootfs, (const char *const[]){"nope", NULL});

	ck_assert_engine_error(engine_run(ctx, s, &res), ENGINE_ENOTFOUND,
			       "exec: \"nope\": executable file not found in $PATH");
	ck_assert(res != NULL);
	ck_assert_int_eq(res->exit_code, 127);
	engine_run_result_free(res);
	engine_spec_free(s);

	/* Not executable: 126. */
	s = tr_spec(rootfs, (const char *const[]){"/etc/passwd", NULL});
	res = NULL;
	ck_assert_engine_error(engine_run(ctx, s, &res), ENGINE_EPERM, "/etc/passwd");
	ck_assert_int_eq(res->exit_code, 126);
	engine_run_result_free(res);
	engine_spec_free(s);
}
END_TEST

START_TEST(test_runtime__env_precedence)
{
	char envfile[4096];
	engine_spec *s = tr_spec(rootfs, SH("echo $A.$B.$C.$PASS.${UNSET-none}.$HOSTNAME.$HOME"));
	char *out;

	snprintf(envfile, sizeof(envfile), "%s/env.list", root);
	tr_write(root, "env.list", "# comment\nA=file\nB=file\n", 0644);
	setenv("PASS", "through", 1);
	unsetenv("UNSET");
	ck_assert_engine_ok(engine_spec_add_env_file(s, envfile));
	ck_assert_engine_ok(engine_spec_add_env(s, "B=cli"));
	ck_assert_engine_ok(engine_spec_add_env(s, "C=cli"));
	ck_assert_engine_ok(engine_spec_add_env(s, "PASS"));
	ck_assert_engine_ok(engine_spec_add_env(s, "UNSET"));
	ck_assert_engine_ok(engine_spec_set_hostname(s, "box"));
	out = sh(s);
	ck_assert_str_eq(out, "file.cli.cli.through.none.box./root\n");
	free(out);
	/* Docker's order: PATH, HOSTNAME, the container's own, HOME last (as
	 * the command was started: PID 1's environ, not a shell's). */
	s = tr_spec(rootfs, SH("tr '\\0' '\\n' </proc/1/environ | cut -d= -f1 | tr '\\n' ' '"));
	ck_assert_engine_ok(engine_spec_add_env(s, "Z=1"));
	ck_assert_engine_ok(engine_spec_add_env(s, "A=2"));
	out = sh(s);
	ck_assert_str_eq(out, "PATH HOSTNAME Z A HOME ");
	free(out);
}
END_TEST

START_TEST(test_runtime__user_and_workdir)
{
	engine_spec *s = tr_spec(rootfs, SH("id; pwd; echo $HOME"));
	char *out;

	ck_assert_engine_ok(engine_spec_set_user(s, "app"));
	ck_assert_engine_ok(engine_spec_set_working_dir(s, "/work/dir"));
	out = sh(s);
	ck_assert_str_eq(out,
			 "uid=1000(app) gid=1000(app) groups=50(staff),1000(app)\n/work/dir\n/home/app\n");
	free(out);

	s = tr_spec(rootfs, SH("id -u; id -g"));
	ck_assert_engine_ok(engine_spec_set_user(s, "4242:nogroup"));
	out = sh(s);
	ck_assert_str_eq(out, "4242\n65534\n");
	free(out);

	{
		engine_run_result *res = NULL;

		s = tr_spec(rootfs, SH("true"));
		ck_assert_engine_ok(engine_spec_set_user(s, "ghost"));
		ck_assert_engine_error(engine_run(ctx, s, &res), ENGINE_ENOTFOUND,
				       "unable to find user ghost");
		ck_assert(res == NULL);
		engine_spec_free(s);
	}
}
END_TEST

START_TEST(test_runtime__hostname_and_namespaces)
{
	engine_spec *s = tr_spec(
	    rootfs, SH("hostname; echo $$; cat /etc/hostname; ip link 2>/dev/null | grep -c LOOPBACK,UP"));
	char *out;

	ck_assert_engine_ok(engine_spec_set_hostname(s, "h1"));
	out = sh(s);
	ck_assert_str_eq(out, "h1\n1\nh1\n1\n");
	free(out);
}
END_TEST

START_TEST(test_runtime__read_only_rootfs)
{
	engine_spec *s =
	    tr_spec(rootfs, SH("touch /x 2>/dev/null && echo rw || echo ro; touch /tmp/y && echo tmpok"));
	char *out;

	ck_assert_engine_ok(engine_spec_set_read_only(s, 1));
	ck_assert_engine_ok(engine_spec_add_tmpfs(s, "/tmp", "size=1m"));
	out = sh(s);
	ck_assert_str_eq(out, "ro\ntmpok\n");
	free(out);

	/* The image directory is never written through the overlay. */
	s = tr_spec(rootfs, SH("echo data > /new && rm /bin/cat && echo ok"));
	out = sh(s);
	ck_assert_str_eq(out, "ok\n");
	free(out);
	{
		char p[4096];

		snprintf(p, sizeof(p), "%s/new", rootfs);
		ck_assert(access(p, F_OK) < 0);
		snprintf(p, sizeof(p), "%s/bin/cat", rootfs);
		ck_assert(access(p, F_OK) == 0 || errno != ENOENT);
	}
}
END_TEST

START_TEST(test_runtime__volumes_and_files)
{
	char vol[2048], spec_rw[4200], spec_ro[4200], path[4096];
	engine_spec *s;
	char *out;

	snprintf(vol, sizeof(vol), "%s/vol", root);
	ck_assert_int_eq(mkdir(vol, 0755), 0);
	snprintf(spec_rw, sizeof(spec_rw), "%s:/data", vol);
	snprintf(spec_ro, sizeof(spec_ro), "%s:/ro:ro", vol);
	s = tr_spec(rootfs, SH("echo persisted > /data/f && (echo x > /ro/g) 2>/dev/null || echo ro-refused; "
			       "cat /etc/app.conf; stat -c %a /etc/app.conf"));
	ck_assert_engine_ok(engine_spec_add_volume(s, spec_rw));
	ck_assert_engine_ok(engine_spec_add_volume(s, spec_ro));
	ck_assert_engine_ok(engine_spec_add_file(s, "/etc/app.conf", "key=value\n", 10, 0600));
	out = sh(s);
	ck_assert_str_eq(out, "ro-refused\nkey=value\n600\n");
	free(out);
	snprintf(path, sizeof(path), "%s/f", vol);
	ck_assert_int_eq(access(path, F_OK), 0);
	/* Data outlives the container: a second one sees it. */
	s = tr_spec(rootfs, SH("cat /data/f"));
	ck_assert_engine_ok(engine_spec_add_mount(s, vol, "/data", 1));
	out = sh(s);
	ck_assert_str_eq(out, "persisted\n");
	free(out);
}
END_TEST

START_TEST(test_runtime__bad_mount_spec)
{
	engine_spec *s = tr_spec(rootfs, SH("true"));
	engine_run_result *res = NULL;

	ck_assert_engine_error(engine_spec_add_volume(s, "x:/x"), ENGINE_EINVALID,
			       "invalid volume name \"x\"");
	ck_assert_engine_error(engine_spec_add_volume(s, "a/b:/x"), ENGINE_EINVALID, "invalid volume name");
	ck_assert_engine_error(engine_spec_add_volume(s, "name:rel"), ENGINE_EINVALID,
			       "destination must be absolute");
	ck_assert_engine_error(engine_spec_add_volume(s, "/a:rel"), ENGINE_EINVALID, "unknown mode \"rel\"");
	ck_assert_engine_error(engine_spec_add_volume(s, "/a:/b:xx"), ENGINE_EINVALID, "unknown mode");
	ck_assert_engine_error(engine_spec_add_volume(s, "/a:/b:ro:x"), ENGINE_EINVALID, "unknown mode");
	ck_assert_engine_error(engine_spec_add_mount_str(s, "type=volume,dst=/v,bogus=1"), ENGINE_EINVALID,
			       "unknown field \"bogus\"");
	ck_assert_engine_error(engine_spec_add_mount_str(s, "type=tmpfs"), ENGINE_EINVALID,
			       "target is required");
	ck_assert_engine_error(engine_spec_add_mount_str(s, "type=bind,src=/nonexistent-engine-src,dst=/b"),
			       ENGINE_ENOTFOUND, "bind source path does not exist");
	ck_assert_engine_ok(engine_spec_add_mount(s, "/nonexistent-engine-src", "/b", 0));
	ck_assert_engine_error(engine_spec_add_volume(s, "/c:/b"), ENGINE_EINVALID,
			       "duplicate mount point: /b");
	ck_assert_engine_error(engine_run(ctx, s, &res), ENGINE_ENOTFOUND, "/nonexistent-engine-src");
	engine_spec_free(s);
}
END_TEST

START_TEST(test_runtime__health_spec)
{
	engine_spec *s = NULL, *copy = NULL;
	char *cmd[] = {"CMD", "true"}, *shell[] = {"CMD-SHELL", "test -f /ok"}, *none[] = {"NONE"},
	     *bad[] = {"CMD"}, *other[] = {"RUN", "x"};
	engine_strarray a = {cmd, 2};

	ck_assert_engine_ok(engine_spec_new(&s));
	ck_assert_engine_ok(engine_spec_set_healthcheck(s, &a));
	a = (engine_strarray){none, 1};
	ck_assert_engine_ok(engine_spec_set_healthcheck(s, &a));
	a = (engine_strarray){bad, 1};
	ck_assert_engine_error(engine_spec_set_healthcheck(s, &a), ENGINE_EINVALID,
			       "health check test \"CMD\"");
	a = (engine_strarray){other, 2};
	ck_assert_engine_error(engine_spec_set_healthcheck(s, &a), ENGINE_EINVALID,
			       "health check test \"RUN\"");
	a = (engine_strarray){shell, 2};
	ck_assert_engine_ok(engine_spec_set_healthcheck(s, &a));
	ck_assert_engine_ok(engine_spec_set_health_option(s, "interval", "1m30s"));
	ck_assert_engine_ok(engine_spec_set_health_option(s, "timeout", "500ms"));
	ck_assert_engine_ok(engine_spec_set_health_option(s, "start-period", "2s"));
	ck_assert_engine_ok(engine_spec_set_health_option(s, "retries", "5"));
	ck_assert_engine_error(engine_spec_set_health_option(s, "interval", "10"), ENGINE_EINVALID,
			       "health check interval \"10\"");
	ck_assert_engine_error(engine_spec_set_health_option(s, "timeout", "10us"), ENGINE_EINVALID,
			       "at least 1ms");
	ck_assert_engine_error(engine_spec_set_health_option(s, "retries", "-1"), ENGINE_EINVALID, "retries");
	ck_assert_engine_error(engine_spec_set_health_option(s, "every", "1s"), ENGINE_EINVALID,
			       "unknown health check option \"every\"");
	/* kept across the JSON a container's config.json holds */
	ck_assert_engine_ok(engine__spec_copy(s, &copy));
	ck_assert_str_eq(copy->health_test[0], "CMD-SHELL");
	ck_assert_str_eq(copy->health_test[1], "test -f /ok");
	ck_assert_int_eq(copy->health_interval, 90000000000LL);
	ck_assert_int_eq(copy->health_timeout, 500000000LL);
	ck_assert_int_eq(copy->health_start_period, 2000000000LL);
	ck_assert_int_eq(copy->health_retries, 5);
	engine_spec_free(copy);
	engine_spec_free(s);
}
END_TEST

START_TEST(test_runtime__masked_paths)
{
	engine_spec *s =
	    tr_spec(rootfs, SH("wc -c < /proc/timer_list; ls /proc/acpi 2>/dev/null | wc -l; "
			       "(echo 1 > /proc/sys/kernel/domainname) 2>/dev/null || echo sys-ro; "
			       "touch /sys/x 2>/dev/null || echo sysfs-ro; ls /dev/null /dev/zero "
			       "/dev/urandom /dev/pts/ptmx >/dev/null && echo dev"));
	char *out = sh(s);

	ck_assert_str_eq(out, "0\n0\nsys-ro\nsysfs-ro\ndev\n");
	free(out);
}
END_TEST

START_TEST(test_runtime__big_output)
{
	engine_spec *s = tr_spec(rootfs, SH("head -c 3000000 /dev/zero; head -c 2000000 /dev/zero >&2"));
	engine_run_result *res = tr_run_ok(ctx, s);

	ck_assert_int_eq(res->exit_code, 0);
	ck_assert_int_eq(res->stdout_len, 3000000);
	ck_assert_int_eq(res->stderr_len, 2000000);
	engine_run_result_free(res);
	engine_spec_free(s);
}
END_TEST

START_TEST(test_runtime__timeout)
{
	engine_spec *s = tr_spec(rootfs, SH("echo started; sleep 30 & sleep 30"));
	engine_run_result *res;

	ck_assert_engine_ok(engine_spec_set_timeout(s, 1.5));
	res = tr_run_ok(ctx, s);
	ck_assert_int_eq(res->timed_out, 1);
	ck_assert_int_eq(res->signal, SIGKILL);
	ck_assert_str_eq(res->stdout_data, "started\n");
	engine_run_result_free(res);
	engine_spec_free(s);
}
END_TEST

START_TEST(test_runtime__caller_unchanged)
{
	/* The child is non-dumpable until exec, and in its own session; with
	 * CLONE_VM it shares the caller's mm, which must not inherit that. */
	engine_spec *s = tr_spec(rootfs, SH("true"));
	engine_run_result *res;
	pid_t sid = getsid(0);

	ck_assert_int_eq(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	res = tr_run_ok(ctx, s);
	ck_assert_int_eq(res->exit_code, 0);
	ck_assert_int_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	ck_assert_int_eq(getsid(0), sid);
	engine_run_result_free(res);
	engine_spec_free(s);
}
END_TEST

START_TEST(test_runtime__init_forwards_signals)
{
	/* A signal to PID 1 (engine-init) reaches the command. */
	engine_spec *s =
	    tr_spec(rootfs, SH("trap 'echo got TERM; exit 5' TERM; kill -TERM 1; sleep 5 & wait"));
	engine_run_result *res;

	ck_assert_engine_ok(engine_spec_set_init(s, 1));
	res = tr_run_ok(ctx, s);
	ck_assert_int_eq(res->exit_code, 5);
	ck_assert_str_eq(res->stdout_data, "got TERM\n");
	engine_run_result_free(res);
	engine_spec_free(s);
}
END_TEST

START_TEST(test_runtime__init_memfd_sealed)
{
	/* What every container process is exec'd from: an immutable copy. */
	int fd = engine__init_fd(ctx), rw, want = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	char path[64], head[4];
	struct stat st;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(engine__init_fd(ctx), fd);
	ck_assert_int_eq(fcntl(fd, F_GET_SEALS) & want, want);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)engine__init_image_size);
	ck_assert_int_eq(pread(fd, head, 4, 0), 4);
	ck_assert_mem_eq(head, "\177ELF", 4);
	ck_assert_int_lt(pwrite(fd, "x", 1, 0), 0);
	/* Reopening it for writing, as /proc/self/exe would be, gains nothing. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rw = open(path, O_RDWR | O_CLOEXEC);
	if (rw >= 0) {
		ck_assert_int_lt(pwrite(rw, "x", 1, 0), 0);
		ck_assert_int_eq(errno, EPERM);
		ck_assert_int_lt(ftruncate(rw, 0), 0);
		close(rw);
	}
}
END_TEST

START_TEST(test_runtime__init_reaps)
{
	/* An orphan (its subshell exits first) is re-parented to PID 1; once it
	 * exits, only init can reap it: its /proc entry must go away. Follow
	 * that one process: other zombies come and go (pipeline members of
	 * command substitutions), and a snapshot of all of them is racy. */
	engine_spec *s =
	    tr_spec(rootfs, SH("echo $$; p=$( (sleep 0.1 >/dev/null 2>&1 & echo $!) ); i=0; "
			       "while [ $i -lt 200 ] && [ -e /proc/$p ]; do sleep 0.05; i=$((i+1)); done; "
			       "if [ -e /proc/$p ]; then echo \"zombie $p\"; ps -o pid,ppid,stat,comm; else "
			       "echo reaped; fi; exit 7"));
	engine_run_result *res;

	ck_assert_engine_ok(engine_spec_set_init(s, 1));
	res = tr_run_ok(ctx, s);
	ck_assert_int_eq(res->exit_code, 7);
	ck_assert_str_eq(res->stdout_data, "2\nreaped\n");
	engine_run_result_free(res);
	engine_spec_free(s);
}
END_TEST

START_TEST(test_runtime__userns)
{
	engine_spec *s =
	    tr_spec(rootfs, SH("id -u; cat /proc/self/uid_map | tr -s ' '; stat -c %u /bin/busybox; "
			       "echo x > /tmp/f && echo wrote; hostname"));
	char *out;

	ck_assert_engine_ok(engine_spec_set_userns(s, 200000, 200000, 65536));
	ck_assert_engine_ok(engine_spec_set_hostname(s, "u"));
	out = sh(s);
	/* Root inside, an unprivileged id outside; host-owned files show as nobody. */
	ck_assert_str_eq(out, "0\n 0 200000 65536\n65534\nwrote\nu\n");
	free(out);
}
END_TEST

START_TEST(test_runtime__sigchld_ignored)
{
	/* An embedder that ignores SIGCHLD (auto-reaping) still gets statuses. */
	engine_spec *s = tr_spec(rootfs, SH("exit 4"));
	engine_run_result *res;

	signal(SIGCHLD, SIG_IGN);
	res = tr_run_ok(ctx, s);
	ck_assert_int_eq(res->exit_code, 4);
	engine_run_result_free(res);
	engine_spec_free(s);
	signal(SIGCHLD, SIG_DFL);
}
END_TEST

static int count_markers(const char *dir)
{
	char path[4096];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "%s/containers", dir);
	d = opendir(path);
	while (d && (e = readdir(d)))
		if (strncmp(e->d_name, "ephemeral-", 10) == 0)
			n++;
	if (d)
		closedir(d);
	return n;
}

START_TEST(test_runtime__image)
{
	engine_spec *s = NULL;
	engine_run_result *res;
	char *id = NULL;
	char *cmd[] = {"sh", "-c", "echo $PATH; echo $E", NULL};
	engine_strarray argv = {cmd, 3};

	ck_assert_engine_ok(engine_image_create_default(ctx, NULL, &id));
	ck_assert_engine_ok(engine_spec_new(&s));
	ck_assert_engine_ok(engine_spec_set_image(s, "busybox"));
	ck_assert_engine_ok(engine_spec_set_argv(s, &argv));
	ck_assert_engine_ok(engine_spec_add_env(s, "E=spec"));
	res = tr_run_ok(ctx, s);
	ck_assert_msg(res->exit_code == 0, "stderr: %s", res->stderr_data);
	ck_assert_ptr_nonnull(strstr(res->stdout_data, "/bin"));
	ck_assert_ptr_nonnull(strstr(res->stdout_data, "\nspec\n"));
	engine_run_result_free(res);
	/* The image is marked for GC while the context lives, not after. */
	ck_assert_int_eq(count_markers(root), 1);
	res = tr_run_ok(ctx, s);
	engine_run_result_free(res);
	ck_assert_int_eq(count_markers(root), 1);
	tr_context_free(ctx);
	ctx = tr_context(root, cg_parent);
	ck_assert_int_eq(count_markers(root), 0);
	engine_spec_free(s);
	engine_free(id);
}
END_TEST

START_TEST(test_runtime__unknown_image)
{
	engine_spec *s = NULL;
	engine_run_result *res = NULL;

	ck_assert_engine_ok(engine_spec_new(&s));
	ck_assert_engine_ok(engine_spec_set_image(s, "nope"));
	ck_assert_engine_error(engine_run(ctx, s, &res), ENGINE_ENOTFOUND, "nope");
	ck_assert(res == NULL);
	engine_spec_free(s);
	ck_assert_engine_error(engine_spec_set_working_dir(NULL, "/x"), ENGINE_EINVALID, "spec is NULL");
}
END_TEST

static Suite *runtime_suite(void)
{
	Suite *s = suite_create("runtime");
	TCase *tc = tcase_create("run");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_runtime__echo);
	tcase_add_test(tc, test_runtime__exit_code_and_signal);
	tcase_add_test(tc, test_runtime__command_not_found);
	tcase_add_test(tc, test_runtime__env_precedence);
	tcase_add_test(tc, test_runtime__user_and_workdir);
	tcase_add_test(tc, test_runtime__hostname_and_namespaces);
	tcase_add_test(tc, test_runtime__read_only_rootfs);
	tcase_add_test(tc, test_runtime__volumes_and_files);
	tcase_add_test(tc, test_runtime__bad_mount_spec);
	tcase_add_test(tc, test_runtime__health_spec);
	tcase_add_test(tc, test_runtime__masked_paths);
	tcase_add_test(tc, test_runtime__big_output);
	tcase_add_test(tc, test_runtime__timeout);
	tcase_add_test(tc, test_runtime__init_reaps);
	tcase_add_test(tc, test_runtime__init_forwards_signals);
	tcase_add_test(tc, test_runtime__caller_unchanged);
	tcase_add_test(tc, test_runtime__init_memfd_sealed);
	tcase_add_test(tc, test_runtime__userns);
	tcase_add_test(tc, test_runtime__sigchld_ignored);
	tcase_add_test(tc, test_runtime__image);
	tcase_add_test(tc, test_runtime__unknown_image);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(runtime_suite(), 1);
}
