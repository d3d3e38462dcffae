/*
 * Image endpoints that move images or stream progress: create (pull from a
 * registry with Docker's JSON-lines progress, or import a rootfs tar with
 * fromSrc=-), push, get (docker save, one image or ?names=...), load,
 * history and prune. Progress and archives are written by the library
 * straight into the reply's stream.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "daemon/daemon.h"

#define MAX_NAMES 64

struct io_job {
	struct daemon *d;
	struct dctx *dc;
	char *ref;
	int body_fd; /* load/import: the spooled body (owned) */
	engine_strarray names;
	int kind;			 /* JOB_* */
	char *user, *pass;		 /* pull, push: X-Registry-Auth's credentials, or NULL */
	engine_image_import_options imp; /* import: changes= and message= */
	void *imp_owner;
	char *message;
};

enum { JOB_PULL, JOB_IMPORT, JOB_PUSH, JOB_SAVE, JOB_LOAD };

static void job_free(void *data)
{
	struct io_job *j = data;

	dctx_put(j->d, j->dc);
	free(j->ref);
	if (j->body_fd >= 0)
		close(j->body_fd);
	engine_strarray_dispose(&j->names);
	cli_import_changes_free(j->imp_owner);
	free(j->message);
	if (j->pass)
		explicit_bzero(j->pass, strlen(j->pass));
	free(j->user);
	free(j->pass);
	free(j);
}

static struct io_job *job_new(struct daemon *d, int kind, const char *ref)
{
	struct io_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->d = d;
	j->dc = dctx_get(d);
	j->kind = kind;
	j->body_fd = -1;
	j->ref = ref ? strdup(ref) : NULL;
	return j;
}

/* Docker's failure line in a JSON-lines stream. */
static void stream_error(hs_stream *st, const char *msg)
{
	json_object *o = json_object_new_object(), *det = json_object_new_object();

	json_object_object_add(det, "message", json_object_new_string(msg));
	json_object_object_add(o, "errorDetail", det);
	json_object_object_add(o, "error", json_object_new_string(msg));
	hs_stream_json(st, o);
}

static void status_line(hs_stream *st, const char *key, const char *text)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, key, json_object_new_string(text));
	hs_stream_json(st, o);
}

static void io_run(hs_stream *st, void *data)
{
	struct io_job *j = data;
	engine_context *ctx = j->dc->ctx;
	char *out = NULL, line[1200];
	int r = 0;

	switch (j->kind) {
	case JOB_PULL: {
		engine_registry_pull_options o = ENGINE_REGISTRY_PULL_OPTIONS_INIT;

		o.progress_fd = hs_stream_gone_fd(st);
		o.username = j->user;
		o.password = j->pass;
		r = engine_registry_pull(ctx, j->ref, &o, &out);
		if (r == 0)
			events_emit("image", "pull", j->ref, "name", j->ref, NULL);
		break;
	}
	case JOB_IMPORT: {
		engine_image_import_options o = j->imp;

		o.ref = j->ref;
		o.comment = j->message;
		r = engine_image_import(ctx, NULL, j->body_fd, &o, &out);
		if (r == 0) {
			status_line(st, "status", out);
			events_emit("image", "import", out, "name", j->ref ? j->ref : out, NULL);
		}
		break;
	}
	case JOB_PUSH: {
		engine_registry_push_options o = ENGINE_REGISTRY_PUSH_OPTIONS_INIT;

		o.progress_fd = hs_stream_gone_fd(st);
		o.username = j->user;
		o.password = j->pass;
		r = engine_registry_push(ctx, j->ref, &o, &out);
		if (r == 0)
			events_emit("image", "push", j->ref, "name", j->ref, NULL);
		break;
	}
	case JOB_SAVE:
		r = engine_image_save_fd(ctx, &j->names, hs_stream_gone_fd(st),
					 ENGINE_IMAGE_FORMAT_DOCKER_ARCHIVE);
		if (r < 0)
			dlog(1, "save: %s", engine_error_last()->message);
		return; /* a tar stream has no room for an error line */
	case JOB_LOAD: {
		char path[64];
		engine_strarray loaded = {NULL, 0};

		/* The spooled body by path: the loader detects the format itself. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", j->body_fd);
		r = engine_image_load(ctx, path, NULL, &loaded);
		for (size_t i = 0; r == 0 && i < loaded.count; i++) {
			bool id = strncmp(loaded.strings[i], "sha256:", 7) == 0;

			snprintf(line, sizeof(line), "Loaded image%s: %s\n", id ? " ID" : "",
				 loaded.strings[i]);
			/* dockerd prints these even with quiet (the CLI asks for quiet
			 * whenever its output is not a terminal); quiet drops progress only. */
			status_line(st, "stream", line);
			events_emit("image", "load", loaded.strings[i], "name", loaded.strings[i], NULL);
		}
		engine_strarray_dispose(&loaded);
		break;
	}
	}
	if (r < 0)
		stream_error(st, engine_error_last()->message);
	engine_free(out);
}

/* Reply with a JSON-lines (or tar) stream that runs job @kind. */
static void start_job(hs_request *req, void *app, int kind, const char *ref, int body_fd)
{
	struct io_job *j = job_new(app, kind, ref);

	if (!j) {
		hs_reply_error(req, 500, "out of memory");
		return;
	}
	if (body_fd >= 0)
		j->body_fd = dup(body_fd);
	if (kind == JOB_PULL || kind == JOB_PUSH)
		registry_auth_header(req, &j->user, &j->pass);
	hs_reply_stream(req, 200, "application/json", io_run, j, job_free);
}

/* docker import: -c's changes (each a changes= value, checked before the
 * 200) and -m's message, then the body. */
static void start_import(hs_request *req, struct daemon *d, const char *ref)
{
	const char *changes[MAX_NAMES], *msg = hs_query(req, "message");
	size_t n = hs_query_all(req, "changes", changes, MAX_NAMES);
	struct io_job *j = job_new(d, JOB_IMPORT, ref);

	if (!j) {
		hs_reply_error(req, 500, "out of memory");
		return;
	}
	j->imp = (engine_image_import_options)ENGINE_IMAGE_IMPORT_OPTIONS_INIT;
	if (cli_import_changes(changes, n, &j->imp, &j->imp_owner) < 0) {
		char kw[16] = "";

		for (size_t i = 0; i < n && !kw[0]; i++) {
			engine_image_import_options probe = ENGINE_IMAGE_IMPORT_OPTIONS_INIT;
			void *owner = NULL;

			if (cli_import_changes(&changes[i], 1, &probe, &owner) < 0) {
				size_t k = 0;

				for (const char *c = changes[i] + strspn(changes[i], " \t");
				     *c && *c != ' ' && *c != '\t' && k + 1 < sizeof(kw); c++)
					kw[k++] = (char)tolower((unsigned char)*c);
				kw[k] = '\0';
			}
			cli_import_changes_free(owner);
		}
		hs_reply_error(req, 400, "%s is not a valid change command", kw);
		job_free(j);
		return;
	}
	if (msg && *msg && !(j->message = strdup(msg))) {
		hs_reply_error(req, 500, "out of memory");
		job_free(j);
		return;
	}
	j->body_fd = dup(hs_body_fd(req));
	hs_reply_stream(req, 200, "application/json", io_run, j, job_free);
}

static void create(hs_request *req, void *app)
{
	const char *from = hs_query(req, "fromImage"), *src = hs_query(req, "fromSrc");
	const char *tag = hs_query(req, "tag"), *repo = hs_query(req, "repo");
	char ref[1024];

	if (src && *src) {
		if (strcmp(src, "-") != 0) {
			hs_reply_error(req, 400,
				       "fromSrc: only \"-\" (the request body) is supported, not URLs");
			return;
		}
		if (hs_body_fd(req) < 0) {
			hs_reply_error(req, 400, "fromSrc=-: the request body must hold a tar archive");
			return;
		}
		ref[0] = '\0';
		if (repo && *repo)
			snprintf(ref, sizeof(ref), "%s%s%s", repo, tag && *tag ? ":" : "",
				 tag && *tag ? tag : "");
		start_import(req, app, ref[0] ? ref : NULL);
		return;
	}
	if (!from || !*from) {
		hs_reply_error(req, 400, "fromImage or fromSrc is required");
		return;
	}
	/* "name" and "tag" (or a digest) are joined as the CLI splits them. */
	if (tag && *tag)
		snprintf(ref, sizeof(ref), "%s%s%s", from, strncmp(tag, "sha256:", 7) == 0 ? "@" : ":", tag);
	else
		snprintf(ref, sizeof(ref), "%s", from);
	start_job(req, app, JOB_PULL, ref, -1);
}

static void push(hs_request *req, void *app)
{
	const char *name = hs_param(req, "name"), *tag = hs_query(req, "tag");
	char ref[1024];

	snprintf(ref, sizeof(ref), "%s%s%s", name, tag && *tag ? ":" : "", tag && *tag ? tag : "");
	start_job(req, app, JOB_PUSH, ref, -1);
}

static void save(hs_request *req, void *app)
{
	const char *names[MAX_NAMES], *one = hs_param(req, "name");
	size_t n = one ? 1 : hs_query_all(req, "names", names, MAX_NAMES);
	struct io_job *j;

	if (one)
		names[0] = one;
	if (n == 0) {
		hs_reply_error(req, 400, "names: at least one image is required");
		return;
	}
	j = job_new(app, JOB_SAVE, NULL);
	if (!j) {
		hs_reply_error(req, 500, "out of memory");
		return;
	}
	j->names.strings = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; j->names.strings && i < n; i++) {
		engine_image *img = NULL;

		/* Unknown names fail before the 200 goes out. */
		if (engine_image_open(j->dc->ctx, names[i], &img) < 0) {
			hs_reply_error(req, 404, "No such image: %s", names[i]); /* as given, as dockerd */
			job_free(j);
			return;
		}
		engine_image_free(img);
		j->names.strings[j->names.count++] = strdup(names[i]);
	}
	hs_reply_stream(req, 200, "application/x-tar", io_run, j, job_free);
}

static void load(hs_request *req, void *app)
{

	if (hs_body_fd(req) < 0) {
		hs_reply_error(req, 400, "the request body must hold an image archive");
		return;
	}
	start_job(req, app, JOB_LOAD, NULL, hs_body_fd(req));
}

static void history(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	const char *name = hs_param(req, "name");
	char *text = NULL;
	int r = engine_image_history(dc->ctx, name, &text);

	if (r == ENGINE_ENOTFOUND)
		reply_no_such_image(req, name);
	else if (r < 0)
		reply_engine_error(req, NULL);
	else
		hs_reply_json(req, 200, json_tokener_parse(text));
	engine_free(text);
	dctx_put(app, dc);
}

static void prune(hs_request *req, void *app)
{
	static const char *const known[] = {"dangling", NULL};
	struct dctx *dc = dctx_get(app);
	engine_strarray report = {NULL, 0};
	json_object *filters = NULL, *arr, *o;
	int64_t reclaimed = 0;
	bool all = false;

	if (filters_parse(req, known, &filters) < 0)
		goto out;
	/* dangling=false: every unused image, as `docker image prune -a`. */
	if (filter_first(filters, "dangling"))
		all = strcmp(filter_first(filters, "dangling"), "false") == 0 ||
		      strcmp(filter_first(filters, "dangling"), "0") == 0;
	if (engine_store_prune_images(dc->ctx, all, &report, &reclaimed) < 0) {
		reply_engine_error(req, "prune images");
		goto out;
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < report.count; i++) {
		const char *line = report.strings[i];
		json_object *e = json_object_new_object();

		if (strncasecmp(line, "untagged: ", 10) == 0)
			json_object_object_add(e, "Untagged", json_object_new_string(line + 10));
		else if (strncasecmp(line, "deleted: ", 9) == 0)
			json_object_object_add(e, "Deleted", json_object_new_string(line + 9));
		else
			json_object_object_add(e, "Deleted", json_object_new_string(line));
		json_object_array_add(arr, e);
	}
	o = json_object_new_object();
	json_object_object_add(o, "ImagesDeleted", arr);
	json_object_object_add(o, "SpaceReclaimed", json_object_new_int64(reclaimed));
	hs_reply_json(req, 200, o);
out:
	if (filters)
		json_object_put(filters);
	engine_strarray_dispose(&report);
	dctx_put(app, dc);
}

/* POST /commit: an image from a container's writable layer. */
/* A Dockerfile string literal: @s in double quotes, " and \\ escaped. */
static char *quoted(const char *s)
{
	size_t n = strlen(s);
	char *q = malloc(2 * n + 3), *p = q;

	if (!q)
		return NULL;
	*p++ = '"';
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p++ = '"';
	*p = 0;
	return q;
}

static void push_owned(engine_strarray *a, char *line)
{
	char **grown = line ? realloc(a->strings, (a->count + 1) * sizeof(char *)) : NULL;

	if (!grown) {
		free(line);
		return;
	}
	a->strings = grown;
	a->strings[a->count++] = line;
}

/* Commit's body is a container config whose members override the
 * container's in the image (docker commit's merge): turned into the
 * Dockerfile instructions the library applies, before the `changes`. */
static void body_changes(json_object *body, engine_strarray *out)
{
	static const struct {
		const char *key, *instr;
	} json_keys[] = {{"Cmd", "CMD"}, {"Entrypoint", "ENTRYPOINT"}}, str_keys[] = {
									    {"WorkingDir", "WORKDIR"},
									    {"User", "USER"},
									    {"StopSignal", "STOPSIGNAL"},
									};
	json_object *v;
	char *line;

	for (size_t i = 0; i < sizeof(json_keys) / sizeof(json_keys[0]); i++)
		if ((v = jget(body, json_keys[i].key)) && json_object_is_type(v, json_type_array) &&
		    asprintf(&line, "%s %s", json_keys[i].instr,
			     json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)) >= 0)
			push_owned(out, line);
	for (size_t i = 0; i < sizeof(str_keys) / sizeof(str_keys[0]); i++) {
		const char *sv = jget_str(body, str_keys[i].key);

		if (sv && *sv && asprintf(&line, "%s %s", str_keys[i].instr, sv) >= 0)
			push_owned(out, line);
	}
	v = jget(body, "Env");
	for (size_t i = 0; v && json_object_is_type(v, json_type_array) && i < json_object_array_length(v);
	     i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(v, i)),
			   *eq = e ? strchr(e, '=') : NULL;
		char *q;

		if (!eq || eq == e || !(q = quoted(eq + 1)))
			continue;
		if (asprintf(&line, "ENV %.*s=%s", (int)(eq - e), e, q) >= 0)
			push_owned(out, line);
		free(q);
	}
	if ((v = jget(body, "Labels")) && json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, val)
		{
			char *qk = quoted(k), *qv = quoted(json_object_get_string(val));

			if (qk && qv && asprintf(&line, "LABEL %s=%s", qk, qv) >= 0)
				push_owned(out, line);
			free(qk);
			free(qv);
		}
	}
	if ((v = jget(body, "ExposedPorts")) && json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, port, unused)
		{
			(void)unused;
			if (asprintf(&line, "EXPOSE %s", port) >= 0)
				push_owned(out, line);
		}
	}
}

static void commit(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	engine_commit_options o = ENGINE_COMMIT_OPTIONS_INIT;
	const char *cname = hs_query(req, "container"), *repo = hs_query(req, "repo"),
		   *tag = hs_query(req, "tag");
	const char *changes[MAX_NAMES];
	engine_container *c = NULL;
	char ref[1024], *id = NULL;
	json_object *body = NULL, *out;
	engine_strarray all = {NULL, 0};
	size_t n;

	if (hs_body_json(req, &body) < 0)
		goto done;
	if (!cname || !*cname) {
		hs_reply_error(req, 400, "container: the container to commit is required");
		goto done;
	}
	if (engine_container_open(dc->ctx, cname, &c) < 0) {
		hs_reply_error(req, 404, "No such container: %s", cname);
		goto done;
	}
	if (repo && *repo) {
		snprintf(ref, sizeof(ref), "%s:%s", repo, tag && *tag ? tag : "latest");
		o.ref = ref;
	}
	o.comment = hs_query(req, "comment");
	o.author = hs_query(req, "author");
	o.pause = hs_query_bool(req, "pause", true);
	/* The CLI sends each -c as one "changes" value; a value may hold several lines. */
	if (body)
		body_changes(body, &all);
	n = hs_query_all(req, "changes", changes, MAX_NAMES);
	for (size_t i = 0; i < n; i++)
		push_owned(&all, strdup(changes[i]));
	o.changes = all;
	if (engine_container_commit(c, &o, &id) < 0) {
		const char *m = strstr(engine_error_last()->message, "unknown instruction: ");
		char kw[16];
		size_t k = 0;

		if (!m) {
			reply_engine_error(req, "commit");
			goto done;
		}
		/* dockerd's words for a bad change */
		for (m += strlen("unknown instruction: ");
		     *m && !isspace((unsigned char)*m) && k + 1 < sizeof(kw); m++)
			kw[k++] = (char)tolower((unsigned char)*m);
		kw[k] = '\0';
		hs_reply_error(req, 400, "%s is not a valid change command", kw);
		goto done;
	}
	events_container(c, "commit", NULL);
	out = json_object_new_object();
	json_object_object_add(out, "Id", json_object_new_string(id));
	hs_reply_json(req, 201, out);
done:
	for (size_t i = 0; i < all.count; i++)
		free(all.strings[i]);
	free(all.strings);
	engine_free(id);
	if (body)
		json_object_put(body);
	engine_container_free(c);
	dctx_put(app, dc);
}

const struct hs_route daemon_image_io_routes[] = {
    {"POST", "/commit", commit, 0},
    {"POST", "/images/create", create, HS_BODY_FILE},
    {"POST", "/images/load", load, HS_BODY_FILE},
    {"GET", "/images/get", save, 0},
    {"POST", "/images/prune", prune, 0},
    {"GET", "/images/{name*}/get", save, 0},
    {"GET", "/images/{name*}/history", history, 0},
    {"POST", "/images/{name*}/push", push, 0},
    {NULL, NULL, NULL, 0},
};
