/*
 * The registry server (`engine registry serve`, and `engine daemon`'s
 * "registry" section): the OCI distribution API over HTTP, on the same
 * server library as the daemon (tools/httpserver), over the library's
 * registry view of a store (include/engine/distribution.h).
 *
 * Files: server.c (start/stop, auth hook, errors, routes), content.c
 * (pulls: /v2/, catalog, tags, manifests, blobs with ranges), upload.c
 * (pushes: upload sessions, mounts, manifest PUT), htpasswd.c (Basic auth
 * against bcrypt entries), cmd.c (the CLI verb), section.c (daemon.json's
 * "registry" section).
 */
#ifndef ENGINE_TOOLS_REGSERVE_H
#define ENGINE_TOOLS_REGSERVE_H

#include <stdbool.h>
#include <stddef.h>

#include <engine.h>

#include "httpserver/httpserver.h"

#define REGSERVE_DEFAULT_ADDR "127.0.0.1:5000"
/* Manifests above this size are refused (Distribution's limit too). */
#define REGSERVE_MAX_MANIFEST (4u << 20)

struct regserve_config {
	const char *addr;     /* "host:port", "tcp://host:port" or "unix:///path"; NULL: default */
	const char *tls_cert; /* PEM files; both or neither */
	const char *tls_key;
	bool read_only;
	bool allow_delete;     /* DELETE of manifests (docker-registry's storage.delete) */
	const char *htpasswd;  /* bcrypt entries; NULL: no authentication */
	const char *mirror_of; /* pull-through upstream URL, or NULL */
	/* One log line (level 0 error .. 3 debug); NULL: stderr. */
	void (*log)(int level, const char *msg);
};

typedef struct regserve regserve;

/* The daemon.json "registry" section into @cfg (strings borrowed from
 * @section); -1 with a message naming the bad key. */
int regserve_config_from_json(json_object *section, struct regserve_config *cfg, char *err, size_t errlen);

/* Start serving @ctx's store (which must outlive the server). On failure
 * returns -1 with a message in @err. */
int regserve_start(engine_context *ctx, const struct regserve_config *cfg, regserve **out, char *err,
		   size_t errlen);
/* The TCP port it listens on (0 for a unix socket). */
unsigned regserve_port(const regserve *rs);
/* Stop listening, wait for requests in flight, free. Accepts NULL. */
void regserve_stop(regserve *rs);

/* --- shared by the server's files ----------------------------------------- */

struct htpasswd;

struct regserve {
	engine_distribution *dist;
	hs_server *http;
	struct htpasswd *auth;
	char realm[64];
	bool allow_delete;
	void (*log)(int level, const char *msg);
};

/* Reply with a distribution error body {"errors": [{code, message, detail}]}. */
void reg_error(hs_request *req, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* What a request was about, for the error code a library error becomes. */
enum reg_what { REG_NAME, REG_BLOB, REG_MANIFEST, REG_MANIFEST_PUT, REG_UPLOAD };
/* Reply with the library's last error as the distribution code that fits. */
void reg_engine_error(hs_request *req, enum reg_what what);
/* The {name} of the route, checked; replies NAME_INVALID and returns NULL. */
const char *reg_name(hs_request *req);

extern const struct hs_route reg_content_routes[];
extern const struct hs_route reg_upload_routes[];

/* htpasswd.c */
struct htpasswd *htpasswd_load(const char *path, char *err, size_t errlen);
void htpasswd_free(struct htpasswd *h);
/* Whether the "Authorization" header value @header names a user of @h with
 * the right password. */
bool htpasswd_check(struct htpasswd *h, const char *header);

#endif
