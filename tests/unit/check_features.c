/* Feature discovery (runtime/features.c): each answer checked against the
 * host by other means (mountinfo, a real unshare, a real overlay mount
 * where root), per-context answers that follow the context's cgroup root,
 * and that asking never disturbs the caller's last error. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "check_cgroup.h"
#include "core/error.h"
#include "util/cleanup.h"

/* Run @fn in a child; its exit status 0 means "yes". */
static bool child_says_yes(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fn(arg));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int make_userns(void *arg)
{
	(void)arg;
	return unshare(CLONE_NEWUSER) == 0 ? 0 : 1;
}

/* Mount an overlay in a private mount namespace of a child. */
static int mount_overlay(void *arg)
{
	const char *dir = arg;
	char opts[1024];

	snprintf(opts, sizeof(opts), "lowerdir=%s/l,upperdir=%s/u,workdir=%s/w", dir, dir, dir);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 2;
	return mount("overlay", dir, "overlay", 0, opts) == 0 ? 0 : 1;
}

static bool status_has(const char *key)
{
	cleanup_fclose FILE *f = fopen("/proc/self/status", "re");
	char line[256];

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0)
			return true;
	return false;
}

START_TEST(test_features__match_the_host)
{
	engine__cgroup_mode m;
	bool have_cg = th_cg_expected_mode(&m) == 0;

	ck_assert_int_eq(engine_has_feature("seccomp"), status_has("Seccomp:"));
	ck_assert_int_eq(engine_has_feature("user-namespaces"), child_says_yes(make_userns, NULL));
	ck_assert_int_eq(engine_has_feature("cgroup-v1"), have_cg && m != ENGINE__CGROUP_UNIFIED);
	ck_assert_int_eq(engine_has_feature("cgroup-v2"), have_cg && m != ENGINE__CGROUP_LEGACY);
	/* Debian's libarchive13 decodes both itself (zlib, libzstd); libcurl
	 * is a dependency of the package. */
	ck_assert_int_eq(engine_has_feature("gzip"), 1);
	ck_assert_int_eq(engine_has_feature("zstd"), 1);
	ck_assert_int_eq(engine_has_feature("registry"), 1);
	ck_assert_int_eq(engine_has_feature("build"), 1);
	ck_assert_int_eq(engine_has_feature("rootless"), geteuid() != 0 && child_says_yes(make_userns, NULL));
	ck_assert_int_eq(engine_has_feature("daemon"), 0);
	ck_assert_int_eq(engine_has_feature("teleport"), 0);
	ck_assert_int_eq(engine_has_feature(""), 0);
	ck_assert_int_eq(engine_has_feature(NULL), 0);
}
END_TEST

/* As nobody: "rootless" is whether that user can make a user namespace,
 * for the process and for a context it opens. */
static int rootless_as_nobody(void *arg)
{
	const char *dir = arg;
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;
	int want, got, got_ctx;

	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		return 2;
	o.root = dir;
	if (engine_context_new(&ctx, &o) < 0)
		return 3;
	got_ctx = engine_context_has_feature(ctx, "rootless");
	engine_context_free(ctx);
	got = engine_has_feature("rootless");
	want = child_says_yes(make_userns, NULL);
	return got == want && got_ctx == want ? 0 : 1;
}

START_TEST(test_features__rootless)
{
	char *dir = th_mkdtemp("features");

	if (geteuid() != 0) {
		th_cleanup_dir(dir);
		TH_SKIP("becoming another user needs root");
	}
	ck_assert_int_eq(chown(dir, 65534, 65534), 0);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	ck_assert(child_says_yes(rootless_as_nobody, dir));
	th_cleanup_dir(dir);
}
END_TEST

START_TEST(test_features__overlay_mounts)
{
	char *dir = th_mkdtemp("features");
	const char *sub[] = {"l", "u", "w"};

	if (geteuid() != 0) {
		th_cleanup_dir(dir);
		TH_SKIP("mounting an overlay to compare needs root");
	}
	for (size_t i = 0; i < 3; i++) {
		cleanup_free char *p = engine__path_join(dir, sub[i]);

		ck_assert_int_eq(mkdir(p, 0755), 0);
	}
	ck_assert_int_eq(engine_has_feature("overlay"), child_says_yes(mount_overlay, dir));
	th_cleanup_dir(dir);
}
END_TEST

/* The cgroup answers follow each context's cgroup root; the others are
 * the process's. */
START_TEST(test_features__per_context)
{
	char *fake = th_mkdtemp("features-cg2"), *none = th_mkdtemp("features-none");
	th_cg_env a, b, host;

	th_write(fake, "cgroup.controllers", "memory pids");
	th_cg_env_open_root(&a, NULL, fake);
	th_cg_env_open_root(&b, NULL, none);
	th_cg_env_open(&host, NULL);
	ck_assert_int_eq(engine_context_has_feature(a.ctx, "cgroup-v2"), 1);
	ck_assert_int_eq(engine_context_has_feature(a.ctx, "cgroup-v1"), 0);
	ck_assert_int_eq(engine_context_has_feature(b.ctx, "cgroup-v2"), 0);
	ck_assert_int_eq(engine_context_has_feature(b.ctx, "cgroup-v1"), 0);
	ck_assert_int_eq(engine_context_has_feature(host.ctx, "cgroup-v1"), engine_has_feature("cgroup-v1"));
	ck_assert_int_eq(engine_context_has_feature(host.ctx, "cgroup-v2"), engine_has_feature("cgroup-v2"));
	ck_assert_int_eq(engine_context_has_feature(a.ctx, "seccomp"), engine_has_feature("seccomp"));
	/* Asked again: the same (cached) answer. */
	ck_assert_int_eq(engine_context_has_feature(a.ctx, "cgroup-v2"), 1);
	ck_assert_int_eq(engine_context_has_feature(b.ctx, "cgroup-v2"), 0);
	ck_assert_int_eq(engine_context_has_feature(NULL, "build"), 0);
	ck_assert_int_eq(engine_context_has_feature(a.ctx, "teleport"), 0);
	th_cg_env_close(&a);
	th_cg_env_close(&b);
	th_cg_env_close(&host);
	th_cleanup_dir(fake);
	th_cleanup_dir(none);
}
END_TEST

/* A probe that fails inside (no cgroups at that root) is an answer, not
 * an error: the caller's last error stays. */
START_TEST(test_features__keep_last_error)
{
	char *none = th_mkdtemp("features-none");
	th_cg_env b;

	th_cg_env_open_root(&b, NULL, none);
	engine__error_set(ENGINE_ENOTFOUND, 0, "the caller's own error");
	ck_assert_int_eq(engine_context_has_feature(b.ctx, "cgroup-v1"), 0);
	ck_assert_int_eq(engine_has_feature("zstd"), 1);
	ck_assert_int_eq(engine_error_last()->code, ENGINE_ENOTFOUND);
	ck_assert_str_eq(engine_error_last()->message, "the caller's own error");
	th_cg_env_close(&b);
	th_cleanup_dir(none);
}
END_TEST

static Suite *features_suite(void)
{
	Suite *s = suite_create("features");
	TCase *tc = tcase_create("features");

	tcase_add_test(tc, test_features__match_the_host);
	tcase_add_test(tc, test_features__rootless);
	tcase_add_test(tc, test_features__overlay_mounts);
	tcase_add_test(tc, test_features__per_context);
	tcase_add_test(tc, test_features__keep_last_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	snprintf(th_cg_parent, sizeof(th_cg_parent), "engine-test-features-%d", (int)getpid());
	return th_run_suite(features_suite(), 0);
}
