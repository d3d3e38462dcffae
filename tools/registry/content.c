/*
 * The pull side of the distribution API: the version check, the catalog
 * and tag lists (n/last pagination with Link headers), manifests and blobs
 * by GET and HEAD (the store's files sent with sendfile; one byte range;
 * blobs still arriving from a pull-through upstream are followed as they
 * arrive); manifest and blob DELETE when the server allows it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/regserve.h"

static void version_check(hs_request *req, void *app)
{
	(void)app;
	hs_reply_raw(req, 200, "application/json; charset=utf-8", "{}", 2);
}

/* "n" as a page size: absent -> 0 (all); -1 after replying when malformed. */
static int page_size(hs_request *req, long long *n)
{
	if (hs_query_int(req, "n", -1, n) < 0 || (hs_query(req, "n") && *n < 0)) {
		reg_error(req, 400, "PAGINATION_NUMBER_INVALID",
			  "invalid number of results requested: \"%s\"", hs_query(req, "n"));
		return -1;
	}
	return 0;
}

/* Link: <path?last=X&n=N>; rel="next" */
static void link_next(hs_request *req, const char *path, const char *last, long long n)
{
	char link[1024];

	snprintf(link, sizeof(link), "<%s?last=%s&n=%lld>; rel=\"next\"", path, last, n);
	hs_reply_header(req, "Link", link);
}

static json_object *string_array(const engine_strarray *a)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < a->count; i++)
		json_object_array_add(arr, json_object_new_string(a->strings[i]));
	return arr;
}

static void catalog(hs_request *req, void *app)
{
	regserve *rs = app;
	engine_strarray list = {NULL, 0};
	json_object *o;
	long long n;
	int more = 0;

	if (page_size(req, &n) < 0)
		return;
	/* n=0 asks for nothing, not for everything. */
	if (n != 0 && engine_distribution_catalog(rs->dist, hs_query(req, "last"), n < 0 ? 0 : (size_t)n,
						  &list, &more) < 0) {
		reg_engine_error(req, REG_NAME);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "repositories", string_array(&list));
	if (more && list.count)
		link_next(req, "/v2/_catalog", list.strings[list.count - 1], n);
	engine_strarray_dispose(&list);
	hs_reply_json(req, 200, o);
}

static void tags_list(hs_request *req, void *app)
{
	regserve *rs = app;
	engine_strarray list = {NULL, 0};
	const char *name = reg_name(req);
	json_object *o;
	long long n;
	int more = 0;

	if (!name || page_size(req, &n) < 0)
		return;
	if (engine_distribution_tags(rs->dist, name, hs_query(req, "last"), n <= 0 ? 0 : (size_t)n, &list,
				     &more) < 0) {
		reg_engine_error(req, REG_NAME);
		return;
	}
	if (n == 0) {
		engine_strarray_dispose(&list);
		more = 0;
	}
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	/* A repository whose tags all went: null, as Distribution's nil list. */
	json_object_object_add(o, "tags",
			       list.count || n == 0 || hs_query(req, "last") ? string_array(&list) : NULL);
	if (more && list.count) {
		char path[512];

		snprintf(path, sizeof(path), "/v2/%s/tags/list", name);
		link_next(req, path, list.strings[list.count - 1], n);
	}
	engine_strarray_dispose(&list);
	hs_reply_json(req, 200, o);
}

static void manifest_get(hs_request *req, void *app)
{
	regserve *rs = app;
	const char *name = reg_name(req);
	engine_distribution_manifest *m = NULL;
	char etag[80];

	if (!name)
		return;
	if (engine_distribution_manifest_get(rs->dist, name, hs_param(req, "reference"), &m) < 0) {
		reg_engine_error(req, REG_MANIFEST);
		return;
	}
	snprintf(etag, sizeof(etag), "\"%s\"", engine_distribution_manifest_digest(m));
	hs_reply_header(req, "Docker-Content-Digest", engine_distribution_manifest_digest(m));
	hs_reply_header(req, "Etag", etag);
	hs_reply_raw(req, 200, engine_distribution_manifest_media_type(m),
		     engine_distribution_manifest_data(m), engine_distribution_manifest_size(m));
	engine_distribution_manifest_free(m);
}

/* "bytes=a-b", "bytes=a-", "bytes=-n" against @size: 1 with the range,
 * 0 when there is no Range header, -1 when it cannot be satisfied. */
static int parse_range(const char *h, int64_t size, int64_t *from, int64_t *to)
{
	char *end;
	long long a, b;

	if (!h)
		return 0;
	if (strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') || size <= 0)
		return -1;
	h += 6;
	errno = 0;
	if (*h == '-') {
		b = strtoll(h + 1, &end, 10);
		if (errno || *end || end == h + 1 || b <= 0)
			return -1;
		*from = b >= size ? 0 : size - b;
		*to = size - 1;
		return 1;
	}
	a = strtoll(h, &end, 10);
	if (errno || end == h || *end != '-' || a < 0 || a >= size)
		return -1;
	h = end + 1;
	if (!*h) {
		b = size - 1;
	} else {
		b = strtoll(h, &end, 10);
		if (errno || *end || b < a)
			return -1;
		if (b >= size)
			b = size - 1;
	}
	*from = a;
	*to = b;
	return 1;
}

/* Blobs go out in pread blocks of this size: on loopback this beat both
 * 64 KiB blocks and libmicrohttpd's sendfile replies (bench/registry). */
#define READ_BLOCK (256 * 1024)

/* A blob being sent: stored (pread), or still arriving from the upstream. */
struct follow {
	regserve *rs;
	engine_distribution_blob *blob;
	int64_t base;
	char digest[80];
};

/* Read the next block: from the file, or what the upstream fetch wrote so
 * far. A failed fetch ends the reply early: the client cannot take it as
 * whole. */
static long follow_read(void *data, uint64_t pos, char *buf, size_t max)
{
	struct follow *f = data;
	size_t got = 0;
	char line[1200];

	if (engine_distribution_blob_read(f->blob, f->base + (int64_t)pos, buf, max, &got) < 0) {
		snprintf(line, sizeof(line), "blob %s: reply cut short: %s", f->digest,
			 engine_error_last()->message);
		f->rs->log(0, line);
		return -1;
	}
	return (long)got;
}

static void follow_free(void *data)
{
	struct follow *f = data;

	engine_distribution_blob_free(f->blob);
	free(f);
}

static void blob_get(hs_request *req, void *app)
{
	regserve *rs = app;
	const char *name = reg_name(req), *digest = hs_param(req, "digest");
	engine_distribution_blob *b = NULL;
	struct follow *f;
	int64_t size, from = 0, to = 0;
	char etag[80];
	int ranged, status = 200;

	if (!name)
		return;
	if (engine_distribution_blob_open(rs->dist, name, digest, &b) < 0) {
		reg_engine_error(req, REG_BLOB);
		return;
	}
	size = engine_distribution_blob_size(b);
	ranged = size >= 0 ? parse_range(hs_header(req, "Range"), size, &from, &to) : 0;
	if (ranged < 0) {
		char cr[64];

		snprintf(cr, sizeof(cr), "bytes */%" PRId64, size);
		hs_reply_header(req, "Content-Range", cr);
		reg_error(req, 416, "RANGE_INVALID", "invalid range \"%s\" for %" PRId64 " bytes",
			  hs_header(req, "Range"), size);
		engine_distribution_blob_free(b);
		return;
	}
	snprintf(etag, sizeof(etag), "\"%s\"", digest);
	hs_reply_header(req, "Docker-Content-Digest", digest);
	hs_reply_header(req, "Etag", etag);
	hs_reply_header(req, "Accept-Ranges", "bytes");
	hs_reply_header(req, "Cache-Control", "max-age=31536000");
	if (ranged) {
		char cr[96];

		snprintf(cr, sizeof(cr), "bytes %" PRId64 "-%" PRId64 "/%" PRId64, from, to, size);
		hs_reply_header(req, "Content-Range", cr);
		status = 206;
	} else {
		to = size - 1;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		engine_distribution_blob_free(b);
		reg_error(req, 500, "UNKNOWN", "out of memory");
		return;
	}
	f->rs = rs;
	f->blob = b;
	f->base = from;
	snprintf(f->digest, sizeof(f->digest), "%s", digest);
	hs_reply_reader(req, status, "application/octet-stream",
			size < 0 ? UINT64_MAX : (uint64_t)(to - from + 1), READ_BLOCK, follow_read, f,
			follow_free);
}

/* The repository of a DELETE, or NULL after replying (405 when deleting is
 * off: the default, as docker-registry's storage.delete). */
static const char *delete_name(hs_request *req, const regserve *rs)
{
	const char *name = reg_name(req);

	if (name && !rs->allow_delete) {
		reg_error(req, 405, "UNSUPPORTED",
			  "deleting is disabled: start the registry with --allow-delete");
		return NULL;
	}
	return name;
}

/* DELETE /v2/<name>/blobs/<digest>: unlinks the blob from the repository
 * (202; then 404 BLOB_UNKNOWN there), the content stays for others. */
static void blob_delete(hs_request *req, void *app)
{
	regserve *rs = app;
	const char *name = delete_name(req, rs);

	if (!name)
		return;
	if (engine_distribution_blob_delete(rs->dist, name, hs_param(req, "digest")) < 0) {
		reg_engine_error(req, REG_BLOB);
		return;
	}
	hs_reply_raw(req, 202, NULL, NULL, 0);
}

/* DELETE /v2/<name>/manifests/<digest|tag>: by digest the manifest and the
 * tags naming it, by tag that tag. */
static void manifest_delete(hs_request *req, void *app)
{
	regserve *rs = app;
	const char *name = delete_name(req, rs);

	if (!name)
		return;
	if (engine_distribution_manifest_delete(rs->dist, name, hs_param(req, "reference")) < 0) {
		reg_engine_error(req, REG_MANIFEST);
		return;
	}
	hs_reply_raw(req, 202, NULL, NULL, 0);
}

const struct hs_route reg_content_routes[] = {
    {"GET", "/v2", version_check, 0},
    {"GET", "/v2/_catalog", catalog, 0},
    {"GET", "/v2/{name*}/tags/list", tags_list, 0},
    {"GET", "/v2/{name*}/manifests/{reference}", manifest_get, 0},
    {"GET", "/v2/{name*}/blobs/{digest}", blob_get, 0},
    {"DELETE", "/v2/{name*}/manifests/{reference}", manifest_delete, 0},
    {"DELETE", "/v2/{name*}/blobs/{digest}", blob_delete, 0},
    {NULL, NULL, NULL, 0},
};
