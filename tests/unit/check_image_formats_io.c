/* Image formats, the other directions: importing rootfs tarballs, saving
 * to OCI and docker-archive tars (read back by us and by skopeo), and the
 * built-in busybox image. */
#include <errno.h>
#include <fcntl.h>

#include "image_fixtures.h"

#include "util/cleanup.h"

static void make_rootfs_tarballs(const char *tmp)
{
	ck_assert_int_eq(fx_sh("set -e; cd '%s'; mkdir -p rootfs/etc rootfs/bin; echo hi > rootfs/etc/motd\n"
			       "printf x > rootfs/bin/tool; chmod 4755 rootfs/bin/tool\n"
			       "tar --numeric-owner -C rootfs -czf rootfs.tar.gz .\n"
			       "echo xz > rootfs/etc/xz; tar --numeric-owner -C rootfs -cJf rootfs.tar.xz .\n"
			       "tar --numeric-owner -C rootfs -cf rootfs.tar .\n"
			       "echo 'not a tarball at all' | gzip > junk.gz\n",
			       tmp),
			 0);
}

START_TEST(test_image_formats__import_with_config)
{
	char *tmp = th_mkdtemp("fmt-import");
	cleanup_free char *root = fx_path(tmp, "root"), *gz = NULL, *xz = NULL;
	engine_context *ctx = th_context(root);
	engine_image_import_options o;
	char *env[] = {"A=1", "PATH=/bin"}, *cmd[] = {"/bin/sh", "-c", "echo hi"}, *ep[] = {"/init"};
	char *labels[] = {"maintainer=me", "empty="}, *ports[] = {"80", "53/udp"}, *vols[] = {"/data"};
	struct fx_image img;
	char *id = NULL, *id2 = NULL;
	int fd;

	make_rootfs_tarballs(tmp);
	gz = fx_path(tmp, "rootfs.tar.gz");
	xz = fx_path(tmp, "rootfs.tar.xz");
	ck_assert_engine_ok(engine_image_import_options_init(&o, ENGINE_IMAGE_IMPORT_OPTIONS_VERSION));
	o.ref = "imported:1";
	o.env = (engine_strarray){env, 2};
	o.cmd = (engine_strarray){cmd, 3};
	o.entrypoint = (engine_strarray){ep, 1};
	o.labels = (engine_strarray){labels, 2};
	o.exposed_ports = (engine_strarray){ports, 2};
	o.volumes = (engine_strarray){vols, 1};
	o.working_dir = "/srv";
	o.user = "nobody";
	ck_assert_engine_ok(engine_image_import(ctx, gz, -1, &o, &id));
	ck_assert(engine__digest_valid(id));
	fx_image_get(ctx, "imported:1", &img);
	ck_assert_str_eq(img.id, id);
	ck_assert_uint_eq(fx_cfg_len(&img, "Env"), 2);
	ck_assert_str_eq(fx_cfg_idx(&img, "Env", 1), "PATH=/bin");
	ck_assert_str_eq(fx_cfg_idx(&img, "Cmd", 2), "echo hi");
	ck_assert_str_eq(fx_cfg_idx(&img, "Entrypoint", 0), "/init");
	ck_assert_str_eq(fx_cfg_str(&img, "WorkingDir"), "/srv");
	ck_assert_str_eq(fx_cfg_str(&img, "User"), "nobody");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(fx_cfg(&img, "Labels"), "maintainer")),
			 "me");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(fx_cfg(&img, "Labels"), "empty")), "");
	ck_assert(json_object_object_get_ex(fx_cfg(&img, "ExposedPorts"), "80/tcp", NULL));
	ck_assert(json_object_object_get_ex(fx_cfg(&img, "ExposedPorts"), "53/udp", NULL));
	ck_assert(json_object_object_get_ex(fx_cfg(&img, "Volumes"), "/data", NULL));
	ck_assert_str_eq(json_object_get_string(json_object_object_get(img.config, "os")), "linux");
	ck_assert_uint_eq(fx_nlayers(&img), 1);
	/* gzip is stored as is: the blob is not its diff. */
	ck_assert_str_ne(fx_layer(&img, 0), fx_diff_id(&img, 0));
	fx_image_put(&img);

	/* xz from an fd: stored decompressed (the store unpacks tar, gzip, zstd). */
	fd = open(xz, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_engine_ok(engine_image_import(ctx, NULL, fd, NULL, &id2));
	close(fd);
	fx_image_get(ctx, id2, &img);
	ck_assert_str_eq(fx_layer(&img, 0), fx_diff_id(&img, 0));
	ck_assert_uint_eq(fx_cfg_len(&img, "Env"), 0);
	/* Same rootfs, same diff, whatever the compression. */
	fx_image_put(&img);

	engine_free(id);
	engine_free(id2);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_formats__import_rejects_bad_input)
{
	char *tmp = th_mkdtemp("fmt-import-bad");
	cleanup_free char *root = fx_path(tmp, "root"), *junk = NULL, *tar = NULL, *absent = NULL;
	engine_context *ctx = th_context(root);
	engine_image_import_options o = ENGINE_IMAGE_IMPORT_OPTIONS_INIT;
	char *bad_label[] = {"novalue"}, *bad_port[] = {"http"}, *bad_env[] = {"=x"};

	make_rootfs_tarballs(tmp);
	junk = fx_path(tmp, "junk.gz");
	tar = fx_path(tmp, "rootfs.tar");
	absent = fx_path(tmp, "absent.tar");
	ck_assert_engine_error(engine_image_import(ctx, junk, -1, NULL, NULL), ENGINE_EINVALID,
			       "not a tar archive (after decompression)");
	ck_assert_engine_error(engine_image_import(ctx, absent, -1, NULL, NULL), ENGINE_ENOTFOUND,
			       "no such file");
	o.labels = (engine_strarray){bad_label, 1};
	ck_assert_engine_error(engine_image_import(ctx, tar, -1, &o, NULL), ENGINE_EINVALID,
			       "label \"novalue\": expected key=value");
	o.labels = (engine_strarray){NULL, 0};
	o.exposed_ports = (engine_strarray){bad_port, 1};
	ck_assert_engine_error(engine_image_import(ctx, tar, -1, &o, NULL), ENGINE_EINVALID,
			       "exposed port \"http\": expected PORT[/PROTO]");
	o.exposed_ports = (engine_strarray){NULL, 0};
	o.env = (engine_strarray){bad_env, 1};
	ck_assert_engine_error(engine_image_import(ctx, tar, -1, &o, NULL), ENGINE_EINVALID,
			       "env \"=x\": expected KEY=VALUE");
	fx_assert_nothing_stored(ctx, root);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

/* Save in @format, load into an empty store: same ID and tags; skopeo reads it. */
static void round_trip(engine_context *ctx, const char *tmp, int format, const char *skopeo_transport)
{
	cleanup_free char *out =
	    fx_path(tmp, format == ENGINE_IMAGE_FORMAT_OCI ? "saved-oci.tar" : "saved-docker.tar");
	cleanup_free char *root2 =
	    fx_path(tmp, format == ENGINE_IMAGE_FORMAT_OCI ? "root-oci" : "root-docker");
	cleanup_free char *want = fx_image_id(ctx, "imported:1"), *want_other = fx_image_id(ctx, "other:2");
	cleanup_free char *got = NULL, *got_other = NULL, *got_alias = NULL;
	char *refs[] = {"imported:1", "alias", "other:2"};
	engine_strarray r = {refs, 3}, loaded = {NULL, 0};
	engine_context *ctx2;

	ck_assert_engine_ok(engine_image_save(ctx, &r, out, format));
	/* Streamed to an fd: the same bytes, no temporary file. */
	{
		cleanup_free char *streamed = fx_path(tmp, "streamed.tar");
		int fd = open(streamed, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		ck_assert_int_ge(fd, 0);
		ck_assert_engine_ok(engine_image_save_fd(ctx, &r, fd, format));
		close(fd);
		ck_assert_int_eq(fx_sh("cmp -s '%s' '%s'", out, streamed), 0);
		unlink(streamed);
		ck_assert_engine_error(engine_image_save_fd(ctx, &r, -1, format), ENGINE_EINVALID, "output");
	}
	/* skopeo names images in an OCI archive by ref.name, in a docker
	 * archive by RepoTags. */
	ck_assert_int_eq(
	    fx_sh("skopeo inspect %s:'%s':imported:1 | grep -q '\"Digest\"' && "
		  "skopeo inspect --config %s:'%s':other:2 | grep -q '\"comment\": \"another one\"'",
		  skopeo_transport, out, skopeo_transport, out),
	    0);
	ctx2 = th_context(root2);
	ck_assert_engine_ok(engine_image_load(ctx2, out, NULL, &loaded));
	ck_assert_uint_eq(loaded.count, 3);
	engine_strarray_dispose(&loaded);
	got = fx_image_id(ctx2, "imported:1");
	got_alias = fx_image_id(ctx2, "alias:latest");
	got_other = fx_image_id(ctx2, "other:2");
	ck_assert_str_eq(got, want);
	ck_assert_str_eq(got_alias, want);
	ck_assert_str_eq(got_other, want_other);
	ck_assert_uint_eq(fx_count_images(ctx2), 2);
	engine_context_free(ctx2);
}

START_TEST(test_image_formats__save_round_trips)
{
	FX_REQUIRE("skopeo");
	char *tmp = th_mkdtemp("fmt-save");
	cleanup_free char *root = fx_path(tmp, "root"), *gz = NULL, *tar = NULL, *out = NULL, *bad = NULL;
	engine_context *ctx = th_context(root);
	engine_image_import_options o = ENGINE_IMAGE_IMPORT_OPTIONS_INIT;
	char *missing[] = {"imported:1", "nosuch:1"};
	engine_strarray refs = {missing, 2};

	make_rootfs_tarballs(tmp);
	gz = fx_path(tmp, "rootfs.tar.gz");
	tar = fx_path(tmp, "rootfs.tar");
	o.ref = "imported:1";
	ck_assert_engine_ok(engine_image_import(ctx, gz, -1, &o, NULL));
	{
		char id[ENGINE__DIGEST_LEN + 1];

		ck_assert_engine_ok(engine__image_lookup(ctx, "imported:1", id));
		ck_assert_engine_ok(engine__image_tag(ctx, id, "alias"));
	}
	o.ref = "other:2";
	o.comment = "another one";
	ck_assert_engine_ok(engine_image_import(ctx, tar, -1, &o, NULL));

	round_trip(ctx, tmp, ENGINE_IMAGE_FORMAT_OCI, "oci-archive");
	round_trip(ctx, tmp, ENGINE_IMAGE_FORMAT_DOCKER_ARCHIVE, "docker-archive");
	/* skopeo copies what we save into a layout umoci can read. */
	ck_assert_int_eq(fx_sh("cd '%s' && skopeo copy -q docker-archive:saved-docker.tar:other:2 oci:C:c && "
			       "skopeo copy -q oci-archive:saved-oci.tar:alias:latest oci:C:d",
			       tmp),
			 0);

	/* A failed save leaves no file behind. */
	out = fx_path(tmp, "failed.tar");
	ck_assert_engine_error(engine_image_save(ctx, &refs, out, ENGINE_IMAGE_FORMAT_OCI), ENGINE_ENOTFOUND,
			       "nosuch");
	ck_assert(!engine__path_exists(out));
	bad = fx_path(tmp, "no/such/dir/out.tar");
	refs.count = 1;
	ck_assert_engine_error(engine_image_save(ctx, &refs, bad, ENGINE_IMAGE_FORMAT_OCI), ENGINE_ENOTFOUND,
			       "no/such/dir/out.tar");
	ck_assert_engine_error(engine_image_save(ctx, &refs, out, 7), ENGINE_EINVALID, "unknown format 7");
	ck_assert_int_eq(fx_sh("ls '%s' | grep -c tmp- | grep -qx 0", tmp), 0);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_formats__default_busybox)
{
	char *tmp = th_mkdtemp("fmt-default");
	cleanup_free char *root = fx_path(tmp, "root"), *root2 = fx_path(tmp, "root2"), *dir = NULL;
	cleanup_free char *sh = NULL, *bb = NULL, *passwd = NULL, *tmpdir = NULL, *absent = NULL;
	engine_context *ctx, *ctx2;
	char *id = NULL, *again = NULL, *other = NULL, *content = NULL;
	struct fx_image img;
	engine__image_rootfs *rootfs = NULL;
	struct stat st_sh, st_bb, st_tmp;

	if (access("/bin/busybox", X_OK) != 0) {
		th_cleanup_dir(tmp);
		TH_SKIP("/bin/busybox missing");
	}
	ctx = th_context(root);
	ck_assert_engine_ok(engine_image_create_default(ctx, NULL, &id));
	ck_assert_engine_ok(engine_image_create_default(ctx, "/bin/busybox", &again));
	ck_assert_str_eq(id, again);
	ctx2 = th_context(root2);
	ck_assert_engine_ok(engine_image_create_default(ctx2, NULL, &other));
	ck_assert_str_eq(id, other);
	engine_context_free(ctx2);

	fx_image_get(ctx, "busybox", &img);
	ck_assert_str_eq(img.id, id);
	ck_assert_uint_eq(fx_cfg_len(&img, "Cmd"), 1);
	ck_assert_str_eq(fx_cfg_idx(&img, "Cmd", 0), "sh");
	ck_assert_str_eq(fx_cfg_idx(&img, "Env", 0),
			 "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(img.config, "created")),
			 "1970-01-01T00:00:00Z");
	fx_image_put(&img);

	/* One layer: its diff dir is the whole rootfs. */
	ck_assert_engine_ok(engine__image_rootfs_get(ctx, "busybox:latest", &rootfs));
	ck_assert_ptr_nonnull(rootfs->layer_dirs[0]);
	ck_assert_ptr_null(rootfs->layer_dirs[1]);
	dir = strdup(rootfs->layer_dirs[0]);
	engine__image_rootfs_free(rootfs);
	sh = fx_path(dir, "bin/sh");
	bb = fx_path(dir, "bin/busybox");
	passwd = fx_path(dir, "etc/passwd");
	tmpdir = fx_path(dir, "tmp");
	ck_assert_int_eq(stat(sh, &st_sh), 0);
	ck_assert_int_eq(stat(bb, &st_bb), 0);
	ck_assert_uint_eq(st_sh.st_ino, st_bb.st_ino);
	ck_assert_int_eq(stat(tmpdir, &st_tmp), 0);
	ck_assert_uint_eq(st_tmp.st_mode & 07777, 01777);
	ck_assert_engine_ok(engine__read_file(passwd, &content, NULL));
	ck_assert_ptr_nonnull(strstr(content, "root:x:0:0:root:/root:/bin/sh\n"));
	ck_assert_ptr_nonnull(strstr(content, "nobody:x:65534:65534:"));
	free(content);
	/* The applets run from the image's tree. */
	ck_assert_int_eq(fx_sh("'%s/bin/ls' '%s/usr/bin' | grep -qx awk", dir, dir), 0);

	absent = fx_path(tmp, "absent-busybox");
	ck_assert_engine_error(engine_image_create_default(ctx, absent, NULL), ENGINE_ENOTFOUND,
			       "absent-busybox: no such file");
	ck_assert_engine_error(engine_image_create_default(ctx, "/etc/hostname", NULL), ENGINE_EINVALID,
			       "is it busybox?");
	engine_free(id);
	engine_free(again);
	engine_free(other);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("image_formats_io");
	TCase *tc = tcase_create("io");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_image_formats__import_with_config);
	tcase_add_test(tc, test_image_formats__import_rejects_bad_input);
	tcase_add_test(tc, test_image_formats__save_round_trips);
	tcase_add_test(tc, test_image_formats__default_busybox);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite(), 1);
}
