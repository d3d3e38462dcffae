/*
 * The push side of the distribution API: blob uploads (POST starts one, or
 * mounts a blob from another repository, or takes the whole blob with
 * ?digest=; PATCH appends a chunk, in order; PUT ends it with its digest;
 * GET says how far it got; DELETE cancels) and manifest PUT. Bodies stream
 * into the upload session as they arrive: memory per connection stays
 * bounded whatever the blob's size.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/regserve.h"

/* One request's hold on an upload session, fed by the body sink. */
struct upreq {
	engine_distribution_upload *up;
	int failed; /* a write failed: the library's error is in message */
	char message[1024];
	int code;
};

static int sink_write(void *data, const char *buf, size_t len)
{
	struct upreq *u = data;

	if (engine_distribution_upload_write(u->up, buf, len) < 0) {
		u->failed = 1;
		u->code = engine_error_last()->code;
		snprintf(u->message, sizeof(u->message), "%s", engine_error_last()->message);
		return -1;
	}
	return 0;
}

static void sink_free(void *data)
{
	struct upreq *u = data;

	engine_distribution_upload_free(u->up);
	free(u);
}

/* Hold session @id of @name (NULL: a new one) for this request's body. */
static struct upreq *hold(hs_request *req, regserve *rs, const char *name, const char *id)
{
	struct upreq *u = calloc(1, sizeof(*u));

	if (!u) {
		reg_error(req, 500, "UNKNOWN", "out of memory");
		return NULL;
	}
	if (engine_distribution_upload_open(rs->dist, name, id, &u->up) < 0) {
		free(u);
		reg_engine_error(req, REG_UPLOAD);
		return NULL;
	}
	hs_body_sink(req, sink_write, u, sink_free);
	return u;
}

/* Location, Range and Docker-Upload-UUID of a session in progress. */
static void upload_headers(hs_request *req, const char *name, engine_distribution_upload *up)
{
	char loc[512], range[64];
	int64_t off = engine_distribution_upload_offset(up);

	snprintf(loc, sizeof(loc), "/v2/%s/blobs/uploads/%s", name, engine_distribution_upload_id(up));
	snprintf(range, sizeof(range), "0-%" PRId64, off > 0 ? off - 1 : 0);
	hs_reply_header(req, "Location", loc);
	hs_reply_header(req, "Range", range);
	hs_reply_header(req, "Docker-Upload-UUID", engine_distribution_upload_id(up));
}

static void created(hs_request *req, const char *name, const char *digest)
{
	char loc[512];

	snprintf(loc, sizeof(loc), "/v2/%s/blobs/%s", name, digest);
	hs_reply_header(req, "Location", loc);
	hs_reply_header(req, "Docker-Content-Digest", digest);
	hs_reply_empty(req, 201);
}

static void finish_held(hs_request *req, const char *name, struct upreq *u, const char *digest);

/* The end of a body: report a failed write, else commit when @digest is
 * given. The session is given back before the reply goes out: the client
 * may send its next request for it (on another connection) at once. */
static void finish(hs_request *req, const char *name, struct upreq *u, const char *digest)
{
	if (!u) {
		reg_error(req, 500, "UNKNOWN", "no upload session");
		return;
	}
	finish_held(req, name, u, digest);
	hs_body_sink(req, NULL, NULL, NULL);
}

static void finish_held(hs_request *req, const char *name, struct upreq *u, const char *digest)
{
	if (u->failed) {
		engine_distribution_upload_abort(u->up);
		reg_error(req, 500, "BLOB_UPLOAD_INVALID", "%s", u->message);
		return;
	}
	if (!digest) {
		upload_headers(req, name, u->up);
		hs_reply_empty(req, 202);
		return;
	}
	if (engine_distribution_upload_commit(u->up, digest) < 0) {
		reg_engine_error(req, REG_UPLOAD);
		return;
	}
	created(req, name, digest);
}

/* POST /v2/<name>/blobs/uploads/[?mount=&from=][?digest=] */
static void upload_start(hs_request *req, void *app)
{
	regserve *rs = app;
	const char *name = reg_name(req), *mount = hs_query(req, "mount"), *digest = hs_query(req, "digest");

	if (!name)
		return;
	if (!hs_body_complete(req)) {
		if (mount &&
		    engine_distribution_blob_mount(rs->dist, name, hs_query(req, "from"), mount) == 0) {
			created(req, name, mount);
			return;
		}
		/* Mount failed: an ordinary upload, as the spec says. */
		if (mount && engine_error_last()->code != ENGINE_ENOTFOUND &&
		    engine_error_last()->code != ENGINE_EINVALID) {
			reg_engine_error(req, REG_UPLOAD);
			return;
		}
		hold(req, rs, name, NULL);
		return;
	}
	/* A body without ?digest= has nowhere to go: the spec has none. */
	finish(req, name, hs_sink_data(req), digest);
}

static const char *upload_id(hs_request *req)
{
	return hs_param(req, "uuid");
}

/* "Content-Range: <from>-<to>" must continue where the session is. */
static bool range_ok(hs_request *req, struct upreq *u)
{
	const char *cr = hs_header(req, "Content-Range");
	long long from, to;
	int64_t off = engine_distribution_upload_offset(u->up);

	if (!cr)
		return true;
	if (strncmp(cr, "bytes ", 6) == 0)
		cr += 6;
	if (sscanf(cr, "%lld-%lld", &from, &to) != 2 || from != off || to < from) {
		char range[64];

		snprintf(range, sizeof(range), "0-%" PRId64, off > 0 ? off - 1 : 0);
		hs_reply_header(req, "Range", range);
		reg_error(req, 416, "BLOB_UPLOAD_INVALID",
			  "chunk %s does not continue the upload, which has %" PRId64 " bytes", cr, off);
		return false;
	}
	return true;
}

/* The session of the path for the coming chunk, which must continue it. */
static void hold_session(hs_request *req, regserve *rs, const char *name)
{
	struct upreq *u = hold(req, rs, name, upload_id(req));

	if (u && !range_ok(req, u))
		hs_body_sink(req, NULL, NULL, NULL); /* gives the session back */
}

/* PATCH /v2/<name>/blobs/uploads/<uuid> */
static void upload_chunk(hs_request *req, void *app)
{
	regserve *rs = app;
	const char *name = reg_name(req);

	if (!name)
		return;
	if (!hs_body_complete(req)) {
		hold_session(req, rs, name);
		return;
	}
	finish(req, name, hs_sink_data(req), NULL);
}

/* PUT /v2/<name>/blobs/uploads/<uuid>?digest= */
static void upload_end(hs_request *req, void *app)
{
	regserve *rs = app;
	const char *name = reg_name(req), *digest = hs_query(req, "digest");

	if (!name)
		return;
	if (!hs_body_complete(req)) {
		if (!digest) {
			reg_error(req, 400, "DIGEST_INVALID", "a digest query parameter is required");
			return;
		}
		hold_session(req, rs, name);
		return;
	}
	finish(req, name, hs_sink_data(req), digest);
}

/* GET /v2/<name>/blobs/uploads/<uuid> */
static void upload_status(hs_request *req, void *app)
{
	regserve *rs = app;
	const char *name = reg_name(req);
	engine_distribution_upload *up = NULL;

	if (!name)
		return;
	if (engine_distribution_upload_open(rs->dist, name, upload_id(req), &up) < 0) {
		reg_engine_error(req, REG_UPLOAD);
		return;
	}
	upload_headers(req, name, up);
	engine_distribution_upload_free(up);
	hs_reply_empty(req, 204);
}

/* DELETE /v2/<name>/blobs/uploads/<uuid> */
static void upload_cancel(hs_request *req, void *app)
{
	regserve *rs = app;
	const char *name = reg_name(req);
	engine_distribution_upload *up = NULL;

	if (!name)
		return;
	if (engine_distribution_upload_open(rs->dist, name, upload_id(req), &up) < 0) {
		reg_engine_error(req, REG_UPLOAD);
		return;
	}
	engine_distribution_upload_abort(up);
	engine_distribution_upload_free(up);
	hs_reply_empty(req, 204);
}

/* PUT /v2/<name>/manifests/<reference> */
static void manifest_put(hs_request *req, void *app)
{
	regserve *rs = app;
	const char *name = reg_name(req), *body;
	char *digest = NULL, loc[512];
	size_t len = 0;

	if (!name)
		return;
	body = hs_body(req, &len);
	if (engine_distribution_manifest_put(rs->dist, name, hs_param(req, "reference"),
					     hs_header(req, "Content-Type"), body, len, &digest) < 0) {
		reg_engine_error(req, REG_MANIFEST_PUT);
		return;
	}
	snprintf(loc, sizeof(loc), "/v2/%s/manifests/%s", name, digest);
	hs_reply_header(req, "Location", loc);
	hs_reply_header(req, "Docker-Content-Digest", digest);
	engine_free(digest);
	hs_reply_empty(req, 201);
}

const struct hs_route reg_upload_routes[] = {
    {"POST", "/v2/{name*}/blobs/uploads", upload_start, HS_BODY_SINK},
    {"PATCH", "/v2/{name*}/blobs/uploads/{uuid}", upload_chunk, HS_BODY_SINK},
    {"PUT", "/v2/{name*}/blobs/uploads/{uuid}", upload_end, HS_BODY_SINK},
    {"GET", "/v2/{name*}/blobs/uploads/{uuid}", upload_status, 0},
    {"DELETE", "/v2/{name*}/blobs/uploads/{uuid}", upload_cancel, 0},
    {"PUT", "/v2/{name*}/manifests/{reference}", manifest_put, HS_BODY_MEMORY},
    {NULL, NULL, NULL, 0},
};
