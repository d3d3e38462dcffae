/*
 * The registry server: the HTTP server library configured for the
 * distribution API (its route tables, the Docker-Distribution-Api-Version
 * header on every reply, the spec's error bodies, Basic authentication
 * before any body is read), over a registry view of the store.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/regserve.h"

static void default_log(int level, const char *msg)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};

	fprintf(stderr, "level=%s msg=\"registry: %s\"\n", names[level < 0 ? 0 : level > 3 ? 3 : level], msg);
}

static void server_log(int level, const char *msg, void *app)
{
	regserve *rs = app;

	rs->log(level, msg);
}

static json_object *error_body(const char *code, const char *message)
{
	json_object *o = json_object_new_object(), *errs = json_object_new_array(),
		    *e = json_object_new_object();

	if (!o || !errs || !e) {
		json_object_put(o);
		json_object_put(errs);
		json_object_put(e);
		return NULL;
	}
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(e, "detail", NULL);
	json_object_array_add(errs, e);
	json_object_object_add(o, "errors", errs);
	return o;
}

static void send_error(hs_request *req, int status, const char *code, const char *message)
{
	json_object *o = error_body(code, message);
	const char *s;
	size_t len = 0;

	if (!o) {
		hs_reply_raw(req, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
					      &len);
	hs_reply_raw(req, status, "application/json; charset=utf-8", s, len);
	json_object_put(o);
}

void reg_error(hs_request *req, int status, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	send_error(req, status, code, msg);
}

/* The server library's own errors (no route, wrong method, body too big). */
static void server_error(hs_request *req, int status, const char *message, void *app)
{
	(void)app;
	switch (status) {
	case 401:
		send_error(req, status, "UNAUTHORIZED", message);
		break;
	case 404:
	case 405:
		send_error(req, status, "UNSUPPORTED", message);
		break;
	case 413:
		send_error(req, status, "SIZE_INVALID", message);
		break;
	default:
		send_error(req, status, "UNKNOWN", message);
	}
}

void reg_engine_error(hs_request *req, enum reg_what what)
{
	const engine_error *e = engine_error_last();
	const char *m = e->message;

	/* What the server or its upstream got wrong is worth a line. */
	if (e->code == ENGINE_EIO || e->code == ENGINE_ETIMEOUT || e->code == ENGINE_ENOMEM ||
	    e->code == ENGINE_ERROR)
		hs_log(req, 0, "%s %s: %s", hs_method(req), hs_path(req), m);

	switch (e->code) {
	case ENGINE_EINVALID:
	case ENGINE_ENOTSUP:
		if (strstr(m, "repository name"))
			send_error(req, 400, "NAME_INVALID", m);
		else if (strstr(m, "digest"))
			send_error(req, 400, "DIGEST_INVALID", m);
		else if (strstr(m, "invalid tag"))
			send_error(req, 400, "TAG_INVALID", m);
		else if (what == REG_MANIFEST_PUT)
			send_error(req, 400, "MANIFEST_INVALID", m);
		else if (what == REG_UPLOAD)
			send_error(req, 400, "BLOB_UPLOAD_INVALID", m);
		else
			send_error(req, 400, "UNSUPPORTED", m);
		break;
	case ENGINE_ENOTFOUND:
		if (what == REG_BLOB)
			send_error(req, 404, "BLOB_UNKNOWN", m);
		else if (what == REG_MANIFEST)
			send_error(req, 404, "MANIFEST_UNKNOWN", m);
		else if (what == REG_MANIFEST_PUT)
			send_error(req, 400, "MANIFEST_BLOB_UNKNOWN", m);
		else if (what == REG_UPLOAD)
			send_error(req, 404, "BLOB_UPLOAD_UNKNOWN", m);
		else
			send_error(req, 404, "NAME_UNKNOWN", m);
		break;
	case ENGINE_EPERM:
		if (strstr(m, "read-only") || strstr(m, "pull-through cache"))
			send_error(req, 405, "UNSUPPORTED", m);
		else
			send_error(req, 403, "DENIED", m);
		break;
	case ENGINE_EBUSY:
		send_error(req, 429, "TOOMANYREQUESTS", m);
		break;
	case ENGINE_EIO:
	case ENGINE_ETIMEOUT:
		/* The upstream of a pull-through failed: a gateway error. */
		send_error(req, 502, "UNKNOWN", m);
		break;
	default:
		send_error(req, 500, "UNKNOWN", m);
	}
}

const char *reg_name(hs_request *req)
{
	const char *name = hs_param(req, "name");

	if (engine_distribution_name_check(name) < 0) {
		send_error(req, 400, "NAME_INVALID", engine_error_last()->message);
		return NULL;
	}
	return name;
}

static bool authorize(hs_request *req, void *app)
{
	regserve *rs = app;
	char challenge[128];

	if (!rs->auth || htpasswd_check(rs->auth, hs_header(req, "Authorization")))
		return true;
	snprintf(challenge, sizeof(challenge), "Basic realm=\"%s\"", rs->realm);
	hs_reply_header(req, "WWW-Authenticate", challenge);
	send_error(req, 401, "UNAUTHORIZED", "authentication required");
	return false;
}

static struct hs_route *all_routes(void)
{
	const struct hs_route *tables[] = {reg_content_routes, reg_upload_routes};
	size_t n = 0, k = 0;
	struct hs_route *all;

	for (size_t t = 0; t < 2; t++)
		for (const struct hs_route *r = tables[t]; r->method; r++)
			n++;
	all = calloc(n + 1, sizeof(*all));
	for (size_t t = 0; all && t < 2; t++)
		for (const struct hs_route *r = tables[t]; r->method; r++)
			all[k++] = *r;
	return all;
}

/* The routes must outlive the server: one table for every server. */
static struct hs_route *routes;

int regserve_start(engine_context *ctx, const struct regserve_config *cfg, regserve **out, char *err,
		   size_t errlen)
{
	static const char *headers[] = {"Docker-Distribution-Api-Version", "registry/2.0", NULL};
	engine_distribution_options o = ENGINE_DISTRIBUTION_OPTIONS_INIT;
	struct hs_config hc = {0};
	struct hs_tls tls = {cfg->tls_cert, cfg->tls_key, NULL, false};
	const char *addr = cfg->addr ? cfg->addr : REGSERVE_DEFAULT_ADDR;
	const char *herr = NULL;
	char listen_addr[4096];
	regserve *rs;

	if (!cfg->tls_cert != !cfg->tls_key) {
		snprintf(err, errlen, "TLS needs both --tls-cert and --tls-key");
		return -1;
	}
	if (strncmp(addr, "unix://", 7) == 0 || strncmp(addr, "tcp://", 6) == 0)
		snprintf(listen_addr, sizeof(listen_addr), "%s", addr);
	else
		snprintf(listen_addr, sizeof(listen_addr), "tcp://%s", addr);
	if (!routes && !(routes = all_routes())) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rs = calloc(1, sizeof(*rs));
	if (!rs) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rs->log = cfg->log ? cfg->log : default_log;
	snprintf(rs->realm, sizeof(rs->realm), "engine-registry");
	if (cfg->htpasswd && !(rs->auth = htpasswd_load(cfg->htpasswd, err, errlen))) {
		free(rs);
		return -1;
	}
	o.mirror_of = cfg->mirror_of;
	o.read_only = cfg->read_only;
	rs->allow_delete = cfg->allow_delete;
	if (engine_distribution_new(ctx, &o, &rs->dist) < 0) {
		snprintf(err, errlen, "%s", engine_error_last()->message);
		regserve_stop(rs);
		return -1;
	}
	hc.routes = routes;
	hc.app = rs;
	hc.headers = headers;
	hc.max_body = REGSERVE_MAX_MANIFEST;
	hc.log = server_log;
	hc.authorize = authorize;
	hc.error = server_error;
	hc.tls_hint = "--tls-cert and --tls-key";
	rs->http = hs_server_new(&hc, &herr);
	if (!rs->http) {
		snprintf(err, errlen, "HTTP server: %s", herr ? herr : "out of memory");
		regserve_stop(rs);
		return -1;
	}
	if (hs_server_listen(rs->http, listen_addr, cfg->tls_cert ? &tls : NULL, 0660, -1, err, errlen) < 0) {
		regserve_stop(rs);
		return -1;
	}
	*out = rs;
	return 0;
}

unsigned regserve_port(const regserve *rs)
{
	return rs ? hs_server_port(rs->http, 0) : 0;
}

void regserve_stop(regserve *rs)
{
	if (!rs)
		return;
	/* Connections first: their handlers use the distribution handle. */
	hs_server_free(rs->http);
	engine_distribution_free(rs->dist);
	htpasswd_free(rs->auth);
	free(rs);
}
