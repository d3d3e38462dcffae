/* Util: fs helpers, digests, JSON, locks, strings, string vectors. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "check_helpers.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/mountopt.h"
#include "util/str.h"
#include "util/strv.h"

START_TEST(test_util__mkdir_p_and_rm_rf)
{
	char *tmp = th_mkdtemp("util");
	cleanup_free char *deep = engine__path_join(tmp, "a/b/c");
	cleanup_free char *file = engine__path_join(tmp, "a/b/c/f");
	cleanup_free char *link = engine__path_join(tmp, "a/link");
	cleanup_free char *outside = th_mkdtemp("util-outside");
	cleanup_free char *keep = engine__path_join(outside, "keep");

	ck_assert_engine_ok(engine__mkdir_p(deep, 0755));
	ck_assert_engine_ok(engine__mkdir_p(deep, 0755));
	ck_assert_engine_ok(engine__write_file_atomic(file, "x", 1, 0600, true));
	ck_assert_engine_ok(engine__write_file_atomic(keep, "k", 1, 0600, false));
	/* A symlink to elsewhere is removed, never followed. */
	ck_assert_int_eq(symlink(outside, link), 0);
	ck_assert_engine_ok(engine__rm_rf(tmp));
	ck_assert(!engine__path_exists(tmp));
	ck_assert(engine__path_exists(keep));
	ck_assert_engine_ok(engine__rm_rf(tmp));
	engine__rm_rf(outside);
	free(tmp);
}
END_TEST

/* A tree nested far deeper than the removal recurses (RM_MAX_DEPTH; a
 * container's can be nested without bound): removed whole, with the files
 * and links at every level, on a thread with a small stack (the daemon's
 * have 1 MiB; tests/escape/deep.sh has one die on 20000 levels). */
static void *rm_deep_thread(void *arg)
{
	return (void *)(intptr_t)engine__rm_rf(arg);
}

START_TEST(test_util__rm_rf_deep)
{
	char *tmp = th_mkdtemp("util-deep");
	cleanup_free char *outside = th_mkdtemp("util-outside");
	cleanup_free char *keep = engine__path_join(outside, "keep");
	int fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pthread_attr_t attr;
	pthread_t th;
	void *ret;

	ck_assert_engine_ok(engine__write_file_atomic(keep, "k", 1, 0600, false));
	for (int i = 0; i < 1000; i++) {
		int sub;

		ck_assert_int_eq(mkdirat(fd, "a", 0755), 0);
		if (i % 50 == 0) {
			ck_assert_int_eq(mkdirat(fd, "b", 0755), 0);
			ck_assert_int_eq(symlinkat(outside, fd, "link"), 0);
			close(openat(fd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
		}
		sub = openat(fd, "a", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ck_assert_int_ge(sub, 0);
		close(fd);
		fd = sub;
	}
	close(fd);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	ck_assert_int_eq(pthread_create(&th, &attr, rm_deep_thread, tmp), 0);
	pthread_join(th, &ret);
	ck_assert_int_eq((int)(intptr_t)ret, 0);
	ck_assert(!engine__path_exists(tmp));
	ck_assert(engine__path_exists(keep));
	engine__rm_rf(outside);
	free(tmp);
}
END_TEST

START_TEST(test_util__write_atomic_and_read)
{
	char *tmp = th_mkdtemp("util");
	cleanup_free char *f = engine__path_join(tmp, "f");
	cleanup_free char *data = NULL;
	size_t len = 0;
	struct stat st;

	ck_assert_engine_ok(engine__write_file_atomic(f, "hello", 5, 0640, false));
	ck_assert_engine_ok(engine__read_file(f, &data, &len));
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq(data, "hello");
	ck_assert_int_eq(stat(f, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	ck_assert_engine_error(engine__read_file("/nonexistent/x", &data, NULL), ENGINE_ENOTFOUND,
			       "open /nonexistent/x");
	ck_assert_engine_error(engine__write_file_atomic("/nonexistent/dir/f", "x", 1, 0644, false),
			       ENGINE_ENOTFOUND, "/nonexistent/dir/f");
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_util__path_join)
{
	cleanup_free char *a = engine__path_join("/a/", "/b");
	cleanup_free char *b = engine__path_join("/", "x");

	ck_assert_str_eq(a, "/a/b");
	ck_assert_str_eq(b, "/x");
}
END_TEST

START_TEST(test_util__sha256)
{
	char d[ENGINE__DIGEST_LEN + 1];
	engine__sha256 *h = NULL;

	ck_assert_engine_ok(engine__sha256_buf("abc", 3, d));
	ck_assert_str_eq(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert_engine_ok(engine__sha256_new(&h));
	ck_assert_engine_ok(engine__sha256_update(h, "a", 1));
	ck_assert_engine_ok(engine__sha256_update(h, "bc", 2));
	ck_assert_engine_ok(engine__sha256_final(h, d));
	engine__sha256_free(h);
	ck_assert_str_eq(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert(engine__digest_valid(d));
	ck_assert(!engine__digest_valid("sha256:ABC"));
	ck_assert(
	    !engine__digest_valid("md5:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	ck_assert_str_eq(engine__digest_hex(d), d + 7);
}
END_TEST

START_TEST(test_util__random_hex)
{
	char a[65], b[65];

	ck_assert_engine_ok(engine__random_hex(a, 32));
	ck_assert_engine_ok(engine__random_hex(b, 32));
	ck_assert_uint_eq(strlen(a), 64);
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(test_util__json)
{
	cleanup_json json_object *o = NULL;
	cleanup_strv char **v = NULL;
	json_object *arr;

	const char *doc = "{\"a\":\"b\",\"n\":3,\"l\":[\"x\",\"y\"]}";

	ck_assert_engine_ok(engine__json_parse(doc, strlen(doc), "t", &o));
	ck_assert_str_eq(engine__json_get_string(o, "a"), "b");
	ck_assert_ptr_null(engine__json_get_string(o, "n"));
	ck_assert_int_eq(engine__json_get_int(o, "n", 0), 3);
	ck_assert_int_eq(engine__json_get_int(o, "zz", 7), 7);
	arr = engine__json_get_type(o, "l", json_type_array);
	ck_assert_engine_ok(engine__json_to_strv(arr, &v));
	ck_assert_uint_eq(engine__strv_len(v), 2);
	ck_assert_str_eq(v[1], "y");
	json_object *bad = NULL;
	ck_assert_engine_error(engine__json_parse("{\"a\":", 5, "manifest.json", &bad), ENGINE_EINVALID,
			       "manifest.json: invalid JSON");
	ck_assert_engine_error(engine__json_parse("[1,}", 4, "index.json", &bad), ENGINE_EINVALID,
			       "index.json: invalid JSON at offset");
}
END_TEST

START_TEST(test_util__lock_excludes_other_process)
{
	char *tmp = th_mkdtemp("util");
	cleanup_free char *lk = engine__path_join(tmp, "lock");
	int fd = engine__lock_take(lk, true);
	pid_t pid;
	int status;

	ck_assert_int_ge(fd, 0);
	pid = fork();
	if (pid == 0) {
		int r = engine__lock_try(lk, true);
		_exit(r == ENGINE_EBUSY ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	engine__lock_release(fd);
	fd = engine__lock_try(lk, true);
	ck_assert_int_ge(fd, 0);
	engine__lock_release(fd);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_util__parse_size)
{
	int64_t v;

	ck_assert_engine_ok(engine__parse_size("64m", &v));
	ck_assert_int_eq(v, 64 * 1024 * 1024);
	ck_assert_engine_ok(engine__parse_size("1G", &v));
	ck_assert_int_eq(v, 1024LL * 1024 * 1024);
	ck_assert_engine_ok(engine__parse_size("512kb", &v));
	ck_assert_int_eq(v, 512 * 1024);
	ck_assert_engine_ok(engine__parse_size("100", &v));
	ck_assert_int_eq(v, 100);
	ck_assert_engine_ok(engine__parse_size("1.5k", &v));
	ck_assert_int_eq(v, 1536);
	ck_assert_engine_error(engine__parse_size("12x", &v), ENGINE_EINVALID, "invalid size \"12x\"");
	ck_assert_engine_error(engine__parse_size("-1m", &v), ENGINE_EINVALID, "invalid size");
	ck_assert_engine_error(engine__parse_size("", &v), ENGINE_EINVALID, "empty");
}
END_TEST

START_TEST(test_util__strv_and_strarray)
{
	char **v = NULL;
	engine_strarray arr;

	ck_assert_engine_ok(engine__strv_push(&v, "a"));
	ck_assert_engine_ok(engine__strv_push(&v, "b"));
	char **copy = engine__strv_dup(v);
	ck_assert_str_eq(copy[1], "b");
	engine__strv_free(copy);
	engine__strv_to_array(v, &arr);
	ck_assert_uint_eq(arr.count, 2);
	engine_strarray_dispose(&arr);
	ck_assert_uint_eq(arr.count, 0);
	engine_strarray_dispose(NULL);
}
END_TEST

/* Every flag word of mount(8) the table has is found (bsearch: the table
 * must stay sorted), with its bits and direction; others are not flags. */
START_TEST(test_util__mount_flags)
{
	static const struct {
		const char *word;
		unsigned long flag;
		bool clear;
	} want[] = {{"async", MS_SYNCHRONOUS, true},
		    {"atime", MS_NOATIME, true},
		    {"bind", MS_BIND, false},
		    {"defaults", 0, false},
		    {"dev", MS_NODEV, true},
		    {"diratime", MS_NODIRATIME, true},
		    {"dirsync", MS_DIRSYNC, false},
		    {"exec", MS_NOEXEC, true},
		    {"iversion", MS_I_VERSION, false},
		    {"lazytime", MS_LAZYTIME, false},
		    {"loud", MS_SILENT, true},
		    {"mand", MS_MANDLOCK, false},
		    {"noatime", MS_NOATIME, false},
		    {"nodev", MS_NODEV, false},
		    {"nodiratime", MS_NODIRATIME, false},
		    {"noexec", MS_NOEXEC, false},
		    {"noiversion", MS_I_VERSION, true},
		    {"nolazytime", MS_LAZYTIME, true},
		    {"nomand", MS_MANDLOCK, true},
		    {"norelatime", MS_RELATIME, true},
		    {"nostrictatime", MS_STRICTATIME, true},
		    {"nosuid", MS_NOSUID, false},
		    {"nosymfollow", 256, false},
		    {"rbind", MS_BIND | MS_REC, false},
		    {"relatime", MS_RELATIME, false},
		    {"remount", MS_REMOUNT, false},
		    {"ro", MS_RDONLY, false},
		    {"rw", MS_RDONLY, true},
		    {"silent", MS_SILENT, false},
		    {"strictatime", MS_STRICTATIME, false},
		    {"suid", MS_NOSUID, true},
		    {"sync", MS_SYNCHRONOUS, false}};
	static const char *const not_flags[] = {"size=1m", "mode=1777", "", "RO", "ro ", "zzz", "a"};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		unsigned long flag = 1;
		bool clear = !want[i].clear;

		ck_assert_msg(engine__mount_flag(want[i].word, &flag, &clear), "%s not found", want[i].word);
		ck_assert_uint_eq(flag, want[i].flag);
		ck_assert_int_eq(clear, want[i].clear);
	}
	for (size_t i = 0; i < sizeof(not_flags) / sizeof(not_flags[0]); i++) {
		unsigned long flag = 7;
		bool clear = false;

		ck_assert_msg(!engine__mount_flag(not_flags[i], &flag, &clear), "\"%s\" taken", not_flags[i]);
		ck_assert_uint_eq(flag, 7);
	}
	ck_assert(!engine__mount_flag(NULL, &(unsigned long){0}, &(bool){false}));
}
END_TEST

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, test_util__mkdir_p_and_rm_rf);
	tcase_add_test(tc, test_util__write_atomic_and_read);
	tcase_add_test(tc, test_util__path_join);
	tcase_add_test(tc, test_util__sha256);
	tcase_add_test(tc, test_util__random_hex);
	tcase_add_test(tc, test_util__json);
	tcase_add_test(tc, test_util__lock_excludes_other_process);
	tcase_add_test(tc, test_util__parse_size);
	tcase_add_test(tc, test_util__mount_flags);
	tcase_add_test(tc, test_util__strv_and_strarray);
	suite_add_tcase(s, tc);
	/* a deep tree takes this filesystem seconds to make and remove */
	tc = tcase_create("deep");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_util__rm_rf_deep);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(util_suite(), 0);
}
