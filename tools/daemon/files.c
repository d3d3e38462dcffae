/*
 * A container's files and processes: top, changes (docker diff), the
 * archive API behind docker cp (GET and HEAD with the
 * X-Docker-Container-Path-Stat header, PUT of a tar body), and export.
 * Tar streams are written by the library straight into the reply's stream.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"

static void base64(const char *in, char *out, size_t outlen)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(in), o = 0;

	for (size_t i = 0; i < n && o + 5 < outlen; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

/* Reply with the JSON text the library produced, or its error. */
static void reply_text(hs_request *req, int r, char *text, const char *what)
{
	json_object *o;

	if (r < 0)
		reply_engine_error(req, what);
	else if (!(o = json_tokener_parse(text)))
		hs_reply_error(req, 500, "%s: the library's output is not JSON", what);
	else
		hs_reply_json(req, 200, o);
	engine_free(text);
}

static void top(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	engine_container *c = open_container_param(req, dc->ctx);
	char *text = NULL;
	int r;

	if (c) {
		r = engine_container_top(c, hs_query(req, "ps_args"), &text);
		if (r == ENGINE_EBUSY)
			hs_reply_error(req, 409, "Container %s is not running", engine_container_id(c));
		else
			reply_text(req, r, text, "top");
	}
	engine_container_free(c);
	dctx_put(app, dc);
}

static void changes(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	engine_container *c = open_container_param(req, dc->ctx);
	char *text = NULL;
	int r;

	if (c) {
		r = engine_container_changes(c, &text);
		reply_text(req, r, text, "changes");
	}
	engine_container_free(c);
	dctx_put(app, dc);
}

/* A tar stream job: the library writes into the reply's stream fd. */
struct tar_job {
	struct daemon *d;
	struct dctx *dc;
	engine_container *c;
	char *path; /* NULL: export */
};

static void tar_run(hs_stream *st, void *data)
{
	struct tar_job *j = data;
	int r = j->path ? engine_container_archive_get(j->c, j->path, hs_stream_gone_fd(st), NULL)
			: engine_container_export(j->c, hs_stream_gone_fd(st));

	/* Headers are out: a failure can only cut the stream short. */
	if (r < 0 && !hs_stream_gone(st))
		dlog(1, "%s %.12s: %s", j->path ? "archive" : "export", engine_container_id(j->c),
		     engine_error_last()->message);
}

static void tar_free(void *data)
{
	struct tar_job *j = data;

	engine_container_free(j->c);
	dctx_put(j->d, j->dc);
	free(j->path);
	free(j);
}

static struct tar_job *tar_job_new(hs_request *req, struct daemon *d)
{
	struct tar_job *j = calloc(1, sizeof(*j));

	if (!j) {
		hs_reply_error(req, 500, "out of memory");
		return NULL;
	}
	j->d = d;
	j->dc = dctx_get(d);
	j->c = open_container_param(req, j->dc->ctx);
	if (!j->c) {
		tar_free(j);
		return NULL;
	}
	return j;
}

/* The path's stat into the header; false (reply sent) when it fails. */
static bool stat_header(hs_request *req, engine_container *c, const char *path)
{
	char *text = NULL, enc[8192];
	int r = engine_container_path_stat(c, path, &text);

	if (r == ENGINE_ENOTFOUND) {
		hs_reply_error(req, 404, "Could not find the file %s in container %s", path,
			       hs_param(req, "id"));
		return false;
	}
	if (r < 0) {
		reply_engine_error(req, path);
		return false;
	}
	base64(text, enc, sizeof(enc));
	engine_free(text);
	hs_reply_header(req, "X-Docker-Container-Path-Stat", enc);
	return true;
}

static void archive_get(hs_request *req, void *app)
{
	const char *path = hs_query(req, "path");
	struct tar_job *j;

	if (!path || !*path) {
		hs_reply_error(req, 400, "path is required");
		return;
	}
	j = tar_job_new(req, app);
	if (!j)
		return;
	if (!stat_header(req, j->c, path)) {
		tar_free(j);
		return;
	}
	if (strcmp(hs_method(req), "HEAD") == 0) {
		hs_reply_empty(req, 200);
		tar_free(j);
		return;
	}
	j->path = strdup(path);
	hs_reply_stream(req, 200, "application/x-tar", tar_run, j, tar_free);
}

static void archive_put(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	engine_container *c = open_container_param(req, dc->ctx);
	const char *path = hs_query(req, "path");
	int r;

	if (!c)
		goto out;
	if (!path || !*path) {
		hs_reply_error(req, 400, "path is required");
		goto out;
	}
	if (hs_body_fd(req) < 0) {
		hs_reply_error(req, 400, "a tar archive is required in the request body");
		goto out;
	}
	r = engine_container_archive_put(c, path, hs_body_fd(req));
	if (r == ENGINE_ENOTFOUND)
		hs_reply_error(req, 404, "Could not find the file %s in container %s", path,
			       hs_param(req, "id"));
	else if (r < 0 && strstr(engine_error_last()->message, ": not a directory"))
		hs_reply_error(req, 400, "extraction point is not a directory"); /* dockerd's */
	else if (r < 0)
		reply_engine_error(req, "extract archive");
	else
		hs_reply_empty(req, 200);
out:
	engine_container_free(c);
	dctx_put(app, dc);
}

static void export_(hs_request *req, void *app)
{
	struct tar_job *j = tar_job_new(req, app);

	/* The API documents export as application/octet-stream (archive GET
	 * stays application/x-tar). */
	if (j)
		hs_reply_stream(req, 200, "application/octet-stream", tar_run, j, tar_free);
}

const struct hs_route daemon_file_routes[] = {
    {"GET", "/containers/{id}/top", top, 0},
    {"GET", "/containers/{id}/changes", changes, 0},
    {"GET", "/containers/{id}/archive", archive_get, 0},
    {"PUT", "/containers/{id}/archive", archive_put, HS_BODY_FILE},
    {"GET", "/containers/{id}/export", export_, 0},
    {NULL, NULL, NULL, 0},
};
