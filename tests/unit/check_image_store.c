/* Image store: blobs, references and tags, image records, lookup, rootfs. */
#include "check_image_helpers.h"

static const char *hello_digest = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

START_TEST(test_image_store__blob_put_and_read)
{
	char *tmp = th_mkdtemp("store");
	engine_context *ctx = th_context(tmp);
	char d[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *data = NULL, *path = NULL;
	size_t len;

	ck_assert_engine_ok(engine__blob_put_buf(ctx, "hello", 5, hello_digest, d));
	ck_assert_str_eq(d, hello_digest);
	ck_assert(engine__blob_exists(ctx, hello_digest));
	/* The same content again is fine (content-addressed). */
	ck_assert_engine_ok(engine__blob_put_buf(ctx, "hello", 5, NULL, d));
	ck_assert_engine_ok(engine__blob_read(ctx, hello_digest, &data, &len));
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq(data, "hello");
	ck_assert_engine_ok(engine__blob_path(ctx, hello_digest, &path));
	ck_assert(engine__str_ends_with(
	    path, "/blobs/sha256/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"));
	ck_assert_engine_error(
	    engine__blob_path(ctx, "sha256:0000000000000000000000000000000000000000000000000000000000000000",
			      &path),
	    ENGINE_ENOTFOUND, "blob sha256:0000");
	ck_assert_engine_error(engine__blob_path(ctx, "md5:abc", &path), ENGINE_ENOTSUP, "only sha256");
	ck_assert_engine_error(engine__blob_path(ctx, "nonsense", &path), ENGINE_EINVALID,
			       "invalid digest \"nonsense\"");
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_store__blob_mismatch_stores_nothing)
{
	char *tmp = th_mkdtemp("store");
	engine_context *ctx = th_context(tmp);
	cleanup_free char *blobs = engine__path_join(tmp, "blobs");
	cleanup_free char *tmpdir = engine__path_join(tmp, "tmp");
	engine__blob_writer *w = NULL;
	char d[ENGINE__DIGEST_LEN + 1];

	ck_assert_engine_error(engine__blob_put_buf(ctx, "hellO", 5, hello_digest, d), ENGINE_EINVALID,
			       "blob digest mismatch: expected sha256:2cf24dba");
	ck_assert_msg(strstr(engine_error_last()->message, ", got sha256:") != NULL, "%s",
		      engine_error_last()->message);
	ck_assert(!engine__blob_exists(ctx, hello_digest));
	ck_assert_int_eq(th_count_tree(blobs), 0);
	ck_assert_int_eq(th_count_tree(tmpdir), 0);

	/* Streaming writer in pieces; an abandoned writer leaves nothing. */
	ck_assert_engine_ok(engine__blob_writer_new(ctx, hello_digest, &w));
	ck_assert_engine_ok(engine__blob_writer_write(w, "hel", 3));
	ck_assert_engine_ok(engine__blob_writer_write(w, "lo", 2));
	ck_assert_engine_ok(engine__blob_writer_commit(w, d));
	engine__blob_writer_free(w);
	ck_assert(engine__blob_exists(ctx, hello_digest));
	ck_assert_engine_ok(engine__blob_writer_new(ctx, NULL, &w));
	ck_assert_engine_ok(engine__blob_writer_write(w, "abandoned", 9));
	engine__blob_writer_free(w);
	ck_assert_int_eq(th_count_tree(tmpdir), 0);
	ck_assert_int_eq(th_count_tree(blobs), 2);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_store__blob_read_detects_corruption)
{
	char *tmp = th_mkdtemp("store");
	engine_context *ctx = th_context(tmp);
	cleanup_free char *path = NULL, *data = NULL;
	char d[ENGINE__DIGEST_LEN + 1];

	ck_assert_engine_ok(engine__blob_put_buf(ctx, "hello", 5, NULL, d));
	ck_assert_engine_ok(engine__blob_path(ctx, d, &path));
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_engine_ok(engine__write_file_atomic(path, "jello", 5, 0644, false));
	ck_assert_engine_error(engine__blob_read(ctx, d, &data, NULL), ENGINE_EINVALID, "digest mismatch");
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

static void assert_clean_name(const char *in, const char *want)
{
	cleanup_free char *out = NULL;

	ck_assert_engine_ok(engine__entry_clean(in, "entry", &out));
	ck_assert_str_eq(out, want);
}

START_TEST(test_image_store__entry_names)
{
	cleanup_free char *out = NULL;
	const char *target = NULL;

	assert_clean_name("./etc/passwd", "etc/passwd");
	assert_clean_name("/etc//passwd", "etc/passwd");
	assert_clean_name("a/./b/", "a/b");
	assert_clean_name("a/b/../c", "a/c");
	assert_clean_name("./", "");
	assert_clean_name("a/..", "");
	ck_assert_engine_error(engine__entry_clean("../etc/passwd", "entry", &out), ENGINE_EPERM,
			       "entry \"../etc/passwd\": escapes the layer root");
	ck_assert_engine_error(engine__entry_clean("a/../../b", "hardlink target", &out), ENGINE_EPERM,
			       "hardlink target \"a/../../b\": escapes the layer root");
	ck_assert_engine_error(engine__entry_clean("/..", "entry", &out), ENGINE_EPERM, "escapes");
	ck_assert_int_eq(engine__whiteout_classify("file", &target), ENGINE__WH_NONE);
	ck_assert_int_eq(engine__whiteout_classify(".wh..wh..opq", &target), ENGINE__WH_OPAQUE);
	ck_assert_int_eq(engine__whiteout_classify(".wh..wh.plnk", &target), ENGINE__WH_META);
	ck_assert_int_eq(engine__whiteout_classify(".wh.passwd", &target), ENGINE__WH_FILE);
	ck_assert_str_eq(target, "passwd");
	ck_assert(engine__whiteout_target_ok("passwd"));
	ck_assert(!engine__whiteout_target_ok(".."));
	ck_assert(!engine__whiteout_target_ok("."));
	ck_assert(!engine__whiteout_target_ok(""));
	ck_assert(engine__xattr_is_overlay("trusted.overlay.opaque"));
	ck_assert(!engine__xattr_is_overlay("security.capability"));
}
END_TEST

static void small_image(engine_context *ctx, const char *content, const char *tag,
			char id[ENGINE__DIGEST_LEN + 1])
{
	char blobs[2][ENGINE__DIGEST_LEN + 1];
	const struct th_entry base[] = {{.path = "bin/sh", .data = "shared base"}};
	const struct th_entry top[] = {{.path = "app", .data = content}};

	th_blob_tar(ctx, "gzip", base, 1, blobs[0]);
	th_blob_tar(ctx, "gzip", top, 1, blobs[1]);
	th_make_image(ctx, blobs, 2, "{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"]}", tag, id);
}

START_TEST(test_image_store__register_tag_lookup)
{
	char *tmp = th_mkdtemp("store");
	engine_context *ctx = th_context(tmp);
	char id[ENGINE__DIGEST_LEN + 1], got[ENGINE__DIGEST_LEN + 1], short_id[13];
	cleanup_strv char **tags = NULL;
	cleanup_json json_object *rec = NULL;

	small_image(ctx, "one", "busybox", id);
	ck_assert_engine_ok(engine__image_tag(ctx, id, "localhost:5000/a/b:1"));
	ck_assert_engine_ok(engine__image_lookup(ctx, "busybox", got));
	ck_assert_str_eq(got, id);
	ck_assert_engine_ok(engine__image_lookup(ctx, "busybox:latest", got));
	ck_assert_engine_ok(engine__image_lookup(ctx, "docker.io/library/busybox:latest", got));
	ck_assert_engine_ok(engine__image_lookup(ctx, "localhost:5000/a/b:1", got));
	ck_assert_str_eq(got, id);
	ck_assert_engine_ok(engine__image_lookup(ctx, id, got));
	ck_assert_engine_ok(engine__image_lookup(ctx, id + 7, got));
	snprintf(short_id, sizeof(short_id), "%.12s", id + 7);
	ck_assert_engine_ok(engine__image_lookup(ctx, short_id, got));
	ck_assert_str_eq(got, id);
	ck_assert_engine_error(engine__image_lookup(ctx, "busybox:2", got), ENGINE_ENOTFOUND,
			       "No such image: busybox:2");
	ck_assert_engine_error(engine__image_lookup(ctx, "localhost:5000/a/b", got), ENGINE_ENOTFOUND,
			       "No such image: localhost:5000/a/b:latest");
	ck_assert_engine_ok(engine__tags_of(ctx, id, &tags));
	ck_assert_int_eq(engine__strv_len(tags), 2);
	ck_assert_str_eq(tags[0], "busybox:latest");
	ck_assert_str_eq(tags[1], "localhost:5000/a/b:1");
	ck_assert_engine_error(engine__image_tag(ctx, id, "Bad:tag"), ENGINE_EINVALID, "lowercase");
	ck_assert_engine_error(
	    engine__image_tag(ctx, "sha256:1111111111111111111111111111111111111111111111111111111111111111",
			      "x"),
	    ENGINE_ENOTFOUND, "No such image");
	/* The manifest was synthesised and stored; name@digest finds it. */
	ck_assert_engine_ok(engine__image_record(ctx, id, &rec));
	const char *manifest = engine__json_get_string(rec, "manifest");
	ck_assert(engine__blob_exists(ctx, manifest));
	cleanup_free char *by_digest = engine__strdup_printf("busybox@%s", manifest);
	ck_assert_engine_ok(engine__image_lookup(ctx, by_digest, got));
	ck_assert_str_eq(got, id);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_store__ambiguous_short_id)
{
	char *tmp = th_mkdtemp("store");
	engine_context *ctx = th_context(tmp);
	char ids[40][ENGINE__DIGEST_LEN + 1], got[ENGINE__DIGEST_LEN + 1], prefix[2] = {0};
	int seen[16] = {0};
	char blobs[1][ENGINE__DIGEST_LEN + 1];
	const struct th_entry base[] = {{.path = "f", .data = "x"}};

	/* 40 images over 16 first hex digits: some digit repeats. */
	th_blob_tar(ctx, "none", base, 1, blobs[0]);
	for (int i = 0; i < 40; i++) {
		char cfg[64];
		snprintf(cfg, sizeof(cfg), "{\"Env\":[\"N=%d\"]}", i);
		th_make_image(ctx, blobs, 1, cfg, NULL, ids[i]);
		int h = ids[i][7] <= '9' ? ids[i][7] - '0' : ids[i][7] - 'a' + 10;
		if (++seen[h] == 2)
			prefix[0] = ids[i][7];
	}
	ck_assert(prefix[0]);
	ck_assert_engine_error(engine__image_lookup(ctx, prefix, got), ENGINE_EINVALID, "is ambiguous");
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_store__rootfs_get_and_sharing)
{
	char *tmp = th_mkdtemp("store");
	engine_context *ctx = th_context(tmp);
	char a[ENGINE__DIGEST_LEN + 1], b[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *layers = engine__path_join(tmp, "layers");
	engine__image_rootfs *ra = NULL, *rb = NULL;
	json_object *cmd;

	small_image(ctx, "one", "app:a", a);
	small_image(ctx, "two", "app:b", b);
	ck_assert_str_ne(a, b);
	/* The shared base layer is unpacked once: 1 base + 2 tops. */
	/* 3 layer dirs, each with diff/ and layer.json; bin/, bin/sh, 2x app */
	ck_assert_int_eq(th_count_tree(layers), 3 + 6 + 2 + 2);
	ck_assert_engine_ok(engine__image_rootfs_get(ctx, "app:a", &ra));
	ck_assert_engine_ok(engine__image_rootfs_get(ctx, "app:b", &rb));
	ck_assert_str_eq(ra->id, a);
	ck_assert_int_eq(engine__strv_len(ra->layer_dirs), 2);
	ck_assert_str_eq(ra->layer_dirs[0], rb->layer_dirs[0]);
	ck_assert_str_ne(ra->layer_dirs[1], rb->layer_dirs[1]);
	ck_assert(th_exists(ra->layer_dirs[0], "bin/sh"));
	ck_assert(th_exists(ra->layer_dirs[1], "app"));
	ck_assert(json_object_object_get_ex(ra->config, "Cmd", &cmd));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(cmd, 0)), "sh");
	engine__image_rootfs_free(ra);
	engine__image_rootfs_free(rb);
	ck_assert_engine_error(engine__image_rootfs_get(ctx, "nope", &ra), ENGINE_ENOTFOUND,
			       "No such image: nope:latest");
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_store__register_needs_layers)
{
	char *tmp = th_mkdtemp("store");
	engine_context *ctx = th_context(tmp);
	char cfg[ENGINE__DIGEST_LEN + 1];
	const char *json = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
			   "1111111111111111111111111111111111111111111111111111111111111111\"]}}";

	ck_assert_engine_ok(engine__blob_put_buf(ctx, json, strlen(json), NULL, cfg));
	ck_assert_engine_error(engine__image_register(ctx, cfg, NULL), ENGINE_ENOTFOUND, "is not unpacked");
	ck_assert_engine_ok(engine__blob_put_buf(ctx, "{}", 2, NULL, cfg));
	ck_assert_engine_error(engine__image_register(ctx, cfg, NULL), ENGINE_EINVALID, "rootfs.diff_ids");
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("image_store");
	TCase *tc = tcase_create("store");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_image_store__blob_put_and_read);
	tcase_add_test(tc, test_image_store__blob_mismatch_stores_nothing);
	tcase_add_test(tc, test_image_store__blob_read_detects_corruption);
	tcase_add_test(tc, test_image_store__entry_names);
	tcase_add_test(tc, test_image_store__register_tag_lookup);
	tcase_add_test(tc, test_image_store__ambiguous_short_id);
	tcase_add_test(tc, test_image_store__rootfs_get_and_sharing);
	tcase_add_test(tc, test_image_store__register_needs_layers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite(), 0);
}
