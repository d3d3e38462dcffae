/* Shared by the cgroup Check files: per-test contexts with a private parent
 * cgroup, the host's expected mode, and cleanup that survives failures. */
#ifndef ENGINE_TESTS_CHECK_CGROUP_H
#define ENGINE_TESTS_CHECK_CGROUP_H

#include "check_helpers.h"

#include "cgroup/cgroup.h"

/* "engine-test-<pid>-<time>": the parent of every real cgroup a test makes. */
extern char th_cg_parent[64];

typedef struct th_cg_env {
	char *tmp;           /* temp root (store + config file) */
	engine_context *ctx; /* its config sets "cgroup-parent" */
} th_cg_env;

/* A context whose config's "cgroup-parent" is @parent_json (raw JSON), or
 * th_cg_parent when NULL; with @cg_root, the cgroup root is overridden. */
void th_cg_env_open(th_cg_env *env, const char *parent_json);
void th_cg_env_open_root(th_cg_env *env, const char *parent_json, const char *cg_root);
/* Remove the parent cgroup (best effort), free the context, remove tmp. */
void th_cg_env_close(th_cg_env *env);

/* The mode read independently from /proc/self/mountinfo; <0 when none. */
int th_cg_expected_mode(engine__cgroup_mode *out);
/* Kill and remove everything under @parent in every hierarchy. */
void th_cg_purge(const char *parent);
/* Purge th_cg_parent after the test case, in the runner's process, so that a
 * failed (exited) test leaves nothing behind either. */
void th_cg_add_fixture(TCase *tc);

/* Write / read a small file; read returns a malloc'd string
 * with the trailing newline removed, or NULL. */
void th_write(const char *dir, const char *file, const char *content);
char *th_read(const char *dir, const char *file);
/* Assert that <dir>/<file> holds @want (trailing newlines ignored). */
void th_assert_file(const char *dir, const char *file, const char *want);

void th_cg_add_v1_tests(Suite *s);
void th_cg_add_v2_tests(Suite *s);

#endif
