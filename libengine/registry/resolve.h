/* The first steps of a pull, shared with login and push: the API version
 * check, resolving a reference to a verified image manifest, and the
 * image config. */
#ifndef ENGINE_REGISTRY_RESOLVE_H
#define ENGINE_REGISTRY_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include <engine/context.h>

#include "registry/client.h"
#include "registry/manifest.h"
#include "util/reference.h"

/* The version check: GET of the v2 root, answering a challenge; 0 on 200. */
int engine__pull_ping(engine__regclient *c);

/* GET manifest @what (a tag or digest) of repository @path, verified
 * against @expected (may be NULL: then against the Docker-Content-Digest the
 * registry announces, when it does); its digest into @digest. */
int engine__pull_get_manifest(engine__regclient *c, const char *path, const char *what, const char *expected,
			      engine__http_response *resp, char digest[ENGINE__DIGEST_LEN + 1]);

/* The image manifest for @ref: by tag or digest, through an index to
 * @platform. Every digest is checked. the body and its length are the manifest's bytes,
 * @digest_out its digest, @top_out the digest the reference resolved to
 * (the index's, when one was followed; may be NULL), *from_index whether an
 * index was followed. */
int engine__pull_manifest(engine__regclient *c, const engine__reference *ref, const char *platform,
			  char **body, size_t *len, engine__manifest **m,
			  char digest_out[ENGINE__DIGEST_LEN + 1], char *top_out, bool *from_index);

/* The config blob: from the store when present, else fetched, verified and
 * stored. *config is its parsed JSON. */
int engine__pull_config(engine_context *ctx, engine__regclient *c, const char *path,
			const engine__descriptor *d, json_object **config);

#endif
