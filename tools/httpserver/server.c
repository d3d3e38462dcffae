/*
 * The server: one libmicrohttpd daemon per listener (unix or tcp socket we
 * bind ourselves, TLS on tcp), one thread per connection. The access
 * handler routes on the headers, takes the body within its limit (413 as
 * soon as a Content-Length says it is too big), then runs the handler.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_MAX_BODY (16u << 20)
#define DEFAULT_MAX_FILE_BODY (64ull << 30)

void hs__log(hs_server *s, int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!s->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s->cfg.log(level, buf, s->cfg.app);
}

hs_server *hs_server_new(const struct hs_config *cfg, const char **err)
{
	hs_server *s;

	if (!cfg || !cfg->routes) {
		*err = "no routes";
		return NULL;
	}
	if (hs__lazy_load(err) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = "out of memory";
		return NULL;
	}
	s->cfg = *cfg;
	if (!s->cfg.max_body)
		s->cfg.max_body = DEFAULT_MAX_BODY;
	if (!s->cfg.max_file_body)
		s->cfg.max_file_body = DEFAULT_MAX_FILE_BODY;
	if (!s->cfg.tmp_dir)
		s->cfg.tmp_dir = "/var/tmp";
	if (!s->cfg.idle_timeout)
		s->cfg.idle_timeout = 300;
	if (!s->cfg.max_connections)
		s->cfg.max_connections = 4096;
	if (!s->cfg.max_per_ip)
		s->cfg.max_per_ip = 256;
	if (!s->cfg.header_timeout) {
		const char *v = getenv("ENGINE_HTTP_HEADER_TIMEOUT");
		char *end = NULL;
		unsigned long t = v ? strtoul(v, &end, 10) : 0;

		s->cfg.header_timeout = t > 0 && t < 86400 && end && !*end ? (unsigned)t : 60;
	}
	return s;
}

/* --- requests ----------------------------------------------------------- */

static void request_free(hs_request *req)
{
	if (!req)
		return;
	for (size_t i = 0; i < req->nparams; i++) {
		free(req->params[i][0]);
		free(req->params[i][1]);
	}
	for (size_t i = 0; i < req->nextra; i++) {
		free(req->extra[i][0]);
		free(req->extra[i][1]);
	}
	if (req->sink_free)
		req->sink_free(req->sink_data);
	free(req->path);
	free(req->body);
	if (req->body_fd >= 0)
		close(req->body_fd);
	free(req);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	hs_listener *l = cls;
	hs_request *req = *con_cls;
	/* An upgraded connection (101) completes its request when the switch
	 * is made: what follows is the caller's stream, never bounded. */
	bool upgraded = req && req->status == 101;

	(void)toe;
	request_free(req);
	*con_cls = NULL;
	if (!upgraded)
		hs__deadline_set(l->server, conn, true);
}

/* Mutual TLS: a client certificate that chains to the CA is required. */
static bool client_verified(hs_request *req)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t session;
	unsigned int status = 0, n = 0;

	if (!ci || !ci->tls_session)
		return false;
	session = (gnutls_session_t)ci->tls_session;
	if (!gnutls_certificate_get_peers(session, &n) || n == 0)
		return false;
	if (gnutls_certificate_verify_peers2(session, &status) < 0)
		return false;
	return status == 0;
}

static uint64_t content_length(struct MHD_Connection *conn, bool *has)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");

	*has = v != NULL;
	return v ? strtoull(v, NULL, 10) : 0;
}

/* A query key or value with a NUL byte (%00): as a C string it would be
 * cut short, so a name checked and used would not be the one sent. */
static enum MHD_Result find_nul(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				const char *value, size_t value_size)
{
	const char **bad = cls;

	(void)kind;
	if (strlen(key) != key_size || (value && strlen(value) != value_size)) {
		*bad = key;
		return MHD_NO;
	}
	return MHD_YES;
}

static bool query_ok(hs_request *req)
{
	const char *bad = NULL;

	MHD_get_connection_values_n(req->conn, MHD_GET_ARGUMENT_KIND, find_nul, &bad);
	if (bad)
		hs_reply_error(req, 400, "query parameter \"%s\": a NUL byte (%%00) is not allowed", bad);
	return !bad;
}

/* Content-Length headers that disagree are refused, as Go's server does:
 * libmicrohttpd reads the body by one of them, a proxy in front that
 * filters requests may have framed it by the other, and what it took for
 * the next request would reach the daemon unfiltered. */
struct length_check {
	const char *first;
	bool differ;
};

static enum MHD_Result check_length(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct length_check *lc = cls;

	(void)kind;
	if (strcasecmp(key, "Content-Length") != 0)
		return MHD_YES;
	if (!value)
		value = "";
	if (lc->first && strcmp(lc->first, value) != 0) {
		lc->differ = true;
		return MHD_NO;
	}
	lc->first = value;
	return MHD_YES;
}

static bool headers_ok(hs_request *req)
{
	struct length_check lc = {NULL, false};

	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, check_length, &lc);
	if (lc.differ)
		hs_reply_error(req, 400, "Content-Length given twice with different values");
	return !lc.differ;
}

/* First call for a request: version prefix, route, size limit. Returns
 * false when a reply was queued already (or the connection must close). */
static bool begin(hs_request *req, const char *url)
{
	hs_server *s = req->listener->server;
	const char *rest = url;
	uint64_t limit;
	bool has_len;
	int r;

	if (s->cfg.version_prefix) {
		if (hs__strip_version(url, req->api_version, sizeof(req->api_version), &rest) < 0) {
			hs_reply_error(req, 400, "malformed API version in path \"%s\"", url);
			return false;
		}
		if (req->api_version[0] && s->cfg.max_api_version &&
		    hs__version_cmp(req->api_version, s->cfg.max_api_version) > 0) {
			hs_reply_error(req, 400,
				       "client version %s is too new. Maximum supported API version is %s",
				       req->api_version, s->cfg.max_api_version);
			return false;
		}
		if (req->api_version[0] && s->cfg.min_api_version &&
		    hs__version_cmp(req->api_version, s->cfg.min_api_version) < 0) {
			hs_reply_error(
			    req, 400,
			    "client version %s is too old. Minimum supported API version is %s, please "
			    "upgrade your client to a newer version",
			    req->api_version, s->cfg.min_api_version);
			return false;
		}
	}
	if (!headers_ok(req) || !query_ok(req))
		return false;
	req->path = strdup(rest);
	if (!req->path) {
		hs_reply_error(req, 500, "out of memory");
		return false;
	}
	r = hs__route(req, s->cfg.routes, req->path);
	if (r == -2) {
		hs_reply_error(req, 405, "method %s not allowed for %s", req->method, req->path);
		return false;
	}
	if (r < 0) {
		hs_reply_error(req, 404, "page not found");
		return false;
	}
	if (s->cfg.authorize && !s->cfg.authorize(req, s->cfg.app)) {
		if (!req->queued)
			hs_reply_error(req, 401, "unauthorized");
		return false;
	}
	limit = req->route->body == HS_BODY_MEMORY ? s->cfg.max_body : s->cfg.max_file_body;
	if (content_length(req->conn, &has_len) > limit) {
		hs_reply_error(req, 413, "request body too large: %s bytes, the limit is %llu",
			       MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Content-Length"),
			       (unsigned long long)limit);
		return false;
	}
	if (req->route->body == HS_BODY_SINK) {
		req->route->fn(req, s->cfg.app);
		if (req->queued)
			return false;
	}
	return true;
}

/* Take @len more body bytes. -1 when over the limit or on a write error. */
static int take_body(hs_request *req, const char *data, size_t len)
{
	hs_server *s = req->listener->server;

	req->body_total += len;
	if (req->route->body == HS_BODY_SINK) {
		if (req->body_total > s->cfg.max_file_body)
			return -1;
		/* A failed sink drops the rest; the handler knows from its data. */
		if (req->sink && !req->sink_failed && req->sink(req->sink_data, data, len) < 0)
			req->sink_failed = true;
		return 0;
	}
	if (req->route->body == HS_BODY_FILE) {
		if (req->body_total > s->cfg.max_file_body)
			return -1;
		if (req->body_fd < 0) {
			req->body_fd = open(s->cfg.tmp_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
			if (req->body_fd < 0)
				return -1;
		}
		return hs_write_all(req->body_fd, data, len);
	}
	if (req->body_total > s->cfg.max_body)
		return -1;
	if (req->body_len + len + 1 > req->body_cap) {
		size_t cap = req->body_cap ? req->body_cap : 4096;
		char *nb;

		while (cap < req->body_len + len + 1)
			cap *= 2;
		nb = realloc(req->body, cap);
		if (!nb)
			return -1;
		req->body = nb;
		req->body_cap = cap;
	}
	memcpy(req->body + req->body_len, data, len);
	req->body_len += len;
	req->body[req->body_len] = '\0';
	return 0;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				 const char *version, const char *upload_data, size_t *upload_data_size,
				 void **con_cls)
{
	hs_listener *l = cls;
	hs_request *req = *con_cls;

	(void)version;
	if (!req) {
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		req->listener = l;
		req->conn = conn;
		req->method = method;
		req->body_fd = -1;
		*con_cls = req;
		hs__deadline_set(l->server, conn, false);
		if (l->verify_client && !client_verified(req)) {
			hs__log(l->server, 1, "refused a TLS client without a valid certificate");
			return MHD_NO;
		}
		begin(req, url);
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (req->queued || req->rejected)
			return MHD_YES; /* replied already: drop the rest */
		if (take_body(req, upload_data, n) < 0) {
			/* Too big without a Content-Length up front: stop reading. */
			hs__log(l->server, 1, "%s %s: request body over the limit or unwritable, closing",
				method, url);
			req->rejected = true;
			return MHD_NO;
		}
		return MHD_YES;
	}
	if (req->queued)
		return MHD_YES;
	if (req->rejected)
		return MHD_NO;
	if (req->body_fd >= 0)
		lseek(req->body_fd, 0, SEEK_SET);
	req->complete = true;
	req->route->fn(req, l->server->cfg.app);
	if (!req->queued)
		hs_reply_error(req, 500, "the handler for %s %s gave no reply", method, req->path);
	hs__log(l->server, 3, "%s %s -> %d", method, url, req->status);
	return MHD_YES;
}

/* --- listeners ----------------------------------------------------------- */

static char *read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);

			if (!nb) {
				free(buf);
				fclose(f);
				snprintf(err, errlen, "out of memory");
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static int bind_unix(const char *path, unsigned mode, long gid, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	/* A stale socket from a previous run is replaced; anything else is not. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", path);
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((gid >= 0 && chown(path, (uid_t)-1, (gid_t)gid) < 0) || (mode && chmod(path, mode) < 0)) {
		snprintf(err, errlen, "set owner/mode of %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (listen(fd, 512) < 0) {
		snprintf(err, errlen, "listen on %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

static int bind_tcp(const char *hostport, bool tls, const char *hint, unsigned *port_out, char *err,
		    size_t errlen)
{
	char host[256], port[16];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res = NULL;
	int fd = -1, one = 1, r;
	size_t hlen;

	if (!colon || !colon[1] || strlen(colon + 1) >= sizeof(port)) {
		snprintf(err, errlen, "tcp://%s: expected host:port", hostport);
		return -1;
	}
	hlen = (size_t)(colon - hostport);
	if (hlen >= sizeof(host)) {
		snprintf(err, errlen, "tcp://%s: host too long", hostport);
		return -1;
	}
	memcpy(host, hostport, hlen);
	host[hlen] = '\0';
	if (host[0] == '[' && hlen > 1 && host[hlen - 1] == ']') {
		memmove(host, host + 1, hlen - 2);
		host[hlen - 2] = '\0';
	}
	strcpy(port, colon + 1);
	r = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (r != 0) {
		snprintf(err, errlen, "tcp://%s: %s", hostport, gai_strerror(r));
		return -1;
	}
	if (!tls && !is_loopback(res->ai_addr)) {
		snprintf(err, errlen,
			 "refusing to listen on tcp://%s without TLS: plain HTTP is allowed on loopback "
			 "addresses only (give %s)",
			 hostport, hint ? hint : "--tlsverify --tlscacert --tlscert --tlskey");
		freeaddrinfo(res);
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 512) < 0) {
		snprintf(err, errlen, "listen on tcp://%s: %s", hostport, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		*port_out = 0;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
			*port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
								   : ((struct sockaddr_in *)&ss)->sin_port);
	}
	return fd;
}

static void listener_clear(hs_listener *l)
{
	if (l->mhd)
		MHD_stop_daemon(l->mhd);
	if (l->unix_path) {
		unlink(l->unix_path);
		free(l->unix_path);
	}
	free(l->tls_cert);
	free(l->tls_key);
	free(l->tls_ca);
	memset(l, 0, sizeof(*l));
}

int hs_server_listen(hs_server *s, const char *addr, const struct hs_tls *tls, unsigned mode, long gid,
		     char *err, size_t errlen)
{
	hs_listener *l;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_UPGRADE |
			 MHD_USE_POLL | MHD_USE_ITC;
	int fd;
	struct MHD_OptionItem opts[16];
	size_t n = 0;

	if (s->nlisteners >= HS_MAX_LISTENERS) {
		snprintf(err, errlen, "too many listeners");
		return -1;
	}
	/* With the first listener, not before: a daemon forks helpers while
	 * it has no thread yet. */
	if (!s->watchdog_running && hs__deadline_init(s) < 0) {
		snprintf(err, errlen, "start the connection watchdog: %s", strerror(errno));
		return -1;
	}
	l = &s->listeners[s->nlisteners];
	memset(l, 0, sizeof(*l));
	l->server = s;
	if (strncmp(addr, "unix://", 7) == 0) {
		if (tls && tls->cert) {
			snprintf(err, errlen, "%s: TLS is for tcp:// listeners", addr);
			return -1;
		}
		fd = bind_unix(addr + 7, mode, gid, err, errlen);
		if (fd < 0)
			return -1;
		l->unix_path = strdup(addr + 7);
	} else if (strncmp(addr, "tcp://", 6) == 0) {
		fd = bind_tcp(addr + 6, tls && tls->cert, s->cfg.tls_hint, &l->port, err, errlen);
		if (fd < 0)
			return -1;
	} else {
		snprintf(err, errlen, "unsupported address \"%s\" (use unix:///path or tcp://host:port)",
			 addr);
		return -1;
	}
	if (tls && tls->cert) {
		l->tls_cert = read_file(tls->cert, err, errlen);
		l->tls_key = l->tls_cert ? read_file(tls->key, err, errlen) : NULL;
		l->tls_ca = l->tls_key && tls->verify ? read_file(tls->ca, err, errlen) : NULL;
		if (!l->tls_cert || !l->tls_key || (tls->verify && !l->tls_ca)) {
			close(fd);
			listener_clear(l);
			return -1;
		}
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, l->tls_cert};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, l->tls_key};
		if (tls->verify) {
			opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, l->tls_ca};
			l->verify_client = true;
		}
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, fd, NULL};
	opts[n++] =
	    (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)s->cfg.idle_timeout, NULL};
	opts[n++] =
	    (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)s->cfg.max_connections, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, 256 * 1024, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_STACK_SIZE, 1024 * 1024, NULL};
	opts[n++] =
	    (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)s->cfg.max_per_ip, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed_cb, l};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)hs__deadline_notify, l};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	l->mhd = MHD_start_daemon(flags, 0, NULL, NULL, access_cb, l, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!l->mhd) {
		snprintf(err, errlen, "start HTTP server on %s (bad TLS certificate or key?)", addr);
		close(fd);
		listener_clear(l);
		return -1;
	}
	s->nlisteners++;
	return 0;
}

unsigned hs_server_port(const hs_server *s, size_t i)
{
	return s && i < s->nlisteners ? s->listeners[i].port : 0;
}

void hs_server_free(hs_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nlisteners; i++)
		listener_clear(&s->listeners[i]);
	hs__deadline_fini(s);
	free(s);
}

/* --- request accessors --------------------------------------------------- */

const char *hs_method(const hs_request *req)
{
	return req->method;
}

const char *hs_path(const hs_request *req)
{
	return req->path;
}

const char *hs_api_version(const hs_request *req)
{
	return req->api_version[0] ? req->api_version : NULL;
}

const char *hs_param(const hs_request *req, const char *name)
{
	for (size_t i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i][0], name) == 0)
			return req->params[i][1];
	return NULL;
}

const char *hs_query(const hs_request *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

struct query_all {
	const char *key;
	const char **out;
	size_t n, max;
};

static enum MHD_Result collect_value(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct query_all *q = cls;

	(void)kind;
	if (strcmp(key, q->key) == 0 && value && q->n < q->max)
		q->out[q->n++] = value;
	return MHD_YES;
}

size_t hs_query_all(const hs_request *req, const char *key, const char **out, size_t max)
{
	struct query_all q = {key, out, 0, max};

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect_value, &q);
	return q.n;
}

bool hs_query_bool(const hs_request *req, const char *key, bool def)
{
	const char *v = hs_query(req, key);

	if (!v)
		return def;
	return strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0;
}

int hs_query_int(const hs_request *req, const char *key, long long def, long long *out)
{
	const char *v = hs_query(req, key);
	char *end;

	*out = def;
	if (!v || !*v)
		return 0;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return (*end || errno) ? -1 : 0;
}

int hs_base64_decode(const char *in, char *out, size_t outlen)
{
	unsigned acc = 0, bits = 0;
	size_t n = 0;

	for (; *in && *in != '='; in++) {
		int v = *in >= 'A' && *in <= 'Z'   ? *in - 'A'
			: *in >= 'a' && *in <= 'z' ? *in - 'a' + 26
			: *in >= '0' && *in <= '9' ? *in - '0' + 52
			: *in == '+' || *in == '-' ? 62
			: *in == '/' || *in == '_' ? 63
						   : -1;

		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= outlen)
				return -1;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	return strlen(out) == n ? 0 : -1;
}

const char *hs_header(const hs_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *hs_body(const hs_request *req, size_t *len)
{
	if (len)
		*len = req->body_len;
	return req->body ? req->body : "";
}

int hs_body_fd(const hs_request *req)
{
	return req->body_fd;
}

int hs_body_json(hs_request *req, json_object **out)
{
	json_tokener *tok;
	json_object *o;
	enum json_tokener_error e;

	*out = NULL;
	if (req->body_len == 0 || strspn(req->body, " \t\r\n") == req->body_len)
		return 0;
	tok = json_tokener_new();
	if (!tok) {
		hs_reply_error(req, 500, "out of memory");
		return -1;
	}
	o = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	e = json_tokener_get_error(tok);
	if (o && e == json_tokener_success && tok->char_offset < (int)req->body_len &&
	    strspn(req->body + tok->char_offset, " \t\r\n") != req->body_len - (size_t)tok->char_offset)
		e = json_tokener_error_parse_unexpected;
	if (!o || e != json_tokener_success) {
		hs_reply_error(req, 400, "invalid JSON in request body: %s", json_tokener_error_desc(e));
		if (o)
			json_object_put(o);
		json_tokener_free(tok);
		return -1;
	}
	json_tokener_free(tok);
	*out = o;
	return 0;
}

void hs_body_sink(hs_request *req, int (*write)(void *data, const char *buf, size_t len), void *data,
		  void (*free_fn)(void *data))
{
	if (req->sink_free)
		req->sink_free(req->sink_data);
	req->sink = write;
	req->sink_data = data;
	req->sink_free = free_fn;
	req->sink_failed = false;
}

bool hs_body_complete(const hs_request *req)
{
	return req->complete;
}

void *hs_sink_data(const hs_request *req)
{
	return req->sink_data;
}

uint64_t hs_body_received(const hs_request *req)
{
	return req->body_total;
}

void hs_log(hs_request *req, int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	hs__log(req->listener->server, level, "%s", buf);
}

const char *hs_peer(hs_request *req)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	if (req->peer[0])
		return req->peer;
	ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	sa = ci ? ci->client_addr : NULL;
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, req->peer, sizeof(req->peer));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, req->peer,
			  sizeof(req->peer));
	else if (sa && sa->sa_family == AF_UNIX)
		snprintf(req->peer, sizeof(req->peer), "unix");
	return req->peer;
}

int hs_conn_fd(const hs_request *req)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);

	return ci ? ci->connect_fd : -1;
}

bool hs_client_gone(const hs_request *req)
{
	struct pollfd p = {.fd = hs_conn_fd(req), .events = POLLRDHUP};

	if (p.fd < 0)
		return false;
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

bool hs_wants_upgrade(const hs_request *req)
{
	const char *c = hs_header(req, "Connection");
	const char *u = hs_header(req, "Upgrade");

	return c && u && strcasestr(c, "upgrade");
}

int hs_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = {.fd = fd, .events = POLLOUT};

			poll(&pfd, 1, -1);
			continue;
		}
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
