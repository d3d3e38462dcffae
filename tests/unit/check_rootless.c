/* Rootless (runtime/rootless.c): the subordinate-id file grammar, and
 * containers run by uid 65534 (which has no range in /etc/subuid: the
 * single-uid fallback) with the security defaults kept and what a user
 * namespace cannot do refused naming why. The full mapping through
 * newuidmap is covered by tests/integration/rootless.sh with a user of
 * its own. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <sys/wait.h>

#include "check_runtime.h"
#include "runtime/runtime.h"
#include "image/internal.h"
#include "util/userns.h"
#include "util/cleanup.h"

#define NOBODY 65534

START_TEST(test_rootless__subids)
{
	char *dir = th_mkdtemp("rootless");
	uint32_t start, count;

	tr_write(dir, "subuid",
		 "# comment\nalice:100000:65536\n1001:200000:1000\nbob:x:5\nbob:300000:0\nbob:400000:10\n"
		 "carol:4294967000:1000\n",
		 0644);
	{
		cleanup_free char *f = engine__path_join(dir, "subuid");

		ck_assert_engine_ok(engine__subids(f, "alice", 1000, &start, &count));
		ck_assert_uint_eq(start, 100000);
		ck_assert_uint_eq(count, 65536);
		/* By uid when the name has no line. */
		ck_assert_engine_ok(engine__subids(f, "dave", 1001, &start, &count));
		ck_assert_uint_eq(start, 200000);
		ck_assert_uint_eq(count, 1000);
		/* Malformed and empty ranges are skipped, the next one counts. */
		ck_assert_engine_ok(engine__subids(f, "bob", 1002, &start, &count));
		ck_assert_uint_eq(start, 400000);
		ck_assert_uint_eq(count, 10);
		/* Past 2^32: unusable. */
		ck_assert_engine_ok(engine__subids(f, "carol", 1003, &start, &count));
		ck_assert_uint_eq(count, 0);
		ck_assert_engine_ok(engine__subids(f, NULL, 7, &start, &count));
		ck_assert_uint_eq(count, 0);
	}
	{
		cleanup_free char *f = engine__path_join(dir, "missing");

		ck_assert_engine_ok(engine__subids(f, "alice", 1000, &start, &count));
		ck_assert_uint_eq(count, 0);
	}
	th_cleanup_dir(dir);
}
END_TEST

struct run_arg {
	const char *store, *rootfs;
};

static void run_child(int report, void *arg)
{
	const struct run_arg *a = arg;
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	const char *const argv[] = {
	    "sh", "-c",
	    "id -u; cat /proc/self/uid_map | tr -s ' '; grep -E '^(NoNewPrivs|Seccomp):' "
	    "/proc/self/status | tr -d '\\t'; echo x > /dev/null && echo devnull; "
	    "test -e /proc/kcore && echo kcore; touch /f 2>&1 >/dev/null | grep -c Read-only",
	    NULL};
	engine_context *ctx = NULL;
	engine_run_result *res = NULL;
	engine_spec *s;
	char want[512];
	int r;

	o.root = a->store;
	TH_CHILD_CHECK(report, engine_context_new(&ctx, &o) == 0, "context: %s",
		       engine_error_last()->message);
	TH_CHILD_CHECK(report, engine_context_has_feature(ctx, "rootless") == 1, "feature rootless");
	s = tr_spec(a->rootfs, argv);
	engine_spec_set_read_only(s, 1);
	r = engine_run(ctx, s, &res);
	TH_CHILD_CHECK(report, r == 0 && res->exit_code == 0, "run: %d %s / %s", r,
		       engine_error_last()->message, res ? res->stderr_data : "");
	/* The caller is root inside, alone in the map; the defaults hold. */
	snprintf(want, sizeof(want), "0\n 0 %d 1\nNoNewPrivs:1\nSeccomp:2\ndevnull\n1\n", NOBODY);
	TH_CHILD_CHECK(report, strcmp(res->stdout_data, want) == 0, "stdout [%s], want [%s]",
		       res->stdout_data, want);
	engine_run_result_free(res);
	res = NULL;
	/* Another user cannot be mapped without a range. */
	engine_spec_set_read_only(s, 0);
	engine_spec_set_user(s, "1000");
	r = engine_run(ctx, s, &res);
	TH_CHILD_CHECK(report,
		       r == ENGINE_ENOTSUP &&
			   strstr(engine_error_last()->message,
				  "maps only ids 0..0 (no range in /etc/subuid and /etc/subgid"),
		       "user 1000: %d %s", r, engine_error_last()->message);
	/* No delegated cgroup here: a limit says so, before anything runs. */
	engine_spec_set_user(s, "0");
	engine_spec_set_memory(s, 64 << 20);
	r = engine_run(ctx, s, &res);
	TH_CHILD_CHECK(report,
		       r == ENGINE_ENOTSUP && strstr(engine_error_last()->message,
						     "memory limit: running rootless without a cgroup"),
		       "memory: %d %s", r, engine_error_last()->message);
	engine_spec_free(s);
	engine_context_free(ctx);
}

START_TEST(test_rootless__run_single_uid)
{
	char *tmp = th_mkdtemp("rootless");
	cleanup_free char *store = engine__path_join(tmp, "store");
	char *rootfs;

	if (geteuid() != 0 || access(TR_BUSYBOX, X_OK) < 0) {
		th_cleanup_dir(tmp);
		TH_SKIP("needs root (to become another user) and " TR_BUSYBOX);
	}
	if (!engine_has_feature("user-namespaces")) {
		th_cleanup_dir(tmp);
		TH_SKIP("no user namespaces on this host");
	}
	rootfs = tr_rootfs(tmp);
	/* As a rootless unpack leaves it: the caller's. Files of unmapped
	 * owners could not be copied up into the writable layer. */
	{
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "chown -R -h %d:%d '%s'", NOBODY, NOBODY, rootfs);
		ck_assert_int_eq(system(cmd), 0);
	}
	ck_assert_int_eq(chmod(tmp, 0755), 0);
	ck_assert_int_eq(mkdir(store, 0700), 0);
	ck_assert_int_eq(chown(store, NOBODY, NOBODY), 0);
	th_as_user(NOBODY, run_child, &(struct run_arg){store, rootfs});
	ck_assert(!tr_mounted(tmp));
	free(rootfs);
	th_cleanup_dir(tmp);
}
END_TEST

struct unpack_arg {
	const char *tar, *dest;
};

static void unpack_child(int report, void *arg)
{
	const struct unpack_arg *a = arg;
	engine__unpack_options o = {.mode = ENGINE__UNPACK_LAYER, .max_entries = 100, .max_bytes = 1 << 20};
	engine__unpack_result res;
	struct stat st;
	char v[64] = "";
	int fd = open(a->dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;
	ssize_t n;

	TH_CHILD_CHECK(report, fd >= 0, "open %s", a->dest);
	r = engine__unpack_file(a->tar, fd, &o, &res, NULL, NULL);
	TH_CHILD_CHECK(report, r == 0, "unpack: %s", engine_error_last()->message);
	/* No range for nobody: owners recorded, files stay the caller's. */
	TH_CHILD_CHECK(report, fstatat(fd, "t/owned", &st, 0) == 0 && st.st_uid == NOBODY, "owned: uid %u",
		       (unsigned)st.st_uid);
	n = getxattr("t/owned", ENGINE__OVERRIDE_STAT_XATTR, v, sizeof(v) - 1);
	TH_CHILD_CHECK(report, n > 0 && strcmp(v, "1000:3000:0640") == 0, "owned: xattr [%s]", v);
	/* setuid kept, owner root (the caller) needs nothing. */
	TH_CHILD_CHECK(report, fstatat(fd, "t/suid", &st, 0) == 0 && (st.st_mode & 07777) == 04755,
		       "suid: mode %o", (unsigned)st.st_mode);
	n = getxattr("t/suid", ENGINE__OVERRIDE_STAT_XATTR, v, sizeof(v) - 1);
	TH_CHILD_CHECK(report, n < 0, "suid: has an override");
	/* Devices skipped; the opaque marker is a user xattr. */
	TH_CHILD_CHECK(report,
		       res.devices_skipped == 1 && fstatat(fd, "t/null", &st, AT_SYMLINK_NOFOLLOW) < 0,
		       "device: %llu skipped", (unsigned long long)res.devices_skipped);
	n = getxattr("o", "user.overlay.opaque", v, sizeof(v) - 1);
	TH_CHILD_CHECK(report, n == 1 && v[0] == 'y', "opaque: %zd", n);
	close(fd);
}

START_TEST(test_rootless__unpack_owners)
{
	char *tmp = th_mkdtemp("rootless");
	char cmd[4096];
	cleanup_free char *src = engine__path_join(tmp, "src"), *dest = engine__path_join(tmp, "dest"),
			  *tar = engine__path_join(tmp, "layer.tar");

	if (geteuid() != 0) {
		th_cleanup_dir(tmp);
		TH_SKIP("needs root to build the layer and become another user");
	}
	ck_assert_int_eq(chmod(tmp, 0755), 0);
	snprintf(
	    cmd, sizeof(cmd),
	    "mkdir -p %s/t %s/o && echo x > %s/t/owned && chown 1000:3000 %s/t/owned && chmod 640 %s/t/owned "
	    "&& echo y > %s/t/suid && chmod 4755 %s/t/suid && mknod %s/t/null c 1 3 && touch "
	    "%s/o/.wh..wh..opq "
	    "&& tar -C %s -cf %s t o",
	    src, src, src, src, src, src, src, src, src, src, tar);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(chmod(tar, 0644), 0);
	ck_assert_int_eq(mkdir(dest, 0755), 0);
	ck_assert_int_eq(chown(dest, NOBODY, NOBODY), 0);
	ck_assert_int_eq(chdir(dest), 0);
	th_as_user(NOBODY, unpack_child, &(struct unpack_arg){tar, dest});
	ck_assert_int_eq(chdir("/"), 0);
	th_cleanup_dir(tmp);
}
END_TEST

static Suite *rootless_suite(void)
{
	Suite *s = suite_create("rootless");
	TCase *tc = tcase_create("rootless");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_rootless__subids);
	tcase_add_test(tc, test_rootless__run_single_uid);
	tcase_add_test(tc, test_rootless__unpack_owners);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(rootless_suite(), 0);
}
