/* Fixtures for the image store suites: tars written with libarchive's
 * writer, blobs and whole images made from them, tree inspection. */
#ifndef ENGINE_TESTS_CHECK_IMAGE_HELPERS_H
#define ENGINE_TESTS_CHECK_IMAGE_HELPERS_H

#include "check_helpers.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

/* One tar entry; zero fields mean defaults (regular file, 0644, root). */
struct th_entry {
	const char *path;
	unsigned type;	      /* AE_IFREG (default), AE_IFDIR, AE_IFLNK, AE_IFIFO, AE_IFCHR, AE_IFBLK */
	unsigned mode;	      /* permission bits incl. setuid/setgid/sticky; 0: 0644 / 0755 for dirs */
	const char *data;     /* file content, or the symlink target */
	const char *hardlink; /* makes this entry a hardlink to that path */
	unsigned uid, gid;
	unsigned rmajor, rminor;
	const char *xattr, *xattr_value;
	long mtime; /* 0: 1000000000 */
};

#define TH_MTIME 1000000000L

/* Write @n entries as a tar to @path; @compression: "none", "gzip", "zstd". */
static inline void th_write_tar(const char *path, const char *compression, const struct th_entry *es,
				size_t n)
{
	struct archive *a = archive_write_new();

	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (!strcmp(compression, "gzip"))
		ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	else if (!strcmp(compression, "zstd"))
		ck_assert_int_eq(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		const struct th_entry *t = &es[i];
		struct archive_entry *e = archive_entry_new();
		unsigned type = t->type ? t->type : AE_IFREG;
		size_t len = t->data && type == AE_IFREG && !t->hardlink ? strlen(t->data) : 0;

		archive_entry_set_pathname(e, t->path);
		archive_entry_set_filetype(e, type);
		archive_entry_set_perm(e, t->mode ? t->mode : (type == AE_IFDIR ? 0755 : 0644));
		archive_entry_set_uid(e, t->uid);
		archive_entry_set_gid(e, t->gid);
		archive_entry_set_mtime(e, t->mtime ? t->mtime : TH_MTIME, 0);
		if (type == AE_IFLNK)
			archive_entry_set_symlink(e, t->data);
		if (type == AE_IFCHR || type == AE_IFBLK)
			archive_entry_set_rdev(e, makedev(t->rmajor, t->rminor));
		if (t->hardlink)
			archive_entry_set_hardlink(e, t->hardlink);
		if (t->xattr)
			archive_entry_xattr_add_entry(e, t->xattr, t->xattr_value, strlen(t->xattr_value));
		archive_entry_set_size(e, (la_int64_t)len);
		ck_assert_int_ge(archive_write_header(a, e), ARCHIVE_WARN);
		if (len)
			ck_assert_int_eq(archive_write_data(a, t->data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* Write the entries as a tar and store it as a blob; the digest goes to @out. */
static inline void th_blob_tar(engine_context *ctx, const char *compression, const struct th_entry *es,
			       size_t n, char out[ENGINE__DIGEST_LEN + 1])
{
	char *dir = th_mkdtemp("tar");
	cleanup_free char *path = engine__path_join(dir, "layer.tar");
	cleanup_close int fd = -EBADF;

	th_write_tar(path, compression, es, n);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_engine_ok(engine__blob_put_fd(ctx, fd, NULL, out));
	th_cleanup_dir(dir);
}

/* A context whose config file holds @config_json (NULL: none). */
static inline engine_context *th_context_config(const char *root, const char *config_json)
{
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;
	cleanup_free char *cfg = engine__path_join(root, "config.json");

	o.root = root;
	if (config_json) {
		ck_assert_engine_ok(
		    engine__write_file_atomic(cfg, config_json, strlen(config_json), 0644, false));
		o.config_path = cfg;
	}
	ck_assert_msg(engine_context_new(&ctx, &o) == 0, "context: %s", engine_error_last()->message);
	return ctx;
}

/* Make an image from layer blobs (lowest first): unpack, write a config,
 * register, tag (@tag may be NULL). The image ID goes to @id_out. */
static inline void th_make_image(engine_context *ctx, char blobs[][ENGINE__DIGEST_LEN + 1], size_t n,
				 const char *extra_config, const char *tag,
				 char id_out[ENGINE__DIGEST_LEN + 1])
{
	char chain[ENGINE__DIGEST_LEN + 1] = "";
	cleanup_json json_object *cfg = json_object_new_object();
	json_object *rootfs = json_object_new_object(), *diff_ids = json_object_new_array();
	json_object *inner = NULL;

	for (size_t i = 0; i < n; i++) {
		cleanup_json json_object *rec = NULL;
		char next[ENGINE__DIGEST_LEN + 1];

		ck_assert_engine_ok(engine__layer_unpack_blob(ctx, blobs[i], NULL, i ? chain : NULL, next));
		ck_assert_engine_ok(engine__layer_record(ctx, next, &rec));
		json_object_array_add(diff_ids,
				      json_object_new_string(engine__json_get_string(rec, "diff_id")));
		memcpy(chain, next, sizeof(next));
	}
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", diff_ids);
	json_object_object_add(cfg, "architecture", json_object_new_string("amd64"));
	json_object_object_add(cfg, "os", json_object_new_string("linux"));
	json_object_object_add(cfg, "created", json_object_new_string("2024-01-02T03:04:05Z"));
	json_object_object_add(cfg, "rootfs", rootfs);
	if (extra_config)
		ck_assert_engine_ok(
		    engine__json_parse(extra_config, strlen(extra_config), "test config", &inner));
	else
		inner = json_object_new_object();
	json_object_object_add(cfg, "config", inner);
	const char *s = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN);
	ck_assert_engine_ok(engine__blob_put_buf(ctx, s, strlen(s), NULL, id_out));
	ck_assert_engine_ok(engine__image_register(ctx, id_out, NULL));
	if (tag)
		ck_assert_engine_ok(engine__image_tag(ctx, id_out, tag));
}

/* Count every entry below @dir (not @dir itself); 0 when it does not exist. */
static inline size_t th_count_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		if (de->d_type == DT_DIR) {
			char *sub = engine__path_join(dir, de->d_name);
			n += th_count_tree(sub);
			free(sub);
		}
	}
	closedir(d);
	return n;
}

/* lstat "<dir>/<rel>" (asserting it exists). */
static inline struct stat th_lstat(const char *dir, const char *rel)
{
	cleanup_free char *p = engine__path_join(dir, rel);
	struct stat st;

	ck_assert_msg(lstat(p, &st) == 0, "lstat %s: %s", p, strerror(errno));
	return st;
}

static inline bool th_exists(const char *dir, const char *rel)
{
	cleanup_free char *p = engine__path_join(dir, rel);

	return engine__path_exists(p);
}

#endif
