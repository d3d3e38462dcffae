/*
 * OCI image layouts (directory or tar): oci-layout, index.json, nested
 * indexes, platform selection, manifests, configs and layer descriptors,
 * turned into a verified load plan.
 */
#include "config.h"

#include <string.h>

#include "core/error.h"
#include "image/image_load.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

#define ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"
#define ANNOTATION_CONTAINERD_NAME "io.containerd.image.name"

/* Nested indexes deeper than this are refused (and stop reference loops). */
#define MAX_INDEX_DEPTH 8

static const char *const config_types[] = {
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
    NULL,
};

/* Compression is detected from the blob's magic when it is unpacked; the
 * media type only has to say "a layer tar". */
static const char *const layer_types[] = {
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.diff.tar.zstd",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    NULL,
};

struct platform {
	char os[64];
	char arch[64];
	char variant[64];
};

struct walk {
	engine__source *src;
	struct engine__load_plan *plan;
	struct platform want;
};

struct desc {
	const char *media_type;
	const char *digest;
	int64_t size;
	json_object *platform;
	json_object *annotations;
};

static bool in_list(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static const char *normalize_arch(const char *arch)
{
	if (!strcmp(arch, "x86_64") || !strcmp(arch, "x86-64"))
		return "amd64";
	if (!strcmp(arch, "aarch64"))
		return "arm64";
	return arch;
}

static void platform_set(struct platform *p, const char *os, const char *arch, const char *variant)
{
	snprintf(p->os, sizeof(p->os), "%s", os ? os : "");
	snprintf(p->arch, sizeof(p->arch), "%s", arch ? normalize_arch(arch) : "");
	/* arm64 images often leave out their only variant. */
	if ((!variant || !*variant) && !strcmp(p->arch, "arm64"))
		variant = "v8";
	snprintf(p->variant, sizeof(p->variant), "%s", variant ? variant : "");
}

static int platform_parse(const char *s, struct platform *out)
{
	char os[64] = "", arch[64] = "", variant[64] = "";
	int n = s ? sscanf(s, "%63[^/]/%63[^/]/%63s", os, arch, variant) : 0;

	if (n < 2)
		return engine__error_set(ENGINE_EINVALID, 0, "platform \"%s\": expected os/arch[/variant]",
					 s ? s : "");
	platform_set(out, os, arch, n == 3 ? variant : NULL);
	/* A requested platform without a variant accepts any variant. */
	if (n < 3)
		out->variant[0] = '\0';
	return 0;
}

static bool platform_match(const struct platform *want, const struct platform *have)
{
	if (strcmp(want->os, have->os) || strcmp(want->arch, have->arch))
		return false;
	return !want->variant[0] || !strcmp(want->variant, have->variant);
}

static int note_platform(struct walk *w, const struct platform *p)
{
	cleanup_free char *s =
	    engine__strdup_printf("%s/%s%s%s", p->os[0] ? p->os : "unknown", p->arch[0] ? p->arch : "unknown",
				  p->variant[0] ? "/" : "", p->variant);

	if (!s)
		return engine__error_oom();
	for (char **it = w->plan->seen_platforms; it && *it; it++)
		if (!strcmp(*it, s))
			return 0;
	return engine__strv_push(&w->plan->seen_platforms, s);
}

static int desc_parse(json_object *o, const char *what, struct desc *d)
{
	json_object *size;

	memset(d, 0, sizeof(*d));
	if (!o || !json_object_is_type(o, json_type_object))
		return engine__error_set(ENGINE_EINVALID, 0, "%s: descriptor is not an object", what);
	d->media_type = engine__json_get_string(o, "mediaType");
	d->digest = engine__json_get_string(o, "digest");
	if (!d->digest)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: descriptor without a digest", what);
	if (!engine__digest_valid(d->digest))
		return engine__error_set(ENGINE_EINVALID, 0, "%s: unsupported or malformed digest \"%s\"",
					 what, d->digest);
	size = engine__json_get_type(o, "size", json_type_int);
	d->size = size ? json_object_get_int64(size) : -1;
	if (size && d->size < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: descriptor %s: negative size", what,
					 d->digest);
	d->platform = engine__json_get_type(o, "platform", json_type_object);
	d->annotations = engine__json_get_type(o, "annotations", json_type_object);
	return 0;
}

/* Verify a small blob and parse it. */
static int read_blob_json(struct walk *w, const struct desc *d, const char *what, json_object **out)
{
	cleanup_free char *name = engine__source_blob_name(d->digest);
	int r;

	if (!name)
		return engine__error_oom();
	r = engine__load_verify_member(w->src, name, d->digest, d->size);
	if (r < 0)
		return engine__error_wrap("%s", what);
	r = engine__source_read_json(w->src, name, out);
	if (r < 0)
		return engine__error_wrap("%s %s", what, d->digest);
	if (!json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		return engine__error_set(ENGINE_EINVALID, 0, "%s %s: not a JSON object", what, d->digest);
	}
	return 0;
}

static int add_tags(struct engine__load_image *img, json_object *annotations)
{
	const char *name = engine__json_get_string(annotations, ANNOTATION_CONTAINERD_NAME);
	const char *ref = engine__json_get_string(annotations, ANNOTATION_REF_NAME);

	if (name && *name && !strchr(name, '@'))
		return engine__strv_push(&img->tags, name);
	if (!ref || !*ref || strchr(ref, '@'))
		return 0;
	/* ref.name is a full reference for some writers and only a tag for
	 * others (umoci, skopeo, containerd): a tag needs a name from the user. */
	if (strchr(ref, '/') || strchr(ref, ':'))
		return engine__strv_push(&img->tags, ref);
	return engine__strv_push(&img->bare_tags, ref);
}

/* Bring the layers in several at a time before they are checked in order:
 * a layer not unpacked yet is unpacked as its blob is copied in (one read
 * of the blob, the layer job's), the rest are only copied in. What cannot
 * start here (a bad descriptor or diff_id, a missing blob) is left to the
 * checks, which report it; the unpacks wait in @img until commit, which
 * publishes them once every blob has been verified and stored. */
static int stage_layers(struct walk *w, struct engine__load_image *img, json_object *config,
			json_object *layers, size_t n)
{
	engine_context *ctx = engine__source_context(w->src);
	json_object *rootfs = engine__json_get_type(config, "rootfs", json_type_object);
	json_object *diff_ids = rootfs ? engine__json_get_type(rootfs, "diff_ids", json_type_array) : NULL;
	cleanup_free char(*chains)[ENGINE__DIGEST_LEN + 1] = calloc(n ? n : 1, sizeof(*chains));
	cleanup_free bool *copy = calloc(n ? n : 1, sizeof(bool));
	cleanup_strv char **names = NULL, **prefetch = NULL;
	size_t window = engine__layer_parallelism(), started = 0, usable = 0;
	bool chain_ok = true;
	int r;

	img->layer_jobs = calloc(n ? n : 1, sizeof(*img->layer_jobs));
	if (!chains || !copy || !img->layer_jobs)
		return engine__error_oom();
	img->n_layer_jobs = n;
	for (size_t i = 0; i < n; i++, usable++) {
		const char *diff_id = json_object_get_string(json_object_array_get_idx(diff_ids, i));
		struct desc ld;

		if (desc_parse(json_object_array_get_idx(layers, i), "layer", &ld) < 0) {
			engine_error_clear(); /* reported by the checks */
			break;
		}
		if ((r = engine__strv_push_take(&names, engine__source_blob_name(ld.digest))) < 0)
			return r;
		chain_ok = chain_ok && diff_ids && json_object_array_length(diff_ids) == n &&
			   engine__digest_valid(diff_id);
		if (chain_ok)
			engine__chain_id(i ? chains[i - 1] : NULL, diff_id, chains[i]);
		copy[i] =
		    chain_ok && in_list(ld.media_type, layer_types) && !engine__layer_exists(ctx, chains[i]);
		for (size_t k = 0; copy[i] && k < i; k++)
			copy[i] = strcmp(names[k], names[i]) != 0; /* the same blob twice: copied once */
		if (!copy[i] && (r = engine__strv_push(&prefetch, names[i])) < 0)
			return r;
	}
	if ((r = engine__source_prefetch(w->src, prefetch)) < 0)
		return r;
	for (size_t i = 0; i < usable; i++) {
		engine__blob_writer *bw = NULL;

		for (; started < usable && started < i + window; started++) {
			struct desc ld;
			int fd;

			if (!copy[started])
				continue;
			desc_parse(json_object_array_get_idx(layers, started), "layer", &ld);
			r = engine__source_open_blob(w->src, names[started], &fd, &bw);
			if (r == 0 && fd >= 0)
				r = engine__layer_job_start_copy(
				    ctx, fd, bw, ld.digest,
				    json_object_get_string(json_object_array_get_idx(diff_ids, started)),
				    started ? chains[started - 1] : NULL, started > 0,
				    &img->layer_jobs[started]);
			if (r < 0)
				engine_error_clear(); /* copied and reported by the checks */
		}
		if (!img->layer_jobs[i])
			continue;
		/* Its error, if any, is the commit's to report. */
		if (engine__layer_job_wait(img->layer_jobs[i], &bw) < 0)
			engine_error_clear();
		if (bw && (r = engine__source_adopt(w->src, names[i], bw)) < 0)
			return r;
	}
	return 0;
}

/* 1: planned; 0: skipped (another platform, not an image). */
static int handle_manifest(struct walk *w, const struct desc *d, json_object *annotations)
{
	cleanup_json json_object *manifest = NULL;
	cleanup_json json_object *config = NULL;
	cleanup_free char *config_name = NULL;
	struct engine__load_image *img;
	json_object *layers;
	struct desc cd;
	struct platform have;
	const char *mt;
	bool is_new;
	size_t n;
	int r;

	r = read_blob_json(w, d, "manifest", &manifest);
	if (r < 0)
		return r;
	mt = engine__json_get_string(manifest, "mediaType");
	if (mt && d->media_type && strcmp(mt, d->media_type))
		return engine__error_set(ENGINE_EINVALID, 0, "manifest %s: media type %s, descriptor says %s",
					 d->digest, mt, d->media_type);
	if (engine__json_get_int(manifest, "schemaVersion", 0) != 2)
		return engine__error_set(ENGINE_EINVALID, 0, "manifest %s: unsupported schemaVersion",
					 d->digest);
	r = desc_parse(engine__json_get_type(manifest, "config", json_type_object), "manifest config", &cd);
	if (r < 0)
		return engine__error_wrap("manifest %s", d->digest);
	if (!in_list(cd.media_type, config_types))
		return 0; /* an artifact (signature, attestation, ...), not an image */
	layers = engine__json_get_type(manifest, "layers", json_type_array);
	if (!layers)
		return engine__error_set(ENGINE_EINVALID, 0, "manifest %s: no layers array", d->digest);

	config_name = engine__source_blob_name(cd.digest);
	if (!config_name)
		return engine__error_oom();
	r = read_blob_json(w, &cd, "config", &config);
	if (r < 0)
		return engine__error_wrap("manifest %s", d->digest);
	if (!d->platform) {
		platform_set(&have, engine__json_get_string(config, "os"),
			     engine__json_get_string(config, "architecture"),
			     engine__json_get_string(config, "variant"));
		if (!platform_match(&w->want, &have))
			return note_platform(w, &have);
	}

	img = engine__load_plan_image(w->plan, cd.digest, &is_new);
	if (!img)
		return engine__error_oom();
	if (annotations && (r = add_tags(img, annotations)) < 0)
		return r;
	if (!is_new)
		return 1;
	img->config_name = steal_ptr(config_name);
	img->manifest_name = engine__source_blob_name(d->digest);
	if (!img->manifest_name)
		return engine__error_oom();
	memcpy(img->manifest_digest, d->digest, sizeof(img->manifest_digest));
	n = json_object_array_length(layers);
	/* The layers are copied in (and unpacked) several at a time first;
	 * the loop below checks them in order. */
	if ((r = stage_layers(w, img, config, layers, n)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct desc ld;
		cleanup_free char *lname = NULL;

		r = desc_parse(json_object_array_get_idx(layers, i), "layer", &ld);
		if (r < 0)
			return engine__error_wrap("manifest %s", d->digest);
		if (!in_list(ld.media_type, layer_types))
			return engine__error_set(
			    ENGINE_EINVALID, 0, "manifest %s: layer %s: unsupported media type %s", d->digest,
			    ld.digest, ld.media_type ? ld.media_type : "(none)");
		lname = engine__source_blob_name(ld.digest);
		if (!lname)
			return engine__error_oom();
		r = engine__load_verify_member(w->src, lname, ld.digest, ld.size);
		if (r < 0)
			return engine__error_wrap("manifest %s: layer", d->digest);
		if ((r = engine__strv_push_take(&img->layer_names, steal_ptr(lname))) < 0 ||
		    (r = engine__strv_push(&img->layer_digests, ld.digest)) < 0)
			return r;
	}
	r = engine__load_read_config(w->src, img, n, NULL);
	if (r < 0)
		return engine__error_wrap("manifest %s", d->digest);
	return 1;
}

static int handle_index(struct walk *w, json_object *index, const char *what, json_object *annotations,
			int depth, bool pick_one);

/* A descriptor from an index: a manifest, or a nested index to pick from. */
static int handle_desc(struct walk *w, json_object *o, const char *what, json_object *inherited, int depth,
		       bool pick_one)
{
	struct desc d;
	int r = desc_parse(o, what, &d);

	if (r < 0)
		return r;
	if (d.platform) {
		struct platform have;

		platform_set(&have, engine__json_get_string(d.platform, "os"),
			     engine__json_get_string(d.platform, "architecture"),
			     engine__json_get_string(d.platform, "variant"));
		if (!platform_match(&w->want, &have))
			return note_platform(w, &have);
	}
	/* The annotations naming an image sit on the outermost descriptor. */
	json_object *names =
	    d.annotations && (engine__json_get_string(d.annotations, ANNOTATION_REF_NAME) ||
			      engine__json_get_string(d.annotations, ANNOTATION_CONTAINERD_NAME))
		? d.annotations
		: inherited;

	if (d.media_type && (!strcmp(d.media_type, MT_OCI_INDEX) || !strcmp(d.media_type, MT_DOCKER_LIST))) {
		cleanup_json json_object *nested = NULL;

		if (depth >= MAX_INDEX_DEPTH)
			return engine__error_set(ENGINE_EINVALID, 0, "%s: indexes nested too deeply", what);
		r = read_blob_json(w, &d, "index", &nested);
		if (r < 0)
			return engine__error_wrap("%s", what);
		return handle_index(w, nested, d.digest, names, depth + 1, true);
	}
	if (d.media_type && strcmp(d.media_type, MT_OCI_MANIFEST) && strcmp(d.media_type, MT_DOCKER_MANIFEST))
		return 0; /* something else stored in the layout */
	r = handle_manifest(w, &d, names);
	if (r < 0)
		return engine__error_wrap("%s", what);
	return r;
}

static int handle_index(struct walk *w, json_object *index, const char *what, json_object *annotations,
			int depth, bool pick_one)
{
	json_object *manifests = engine__json_get_type(index, "manifests", json_type_array);
	size_t n;

	if (!manifests)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: no manifests array", what);
	n = json_object_array_length(manifests);
	for (size_t i = 0; i < n; i++) {
		int r = handle_desc(w, json_object_array_get_idx(manifests, i), what, annotations, depth,
				    pick_one);

		if (r < 0)
			return r;
		/* A nested index is one image for several platforms: the first
		 * match is the one. The top index lists distinct images. */
		if (r > 0 && pick_one)
			return 1;
	}
	return 0;
}

int engine__oci_layout_plan(engine__source *src, const char *platform, struct engine__load_plan *plan)
{
	struct walk w = {.src = src, .plan = plan};
	cleanup_json json_object *layout = NULL;
	cleanup_json json_object *index = NULL;
	const char *version;
	int r;

	r = platform_parse(platform ? platform : "linux/amd64", &w.want);
	if (r < 0)
		return r;
	if (!engine__source_has(src, "oci-layout"))
		return engine__error_set(ENGINE_EINVALID, 0, "not an OCI image layout: no oci-layout file");
	r = engine__source_read_json(src, "oci-layout", &layout);
	if (r < 0)
		return r;
	version = engine__json_get_string(layout, "imageLayoutVersion");
	if (!version || !engine__str_starts_with(version, "1."))
		return engine__error_set(ENGINE_EINVALID, 0,
					 "oci-layout: unsupported imageLayoutVersion \"%s\"",
					 version ? version : "(none)");
	r = engine__source_read_json(src, "index.json", &index);
	if (r < 0)
		return r;
	if (!json_object_is_type(index, json_type_object))
		return engine__error_set(ENGINE_EINVALID, 0, "index.json: not a JSON object");
	/* Platforms in index.json's own descriptors are honoured too (some
	 * writers list one image's platforms there directly), but every
	 * matching entry is loaded: the top index lists distinct images. */
	r = handle_index(&w, index, "index.json", NULL, 0, false);
	return r < 0 ? r : 0;
}
