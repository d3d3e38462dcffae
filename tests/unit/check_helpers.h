/* Helpers shared by the Check suites: temp roots, error assertions, main. */
#ifndef ENGINE_TESTS_CHECK_HELPERS_H
#define ENGINE_TESTS_CHECK_HELPERS_H

#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <grp.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <engine.h>

#include "cgroup/cgroup.h"
#include "runtime/runtime.h"
#include "util/fs.h"

/* A fresh temp directory (malloc'd path) under $TMPDIR or /tmp. */
static inline char *th_mkdtemp(const char *tag)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (asprintf(&path, "%s/engine-test-%s-XXXXXX", base ? base : "/tmp", tag) < 0)
		abort();
	if (!mkdtemp(path))
		abort();
	return path;
}

/* Remove a temp tree and free its path. */
static inline void th_cleanup_dir(char *path)
{
	if (path) {
		engine__rm_rf(path);
		free(path);
	}
}

/* Open a context on a private root; the caller frees both. */
static inline engine_context *th_context(const char *root)
{
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;

	o.root = root;
	ck_assert_msg(engine_context_new(&ctx, &o) == 0, "context: %s", engine_error_last()->message);
	return ctx;
}

/* A context on @root whose containers' cgroups live under a parent of the
 * test's own ("engine-test-<basename of root>", written to *@parent, at
 * least 256 bytes, and to <root>/config.json), so suites running side by
 * side never share or remove each other's cgroups. Free it with
 * th_context_free_cgroups(), which removes that parent. */
static inline engine_context *th_context_cgroups(const char *root, char *parent)
{
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;
	char conf[4096], json[512];
	const char *base = strrchr(root, '/');
	FILE *f;

	snprintf(parent, 256, "engine-test-%s", base ? base + 1 : root);
	snprintf(json, sizeof(json), "{\"cgroup-parent\": \"%s\"}\n", parent);
	snprintf(conf, sizeof(conf), "%s/config.json", root);
	f = fopen(conf, "w");
	ck_assert_msg(f != NULL, "fopen %s", conf);
	fputs(json, f);
	fclose(f);
	o.root = root;
	o.config_path = conf;
	ck_assert_msg(engine_context_new(&ctx, &o) == 0, "context: %s", engine_error_last()->message);
	return ctx;
}

/* Remove the test's cgroup parent (when it was made) and free the context. */
static inline void th_context_free_cgroups(engine_context *ctx)
{
	if (!ctx)
		return;
	/* (engine_run's cgroups kept for reuse are in it) */
	engine__run_stock_drop(ctx);
	if (engine__cgroup_parent_remove(ctx) < 0)
		fprintf(stderr, "cgroup parent: %s\n", engine_error_last()->message);
	engine_context_free(ctx);
}

/* Assert that @r is the error @code and the thread's message contains @needle. */
#define ck_assert_engine_error(r, ecode, needle)                                                             \
	do {                                                                                                 \
		int th_r_ = (r);                                                                             \
		const engine_error *th_e_ = engine_error_last();                                             \
		ck_assert_msg(th_r_ == (ecode), "expected %s, got %s (%s)", engine_err_name(ecode),          \
			      engine_err_name(th_r_), th_e_->message);                                       \
		ck_assert_msg(th_e_->code == (ecode), "last error code %d", th_e_->code);                    \
		ck_assert_msg(strstr(th_e_->message, (needle)) != NULL, "message \"%s\" lacks \"%s\"",       \
			      th_e_->message, (needle));                                                     \
	} while (0)

#define ck_assert_engine_ok(r)                                                                               \
	do {                                                                                                 \
		int th_r_ = (r);                                                                             \
		ck_assert_msg(th_r_ == 0, "expected success, got %s: %s", engine_err_name(th_r_),            \
			      engine_error_last()->message);                                                 \
	} while (0)

/*
 * Skips. Check has no per-test skip, so a test that cannot run on this host
 * says so with TH_SKIP("why", ...) and returns. Each skip is one line
 * "SKIP: <test>: <why>" in the suite's output, which tests/collect.sh
 * counts as skipped instead of passed; th_run_suite() reports the count and
 * exits 77 when every test skipped. The lines also go to a file that the
 * runner shares with the forked tests (TH_SKIP_FD), so it can count them.
 */
#define TH_SKIP_ENV "TH_SKIP_FD"

static inline void th_skip_record(const char *test, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void th_skip_record(const char *test, const char *fmt, ...)
{
	const char *env = getenv(TH_SKIP_ENV);
	char line[512];
	size_t n, len = strlen(test);
	va_list ap;

	/* START_TEST(name) defines name_fn: report the test's own name. */
	if (len > 3 && strcmp(test + len - 3, "_fn") == 0)
		len -= 3;
	n = (size_t)snprintf(line, sizeof(line), "SKIP: %.*s: ", (int)len, test);
	va_start(ap, fmt);
	if (n < sizeof(line))
		n += (size_t)vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fflush(stdout);
	if (write(STDOUT_FILENO, line, n) < 0 || (env && write(atoi(env), line, n) < 0))
		perror("skip record");
}

#define TH_SKIP(...)                                                                                         \
	do {                                                                                                 \
		th_skip_record(__func__, __VA_ARGS__);                                                       \
		return;                                                                                      \
	} while (0)

/* Run one suite; privileged suites exit 77 (skipped) when not root, and a
 * suite whose every test skipped exits 77 too. */
/* What a started container wrote to its log (stdout and stderr, in order),
 * through the log reader; malloc'd. */
static inline char *th_container_log(engine_container *c)
{
	engine_logs *l = NULL;
	char *data = calloc(1, 1);
	size_t n = 0;

	ck_assert_engine_ok(engine_container_logs(c, NULL, &l));
	while (engine_logs_next(l, 0) == 1) {
		const engine_log_entry *e = engine_logs_entry(l);

		data = realloc(data, n + e->len + 1);
		ck_assert_ptr_nonnull(data);
		memcpy(data + n, e->data, e->len);
		n += e->len;
		data[n] = '\0';
	}
	engine_logs_free(l);
	return data;
}

static inline int th_run_suite(Suite *s, int needs_root)
{
	SRunner *sr;
	FILE *skips;
	char fd[16], line[512];
	int failed, run, skipped = 0;

	if (needs_root && geteuid() != 0) {
		printf("SKIP: the whole suite: it needs root\n");
		return 77;
	}
	skips = tmpfile();
	if (!skips)
		abort();
	snprintf(fd, sizeof(fd), "%d", fileno(skips));
	setenv(TH_SKIP_ENV, fd, 1);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	run = srunner_ntests_run(sr);
	srunner_free(sr);
	unsetenv(TH_SKIP_ENV);
	rewind(skips);
	while (fgets(line, sizeof(line), skips))
		skipped += strncmp(line, "SKIP: ", 6) == 0;
	fclose(skips);
	if (skipped)
		printf("%d of %d tests skipped\n", skipped, run);
	if (failed)
		return 1;
	return run > 0 && skipped == run ? 77 : 0;
}

/* In a child as user @uid (and gid, no supplementary groups), from root
 * (raw system calls: not every suite defines _GNU_SOURCE first):
 * @fn reports what went wrong through TH_CHILD_CHECK on its fd; the test
 * fails with that message. */
#define TH_CHILD_CHECK(fd, cond, ...)                                                                        \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			dprintf(fd, __VA_ARGS__);                                                            \
			_exit(1);                                                                            \
		}                                                                                            \
	} while (0)

static inline void th_as_user(unsigned uid, void (*fn)(int report, void *arg), void *arg)
{
	char msg[1024] = "";
	int fds[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		TH_CHILD_CHECK(fds[1],
			       setgroups(0, NULL) == 0 && syscall(SYS_setresgid, uid, uid, uid) == 0 &&
				   syscall(SYS_setresuid, uid, uid, uid) == 0,
			       "become uid %u: %s", uid, strerror(errno));
		fn(fds[1], arg);
		_exit(0);
	}
	close(fds[1]);
	ck_assert_int_ge(read(fds[0], msg, sizeof(msg) - 1), 0);
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "as uid %u: %s", uid, msg);
}

#endif
