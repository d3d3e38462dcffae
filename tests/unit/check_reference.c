/* Image references (util/reference.c): Docker's grammar, checked against the
 * cases of distribution/reference's own tests (reference_test.go,
 * normalize_test.go), rewritten here for the normalising parser that
 * `docker pull`/`docker tag` use (ParseNormalizedNamed), plus the spellings
 * the image store and the registry client derive from a parsed reference. */
#include "check_helpers.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/reference.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define F64 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define H64 "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"

/* One row: the input and either the parts it parses to or a piece of the
 * error it must fail with. tag NULL means "no tag" (a digest reference);
 * a defaulted "latest" is written out. */
struct ref_case {
	const char *in;
	const char *domain;
	const char *path;
	const char *tag;
	const char *digest;
	const char *err;
};

static void check_case(const struct ref_case *c)
{
	cleanup_reference engine__reference *r = NULL;
	int rc = engine__reference_parse(c->in, NULL, &r);

	if (c->err) {
		ck_assert_msg(rc == ENGINE_EINVALID, "\"%s\": expected an error with \"%s\", got %d", c->in,
			      c->err, rc);
		ck_assert_ptr_null(r);
		ck_assert_msg(strstr(engine_error_last()->message, c->err),
			      "\"%s\": message \"%s\" lacks \"%s\"", c->in, engine_error_last()->message,
			      c->err);
		ck_assert_msg(strstr(engine_error_last()->message, "invalid reference format"), "%s",
			      engine_error_last()->message);
		return;
	}
	ck_assert_msg(rc == 0, "\"%s\": %s", c->in, engine_error_last()->message);
	ck_assert_msg(!strcmp(r->domain, c->domain), "\"%s\": domain %s, want %s", c->in, r->domain,
		      c->domain);
	ck_assert_msg(!strcmp(r->path, c->path), "\"%s\": path %s, want %s", c->in, r->path, c->path);
	if (c->tag)
		ck_assert_msg(r->tag && !strcmp(r->tag, c->tag), "\"%s\": tag %s, want %s", c->in,
			      r->tag ? r->tag : "(none)", c->tag);
	else
		ck_assert_msg(!r->tag, "\"%s\": unexpected tag %s", c->in, r->tag);
	if (c->digest)
		ck_assert_msg(r->digest && !strcmp(r->digest, c->digest), "\"%s\": digest %s", c->in,
			      r->digest ? r->digest : "(none)");
	else
		ck_assert_msg(!r->digest, "\"%s\": unexpected digest %s", c->in, r->digest);
}

static void check_table(const struct ref_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_case(&cases[i]);
}

/* reference_test.go TestReferenceParse. Its Parse takes any first
 * component as a domain ("foo/foo_bar.com" -> domain "foo"); the
 * normalising rule used here takes it only when it looks like a host ("."
 * or ":", "localhost", capitals), so such rows land on docker.io. */
START_TEST(test_reference__docker_parse_table)
{
	static const struct ref_case cases[] = {
	    {"test_com", "docker.io", "library/test_com", "latest", NULL, NULL},
	    {"test.com:tag", "docker.io", "library/test.com", "tag", NULL, NULL},
	    {"test.com:5000", "docker.io", "library/test.com", "5000", NULL, NULL},
	    {"test.com/repo:tag", "test.com", "repo", "tag", NULL, NULL},
	    {"test:5000/repo", "test:5000", "repo", "latest", NULL, NULL},
	    {"test:5000/repo:tag", "test:5000", "repo", "tag", NULL, NULL},
	    {"test:5000/repo@sha256:" F64, "test:5000", "repo", NULL, "sha256:" F64, NULL},
	    {"test:5000/repo:tag@sha256:" F64, "test:5000", "repo", "tag", "sha256:" F64, NULL},
	    {"", NULL, NULL, NULL, NULL, "empty image name"},
	    {":justtag", NULL, NULL, NULL, NULL, "empty repository name"},
	    {"@sha256:" F64, NULL, NULL, NULL, NULL, "empty repository name"},
	    {"repo@sha256:ffffffffffffffffffffffffffffffffff", NULL, NULL, NULL, NULL,
	     "invalid sha256 digest"},
	    {"validname@invaliddigest:" F64, NULL, NULL, NULL, NULL, "unsupported digest algorithm"},
	    {"Uppercase:tag", NULL, NULL, NULL, NULL, "must be lowercase"},
	    /* Docker's own FIXME: capitals make "Uppercase" a host. */
	    {"Uppercase/lowercase:tag", "Uppercase", "lowercase", "tag", NULL, NULL},
	    {"test:5000/Uppercase/lowercase:tag", NULL, NULL, NULL, NULL, "must be lowercase"},
	    {"lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", NULL, NULL},
	    {"aa/asdf$$^/aa", NULL, NULL, NULL, NULL, "invalid repository name"},
	    {"sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", "latest", NULL, NULL},
	    {"sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux",
	     "some-long-tag", NULL, NULL},
	    {"b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
	     "test.example.com", NULL, NULL},
	    {"xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", NULL, NULL},
	    /* The store addresses content by sha256 only: other algorithms are
	     * refused by name rather than accepted and never matched. */
	    {"xn--7o8h.com/myimage:xn--7o8h.com@sha512:" F64 F64, NULL, NULL, NULL, NULL,
	     "unsupported digest algorithm"},
	    {"foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", NULL, NULL},
	    {"foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080", NULL, NULL},
	    {"192.168.1.1", "docker.io", "library/192.168.1.1", "latest", NULL, NULL},
	    {"192.168.1.1:tag", "docker.io", "library/192.168.1.1", "tag", NULL, NULL},
	    {"192.168.1.1:5000", "docker.io", "library/192.168.1.1", "5000", NULL, NULL},
	    {"192.168.1.1/repo", "192.168.1.1", "repo", "latest", NULL, NULL},
	    {"192.168.1.1:5000/repo", "192.168.1.1:5000", "repo", "latest", NULL, NULL},
	    {"192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", NULL, NULL},
	    {"[2001:db8::1]", NULL, NULL, NULL, NULL, "invalid"},
	    {"[2001:db8::1]:5000", NULL, NULL, NULL, NULL, "invalid"},
	    {"[2001:db8::1]:tag", NULL, NULL, NULL, NULL, "invalid"},
	    {"[2001:db8::1]/repo", "[2001:db8::1]", "repo", "latest", NULL, NULL},
	    {"[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", NULL, NULL},
	    {"[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", "latest", NULL, NULL},
	    {"[2001:db8::1]:5000/repo:tag", "[2001:db8::1]:5000", "repo", "tag", NULL, NULL},
	    {"[2001:db8::1]:5000/repo@sha256:" F64, "[2001:db8::1]:5000", "repo", NULL, "sha256:" F64, NULL},
	    {"[2001:db8::1]:5000/repo:tag@sha256:" F64, "[2001:db8::1]:5000", "repo", "tag", "sha256:" F64,
	     NULL},
	    {"[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", "latest", NULL, NULL},
	    {"[::1]:5000/repo", "[::1]:5000", "repo", "latest", NULL, NULL},
	    {"[fe80::1%eth0]:5000/repo", NULL, NULL, NULL, NULL, "invalid registry host"},
	    {"[fe80::1%@invalidzone]:5000/repo", NULL, NULL, NULL, NULL, "digest"},
	};

	check_table(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

/* The 255-character limit is on the whole name, domain included, after
 * normalisation: 127 "a/" + "a" is 255 alone but 265 once docker.io/ is
 * prepended, so both of Docker's length rows fail here. */
START_TEST(test_reference__docker_name_length)
{
	char in[400], ok[300];
	size_t n = 0;
	cleanup_reference engine__reference *r = NULL;

	for (int i = 0; i < 128; i++)
		n += (size_t)sprintf(in + n, "a/");
	sprintf(in + n, "a:tag");
	ck_assert_engine_error(engine__reference_parse(in, NULL, &r), ENGINE_EINVALID, "longer than 255");
	ck_assert_engine_error(engine__reference_parse(in + 2, NULL, &r), ENGINE_EINVALID, "longer than 255");
	/* "h.io/" + 250 = exactly 255 is fine; one more is not. */
	n = (size_t)sprintf(ok, "h.io/");
	memset(ok + n, 'a', 250);
	ok[n + 250] = '\0';
	ck_assert_engine_ok(engine__reference_parse(ok, NULL, &r));
	ck_assert_uint_eq(strlen(r->domain) + 1 + strlen(r->path), 255);
	engine__reference_free(steal_ptr(r));
	strcat(ok, "a");
	ck_assert_engine_error(engine__reference_parse(ok, NULL, &r), ENGINE_EINVALID, "longer than 255");
}
END_TEST

/* normalize_test.go TestValidateReferenceName and TestValidateRemoteName. */
START_TEST(test_reference__docker_valid_names)
{
	static const char *const valid[] = {
	    "docker/docker",
	    "library/debian",
	    "debian",
	    "docker.io/docker/docker",
	    "docker.io/library/debian",
	    "docker.io/debian",
	    "index.docker.io/docker/docker",
	    "index.docker.io/library/debian",
	    "index.docker.io/debian",
	    "127.0.0.1:5000/docker/docker",
	    "127.0.0.1:5000/library/debian",
	    "127.0.0.1:5000/debian",
	    "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
	    "docker.io/" H64,
	    "docker-rules/docker",
	    "docker---rules/docker",
	    "doc/docker",
	    "d/docker",
	    "jess/t",
	    "dock__er/docker"};
	static const char *const invalid[] = {
	    "https://github.com/docker/docker",
	    "docker/Docker",
	    "-docker",
	    "-docker/docker",
	    "-docker.io/docker/docker",
	    "docker///docker",
	    "docker.io/docker/Docker",
	    "docker.io/docker///docker",
	    H64,
	    "docker-/docker",
	    "-docker-/docker",
	    "____/____",
	    "_docker/_docker",
	    "dock..er/docker",
	    "dock_.er/docker",
	    "dock-.er/docker",
	    "docker/",
	    "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_"
	    "namespace_"
	    "because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_"
	    "greater_"
	    "than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker"};

	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		cleanup_reference engine__reference *r = NULL;

		ck_assert_msg(engine__reference_parse(valid[i], NULL, &r) == 0, "\"%s\": %s", valid[i],
			      engine_error_last()->message);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		cleanup_reference engine__reference *r = NULL;

		ck_assert_msg(engine__reference_parse(invalid[i], NULL, &r) == ENGINE_EINVALID,
			      "\"%s\" parsed", invalid[i]);
		ck_assert_ptr_null(r);
	}
	ck_assert_engine_error(engine__reference_parse(H64, NULL, &(engine__reference *){NULL}),
			       ENGINE_EINVALID, "image ID, not a repository name");
}
END_TEST

/* normalize_test.go TestParseRepositoryInfo and TestNormalizedSplitHostname:
 * every spelling of one repository gives the same full name, familiar name
 * and domain. */
START_TEST(test_reference__docker_repository_info)
{
	static const struct {
		const char *in, *full, *familiar;
	} cases[] = {
	    {"fooo/bar", "docker.io/fooo/bar", "fooo/bar"},
	    {"docker.io/fooo/bar", "docker.io/fooo/bar", "fooo/bar"},
	    {"index.docker.io/fooo/bar", "docker.io/fooo/bar", "fooo/bar"},
	    {"ubuntu", "docker.io/library/ubuntu", "ubuntu"},
	    {"library/ubuntu", "docker.io/library/ubuntu", "ubuntu"},
	    {"docker.io/library/ubuntu", "docker.io/library/ubuntu", "ubuntu"},
	    {"nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", "nonlibrary/ubuntu"},
	    {"other/library", "docker.io/other/library", "other/library"},
	    {"127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase",
	     "127.0.0.1:8000/private/moonbase"},
	    {"127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase"},
	    {"example.com/private/moonbase", "example.com/private/moonbase", "example.com/private/moonbase"},
	    {"example.com:8000/privatebasee", "example.com:8000/privatebasee",
	     "example.com:8000/privatebasee"},
	    {"ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base", "ubuntu-12.04-base"},
	    {"index.docker.io/library/ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base",
	     "ubuntu-12.04-base"},
	    {"docker.io/foo", "docker.io/library/foo", "foo"},
	    {"library/foo/bar", "docker.io/library/foo/bar", "library/foo/bar"},
	    {"docker.io/library/foo/bar", "docker.io/library/foo/bar", "library/foo/bar"},
	    {"store/foo/bar", "docker.io/store/foo/bar", "store/foo/bar"},
	    {"test_com/foo", "docker.io/test_com/foo", "test_com/foo"},
	    {"docker/migrator", "docker.io/docker/migrator", "docker/migrator"},
	    {"test-com:8080/foo", "test-com:8080/foo", "test-com:8080/foo"},
	    {"xn--n3h.com:18080/foo", "xn--n3h.com:18080/foo", "xn--n3h.com:18080/foo"},
	    {"localhost/foo", "localhost/foo", "localhost/foo"},
	    {"localhost:5000/foo", "localhost:5000/foo", "localhost:5000/foo"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_reference engine__reference *r = NULL;
		cleanup_free char *full = NULL, *familiar = NULL;

		ck_assert_msg(engine__reference_parse(cases[i].in, NULL, &r) == 0, "\"%s\": %s", cases[i].in,
			      engine_error_last()->message);
		full = engine__reference_name(r);
		familiar = engine__reference_familiar_name(r, NULL);
		ck_assert_msg(!strcmp(full, cases[i].full), "\"%s\": %s", cases[i].in, full);
		ck_assert_msg(!strcmp(familiar, cases[i].familiar), "\"%s\": %s", cases[i].in, familiar);
		ck_assert(r->tag_implied && !strcmp(r->tag, "latest"));
	}
}
END_TEST

/* TestParseReferenceWithTagAndDigest: both kept, in canonical order. */
START_TEST(test_reference__tag_and_digest)
{
	cleanup_reference engine__reference *r = NULL;
	cleanup_free char *s = NULL, *n = NULL, *f = NULL, *ft = NULL;

	ck_assert_engine_ok(engine__reference_parse("busybox:latest@sha256:" D64, NULL, &r));
	s = engine__reference_string(r);
	ck_assert_str_eq(s, "docker.io/library/busybox:latest@sha256:" D64);
	ck_assert(!r->tag_implied);
	f = engine__reference_familiar(r, NULL, true);
	ft = engine__reference_familiar(r, NULL, false);
	ck_assert_str_eq(f, "busybox@sha256:" D64);
	ck_assert_str_eq(ft, "busybox:latest");
	engine__reference_free(steal_ptr(r));
	ck_assert_engine_ok(engine__reference_parse("h:1/a:t@sha256:" D64, NULL, &r));
	n = engine__reference_name(r);
	ck_assert_str_eq(n, "h:1/a");
	ck_assert_str_eq(engine__reference_api_host("docker.io"), "registry-1.docker.io");
	ck_assert_str_eq(engine__reference_api_host("h:1"), "h:1");
}
END_TEST

/* A configured default registry takes short names, with library/, and
 * names on it are written familiar relative to it. */
START_TEST(test_reference__default_domain)
{
	static const struct {
		const char *in, *domain, *path, *familiar;
	} cases[] = {
	    {"busybox", "127.0.0.1:5000", "library/busybox", "busybox:latest"},
	    {"127.0.0.1:5000/busybox", "127.0.0.1:5000", "busybox", "busybox:latest"},
	    {"127.0.0.1:5000/a/b:1", "127.0.0.1:5000", "a/b", "a/b:1"},
	    {"docker.io/busybox", "docker.io", "library/busybox", "docker.io/library/busybox:latest"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_reference engine__reference *r = NULL;
		cleanup_free char *fam = NULL;

		ck_assert_engine_ok(engine__reference_parse(cases[i].in, "127.0.0.1:5000", &r));
		ck_assert_str_eq(r->domain, cases[i].domain);
		ck_assert_str_eq(r->path, cases[i].path);
		fam = engine__reference_familiar(r, "127.0.0.1:5000", true);
		ck_assert_str_eq(fam, cases[i].familiar);
	}
}
END_TEST

/* The image store's key for a reference (what tag, rmi and lookup use). */
START_TEST(test_reference__store_spelling)
{
	static const char *const cases[][2] = {
	    {"busybox", "busybox:latest"},
	    {"busybox:1.36", "busybox:1.36"},
	    {"docker.io/library/busybox", "busybox:latest"},
	    {"index.docker.io/library/busybox:x", "busybox:x"},
	    {"docker.io/foo/bar", "foo/bar:latest"},
	    {"library/busybox", "busybox:latest"},
	    {"localhost:5000/a/b:1", "localhost:5000/a/b:1"},
	    {"localhost/app", "localhost/app:latest"},
	    {"Reg.Example.com/x_y/z-w__q.r:T_1.2-3", "Reg.Example.com/x_y/z-w__q.r:T_1.2-3"},
	    {"a__b.c-d---e:Tag_1.x-y", "a__b.c-d---e:Tag_1.x-y"},
	    {"a/b:t@sha256:" D64, "a/b@sha256:" D64},
	    {"busybox@sha256:" D64, "busybox@sha256:" D64},
	    /* A Docker Hub path whose first component reads as a host keeps the
	     * domain: "foo.com/x" would be another registry's image (fuzzer). */
	    {"index.docker.io/l-erb_6_m.i/l", "docker.io/l-erb_6_m.i/l:latest"},
	    {"docker.io/foo.com/x:1", "docker.io/foo.com/x:1"},
	    {"docker.io/localhost/x", "docker.io/localhost/x:latest"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *out = NULL, *again = NULL;

		ck_assert_msg(engine__reference_normalize(cases[i][0], &out) == 0, "\"%s\": %s", cases[i][0],
			      engine_error_last()->message);
		ck_assert_msg(!strcmp(out, cases[i][1]), "\"%s\": %s, want %s", cases[i][0], out,
			      cases[i][1]);
		/* The key reads back as itself. */
		ck_assert_engine_ok(engine__reference_normalize(out, &again));
		ck_assert_str_eq(again, out);
	}
}
END_TEST

/* Every way a reference can be wrong, each named in the message. */
START_TEST(test_reference__errors)
{
	char long_tag[200];
	static const struct ref_case cases[] = {
	    {"Busybox", NULL, NULL, NULL, NULL, "must be lowercase"},
	    {"a/B", NULL, NULL, NULL, NULL, "must be lowercase"},
	    {"a b", NULL, NULL, NULL, NULL, "whitespace"},
	    {"a\tb", NULL, NULL, NULL, NULL, "control characters"},
	    {"a:", NULL, NULL, NULL, NULL, "invalid tag"},
	    {"a:-x", NULL, NULL, NULL, NULL, "invalid tag"},
	    {"a:t:u", NULL, NULL, NULL, NULL, "invalid repository name"},
	    {"a@sha256:abc", NULL, NULL, NULL, NULL, "invalid sha256 digest"},
	    {"a@sha256:" F64 "0", NULL, NULL, NULL, NULL, "invalid sha256 digest"},
	    {"a@md5:" D64, NULL, NULL, NULL, NULL, "unsupported digest algorithm"},
	    {"a@" D64, NULL, NULL, NULL, NULL, "invalid digest format"},
	    {"a//b", NULL, NULL, NULL, NULL, "invalid repository name"},
	    {"a/", NULL, NULL, NULL, NULL, "invalid repository name"},
	    {"-a", NULL, NULL, NULL, NULL, "invalid repository name"},
	    {"a..b", NULL, NULL, NULL, NULL, "invalid repository name"},
	    {"a___b", NULL, NULL, NULL, NULL, "invalid repository name"},
	    {":tag", NULL, NULL, NULL, NULL, "empty repository name"},
	    {"h:99999/a", NULL, NULL, NULL, NULL, "invalid registry host"},
	    {"h:/a", NULL, NULL, NULL, NULL, "invalid registry host"},
	    {"-h.x/a", NULL, NULL, NULL, NULL, "invalid registry host"},
	    {"h.:1/a", NULL, NULL, NULL, NULL, "invalid registry host"},
	    {"[]:1/a", NULL, NULL, NULL, NULL, "invalid registry host"},
	};

	check_table(cases, sizeof(cases) / sizeof(cases[0]));
	memset(long_tag, 'a', sizeof(long_tag));
	memcpy(long_tag, "x:", 2);
	long_tag[sizeof(long_tag) - 1] = '\0';
	ck_assert_engine_error(engine__reference_parse(long_tag, NULL, &(engine__reference *){NULL}),
			       ENGINE_EINVALID, "invalid tag");
	ck_assert_engine_error(engine__reference_parse(NULL, NULL, &(engine__reference *){NULL}),
			       ENGINE_EINVALID, "empty image name");
	/* The store's spelling fails with the same words. */
	ck_assert_engine_error(engine__reference_normalize("a:-x", &(char *){NULL}), ENGINE_EINVALID,
			       "invalid reference format: \"a:-x\": invalid tag");
}
END_TEST

START_TEST(test_reference__domain_valid)
{
	ck_assert(engine__reference_domain_valid("localhost"));
	ck_assert(engine__reference_domain_valid("127.0.0.1:5000"));
	ck_assert(engine__reference_domain_valid("[::1]"));
	ck_assert(engine__reference_domain_valid("[::1]:443"));
	ck_assert(engine__reference_domain_valid("Reg.Example.com"));
	ck_assert(!engine__reference_domain_valid(""));
	ck_assert(!engine__reference_domain_valid(NULL));
	ck_assert(!engine__reference_domain_valid("a..b"));
	ck_assert(!engine__reference_domain_valid("a_b.c"));
	ck_assert(!engine__reference_domain_valid("h:65536"));
	ck_assert(!engine__reference_domain_valid("[::1]x"));
	ck_assert(!engine__reference_domain_valid("http://h"));
}
END_TEST

static Suite *reference_suite(void)
{
	Suite *s = suite_create("reference");
	TCase *tc = tcase_create("reference");

	tcase_add_test(tc, test_reference__docker_parse_table);
	tcase_add_test(tc, test_reference__docker_name_length);
	tcase_add_test(tc, test_reference__docker_valid_names);
	tcase_add_test(tc, test_reference__docker_repository_info);
	tcase_add_test(tc, test_reference__tag_and_digest);
	tcase_add_test(tc, test_reference__default_domain);
	tcase_add_test(tc, test_reference__store_spelling);
	tcase_add_test(tc, test_reference__errors);
	tcase_add_test(tc, test_reference__domain_valid);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(reference_suite(), 0);
}
