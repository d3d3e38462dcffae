/* engine_registry_pull: resolve the reference to a manifest (choosing the
 * platform from an index), fetch the config, fetch and unpack the layers
 * the store lacks, then register and tag. Mirrors are tried first; any
 * failure there is logged and the next endpoint is tried, ending with the
 * registry itself. Only verified content is ever stored, and the image
 * becomes visible only at the end, so a pull interrupted anywhere can just
 * be repeated. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <engine/registry.h>

#include "core/abi.h"
#include "core/error.h"
#include "core/log.h"
#include "image/store.h"
#include "registry/endpoint.h"
#include "registry/fetch.h"
#include "registry/manifest.h"
#include "registry/progress.h"
#include "registry/resolve.h"
#include "registry/sources.h"
#include "util/reference.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/json.h"
#include "util/str.h"

/* Concurrent layer downloads, Docker's default max-concurrent-downloads. */
#define PARALLEL 3

struct pull {
	engine_context *ctx;
	engine__reference *ref;
	const char *default_domain;
	const char *platform;
	char *display; /* "busybox:latest" */
	engine__progress prog;
	long timeout;
	const char *username, *password;
};

ENGINE_EXTERN int engine_registry_pull_options_init(engine_registry_pull_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_registry_pull_options, opts, version,
					  ENGINE_REGISTRY_PULL_OPTIONS_INIT);
}

/* The config's platform must be the one asked for when the tag named a
 * single-platform manifest (Docker checks the same). */
static int check_platform(struct pull *p, json_object *config)
{
	const char *os = engine__json_get_string(config, "os");
	const char *arch = engine__json_get_string(config, "architecture");
	const char *want = p->platform ? p->platform : "linux/amd64";
	char wos[64] = "", warch[64] = "";

	if (!os || !arch)
		return 0;
	sscanf(want, "%63[^/]/%63[^/]", wos, warch);
	if (strcmp(warch, "x86_64") == 0)
		snprintf(warch, sizeof(warch), "amd64");
	if (strcmp(warch, "aarch64") == 0)
		snprintf(warch, sizeof(warch), "arm64");
	if (strcmp(os, wos) == 0 && strcmp(arch, warch) == 0)
		return 0;
	return engine__error_set(ENGINE_ENOTFOUND, 0, "no manifest for platform %s: the image is for %s/%s",
				 want, os, arch);
}

static int chain_ids(engine__fetch_layer *layers, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i == 0) {
			memcpy(layers[i].chain_id, layers[i].diff_id, ENGINE__DIGEST_LEN + 1);
			continue;
		}
		char buf[2 * ENGINE__DIGEST_LEN + 2];
		snprintf(buf, sizeof(buf), "%s %s", layers[i - 1].chain_id, layers[i].diff_id);
		int r = engine__sha256_buf(buf, strlen(buf), layers[i].chain_id);
		if (r < 0)
			return r;
	}
	return 0;
}

static int pull_layers(struct pull *p, engine__regclient *c, const engine__manifest *m, json_object *config)
{
	json_object *rootfs = engine__json_get_type(config, "rootfs", json_type_object);
	json_object *diff_ids = engine__json_get_type(rootfs, "diff_ids", json_type_array);
	cleanup_free engine__fetch_layer *layers = NULL;
	int r;

	if (!diff_ids || json_object_array_length(diff_ids) != m->n_layers)
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "config %s: rootfs.diff_ids has %zu entries for %zu layers in the manifest",
		    m->config.digest, diff_ids ? json_object_array_length(diff_ids) : 0, m->n_layers);
	layers = calloc(m->n_layers + 1, sizeof(*layers));
	if (!layers)
		return engine__error_oom();
	for (size_t i = 0; i < m->n_layers; i++) {
		const char *d = json_object_get_string(json_object_array_get_idx(diff_ids, i));
		if (!d || !engine__digest_valid(d))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "config %s: diff_id %zu is not a sha256 digest",
						 m->config.digest, i);
		layers[i].desc = &m->layers[i];
		layers[i].diff_id = d;
	}
	r = chain_ids(layers, m->n_layers);
	if (r < 0)
		return r;
	for (size_t i = 0; i < m->n_layers; i++) {
		char id[13];
		engine__progress_short_id(m->layers[i].digest, id);
		layers[i].unpack = !engine__layer_exists(p->ctx, layers[i].chain_id);
		layers[i].download = layers[i].unpack && !engine__blob_exists(p->ctx, m->layers[i].digest);
		if (!layers[i].unpack)
			engine__progress_emit(&p->prog, ENGINE_REGISTRY_EVENT_EXISTS, id, "Already exists", 0,
					      0);
		else if (layers[i].download)
			engine__progress_emit(&p->prog, ENGINE_REGISTRY_EVENT_WAITING, id, "Pulling fs layer",
					      0, m->layers[i].size);
		else
			engine__progress_emit(&p->prog, ENGINE_REGISTRY_EVENT_DOWNLOADED, id,
					      "Download complete", 0, 0);
	}
	/* Like Docker: layers beyond the concurrent downloads say they wait. */
	for (size_t i = 0, started = 0; i < m->n_layers; i++) {
		char id[13];
		if (layers[i].download && started++ >= PARALLEL)
			engine__progress_emit(&p->prog, ENGINE_REGISTRY_EVENT_WAITING,
					      engine__progress_short_id(m->layers[i].digest, id), "Waiting",
					      0, 0);
	}
	return engine__fetch_layers(p->ctx, c, p->ref->path, layers, m->n_layers, &p->prog, PARALLEL);
}

static int pull_from(struct pull *p, engine__regclient *c, char id_out[ENGINE__DIGEST_LEN + 1],
		     char digest_out[ENGINE__DIGEST_LEN + 1], char top_out[ENGINE__DIGEST_LEN + 1])
{
	cleanup_free char *scope = engine__strdup_printf("repository:%s:pull", p->ref->path);
	char *scopes[] = {scope, NULL};
	cleanup_json json_object *config = NULL;
	engine__pulled_manifest pm = {0};
	engine__manifest *m;
	int r;

	if (!scope)
		return ENGINE_ENOMEM;
	r = engine__regclient_set_scopes(c, scopes);
	if (r == 0)
		r = engine__pull_ping(c);
	if (r == 0)
		r = engine__pull_manifest(c, p->ref, p->platform, &pm);
	if (r < 0)
		return r;
	m = pm.m;
	memcpy(digest_out, pm.digest, ENGINE__DIGEST_LEN + 1);
	if (top_out)
		memcpy(top_out, pm.top, ENGINE__DIGEST_LEN + 1);
	if (p->ref->tag) {
		cleanup_free char *s =
		    engine__strdup_printf("%s: Pulling from %s", p->ref->tag, p->ref->path);
		if (s)
			engine__progress_emit(&p->prog, ENGINE_REGISTRY_EVENT_STATUS, NULL, s, 0, 0);
	}
	r = engine__pull_config(p->ctx, c, p->ref->path, &m->config, &config);
	if (r == 0 && !pm.from_index)
		r = check_platform(p, config);
	if (r == 0)
		r = pull_layers(p, c, m, config);
	/* The manifest goes in last: its presence says the image is complete. */
	if (r == 0)
		r = engine__blob_put_buf(p->ctx, pm.body, pm.len, digest_out, digest_out);
	if (r == 0) {
		engine__sources_record(p->ctx, p->ref->domain, p->ref->path, m);
		memcpy(id_out, m->config.digest, ENGINE__DIGEST_LEN + 1);
	}
	engine__pulled_manifest_clear(&pm);
	return r;
}

static int pull_any(struct pull *p, char id[ENGINE__DIGEST_LEN + 1], char digest[ENGINE__DIGEST_LEN + 1],
		    char top[ENGINE__DIGEST_LEN + 1])
{
	engine__endpoint *eps = NULL;
	size_t n = 0;
	int r;

	r = engine__endpoints_for(p->ctx, p->ref->domain, true, &eps, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		engine__regclient *c = NULL;

		r = engine__endpoint_client(p->ctx, &eps[i], p->ref->domain, p->timeout, p->username,
					    p->password, &c);
		if (r == 0)
			r = pull_from(p, c, id, digest, top);
		engine__regclient_free(c);
		if (r < 0 && !strstr(engine_error_last()->message, eps[i].label))
			r = engine__error_wrap("%s", eps[i].label);
		if (r == 0 || !eps[i].mirror || r == ENGINE_ENOMEM)
			break;
		/* A mirror that is down, slow or incomplete is not fatal. */
		engine__warn(p->ctx, "pull %s: %s; trying %s", p->display, engine_error_last()->message,
			     eps[i + 1].label);
	}
	engine__endpoints_free(eps, n);
	return r;
}

ENGINE_EXTERN int engine_registry_pull(engine_context *ctx, const char *ref,
				       const engine_registry_pull_options *opts, char **id_out)
{
	engine_registry_pull_options def = ENGINE_REGISTRY_PULL_OPTIONS_INIT;
	struct pull p = {.ctx = ctx};
	char id[ENGINE__DIGEST_LEN + 1], digest[ENGINE__DIGEST_LEN + 1], top[ENGINE__DIGEST_LEN + 1];
	char old_id[ENGINE__DIGEST_LEN + 1] = "";
	cleanup_free char *tag = NULL, *line = NULL;
	int r;

	if (!ctx || !ref)
		return engine__error_set(ENGINE_EINVALID, 0, "pull: NULL argument");
	if ((r = engine__abi_read(ENGINE__ABI(engine_registry_pull_options), &def, opts)) < 0)
		return r;
	opts = &def;
	r = engine__endpoint_default_domain(ctx, &p.default_domain);
	if (r == 0)
		r = engine__reference_parse(ref, p.default_domain, &p.ref);
	if (r < 0)
		return engine__error_wrap("pull");
	p.platform = opts->platform;
	p.timeout = engine__endpoint_timeout(ctx, opts->timeout);
	p.username = opts->username;
	p.password = opts->password;
	p.display = engine__reference_familiar(p.ref, p.default_domain, true);
	tag = p.ref->tag ? engine__reference_familiar(p.ref, p.default_domain, false) : NULL;
	if (!p.display || (p.ref->tag && !tag)) {
		r = ENGINE_ENOMEM;
		goto out;
	}
	engine__progress_init(&p.prog, ctx, opts->progress_fd);
	if (tag && engine__image_lookup(ctx, tag, old_id) < 0) {
		old_id[0] = '\0';
		engine_error_clear();
	}
	/* By digest, "up to date" means its manifest was already stored. */
	bool had_digest = p.ref->digest && engine__blob_exists(ctx, p.ref->digest);
	r = pull_any(&p, id, digest, top);
	if (r == 0)
		r = engine__image_register(ctx, id, digest);
	if (r == 0 && tag)
		r = engine__image_tag(ctx, id, tag);
	if (r < 0) {
		cleanup_free char *full = engine__reference_string(p.ref);
		r = engine__error_wrap("pull %s", full ? full : ref);
		goto out;
	}
	line = engine__strdup_printf("Digest: %s", top);
	if (line)
		engine__progress_emit(&p.prog, ENGINE_REGISTRY_EVENT_STATUS, NULL, line, 0, 0);
	free(line);
	line = engine__strdup_printf("Status: %s for %s",
				     strcmp(old_id, id) == 0 || had_digest ? "Image is up to date"
									   : "Downloaded newer image",
				     p.display);
	if (line)
		engine__progress_emit(&p.prog, ENGINE_REGISTRY_EVENT_STATUS, NULL, line, 0, 0);
	if (id_out && !(*id_out = strdup(id)))
		r = engine__error_oom();
out:
	free(p.display);
	engine__reference_free(p.ref);
	return r;
}
