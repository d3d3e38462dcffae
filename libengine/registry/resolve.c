/* Manifest resolution with verification: a manifest fetched by digest must
 * hash to it, one fetched by tag must hash to the Docker-Content-Digest
 * the registry announces, and an index entry must hash to its descriptor. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "image/store.h"
#include "registry/resolve.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"

#define CONFIG_MAX (8 << 20)

int engine__pull_ping(engine__regclient *c)
{
	engine__http_response resp = {.content_length = -1};
	int r;

	r = engine__regclient_request(c, "GET", "/v2/", NULL, NULL, 0, &resp);
	if (r == 0 && resp.status != 200) {
		if (resp.status == 404)
			r = engine__error_set(ENGINE_EINVALID, 0,
					      "%s: /v2/ not found: not a registry (HTTP 404)",
					      engine__regclient_label(c));
		else
			r = engine__regclient_status_error(c, &resp, "GET /v2/");
	}
	engine__http_response_clear(&resp);
	return r;
}

int engine__pull_get_manifest(engine__regclient *c, const char *path, const char *what, const char *expected,
			      engine__http_response *resp, char digest[ENGINE__DIGEST_LEN + 1])
{
	cleanup_free char *url = engine__strdup_printf("/v2/%s/manifests/%s", path, what);
	char *headers[] = {"Accept: " ENGINE__MANIFEST_ACCEPT, NULL};
	cleanup_free char *desc = engine__strdup_printf("manifest %s:%s", path, what);
	int r;

	if (!url || !desc)
		return ENGINE_ENOMEM;
	if (strchr(what, ':')) {
		free(desc);
		desc = engine__strdup_printf("manifest %s@%s", path, what);
		if (!desc)
			return ENGINE_ENOMEM;
	}
	r = engine__regclient_request(c, "GET", url, headers, NULL, 0, resp);
	if (r < 0)
		return r;
	if (resp->status != 200)
		return engine__regclient_status_error(c, resp, desc);
	if (!resp->body || resp->len == 0)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: %s: empty answer",
					 engine__regclient_label(c), desc);
	r = engine__sha256_buf(resp->body, resp->len, digest);
	if (r < 0)
		return r;
	if (!expected && resp->docker_digest && engine__digest_valid(resp->docker_digest))
		expected = resp->docker_digest;
	if (expected && strcmp(expected, digest) != 0)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: %s: digest mismatch: expected %s, got %s",
					 engine__regclient_label(c), desc, expected, digest);
	return 0;
}

void engine__pulled_manifest_clear(engine__pulled_manifest *pm)
{
	free(pm->body);
	engine__manifest_free(pm->m);
	memset(pm, 0, sizeof(*pm));
}

int engine__pull_manifest(engine__regclient *c, const engine__reference *ref, const char *platform,
			  engine__pulled_manifest *out)
{
	engine__http_response resp = {.content_length = -1};
	engine__manifest *parsed = NULL;
	engine__descriptor d = {0};
	const char *what = ref->digest ? ref->digest : ref->tag;
	int r;

	memset(out, 0, sizeof(*out));
	r = engine__pull_get_manifest(c, ref->path, what, ref->digest, &resp, out->digest);
	if (r == 0)
		memcpy(out->top, out->digest, sizeof(out->top));
	if (r == 0)
		r = engine__manifest_parse(resp.body, resp.len, resp.content_type, &parsed);
	if (r == 0 && parsed->is_index) {
		r = engine__index_select(resp.body, resp.len, platform, &d);
		engine__manifest_free(parsed);
		parsed = NULL;
		if (r == 0) {
			out->from_index = true;
			engine__http_response_clear(&resp);
			r = engine__pull_get_manifest(c, ref->path, d.digest, d.digest, &resp, out->digest);
		}
		if (r == 0)
			r = engine__manifest_parse(resp.body, resp.len, resp.content_type, &parsed);
		if (r == 0 && parsed->is_index)
			r = engine__error_set(ENGINE_EINVALID, 0, "index entry %s is itself an index",
					      d.digest);
		free(d.media_type);
	}
	if (r < 0) {
		if (!strstr(engine_error_last()->message, engine__regclient_label(c)))
			r = engine__error_wrap("%s: manifest %s", engine__regclient_label(c), what);
		engine__manifest_free(parsed);
		engine__http_response_clear(&resp);
		return r;
	}
	out->body = steal_ptr(resp.body);
	out->len = resp.len;
	out->m = parsed;
	engine__http_response_clear(&resp);
	return 0;
}

int engine__pull_config(engine_context *ctx, engine__regclient *c, const char *path,
			const engine__descriptor *d, json_object **config)
{
	cleanup_free char *data = NULL;
	size_t len = 0;
	int r;

	if (d->size > CONFIG_MAX)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: config %s: %lld bytes is too large",
					 engine__regclient_label(c), d->digest, (long long)d->size);
	if (!engine__blob_exists(ctx, d->digest)) {
		engine__http_response resp = {.content_length = -1};
		cleanup_free char *url = engine__strdup_printf("/v2/%s/blobs/%s", path, d->digest);
		cleanup_free char *what = engine__strdup_printf("config %s", d->digest);
		char got[ENGINE__DIGEST_LEN + 1];

		if (!url || !what)
			return ENGINE_ENOMEM;
		r = engine__regclient_request(c, "GET", url, NULL, NULL, 0, &resp);
		if (r == 0 && resp.status != 200)
			r = engine__regclient_status_error(c, &resp, what);
		if (r == 0 && (int64_t)resp.len != d->size)
			r = engine__error_set(ENGINE_EINVALID, 0,
					      "%s: %s: received %zu bytes, the manifest says %lld",
					      engine__regclient_label(c), what, resp.len, (long long)d->size);
		if (r == 0) {
			r = engine__blob_put_buf(ctx, resp.body ? resp.body : "", resp.len, d->digest, got);
			if (r < 0)
				r = engine__error_wrap("%s: %s", engine__regclient_label(c), what);
		}
		engine__http_response_clear(&resp);
		if (r < 0)
			return r;
	}
	r = engine__blob_read(ctx, d->digest, &data, &len);
	if (r < 0)
		return r;
	r = engine__json_parse(data, len, "image config", config);
	if (r == 0 && !json_object_is_type(*config, json_type_object)) {
		json_object_put(*config);
		*config = NULL;
		r = engine__error_set(ENGINE_EINVALID, 0, "image config %s: expected a JSON object",
				      d->digest);
	}
	return r;
}
