/* Shared by the cgroup Check files: per-test contexts with a private parent
 * cgroup, the host's expected mode, and cleanup that survives failures. */
#ifndef ENGINE_TESTS_CHECK_CGROUP_H
#define ENGINE_TESTS_CHECK_CGROUP_H

#include "check_helpers.h"

#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

/* "engine-test-<pid>-<time>": the parent of every real cgroup a test makes. */
extern char th_cg_parent[64];

typedef struct th_cg_env {
	char *tmp;	     /* temp root (store + config file) */
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

/* A child process that waits to be placed in a cgroup before it runs @fn,
 * reporting through a pipe. */
typedef int (*th_child_fn)(int report_fd, void *arg);

typedef struct th_child {
	pid_t pid;
	int go;	    /* write a byte: the child may start (it is in the cgroup) */
	int report; /* what the child reports */
} th_child;

/* Fork a child that waits until it has been placed in the cgroup. */
void th_child_spawn(th_child *c, th_child_fn fn, void *arg);
/* Fork a child, put it in @cg, let it run. */
void th_child_start(th_child *c, engine__cgroup *cg, th_child_fn fn, void *arg);
/* Read exactly @len bytes the child reports. */
void th_child_read(th_child *c, void *buf, size_t len);
/* Reap the child; its wait status. */
int th_child_wait(th_child *c);
/* Burn CPU forever. */
void th_spin(void);
/* Child bodies: report one byte then spin; count in *(uint64_t *)arg. */
int th_spin_child(int report, void *arg);
int th_count_forever(int report, void *arg);
/* Wait (up to 5 s) until *counter passes @from; returns its value. */
uint64_t th_wait_progress(volatile uint64_t *counter, uint64_t from);

void th_cg_add_unified_tests(Suite *s);

/* Child body: report errno of opening /dev/null and /dev/kmsg (c 1:11)
 * read-write, and of mknod c 1:11 at the path @arg. */
int th_devices_child(int report, void *arg);
/* In @cg, /dev/null opens, any node can be made, and /dev/kmsg does not
 * open when @enforced. */
void th_assert_device_policy(engine__cgroup *cg, bool enforced);

void th_cg_add_v1_tests(Suite *s);
void th_cg_add_v2_tests(Suite *s);
void th_cg_add_rootless_tests(Suite *s);

#endif
