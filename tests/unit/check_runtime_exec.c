/* Exec instances (privileged): pipes with stdin and its EOF, a TTY from
 * the container's devpts with its size, resize and exit status, detached
 * execs, privileged execs, inspect (running, PID, exit code) and the
 * errors (started twice, command not found, no TTY, stopped container). */
#define _GNU_SOURCE
#define TR_FIXTURE "runtime-exec"
#include "check_runtime.h"

#include <poll.h>
#include <signal.h>

/* A running container that sleeps until killed. */
static engine_container *running_c(void)
{
	engine_spec *s = tr_spec(rootfs, SH("trap 'exit 0' TERM; while :; do sleep 0.1; done"));
	engine_container *c = NULL;

	ck_assert_engine_ok(engine_spec_set_stdio(s, ENGINE_STDIO_NULL));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	ck_assert_engine_ok(engine_container_start(c));
	return c;
}

static void remove_c(engine_container *c)
{
	ck_assert_engine_ok(engine_container_remove(c, 1));
	engine_container_free(c);
}

/* Read @fd into @buf until EOF/EIO (or, with @until, until it shows up). */
static size_t read_fd(int fd, char *buf, size_t size, size_t have, const char *until)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		buf[have] = '\0';
		if (until && strstr(buf, until))
			return have;
		ck_assert_int_eq(poll(&p, 1, 60000), 1);
		n = read(fd, buf + have, size - have - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ck_assert_msg(n == 0 || errno == EIO, "read: %s", strerror(errno));
			ck_assert_msg(!until, "EOF before [%s]: [%s]", until, buf);
			return have;
		}
		have += (size_t)n;
		ck_assert_uint_lt(have, size - 1);
	}
}

static engine_exec *make_exec(engine_container *c, const char *script, int tty, int open_stdin)
{
	engine_exec_config cfg = ENGINE_EXEC_CONFIG_INIT;
	engine_exec *x = NULL;

	cfg.argv = (engine_strarray){(char **)SH(script), 3};
	cfg.tty = tty;
	cfg.open_stdin = open_stdin;
	if (tty) {
		cfg.tty_rows = 24;
		cfg.tty_cols = 80;
	}
	ck_assert_engine_ok(engine_exec_create(c, &cfg, &x));
	return x;
}

START_TEST(test_exec__pipes)
{
	engine_container *c = running_c();
	engine_exec *x = make_exec(c, "read v; echo got $v; echo err >&2; exit 5", 0, 1);
	engine_exec_state st = ENGINE_EXEC_STATE_INIT;
	char out[256], err[256];
	int code = -1;

	ck_assert_engine_ok(engine_exec_inspect(x, &st));
	ck_assert_int_eq(st.started, 0);
	ck_assert_int_eq(st.pid, 0);
	ck_assert_int_eq(st.exit_code, -1);
	ck_assert_engine_error(engine_exec_wait(x, 0, &code), ENGINE_EINVALID, "not started");
	ck_assert_engine_ok(engine_exec_start(x, NULL));
	ck_assert_engine_error(engine_exec_start(x, NULL), ENGINE_EBUSY, "already been started");
	ck_assert_int_ge(engine_exec_fd(x, 0), 0);
	ck_assert_int_eq(engine_exec_fd(x, 3), -1);
	ck_assert_engine_ok(engine_exec_inspect(x, &st));
	ck_assert_int_eq(st.running, 1);
	ck_assert_int_gt(st.pid, 0);
	ck_assert_int_eq(st.tty, 0);
	ck_assert_int_eq(write(engine_exec_fd(x, 0), "hi\n", 3), 3);
	ck_assert_engine_ok(engine_exec_close_stdin(x));
	ck_assert_int_eq(engine_exec_fd(x, 0), -1);
	read_fd(engine_exec_fd(x, 1), out, sizeof(out), 0, NULL);
	read_fd(engine_exec_fd(x, 2), err, sizeof(err), 0, NULL);
	ck_assert_str_eq(out, "got hi\n");
	ck_assert_str_eq(err, "err\n");
	ck_assert_engine_ok(engine_exec_wait(x, -1, &code));
	ck_assert_int_eq(code, 5);
	ck_assert_engine_ok(engine_exec_inspect(x, &st));
	ck_assert_int_eq(st.running, 0);
	ck_assert_int_eq(st.exit_code, 5);
	ck_assert_engine_error(engine_exec_resize(x, 10, 10), ENGINE_EINVALID, "no TTY");
	ck_assert_engine_error(engine_exec_kill(x, SIGTERM), ENGINE_EBUSY, "not running");
	ck_assert_str_eq(engine_exec_container_id(x), engine_container_id(c));
	engine_exec_free(x);
	remove_c(c);
}
END_TEST

START_TEST(test_exec__tty)
{
	engine_container *c = running_c();
	engine_exec *x = make_exec(c, "tty; stty size; read v; echo [$v]; stty size; exit 3", 1, 1);
	char out[1024];
	size_t n;
	int code = -1;

	ck_assert_engine_ok(engine_exec_start(x, NULL));
	ck_assert_int_ge(engine_exec_fd(x, 0), 0);
	ck_assert_int_eq(engine_exec_fd(x, 0), engine_exec_fd(x, 1));
	ck_assert_int_eq(engine_exec_fd(x, 2), -1);
	n = read_fd(engine_exec_fd(x, 1), out, sizeof(out), 0, "24 80\r\n");
	ck_assert_engine_ok(engine_exec_resize(x, 40, 120));
	ck_assert_int_eq(write(engine_exec_fd(x, 0), "abc\r", 4), 4);
	read_fd(engine_exec_fd(x, 1), out, sizeof(out), n, NULL);
	/* Its own pty of the container's devpts (the container has none: pts/0). */
	ck_assert_str_eq(out, "/dev/pts/0\r\n24 80\r\nabc\r\n[abc]\r\n40 120\r\n");
	ck_assert_engine_ok(engine_exec_wait(x, -1, &code));
	ck_assert_int_eq(code, 3);
	ck_assert_engine_error(engine_exec_resize(x, 40, 120), ENGINE_EBUSY, "not running");
	engine_exec_free(x);

	/* ctrl-d ends a read on the terminal; a signal ends a process. */
	x = make_exec(c, "cat; echo eof; exec sleep 100", 1, 1);
	ck_assert_engine_ok(engine_exec_start(x, NULL));
	ck_assert_engine_ok(engine_exec_close_stdin(x));
	read_fd(engine_exec_fd(x, 1), out, sizeof(out), 0, "eof\r\n");
	ck_assert_engine_error(engine_exec_wait(x, 0.1, &code), ENGINE_ETIMEOUT, "still running");
	ck_assert_engine_ok(engine_exec_kill(x, SIGKILL));
	ck_assert_engine_ok(engine_exec_wait(x, -1, &code));
	ck_assert_int_eq(code, 128 + SIGKILL);
	engine_exec_free(x);
	remove_c(c);
}
END_TEST

START_TEST(test_exec__detach_privileged)
{
	engine_exec_start_options so = ENGINE_EXEC_START_OPTIONS_INIT;
	engine_exec_options eo = ENGINE_EXEC_OPTIONS_INIT;
	engine_exec_config cfg = ENGINE_EXEC_CONFIG_INIT;
	engine_container *c = running_c();
	engine_exec *x = make_exec(c, "echo detached > /tmp/mark", 0, 1);
	engine_run_result *res = NULL;
	char caps[2][64];
	int code = -1;

	so.detach = 1;
	ck_assert_engine_ok(engine_exec_start(x, &so));
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(engine_exec_fd(x, i), -1);
	ck_assert_engine_ok(engine_exec_wait(x, -1, &code));
	ck_assert_int_eq(code, 0);
	engine_exec_free(x);
	eo.argv = (engine_strarray){(char **)SH("cat /tmp/mark"), 3};
	ck_assert_engine_ok(engine_container_exec(c, &eo, &res));
	ck_assert_str_eq(res->stdout_data, "detached\n");
	engine_run_result_free(res);

	/* --privileged: every capability, more than the container's default set. */
	for (int i = 0; i < 2; i++) {
		engine_exec_start_options fo = ENGINE_EXEC_START_OPTIONS_INIT;
		int p[2];
		size_t n;

		cfg.argv = (engine_strarray){(char **)SH("grep CapEff /proc/self/status"), 3};
		cfg.privileged = i;
		ck_assert_engine_ok(engine_exec_create(c, &cfg, &x));
		ck_assert_int_eq(pipe(p), 0);
		fo.stdio = ENGINE_STDIO_FDS;
		fo.out_fd = p[1];
		ck_assert_engine_ok(engine_exec_start(x, &fo));
		close(p[1]);
		n = read_fd(p[0], caps[i], sizeof(caps[i]), 0, NULL);
		close(p[0]);
		ck_assert_uint_gt(n, 0);
		ck_assert_engine_ok(engine_exec_wait(x, -1, &code));
		ck_assert_int_eq(code, 0);
		engine_exec_free(x);
	}
	ck_assert_str_ne(caps[0], caps[1]);
	remove_c(c);
}
END_TEST

START_TEST(test_exec__errors)
{
	engine_exec_start_options so = ENGINE_EXEC_START_OPTIONS_INIT;
	engine_exec_config cfg = ENGINE_EXEC_CONFIG_INIT;
	engine_exec_state st = ENGINE_EXEC_STATE_INIT;
	engine_container *c = running_c();
	engine_exec *x = NULL;
	char *nope[] = {"/no/such/command", NULL};
	int code = -1;

	ck_assert_engine_error(engine_exec_create(c, &cfg, &x), ENGINE_EINVALID, "no command");
	cfg.argv = (engine_strarray){nope, 1};
	cfg.tty_rows = 10;
	ck_assert_engine_error(engine_exec_create(c, &cfg, &x), ENGINE_EINVALID, "terminal size");
	cfg.tty_rows = 0;
	ck_assert_engine_ok(engine_exec_create(c, &cfg, &x));
	ck_assert_int_eq(engine_exec_start(x, NULL), ENGINE_ENOTFOUND);
	ck_assert_engine_ok(engine_exec_inspect(x, &st));
	ck_assert_int_eq(st.started, 1);
	ck_assert_int_eq(st.running, 0);
	ck_assert_int_eq(st.exit_code, 127);
	ck_assert_engine_ok(engine_exec_wait(x, -1, &code));
	ck_assert_int_eq(code, 127);
	engine_exec_free(x);

	/* A TTY's stdio is its pty. */
	cfg.argv = (engine_strarray){(char **)SH("true"), 3};
	cfg.tty = 1;
	ck_assert_engine_ok(engine_exec_create(c, &cfg, &x));
	so.stdio = ENGINE_STDIO_FDS;
	ck_assert_engine_error(engine_exec_start(x, &so), ENGINE_EINVALID, "pty");
	engine_exec_free(x);

	ck_assert_engine_ok(engine_container_stop(c, 5));
	ck_assert_engine_error(engine_exec_create(c, &cfg, &x), ENGINE_EBUSY, "not running");
	remove_c(c);
}
END_TEST

static Suite *exec_suite(void)
{
	Suite *s = suite_create("runtime-exec");
	TCase *tc = tcase_create("exec");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_exec__pipes);
	tcase_add_test(tc, test_exec__tty);
	tcase_add_test(tc, test_exec__detach_privileged);
	tcase_add_test(tc, test_exec__errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(exec_suite(), 1);
}
