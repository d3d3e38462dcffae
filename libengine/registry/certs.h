/* Per-registry TLS material, as Docker's certs.d: <dir>/certs.d/<host[:port]>/
 * with *.crt (CAs trusted for that registry, beside the system's) and
 * *.cert + *.key pairs (a client certificate). */
#ifndef ENGINE_REGISTRY_CERTS_H
#define ENGINE_REGISTRY_CERTS_H

#include <stddef.h>

#include <engine/context.h>

typedef struct engine__regcerts {
	char *ca_pem; /* the system's CAs and the directory's *.crt, or NULL (none given) */
	size_t ca_len;
	char *cert, *key; /* a client certificate and its key (paths), or NULL */
} engine__regcerts;

/* The certs.d directory of @ctx: "certs.d" beside the config file (as
 * Docker's /etc/docker/certs.d beside daemon.json), else
 * /etc/engine/certs.d. Malloc'd. */
char *engine__regcerts_dir(engine_context *ctx);
/* Read @host's directory ("127.0.0.1:5000"); none is no error. Errors:
 * ENGINE_EINVALID (a .cert without its .key or the other way round),
 * ENGINE_EIO (unreadable). */
int engine__regcerts_load(engine_context *ctx, const char *host, engine__regcerts *out);
void engine__regcerts_clear(engine__regcerts *c);

#endif
