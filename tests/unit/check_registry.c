/* Registry, pure parts: the public reference normaliser, auth challenges, mirror and insecure
 * config, manifest parsing and platform selection. */
#include <sys/stat.h>

#include <json-c/json.h>

#include "check_helpers.h"
#include "core/error.h"
#include "registry/authfile.h"
#include "registry/certs.h"
#include "registry/challenge.h"
#include "registry/client.h"
#include "registry/endpoint.h"
#include "registry/manifest.h"
#include "registry/progress.h"
#include "registry/regconfig.h"
#include "util/cleanup.h"
#include "util/strv.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

START_TEST(test_registry__reference_normalize_public)
{
	char *tmp = th_mkdtemp("registry");
	cleanup_free char *cfg = engine__path_join(tmp, "config.json");
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;
	char *out = NULL;
	static const char json[] = "{\"default-registry\": \"127.0.0.1:5000\"}";

	ck_assert_engine_ok(engine__write_file_atomic(cfg, json, sizeof(json) - 1, 0644, false));
	o.root = tmp;
	o.config_path = cfg;
	ck_assert_engine_ok(engine_context_new(&ctx, &o));
	ck_assert_engine_ok(engine_registry_reference_normalize(ctx, "busybox", &out));
	ck_assert_str_eq(out, "127.0.0.1:5000/library/busybox:latest");
	engine_free(out);
	ck_assert_engine_error(engine_registry_reference_normalize(ctx, "UP", &out), ENGINE_EINVALID,
			       "invalid reference format: \"UP\": repository name must be lowercase");
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_registry__challenge_parse)
{
	engine__challenge c;
	cleanup_free char *url = NULL;
	char *scopes[] = {"repository:a/b:pull,push", "repository:c:pull", NULL};

	ck_assert_engine_ok(engine__challenge_parse(
	    "Bearer realm=\"https://auth.example/token\",service=\"registry.example\","
	    "scope=\"repository:a/b:pull\",error=\"insufficient_scope\"",
	    &c));
	ck_assert_int_eq(c.scheme, ENGINE__AUTH_BEARER);
	ck_assert_str_eq(c.realm, "https://auth.example/token");
	ck_assert_str_eq(c.service, "registry.example");
	ck_assert_str_eq(c.scope, "repository:a/b:pull");
	ck_assert_str_eq(c.error, "insufficient_scope");
	url = engine__challenge_token_url(&c, scopes);
	ck_assert_str_eq(url, "https://auth.example/token?service=registry.example"
			      "&scope=repository%3Aa%2Fb%3Apull%2Cpush&scope=repository%3Ac%3Apull");
	engine__challenge_clear(&c);

	/* Case-insensitive scheme, unquoted tokens, escapes, spaces. */
	ck_assert_engine_ok(
	    engine__challenge_parse("bearer  realm=http://127.0.0.1:1/t?x=1 , service=\"a\\\"b\"", &c));
	ck_assert_str_eq(c.realm, "http://127.0.0.1:1/t?x=1");
	ck_assert_str_eq(c.service, "a\"b");
	ck_assert_ptr_null(c.scope);
	free(url);
	url = engine__challenge_token_url(&c, NULL);
	ck_assert_str_eq(url, "http://127.0.0.1:1/t?x=1&service=a%22b");
	engine__challenge_clear(&c);

	ck_assert_engine_ok(engine__challenge_parse("Basic realm=\"Registry Realm\"", &c));
	ck_assert_int_eq(c.scheme, ENGINE__AUTH_BASIC);
	ck_assert_str_eq(c.realm, "Registry Realm");
	engine__challenge_clear(&c);

	ck_assert_engine_error(engine__challenge_parse("Bearer service=\"x\"", &c), ENGINE_EINVALID,
			       "without a realm");
	ck_assert_engine_error(engine__challenge_parse("Bearer realm=\"file:///etc/passwd\"", &c),
			       ENGINE_EINVALID, "not an http(s) URL");
	ck_assert_engine_error(engine__challenge_parse("Bearer realm=\"unterminated", &c), ENGINE_EINVALID,
			       "malformed");
	ck_assert_engine_error(engine__challenge_parse("Negotiate abc", &c), ENGINE_ENOTSUP,
			       "unsupported authentication scheme \"Negotiate\"");
	ck_assert_engine_error(engine__challenge_parse("", &c), ENGINE_EINVALID, "empty");
	/* Fuzzer finding: a Basic challenge may come without a realm; the token
	 * URL of one is an error, not strchr(NULL). */
	ck_assert_engine_ok(engine__challenge_parse("Basic charset=\"UTF-8\"", &c));
	ck_assert_ptr_null(c.realm);
	ck_assert_ptr_null(engine__challenge_token_url(&c, NULL));
	ck_assert_str_eq(engine_error_last()->message, "authentication challenge without a realm");
	engine__challenge_clear(&c);
}
END_TEST

static json_object *J(const char *s)
{
	json_object *o = json_tokener_parse(s);

	ck_assert_ptr_nonnull(o);
	return o;
}

START_TEST(test_registry__mirror_config)
{
	cleanup_json json_object *list = J("[\"http://127.0.0.1:5001/\", \"https://m.example\"]");
	cleanup_json json_object *map =
	    J("{\"127.0.0.1:5000\": [\"http://127.0.0.1:5001\", \"http://127.0.0.1:5002\"],"
	      " \"docker.io\": [\"http://hub-mirror:1\"]}");
	cleanup_json json_object *bad1 = J("[\"127.0.0.1:5001\"]");
	cleanup_json json_object *bad2 = J("{\"a b\": []}");
	cleanup_json json_object *bad3 = J("42");
	cleanup_json json_object *bad4 = J("{\"h:1\": \"http://x\"}");
	char **m = NULL;

	ck_assert_engine_ok(engine__regconfig_mirrors(list, "docker.io", NULL, &m));
	ck_assert_uint_eq(engine__strv_len(m), 2);
	ck_assert_str_eq(m[0], "http://127.0.0.1:5001");
	ck_assert_str_eq(m[1], "https://m.example");
	engine__strv_free(m);
	/* The list form only mirrors the default registry. */
	ck_assert_engine_ok(engine__regconfig_mirrors(list, "127.0.0.1:5000", NULL, &m));
	ck_assert_uint_eq(engine__strv_len(m), 0);
	engine__strv_free(m);
	ck_assert_engine_ok(engine__regconfig_mirrors(list, "127.0.0.1:5000", "127.0.0.1:5000", &m));
	ck_assert_uint_eq(engine__strv_len(m), 2);
	engine__strv_free(m);
	/* The object form keeps the order given for each registry. */
	ck_assert_engine_ok(engine__regconfig_mirrors(map, "127.0.0.1:5000", NULL, &m));
	ck_assert_uint_eq(engine__strv_len(m), 2);
	ck_assert_str_eq(m[0], "http://127.0.0.1:5001");
	ck_assert_str_eq(m[1], "http://127.0.0.1:5002");
	engine__strv_free(m);
	ck_assert_engine_ok(engine__regconfig_mirrors(map, "docker.io", NULL, &m));
	ck_assert_uint_eq(engine__strv_len(m), 1);
	engine__strv_free(m);
	ck_assert_engine_ok(engine__regconfig_mirrors(NULL, "docker.io", NULL, &m));
	ck_assert_uint_eq(engine__strv_len(m), 0);
	engine__strv_free(m);
	m = NULL;
	ck_assert_engine_error(engine__regconfig_mirrors(bad1, "docker.io", NULL, &m), ENGINE_EINVALID,
			       "\"127.0.0.1:5001\": a mirror must be an http:// or https:// URL");
	ck_assert_engine_error(engine__regconfig_mirrors(bad2, "docker.io", NULL, &m), ENGINE_EINVALID,
			       "key \"a b\" is not a registry host");
	ck_assert_engine_error(engine__regconfig_mirrors(bad3, "docker.io", NULL, &m), ENGINE_EINVALID,
			       "expected a list of URLs or an object");
	ck_assert_engine_error(engine__regconfig_mirrors(bad4, "docker.io", NULL, &m), ENGINE_EINVALID,
			       "registry-mirrors for h:1: expected a list");
	ck_assert_ptr_null(m);
}
END_TEST

START_TEST(test_registry__insecure_and_default)
{
	cleanup_json json_object *ins = J("[\"reg.lan:5000\", \"10.1.0.0/16\", \"plain.lan\"]");
	cleanup_json json_object *def = J("\"127.0.0.1:5000\"");
	cleanup_json json_object *badurl = J("\"http://x:1\"");
	cleanup_json json_object *badtype = J("[]");
	const char *d = NULL;

	ck_assert(engine__regconfig_insecure(NULL, "127.0.0.1:5000"));
	ck_assert(engine__regconfig_insecure(NULL, "127.3.2.1"));
	ck_assert(engine__regconfig_insecure(NULL, "localhost:5000"));
	ck_assert(engine__regconfig_insecure(NULL, "[::1]:5000"));
	ck_assert(!engine__regconfig_insecure(NULL, "registry-1.docker.io"));
	ck_assert(!engine__regconfig_insecure(NULL, "128.0.0.1:5000"));
	ck_assert(engine__regconfig_insecure(ins, "reg.lan:5000"));
	ck_assert(!engine__regconfig_insecure(ins, "reg.lan:5001"));
	ck_assert(engine__regconfig_insecure(ins, "10.1.2.3:443"));
	ck_assert(!engine__regconfig_insecure(ins, "10.2.2.3:443"));
	ck_assert(engine__regconfig_insecure(ins, "plain.lan:8080"));

	ck_assert_engine_ok(engine__regconfig_default_domain(NULL, &d));
	ck_assert_str_eq(d, "docker.io");
	ck_assert_engine_ok(engine__regconfig_default_domain(def, &d));
	ck_assert_str_eq(d, "127.0.0.1:5000");
	ck_assert_engine_error(engine__regconfig_default_domain(badurl, &d), ENGINE_EINVALID, "not a URL");
	ck_assert_engine_error(engine__regconfig_default_domain(badtype, &d), ENGINE_EINVALID,
			       "expected a string");
}
END_TEST

#define DC "sha256:" D64
#define DL "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define DA "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define DB "sha256:3333333333333333333333333333333333333333333333333333333333333333"

START_TEST(test_registry__manifest_parse)
{
	static const char docker[] =
	    "{\"schemaVersion\":2,\"mediaType\":\"" ENGINE__MT_DOCKER_MANIFEST "\","
	    "\"config\":{\"mediaType\":\"" ENGINE__MT_DOCKER_CONFIG "\",\"size\":12,\"digest\":\"" DC "\"},"
	    "\"layers\":[{\"mediaType\":\"" ENGINE__MT_DOCKER_LAYER "\",\"size\":34,\"digest\":\"" DL "\"}]}";
	static const char oci_no_type[] =
	    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" ENGINE__MT_OCI_CONFIG
	    "\",\"size\":1,\"digest\":\"" DC "\"},\"layers\":[]}";
	static const char zip[] =
	    "{\"schemaVersion\":2,\"config\":{\"size\":1,\"digest\":\"" DC "\"},"
	    "\"layers\":[{\"mediaType\":\"application/zip\",\"size\":1,\"digest\":\"" DL "\"}]}";
	static const char baddigest[] =
	    "{\"schemaVersion\":2,\"config\":{\"size\":1,\"digest\":\"sha256:xyz\"},\"layers\":[]}";
	static const char nosize[] = "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DC "\"},\"layers\":[]}";
	static const char index[] = "{\"schemaVersion\":2,\"manifests\":[]}";
	engine__manifest *m = NULL;

	ck_assert_engine_ok(engine__manifest_parse(docker, sizeof(docker) - 1, NULL, &m));
	ck_assert(!m->is_index);
	ck_assert_str_eq(m->media_type, ENGINE__MT_DOCKER_MANIFEST);
	ck_assert_str_eq(m->config.digest, DC);
	ck_assert_int_eq(m->config.size, 12);
	ck_assert_uint_eq(m->n_layers, 1);
	ck_assert_str_eq(m->layers[0].digest, DL);
	ck_assert_int_eq(m->layers[0].size, 34);
	engine__manifest_free(m);
	ck_assert_engine_ok(engine__manifest_parse(oci_no_type, sizeof(oci_no_type) - 1,
						   ENGINE__MT_OCI_MANIFEST "; charset=utf-8", &m));
	ck_assert_str_eq(m->media_type, ENGINE__MT_OCI_MANIFEST);
	ck_assert_uint_eq(m->n_layers, 0);
	engine__manifest_free(m);
	ck_assert_engine_ok(engine__manifest_parse(index, sizeof(index) - 1, ENGINE__MT_DOCKER_LIST, &m));
	ck_assert(m->is_index);
	ck_assert_str_eq(m->media_type, ENGINE__MT_DOCKER_LIST);
	engine__manifest_free(m);
	m = NULL;
	ck_assert_engine_error(engine__manifest_parse("{\"schemaVersion\":1,\"fsLayers\":[]}", 34, NULL, &m),
			       ENGINE_ENOTSUP, "schema 1");
	ck_assert_engine_error(engine__manifest_parse("<html>", 6, "text/html", &m), ENGINE_EINVALID,
			       "manifest");
	ck_assert_engine_error(engine__manifest_parse(zip, sizeof(zip) - 1, NULL, &m), ENGINE_ENOTSUP,
			       "unsupported media type \"application/zip\"");
	ck_assert_engine_error(engine__manifest_parse(baddigest, sizeof(baddigest) - 1, NULL, &m),
			       ENGINE_EINVALID, "malformed digest \"sha256:xyz\"");
	ck_assert_engine_error(engine__manifest_parse(nosize, sizeof(nosize) - 1, NULL, &m), ENGINE_EINVALID,
			       "missing or negative size");
	ck_assert_ptr_null(m);
	ck_assert(engine__manifest_layer_supported(ENGINE__MT_OCI_LAYER_ZSTD));
	ck_assert_ptr_nonnull(strstr(ENGINE__MANIFEST_ACCEPT, ENGINE__MT_DOCKER_LIST));
	ck_assert_ptr_nonnull(strstr(ENGINE__MANIFEST_ACCEPT, ENGINE__MT_OCI_INDEX));
	ck_assert_ptr_nonnull(strstr(ENGINE__MANIFEST_ACCEPT, ENGINE__MT_OCI_MANIFEST));
	ck_assert_ptr_nonnull(strstr(ENGINE__MANIFEST_ACCEPT, ENGINE__MT_DOCKER_MANIFEST));
}
END_TEST

START_TEST(test_registry__index_select)
{
	static const char idx[] =
	    "{\"schemaVersion\":2,\"manifests\":["
	    "{\"mediaType\":\"" ENGINE__MT_OCI_MANIFEST "\",\"size\":5,\"digest\":\"" DA "\","
	    "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
	    "{\"mediaType\":\"" ENGINE__MT_OCI_MANIFEST "\",\"size\":6,\"digest\":\"" DB "\","
	    "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
	    "{\"mediaType\":\"" ENGINE__MT_OCI_MANIFEST "\",\"size\":7,\"digest\":\"" DL "\","
	    "\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"},"
	    "\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}},"
	    "{\"mediaType\":\"" ENGINE__MT_OCI_MANIFEST "\",\"size\":8,\"digest\":\"" DC "\","
	    "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}}]}";
	static const char arm_only[] =
	    "{\"schemaVersion\":2,\"manifests\":[{\"size\":5,\"digest\":\"" DA "\","
	    "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}}]}";
	engine__descriptor d = {0};

	ck_assert_engine_ok(engine__index_select(idx, sizeof(idx) - 1, NULL, &d));
	ck_assert_str_eq(d.digest, DB);
	ck_assert_int_eq(d.size, 6);
	ck_assert_str_eq(d.media_type, ENGINE__MT_OCI_MANIFEST);
	free(d.media_type);
	ck_assert_engine_ok(engine__index_select(idx, sizeof(idx) - 1, "linux/arm64/v8", &d));
	ck_assert_str_eq(d.digest, DA);
	free(d.media_type);
	ck_assert_engine_ok(engine__index_select(idx, sizeof(idx) - 1, "linux/aarch64", &d));
	ck_assert_str_eq(d.digest, DA);
	free(d.media_type);
	ck_assert_engine_ok(engine__index_select(idx, sizeof(idx) - 1, "linux/arm/v7", &d));
	ck_assert_str_eq(d.digest, DC);
	free(d.media_type);
	ck_assert_engine_error(engine__index_select(idx, sizeof(idx) - 1, "linux/arm/v6", &d),
			       ENGINE_ENOTFOUND, "no manifest for platform linux/arm/v6");
	ck_assert_engine_error(engine__index_select(arm_only, sizeof(arm_only) - 1, NULL, &d),
			       ENGINE_ENOTFOUND,
			       "no manifest for platform linux/amd64 (the index has: linux/arm64/v8)");
	ck_assert_engine_error(engine__index_select(idx, sizeof(idx) - 1, "linux", &d), ENGINE_EINVALID,
			       "expected os/arch");
}
END_TEST

START_TEST(test_registry__authfile)
{
	char *tmp = th_mkdtemp("registry");
	engine_context *ctx = th_context(tmp);
	cleanup_free char *path = engine__path_join(tmp, "auth.json");
	cleanup_free char *data = NULL;
	char *user = NULL, *pass = NULL;
	struct stat st;

	ck_assert_engine_error(engine__authfile_get(ctx, "h:1", &user, &pass), ENGINE_ENOTFOUND,
			       "no stored credentials for h:1");
	ck_assert_engine_ok(engine__authfile_set(ctx, "h:1", "alice", "pa:ss word"));
	ck_assert_engine_ok(engine__authfile_set(ctx, "docker.io", "bob", "x"));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_engine_ok(engine__read_file(path, &data, NULL));
	ck_assert_ptr_null(strstr(data, "pa:ss word"));
	ck_assert_ptr_nonnull(strstr(data, "\"auths\""));
	ck_assert_ptr_nonnull(strstr(data, "YWxpY2U6cGE6c3Mgd29yZA==")); /* base64("alice:pa:ss word") */
	ck_assert_engine_ok(engine__authfile_get(ctx, "h:1", &user, &pass));
	ck_assert_str_eq(user, "alice");
	ck_assert_str_eq(pass, "pa:ss word");
	free(user);
	free(pass);
	ck_assert_engine_error(engine__authfile_set(ctx, "h:1", "a:b", "x"), ENGINE_EINVALID,
			       "must not contain ':'");
	ck_assert_engine_ok(engine__authfile_remove(ctx, "h:1"));
	ck_assert_engine_error(engine__authfile_remove(ctx, "h:1"), ENGINE_ENOTFOUND, "not logged in to h:1");
	ck_assert_engine_ok(engine__authfile_get(ctx, "docker.io", &user, &pass));
	ck_assert_str_eq(user, "bob");
	free(user);
	free(pass);
	ck_assert_engine_ok(engine_registry_logout(ctx, "docker.io"));
	ck_assert_engine_error(engine_registry_logout(ctx, "http://x"), ENGINE_EINVALID, "host[:port]");
	ck_assert_engine_error(engine_registry_login(ctx, "h:1", "", "x"), ENGINE_EINVALID, "required");
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

static int events_seen;

static void count_event(const engine_registry_event *ev, void *payload)
{
	ck_assert_ptr_eq(payload, &events_seen);
	ck_assert_str_eq(ev->status, "Downloading");
	ck_assert_int_eq(ev->current, 5);
	events_seen++;
}

START_TEST(test_registry__progress_fd_and_callback)
{
	char *tmp = th_mkdtemp("registry");
	engine_context *ctx = th_context(tmp);
	engine__progress p;
	char buf[512] = "";
	char id[13];
	int fds[2];
	ssize_t n;

	ck_assert_int_eq(pipe(fds), 0);
	engine_registry_set_progress_callback(ctx, count_event, &events_seen);
	engine__progress_init(&p, ctx, fds[1]);
	ck_assert_str_eq(engine__progress_short_id("sha256:" D64, id), "0123456789ab");
	engine__progress_emit(&p, ENGINE_REGISTRY_EVENT_PROGRESS, id, "Downloading", 5, 10);
	ck_assert_int_eq(events_seen, 1);
	engine_registry_set_progress_callback(ctx, NULL, NULL);
	engine__progress_init(&p, ctx, fds[1]);
	engine__progress_emit(&p, ENGINE_REGISTRY_EVENT_STATUS, NULL, "Digest: x", 0, 0);
	ck_assert_int_eq(events_seen, 1);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(buf,
			 "{\"status\":\"Downloading\",\"id\":\"0123456789ab\","
			 "\"progressDetail\":{\"current\":5,\"total\":10}}\n{\"status\":\"Digest: x\"}\n");
	close(fds[0]);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_registry__status_errors)
{
	char *tmp = th_mkdtemp("registry");
	engine_context *ctx = th_context(tmp);
	engine__regclient_options o = {.domain = "h:1",
				       .base_url = "http://127.0.0.1:1",
				       .label = "registry h:1",
				       .tls_verify = true,
				       .timeout = 5};
	engine__regclient *c = NULL;
	char body[] = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}";
	engine__http_response r = {.status = 404, .body = body, .len = sizeof(body) - 1};
	cleanup_free char *host = engine__url_host("http://127.0.0.1:5001/v2/?x");

	ck_assert_str_eq(host, "127.0.0.1:5001");
	ck_assert_engine_ok(engine__regclient_new(ctx, &o, &c));
	ck_assert_engine_error(
	    engine__regclient_status_error(c, &r, "manifest a:1"), ENGINE_ENOTFOUND,
	    "registry h:1: manifest a:1: not found (HTTP 404: MANIFEST_UNKNOWN: manifest unknown)");
	r.status = 401;
	r.body = NULL;
	r.len = 0;
	ck_assert_engine_error(engine__regclient_status_error(c, &r, "GET /v2/"), ENGINE_EPERM,
			       "authentication required");
	r.status = 403;
	ck_assert_engine_error(engine__regclient_status_error(c, &r, "x"), ENGINE_EPERM,
			       "access denied (HTTP 403)");
	r.status = 503;
	ck_assert_engine_error(engine__regclient_status_error(c, &r, "x"), ENGINE_EIO, "HTTP 503");
	r.status = 400;
	ck_assert_engine_error(engine__regclient_status_error(c, &r, "x"), ENGINE_EINVALID,
			       "unexpected answer");
	ck_assert_engine_error(engine__regclient_curl_error(c, CURLE_OPERATION_TIMEDOUT, "", "blob b"),
			       ENGINE_ETIMEOUT, "registry h:1: blob b: timed out (nothing received for 5s)");
	ck_assert_engine_error(engine__regclient_curl_error(c, CURLE_PARTIAL_FILE, "x", "blob b"), ENGINE_EIO,
			       "truncated");
	engine__regclient_free(c);
	/* With credentials, a 401 means they were refused. */
	o.username = "u";
	o.password = "p";
	ck_assert_engine_ok(engine__regclient_new(ctx, &o, &c));
	r.status = 401;
	ck_assert_engine_error(engine__regclient_status_error(c, &r, "x"), ENGINE_EPERM,
			       "credentials refused");
	engine__regclient_free(c);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_registry__endpoints)
{
	char *tmp = th_mkdtemp("registry");
	cleanup_free char *cfg = engine__path_join(tmp, "config.json");
	static const char json[] =
	    "{\"insecure-registries\": [\"reg.lan:5000\"], \"registry-timeout\": 7,"
	    " \"registry-mirrors\": {\"docker.io\": [\"https://m1.example\", \"http://127.0.0.1:5001\"]}}";
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;
	engine__endpoint *eps = NULL;
	size_t n = 0;

	ck_assert_engine_ok(engine__write_file_atomic(cfg, json, sizeof(json) - 1, 0644, false));
	o.root = tmp;
	o.config_path = cfg;
	ck_assert_engine_ok(engine_context_new(&ctx, &o));
	/* Docker Hub: its mirrors in order, then the API host over verified TLS. */
	ck_assert_engine_ok(engine__endpoints_for(ctx, "docker.io", true, &eps, &n));
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(eps[0].url, "https://m1.example");
	ck_assert(eps[0].mirror && eps[0].tls_verify);
	ck_assert_str_eq(eps[1].url, "http://127.0.0.1:5001");
	ck_assert_str_eq(eps[1].label, "mirror http://127.0.0.1:5001");
	ck_assert_str_eq(eps[2].url, "https://registry-1.docker.io");
	ck_assert_str_eq(eps[2].label, "registry docker.io");
	ck_assert(!eps[2].mirror && eps[2].tls_verify);
	engine__endpoints_free(eps, n);
	/* Pushes and logins never use mirrors. */
	ck_assert_engine_ok(engine__endpoints_for(ctx, "docker.io", false, &eps, &n));
	ck_assert_uint_eq(n, 1);
	engine__endpoints_free(eps, n);
	/* Plain HTTP only for insecure and loopback registries. */
	ck_assert_engine_ok(engine__endpoints_for(ctx, "reg.lan:5000", true, &eps, &n));
	ck_assert_str_eq(eps[0].url, "http://reg.lan:5000");
	engine__endpoints_free(eps, n);
	ck_assert_engine_ok(engine__endpoints_for(ctx, "127.0.0.1:5000", true, &eps, &n));
	ck_assert_str_eq(eps[0].url, "http://127.0.0.1:5000");
	engine__endpoints_free(eps, n);
	ck_assert_engine_ok(engine__endpoints_for(ctx, "reg.lan:5001", true, &eps, &n));
	ck_assert_str_eq(eps[0].url, "https://reg.lan:5001");
	engine__endpoints_free(eps, n);
	ck_assert_int_eq(engine__endpoint_timeout(ctx, 0), 7);
	ck_assert_int_eq(engine__endpoint_timeout(ctx, 2), 2);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

/* certs.d beside the config file: CAs after the system's, a client
 * certificate with its key; a half pair is an error naming the other half. */
START_TEST(test_registry__certs_dir)
{
	char *tmp = th_mkdtemp("registry-certs");
	cleanup_free char *cfg = engine__path_join(tmp, "engine.json");
	cleanup_free char *dir = engine__path_join(tmp, "certs.d/reg.lan:5000");
	cleanup_free char *ca = engine__path_join(dir, "ca.crt");
	cleanup_free char *cert = engine__path_join(dir, "client.cert");
	cleanup_free char *key = engine__path_join(dir, "client.key");
	cleanup_free char *got = NULL;
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL, *plain = th_context(tmp);
	engine__regcerts c;
	static const char pem[] = "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n";

	ck_assert_engine_ok(engine__write_file_atomic(cfg, "{}", 2, 0644, false));
	o.root = tmp;
	o.config_path = cfg;
	ck_assert_engine_ok(engine_context_new(&ctx, &o));
	got = engine__regcerts_dir(plain);
	ck_assert_str_eq(got, "/etc/engine/certs.d");
	free(got);
	got = engine__regcerts_dir(ctx);
	ck_assert(strcmp(got + strlen(got) - strlen("/certs.d"), "/certs.d") == 0);
	ck_assert(strncmp(got, tmp, strlen(tmp)) == 0);

	ck_assert_engine_ok(engine__regcerts_load(ctx, "reg.lan:5000", &c));
	ck_assert_ptr_null(c.ca_pem);
	ck_assert_ptr_null(c.cert);
	ck_assert_engine_ok(engine__mkdir_p(dir, 0700));
	ck_assert_engine_ok(engine__write_file_atomic(ca, pem, sizeof(pem) - 1, 0644, false));
	ck_assert_engine_ok(engine__write_file_atomic(key, "k", 1, 0600, false));
	ck_assert_engine_error(engine__regcerts_load(ctx, "reg.lan:5000", &c), ENGINE_EINVALID,
			       "missing client certificate");
	ck_assert_engine_ok(engine__write_file_atomic(cert, "c", 1, 0644, false));
	ck_assert_engine_ok(engine__regcerts_load(ctx, "reg.lan:5000", &c));
	ck_assert_ptr_nonnull(c.ca_pem);
	ck_assert_ptr_nonnull(strstr(c.ca_pem, "TEST"));
	ck_assert_str_eq(c.cert, cert);
	ck_assert_str_eq(c.key, key);
	engine__regcerts_clear(&c);
	/* Another host, or a name that is not one, has none. */
	ck_assert_engine_ok(engine__regcerts_load(ctx, "reg.lan", &c));
	ck_assert_ptr_null(c.ca_pem);
	ck_assert_engine_ok(engine__regcerts_load(ctx, "..", &c));
	ck_assert_ptr_null(c.ca_pem);
	unlink(key);
	ck_assert_engine_error(engine__regcerts_load(ctx, "reg.lan:5000", &c), ENGINE_EINVALID,
			       "missing key");
	engine_context_free(ctx);
	engine_context_free(plain);
	th_cleanup_dir(tmp);
}
END_TEST

static Suite *registry_suite(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_registry__reference_normalize_public);
	tcase_add_test(tc, test_registry__challenge_parse);
	tcase_add_test(tc, test_registry__mirror_config);
	tcase_add_test(tc, test_registry__insecure_and_default);
	tcase_add_test(tc, test_registry__manifest_parse);
	tcase_add_test(tc, test_registry__index_select);
	tcase_add_test(tc, test_registry__authfile);
	tcase_add_test(tc, test_registry__status_errors);
	tcase_add_test(tc, test_registry__endpoints);
	tcase_add_test(tc, test_registry__progress_fd_and_callback);
	tcase_add_test(tc, test_registry__certs_dir);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(registry_suite(), 0);
}
