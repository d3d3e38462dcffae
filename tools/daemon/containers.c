/*
 * Container endpoints that are plain request/reply: list, inspect, start,
 * stop, kill, restart, pause, unpause, rename, update, wait, delete, prune.
 * Create is in create.c; attach and logs in streams.c; stats in stats.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "daemon/daemon.h"

/* Handlers that act on the container {id}: open it (404 when unknown), run
 * @fn, release everything. */
typedef void (*container_fn)(hs_request *req, struct daemon *d, engine_container *c);

static void with_container(hs_request *req, void *app, container_fn fn)
{
	struct dctx *dc = dctx_get(app);
	engine_container *c = open_container_param(req, dc->ctx);

	if (c)
		fn(req, app, c);
	engine_container_free(c);
	dctx_put(app, dc);
}

#define CONTAINER_HANDLER(name)                                                                              \
	static void name##_do(hs_request *req, struct daemon *d, engine_container *c);                       \
	static void name(hs_request *req, void *app)                                                         \
	{                                                                                                    \
		with_container(req, app, name##_do);                                                         \
	}                                                                                                    \
	static void name##_do(hs_request *req, struct daemon *d, engine_container *c)

CONTAINER_HANDLER(inspect)
{
	json_object *o = container_inspect_obj(c);

	if (o) {
		json_object *ids = exec_ids(d, engine_container_id(c));

		if (ids)
			json_object_object_add(o, "ExecIDs", ids);
		if (hs_query_bool(req, "size", false)) {
			struct dctx *dc = dctx_get(d);

			container_add_sizes(dc->ctx, c, o, o);
			dctx_put(d, dc);
		}
		hs_reply_json(req, 200, o);
	} else
		reply_engine_error(req, "inspect");
}

/* --- list ----------------------------------------------------------------- */

/* Docker's filters: {"key":["v1","v2"]} or the old {"key":{"v1":true}}. */
static int filter_values(json_object *filters, const char *key, const char ***out, size_t *n)
{
	json_object *v;

	*out = NULL;
	*n = 0;
	if (!filters || !json_object_object_get_ex(filters, key, &v))
		return 0;
	if (json_object_is_type(v, json_type_array)) {
		*n = json_object_array_length(v);
		*out = calloc(*n + 1, sizeof(char *));
		for (size_t i = 0; *out && i < *n; i++)
			(*out)[i] = json_object_get_string(json_object_array_get_idx(v, i));
	} else if (json_object_is_type(v, json_type_object)) {
		*n = (size_t)json_object_object_length(v);
		*out = calloc(*n + 1, sizeof(char *));
		size_t i = 0;
		json_object_object_foreach(v, k, val)
		{
			(void)val;
			if (*out)
				(*out)[i++] = k;
		}
	}
	return 0;
}

static bool match_label(json_object *labels, const char *want)
{
	const char *eq = strchr(want, '=');
	json_object *v;
	char key[512];

	snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - want) : (int)strlen(want), want);
	if (!labels || !json_object_object_get_ex(labels, key, &v))
		return false;
	return !eq || strcmp(json_object_get_string(v), eq + 1) == 0;
}

static bool strv_has(char *const *v, const char *s)
{
	for (; *v; v++)
		if (strcmp(*v, s) == 0 || (strncmp(s, "sha256:", 7) == 0 && strcmp(*v, s + 7) == 0))
			return true;
	return false;
}

/* Does @ins pass every filter? A filter key matches when any value does. */
static bool pass_filters(json_object *filters, json_object *ins, const char *state, int64_t created,
			 int64_t before, int64_t since, char *const *ancestors)
{
	json_object *v, *cfg = NULL;
	const char **vals;
	size_t n;
	bool ok = true;

	json_object_object_get_ex(ins, "Config", &cfg);
	json_object_object_foreach(filters, key, unused)
	{
		(void)unused;
		filter_values(filters, key, &vals, &n);
		if (n == 0) {
			free(vals);
			continue;
		}
		bool any = false;

		for (size_t i = 0; i < n && !any; i++) {
			const char *want = vals[i];

			if (strcmp(key, "id") == 0) {
				any = json_object_object_get_ex(ins, "Id", &v) &&
				      strncmp(json_object_get_string(v), want, strlen(want)) == 0;
			} else if (strcmp(key, "name") == 0) {
				any = json_object_object_get_ex(ins, "Name", &v) &&
				      strstr(json_object_get_string(v), want[0] == '/' ? want + 1 : want);
			} else if (strcmp(key, "status") == 0) {
				any = strcmp(state, want) == 0;
			} else if (strcmp(key, "label") == 0) {
				any = json_object_object_get_ex(cfg, "Labels", &v) && match_label(v, want);
			} else if (strcmp(key, "exited") == 0) {
				json_object *st, *code;

				any = strcmp(state, "exited") == 0 &&
				      json_object_object_get_ex(ins, "State", &st) &&
				      json_object_object_get_ex(st, "ExitCode", &code) &&
				      json_object_get_int(code) == atoi(want);
			} else if (strcmp(key, "ancestor") == 0) {
				json_object *img;

				any = (json_object_object_get_ex(cfg, "Image", &img) &&
				       strcmp(json_object_get_string(img), want) == 0) ||
				      (json_object_object_get_ex(ins, "Image", &img) &&
				       (strstr(json_object_get_string(img), want) ||
					(ancestors && strv_has(ancestors, json_object_get_string(img)))));
			} else if (strcmp(key, "volume") == 0) {
				json_object *ms = jget(ins, "Mounts");

				for (size_t m = 0; ms && json_object_is_type(ms, json_type_array) &&
						   m < json_object_array_length(ms) && !any;
				     m++) {
					json_object *mo = json_object_array_get_idx(ms, m);

					any = strcmp(jget_str(mo, "Name") ?: "", want) == 0 ||
					      strcmp(jget_str(mo, "Source") ?: "", want) == 0 ||
					      strcmp(jget_str(mo, "Destination") ?: "", want) == 0;
				}
			} else if (strcmp(key, "before") == 0) {
				any = before > 0 && created < before;
			} else if (strcmp(key, "since") == 0) {
				any = since > 0 && created > since;
			} else if (netconfig_filter(ins, key, want) >= 0) {
				any = netconfig_filter(ins, key, want) == 1;
			} else {
				any = true; /* validated by the caller */
			}
		}
		free(vals);
		ok = ok && any;
	}
	return ok;
}

static int64_t created_of(engine_context *ctx, const char *ref)
{
	engine_container *c = NULL;
	json_object *o, *v;
	int64_t t = 0;

	if (engine_container_open(ctx, ref, &c) < 0)
		return 0;
	o = container_inspect_obj(c);
	if (o && json_object_object_get_ex(o, "Created", &v))
		t = parse_rfc3339(json_object_get_string(v));
	if (o)
		json_object_put(o);
	engine_container_free(c);
	return t;
}

/* dockerd lists the image ID when the container's image reference no
 * longer names its image (untagged, retagged elsewhere). */
static void image_or_id(engine_context *ctx, json_object *sum)
{
	const char *ref = jget_str(sum, "Image"), *iid = jget_str(sum, "ImageID");
	engine_image *img = NULL;
	bool same;

	if (!ref || !iid || strcmp(ref, iid) == 0)
		return;
	same = engine_image_open(ctx, ref, &img) == 0 && strcmp(engine_image_id(img), iid) == 0;
	engine_image_free(img);
	if (!same)
		json_object_object_add(sum, "Image", json_object_new_string(iid));
}

static json_object *summary(json_object *ins, const char *state)
{
	json_object *s = json_object_new_object(), *v, *cfg = NULL, *st = NULL, *hc = NULL, *names;
	char status[128], cmd[4096] = "";
	int64_t started = 0, finished = 0;
	int code = 0;

	json_object_object_get_ex(ins, "Config", &cfg);
	json_object_object_get_ex(ins, "State", &st);
	json_object_object_get_ex(ins, "HostConfig", &hc);
	if (json_object_object_get_ex(ins, "Id", &v))
		json_object_object_add(s, "Id", json_object_get(v));
	names = json_object_new_array();
	if (json_object_object_get_ex(ins, "Name", &v))
		json_object_array_add(names, json_object_get(v));
	json_object_object_add(s, "Names", names);
	json_object_object_add(s, "Image",
			       json_object_new_string(json_object_object_get_ex(cfg, "Image", &v)
							  ? json_object_get_string(v)
							  : ""));
	if (json_object_object_get_ex(ins, "Image", &v))
		json_object_object_add(s, "ImageID", json_object_get(v));
	{
		json_object *path, *args;

		if (json_object_object_get_ex(ins, "Path", &path))
			snprintf(cmd, sizeof(cmd), "%s", json_object_get_string(path));
		if (json_object_object_get_ex(ins, "Args", &args) &&
		    json_object_is_type(args, json_type_array))
			for (size_t i = 0; i < json_object_array_length(args); i++) {
				size_t l = strlen(cmd);

				const char *a = json_object_get_string(json_object_array_get_idx(args, i));

				/* dockerd quotes an argument with a space in it */
				snprintf(cmd + l, sizeof(cmd) - l, strchr(a, ' ') ? " '%s'" : " %s", a);
			}
	}
	json_object_object_add(s, "Command", json_object_new_string(cmd));
	json_object_object_add(
	    s, "Created",
	    json_object_new_int64(json_object_object_get_ex(ins, "Created", &v)
				      ? parse_rfc3339(json_object_get_string(v)) / 1000000000
				      : 0));
	json_object_object_add(s, "Ports", netconfig_list_ports(ins));
	json_object_object_add(s, "Labels",
			       json_object_object_get_ex(cfg, "Labels", &v) && v ? json_object_get(v)
										 : json_object_new_object());
	json_object_object_add(s, "State", json_object_new_string(state));
	if (json_object_object_get_ex(st, "StartedAt", &v))
		started = parse_rfc3339(json_object_get_string(v));
	if (json_object_object_get_ex(st, "FinishedAt", &v))
		finished = parse_rfc3339(json_object_get_string(v));
	if (json_object_object_get_ex(st, "ExitCode", &v))
		code = json_object_get_int(v);
	format_status(state, code, started, finished, status, sizeof(status));
	{
		/* dockerd's "Up 2 minutes (healthy)" / "(health: starting)" */
		const char *h = jget_str(jget(st, "Health"), "Status");
		size_t l = strlen(status);

		if (h && (strcmp(state, "running") == 0 || strcmp(state, "paused") == 0))
			snprintf(status + l, sizeof(status) - l, " (%s%s)",
				 strcmp(h, "starting") == 0 ? "health: " : "", h);
	}
	json_object_object_add(s, "Status", json_object_new_string(status));
	{
		json_object *h = json_object_new_object(), *ns = json_object_new_object(), *nets;

		json_object_object_add(h, "NetworkMode",
				       json_object_new_string(json_object_object_get_ex(hc, "NetworkMode", &v)
								  ? json_object_get_string(v)
								  : "none"));
		json_object_object_add(s, "HostConfig", h);
		if (json_object_object_get_ex(ins, "NetworkSettings", &v) &&
		    json_object_object_get_ex(v, "Networks", &nets))
			json_object_object_add(ns, "Networks", json_object_get(nets));
		json_object_object_add(s, "NetworkSettings", ns);
	}
	json_object_object_add(s, "Mounts",
			       json_object_object_get_ex(ins, "Mounts", &v) ? json_object_get(v)
									    : json_object_new_array());
	return s;
}

static const char *const known_filters[] = {"id",      "name",	 "status",    "label",	 "exited", "ancestor",
					    "before",  "since",	 "health",    "network", "volume", "is-task",
					    "publish", "expose", "isolation", NULL};

/* dockerd refuses a status or health no container can have. */
static int check_filter_values(hs_request *req, json_object *filters, const char *key,
			       const char *const *allowed)
{
	const char **vals;
	size_t n;
	int r = 0;

	filter_values(filters, key, &vals, &n);
	for (size_t i = 0; i < n && r == 0; i++) {
		bool ok = false;

		for (size_t j = 0; allowed[j] && !ok; j++)
			ok = vals[i] && strcmp(vals[i], allowed[j]) == 0;
		if (!ok) {
			hs_reply_error(req, 400, "Invalid filter '%s=%s'", key, vals[i] ? vals[i] : "");
			r = -1;
		}
	}
	free(vals);
	return r;
}

static int parse_filters(hs_request *req, json_object **out)
{
	static const char *const states[] = {"created", "restarting", "running", "removing",
					     "paused",	"exited",     "dead",	 NULL};
	static const char *const health[] = {"starting", "healthy", "unhealthy", "none", NULL};

	if (filters_parse(req, known_filters, out) < 0)
		return -1;
	if (*out) {
		const char **vals;
		size_t n;
		int bad = -1;

		filter_values(*out, "exited", &vals, &n);
		for (size_t i = 0; i < n && bad < 0; i++) {
			const char *e = vals[i] ? vals[i] : "";
			char *end;

			errno = 0;
			(void)strtol(e, &end, 10);
			if (!*e || *end || errno)
				bad = (int)i;
		}
		if (bad >= 0)
			hs_reply_error(req, 400, "strconv.Atoi: parsing \"%s\": invalid syntax",
				       vals[bad] ? vals[bad] : "");
		free(vals);
		if (bad >= 0) {
			json_object_put(*out);
			*out = NULL;
			return -1;
		}
	}
	if (*out && (check_filter_values(req, *out, "status", states) < 0 ||
		     check_filter_values(req, *out, "health", health) < 0)) {
		json_object_put(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static void list(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	engine_strarray ids = {NULL, 0};
	json_object *filters = NULL, *arr;
	long long limit = -1;
	bool all = hs_query_bool(req, "all", false), size = hs_query_bool(req, "size", false);
	int64_t before = 0, since = 0;
	char *ancestors[16] = {NULL};
	size_t n_anc = 0;

	if (hs_query_int(req, "limit", -1, &limit) < 0) {
		hs_reply_error(req, 400, "invalid limit \"%s\"", hs_query(req, "limit"));
		goto out;
	}
	if (parse_filters(req, &filters) < 0)
		goto out;
	if (filters) {
		const char **vals;
		size_t n;
		json_object *v;

		filter_values(filters, "before", &vals, &n);
		if (n)
			before = created_of(dc->ctx, vals[0]);
		free(vals);
		filter_values(filters, "since", &vals, &n);
		if (n)
			since = created_of(dc->ctx, vals[0]);
		free(vals);
		/* ancestor: the IDs its references resolve to */
		filter_values(filters, "ancestor", &vals, &n);
		for (size_t i = 0; i < n; i++) {
			engine_image *img = NULL;

			if (n_anc < 15 && vals[i] && engine_image_open(dc->ctx, vals[i], &img) == 0)
				ancestors[n_anc++] = strdup(engine_image_id(img));
			engine_image_free(img);
		}
		free(vals);
		/* A status or exited filter looks at stopped containers too. */
		if (json_object_object_get_ex(filters, "status", &v) ||
		    json_object_object_get_ex(filters, "exited", &v))
			all = true;
	}
	if (limit > 0 || before || since)
		all = true;
	if (engine_container_list_ids(dc->ctx, 1, &ids) < 0) {
		reply_engine_error(req, "list containers");
		goto out;
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < ids.count && (limit <= 0 || (long long)json_object_array_length(arr) < limit);
	     i++) {
		engine_container *c = NULL;
		json_object *ins, *v, *st;
		const char *state;
		int64_t created = 0;

		if (engine_container_open(dc->ctx, ids.strings[i], &c) < 0)
			continue;
		ins = container_inspect_obj(c);
		if (!ins) {
			engine_container_free(c);
			continue;
		}
		state = json_object_object_get_ex(ins, "State", &st) &&
				json_object_object_get_ex(st, "Status", &v)
			    ? json_object_get_string(v)
			    : "created";
		if (json_object_object_get_ex(ins, "Created", &v))
			created = parse_rfc3339(json_object_get_string(v));
		if ((all || strcmp(state, "running") == 0 || strcmp(state, "paused") == 0) &&
		    (!filters || pass_filters(filters, ins, state, created, before, since, ancestors))) {
			json_object *sum = summary(ins, state);

			image_or_id(dc->ctx, sum);

			if (size)
				container_add_sizes(dc->ctx, c, ins, sum);
			json_object_array_add(arr, sum);
		}
		engine_container_free(c);
		json_object_put(ins);
	}
	hs_reply_json(req, 200, arr);
out:
	if (filters)
		json_object_put(filters);
	for (size_t i = 0; i < n_anc; i++)
		free(ancestors[i]);
	engine_strarray_dispose(&ids);
	dctx_put(app, dc);
}

/* --- lifecycle -------------------------------------------------------------- */

static bool is_running(engine_container *c)
{
	const char *s = engine_container_status(c);

	return strcmp(s, "running") == 0 || strcmp(s, "paused") == 0;
}

/* The message the Docker CLI maps to exit 127 / 126, dockerd 20.10's. */
static void reply_start_error(hs_request *req, engine_container *c, int code, const char *msg)
{
	static const char oci[] = "failed to create shim task: OCI runtime create failed: runc create "
				  "failed: unable to start container process: ";
	char why[1024];

	runc_wording(msg, why, sizeof(why));
	if (strncmp(why, "unable to find ", 15) == 0)
		hs_reply_error(req, 400, "%s", why); /* dockerd's user and group lookups: exit 125 */
	else if (code == ENGINE_ENOTFOUND)
		hs_reply_error(req, 400, "%s%s%s", oci, why,
			       strstr(why, "executable file not found")
				   ? ": unknown"
				   : ": executable file not found in $PATH: unknown");
	else if (code == ENGINE_EPERM)
		hs_reply_error(req, 400, "%s%s%s", oci, why,
			       strstr(why, "permission denied") ? ": unknown"
								: ": permission denied: unknown");
	else if (strstr(msg, "failed to initialize logging driver: "))
		hs_reply_error(req, 400, "%s", strstr(msg, "failed to initialize logging driver: "));
	else
		hs_reply_error(req, derr_status(code) == 404 ? 400 : derr_status(code),
			       "failed to start container %.12s: %s", engine_container_id(c), msg);
}

static bool meta_bool(struct daemon *d, const char *id, const char *section, const char *key)
{
	json_object *s, *v;
	bool r;

	pthread_mutex_lock(&d->lock);
	s = registry_meta(d, id, section);
	r = s && json_object_object_get_ex(s, key, &v) && json_object_get_boolean(v);
	pthread_mutex_unlock(&d->lock);
	return r;
}

CONTAINER_HANDLER(start)
{
	char id[65], msg[1024];
	int r;

	snprintf(id, sizeof(id), "%s", engine_container_id(c));
	if (is_running(c)) {
		hs_reply_empty(req, 304);
		return;
	}
	r = starter_start(id, msg, sizeof(msg));
	if (r == 0) {
		registry_started(d, id);
		events_resources(c, true);
		events_container(c, "start", NULL);
		hs_reply_empty(req, 204);
		return;
	}
	reply_start_error(req, c, r, msg);
	/* A --rm container that could not start is gone too, as with dockerd. */
	if (meta_bool(d, id, "HostConfig", "AutoRemove")) {
		pthread_mutex_lock(&d->lock);
		registry_get(d, id)->exits++;
		registry_get(d, id)->exit_code = 127;
		pthread_mutex_unlock(&d->lock);
		registry_remove_container(d, c, true, true);
	}
}

static int stop_timeout(struct daemon *d, hs_request *req, engine_container *c, int *out)
{
	long long t;
	json_object *cfg, *v;

	if (hs_query_int(req, "t", -1, &t) < 0) {
		hs_reply_error(req, 400, "invalid value for t: \"%s\"", hs_query(req, "t"));
		return -1;
	}
	if (t < 0) {
		pthread_mutex_lock(&d->lock);
		cfg = registry_meta(d, engine_container_id(c), "Config");
		if (cfg && json_object_object_get_ex(cfg, "StopTimeout", &v) &&
		    json_object_is_type(v, json_type_int))
			t = json_object_get_int(v);
		pthread_mutex_unlock(&d->lock);
	}
	*out = t < 0 ? 10 : (int)t;
	return 0;
}

static int parse_signal(const char *s, int *out);

/* dockerd's "kill" event of a stop: the stop signal's number */
static void stop_kill_event(struct daemon *d, engine_container *c)
{
	json_object *cfg, *v;
	char num[16];
	int sig = 15;

	pthread_mutex_lock(&d->lock);
	cfg = registry_meta(d, engine_container_id(c), "Config");
	if (cfg && json_object_object_get_ex(cfg, "StopSignal", &v) && json_object_get_string_len(v) &&
	    parse_signal(json_object_get_string(v), &sig) < 0)
		sig = 15;
	pthread_mutex_unlock(&d->lock);
	snprintf(num, sizeof(num), "%d", sig);
	events_container(c, "kill", "signal", num);
}

CONTAINER_HANDLER(stop)
{
	int t;

	if (stop_timeout(d, req, c, &t) < 0)
		return;
	if (!is_running(c)) {
		hs_reply_empty(req, 304);
		return;
	}
	stop_kill_event(d, c);
	if (engine_container_stop(c, t) < 0)
		reply_engine_error(req, "cannot stop container");
	else {
		events_container(c, "stop", NULL);
		hs_reply_empty(req, 204);
	}
}

CONTAINER_HANDLER(restart)
{
	char msg[1024];
	int t, r;

	if (stop_timeout(d, req, c, &t) < 0)
		return;
	if (is_running(c)) {
		stop_kill_event(d, c);
		if (engine_container_stop(c, t) < 0) {
			reply_engine_error(req, "cannot stop container");
			return;
		}
		events_container(c, "stop", NULL);
	}
	r = starter_start(engine_container_id(c), msg, sizeof(msg));
	if (r < 0) {
		reply_start_error(req, c, r, msg);
		return;
	}
	registry_started(d, engine_container_id(c));
	events_resources(c, true);
	events_container(c, "start", NULL);
	events_container(c, "restart", NULL);
	hs_reply_empty(req, 204);
}

/* Signal names like "SIGKILL", "KILL" or "9". */
static int parse_signal(const char *s, int *out)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = {{"HUP", SIGHUP},	    {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
		     {"TRAP", SIGTRAP},	    {"ABRT", SIGABRT}, {"BUS", SIGBUS},	    {"FPE", SIGFPE},
		     {"KILL", SIGKILL},	    {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
		     {"PIPE", SIGPIPE},	    {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
		     {"CONT", SIGCONT},	    {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
		     {"TTOU", SIGTTOU},	    {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
		     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
		     {"PWR", SIGPWR},	    {"SYS", SIGSYS}};
	char *end;
	long v = strtol(s, &end, 10);

	if (*s && !*end) {
		if (v <= 0 || v > SIGRTMAX)
			return -1;
		*out = (int)v;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].sig;
			return 0;
		}
	return -1;
}

CONTAINER_HANDLER(kill_)
{
	const char *s = hs_query(req, "signal");
	int sig = SIGKILL;

	(void)d;
	if (s && *s && parse_signal(s, &sig) < 0)
		hs_reply_error(req, 400, "Invalid signal: %s", s);
	else if (!is_running(c))
		hs_reply_error(req, 409, "Cannot kill container: %s: Container %s is not running",
			       hs_param(req, "id"), engine_container_id(c));
	else if (engine_container_kill(c, sig) < 0)
		reply_engine_error(req, "Cannot kill container");
	else {
		char num[16];

		snprintf(num, sizeof(num), "%d", sig);
		events_container(c, "kill", "signal", num);
		hs_reply_empty(req, 204);
	}
}

CONTAINER_HANDLER(pause_)
{
	bool resume = strstr(hs_path(req), "/unpause") != NULL;
	const char *st = engine_container_status(c);

	(void)d;
	if (!resume && strcmp(st, "running") != 0)
		hs_reply_error(req, 409, "Container %s is %s", engine_container_id(c),
			       strcmp(st, "paused") == 0 ? "already paused" : "not running");
	else if (resume && strcmp(st, "paused") != 0)
		hs_reply_error(req, 409, "Container %s is not paused", engine_container_id(c));
	else if ((resume ? engine_container_resume(c) : engine_container_pause(c)) < 0)
		reply_engine_error(req, resume ? "Cannot unpause container" : "Cannot pause container");
	else {
		events_container(c, resume ? "unpause" : "pause", NULL);
		hs_reply_empty(req, 204);
	}
}

CONTAINER_HANDLER(rename_)
{
	const char *name = hs_query(req, "name");

	int r;

	if (!name || !*name)
		hs_reply_error(req, 400, "Neither old nor new names may be empty");
	else if (strcmp(name[0] == '/' ? name + 1 : name, engine_container_name(c)) == 0)
		hs_reply_error(req, 400, "Renaming a container with the same name as its current name");
	else if ((r = engine_container_rename(c, name)) == ENGINE_EEXISTS) {
		struct dctx *dc = dctx_get(d);

		reply_name_conflict(req, dc->ctx, name, "Error when allocating new name: ");
		dctx_put(d, dc);
	} else if (r < 0)
		reply_engine_error(req, "Error when allocating new name");
	else {
		events_emit("container", "rename", engine_container_id(c), "name",
			    name[0] == '/' ? name + 1 : name, NULL);
		hs_reply_empty(req, 204);
	}
}

static int get_i64(json_object *o, const char *key, int64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 1;
}

static void update(hs_request *req, void *app)
{
	/* what update applies; MemorySwap is taken as create takes it */
	static const char *const allowed[] = {"Memory",	       "MemorySwap", "NanoCpus",   "CpuShares",
					      "CpuQuota",      "CpuPeriod",  "CpusetCpus", "PidsLimit",
					      "RestartPolicy", NULL};
	/* the rest of Docker's UpdateConfig (Resources): refused only when set */
	static const char *const unapplied[] = {"CgroupParent",
						"BlkioWeight",
						"BlkioWeightDevice",
						"BlkioDeviceReadBps",
						"BlkioDeviceWriteBps",
						"BlkioDeviceReadIOps",
						"BlkioDeviceWriteIOps",
						"CpuRealtimePeriod",
						"CpuRealtimeRuntime",
						"CpusetMems",
						"Devices",
						"DeviceCgroupRules",
						"DeviceRequests",
						"KernelMemory",
						"KernelMemoryTCP",
						"MemoryReservation",
						"MemorySwappiness",
						"OomKillDisable",
						"Ulimits",
						"CpuCount",
						"CpuPercent",
						"IOMaximumIOps",
						"IOMaximumBandwidth",
						NULL};
	struct dctx *dc = dctx_get(app);
	engine_container *c = NULL;
	engine_update_options opts = ENGINE_UPDATE_OPTIONS_INIT;
	json_object *body = NULL, *v;
	int64_t n, quota = 0, period = 100000;
	char policy[64];
	bool kmem_warning = false;

	if (hs_body_json(req, &body) < 0)
		goto out;
	c = open_container_param(req, dc->ctx);
	if (!c)
		goto out;
	if (body && !json_object_is_type(body, json_type_object)) {
		hs_reply_error(req, 400, "update body: expected a JSON object");
		goto out;
	}
	if (body) {
		json_object_object_foreach(body, k, val)
		{
			bool ok = false, later = false;

			for (size_t i = 0; allowed[i]; i++)
				ok = ok || strcmp(allowed[i], k) == 0;
			for (size_t i = 0; unapplied[i]; i++)
				later = later || strcmp(unapplied[i], k) == 0;
			/* Docker's clients send every member of Resources, zero or null
			 * when not asked for */
			/* dockerd takes a kernel memory limit with a warning (deprecated,
			 * nothing on cgroup v2): discarded, with dockerd's words */
			if (later && jis_set(val) && strncmp(k, "KernelMemory", 12) == 0) {
				kmem_warning = true;
				continue;
			}
			if (later && jis_set(val)) {
				hs_reply_error(req, 400, "update: %s cannot be changed by this engine", k);
				goto out;
			}
			if (!ok && !later) {
				hs_reply_error(req, 400, "update: unknown field \"%s\"", k);
				goto out;
			}
		}
	}
#define INT_FIELD(name, action)                                                                              \
	switch (get_i64(body, name, &n)) {                                                                   \
	case -1:                                                                                             \
		hs_reply_error(req, 400, "update: \"%s\" must be an integer", name);                         \
		goto out;                                                                                    \
	case 1:                                                                                              \
		action;                                                                                      \
		break;                                                                                       \
	}
	INT_FIELD("Memory", if (n) opts.memory = n);
	INT_FIELD("CpuShares", if (n) opts.cpu_shares = n);
	INT_FIELD("PidsLimit", if (n) opts.pids_limit = n);
	INT_FIELD("NanoCpus", if (n) opts.cpus = (double)n / 1e9);
	INT_FIELD("CpuQuota", quota = n);
	INT_FIELD("CpuPeriod", if (n) period = n);
#undef INT_FIELD
	if (quota > 0)
		opts.cpus = (double)quota / (double)period;
	if (body && json_object_object_get_ex(body, "CpusetCpus", &v) && json_object_get_string(v) &&
	    *json_object_get_string(v))
		opts.cpuset_cpus = json_object_get_string(v);
	if (body && json_object_object_get_ex(body, "RestartPolicy", &v) && v) {
		json_object *name, *max;
		const char *nm;

		nm = json_object_object_get_ex(v, "Name", &name) ? json_object_get_string(name) : "";
		if (nm && *nm) {
			if (strcmp(nm, "on-failure") == 0 &&
			    json_object_object_get_ex(v, "MaximumRetryCount", &max) &&
			    json_object_get_int(max) > 0)
				snprintf(policy, sizeof(policy), "on-failure:%d", json_object_get_int(max));
			else
				snprintf(policy, sizeof(policy), "%s", nm);
			opts.restart_policy = policy;
		}
	}
	if (engine_container_update(c, &opts) < 0) {
		if (strstr(engine_error_last()->message, "the minimum is 6MB"))
			hs_reply_error(req, 400, "Minimum memory limit allowed is 6MB");
		else
			reply_engine_error(req, "Cannot update container");
		goto out;
	}
	{
		json_object *o = json_object_new_object(), *w = json_object_new_array();

		if (kmem_warning)
			json_object_array_add(
			    w, json_object_new_string("Specifying a kernel memory limit is deprecated "
						      "and will be removed in a future release."));
		json_object_object_add(o, "Warnings", w);
		hs_reply_json(req, 200, o);
	}
out:
	if (body)
		json_object_put(body);
	engine_container_free(c);
	dctx_put(app, dc);
}

/* --- wait ------------------------------------------------------------------- */

struct wait_job {
	struct daemon *d;
	char id[65];
	int condition; /* 0 not-running, 1 next-exit, 2 removed */
	unsigned target;
	int initial_code;
	bool done_now;
};

static void wait_reply(hs_stream *st, int code)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "Error", NULL);
	json_object_object_add(o, "StatusCode", json_object_new_int(code));
	hs_stream_json(st, o);
}

static void wait_stream(hs_stream *st, void *data)
{
	struct wait_job *w = data;
	struct daemon *d = w->d;
	struct dcont *e;
	int code = w->initial_code;

	if (w->done_now) {
		wait_reply(st, code);
		return;
	}
	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct timespec dl;

		e = registry_get(d, w->id);
		if (!e)
			break;
		if (w->condition == 2 ? e->removed : e->exits >= w->target) {
			code = e->exit_code;
			pthread_mutex_unlock(&d->lock);
			wait_reply(st, code);
			return;
		}
		/* Woken by every state change; the timeout notices a client that left. */
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += 1;
		pthread_cond_timedwait(&d->cond, &d->lock, &dl);
		if (hs_stream_gone(st))
			break;
	}
	pthread_mutex_unlock(&d->lock);
}

static void wait_(hs_request *req, void *app)
{
	struct daemon *d = app;
	struct dctx *dc = dctx_get(d);
	engine_container *c = open_container_param(req, dc->ctx);
	const char *cond = hs_query(req, "condition");
	struct wait_job *w;
	struct dcont *e;
	bool running;

	if (!c)
		goto out;
	w = calloc(1, sizeof(*w));
	if (!w) {
		hs_reply_error(req, 500, "out of memory");
		goto out;
	}
	w->d = d;
	snprintf(w->id, sizeof(w->id), "%s", engine_container_id(c));
	if (!cond || !*cond || strcmp(cond, "not-running") == 0)
		w->condition = 0;
	else if (strcmp(cond, "next-exit") == 0)
		w->condition = 1;
	else if (strcmp(cond, "removed") == 0)
		w->condition = 2;
	else {
		free(w);
		hs_reply_error(req, 400, "invalid condition: \"%s\"", cond);
		goto out;
	}
	running = is_running(c);
	if (running)
		registry_started(d, w->id); /* watched already, or started by another client */
	pthread_mutex_lock(&d->lock);
	e = registry_get(d, w->id);
	w->target = e ? e->exits + 1 : 1;
	pthread_mutex_unlock(&d->lock);
	if (w->condition == 0 && !running) {
		w->done_now = true;
		engine_container_wait(c, 0, &w->initial_code);
	}
	hs_reply_stream(req, 200, "application/json", wait_stream, w, free);
out:
	engine_container_free(c);
	dctx_put(d, dc);
}

/* --- delete, prune -------------------------------------------------------------- */

CONTAINER_HANDLER(delete_)
{
	bool force = hs_query_bool(req, "force", false);

	if (!force && is_running(c))
		hs_reply_error(
		    req, 409,
		    "You cannot remove a running container %s. Stop the container before attempting "
		    "removal or force remove",
		    engine_container_id(c));
	else if (registry_remove_container(d, c, force, hs_query_bool(req, "v", false)) < 0)
		reply_engine_error(req, "Could not remove container");
	else
		hs_reply_empty(req, 204);
}

/* dockerd's container prune filters: until, label and label!. */
static bool prune_match(json_object *filters, json_object *ins, int64_t until)
{
	json_object *labels = jget(jget(ins, "Config"), "Labels");
	const char **vals;
	size_t n;
	bool ok = true;

	if (until && parse_rfc3339(jget_str(ins, "Created")) >= until)
		return false;
	filter_values(filters, "label", &vals, &n);
	for (size_t i = 0; i < n && ok; i++)
		ok = match_label(labels, vals[i]);
	free(vals);
	filter_values(filters, "label!", &vals, &n);
	for (size_t i = 0; i < n && ok; i++)
		ok = !match_label(labels, vals[i]);
	free(vals);
	return ok;
}

static void prune(hs_request *req, void *app)
{
	static const char *const known[] = {"until", "label", "label!", NULL};
	struct daemon *d = app;
	struct dctx *dc = dctx_get(d);
	engine_strarray ids = {NULL, 0};
	json_object *filters = NULL, *deleted = NULL, *o;
	int64_t until = 0, reclaimed = 0;

	if (filters_parse(req, known, &filters) < 0)
		goto out;
	if (filter_first(filters, "until") && (until = parse_until(filter_first(filters, "until"))) < 0) {
		hs_reply_error(req, 400, "Invalid filter 'until=%s': not a timestamp or a duration",
			       filter_first(filters, "until"));
		goto out;
	}
	if (engine_container_list_ids(dc->ctx, 1, &ids) < 0) {
		reply_engine_error(req, "prune");
		goto out;
	}
	deleted = json_object_new_array();
	for (size_t i = 0; i < ids.count; i++) {
		engine_container *c = NULL;
		json_object *ins;
		int64_t rw = 0;
		bool ok;

		if (engine_container_open(dc->ctx, ids.strings[i], &c) < 0)
			continue;
		if (is_running(c)) {
			engine_container_free(c);
			continue;
		}
		ins = filters ? container_inspect_obj(c) : NULL;
		ok = !filters || (ins && prune_match(filters, ins, until));
		if (ins)
			json_object_put(ins);
		if (ok && engine_container_size_rw(c, &rw) < 0)
			rw = 0;
		if (ok && registry_remove_container(d, c, false, false) == 0) {
			json_object_array_add(deleted, json_object_new_string(ids.strings[i]));
			reclaimed += rw;
		}
		engine_container_free(c);
	}
	o = json_object_new_object();
	json_object_object_add(o, "ContainersDeleted", deleted);
	json_object_object_add(o, "SpaceReclaimed", json_object_new_int64(reclaimed));
	hs_reply_json(req, 200, o);
out:
	engine_error_clear();
	if (filters)
		json_object_put(filters);
	engine_strarray_dispose(&ids);
	dctx_put(d, dc);
}

const struct hs_route daemon_container_routes[] = {
    {"GET", "/containers/json", list, 0},
    {"POST", "/containers/create", handle_container_create, 0},
    {"POST", "/containers/prune", prune, 0},
    {"GET", "/containers/{id}/json", inspect, 0},
    {"POST", "/containers/{id}/start", start, 0},
    {"POST", "/containers/{id}/stop", stop, 0},
    {"POST", "/containers/{id}/restart", restart, 0},
    {"POST", "/containers/{id}/kill", kill_, 0},
    {"POST", "/containers/{id}/pause", pause_, 0},
    {"POST", "/containers/{id}/unpause", pause_, 0},
    {"POST", "/containers/{id}/rename", rename_, 0},
    {"POST", "/containers/{id}/update", update, 0},
    {"POST", "/containers/{id}/wait", wait_, 0},
    {"DELETE", "/containers/{id}", delete_, 0},
    {NULL, NULL, NULL, 0},
};
