/* The HTTP server library's private structs, shared by its files. */
#ifndef ENGINE_TOOLS_HTTPSERVER_INTERNAL_H
#define ENGINE_TOOLS_HTTPSERVER_INTERNAL_H

#include <pthread.h>

#include "httpserver.h"
#include "lazy.h"

#define HS_MAX_PARAMS 8
#define HS_MAX_LISTENERS 16
#define HS_MAX_EXTRA_HEADERS 12

typedef struct hs_listener {
	hs_server *server;
	struct MHD_Daemon *mhd;
	char *unix_path; /* removed at free */
	unsigned port;	 /* tcp: the bound port */
	bool verify_client;
	char *tls_cert, *tls_key, *tls_ca; /* PEM contents, kept while the daemon runs */
} hs_listener;

struct hs_conn;

struct hs_server {
	struct hs_config cfg;
	hs_listener listeners[HS_MAX_LISTENERS];
	size_t nlisteners;
	/* deadline.c: open connections and their header deadlines */
	pthread_mutex_t conn_lock;
	pthread_cond_t conn_cond;
	struct hs_conn *conns;
	pthread_t watchdog;
	bool watchdog_running, stopping;
};

struct hs_request {
	hs_listener *listener;
	struct MHD_Connection *conn;
	const char *method;
	char *path; /* without the version prefix */
	char api_version[16];
	const struct hs_route *route;
	char *params[HS_MAX_PARAMS][2];
	size_t nparams;
	char *body;
	size_t body_len, body_cap;
	int body_fd;
	uint64_t body_total;
	bool queued, rejected;
	int status;
	char *extra[HS_MAX_EXTRA_HEADERS][2];
	size_t nextra;
	int (*sink)(void *data, const char *buf, size_t len);
	void *sink_data;
	void (*sink_free)(void *data);
	bool sink_failed;
	bool complete; /* the body is in */
	char peer[64];
};

/* deadline.c: the header deadline's watchdog (started with the server,
 * stopped after its listeners), the connection notifications that track
 * sockets, and its arming: off once the headers are in, on again when the
 * request ends. */
int hs__deadline_init(hs_server *s);
void hs__deadline_fini(hs_server *s);
void hs__deadline_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			 enum MHD_ConnectionNotificationCode code);
void hs__deadline_set(hs_server *s, struct MHD_Connection *conn, bool armed);

/* router.c: match @path against the routes; fills req->route and params.
 * Returns 0, or -1 (no path matched) / -2 (path matched, method did not). */
int hs__route(hs_request *req, const struct hs_route *routes, const char *path);
/* router.c: strip "/vN.NN"; 0, or -1 when the prefix is malformed. */
int hs__strip_version(const char *url, char *version, size_t vlen, const char **rest);
/* router.c: compare "1.41"-style versions like strcmp. */
int hs__version_cmp(const char *a, const char *b);

/* reply.c: queue @resp with the configured and extra headers. */
void hs__queue(hs_request *req, int status, struct MHD_Response *resp, bool default_headers);
void hs__log(hs_server *s, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
