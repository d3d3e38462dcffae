/*
 * POST /build: the classic builder's endpoint. The body is the context as a
 * tar (any compression tar itself detects); it is unpacked by the host's
 * tar into a fresh directory of the daemon's (members that leave it are
 * refused by tar, owners dropped), built with engine_build(), and the
 * builder's events become Docker's JSON lines ("Step 1/3 : ...",
 * " ---> Using cache", " ---> Running in ...", the RUN output, the aux ID,
 * "Successfully built/tagged") or its errorDetail with the exit code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/daemon.h"

#define MAX_TAGS 32

extern char **environ;

struct build_job {
	struct daemon *d;
	struct dctx *dc;
	char dir[4200];
	int body_fd;
	engine_strarray tags, args;
	char *dockerfile, *target, *network;
	bool no_cache, quiet;
	hs_stream *st;
	json_object *held; /* quiet: the progress, sent only when the build fails (dockerd's) */
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void job_free(void *data)
{
	struct build_job *j = data;

	if (j->dir[0])
		nftw(j->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (j->body_fd >= 0)
		close(j->body_fd);
	engine_strarray_dispose(&j->tags);
	engine_strarray_dispose(&j->args);
	free(j->dockerfile);
	free(j->target);
	free(j->network);
	dctx_put(j->d, j->dc);
	free(j);
}

static void line(struct build_job *j, const char *fmt, const char *text)
{
	char buf[8192];
	json_object *o = json_object_new_object();

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(buf, sizeof(buf), fmt, text);
#pragma GCC diagnostic pop
	json_object_object_add(o, "stream", json_object_new_string(buf));
	if (j->held)
		json_object_array_add(j->held, o);
	else
		hs_stream_json(j->st, o);
}

static void on_event(const engine_build_event *e, void *payload)
{
	struct build_job *j = payload;
	const char *id = strncmp(e->text, "sha256:", 7) == 0 ? e->text + 7 : e->text;
	char step[64];

	if (j->quiet && !j->held && e->kind != ENGINE_BUILD_EVENT_BUILT)
		return; /* after the ID line */
	if (j->quiet && e->kind == ENGINE_BUILD_EVENT_BUILT && j->held) {
		json_object_put(j->held);
		j->held = NULL;
	}
	switch (e->kind) {
	case ENGINE_BUILD_EVENT_STEP:
		snprintf(step, sizeof(step), "Step %d/%d : ", e->step, e->total);
		{
			char buf[4200];

			snprintf(buf, sizeof(buf), "%s%s", step, e->text);
			line(j, "%s", buf);
		}
		line(j, "%s", "\n");
		break;
	case ENGINE_BUILD_EVENT_CACHED:
		line(j, "%s", " ---> Using cache\n");
		break;
	case ENGINE_BUILD_EVENT_RUNNING:
		line(j, " ---> Running in %.12s\n", id);
		break;
	case ENGINE_BUILD_EVENT_OUTPUT:
		line(j, "%s\n", e->text);
		break;
	case ENGINE_BUILD_EVENT_REMOVED:
		line(j, "Removing intermediate container %.12s\n", id);
		break;
	case ENGINE_BUILD_EVENT_STEP_DONE:
		if (*id)
			line(j, " ---> %.12s\n", id);
		break;
	case ENGINE_BUILD_EVENT_BUILT: {
		json_object *o = json_object_new_object(), *aux = json_object_new_object();

		/* Quiet, dockerd's classic builder sends the ID as the one
		 * stream line and no aux. */
		json_object_object_add(aux, "ID", json_object_new_string(e->text));
		json_object_object_add(o, "aux", aux);
		if (j->quiet) {
			json_object_put(o);
			line(j, "%s\n", e->text);
		} else {
			hs_stream_json(j->st, o);
			line(j, "Successfully built %.12s\n", id);
		}
		break;
	}
	case ENGINE_BUILD_EVENT_TAGGED: {
		/* dockerd names the tag in full: "-t app" is "app:latest" */
		const char *slash = strrchr(e->text, '/'), *last = slash ? slash : e->text;

		line(j,
		     strchr(last, ':') || strchr(e->text, '@') ? "Successfully tagged %s\n"
							       : "Successfully tagged %s:latest\n",
		     e->text);
		break;
	}
	case ENGINE_BUILD_EVENT_WARNING:
		line(j, "[Warning] %s\n", e->text);
		break;
	}
}

/* Unpack the context; 0, or -1 with @err set. */
static int unpack(struct build_job *j, char *err, size_t errlen)
{
	char *argv[] = {"tar", "-x", "-f", "-", "-C", j->dir, "--no-same-owner", NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = 0, r;

	if (lseek(j->body_fd, 0, SEEK_SET) < 0 || posix_spawn_file_actions_init(&fa) != 0) {
		snprintf(err, errlen, "read the build context: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_adddup2(&fa, j->body_fd, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, "tar", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		snprintf(err, errlen, "unpack the build context: run tar: %s", strerror(r));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "unpack the build context: it is not a valid tar archive");
		return -1;
	}
	return 0;
}

/* Is @name (relative) a file inside the unpacked context @dir, links
 * followed only as far as they stay in it? The context is a client's tar:
 * a Dockerfile linked to a host file must not be read (dockerd, too, takes
 * the name as a path within the context). */
static bool inside_context(const char *dir, const char *name)
{
	char path[PATH_MAX], real[PATH_MAX], rdir[PATH_MAX];
	size_t n;

	if (name[0] == '/' || snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    !realpath(path, real) || !realpath(dir, rdir))
		return false;
	n = strlen(rdir);
	return strncmp(real, rdir, n) == 0 && real[n] == '/';
}

static bool has_dockerfile(const char *dir, const char *name)
{
	if (!name || !*name) /* the classic builder also takes "dockerfile" */
		return inside_context(dir, "Dockerfile") || inside_context(dir, "dockerfile");
	return inside_context(dir, name);
}

/* A .dockerignore, when there is one, must not lead out of the context either. */
static bool ignore_file_ok(const char *dir)
{
	char path[PATH_MAX];
	struct stat sb;

	if (snprintf(path, sizeof(path), "%s/.dockerignore", dir) >= (int)sizeof(path))
		return false;
	return lstat(path, &sb) < 0 || inside_context(dir, ".dockerignore");
}

/* A Dockerfile that does not parse is a 400 before the stream, as dockerd,
 * in its words: "dockerfile parse error line 3: unknown instruction: RUNN".
 * Other failures are left for the build's stream. */
static int reply_parse_error(hs_request *req, struct build_job *j)
{
	engine_build_options o = ENGINE_BUILD_OPTIONS_INIT;
	const char *msg, *p;
	unsigned line;
	int off = 0;

	o.dockerfile = j->dockerfile && *j->dockerfile ? j->dockerfile : NULL;
	if (engine_build_check(j->dir, &o) == 0 || engine_error_last()->code != ENGINE_EINVALID)
		return 0;
	msg = engine_error_last()->message;
	/* The library's "<name>:<line>: <reason>"; the name may hold colons. */
	for (p = strchr(msg, ':'); p; p = strchr(p + 1, ':'))
		if (sscanf(p, ":%u: %n", &line, &off) == 1 && off > 0)
			break;
	if (p)
		hs_reply_error(req, 400, "dockerfile parse error line %u: %s", line, p + off);
	else
		hs_reply_error(req, 400, "%s", msg);
	return -1;
}

static void build_run(hs_stream *st, void *data)
{
	struct build_job *j = data;
	engine_build_options o = ENGINE_BUILD_OPTIONS_INIT;
	char *id = NULL;
	int r;

	j->st = st;
	o.dockerfile = j->dockerfile;
	o.tags = j->tags;
	o.build_args = j->args;
	o.target = j->target;
	o.no_cache = j->no_cache;
	o.network = j->network;
	if (j->quiet)
		j->held = json_object_new_array();
	r = engine_build(j->dc->ctx, j->dir, &o, on_event, j, &id);
	if (r < 0) {
		const char *msg = engine_error_last()->message, *c = strstr(msg, "non-zero code: ");
		json_object *e = json_object_new_object(), *det = json_object_new_object();
		int skip = 0;

		/* quiet: the progress goes out before the error (the CLI shows it) */
		for (size_t i = 0; j->held && i < json_object_array_length(j->held); i++)
			hs_stream_json(st, json_object_get(json_object_array_get_idx(j->held, i)));
		/* dockerd names no Dockerfile line in a step's error */
		if (sscanf(msg, "Dockerfile:%*u: %n", &skip) >= 0 && skip > 0)
			msg += skip;

		/* The CLI exits with the failed RUN's code, which it reads from here. */
		if (c)
			json_object_object_add(det, "code", json_object_new_int(atoi(c + 15)));
		json_object_object_add(det, "message", json_object_new_string(msg));
		json_object_object_add(e, "errorDetail", det);
		json_object_object_add(e, "error", json_object_new_string(msg));
		hs_stream_json(st, e);
	} else {
		events_emit("image", "build", id, "name", j->tags.count ? j->tags.strings[0] : id, NULL);
	}
	if (j->held)
		json_object_put(j->held);
	j->held = NULL;
	engine_free(id);
}

/* A JSON object of strings ({"K": "V"}) as "K=V" items. */
static int kv_list(hs_request *req, const char *key, engine_strarray *out)
{
	const char *q = hs_query(req, key);
	json_object *o;
	size_t n = 0;

	out->strings = NULL;
	out->count = 0;
	if (!q || !*q)
		return 0;
	o = json_tokener_parse(q);
	if (!o || !json_object_is_type(o, json_type_object)) {
		if (o)
			json_object_put(o);
		hs_reply_error(req, 400, "%s: expected a JSON object of strings", key);
		return -1;
	}
	out->strings = calloc((size_t)json_object_object_length(o) + 1, sizeof(char *));
	json_object_object_foreach(o, k, v)
	{
		if (v && out->strings &&
		    asprintf(&out->strings[n], "%s=%s", k, json_object_get_string(v)) > 0)
			n++;
	}
	out->count = n;
	json_object_put(o);
	return 0;
}

static char *dup_query(hs_request *req, const char *key)
{
	const char *v = hs_query(req, key);

	return v && *v ? strdup(v) : NULL;
}

static void build(hs_request *req, void *app)
{
	struct daemon *d = app;
	struct build_job *j;
	const char *tags[MAX_TAGS], *net = hs_query(req, "networkmode");
	engine_strarray labels = {NULL, 0};
	size_t nt;
	char err[512];

	if (hs_body_fd(req) < 0) {
		hs_reply_error(req, 400,
			       "the build context (a tar archive) is missing from the request body");
		return;
	}
	if (kv_list(req, "labels", &labels) < 0)
		return;
	if (labels.count) {
		engine_strarray_dispose(&labels);
		hs_reply_error(req, 501,
			       "labels: build labels are not supported by this engine yet (use LABEL)");
		return;
	}
	if (hs_query(req, "remote") && *hs_query(req, "remote")) {
		hs_reply_error(req, 501, "remote: build contexts from URLs are not supported (no network)");
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		hs_reply_error(req, 500, "out of memory");
		return;
	}
	j->d = d;
	j->dc = dctx_get(d);
	j->body_fd = dup(hs_body_fd(req));
	snprintf(j->dir, sizeof(j->dir), "%s/tmp/build-XXXXXX", d->state_dir);
	if (j->body_fd < 0 || !mkdtemp(j->dir)) {
		j->dir[0] = '\0';
		hs_reply_error(req, 500, "prepare the build context: %s", strerror(errno));
		job_free(j);
		return;
	}
	if (kv_list(req, "buildargs", &j->args) < 0) {
		job_free(j);
		return;
	}
	nt = hs_query_all(req, "t", tags, MAX_TAGS);
	j->tags.strings = calloc(nt + 1, sizeof(char *));
	for (size_t i = 0; j->tags.strings && i < nt; i++)
		j->tags.strings[j->tags.count++] = strdup(tags[i]);
	j->dockerfile = dup_query(req, "dockerfile");
	j->target = dup_query(req, "target");
	j->no_cache = hs_query_bool(req, "nocache", false);
	j->quiet = hs_query_bool(req, "q", false);
	if (net && *net && strcmp(net, "default") != 0 && strcmp(net, "bridge") != 0)
		j->network = strdup(net);
	/* A context that is no archive, or without its Dockerfile, fails before
	 * the 200 goes out, as with dockerd. */
	if (unpack(j, err, sizeof(err)) < 0) {
		hs_reply_error(req, 400, "%s", err);
		job_free(j);
		return;
	}
	if (!has_dockerfile(j->dir, j->dockerfile)) {
		hs_reply_error(req, 500, "Cannot locate specified Dockerfile: %s",
			       j->dockerfile && *j->dockerfile ? j->dockerfile : "Dockerfile");
		job_free(j);
		return;
	}
	if (!ignore_file_ok(j->dir)) {
		hs_reply_error(req, 400, ".dockerignore leads outside the build context");
		job_free(j);
		return;
	}
	if (reply_parse_error(req, j) < 0) {
		job_free(j);
		return;
	}
	hs_reply_stream(req, 200, "application/json", build_run, j, job_free);
}

/* The classic builder's cache is its records of which image each step made
 * (the images themselves go with image prune): drop those whose image is
 * gone. dockerd's classic builder answers the same empty report. */
static void build_prune(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	int64_t removed = 0;

	if (engine_build_cache_prune(dc->ctx, &removed) < 0)
		reply_engine_error(req, "prune the build cache");
	else {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "CachesDeleted", NULL);
		json_object_object_add(o, "SpaceReclaimed", json_object_new_int64(0));
		hs_reply_json(req, 200, o);
	}
	dctx_put(app, dc);
}

const struct hs_route daemon_build_routes[] = {
    {"POST", "/build", build, HS_BODY_FILE},
    {"POST", "/build/prune", build_prune, 0},
    {NULL, NULL, NULL, 0},
};
