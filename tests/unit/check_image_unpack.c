/* Image store: layer unpack — file types, metadata, whiteouts, compression,
 * and every input that must be refused. Privileged (mknod, chown, trusted.*). */
#include <sys/xattr.h>

#include <engine/store.h>

#include "check_image_helpers.h"

/* Unpack one tar into a fresh store; the chain ID goes to @chain. */
static int unpack_entries(engine_context *ctx, const char *compression, const struct th_entry *es, size_t n,
			  char chain[ENGINE__DIGEST_LEN + 1])
{
	char blob[ENGINE__DIGEST_LEN + 1];

	th_blob_tar(ctx, compression, es, n, blob);
	return engine__layer_unpack_blob(ctx, blob, NULL, NULL, chain);
}

static char *layer_dir(engine_context *ctx, const char *chain)
{
	char *dir = NULL;

	ck_assert_engine_ok(engine__layer_dir(ctx, chain, &dir));
	return dir;
}

static void check_all_types(const char *compression)
{
	char *tmp = th_mkdtemp("unpack");
	engine_context *ctx = th_context(tmp);
	char chain[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *dir = NULL;
	char buf[64];
	struct stat st;
	const struct th_entry es[] = {
	    {.path = "./", .type = AE_IFDIR, .mode = 0750, .mtime = 1100000000},
	    {.path = "etc/", .type = AE_IFDIR, .mode = 0755, .mtime = 1200000000},
	    {.path = "etc/passwd", .data = "root:x:0:0::/root:/bin/sh\n", .mode = 0644, .mtime = 1300000000},
	    {.path = "bin/su", .data = "suid", .mode = 04755, .uid = 0, .gid = 0},
	    {.path = "bin/sg", .data = "sgid", .mode = 02711, .uid = 5, .gid = 7},
	    {.path = "tmp", .type = AE_IFDIR, .mode = 01777},
	    {.path = "home/user/file", .data = "owned", .uid = 1000, .gid = 1001, .mode = 0600},
	    {.path = "bin/sh", .type = AE_IFLNK, .data = "busybox", .uid = 3, .gid = 4},
	    {.path = "bin/link", .hardlink = "etc/passwd"},
	    {.path = "run/fifo", .type = AE_IFIFO, .mode = 0620},
	    {.path = "dev/null", .type = AE_IFCHR, .mode = 0666, .rmajor = 1, .rminor = 3},
	    {.path = "dev/loop0", .type = AE_IFBLK, .mode = 0660, .rmajor = 7, .rminor = 0},
	    {.path = "bin/ping", .data = "ping", .mode = 0755, .xattr = "user.test", .xattr_value = "v1"},
	    {.path = "bin/trusted", .data = "t", .xattr = "trusted.note", .xattr_value = "t1"},
	    /* The tar may not carry overlay xattrs: they would steer the kernel. */
	    {.path = "bin/sneaky", .data = "s", .xattr = "trusted.overlay.redirect", .xattr_value = "/etc"},
	    /* Nor the owner override a rootless unpack records (diff trusts it). */
	    {.path = "bin/owner",
	     .data = "o",
	     .xattr = "user.containers.override_stat",
	     .xattr_value = "0:0:04755"},
	    {.path = "/abs/file", .data = "absolute names are made relative"},
	};

	ck_assert_engine_ok(unpack_entries(ctx, compression, es, sizeof(es) / sizeof(es[0]), chain));
	dir = layer_dir(ctx, chain);

	st = th_lstat(dir, "");
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	ck_assert_int_eq(st.st_mtime, 1100000000);
	st = th_lstat(dir, "etc");
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mtime, 1200000000); /* set after its content */
	st = th_lstat(dir, "etc/passwd");
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_size, 26);
	ck_assert_int_eq(st.st_mtime, 1300000000);
	ck_assert_int_eq(st.st_nlink, 2);
	struct stat link = th_lstat(dir, "bin/link");
	ck_assert_int_eq(link.st_ino, st.st_ino);
	ck_assert_int_eq(th_lstat(dir, "bin/su").st_mode & 07777, 04755);
	st = th_lstat(dir, "bin/sg");
	ck_assert_int_eq(st.st_mode & 07777, 02711);
	ck_assert_int_eq(st.st_uid, 5);
	ck_assert_int_eq(st.st_gid, 7);
	ck_assert_int_eq(th_lstat(dir, "tmp").st_mode & 07777, 01777);
	st = th_lstat(dir, "home/user/file");
	ck_assert_int_eq(st.st_uid, 1000);
	ck_assert_int_eq(st.st_gid, 1001);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	st = th_lstat(dir, "bin/sh");
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(st.st_uid, 3);
	ck_assert_int_eq(st.st_mtime, TH_MTIME);
	{
		cleanup_free char *p = engine__path_join(dir, "bin/sh");
		ssize_t n = readlink(p, buf, sizeof(buf));
		ck_assert_int_eq(n, 7);
		ck_assert(memcmp(buf, "busybox", 7) == 0);
	}
	st = th_lstat(dir, "run/fifo");
	ck_assert(S_ISFIFO(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0620);
	st = th_lstat(dir, "dev/null");
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_int_eq(major(st.st_rdev), 1);
	ck_assert_int_eq(minor(st.st_rdev), 3);
	st = th_lstat(dir, "dev/loop0");
	ck_assert(S_ISBLK(st.st_mode));
	ck_assert_int_eq(major(st.st_rdev), 7);
	{
		cleanup_free char *p = engine__path_join(dir, "bin/ping");
		cleanup_free char *t = engine__path_join(dir, "bin/trusted");
		cleanup_free char *s = engine__path_join(dir, "bin/sneaky");
		ck_assert_int_eq(getxattr(p, "user.test", buf, sizeof(buf)), 2);
		ck_assert(memcmp(buf, "v1", 2) == 0);
		ck_assert_int_eq(getxattr(t, "trusted.note", buf, sizeof(buf)), 2);
		ck_assert_int_eq(getxattr(s, "trusted.overlay.redirect", buf, sizeof(buf)), -1);
		cleanup_free char *o = engine__path_join(dir, "bin/owner");
		ck_assert_int_eq(getxattr(o, "user.containers.override_stat", buf, sizeof(buf)), -1);
	}
	ck_assert(th_exists(dir, "abs/file"));
	/* Implicit parents get a sane default. */
	ck_assert_int_eq(th_lstat(dir, "home").st_mode & 07777, 0755);

	cleanup_json json_object *rec = NULL;
	ck_assert_engine_ok(engine__layer_record(ctx, chain, &rec));
	ck_assert_str_eq(engine__json_get_string(rec, "compression"), compression);
	ck_assert_str_eq(engine__json_get_string(rec, "chain_id"), chain);
	ck_assert_int_eq(engine__json_get_int(rec, "size", -1), 26 + 4 + 4 + 5 + 4 + 1 + 1 + 1 + 32);

	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}

START_TEST(test_image_unpack__types_plain)
{
	check_all_types("none");
}
END_TEST

START_TEST(test_image_unpack__types_gzip)
{
	check_all_types("gzip");
}
END_TEST

START_TEST(test_image_unpack__types_zstd)
{
	check_all_types("zstd");
}
END_TEST

START_TEST(test_image_unpack__whiteouts)
{
	char *tmp = th_mkdtemp("unpack");
	engine_context *ctx = th_context(tmp);
	char chain[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *dir = NULL, *opq = NULL;
	char buf[8];
	struct stat st;
	const struct th_entry es[] = {
	    {.path = "etc/", .type = AE_IFDIR},
	    {.path = "etc/.wh.shadow", .data = ""},
	    {.path = "var/cache/", .type = AE_IFDIR, .mode = 0700},
	    {.path = "var/cache/.wh..wh..opq", .data = ""},
	    {.path = "var/cache/kept", .data = "k"},
	    {.path = ".wh.gone", .data = ""},
	    {.path = "x/.wh..wh.plnk", .data = ""}, /* AUFS bookkeeping: skipped */
	    {.path = ".wh.redo", .data = ""},	    /* deleted, then recreated: opaque */
	    {.path = "redo/", .type = AE_IFDIR},
	};

	ck_assert_engine_ok(unpack_entries(ctx, "gzip", es, sizeof(es) / sizeof(es[0]), chain));
	dir = layer_dir(ctx, chain);
	st = th_lstat(dir, "etc/shadow");
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_int_eq(st.st_rdev, makedev(0, 0));
	ck_assert(!th_exists(dir, "etc/.wh.shadow"));
	ck_assert(S_ISCHR(th_lstat(dir, "gone").st_mode));
	opq = engine__path_join(dir, "var/cache");
	ck_assert_int_eq(getxattr(opq, "trusted.overlay.opaque", buf, sizeof(buf)), 1);
	ck_assert_int_eq(buf[0], 'y');
	ck_assert_int_eq(th_lstat(dir, "var/cache").st_mode & 07777, 0700);
	ck_assert(th_exists(dir, "var/cache/kept"));
	ck_assert(!th_exists(dir, "var/cache/.wh..wh..opq"));
	ck_assert(!th_exists(dir, "x/.wh..wh.plnk"));
	cleanup_free char *redo = engine__path_join(dir, "redo");
	ck_assert_int_eq(getxattr(redo, "trusted.overlay.opaque", buf, sizeof(buf)), 1);
	engine_strarray problems = {NULL, 0};
	ck_assert_engine_ok(engine_store_check(ctx, &problems));
	ck_assert_msg(problems.count == 0, "check: %s", problems.count ? problems.strings[0] : "");
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_unpack__implicit_parent_from_lower)
{
	char *tmp = th_mkdtemp("unpack");
	engine_context *ctx = th_context(tmp);
	char b1[ENGINE__DIGEST_LEN + 1], b2[ENGINE__DIGEST_LEN + 1];
	char c1[ENGINE__DIGEST_LEN + 1], c2[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *dir = NULL;
	const struct th_entry base[] = {
	    {.path = "tmp", .type = AE_IFDIR, .mode = 01777, .uid = 0},
	    {.path = "srv/data", .type = AE_IFDIR, .mode = 0710, .uid = 33, .gid = 33, .mtime = 1234},
	};
	const struct th_entry top[] = {
	    {.path = "tmp/new", .data = "n"},
	    {.path = "srv/data/file", .data = "f"},
	};
	struct stat st;

	th_blob_tar(ctx, "none", base, 2, b1);
	th_blob_tar(ctx, "none", top, 2, b2);
	ck_assert_engine_ok(engine__layer_unpack_blob(ctx, b1, NULL, NULL, c1));
	ck_assert_engine_ok(engine__layer_unpack_blob(ctx, b2, NULL, c1, c2));
	dir = layer_dir(ctx, c2);
	/* Overlay shows the topmost copy of a directory: it must match below. */
	ck_assert_int_eq(th_lstat(dir, "tmp").st_mode & 07777, 01777);
	st = th_lstat(dir, "srv/data");
	ck_assert_int_eq(st.st_mode & 07777, 0710);
	ck_assert_int_eq(st.st_uid, 33);
	ck_assert_int_eq(st.st_mtime, 1234);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

/* A refused layer leaves nothing: no layer, no temp files, nothing outside. */
static void assert_refused(const struct th_entry *es, size_t n, const char *config, int code,
			   const char *needle)
{
	char *tmp = th_mkdtemp("unpack");
	cleanup_free char *root = engine__path_join(tmp, "root");
	cleanup_free char *outside = engine__path_join(tmp, "outside");
	cleanup_free char *layers = engine__path_join(root, "layers");
	cleanup_free char *tmpdir = engine__path_join(root, "tmp");
	cleanup_free char *sentinel = engine__path_join(outside, "sentinel");
	char blob[ENGINE__DIGEST_LEN + 1], chain[ENGINE__DIGEST_LEN + 1];
	struct stat before, after;
	engine_context *ctx;

	ck_assert_engine_ok(engine__mkdir_p(outside, 0755));
	ck_assert_engine_ok(engine__write_file_atomic(sentinel, "keep", 4, 0644, false));
	ck_assert_int_eq(stat("/etc/passwd", &before), 0);
	ck_assert_engine_ok(engine__mkdir_p(root, 0755));
	ctx = th_context_config(root, config);
	th_blob_tar(ctx, "gzip", es, n, blob);
	ck_assert_engine_error(engine__layer_unpack_blob(ctx, blob, NULL, NULL, chain), code, needle);
	ck_assert_msg(strstr(engine_error_last()->message, blob) != NULL, "message names the layer: %s",
		      engine_error_last()->message);
	ck_assert_int_eq(th_count_tree(layers), 0);
	ck_assert_int_eq(th_count_tree(tmpdir), 0);
	ck_assert_int_eq(th_count_tree(outside), 1);
	ck_assert_int_eq(th_count_tree(tmp), th_count_tree(root) + 3); /* root/, outside/, sentinel */
	ck_assert_int_eq(stat("/etc/passwd", &after), 0);
	ck_assert_int_eq(before.st_mtime, after.st_mtime);
	ck_assert_int_eq(before.st_ctime, after.st_ctime);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}

START_TEST(test_image_unpack__reject_dotdot)
{
	const struct th_entry es[] = {
	    {.path = "ok", .data = "fine"},
	    {.path = "../outside/evil", .data = "x"},
	};
	assert_refused(es, 2, NULL, ENGINE_EPERM, "entry \"../outside/evil\": escapes the layer root");
}
END_TEST

START_TEST(test_image_unpack__reject_dotdot_deep)
{
	const struct th_entry es[] = {
	    {.path = "a/b/../../../../../../../etc/passwd", .data = "x"},
	};
	assert_refused(es, 1, NULL, ENGINE_EPERM, "escapes the layer root");
}
END_TEST

START_TEST(test_image_unpack__reject_symlink_parent)
{
	const struct th_entry es[] = {
	    {.path = "up", .type = AE_IFLNK, .data = "../../../../../../../../etc"},
	    {.path = "up/passwd", .data = "pwned"},
	};
	assert_refused(es, 2, NULL, ENGINE_EPERM, "entry \"up/passwd\": escapes the layer root");
}
END_TEST

START_TEST(test_image_unpack__reject_absolute_symlink_parent)
{
	const struct th_entry es[] = {
	    {.path = "etc", .type = AE_IFLNK, .data = "/etc"},
	    {.path = "etc/passwd", .data = "pwned"},
	};
	assert_refused(es, 2, NULL, ENGINE_EPERM, "entry \"etc/passwd\": escapes the layer root");
}
END_TEST

START_TEST(test_image_unpack__reject_hardlink_escape)
{
	const struct th_entry es[] = {
	    {.path = "passwd", .hardlink = "../../../../../../../../etc/passwd"},
	};
	assert_refused(es, 1, NULL, ENGINE_EPERM,
		       "hardlink target \"../../../../../../../../etc/passwd\": escapes");
}
END_TEST

START_TEST(test_image_unpack__reject_hardlink_via_symlink)
{
	const struct th_entry es[] = {
	    {.path = "hostetc", .type = AE_IFLNK, .data = "/etc"},
	    {.path = "passwd", .hardlink = "hostetc/passwd"},
	};
	assert_refused(es, 2, NULL, ENGINE_EPERM, "entry \"passwd\": escapes the layer root");
}
END_TEST

START_TEST(test_image_unpack__reject_hardlink_absolute_missing)
{
	/* "/etc/passwd" means the layer's own etc/passwd, which is not there. */
	const struct th_entry es[] = {
	    {.path = "passwd", .hardlink = "/etc/passwd"},
	};
	assert_refused(es, 1, NULL, ENGINE_EINVALID, "hardlink target \"/etc/passwd\" not found");
}
END_TEST

START_TEST(test_image_unpack__reject_whiteout_escape)
{
	const struct th_entry es[] = {
	    {.path = "../.wh.outside", .data = ""},
	};
	assert_refused(es, 1, NULL, ENGINE_EPERM, "escapes the layer root");
}
END_TEST

START_TEST(test_image_unpack__reject_whiteout_dotdot)
{
	const struct th_entry es[] = {
	    {.path = "dir/.wh...", .data = ""},
	};
	assert_refused(es, 1, NULL, ENGINE_EPERM, "entry \"dir/.wh...\": escapes the layer root");
}
END_TEST

START_TEST(test_image_unpack__reject_whiteout_via_symlink)
{
	const struct th_entry es[] = {
	    {.path = "out", .type = AE_IFLNK, .data = "/"},
	    {.path = "out/.wh.etc", .data = ""},
	};
	assert_refused(es, 2, NULL, ENGINE_EPERM, "entry \"out/.wh.etc\": escapes the layer root");
}
END_TEST

START_TEST(test_image_unpack__reject_bomb_bytes)
{
	static char big[8192];
	memset(big, 'z', sizeof(big) - 1);
	const struct th_entry es[] = {
	    {.path = "a", .data = big},
	    {.path = "b", .data = big},
	};
	assert_refused(es, 2, "{\"image-unpack-max-bytes\": 10000}", ENGINE_EINVALID,
		       "exceeds the limit of 10000 bytes (image-unpack-max-bytes)");
}
END_TEST

START_TEST(test_image_unpack__reject_bomb_entries)
{
	const struct th_entry es[] = {
	    {.path = "a", .data = "1"},
	    {.path = "b", .data = "2"},
	    {.path = "c", .data = "3"},
	    {.path = "d", .data = "4"},
	};
	assert_refused(es, 4, "{\"image-unpack-max-entries\": 3}", ENGINE_EINVALID,
		       "more than 3 entries (image-unpack-max-entries)");
}
END_TEST

/* A tar (zstd) with @n entries named @name, each
 * of @size zero bytes, stored as a blob. Written in a loop: no test holds a
 * gigabyte in memory. */
static void blob_generated(engine_context *ctx, const char *name, size_t n, int64_t size,
			   char out[ENGINE__DIGEST_LEN + 1])
{
	char *dir = th_mkdtemp("tar");
	cleanup_free char *path = engine__path_join(dir, "layer.tar.zst");
	cleanup_close int fd = -EBADF;
	struct archive *a = archive_write_new();
	static char zeros[1 << 20];

	ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_set_filter_option(a, "zstd", "compression-level", "1"), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_mtime(e, TH_MTIME, 0);
		archive_entry_set_size(e, size);
		ck_assert_int_ge(archive_write_header(a, e), ARCHIVE_WARN);
		for (int64_t left = size; left > 0;) {
			size_t chunk = left > (int64_t)sizeof(zeros) ? sizeof(zeros) : (size_t)left;
			ck_assert_int_eq(archive_write_data(a, zeros, chunk), (la_ssize_t)chunk);
			left -= (int64_t)chunk;
		}
		archive_entry_free(e);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_engine_ok(engine__blob_put_fd(ctx, fd, NULL, out));
	th_cleanup_dir(dir);
}

/* A 1.1 GiB zero-filled entry compresses to kilobytes: past 1 GiB and 100:1
 * it is a bomb, refused naming the layer. A smaller one unpacks, its zeros
 * taking no disk (holes). */
START_TEST(test_image_unpack__reject_bomb_ratio)
{
	char *tmp = th_mkdtemp("unpack");
	cleanup_free char *root1 = engine__path_join(tmp, "r1"), *root2 = engine__path_join(tmp, "r2");
	cleanup_free char *dir = NULL;
	char blob[ENGINE__DIGEST_LEN + 1], chain[ENGINE__DIGEST_LEN + 1];
	const int64_t size = (1LL << 30) + (100LL << 20);
	engine_context *ctx;
	struct stat st;

	ck_assert_engine_ok(engine__mkdir_p(root1, 0755));
	ck_assert_engine_ok(engine__mkdir_p(root2, 0755));
	ctx = th_context_config(root1, NULL);
	blob_generated(ctx, "zeros", 1, size, blob);
	ck_assert_engine_error(engine__layer_unpack_blob(ctx, blob, NULL, NULL, chain), ENGINE_EINVALID,
			       "expand past 100:1");
	ck_assert_msg(strstr(engine_error_last()->message, blob) != NULL, "message names the layer: %s",
		      engine_error_last()->message);
	ck_assert_msg(strstr(engine_error_last()->message, "image-unpack-max-ratio") != NULL, "%s",
		      engine_error_last()->message);
	engine_context_free(ctx);

	/* Below the 1 GiB floor any ratio is fine; zeros become holes. */
	ctx = th_context_config(root2, NULL);
	blob_generated(ctx, "zeros", 1, 64LL << 20, blob);
	ck_assert_engine_ok(engine__layer_unpack_blob(ctx, blob, NULL, NULL, chain));
	dir = layer_dir(ctx, chain);
	st = th_lstat(dir, "zeros");
	ck_assert_int_eq(st.st_size, 64LL << 20);
	ck_assert_int_lt(st.st_blocks * 512, 1 << 20);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

/* Millions of entries repeating one path cost a file replacement each: the
 * unpacker stops once repeats outnumber both 10,000 and the distinct paths;
 * a layer that names each of its paths twice is still fine. */
START_TEST(test_image_unpack__reject_entry_flood)
{
	char *tmp = th_mkdtemp("unpack");
	engine_context *ctx = th_context(tmp);
	char blob[ENGINE__DIGEST_LEN + 1], chain[ENGINE__DIGEST_LEN + 1];

	blob_generated(ctx, "same", 10002, 0, blob);
	ck_assert_engine_error(engine__layer_unpack_blob(ctx, blob, NULL, NULL, chain), ENGINE_EINVALID,
			       "entry \"same\": 10001 entries repeat paths written before in the same layer");
	{
		/* 10,500 paths, each twice: 10,500 repeats, no more than the paths. */
		char *dir2 = th_mkdtemp("tar");
		cleanup_free char *path = engine__path_join(dir2, "t.tar");
		cleanup_close int fd = -EBADF;
		struct archive *a = archive_write_new();

		archive_write_set_format_pax_restricted(a);
		ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
		for (int i = 0; i < 21000; i++) {
			struct archive_entry *e = archive_entry_new();
			char nm[32];

			snprintf(nm, sizeof(nm), "d%d/f%d", (i % 10500) / 1000, i % 10500);
			archive_entry_set_pathname(e, nm);
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, 0);
			ck_assert_int_ge(archive_write_header(a, e), ARCHIVE_WARN);
			archive_entry_free(e);
		}
		ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
		archive_write_free(a);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ck_assert_engine_ok(engine__blob_put_fd(ctx, fd, NULL, blob));
		th_cleanup_dir(dir2);
	}
	ck_assert_engine_ok(engine__layer_unpack_blob(ctx, blob, NULL, NULL, chain));
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_unpack__diff_id_mismatch)
{
	char *tmp = th_mkdtemp("unpack");
	engine_context *ctx = th_context(tmp);
	const struct th_entry es[] = {{.path = "f", .data = "x"}};
	char blob[ENGINE__DIGEST_LEN + 1], chain[ENGINE__DIGEST_LEN + 1];
	const char *wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	cleanup_free char *layers = engine__path_join(tmp, "layers");
	cleanup_free char *tmpdir = engine__path_join(tmp, "tmp");

	th_blob_tar(ctx, "gzip", es, 1, blob);
	ck_assert_engine_error(engine__layer_unpack_blob(ctx, blob, wrong, NULL, chain), ENGINE_EINVALID,
			       "diff ID mismatch: expected sha256:0000");
	ck_assert_int_eq(th_count_tree(layers), 0);
	ck_assert_int_eq(th_count_tree(tmpdir), 0);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_unpack__not_a_tar)
{
	char *tmp = th_mkdtemp("unpack");
	engine_context *ctx = th_context(tmp);
	char blob[ENGINE__DIGEST_LEN + 1], chain[ENGINE__DIGEST_LEN + 1];
	static char junk[4096];

	memset(junk, 'j', sizeof(junk));
	ck_assert_engine_ok(engine__blob_put_buf(ctx, junk, sizeof(junk), NULL, blob));
	ck_assert_engine_error(engine__layer_unpack_blob(ctx, blob, NULL, NULL, chain), ENGINE_EINVALID,
			       blob);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_image_unpack__replace_and_duplicates)
{
	char *tmp = th_mkdtemp("unpack");
	engine_context *ctx = th_context(tmp);
	char chain[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *dir = NULL;
	const struct th_entry es[] = {
	    {.path = "a", .data = "first"},
	    {.path = "a", .data = "second!"}, /* later entry wins */
	    {.path = "d/x", .data = "x"},
	    {.path = "d", .type = AE_IFLNK, .data = "a"}, /* replaces a directory */
	    {.path = "e", .type = AE_IFDIR, .mode = 0700},
	    {.path = "e", .type = AE_IFDIR, .mode = 0711}, /* updates in place */
	    {.path = "usr/lib/", .type = AE_IFDIR},
	    {.path = "lib", .type = AE_IFLNK, .data = "usr/lib"},
	    {.path = "lib/via-link", .data = "v"}, /* a symlinked parent inside the root is followed */
	};

	ck_assert_engine_ok(unpack_entries(ctx, "none", es, sizeof(es) / sizeof(es[0]), chain));
	dir = layer_dir(ctx, chain);
	ck_assert_int_eq(th_lstat(dir, "a").st_size, 7);
	ck_assert(S_ISLNK(th_lstat(dir, "d").st_mode));
	ck_assert_int_eq(th_lstat(dir, "e").st_mode & 07777, 0711);
	ck_assert(S_ISREG(th_lstat(dir, "usr/lib/via-link").st_mode));
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

/* Entries the tar gives the unpacker's own ids skip their chown, except
 * under a setgid store, whose group everything created would inherit. */
START_TEST(test_image_unpack__owners_under_setgid_root)
{
	char *tmp = th_mkdtemp("unpack");
	engine_context *ctx;
	char chain[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *dir = NULL;
	const struct th_entry es[] = {
	    {.path = "f", .data = "x"},	    {.path = "d", .type = AE_IFDIR},
	    {.path = "d/g", .data = "y"},   {.path = "l", .type = AE_IFLNK, .data = "f"},
	    {.path = "p/q/r", .data = "z"}, {.path = "o", .data = "other", .uid = 5, .gid = 7},
	};
	const char *mine[] = {"f", "d", "d/g", "l", "p/q/r"};

	ck_assert_int_eq(chown(tmp, 0, 4242), 0);
	ck_assert_int_eq(chmod(tmp, 02755), 0);
	ctx = th_context(tmp);
	ck_assert_engine_ok(unpack_entries(ctx, "gzip", es, sizeof(es) / sizeof(es[0]), chain));
	dir = layer_dir(ctx, chain);
	for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++) {
		struct stat st = th_lstat(dir, mine[i]);

		ck_assert_msg(st.st_uid == 0 && st.st_gid == 0, "%s: %u:%u", mine[i], (unsigned)st.st_uid,
			      (unsigned)st.st_gid);
	}
	ck_assert_int_eq(th_lstat(dir, "o").st_uid, 5);
	ck_assert_int_eq(th_lstat(dir, "o").st_gid, 7);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

/* Without openat2 (seccomp, old kernels) the same inputs unpack or are
 * refused; the component walk refuses symlinked parents outright. */
START_TEST(test_image_unpack__walk_without_openat2)
{
	const struct th_entry escape[] = {
	    {.path = "etc", .type = AE_IFLNK, .data = "/etc"},
	    {.path = "etc/passwd", .data = "pwned"},
	};
	const struct th_entry inside[] = {
	    {.path = "usr/lib/", .type = AE_IFDIR},
	    {.path = "lib", .type = AE_IFLNK, .data = "usr/lib"},
	    {.path = "lib/x", .data = "x"},
	};
	const struct th_entry dotdot[] = {{.path = "a/../../x", .data = "x"}};

	engine__open_beneath_force_walk(true);
	check_all_types("gzip");
	assert_refused(escape, 2, NULL, ENGINE_EPERM, "entry \"etc/passwd\": escapes the layer root");
	assert_refused(inside, 3, NULL, ENGINE_EPERM, "entry \"lib/x\": escapes the layer root");
	assert_refused(dotdot, 1, NULL, ENGINE_EPERM, "escapes the layer root");
	engine__open_beneath_force_walk(false);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("image_unpack");
	TCase *tc = tcase_create("unpack");

	/* The ratio test pushes a gigabyte through zstd twice: room for a
	 * loaded machine. */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_image_unpack__types_plain);
	tcase_add_test(tc, test_image_unpack__types_gzip);
	tcase_add_test(tc, test_image_unpack__types_zstd);
	tcase_add_test(tc, test_image_unpack__whiteouts);
	tcase_add_test(tc, test_image_unpack__implicit_parent_from_lower);
	tcase_add_test(tc, test_image_unpack__reject_dotdot);
	tcase_add_test(tc, test_image_unpack__reject_dotdot_deep);
	tcase_add_test(tc, test_image_unpack__reject_symlink_parent);
	tcase_add_test(tc, test_image_unpack__reject_absolute_symlink_parent);
	tcase_add_test(tc, test_image_unpack__reject_hardlink_escape);
	tcase_add_test(tc, test_image_unpack__reject_hardlink_via_symlink);
	tcase_add_test(tc, test_image_unpack__reject_hardlink_absolute_missing);
	tcase_add_test(tc, test_image_unpack__reject_whiteout_escape);
	tcase_add_test(tc, test_image_unpack__reject_whiteout_dotdot);
	tcase_add_test(tc, test_image_unpack__reject_whiteout_via_symlink);
	tcase_add_test(tc, test_image_unpack__reject_bomb_bytes);
	tcase_add_test(tc, test_image_unpack__reject_bomb_entries);
	tcase_add_test(tc, test_image_unpack__reject_bomb_ratio);
	tcase_add_test(tc, test_image_unpack__reject_entry_flood);
	tcase_add_test(tc, test_image_unpack__diff_id_mismatch);
	tcase_add_test(tc, test_image_unpack__not_a_tar);
	tcase_add_test(tc, test_image_unpack__replace_and_duplicates);
	tcase_add_test(tc, test_image_unpack__owners_under_setgid_root);
	tcase_add_test(tc, test_image_unpack__walk_without_openat2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite(), 1);
}
