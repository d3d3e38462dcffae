/* Core: errors, contexts, logging, version. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "check_helpers.h"
#include "core/context.h"
#include "core/error.h"
#include "core/log.h"
#include "util/fs.h"

START_TEST(test_core__error_set_and_wrap)
{
	engine_error_clear();
	ck_assert_int_eq(engine_error_last()->code, 0);
	ck_assert_str_eq(engine_error_last()->message, "no error");
	ck_assert_int_eq(engine__error_set(ENGINE_ENOTFOUND, 0, "image %s", "busybox"), ENGINE_ENOTFOUND);
	ck_assert_int_eq(engine__error_wrap("load"), ENGINE_ENOTFOUND);
	ck_assert_str_eq(engine_error_last()->message, "load: image busybox");
	ck_assert_engine_error(engine__error_errno(ENOENT, "open %s", "/x"), ENGINE_ENOTFOUND,
			       "open /x: No such file or directory");
	ck_assert_int_eq(engine_error_last()->sys_errno, ENOENT);
	ck_assert_int_eq(engine__error_code_from_errno(ENOSPC), ENGINE_EIO);
	ck_assert_str_eq(engine_err_name(ENGINE_ETIMEOUT), "ENGINE_ETIMEOUT");
	ck_assert_str_eq(engine_err_name(ENGINE_ECANCELED), "ENGINE_ECANCELED");
	ck_assert_int_eq(engine__error_code_from_errno(ECANCELED), ENGINE_ECANCELED);
	ck_assert_str_eq(engine_strerror(ENGINE_EEXISTS), "already exists");
}
END_TEST

static void *set_error_thread(void *arg)
{
	(void)arg;
	engine__error_set(ENGINE_EBUSY, 0, "other thread");
	return NULL;
}

START_TEST(test_core__error_is_per_thread)
{
	pthread_t t;

	engine__error_set(ENGINE_EINVALID, 0, "mine");
	pthread_create(&t, NULL, set_error_thread, NULL);
	pthread_join(t, NULL);
	ck_assert_engine_error(engine_error_last()->code, ENGINE_EINVALID, "mine");
}
END_TEST

START_TEST(test_core__context_creates_root)
{
	char *tmp = th_mkdtemp("core");
	char *root = engine__path_join(tmp, "a/b/root");
	engine_context *ctx = th_context(root);
	struct stat st;

	ck_assert_str_eq(engine_context_root(ctx), root);
	ck_assert(stat(engine_context_run_dir(ctx), &st) == 0 && S_ISDIR(st.st_mode));
	engine_context_free(ctx);
	engine_context_free(NULL);
	free(root);
	th_cleanup_dir(tmp);
}
END_TEST

/* As uid/gid 65534 with @xdg_data/@xdg_run/@home (NULL: unset): the
 * context's root and run dir must be @want_root/@want_run (@want_root
 * NULL: the context must be refused with @want_run in the message). Runs in a child: the test process stays
 * root. */
static void rootless_defaults(const char *xdg_data, const char *xdg_run, const char *home,
			      const char *want_root, const char *want_run)
{
	int status, fds[2];
	char msg[512] = "";
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		engine_context *ctx = NULL;
		int r;

		close(fds[0]);
		unsetenv("XDG_DATA_HOME"), unsetenv("XDG_RUNTIME_DIR"), unsetenv("HOME");
		if ((xdg_data && setenv("XDG_DATA_HOME", xdg_data, 1) < 0) ||
		    (xdg_run && setenv("XDG_RUNTIME_DIR", xdg_run, 1) < 0) ||
		    (home && setenv("HOME", home, 1) < 0) || setgroups(0, NULL) < 0 ||
		    setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		r = engine_context_new(&ctx, NULL);
		if (r < 0)
			dprintf(fds[1], "error %d %s", r, engine_error_last()->message);
		else
			dprintf(fds[1], "%s %s %d", engine_context_root(ctx), engine_context_run_dir(ctx),
				engine__context_rootless(ctx));
		engine_context_free(ctx);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], msg, sizeof(msg) - 1);
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	ck_assert_int_gt(n, 0);
	if (!want_root) {
		ck_assert_msg(strstr(msg, "error -") == msg && strstr(msg, want_run), "%s", msg);
	} else {
		char want[1024];

		snprintf(want, sizeof(want), "%s %s 1", want_root, want_run);
		ck_assert_str_eq(msg, want);
	}
}

START_TEST(test_core__context_rootless_defaults)
{
	char *tmp = th_mkdtemp("core");
	char data[512], run[512], home[512], want_root[600], want_run[600];

	snprintf(data, sizeof(data), "%s/data", tmp);
	snprintf(run, sizeof(run), "%s/run", tmp);
	snprintf(home, sizeof(home), "%s/home", tmp);
	ck_assert_int_eq(mkdir(data, 0700) | mkdir(run, 0700) | mkdir(home, 0700), 0);
	ck_assert_int_eq(chown(data, 65534, 65534) | chown(run, 65534, 65534) | chown(home, 65534, 65534), 0);
	ck_assert_int_eq(chmod(tmp, 0755), 0);

	/* XDG dirs when set. */
	snprintf(want_root, sizeof(want_root), "%s/engine", data);
	snprintf(want_run, sizeof(want_run), "%s/engine", run);
	rootless_defaults(data, run, home, want_root, want_run);
	/* ~/.local/share/engine, state in the root without a runtime dir;
	 * a relative XDG value is ignored, as the spec says. */
	snprintf(want_root, sizeof(want_root), "%s/.local/share/engine", home);
	snprintf(want_run, sizeof(want_run), "%s/.local/share/engine/run", home);
	rootless_defaults("relative", NULL, home, want_root, want_run);
	/* Neither: the passwd entry's home; nobody's is /nonexistent, which
	 * cannot be made, and the error names it. */
	rootless_defaults(NULL, NULL, NULL, NULL, "mkdir /nonexistent");
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_core__context_rejects_bad_options)
{
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;

	o.root = "relative/root";
	ck_assert_engine_error(engine_context_new(&ctx, &o), ENGINE_EINVALID, "must be an absolute path");
	o.root = "/tmp";
	o.version = 99;
	ck_assert_engine_error(engine_context_new(&ctx, &o), ENGINE_EINVALID, "unsupported version 99");
	ck_assert_engine_error(engine_context_options_init(&o, 42), ENGINE_EINVALID, "unsupported version");
	ck_assert_engine_ok(engine_context_options_init(&o, ENGINE_CONTEXT_OPTIONS_VERSION));
	ck_assert_ptr_null(o.root);
}
END_TEST

START_TEST(test_core__context_config_file)
{
	char *tmp = th_mkdtemp("core");
	char *cfg = engine__path_join(tmp, "config.json");
	const char good[] = "{\"registry-mirrors\": [\"http://127.0.0.1:5001\"]}";
	const char bad[] = "{\"registry-mirrors\": [";
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;

	o.root = tmp;
	o.config_path = cfg;
	ck_assert_engine_ok(engine__write_file_atomic(cfg, good, sizeof(good) - 1, 0644, false));
	ck_assert_engine_ok(engine_context_new(&ctx, &o));
	ck_assert_ptr_nonnull(engine__context_config(ctx, "registry-mirrors"));
	ck_assert_ptr_null(engine__context_config(ctx, "absent"));
	engine_context_free(ctx);
	ck_assert_engine_ok(engine__write_file_atomic(cfg, bad, sizeof(bad) - 1, 0644, false));
	ck_assert_engine_error(engine_context_new(&ctx, &o), ENGINE_EINVALID, "config.json: invalid JSON");
	free(cfg);
	th_cleanup_dir(tmp);
}
END_TEST

static void log_cb(int level, const char *msg, void *payload)
{
	char *buf = payload;
	snprintf(buf, 256, "%d:%s", level, msg);
}

START_TEST(test_core__log_sinks)
{
	char *tmp = th_mkdtemp("core");
	engine_context *ctx = th_context(tmp);
	char got[256] = "";
	int pipefd[2];
	char line[512] = "";

	engine__warn(ctx, "silent %d", 1);
	engine_context_set_log_callback(ctx, log_cb, got);
	engine__info(ctx, "dropped");
	ck_assert_str_eq(got, "");
	engine__warn(ctx, "hello %s", "world");
	ck_assert_str_eq(got, "1:hello world");
	ck_assert_int_eq(pipe(pipefd), 0);
	engine_context_set_log_fd(ctx, pipefd[1]);
	engine__error_log(ctx, "json \"quoted\"");
	ck_assert(read(pipefd[0], line, sizeof(line) - 1) > 0);
	ck_assert_ptr_nonnull(strstr(line, "\"level\":\"error\""));
	ck_assert_ptr_nonnull(strstr(line, "\"msg\":\"json \\\"quoted\\\"\""));
	close(pipefd[0]);
	close(pipefd[1]);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_core__version)
{
	ck_assert_str_eq(engine_version(), PACKAGE_VERSION);
}
END_TEST

static Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_core__error_set_and_wrap);
	tcase_add_test(tc, test_core__error_is_per_thread);
	tcase_add_test(tc, test_core__context_creates_root);
	tcase_add_test(tc, test_core__context_rootless_defaults);
	tcase_add_test(tc, test_core__context_rejects_bad_options);
	tcase_add_test(tc, test_core__context_config_file);
	tcase_add_test(tc, test_core__log_sinks);
	tcase_add_test(tc, test_core__version);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(core_suite(), 0);
}
