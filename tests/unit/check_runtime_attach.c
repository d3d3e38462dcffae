/* Attach, logs and wait on started containers (privileged): attaching
 * before the start loses nothing, stdin and its EOF, several attachers and
 * detaching, log replay, the log reader's filters and follow, the three
 * wait conditions with timeout and cancel fd, and the pure helpers (time
 * values, detach keys, signals, status names). */
#define _GNU_SOURCE
#define TR_FIXTURE "runtime-attach"
#include "check_runtime.h"

#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

static engine_container *create_c(const char *script, int open_stdin)
{
	engine_spec *s = tr_spec(rootfs, SH(script));
	engine_container *c = NULL;

	if (open_stdin)
		ck_assert_engine_ok(engine_spec_set_stdin(s, 1, 1));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	return c;
}

/* Read the whole attach stream: stdout into @out, stderr into @err. */
static void read_all(engine_attach *a, char *out, size_t out_size, char *err, size_t err_size)
{
	size_t no = 0, ne = 0;

	for (;;) {
		char buf[256];
		int stream = 0, n = engine_attach_read(a, buf, sizeof(buf), &stream, 60);

		ck_assert_msg(n >= 0, "attach read: %s", engine_error_last()->message);
		if (n == 0)
			break;
		if (stream == 1) {
			ck_assert_uint_lt(no + (size_t)n, out_size);
			memcpy(out + no, buf, (size_t)n);
			no += (size_t)n;
		} else {
			ck_assert_int_eq(stream, 2);
			ck_assert_uint_lt(ne + (size_t)n, err_size);
			memcpy(err + ne, buf, (size_t)n);
			ne += (size_t)n;
		}
	}
	out[no] = '\0';
	err[ne] = '\0';
}

START_TEST(test_runtime__attach_before_start)
{
	engine_container *c = create_c("echo out; echo err >&2; exit 3", 0);
	engine_attach *a = NULL, *b = NULL;
	engine_wait_result wr = ENGINE_WAIT_RESULT_INIT;
	char out[256], err[256];

	/* Two attachers, one for stdout only; both made before the start. */
	ck_assert_engine_ok(engine_container_attach(c, NULL, &a));
	{
		engine_attach_options o = ENGINE_ATTACH_OPTIONS_INIT;

		o.attach_stderr = 0;
		ck_assert_engine_ok(engine_container_attach(c, &o, &b));
	}
	ck_assert_int_eq(engine_attach_tty(a), 0);
	ck_assert_engine_ok(engine_container_start(c));
	read_all(a, out, sizeof(out), err, sizeof(err));
	ck_assert_str_eq(out, "out\n");
	ck_assert_str_eq(err, "err\n");
	read_all(b, out, sizeof(out), err, sizeof(err));
	ck_assert_str_eq(out, "out\n");
	ck_assert_str_eq(err, "");
	ck_assert_engine_ok(engine_container_wait_until(c, NULL, &wr));
	ck_assert_int_eq(wr.exit_code, 3);
	ck_assert_int_gt(wr.finished_ns, 0);
	engine_attach_free(a);
	engine_attach_free(b);
	/* No stdin asked for: writing is refused. */
	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);
}
END_TEST

/* Start @c from another process with a context of its own (like a
 * daemon's starter process), and wait until it has. */
static void start_elsewhere(engine_container *c)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
		engine_context *other = NULL;
		engine_container *oc = NULL;
		char conf[4096];

		snprintf(conf, sizeof(conf), "%s/config.json", root);
		o.root = root;
		o.config_path = conf;
		_exit(engine_context_new(&other, &o) < 0 ||
		      engine_container_open(other, engine_container_id(c), &oc) < 0 ||
		      engine_container_start(oc) < 0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
}

START_TEST(test_runtime__attach_started_elsewhere)
{
	engine_container *c = create_c("echo before; cat; echo after >&2", 1);
	engine_attach_options o = ENGINE_ATTACH_OPTIONS_INIT;
	engine_attach *a = NULL, *b = NULL;
	char out[256], err[256];

	/* A run before the attachment (its stdin closed at once): its output
	 * is not replayed. */
	o.attach_stdin = 1;
	ck_assert_engine_ok(engine_container_attach(c, &o, &a));
	ck_assert_engine_ok(engine_attach_close_stdin(a));
	ck_assert_engine_ok(engine_container_start(c));
	read_all(a, out, sizeof(out), err, sizeof(err));
	engine_attach_free(a);
	ck_assert_engine_ok(engine_container_wait(c, -1, NULL));
	ck_assert_engine_ok(engine_container_attach(c, &o, &a));
	/* Input before the start is held and delivered, its end too. */
	ck_assert_engine_ok(engine_attach_write(a, "early\n", 6));
	ck_assert_engine_ok(engine_attach_close_stdin(a));
	ck_assert_int_ge(engine_attach_fd(a), 0);
	start_elsewhere(c);
	read_all(a, out, sizeof(out), err, sizeof(err));
	ck_assert_str_eq(out, "before\nearly\n");
	ck_assert_str_eq(err, "after\n");
	engine_attach_free(a);
	ck_assert_engine_ok(engine_container_wait(c, -1, NULL));

	/* A run that starts and ends before the attachment is first read:
	 * it comes from the log. Its stdin closes through another attachment. */
	o.attach_stdin = 0;
	ck_assert_engine_ok(engine_container_attach(c, &o, &b));
	o.attach_stdin = 1;
	ck_assert_engine_ok(engine_container_attach(c, &o, &a));
	ck_assert_engine_ok(engine_attach_close_stdin(a));
	start_elsewhere(c);
	read_all(a, out, sizeof(out), err, sizeof(err));
	engine_attach_free(a);
	ck_assert_engine_ok(engine_container_wait(c, -1, NULL));
	read_all(b, out, sizeof(out), err, sizeof(err));
	ck_assert_str_eq(out, "before\n");
	ck_assert_str_eq(err, "after\n");
	engine_attach_free(b);
	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);
}
END_TEST

START_TEST(test_runtime__attach_stdin_eof)
{
	engine_container *c = create_c("cat; echo done", 1);
	engine_attach_options o = ENGINE_ATTACH_OPTIONS_INIT;
	engine_attach *a = NULL;
	char out[256], err[256];
	int code = -1;

	o.attach_stdin = 1;
	ck_assert_engine_ok(engine_container_attach(c, &o, &a));
	ck_assert_engine_ok(engine_container_start(c));
	ck_assert_engine_ok(engine_attach_write(a, "hello\n", 6));
	/* ctrl-p alone is ordinary input; the full sequence would detach. */
	ck_assert_engine_ok(engine_attach_write(a, "\x10x\n", 3));
	ck_assert_int_eq(engine_attach_detached(a), 0);
	ck_assert_engine_ok(engine_attach_close_stdin(a));
	read_all(a, out, sizeof(out), err, sizeof(err));
	ck_assert_str_eq(out, "hello\n\x10x\ndone\n");
	ck_assert_engine_ok(engine_container_wait(c, -1, &code));
	ck_assert_int_eq(code, 0);
	engine_attach_free(a);
	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);
}
END_TEST

/* `engine run --rm -i cmd </dev/null`: stdin ends before the start, and the
 * run is over and removed before the attachment is first read. What it
 * wrote waits in the socket the start took; the attachment must read it
 * although the container's directory is gone. */
START_TEST(test_runtime__attach_auto_removed_before_read)
{
	engine_spec *s = tr_spec(rootfs, SH("echo hi; echo there >&2"));
	engine_attach_options o = ENGINE_ATTACH_OPTIONS_INIT;
	engine_wait_options w = ENGINE_WAIT_OPTIONS_INIT;
	engine_wait_result wr = ENGINE_WAIT_RESULT_INIT;
	engine_container *c = NULL;
	engine_attach *a = NULL;
	char out[256], err[256];

	ck_assert_engine_ok(engine_spec_set_stdin(s, 1, 1));
	ck_assert_engine_ok(engine_spec_set_auto_remove(s, 1));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	o.attach_stdin = 1;
	ck_assert_engine_ok(engine_container_attach(c, &o, &a));
	ck_assert_engine_ok(engine_attach_close_stdin(a));
	ck_assert_engine_ok(engine_container_start(c));
	w.condition = ENGINE_WAIT_REMOVED;
	w.timeout = 60;
	ck_assert_engine_ok(engine_container_wait_until(c, &w, &wr));
	read_all(a, out, sizeof(out), err, sizeof(err));
	ck_assert_str_eq(out, "hi\n");
	ck_assert_str_eq(err, "there\n");
	engine_attach_free(a);
	engine_container_free(c);
}
END_TEST

static void wait_for_log(engine_container *c, const char *needle)
{
	for (int i = 0; i < 3000; i++) {
		engine_logs *l = NULL;
		int found = 0;

		ck_assert_engine_ok(engine_container_logs(c, NULL, &l));
		while (engine_logs_next(l, 0) == 1)
			if (memmem(engine_logs_entry(l)->data, engine_logs_entry(l)->len, needle,
				   strlen(needle)))
				found = 1;
		engine_logs_free(l);
		if (found)
			return;
		usleep(10000);
	}
	ck_abort_msg("\"%s\" never showed up in the log", needle);
}

START_TEST(test_runtime__attach_running_replay_detach)
{
	engine_container *c = create_c("echo a; read x; echo got $x; read y; echo b$y; exit 4", 1);
	engine_attach_options o = ENGINE_ATTACH_OPTIONS_INIT;
	engine_attach *a = NULL, *b = NULL;
	char buf[256], out[256], err[256];
	int stream, n, code;

	ck_assert_engine_ok(engine_container_start(c));
	wait_for_log(c, "a\n");
	/* A replaying attacher sees the past, then goes live. */
	o.logs = 1;
	o.attach_stdin = 1;
	ck_assert_engine_ok(engine_container_attach(c, &o, &a));
	n = engine_attach_read(a, buf, sizeof(buf), &stream, 60);
	ck_assert_int_eq(n, 2);
	ck_assert_mem_eq(buf, "a\n", 2);
	ck_assert_engine_ok(engine_attach_write(a, "1\n", 2));
	n = engine_attach_read(a, buf, sizeof(buf), &stream, 60);
	ck_assert_int_eq(n, 6);
	ck_assert_mem_eq(buf, "got 1\n", 6);
	/* Detach with the keys: the container keeps running. */
	ck_assert_engine_ok(engine_attach_write(a, "\x10\x11", 2));
	ck_assert_int_eq(engine_attach_detached(a), 1);
	engine_attach_free(a);
	ck_assert_str_eq(engine_container_status(c), "running");
	/* Another attacher finishes the job; EOF of a TTY-less stdin_once ends stdin. */
	o.logs = 0;
	ck_assert_engine_ok(engine_container_attach(c, &o, &b));
	ck_assert_engine_ok(engine_attach_write(b, "2\n", 2));
	read_all(b, out, sizeof(out), err, sizeof(err));
	ck_assert_str_eq(out, "b2\n");
	engine_attach_free(b);
	ck_assert_engine_ok(engine_container_wait(c, -1, &code));
	ck_assert_int_eq(code, 4);
	/* Replay only (stream 0) of an exited container's next start is empty; logs keep all. */
	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);
}
END_TEST

START_TEST(test_runtime__logs_filters)
{
	engine_container *c = create_c("echo one; echo two >&2; sleep 0.3; printf 'three\\nfour'", 0);
	engine_logs_options o = ENGINE_LOGS_OPTIONS_INIT;
	engine_logs *l = NULL;
	const engine_log_entry *e;
	int64_t t_two = 0;
	char all[512] = "";

	ck_assert_engine_ok(engine_container_start(c));
	ck_assert_engine_ok(engine_container_wait(c, -1, NULL));
	ck_assert_engine_ok(engine_container_logs(c, &o, &l));
	while (engine_logs_next(l, 0) == 1) {
		e = engine_logs_entry(l);
		strncat(all, e->data, e->len);
		if (e->stream == 2)
			t_two = e->time;
	}
	engine_logs_free(l);
	ck_assert_str_eq(all, "one\ntwo\nthree\nfour");

	/* stderr only */
	o.show_stdout = 0;
	ck_assert_engine_ok(engine_container_logs(c, &o, &l));
	ck_assert_int_eq(engine_logs_next(l, 0), 1);
	ck_assert_mem_eq(engine_logs_entry(l)->data, "two\n", 4);
	ck_assert_int_eq(engine_logs_next(l, 0), 0);
	engine_logs_free(l);

	/* tail 2: the unfinished last line counts */
	o.show_stdout = 1;
	o.tail = 2;
	ck_assert_engine_ok(engine_container_logs(c, &o, &l));
	all[0] = '\0';
	while (engine_logs_next(l, 0) == 1)
		strncat(all, engine_logs_entry(l)->data, engine_logs_entry(l)->len);
	engine_logs_free(l);
	ck_assert_str_eq(all, "three\nfour");

	/* since after "two", timestamps */
	o.tail = -1;
	o.since = t_two + 1;
	o.timestamps = 1;
	ck_assert_engine_ok(engine_container_logs(c, &o, &l));
	ck_assert_int_eq(engine_logs_next(l, 0), 1);
	e = engine_logs_entry(l);
	ck_assert_int_eq(e->len, 31 + 6);
	ck_assert_msg(e->data[4] == '-' && e->data[29] == 'Z' && e->data[30] == ' ', "timestamp: %.*s",
		      (int)e->len, e->data);
	ck_assert_mem_eq(e->data + 31, "three\n", 6);
	engine_logs_free(l);

	/* until before "three" */
	o.since = 0;
	o.timestamps = 0;
	o.until = t_two;
	ck_assert_engine_ok(engine_container_logs(c, &o, &l));
	all[0] = '\0';
	while (engine_logs_next(l, 0) == 1)
		strncat(all, engine_logs_entry(l)->data, engine_logs_entry(l)->len);
	engine_logs_free(l);
	ck_assert_str_eq(all, "one\ntwo\n");

	o.since = 5, o.until = 4;
	ck_assert_engine_error(engine_container_logs(c, &o, &l), ENGINE_EINVALID, "since");
	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);
}
END_TEST

START_TEST(test_runtime__logs_follow)
{
	engine_container *c = create_c("echo first; read x; echo second $x", 1);
	engine_logs_options o = ENGINE_LOGS_OPTIONS_INIT;
	engine_attach_options ao = ENGINE_ATTACH_OPTIONS_INIT;
	engine_attach *a = NULL;
	engine_logs *l = NULL;

	ck_assert_engine_ok(engine_container_start(c));
	wait_for_log(c, "first");
	o.follow = 1;
	ck_assert_engine_ok(engine_container_logs(c, &o, &l));
	ck_assert_int_eq(engine_logs_next(l, 5), 1);
	ck_assert_mem_eq(engine_logs_entry(l)->data, "first\n", 6);
	/* Nothing new yet: a timeout, and an fd to poll. */
	ck_assert_engine_error(engine_logs_next(l, 0.1), ENGINE_ETIMEOUT, "no log entry");
	ck_assert_int_ge(engine_logs_fd(l), 0);
	ao.attach_stdin = 1;
	ck_assert_engine_ok(engine_container_attach(c, &ao, &a));
	ck_assert_engine_ok(engine_attach_write(a, "x\n", 2));
	ck_assert_int_eq(engine_logs_next(l, 60), 1);
	ck_assert_mem_eq(engine_logs_entry(l)->data, "second x\n", 9);
	/* The container exits: the follower ends. */
	ck_assert_int_eq(engine_logs_next(l, 60), 0);
	engine_logs_free(l);
	engine_attach_free(a);
	ck_assert_engine_ok(engine_container_remove(c, 1));
	engine_container_free(c);
}
END_TEST

static void *start_later(void *arg)
{
	usleep(200 * 1000);
	ck_assert_engine_ok(engine_container_start(arg));
	return NULL;
}

START_TEST(test_runtime__wait_conditions)
{
	engine_container *c = create_c("exit 7", 0);
	engine_wait_options o = ENGINE_WAIT_OPTIONS_INIT;
	engine_wait_result wr = ENGINE_WAIT_RESULT_INIT;
	pthread_t t;
	int efd;

	/* A created container is not running: at once, code 0. */
	ck_assert_engine_ok(engine_container_wait_until(c, &o, &wr));
	ck_assert_int_eq(wr.exit_code, 0);
	/* next-exit waits across the start. */
	o.condition = ENGINE_WAIT_NEXT_EXIT;
	pthread_create(&t, NULL, start_later, c);
	ck_assert_engine_ok(engine_container_wait_until(c, &o, &wr));
	pthread_join(t, NULL);
	ck_assert_int_eq(wr.exit_code, 7);
	/* ... and not for the exit that already happened: a timeout. */
	o.timeout = 0.2;
	ck_assert_engine_error(engine_container_wait_until(c, &o, &wr), ENGINE_ETIMEOUT, "after");
	/* cancelled through an eventfd */
	efd = eventfd(1, EFD_CLOEXEC);
	o.timeout = -1;
	o.cancel_fd = efd;
	ck_assert_engine_error(engine_container_wait_until(c, &o, &wr), ENGINE_ECANCELED, "cancelled");
	close(efd);
	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);

	/* removed: an auto-removed container, its exit status survives it */
	{
		engine_spec *s = tr_spec(rootfs, SH("sleep 0.2; exit 9"));

		ck_assert_engine_ok(engine_spec_set_auto_remove(s, 1));
		ck_assert_engine_ok(engine_container_create(ctx, s, &c));
		engine_spec_free(s);
	}
	o = (engine_wait_options)ENGINE_WAIT_OPTIONS_INIT;
	o.condition = ENGINE_WAIT_REMOVED;
	pthread_create(&t, NULL, start_later, c);
	ck_assert_engine_ok(engine_container_wait_until(c, &o, &wr));
	pthread_join(t, NULL);
	ck_assert_int_eq(wr.exit_code, 9);
	{
		int st;

		ck_assert_engine_error(engine_container_status_get(c, &st), ENGINE_ENOTFOUND,
				       "no such container");
	}
	/* The handle that started it hears the exit once more (its start
	 * queued a waiter, so start-then-wait never races the removal), then
	 * the container is gone for it too. */
	o.condition = ENGINE_WAIT_NOT_RUNNING;
	wr.exit_code = 0;
	ck_assert_engine_ok(engine_container_wait_until(c, &o, &wr));
	ck_assert_int_eq(wr.exit_code, 9);
	ck_assert_engine_error(engine_container_wait_until(c, &o, &wr), ENGINE_ENOTFOUND,
			       "no such container");
	o.condition = 9;
	ck_assert_engine_error(engine_container_wait_until(c, &o, &wr), ENGINE_EINVALID, "condition");
	engine_container_free(c);
}
END_TEST

START_TEST(test_runtime__tty)
{
	engine_spec *s =
	    tr_spec(rootfs, SH("stty size; tty; ls -l /dev/console | cut -c1; echo $TERM; read x; "
			       "echo [$x]; stty size"));
	engine_attach_options o = ENGINE_ATTACH_OPTIONS_INIT;
	engine_container *c = NULL;
	engine_attach *a = NULL;
	char out[1024] = "";
	size_t no = 0;
	int code = -1, status = -1;

	ck_assert_engine_ok(engine_spec_set_tty(s, 1));
	ck_assert_engine_ok(engine_spec_set_tty_size(s, 30, 100));
	ck_assert_engine_ok(engine_spec_set_stdin(s, 1, 0));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	o.attach_stdin = 1;
	ck_assert_engine_ok(engine_container_attach(c, &o, &a));
	ck_assert_int_eq(engine_attach_tty(a), 1);
	ck_assert_engine_ok(engine_container_start(c));
	ck_assert_engine_ok(engine_container_status_get(c, &status));
	ck_assert_int_eq(status, ENGINE_STATUS_RUNNING);
	/* Wait for the first part, resize, then answer the read. */
	while (!strstr(out, "xterm\r\n")) {
		int n = engine_attach_read(a, out + no, sizeof(out) - no - 1, NULL, 60);

		ck_assert_int_gt(n, 0);
		no += (size_t)n;
		out[no] = '\0';
	}
	ck_assert_engine_ok(engine_container_resize(c, 40, 120));
	ck_assert_engine_ok(engine_attach_write(a, "hi\r", 3));
	for (;;) {
		int n = engine_attach_read(a, out + no, sizeof(out) - no - 1, NULL, 60);

		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		no += (size_t)n;
		out[no] = '\0';
	}
	/* The terminal echoes the input and turns \n into \r\n. */
	ck_assert_str_eq(out, "30 100\r\n/dev/pts/0\r\nc\r\nxterm\r\nhi\r\n[hi]\r\n40 120\r\n");
	ck_assert_engine_ok(engine_container_wait(c, -1, &code));
	ck_assert_int_eq(code, 0);
	ck_assert_engine_error(engine_container_resize(c, 40, 120), ENGINE_EBUSY, "not running");
	engine_attach_free(a);
	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);
}
END_TEST

START_TEST(test_runtime__tty_run_capture)
{
	engine_spec *s = tr_spec(rootfs, SH("tty; echo err >&2"));
	engine_run_result *res = NULL;

	ck_assert_engine_ok(engine_spec_set_tty(s, 1));
	ck_assert_engine_ok(engine_run(ctx, s, &res));
	ck_assert_str_eq(res->stdout_data, "/dev/pts/0\r\nerr\r\n");
	ck_assert_int_eq(res->stderr_len, 0);
	engine_run_result_free(res);
	engine_spec_free(s);
}
END_TEST

START_TEST(test_runtime__attach_errors)
{
	engine_spec *s = tr_spec(rootfs, SH("true"));
	engine_attach_options o = ENGINE_ATTACH_OPTIONS_INIT;
	engine_container *c = NULL;
	engine_attach *a = NULL;

	ck_assert_engine_ok(engine_spec_set_stdio(s, ENGINE_STDIO_NULL));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	ck_assert_engine_error(engine_container_attach(c, NULL, &a), ENGINE_ENOTSUP, "handed to fds");
	engine_container_free(c);
	c = create_c("true", 0);
	o.detach_keys = "ctrl-1";
	ck_assert_engine_error(engine_container_attach(c, &o, &a), ENGINE_EINVALID, "invalid key \"ctrl-1\"");
	o.detach_keys = NULL;
	ck_assert_engine_ok(engine_container_attach(c, &o, &a));
	ck_assert_engine_error(engine_attach_write(a, "x", 1), ENGINE_EINVALID, "no stdin");
	ck_assert_engine_error(engine_container_resize(c, 10, 10), ENGINE_EINVALID, "no TTY");
	/* Freed before the start: the start does not trip over it. */
	engine_attach_free(a);
	ck_assert_engine_ok(engine_container_start(c));
	ck_assert_engine_ok(engine_container_wait(c, -1, NULL));
	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);
}
END_TEST

/* --- pure helpers ---------------------------------------------------------- */

START_TEST(test_runtime__time_parse)
{
	int64_t v, now = 1700000000LL * 1000000000LL;
	char *s = NULL;

	ck_assert_engine_ok(engine_time_parse("1700000000", now, &v));
	ck_assert_int_eq(v, 1700000000LL * 1000000000LL);
	ck_assert_engine_ok(engine_time_parse("1700000000.25", now, &v));
	ck_assert_int_eq(v, 1700000000LL * 1000000000LL + 250000000LL);
	ck_assert_engine_ok(engine_time_parse("2023-11-14T22:13:20Z", now, &v));
	ck_assert_int_eq(v, now);
	ck_assert_engine_ok(engine_time_parse("2023-11-14T23:13:20.5+01:00", now, &v));
	ck_assert_int_eq(v, now + 500000000LL);
	ck_assert_engine_ok(engine_time_parse("10m", now, &v));
	ck_assert_int_eq(v, now - 600LL * 1000000000LL);
	ck_assert_engine_ok(engine_time_parse("1h30m", now, &v));
	ck_assert_int_eq(v, now - 5400LL * 1000000000LL);
	ck_assert_engine_ok(engine_time_parse("2023-11-14", now, &v));
	ck_assert_engine_error(engine_time_parse("yesterday", now, &v), ENGINE_EINVALID,
			       "invalid time \"yesterday\"");
	ck_assert_engine_error(engine_time_parse("10x", now, &v), ENGINE_EINVALID, "10x");
	ck_assert_engine_ok(engine_time_format(now + 5, &s));
	ck_assert_str_eq(s, "2023-11-14T22:13:20.000000005Z");
	engine_free(s);
	/* Docker's units.HumanDuration, as ps and images say it. */
	{
		static const struct {
			int64_t s;
			const char *text;
		} d[] = {{0, "Less than a second"}, {1, "1 second"},	     {59, "59 seconds"},
			 {90, "About a minute"},    {3000, "50 minutes"},    {5000, "About an hour"},
			 {47 * 3600, "47 hours"},   {3 * 86400, "3 days"},   {20 * 86400, "2 weeks"},
			 {60 * 86400, "2 months"},  {800 * 86400, "2 years"}};

		for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
			ck_assert_engine_ok(engine_duration_format(d[i].s, &s));
			ck_assert_str_eq(s, d[i].text);
			engine_free(s);
		}
		ck_assert_engine_error(engine_duration_format(1, NULL), ENGINE_EINVALID, "NULL argument");
	}
}
END_TEST

START_TEST(test_runtime__keys_signals_status)
{
	char k[8];
	size_t n;
	int v;

	ck_assert_engine_ok(engine_detach_keys_parse("ctrl-p,ctrl-q", k, sizeof(k), &n));
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(k[0], 16);
	ck_assert_int_eq(k[1], 17);
	ck_assert_engine_ok(engine_detach_keys_parse("ctrl-@,a,ctrl-[,ctrl-_", k, sizeof(k), &n));
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(k[0], 0);
	ck_assert_int_eq(k[1], 'a');
	ck_assert_int_eq(k[2], 27);
	ck_assert_int_eq(k[3], 31);
	ck_assert_engine_error(engine_detach_keys_parse("ctrl-p,", k, sizeof(k), &n), ENGINE_EINVALID,
			       "empty key");
	ck_assert_engine_error(engine_detach_keys_parse("alt-x", k, sizeof(k), &n), ENGINE_EINVALID,
			       "\"alt-x\"");

	ck_assert_engine_ok(engine_signal_parse("SIGTERM", &v));
	ck_assert_int_eq(v, SIGTERM);
	ck_assert_engine_ok(engine_signal_parse("kill", &v));
	ck_assert_int_eq(v, SIGKILL);
	ck_assert_engine_ok(engine_signal_parse("15", &v));
	ck_assert_int_eq(v, 15);
	ck_assert_engine_ok(engine_signal_parse("SIGRTMIN+3", &v));
	ck_assert_int_eq(v, SIGRTMIN + 3);
	ck_assert_engine_error(engine_signal_parse("SIGNOPE", &v), ENGINE_EINVALID,
			       "invalid signal \"SIGNOPE\"");
	ck_assert_engine_error(engine_signal_parse("0", &v), ENGINE_EINVALID, "invalid signal");

	ck_assert_str_eq(engine_status_name(ENGINE_STATUS_RESTARTING), "restarting");
	ck_assert_str_eq(engine_status_name(99), "unknown");
	ck_assert_engine_ok(engine_status_parse("dead", &v));
	ck_assert_int_eq(v, ENGINE_STATUS_DEAD);
	ck_assert_engine_error(engine_status_parse("zombie", &v), ENGINE_EINVALID, "\"zombie\"");
}
END_TEST

static Suite *attach_suite(void)
{
	Suite *s = suite_create("runtime-attach");
	TCase *tc = tcase_create("attach");
	TCase *pure = tcase_create("pure");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_runtime__attach_before_start);
	tcase_add_test(tc, test_runtime__attach_stdin_eof);
	tcase_add_test(tc, test_runtime__attach_auto_removed_before_read);
	tcase_add_test(tc, test_runtime__attach_started_elsewhere);
	tcase_add_test(tc, test_runtime__attach_running_replay_detach);
	tcase_add_test(tc, test_runtime__logs_filters);
	tcase_add_test(tc, test_runtime__logs_follow);
	tcase_add_test(tc, test_runtime__wait_conditions);
	tcase_add_test(tc, test_runtime__tty);
	tcase_add_test(tc, test_runtime__tty_run_capture);
	tcase_add_test(tc, test_runtime__attach_errors);
	suite_add_tcase(s, tc);
	tcase_add_test(pure, test_runtime__time_parse);
	tcase_add_test(pure, test_runtime__keys_signals_status);
	suite_add_tcase(s, pure);
	return s;
}

int main(void)
{
	return th_run_suite(attach_suite(), 1);
}
