/*
 * /networks: list, inspect, create, connect, disconnect, prune, delete,
 * over the library's networks (bridge networks; "host" and "none"
 * predefined), with dockerd's JSON and status codes.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"

/* The keys dockerd has and the library leaves out. */
static void complete(json_object *n)
{
	json_object *from = json_object_new_object(), *ipam = jget(n, "IPAM");

	json_object_object_add(from, "Network", json_object_new_string(""));
	jput_default(n, "EnableIPv6", json_object_new_boolean(0));
	jput_default(n, "Internal", json_object_new_boolean(0));
	jput_default(n, "Attachable", json_object_new_boolean(0));
	jput_default(n, "Ingress", json_object_new_boolean(0));
	jput_default(n, "ConfigFrom", from);
	jput_default(n, "ConfigOnly", json_object_new_boolean(0));
	jput_default(n, "Containers", json_object_new_object());
	jput_default(n, "Options", json_object_new_object());
	jput_default(n, "Labels", json_object_new_object());
	if (ipam)
		jput_default(ipam, "Options", NULL);
}

static bool builtin(json_object *n)
{
	const char *name = jget_str(n, "Name") ?: "";

	return strcmp(name, "bridge") == 0 || strcmp(name, "host") == 0 || strcmp(name, "none") == 0;
}

static bool any_value(json_object *filters, const char *key, bool (*match)(json_object *, const char *),
		      json_object *n)
{
	json_object *vals = jget(filters, key);

	if (!vals)
		return true;
	for (size_t i = 0; i < json_object_array_length(vals); i++)
		if (match(n, json_object_get_string(json_object_array_get_idx(vals, i))))
			return true;
	return false;
}

static bool match_name(json_object *n, const char *v)
{
	return strstr(jget_str(n, "Name") ?: "", v) != NULL;
}

static bool match_id(json_object *n, const char *v)
{
	return strncmp(jget_str(n, "Id") ?: "", v, strlen(v)) == 0;
}

static bool match_driver(json_object *n, const char *v)
{
	return strcmp(jget_str(n, "Driver") ?: "", v) == 0;
}

static bool match_scope(json_object *n, const char *v)
{
	return strcmp(jget_str(n, "Scope") ?: "", v) == 0;
}

static bool match_type(json_object *n, const char *v)
{
	return strcmp(v, builtin(n) ? "builtin" : "custom") == 0;
}

static bool match_label(json_object *n, const char *v)
{
	const char *eq = strchr(v, '=');
	char key[256];
	const char *have;

	snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - v) : (int)strlen(v), v);
	have = jget_str(jget(n, "Labels"), key);
	return have && (!eq || strcmp(have, eq + 1) == 0);
}

static bool match_dangling(json_object *n, const char *v)
{
	bool dangling = !builtin(n) && json_object_object_length(jget(n, "Containers")) == 0;

	return dangling == (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static const char *const network_filters[] = {"name", "id",    "driver",   "scope",
					      "type", "label", "dangling", NULL};

static bool pass(json_object *filters, json_object *n)
{
	return any_value(filters, "name", match_name, n) && any_value(filters, "id", match_id, n) &&
	       any_value(filters, "driver", match_driver, n) && any_value(filters, "scope", match_scope, n) &&
	       any_value(filters, "type", match_type, n) && any_value(filters, "label", match_label, n) &&
	       any_value(filters, "dangling", match_dangling, n);
}

static void list(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	json_object *filters = NULL, *all = NULL, *out;
	char *text = NULL;

	if (filters_parse(req, network_filters, &filters) < 0)
		goto done;
	if (engine_network_list(dc->ctx, &text) < 0 || !(all = json_tokener_parse(text))) {
		reply_engine_error(req, "list networks");
		goto done;
	}
	out = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		json_object *n = json_object_array_get_idx(all, i);

		if (!pass(filters, n))
			continue;
		complete(n);
		json_object_array_add(out, json_object_get(n));
	}
	hs_reply_json(req, 200, out);
done:
	engine_free(text);
	if (all)
		json_object_put(all);
	if (filters)
		json_object_put(filters);
	dctx_put(app, dc);
}

/* The network of the path's {id}; replies 404 itself and returns NULL. */
static json_object *open_network(hs_request *req, engine_context *ctx, const char *key)
{
	char *text = NULL;
	json_object *n = NULL;
	int r = engine_network_inspect(ctx, key, &text);

	if (r == ENGINE_ENOTFOUND)
		hs_reply_error(req, 404, "network %s not found", key);
	else if (r < 0 || !(n = json_tokener_parse(text)))
		reply_engine_error(req, "inspect network");
	engine_free(text);
	return n;
}

static void inspect(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	json_object *n = open_network(req, dc->ctx, hs_param(req, "id"));

	if (n) {
		complete(n);
		hs_reply_json(req, 200, n);
	}
	dctx_put(app, dc);
}

static bool is_on(json_object *v)
{
	return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static const char *const create_keys[] = {"Name",	"CheckDuplicate", "Driver",	"Scope",
					  "EnableIPv6", "IPAM",		  "Internal",	"Attachable",
					  "Ingress",	"ConfigOnly",	  "ConfigFrom", "Options",
					  "Labels",	"EnableIPv4",	  NULL};

/* The create body's checks; returns the error text or NULL. */
static const char *create_refusal(json_object *b, char *buf, size_t len)
{
	const char *driver = jget_str(b, "Driver"), *ipd = jget_str(jget(b, "IPAM"), "Driver");
	json_object *cfg = jget(jget(b, "IPAM"), "Config"), *opts = jget(b, "Options");

	json_object_object_foreach(b, k, unused)
	{
		bool ok = false;

		(void)unused;
		for (size_t i = 0; create_keys[i]; i++)
			ok = ok || strcmp(create_keys[i], k) == 0;
		if (!ok) {
			snprintf(buf, len, "network config: unknown field \"%s\"", k);
			return buf;
		}
	}
	if (!jget_str(b, "Name") || !*jget_str(b, "Name"))
		return "Name: a network name is required";
	if (driver && *driver && strcmp(driver, "bridge") != 0) {
		snprintf(buf, len, "Driver: \"%s\" is not supported by this engine (bridge)", driver);
		return buf;
	}
	if (ipd && *ipd && strcmp(ipd, "default") != 0) {
		snprintf(buf, len, "IPAM.Driver: \"%s\" is not supported by this engine (default)", ipd);
		return buf;
	}
	if (is_on(jget(b, "EnableIPv6")))
		return "EnableIPv6: IPv6 is not supported by this engine";
	if (is_on(jget(b, "Ingress")) || is_on(jget(b, "ConfigOnly")) ||
	    (jget_str(jget(b, "ConfigFrom"), "Network") && *jget_str(jget(b, "ConfigFrom"), "Network")))
		return "Ingress, ConfigOnly, ConfigFrom: swarm and config-only networks are not supported";
	if (opts && json_object_is_type(opts, json_type_object) && json_object_object_length(opts) > 0)
		return "Options: driver options are not supported by this engine";
	if (cfg && json_object_is_type(cfg, json_type_array) && json_object_array_length(cfg) > 1)
		return "IPAM.Config: one IPv4 subnet per network";
	if (cfg && json_object_array_length(cfg) == 1) {
		json_object *c = json_object_array_get_idx(cfg, 0);

		if ((jget_str(c, "IPRange") && *jget_str(c, "IPRange")) ||
		    (jget(c, "AuxiliaryAddresses") &&
		     json_object_object_length(jget(c, "AuxiliaryAddresses"))))
			return "IPAM.Config: IPRange and AuxiliaryAddresses are not supported by this engine";
	}
	return NULL;
}

static void create(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	engine_network_create_options o = ENGINE_NETWORK_CREATE_OPTIONS_INIT;
	json_object *b = NULL, *cfg, *labels, *reply;
	const char *why, *label_list[64];
	char buf[256], *id = NULL;
	int r;

	if (hs_body_json(req, &b) < 0)
		goto done;
	if (!b || !json_object_is_type(b, json_type_object)) {
		hs_reply_error(req, 400, "network config: expected a JSON object in the request body");
		goto done;
	}
	if ((why = create_refusal(b, buf, sizeof(buf)))) {
		hs_reply_error(req, 400, "%s", why);
		goto done;
	}
	o.name = jget_str(b, "Name");
	o.internal = is_on(jget(b, "Internal"));
	cfg = jget(jget(b, "IPAM"), "Config");
	if (cfg && json_object_array_length(cfg) == 1) {
		json_object *c = json_object_array_get_idx(cfg, 0);

		o.subnet = jget_str(c, "Subnet") && *jget_str(c, "Subnet") ? jget_str(c, "Subnet") : NULL;
		o.gateway = jget_str(c, "Gateway") && *jget_str(c, "Gateway") ? jget_str(c, "Gateway") : NULL;
	}
	labels = jget(b, "Labels");
	if (labels && json_object_is_type(labels, json_type_object)) {
		char *items[64];
		size_t n = 0;

		json_object_object_foreach(labels, k, v)
		{
			if (n < 64 && asprintf(&items[n], "%s=%s", k, json_object_get_string(v)) >= 0)
				label_list[n] = items[n], n++;
		}
		o.labels = (engine_strarray){(char **)label_list, n};
		r = engine_network_create(dc->ctx, &o, &id);
		for (size_t i = 0; i < n; i++)
			free(items[i]);
	} else {
		r = engine_network_create(dc->ctx, &o, &id);
	}
	if (r == ENGINE_EEXISTS) {
		hs_reply_error(req, 409, "network with name %s already exists", o.name);
	} else if (r < 0) {
		reply_engine_error(req, NULL);
	} else {
		events_emit("network", "create", id, "name", o.name, "type", "bridge", NULL);
		reply = json_object_new_object();
		jset_strs(reply, "Id", id, "Warning", "", NULL);
		hs_reply_json(req, 201, reply);
	}
done:
	engine_free(id);
	if (b)
		json_object_put(b);
	dctx_put(app, dc);
}

static void remove_(hs_request *req, void *app)
{
	struct dctx *dc = dctx_get(app);
	const char *key = hs_param(req, "id");
	json_object *n = open_network(req, dc->ctx, key);
	int r;

	if (!n)
		goto done;
	if (builtin(n)) {
		hs_reply_error(req, 403, "%s is a pre-defined network and cannot be removed",
			       jget_str(n, "Name"));
		goto done;
	}
	r = engine_network_remove(dc->ctx, jget_str(n, "Id"));
	if (r == ENGINE_EBUSY)
		hs_reply_error(req, 403,
			       "error while removing network: network %s id %s has active endpoints",
			       jget_str(n, "Name"), jget_str(n, "Id"));
	else if (r < 0)
		reply_engine_error(req, NULL);
	else {
		events_emit("network", "destroy", jget_str(n, "Id"), "name", jget_str(n, "Name"), "type",
			    "bridge", NULL);
		hs_reply_empty(req, 204);
	}
done:
	if (n)
		json_object_put(n);
	dctx_put(app, dc);
}

/* connect and disconnect: {"Container": ..., "EndpointConfig": {...}} / {"Container", "Force"}. */
static void attach(hs_request *req, void *app, bool connect)
{
	struct dctx *dc = dctx_get(app);
	json_object *b = NULL, *n = NULL, *ep, *a;
	engine_container *c = NULL;
	const char *cname, *aliases[64];
	int r;

	if (hs_body_json(req, &b) < 0)
		goto done;
	if (!(n = open_network(req, dc->ctx, hs_param(req, "id"))))
		goto done;
	cname = jget_str(b, "Container");
	if (!cname || !*cname) {
		hs_reply_error(req, 400, "Container: a container is required");
		goto done;
	}
	if (engine_container_open(dc->ctx, cname, &c) < 0) {
		hs_reply_error(req, 404, "No such container: %s", cname);
		goto done;
	}
	if (connect) {
		engine_network_connect_options o = ENGINE_NETWORK_CONNECT_OPTIONS_INIT;
		size_t k = 0;

		ep = jget(b, "EndpointConfig");
		a = jget(ep, "Aliases");
		for (size_t i = 0; a && json_object_is_type(a, json_type_array) &&
				   i < json_object_array_length(a) && k < 64;
		     i++)
			aliases[k++] = json_object_get_string(json_object_array_get_idx(a, i));
		o.aliases = (engine_strarray){(char **)aliases, k};
		o.ip = jget_str(jget(ep, "IPAMConfig"), "IPv4Address");
		if (o.ip && !*o.ip)
			o.ip = NULL;
		r = engine_network_connect(dc->ctx, jget_str(n, "Name"), engine_container_id(c), &o);
	} else {
		r = engine_network_disconnect(dc->ctx, jget_str(n, "Name"), engine_container_id(c));
	}
	if (r == ENGINE_EEXISTS)
		hs_reply_error(req, 403, "endpoint with name %s already exists in network %s",
			       engine_container_name(c), jget_str(n, "Name"));
	else if (r == ENGINE_ENOTFOUND && !connect)
		hs_reply_error(req, 403, "container %s is not connected to network %s",
			       engine_container_id(c), jget_str(n, "Name"));
	else if (r < 0)
		reply_engine_error(req, NULL);
	else {
		events_emit("network", connect ? "connect" : "disconnect", jget_str(n, "Id"), "container",
			    engine_container_id(c), "name", jget_str(n, "Name"), "type", "bridge", NULL);
		hs_reply_empty(req, 200);
	}
done:
	engine_container_free(c);
	if (n)
		json_object_put(n);
	if (b)
		json_object_put(b);
	dctx_put(app, dc);
}

static void connect_(hs_request *req, void *app)
{
	attach(req, app, true);
}

static void disconnect_(hs_request *req, void *app)
{
	attach(req, app, false);
}

static void prune(hs_request *req, void *app)
{
	static const char *const known[] = {"until", "label", NULL};
	struct dctx *dc = dctx_get(app);
	engine_strarray removed = {NULL, 0};
	json_object *filters = NULL, *out, *names;

	if (filters_parse(req, known, &filters) < 0)
		goto done;
	if (filters && json_object_object_length(filters) > 0) {
		hs_reply_error(req, 400, "network prune filters are not supported by this engine");
		goto done;
	}
	if (engine_network_prune(dc->ctx, &removed) < 0) {
		reply_engine_error(req, "prune networks");
		goto done;
	}
	out = json_object_new_object();
	names = json_object_new_array();
	for (size_t i = 0; i < removed.count; i++) {
		json_object_array_add(names, json_object_new_string(removed.strings[i]));
		events_emit("network", "destroy", removed.strings[i], "name", removed.strings[i], NULL);
	}
	json_object_object_add(out, "NetworksDeleted", names);
	hs_reply_json(req, 200, out);
done:
	engine_strarray_dispose(&removed);
	if (filters)
		json_object_put(filters);
	dctx_put(app, dc);
}

const struct hs_route daemon_network_routes[] = {
    {"GET", "/networks", list, 0},
    {"POST", "/networks/create", create, 0},
    {"POST", "/networks/prune", prune, 0},
    {"GET", "/networks/{id}", inspect, 0},
    {"DELETE", "/networks/{id}", remove_, 0},
    {"POST", "/networks/{id}/connect", connect_, 0},
    {"POST", "/networks/{id}/disconnect", disconnect_, 0},
    {NULL, NULL, NULL, 0},
};
