/* The registry view of a store (libengine/distribution): repository names
 * and their mapping onto store tags, uploads (chunked, verified, nothing
 * visible on a mismatch), manifests (the store's images, artifacts in the
 * registry's index, references checked), listings, and GC keeping what the
 * index holds. No HTTP: tests/integration/registry_serve.sh does that. */
#include "check_helpers.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "distribution/internal.h"
#include "util/digest.h"

START_TEST(test_distribution__names)
{
	ck_assert_engine_ok(engine_distribution_name_check("busybox"));
	ck_assert_engine_ok(engine_distribution_name_check("library/busybox"));
	ck_assert_engine_ok(engine_distribution_name_check("a/b-c/d.e/f__g/h---i"));
	ck_assert_engine_ok(engine_distribution_name_check("quay.io/x/y"));
	ck_assert_engine_error(engine_distribution_name_check("Upper"), ENGINE_EINVALID, "Upper");
	ck_assert_engine_error(engine_distribution_name_check("a//b"), ENGINE_EINVALID, "component \"\"");
	ck_assert_engine_error(engine_distribution_name_check("a/-b"), ENGINE_EINVALID, "-b");
	ck_assert_engine_error(engine_distribution_name_check("a/b."), ENGINE_EINVALID, "b.");
	ck_assert_engine_error(engine_distribution_name_check("a/b___c"), ENGINE_EINVALID, "b___c");
	ck_assert_engine_error(engine_distribution_name_check("host:5000/a"), ENGINE_EINVALID, "host:5000");
	ck_assert_engine_error(engine_distribution_name_check(""), ENGINE_EINVALID, "empty");
	ck_assert_engine_error(engine_distribution_name_check(NULL), ENGINE_EINVALID, "empty");
	ck_assert_engine_ok(engine__dist_tag_check("v1.2_rc-3"));
	ck_assert_engine_error(engine__dist_tag_check(".x"), ENGINE_EINVALID, "invalid tag");
	ck_assert_engine_error(engine__dist_tag_check("a/b"), ENGINE_EINVALID, "invalid tag");
}
END_TEST

/* How repository names map onto store tags, plain and pull-through. */
START_TEST(test_distribution__name_mapping)
{
	char *tmp = th_mkdtemp("dist-names");
	engine_context *ctx = th_context(tmp);
	engine_distribution_options o = ENGINE_DISTRIBUTION_OPTIONS_INIT;
	engine_distribution *plain = NULL, *mirror = NULL, *hub = NULL, *bad = NULL;
	char *s = NULL, *tag = NULL;

	ck_assert_engine_ok(engine_distribution_new(ctx, NULL, &plain));
	o.mirror_of = "http://127.0.0.1:5000/";
	ck_assert_engine_ok(engine_distribution_new(ctx, &o, &mirror));
	o.mirror_of = "https://registry-1.docker.io";
	ck_assert_engine_ok(engine_distribution_new(ctx, &o, &hub));

	ck_assert_engine_ok(engine__dist_canonical(plain, "library/busybox", &s));
	ck_assert_str_eq(s, "busybox");
	free(s);
	ck_assert_engine_ok(engine__dist_store_ref(plain, "library/busybox", "1", &s));
	ck_assert_str_eq(s, "busybox:1");
	free(s);
	ck_assert_engine_ok(engine__dist_store_ref(plain, "quay.io/a/b", "1", &s));
	ck_assert_str_eq(s, "quay.io/a/b:1");
	free(s);
	ck_assert_engine_ok(engine__dist_store_ref(mirror, "a/b", "1", &s));
	ck_assert_str_eq(s, "127.0.0.1:5000/a/b:1");
	free(s);
	ck_assert_engine_ok(engine__dist_canonical(hub, "library/x", &s));
	ck_assert_str_eq(s, "x");
	free(s);
	s = engine__dist_upstream_path(hub, "x");
	ck_assert_str_eq(s, "library/x");
	free(s);
	s = engine__dist_upstream_path(mirror, "x");
	ck_assert_str_eq(s, "x");
	free(s);

	s = engine__dist_served_name(plain, "busybox:latest", &tag);
	ck_assert_str_eq(s, "busybox");
	ck_assert_str_eq(tag, "latest");
	free(s);
	free(tag);
	/* A registry with a port is no valid repository name: not served. */
	ck_assert_ptr_null(engine__dist_served_name(plain, "127.0.0.1:5000/a/b:1", NULL));
	s = engine__dist_served_name(mirror, "127.0.0.1:5000/a/b:1", NULL);
	ck_assert_str_eq(s, "a/b");
	free(s);
	/* A mirror serves its upstream's tags only. */
	ck_assert_ptr_null(engine__dist_served_name(mirror, "busybox:latest", NULL));
	s = engine__dist_served_name(hub, "busybox:latest", NULL);
	ck_assert_str_eq(s, "busybox");
	free(s);

	o.mirror_of = "ftp://x";
	ck_assert_engine_error(engine_distribution_new(ctx, &o, &bad), ENGINE_EINVALID,
			       "http:// or https://");
	o.mirror_of = "http://host:5000/some/path";
	ck_assert_engine_error(engine_distribution_new(ctx, &o, &bad), ENGINE_EINVALID, "without a path");
	ck_assert_ptr_null(bad);
	engine_distribution_free(plain);
	engine_distribution_free(hub);
	engine_distribution_free(mirror);
	engine_distribution_free(NULL);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

static void digest_of(const char *data, size_t len, char out[ENGINE__DIGEST_LEN + 1])
{
	ck_assert_engine_ok(engine__sha256_buf(data, len, out));
}

static void read_all(engine_distribution *d, const char *name, const char *digest, const char *want)
{
	engine_distribution_blob *b = NULL;
	char buf[256];
	size_t got = 0;

	ck_assert_engine_ok(engine_distribution_blob_open(d, name, digest, &b));
	ck_assert_int_eq(engine_distribution_blob_size(b), (int64_t)strlen(want));
	ck_assert_int_ge(engine_distribution_blob_fd(b), 0);
	ck_assert_engine_ok(engine_distribution_blob_read(b, 0, buf, sizeof(buf), &got));
	ck_assert_uint_eq(got, strlen(want));
	ck_assert(memcmp(buf, want, got) == 0);
	ck_assert_engine_ok(engine_distribution_blob_read(b, 2, buf, 3, &got));
	ck_assert_uint_eq(got, 3);
	ck_assert(memcmp(buf, want + 2, 3) == 0);
	engine_distribution_blob_free(b);
}

/* Store @data as a blob of @name through one upload; its digest into @out. */
static void upload(engine_distribution *d, const char *name, const char *data,
		   char out[ENGINE__DIGEST_LEN + 1])
{
	engine_distribution_upload *up = NULL;

	digest_of(data, strlen(data), out);
	ck_assert_engine_ok(engine_distribution_upload_open(d, name, NULL, &up));
	ck_assert_engine_ok(engine_distribution_upload_write(up, data, strlen(data)));
	ck_assert_engine_ok(engine_distribution_upload_commit(up, out));
	engine_distribution_upload_free(up);
}

START_TEST(test_distribution__uploads)
{
	char *tmp = th_mkdtemp("dist-up");
	engine_context *ctx = th_context(tmp);
	engine_distribution_options o = ENGINE_DISTRIBUTION_OPTIONS_INIT;
	engine_distribution *d = NULL, *ro = NULL;
	engine_distribution_upload *up = NULL, *again = NULL;
	const char *body = "hello, chunked world";
	char digest[ENGINE__DIGEST_LEN + 1], wrong[ENGINE__DIGEST_LEN + 1], id[64];
	engine_distribution_blob *b = NULL;

	ck_assert_engine_ok(engine_distribution_new(ctx, NULL, &d));
	digest_of(body, strlen(body), digest);
	digest_of("other", 5, wrong);

	/* Two chunks over two holds of the session. */
	ck_assert_engine_ok(engine_distribution_upload_open(d, "a/b", NULL, &up));
	snprintf(id, sizeof(id), "%s", engine_distribution_upload_id(up));
	ck_assert_uint_eq(strlen(id), 36);
	ck_assert_engine_ok(engine_distribution_upload_write(up, body, 5));
	ck_assert_engine_error(engine_distribution_upload_open(d, "a/b", id, &again), ENGINE_EBUSY,
			       "another request");
	engine_distribution_upload_free(up);
	ck_assert_engine_error(engine_distribution_upload_open(d, "other", id, &again), ENGINE_ENOTFOUND, id);
	ck_assert_engine_ok(engine_distribution_upload_open(d, "a/b", id, &up));
	ck_assert_int_eq(engine_distribution_upload_offset(up), 5);
	ck_assert_engine_ok(engine_distribution_upload_write(up, body + 5, strlen(body) - 5));
	/* Not visible before the commit. */
	ck_assert_engine_error(engine_distribution_blob_open(d, "a/b", digest, &b), ENGINE_ENOTFOUND, digest);
	ck_assert_engine_ok(engine_distribution_upload_commit(up, digest));
	engine_distribution_upload_free(up);
	read_all(d, "a/b", digest, body);
	/* The session is gone. */
	ck_assert_engine_error(engine_distribution_upload_open(d, "a/b", id, &up), ENGINE_ENOTFOUND,
			       "no such upload");

	/* A wrong digest stores nothing and ends the session. */
	ck_assert_engine_ok(engine_distribution_upload_open(d, "a/b", NULL, &up));
	ck_assert_engine_ok(engine_distribution_upload_write(up, "other!", 6));
	ck_assert_engine_error(engine_distribution_upload_commit(up, wrong), ENGINE_EINVALID,
			       "digest mismatch");
	engine_distribution_upload_free(up);
	ck_assert_engine_error(engine_distribution_blob_open(d, "a/b", wrong, &b), ENGINE_ENOTFOUND, wrong);
	ck_assert_engine_ok(engine_distribution_upload_open(d, "a/b", NULL, &up));
	ck_assert_engine_error(engine_distribution_upload_commit(up, "sha512:abc"), ENGINE_ENOTSUP, "sha256");
	engine_distribution_upload_free(up);

	/* Mounts need the blob; blobs are readable under any name. */
	ck_assert_engine_ok(engine_distribution_blob_mount(d, "c", "a/b", digest));
	ck_assert_engine_error(engine_distribution_blob_mount(d, "c", "a/b", wrong), ENGINE_ENOTFOUND, wrong);
	read_all(d, "c", digest, body);
	ck_assert_engine_error(engine_distribution_blob_open(d, "Bad", digest, &b), ENGINE_EINVALID,
			       "repository name");
	ck_assert_engine_error(engine_distribution_blob_open(d, "c", "sha256:12", &b), ENGINE_EINVALID,
			       "malformed");

	/* Read-only refuses every write. */
	o.read_only = 1;
	ck_assert_engine_ok(engine_distribution_new(ctx, &o, &ro));
	ck_assert_engine_error(engine_distribution_upload_open(ro, "a/b", NULL, &up), ENGINE_EPERM,
			       "read-only");
	ck_assert_engine_error(engine_distribution_blob_mount(ro, "c", NULL, digest), ENGINE_EPERM,
			       "read-only");
	ck_assert_engine_error(engine_distribution_manifest_put(ro, "c", "1", NULL, "{}", 2, NULL),
			       ENGINE_EPERM, "read-only");
	/* An unfinished upload is dropped with the handle. */
	ck_assert_engine_ok(engine_distribution_upload_open(d, "a/b", NULL, &up));
	ck_assert_engine_ok(engine_distribution_upload_write(up, "x", 1));
	engine_distribution_upload_free(up);
	engine_distribution_free(ro);
	engine_distribution_free(d);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

START_TEST(test_distribution__artifacts_and_listings)
{
	char *tmp = th_mkdtemp("dist-art");
	engine_context *ctx = th_context(tmp);
	engine_distribution *d = NULL;
	engine_distribution_manifest *m = NULL;
	engine_strarray list = {NULL, 0};
	char cfg[ENGINE__DIGEST_LEN + 1], layer[ENGINE__DIGEST_LEN + 1], mdigest[ENGINE__DIGEST_LEN + 1];
	char manifest[1024], *got = NULL;
	int more = 0;
	int64_t reclaimed = 0;

	ck_assert_engine_ok(engine_distribution_new(ctx, NULL, &d));
	upload(d, "charts/app", "{\"name\":\"app\"}", cfg);
	upload(d, "charts/app", "chart bytes", layer);
	snprintf(
	    manifest, sizeof(manifest),
	    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"config\":{\"mediaType\":\"application/vnd.cncf.helm.config.v1+json\",\"digest\":\"%s\","
	    "\"size\":14},\"layers\":[{\"mediaType\":\"application/vnd.cncf.helm.chart.content.v1.tar+gzip\","
	    "\"digest\":\"%s\",\"size\":11}]}",
	    cfg, layer);
	digest_of(manifest, strlen(manifest), mdigest);

	/* The reference must be the manifest's digest, the blobs present. */
	ck_assert_engine_error(
	    engine_distribution_manifest_put(d, "charts/app", cfg, NULL, manifest, strlen(manifest), NULL),
	    ENGINE_EINVALID, "digest mismatch");
	ck_assert_engine_error(
	    engine_distribution_manifest_put(d, "charts/app", "1", NULL, "{\"schemaVersion\":1}", 19, NULL),
	    ENGINE_ENOTSUP, "schema 1");
	ck_assert_engine_error(engine_distribution_manifest_put(d, "charts/app", "1", NULL, "nope", 4, NULL),
			       ENGINE_EINVALID, "manifest");
	{
		char missing[1024];
		snprintf(missing, sizeof(missing),
			 "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"%s\",\"size\":1},"
			 "\"layers\":[{\"mediaType\":\"y\",\"digest\":\"sha256:%064d\",\"size\":1}]}",
			 cfg, 0);
		ck_assert_engine_error(engine_distribution_manifest_put(d, "charts/app", "1", NULL, missing,
									strlen(missing), NULL),
				       ENGINE_ENOTFOUND, "blob sha256:0000");
	}
	ck_assert_engine_ok(
	    engine_distribution_manifest_put(d, "charts/app", "1.0", NULL, manifest, strlen(manifest), &got));
	ck_assert_str_eq(got, mdigest);
	engine_free(got);

	ck_assert_engine_ok(engine_distribution_manifest_get(d, "charts/app", "1.0", &m));
	ck_assert_str_eq(engine_distribution_manifest_digest(m), mdigest);
	ck_assert_str_eq(engine_distribution_manifest_media_type(m),
			 "application/vnd.oci.image.manifest.v1+json");
	ck_assert_uint_eq(engine_distribution_manifest_size(m), strlen(manifest));
	ck_assert(memcmp(engine_distribution_manifest_data(m), manifest, strlen(manifest)) == 0);
	engine_distribution_manifest_free(m);
	ck_assert_engine_ok(engine_distribution_manifest_get(d, "charts/app", mdigest, &m));
	engine_distribution_manifest_free(m);
	/* A blob that is no manifest is no manifest. */
	ck_assert_engine_error(engine_distribution_manifest_get(d, "charts/app", layer, &m), ENGINE_ENOTFOUND,
			       "no such manifest");
	ck_assert_engine_error(engine_distribution_manifest_get(d, "charts/app", "2.0", &m), ENGINE_ENOTFOUND,
			       "charts/app:2.0");
	ck_assert_engine_error(engine_distribution_manifest_get(d, "charts/app", "-bad", &m), ENGINE_EINVALID,
			       "invalid tag");

	ck_assert_engine_ok(
	    engine_distribution_manifest_put(d, "charts/app", "2.0", NULL, manifest, strlen(manifest), NULL));
	ck_assert_engine_ok(
	    engine_distribution_manifest_put(d, "charts/other", "a", NULL, manifest, strlen(manifest), NULL));
	ck_assert_engine_ok(engine_distribution_tags(d, "charts/app", NULL, 0, &list, &more));
	ck_assert_uint_eq(list.count, 2);
	ck_assert_str_eq(list.strings[0], "1.0");
	ck_assert_str_eq(list.strings[1], "2.0");
	engine_strarray_dispose(&list);
	ck_assert_engine_ok(engine_distribution_tags(d, "charts/app", NULL, 1, &list, &more));
	ck_assert_uint_eq(list.count, 1);
	ck_assert_int_eq(more, 1);
	engine_strarray_dispose(&list);
	ck_assert_engine_ok(engine_distribution_tags(d, "charts/app", "1.0", 1, &list, &more));
	ck_assert_str_eq(list.strings[0], "2.0");
	ck_assert_int_eq(more, 0);
	engine_strarray_dispose(&list);
	ck_assert_engine_error(engine_distribution_tags(d, "nothing", NULL, 0, &list, &more),
			       ENGINE_ENOTFOUND, "no such repository");
	ck_assert_engine_ok(engine_distribution_catalog(d, NULL, 0, &list, &more));
	ck_assert_uint_eq(list.count, 2);
	ck_assert_str_eq(list.strings[0], "charts/app");
	ck_assert_str_eq(list.strings[1], "charts/other");
	engine_strarray_dispose(&list);
	ck_assert_engine_ok(engine_distribution_catalog(d, "charts/app", 5, &list, &more));
	ck_assert_uint_eq(list.count, 1);
	ck_assert_str_eq(list.strings[0], "charts/other");
	engine_strarray_dispose(&list);

	/* GC keeps what the registry's index holds. */
	ck_assert_engine_ok(engine_store_prune(ctx, 1, &reclaimed));
	ck_assert_engine_ok(engine_distribution_manifest_get(d, "charts/app", "1.0", &m));
	engine_distribution_manifest_free(m);
	read_all(d, "charts/app", layer, "chart bytes");
	engine_distribution_free(d);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

/* The store's images are served under their tags; a tagged image manifest
 * pushed under another name becomes a store image with that tag, with the
 * same digests. */
START_TEST(test_distribution__store_images)
{
	char *tmp = th_mkdtemp("dist-img");
	engine_context *ctx = th_context(tmp);
	engine_distribution *d = NULL;
	engine_distribution_manifest *m = NULL, *m2 = NULL;
	engine_image *img = NULL;
	engine_strarray list = {NULL, 0};
	char *id = NULL;

	if (access("/bin/busybox", X_OK) != 0) {
		engine_context_free(ctx);
		th_cleanup_dir(tmp);
		TH_SKIP("no /bin/busybox");
	}
	ck_assert_engine_ok(engine_image_create_default(ctx, NULL, &id));
	ck_assert_engine_ok(engine_distribution_new(ctx, NULL, &d));
	ck_assert_engine_ok(engine_distribution_manifest_get(d, "busybox", "latest", &m));
	ck_assert_engine_ok(engine_distribution_manifest_get(d, "library/busybox", "latest", &m2));
	ck_assert_str_eq(engine_distribution_manifest_digest(m), engine_distribution_manifest_digest(m2));
	engine_distribution_manifest_free(m2);
	ck_assert_engine_ok(engine_distribution_manifest_put(
	    d, "copies/bb", "v1", engine_distribution_manifest_media_type(m),
	    engine_distribution_manifest_data(m), engine_distribution_manifest_size(m), NULL));
	ck_assert_engine_ok(engine_image_open(ctx, "copies/bb:v1", &img));
	ck_assert_str_eq(engine_image_id(img), id);
	engine_image_free(img);
	ck_assert_engine_ok(engine_distribution_manifest_get(d, "copies/bb", "v1", &m2));
	ck_assert_str_eq(engine_distribution_manifest_digest(m), engine_distribution_manifest_digest(m2));
	engine_distribution_manifest_free(m2);
	ck_assert_engine_ok(engine_distribution_catalog(d, NULL, 0, &list, NULL));
	ck_assert_uint_eq(list.count, 2);
	ck_assert_str_eq(list.strings[0], "busybox");
	ck_assert_str_eq(list.strings[1], "copies/bb");
	engine_strarray_dispose(&list);
	engine_distribution_manifest_free(m);
	engine_free(id);
	engine_distribution_free(d);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

/* DELETE: by digest every tag of the repository naming it (store tags and
 * the registry's own), by tag that tag alone; other repositories keep
 * theirs; read-only refuses. */
START_TEST(test_distribution__delete)
{
	char *tmp = th_mkdtemp("dist-del");
	engine_context *ctx = th_context(tmp);
	engine_distribution *d = NULL, *ro = NULL;
	engine_distribution_options o = ENGINE_DISTRIBUTION_OPTIONS_INIT;
	engine_distribution_manifest *m = NULL;
	engine_distribution_blob *b = NULL;
	engine_strarray list = {NULL, 0};
	engine_image *img = NULL;
	char cfg[ENGINE__DIGEST_LEN + 1], layer[ENGINE__DIGEST_LEN + 1], mdigest[ENGINE__DIGEST_LEN + 1];
	char manifest[1024], bb[ENGINE__DIGEST_LEN + 1];
	char *id = NULL;

	ck_assert_engine_ok(engine_distribution_new(ctx, NULL, &d));
	upload(d, "charts/app", "{\"name\":\"app\"}", cfg);
	upload(d, "charts/app", "chart bytes", layer);
	snprintf(manifest, sizeof(manifest),
		 "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		 "\"config\":{\"mediaType\":\"application/vnd.cncf.helm.config.v1+json\",\"digest\":\"%s\","
		 "\"size\":14},\"layers\":[{\"mediaType\":\"application/vnd.cncf.helm.chart.content.v1.tar+"
		 "gzip\",\"digest\":\"%s\",\"size\":11}]}",
		 cfg, layer);
	digest_of(manifest, strlen(manifest), mdigest);
	ck_assert_engine_ok(
	    engine_distribution_manifest_put(d, "charts/app", "1", NULL, manifest, strlen(manifest), NULL));
	ck_assert_engine_ok(
	    engine_distribution_manifest_put(d, "charts/app", "2", NULL, manifest, strlen(manifest), NULL));
	ck_assert_engine_ok(
	    engine_distribution_manifest_put(d, "charts/app", "3", NULL, manifest, strlen(manifest), NULL));
	ck_assert_engine_ok(
	    engine_distribution_manifest_put(d, "charts/other", "1", NULL, manifest, strlen(manifest), NULL));

	ck_assert_engine_ok(engine_distribution_manifest_delete(d, "charts/app", "3"));
	ck_assert_engine_error(engine_distribution_manifest_get(d, "charts/app", "3", &m), ENGINE_ENOTFOUND,
			       "charts/app:3");
	ck_assert_engine_error(engine_distribution_manifest_delete(d, "charts/app", "3"), ENGINE_ENOTFOUND,
			       "manifest charts/app:3: no such manifest");
	ck_assert_engine_ok(engine_distribution_manifest_delete(d, "charts/app", mdigest));
	/* Its tags all went: still a repository (Distribution's tags list
	 * answers 200 with none, its catalog lists it), unlike one never
	 * tagged. */
	ck_assert_engine_ok(engine_distribution_tags(d, "charts/app", NULL, 0, &list, NULL));
	ck_assert_uint_eq(list.count, 0);
	engine_strarray_dispose(&list);
	ck_assert_engine_ok(engine_distribution_catalog(d, NULL, 0, &list, NULL));
	ck_assert_uint_eq(list.count, 2);
	ck_assert_str_eq(list.strings[0], "charts/app");
	engine_strarray_dispose(&list);
	ck_assert_engine_ok(engine_distribution_manifest_put(d, "charts/bydigest", mdigest, NULL, manifest,
							     strlen(manifest), NULL));
	ck_assert_engine_error(engine_distribution_tags(d, "charts/bydigest", NULL, 0, &list, NULL),
			       ENGINE_ENOTFOUND, "no such repository");
	/* Gone by digest too, as Distribution answers MANIFEST_UNKNOWN. */
	ck_assert_engine_error(engine_distribution_manifest_get(d, "charts/app", mdigest, &m),
			       ENGINE_ENOTFOUND, "no such manifest");
	ck_assert_engine_error(engine_distribution_manifest_delete(d, "charts/app", mdigest),
			       ENGINE_ENOTFOUND, "no such manifest");
	ck_assert_engine_ok(engine_distribution_manifest_get(d, "charts/other", "1", &m));
	engine_distribution_manifest_free(m);
	ck_assert_engine_ok(engine_distribution_manifest_get(d, "charts/other", mdigest, &m));
	engine_distribution_manifest_free(m);
	/* Pushed again, it is back. */
	ck_assert_engine_ok(engine_distribution_manifest_put(d, "charts/app", mdigest, NULL, manifest,
							     strlen(manifest), NULL));
	ck_assert_engine_ok(engine_distribution_manifest_get(d, "charts/app", mdigest, &m));
	engine_distribution_manifest_free(m);
	ck_assert_engine_ok(engine_distribution_manifest_delete(d, "charts/app", mdigest));
	/* A blob DELETE unlinks it from that repository only. */
	ck_assert_engine_ok(engine_distribution_blob_delete(d, "charts/other", layer));
	ck_assert_engine_error(engine_distribution_blob_open(d, "charts/other", layer, &b), ENGINE_ENOTFOUND,
			       "deleted");
	ck_assert_engine_error(engine_distribution_blob_delete(d, "charts/other", layer), ENGINE_ENOTFOUND,
			       "unknown to charts/other");
	ck_assert_engine_error(
	    engine_distribution_manifest_put(d, "charts/other", "4", NULL, manifest, strlen(manifest), NULL),
	    ENGINE_ENOTFOUND, "push the layers before the manifest");
	ck_assert_engine_error(engine_distribution_blob_mount(d, "charts/third", "charts/other", layer),
			       ENGINE_ENOTFOUND, "not found");
	ck_assert_engine_ok(engine_distribution_blob_open(d, "charts/app", layer, &b));
	engine_distribution_blob_free(b);
	ck_assert_engine_ok(engine_distribution_blob_mount(d, "charts/other", "charts/app", layer));
	ck_assert_engine_ok(engine_distribution_blob_open(d, "charts/other", layer, &b));
	engine_distribution_blob_free(b);
	ck_assert_engine_error(engine_distribution_blob_delete(d, "charts/other", "sha256:12"),
			       ENGINE_EINVALID, "malformed");
	ck_assert_engine_error(engine_distribution_manifest_delete(d, "charts/app", "sha256:12"),
			       ENGINE_EINVALID, "malformed");
	ck_assert_engine_error(engine_distribution_manifest_delete(d, "Bad", "1"), ENGINE_EINVALID,
			       "repository name");

	/* A store image's tags: the image stays, untagged. */
	if (access("/bin/busybox", X_OK) == 0) {
		ck_assert_engine_ok(engine_image_create_default(ctx, NULL, &id));
		ck_assert_engine_ok(engine_image_tag(ctx, "busybox", "copies/bb:1"));
		ck_assert_engine_ok(engine_image_tag(ctx, "busybox", "copies/bb:2"));
		ck_assert_engine_ok(engine_distribution_manifest_get(d, "copies/bb", "1", &m));
		snprintf(bb, sizeof(bb), "%s", engine_distribution_manifest_digest(m));
		engine_distribution_manifest_free(m);
		ck_assert_engine_ok(engine_distribution_manifest_delete(d, "copies/bb", bb));
		ck_assert_engine_error(engine_image_open(ctx, "copies/bb:2", &img), ENGINE_ENOTFOUND,
				       "copies/bb:2");
		ck_assert_engine_error(engine_distribution_manifest_get(d, "copies/bb", bb, &m),
				       ENGINE_ENOTFOUND, "no such manifest");
		ck_assert_engine_ok(engine_distribution_manifest_get(d, "busybox", bb, &m));
		engine_distribution_manifest_free(m);
		ck_assert_engine_ok(engine_image_open(ctx, "busybox:latest", &img));
		ck_assert_str_eq(engine_image_id(img), id);
		engine_image_free(img);
		engine_free(id);
	}

	o.read_only = 1;
	ck_assert_engine_ok(engine_distribution_new(ctx, &o, &ro));
	ck_assert_engine_error(engine_distribution_manifest_delete(ro, "charts/other", "1"), ENGINE_EPERM,
			       "read-only");
	ck_assert_engine_error(engine_distribution_blob_delete(ro, "charts/other", layer), ENGINE_EPERM,
			       "read-only");
	engine_distribution_free(ro);
	engine_distribution_free(d);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

static Suite *distribution_suite(void)
{
	Suite *s = suite_create("distribution");
	TCase *tc = tcase_create("store");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_distribution__names);
	tcase_add_test(tc, test_distribution__name_mapping);
	tcase_add_test(tc, test_distribution__uploads);
	tcase_add_test(tc, test_distribution__artifacts_and_listings);
	tcase_add_test(tc, test_distribution__store_images);
	tcase_add_test(tc, test_distribution__delete);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(distribution_suite(), 0);
}
