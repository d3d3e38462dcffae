/*
 * Registry credentials and questions to registries: POST /auth (docker
 * login: the credentials checked against the registry's /v2/ as dockerd
 * does, nothing stored: the client keeps them), the X-Registry-Auth header
 * pulls and pushes carry them in, GET /distribution/{name}/json (what a
 * reference names in its registry, without a pull), and GET /images/search.
 *
 * Search: dockerd asks Docker Hub's v1 search API (or a registry's, for a
 * qualified term); registries of the v2 API have none, and this engine
 * reaches no Docker Hub. Rather than pretend with a catalog listing, it
 * answers dockerd's status for a search that cannot be made (500) with a
 * message saying why and what to use instead.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"

/* {"username", "password"} or {"auth": base64("user:pass")} into @user and
 * @pass (malloc'd; NULL when absent). */
static void creds_from(json_object *o, char **user, char **pass)
{
	const char *u = jget_str(o, "username"), *p = jget_str(o, "password"), *a = jget_str(o, "auth");
	char buf[4096], *colon;

	*user = *pass = NULL;
	if (u && *u) {
		*user = strdup(u);
		*pass = strdup(p ? p : "");
	} else if (a && *a && hs_base64_decode(a, buf, sizeof(buf)) == 0 && (colon = strchr(buf, ':'))) {
		*colon = '\0';
		*user = strdup(buf);
		*pass = strdup(colon + 1);
	}
}

void registry_auth_header(hs_request *req, char **user, char **pass)
{
	const char *h = hs_header(req, "X-Registry-Auth");
	char buf[8192];
	json_object *o;

	*user = *pass = NULL;
	/* "e30=" ({}) and anything unreadable mean no credentials, as with dockerd */
	if (!h || !*h || strlen(h) >= sizeof(buf) || hs_base64_decode(h, buf, sizeof(buf)) < 0 ||
	    !(o = json_tokener_parse(buf)))
		return;
	if (json_object_is_type(o, json_type_object))
		creds_from(o, user, pass);
	json_object_put(o);
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* POST /auth {username, password, serveraddress} */
static void auth(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	json_object *body = NULL, *o;
	char *user = NULL, *pass = NULL, server[512];
	const char *s;
	int r;

	if (hs_body_json(req, &body) < 0)
		goto out;
	if (!body || !json_object_is_type(body, json_type_object)) {
		hs_reply_error(req, 400, "auth config: expected a JSON object in the request body");
		goto out;
	}
	creds_from(body, &user, &pass);
	s = jget_str(body, "serveraddress");
	s = s ? s : "";
	/* "https://index.docker.io/v1/", "http://reg:5000/" -> the host */
	if (strncmp(s, "https://", 8) == 0)
		s += 8;
	else if (strncmp(s, "http://", 7) == 0)
		s += 7;
	snprintf(server, sizeof(server), "%.*s", (int)strcspn(s, "/"), s);
	if (!user || !*user) {
		hs_reply_error(req, 400, "Error: Non-null Username Required");
		goto out;
	}
	r = engine_registry_check_login(dc->ctx, server[0] ? server : NULL, user, pass);
	if (r == ENGINE_EPERM) {
		hs_reply_error(req, 401, "%s", engine_error_last()->message);
	} else if (r < 0) {
		reply_engine_error(req, NULL);
	} else {
		o = json_object_new_object();
		json_object_object_add(o, "IdentityToken", json_object_new_string(""));
		json_object_object_add(o, "Status", json_object_new_string("Login Succeeded"));
		hs_reply_json(req, 200, o);
	}
out:
	free_secret(user);
	free_secret(pass);
	if (body)
		json_object_put(body);
	dctx_put(app, dc);
}

/* GET /distribution/{name}/json */
static void distribution(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	char *user = NULL, *pass = NULL, *json = NULL;
	int r;

	registry_auth_header(req, &user, &pass);
	r = engine_registry_inspect(dc->ctx, hs_param(req, "name"), user, pass, &json);
	if (r == ENGINE_EPERM)
		hs_reply_error(req, 401, "%s", engine_error_last()->message);
	else if (r < 0)
		reply_engine_error(req, NULL);
	else
		hs_reply_raw(req, 200, "application/json", json, strlen(json));
	engine_free(json);
	free_secret(user);
	free_secret(pass);
	dctx_put(app, dc);
}

/* GET /images/search?term= (see the top of the file) */
static void search(hs_request *req, void *app)
{
	const char *term = hs_query(req, "term");

	(void)app;
	if (!term || !*term) {
		hs_reply_error(req, 400, "search: the term parameter is required");
		return;
	}
	hs_reply_error(req, 500,
		       "search %s: not supported by this engine: registries of the distribution API (v2) "
		       "have no search endpoint and Docker Hub's index is not reachable from here; list a "
		       "registry's repositories with its GET /v2/_catalog",
		       term);
}

const struct hs_route daemon_auth_routes[] = {
    {"POST", "/auth", auth, 0},
    {"GET", "/distribution/{name*}/json", distribution, 0},
    {"GET", "/images/search", search, 0},
    {NULL, NULL, NULL, 0},
};
