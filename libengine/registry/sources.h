/* Which repositories a blob is known to be in ("host:port/path"), learnt
 * from pulls and pushes, so a push can ask the registry to mount a blob
 * from a repository it already has instead of uploading it (Docker keeps
 * the same "distribution metadata"). Stored in <root>/registry-sources.json. */
#ifndef ENGINE_REGISTRY_SOURCES_H
#define ENGINE_REGISTRY_SOURCES_H

#include <engine/context.h>

#include "registry/manifest.h"

/* Record that the blobs @digests (NULL-terminated) are in repository @name. */
int engine__sources_add(engine_context *ctx, const char *name, char *const *digests);

/* Best effort: record the blobs of manifest @m as being in @domain/@path
 * (a lost hint only costs an upload, so errors are dropped). */
void engine__sources_record(engine_context *ctx, const char *domain, const char *path,
			    const engine__manifest *m);

/* Repository paths on @domain, other than @except_path, known to hold
 * @digest; *out is NULL-terminated (maybe empty). */
int engine__sources_get(engine_context *ctx, const char *digest, const char *domain, const char *except_path,
			char ***out);

#endif
