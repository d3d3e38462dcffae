/*
 * The in-root resolver (util/safepath.c), the layer view (util/layers.c)
 * and their users that need no container: user lookup (runtime/userdb.c)
 * and the builder's --chown lookup. Every "host" file here is a marker in
 * the test's own temp directory. Whiteout and opaque cases need root
 * (mknod, trusted.* xattrs) and are skipped without it.
 */
#include "check_helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "builder/step_copy.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/layers.h"
#include "util/safepath.h"
#include "util/str.h"

static void put(const char *dir, const char *rel, const char *content)
{
	cleanup_free char *p = engine__path_join(dir, rel);
	cleanup_free char *parent = strdup(p);

	*strrchr(parent, '/') = '\0';
	ck_assert_engine_ok(engine__mkdir_p(parent, 0755));
	ck_assert_engine_ok(engine__write_file_atomic(p, content, strlen(content), 0644, false));
}

static void link_at(const char *dir, const char *rel, const char *target)
{
	cleanup_free char *p = engine__path_join(dir, rel);

	ck_assert_int_eq(symlink(target, p), 0);
}

static void fifo_at(const char *dir, const char *rel)
{
	cleanup_free char *p = engine__path_join(dir, rel);

	ck_assert_int_eq(mkfifo(p, 0644), 0);
}

static int open_dir(const char *dir)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	return fd;
}

/* A blocked open or read would hang the test: SIGALRM ends it instead. */
static void guard(unsigned seconds)
{
	signal(SIGALRM, SIG_DFL);
	alarm(seconds);
}

/* Absolute symlinks and ".." restart at / clamp to the root, with and
 * without openat2. */
static void check_in_root(bool walk)
{
	char *root = th_mkdtemp("sp-root"), *host = th_mkdtemp("sp-host");
	cleanup_free char *res = NULL, *abs_etc = NULL, *expect = NULL;
	cleanup_close int rfd = -EBADF;
	int fd;

	engine__open_beneath_force_walk(walk);
	put(host, "passwd", "host:x:4242:4242::/:/bin/sh\n");
	put(root, "usr/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
	link_at(root, "etc", host);		     /* absolute, to the "host" */
	link_at(root, "up", "../../../../../../.."); /* climbs past the root */
	link_at(root, "good", "/usr/etc");	     /* absolute, meant in the root */
	link_at(root, "loop", "loop");
	rfd = open_dir(root);

	ck_assert_int_eq(engine__open_in_root(rfd, "etc/passwd", O_RDONLY), -ENOENT);
	ck_assert_int_eq(engine__open_in_root(rfd, "/up/etc/passwd", O_RDONLY), -ENOENT);
	ck_assert_int_eq(engine__open_in_root(rfd, "../../../../usr/../../etc/passwd", O_RDONLY), -ENOENT);
	fd = engine__open_in_root(rfd, "/good/passwd", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = engine__open_in_root(rfd, "up/usr/etc/passwd", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(engine__open_in_root(rfd, "loop", O_RDONLY), -ELOOP);
	/* O_NOFOLLOW|O_PATH gives the link itself. */
	fd = engine__open_in_root(rfd, "etc", O_PATH | O_NOFOLLOW);
	ck_assert_int_ge(fd, 0);
	close(fd);

	/* Resolution as a path: where the host's path would be, inside. */
	ck_assert_int_eq(engine__resolve_in_root(rfd, "etc/passwd", &res), 0);
	expect = engine__strdup_printf("%s/passwd", host + 1);
	ck_assert_str_eq(res, expect);
	free(steal_ptr(res));
	ck_assert_int_eq(engine__resolve_in_root(rfd, "/up/good/./x/../passwd", &res), 0);
	ck_assert_str_eq(res, "usr/etc/passwd");
	free(steal_ptr(res));
	ck_assert_int_eq(engine__resolve_in_root(rfd, "/", &res), 0);
	ck_assert_str_eq(res, "");
	engine__open_beneath_force_walk(false);
	th_cleanup_dir(root);
	th_cleanup_dir(host);
}

START_TEST(test_safepath__in_root_clamps_symlinks)
{
	check_in_root(false);
}
END_TEST

START_TEST(test_safepath__in_root_clamps_symlinks_without_openat2)
{
	check_in_root(true);
}
END_TEST

/* Creating and unlinking beneath a root follows no symlink at all. */
START_TEST(test_safepath__create_and_unlink_follow_no_symlink)
{
	char *root = th_mkdtemp("sp-root"), *host = th_mkdtemp("sp-host");
	cleanup_free char *marker = engine__path_join(host, "hosts");
	cleanup_close int rfd = -EBADF;
	const char *base;
	int fd;

	engine__open_beneath_force_walk(false);
	put(host, "hosts", "marker\n");
	link_at(root, "etc", host);
	rfd = open_dir(root);
	ck_assert_int_eq(engine__open_parent_beneath(rfd, "etc/hosts", 0755, &base), -EXDEV);
	ck_assert_int_eq(engine__unlink_beneath(rfd, "etc/hosts", 0), -EXDEV);
	ck_assert(engine__path_exists(marker));
	/* The link itself is the last component: unlinked, not followed. */
	ck_assert_int_eq(engine__unlink_beneath(rfd, "etc", 0), 0);
	ck_assert(engine__path_exists(marker));
	/* Missing directories are made. */
	fd = engine__open_parent_beneath(rfd, "a/b/c/file", 0755, &base);
	ck_assert_int_ge(fd, 0);
	ck_assert_str_eq(base, "file");
	close(fd);
	ck_assert_int_eq(engine__open_parent_beneath(rfd, "a/../b", 0755, &base), -EINVAL);
	ck_assert_int_eq(engine__open_parent_beneath(rfd, "x/y", 0, &base), -ENOENT);
	th_cleanup_dir(root);
	th_cleanup_dir(host);
}
END_TEST

/* A FIFO is refused without being opened; the size is bounded. */
/* Mount destinations: made inside the root whatever the image's links say. */
START_TEST(test_safepath__mkpath_in_root)
{
	char *root = th_mkdtemp("sp-mk"), *host = th_mkdtemp("sp-mkhost");
	cleanup_free char *escape = NULL, *made = NULL, *inside = NULL, *file = NULL;
	cleanup_close int rfd = -EBADF;
	struct stat st;
	int fd;

	ck_assert_int_ge(asprintf(&escape, "../../../../..%s/out", host), 0);
	ck_assert_int_ge(asprintf(&inside, "%s%s/out", root, host), 0);
	link_at(root, "esc", escape); /* dangling: made inside the root */
	link_at(root, "abs", host);   /* absolute: a dir of that name inside */
	link_at(root, "magic", "/proc/self/fd/0");
	link_at(root, "loop", "loop");
	put(root, "etc/passwd", "x\n");
	rfd = open_dir(root);
	fd = engine__mkpath_in_root(rfd, "/esc", true, 0755);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(stat(inside, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_ge(asprintf(&made, "%s/out", host), 0);
	ck_assert_int_ne(access(made, F_OK), 0); /* nothing on the "host" */
	fd = engine__mkpath_in_root(rfd, "/abs/sub/dir", true, 0755);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_ge(asprintf(&file, "%s%s/sub/dir", root, host), 0);
	ck_assert_int_eq(access(file, F_OK), 0);
	fd = engine__mkpath_in_root(rfd, "/a/b/file", false, 0755);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	close(fd);
	fd = engine__mkpath_in_root(rfd, "/etc/passwd", false, 0755);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* No /proc in this root: the link's target is made inside it (in a
	 * container, /proc's magic link is refused: tests/integration/volume_cli.sh). */
	fd = engine__mkpath_in_root(rfd, "/magic", true, 0755);
	ck_assert_int_ge(fd, 0);
	close(fd);
	free(file);
	ck_assert_int_ge(asprintf(&file, "%s/proc/self/fd/0", root), 0);
	ck_assert_int_eq(access(file, F_OK), 0);
	ck_assert_int_eq(engine__mkpath_in_root(rfd, "/loop/x", true, 0755), -ELOOP);
	ck_assert_int_eq(engine__mkpath_in_root(rfd, "/etc/passwd/x", true, 0755), -ENOTDIR);
	/* Without openat2: no symlink followed at all. */
	engine__open_beneath_force_walk(true);
	ck_assert_int_eq(engine__mkpath_in_root(rfd, "/abs/other", true, 0755), -ELOOP);
	fd = engine__mkpath_in_root(rfd, "/plain/dir", true, 0755);
	ck_assert_int_ge(fd, 0);
	close(fd);
	engine__open_beneath_force_walk(false);
	th_cleanup_dir(root);
	th_cleanup_dir(host);
}
END_TEST

START_TEST(test_safepath__read_regular_only_and_bounded)
{
	char *root = th_mkdtemp("sp-root");
	cleanup_free char *data = NULL;
	cleanup_close int rfd = -EBADF;

	guard(20);
	put(root, "etc/group", "root:x:0:\n");
	fifo_at(root, "etc/passwd");
	link_at(root, "etc/shadow", "/etc/passwd");
	rfd = open_dir(root);
	ck_assert_engine_error(engine__read_file_in_root(rfd, "/etc/passwd", 1 << 20, "passwd", &data, NULL),
			       ENGINE_EINVALID, "passwd: not a regular file");
	ck_assert_engine_error(engine__read_file_in_root(rfd, "/etc/shadow", 1 << 20, "shadow", &data, NULL),
			       ENGINE_EINVALID, "shadow: not a regular file");
	ck_assert_engine_error(engine__read_file_in_root(rfd, "/etc/group", 4, "group", &data, NULL),
			       ENGINE_EINVALID, "group: larger than 4 bytes");
	ck_assert_engine_error(engine__read_file_in_root(rfd, "/etc/nope", 4, "nope", &data, NULL),
			       ENGINE_ENOTFOUND, "nope: not found");
	ck_assert_engine_ok(engine__read_file_in_root(rfd, "/etc/group", 10, "group", &data, NULL));
	ck_assert_str_eq(data, "root:x:0:\n");
	alarm(0);
	th_cleanup_dir(root);
}
END_TEST

/* The view of a stack: the top layer wins, symlinks are the view's own. */
START_TEST(test_layers__symlinks_resolve_in_the_view)
{
	char *lower = th_mkdtemp("ly-lower"), *upper = th_mkdtemp("ly-upper"), *host = th_mkdtemp("ly-host");
	char *dirs[] = {upper, lower, NULL};
	engine__layers *view = NULL;
	engine__layers_entry e;
	cleanup_free char *data = NULL, *up = NULL;

	put(host, "passwd", "host\n");
	put(lower, "usr/lib/os-release", "lower\n");
	put(lower, "etc/passwd", "lower\n");
	put(upper, "usr/lib/os-release", "upper\n");
	link_at(lower, "lib", "/usr/lib");
	link_at(upper, "hostetc", host);
	up = engine__strdup_printf("../../../../../../..%s", host);
	link_at(upper, "hostetc2", up);
	ck_assert_engine_ok(engine__layers_open(dirs, true, &view));

	ck_assert_engine_ok(engine__layers_read(view, "/lib/os-release", 100, &data, NULL));
	ck_assert_str_eq(data, "upper\n");
	free(steal_ptr(data));
	ck_assert_engine_ok(engine__layers_read(view, "/etc/passwd", 100, &data, NULL));
	ck_assert_str_eq(data, "lower\n");
	free(steal_ptr(data));
	ck_assert_engine_error(engine__layers_read(view, "/hostetc/passwd", 100, &data, NULL),
			       ENGINE_ENOTFOUND, "not found");
	ck_assert_engine_error(engine__layers_read(view, "/hostetc2/passwd", 100, &data, NULL),
			       ENGINE_ENOTFOUND, "not found");
	/* Resolution of a destination: the existing prefix resolved, the rest kept. */
	ck_assert_int_eq(engine__layers_lookup(view, "/lib/new/../x", true, &e), 0);
	ck_assert_str_eq(e.path, "/usr/lib/x");
	engine__layers_entry_clear(&e);
	ck_assert_int_eq(engine__layers_lookup(view, "/lib", false, &e), 1);
	ck_assert(S_ISLNK(e.st.st_mode));
	ck_assert_str_eq(e.path, "/lib");
	engine__layers_entry_clear(&e);
	ck_assert_int_eq(engine__layers_lookup(view, "/lib/", true, &e), 1);
	ck_assert(S_ISDIR(e.st.st_mode));
	ck_assert_str_eq(e.path, "/usr/lib");
	engine__layers_entry_clear(&e);
	engine__layers_free(view);
	th_cleanup_dir(lower);
	th_cleanup_dir(upper);
	th_cleanup_dir(host);
}
END_TEST

/* Whiteouts hide, opaque directories end the merge (needs root). */
START_TEST(test_layers__whiteouts_and_opaque_dirs)
{
	char *lower = th_mkdtemp("ly-lower"), *upper = th_mkdtemp("ly-upper");
	char *dirs[] = {lower, upper, NULL}; /* lowest first this time */
	cleanup_free char *wh = engine__path_join(upper, "etc/group");
	cleanup_free char *opq = engine__path_join(upper, "opt");
	engine__layers *view = NULL;
	engine__layers_entry e;
	cleanup_free char *data = NULL;

	if (geteuid() != 0) {
		th_skip_record(__func__, "whiteouts and opaque dirs need root (mknod, trusted.* xattrs)");
		goto out;
	}
	put(lower, "etc/group", "lower\n");
	put(lower, "etc/passwd", "lower\n");
	put(lower, "opt/old", "old\n");
	put(upper, "etc/hosts", "upper\n");
	put(upper, "opt/new", "new\n");
	ck_assert_int_eq(mknod(wh, S_IFCHR | 0, makedev(0, 0)), 0);
	ck_assert_int_eq(setxattr(opq, "trusted.overlay.opaque", "y", 1, 0), 0);
	ck_assert_engine_ok(engine__layers_open(dirs, false, &view));
	ck_assert_engine_ok(engine__layers_read(view, "/etc/passwd", 100, &data, NULL));
	free(steal_ptr(data));
	ck_assert_engine_error(engine__layers_read(view, "/etc/group", 100, &data, NULL), ENGINE_ENOTFOUND,
			       "not found");
	ck_assert_int_eq(engine__layers_lookup(view, "/opt/old", false, &e), 0);
	engine__layers_entry_clear(&e);
	ck_assert_int_eq(engine__layers_lookup(view, "/opt/new", false, &e), 1);
	engine__layers_entry_clear(&e);
	engine__layers_free(view);
out:
	th_cleanup_dir(lower);
	th_cleanup_dir(upper);
}
END_TEST

/* Issue 9, item 6: an image whose /etc is a symlink to a host directory
 * must not make "-u NAME" read that directory's passwd; a FIFO passwd
 * (a running container can make one) must fail, not hang. */
START_TEST(test_userdb__symlinked_etc_and_fifo)
{
	char *layer = th_mkdtemp("ud-layer"), *upper = th_mkdtemp("ud-upper"), *host = th_mkdtemp("ud-host");
	char *dirs[] = {upper, layer, NULL};
	char *lowest_first[] = {layer, NULL}, *lowest_first2[] = {layer, upper, NULL};
	cleanup_free char *home = NULL, *fifo = NULL;
	gid_t *groups = NULL;
	size_t n_groups = 0;
	uid_t uid;
	gid_t gid;

	guard(30);
	put(host, "passwd", "evil:x:4242:4242::/evil:/bin/sh\n");
	put(host, "group", "evil:x:4242:evil\n");
	link_at(layer, "etc", host);
	ck_assert_engine_error(engine__user_resolve(dirs, "evil", &uid, &gid, &groups, &n_groups, &home),
			       ENGINE_ENOTFOUND, "unable to find user evil");
	ck_assert_engine_error(engine__chown_resolve(lowest_first, "evil", &uid, &gid), ENGINE_ENOTFOUND,
			       "unable to find user \"evil\"");

	/* The container replaced /etc/passwd in its upper dir with a FIFO. */
	put(upper, "etc/group", "root:x:0:\n");
	fifo_at(upper, "etc/passwd");
	ck_assert_engine_error(engine__user_resolve(dirs, "nobody", &uid, &gid, &groups, &n_groups, &home),
			       ENGINE_EINVALID, "/etc/passwd: not a regular file");
	ck_assert_engine_error(engine__chown_resolve(lowest_first2, "nobody", &uid, &gid), ENGINE_EINVALID,
			       "/etc/passwd: not a regular file");
	alarm(0);

	/* A regular passwd in the view still works. */
	fifo = engine__path_join(upper, "etc/passwd");
	unlink(fifo);
	put(upper, "etc/passwd", "app:x:1000:1000::/home/app:/bin/sh\n");
	put(upper, "etc/group", "app:x:1000:\nextra:x:2000:app\n");
	ck_assert_engine_ok(engine__user_resolve(dirs, "app", &uid, &gid, &groups, &n_groups, &home));
	ck_assert_int_eq(uid, 1000);
	ck_assert_int_eq(gid, 1000);
	ck_assert_int_eq(n_groups, 2); /* the primary group first, as dockerd sets them */
	ck_assert_int_eq(groups[0], 1000);
	ck_assert_int_eq(groups[1], 2000);
	ck_assert_str_eq(home, "/home/app");
	free(groups);
	th_cleanup_dir(layer);
	th_cleanup_dir(upper);
	th_cleanup_dir(host);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("safepath");
	TCase *tc = tcase_create("safepath");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_safepath__in_root_clamps_symlinks);
	tcase_add_test(tc, test_safepath__in_root_clamps_symlinks_without_openat2);
	tcase_add_test(tc, test_safepath__create_and_unlink_follow_no_symlink);
	tcase_add_test(tc, test_safepath__read_regular_only_and_bounded);
	tcase_add_test(tc, test_safepath__mkpath_in_root);
	tcase_add_test(tc, test_layers__symlinks_resolve_in_the_view);
	tcase_add_test(tc, test_layers__whiteouts_and_opaque_dirs);
	tcase_add_test(tc, test_userdb__symlinked_etc_and_fifo);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite(), 0);
}
