/* Image store, public API: list, open, inspect, tag, remove, unpack (flatten),
 * prune, usage and check. Privileged (layers carry owners and whiteouts). */
#include <sys/xattr.h>

#include <engine/store.h>

#include "check_image_helpers.h"

static const struct th_entry base_layer[] = {
    {.path = "bin/", .type = AE_IFDIR},
    {.path = "bin/sh", .data = "#!shell", .mode = 0755},
    {.path = "etc/", .type = AE_IFDIR},
    {.path = "etc/passwd", .data = "root:x:0:0\n"},
    {.path = "etc/shadow", .data = "secret", .mode = 0600},
    {.path = "var/", .type = AE_IFDIR},
    {.path = "var/cache/", .type = AE_IFDIR},
    {.path = "var/cache/old1", .data = "o1"},
    {.path = "var/cache/old2", .data = "o2"},
};

static void make_pair(engine_context *ctx, char a[ENGINE__DIGEST_LEN + 1], char b[ENGINE__DIGEST_LEN + 1])
{
	char blobs[2][ENGINE__DIGEST_LEN + 1];
	const struct th_entry top_a[] = {
	    {.path = "etc/.wh.shadow", .data = ""},
	    {.path = "var/cache/", .type = AE_IFDIR, .mode = 0700},
	    {.path = "var/cache/.wh..wh..opq", .data = ""},
	    {.path = "var/cache/new", .data = "n"},
	    {.path = "app", .data = "application a", .mode = 04755},
	    {.path = "applink", .hardlink = "app"},
	};
	const struct th_entry top_b[] = {{.path = "app", .data = "application b"}};

	th_blob_tar(ctx, "gzip", base_layer, sizeof(base_layer) / sizeof(base_layer[0]), blobs[0]);
	th_blob_tar(ctx, "zstd", top_a, sizeof(top_a) / sizeof(top_a[0]), blobs[1]);
	th_make_image(
	    ctx, blobs, 2,
	    "{\"Env\":[\"PATH=/bin\",\"A=1\"],\"Cmd\":[\"sh\",\"-c\",\"x\"],\"Entrypoint\":[\"/app\"],"
	    "\"WorkingDir\":\"/srv\",\"User\":\"1000:1000\",\"Labels\":{\"k\":\"v\"},"
	    "\"ExposedPorts\":{\"80/tcp\":{}}}",
	    "app:a", a);
	th_blob_tar(ctx, "gzip", top_b, 1, blobs[1]);
	th_make_image(ctx, blobs, 2, NULL, "app:b", b);
}

START_TEST(test_image_api__list_open_inspect)
{
	char *tmp = th_mkdtemp("api");
	engine_context *ctx = th_context(tmp);
	char a[ENGINE__DIGEST_LEN + 1], b[ENGINE__DIGEST_LEN + 1];
	engine_image_list *list = NULL;
	engine_image *img = NULL;
	cleanup_free char *json = NULL;
	cleanup_json json_object *o = NULL;
	json_object *v;

	make_pair(ctx, a, b);
	ck_assert_engine_ok(engine_image_tag(ctx, "app:a", "other/name:v2"));
	ck_assert_engine_ok(engine_image_list_new(ctx, &list));
	ck_assert_uint_eq(engine_image_list_count(list), 2);
	const engine_image_summary *s = engine_image_list_get(list, 0);
	ck_assert_int_eq(s->created, 1704164645);
	ck_assert_int_gt(s->size, 0);
	ck_assert_ptr_null(engine_image_list_get(list, 2));
	for (size_t i = 0; i < 2; i++) {
		s = engine_image_list_get(list, i);
		if (!strcmp(s->id, a)) {
			ck_assert_uint_eq(s->tags.count, 2);
			ck_assert_str_eq(s->tags.strings[0], "app:a");
			ck_assert_str_eq(s->tags.strings[1], "other/name:v2");
		}
	}
	engine_image_list_free(list);

	ck_assert_engine_ok(engine_image_open(ctx, "app:a", &img));
	ck_assert_str_eq(engine_image_id(img), a);
	ck_assert_uint_eq(engine_image_env(img)->count, 2);
	ck_assert_str_eq(engine_image_env(img)->strings[1], "A=1");
	ck_assert_uint_eq(engine_image_cmd(img)->count, 3);
	ck_assert_str_eq(engine_image_entrypoint(img)->strings[0], "/app");
	ck_assert_str_eq(engine_image_working_dir(img), "/srv");
	ck_assert_str_eq(engine_image_user(img), "1000:1000");
	ck_assert_uint_eq(engine_image_layers(img)->count, 2);
	ck_assert_uint_eq(engine_image_diff_ids(img)->count, 2);
	ck_assert_uint_eq(engine_image_tags(img)->count, 2);
	engine_image_free(img);
	ck_assert_engine_ok(engine_image_open(ctx, "app:b", &img));
	ck_assert_ptr_null(engine_image_working_dir(img));
	ck_assert_uint_eq(engine_image_cmd(img)->count, 0);
	engine_image_free(img);
	ck_assert_engine_error(engine_image_open(ctx, "app:c", &img), ENGINE_ENOTFOUND,
			       "No such image: app:c");

	ck_assert_engine_ok(engine_image_inspect(ctx, a + 7, &json));
	ck_assert_engine_ok(engine__json_parse(json, strlen(json), "inspect", &o));
	ck_assert_str_eq(engine__json_get_string(o, "Id"), a);
	ck_assert_str_eq(engine__json_get_string(o, "Created"), "2024-01-02T03:04:05Z");
	ck_assert_str_eq(engine__json_get_string(o, "Os"), "linux");
	ck_assert_str_eq(engine__json_get_string(o, "Architecture"), "amd64");
	v = engine__json_get_type(o, "RepoTags", json_type_array);
	ck_assert_int_eq(json_object_array_length(v), 2);
	json_object *cfg = engine__json_get_type(o, "Config", json_type_object);
	ck_assert_str_eq(engine__json_get_string(cfg, "WorkingDir"), "/srv");
	ck_assert_str_eq(engine__json_get_string(engine__json_get_type(cfg, "Labels", json_type_object), "k"),
			 "v");
	ck_assert_ptr_nonnull(engine__json_get_type(cfg, "ExposedPorts", json_type_object));
	ck_assert(json_object_object_get_ex(cfg, "Volumes", &v) && v == NULL);
	json_object *rootfs = engine__json_get_type(o, "RootFS", json_type_object);
	ck_assert_str_eq(engine__json_get_string(rootfs, "Type"), "layers");
	ck_assert_int_eq(json_object_array_length(engine__json_get_type(rootfs, "Layers", json_type_array)),
			 2);
	ck_assert_int_eq(engine__json_get_int(o, "Size", 0), 7 + 11 + 6 + 2 + 2 + 1 + 13);
	ck_assert_int_eq(json_object_array_length(engine__json_get_type(o, "RepoDigests", json_type_array)),
			 2);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

/* Register a config over @a's first @n diff IDs with @history and @parent. */
static void make_config(engine_context *ctx, json_object *diff_ids, size_t n, const char *history,
			const char *parent, char id[ENGINE__DIGEST_LEN + 1])
{
	char buf[4096];
	int len =
	    snprintf(buf, sizeof(buf),
		     "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05Z\","
		     "\"config\":{},\"history\":%s%s%s%s,\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[",
		     history, parent ? ",\"parent\":\"" : "", parent ? parent : "", parent ? "\"" : "");

	for (size_t i = 0; i < n; i++)
		len += snprintf(buf + len, sizeof(buf) - (size_t)len, "%s\"%s\"", i ? "," : "",
				json_object_get_string(json_object_array_get_idx(diff_ids, i)));
	snprintf(buf + len, sizeof(buf) - (size_t)len, "]}}");
	ck_assert_engine_ok(engine__blob_put_buf(ctx, buf, strlen(buf), NULL, id));
	ck_assert_engine_ok(engine__image_register(ctx, id, NULL));
}

/* docker history: newest first, a size per layer-making step and 0 for the
 * others, the parent chain's images on the entries their histories end
 * at (with their tags), "<missing>" for what no local image ends at. */
START_TEST(test_image_api__history)
{
	char *tmp = th_mkdtemp("api");
	engine_context *ctx = th_context(tmp);
	char a[ENGINE__DIGEST_LEN + 1], b[ENGINE__DIGEST_LEN + 1], p[ENGINE__DIGEST_LEN + 1],
	    c[ENGINE__DIGEST_LEN + 1], orphan[ENGINE__DIGEST_LEN + 1];
	cleanup_json json_object *cfg = NULL, *h = NULL;
	cleanup_free char *json = NULL, *json2 = NULL;
	json_object *diff_ids, *e;

	make_pair(ctx, a, b);
	ck_assert_engine_ok(engine__image_config(ctx, a, &cfg));
	diff_ids = engine__json_get_type(engine__json_get_type(cfg, "rootfs", json_type_object), "diff_ids",
					 json_type_array);
	make_config(ctx, diff_ids, 1,
		    "[{\"created\":\"2024-01-01T00:00:00Z\",\"created_by\":\"L0\"},"
		    "{\"created_by\":\"E\",\"empty_layer\":true,\"comment\":\"env\"}]",
		    NULL, p);
	ck_assert_engine_ok(engine__image_tag(ctx, p, "hist:p"));
	make_config(
	    ctx, diff_ids, 2,
	    "[{\"created\":\"2024-01-01T00:00:00Z\",\"created_by\":\"L0\"},"
	    "{\"created_by\":\"E\",\"empty_layer\":true,\"comment\":\"env\"},{\"created_by\":\"L1\"}]",
	    p, c);
	ck_assert_engine_ok(engine__image_tag(ctx, c, "hist:c"));

	ck_assert_engine_ok(engine_image_history(ctx, "hist:c", &json));
	ck_assert_engine_ok(engine__json_parse(json, strlen(json), "history", &h));
	ck_assert_int_eq(json_object_array_length(h), 3);
	e = json_object_array_get_idx(h, 0);
	ck_assert_str_eq(engine__json_get_string(e, "Id"), c);
	ck_assert_str_eq(engine__json_get_string(e, "CreatedBy"), "L1");
	ck_assert_int_eq(engine__json_get_int(e, "Size", -1), 14);
	ck_assert_str_eq(json_object_get_string(
			     json_object_array_get_idx(engine__json_get_type(e, "Tags", json_type_array), 0)),
			 "hist:c");
	e = json_object_array_get_idx(h, 1);
	ck_assert_str_eq(engine__json_get_string(e, "Id"), p);
	ck_assert_int_eq(engine__json_get_int(e, "Size", -1), 0);
	ck_assert_str_eq(engine__json_get_string(e, "Comment"), "env");
	ck_assert_ptr_nonnull(engine__json_get_type(e, "Tags", json_type_array));
	e = json_object_array_get_idx(h, 2);
	ck_assert_str_eq(engine__json_get_string(e, "Id"), "<missing>");
	ck_assert_int_eq(engine__json_get_int(e, "Size", -1), 28);
	ck_assert_int_eq(engine__json_get_int(e, "Created", 0), 1704067200);
	ck_assert(json_object_object_get_ex(e, "Tags", &e) && e == NULL);

	/* A parent that is not in the store: "<missing>", not an error. */
	make_config(ctx, diff_ids, 2, "[{\"created_by\":\"L0\"},{\"created_by\":\"L1\"}]",
		    "sha256:0000000000000000000000000000000000000000000000000000000000000000", orphan);
	ck_assert_engine_ok(engine_image_history(ctx, orphan, &json2));
	ck_assert_ptr_nonnull(strstr(json2, "<missing>"));
	free(steal_ptr(json2));
	ck_assert_engine_error(engine_image_history(ctx, "nosuch:1", &json2), ENGINE_ENOTFOUND, "nosuch");
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

static size_t lines_with(const engine_strarray *a, const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < a->count; i++)
		n += strstr(a->strings[i], needle) != NULL;
	return n;
}

START_TEST(test_image_api__remove_keeps_shared)
{
	char *tmp = th_mkdtemp("api");
	engine_context *ctx = th_context(tmp);
	char a[ENGINE__DIGEST_LEN + 1], b[ENGINE__DIGEST_LEN + 1];
	engine_strarray report = {NULL, 0};
	engine__image_rootfs *rf = NULL;
	cleanup_json json_object *rec_a = NULL;
	engine_image_remove_options force = ENGINE_IMAGE_REMOVE_OPTIONS_INIT;
	cleanup_free char *layers = engine__path_join(tmp, "layers");

	force.force = 1;
	make_pair(ctx, a, b);
	ck_assert_engine_ok(engine__image_record(ctx, a, &rec_a));
	ck_assert_engine_ok(engine_image_tag(ctx, "app:a", "app:a2"));
	/* By ID with two tags: must be forced. */
	ck_assert_engine_error(engine_image_remove(ctx, a, NULL, &report), ENGINE_EBUSY,
			       "referenced in multiple repositories");
	/* One of two tags: untag only. */
	ck_assert_engine_ok(engine_image_remove(ctx, "app:a2", NULL, &report));
	ck_assert_uint_eq(report.count, 1);
	ck_assert_str_eq(report.strings[0], "Untagged: app:a2");
	engine_strarray_dispose(&report);
	/* The last tag: untag and delete, with the layer only it used. */
	ck_assert_engine_ok(engine_image_remove(ctx, "app:a", NULL, &report));
	ck_assert_str_eq(report.strings[0], "Untagged: app:a");
	ck_assert_uint_eq(lines_with(&report, "Deleted: "), 2); /* image + its top layer */
	ck_assert_uint_eq(lines_with(&report, a), 1);
	engine_strarray_dispose(&report);
	ck_assert_engine_error(engine_image_open(ctx, a, NULL), ENGINE_EINVALID, "NULL");
	ck_assert_engine_error(engine__image_lookup(ctx, a, b), ENGINE_ENOTFOUND, "No such image");
	ck_assert(!engine__blob_exists(ctx, a));
	ck_assert(!engine__blob_exists(ctx, engine__json_get_string(rec_a, "manifest")));
	json_object *la = engine__json_get_type(rec_a, "layers", json_type_array);
	ck_assert(engine__blob_exists(ctx, json_object_get_string(json_object_array_get_idx(la, 0))));
	ck_assert(!engine__blob_exists(ctx, json_object_get_string(json_object_array_get_idx(la, 1))));
	/* The other image still runs: its base layer stayed. */
	ck_assert_engine_ok(engine__image_rootfs_get(ctx, "app:b", &rf));
	ck_assert(th_exists(rf->layer_dirs[0], "bin/sh"));
	engine__image_rootfs_free(rf);

	/* A container keeps its image. */
	cleanup_free char *cdir = engine__path_join(tmp, "containers/c1");
	cleanup_free char *cfile = engine__path_join(cdir, "image-id");
	ck_assert_engine_ok(engine__mkdir_p(cdir, 0700));
	ck_assert_engine_ok(engine__write_file_atomic(cfile, b, strlen(b), 0644, false));
	ck_assert_engine_error(engine_image_remove(ctx, "app:b", NULL, &report), ENGINE_EBUSY, "must force");
	ck_assert_engine_ok(engine_image_remove(ctx, "app:b", &force, &report));
	ck_assert_uint_eq(report.count, 1); /* untagged, kept for the container */
	engine_strarray_dispose(&report);
	ck_assert_engine_ok(engine_store_prune(ctx, 1, NULL));
	ck_assert_engine_ok(engine__image_rootfs_get(ctx, b, &rf));
	engine__image_rootfs_free(rf);
	ck_assert_engine_ok(engine__rm_rf(cdir));
	ck_assert_engine_ok(engine_image_remove(ctx, b, NULL, &report));
	ck_assert_uint_eq(lines_with(&report, "Deleted: "), 3);
	engine_strarray_dispose(&report);
	ck_assert_int_eq(th_count_tree(layers), 0);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_api__prune)
{
	char *tmp = th_mkdtemp("api");
	engine_context *ctx = th_context(tmp);
	char a[ENGINE__DIGEST_LEN + 1], b[ENGINE__DIGEST_LEN + 1], orphan[ENGINE__DIGEST_LEN + 1];
	char chain[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *tmpdir = NULL, *junk = NULL, *blobs = engine__path_join(tmp, "blobs/sha256");
	engine_store_usage u = ENGINE_STORE_USAGE_INIT;
	engine_strarray problems = {NULL, 0};
	int64_t reclaimed = 0;
	const struct th_entry lone[] = {{.path = "lonely", .data = "nobody uses me"}};

	make_pair(ctx, a, b);
	/* Garbage: an unreferenced layer and blob, a leftover temp dir. */
	th_blob_tar(ctx, "none", lone, 1, orphan);
	ck_assert_engine_ok(engine__layer_unpack_blob(ctx, orphan, NULL, NULL, chain));
	ck_assert_engine_ok(engine__store_tmpdir(ctx, &tmpdir));
	ck_assert_engine_ok(engine__mkdtemp_in(tmpdir, "layer", &junk));
	/* What a write killed before its rename leaves next to the records. */
	cleanup_free char *rec_tmp = engine__strdup_printf("%s/images/%s.json.tmp-Ab12Cd", tmp, a + 7);
	cleanup_free char *tags_tmp = engine__path_join(tmp, "repositories.json.tmp-Zz99Yy");
	ck_assert_engine_ok(engine__write_file_atomic(rec_tmp, "{", 1, 0644, false));
	ck_assert_engine_ok(engine__write_file_atomic(tags_tmp, "{", 1, 0644, false));
	ck_assert_engine_ok(engine_store_usage_get(ctx, &u));
	ck_assert_int_eq(u.images, 2);
	ck_assert_int_eq(u.layers, 4);
	ck_assert_int_gt(u.reclaimable, 0);
	ck_assert_int_gt(u.blobs_size, 0);
	/* Garbage is not a problem for check. */
	ck_assert_engine_ok(engine_store_check(ctx, &problems));
	ck_assert_uint_eq(problems.count, 0);
	size_t nblobs = th_count_tree(blobs);

	ck_assert_engine_ok(engine_store_prune(ctx, 0, &reclaimed));
	ck_assert_int_gt(reclaimed, 0);
	ck_assert(!engine__layer_exists(ctx, chain));
	ck_assert(!engine__blob_exists(ctx, orphan));
	ck_assert(!engine__path_exists(junk));
	ck_assert(!engine__path_exists(rec_tmp));
	ck_assert(!engine__path_exists(tags_tmp));
	{
		char got[ENGINE__DIGEST_LEN + 1];
		ck_assert_engine_ok(
		    engine__image_lookup(ctx, "app:a", got)); /* the real tag file is intact */
	}
	ck_assert_uint_eq(th_count_tree(blobs), nblobs - 1);
	ck_assert_engine_ok(engine_store_usage_get(ctx, &u));
	ck_assert_int_eq(u.reclaimable, 0);
	ck_assert_int_eq(u.layers, 3);

	/* Untagged images go only with all_untagged. */
	ck_assert_engine_ok(engine__tag_remove(ctx, "app:b"));
	ck_assert_engine_ok(engine_store_prune(ctx, 0, NULL));
	ck_assert(engine__blob_exists(ctx, b));
	ck_assert_engine_ok(engine_store_prune(ctx, 1, NULL));
	ck_assert(!engine__blob_exists(ctx, b));
	ck_assert(engine__blob_exists(ctx, a));
	ck_assert_engine_ok(engine_store_usage_get(ctx, &u));
	ck_assert_int_eq(u.images, 1);
	ck_assert_int_eq(u.layers, 2);
	ck_assert_engine_ok(engine_store_check(ctx, &problems));
	ck_assert_uint_eq(problems.count, 0);

	/* image prune: dangling only; with all, tagged images no container uses. */
	engine_strarray report = {NULL, 0};
	ck_assert_engine_ok(engine_store_prune_images(ctx, 0, &report, NULL));
	ck_assert_uint_eq(report.count, 0);
	ck_assert_engine_ok(engine_store_prune_images(ctx, 1, &report, &reclaimed));
	ck_assert_str_eq(report.strings[0], "untagged: app:a");
	cleanup_free char *deleted = engine__strdup_printf("deleted: %s", a);
	ck_assert_str_eq(report.strings[1], deleted);
	ck_assert_uint_eq(report.count, 4); /* + both layers */
	ck_assert_int_gt(reclaimed, 0);
	engine_strarray_dispose(&report);
	ck_assert_engine_ok(engine_store_usage_get(ctx, &u));
	ck_assert_int_eq(u.images, 0);
	ck_assert_int_eq(u.blobs, 0);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

static void assert_problem(engine_context *ctx, const char *needle)
{
	engine_strarray problems = {NULL, 0};

	ck_assert_engine_ok(engine_store_check(ctx, &problems));
	ck_assert_msg(lines_with(&problems, needle) >= 1, "no problem mentions \"%s\" (%zu problems%s%s)",
		      needle, problems.count, problems.count ? ", first: " : "",
		      problems.count ? problems.strings[0] : "");
	engine_strarray_dispose(&problems);
}

START_TEST(test_image_api__check_detects_damage)
{
	char *tmp = th_mkdtemp("api");
	engine_context *ctx = th_context(tmp);
	char a[ENGINE__DIGEST_LEN + 1], b[ENGINE__DIGEST_LEN + 1];
	engine__image_rootfs *ra = NULL, *rb = NULL;
	engine_strarray problems = {NULL, 0};
	cleanup_free char *passwd = NULL, *shadow = NULL, *extra = NULL, *cfg = NULL, *line = NULL;

	make_pair(ctx, a, b);
	ck_assert_engine_ok(engine_store_check(ctx, &problems));
	ck_assert_uint_eq(problems.count, 0);
	ck_assert_engine_ok(engine__image_rootfs_get(ctx, a, &ra));
	ck_assert_engine_ok(engine__image_rootfs_get(ctx, b, &rb));

	/* Same-size content change in a shared layer. */
	passwd = engine__path_join(ra->layer_dirs[0], "etc/passwd");
	ck_assert_engine_ok(engine__write_file_atomic(passwd, "evil:x:0:0\n", 11, 0644, false));
	assert_problem(ctx, "entry \"etc/passwd\": content differs");
	/* A deleted and an added file. */
	shadow = engine__path_join(ra->layer_dirs[0], "etc/shadow");
	ck_assert_int_eq(unlink(shadow), 0);
	assert_problem(ctx, "entry \"etc/shadow\": missing");
	extra = engine__path_join(ra->layer_dirs[1], "planted");
	ck_assert_engine_ok(engine__write_file_atomic(extra, "x", 1, 0644, false));
	assert_problem(ctx, "entry \"planted\": not in the layer blob");
	/* A whole layer gone. */
	cleanup_free char *layer_b = strdup(rb->layer_dirs[1]);
	*strrchr(layer_b, '/') = '\0';
	ck_assert_engine_ok(engine__rm_rf(layer_b));
	line = engine__strdup_printf("image %s: layer sha256:%s missing", b, strrchr(layer_b, '/') + 1);
	assert_problem(ctx, line);
	/* A corrupted config blob. */
	ck_assert_engine_ok(engine__blob_path(ctx, a, &cfg));
	ck_assert_engine_ok(engine__write_file_atomic(cfg, "{}", 2, 0644, false));
	cleanup_free char *want = engine__strdup_printf("blob %s: digest mismatch", a);
	assert_problem(ctx, want);
	engine__image_rootfs_free(ra);
	engine__image_rootfs_free(rb);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

/* A layer nested deeper than check walks: reported, not walked (one fd and
 * a stack frame per level on the daemon's request thread). */
START_TEST(test_image_api__check_bounds_depth)
{
	char *tmp = th_mkdtemp("api");
	engine_context *ctx = th_context(tmp);
	enum { LEVELS = 600 };
	struct th_entry *deep = calloc(LEVELS, sizeof(*deep));
	char *paths = calloc(LEVELS, 2 * LEVELS + 1);
	char blob[1][ENGINE__DIGEST_LEN + 1], id[ENGINE__DIGEST_LEN + 1];

	ck_assert(deep && paths);
	for (size_t i = 0; i < LEVELS; i++) {
		char *p = paths + i * (2 * LEVELS + 1);

		for (size_t j = 0; j <= i; j++)
			memcpy(p + 2 * j, "d/", 2);
		deep[i] = (struct th_entry){.path = p, .type = AE_IFDIR};
	}
	th_blob_tar(ctx, "gzip", deep, LEVELS, blob[0]);
	th_make_image(ctx, blob, 1, NULL, "deep:1", id);
	assert_problem(ctx, "nested too deep to check");
	free(deep);
	free(paths);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_api__unpack_flattens)
{
	char *tmp = th_mkdtemp("api");
	engine_context *ctx = th_context(tmp);
	char a[ENGINE__DIGEST_LEN + 1], b[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *out = engine__path_join(tmp, "rootfs");
	cleanup_free char *full = engine__path_join(tmp, "full");
	cleanup_free char *inside = engine__path_join(full, "x");
	char buf[8];

	make_pair(ctx, a, b);
	ck_assert_engine_ok(engine_image_unpack(ctx, "app:a", out));
	ck_assert(th_exists(out, "bin/sh"));
	ck_assert(th_exists(out, "etc/passwd"));
	ck_assert(!th_exists(out, "etc/shadow"));     /* whiteout applied */
	ck_assert(!th_exists(out, "var/cache/old1")); /* opaque directory */
	ck_assert(th_exists(out, "var/cache/new"));
	ck_assert_int_eq(th_lstat(out, "var/cache").st_mode & 07777, 0700);
	ck_assert_int_eq(th_lstat(out, "app").st_mode & 07777, 04755);
	ck_assert_int_eq(th_lstat(out, "app").st_ino, th_lstat(out, "applink").st_ino);
	cleanup_free char *cache = engine__path_join(out, "var/cache");
	ck_assert_int_eq(getxattr(cache, "trusted.overlay.opaque", buf, sizeof(buf)), -1);
	/* bin bin/sh etc etc/passwd var var/cache var/cache/new app applink */
	ck_assert_int_eq(th_count_tree(out), 9);
	/* A non-empty target is refused and left alone. */
	ck_assert_engine_ok(engine__mkdir_p(full, 0755));
	ck_assert_engine_ok(engine__write_file_atomic(inside, "x", 1, 0644, false));
	ck_assert_engine_error(engine_image_unpack(ctx, "app:a", full), ENGINE_EEXISTS, "not empty");
	ck_assert_int_eq(th_count_tree(full), 1);
	ck_assert_engine_error(engine_image_unpack(ctx, "nope", full), ENGINE_ENOTFOUND, "No such image");
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_api__layer_from_dir)
{
	char *tmp = th_mkdtemp("api");
	engine_context *ctx = th_context(tmp);
	char a[ENGINE__DIGEST_LEN + 1], b[ENGINE__DIGEST_LEN + 1];
	char blob[ENGINE__DIGEST_LEN + 1], diff[ENGINE__DIGEST_LEN + 1], chain[ENGINE__DIGEST_LEN + 1];
	char blob2[ENGINE__DIGEST_LEN + 1], diff2[ENGINE__DIGEST_LEN + 1], chain2[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *upper = engine__path_join(tmp, "upper");
	cleanup_json json_object *rec = NULL;
	engine__image_rootfs *rf = NULL;
	cleanup_free char *ldir = NULL;
	char buf[4];

	make_pair(ctx, a, b);
	ck_assert_engine_ok(engine__image_rootfs_get(ctx, "app:b", &rf));
	ck_assert_engine_ok(engine__image_record(ctx, rf->id, &rec));
	const char *parent = json_object_get_string(
	    json_object_array_get_idx(engine__json_get_type(rec, "chain_ids", json_type_array), 1));
	/* An overlay upper dir: a new file, a hardlink, a whiteout, an opaque dir. */
	cleanup_free char *p_new = engine__path_join(upper, "etc/new");
	cleanup_free char *p_link = engine__path_join(upper, "etc/newlink");
	cleanup_free char *p_wh = engine__path_join(upper, "etc/passwd");
	cleanup_free char *p_opq = engine__path_join(upper, "var/cache");
	cleanup_free char *p_sym = engine__path_join(upper, "sym");
	ck_assert_engine_ok(engine__mkdir_p(p_opq, 0755));
	*strrchr(p_new, '/') = '\0';
	ck_assert_engine_ok(engine__mkdir_p(p_new, 0755));
	p_new[strlen(p_new)] = '/';
	ck_assert_engine_ok(engine__write_file_atomic(p_new, "new", 3, 0640, false));
	ck_assert_int_eq(link(p_new, p_link), 0);
	ck_assert_int_eq(mknod(p_wh, S_IFCHR | 0, makedev(0, 0)), 0);
	ck_assert_int_eq(setxattr(p_opq, "trusted.overlay.opaque", "y", 1, 0), 0);
	ck_assert_int_eq(symlink("etc/new", p_sym), 0);
	ck_assert_engine_ok(engine__layer_create_from_dir(ctx, upper, parent, blob, diff, chain));
	ck_assert(engine__blob_exists(ctx, blob));
	/* The same tree gives the same layer. */
	ck_assert_engine_ok(engine__layer_create_from_dir(ctx, upper, parent, blob2, diff2, chain2));
	ck_assert_str_eq(diff, diff2);
	ck_assert_str_eq(chain, chain2);
	ck_assert_engine_ok(engine__layer_dir(ctx, chain, &ldir));
	ck_assert(S_ISCHR(th_lstat(ldir, "etc/passwd").st_mode));
	ck_assert_int_eq(th_lstat(ldir, "etc/new").st_mode & 07777, 0640);
	ck_assert_int_eq(th_lstat(ldir, "etc/new").st_ino, th_lstat(ldir, "etc/newlink").st_ino);
	ck_assert(S_ISLNK(th_lstat(ldir, "sym").st_mode));
	cleanup_free char *opq = engine__path_join(ldir, "var/cache");
	ck_assert_int_eq(getxattr(opq, "trusted.overlay.opaque", buf, sizeof(buf)), 1);
	engine__image_rootfs_free(rf);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("image_api");
	TCase *tc = tcase_create("api");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_image_api__list_open_inspect);
	tcase_add_test(tc, test_image_api__history);
	tcase_add_test(tc, test_image_api__remove_keeps_shared);
	tcase_add_test(tc, test_image_api__prune);
	tcase_add_test(tc, test_image_api__check_detects_damage);
	tcase_add_test(tc, test_image_api__check_bounds_depth);
	tcase_add_test(tc, test_image_api__unpack_flattens);
	tcase_add_test(tc, test_image_api__layer_from_dir);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite(), 1);
}
