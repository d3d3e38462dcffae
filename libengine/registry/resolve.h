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

/* A manifest as engine__pull_manifest fetched it. */
typedef struct engine__pulled_manifest {
	char *body; /* its bytes */
	size_t len;
	engine__manifest *m;		     /* parsed */
	char digest[ENGINE__DIGEST_LEN + 1]; /* of the body */
	char top[ENGINE__DIGEST_LEN + 1];    /* what the reference resolved to (an index's) */
	bool from_index;		     /* an index was followed to @platform */
} engine__pulled_manifest;

/* Free what a pulled manifest holds (accepts an empty one). */
void engine__pulled_manifest_clear(engine__pulled_manifest *pm);

/* The image manifest for @ref: by tag or digest, through an index to
 * @platform. Every digest is checked. *@out is filled on success; clear it
 * with engine__pulled_manifest_clear(). */
int engine__pull_manifest(engine__regclient *c, const engine__reference *ref, const char *platform,
			  engine__pulled_manifest *out);

/* The config blob: from the store when present, else fetched, verified and
 * stored. *config is its parsed JSON. */
int engine__pull_config(engine_context *ctx, engine__regclient *c, const char *path,
			const engine__descriptor *d, json_object **config);

#endif
