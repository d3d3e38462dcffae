/* Where to reach a registry: its mirrors (for pulls) then itself, each with
 * the scheme, TLS policy, credentials and timeout the config gives. */
#ifndef ENGINE_REGISTRY_ENDPOINT_H
#define ENGINE_REGISTRY_ENDPOINT_H

#include <stdbool.h>

#include <engine/context.h>

#include "registry/client.h"

typedef struct engine__endpoint {
	char *url;   /* "https://host:port" */
	char *label; /* "registry host:port", "mirror http://m:1" */
	bool mirror;
	bool tls_verify;
} engine__endpoint;

/* The default registry from the config (borrowed from it, or "docker.io"). */
int engine__endpoint_default_domain(engine_context *ctx, const char **out);
/* Seconds a transfer may stall: @requested when > 0, else "registry-timeout", else 30. */
long engine__endpoint_timeout(engine_context *ctx, int requested);

/* Mirrors of @domain (when @with_mirrors) in config order, then @domain.
 * Free with engine__endpoints_free(). */
int engine__endpoints_for(engine_context *ctx, const char *domain, bool with_mirrors, engine__endpoint **out,
			  size_t *n);
void engine__endpoints_free(engine__endpoint *eps, size_t n);

/* A client for @ep, with stored credentials for @domain (upstream) or for
 * the mirror's host; @user/@pass (may be NULL) the caller's own for the
 * upstream, over the stored ones (a daemon's client sends them per request). */
int engine__endpoint_client(engine_context *ctx, const engine__endpoint *ep, const char *domain, long timeout,
			    const char *user, const char *pass, engine__regclient **out);

#endif
