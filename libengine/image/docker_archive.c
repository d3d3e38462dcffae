/*
 * `docker save` archives: manifest.json (Config, RepoTags, Layers) over
 * either the legacy layout (<id>.json configs, <id>/layer.tar) or the
 * OCI-blob layout of Docker 25+ (blobs/sha256/...). Layers are referenced
 * by path, so their digests are computed; the config's must be the ID its
 * name promises.
 */
#include "config.h"

#include <string.h>

#include "core/error.h"
#include "image/image_load.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

/* The digest a config's member name promises: "<hex>.json" (legacy) or
 * "blobs/sha256/<hex>"; empty when the name promises nothing. */
static void promised_digest(const char *name, char out[ENGINE__DIGEST_LEN + 1])
{
	const char *base = strrchr(name, '/');
	char d[ENGINE__DIGEST_LEN + 1];

	base = base ? base + 1 : name;
	out[0] = '\0';
	if (strlen(base) == 64 + 5 && engine__str_ends_with(base, ".json"))
		snprintf(d, sizeof(d), "sha256:%.64s", base);
	else if (strlen(base) == 64 && engine__str_starts_with(name, "blobs/sha256/"))
		snprintf(d, sizeof(d), "sha256:%s", base);
	else
		return;
	if (engine__digest_valid(d))
		memcpy(out, d, sizeof(d));
}

static int plan_entry(engine__source *src, json_object *entry, size_t idx, struct engine__load_plan *plan)
{
	char digest[ENGINE__DIGEST_LEN + 1], promised[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *config_name = NULL;
	cleanup_strv char **layer_names = NULL;
	cleanup_strv char **layer_digests = NULL;
	struct engine__load_image *img;
	const char *config;
	json_object *layers, *tags;
	bool is_new;
	size_t n;
	int r;

	if (!json_object_is_type(entry, json_type_object))
		return engine__error_set(ENGINE_EINVALID, 0, "manifest.json: entry %zu is not an object",
					 idx);
	config = engine__json_get_string(entry, "Config");
	layers = engine__json_get_type(entry, "Layers", json_type_array);
	if (!config || !layers)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "manifest.json: entry %zu lacks Config or Layers", idx);
	r = engine__source_clean_name(config, "manifest.json: Config", &config_name);
	if (r < 0)
		return r;
	r = engine__source_stage(src, config_name, digest, NULL);
	if (r < 0)
		return engine__error_wrap("manifest.json: config");
	promised_digest(config_name, promised);
	if (promised[0] && strcmp(promised, digest))
		return engine__error_set(
		    ENGINE_EINVALID, 0, "config %s: digest mismatch: the archive holds %s", promised, digest);

	n = json_object_array_length(layers);
	for (size_t i = 0; i < n; i++) {
		const char *p = json_object_get_string(json_object_array_get_idx(layers, i));
		char ld[ENGINE__DIGEST_LEN + 1], lp[ENGINE__DIGEST_LEN + 1];
		cleanup_free char *lname = NULL;

		if (!json_object_is_type(json_object_array_get_idx(layers, i), json_type_string))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "manifest.json: entry %zu: layer %zu is not a path", idx, i);
		r = engine__source_clean_name(p, "manifest.json: layer", &lname);
		if (r < 0)
			return r;
		r = engine__source_stage(src, lname, ld, NULL);
		if (r < 0)
			return engine__error_wrap("manifest.json: layer");
		/* An OCI-blob layout names layers by digest: hold it to that. */
		if (engine__str_starts_with(lname, "blobs/sha256/") && strlen(lname) == 13 + 64) {
			snprintf(lp, sizeof(lp), "sha256:%s", lname + 13);
			if (strcmp(lp, ld))
				return engine__error_set(ENGINE_EINVALID, 0,
							 "blob %s: digest mismatch: the archive holds %s", lp,
							 ld);
		}
		if ((r = engine__strv_push_take(&layer_names, steal_ptr(lname))) < 0 ||
		    (r = engine__strv_push(&layer_digests, ld)) < 0)
			return r;
	}

	img = engine__load_plan_image(plan, digest, &is_new);
	if (!img)
		return engine__error_oom();
	tags = engine__json_get_type(entry, "RepoTags", json_type_array);
	for (size_t i = 0; tags && i < json_object_array_length(tags); i++) {
		const char *t = json_object_get_string(json_object_array_get_idx(tags, i));

		if (t && *t && (r = engine__strv_push(&img->tags, t)) < 0)
			return r;
	}
	if (!is_new)
		return 0;
	img->config_name = steal_ptr(config_name);
	img->layer_names = steal_ptr(layer_names);
	img->layer_digests = steal_ptr(layer_digests);
	if (!img->layer_names && (!(img->layer_names = calloc(1, sizeof(char *))) ||
				  !(img->layer_digests = calloc(1, sizeof(char *)))))
		return engine__error_oom();
	return engine__load_read_config(src, img, n, NULL);
}

int engine__docker_archive_plan(engine__source *src, struct engine__load_plan *plan)
{
	cleanup_json json_object *manifest = NULL;
	size_t n;
	int r = engine__source_read_json(src, "manifest.json", &manifest);

	if (r < 0)
		return r;
	if (!json_object_is_type(manifest, json_type_array))
		return engine__error_set(ENGINE_EINVALID, 0, "manifest.json: not a JSON array");
	n = json_object_array_length(manifest);
	if (n == 0)
		return engine__error_set(ENGINE_EINVALID, 0, "manifest.json: no images");
	for (size_t i = 0; i < n; i++) {
		r = plan_entry(src, json_object_array_get_idx(manifest, i), i, plan);
		if (r < 0)
			return r;
	}
	return 0;
}
