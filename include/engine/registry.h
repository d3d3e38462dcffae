/*
 * Registries: pull and push images over the OCI distribution API (Docker
 * Registry HTTP API v2), through the registry mirrors of the context's
 * config file, with credentials stored by engine_registry_login().
 *
 * Config keys read from the context's JSON config file (daemon.json style):
 *   "registry-mirrors":    ["http://host:port", ...] mirrors the default
 *                          registry; or {"host:port": ["http://m1", ...], ...}
 *                          maps any registry to its ordered mirrors.
 *   "insecure-registries": ["host:port", "10.0.0.0/8", ...] may use plain HTTP
 *                          (loopback always may, like Docker).
 *   "default-registry":    where short names like "busybox" go
 *                          (Docker Hub, "docker.io", when unset).
 *   "registry-timeout":    seconds a transfer may stall before it fails (30).
 */
#ifndef ENGINE_REGISTRY_H
#define ENGINE_REGISTRY_H

#include "common.h"
#include "context.h"

ENGINE_BEGIN_DECLS

/* --- references ---------------------------------------------------------- */

/**
 * Normalise an image reference the way Docker does ("busybox" ->
 * "docker.io/library/busybox:latest", "reg:5000/a/b" -> "reg:5000/a/b:latest",
 * "a@sha256:..." keeps its digest), using the context's "default-registry".
 * *out is freed with engine_free(). ENGINE_EINVALID names the reference and
 * what is wrong with it.
 */
ENGINE_EXTERN int engine_registry_reference_normalize(engine_context *ctx, const char *ref, char **out);

ENGINE_END_DECLS

#endif
