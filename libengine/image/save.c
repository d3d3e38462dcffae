/*
 * engine_image_save: images to an OCI layout tar, or to a `docker save`
 * archive in the layout Docker 25+ writes (blobs/sha256 with uncompressed
 * layers named by diff_id, manifest.json and repositories for docker load
 * and skopeo, index.json and oci-layout for OCI tools). The tar is written
 * to a temp file beside the destination and renamed into place.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <engine/image.h>

#include "core/error.h"
#include "image/archive_util.h"
#include "util/reference.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"

struct save_image {
	char id[ENGINE__DIGEST_LEN + 1];
	char **layers; /* stored blob digests */
	char **diff_ids;
	char **tags; /* familiar "name:tag" */
};

struct saver {
	engine_context *ctx;
	struct archive *a;
	int format;
	char **written; /* blob names already in the tar */
	struct save_image *images;
	size_t n;
};

static void saver_clear(struct saver *s)
{
	for (size_t i = 0; i < s->n; i++) {
		engine__strv_free(s->images[i].layers);
		engine__strv_free(s->images[i].diff_ids);
		engine__strv_free(s->images[i].tags);
	}
	free(s->images);
	engine__strv_free(s->written);
}

/* Whether @ref names the image by ID ("sha256:ab..", "ab12") rather than a tag. */
static bool ref_is_id(const char *ref, const char *id)
{
	const char *hex = engine__str_starts_with(ref, "sha256:") ? ref + 7 : ref;

	return *hex && strlen(hex) <= 64 && engine__str_starts_with(id + 7, hex);
}

static int collect(struct saver *s, const char *ref)
{
	char id[ENGINE__DIGEST_LEN + 1];
	struct save_image *si = NULL;
	cleanup_free char *tag = NULL;
	int r = engine__image_lookup(s->ctx, ref, id);

	if (r < 0)
		return r;
	if (!ref_is_id(ref, id)) {
		cleanup_reference engine__reference *parsed = NULL;

		/* Saved under its familiar "name:tag"; a digest is no tag. */
		if ((r = engine__reference_parse(ref, NULL, &parsed)) < 0)
			return r;
		if (!parsed->digest && !(tag = engine__reference_familiar(parsed, NULL, false)))
			return engine__error_oom();
	}
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->images[i].id, id))
			si = &s->images[i];
	if (!si) {
		struct save_image *imgs = realloc(s->images, (s->n + 1) * sizeof(*imgs));
		cleanup_json json_object *rec = NULL;

		if (!imgs)
			return engine__error_oom();
		s->images = imgs;
		si = &imgs[s->n];
		memset(si, 0, sizeof(*si));
		memcpy(si->id, id, sizeof(si->id));
		s->n++;
		/* The image record lists the stored layer blobs beside the diff_ids. */
		r = engine__image_record(s->ctx, id, &rec);
		if (r < 0)
			return r;
		if ((r = engine__json_to_strv(engine__json_get_type(rec, "layers", json_type_array),
					      &si->layers)) < 0 ||
		    (r = engine__json_to_strv(engine__json_get_type(rec, "diff_ids", json_type_array),
					      &si->diff_ids)) < 0)
			return engine__error_wrap("image %s", id);
		if (engine__strv_len(si->layers) != engine__strv_len(si->diff_ids))
			return engine__error_set(ENGINE_EINVALID, 0, "image %s: %zu layers but %zu diff_ids",
						 id, engine__strv_len(si->layers),
						 engine__strv_len(si->diff_ids));
	}
	for (char **t = si->tags; tag && t && *t; t++)
		if (!strcmp(*t, tag))
			return 0;
	return tag ? engine__strv_push(&si->tags, tag) : 0;
}

/* --- blobs ---------------------------------------------------------------- */

static bool written(struct saver *s, const char *name)
{
	for (char **w = s->written; w && *w; w++)
		if (!strcmp(*w, name))
			return true;
	return false;
}

static int mark_written(struct saver *s, const char *name)
{
	return engine__strv_push(&s->written, name);
}

static char *blob_entry(const char *digest)
{
	return engine__strdup_printf("blobs/sha256/%s", engine__digest_hex(digest));
}

static int put_buf(struct saver *s, const char *data, size_t len, char digest[ENGINE__DIGEST_LEN + 1])
{
	cleanup_free char *name = NULL;
	int r = engine__sha256_buf(data, len, digest);

	if (r < 0)
		return r;
	name = blob_entry(digest);
	if (!name)
		return engine__error_oom();
	if (written(s, name))
		return 0;
	if ((r = engine__archive_write_buf(s->a, name, 0644, 0, data, len)) < 0)
		return r;
	return mark_written(s, name);
}

/* Copy a stored blob into the tar under its own digest; its size goes to @size. */
static int put_stored(struct saver *s, const char *digest, int64_t *size, const char **media_type)
{
	cleanup_free char *path = NULL;
	cleanup_free char *name = blob_entry(digest);
	cleanup_close int fd = -EBADF;
	unsigned char magic[4] = {0};
	struct stat st;
	int r;

	if (!name)
		return engine__error_oom();
	if ((r = engine__blob_path(s->ctx, digest, &path)) < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return engine__error_errno(errno, "blob %s", digest);
	*size = st.st_size;
	if (media_type) {
		ssize_t n = pread(fd, magic, sizeof(magic), 0);

		*media_type = MT_LAYER_TAR;
		if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
			*media_type = MT_LAYER_TAR "+gzip";
		else if (n == 4 && !memcmp(magic, "\x28\xb5\x2f\xfd", 4))
			*media_type = MT_LAYER_TAR "+zstd";
	}
	if (written(s, name))
		return 0;
	if ((r = engine__archive_write_fd(s->a, name, 0644, 0, fd, st.st_size)) < 0)
		return engine__error_wrap("blob %s", digest);
	return mark_written(s, name);
}

/* Docker wants layers uncompressed, named by diff_id: decompress a stored
 * gzip/zstd blob into a temp file (checking it against the diff_id) first,
 * since a tar header needs the size before the data. */
static int put_uncompressed(struct saver *s, const char *blob, const char *diff_id, int64_t *size)
{
	cleanup_free char *name = blob_entry(diff_id);
	cleanup_free char *path = NULL, *tmpdir = NULL, *tmp = NULL;
	cleanup_close int in = -EBADF, out = -EBADF;
	struct archive *a = NULL;
	struct archive_entry *e;
	engine__sha256 *h = NULL;
	char got[ENGINE__DIGEST_LEN + 1];
	int64_t total = 0;
	int r;

	if (!name)
		return engine__error_oom();
	if (!strcmp(blob, diff_id))
		return put_stored(s, blob, size, NULL);
	if ((r = engine__blob_path(s->ctx, blob, &path)) < 0 ||
	    (r = engine__store_tmpdir(s->ctx, &tmpdir)) < 0)
		return r;
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return engine__error_errno(errno, "blob %s", blob);
	tmp = engine__strdup_printf("%s/save-layer-XXXXXX", tmpdir);
	if (!tmp)
		return engine__error_oom();
	out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0)
		return engine__error_errno(errno, "create %s", tmp);
	unlink(tmp);
	if ((r = engine__sha256_new(&h)) < 0)
		return r;
	if ((r = engine__archive_raw_reader_fd(in, &a)) < 0)
		goto out;
	if (archive_read_next_header(a, &e) != ARCHIVE_OK) {
		r = engine__archive_error(a, "decompress");
		goto out;
	}
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int ar = archive_read_data_block(a, &buf, &len, &off);

		if (ar == ARCHIVE_EOF)
			break;
		if (ar != ARCHIVE_OK) {
			r = engine__archive_error(a, "decompress");
			goto out;
		}
		if ((r = engine__sha256_update(h, buf, len)) < 0 ||
		    (r = engine__write_all(out, buf, len)) < 0)
			goto out;
		total += (int64_t)len;
	}
	if ((r = engine__sha256_final(h, got)) < 0)
		goto out;
	if (strcmp(got, diff_id)) {
		r = engine__error_set(ENGINE_EINVALID, 0, "uncompressed content is %s, diff_id says %s", got,
				      diff_id);
		goto out;
	}
	*size = total;
	if (written(s, name))
		goto out;
	if (lseek(out, 0, SEEK_SET) < 0) {
		r = engine__error_errno(errno, "rewind %s", tmp);
		goto out;
	}
	if ((r = engine__archive_write_fd(s->a, name, 0644, 0, out, total)) < 0 ||
	    (r = mark_written(s, name)) < 0)
		goto out;
out:
	engine__archive_reader_free(a);
	engine__sha256_free(h);
	if (r < 0)
		return engine__error_wrap("layer %s", blob);
	return 0;
}

/* --- JSON documents ------------------------------------------------------- */

static json_object *descriptor(const char *media_type, const char *digest, int64_t size)
{
	json_object *d = json_object_new_object();

	if (!d)
		return NULL;
	json_object_object_add(d, "mediaType", json_object_new_string(media_type));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	json_object_object_add(d, "size", json_object_new_int64(size));
	return d;
}

static int put_json(struct saver *s, const char *name, json_object *o)
{
	size_t len;
	const char *data = json_object_to_json_string_length(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	if (!data)
		return engine__error_oom();
	return engine__archive_write_buf(s->a, name, 0644, 0, data, len);
}

/* Write an image's blobs and its manifest; the manifest's descriptor goes
 * to @desc_out. Docker archives get uncompressed layers named by diff_id. */
static int put_image(struct saver *s, struct save_image *img, json_object **desc_out)
{
	cleanup_json json_object *manifest = json_object_new_object();
	json_object *layers = json_object_new_array();
	char digest[ENGINE__DIGEST_LEN + 1];
	const char *data;
	int64_t size;
	size_t len;
	int r;

	if (!manifest || !layers) {
		json_object_put(layers);
		return engine__error_oom();
	}
	json_object_object_add(manifest, "schemaVersion", json_object_new_int(2));
	json_object_object_add(manifest, "mediaType", json_object_new_string(MT_OCI_MANIFEST));
	if ((r = put_stored(s, img->id, &size, NULL)) < 0)
		return engine__error_wrap("config");
	json_object_object_add(manifest, "config", descriptor(MT_OCI_CONFIG, img->id, size));
	json_object_object_add(manifest, "layers", layers);
	for (size_t i = 0; img->layers && img->layers[i]; i++) {
		const char *mt = MT_LAYER_TAR;
		const char *d = img->layers[i];

		if (s->format == ENGINE_IMAGE_FORMAT_DOCKER_ARCHIVE) {
			r = put_uncompressed(s, img->layers[i], img->diff_ids[i], &size);
			d = img->diff_ids[i];
		} else {
			r = put_stored(s, img->layers[i], &size, &mt);
		}
		if (r < 0)
			return r;
		json_object_array_add(layers, descriptor(mt, d, size));
	}
	data = json_object_to_json_string_length(
	    manifest, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!data)
		return engine__error_oom();
	if ((r = put_buf(s, data, len, digest)) < 0)
		return r;
	*desc_out = descriptor(MT_OCI_MANIFEST, digest, (int64_t)len);
	return *desc_out ? 0 : engine__error_oom();
}

static int add_index_entries(json_object *manifests, json_object *desc, const struct save_image *img,
			     int format)
{
	if (!img->tags) {
		json_object_array_add(manifests, json_object_get(desc));
		return 0;
	}
	for (char **t = img->tags; *t; t++) {
		cleanup_reference engine__reference *ref = NULL;
		cleanup_free char *full = NULL;
		json_object *d = NULL, *ann;
		int r = engine__reference_parse(*t, NULL, &ref);

		if (r < 0)
			return r;
		ann = json_object_new_object();
		full = engine__reference_string(ref);
		if (!ann || !full || json_object_deep_copy(desc, &d, NULL) < 0) {
			json_object_put(ann);
			return engine__error_oom();
		}
		/* The full name for docker and containerd. ref.name is the tag
		 * alone in Docker's own archives; in OCI archives it is the
		 * whole reference, as skopeo and podman write it, so that
		 * "oci-archive:FILE:name:tag" finds it and names do not clash. */
		json_object_object_add(ann, "io.containerd.image.name", json_object_new_string(full));
		json_object_object_add(
		    ann, "org.opencontainers.image.ref.name",
		    json_object_new_string(format == ENGINE_IMAGE_FORMAT_OCI ? *t : ref->tag));
		json_object_object_add(d, "annotations", ann);
		json_object_array_add(manifests, d);
	}
	return 0;
}

static int add_docker_entries(json_object *manifest_json, json_object *repos, const struct save_image *img)
{
	json_object *e = json_object_new_object();
	json_object *layers = json_object_new_array();
	cleanup_free char *config = blob_entry(img->id);
	size_t n = engine__strv_len(img->diff_ids);

	if (!e || !layers || !config) {
		json_object_put(e);
		json_object_put(layers);
		return engine__error_oom();
	}
	json_object_object_add(e, "Config", json_object_new_string(config));
	json_object_object_add(e, "RepoTags", img->tags ? engine__json_from_strv(img->tags) : NULL);
	for (size_t i = 0; i < n; i++) {
		char *l = blob_entry(img->diff_ids[i]);

		json_object_array_add(layers, l ? json_object_new_string(l) : NULL);
		free(l);
	}
	json_object_object_add(e, "Layers", layers);
	json_object_array_add(manifest_json, e);
	/* repositories: name -> tag -> top layer, for docker load < 1.10. */
	for (char **t = img->tags; t && *t && n; t++) {
		cleanup_reference engine__reference *ref = NULL;
		cleanup_free char *name = NULL;
		json_object *byname;
		int r = engine__reference_parse(*t, NULL, &ref);

		if (r < 0)
			return r;
		if (!(name = engine__reference_familiar_name(ref, NULL)))
			return engine__error_oom();
		if (!json_object_object_get_ex(repos, name, &byname)) {
			byname = json_object_new_object();
			json_object_object_add(repos, name, byname);
		}
		json_object_object_add(byname, ref->tag,
				       json_object_new_string(engine__digest_hex(img->diff_ids[n - 1])));
	}
	return 0;
}

static int write_archive(struct saver *s)
{
	cleanup_json json_object *index = json_object_new_object();
	cleanup_json json_object *manifest_json = json_object_new_array();
	cleanup_json json_object *repos = json_object_new_object();
	cleanup_json json_object *layout = json_object_new_object();
	json_object *manifests = json_object_new_array();
	int r;

	if (!index || !manifest_json || !repos || !layout || !manifests) {
		json_object_put(manifests);
		return engine__error_oom();
	}
	json_object_object_add(index, "schemaVersion", json_object_new_int(2));
	json_object_object_add(index, "mediaType", json_object_new_string(MT_OCI_INDEX));
	json_object_object_add(index, "manifests", manifests);
	json_object_object_add(layout, "imageLayoutVersion", json_object_new_string("1.0.0"));
	if ((r = engine__archive_write_dir(s->a, "blobs", 0755, 0)) < 0 ||
	    (r = engine__archive_write_dir(s->a, "blobs/sha256", 0755, 0)) < 0)
		return r;
	for (size_t i = 0; i < s->n; i++) {
		cleanup_json json_object *desc = NULL;

		r = put_image(s, &s->images[i], &desc);
		if (r < 0)
			return engine__error_wrap("image %s", s->images[i].id);
		if ((r = add_index_entries(manifests, desc, &s->images[i], s->format)) < 0)
			return r;
		if (s->format == ENGINE_IMAGE_FORMAT_DOCKER_ARCHIVE &&
		    (r = add_docker_entries(manifest_json, repos, &s->images[i])) < 0)
			return r;
	}
	if ((r = put_json(s, "index.json", index)) < 0 || (r = put_json(s, "oci-layout", layout)) < 0)
		return r;
	if (s->format == ENGINE_IMAGE_FORMAT_DOCKER_ARCHIVE &&
	    ((r = put_json(s, "manifest.json", manifest_json)) < 0 ||
	     (r = put_json(s, "repositories", repos)) < 0))
		return r;
	return 0;
}

/* Check the arguments, take the shared store lock (an rmi and GC elsewhere
 * must not take the blobs away while they are copied) and collect the
 * images. Returns the lock fd. */
static int save_begin(struct saver *s, const engine_strarray *refs, int format, bool have_target)
{
	int lock, r = 0;

	if (!s->ctx || !refs || !refs->count || !have_target)
		return engine__error_set(ENGINE_EINVALID, 0, "save: missing context, images or output");
	if (format != ENGINE_IMAGE_FORMAT_OCI && format != ENGINE_IMAGE_FORMAT_DOCKER_ARCHIVE)
		return engine__error_set(ENGINE_EINVALID, 0, "save: unknown format %d", format);
	lock = engine__store_lock(s->ctx, false);
	if (lock < 0)
		return lock;
	for (size_t i = 0; r >= 0 && i < refs->count; i++)
		r = refs->strings[i] ? collect(s, refs->strings[i])
				     : engine__error_set(ENGINE_EINVALID, 0, "NULL reference");
	if (r < 0) {
		engine__store_unlock(lock);
		return r;
	}
	return lock;
}

/* The whole archive to @fd. */
static int save_to_fd(struct saver *s, int fd)
{
	int r = engine__archive_writer_fd(fd, &s->a);

	if (r < 0)
		return r;
	r = write_archive(s);
	if (r < 0) {
		archive_write_free(s->a);
		s->a = NULL;
		return r;
	}
	r = engine__archive_writer_close(s->a, "write archive");
	s->a = NULL;
	return r;
}

ENGINE_EXTERN int engine_image_save(engine_context *ctx, const engine_strarray *refs, const char *path,
				    int format)
{
	struct saver s = {.ctx = ctx, .format = format};
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -EBADF;
	int lock, r;

	lock = save_begin(&s, refs, format, path != NULL);
	if (lock < 0) {
		saver_clear(&s);
		return path ? engine__error_wrap("save %s", path) : lock;
	}
	tmp = engine__strdup_printf("%s.tmp-XXXXXX", path);
	if (!tmp) {
		r = engine__error_oom();
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = engine__error_errno(errno, "create %s", tmp);
		goto out;
	}
	if ((r = save_to_fd(&s, fd)) < 0)
		goto remove_tmp;
	if (fchmod(fd, 0644) < 0 || fdatasync(fd) < 0) {
		r = engine__error_errno(errno, "write %s", tmp);
		goto remove_tmp;
	}
	if (rename(tmp, path) < 0) {
		r = engine__error_errno(errno, "rename %s to %s", tmp, path);
		goto remove_tmp;
	}
	goto out;
remove_tmp:
	unlink(tmp);
out:
	engine__store_unlock(lock);
	saver_clear(&s);
	if (r < 0)
		return engine__error_wrap("save %s", path);
	return 0;
}

ENGINE_EXTERN int engine_image_save_fd(engine_context *ctx, const engine_strarray *refs, int fd, int format)
{
	struct saver s = {.ctx = ctx, .format = format};
	int lock, r;

	lock = save_begin(&s, refs, format, fd >= 0);
	if (lock < 0) {
		saver_clear(&s);
		return lock;
	}
	r = save_to_fd(&s, fd);
	engine__store_unlock(lock);
	saver_clear(&s);
	return r < 0 ? engine__error_wrap("save") : 0;
}
