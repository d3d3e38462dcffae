/*
 * engine_registry_inspect: what a reference names in its registry, without
 * pulling it (Docker's GET /distribution/{name}/json, `docker manifest
 * inspect`'s first question): the descriptor of the manifest or index the
 * tag points at, and the platforms it offers (an index's entries, or an
 * image's config, fetched and verified but not stored).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <engine/registry.h>

#include "core/error.h"
#include "registry/endpoint.h"
#include "registry/manifest.h"
#include "registry/resolve.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/json.h"
#include "util/reference.h"
#include "util/str.h"

static json_object *platform(json_object *from)
{
	json_object *p = json_object_new_object();

	engine__json_add_string(p, "architecture", engine__json_get_string(from, "architecture") ?: "");
	engine__json_add_string(p, "os", engine__json_get_string(from, "os") ?: "");
	if (engine__json_get_string(from, "variant"))
		engine__json_add_string(p, "variant", engine__json_get_string(from, "variant"));
	if (engine__json_get_string(from, "os.version"))
		engine__json_add_string(p, "os.version", engine__json_get_string(from, "os.version"));
	return p;
}

/* An image manifest's platform: its config's, fetched and checked. */
static int config_platform(engine__regclient *c, const char *path, json_object *root, json_object *out)
{
	json_object *cfg = engine__json_get_type(root, "config", json_type_object);
	const char *digest = engine__json_get_string(cfg, "digest");
	cleanup_free char *url = NULL;
	cleanup_json json_object *conf = NULL;
	engine__http_response resp = {0};
	char got[ENGINE__DIGEST_LEN + 1];
	int r;

	if (!digest || !engine__digest_valid(digest))
		return engine__error_set(ENGINE_EINVALID, 0, "manifest of %s: no valid config digest", path);
	url = engine__strdup_printf("/v2/%s/blobs/%s", path, digest);
	if (!url)
		return ENGINE_ENOMEM;
	r = engine__regclient_request(c, "GET", url, NULL, NULL, 0, &resp);
	if (r == 0 && resp.status != 200)
		r = engine__regclient_status_error(c, &resp, "image config");
	if (r == 0)
		r = engine__sha256_buf(resp.body, resp.len, got);
	if (r == 0 && strcmp(got, digest) != 0)
		r = engine__error_set(ENGINE_EINVALID, 0, "image config of %s: digest mismatch", path);
	if (r == 0)
		r = engine__json_parse(resp.body, resp.len, "image config", &conf);
	if (r == 0)
		json_object_array_add(out, platform(conf));
	engine__http_response_clear(&resp);
	return r;
}

ENGINE_EXTERN int engine_registry_inspect(engine_context *ctx, const char *ref, const char *username,
					  const char *password, char **json_out)
{
	engine__reference *rf = NULL;
	engine__endpoint *eps = NULL;
	engine__regclient *c = NULL;
	engine__http_response resp = {0};
	cleanup_json json_object *root = NULL, *o = NULL;
	cleanup_free char *scope = NULL;
	char digest[ENGINE__DIGEST_LEN + 1];
	const char *def, *mt;
	json_object *desc, *plats, *list;
	size_t n = 0;
	int r;

	if (!ctx || !ref || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "registry inspect: NULL argument");
	*json_out = NULL;
	r = engine__endpoint_default_domain(ctx, &def);
	if (r == 0)
		r = engine__reference_parse(ref, def, &rf);
	if (r == 0)
		r = engine__endpoints_for(ctx, rf->domain, false, &eps, &n);
	if (r == 0)
		r = engine__endpoint_client(ctx, &eps[n - 1], rf->domain, engine__endpoint_timeout(ctx, 0),
					    username, password, &c);
	if (r == 0 && !(scope = engine__strdup_printf("repository:%s:pull", rf->path)))
		r = ENGINE_ENOMEM;
	if (r == 0) {
		char *scopes[] = {scope, NULL};

		r = engine__regclient_set_scopes(c, scopes);
	}
	if (r == 0)
		r = engine__pull_ping(c);
	if (r == 0)
		r = engine__pull_get_manifest(c, rf->path, rf->digest ? rf->digest : rf->tag, rf->digest,
					      &resp, digest);
	if (r == 0)
		r = engine__manifest_root(resp.body, resp.len, &root);
	if (r < 0)
		goto out;
	mt = engine__json_get_string(root, "mediaType");
	if (!mt)
		mt = resp.content_type ? resp.content_type : ENGINE__MT_OCI_MANIFEST;
	o = json_object_new_object();
	desc = json_object_new_object();
	plats = json_object_new_array();
	json_object_object_add(o, "Descriptor", desc);
	json_object_object_add(o, "Platforms", plats);
	engine__json_add_string(desc, "mediaType", mt);
	engine__json_add_string(desc, "digest", digest);
	json_object_object_add(desc, "size", json_object_new_int64((int64_t)resp.len));
	list = engine__json_get_type(root, "manifests", json_type_array);
	if (list) {
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *p = engine__json_get_type(json_object_array_get_idx(list, i), "platform",
							       json_type_object);

			if (p)
				json_object_array_add(plats, platform(p));
		}
	} else {
		r = config_platform(c, rf->path, root, plats);
	}
	if (r == 0 && !(*json_out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN))))
		r = engine__error_oom();
out:
	if (r < 0)
		r = engine__error_wrap("inspect %s", ref);
	engine__http_response_clear(&resp);
	engine__regclient_free(c);
	engine__endpoints_free(eps, n);
	engine__reference_free(rf);
	return r;
}
