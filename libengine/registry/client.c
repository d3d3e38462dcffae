/* HTTP to one registry endpoint with libcurl. Every request carries the
 * endpoint's timeouts and TLS policy; a 401 is answered once, by Basic
 * credentials or by fetching a Bearer token from the challenge's realm,
 * and the token is reused until it expires. Credentials and tokens never
 * reach a log line or an error message. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "core/log.h"
#include "registry/challenge.h"
#include "registry/client.h"
#include "registry/certs.h"
#include "registry/regconfig.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

#define MAX_BODY (16u << 20)
/* Registries answer 401 for repositories that do not exist, too (Docker Hub). */
#define NEED_LOGIN "authentication required: the repository may not exist, or may need engine login"

struct engine__regclient {
	engine_context *ctx;
	char *domain, *base, *label;
	bool tls_verify;
	bool tls_fallback; /* until the first answer: may move to https:// */
	long timeout;
	char *user, *pass;
	char **scopes;
	int scheme; /* what the registry asked for */
	engine__challenge chal;
	char *token;
	time_t token_expiry;
	engine__regcerts certs; /* the registry's certs.d directory */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void engine__http_response_clear(engine__http_response *r)
{
	free(r->body);
	free(r->content_type);
	free(r->docker_digest);
	free(r->location);
	free(r->www_authenticate);
	memset(r, 0, sizeof(*r));
	r->content_length = -1;
}

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void engine__regclient_free(engine__regclient *c)
{
	if (!c)
		return;
	free(c->domain);
	free(c->base);
	free(c->label);
	wipe_free(c->user);
	wipe_free(c->pass);
	wipe_free(c->token);
	engine__strv_free(c->scopes);
	engine__challenge_clear(&c->chal);
	engine__regcerts_clear(&c->certs);
	free(c);
}

int engine__regclient_new(engine_context *ctx, const engine__regclient_options *o, engine__regclient **out)
{
	engine__regclient *c;
	int r = engine__backend_require(&engine__backend_curl);

	if (r < 0)
		return r;
	pthread_once(&curl_once, curl_init);
	if (curl_init_result != CURLE_OK)
		return engine__error_set(ENGINE_ERROR, 0, "libcurl initialisation failed: %s",
					 curl_easy_strerror(curl_init_result));
	c = calloc(1, sizeof(*c));
	if (!c)
		return engine__error_oom();
	c->ctx = ctx;
	c->tls_verify = o->tls_verify;
	c->tls_fallback = o->tls_fallback && engine__str_starts_with(o->base_url, "http://");
	c->timeout = o->timeout > 0 ? o->timeout : 30;
	c->domain = strdup(o->domain);
	c->base = strdup(o->base_url);
	c->label = strdup(o->label);
	c->scopes = calloc(1, sizeof(char *));
	if (o->username && o->password) {
		c->user = strdup(o->username);
		c->pass = strdup(o->password);
	}
	if (!c->domain || !c->base || !c->label || !c->scopes ||
	    (o->username && o->password && (!c->user || !c->pass))) {
		engine__regclient_free(c);
		return engine__error_oom();
	}
	{
		cleanup_free char *host = engine__url_host(c->base);

		r = host ? engine__regcerts_load(ctx, host, &c->certs) : engine__error_oom();
		if (r < 0) {
			engine__regclient_free(c);
			return r;
		}
	}
	*out = c;
	return 0;
}

const char *engine__regclient_label(const engine__regclient *c)
{
	return c->label;
}

int engine__regclient_set_scopes(engine__regclient *c, char *const *scopes)
{
	char **n = engine__strv_dup(scopes);

	if (!n)
		return ENGINE_ENOMEM;
	engine__strv_free(c->scopes);
	c->scopes = n;
	/* A token is only good for the scopes it was issued for. */
	wipe_free(c->token);
	c->token = NULL;
	return 0;
}

static char *make_url(engine__regclient *c, const char *path)
{
	if (engine__str_starts_with(path, "http://") || engine__str_starts_with(path, "https://"))
		return engine__strdup_printf("%s", path);
	return engine__strdup_printf("%s%s%s", c->base, path[0] == '/' ? "" : "/", path);
}

/* --- response capture ---------------------------------------------------- */

struct capture {
	engine__http_response *resp;
	bool overflow;
};

static size_t on_body(char *data, size_t size, size_t n, void *p)
{
	struct capture *cap = p;
	engine__http_response *r = cap->resp;
	size_t len = size * n;
	char *nb;

	if (r->len + len > MAX_BODY) {
		cap->overflow = true;
		return 0;
	}
	nb = realloc(r->body, r->len + len + 1);
	if (!nb)
		return 0;
	memcpy(nb + r->len, data, len);
	r->len += len;
	nb[r->len] = '\0';
	r->body = nb;
	return len;
}

static void set_header(char **slot, const char *v, size_t len)
{
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
		len--;
	free(*slot);
	*slot = strndup(v, len);
}

static size_t on_header(char *data, size_t size, size_t n, void *p)
{
	engine__http_response *r = ((struct capture *)p)->resp;
	size_t len = size * n;
	const char *colon = memchr(data, ':', len);
	size_t klen;
	const char *v;

	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or 100 Continue): forget the last one's headers. */
		free(r->content_type);
		free(r->docker_digest);
		free(r->location);
		free(r->www_authenticate);
		r->content_type = r->docker_digest = r->location = r->www_authenticate = NULL;
		r->content_length = -1;
		return len;
	}
	if (!colon)
		return len;
	klen = (size_t)(colon - data);
	v = colon + 1;
	while (v < data + len && (*v == ' ' || *v == '\t'))
		v++;
	len -= (size_t)(v - data);
#define IS(name) (klen == sizeof(name) - 1 && strncasecmp(data, name, klen) == 0)
	if (IS("Content-Type"))
		set_header(&r->content_type, v, len);
	else if (IS("Docker-Content-Digest"))
		set_header(&r->docker_digest, v, len);
	else if (IS("Location"))
		set_header(&r->location, v, len);
	else if (IS("WWW-Authenticate") && !r->www_authenticate)
		set_header(&r->www_authenticate, v, len);
	else if (IS("Content-Length"))
		r->content_length = strtoll(v, NULL, 10);
#undef IS
	return size * n;
}

/* --- errors --------------------------------------------------------------- */

int engine__regclient_curl_error(engine__regclient *c, CURLcode code, const char *errbuf, const char *what)
{
	const char *detail = errbuf && *errbuf ? errbuf : curl_easy_strerror(code);

	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		return engine__error_set(ENGINE_ETIMEOUT, 0,
					 "%s: %s: timed out (nothing received for %lds): %s", c->label, what,
					 c->timeout, detail);
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		return engine__error_set(ENGINE_EIO, 0, "%s: %s: cannot connect: %s", c->label, what, detail);
	case CURLE_PARTIAL_FILE:
		return engine__error_set(ENGINE_EIO, 0, "%s: %s: truncated download: %s", c->label, what,
					 detail);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		return engine__error_set(ENGINE_EPERM, 0, "%s: %s: TLS failed: %s", c->label, what, detail);
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return engine__error_set(ENGINE_EINVALID, 0, "%s: %s: not an HTTP registry answer: %s",
					 c->label, what, detail);
	default:
		return engine__error_set(ENGINE_EIO, 0, "%s: %s: %s", c->label, what, detail);
	}
}

int engine__regclient_status_error(engine__regclient *c, const engine__http_response *r, const char *what)
{
	cleanup_json json_object *doc = NULL;
	char detail[512] = "";
	int code;

	/* Distribution's error body: {"errors":[{"code":..,"message":..}]} */
	if (r->body && r->len && engine__json_parse(r->body, r->len, "error", &doc) == 0) {
		json_object *errs = engine__json_get_type(doc, "errors", json_type_array);
		json_object *e =
		    errs && json_object_array_length(errs) ? json_object_array_get_idx(errs, 0) : NULL;
		const char *ecode = engine__json_get_string(e, "code");
		const char *emsg = engine__json_get_string(e, "message");
		if (ecode || emsg)
			snprintf(detail, sizeof(detail), ": %s%s%s", ecode ? ecode : "",
				 ecode && emsg ? ": " : "", emsg ? emsg : "");
	}
	engine_error_clear();
	switch (r->status) {
	case 401:
		code = ENGINE_EPERM;
		return engine__error_set(code, 0, "%s: %s: %s (HTTP 401%s)", c->label, what,
					 c->user ? "credentials refused" : NEED_LOGIN, detail);
	case 403:
		code = ENGINE_EPERM;
		break;
	case 404:
		code = ENGINE_ENOTFOUND;
		break;
	case 408:
	case 429:
		code = ENGINE_EIO;
		break;
	default:
		code = r->status >= 500 ? ENGINE_EIO : ENGINE_EINVALID;
	}
	return engine__error_set(code, 0, "%s: %s: %s (HTTP %ld%s)", c->label, what,
				 code == ENGINE_ENOTFOUND ? "not found"
				 : code == ENGINE_EPERM	  ? "access denied"
							  : "unexpected answer",
				 r->status, detail);
}

/* --- handles and authentication --------------------------------------------- */

static int base_setup(engine__regclient *c, CURL *h, const char *url, char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->timeout);
	/* A registry that accepts and then says nothing fails after timeout
	 * seconds, without capping how long a big layer may take. */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->timeout);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->tls_verify ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->tls_verify ? 2L : 0L);
	if (c->certs.ca_pem) {
		struct curl_blob ca = {
		    .data = c->certs.ca_pem, .len = c->certs.ca_len, .flags = CURL_BLOB_NOCOPY};

		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
	}
	if (c->certs.cert) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->certs.cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->certs.key);
	}
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* Go's limit, which Docker's pulls have: libcurl before 8.3 follows
	 * redirects without one, so a registry redirecting to itself held a
	 * pull until the headers of every answer passed 300 KB. */
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "libengine/" PACKAGE_VERSION);
	return 0;
}

/* Authorization for the endpoint itself; curl never sends it to another
 * host a redirect leads to. */
static int add_auth(engine__regclient *c, CURL *h, struct curl_slist **hdrs)
{
	if (c->scheme == ENGINE__AUTH_BEARER && c->token) {
		cleanup_free char *line = engine__strdup_printf("Authorization: Bearer %s", c->token);
		struct curl_slist *n;
		if (!line)
			return ENGINE_ENOMEM;
		n = curl_slist_append(*hdrs, line);
		explicit_bzero(line, strlen(line));
		if (!n)
			return engine__error_oom();
		*hdrs = n;
	} else if (c->scheme == ENGINE__AUTH_BASIC && c->user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->pass);
	}
	return 0;
}

static int fetch_token(engine__regclient *c)
{
	cleanup_strv char **scopes = engine__strv_dup(c->scopes);
	cleanup_free char *url = NULL;
	cleanup_json json_object *doc = NULL;
	engine__http_response resp = {.content_length = -1};
	struct capture cap = {&resp, false};
	char errbuf[CURL_ERROR_SIZE] = "";
	const char *tok;
	int64_t expires;
	CURL *h;
	CURLcode cc;
	int r = 0;

	if (!scopes)
		return ENGINE_ENOMEM;
	if (c->chal.scope && !strstr(c->chal.scope, " ")) {
		bool have = false;
		for (char **s = scopes; *s; s++)
			have = have || strcmp(*s, c->chal.scope) == 0;
		if (!have && engine__strv_push(&scopes, c->chal.scope) < 0)
			return ENGINE_ENOMEM;
	}
	url = engine__challenge_token_url(&c->chal, scopes);
	if (!url)
		return engine_error_last()->code ? engine_error_last()->code : ENGINE_ENOMEM;
	h = curl_easy_init();
	if (!h)
		return engine__error_oom();
	base_setup(c, h, url, errbuf);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &cap);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &cap);
	if (c->user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->pass);
	}
	engine__debug(c->ctx, "%s: requesting a token from %s", c->label, c->chal.realm);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
	curl_easy_cleanup(h);
	if (cc != CURLE_OK) {
		r = engine__regclient_curl_error(c, cc, errbuf, "token server");
		goto out;
	}
	if (resp.status == 401 || resp.status == 403) {
		r = engine__error_set(ENGINE_EPERM, 0, "%s: token server %s refused %s (HTTP %ld)", c->label,
				      c->chal.realm, c->user ? "the credentials" : "anonymous access",
				      resp.status);
		goto out;
	}
	if (resp.status != 200) {
		r = engine__regclient_status_error(c, &resp, "token server");
		goto out;
	}
	r = engine__json_parse(resp.body ? resp.body : "", resp.len, "token server answer", &doc);
	if (r < 0) {
		r = engine__error_wrap("%s", c->label);
		goto out;
	}
	tok = engine__json_get_string(doc, "token");
	if (!tok || !*tok)
		tok = engine__json_get_string(doc, "access_token");
	if (!tok || !*tok) {
		r = engine__error_set(ENGINE_EINVALID, 0, "%s: token server %s answered without a token",
				      c->label, c->chal.realm);
		goto out;
	}
	expires = engine__json_get_int(doc, "expires_in", 60);
	/* Like Docker: never trust a lifetime under a minute. */
	if (expires < 60)
		expires = 60;
	wipe_free(c->token);
	c->token = strdup(tok);
	c->token_expiry = time(NULL) + expires - 5;
	if (!c->token)
		r = engine__error_oom();
out:
	if (resp.body)
		explicit_bzero(resp.body, resp.len);
	engine__http_response_clear(&resp);
	return r;
}

/* Answer a challenge. Returns 1 when a retry may succeed, 0 when not (no
 * credentials for Basic), negative on error. */
static int authenticate(engine__regclient *c, const char *header)
{
	engine__challenge ch;
	int r;

	r = engine__challenge_parse(header, &ch);
	if (r < 0)
		return engine__error_wrap("%s", c->label);
	if (ch.scheme == ENGINE__AUTH_BASIC) {
		engine__challenge_clear(&ch);
		if (!c->user || c->scheme == ENGINE__AUTH_BASIC)
			return 0; /* nothing (new) to offer */
		c->scheme = ENGINE__AUTH_BASIC;
		return 1;
	}
	engine__challenge_clear(&c->chal);
	c->chal = ch;
	c->scheme = ENGINE__AUTH_BEARER;
	r = fetch_token(c);
	return r < 0 ? r : 1;
}

int engine__regclient_reauth(engine__regclient *c, const char *challenge)
{
	int r = authenticate(c, challenge);

	if (r == 0)
		return engine__error_set(ENGINE_EPERM, 0, "%s: %s", c->label,
					 c->user ? "credentials refused" : NEED_LOGIN);
	return r < 0 ? r : 0;
}

/* Before a request: renew an expired token without waiting for the 401. */
static int refresh_token(engine__regclient *c)
{
	if (c->scheme == ENGINE__AUTH_BEARER && (!c->token || time(NULL) >= c->token_expiry))
		return fetch_token(c);
	return 0;
}

void engine__regclient_track_challenge(const char *line, size_t len, char **www_auth)
{
	if (len > 17 && strncasecmp(line, "WWW-Authenticate:", 17) == 0 && !*www_auth) {
		size_t vlen = len - 17;
		const char *v = line + 17;

		while (vlen && (*v == ' ' || *v == '\t'))
			v++, vlen--;
		while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
			vlen--;
		*www_auth = strndup(v, vlen);
	} else if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		free(*www_auth);
		*www_auth = NULL;
	}
}

int engine__regclient_stream(engine__regclient *c, const char *path, CURL **easy, struct curl_slist **hdrs)
{
	cleanup_free char *url = make_url(c, path);
	char *errbuf;
	CURL *h;
	int r;

	if (!url)
		return ENGINE_ENOMEM;
	r = refresh_token(c);
	if (r < 0)
		return r;
	h = curl_easy_init();
	if (!h)
		return engine__error_oom();
	/* The handle's error buffer must outlive this call; it is the handle's private pointer. */
	errbuf = calloc(1, CURL_ERROR_SIZE);
	if (!errbuf) {
		curl_easy_cleanup(h);
		return engine__error_oom();
	}
	base_setup(c, h, url, errbuf);
	curl_easy_setopt(h, CURLOPT_PRIVATE, errbuf);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	*hdrs = NULL;
	r = add_auth(c, h, hdrs);
	if (r < 0) {
		free(errbuf);
		curl_easy_cleanup(h);
		return r;
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
	*easy = h;
	return 0;
}

struct upload {
	int fd;
	off_t offset;
	int64_t left, sent;
	void (*progress)(void *p, int64_t sent);
	void *payload;
};

static size_t on_read(char *buf, size_t size, size_t n, void *p)
{
	struct upload *u = p;
	size_t want = size * n;
	ssize_t got;

	if ((int64_t)want > u->left)
		want = (size_t)u->left;
	if (want == 0)
		return 0;
	got = pread(u->fd, buf, want, u->offset);
	if (got <= 0)
		return CURL_READFUNC_ABORT;
	u->offset += got;
	u->left -= got;
	u->sent += got;
	if (u->progress)
		u->progress(u->payload, u->sent);
	return (size_t)got;
}

/* Whether a plain HTTP request got what a TLS server answers it: nothing
 * (libmicrohttpd, OpenSSL's s_server), an alert (not HTTP), or Go's 400. */
static bool tls_server_answer(CURLcode cc, const engine__http_response *r)
{
	if (cc == CURLE_GOT_NOTHING || cc == CURLE_WEIRD_SERVER_REPLY || cc == CURLE_RECV_ERROR)
		return true;
	return cc == CURLE_OK && r->status == 400 && r->body && strstr(r->body, "HTTPS server");
}

/* Speak https:// (unverified, as the registry is insecure) from now on. */
static int move_to_tls(engine__regclient *c, char **url)
{
	char *base = engine__strdup_printf("https://%s", c->base + strlen("http://"));
	char *u = engine__str_starts_with(*url, c->base)
		      ? engine__strdup_printf("%s%s", base ? base : "", *url + strlen(c->base))
		      : NULL;

	if (!base || !u) {
		free(base);
		free(u);
		return engine__error_oom();
	}
	engine__debug(c->ctx, "%s: answers as a TLS server: %s", c->label, base);
	free(c->base);
	c->base = base;
	free(*url);
	*url = u;
	c->tls_verify = false;
	c->tls_fallback = false;
	return 0;
}

static int perform(engine__regclient *c, const char *method, const char *path, char *const *headers,
		   const void *body, size_t body_len, struct upload *up, engine__http_response *out)
{
	cleanup_free char *url = make_url(c, path);
	char plain_err[CURL_ERROR_SIZE] = "";
	CURLcode plain_cc = CURLE_OK;

	if (!url)
		return ENGINE_ENOMEM;
	for (int attempt = 0;; attempt++) {
		struct curl_slist *hdrs = NULL;
		struct capture cap = {out, false};
		struct upload u = up ? *up : (struct upload){0};
		char errbuf[CURL_ERROR_SIZE] = "";
		CURLcode cc;
		CURL *h;
		int r;

		engine__http_response_clear(out);
		r = refresh_token(c);
		if (r < 0)
			return r;
		h = curl_easy_init();
		if (!h)
			return engine__error_oom();
		base_setup(c, h, url, errbuf);
		for (char *const *hd = headers; hd && *hd; hd++) {
			struct curl_slist *n = curl_slist_append(hdrs, *hd);
			if (!n) {
				curl_slist_free_all(hdrs);
				curl_easy_cleanup(h);
				return engine__error_oom();
			}
			hdrs = n;
		}
		/* No "Expect: 100-continue" round trip before uploads. */
		hdrs = curl_slist_append(hdrs, "Expect:");
		r = add_auth(c, h, &hdrs);
		if (r < 0 || !hdrs) {
			curl_slist_free_all(hdrs);
			curl_easy_cleanup(h);
			return r < 0 ? r : engine__error_oom();
		}
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &cap);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, &cap);
		if (strcmp(method, "GET") == 0) {
			curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		} else if (strcmp(method, "HEAD") == 0) {
			curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
			curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		} else if (up) {
			curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u.left);
			curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(h, CURLOPT_READDATA, &u);
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		} else {
			curl_easy_setopt(h, CURLOPT_POST, 1L);
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		}
		engine__debug(c->ctx, "%s: %s %s", c->label, method, url);
		cc = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
		curl_easy_cleanup(h);
		curl_slist_free_all(hdrs);
		if (c->tls_fallback && !cap.overflow && tls_server_answer(cc, out) &&
		    engine__str_starts_with(url, c->base)) {
			plain_cc = cc;
			memcpy(plain_err, errbuf, sizeof(plain_err));
			r = move_to_tls(c, &url);
			if (r < 0)
				return r;
			attempt--;
			continue;
		}
		c->tls_fallback = false;
		/* Not a TLS server either: the plain request's failure is the one
		 * to report. */
		if (plain_cc != CURLE_OK && cc != CURLE_OK) {
			cc = plain_cc;
			memcpy(errbuf, plain_err, sizeof(plain_err));
		}
		plain_cc = CURLE_OK;
		if (cc != CURLE_OK) {
			cleanup_free char *what = engine__strdup_printf("%s %s", method, path);
			if (cap.overflow)
				return engine__error_set(ENGINE_EINVALID, 0,
							 "%s: %s %s: answer larger than %u bytes", c->label,
							 method, path, MAX_BODY);
			return engine__regclient_curl_error(c, cc, errbuf, what ? what : method);
		}
		if (out->status != 401 || attempt > 0 || !out->www_authenticate)
			return 0;
		r = authenticate(c, out->www_authenticate);
		if (r <= 0)
			return r;
	}
}

int engine__regclient_request(engine__regclient *c, const char *method, const char *path,
			      char *const *headers, const void *body, size_t body_len,
			      engine__http_response *out)
{
	return perform(c, method, path, headers, body, body_len, NULL, out);
}

int engine__regclient_upload(engine__regclient *c, const char *method, const char *path, char *const *headers,
			     int fd, off_t offset, int64_t len, void (*progress)(void *p, int64_t sent),
			     void *progress_payload, engine__http_response *out)
{
	struct upload u = {fd, offset, len, 0, progress, progress_payload};

	return perform(c, method, path, headers, NULL, 0, &u, out);
}
