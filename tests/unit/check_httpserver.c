/* The HTTP server library's routing (tools/httpserver): the /vN.NN prefix,
 * API version comparison, {param} and {param*} patterns, HEAD answered by
 * GET routes, 404 versus 405. Pure logic: no socket, no libmicrohttpd. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "httpserver/internal.h"

static void noop(hs_request *req, void *app)
{
	(void)req;
	(void)app;
}

static const struct hs_route routes[] = {
    {"GET", "/containers/json", noop, 0},
    {"GET", "/containers/{id}/json", noop, 0},
    {"POST", "/containers/{id}/start", noop, 0},
    {"DELETE", "/containers/{id}", noop, 0},
    {"GET", "/images/{name*}/json", noop, 0},
    {"POST", "/images/{name*}/push", noop, 0},
    {"HEAD", "/_ping", noop, 0},
    {"GET", "/_ping", noop, 0},
    {NULL, NULL, NULL, 0},
};

static void req_clear(hs_request *r)
{
	for (size_t i = 0; i < r->nparams; i++) {
		free(r->params[i][0]);
		free(r->params[i][1]);
	}
	memset(r, 0, sizeof(*r));
}

/* Route @method @path; returns hs__route's result, params in @r. */
static int route(hs_request *r, const char *method, const char *path)
{
	req_clear(r);
	r->method = method;
	return hs__route(r, routes, path);
}

/* Basic credentials (standard alphabet) and X-Registry-Auth (URL-safe). */
START_TEST(test_httpserver__base64)
{
	char out[64];

	ck_assert_int_eq(hs_base64_decode("YWxpY2U6czNjcmV0", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "alice:s3cret");
	ck_assert_int_eq(hs_base64_decode("e30=", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "{}");
	ck_assert_int_eq(hs_base64_decode("-_8", out, sizeof(out)), 0);
	ck_assert_int_eq((unsigned char)out[0], 0xfb);
	ck_assert_int_eq((unsigned char)out[1], 0xff);
	ck_assert_int_eq(hs_base64_decode("+/8", out, sizeof(out)), 0);
	ck_assert_int_eq((unsigned char)out[0], 0xfb);
	ck_assert_int_eq(hs_base64_decode("YW*j", out, sizeof(out)), -1);
	ck_assert_int_eq(hs_base64_decode("AAAA", out, sizeof(out)), -1); /* NULs */
	ck_assert_int_eq(hs_base64_decode("YWxpY2U6czNjcmV0", out, 4), -1);
}
END_TEST

START_TEST(test_httpserver__version_prefix)
{
	char v[16];
	const char *rest;

	ck_assert_int_eq(hs__strip_version("/v1.41/containers/json", v, sizeof(v), &rest), 0);
	ck_assert_str_eq(v, "1.41");
	ck_assert_str_eq(rest, "/containers/json");
	ck_assert_int_eq(hs__strip_version("/containers/json", v, sizeof(v), &rest), 0);
	ck_assert_str_eq(v, "");
	ck_assert_str_eq(rest, "/containers/json");
	ck_assert_int_eq(hs__strip_version("/v1.24", v, sizeof(v), &rest), 0);
	ck_assert_str_eq(rest, "/");
	/* "/volumes" starts with "/v" but is no version. */
	ck_assert_int_eq(hs__strip_version("/volumes/x", v, sizeof(v), &rest), 0);
	ck_assert_str_eq(rest, "/volumes/x");
	ck_assert_int_eq(hs__strip_version("/v1./x", v, sizeof(v), &rest), -1);
	ck_assert_int_eq(hs__strip_version("/v141/x", v, sizeof(v), &rest), -1);
}
END_TEST

START_TEST(test_httpserver__version_cmp)
{
	ck_assert_int_lt(hs__version_cmp("1.9", "1.41"), 0);
	ck_assert_int_eq(hs__version_cmp("1.41", "1.41"), 0);
	ck_assert_int_gt(hs__version_cmp("1.50", "1.41"), 0);
	ck_assert_int_gt(hs__version_cmp("2.0", "1.99"), 0);
}
END_TEST

START_TEST(test_httpserver__params)
{
	hs_request r;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(route(&r, "GET", "/containers/json"), 0);
	ck_assert_str_eq(r.route->pattern, "/containers/json");
	ck_assert_int_eq(route(&r, "GET", "/containers/abc/json"), 0);
	ck_assert_str_eq(r.route->pattern, "/containers/{id}/json");
	ck_assert_str_eq(hs_param(&r, "id"), "abc");
	ck_assert_ptr_null(hs_param(&r, "name"));
	ck_assert_int_eq(route(&r, "DELETE", "/containers/abc"), 0);
	ck_assert_str_eq(hs_param(&r, "id"), "abc");
	req_clear(&r);
}
END_TEST

START_TEST(test_httpserver__greedy)
{
	hs_request r;

	memset(&r, 0, sizeof(r));
	/* Image names with "/" and ":" arrive unescaped. */
	ck_assert_int_eq(route(&r, "GET", "/images/127.0.0.1:5000/a/b:v1/json"), 0);
	ck_assert_str_eq(hs_param(&r, "name"), "127.0.0.1:5000/a/b:v1");
	/* The longest name that leaves the suffix: an image called "x/json". */
	ck_assert_int_eq(route(&r, "GET", "/images/x/json/json"), 0);
	ck_assert_str_eq(hs_param(&r, "name"), "x/json");
	ck_assert_int_eq(route(&r, "POST", "/images/busybox/push"), 0);
	ck_assert_str_eq(hs_param(&r, "name"), "busybox");
	/* {name*} needs at least one segment. */
	ck_assert_int_eq(route(&r, "GET", "/images/json"), -1);
	req_clear(&r);
}
END_TEST

START_TEST(test_httpserver__methods)
{
	hs_request r;

	memset(&r, 0, sizeof(r));
	/* A GET route answers HEAD; an explicit HEAD route wins. */
	ck_assert_int_eq(route(&r, "HEAD", "/containers/abc/json"), 0);
	ck_assert_str_eq(r.route->method, "GET");
	ck_assert_int_eq(route(&r, "HEAD", "/_ping"), 0);
	ck_assert_str_eq(r.route->method, "HEAD");
	/* A known path under another method is -2 (405), an unknown one -1 (404). */
	ck_assert_int_eq(route(&r, "POST", "/containers/json"), -2);
	ck_assert_int_eq(route(&r, "GET", "/nosuch"), -1);
	ck_assert_int_eq(route(&r, "GET", "/containers/../../etc/json"), -1);
	req_clear(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("httpserver");
	TCase *tc = tcase_create("router");

	tcase_add_test(tc, test_httpserver__base64);
	tcase_add_test(tc, test_httpserver__version_prefix);
	tcase_add_test(tc, test_httpserver__version_cmp);
	tcase_add_test(tc, test_httpserver__params);
	tcase_add_test(tc, test_httpserver__greedy);
	tcase_add_test(tc, test_httpserver__methods);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
