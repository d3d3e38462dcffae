/* The decompression stream: ISA-L's igzip and libarchive's zlib give the
 * same layers (diff IDs, files) and refuse the same damaged gzip blobs;
 * multi-member gzip and trailing padding are handled as gzip does. */
#include <fcntl.h>
#include <stdlib.h>

#include "check_image_helpers.h"
#include "util/fs.h"

static const struct th_entry files[] = {
    {.path = "etc/", .type = AE_IFDIR}, {.path = "etc/hostname", .data = "box\n"},
    {.path = "bin/", .type = AE_IFDIR}, {.path = "bin/sh", .type = AE_IFLNK, .data = "busybox"},
    {.path = "big", .data = NULL},
};

/* A plain tar of files[] with a 3 MiB file of varied bytes (several
 * output buffers and input refills), its diff ID, and its gzip. */
struct fixture {
	char *dir, *tar, *gz;
	char diff_id[ENGINE__DIGEST_LEN + 1];
};

static char *big_data(size_t n)
{
	char *p = malloc(n + 1);
	unsigned x = 12345;

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		p[i] = (char)('a' + (x >> 16) % 7); /* compressible, not trivially */
	}
	p[n] = '\0';
	return p;
}

static void fixture_make(struct fixture *f)
{
	struct th_entry es[sizeof(files) / sizeof(files[0])];
	char *big = big_data(3 << 20);
	char cmd[1024];

	memcpy(es, files, sizeof(es));
	es[4].data = big;
	f->dir = th_mkdtemp("inflate");
	f->tar = engine__path_join(f->dir, "layer.tar");
	f->gz = engine__path_join(f->dir, "layer.tar.gz");
	th_write_tar(f->tar, "none", es, sizeof(es) / sizeof(es[0]));
	free(big);
	ck_assert_engine_ok(engine__sha256_file(f->tar, f->diff_id));
	snprintf(cmd, sizeof(cmd), "gzip -c '%s' > '%s'", f->tar, f->gz);
	ck_assert_int_eq(system(cmd), 0);
}

static void fixture_free(struct fixture *f)
{
	free(f->tar);
	free(f->gz);
	th_cleanup_dir(f->dir);
}

/* Unpack @path as a layer with @inflater: 0 and its chain ID, or the error. */
static int unpack_with(int inflater, const char *path, char chain[ENGINE__DIGEST_LEN + 1])
{
	char *root = th_mkdtemp("inflate-root");
	engine_context *ctx = th_context(root);
	char blob[ENGINE__DIGEST_LEN + 1];
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	ck_assert_int_ge(fd, 0);
	ck_assert_engine_ok(engine__blob_put_fd(ctx, fd, NULL, blob));
	engine__layer_stream_force_inflater(inflater);
	r = engine__layer_unpack_blob(ctx, blob, NULL, NULL, chain);
	engine__layer_stream_force_inflater(ENGINE__INFLATER_AUTO);
	if (r == 0) {
		cleanup_free char *dir = NULL;
		cleanup_json json_object *rec = NULL;

		ck_assert_engine_ok(engine__layer_dir(ctx, chain, &dir));
		ck_assert_int_eq(th_lstat(dir, "big").st_size, 3 << 20);
		ck_assert(S_ISLNK(th_lstat(dir, "bin/sh").st_mode));
		ck_assert_engine_ok(engine__layer_record(ctx, chain, &rec));
		ck_assert_str_eq(engine__json_get_string(rec, "compression"), "gzip");
	}
	engine_context_free(ctx);
	th_cleanup_dir(root);
	return r;
}

static void both_ok(const char *path, const char *diff_id)
{
	char a[ENGINE__DIGEST_LEN + 1], b[ENGINE__DIGEST_LEN + 1];

	ck_assert_engine_ok(unpack_with(ENGINE__INFLATER_AUTO, path, a));
	ck_assert_engine_ok(unpack_with(ENGINE__INFLATER_LIBARCHIVE, path, b));
	ck_assert_str_eq(a, diff_id); /* a base layer's chain ID is its diff ID */
	ck_assert_str_eq(b, diff_id);
}

static void both_fail(const char *path)
{
	char chain[ENGINE__DIGEST_LEN + 1];

	ck_assert_engine_error(unpack_with(ENGINE__INFLATER_AUTO, path, chain), ENGINE_EINVALID, "layer");
	ck_assert_engine_error(unpack_with(ENGINE__INFLATER_LIBARCHIVE, path, chain), ENGINE_EINVALID,
			       "layer");
}

START_TEST(test_image_inflate__same_layer_both_ways)
{
	struct fixture f;

	fixture_make(&f);
	both_ok(f.gz, f.diff_id);
	fixture_free(&f);
}
END_TEST

START_TEST(test_image_inflate__uses_isal_where_built)
{
	struct fixture f;
	engine__layer_stream *s = NULL;
	engine__unpack_options limits = {.max_bytes = 1ULL << 30};

	fixture_make(&f);
	ck_assert_engine_ok(engine__layer_stream_open(f.gz, &limits, &s));
#ifdef HAVE_ISAL
	ck_assert_str_eq(engine__layer_stream_inflater(s), "isa-l");
#else
	ck_assert_str_eq(engine__layer_stream_inflater(s), "libarchive");
#endif
	engine__layer_stream_free(s);
	/* Not gzip: libarchive either way. */
	ck_assert_engine_ok(engine__layer_stream_open(f.tar, &limits, &s));
	ck_assert_str_eq(engine__layer_stream_inflater(s), "libarchive");
	engine__layer_stream_free(s);
	fixture_free(&f);
}
END_TEST

START_TEST(test_image_inflate__multi_member_and_padding)
{
	struct fixture f;
	char cmd[2048];
	cleanup_free char *multi = NULL, *padded = NULL;

	fixture_make(&f);
	multi = engine__path_join(f.dir, "multi.gz");
	padded = engine__path_join(f.dir, "padded.gz");
	/* The tar cut mid-file into two gzip members, one after the other. */
	snprintf(cmd, sizeof(cmd),
		 "head -c 1000000 '%s' | gzip -c > '%s' && tail -c +1000001 '%s' | gzip -c >> '%s'", f.tar,
		 multi, f.tar, multi);
	ck_assert_int_eq(system(cmd), 0);
	both_ok(multi, f.diff_id);
	/* Zero padding after the member (some registries' blobs have it). */
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && head -c 4096 /dev/zero >> '%s'", f.gz, padded, padded);
	ck_assert_int_eq(system(cmd), 0);
	both_ok(padded, f.diff_id);
	fixture_free(&f);
}
END_TEST

START_TEST(test_image_inflate__damaged_gzip_refused)
{
	struct fixture f;
	char cmd[2048];
	cleanup_free char *cut = NULL, *flipped = NULL;
	struct stat st;

	fixture_make(&f);
	ck_assert_int_eq(stat(f.gz, &st), 0);
	cut = engine__path_join(f.dir, "cut.gz");
	flipped = engine__path_join(f.dir, "flipped.gz");
	/* Truncated: the end of the deflate stream and the trailer are gone. */
	snprintf(cmd, sizeof(cmd), "head -c %lld '%s' > '%s'", (long long)st.st_size - 2000, f.gz, cut);
	ck_assert_int_eq(system(cmd), 0);
	both_fail(cut);
	/* Damaged: bytes in the middle of the deflate data overwritten. */
	snprintf(cmd, sizeof(cmd),
		 "cp '%s' '%s' && printf '\\377\\000\\377\\000\\377\\000\\377\\000' | "
		 "dd of='%s' bs=1 seek=%lld conv=notrunc status=none",
		 f.gz, flipped, flipped, (long long)st.st_size / 2);
	ck_assert_int_eq(system(cmd), 0);
	both_fail(flipped);
	fixture_free(&f);
}
END_TEST

static Suite *inflate_suite(void)
{
	Suite *s = suite_create("image_inflate");
	TCase *tc = tcase_create("image_inflate");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_image_inflate__same_layer_both_ways);
	tcase_add_test(tc, test_image_inflate__uses_isal_where_built);
	tcase_add_test(tc, test_image_inflate__multi_member_and_padding);
	tcase_add_test(tc, test_image_inflate__damaged_gzip_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(inflate_suite(), 0);
}
