/*
 * The log's drivers and rotation without a container: --log-opt checks in
 * Docker's words, the spec's LogConfig, rotation of a log written as the
 * monitor writes it (container.log, .1, .2), and readers of the files
 * (all in order, --tail across files, a position kept across rotations,
 * a reader holding its files while the log rotates under it).
 */
#include "check_helpers.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "runtime/logfile.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"

static char *const *opts(const char *a, const char *b, const char *c)
{
	static char *v[4];

	v[0] = (char *)a, v[1] = (char *)b, v[2] = (char *)c, v[3] = NULL;
	return v;
}

START_TEST(test_runtime_logs__option_names)
{
	ck_assert_engine_ok(engine__log_driver_check(NULL, NULL));
	ck_assert_engine_ok(engine__log_driver_check("json-file", opts("max-size=1k", "tag=x", "labels=a")));
	ck_assert_engine_ok(engine__log_driver_check("local", opts("max-file=2", "compress=false", NULL)));
	ck_assert_engine_error(engine__log_driver_check(NULL, opts("foo=bar", NULL, NULL)), ENGINE_EINVALID,
			       "unknown log opt 'foo' for json-file log driver");
	ck_assert_engine_error(engine__log_driver_check("json-file", opts("=x", NULL, NULL)), ENGINE_EINVALID,
			       "unknown log opt '' for json-file log driver");
	ck_assert_engine_error(engine__log_driver_check("local", opts("tag=x", NULL, NULL)), ENGINE_EINVALID,
			       "unknown log opt 'tag' for log driver local");
	ck_assert_engine_error(engine__log_driver_check("bogus", NULL), ENGINE_EINVALID,
			       "error looking up logging plugin bogus: plugin \"bogus\" not found");
	ck_assert_engine_error(engine__log_driver_check("none", opts("max-size=1k", NULL, NULL)),
			       ENGINE_EINVALID, "invalid logging opts for driver none");
}
END_TEST

START_TEST(test_runtime_logs__option_values)
{
	engine__log_policy p;

	ck_assert_engine_ok(engine__log_policy_get(NULL, NULL, &p));
	ck_assert(!p.none && p.max_size == -1 && p.max_files == 1);
	ck_assert_engine_ok(engine__log_policy_get(NULL, opts("max-size=10m", "max-file=3", NULL), &p));
	ck_assert(p.max_size == 10 << 20 && p.max_files == 3);
	ck_assert_engine_ok(engine__log_policy_get(NULL, opts("max-size=1.5k", NULL, NULL), &p));
	ck_assert_int_eq(p.max_size, 1536);
	ck_assert_engine_ok(engine__log_policy_get(NULL, opts("max-size=2 GiB", NULL, NULL), &p));
	ck_assert_int_eq(p.max_size, 2LL << 30);
	ck_assert_engine_ok(engine__log_policy_get(NULL, opts("max-size=10MB", NULL, NULL), &p));
	ck_assert_int_eq(p.max_size, 10 << 20);
	ck_assert_engine_ok(engine__log_policy_get(NULL, opts("max-size=100", NULL, NULL), &p));
	ck_assert_int_eq(p.max_size, 100);
	/* Docker takes max-file without max-size: nothing rotates. */
	ck_assert_engine_ok(engine__log_policy_get(NULL, opts("max-file=3", NULL, NULL), &p));
	ck_assert(p.max_size == -1 && p.max_files == 3);
	ck_assert_engine_ok(engine__log_policy_get("local", NULL, &p));
	ck_assert(p.max_size == 20 << 20 && p.max_files == 5);
	ck_assert_engine_ok(engine__log_policy_get("none", NULL, &p));
	ck_assert(p.none && p.max_files == 1 && p.max_size > 0);
	ck_assert_engine_error(engine__log_policy_get(NULL, opts("max-size=abc", NULL, NULL), &p),
			       ENGINE_EINVALID, "failed to initialize logging driver: invalid size: 'abc'");
	ck_assert_engine_error(engine__log_policy_get(NULL, opts("max-size=-1", NULL, NULL), &p),
			       ENGINE_EINVALID, "invalid size: '-1'");
	ck_assert_engine_error(engine__log_policy_get(NULL, opts("max-size", NULL, NULL), &p),
			       ENGINE_EINVALID, "invalid size: ''");
	ck_assert_engine_error(engine__log_policy_get(NULL, opts("max-size=1.k", NULL, NULL), &p),
			       ENGINE_EINVALID, "invalid size: '1.k'");
	ck_assert_engine_error(engine__log_policy_get(NULL, opts("max-size=0", NULL, NULL), &p),
			       ENGINE_EINVALID, "max-size must be a positive number");
	ck_assert_engine_error(engine__log_policy_get(NULL, opts("max-size=1k", "max-file=0", NULL), &p),
			       ENGINE_EINVALID, "max-file cannot be less than 1");
	ck_assert_engine_error(engine__log_policy_get(NULL, opts("max-size=1k", "max-file=x", NULL), &p),
			       ENGINE_EINVALID, "strconv.Atoi: parsing \"x\": invalid syntax");
	ck_assert_engine_error(engine__log_policy_get(NULL, opts("compress=true", NULL, NULL), &p),
			       ENGINE_EINVALID,
			       "compress cannot be true when max-file is less than 2 or max-size is not set");
	ck_assert_engine_error(engine__log_policy_get(NULL, opts("compress=maybe", NULL, NULL), &p),
			       ENGINE_EINVALID, "strconv.ParseBool: parsing \"maybe\": invalid syntax");
	ck_assert_engine_error(
	    engine__log_policy_get(NULL, opts("compress=1", "max-size=1k", "max-file=2"), &p), ENGINE_ENOTSUP,
	    "compress is not supported");
	ck_assert_engine_ok(
	    engine__log_policy_get(NULL, opts("compress=F", "max-size=1k", "max-file=2"), &p));
	/* A key given twice: the last one. */
	ck_assert_engine_ok(engine__log_policy_get(NULL, opts("max-file=9", "max-file=2", NULL), &p));
	ck_assert_int_eq(p.max_files, 2);
}
END_TEST

START_TEST(test_runtime_logs__spec_log_config)
{
	engine_spec *s = NULL, *copy = NULL;

	ck_assert_engine_ok(engine_spec_new(&s));
	ck_assert_engine_ok(engine_spec_set_log_driver(s, "local"));
	ck_assert_engine_ok(engine_spec_add_log_opt(s, "max-size=1k"));
	ck_assert_engine_ok(engine_spec_add_log_opt(s, "max-file=2"));
	ck_assert_engine_ok(engine_spec_add_log_opt(s, "max-size=2k"));
	ck_assert_engine_ok(engine__spec_copy(s, &copy));
	ck_assert_str_eq(copy->log_driver, "local");
	ck_assert_str_eq(copy->log_opts[0], "max-size=2k");
	ck_assert_str_eq(copy->log_opts[1], "max-file=2");
	ck_assert_ptr_null(copy->log_opts[2]);
	engine_spec_free(copy);
	ck_assert_engine_ok(engine_spec_set_log_driver(s, ""));
	ck_assert_engine_ok(engine__spec_copy(s, &copy));
	ck_assert_ptr_null(copy->log_driver);
	engine_spec_free(copy);
	engine_spec_free(s);
}
END_TEST

/* A log directory written as the monitor writes it: records of lines
 * "1\n", "2\n", ... appended to container.log, rotated once it has
 * @max_size bytes, @max_files files in all. */
typedef struct logdir {
	char *dir;
	int dirfd, fd;
	off_t size;
	int next;
} logdir;

static void logdir_open(logdir *l)
{
	cleanup_free char *path = NULL;

	l->dir = th_mkdtemp("logs");
	l->dirfd = open(l->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	path = engine__path_join(l->dir, ENGINE__LOG_FILE);
	l->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	ck_assert_int_ge(l->dirfd, 0);
	ck_assert_int_ge(l->fd, 0);
	l->size = 0;
	l->next = 1;
}

static void logdir_write(logdir *l, int lines, off_t max_size, int max_files)
{
	for (int i = 0; i < lines; i++) {
		engine__buf rec = {0};
		char line[32];

		if (max_size > 0 && l->size >= max_size) {
			int nfd = engine__log_rotate(l->dirfd, max_files, l->fd);

			ck_assert_msg(nfd >= 0, "rotate: %s", engine_error_last()->message);
			close(l->fd);
			l->fd = nfd;
			l->size = 0;
		}
		snprintf(line, sizeof(line), "%d\n", l->next++);
		ck_assert_engine_ok(
		    engine__log_encode(&rec, 1 + (l->next % 5 == 0), line, strlen(line), l->next));
		ck_assert_int_eq(write(l->fd, rec.data, rec.len), (ssize_t)rec.len);
		l->size += (off_t)rec.len;
		engine__buf_free(&rec);
	}
}

static void logdir_close(logdir *l)
{
	close(l->fd);
	close(l->dirfd);
	th_cleanup_dir(l->dir);
}

/* The lines from the reader's position on: first and count, and whether
 * they are consecutive. */
static bool read_lines(engine__log_files *f, int streams, int *first, int *count)
{
	char payload[ENGINE__LOG_MAX_PAYLOAD + 1];
	engine__log_hdr h;
	int prev = 0, r;
	bool ok = true;

	*first = 0;
	*count = 0;
	while ((r = engine__log_files_next(f, &h, payload)) == 1) {
		int n;

		if (!(streams & h.stream))
			continue;
		payload[h.len] = '\0';
		n = atoi(payload);
		if (!*count)
			*first = n;
		else if (n != prev + 1 && streams == 3)
			ok = false;
		prev = n;
		(*count)++;
	}
	ck_assert_int_eq(r, 0);
	return ok;
}

static int file_count(const char *dir)
{
	int n = 0;

	for (int k = 0; k < 10; k++) {
		char name[64];
		cleanup_free char *p = NULL;

		snprintf(name, sizeof(name), k ? ENGINE__LOG_FILE ".%d" : ENGINE__LOG_FILE, k);
		p = engine__path_join(dir, name);
		n += access(p, F_OK) == 0;
	}
	return n;
}

START_TEST(test_runtime_logs__rotate_and_read)
{
	engine__log_files f;
	logdir l;
	int first, count;

	logdir_open(&l);
	/* Records of "N\n" are 16 + 2..4 + 4 bytes: ~45 lines a 1 KiB file. */
	logdir_write(&l, 1000, 1024, 3);
	ck_assert_int_eq(file_count(l.dir), 3);
	ck_assert_engine_ok(engine__log_files_open(l.dir, &f));
	ck_assert_int_eq(f.n, 3);
	ck_assert_int_ge(f.end[0], 1024);
	ck_assert_int_lt(f.end[0], 1024 + 64);
	engine__log_files_tail(&f, 3, -1);
	ck_assert(read_lines(&f, 3, &first, &count));
	ck_assert_int_eq(first + count - 1, 1000);
	ck_assert_int_gt(count, 90);
	ck_assert_int_lt(count, 150);
	/* --tail within the current file, across all three, beyond them. */
	engine__log_files_tail(&f, 3, 3);
	ck_assert(read_lines(&f, 3, &first, &count));
	ck_assert_int_eq(first, 998);
	ck_assert_int_eq(count, 3);
	engine__log_files_tail(&f, 3, 80);
	ck_assert(read_lines(&f, 3, &first, &count));
	ck_assert_int_eq(first, 921);
	ck_assert_int_eq(count, 80);
	ck_assert_int_eq(f.i, 2);
	engine__log_files_tail(&f, 3, 100000);
	ck_assert(read_lines(&f, 3, &first, &count));
	ck_assert_int_eq(first + count - 1, 1000);
	ck_assert_int_eq(f.i, 2);
	/* --tail of one stream counts that stream's lines only. */
	engine__log_files_tail(&f, 2, 4);
	read_lines(&f, 2, &first, &count);
	ck_assert_int_eq(count, 4);
	/* --tail 0: at the end. */
	engine__log_files_tail(&f, 3, 0);
	ck_assert(read_lines(&f, 3, &first, &count));
	ck_assert_int_eq(count, 0);
	engine__log_files_close(&f);
	logdir_close(&l);
}
END_TEST

START_TEST(test_runtime_logs__position_across_rotations)
{
	engine__log_files f, g;
	uint64_t ino;
	off_t off;
	logdir l;
	int first, count;

	logdir_open(&l);
	logdir_write(&l, 100, 1024, 4);
	ck_assert_engine_ok(engine__log_files_open(l.dir, &f));
	engine__log_files_tail(&f, 3, -1);
	ck_assert(read_lines(&f, 3, &first, &count));
	ck_assert_int_eq(first + count - 1, 100);
	engine__log_files_pos(&f, &ino, &off);
	/* The log goes on and rotates (twice) under the reader, whose files
	 * stay readable: the rest of its current file is still there. */
	logdir_write(&l, 70, 1024, 4);
	engine__log_files_refresh(&f);
	ck_assert(read_lines(&f, 3, &first, &count));
	ck_assert(count == 0 || first == 101);
	/* A new set, at the position taken before: on from line 101. */
	ck_assert_engine_ok(engine__log_files_open(l.dir, &g));
	engine__log_files_seek(&g, ino, off);
	ck_assert(read_lines(&g, 3, &first, &count));
	ck_assert_int_eq(first, 101);
	ck_assert_int_eq(count, 70);
	engine__log_files_close(&g);
	/* The position's file rotated away: the oldest file's start. */
	logdir_write(&l, 400, 1024, 4);
	ck_assert_engine_ok(engine__log_files_open(l.dir, &g));
	engine__log_files_seek(&g, ino, off);
	ck_assert(read_lines(&g, 3, &first, &count));
	ck_assert_int_gt(first, 171);
	ck_assert_int_eq(first + count - 1, 570);
	engine__log_files_close(&g);
	engine__log_files_close(&f);
	logdir_close(&l);
}
END_TEST

START_TEST(test_runtime_logs__one_file_kept)
{
	engine__log_files f;
	logdir l;
	int first, count;

	/* max-file=1: a new current file each time, nothing kept. */
	logdir_open(&l);
	logdir_write(&l, 500, 512, 1);
	ck_assert_int_eq(file_count(l.dir), 1);
	ck_assert_engine_ok(engine__log_files_open(l.dir, &f));
	ck_assert_int_eq(f.n, 1);
	ck_assert_int_le(f.end[0], 512 + 64);
	ck_assert(read_lines(&f, 3, &first, &count));
	ck_assert_int_eq(first + count - 1, 500);
	engine__log_files_close(&f);
	logdir_close(&l);
}
END_TEST

START_TEST(test_runtime_logs__no_log)
{
	engine__log_files f;
	char *dir = th_mkdtemp("logs");
	int first, count;

	ck_assert_engine_ok(engine__log_files_open(dir, &f));
	ck_assert_int_eq(f.n, 0);
	engine__log_files_tail(&f, 3, 10);
	ck_assert(read_lines(&f, 3, &first, &count));
	ck_assert_int_eq(count, 0);
	engine__log_files_close(&f);
	th_cleanup_dir(dir);
}
END_TEST

static Suite *logs_suite(void)
{
	Suite *s = suite_create("runtime_logs");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_runtime_logs__option_names);
	tcase_add_test(tc, test_runtime_logs__option_values);
	tcase_add_test(tc, test_runtime_logs__spec_log_config);
	tcase_add_test(tc, test_runtime_logs__rotate_and_read);
	tcase_add_test(tc, test_runtime_logs__position_across_rotations);
	tcase_add_test(tc, test_runtime_logs__one_file_kept);
	tcase_add_test(tc, test_runtime_logs__no_log);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(logs_suite(), 0);
}
