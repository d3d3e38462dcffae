/*
 * Image endpoints over the library's store: list (with the dangling,
 * reference and label filters), inspect, tag, delete. Names with "/" and
 * ":" arrive unescaped in the path ({name*} spans segments).
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"

static json_object *image_labels(engine_context *ctx, const char *id)
{
	char *text = NULL;
	json_object *o, *cfg, *l, *r = NULL;

	if (engine_image_inspect(ctx, id, &text) < 0)
		return json_object_new_object();
	o = json_tokener_parse(text);
	engine_free(text);
	if (o && json_object_object_get_ex(o, "Config", &cfg) &&
	    json_object_object_get_ex(cfg, "Labels", &l) && l)
		r = json_object_get(l);
	if (o)
		json_object_put(o);
	return r ? r : json_object_new_object();
}

/* Does tag @t ("name:tag") match a reference filter (a glob on the whole
 * tag or on the name)? */
static bool tag_matches(const char *t, const char *pattern)
{
	char name[1024];
	const char *colon = strrchr(t, ':');

	if (fnmatch(pattern, t, 0) == 0)
		return true;
	snprintf(name, sizeof(name), "%.*s", colon && !strchr(colon, '/') ? (int)(colon - t) : (int)strlen(t),
		 t);
	return fnmatch(pattern, name, 0) == 0;
}

/* With a reference filter only the matching tags are listed, as dockerd does. */
static bool tag_wanted(json_object *refs, const char *t)
{
	if (!refs)
		return true;
	for (size_t k = 0; k < json_object_array_length(refs); k++)
		if (tag_matches(t, json_object_get_string(json_object_array_get_idx(refs, k))))
			return true;
	return false;
}

/* The Created of image @ref among @l (before/since filters); -1 after a 404. */
static int64_t created_of_image(hs_request *req, engine_context *ctx, engine_image_list *l, const char *ref)
{
	char *text = NULL;
	json_object *o;
	const char *id;
	int64_t t = -1;

	if (engine_image_inspect(ctx, ref, &text) < 0) {
		engine_error_clear();
		reply_no_such_image(req, ref);
		return -1;
	}
	o = json_tokener_parse(text);
	engine_free(text);
	id = jget_str(o, "Id");
	for (size_t i = 0; id && i < engine_image_list_count(l); i++)
		if (strcmp(engine_image_list_get(l, i)->id, id) == 0)
			t = engine_image_list_get(l, i)->created;
	if (o)
		json_object_put(o);
	if (t < 0)
		reply_no_such_image(req, ref);
	return t;
}

/* The image's parent ID (a build step's, a commit's), NULL when none. */
static char *image_parent(engine_context *ctx, const char *id)
{
	char *text = NULL, *r = NULL;
	json_object *o, *v;

	if (engine_image_inspect(ctx, id, &text) < 0)
		return NULL;
	o = json_tokener_parse(text);
	engine_free(text);
	if (o && json_object_object_get_ex(o, "Parent", &v) && json_object_get_string_len(v) > 0)
		r = strdup(json_object_get_string(v));
	json_object_put(o);
	return r;
}

static void list(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	engine_image_list *l = NULL;
	static const char *const known[] = {"dangling", "reference", "label", "before", "since", NULL};
	json_object *arr, *filters = NULL, *v;
	int dangling = -1;
	int64_t before = -1, since = -1;
	bool all = hs_query_bool(req, "all", false);
	char **parents = NULL;
	size_t n;

	if (filters_parse(req, known, &filters) < 0)
		goto out;
	if (filter_first(filters, "dangling")) {
		const char *s = filter_first(filters, "dangling");

		dangling = strcmp(s, "true") == 0 || strcmp(s, "1") == 0;
	}
	if (engine_image_list_new(dc->ctx, &l) < 0) {
		reply_engine_error(req, "list images");
		goto out;
	}
	if ((filter_first(filters, "before") &&
	     (before = created_of_image(req, dc->ctx, l, filter_first(filters, "before"))) < 0) ||
	    (filter_first(filters, "since") &&
	     (since = created_of_image(req, dc->ctx, l, filter_first(filters, "since"))) < 0)) {
		engine_image_list_free(l);
		goto out;
	}
	/* Each image's parent: an untagged image with a child is an
	 * intermediate one, which dockerd lists only with all=1 and never as
	 * dangling. */
	n = engine_image_list_count(l);
	parents = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; parents && i < n; i++)
		parents[i] = image_parent(dc->ctx, engine_image_list_get(l, i)->id);
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const engine_image_summary *s = engine_image_list_get(l, i);
		json_object *im, *tags, *labels, *refs;
		bool ok = true, children = false;

		for (size_t k = 0; parents && k < n && !children; k++)
			children = parents[k] && strcmp(parents[k], s->id) == 0;
		if (s->tags.count == 0 && children && (!all || dangling == 1))
			continue;
		if (dangling >= 0 && (s->tags.count == 0) != (dangling == 1))
			continue;
		if ((before >= 0 && s->created >= before) || (since >= 0 && s->created <= since))
			continue;
		refs = NULL;
		if (filters && json_object_object_get_ex(filters, "reference", &v) &&
		    json_object_is_type(v, json_type_array) && json_object_array_length(v)) {
			refs = v;
			ok = false;
			for (size_t k = 0; k < s->tags.count && !ok; k++)
				ok = tag_wanted(refs, s->tags.strings[k]);
		}
		if (!ok)
			continue;
		labels = image_labels(dc->ctx, s->id);
		if (filters && json_object_object_get_ex(filters, "label", &v) &&
		    json_object_is_type(v, json_type_array)) {
			for (size_t k = 0; k < json_object_array_length(v) && ok; k++) {
				const char *want = json_object_get_string(json_object_array_get_idx(v, k));
				const char *eq = strchr(want, '=');
				char key[512];
				json_object *lv;

				snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - want) : (int)strlen(want),
					 want);
				ok = json_object_object_get_ex(labels, key, &lv) &&
				     (!eq || strcmp(json_object_get_string(lv), eq + 1) == 0);
			}
		}
		if (!ok) {
			json_object_put(labels);
			continue;
		}
		im = json_object_new_object();
		tags = json_object_new_array();
		for (size_t k = 0; k < s->tags.count; k++)
			if (tag_wanted(refs, s->tags.strings[k]))
				json_object_array_add(tags, json_object_new_string(s->tags.strings[k]));
		json_object_object_add(im, "Containers", json_object_new_int(-1));
		json_object_object_add(im, "Created", json_object_new_int64(s->created));
		json_object_object_add(im, "Id", json_object_new_string(s->id));
		json_object_object_add(im, "Labels", labels);
		json_object_object_add(im, "ParentId",
				       json_object_new_string(parents && parents[i] ? parents[i] : ""));
		/* null when there is none (dockerd 20.10) */
		json_object_object_add(im, "RepoDigests", s->tags.count ? NULL : json_object_new_array());
		if (s->tags.count == 0) {
			/* dockerd 20.10's placeholders for an untagged image */
			json_object_array_add(tags, json_object_new_string("<none>:<none>"));
			json_object_array_add(jget(im, "RepoDigests"),
					      json_object_new_string("<none>@<none>"));
		}
		json_object_object_add(im, "RepoTags", tags);
		json_object_object_add(im, "SharedSize", json_object_new_int(-1));
		json_object_object_add(im, "Size", json_object_new_int64(s->size));
		json_object_object_add(im, "VirtualSize", json_object_new_int64(s->size));
		json_object_array_add(arr, im);
	}
	for (size_t i = 0; parents && i < n; i++)
		free(parents[i]);
	free(parents);
	engine_image_list_free(l);
	hs_reply_json(req, 200, arr);
out:
	if (filters)
		json_object_put(filters);
	dctx_put(app, dc);
}

/* A container whose image is @image_id ("sha256:..."), running first:
 * its ID into @cid, true when running. */
static bool container_of_image(engine_context *ctx, const char *image_id, char cid[65], bool *running)
{
	engine_strarray ids = {NULL, 0};
	bool found = false;

	*running = false;
	if (engine_container_list_ids(ctx, 1, &ids) < 0)
		return false;
	for (size_t i = 0; i < ids.count && !*running; i++) {
		engine_container *c = NULL;
		char *text = NULL;
		json_object *o = NULL, *v;

		if (engine_container_open(ctx, ids.strings[i], &c) < 0)
			continue;
		if (engine_container_inspect(c, &text) == 0)
			o = json_tokener_parse(text);
		engine_free(text);
		if (o && json_object_object_get_ex(o, "Image", &v) &&
		    strcmp(json_object_get_string(v), image_id) == 0) {
			const char *st = engine_container_status(c);
			bool run = strcmp(st, "running") == 0 || strcmp(st, "paused") == 0;

			if (!found || run) {
				snprintf(cid, 65, "%s", engine_container_id(c));
				*running = run;
			}
			found = true;
		}
		json_object_put(o);
		engine_container_free(c);
	}
	engine_strarray_dispose(&ids);
	return found;
}

/* dockerd's conflict messages name the container (and whether it runs). */
static void busy_reply(hs_request *req, engine_context *ctx, const char *name, const char *error)
{
	char msg[1024]; /* the lookups below replace the thread's last error */
	engine_image *img = NULL;
	char cid[65] = "", iid[80] = "";
	bool running = false, found = false;

	snprintf(msg, sizeof(msg), "%s", error);
	if (engine_image_open(ctx, name, &img) == 0) {
		snprintf(iid, sizeof(iid), "%s", engine_image_id(img));
		found = container_of_image(ctx, iid, cid, &running);
	}
	engine_image_free(img);
	const char *hex = strncmp(iid, "sha256:", 7) == 0 ? iid + 7 : iid;

	if (found && strstr(msg, "a container is using its referenced image"))
		hs_reply_error(req, 409,
			       "conflict: unable to remove repository reference \"%s\" (must force) - "
			       "container %.12s is using its referenced image %.12s",
			       name, cid, hex);
	else if (found && strstr(msg, "image is being used by a container"))
		hs_reply_error(
		    req, 409,
		    "conflict: unable to delete %.12s (%s) - image is being used by %s container %.12s", hex,
		    running ? "cannot be forced" : "must be forced", running ? "running" : "stopped", cid);
	else
		hs_reply_error(req, 409, "%s", msg);
}

void reply_no_such_image(hs_request *req, const char *name)
{
	const char *slash = strrchr(name, '/'), *last = slash ? slash + 1 : name;
	bool id = strncmp(name, "sha256:", 7) == 0 ||
		  (strlen(name) == 64 && strspn(name, "0123456789abcdef") == 64);

	/* dockerd names the reference it looked for: the tag made explicit. */
	if (id || strchr(name, '@') || strchr(last, ':'))
		hs_reply_error(req, 404, "No such image: %s", name);
	else
		hs_reply_error(req, 404, "No such image: %s:latest", name);
}

/* What the image inspect of the API has beyond the store's: dockerd's
 * Container and ContainerConfig (the config the image was made with) and
 * GraphDriver, shaped as container inspect gives it. */
static void image_inspect_complete(json_object *o)
{
	json_object *cfg = jget(o, "Config"), *cc = NULL, *gd = json_object_new_object();

	jput_default(o, "Container", json_object_new_string(""));
	if (cfg)
		json_object_deep_copy(cfg, &cc, NULL);
	jput_default(o, "ContainerConfig", cc ? cc : json_object_new_object());
	json_object_object_add(gd, "Name", json_object_new_string("overlay2"));
	json_object_object_add(gd, "Data", NULL);
	jput_default(o, "GraphDriver", gd);
}

static void inspect(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	const char *name = hs_param(req, "name");
	char *text = NULL;
	json_object *o;
	int r = engine_image_inspect(dc->ctx, name, &text);
	const char *slash = strrchr(name, '/'), *last = slash ? slash + 1 : name;

	/* dockerd 20.10's inspect prefixes the name as given */
	if (r == ENGINE_ENOTFOUND && strncmp(name, "sha256:", 7) != 0 && !strchr(name, '@'))
		hs_reply_error(req, 404, "no such image: %s: No such image: %s%s", name, name,
			       strchr(last, ':') ? "" : ":latest");
	else if (r == ENGINE_ENOTFOUND)
		reply_no_such_image(req, name);
	else if (r < 0)
		reply_engine_error(req, NULL);
	else if (!(o = json_tokener_parse(text)))
		hs_reply_error(req, 500, "image %s: the store's inspect output is not JSON", name);
	else {
		image_inspect_complete(o);
		hs_reply_json(req, 200, o);
	}
	engine_free(text);
	dctx_put(app, dc);
}

static void tag(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	const char *name = hs_param(req, "name"), *repo = hs_query(req, "repo"), *t = hs_query(req, "tag");
	char dst[1024];
	int r;

	if (!repo || !*repo) {
		hs_reply_error(req, 400, "repository name must have at least one component");
		goto out;
	}
	snprintf(dst, sizeof(dst), "%s:%s", repo, t && *t ? t : "latest");
	r = engine_image_tag(dc->ctx, name, dst);
	if (r == ENGINE_ENOTFOUND)
		reply_no_such_image(req, name);
	else if (r < 0)
		reply_engine_error(req, NULL);
	else {
		events_emit("image", "tag", name, "name", dst, NULL);
		hs_reply_empty(req, 201);
	}
out:
	dctx_put(app, dc);
}

static void delete_(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	const char *name = hs_param(req, "name");
	engine_image_remove_options opts = ENGINE_IMAGE_REMOVE_OPTIONS_INIT;
	engine_strarray report = {NULL, 0};
	json_object *arr;
	int r;

	opts.force = hs_query_bool(req, "force", false);
	r = engine_image_remove(dc->ctx, name, &opts, &report);
	if (r == ENGINE_ENOTFOUND) {
		reply_no_such_image(req, name);
	} else if (r == ENGINE_EBUSY) {
		busy_reply(req, dc->ctx, name, engine_error_last()->message);
	} else if (r < 0) {
		reply_engine_error(req, NULL);
	} else {
		arr = json_object_new_array();
		for (size_t i = 0; i < report.count; i++) {
			const char *line = report.strings[i];
			json_object *o = json_object_new_object();

			if (strncmp(line, "Untagged: ", 10) == 0) {
				json_object_object_add(o, "Untagged", json_object_new_string(line + 10));
				events_emit("image", "untag", line + 10, "name", line + 10, NULL);
			} else if (strncmp(line, "Deleted: ", 9) == 0) {
				json_object_object_add(o, "Deleted", json_object_new_string(line + 9));
				events_emit("image", "delete", line + 9, "name", name, NULL);
			} else
				json_object_object_add(o, "Deleted", json_object_new_string(line));
			json_object_array_add(arr, o);
		}
		hs_reply_json(req, 200, arr);
	}
	engine_strarray_dispose(&report);
	dctx_put(app, dc);
}

const struct hs_route daemon_image_routes[] = {
    {"GET", "/images/json", list, 0},
    {"GET", "/images/{name*}/json", inspect, 0},
    {"POST", "/images/{name*}/tag", tag, 0},
    {"DELETE", "/images/{name*}", delete_, 0},
    {NULL, NULL, NULL, 0},
};
