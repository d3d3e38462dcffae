/* Image store: the layers of one image unpacked several at a time
 * (engine__layer_unpack_chain): the same layers as one at a time, published
 * in order, and a failing layer stops the ones above it without leaving
 * anything behind. Privileged (chown). */
#include <engine/store.h>

#include "check_image_helpers.h"

#define NLAYERS 4

/* A gzip blob and its diff ID (the digest of the same tar uncompressed). */
static void blob_and_diff(engine_context *ctx, const struct th_entry *es, size_t n,
			  char blob[ENGINE__DIGEST_LEN + 1], char diff[ENGINE__DIGEST_LEN + 1])
{
	th_blob_tar(ctx, "none", es, n, diff);
	th_blob_tar(ctx, "gzip", es, n, blob);
}

/* Layer 3 is large enough to be still unpacking when a layer below fails. */
static struct th_entry *big_layer(size_t *n)
{
	struct th_entry *es = calloc(2001, sizeof(*es));

	ck_assert_ptr_nonnull(es);
	for (size_t i = 0; i < 2000; i++) {
		char *p = NULL;

		ck_assert_int_gt(asprintf(&p, "big/d%zu/f%zu", i % 50, i), 0);
		es[i].path = p;
		es[i].data = "some content to inflate and write";
	}
	*n = 2000;
	return es;
}

static void free_layer(struct th_entry *es, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)es[i].path);
	free(es);
}

struct image {
	char *blobs[NLAYERS + 1];
	char *diffs[NLAYERS + 1];
	struct th_entry *big;
	size_t nbig;
};

/* Four layers: a base; one with a parent the tar omits (from the base),
 * one file and a directory listed after its content; a whiteout; a big
 * one whose parents come from two layers down. */
static void make_image(engine_context *ctx, struct image *img)
{
	const struct th_entry l0[] = {
	    {.path = "srv", .type = AE_IFDIR, .mode = 0750, .uid = 7, .gid = 8, .mtime = 1111},
	    {.path = "srv/data", .type = AE_IFDIR, .mode = 0710, .uid = 33, .gid = 33, .mtime = 1234},
	    {.path = "srv/data/old", .data = "old"},
	    {.path = "big", .type = AE_IFDIR, .mode = 0705, .uid = 5, .gid = 6, .mtime = 4321},
	    {.path = "tmp", .type = AE_IFDIR, .mode = 01777},
	};
	const struct th_entry l1[] = {
	    {.path = "srv/data/new", .data = "n"},
	    {.path = "etc/conf/file", .data = "c"},
	    {.path = "etc/conf", .type = AE_IFDIR, .mode = 0700, .uid = 2, .mtime = 2222},
	};
	const struct th_entry l2[] = {
	    {.path = "srv/data/.wh.old", .data = ""},
	    {.path = "tmp/x", .data = "x"},
	};

	memset(img, 0, sizeof(*img));
	for (size_t i = 0; i < NLAYERS; i++) {
		img->blobs[i] = calloc(1, ENGINE__DIGEST_LEN + 1);
		img->diffs[i] = calloc(1, ENGINE__DIGEST_LEN + 1);
	}
	img->big = big_layer(&img->nbig);
	blob_and_diff(ctx, l0, sizeof(l0) / sizeof(l0[0]), img->blobs[0], img->diffs[0]);
	blob_and_diff(ctx, l1, sizeof(l1) / sizeof(l1[0]), img->blobs[1], img->diffs[1]);
	blob_and_diff(ctx, l2, sizeof(l2) / sizeof(l2[0]), img->blobs[2], img->diffs[2]);
	blob_and_diff(ctx, img->big, img->nbig, img->blobs[3], img->diffs[3]);
}

static void free_image(struct image *img)
{
	for (size_t i = 0; i < NLAYERS; i++) {
		free(img->blobs[i]);
		free(img->diffs[i]);
	}
	free_layer(img->big, img->nbig);
}

static char *dir_of(engine_context *ctx, const char *chain)
{
	char *dir = NULL;

	ck_assert_engine_ok(engine__layer_dir(ctx, chain, &dir));
	return dir;
}

static void assert_same_meta(const char *a, const char *b, const char *rel)
{
	struct stat x = th_lstat(a, rel), y = th_lstat(b, rel);

	ck_assert_msg(x.st_mode == y.st_mode, "%s: mode %o vs %o", rel, x.st_mode, y.st_mode);
	ck_assert_msg(x.st_uid == y.st_uid && x.st_gid == y.st_gid, "%s: owner", rel);
	ck_assert_msg(x.st_mtime == y.st_mtime, "%s: mtime %ld vs %ld", rel, (long)x.st_mtime,
		      (long)y.st_mtime);
}

START_TEST(test_image_chain__same_as_one_at_a_time)
{
	char *tmp = th_mkdtemp("chain");
	cleanup_free char *r1 = engine__path_join(tmp, "seq"), *r2 = engine__path_join(tmp, "par");
	engine_context *seq = th_context(r1), *par = th_context(r2);
	char chains[NLAYERS][ENGINE__DIGEST_LEN + 1], prev[ENGINE__DIGEST_LEN + 1] = "";
	struct image a, b;
	/* (not etc, big/d7: no layer lists them, their times are the unpack's) */
	const char *rels[] = {"srv", "srv/data", "srv/data/new", "etc/conf", "etc/conf/file",
			      "tmp", "tmp/x",	 "big",		 "big/d7/f7"};

	make_image(seq, &a);
	make_image(par, &b);
	/* (the gzip blobs may differ: their headers carry the time) */
	ck_assert_str_eq(a.diffs[3], b.diffs[3]);
	ck_assert_engine_ok(engine__layer_unpack_chain(par, NLAYERS, b.blobs, b.diffs, NULL, NULL, chains));
	for (size_t i = 0; i < NLAYERS; i++) {
		char want[ENGINE__DIGEST_LEN + 1];
		cleanup_json json_object *rec = NULL;

		ck_assert_engine_ok(
		    engine__layer_unpack_blob(seq, a.blobs[i], a.diffs[i], i ? prev : NULL, want));
		ck_assert_str_eq(chains[i], want);
		memcpy(prev, want, sizeof(want));
		/* Each record names its parent: published in order. */
		ck_assert_engine_ok(engine__layer_record(par, chains[i], &rec));
		if (i)
			ck_assert_str_eq(engine__json_get_string(rec, "parent"), chains[i - 1]);
		else
			ck_assert_ptr_null(engine__json_get_string(rec, "parent"));
		ck_assert_str_eq(engine__json_get_string(rec, "diff_id"), b.diffs[i]);
	}
	for (size_t i = 0; i < NLAYERS; i++) {
		cleanup_free char *d1 = dir_of(seq, chains[i]), *d2 = dir_of(par, chains[i]);

		ck_assert_int_eq(th_count_tree(d1), th_count_tree(d2));
		for (size_t k = 0; k < sizeof(rels) / sizeof(rels[0]); k++)
			if (th_exists(d1, rels[k]))
				assert_same_meta(d1, d2, rels[k]);
	}
	/* The parents layer 1 and 3 omit came from the layers below them,
	 * unpacked at the same time; an explicit entry after its content won. */
	cleanup_free char *d1 = dir_of(par, chains[1]), *d3 = dir_of(par, chains[3]);
	struct stat st = th_lstat(d1, "srv/data");
	ck_assert_int_eq(st.st_mode & 07777, 0710);
	ck_assert_int_eq(st.st_uid, 33);
	ck_assert_int_eq(st.st_mtime, 1234);
	st = th_lstat(d1, "etc/conf");
	ck_assert_int_eq(st.st_mode & 07777, 0700);
	ck_assert_int_eq(st.st_uid, 2);
	ck_assert_int_eq(st.st_mtime, 2222);
	st = th_lstat(d3, "big");
	ck_assert_int_eq(st.st_mode & 07777, 0705);
	ck_assert_int_eq(st.st_uid, 5);
	ck_assert_int_eq(st.st_mtime, 4321);
	/* Again: every layer is there, nothing is unpacked twice. */
	char again[NLAYERS][ENGINE__DIGEST_LEN + 1];
	cleanup_free char *layers = engine__path_join(r2, "layers"), *tmpdir = engine__path_join(r2, "tmp");
	size_t before = th_count_tree(layers);
	ck_assert_engine_ok(engine__layer_unpack_chain(par, NLAYERS, b.blobs, b.diffs, NULL, NULL, again));
	ck_assert_mem_eq(again, chains, sizeof(chains));
	ck_assert_int_eq(th_count_tree(layers), before);
	ck_assert_int_eq(th_count_tree(tmpdir), 0);
	free_image(&a);
	free_image(&b);
	engine_context_free(seq);
	engine_context_free(par);
	th_cleanup_dir(tmp);
}
END_TEST

/* Layer @bad broken by @how; the layers below it stay, none above it is
 * published, no temp dir is left. */
static void check_failure(size_t bad, const char *how)
{
	char *tmp = th_mkdtemp("chain");
	engine_context *ctx = th_context(tmp);
	cleanup_free char *tmpdir = engine__path_join(tmp, "tmp");
	char chains[NLAYERS][ENGINE__DIGEST_LEN + 1], expect[NLAYERS][ENGINE__DIGEST_LEN + 1];
	char broken[ENGINE__DIGEST_LEN + 1];
	struct image img;

	make_image(ctx, &img);
	for (size_t i = 0; i < NLAYERS; i++)
		engine__chain_id(i ? expect[i - 1] : NULL, img.diffs[i], expect[i]);
	if (!strcmp(how, "diff")) {
		/* The config's diff ID is another layer's. */
		snprintf(img.diffs[bad], ENGINE__DIGEST_LEN + 1, "%s", img.diffs[bad == 0 ? 1 : 0]);
	} else {
		/* A gzip stream cut short: the blob's digest is right, the content is not. */
		cleanup_free char *data = NULL;
		size_t len;

		ck_assert_engine_ok(engine__blob_read(ctx, img.blobs[bad], &data, &len));
		ck_assert_engine_ok(engine__blob_put_buf(ctx, data, len / 2, NULL, broken));
		snprintf(img.blobs[bad], ENGINE__DIGEST_LEN + 1, "%s", broken);
	}
	ck_assert_engine_error(
	    engine__layer_unpack_chain(ctx, NLAYERS, img.blobs, img.diffs, NULL, NULL, chains),
	    ENGINE_EINVALID, !strcmp(how, "diff") ? "diff ID mismatch" : "decompress");
	ck_assert_msg(strstr(engine_error_last()->message, img.blobs[bad]) != NULL, "names the layer: %s",
		      engine_error_last()->message);
	for (size_t i = 0; i < NLAYERS; i++)
		ck_assert_msg(engine__layer_exists(ctx, expect[i]) == (i < bad), "layer %zu", i);
	ck_assert_int_eq(th_count_tree(tmpdir), 0);
	free_image(&img);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}

START_TEST(test_image_chain__corrupt_middle_layer)
{
	check_failure(1, "truncated");
}
END_TEST

START_TEST(test_image_chain__diff_mismatch_middle_layer)
{
	check_failure(2, "diff");
}
END_TEST

START_TEST(test_image_chain__corrupt_base_layer)
{
	check_failure(0, "truncated");
}
END_TEST

START_TEST(test_image_chain__bad_arguments)
{
	char *tmp = th_mkdtemp("chain");
	engine_context *ctx = th_context(tmp);
	char chains[NLAYERS][ENGINE__DIGEST_LEN + 1];
	struct image img;

	make_image(ctx, &img);
	snprintf(img.diffs[2], ENGINE__DIGEST_LEN + 1, "sha256:nothex");
	ck_assert_engine_error(
	    engine__layer_unpack_chain(ctx, NLAYERS, img.blobs, img.diffs, NULL, NULL, chains),
	    ENGINE_EINVALID, "invalid diff ID");
	/* A parent that is no layer (a blob's digest). */
	ck_assert_engine_error(
	    engine__layer_unpack_chain(ctx, 1, img.blobs, img.diffs, img.blobs[1], NULL, chains),
	    ENGINE_ENOTFOUND, "parent layer");
	free_image(&img);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("image_chain");
	TCase *tc = tcase_create("chain");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_image_chain__same_as_one_at_a_time);
	tcase_add_test(tc, test_image_chain__corrupt_middle_layer);
	tcase_add_test(tc, test_image_chain__diff_mismatch_middle_layer);
	tcase_add_test(tc, test_image_chain__corrupt_base_layer);
	tcase_add_test(tc, test_image_chain__bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite(), 1);
}
