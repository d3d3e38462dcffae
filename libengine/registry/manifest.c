/* Manifest and index parsing, and the platform match Docker uses when a tag
 * names a multi-platform index (os and architecture equal, variant equal
 * when asked for, arm64's implied "v8"). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/error.h"
#include "registry/manifest.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"

void engine__manifest_free(engine__manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	free(m->config.media_type);
	for (size_t i = 0; i < m->n_layers; i++)
		free(m->layers[i].media_type);
	free(m->layers);
	free(m);
}

bool engine__manifest_layer_supported(const char *mt)
{
	static const char *ok[] = {
	    ENGINE__MT_OCI_LAYER,
	    ENGINE__MT_OCI_LAYER_GZIP,
	    ENGINE__MT_OCI_LAYER_ZSTD,
	    ENGINE__MT_DOCKER_LAYER,
	    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	    NULL,
	};

	for (size_t i = 0; ok[i]; i++)
		if (strcmp(mt, ok[i]) == 0)
			return true;
	return false;
}

static int parse_descriptor(json_object *o, const char *what, engine__descriptor *d)
{
	const char *mt = engine__json_get_string(o, "mediaType");
	const char *digest = engine__json_get_string(o, "digest");
	json_object *size = engine__json_get_type(o, "size", json_type_int);

	if (!digest)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: descriptor without a digest", what);
	if (!engine__digest_valid(digest))
		return engine__error_set(ENGINE_EINVALID, 0, "%s: unsupported or malformed digest \"%s\"",
					 what, digest);
	if (!size || json_object_get_int64(size) < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "%s %s: missing or negative size", what, digest);
	d->media_type = strdup(mt ? mt : "");
	if (!d->media_type)
		return engine__error_oom();
	memcpy(d->digest, digest, ENGINE__DIGEST_LEN + 1);
	d->size = json_object_get_int64(size);
	return 0;
}

/* "type; charset=..." -> "type" in @buf. */
static const char *bare_type(const char *ct, char *buf, size_t size)
{
	if (!ct)
		return NULL;
	snprintf(buf, size, "%.*s", (int)strcspn(ct, "; \t"), ct);
	return buf;
}

int engine__manifest_root(const char *data, size_t len, json_object **out)
{
	cleanup_json json_object *root = NULL;
	int r = engine__json_parse(data, len, "manifest", &root);

	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object))
		return engine__error_set(ENGINE_EINVALID, 0, "manifest: expected a JSON object");
	if (engine__json_get_int(root, "schemaVersion", 0) == 1)
		return engine__error_set(ENGINE_ENOTSUP, 0, "manifest: schema 1 manifests are not supported");
	if (engine__json_get_int(root, "schemaVersion", 0) != 2)
		return engine__error_set(ENGINE_EINVALID, 0, "manifest: missing or unknown schemaVersion");
	*out = steal_ptr(root);
	return 0;
}

int engine__manifest_parse(const char *data, size_t len, const char *content_type, engine__manifest **out)
{
	cleanup_json json_object *root = NULL;
	engine__manifest *m;
	const char *mt;
	char ctbuf[128];
	json_object *layers;
	int r;

	r = engine__manifest_root(data, len, &root);
	if (r < 0)
		return r;
	mt = engine__json_get_string(root, "mediaType");
	if (!mt)
		mt = bare_type(content_type, ctbuf, sizeof(ctbuf));
	if (!mt || (strcmp(mt, ENGINE__MT_OCI_MANIFEST) && strcmp(mt, ENGINE__MT_OCI_INDEX) &&
		    strcmp(mt, ENGINE__MT_DOCKER_MANIFEST) && strcmp(mt, ENGINE__MT_DOCKER_LIST)))
		mt = json_object_object_get_ex(root, "manifests", NULL) ? ENGINE__MT_OCI_INDEX
		     : json_object_object_get_ex(root, "config", NULL)	? ENGINE__MT_OCI_MANIFEST
									: NULL;
	if (!mt)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "manifest: neither an image manifest nor an index");
	m = calloc(1, sizeof(*m));
	if (!m || !(m->media_type = strdup(mt))) {
		free(m);
		return engine__error_oom();
	}
	m->is_index = strcmp(mt, ENGINE__MT_OCI_INDEX) == 0 || strcmp(mt, ENGINE__MT_DOCKER_LIST) == 0;
	if (m->is_index) {
		if (!engine__json_get_type(root, "manifests", json_type_array)) {
			engine__manifest_free(m);
			return engine__error_set(ENGINE_EINVALID, 0, "index: no \"manifests\" list");
		}
		*out = m;
		return 0;
	}
	layers = engine__json_get_type(root, "layers", json_type_array);
	if (!engine__json_get_type(root, "config", json_type_object) || !layers) {
		engine__manifest_free(m);
		return engine__error_set(ENGINE_EINVALID, 0, "manifest: missing config or layers");
	}
	r = parse_descriptor(engine__json_get_type(root, "config", json_type_object), "manifest config",
			     &m->config);
	if (r == 0) {
		m->layers = calloc(json_object_array_length(layers) + 1, sizeof(*m->layers));
		if (!m->layers)
			r = engine__error_oom();
	}
	for (size_t i = 0; r == 0 && i < json_object_array_length(layers); i++) {
		r = parse_descriptor(json_object_array_get_idx(layers, i), "manifest layer", &m->layers[i]);
		if (r == 0)
			m->n_layers++;
		if (r == 0 && !engine__manifest_layer_supported(m->layers[i].media_type))
			r = engine__error_set(ENGINE_ENOTSUP, 0, "layer %s: unsupported media type \"%s\"",
					      m->layers[i].digest, m->layers[i].media_type);
	}
	if (r < 0) {
		engine__manifest_free(m);
		return r;
	}
	*out = m;
	return 0;
}

static const char *norm_arch(const char *a)
{
	if (strcmp(a, "x86_64") == 0 || strcmp(a, "x86-64") == 0)
		return "amd64";
	if (strcmp(a, "aarch64") == 0)
		return "arm64";
	return a;
}

int engine__index_select(const char *data, size_t len, const char *platform, engine__descriptor *out)
{
	cleanup_json json_object *root = NULL;
	char os[64] = "", arch[64] = "", variant[64] = "";
	cleanup_free char *seen = NULL;
	json_object *list;
	int best = -1, best_score = 0;
	int r;

	if (!platform)
		platform = "linux/amd64";
	if (sscanf(platform, "%63[^/]/%63[^/]/%63s", os, arch, variant) < 2)
		return engine__error_set(ENGINE_EINVALID, 0, "platform \"%s\": expected os/arch[/variant]",
					 platform);
	if (strcmp(norm_arch(arch), arch) != 0)
		snprintf(arch, sizeof(arch), "%s", norm_arch(arch));
	r = engine__json_parse(data, len, "index", &root);
	if (r < 0)
		return r;
	list = engine__json_get_type(root, "manifests", json_type_array);
	if (!list)
		return engine__error_set(ENGINE_EINVALID, 0, "index: no \"manifests\" list");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i);
		json_object *p = engine__json_get_type(e, "platform", json_type_object);
		const char *eos = engine__json_get_string(p, "os");
		const char *earch = engine__json_get_string(p, "architecture");
		const char *evar = engine__json_get_string(p, "variant");
		int score;

		if (!eos || !earch)
			continue; /* attestations and other non-image entries */
		char *n = engine__strdup_printf("%s%s%s/%s%s%s", seen ? seen : "", seen ? ", " : "", eos,
						earch, evar ? "/" : "", evar ? evar : "");
		if (!n)
			return ENGINE_ENOMEM;
		free(seen);
		seen = n;
		if (strcmp(eos, os) != 0 || strcmp(norm_arch(earch), arch) != 0)
			continue;
		/* An exact variant beats an unstated one; arm64 without one means v8. */
		if (!*variant)
			score = evar ? 1 : 2;
		else if (evar && strcmp(evar, variant) == 0)
			score = 3;
		else if (!evar && strcmp(arch, "arm64") == 0 && strcmp(variant, "v8") == 0)
			score = 3;
		else
			continue;
		if (score > best_score) {
			best_score = score;
			best = (int)i;
		}
	}
	if (best < 0)
		return engine__error_set(ENGINE_ENOTFOUND, 0,
					 "no manifest for platform %s (the index has: %s)", platform,
					 seen ? seen : "no platforms");
	return parse_descriptor(json_object_array_get_idx(list, (size_t)best), "index entry", out);
}
