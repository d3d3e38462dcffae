/*
 * GET /events: what the daemon did (container create, start, die, destroy,
 * kill, stop, pause, unpause, rename, attach; exec create, start, die;
 * image tag, untag, delete), in Docker's event shape, kept in a ring of the
 * last EVENTS_KEPT for `since`, streamed live until `until` or the client
 * leaves, with the type, event, container, image and label filters.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/daemon.h"

#define EVENTS_KEPT 1024

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	json_object *ring[EVENTS_KEPT];
	uint64_t count; /* events ever emitted; ring[i % EVENTS_KEPT] */
	int listeners;	/* /events streams being served (/info's NEventsListener) */
} ev = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {NULL}, 0, 0};

int events_listeners(void)
{
	int n;

	pthread_mutex_lock(&ev.lock);
	n = ev.listeners;
	pthread_mutex_unlock(&ev.lock);
	return n;
}

void events_emit(const char *type, const char *action, const char *id, ...)
{
	json_object *o = json_object_new_object(), *actor = json_object_new_object(),
		    *attrs = json_object_new_object();
	struct timespec now;
	int64_t ns;
	va_list ap;
	const char *k;

	clock_gettime(CLOCK_REALTIME, &now);
	ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	va_start(ap, id);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);

		json_object_object_add(attrs, k, json_object_new_string(v ? v : ""));
	}
	va_end(ap);
	json_object_object_add(o, "Type", json_object_new_string(type));
	json_object_object_add(o, "Action", json_object_new_string(action));
	json_object_object_add(actor, "ID", json_object_new_string(id));
	json_object_object_add(actor, "Attributes", attrs);
	json_object_object_add(o, "Actor", actor);
	json_object_object_add(o, "scope", json_object_new_string("local"));
	json_object_object_add(o, "time", json_object_new_int64(ns / 1000000000));
	json_object_object_add(o, "timeNano", json_object_new_int64(ns));
	/* The pre-1.22 fields the CLI still prints from. */
	if (strcmp(type, "container") == 0 || strcmp(type, "image") == 0) {
		json_object *img;

		json_object_object_add(o, "status", json_object_new_string(action));
		json_object_object_add(o, "id", json_object_new_string(id));
		if (json_object_object_get_ex(attrs, "image", &img))
			json_object_object_add(o, "from", json_object_get(img));
	}
	pthread_mutex_lock(&ev.lock);
	if (ev.ring[ev.count % EVENTS_KEPT])
		json_object_put(ev.ring[ev.count % EVENTS_KEPT]);
	ev.ring[ev.count % EVENTS_KEPT] = o;
	ev.count++;
	pthread_cond_broadcast(&ev.cond);
	pthread_mutex_unlock(&ev.lock);
}

void events_container(engine_container *c, const char *action, ...)
{
	char *text = NULL;
	json_object *ins = NULL, *cfg, *img;
	const char *image = "";

	if (engine_container_inspect(c, &text) == 0)
		ins = json_tokener_parse(text);
	engine_free(text);
	if (ins && json_object_object_get_ex(ins, "Config", &cfg) &&
	    json_object_object_get_ex(cfg, "Image", &img))
		image = json_object_get_string(img);
	{
		va_list ap;
		const char *k1 = NULL, *v1 = NULL;

		/* One extra attribute at most (exitCode, signal, execID, oldName). */
		va_start(ap, action);
		k1 = va_arg(ap, const char *);
		if (k1)
			v1 = va_arg(ap, const char *);
		va_end(ap);
		events_emit("container", action, engine_container_id(c), "image", image, "name",
			    engine_container_name(c), k1, v1, NULL);
	}
	if (ins)
		json_object_put(ins);
}

void events_resources(engine_container *c, bool up)
{
	json_object *ins = container_inspect_obj(c), *nets, *mounts;
	const char *id = engine_container_id(c);

	if (!ins)
		return;
	/* dockerd's order: network connect, then volume mount; at the end
	 * network disconnect, then volume unmount */
	nets = jget(jget(ins, "NetworkSettings"), "Networks");
	if (nets && json_object_is_type(nets, json_type_object)) {
		json_object_object_foreach(nets, name, ep)
		{
			const char *nid = jget_str(ep, "NetworkID");
			const char *type = strcmp(name, "none") == 0   ? "null"
					   : strcmp(name, "host") == 0 ? "host"
								       : "bridge";

			events_emit("network", up ? "connect" : "disconnect", nid && *nid ? nid : name,
				    "container", id, "name", name, "type", type, NULL);
		}
	}
	mounts = jget(ins, "Mounts");
	for (size_t i = 0;
	     mounts && json_object_is_type(mounts, json_type_array) && i < json_object_array_length(mounts);
	     i++) {
		json_object *m = json_object_array_get_idx(mounts, i);
		const char *name = jget_str(m, "Name");

		if (!name || strcmp(jget_str(m, "Type") ?: "", "volume") != 0)
			continue;
		if (up)
			events_emit("volume", "mount", name, "container", id, "destination",
				    jget_str(m, "Destination") ?: "", "driver", "local", "propagation", "",
				    "read/write", json_object_get_boolean(jget(m, "RW")) ? "true" : "false",
				    NULL);
		else
			events_emit("volume", "unmount", name, "container", id, "driver", "local", NULL);
	}
	json_object_put(ins);
}

/* --- GET /events -------------------------------------------------------------- */

struct watch {
	json_object *filters;
	int64_t since, until; /* ns, 0: none */
	bool has_since;
};

static int64_t parse_time(const char *s)
{
	char *end;
	double v;

	if (!s || !*s)
		return 0;
	v = strtod(s, &end);
	if (!*end)
		return (int64_t)(v * 1e9);
	return parse_rfc3339(s);
}

static bool any_match(json_object *filters, const char *key, const char *value, const char *value2)
{
	json_object *vals;

	if (!filters || !json_object_object_get_ex(filters, key, &vals))
		return true;
	if (json_object_is_type(vals, json_type_object)) {
		json_object_object_foreach(vals, k, v)
		{
			(void)v;
			if (strcmp(k, value) == 0 || (value2 && strcmp(k, value2) == 0) ||
			    (strlen(k) >= 12 && strncmp(value, k, strlen(k)) == 0))
				return true;
		}
		return false;
	}
	for (size_t i = 0; i < json_object_array_length(vals); i++) {
		const char *w = json_object_get_string(json_object_array_get_idx(vals, i));

		if (strcmp(w, value) == 0 || (value2 && strcmp(w, value2) == 0) ||
		    (strlen(w) >= 12 && strncmp(value, w, strlen(w)) == 0))
			return true;
	}
	return false;
}

static bool matches(struct watch *w, json_object *e)
{
	json_object *actor, *attrs, *v;
	const char *type, *id, *name = NULL, *image = NULL;

	json_object_object_get_ex(e, "Actor", &actor);
	json_object_object_get_ex(actor, "Attributes", &attrs);
	type = json_object_get_string(json_object_object_get_ex(e, "Type", &v) ? v : NULL);
	id = json_object_get_string(json_object_object_get_ex(actor, "ID", &v) ? v : NULL);
	if (json_object_object_get_ex(attrs, "name", &v))
		name = json_object_get_string(v);
	if (json_object_object_get_ex(attrs, "image", &v))
		image = json_object_get_string(v);
	if (!any_match(w->filters, "type", type, NULL) ||
	    !any_match(w->filters, "event",
		       json_object_get_string(json_object_object_get_ex(e, "Action", &v) ? v : NULL), NULL))
		return false;
	if (w->filters && json_object_object_get_ex(w->filters, "container", &v) &&
	    (strcmp(type, "container") != 0 || !any_match(w->filters, "container", id, name)))
		return false;
	if (w->filters && json_object_object_get_ex(w->filters, "image", &v) &&
	    !any_match(w->filters, "image", image ? image : id, NULL))
		return false;
	if (w->filters && json_object_object_get_ex(w->filters, "label", &v)) {
		for (size_t i = 0; json_object_is_type(v, json_type_array) && i < json_object_array_length(v);
		     i++) {
			const char *want = json_object_get_string(json_object_array_get_idx(v, i));
			const char *eq = strchr(want, '=');
			char key[256];
			json_object *lv;

			snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - want) : (int)strlen(want), want);
			if (!json_object_object_get_ex(attrs, key, &lv) ||
			    (eq && strcmp(json_object_get_string(lv), eq + 1) != 0))
				return false;
		}
	}
	return true;
}

static int64_t event_time(json_object *e)
{
	json_object *v;

	return json_object_object_get_ex(e, "timeNano", &v) ? json_object_get_int64(v) : 0;
}

static void events_run(hs_stream *st, void *data)
{
	struct watch *w = data;
	uint64_t next;

	pthread_mutex_lock(&ev.lock);
	ev.listeners++;
	/* Replay what the ring still has from `since` on; then live. */
	next = w->has_since ? (ev.count > EVENTS_KEPT ? ev.count - EVENTS_KEPT : 0) : ev.count;
	for (;;) {
		struct timespec now, dl;

		while (next < ev.count) {
			json_object *e = ev.ring[next % EVENTS_KEPT];
			int64_t t = event_time(e);

			next++;
			if ((w->since && t < w->since) || (w->until && t > w->until) || !matches(w, e))
				continue;
			json_object_get(e);
			pthread_mutex_unlock(&ev.lock);
			if (hs_stream_json(st, e) < 0) {
				pthread_mutex_lock(&ev.lock);
				ev.listeners--;
				pthread_mutex_unlock(&ev.lock);
				return;
			}
			pthread_mutex_lock(&ev.lock);
		}
		clock_gettime(CLOCK_REALTIME, &now);
		if (w->until && (int64_t)now.tv_sec * 1000000000 + now.tv_nsec >= w->until)
			break;
		dl = now;
		dl.tv_sec += 1;
		pthread_cond_timedwait(&ev.cond, &ev.lock, &dl);
		if (hs_stream_gone(st))
			break;
	}
	ev.listeners--;
	pthread_mutex_unlock(&ev.lock);
}

static void watch_free(void *data)
{
	struct watch *w = data;

	if (w->filters)
		json_object_put(w->filters);
	free(w);
}

static void events(hs_request *req, void *app)
{
	static const char *const known[] = {"type",  "event", "container", "image",
					    "label", "scope", "daemon",	   NULL};
	struct watch *w = calloc(1, sizeof(*w));

	(void)app;
	if (!w) {
		hs_reply_error(req, 500, "out of memory");
		return;
	}
	w->since = parse_time(hs_query(req, "since"));
	w->has_since = hs_query(req, "since") != NULL;
	w->until = parse_time(hs_query(req, "until"));
	if (filters_parse(req, known, &w->filters) < 0) {
		watch_free(w);
		return;
	}
	hs_reply_stream(req, 200, "application/json", events_run, w, watch_free);
}

const struct hs_route daemon_event_routes[] = {
    {"GET", "/events", events, 0},
    {NULL, NULL, NULL, 0},
};
