/* Managing existing containers (privileged): rename, update of a running
 * container's limits (read back from its cgroup), restart policies. */
#define TR_FIXTURE "runtime-mg"
#include "check_runtime.h"

#include <signal.h>

static engine_container *create(const char *name, const char *script, const char *restart)
{
	engine_spec *s = tr_spec(rootfs, SH(script));
	engine_container *c = NULL;

	if (name)
		ck_assert_engine_ok(engine_spec_set_name(s, name));
	if (restart)
		ck_assert_engine_ok(engine_spec_set_restart_policy(s, restart));
	ck_assert_engine_ok(engine_spec_set_memory_str(s, "64m"));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	return c;
}

/* The content of a file of the container's cgroup, found through its
 * /proc/<pid>/cgroup line for @controller ("" for v2). */
static char *exec_out(engine_container *c, const char *script)
{
	engine_exec_options eo = ENGINE_EXEC_OPTIONS_INIT;
	engine_run_result *res = NULL;
	char *out;

	eo.argv = (engine_strarray){(char *[]){"sh", "-c", (char *)script, NULL}, 3};
	ck_assert_engine_ok(engine_container_exec(c, &eo, &res));
	out = strdup(res->stdout_data ? res->stdout_data : "");
	engine_run_result_free(res);
	return out;
}

START_TEST(test_runtime__rename)
{
	engine_container *a = create("first", "sleep 30", NULL), *b = create("second", "true", NULL),
			 *o = NULL;
	char *json = NULL;

	ck_assert_engine_error(engine_container_rename(a, "second"), ENGINE_EEXISTS, "already in use");
	ck_assert_engine_error(engine_container_rename(a, "bad name"), ENGINE_EINVALID,
			       "invalid container name");
	ck_assert_engine_error(engine_container_rename(a, "first"), ENGINE_EINVALID, "same");
	ck_assert_engine_ok(engine_container_start(a));
	ck_assert_engine_ok(engine_container_rename(a, "/renamed"));
	ck_assert_str_eq(engine_container_name(a), "renamed");
	ck_assert_engine_error(engine_container_open(ctx, "first", &o), ENGINE_ENOTFOUND, "first");
	ck_assert_engine_ok(engine_container_open(ctx, "renamed", &o));
	ck_assert_str_eq(engine_container_id(o), engine_container_id(a));
	ck_assert_engine_ok(engine_container_inspect(o, &json));
	ck_assert_ptr_nonnull(strstr(json, "\"Name\": \"/renamed\""));
	engine_free(json);
	engine_container_free(o);
	/* the old name is free again */
	ck_assert_engine_ok(engine_container_rename(b, "first"));
	ck_assert_engine_ok(engine_container_remove(a, 1));
	ck_assert_engine_ok(engine_container_remove(b, 1));
	engine_container_free(a);
	engine_container_free(b);
}
END_TEST

START_TEST(test_runtime__update)
{
	engine_container *c = create("upd", "sleep 60", NULL);
	engine_update_options o = ENGINE_UPDATE_OPTIONS_INIT;
	engine_container_stats st = ENGINE_CONTAINER_STATS_INIT;
	char *json = NULL, *out;

	ck_assert_engine_ok(engine_container_start(c));
	o.memory = 96 * 1024 * 1024;
	o.pids_limit = 33;
	o.cpus = 0.5;
	o.cpu_shares = 512;
	ck_assert_engine_ok(engine_container_update(c, &o));
	ck_assert_engine_ok(engine_container_stats_get(c, &st));
	ck_assert_uint_eq(st.memory_limit, 96 * 1024 * 1024);
	/* The limits bind the running container: 33 tasks at most. */
	out = exec_out(c, "for i in $(seq 40); do sleep 5 & done 2>/dev/null; sleep 0.2; "
			  "ls /proc | grep -c '^[0-9]'");
	ck_assert_msg(atoi(out) <= 33, "%s processes under a pids limit of 33", out);
	free(out);
	ck_assert_engine_ok(engine_container_inspect(c, &json));
	ck_assert_ptr_nonnull(strstr(json, "\"Memory\": 100663296"));
	ck_assert_ptr_nonnull(strstr(json, "\"PidsLimit\": 33"));
	ck_assert_ptr_nonnull(strstr(json, "\"NanoCpus\": 500000000"));
	engine_free(json);

	/* A bad value changes nothing. */
	o = (engine_update_options)ENGINE_UPDATE_OPTIONS_INIT;
	o.memory = 1024;
	ck_assert_engine_error(engine_container_update(c, &o), ENGINE_EINVALID, "minimum is 6MB");
	o.memory = 0;
	o.restart_policy = "sometimes";
	ck_assert_engine_error(engine_container_update(c, &o), ENGINE_EINVALID, "invalid restart policy");
	ck_assert_engine_ok(engine_container_stats_get(c, &st));
	ck_assert_uint_eq(st.memory_limit, 96 * 1024 * 1024);

	/* -1 lifts a limit; the stopped container keeps the new values. */
	o = (engine_update_options)ENGINE_UPDATE_OPTIONS_INIT;
	o.memory = -1;
	o.restart_policy = "on-failure:3";
	ck_assert_engine_ok(engine_container_update(c, &o));
	ck_assert_engine_ok(engine_container_stats_get(c, &st));
	ck_assert_uint_eq(st.memory_limit, 0);
	ck_assert_engine_ok(engine_container_kill(c, SIGKILL));
	ck_assert_engine_ok(engine_container_wait(c, -1, NULL));
	o = (engine_update_options)ENGINE_UPDATE_OPTIONS_INIT;
	o.memory = 80 * 1024 * 1024;
	o.restart_policy = "no";
	ck_assert_engine_ok(engine_container_update(c, &o));
	ck_assert_engine_ok(engine_container_start(c));
	ck_assert_engine_ok(engine_container_stats_get(c, &st));
	ck_assert_uint_eq(st.memory_limit, 80 * 1024 * 1024);
	ck_assert_engine_ok(engine_container_remove(c, 1));
	engine_container_free(c);
}
END_TEST

START_TEST(test_runtime__restart_policy_parse)
{
	engine_spec *s = tr_spec(rootfs, SH("true"));
	engine_container *c = NULL;

	ck_assert_engine_error(engine_spec_set_restart_policy(s, "always:3"), ENGINE_EINVALID, "on-failure");
	ck_assert_engine_error(engine_spec_set_restart_policy(s, "on-failure:-1"), ENGINE_EINVALID, ">= 0");
	ck_assert_engine_error(engine_spec_set_restart_policy(s, "on-failure:x"), ENGINE_EINVALID, ">= 0");
	ck_assert_engine_error(engine_spec_set_restart_policy(s, "maybe"), ENGINE_EINVALID, "maybe");
	ck_assert_engine_ok(engine_spec_set_restart_policy(s, "unless-stopped"));
	ck_assert_engine_ok(engine_spec_set_auto_remove(s, 1));
	ck_assert_engine_error(engine_container_create(ctx, s, &c), ENGINE_EINVALID, "auto-remove");
	engine_spec_free(s);
}
END_TEST

/* --stop-signal and --stop-timeout: validated, kept in the container's
 * config (inspect), and used by engine_container_stop without a grace. */
START_TEST(test_runtime__stop_signal_and_timeout)
{
	engine_spec *s = tr_spec(rootfs, SH("trap 'exit 7' USR2; echo ready; while :; do sleep 0.1; done"));
	engine_wait_result wr = ENGINE_WAIT_RESULT_INIT;
	engine_container *c = NULL;
	char *json = NULL;

	ck_assert_engine_error(engine_spec_set_stop_signal(s, "SIGNOPE"), ENGINE_EINVALID, "\"SIGNOPE\"");
	ck_assert_engine_error(engine_spec_set_stop_timeout(s, -2), ENGINE_EINVALID, "-2");
	ck_assert_engine_ok(engine_spec_set_stop_signal(s, "USR2"));
	ck_assert_engine_ok(engine_spec_set_stop_timeout(s, 30));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	ck_assert_engine_ok(engine_container_inspect(c, &json));
	ck_assert_ptr_nonnull(strstr(json, "\"StopSignal\": \"USR2\""));
	ck_assert_ptr_nonnull(strstr(json, "\"StopTimeout\": 30"));
	engine_free(json);
	ck_assert_engine_ok(engine_container_start(c));
	/* The shell must have set its trap before the signal comes. */
	for (int i = 0; i < 600; i++) {
		char *log = th_container_log(c);
		bool ready = strstr(log, "ready") != NULL;

		free(log);
		if (ready)
			break;
		usleep(50 * 1000);
	}
	ck_assert_engine_ok(engine_container_stop(c, -1));
	ck_assert_engine_ok(engine_container_wait_until(c, NULL, &wr));
	ck_assert_int_eq(wr.exit_code, 7);
	ck_assert_engine_ok(engine_container_remove(c, 1));
	engine_container_free(c);
}
END_TEST

/* Poll until the container is "exited" with no monitor left (restart policy done). */
static void wait_settled(engine_container *c, int restarts)
{
	char *json = NULL, want[64];

	snprintf(want, sizeof(want), "\"RestartCount\": %d,", restarts);
	for (int i = 0; i < 600; i++) {
		ck_assert_engine_ok(engine_container_inspect(c, &json));
		if (strstr(json, want) && strcmp(engine_container_status(c), "exited") == 0) {
			engine_free(json);
			return;
		}
		engine_free(json);
		usleep(50 * 1000);
	}
	ck_abort_msg("container did not settle with %d restarts (status %s)", restarts,
		     engine_container_status(c));
}

START_TEST(test_runtime__restart_on_failure)
{
	engine_container *c = create("flaky", "echo run; exit 3", "on-failure:2");
	engine_container *ok = create("fine", "echo run; exit 0", "on-failure");
	char *log, *json = NULL;
	int code = -1;

	ck_assert_engine_ok(engine_container_start(c));
	/* wait reports the end of the first run, as docker wait does */
	ck_assert_engine_ok(engine_container_wait(c, -1, &code));
	ck_assert_int_eq(code, 3);
	/* 1 run + 2 restarts (after 100 ms, then 200 ms), then the policy gives up */
	wait_settled(c, 2);
	log = th_container_log(c);
	ck_assert_str_eq(log, "run\nrun\nrun\n");
	free(log);
	ck_assert_engine_ok(engine_container_inspect(c, &json));
	ck_assert_ptr_nonnull(strstr(json, "\"ExitCode\": 3"));
	ck_assert_ptr_nonnull(strstr(json, "\"Name\": \"on-failure\""));
	ck_assert_ptr_nonnull(strstr(json, "\"MaximumRetryCount\": 2"));
	engine_free(json);

	/* exit 0 is no failure */
	ck_assert_engine_ok(engine_container_start(ok));
	wait_settled(ok, 0);
	/* an explicit start counts anew */
	ck_assert_engine_ok(engine_container_start(c));
	wait_settled(c, 2);
	ck_assert_engine_ok(engine_container_remove(c, 0));
	ck_assert_engine_ok(engine_container_remove(ok, 0));
	engine_container_free(c);
	engine_container_free(ok);
}
END_TEST

START_TEST(test_runtime__restart_always_until_stopped)
{
	engine_container *c = create("loop", "echo run; sleep 0.2; exit 0", "always");
	engine_container *k = create("killed", "sleep 30", "unless-stopped");
	char *json = NULL;
	int seen = 0;

	ck_assert_engine_ok(engine_container_start(c));
	/* it comes back after each exit: watch for a restart count of 2 */
	for (int i = 0; i < 400 && !seen; i++) {
		ck_assert_engine_ok(engine_container_inspect(c, &json));
		seen = strstr(json, "\"RestartCount\": 2,") != NULL;
		engine_free(json);
		usleep(50 * 1000);
	}
	ck_assert_msg(seen, "no second restart");
	/* stop works whether it is running or between runs, and it stays stopped */
	ck_assert_engine_ok(engine_container_stop(c, 1));
	ck_assert_str_eq(engine_container_status(c), "exited");
	usleep(600 * 1000);
	ck_assert_str_eq(engine_container_status(c), "exited");
	ck_assert_engine_ok(engine_container_remove(c, 0));

	/* docker kill stands the policy down too */
	ck_assert_engine_ok(engine_container_start(k));
	ck_assert_engine_ok(engine_container_kill(k, SIGKILL));
	ck_assert_engine_ok(engine_container_wait(k, -1, NULL));
	usleep(600 * 1000);
	ck_assert_str_eq(engine_container_status(k), "exited");
	ck_assert_engine_ok(engine_container_inspect(k, &json));
	ck_assert_ptr_nonnull(strstr(json, "\"RestartCount\": 0,"));
	engine_free(json);
	ck_assert_engine_ok(engine_container_remove(k, 0));
	engine_container_free(c);
	engine_container_free(k);
}
END_TEST

START_TEST(test_runtime__top)
{
	engine_container *c = create("topc", "sleep 61 & exec sleep 62", NULL);
	char *json = NULL;

	ck_assert_engine_error(engine_container_top(c, NULL, &json), ENGINE_EBUSY, "not running");
	ck_assert_engine_ok(engine_container_start(c));
	for (int i = 0; i < 100; i++) {
		ck_assert_engine_ok(engine_container_top(c, NULL, &json));
		if (strstr(json, "sleep 61") && strstr(json, "sleep 62"))
			break;
		engine_free(json);
		json = NULL;
		usleep(50 * 1000);
	}
	ck_assert_msg(json != NULL, "top never showed both sleeps");
	ck_assert_ptr_nonnull(strstr(json, "{\"Titles\":[\"UID\",\"PID\",\"PPID\",\"C\",\"STIME\",\"TTY\","
					   "\"TIME\",\"CMD\"],\"Processes\":[[\"root\","));
	/* host processes are not listed */
	ck_assert_ptr_null(strstr(json, "check_runtime_manage"));
	engine_free(json);
	ck_assert_engine_ok(engine_container_top(c, "-o pid,args", &json));
	ck_assert_ptr_nonnull(strstr(json, "\"Titles\":[\"PID\",\"COMMAND\"]"));
	ck_assert_ptr_nonnull(strstr(json, "sleep 62\"]"));
	ck_assert_ptr_null(strstr(json, "check_runtime_manage"));
	engine_free(json);
	ck_assert_engine_error(engine_container_top(c, "--no-such-option", &json), ENGINE_EINVALID,
			       "exited with status");
	ck_assert_engine_ok(engine_container_remove(c, 1));
	engine_container_free(c);
}
END_TEST

START_TEST(test_runtime__changes)
{
	engine_spec *s = tr_spec(rootfs, SH("echo x >> /etc/passwd; rm /etc/group; mkdir -p /new/sub; "
					    "touch /new/sub/f; touch /tmp/t; ln -s /etc /tmp/l"));
	engine_container *c = NULL;
	char *json = NULL;
	int code = -1;

	ck_assert_engine_ok(engine_spec_add_tmpfs(s, "/mnt/m", NULL));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	ck_assert_engine_ok(engine_container_changes(c, &json));
	ck_assert_str_eq(json, "[]");
	engine_free(json);
	ck_assert_engine_ok(engine_container_start(c));
	ck_assert_engine_ok(engine_container_wait(c, -1, &code));
	ck_assert_int_eq(code, 0);
	ck_assert_engine_ok(engine_container_changes(c, &json));
	ck_assert_str_eq(json, "[{\"Path\":\"/etc\",\"Kind\":0},"
			       "{\"Path\":\"/etc/group\",\"Kind\":2},"
			       "{\"Path\":\"/etc/passwd\",\"Kind\":0},"
			       "{\"Path\":\"/new\",\"Kind\":1},"
			       "{\"Path\":\"/new/sub\",\"Kind\":1},"
			       "{\"Path\":\"/new/sub/f\",\"Kind\":1},"
			       "{\"Path\":\"/tmp\",\"Kind\":0},"
			       "{\"Path\":\"/tmp/l\",\"Kind\":1},"
			       "{\"Path\":\"/tmp/t\",\"Kind\":1}]");
	engine_free(json);
	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);
}
END_TEST

/* The names in a listing, in its order, comma-separated. */
static char *names_of(const char *json)
{
	static char buf[1024];
	const char *p = json;

	buf[0] = '\0';
	while ((p = strstr(p, "\"Names\":[\"/"))) {
		p += 11;
		if (buf[0])
			strcat(buf, ",");
		strncat(buf, p, strcspn(p, "\""));
	}
	return buf;
}

static void expect_list(int all, const char *const *filters, size_t n, const char *want)
{
	engine_strarray f = {(char **)filters, n};
	char *json = NULL;

	ck_assert_engine_ok(engine_container_list_filter(ctx, all, &f, &json));
	ck_assert_msg(strcmp(names_of(json), want) == 0, "%s: got [%s], want [%s]", filters[0],
		      names_of(json), want);
	engine_free(json);
}

START_TEST(test_runtime__labels_filters_prune)
{
	engine_spec *s = tr_spec(rootfs, SH("exit 3"));
	engine_container *a = NULL, *b = NULL, *c = NULL;
	engine_strarray gone = {NULL, 0};
	char *json = NULL, idf[16];
	int64_t reclaimed = -1;

	ck_assert_engine_ok(engine_spec_set_name(s, "alpha"));
	ck_assert_engine_ok(engine_spec_add_label(s, "a=1"));
	ck_assert_engine_ok(engine_spec_add_label(s, "a=one"));
	ck_assert_engine_error(engine_spec_add_label(s, "=x"), ENGINE_EINVALID, "empty name");
	ck_assert_engine_ok(engine_container_create(ctx, s, &a));
	engine_spec_free(s);
	s = tr_spec(rootfs, SH("exit 3"));
	ck_assert_engine_ok(engine_spec_set_name(s, "beta"));
	ck_assert_engine_ok(engine_spec_add_label(s, "a=2"));
	ck_assert_engine_ok(engine_spec_add_label(s, "flag"));
	ck_assert_engine_ok(engine_container_create(ctx, s, &b));
	ck_assert_engine_ok(engine_spec_set_name(s, "gamma"));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	ck_assert_engine_ok(engine_container_start(c));
	ck_assert_engine_ok(engine_container_wait(c, -1, NULL));

	ck_assert_engine_ok(engine_container_inspect(b, &json));
	{
		char *w = json;

		for (char *r = json; *r; r++) /* squeeze the pretty-printing */
			if (*r != ' ' && *r != '\n' && *r != '\t')
				*w++ = *r;
		*w = '\0';
	}
	ck_assert_ptr_nonnull(strstr(json, "\"Labels\":{\"a\":\"2\",\"flag\":\"\"}"));
	engine_free(json);
	expect_list(1, (const char *[]){"label=a"}, 1, "gamma,beta,alpha");
	expect_list(1, (const char *[]){"label=a=one"}, 1, "alpha");
	expect_list(1, (const char *[]){"label=a", "label=flag"}, 2, "gamma,beta");
	expect_list(1, (const char *[]){"name=^al"}, 1, "alpha");
	expect_list(1, (const char *[]){"name=alpha", "name=beta"}, 2, "beta,alpha");
	expect_list(0, (const char *[]){"status=exited"}, 1, "gamma");
	expect_list(0, (const char *[]){"exited=3"}, 1, "gamma");
	expect_list(0, (const char *[]){"exited=4"}, 1, "");
	expect_list(1, (const char *[]){"status=created", "label=flag"}, 2, "beta");
	snprintf(idf, sizeof(idf), "id=%.10s", engine_container_id(a));
	expect_list(1, (const char *[]){idf}, 1, "alpha");
	expect_list(1, (const char *[]){"before=beta"}, 1, "alpha");
	expect_list(1, (const char *[]){"since=alpha"}, 1, "gamma,beta");
	expect_list(1, (const char *[]){"health=none", "network=none"}, 2, "gamma,beta,alpha");
	ck_assert_engine_error(
	    engine_container_list_filter(ctx, 1, &(engine_strarray){(char *[]){"foo=1"}, 1}, &json),
	    ENGINE_EINVALID, "invalid filter 'foo'");
	ck_assert_engine_error(
	    engine_container_list_filter(ctx, 1, &(engine_strarray){(char *[]){"status=dozing"}, 1}, &json),
	    ENGINE_EINVALID, "status=dozing");
	ck_assert_engine_error(
	    engine_container_list_filter(ctx, 1, &(engine_strarray){(char *[]){"label"}, 1}, &json),
	    ENGINE_EINVALID, "name=value");

	/* prune: stopped ones only, filtered */
	ck_assert_engine_error(
	    engine_container_prune(ctx, &(engine_strarray){(char *[]){"name=x"}, 1}, &gone, NULL),
	    ENGINE_EINVALID, "invalid filter 'name'");
	ck_assert_engine_ok(
	    engine_container_prune(ctx, &(engine_strarray){(char *[]){"until=1h"}, 1}, &gone, NULL));
	ck_assert_int_eq(gone.count, 0);
	engine_strarray_dispose(&gone); /* an empty result still owns its array */
	ck_assert_engine_ok(
	    engine_container_prune(ctx, &(engine_strarray){(char *[]){"label!=a=1"}, 1}, &gone, &reclaimed));
	ck_assert_int_eq(gone.count, 3); /* a=one, 2, 2 */
	engine_strarray_dispose(&gone);
	ck_assert_int_ge(reclaimed, 0);
	engine_container_free(a);
	engine_container_free(b);
	engine_container_free(c);
}
END_TEST

static Suite *manage_suite(void)
{
	Suite *s = suite_create("runtime-manage");
	TCase *tc = tcase_create("manage");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_runtime__rename);
	tcase_add_test(tc, test_runtime__update);
	tcase_add_test(tc, test_runtime__restart_policy_parse);
	tcase_add_test(tc, test_runtime__stop_signal_and_timeout);
	tcase_add_test(tc, test_runtime__restart_on_failure);
	tcase_add_test(tc, test_runtime__top);
	tcase_add_test(tc, test_runtime__changes);
	tcase_add_test(tc, test_runtime__labels_filters_prune);
	tcase_add_test(tc, test_runtime__restart_always_until_stopped);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(manage_suite(), 1);
}
