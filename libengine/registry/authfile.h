/* Stored registry credentials: <root>/auth.json, mode 0600, in the shape of
 * Docker's config.json "auths" ({"auths": {"host:port": {"auth": base64}}}). */
#ifndef ENGINE_REGISTRY_AUTHFILE_H
#define ENGINE_REGISTRY_AUTHFILE_H

#include <engine/context.h>

/* Credentials for @domain into *user / *pass (malloc'd; wipe and free).
 * ENGINE_ENOTFOUND when none are stored. */
int engine__authfile_get(engine_context *ctx, const char *domain, char **user, char **pass);
int engine__authfile_set(engine_context *ctx, const char *domain, const char *user, const char *pass);
/* ENGINE_ENOTFOUND when nothing was stored for @domain. */
int engine__authfile_remove(engine_context *ctx, const char *domain);

#endif
