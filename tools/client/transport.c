/*
 * The client's transport: libcurl loaded on first use (the engine binary
 * does not link it, so local commands do not pay for it), requests over a
 * unix socket or TCP with Docker's TLS options, and upgraded streams in
 * curl's connect-only mode (we write the request and read the 101 reply's
 * head ourselves; the rest is the raw stream).
 */
#define _GNU_SOURCE
#include "config.h"

#include <curl/curl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "client/client.h"
#include "dlsyms.h"

struct client_opts client_opts;

static struct {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLcode (*easy_send)(CURL *, const void *, size_t, size_t *);
	CURLcode (*easy_recv)(CURL *, void *, size_t, size_t *);
} cu;

static int load_curl(void)
{
	static int loaded;
	const tools_dlsym syms[] = {
	    {"curl_easy_init", (void **)&cu.easy_init},
	    {"curl_easy_setopt", (void **)&cu.easy_setopt},
	    {"curl_easy_perform", (void **)&cu.easy_perform},
	    {"curl_easy_getinfo", (void **)&cu.easy_getinfo},
	    {"curl_easy_cleanup", (void **)&cu.easy_cleanup},
	    {"curl_easy_strerror", (void **)&cu.easy_strerror},
	    {"curl_slist_append", (void **)&cu.slist_append},
	    {"curl_slist_free_all", (void **)&cu.slist_free_all},
	    {"curl_easy_send", (void **)&cu.easy_send},
	    {"curl_easy_recv", (void **)&cu.easy_recv},
	};
	char err[512];

	/* The client runs on one thread: no once-guard needed. */
	if (loaded)
		return loaded > 0 ? 0 : -1;
	loaded = -1;
	if (tools_dlsyms_load(ENGINE_SONAME_CURL, 0, syms, sizeof(syms) / sizeof(syms[0]), err, sizeof(err)) <
	    0) {
		fprintf(stderr, "Error: talking to a daemon needs libcurl: %s\n", err);
		return -1;
	}
	loaded = 1;
	return 0;
}

/* A handle aimed at @path on the configured host. */
static CURL *handle_for(const char *path)
{
	const char *h = client_opts.host;
	char url[4096];
	bool tls = client_opts.tls || client_opts.tlsverify;
	CURL *c;

	if (load_curl() < 0)
		return NULL;
	c = cu.easy_init();
	if (!c)
		return NULL;
	if (strncmp(h, "unix://", 7) == 0) {
		cu.easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, h + 7);
		snprintf(url, sizeof(url), "http://localhost%s", path);
	} else if (strncmp(h, "tcp://", 6) == 0) {
		snprintf(url, sizeof(url), "%s://%s%s", tls ? "https" : "http", h + 6, path);
	} else {
		fprintf(stderr, "Error: unsupported host \"%s\" (unix:///path or tcp://host:port)\n", h);
		cu.easy_cleanup(c);
		return NULL;
	}
	cu.easy_setopt(c, CURLOPT_URL, url);
	if (tls) {
		if (client_opts.tlscacert)
			cu.easy_setopt(c, CURLOPT_CAINFO, client_opts.tlscacert);
		if (client_opts.tlscert)
			cu.easy_setopt(c, CURLOPT_SSLCERT, client_opts.tlscert);
		if (client_opts.tlskey)
			cu.easy_setopt(c, CURLOPT_SSLKEY, client_opts.tlskey);
		/* --tls alone encrypts without checking the server, as docker's. */
		cu.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, client_opts.tlsverify ? 1L : 0L);
		cu.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, client_opts.tlsverify ? 2L : 0L);
	}
	cu.easy_setopt(c, CURLOPT_USERAGENT, "engine-client");
	return c;
}

struct buf {
	char *data;
	size_t len, cap;
};

static size_t collect(char *ptr, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t add = size * n;

	if (b->len + add + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		char *nd;

		while (cap < b->len + add + 1)
			cap *= 2;
		nd = realloc(b->data, cap);
		if (!nd)
			return 0;
		b->data = nd;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

int client_request(const char *method, const char *path, json_object *body, char **out, size_t *out_len)
{
	char full[4096];
	struct buf b = {NULL, 0, 0};
	struct curl_slist *hdr = NULL;
	const char *text = NULL;
	long status = 0;
	CURLcode rc;
	CURL *c;

	snprintf(full, sizeof(full), "/v1.41%s", path);
	c = handle_for(full);
	if (!c)
		return -1;
	cu.easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		cu.easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body) {
		text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
		hdr = cu.slist_append(hdr, "Content-Type: application/json");
		cu.easy_setopt(c, CURLOPT_POSTFIELDS, text);
	} else if (strcmp(method, "POST") == 0) {
		cu.easy_setopt(c, CURLOPT_POSTFIELDS, "");
	}
	cu.easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	cu.easy_setopt(c, CURLOPT_WRITEDATA, &b);
	rc = cu.easy_perform(c);
	if (rc == CURLE_OK)
		cu.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	else
		fprintf(stderr, "Cannot connect to the daemon at %s: %s\n", client_opts.host,
			cu.easy_strerror(rc));
	cu.slist_free_all(hdr);
	cu.easy_cleanup(c);
	if (rc != CURLE_OK) {
		free(b.data);
		return -1;
	}
	if (!b.data)
		b.data = strdup("");
	if (out_len)
		*out_len = b.len;
	*out = b.data;
	return (int)status;
}

const char *client_error_message(const char *body)
{
	static char msg[2048];
	json_object *o = json_tokener_parse(body), *m;

	snprintf(msg, sizeof(msg), "%s", body);
	if (o && json_object_object_get_ex(o, "message", &m))
		snprintf(msg, sizeof(msg), "%s", json_object_get_string(m));
	if (o)
		json_object_put(o);
	msg[strcspn(msg, "\n")] = '\0';
	return msg;
}

struct client_stream {
	CURL *c;
	char pending[8192]; /* stream bytes that came with the reply head */
	size_t plen, poff;
};

static int wait_io(CURL *c, short events)
{
	curl_socket_t fd;
	struct pollfd p;

	if (cu.easy_getinfo(c, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK)
		return -1;
	p = (struct pollfd){.fd = (int)fd, .events = events};
	return poll(&p, 1, -1) < 0 ? -1 : 0;
}

int client_stream_open(const char *path, client_stream **out)
{
	return client_stream_open_body(path, NULL, out);
}

int client_stream_open_body(const char *path, const char *body, client_stream **out)
{
	char full[4096], req[8192], head[8192];
	size_t hlen = 0, off = 0, n;
	client_stream *s;
	CURLcode rc;
	char *end;
	int len;

	snprintf(full, sizeof(full), "/v1.41%s", path);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	s->c = handle_for(full);
	if (!s->c) {
		free(s);
		return -1;
	}
	cu.easy_setopt(s->c, CURLOPT_CONNECT_ONLY, 1L);
	rc = cu.easy_perform(s->c);
	if (rc != CURLE_OK) {
		fprintf(stderr, "Cannot connect to the daemon at %s: %s\n", client_opts.host,
			cu.easy_strerror(rc));
		client_stream_close(s);
		return -1;
	}
	len =
	    snprintf(req, sizeof(req),
		     "POST %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: engine-client\r\n%sContent-Length: "
		     "%zu\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n%s",
		     full, body ? "Content-Type: application/json\r\n" : "", body ? strlen(body) : 0,
		     body ? body : "");
	if (len < 0 || (size_t)len >= sizeof(req))
		goto fail;
	while (off < (size_t)len) {
		rc = cu.easy_send(s->c, req + off, (size_t)len - off, &n);
		if (rc == CURLE_AGAIN && wait_io(s->c, POLLOUT) == 0)
			continue;
		if (rc != CURLE_OK)
			goto fail;
		off += n;
	}
	/* The reply's head; what follows it already belongs to the stream. */
	while (!(end = memmem(head, hlen, "\r\n\r\n", 4))) {
		if (hlen >= sizeof(head) - 1)
			goto fail;
		rc = cu.easy_recv(s->c, head + hlen, sizeof(head) - 1 - hlen, &n);
		if (rc == CURLE_AGAIN && wait_io(s->c, POLLIN) == 0)
			continue;
		if (rc != CURLE_OK || n == 0)
			goto fail;
		hlen += n;
	}
	head[hlen] = '\0';
	if (strncmp(head, "HTTP/1.1 101", 12) != 0 && strncmp(head, "HTTP/1.1 200", 12) != 0) {
		fprintf(stderr, "Error response from daemon: %s\n", client_error_message(end + 4));
		client_stream_close(s);
		return -2;
	}
	s->plen = hlen - (size_t)(end + 4 - head);
	memcpy(s->pending, end + 4, s->plen);
	*out = s;
	return 0;
fail:
	fprintf(stderr, "Error: attach to %s failed\n", path);
	client_stream_close(s);
	return -1;
}

long client_stream_read(client_stream *s, void *buf, size_t len)
{
	size_t n;
	CURLcode rc;

	if (s->poff < s->plen) {
		n = s->plen - s->poff < len ? s->plen - s->poff : len;
		memcpy(buf, s->pending + s->poff, n);
		s->poff += n;
		return (long)n;
	}
	for (;;) {
		rc = cu.easy_recv(s->c, buf, len, &n);
		if (rc == CURLE_AGAIN) {
			if (wait_io(s->c, POLLIN) < 0)
				return -1;
			continue;
		}
		if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING)
			return 0;
		return rc == CURLE_OK ? (long)n : -1;
	}
}

long client_stream_read_some(client_stream *s, void *buf, size_t len)
{
	size_t n;
	CURLcode rc;

	if (s->poff < s->plen)
		return client_stream_read(s, buf, len);
	rc = cu.easy_recv(s->c, buf, len, &n);
	if (rc == CURLE_AGAIN)
		return -2;
	if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING)
		return 0;
	return rc == CURLE_OK ? (long)n : -1;
}

bool client_stream_pending(const client_stream *s)
{
	return s->poff < s->plen;
}

int client_stream_fd(client_stream *s)
{
	curl_socket_t fd;

	return cu.easy_getinfo(s->c, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK ? (int)fd : -1;
}

int client_stream_write(client_stream *s, const void *buf, size_t len)
{
	size_t off = 0, n;

	while (off < len) {
		CURLcode rc = cu.easy_send(s->c, (const char *)buf + off, len - off, &n);

		if (rc == CURLE_AGAIN && wait_io(s->c, POLLOUT) == 0)
			continue;
		if (rc != CURLE_OK)
			return -1;
		off += n;
	}
	return 0;
}

void client_stream_close_write(client_stream *s)
{
	int fd = client_stream_fd(s);

	if (fd >= 0)
		shutdown(fd, SHUT_WR);
}

void client_stream_close(client_stream *s)
{
	if (!s)
		return;
	if (s->c)
		cu.easy_cleanup(s->c);
	free(s);
}
