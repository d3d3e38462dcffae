/* Helpers shared by the Check suites: temp roots, error assertions, main. */
#ifndef ENGINE_TESTS_CHECK_HELPERS_H
#define ENGINE_TESTS_CHECK_HELPERS_H

#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <engine.h>

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

/* Run one suite; privileged suites exit 77 (skipped) when not root. */
static inline int th_run_suite(Suite *s, int needs_root)
{
	SRunner *sr;
	int failed;

	if (needs_root && geteuid() != 0) {
		printf("skipped: this suite needs root\n");
		return 77;
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
