/*
 * Image records (images/<id hex>.json): registration once the config and
 * layer blobs are stored and the layers unpacked, lookup by tag or ID, and
 * what a container needs to run one (engine__image_rootfs_get).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/context.h"
#include "core/error.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/reference.h"
#include "util/str.h"
#include "util/strv.h"

/* RFC 3339 ("2024-01-02T03:04:05.123Z", "+01:00") to Unix seconds; 0 if unparsable. */
int64_t engine__image_parse_created(const char *s)
{
	struct tm tm = {0};
	const char *p;
	int64_t t;

	if (!s || !(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return 0;
	t = (int64_t)timegm(&tm);
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if ((*p == '+' || *p == '-') && strlen(p) >= 6) {
		int off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 + ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
		t += *p == '+' ? -off : off;
	}
	return t;
}

int engine__image_record(engine_context *ctx, const char *image_id, json_object **out)
{
	cleanup_free char *path = NULL;
	int r;

	if (!engine__digest_valid(image_id))
		return engine__error_set(ENGINE_EINVALID, 0, "invalid image ID \"%s\"",
					 image_id ? image_id : "(null)");
	path = engine__store_path(ctx, "images", image_id, ".json");
	if (!path)
		return ENGINE_ENOMEM;
	r = engine__json_parse_file(path, out);
	if (r == ENGINE_ENOTFOUND)
		return engine__error_set(ENGINE_ENOTFOUND, ENOENT, "No such image: %s", image_id);
	return r < 0 ? engine__error_wrap("image %s", image_id) : 0;
}

int engine__image_config(engine_context *ctx, const char *image_id, json_object **out)
{
	cleanup_free char *data = NULL;
	size_t len;
	int r = engine__blob_read(ctx, image_id, &data, &len);

	if (r < 0)
		return engine__error_wrap("image %s: config", image_id);
	return engine__json_parse(data, len, "image config", out);
}

int engine__image_ids(engine_context *ctx, char ***out)
{
	cleanup_free char *dir = engine__context_path(ctx, "images");
	cleanup_closedir DIR *d = NULL;
	cleanup_strv char **ids = calloc(1, sizeof(char *));
	struct dirent *de;

	if (!dir || !ids)
		return engine__error_oom();
	d = opendir(dir);
	if (!d) {
		if (errno != ENOENT)
			return engine__error_errno(errno, "open %s", dir);
		*out = steal_ptr(ids);
		return 0;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char id[ENGINE__DIGEST_LEN + 1];

		if (n != 64 + 5 || !engine__str_ends_with(de->d_name, ".json"))
			continue;
		snprintf(id, sizeof(id), "sha256:%.64s", de->d_name);
		if (engine__digest_valid(id) && engine__strv_push(&ids, id) < 0)
			return ENGINE_ENOMEM;
	}
	*out = steal_ptr(ids);
	return 0;
}

/* Layer blobs of a manifest, or of the layer records when there is none
 * (then a manifest is synthesised and stored, so save/push have one). */
static int manifest_layers(engine_context *ctx, const char *config_digest, const char *manifest_digest,
			   char **chain_ids, char *manifest_out, char ***blobs_out)
{
	cleanup_strv char **blobs = calloc(1, sizeof(char *));
	cleanup_json json_object *man = NULL;
	size_t n = engine__strv_len(chain_ids);
	int r;

	if (!blobs)
		return engine__error_oom();
	if (manifest_digest) {
		cleanup_free char *data = NULL;
		size_t len;
		json_object *layers;

		r = engine__blob_read(ctx, manifest_digest, &data, &len);
		if (r < 0 || (r = engine__json_parse(data, len, "manifest", &man)) < 0)
			return engine__error_wrap("manifest");
		layers = engine__json_get_type(man, "layers", json_type_array);
		if (!layers || json_object_array_length(layers) != n)
			return engine__error_set(
			    ENGINE_EINVALID, 0, "manifest %s: %zu layers, but the config lists %zu diff IDs",
			    manifest_digest, layers ? json_object_array_length(layers) : 0, n);
		for (size_t i = 0; i < n; i++) {
			const char *d =
			    engine__json_get_string(json_object_array_get_idx(layers, i), "digest");
			if (!engine__digest_valid(d))
				return engine__error_set(ENGINE_EINVALID, 0,
							 "manifest %s: layer %zu: bad digest",
							 manifest_digest, i);
			if ((r = engine__strv_push(&blobs, d)) < 0)
				return r;
		}
		snprintf(manifest_out, ENGINE__DIGEST_LEN + 1, "%s", manifest_digest);
		*blobs_out = steal_ptr(blobs);
		return 0;
	}

	cleanup_free char *cfg_path = NULL;
	struct stat st;
	json_object *layers = json_object_new_array();
	man = json_object_new_object();
	if (!man || !layers) {
		json_object_put(layers);
		return engine__error_oom();
	}
	r = engine__blob_path(ctx, config_digest, &cfg_path);
	if (r < 0)
		return r;
	if (stat(cfg_path, &st) < 0) {
		json_object_put(layers);
		return engine__error_errno(errno, "stat %s", cfg_path);
	}
	json_object *cfg = json_object_new_object();
	json_object_object_add(man, "schemaVersion", json_object_new_int(2));
	engine__json_add_string(man, "mediaType", "application/vnd.oci.image.manifest.v1+json");
	engine__json_add_string(cfg, "mediaType", "application/vnd.oci.image.config.v1+json");
	engine__json_add_string(cfg, "digest", config_digest);
	json_object_object_add(cfg, "size", json_object_new_int64(st.st_size));
	json_object_object_add(man, "config", cfg);
	json_object_object_add(man, "layers", layers);
	for (size_t i = 0; i < n; i++) {
		cleanup_json json_object *rec = NULL;
		json_object *l = json_object_new_object();

		if (!l)
			return engine__error_oom();
		json_object_array_add(layers, l);
		r = engine__layer_record(ctx, chain_ids[i], &rec);
		if (r < 0)
			return r;
		engine__json_add_string(l, "mediaType", engine__json_get_string(rec, "media_type"));
		engine__json_add_string(l, "digest", engine__json_get_string(rec, "blob"));
		json_object_object_add(l, "size",
				       json_object_new_int64(engine__json_get_int(rec, "blob_size", 0)));
		if (!engine__digest_valid(engine__json_get_string(rec, "blob")))
			return engine__error_set(ENGINE_EINVALID, 0, "layer %s: record without a blob",
						 chain_ids[i]);
		if ((r = engine__strv_push(&blobs, engine__json_get_string(rec, "blob"))) < 0)
			return r;
	}
	size_t len;
	const char *s = json_object_to_json_string_length(
	    man, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	r = engine__blob_put_buf(ctx, s, len, NULL, manifest_out);
	if (r < 0)
		return r;
	*blobs_out = steal_ptr(blobs);
	return 0;
}

int engine__image_register(engine_context *ctx, const char *config_digest, const char *manifest_digest)
{
	cleanup_json json_object *config = NULL, *rec = NULL;
	cleanup_strv char **diff_ids = NULL, **chains = calloc(1, sizeof(char *)), **blobs = NULL;
	cleanup_free char *dir = NULL, *path = NULL;
	char manifest[ENGINE__DIGEST_LEN + 1];
	int64_t size = 0;
	json_object *rootfs;
	int lock, r;

	if (!chains)
		return engine__error_oom();
	if (!engine__digest_valid(config_digest))
		return engine__error_set(ENGINE_EINVALID, 0, "invalid config digest \"%s\"",
					 config_digest ? config_digest : "(null)");
	if (manifest_digest && !engine__digest_valid(manifest_digest))
		return engine__error_set(ENGINE_EINVALID, 0, "invalid manifest digest \"%s\"",
					 manifest_digest);
	lock = engine__store_lock(ctx, false);
	if (lock < 0)
		return lock;
	r = engine__image_config(ctx, config_digest, &config);
	if (r < 0)
		goto out;
	rootfs = engine__json_get_type(config, "rootfs", json_type_object);
	r = engine__json_to_strv(engine__json_get_type(rootfs, "diff_ids", json_type_array), &diff_ids);
	if (r < 0 || !rootfs) {
		r = engine__error_set(ENGINE_EINVALID, 0, "image %s: config has no valid rootfs.diff_ids",
				      config_digest);
		goto out;
	}
	char prev[ENGINE__DIGEST_LEN + 1] = "";
	for (size_t i = 0; diff_ids[i]; i++) {
		char chain[ENGINE__DIGEST_LEN + 1];
		cleanup_json json_object *lrec = NULL;

		if (!engine__digest_valid(diff_ids[i])) {
			r = engine__error_set(ENGINE_EINVALID, 0, "image %s: invalid diff ID \"%s\"",
					      config_digest, diff_ids[i]);
			goto out;
		}
		engine__chain_id(i ? prev : NULL, diff_ids[i], chain);
		r = engine__layer_record(ctx, chain, &lrec);
		if (r < 0) {
			engine__error_wrap("image %s: layer %zu (diff ID %s) is not unpacked", config_digest,
					   i, diff_ids[i]);
			goto out;
		}
		size += engine__json_get_int(lrec, "size", 0);
		if ((r = engine__strv_push(&chains, chain)) < 0)
			goto out;
		memcpy(prev, chain, sizeof(chain));
	}
	r = manifest_layers(ctx, config_digest, manifest_digest, chains, manifest, &blobs);
	if (r < 0) {
		engine__error_wrap("image %s", config_digest);
		goto out;
	}
	rec = json_object_new_object();
	dir = engine__context_path(ctx, "images");
	path = engine__store_path(ctx, "images", config_digest, ".json");
	if (!rec || !dir || !path) {
		r = engine__error_oom();
		goto out;
	}
	engine__json_add_string(rec, "id", config_digest);
	engine__json_add_string(rec, "manifest", manifest);
	json_object_object_add(rec, "layers", engine__json_from_strv(blobs));
	json_object_object_add(rec, "diff_ids", engine__json_from_strv(diff_ids));
	json_object_object_add(rec, "chain_ids", engine__json_from_strv(chains));
	json_object_object_add(
	    rec, "created",
	    json_object_new_int64(engine__image_parse_created(engine__json_get_string(config, "created"))));
	json_object_object_add(rec, "size", json_object_new_int64(size));
	json_object_object_add(rec, "registered", json_object_new_int64((int64_t)time(NULL)));
	r = engine__mkdir_p(dir, 0700);
	if (r == 0)
		r = engine__json_write_file(path, rec, false);
out:
	engine__store_unlock(lock);
	return r;
}

int engine__image_manifest_digest(engine_context *ctx, const char *image_id,
				  char digest_out[ENGINE__DIGEST_LEN + 1])
{
	cleanup_json json_object *rec = NULL;
	const char *m;
	int r = engine__image_record(ctx, image_id, &rec);

	if (r < 0)
		return r;
	m = engine__json_get_string(rec, "manifest");
	if (!engine__digest_valid(m))
		return engine__error_set(ENGINE_EINVALID, 0, "image %s: record names no manifest", image_id);
	snprintf(digest_out, ENGINE__DIGEST_LEN + 1, "%s", m);
	return 0;
}

static bool all_hex(const char *s)
{
	return s[0] && strspn(s, "0123456789abcdef") == strlen(s);
}

int engine__image_lookup(engine_context *ctx, const char *ref, char id_out[ENGINE__DIGEST_LEN + 1])
{
	cleanup_free char *norm = NULL;
	cleanup_json json_object *flat = NULL;
	cleanup_strv char **ids = NULL;
	const char *hex;
	json_object *id;
	int r;

	if (!ref || !ref[0])
		return engine__error_set(ENGINE_EINVALID, 0, "empty image reference");
	hex = engine__str_starts_with(ref, "sha256:") ? ref + 7 : ref;
	if (strlen(hex) == 64 && all_hex(hex)) {
		cleanup_json json_object *rec = NULL;
		char full[ENGINE__DIGEST_LEN + 1];

		snprintf(full, sizeof(full), "sha256:%s", hex);
		r = engine__image_record(ctx, full, &rec);
		if (r < 0)
			return r == ENGINE_ENOTFOUND ? engine__error_set(r, ENOENT, "No such image: %s", ref)
						     : r;
		memcpy(id_out, full, sizeof(full));
		return 0;
	}
	if (engine__reference_normalize(ref, &norm) == 0) {
		r = engine__tags_load(ctx, &flat);
		if (r < 0)
			return r;
		if (json_object_object_get_ex(flat, norm, &id) &&
		    engine__digest_valid(json_object_get_string(id))) {
			snprintf(id_out, ENGINE__DIGEST_LEN + 1, "%s", json_object_get_string(id));
			return 0;
		}
	}
	r = engine__image_ids(ctx, &ids);
	if (r < 0)
		return r;
	const char *at = strchr(ref, '@');
	if (at && engine__digest_valid(at + 1)) {
		/* name@digest: the image whose manifest has that digest. */
		for (size_t i = 0; ids[i]; i++) {
			cleanup_json json_object *rec = NULL;
			const char *m;
			if (engine__image_record(ctx, ids[i], &rec) == 0 &&
			    (m = engine__json_get_string(rec, "manifest")) && strcmp(m, at + 1) == 0) {
				snprintf(id_out, ENGINE__DIGEST_LEN + 1, "%s", ids[i]);
				return 0;
			}
		}
	} else if (all_hex(hex) && strlen(hex) < 64) {
		const char *match = NULL;
		size_t n = 0;

		for (size_t i = 0; ids[i]; i++)
			if (strncmp(ids[i] + 7, hex, strlen(hex)) == 0) {
				match = ids[i];
				n++;
			}
		if (n > 1)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "short image ID \"%s\" is ambiguous (%zu images)", ref, n);
		if (n == 1) {
			snprintf(id_out, ENGINE__DIGEST_LEN + 1, "%s", match);
			return 0;
		}
	}
	return engine__error_set(ENGINE_ENOTFOUND, ENOENT, "No such image: %s", norm ? norm : ref);
}

void engine__image_rootfs_free(engine__image_rootfs *r)
{
	if (!r)
		return;
	engine__strv_free(r->layer_dirs);
	if (r->config)
		json_object_put(r->config);
	free(r);
}

int engine__image_rootfs_get(engine_context *ctx, const char *ref, engine__image_rootfs **out)
{
	cleanup_json json_object *rec = NULL, *config = NULL;
	engine__image_rootfs *rf;
	json_object *chains, *inner;
	int r;

	rf = calloc(1, sizeof(*rf));
	if (!rf)
		return engine__error_oom();
	r = engine__image_lookup(ctx, ref, rf->id);
	if (r < 0 || (r = engine__image_record(ctx, rf->id, &rec)) < 0 ||
	    (r = engine__image_config(ctx, rf->id, &config)) < 0)
		goto fail;
	rf->layer_dirs = calloc(1, sizeof(char *));
	if (!rf->layer_dirs) {
		r = engine__error_oom();
		goto fail;
	}
	chains = engine__json_get_type(rec, "chain_ids", json_type_array);
	for (size_t i = 0; chains && i < json_object_array_length(chains); i++) {
		const char *chain = json_object_get_string(json_object_array_get_idx(chains, i));
		char *dir = NULL;

		r = engine__layer_dir(ctx, chain, &dir);
		if (r < 0) {
			engine__error_wrap("image %s", rf->id);
			goto fail;
		}
		if ((r = engine__strv_push_take(&rf->layer_dirs, dir)) < 0)
			goto fail;
	}
	inner = engine__json_get_type(config, "config", json_type_object);
	rf->config = inner ? json_object_get(inner) : json_object_new_object();
	if (!rf->config) {
		r = engine__error_oom();
		goto fail;
	}
	*out = rf;
	return 0;

fail:
	engine__image_rootfs_free(rf);
	return r;
}
