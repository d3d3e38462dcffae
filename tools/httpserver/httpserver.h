/*
 * A small HTTP/1.1 server library over libmicrohttpd for the engine's
 * servers (`engine daemon`, `engine registry serve`): listeners on unix://
 * and tcp:// (TLS with optional client-certificate verification), a router
 * with {param} segments and an optional API version prefix (/v1.41/...),
 * bounded request bodies (in memory, or spooled to an unlinked temp file),
 * JSON replies and errors, streamed chunked replies fed by a worker thread,
 * and connection upgrades (101) handed to a thread of the caller's.
 *
 * One thread per connection: handlers may block (waiting for a container,
 * following logs); idle connections time out, and so do connections that
 * do not send complete request headers in time; a client that goes away is
 * noticed by streams (hs_stream_write fails, hs_stream_gone_fd polls).
 */
#ifndef ENGINE_TOOLS_HTTPSERVER_H
#define ENGINE_TOOLS_HTTPSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

typedef struct hs_server hs_server;
typedef struct hs_request hs_request;
typedef struct hs_stream hs_stream;

/* Handler: answer with exactly one hs_reply_* call. A handler that queues
 * nothing gets a 500. */
typedef void (*hs_handler)(hs_request *req, void *app);

/* How a route takes its body. */
enum hs_body {
	HS_BODY_MEMORY = 0, /* up to hs_config.max_body bytes, in memory (NUL-terminated) */
	HS_BODY_FILE = 1,   /* up to hs_config.max_file_body bytes, in an unlinked temp file */
	/* Up to hs_config.max_file_body bytes, handed as they arrive to a sink.
	 * The handler runs twice: when the headers are in (hs_body_complete
	 * false), to set the sink (hs_body_sink) or refuse the request with a
	 * reply (the body is then not read; without either it is dropped);
	 * then when the body is in, to reply. */
	HS_BODY_SINK = 2
};

struct hs_route {
	const char *method;  /* "GET", "POST", ...; "GET" also answers HEAD */
	const char *pattern; /* "/containers/{id}/json"; "{name*}" spans several segments */
	hs_handler fn;
	int body; /* enum hs_body */
};

struct hs_config {
	const struct hs_route *routes; /* ends with {NULL} */
	void *app;		       /* passed to every handler */
	bool version_prefix;	       /* accept and strip "/vN.NN" */
	const char *max_api_version;   /* with version_prefix: refuse newer (e.g. "1.41"), NULL: any */
	const char *min_api_version;   /* refuse older, NULL: any */
	const char *const *headers;    /* name, value, ..., NULL: added to every reply */
	size_t max_body;	       /* HS_BODY_MEMORY limit; 0: 16 MiB */
	uint64_t max_file_body;	       /* HS_BODY_FILE limit; 0: 64 GiB */
	const char *tmp_dir;	       /* where HS_BODY_FILE bodies go; NULL: /var/tmp */
	unsigned idle_timeout;	       /* seconds; 0: 300 */
	unsigned max_connections;      /* 0: 4096 */
	/* Seconds a connection has to send a request's complete headers, from
	 * its opening or the end of its previous request (slowloris); 0: the
	 * environment's ENGINE_HTTP_HEADER_TIMEOUT, else 60. */
	unsigned header_timeout;
	unsigned max_per_ip; /* open connections from one IP address (tcp); 0: 256 */
	/* Log one line (level 0 error .. 3 debug); may be NULL. */
	void (*log)(int level, const char *msg, void *app);
	/* Runs for every routed request once its headers are in, before the
	 * body is read: false refuses it (the hook replies, e.g. 401; a 401
	 * {"message"} is sent if it did not). NULL: everything is allowed. */
	bool (*authorize)(hs_request *req, void *app);
	/* Formats hs_reply_error's replies (and the server's own 404, 405, 413)
	 * with one hs_reply_* call; NULL: {"message": ...} JSON. */
	void (*error)(hs_request *req, int status, const char *message, void *app);
	/* What to tell someone who asked for plain TCP on a public address
	 * (NULL: the daemon's "--tlsverify --tlscacert --tlscert --tlskey"). */
	const char *tls_hint;
};

/* TLS material for a tcp:// listener (PEM file paths). */
struct hs_tls {
	const char *cert;
	const char *key;
	const char *ca; /* with verify: client certificates must chain to it */
	bool verify;
};

/* A new server; no listener yet. Returns NULL with *err (static) set. */
hs_server *hs_server_new(const struct hs_config *cfg, const char **err);
/*
 * Listen on @addr: "unix:///path" (an existing socket file is replaced;
 * @mode/@gid applied when mode != 0 / gid >= 0) or "tcp://host:port".
 * Plain tcp on an address that is not loopback is refused unless @tls is
 * given. Returns 0, or -1 with a message in @err (size @errlen).
 */
int hs_server_listen(hs_server *s, const char *addr, const struct hs_tls *tls, unsigned mode, long gid,
		     char *err, size_t errlen);
/* The TCP port listener @i (in the order of hs_server_listen) is bound to,
 * 0 for a unix socket: useful after asking for port 0. */
unsigned hs_server_port(const hs_server *s, size_t i);
/* Stop listening, close connections (waits for their threads), free. */
void hs_server_free(hs_server *s);

/* --- requests -------------------------------------------------------- */

const char *hs_method(const hs_request *req);
/* The path without the version prefix. */
const char *hs_path(const hs_request *req);
/* The "{name}" segment of the matched pattern (URL-decoded), or NULL. */
const char *hs_param(const hs_request *req, const char *name);
/* The API version of the prefix ("1.41"), or NULL when unprefixed. */
const char *hs_api_version(const hs_request *req);
const char *hs_query(const hs_request *req, const char *key);
/* Every value of a repeated query key ("names=a&names=b"), in order, into
 * @out (up to @max); returns how many. Borrowed from the request. */
size_t hs_query_all(const hs_request *req, const char *key, const char **out, size_t max);
/* Docker's booleans: "1", "true", "True" -> true; absent -> @def. */
bool hs_query_bool(const hs_request *req, const char *key, bool def);
/* An integer query value into *out; absent: *out = def. -1 when malformed. */
int hs_query_int(const hs_request *req, const char *key, long long def, long long *out);
const char *hs_header(const hs_request *req, const char *name);
/* HS_BODY_MEMORY: the body (NUL-terminated) and its length. */
const char *hs_body(const hs_request *req, size_t *len);
/* HS_BODY_FILE: an fd positioned at 0 (owned by the request), -1 when none. */
int hs_body_fd(const hs_request *req);
/* The body as a JSON object. An empty body gives NULL (not an error);
 * malformed JSON replies 400 itself and returns -1. */
int hs_body_json(hs_request *req, json_object **out);
/* HS_BODY_SINK: from the route's begin handler, send the body's bytes to
 * @write as they arrive (a negative return drops the rest of the body);
 * @free_fn(@data) runs when the request ends, whether or not the client
 * stayed until the end. */
void hs_body_sink(hs_request *req, int (*write)(void *data, const char *buf, size_t len), void *data,
		  void (*free_fn)(void *data));
/* HS_BODY_SINK: false during the handler's first run, true in its second. */
bool hs_body_complete(const hs_request *req);
/* The sink's data (NULL when none was set). */
void *hs_sink_data(const hs_request *req);
/* Bytes of body received so far. */
uint64_t hs_body_received(const hs_request *req);
/* Log a line through the server's log hook (level 0 error .. 3 debug). */
void hs_log(hs_request *req, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The client's address ("127.0.0.1", "::1"), for logs; "" when unknown. */
const char *hs_peer(hs_request *req);
/* The connection's socket (for polling whether the client left). */
int hs_conn_fd(const hs_request *req);
/* Whether the client has hung up (POLLRDHUP/POLLHUP/error on its socket). */
bool hs_client_gone(const hs_request *req);
/* Whether the client asked to upgrade the connection (Connection: Upgrade). */
bool hs_wants_upgrade(const hs_request *req);

/* --- replies (each queues the one response of the request) ----------- */

void hs_reply_json(hs_request *req, int status, json_object *body); /* takes @body */
void hs_reply_raw(hs_request *req, int status, const char *content_type, const void *data, size_t len);
void hs_reply_empty(hs_request *req, int status);
/* {"message": "..."} with @status. */
void hs_reply_error(hs_request *req, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An extra header on the coming reply (call before the hs_reply_*). */
void hs_reply_header(hs_request *req, const char *name, const char *value);

/*
 * A body produced by @read on the connection's own thread, @len bytes
 * (UINT64_MAX: unknown, then chunked), asked for in blocks of up to @block
 * bytes (0: 64 KiB): @read(@data, pos, buf, max) returns how many bytes it
 * put in @buf (it may block), 0 at the end, -1 to abort the connection.
 * Memory per connection is one block. A HEAD request gets the headers only,
 * with the same Content-Length. @free_fn(@data) runs when the reply is done.
 * (Files are read this way too: libmicrohttpd's sendfile replies measured
 * slower on loopback, see bench/registry.)
 */
void hs_reply_reader(hs_request *req, int status, const char *content_type, uint64_t len, size_t block,
		     long (*read)(void *data, uint64_t pos, char *buf, size_t max), void *data,
		     void (*free_fn)(void *data));

/*
 * A streamed reply (chunked): @fn runs on a thread of its own and writes
 * with hs_stream_write; the reply ends when it returns. The headers go out
 * at once. @free_fn(@data) runs after @fn, on that thread.
 */
typedef void (*hs_stream_fn)(hs_stream *st, void *data);
void hs_reply_stream(hs_request *req, int status, const char *content_type, hs_stream_fn fn, void *data,
		     void (*free_fn)(void *data));
/* Write all of @buf; -1 once the client has gone. */
int hs_stream_write(hs_stream *st, const void *buf, size_t len);
int hs_stream_printf(hs_stream *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON value and "\n" (Docker's JSON-lines streams). Takes @o. */
int hs_stream_json(hs_stream *st, json_object *o);
/* An fd that polls POLLERR/POLLHUP once the client has gone (events 0). */
int hs_stream_gone_fd(const hs_stream *st);
bool hs_stream_gone(const hs_stream *st);

/*
 * Upgrade the connection (101, "Upgrade: tcp", @content_type) and hand the
 * raw socket to @fn on a thread of its own; the bytes the client sent after
 * its headers come first in @extra. The connection closes when @fn
 * returns; @free_fn(@data) runs then. When the request did not ask for an
 * upgrade, the same @fn gets a pipe-backed fd whose output is streamed as a
 * 200 reply (reads see EOF at once), like dockerd hijacking a plain request.
 */
typedef void (*hs_upgrade_fn)(int fd, const char *extra, size_t extra_len, void *data);
void hs_reply_upgrade(hs_request *req, const char *content_type, hs_upgrade_fn fn, void *data,
		      void (*free_fn)(void *data));

/* base64 (RFC 4648, either the standard or the URL-safe alphabet, padding
 * optional: Basic credentials, X-Registry-Auth) into @out, NUL-terminated;
 * -1 when malformed, holding a NUL, or too long for @outlen. */
int hs_base64_decode(const char *in, char *out, size_t outlen);

/* Write all of @buf to @fd (EINTR and short writes handled); -1 on error. */
int hs_write_all(int fd, const void *buf, size_t len);

#endif
