/*
 * Manifests of the registry view: GET resolves a tag through the store's
 * tags, then the registry's index, then (pull-through) the upstream; PUT
 * verifies the manifest and everything it references, stores it, and makes
 * a tagged image manifest a store image (layers unpacked, tagged) while
 * anything else goes into the registry's index.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "distribution/internal.h"
#include "registry/manifest.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

struct engine_distribution_manifest {
	char digest[ENGINE__DIGEST_LEN + 1];
	char *media_type;
	char *data;
	size_t len;
};

/* What a manifest is and what it references. More lenient than the
 * client's parser: artifacts with any config and layer types are valid. */
struct mshape {
	char *media_type;
	bool is_index;
	bool image; /* an image manifest the store can unpack */
	char config[ENGINE__DIGEST_LEN + 1];
	char **blobs;	 /* config and layers, NULL-terminated */
	char **children; /* index entries */
};

static void mshape_clear(struct mshape *s)
{
	free(s->media_type);
	engine__strv_free(s->blobs);
	engine__strv_free(s->children);
}

static bool is_manifest_type(const char *mt)
{
	return strcmp(mt, ENGINE__MT_OCI_MANIFEST) == 0 || strcmp(mt, ENGINE__MT_DOCKER_MANIFEST) == 0;
}

static bool is_index_type(const char *mt)
{
	return strcmp(mt, ENGINE__MT_OCI_INDEX) == 0 || strcmp(mt, ENGINE__MT_DOCKER_LIST) == 0;
}

static int descriptors(json_object *arr, const char *what, char ***out, bool *all_layers)
{
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		const char *dg = engine__json_get_string(o, "digest");
		const char *mt = engine__json_get_string(o, "mediaType");

		if (!engine__digest_valid(dg))
			return engine__error_set(ENGINE_EINVALID, 0, "manifest: %s %zu: %s digest \"%s\"",
						 what, i, dg ? "unsupported or malformed" : "no",
						 dg ? dg : "");
		if (!engine__json_get_type(o, "size", json_type_int) ||
		    engine__json_get_int(o, "size", -1) < 0)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "manifest: %s %s: missing or negative size", what, dg);
		if (all_layers && (!mt || !engine__manifest_layer_supported(mt)))
			*all_layers = false;
		if (engine__strv_push(out, dg) < 0)
			return ENGINE_ENOMEM;
	}
	return 0;
}

static int shape(const char *data, size_t len, const char *content_type, struct mshape *s)
{
	cleanup_json json_object *root = NULL;
	json_object *cfg;
	const char *mt;
	char ct[128] = "";
	int r;

	memset(s, 0, sizeof(*s));
	s->blobs = calloc(1, sizeof(char *));
	s->children = calloc(1, sizeof(char *));
	if (!s->blobs || !s->children)
		return engine__error_oom();
	r = engine__manifest_root(data, len, &root);
	if (r < 0)
		return r;
	if (content_type)
		snprintf(ct, sizeof(ct), "%.*s", (int)strcspn(content_type, "; \t"), content_type);
	mt = engine__json_get_string(root, "mediaType");
	if (!mt && ct[0] && (is_manifest_type(ct) || is_index_type(ct)))
		mt = ct;
	if (!mt)
		mt = json_object_object_get_ex(root, "manifests", NULL) ? ENGINE__MT_OCI_INDEX
		     : json_object_object_get_ex(root, "config", NULL)	? ENGINE__MT_OCI_MANIFEST
									: NULL;
	if (!mt)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "manifest: neither an image manifest nor an index");
	s->media_type = strdup(mt);
	if (!s->media_type)
		return engine__error_oom();
	if (json_object_object_get_ex(root, "manifests", NULL)) {
		json_object *list = engine__json_get_type(root, "manifests", json_type_array);

		if (!list)
			return engine__error_set(ENGINE_EINVALID, 0, "index: \"manifests\" must be a list");
		s->is_index = true;
		return descriptors(list, "index entry", &s->children, NULL);
	}
	cfg = engine__json_get_type(root, "config", json_type_object);
	if (!cfg || !engine__json_get_type(root, "layers", json_type_array))
		return engine__error_set(ENGINE_EINVALID, 0, "manifest: missing config or layers");
	{
		json_object *one = json_object_new_array();

		if (!one)
			return engine__error_oom();
		json_object_array_add(one, json_object_get(cfg));
		r = descriptors(one, "config", &s->blobs, NULL);
		json_object_put(one);
		if (r < 0)
			return r;
	}
	snprintf(s->config, sizeof(s->config), "%s", s->blobs[0]);
	s->image = is_manifest_type(mt);
	{
		const char *cmt = engine__json_get_string(cfg, "mediaType");

		if (!cmt || (strcmp(cmt, ENGINE__MT_OCI_CONFIG) && strcmp(cmt, ENGINE__MT_DOCKER_CONFIG)))
			s->image = false;
	}
	return descriptors(engine__json_get_type(root, "layers", json_type_array), "layer", &s->blobs,
			   &s->image);
}

/* --- GET ---------------------------------------------------------------------- */

static int load(engine_distribution *d, const char *digest, engine_distribution_manifest **out)
{
	cleanup_free char *data = NULL;
	struct mshape s;
	size_t len = 0;
	int r;

	r = engine__blob_read(d->ctx, digest, &data, &len);
	if (r < 0)
		return r;
	r = shape(data, len, NULL, &s);
	if (r < 0) {
		mshape_clear(&s);
		/* A layer or config blob is not a manifest. */
		return engine__error_set(ENGINE_ENOTFOUND, 0, "manifest %s: no such manifest", digest);
	}
	engine_distribution_manifest *m = calloc(1, sizeof(*m));
	if (!m) {
		mshape_clear(&s);
		return engine__error_oom();
	}
	memcpy(m->digest, digest, ENGINE__DIGEST_LEN + 1);
	m->media_type = steal_ptr(s.media_type);
	m->data = steal_ptr(data);
	m->len = len;
	mshape_clear(&s);
	*out = m;
	return 0;
}

/* The digest the store's tag or the registry's index gives @tag, or "";
 * *fetched: when a pull-through fetched it (0: not fetched). */
static int local_tag(engine_distribution *d, const char *name, const char *canonical, const char *tag,
		     char digest[ENGINE__DIGEST_LEN + 1], int64_t *fetched)
{
	cleanup_free char *key = NULL;
	cleanup_json json_object *tags = NULL, *idx = NULL;
	json_object *id, *itags, *v;
	int r;

	digest[0] = '\0';
	r = engine__dist_store_ref(d, name, tag, &key);
	if (r == 0)
		r = engine__tags_load(d->ctx, &tags);
	if (r < 0)
		return r;
	if (json_object_object_get_ex(tags, key, &id) && engine__digest_valid(json_object_get_string(id)))
		return engine__image_manifest_digest(d->ctx, json_object_get_string(id), digest);
	r = engine__dist_index_read(d, canonical, &idx);
	if (r < 0)
		return r;
	itags = engine__json_get_type(idx, "tags", json_type_object);
	if (itags && json_object_object_get_ex(itags, tag, &v) &&
	    engine__digest_valid(json_object_get_string(v)))
		snprintf(digest, ENGINE__DIGEST_LEN + 1, "%s", json_object_get_string(v));
	*fetched = engine__json_get_int(engine__json_get_type(idx, "fetched", json_type_object), tag, 0);
	return 0;
}

static int check_reference(const char *reference, bool *by_digest)
{
	*by_digest = reference && strchr(reference, ':');
	if (!*by_digest)
		return engine__dist_tag_check(reference);
	if (engine__digest_valid(reference))
		return 0;
	if (!engine__str_starts_with(reference, "sha256:"))
		return engine__error_set(ENGINE_ENOTSUP, 0, "digest \"%s\": only sha256 is supported",
					 reference);
	return engine__error_set(ENGINE_EINVALID, 0, "digest \"%s\" is malformed", reference);
}

ENGINE_EXTERN int engine_distribution_manifest_get(engine_distribution *d, const char *name,
						   const char *reference, engine_distribution_manifest **out)
{
	cleanup_free char *canonical = NULL;
	char digest[ENGINE__DIGEST_LEN + 1] = "";
	int64_t fetched = 0;
	bool by_digest;
	int r;

	if (!d || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "manifest: NULL argument");
	r = engine__dist_canonical(d, name, &canonical);
	if (r == 0)
		r = check_reference(reference, &by_digest);
	if (r < 0)
		return r;
	if (by_digest) {
		/* Unlinked from this repository by a DELETE. */
		r = engine__dist_index_deleted(d, canonical, reference);
		if (r < 0)
			return r;
		if (r > 0)
			return engine__error_set(ENGINE_ENOTFOUND, 0, "manifest %s@%s: no such manifest",
						 name, reference);
		snprintf(digest, sizeof(digest), "%s", reference);
	} else if ((r = local_tag(d, name, canonical, reference, digest, &fetched)) < 0)
		return engine__error_wrap("manifest %s:%s", name, reference);
	/* A tag the upstream gave a while ago may have moved there: ask again,
	 * and keep serving the copy while the upstream cannot answer. */
	if (digest[0] && fetched && d->upstream_domain && time(NULL) - fetched > ENGINE__DIST_TAG_TTL) {
		cleanup_free char *data = NULL;
		char fresh[ENGINE__DIGEST_LEN + 1];
		size_t len = 0;

		if (engine__dist_upstream_manifest(d, name, canonical, reference, &data, &len, fresh) == 0)
			memcpy(digest, fresh, sizeof(fresh));
		else
			engine__warn(d->ctx, "%s; serving the copy of %s:%s fetched before",
				     engine_error_last()->message, name, reference);
		engine_error_clear();
	}
	if (digest[0] && engine__blob_exists(d->ctx, digest))
		return load(d, digest, out);
	if (d->upstream_domain) {
		cleanup_free char *data = NULL;
		size_t len = 0;

		r = engine__dist_upstream_manifest(d, name, canonical, reference, &data, &len, digest);
		if (r < 0)
			return r;
		return load(d, digest, out);
	}
	return engine__error_set(ENGINE_ENOTFOUND, 0, "manifest %s%s%s: no such manifest", name,
				 by_digest ? "@" : ":", reference);
}

ENGINE_EXTERN const char *engine_distribution_manifest_digest(const engine_distribution_manifest *m)
{
	return m ? m->digest : NULL;
}

ENGINE_EXTERN const char *engine_distribution_manifest_media_type(const engine_distribution_manifest *m)
{
	return m ? m->media_type : NULL;
}

ENGINE_EXTERN const char *engine_distribution_manifest_data(const engine_distribution_manifest *m)
{
	return m ? m->data : NULL;
}

ENGINE_EXTERN size_t engine_distribution_manifest_size(const engine_distribution_manifest *m)
{
	return m ? m->len : 0;
}

ENGINE_EXTERN void engine_distribution_manifest_free(engine_distribution_manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	free(m->data);
	free(m);
}

/* --- PUT ---------------------------------------------------------------------- */

/* Unpack the layers of image manifest @s (their blobs are stored), then
 * register the image and point @key at it. */
static int register_image(engine_distribution *d, const struct mshape *s, const char *manifest,
			  const char *key)
{
	cleanup_json json_object *config = NULL;
	cleanup_free char *data = NULL;
	char chain[ENGINE__DIGEST_LEN + 1] = "";
	size_t len = 0, n = engine__strv_len(s->blobs) - 1;
	json_object *diff_ids;
	int r;

	r = engine__blob_read(d->ctx, s->config, &data, &len);
	if (r == 0)
		r = engine__json_parse(data, len, "image config", &config);
	if (r < 0)
		return engine__error_wrap("config %s", s->config);
	diff_ids = engine__json_get_type(engine__json_get_type(config, "rootfs", json_type_object),
					 "diff_ids", json_type_array);
	if (!diff_ids || json_object_array_length(diff_ids) != n)
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "config %s: rootfs.diff_ids has %zu entries for %zu layers in the manifest", s->config,
		    diff_ids ? json_object_array_length(diff_ids) : 0, n);
	for (size_t i = 0; i < n; i++) {
		const char *diff = json_object_get_string(json_object_array_get_idx(diff_ids, i));
		char next[ENGINE__DIGEST_LEN + 1];

		if (!engine__digest_valid(diff))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "config %s: diff_id %zu is not a sha256 digest", s->config,
						 i);
		r = engine__layer_unpack_blob(d->ctx, s->blobs[i + 1], diff, i ? chain : NULL, next);
		if (r < 0)
			return engine__error_wrap("layer %s", s->blobs[i + 1]);
		memcpy(chain, next, sizeof(chain));
	}
	r = engine__image_register(d->ctx, s->config, manifest);
	if (r == 0)
		r = engine__image_tag(d->ctx, s->config, key);
	return r;
}

/* 1 when @digest is stored and not unlinked from @canonical by a DELETE,
 * 0 when not, or an error. */
static int present(engine_distribution *d, const char *canonical, const char *digest)
{
	int r;

	if (!engine__blob_exists(d->ctx, digest))
		return 0;
	r = engine__dist_index_deleted(d, canonical, digest);
	return r < 0 ? r : !r;
}

static int check_present(engine_distribution *d, const char *canonical, const struct mshape *s)
{
	int r;

	for (size_t i = 0; s->blobs[i]; i++)
		if ((r = present(d, canonical, s->blobs[i])) <= 0)
			return r < 0 ? r
				     : engine__error_set(ENGINE_ENOTFOUND, 0,
							 "blob %s unknown: push the %s before the manifest",
							 s->blobs[i], i ? "layers" : "config");
	for (size_t i = 0; s->children[i]; i++)
		if ((r = present(d, canonical, s->children[i])) <= 0)
			return r < 0 ? r
				     : engine__error_set(
					   ENGINE_ENOTFOUND, 0,
					   "manifest %s unknown: push the index's manifests before it",
					   s->children[i]);
	return 0;
}

static int put_locked(engine_distribution *d, const char *name, const char *canonical, const char *tag,
		      const struct mshape *s, const char *data, size_t len, const char *digest)
{
	cleanup_free char *key = NULL;
	char stored[ENGINE__DIGEST_LEN + 1];
	int r;

	r = engine__blob_put_buf(d->ctx, data, len, digest, stored);
	if (r < 0)
		return r;
	if (tag && (r = engine__dist_store_ref(d, name, tag, &key)) < 0)
		return r;
	if (tag && s->image) {
		engine__dist_index_change c = {
		    .tag = tag, .drop_tag = true, .drop_blobs = s->blobs, .revive = digest};

		r = register_image(d, s, digest, key);
		return r < 0 ? r : engine__dist_index_update(d, canonical, &c);
	}
	engine__dist_index_change c = {.tag = tag, .manifest = digest, .add_blobs = s->blobs};
	r = engine__dist_index_update(d, canonical, &c);
	/* The tag now names what was pushed, not the store's image (which
	 * stays, untagged, as when a pull moves a tag). */
	if (r == 0 && key && engine__tag_remove(d->ctx, key) == ENGINE_ENOTFOUND) {
		engine_error_clear();
		r = 0;
	}
	return r;
}

ENGINE_EXTERN int engine_distribution_manifest_put(engine_distribution *d, const char *name,
						   const char *reference, const char *content_type,
						   const char *data, size_t len, char **digest_out)
{
	cleanup_free char *canonical = NULL;
	char digest[ENGINE__DIGEST_LEN + 1];
	struct mshape s = {0};
	bool by_digest;
	int lock, r;

	if (!d || (!data && len))
		return engine__error_set(ENGINE_EINVALID, 0, "manifest: NULL argument");
	if ((r = engine__dist_writable(d, false)) < 0)
		return r;
	r = engine__dist_canonical(d, name, &canonical);
	if (r == 0)
		r = check_reference(reference, &by_digest);
	if (r == 0)
		r = engine__sha256_buf(data ? data : "", len, digest);
	if (r < 0)
		return r;
	if (by_digest && strcmp(digest, reference) != 0)
		return engine__error_set(ENGINE_EINVALID, 0, "digest mismatch: the manifest is %s, not %s",
					 digest, reference);
	r = shape(data ? data : "", len, content_type, &s);
	if (r == 0)
		r = check_present(d, canonical, &s);
	if (r == 0) {
		/* Shared: a GC must not collect the referenced blobs before the
		 * image or the index holds them. */
		lock = r = engine__store_lock(d->ctx, false);
		if (lock >= 0) {
			r = put_locked(d, name, canonical, by_digest ? NULL : reference, &s, data ? data : "",
				       len, digest);
			engine__store_unlock(lock);
		}
	}
	mshape_clear(&s);
	if (r < 0)
		return engine__error_wrap("manifest %s%s%s", name, by_digest ? "@" : ":", reference);
	if (digest_out && !(*digest_out = strdup(digest)))
		return engine__error_oom();
	return 0;
}

/* --- DELETE ------------------------------------------------------------------- */

/* Drop the store tags of @canonical that are @tag, or (@tag NULL) whose
 * image's manifest is @digest; *n counts them. */
static int delete_store_tags(engine_distribution *d, const char *canonical, const char *tag,
			     const char *digest, int *n)
{
	cleanup_json json_object *tags = NULL;
	cleanup_strv char **drop = calloc(1, sizeof(char *));
	int r;

	if (!drop)
		return engine__error_oom();
	r = engine__tags_load(d->ctx, &tags);
	if (r < 0)
		return r;
	json_object_object_foreach(tags, key, val)
	{
		cleanup_free char *t = NULL;
		cleanup_free char *served = engine__dist_served_name(d, key, &t);
		char md[ENGINE__DIGEST_LEN + 1];

		if (!served || strcmp(served, canonical) != 0)
			continue;
		if (tag ? strcmp(t, tag) != 0
			: (engine__image_manifest_digest(d->ctx, json_object_get_string(val), md) < 0 ||
			   strcmp(md, digest) != 0)) {
			engine_error_clear();
			continue;
		}
		if ((r = engine__strv_push(&drop, key)) < 0)
			return r;
	}
	for (size_t i = 0; drop[i]; i++) {
		r = engine__tag_remove(d->ctx, drop[i]);
		if (r == ENGINE_ENOTFOUND) { /* removed meanwhile */
			engine_error_clear();
			continue;
		}
		if (r < 0)
			return r;
		(*n)++;
	}
	return 0;
}

/* Drop @canonical's index tags that are @tag or name @digest, and @digest
 * from its manifests; *n counts what went. */
static int delete_index_entries(engine_distribution *d, const char *canonical, const char *tag,
				const char *digest, int *n)
{
	cleanup_json json_object *idx = NULL;
	cleanup_strv char **drop = calloc(1, sizeof(char *));
	json_object *itags, *manifests;
	int r;

	if (!drop)
		return engine__error_oom();
	r = engine__dist_index_read(d, canonical, &idx);
	if (r < 0)
		return r;
	itags = engine__json_get_type(idx, "tags", json_type_object);
	if (itags) {
		json_object_object_foreach(itags, t, v)
		{
			if ((tag ? strcmp(t, tag) : strcmp(json_object_get_string(v), digest)) == 0 &&
			    (r = engine__strv_push(&drop, t)) < 0)
				return r;
		}
	}
	for (size_t i = 0; drop[i]; i++) {
		engine__dist_index_change c = {.tag = drop[i], .drop_tag = true};

		if ((r = engine__dist_index_update(d, canonical, &c)) < 0)
			return r;
		(*n)++;
	}
	manifests = engine__json_get_type(idx, "manifests", json_type_array);
	for (size_t i = 0; !tag && manifests && i < json_object_array_length(manifests); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(manifests, i)), digest) == 0) {
			engine__dist_index_change c = {.drop_manifest = digest};

			if ((r = engine__dist_index_update(d, canonical, &c)) < 0)
				return r;
			(*n)++;
			break;
		}
	return 0;
}

/* By digest, as Distribution unlinks a manifest from the repository: a
 * GET by digest no longer finds it there, whatever else (other
 * repositories, the store's untagged image) still holds the content. A
 * stored manifest no tag named counts as deleted (*n) unless it was. */
static int unlink_digest(engine_distribution *d, const char *canonical, const char *digest, int *n)
{
	engine__dist_index_change c = {.forget = digest};
	engine_distribution_manifest *m = NULL;
	int r;

	if (*n == 0) {
		r = engine__dist_index_deleted(d, canonical, digest);
		if (r != 0)
			return r < 0 ? r : 0;
		if (!engine__blob_exists(d->ctx, digest) || load(d, digest, &m) < 0) {
			engine_error_clear();
			return 0;
		}
		engine_distribution_manifest_free(m);
		(*n)++;
	}
	return engine__dist_index_update(d, canonical, &c);
}

ENGINE_EXTERN int engine_distribution_manifest_delete(engine_distribution *d, const char *name,
						      const char *reference)
{
	cleanup_free char *canonical = NULL;
	bool by_digest;
	int lock, n = 0, r;

	if (!d)
		return engine__error_set(ENGINE_EINVALID, 0, "manifest: NULL argument");
	if ((r = engine__dist_writable(d, true)) < 0)
		return r;
	r = engine__dist_canonical(d, name, &canonical);
	if (r == 0)
		r = check_reference(reference, &by_digest);
	if (r < 0)
		return r;
	lock = r = engine__store_lock(d->ctx, false);
	if (lock >= 0) {
		r = delete_store_tags(d, canonical, by_digest ? NULL : reference, reference, &n);
		if (r == 0)
			r = delete_index_entries(d, canonical, by_digest ? NULL : reference, reference, &n);
		if (r == 0 && by_digest)
			r = unlink_digest(d, canonical, reference, &n);
		engine__store_unlock(lock);
	}
	if (r == 0 && n == 0)
		r = engine__error_set(ENGINE_ENOTFOUND, 0, "no such manifest");
	return r < 0 ? engine__error_wrap("manifest %s%s%s", name, by_digest ? "@" : ":", reference) : 0;
}
