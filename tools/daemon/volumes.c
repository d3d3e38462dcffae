/*
 * /volumes: list, create, inspect, delete, prune over the library's volumes
 * (include/engine/volume.h), with dockerd's JSON and status codes.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"

/* dockerd's filters object as the library's "key=value" list. */
static int filter_list(json_object *filters, engine_strarray *out)
{
	size_t n = 0;

	out->strings = NULL;
	out->count = 0;
	if (!filters)
		return 0;
	json_object_object_foreach(filters, k, vals)
	{
		(void)k;
		n += json_object_array_length(vals);
	}
	out->strings = calloc(n + 1, sizeof(char *));
	if (!out->strings)
		return -1;
	json_object_object_foreach(filters, key, values)
	{
		for (size_t i = 0; i < json_object_array_length(values); i++)
			if (asprintf(&out->strings[out->count], "%s=%s", key,
				     json_object_get_string(json_object_array_get_idx(values, i))) >= 0)
				out->count++;
	}
	return 0;
}

/* Docker leaves UsageData out of inspect and list (only system df has it). */
static json_object *parse_volume(const char *text)
{
	json_object *v = json_tokener_parse(text);

	json_object *l;

	if (v && json_object_is_type(v, json_type_object)) {
		json_object_object_add(v, "UsageData", NULL);
		/* dockerd: null labels when none were given */
		if (json_object_object_get_ex(v, "Labels", &l) && json_object_is_type(l, json_type_object) &&
		    json_object_object_length(l) == 0)
			json_object_object_add(v, "Labels", NULL);
	}
	return v;
}

static void list(hs_request *req, void *app)
{
	static const char *const known[] = {"dangling", "name", "label", "driver", NULL};
	struct dctx *dc = dctx_get(app);
	json_object *filters = NULL, *all = NULL, *reply;
	engine_strarray fl = {NULL, 0};
	char *text = NULL;

	if (filters_parse(req, known, &filters) < 0)
		goto done;
	if (filter_list(filters, &fl) < 0 || engine_volume_list(dc->ctx, &fl, &text) < 0 ||
	    !(all = json_tokener_parse(text))) {
		reply_engine_error(req, "list volumes");
		goto done;
	}
	for (size_t i = 0; i < json_object_array_length(all); i++)
		json_object_object_add(json_object_array_get_idx(all, i), "UsageData", NULL);
	reply = json_object_new_object();
	json_object_object_add(reply, "Volumes", json_object_get(all));
	json_object_object_add(reply, "Warnings", NULL);
	hs_reply_json(req, 200, reply);
done:
	engine_strarray_dispose(&fl);
	engine_free(text);
	if (all)
		json_object_put(all);
	if (filters)
		json_object_put(filters);
	dctx_put(app, dc);
}

/* An object of strings as "k=v" items; NULL when it is not one. */
static int pairs(json_object *o, const char *what, engine_strarray *out, hs_request *req)
{
	out->strings = NULL;
	out->count = 0;
	if (!o)
		return 0;
	if (!json_object_is_type(o, json_type_object)) {
		hs_reply_error(req, 400, "%s: expected an object of strings", what);
		return -1;
	}
	out->strings = calloc((size_t)json_object_object_length(o) + 1, sizeof(char *));
	if (!out->strings)
		return -1;
	json_object_object_foreach(o, k, v)
	{
		if (!json_object_is_type(v, json_type_string)) {
			hs_reply_error(req, 400, "%s: \"%s\" must be a string", what, k);
			return -1;
		}
		if (asprintf(&out->strings[out->count], "%s=%s", k, json_object_get_string(v)) >= 0)
			out->count++;
	}
	return 0;
}

static void create(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	engine_volume_create_options o = ENGINE_VOLUME_CREATE_OPTIONS_INIT;
	engine_strarray labels = {NULL, 0}, opts = {NULL, 0};
	json_object *b = NULL;
	char *name = NULL, *text = NULL;

	if (hs_body_json(req, &b) < 0)
		goto done;
	if (b && !json_object_is_type(b, json_type_object)) {
		hs_reply_error(req, 400, "volume config: expected a JSON object in the request body");
		goto done;
	}
	if (pairs(jget(b, "Labels"), "Labels", &labels, req) < 0 ||
	    pairs(jget(b, "DriverOpts"), "DriverOpts", &opts, req) < 0)
		goto done;
	o.name = jget_str(b, "Name");
	o.driver = jget_str(b, "Driver");
	o.labels = labels;
	o.options = opts;
	if (engine_volume_create(dc->ctx, &o, &name) < 0 || engine_volume_inspect(dc->ctx, name, &text) < 0) {
		reply_engine_error(req, NULL);
		goto done;
	}
	events_emit("volume", "create", name, "driver", "local", NULL);
	hs_reply_json(req, 201, parse_volume(text));
done:
	engine_strarray_dispose(&labels);
	engine_strarray_dispose(&opts);
	engine_free(name);
	engine_free(text);
	if (b)
		json_object_put(b);
	dctx_put(app, dc);
}

static void inspect(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	const char *name = hs_param(req, "name");
	char *text = NULL;

	if (engine_volume_inspect(dc->ctx, name, &text) < 0) {
		if (engine_error_last()->code == ENGINE_ENOTFOUND)
			hs_reply_error(req, 404, "get %s: no such volume", name);
		else
			reply_engine_error(req, NULL);
	} else {
		hs_reply_json(req, 200, parse_volume(text));
	}
	engine_free(text);
	dctx_put(app, dc);
}

static void remove_(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	const char *name = hs_param(req, "name");
	int r = engine_volume_remove(dc->ctx, name, hs_query_bool(req, "force", false));

	if (r == ENGINE_ENOTFOUND)
		hs_reply_error(req, 404, "get %s: no such volume", name);
	else if (r == ENGINE_EBUSY)
		hs_reply_error(req, 409, "remove %s: volume is in use", name);
	else if (r < 0)
		reply_engine_error(req, NULL);
	else {
		events_emit("volume", "destroy", name, "driver", "local", NULL);
		hs_reply_empty(req, 204);
	}
	dctx_put(app, dc);
}

static bool old_api_all(hs_request *req, json_object *filters, engine_strarray *fl)
{
	const char *v = hs_api_version(req);
	unsigned major = 1, minor = 41;
	char **grown;

	if (v && sscanf(v, "%u.%u", &major, &minor) != 2)
		major = 1, minor = 41;
	if (major > 1 || minor >= 42 || (filters && json_object_object_get_ex(filters, "all", NULL)))
		return true;
	grown = realloc(fl->strings, (fl->count + 2) * sizeof(char *));
	if (!grown)
		return false;
	fl->strings = grown;
	fl->strings[fl->count] = strdup("all=true");
	fl->strings[fl->count + 1] = NULL;
	return fl->strings[fl->count++] != NULL;
}

static void prune(hs_request *req, void *app)
{
	static const char *const known[] = {"label", "label!", "all", NULL};
	struct dctx *dc = dctx_get(app);
	json_object *filters = NULL, *reply, *names;
	engine_strarray fl = {NULL, 0}, gone = {NULL, 0};
	int64_t reclaimed = 0;

	if (filters_parse(req, known, &filters) < 0)
		goto done;
	/* Before API 1.42 dockerd prunes every unused volume, named ones too
	 * (the CLI and docker-py 5 talk 1.41 to us) */
	if (filter_list(filters, &fl) < 0 || !old_api_all(req, filters, &fl)) {
		hs_reply_error(req, 500, "prune volumes: out of memory");
		goto done;
	}
	if (engine_volume_prune(dc->ctx, &fl, &gone, &reclaimed) < 0) {
		reply_engine_error(req, "prune volumes");
		goto done;
	}
	names = json_object_new_array();
	for (size_t i = 0; i < gone.count; i++) {
		json_object_array_add(names, json_object_new_string(gone.strings[i]));
		events_emit("volume", "destroy", gone.strings[i], "driver", "local", NULL);
	}
	reply = json_object_new_object();
	json_object_object_add(reply, "VolumesDeleted", names);
	json_object_object_add(reply, "SpaceReclaimed", json_object_new_int64(reclaimed));
	hs_reply_json(req, 200, reply);
done:
	engine_strarray_dispose(&fl);
	engine_strarray_dispose(&gone);
	if (filters)
		json_object_put(filters);
	dctx_put(app, dc);
}

const struct hs_route daemon_volume_routes[] = {
    {"GET", "/volumes", list, 0},
    {"POST", "/volumes/create", create, 0},
    {"POST", "/volumes/prune", prune, 0},
    {"GET", "/volumes/{name}", inspect, 0},
    {"DELETE", "/volumes/{name}", remove_, 0},
    {NULL, NULL, NULL, 0},
};
