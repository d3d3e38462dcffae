/* One registry endpoint (a registry or one of its mirrors) over libcurl:
 * requests with Basic or Bearer authentication and one retry on 401,
 * timeouts, TLS policy, and errors that name the endpoint. */
#ifndef ENGINE_REGISTRY_CLIENT_H
#define ENGINE_REGISTRY_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend/curl_lib.h"

#include <engine/context.h>

typedef struct engine__regclient engine__regclient;

typedef struct engine__regclient_options {
	const char *domain;   /* the registry name credentials are stored under */
	const char *base_url; /* "http://127.0.0.1:5000", no trailing slash */
	const char *label;    /* "registry 127.0.0.1:5000", "mirror http://..." */
	bool tls_verify;
	bool tls_fallback;    /* an http:// insecure registry that answers as a TLS server is
				 spoken to over https://, unverified (Docker tries both) */
	long timeout;	      /* seconds to connect, and that a transfer may stall */
	const char *username; /* Basic credentials, or NULL */
	const char *password;
} engine__regclient_options;

typedef struct engine__http_response {
	long status;
	char *body;
	size_t len;
	char *content_type;
	char *docker_digest; /* Docker-Content-Digest */
	char *location;
	char *www_authenticate;
	int64_t content_length; /* -1 when not sent */
} engine__http_response;

void engine__http_response_clear(engine__http_response *r);

int engine__regclient_new(engine_context *ctx, const engine__regclient_options *o, engine__regclient **out);
void engine__regclient_free(engine__regclient *c);
const char *engine__regclient_label(const engine__regclient *c);
/* The scopes asked for in token requests ("repository:a/b:pull"); NULL-terminated, copied. */
int engine__regclient_set_scopes(engine__regclient *c, char *const *scopes);

/* Send a request and buffer the answer (bodies above 16 MiB are refused).
 * @path is "/v2/..." or an absolute URL. @headers is NULL-terminated or NULL.
 * A 401 is answered once by authenticating as the challenge asks. Returns 0
 * for any HTTP status (the caller judges it), negative for transport errors. */
int engine__regclient_request(engine__regclient *c, const char *method, const char *path,
			      char *const *headers, const void *body, size_t body_len,
			      engine__http_response *out);

/* The same with @len bytes read from @fd at @offset as the body. */
int engine__regclient_upload(engine__regclient *c, const char *method, const char *path, char *const *headers,
			     int fd, off_t offset, int64_t len, void (*progress)(void *p, int64_t sent),
			     void *progress_payload, engine__http_response *out);

/* An easy handle for a streamed GET of @path with the current credentials,
 * timeouts and TLS policy; the caller sets the write callback. *hdrs must be
 * freed with curl_slist_free_all after the transfer. */
int engine__regclient_stream(engine__regclient *c, const char *path, CURL **easy, struct curl_slist **hdrs);
/* For a streamed GET's header callback: keep the WWW-Authenticate value of
 * header line @line (@len bytes) in *@www_auth; a new status line (after a
 * redirect) forgets it. */
void engine__regclient_track_challenge(const char *line, size_t len, char **www_auth);
/* After a streamed GET got 401: authenticate again from @challenge. */
int engine__regclient_reauth(engine__regclient *c, const char *challenge);

/* An error for an unexpected HTTP answer: ENGINE_EPERM (401/403),
 * ENGINE_ENOTFOUND (404), ENGINE_EIO (429, 5xx), else ENGINE_EINVALID; the
 * message has @what, the status and the registry's error code/message. */
int engine__regclient_status_error(engine__regclient *c, const engine__http_response *r, const char *what);
/* An error for a failed curl transfer (timeouts become ENGINE_ETIMEOUT). */
int engine__regclient_curl_error(engine__regclient *c, CURLcode code, const char *errbuf, const char *what);

#endif
