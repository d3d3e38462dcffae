/* The container lifecycle (privileged): create, start (detached, under a
 * monitor), exec, stats, pause/resume, stop, wait, logs, inspect, list,
 * remove, auto-remove, and a container outliving the process that made it. */
#define TR_FIXTURE "runtime-lc"
#include "check_runtime.h"

#include <signal.h>
#include <sys/wait.h>

#include "abi_old.h"

static engine_container *create(const char *name, const char *script)
{
	engine_spec *s = tr_spec(rootfs, SH(script));
	engine_container *c = NULL;

	if (name)
		ck_assert_engine_ok(engine_spec_set_name(s, name));
	ck_assert_engine_ok(engine_spec_set_memory_str(s, "64m"));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	return c;
}

/* A caller built against version 1 of engine_container_stats: the library
 * fills its fields and writes nothing past them — into a heap block of
 * exactly its size (ASan sees any write beyond) and before a canary. */
static void check_stats_v1_caller(engine_container *c, const engine_container_stats *now)
{
	engine_container_stats_v1 *heap = malloc(sizeof(*heap));
	struct {
		engine_container_stats_v1 s;
		uint64_t canary;
	} guarded = {{1, 0, 0, 0, 0}, 0x5a5a5a5a5a5a5a5aULL};

	ck_assert_ptr_nonnull(heap);
	ck_assert_engine_ok(engine_container_stats_init((engine_container_stats *)heap, 1));
	ck_assert_uint_eq(heap->version, 1);
	ck_assert_engine_ok(engine_container_stats_get(c, (engine_container_stats *)heap));
	ck_assert_uint_eq(heap->version, 1);
	ck_assert_uint_eq(heap->memory_limit, now->memory_limit);
	ck_assert_uint_ge(heap->pids, 1);
	ck_assert_uint_ge(heap->cpu_usage_ns, now->cpu_usage_ns);
	free(heap);
	ck_assert_engine_ok(engine_container_stats_get(c, (engine_container_stats *)&guarded.s));
	ck_assert_uint_eq(guarded.s.memory_limit, now->memory_limit);
	ck_assert_uint_eq(guarded.canary, 0x5a5a5a5a5a5a5a5aULL);
	/* A version newer than the library's is refused, nothing written. */
	guarded.s.version = ENGINE_CONTAINER_STATS_VERSION + 1;
	guarded.s.pids = 0;
	ck_assert_engine_error(engine_container_stats_get(c, (engine_container_stats *)&guarded.s),
			       ENGINE_EINVALID, "container stats: unsupported version");
	ck_assert_uint_eq(guarded.s.pids, 0);
	/* A version 2 caller: its fields, nothing of version 3 past them. */
	{
		struct {
			engine_container_stats_v2 s;
			uint64_t canary;
		} g2 = {{2, 0, 0, 0, 0, 0, 0, 0}, 0x5a5a5a5a5a5a5a5aULL};

		ck_assert_engine_ok(engine_container_stats_get(c, (engine_container_stats *)&g2.s));
		ck_assert_uint_eq(g2.s.memory_limit, now->memory_limit);
		ck_assert_uint_ge(g2.s.pids, 1);
		ck_assert_uint_eq(g2.canary, 0x5a5a5a5a5a5a5a5aULL);
	}
}

START_TEST(test_runtime__lifecycle)
{
	engine_container *c = create("web", "echo hi; echo oops >&2; sleep 30");
	engine_exec_options eo = ENGINE_EXEC_OPTIONS_INIT;
	engine_container_stats stats = ENGINE_CONTAINER_STATS_INIT;
	engine_run_result *res = NULL;
	char *json = NULL;
	int code = -1;

	ck_assert_str_eq(engine_container_status(c), "created");
	ck_assert_str_eq(engine_container_name(c), "web");
	ck_assert_engine_ok(engine_container_inspect(c, &json));
	ck_assert_ptr_nonnull(strstr(json, "\"Status\": \"created\""));
	engine_free(json);

	ck_assert_engine_ok(engine_container_start(c));
	ck_assert_str_eq(engine_container_status(c), "running");
	ck_assert_engine_error(engine_container_start(c), ENGINE_EBUSY, "already running");

	/* exec: same namespaces (UTS, PID 1's mount tree), the container's env, capture */
	eo.argv = (engine_strarray){
	    (char *[]){"sh", "-c", "hostname; echo $X; ls /proc/1/root/etc/hostname", NULL}, 3};
	eo.env = (engine_strarray){(char *[]){"X=exec", NULL}, 1};
	ck_assert_engine_ok(engine_container_exec(c, &eo, &res));
	ck_assert_int_eq(res->exit_code, 0);
	{
		char expect[256];

		snprintf(expect, sizeof(expect), "%.12s\nexec\n/proc/1/root/etc/hostname\n",
			 engine_container_id(c));
		ck_assert_str_eq(res->stdout_data, expect);
	}
	engine_run_result_free(res);
	res = NULL;
	eo.argv = (engine_strarray){(char *[]){"nope", NULL}, 1};
	eo.env = (engine_strarray){NULL, 0};
	ck_assert_engine_error(engine_container_exec(c, &eo, &res), ENGINE_ENOTFOUND,
			       "executable file not found");
	ck_assert_int_eq(res->exit_code, 127);
	engine_run_result_free(res);

	ck_assert_engine_ok(engine_container_stats_get(c, &stats));
	ck_assert_uint_ge(stats.pids, 1);
	ck_assert_uint_eq(stats.memory_limit, 64 * 1024 * 1024);
	ck_assert_uint_gt(stats.memory_usage, 0);
	/* Read after the usage, the peak is never below it (0: not kept). */
	ck_assert(stats.memory_max_usage == 0 || stats.memory_max_usage >= stats.memory_usage);
	ck_assert_uint_eq(stats.oom_kills, 0);
	check_stats_v1_caller(c, &stats);

	ck_assert_engine_ok(engine_container_pause(c));
	ck_assert_str_eq(engine_container_status(c), "paused");
	ck_assert_engine_error(engine_container_wait(c, 0.2, &code), ENGINE_ETIMEOUT, "still running");
	ck_assert_engine_ok(engine_container_resume(c));
	ck_assert_str_eq(engine_container_status(c), "running");

	ck_assert_engine_error(engine_container_remove(c, 0), ENGINE_EBUSY, "running");
	/* sh as PID 1 ignores SIGTERM: the grace period ends in SIGKILL. */
	ck_assert_engine_ok(engine_container_stop(c, 1));
	ck_assert_str_eq(engine_container_status(c), "exited");
	ck_assert_engine_ok(engine_container_wait(c, -1, &code));
	ck_assert_int_eq(code, 137);

	{
		engine_logs *lg = NULL;
		const engine_log_entry *e;

		ck_assert_engine_ok(engine_container_logs(c, NULL, &lg));
		ck_assert_int_eq(engine_logs_next(lg, 0), 1);
		e = engine_logs_entry(lg);
		ck_assert_int_eq(e->stream, 1);
		ck_assert_mem_eq(e->data, "hi\n", 3);
		ck_assert_int_eq(engine_logs_next(lg, 0), 1);
		e = engine_logs_entry(lg);
		ck_assert_int_eq(e->stream, 2);
		ck_assert_mem_eq(e->data, "oops\n", 5);
		ck_assert_int_eq(engine_logs_next(lg, 0), 0);
		engine_logs_free(lg);
	}

	ck_assert_engine_ok(engine_container_inspect(c, &json));
	ck_assert_ptr_nonnull(strstr(json, "\"ExitCode\": 137"));
	ck_assert_ptr_nonnull(strstr(json, "\"Name\": \"/web\""));
	engine_free(json);

	/* Restart: a stopped container starts again. */
	ck_assert_engine_ok(engine_container_start(c));
	ck_assert_engine_ok(engine_container_kill(c, SIGKILL));
	ck_assert_engine_ok(engine_container_wait(c, -1, &code));
	ck_assert_int_eq(code, 137);

	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);
	ck_assert_engine_error(engine_container_open(ctx, "web", &c), ENGINE_ENOTFOUND,
			       "no such container: web");
}
END_TEST

START_TEST(test_runtime__outlives_creator)
{
	pid_t pid = fork();
	engine_container *c = NULL;
	char *json = NULL;
	int status, code = -1;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Another "process" (think: a CLI call) creates and starts it, then exits. */
		engine_context *other = NULL;
		engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
		char conf[4096];
		engine_spec *s = tr_spec(rootfs, SH("sleep 3; echo done; exit 5"));

		snprintf(conf, sizeof(conf), "%s/config.json", root);
		o.root = root;
		o.config_path = conf;
		engine_spec_set_name(s, "bg");
		if (engine_context_new(&other, &o) < 0 || engine_container_create(other, s, &c) < 0 ||
		    engine_container_start(c) < 0)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	ck_assert_engine_ok(engine_container_open(ctx, "bg", &c));
	ck_assert_str_eq(engine_container_status(c), "running");
	ck_assert_engine_ok(engine_container_list(ctx, 0, &json));
	ck_assert_ptr_nonnull(strstr(json, "\"/bg\""));
	engine_free(json);
	ck_assert_engine_ok(engine_container_wait(c, -1, &code));
	ck_assert_int_eq(code, 5);
	ck_assert_engine_ok(engine_container_list(ctx, 0, &json));
	ck_assert_str_eq(json, "[]");
	engine_free(json);
	{
		engine_strarray ids = {NULL, 0};

		ck_assert_engine_ok(engine_container_list_ids(ctx, 1, &ids));
		ck_assert_int_eq(ids.count, 1);
		ck_assert_str_eq(ids.strings[0], engine_container_id(c));
		engine_strarray_dispose(&ids);
	}
	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);
}
END_TEST

START_TEST(test_runtime__auto_remove_and_force)
{
	engine_spec *s = tr_spec(rootfs, SH("exit 0"));
	engine_container *c = NULL, *d;
	char dir[4096];

	ck_assert_engine_ok(engine_spec_set_auto_remove(s, 1));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	snprintf(dir, sizeof(dir), "%s/containers/%s", root, engine_container_id(c));
	ck_assert_engine_ok(engine_container_start(c));
	ck_assert_engine_ok(engine_container_wait(c, -1, NULL));
	ck_assert_msg(access(dir, F_OK) < 0, "%s still exists", dir);
	engine_container_free(c);

	c = create("forced", "sleep 60");
	ck_assert_engine_error(engine_container_create(ctx, (engine_spec *)NULL, &d), ENGINE_EINVALID,
			       "NULL");
	{
		engine_spec *dup = tr_spec(rootfs, SH("true"));

		engine_spec_set_name(dup, "forced");
		ck_assert_engine_error(engine_container_create(ctx, dup, &d), ENGINE_EEXISTS,
				       "already in use");
		engine_spec_free(dup);
	}
	ck_assert_engine_ok(engine_container_start(c));
	ck_assert_engine_ok(engine_container_remove(c, 1));
	engine_container_free(c);
	ck_assert_engine_error(engine_container_open(ctx, "forced", &c), ENGINE_ENOTFOUND, "forced");
}
END_TEST

START_TEST(test_runtime__start_failure)
{
	engine_spec *s = tr_spec(rootfs, (const char *const[]){"/no/such/binary", NULL});
	engine_container *c = NULL;
	int code = 0;

	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	ck_assert_engine_error(engine_container_start(c), ENGINE_ENOTFOUND, "no such file or directory");
	ck_assert_str_eq(engine_container_status(c), "exited");
	ck_assert_engine_ok(engine_container_wait(c, 1, &code));
	ck_assert_int_eq(code, 127);
	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);
}
END_TEST

START_TEST(test_runtime__exec_userns)
{
	engine_spec *s = tr_spec(rootfs, SH("sleep 30"));
	engine_exec_options eo = ENGINE_EXEC_OPTIONS_INIT;
	engine_run_result *res = NULL;
	engine_container *c = NULL;

	ck_assert_engine_ok(engine_spec_set_userns(s, 300000, 300000, 65536));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	ck_assert_engine_ok(engine_container_start(c));
	eo.argv = (engine_strarray){(char *[]){"sh", "-c", "id -u; tr -s ' ' < /proc/self/uid_map", NULL}, 3};
	ck_assert_engine_ok(engine_container_exec(c, &eo, &res));
	ck_assert_str_eq(res->stdout_data, "0\n 0 300000 65536\n");
	engine_run_result_free(res);
	ck_assert_engine_ok(engine_container_remove(c, 1));
	engine_container_free(c);
}
END_TEST

static Suite *lifecycle_suite(void)
{
	Suite *s = suite_create("runtime-lifecycle");
	TCase *tc = tcase_create("lifecycle");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_runtime__lifecycle);
	tcase_add_test(tc, test_runtime__outlives_creator);
	tcase_add_test(tc, test_runtime__auto_remove_and_force);
	tcase_add_test(tc, test_runtime__start_failure);
	tcase_add_test(tc, test_runtime__exec_userns);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(lifecycle_suite(), 1);
}
