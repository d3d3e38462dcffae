/* Image formats, loading: OCI layouts (directory, tar, multi-platform,
 * zstd) built by umoci and skopeo, docker-archive tars from skopeo (and the
 * legacy layout), the unpacked tree against umoci's, and rejected input. */
#include <errno.h>
#include <fcntl.h>

#include "image_fixtures.h"

#include "util/cleanup.h"

struct fx {
	char *tmp, *root, *layout;
	engine_context *ctx;
};

static void fx_setup(struct fx *f, const char *tag)
{
	f->tmp = th_mkdtemp(tag);
	f->root = fx_path(f->tmp, "root");
	f->layout = fx_path(f->tmp, "L");
	fx_umoci_layout(f->tmp);
	f->ctx = th_context(f->root);
}

/* A second, empty store in the same temp dir. */
static engine_context *fx_other_store(struct fx *f, const char *name, char **root_out)
{
	*root_out = fx_path(f->tmp, name);
	return th_context(*root_out);
}

static void fx_teardown(struct fx *f)
{
	engine_context_free(f->ctx);
	free(f->root);
	free(f->layout);
	th_cleanup_dir(f->tmp);
}

/* The config digest (= image ID) of the layout's manifest for "base". */
static char *layout_config_digest(const char *layout)
{
	cleanup_free char *index_path = fx_path(layout, "index.json");
	json_object *index = fx_json_file(index_path), *m, *cfg, *v;
	cleanup_free char *mpath = NULL;
	char *out;
	const char *d;

	m = json_object_array_get_idx(json_object_object_get(index, "manifests"), 0);
	d = json_object_get_string(json_object_object_get(m, "digest"));
	if (asprintf(&mpath, "%s/blobs/sha256/%s", layout, d + 7) < 0)
		abort();
	json_object_put(index);
	cfg = fx_json_file(mpath);
	ck_assert(json_object_object_get_ex(json_object_object_get(cfg, "config"), "digest", &v));
	out = strdup(json_object_get_string(v));
	json_object_put(cfg);
	return out;
}

START_TEST(test_image_formats__oci_layout_dir_and_tar)
{
	FX_REQUIRE("umoci");
	struct fx f;
	engine_image_load_options o;
	engine_strarray loaded = {NULL, 0};
	struct fx_image img;
	cleanup_free char *want = NULL, *id = NULL, *root2 = NULL, *root3 = NULL;
	cleanup_free char *tarball = NULL;
	engine_context *ctx2, *ctx3;

	fx_setup(&f, "fmt-oci");
	want = layout_config_digest(f.layout);
	ck_assert_engine_ok(engine_image_load_options_init(&o, ENGINE_IMAGE_LOAD_OPTIONS_VERSION));
	/* umoci's ref.name is a bare tag: a bare --tag name supplies the name. */
	o.tag = "fx";
	ck_assert_engine_ok(engine_image_load(f.ctx, f.layout, &o, &loaded));
	ck_assert_uint_eq(loaded.count, 1);
	ck_assert_str_eq(loaded.strings[0], "fx:base");
	engine_strarray_dispose(&loaded);

	fx_image_get(f.ctx, "fx:base", &img);
	ck_assert_str_eq(img.id, want);
	ck_assert_uint_eq(fx_nlayers(&img), 3);
	ck_assert_uint_eq(fx_cfg_len(&img, "Env"), 1);
	ck_assert_str_eq(fx_cfg_idx(&img, "Env", 0), "A=1");
	ck_assert_str_eq(fx_cfg_idx(&img, "Cmd", 0), "sh");
	ck_assert_str_eq(fx_cfg_str(&img, "WorkingDir"), "/etc");
	fx_image_put(&img);

	/* The same layout as a gzip'd tar, untagged: reported by ID. */
	tarball = fx_path(f.tmp, "L.tar.gz");
	ck_assert_int_eq(fx_sh("tar -C '%s' -czf '%s' .", f.layout, tarball), 0);
	ctx2 = fx_other_store(&f, "root2", &root2);
	ck_assert_engine_ok(engine_image_load(ctx2, tarball, NULL, &loaded));
	ck_assert_uint_eq(loaded.count, 1);
	ck_assert_str_eq(loaded.strings[0], want);
	engine_strarray_dispose(&loaded);
	id = fx_image_id(ctx2, want);
	ck_assert_str_eq(id, want);
	/* Loading again is idempotent. */
	ck_assert_engine_ok(engine_image_load(ctx2, tarball, NULL, NULL));
	ck_assert_uint_eq(fx_count_images(ctx2), 1);
	engine_context_free(ctx2);

	/* A full "name:tag" names the untagged image. */
	ctx3 = fx_other_store(&f, "root3", &root3);
	o.tag = "example.com/ns/app:2";
	ck_assert_engine_ok(engine_image_load(ctx3, tarball, &o, &loaded));
	ck_assert_str_eq(loaded.strings[0], "example.com/ns/app:2");
	engine_strarray_dispose(&loaded);
	engine_context_free(ctx3);

	/* One manifest under two ref.names: one image, both tags. */
	ck_assert_int_eq(fx_sh("umoci tag --image '%s:base' v2", f.layout), 0);
	o.tag = "two";
	ck_assert_engine_ok(engine_image_load(f.ctx, f.layout, &o, &loaded));
	ck_assert_uint_eq(loaded.count, 2);
	ck_assert_str_eq(loaded.strings[0], "two:base");
	ck_assert_str_eq(loaded.strings[1], "two:v2");
	engine_strarray_dispose(&loaded);
	ck_assert_uint_eq(fx_count_images(f.ctx), 1);
	free(id);
	id = fx_image_id(f.ctx, "two:v2");
	ck_assert_str_eq(id, want);
	fx_teardown(&f);
}
END_TEST

START_TEST(test_image_formats__unpack_matches_umoci)
{
	FX_REQUIRE("umoci");
	struct fx f;
	engine_image_load_options o = ENGINE_IMAGE_LOAD_OPTIONS_INIT;
	cleanup_free char *mine = NULL, *theirs = NULL;
	const char *srcdir = getenv("top_srcdir");

	fx_setup(&f, "fmt-unpack");
	o.tag = "fx:1";
	ck_assert_engine_ok(engine_image_load(f.ctx, f.layout, &o, NULL));
	mine = fx_path(f.tmp, "mine");
	theirs = fx_path(f.tmp, "U");
	ck_assert_engine_ok(engine_image_unpack(f.ctx, "fx:1", mine));
	ck_assert_int_eq(fx_sh("cd '%s' && umoci unpack --image L:base U >/dev/null", f.tmp), 0);
	ck_assert_int_eq(fx_sh("/usr/bin/python3 '%s/tests/resources/tree_compare.py' '%s/rootfs' '%s'",
			       srcdir ? srcdir : "../..", theirs, mine),
			 0);
	/* The zstd copy of the same image unpacks to the same tree. */
	if (fx_have("skopeo")) {
		cleanup_free char *z = fx_path(f.tmp, "mine-zstd");

		ck_assert_int_eq(
		    fx_sh("cd '%s' && skopeo copy -q --dest-compress-format zstd oci:L:base oci:Z:base && "
			  "tar -C Z -cf Z.tar .",
			  f.tmp),
		    0);
		cleanup_free char *ztar = fx_path(f.tmp, "Z.tar");
		o.tag = "fx:zstd";
		ck_assert_engine_ok(engine_image_load(f.ctx, ztar, &o, NULL));
		ck_assert_engine_ok(engine_image_unpack(f.ctx, "fx:zstd", z));
		ck_assert_int_eq(
		    fx_sh("/usr/bin/python3 '%s/tests/resources/tree_compare.py' '%s/rootfs' '%s'",
			  srcdir ? srcdir : "../..", theirs, z),
		    0);
	}
	fx_teardown(&f);
}
END_TEST

START_TEST(test_image_formats__skopeo_archives)
{
	FX_REQUIRE("umoci");
	FX_REQUIRE("skopeo");
	struct fx f;
	engine_strarray loaded = {NULL, 0};
	cleanup_free char *want = NULL, *id = NULL, *legacy_id = NULL, *zid = NULL;
	cleanup_free char *root2 = NULL;
	struct fx_image img, zimg;
	engine_image_load_options o = ENGINE_IMAGE_LOAD_OPTIONS_INIT;
	engine_context *ctx2;

	fx_setup(&f, "fmt-skopeo");
	want = layout_config_digest(f.layout);
	ck_assert_int_eq(fx_sh("cd '%s' && skopeo copy -q oci:L:base docker-archive:da.tar:my/img:v1 && "
			       "skopeo copy -q oci:L:base oci-archive:oa.tar:name:tag && "
			       "skopeo copy -q --dest-compress-format zstd oci:L:base oci:Z:base",
			       f.tmp),
			 0);
	/* docker-archive from skopeo: <diffid>.tar layers behind <id>/layer.tar symlinks. */
	cleanup_free char *da = fx_path(f.tmp, "da.tar");
	ck_assert_engine_ok(engine_image_load(f.ctx, da, NULL, &loaded));
	ck_assert_uint_eq(loaded.count, 1);
	ck_assert_str_eq(loaded.strings[0], "my/img:v1");
	engine_strarray_dispose(&loaded);
	id = fx_image_id(f.ctx, "my/img:v1");
	ck_assert_str_eq(id, want);

	/* oci-archive: ref.name is a full reference. */
	cleanup_free char *oa = fx_path(f.tmp, "oa.tar");
	ck_assert_engine_ok(engine_image_load(f.ctx, oa, NULL, &loaded));
	ck_assert_str_eq(loaded.strings[0], "name:tag");
	engine_strarray_dispose(&loaded);
	ck_assert_uint_eq(fx_count_images(f.ctx), 1);

	/* zstd layers: same image, other blobs. */
	cleanup_free char *z = fx_path(f.tmp, "Z");
	ctx2 = fx_other_store(&f, "root2", &root2);
	o.tag = "z";
	ck_assert_engine_ok(engine_image_load(ctx2, z, &o, &loaded));
	ck_assert_str_eq(loaded.strings[0], "z:base");
	engine_strarray_dispose(&loaded);
	fx_image_get(ctx2, "z:base", &zimg);
	fx_image_get(f.ctx, "name:tag", &img);
	ck_assert_str_eq(zimg.id, want);
	ck_assert_str_ne(fx_layer(&zimg, 0), fx_layer(&img, 0));
	ck_assert_str_eq(fx_diff_id(&zimg, 2), fx_diff_id(&img, 2));
	fx_image_put(&img);
	fx_image_put(&zimg);
	engine_context_free(ctx2);

	/* The legacy layout with real <id>/layer.tar files (no symlinks). */
	ck_assert_int_eq(
	    fx_sh("cd '%s' && mkdir X && tar -C X -xf da.tar && "
		  "for l in X/*/layer.tar; do t=$(basename \"$(readlink $l)\"); "
		  "cp --remove-destination X/$t $l; rm X/$t; "
		  "sed -i \"s|\\\"$t\\\"|\\\"${l#X/}\\\"|\" X/manifest.json; done && "
		  "! grep -q '[0-9a-f]\\.tar\"' X/manifest.json && tar -C X -cf legacy.tar . && rm -rf X",
		  f.tmp),
	    0);
	cleanup_free char *legacy = fx_path(f.tmp, "legacy.tar");
	engine_context_free(f.ctx);
	th_cleanup_dir(f.root);
	f.root = fx_path(f.tmp, "root");
	f.ctx = th_context(f.root);
	ck_assert_engine_ok(engine_image_load(f.ctx, legacy, NULL, &loaded));
	ck_assert_str_eq(loaded.strings[0], "my/img:v1");
	engine_strarray_dispose(&loaded);
	legacy_id = fx_image_id(f.ctx, "my/img:v1");
	ck_assert_str_eq(legacy_id, want);
	fx_teardown(&f);
}
END_TEST

/* Add an arm64 twin of the layout's image and put both behind a nested
 * index, the way multi-platform images are laid out. */
static void make_multi_platform(const char *layout, char arm_id[ENGINE__DIGEST_LEN + 1])
{
	cleanup_free char *index_path = fx_path(layout, "index.json");
	json_object *index = fx_json_file(index_path);
	json_object *amd_desc =
	    json_object_get(json_object_array_get_idx(json_object_object_get(index, "manifests"), 0));
	cleanup_free char *mpath = NULL, *cpath = NULL;
	json_object *manifest, *config, *nested, *arr, *top, *d, *ann;
	char mdigest[ENGINE__DIGEST_LEN + 1], idigest[ENGINE__DIGEST_LEN + 1];
	const char *s;

	json_object_put(index);
	if (asprintf(&mpath, "%s/blobs/sha256/%s", layout,
		     json_object_get_string(json_object_object_get(amd_desc, "digest")) + 7) < 0)
		abort();
	manifest = fx_json_file(mpath);
	if (asprintf(&cpath, "%s/blobs/sha256/%s", layout,
		     json_object_get_string(
			 json_object_object_get(json_object_object_get(manifest, "config"), "digest")) +
			 7) < 0)
		abort();
	config = fx_json_file(cpath);
	json_object_object_add(config, "architecture", json_object_new_string("arm64"));
	s = json_object_to_json_string_ext(config, JSON_C_TO_STRING_PLAIN);
	fx_put_blob(layout, s, strlen(s), arm_id);
	d = json_object_object_get(manifest, "config");
	json_object_object_add(d, "digest", json_object_new_string(arm_id));
	json_object_object_add(d, "size", json_object_new_int64((int64_t)strlen(s)));
	s = json_object_to_json_string_ext(manifest, JSON_C_TO_STRING_PLAIN);
	fx_put_blob(layout, s, strlen(s), mdigest);

	/* arm64 says so in its descriptor; amd64 only in its config. */
	nested = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(nested, "schemaVersion", json_object_new_int(2));
	json_object_object_add(nested, "mediaType",
			       json_object_new_string("application/vnd.oci.image.index.v1+json"));
	json_object_object_add(nested, "manifests", arr);
	d = json_object_new_object();
	json_object_object_add(d, "mediaType",
			       json_object_new_string("application/vnd.oci.image.manifest.v1+json"));
	json_object_object_add(d, "digest", json_object_new_string(mdigest));
	json_object_object_add(d, "size", json_object_new_int64((int64_t)strlen(s)));
	json_object *plat = json_object_new_object();
	json_object_object_add(plat, "os", json_object_new_string("linux"));
	json_object_object_add(plat, "architecture", json_object_new_string("arm64"));
	json_object_object_add(d, "platform", plat);
	json_object_array_add(arr, d);
	json_object_object_del(amd_desc, "annotations");
	json_object_array_add(arr, amd_desc);
	s = json_object_to_json_string_ext(nested, JSON_C_TO_STRING_PLAIN);
	fx_put_blob(layout, s, strlen(s), idigest);

	top = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(top, "schemaVersion", json_object_new_int(2));
	json_object_object_add(top, "manifests", arr);
	d = json_object_new_object();
	json_object_object_add(d, "mediaType",
			       json_object_new_string("application/vnd.oci.image.index.v1+json"));
	json_object_object_add(d, "digest", json_object_new_string(idigest));
	json_object_object_add(d, "size", json_object_new_int64((int64_t)strlen(s)));
	ann = json_object_new_object();
	json_object_object_add(ann, "io.containerd.image.name",
			       json_object_new_string("docker.io/library/multi:1"));
	json_object_object_add(d, "annotations", ann);
	json_object_array_add(arr, d);
	fx_write(index_path, json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN));
	json_object_put(top);
	json_object_put(nested);
	json_object_put(manifest);
	json_object_put(config);
}

START_TEST(test_image_formats__multi_platform_index)
{
	FX_REQUIRE("umoci");
	struct fx f;
	engine_image_load_options o = ENGINE_IMAGE_LOAD_OPTIONS_INIT;
	engine_strarray loaded = {NULL, 0};
	char arm_id[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *amd_id = NULL, *id = NULL, *root2 = NULL, *root3 = NULL;
	engine_context *ctx2, *ctx3;

	fx_setup(&f, "fmt-multi");
	amd_id = layout_config_digest(f.layout);
	make_multi_platform(f.layout, arm_id);

	ck_assert_engine_ok(engine_image_load(f.ctx, f.layout, NULL, &loaded));
	ck_assert_uint_eq(loaded.count, 1);
	ck_assert_str_eq(loaded.strings[0], "multi:1");
	engine_strarray_dispose(&loaded);
	id = fx_image_id(f.ctx, "multi:1");
	ck_assert_str_eq(id, amd_id);

	ctx2 = fx_other_store(&f, "root2", &root2);
	o.platform = "linux/arm64";
	ck_assert_engine_ok(engine_image_load(ctx2, f.layout, &o, NULL));
	free(id);
	id = fx_image_id(ctx2, "multi:1");
	ck_assert_str_eq(id, arm_id);
	engine_context_free(ctx2);

	ctx3 = fx_other_store(&f, "root3", &root3);
	o.platform = "linux/s390x";
	ck_assert_engine_error(
	    engine_image_load(ctx3, f.layout, &o, NULL), ENGINE_EINVALID,
	    "no image for platform linux/s390x (the archive has linux/arm64/v8, linux/amd64)");
	fx_assert_nothing_stored(ctx3, root3);
	o.platform = "linux";
	ck_assert_engine_error(engine_image_load(ctx3, f.layout, &o, NULL), ENGINE_EINVALID,
			       "platform \"linux\": expected os/arch[/variant]");
	engine_context_free(ctx3);
	fx_teardown(&f);
}
END_TEST

/* Each broken archive fails with a message naming what is wrong, and
 * leaves the store empty. */
static void expect_load_error(const char *root, const char *path, const char *platform, const char *tag,
			      int code, const char *needle)
{
	engine_context *ctx = th_context(root);
	engine_image_load_options o = ENGINE_IMAGE_LOAD_OPTIONS_INIT;

	o.platform = platform;
	o.tag = tag;
	ck_assert_engine_error(engine_image_load(ctx, path, &o, NULL), code, needle);
	fx_assert_nothing_stored(ctx, root);
	engine_context_free(ctx);
	engine__rm_rf(root);
}

/* The digest of layer @idx of the layout's manifest. */
static char *layout_layer(const char *layout, size_t idx)
{
	cleanup_free char *index_path = fx_path(layout, "index.json");
	json_object *index = fx_json_file(index_path), *m, *layers;
	cleanup_free char *mpath = NULL;
	char *out;

	m = json_object_array_get_idx(json_object_object_get(index, "manifests"), 0);
	if (asprintf(&mpath, "%s/blobs/sha256/%s", layout,
		     json_object_get_string(json_object_object_get(m, "digest")) + 7) < 0)
		abort();
	json_object_put(index);
	m = fx_json_file(mpath);
	layers = json_object_object_get(m, "layers");
	out = strdup(
	    json_object_get_string(json_object_object_get(json_object_array_get_idx(layers, idx), "digest")));
	json_object_put(m);
	return out;
}

/* Layers over the in-memory size of a member are copied in several at a
 * time; a bad one is still reported by name, in order, and nothing stays. */
START_TEST(test_image_formats__large_layers_staged_together)
{
	FX_REQUIRE("umoci");
	char *tmp = th_mkdtemp("fmt-large");
	cleanup_free char *root = fx_path(tmp, "root"), *layout = fx_path(tmp, "B"),
			  *mism = fx_path(tmp, "mism");
	cleanup_free char *miss = fx_path(tmp, "miss"), *l1 = NULL, *l2 = NULL, *needle = NULL;
	engine_context *ctx;

	ck_assert_int_eq(
	    fx_sh("set -e; cd '%s'; umoci init --layout B; umoci new --image B:t\n"
		  "for i in 1 2 3; do mkdir -p d$i/l$i; head -c $((i * 1500000)) /dev/urandom > d$i/l$i/f\n"
		  "  tar -C d$i -cf l$i.tar l$i; umoci raw add-layer --image B:t l$i.tar; done",
		  tmp),
	    0);
	l1 = layout_layer(layout, 1);
	l2 = layout_layer(layout, 2);
	ck_assert_int_eq(
	    fx_sh("set -e; cd '%s'; cp -a B mism; head -c 2000000 /dev/urandom > mism/blobs/sha256/%s\n"
		  "cp -a B miss; rm miss/blobs/sha256/%s",
		  tmp, engine__digest_hex(l1), engine__digest_hex(l2)),
	    0);
	ctx = th_context(root);
	ck_assert_engine_ok(engine_image_load(ctx, layout, NULL, NULL));
	ck_assert_int_eq(fx_sh("test $(find '%s/layers' -path '*/diff/l*/f' -type f | wc -l) = 3 && "
			       "test $(find '%s/layers' -path '*/diff/l3/f' -size 4500000c | wc -l) = 1",
			       root, root),
			 0);
	engine_context_free(ctx);
	engine__rm_rf(root);
	if (asprintf(&needle, "blob %s: digest mismatch: the archive holds sha256:", l1) < 0)
		abort();
	expect_load_error(root, mism, NULL, NULL, ENGINE_EINVALID, needle);
	free(needle);
	if (asprintf(&needle, "blob %s: missing from the archive", l2) < 0)
		abort();
	expect_load_error(root, miss, NULL, NULL, ENGINE_EINVALID, needle);
	th_cleanup_dir(tmp);
}
END_TEST

/* A failed load leaves @n layers (those below the failure) and nothing in
 * the store's tmp. */
static void assert_layers_left(const char *root, int n)
{
	ck_assert_int_eq(fx_sh("test $(ls -A '%s/layers' 2>/dev/null | wc -l) = %d && "
			       "test -z \"$(ls -A '%s/tmp' 2>/dev/null)\"",
			       root, n, root),
			 0);
}

/* A layer not unpacked yet is unpacked from the same read that copies its
 * blob in, before the digest is checked: a blob that unpacks to the right
 * diff ID but is not the one the manifest names (recompressed), a corrupt
 * stream whose digest matches, and bytes after the gzip stream (which the
 * digest covers) — through either inflater. */
START_TEST(test_image_formats__layers_unpacked_as_copied)
{
	FX_REQUIRE("umoci");
	cleanup_free char *srcdir = realpath(getenv("top_srcdir") ? getenv("top_srcdir") : "../..", NULL);
	char *tmp = th_mkdtemp("fmt-copy");
	cleanup_free char *root = fx_path(tmp, "root"), *trail = fx_path(tmp, "trail"),
			  *regz = fx_path(tmp, "regz"), *flip = fx_path(tmp, "flip"), *l1 = NULL;

	ck_assert_int_eq(
	    fx_sh("set -e; cd '%s'; exec >/dev/null; umoci init --layout B; umoci new --image B:t\n"
		  "for i in 1 2 3; do mkdir -p d$i/l$i; seq $((i * 150000)) > d$i/l$i/f; ln -s f d$i/l$i/s\n"
		  "  tar -C d$i -cf l$i.tar l$i; umoci raw add-layer --image B:t l$i.tar; done\n"
		  "py='%s/tests/resources/layout_edit.py'\n"
		  "cp -a B trail; /usr/bin/python3 \"$py\" trail 2 trail\n"
		  "cp -a B flip; /usr/bin/python3 \"$py\" flip 1 flip\n",
		  tmp, srcdir),
	    0);
	l1 = layout_layer(trail, 1);
	ck_assert_int_eq(fx_sh("set -e; cd '%s'; cp -a B regz; b=regz/blobs/sha256/%s\n"
			       "zcat $b | gzip -1 > z; ! cmp -s z $b; cat z > $b",
			       tmp, engine__digest_hex(l1)),
			 0);
	for (int inflater = ENGINE__INFLATER_AUTO; inflater <= ENGINE__INFLATER_LIBARCHIVE; inflater++) {
		cleanup_free char *flipped = layout_layer(flip, 1), *needle = NULL;
		engine_context *ctx = th_context(root);

		engine__layer_stream_force_inflater(inflater);
		ck_assert_engine_ok(engine_image_load(ctx, trail, NULL, NULL));
		ck_assert_int_eq(
		    fx_sh("set -e; cd '%s'; test $(ls layers | wc -l) = 3\n"
			  "test $(find layers -path '*/diff/l3/f' -size $(seq 450000 | wc -c)c | "
			  "wc -l) = 1\n"
			  "for b in blobs/sha256/*; do echo \"${b##*/}  $b\"; done | sha256sum -c --quiet",
			  root),
		    0);
		engine_context_free(ctx);
		engine__rm_rf(root);
		if (asprintf(&needle, "blob %s: digest mismatch: the archive holds sha256:", l1) < 0)
			abort();
		ctx = th_context(root);
		ck_assert_engine_error(engine_image_load(ctx, regz, NULL, NULL), ENGINE_EINVALID, needle);
		fx_assert_nothing_stored(ctx, root);
		assert_layers_left(root, 0);
		engine_context_free(ctx);
		engine__rm_rf(root);
		free(needle);
		/* The digest is right: the blobs are stored, the layer below
		 * too, not the one that failed nor the one above. */
		ctx = th_context(root);
		if (asprintf(&needle, "layer %s", flipped) < 0)
			abort();
		ck_assert_engine_error(engine_image_load(ctx, flip, NULL, NULL), ENGINE_EINVALID, needle);
		ck_assert_int_eq(fx_count_images(ctx), 0);
		assert_layers_left(root, 1);
		engine_context_free(ctx);
		engine__rm_rf(root);
	}
	engine__layer_stream_force_inflater(ENGINE__INFLATER_AUTO);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_formats__rejects_broken_archives)
{
	FX_REQUIRE("umoci");
	FX_REQUIRE("skopeo");
	struct fx f;
	cleanup_free char *root = NULL, *layer = NULL, *config = NULL, *needle = NULL;

	fx_setup(&f, "fmt-bad");
	root = fx_path(f.tmp, "empty");
	layer = layout_layer(f.layout, 0);
	config = layout_config_digest(f.layout);
	ck_assert_int_eq(
	    fx_sh("set -e; cd '%s'\n"
		  "skopeo copy -q oci:L:base docker-archive:da.tar:my/img:v1\n"
		  "tar -C L -cf L.tar .; head -c $(( $(stat -c %%s L.tar) / 2 + 77 )) L.tar > trunc.tar\n"
		  "cp -a L badjson; echo '{\"manifests\": [' > badjson/index.json\n"
		  "cp -a L nolayout; rm nolayout/oci-layout\n"
		  "cp -a L miss; rm miss/blobs/sha256/%s\n"
		  "cp -a L mism; echo garbage > mism/blobs/sha256/%s; tar -C mism -cf mism.tar .\n"
		  "mkdir dabad; tar -C dabad -xf da.tar; echo '[{\"Config\": ' > dabad/manifest.json\n"
		  "tar -C dabad -cf dabad.tar .\n"
		  "mkdir dacfg; tar -C dacfg -xf da.tar; echo ' ' >> dacfg/%s.json; tar -C dacfg -cf "
		  "dacfg.tar .\n"
		  "mkdir dadiff; tar -C dadiff -xf da.tar; f=$(ls dadiff/*.tar | head -n 1)\n"
		  "tar -C nolayout -cf \"$f\" oci-layout 2>/dev/null || tar -C L -cf \"$f\" oci-layout\n"
		  "tar -C dadiff -cf dadiff.tar .\n"
		  "mkdir nothing; echo hi > nothing/file\n"
		  "mkdir daesc; tar -C daesc -xf da.tar; f=$(ls daesc/*.tar | head -n 1)\n"
		  "sed -i \"s|${f#daesc/}|../../../../etc/passwd|\" daesc/manifest.json\n"
		  "mkdir dalink; tar -C dalink -xf da.tar; f=$(ls dalink/*.tar | head -n 1)\n"
		  "rm \"$f\"; ln -s /etc/passwd \"$f\"\n",
		  f.tmp, engine__digest_hex(layer), engine__digest_hex(layer), engine__digest_hex(config)),
	    0);

#define P(name) fx_path(f.tmp, name)
	cleanup_free char *trunc = P("trunc.tar"), *badjson = P("badjson"), *nolayout = P("nolayout"),
			  *miss = P("miss"), *mism = P("mism"), *mism_tar = P("mism.tar"),
			  *dabad = P("dabad.tar"), *dacfg = P("dacfg.tar"), *dadiff = P("dadiff.tar"),
			  *nothing = P("nothing"), *absent = P("absent"), *daesc = P("daesc"),
			  *dalink = P("dalink");
#undef P
	expect_load_error(root, trunc, NULL, NULL, ENGINE_EINVALID, "runcated");
	expect_load_error(root, badjson, NULL, NULL, ENGINE_EINVALID, "index.json: invalid JSON at offset");
	expect_load_error(root, nolayout, NULL, NULL, ENGINE_EINVALID,
			  "not an OCI image layout: no oci-layout file");
	expect_load_error(root, dabad, NULL, NULL, ENGINE_EINVALID, "manifest.json: invalid JSON at offset");
	if (asprintf(&needle, "blob %s: missing from the archive", layer) < 0)
		abort();
	expect_load_error(root, miss, NULL, NULL, ENGINE_EINVALID, needle);
	free(needle);
	if (asprintf(&needle, "blob %s: digest mismatch: the archive holds sha256:", layer) < 0)
		abort();
	expect_load_error(root, mism, NULL, NULL, ENGINE_EINVALID, needle);
	expect_load_error(root, mism_tar, NULL, NULL, ENGINE_EINVALID, needle);
	free(needle);
	if (asprintf(&needle, "config %s: digest mismatch: the archive holds sha256:", config) < 0)
		abort();
	expect_load_error(root, dacfg, NULL, NULL, ENGINE_EINVALID, needle);
	expect_load_error(root, dadiff, NULL, NULL, ENGINE_EINVALID,
			  "uncompressed content does not match diff_id");
	/* Paths and links out of an archive directory are never followed. */
	expect_load_error(root, daesc, NULL, NULL, ENGINE_EINVALID,
			  "manifest.json: layer: path \"../../../../etc/passwd\" escapes the archive");
	expect_load_error(root, dalink, NULL, NULL, ENGINE_EINVALID, ".tar: no such file in ");
	expect_load_error(root, f.layout, "linux/arm64", NULL, ENGINE_EINVALID,
			  "no image for platform linux/arm64 (the archive has linux/amd64)");
	expect_load_error(
	    root, nothing, NULL, NULL, ENGINE_EINVALID,
	    "neither an OCI image layout (no index.json) nor a docker-archive (no manifest.json)");
	expect_load_error(root, f.layout, NULL, "Not/A Name", ENGINE_EINVALID, "Not/A Name");
	expect_load_error(root, absent, NULL, NULL, ENGINE_ENOTFOUND, "absent: no such file or directory");
	fx_teardown(&f);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("image_formats");
	TCase *tc = tcase_create("load");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_image_formats__oci_layout_dir_and_tar);
	tcase_add_test(tc, test_image_formats__large_layers_staged_together);
	tcase_add_test(tc, test_image_formats__layers_unpacked_as_copied);
	tcase_add_test(tc, test_image_formats__unpack_matches_umoci);
	tcase_add_test(tc, test_image_formats__skopeo_archives);
	tcase_add_test(tc, test_image_formats__multi_platform_index);
	tcase_add_test(tc, test_image_formats__rejects_broken_archives);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite(), 1);
}
