/*
 * engine_image_load: detect the archive's format, plan and verify every
 * image in it, then store blobs, unpack layers, register and tag. The
 * plan is complete and checked before the first blob is committed, so a
 * bad archive (broken JSON, missing blob, digest mismatch, no image for
 * the platform) stores nothing.
 */
#include "config.h"

#include <string.h>

#include <engine/image.h>

#include "core/abi.h"
#include "core/error.h"
#include "image/image_load.h"
#include "util/reference.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

ENGINE_EXTERN int engine_image_load_options_init(engine_image_load_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_image_load_options, opts, version,
					  ENGINE_IMAGE_LOAD_OPTIONS_INIT);
}

void engine__load_plan_clear(struct engine__load_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		struct engine__load_image *img = &plan->images[i];

		for (size_t l = 0; l < img->n_layer_jobs; l++)
			engine__layer_job_free(img->layer_jobs[l]);
		free(img->layer_jobs);
		free(img->config_name);
		free(img->manifest_name);
		engine__strv_free(img->layer_names);
		engine__strv_free(img->layer_digests);
		engine__strv_free(img->diff_ids);
		engine__strv_free(img->tags);
		engine__strv_free(img->bare_tags);
	}
	free(plan->images);
	engine__strv_free(plan->seen_platforms);
	memset(plan, 0, sizeof(*plan));
}

struct engine__load_image *engine__load_plan_image(struct engine__load_plan *plan, const char *config_digest,
						   bool *is_new)
{
	struct engine__load_image *imgs;

	for (size_t i = 0; i < plan->n; i++)
		if (!strcmp(plan->images[i].config_digest, config_digest)) {
			*is_new = false;
			return &plan->images[i];
		}
	imgs = realloc(plan->images, (plan->n + 1) * sizeof(*imgs));
	if (!imgs)
		return NULL;
	plan->images = imgs;
	memset(&imgs[plan->n], 0, sizeof(*imgs));
	snprintf(imgs[plan->n].config_digest, sizeof(imgs->config_digest), "%s", config_digest);
	*is_new = true;
	return &imgs[plan->n++];
}

int engine__load_verify_member(engine__source *src, const char *name, const char *digest, int64_t size)
{
	char got[ENGINE__DIGEST_LEN + 1];
	int64_t got_size;
	int r = engine__source_stage(src, name, got, &got_size);

	if (r == ENGINE_EINVALID)
		return engine__error_set(ENGINE_EINVALID, 0, "blob %s: missing from the archive (%s)", digest,
					 name);
	if (r < 0)
		return engine__error_wrap("blob %s", digest);
	if (strcmp(got, digest))
		return engine__error_set(ENGINE_EINVALID, 0, "blob %s: digest mismatch: the archive holds %s",
					 digest, got);
	if (size >= 0 && size != got_size)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "blob %s: size mismatch: descriptor says %lld, blob has %lld",
					 digest, (long long)size, (long long)got_size);
	return 0;
}

int engine__load_read_config(engine__source *src, struct engine__load_image *img, size_t n_layers,
			     json_object **config_out)
{
	cleanup_json json_object *config = NULL;
	json_object *rootfs, *diff_ids;
	size_t n;
	int r = engine__source_read_json(src, img->config_name, &config);

	if (r < 0)
		return engine__error_wrap("config %s", img->config_digest);
	rootfs = engine__json_get_type(config, "rootfs", json_type_object);
	diff_ids = rootfs ? engine__json_get_type(rootfs, "diff_ids", json_type_array) : NULL;
	if (!diff_ids)
		return engine__error_set(ENGINE_EINVALID, 0, "config %s: no rootfs.diff_ids",
					 img->config_digest);
	n = json_object_array_length(diff_ids);
	if (n != n_layers)
		return engine__error_set(ENGINE_EINVALID, 0, "config %s: %zu diff_ids for %zu layers",
					 img->config_digest, n, n_layers);
	/* Read again (an image named twice): the new list replaces the old. */
	engine__strv_free(img->diff_ids);
	img->diff_ids = NULL;
	r = engine__json_to_strv(diff_ids, &img->diff_ids);
	if (r < 0)
		return engine__error_wrap("config %s: rootfs.diff_ids", img->config_digest);
	for (size_t i = 0; i < n; i++) {
		if (!engine__digest_valid(img->diff_ids[i]))
			return engine__error_set(ENGINE_EINVALID, 0, "config %s: malformed diff_id \"%s\"",
						 img->config_digest, img->diff_ids[i]);
		/* An uncompressed layer is its own diff: check it now, before
		 * anything is stored, rather than while unpacking. */
		if (!engine__source_compressed(src, img->layer_names[i]) &&
		    strcmp(img->layer_digests[i], img->diff_ids[i]))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "layer %s: uncompressed content does not match diff_id %s",
						 img->layer_digests[i], img->diff_ids[i]);
	}
	if (config_out)
		*config_out = steal_ptr(config);
	return 0;
}

/* Give names to images the archive leaves unnamed, from the --tag option:
 * a full "name:tag" names the one untagged image, a bare name combines
 * with the layout's ref.name tags (or "latest"). */
static int apply_tag_option(struct engine__load_plan *plan, const char *opt)
{
	cleanup_reference engine__reference *parsed = NULL;
	size_t untagged = 0;
	bool full;
	int r;

	if ((r = engine__reference_parse(opt, NULL, &parsed)) < 0)
		return r;
	full = !parsed->tag_implied;
	for (size_t i = 0; i < plan->n; i++)
		if (!plan->images[i].tags && (full || !plan->images[i].bare_tags))
			untagged++;
	if (untagged > 1)
		return engine__error_set(ENGINE_EINVALID, 0, "tag %s: the archive holds %zu untagged images",
					 opt, untagged);
	for (size_t i = 0; i < plan->n; i++) {
		struct engine__load_image *img = &plan->images[i];

		if (img->tags)
			continue;
		if (full || !img->bare_tags) {
			r = engine__strv_push(&img->tags, opt);
			if (r < 0)
				return r;
			continue;
		}
		for (char **t = img->bare_tags; *t; t++) {
			cleanup_free char *ref = engine__strdup_printf("%s:%s", opt, *t);

			if (!ref || (r = engine__strv_push(&img->tags, ref)) < 0)
				return engine__error_oom();
		}
	}
	return 0;
}

static int commit_image(engine_context *ctx, struct engine__load_image *img, char ***loaded)
{
	size_t n = 0;
	int r;

	while (img->layer_digests && img->layer_digests[n])
		n++;
	if (n) {
		cleanup_free char(*chains)[ENGINE__DIGEST_LEN + 1] = calloc(n, sizeof(*chains));

		if (!chains)
			return engine__error_oom();
		r = engine__layer_unpack_chain(ctx, n, img->layer_digests, img->diff_ids, NULL,
					       img->n_layer_jobs == n ? img->layer_jobs : NULL, chains);
		if (r < 0)
			return engine__error_wrap("image %s", img->config_digest);
	}
	r = engine__image_register(ctx, img->config_digest, img->manifest_name ? img->manifest_digest : NULL);
	if (r < 0)
		return engine__error_wrap("image %s", img->config_digest);
	for (char **t = img->tags; t && *t; t++) {
		cleanup_free char *familiar = NULL;

		/* Tagged the way docker prints it, so "docker.io/library/x:1" from
		 * an annotation and "x:1" from RepoTags are one tag. */
		if ((r = engine__reference_normalize(*t, &familiar)) < 0)
			return engine__error_wrap("image %s", img->config_digest);
		r = engine__image_tag(ctx, img->config_digest, familiar);
		if (r < 0)
			return engine__error_wrap("image %s", img->config_digest);
		if ((r = engine__strv_push_take(loaded, steal_ptr(familiar))) < 0)
			return r;
	}
	if (!img->tags && (r = engine__strv_push(loaded, img->config_digest)) < 0)
		return r;
	return 0;
}

static int commit_blobs(engine__source *src, struct engine__load_image *img)
{
	int r;

	for (size_t i = 0; img->layer_names && img->layer_names[i]; i++)
		if ((r = engine__source_commit(src, img->layer_names[i])) < 0)
			return r;
	if ((r = engine__source_commit(src, img->config_name)) < 0)
		return r;
	if (img->manifest_name && (r = engine__source_commit(src, img->manifest_name)) < 0)
		return r;
	return 0;
}

static int plan_archive(engine__source *src, const engine_image_load_options *opts,
			struct engine__load_plan *plan)
{
	int r;

	/* docker-archive first: recent Docker writes an OCI layout beside
	 * manifest.json, and manifest.json carries the RepoTags. */
	if (engine__source_has(src, "manifest.json")) {
		r = engine__docker_archive_plan(src, plan);
	} else if (engine__source_has(src, "index.json")) {
		r = engine__oci_layout_plan(src, opts ? opts->platform : NULL, plan);
	} else {
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "neither an OCI image layout (no index.json) nor a docker-archive (no manifest.json)");
	}
	if (r < 0)
		return r;
	if (plan->n == 0) {
		cleanup_free char *seen = NULL;
		size_t len = 0;

		for (char **p = plan->seen_platforms; p && *p; p++)
			len += strlen(*p) + 2;
		seen = calloc(1, len + 1);
		if (!seen)
			return engine__error_oom();
		for (char **p = plan->seen_platforms; p && *p; p++) {
			if (*seen)
				strcat(seen, ", ");
			strcat(seen, *p);
		}
		if (*seen)
			return engine__error_set(
			    ENGINE_EINVALID, 0, "no image for platform %s (the archive has %s)",
			    opts && opts->platform ? opts->platform : "linux/amd64", seen);
		return engine__error_set(ENGINE_EINVALID, 0, "no image in the archive");
	}
	if (opts && opts->tag && *opts->tag && (r = apply_tag_option(plan, opts->tag)) < 0)
		return r;
	/* A malformed name fails here, before anything is stored. */
	for (size_t i = 0; i < plan->n; i++)
		for (char **t = plan->images[i].tags; t && *t; t++) {
			cleanup_free char *norm = NULL;

			if ((r = engine__reference_normalize(*t, &norm)) < 0)
				return r;
		}
	return 0;
}

ENGINE_EXTERN int engine_image_load(engine_context *ctx, const char *path,
				    const engine_image_load_options *opts, engine_strarray *loaded)
{
	engine_image_load_options o = ENGINE_IMAGE_LOAD_OPTIONS_INIT;
	struct engine__load_plan plan = {0};
	engine__source *src = NULL;
	cleanup_strv char **names = NULL;
	int lock = -1;
	int r;

	if (!ctx || !path)
		return engine__error_set(ENGINE_EINVALID, 0, "load: missing context or path");
	if ((r = engine__abi_read(ENGINE__ABI(engine_image_load_options), &o, opts)) < 0)
		return r;
	opts = &o;
	if (loaded)
		*loaded = (engine_strarray){NULL, 0};
	r = engine__source_open(ctx, path, &src);
	if (r < 0)
		return engine__error_wrap("load");
	r = plan_archive(src, opts, &plan);
	/* Shared store lock from the first commit to the last tag: GC must not
	 * sweep blobs and layers that are stored but not yet registered. */
	if (r >= 0)
		r = lock = engine__store_lock(ctx, false);
	for (size_t i = 0; r >= 0 && i < plan.n; i++)
		r = commit_blobs(src, &plan.images[i]);
	for (size_t i = 0; r >= 0 && i < plan.n; i++)
		r = commit_image(ctx, &plan.images[i], &names);
	if (lock >= 0)
		engine__store_unlock(lock);
	if (r < 0)
		engine__error_wrap("load %s", path);
	engine__load_plan_clear(&plan);
	engine__source_free(src);
	if (r < 0)
		return r;
	if (!names && (names = calloc(1, sizeof(char *))) == NULL)
		return engine__error_oom();
	if (loaded)
		engine__strv_to_array(steal_ptr(names), loaded);
	return 0;
}
