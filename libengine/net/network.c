/*
 * The public network API: create, remove, inspect, list and prune bridge
 * networks. A network is a record in the store until a container uses it;
 * removing it also removes its bridge and nftables elements.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <engine/network.h>

#include "core/abi.h"
#include "core/error.h"
#include "net/internal.h"
#include "net/net.h"
#include "net/netlink.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/filters.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

ENGINE_EXTERN int engine_network_create_options_init(engine_network_create_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_network_create_options, opts, version,
					  ENGINE_NETWORK_CREATE_OPTIONS_INIT);
}

static bool predefined(const char *name)
{
	return strcmp(name, ENGINE_NETWORK_BRIDGE) == 0 || strcmp(name, ENGINE_NETWORK_HOST) == 0 ||
	       strcmp(name, ENGINE_NETWORK_NONE) == 0 || strcmp(name, "default") == 0;
}

static int check_name(const char *name)
{
	if (!name || !*name)
		return engine__error_set(ENGINE_EINVALID, 0, "network name is empty");
	if (!isalnum((unsigned char)name[0]) ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_.-") != strlen(name))
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
	if (strncmp(name, "container:", 10) == 0 || predefined(name))
		return engine__error_set(ENGINE_EPERM, 0, "%s is a pre-defined network and cannot be created",
					 name);
	return 0;
}

ENGINE_EXTERN int engine_network_create(engine_context *ctx, const engine_network_create_options *in,
					char **id_out)
{
	engine_network_create_options full = ENGINE_NETWORK_CREATE_OPTIONS_INIT;
	const engine_network_create_options *opts = &full;
	engine__network **all = NULL, *n = NULL;
	cleanup_close int lock = -EBADF;
	char hex[65], buf[20];
	int r;

	if (!ctx || !in)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_network_create: NULL argument");
	if ((r = engine__abi_read(ENGINE__ABI(engine_network_create_options), &full, in)) < 0)
		return r;
	if (check_name(opts->name) < 0)
		return engine_error_last()->code;
	n = calloc(1, sizeof(*n));
	if (!n || !(n->name = strdup(opts->name)) || !(n->labels = json_object_new_object())) {
		engine__network_free(n);
		return engine__error_oom();
	}
	n->internal = opts->internal != 0;
	n->created = engine__realtime_ns();
	r = engine__labels_parse(&opts->labels, n->labels);
	if (r < 0)
		goto out;
	if (opts->subnet && (r = engine__cidr_parse(opts->subnet, "subnet", false, &n->subnet, NULL)) < 0)
		goto out;
	if (opts->gateway) {
		if ((r = engine__ip_parse(opts->gateway, "gateway", &n->gateway)) < 0)
			goto out;
		if (!opts->subnet) {
			r = engine__error_set(ENGINE_EINVALID, 0, "a gateway needs a --subnet");
			goto out;
		}
		if (!engine__cidr_contains(&n->subnet, n->gateway) || n->gateway == n->subnet.addr ||
		    n->gateway == (n->subnet.addr | ~engine__cidr_mask(n->subnet.prefix))) {
			r = engine__error_set(ENGINE_EINVALID, 0,
					      "gateway %s is not a host address of subnet %s", opts->gateway,
					      opts->subnet);
			goto out;
		}
	}
	lock = engine__net_lock(ctx);
	if (lock < 0) {
		r = lock;
		goto out;
	}
	r = engine__network_all(ctx, &all);
	if (r < 0)
		goto out;
	for (size_t i = 0; all[i]; i++) {
		if (strcmp(all[i]->name, n->name) == 0) {
			r = engine__error_set(ENGINE_EEXISTS, 0, "network with name %s already exists",
					      n->name);
			goto out;
		}
		if (opts->subnet && engine__cidr_overlaps(&n->subnet, &all[i]->subnet)) {
			r = engine__error_set(ENGINE_EINVALID, 0, "subnet %s overlaps network %s (%s)",
					      opts->subnet, all[i]->name,
					      engine__cidr_format(&all[i]->subnet, buf));
			goto out;
		}
	}
	if (!opts->subnet && (r = engine__network_pick_subnet(ctx, all, &n->subnet)) < 0)
		goto out;
	if (!n->gateway)
		n->gateway = n->subnet.addr + 1;
	engine__random_hex(hex, 32);
	memcpy(n->id, hex, 65);
	snprintf(n->bridge, sizeof(n->bridge), "eng-%.11s", n->id);
	r = engine__network_save(ctx, n);
	if (r < 0)
		goto out;
	if (id_out) {
		*id_out = strdup(n->id);
		if (!*id_out)
			r = engine__error_oom();
	}
out:
	engine__network_all_free(all);
	engine__network_free(n);
	return r;
}

/* Live endpoints on @n (after dropping the dead ones). */
static int endpoints_on(engine_context *ctx, const engine__network *n, json_object *state, size_t *count)
{
	json_object *eps = engine__net_state_endpoints(state);
	bool changed;

	*count = 0;
	engine__net_reconcile_locked(ctx, state, &changed);
	if (changed && engine__net_state_save(ctx, state) < 0)
		return engine_error_last()->code;
	for (size_t i = 0; i < json_object_array_length(eps); i++)
		if (strcmp(engine__json_get_string(json_object_array_get_idx(eps, i), "Network") ?: "",
			   n->id) == 0)
			(*count)++;
	return 0;
}

static int remove_locked(engine_context *ctx, engine__network *n, json_object *state)
{
	engine__nl nl;
	size_t used;
	int r;

	r = endpoints_on(ctx, n, state, &used);
	if (r < 0)
		return r;
	if (used)
		return engine__error_set(ENGINE_EBUSY, 0,
					 "error while removing network: network %s id %s has active "
					 "endpoints",
					 n->name, n->id);
	r = engine__nl_open(&nl);
	if (r == 0) {
		r = engine__nl_link_delete(&nl, n->bridge);
		engine__nl_close(&nl);
	}
	if (r < 0)
		return engine__error_wrap("remove network %s", n->name);
	engine__nat_network_remove(n);
	return engine__network_unlink(ctx, n);
}

ENGINE_EXTERN int engine_network_remove(engine_context *ctx, const char *key)
{
	engine__network *n = NULL;
	cleanup_close int lock = -EBADF;
	cleanup_json json_object *state = NULL;
	int r;

	if (!ctx || !key)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_network_remove: NULL argument");
	if (predefined(key))
		return engine__error_set(ENGINE_EPERM, 0, "%s is a pre-defined network and cannot be removed",
					 key);
	lock = engine__net_lock(ctx);
	if (lock < 0)
		return lock;
	r = engine__network_find(ctx, key, &n);
	if (r < 0)
		return r;
	if (n->is_default)
		r = engine__error_set(ENGINE_EPERM, 0,
				      "bridge is a pre-defined network and cannot be removed");
	if (r == 0)
		r = engine__net_state_load(ctx, &state);
	if (r == 0)
		r = remove_locked(ctx, n, state);
	engine__network_free(n);
	return r;
}

ENGINE_EXTERN int engine_network_prune(engine_context *ctx, engine_strarray *removed)
{
	engine__network **all = NULL;
	cleanup_close int lock = -EBADF;
	cleanup_json json_object *state = NULL;
	cleanup_strv char **names = engine__strv_dup(NULL);
	int r;

	if (!ctx)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_network_prune: NULL argument");
	if (removed)
		*removed = (engine_strarray){NULL, 0};
	lock = engine__net_lock(ctx);
	if (lock < 0)
		return lock;
	r = engine__network_all(ctx, &all);
	if (r == 0)
		r = engine__net_state_load(ctx, &state);
	for (size_t i = 1; r == 0 && all[i]; i++) {
		size_t used;

		if ((r = endpoints_on(ctx, all[i], state, &used)) < 0 || used)
			continue;
		if (remove_locked(ctx, all[i], state) == 0)
			engine__strv_push(&names, all[i]->name);
	}
	engine__network_all_free(all);
	if (r < 0)
		return r;
	if (removed && names)
		engine__strv_to_array(steal_ptr(names), removed);
	return 0;
}

static json_object *predefined_json(const char *name, const char *driver)
{
	json_object *o = json_object_new_object(), *ipam = json_object_new_object();
	char digest[ENGINE__DIGEST_LEN + 1];

	engine__sha256_buf(name, strlen(name), digest);
	engine__json_add_string(o, "Name", name);
	engine__json_add_string(o, "Id", engine__digest_hex(digest));
	engine__json_add_string(o, "Created", "0001-01-01T00:00:00Z");
	engine__json_add_string(o, "Scope", "local");
	engine__json_add_string(o, "Driver", driver);
	json_object_object_add(o, "EnableIPv6", json_object_new_boolean(0));
	engine__json_add_string(ipam, "Driver", "default");
	json_object_object_add(ipam, "Config", json_object_new_array());
	json_object_object_add(o, "IPAM", ipam);
	json_object_object_add(o, "Internal", json_object_new_boolean(0));
	json_object_object_add(o, "Containers", json_object_new_object());
	json_object_object_add(o, "Options", json_object_new_object());
	json_object_object_add(o, "Labels", json_object_new_object());
	return o;
}

static json_object *network_json(const engine__network *n, json_object *state)
{
	json_object *o = json_object_new_object(), *ipam = json_object_new_object(),
		    *cfg = json_object_new_array();
	json_object *c = json_object_new_object(), *ctrs = json_object_new_object(),
		    *opt = json_object_new_object();
	json_object *eps = engine__net_state_endpoints(state);
	char buf[40], ip[16];

	engine__json_add_string(o, "Name", n->name);
	engine__json_add_string(o, "Id", n->id);
	engine__format_time(buf, sizeof(buf), n->created);
	engine__json_add_string(o, "Created", buf);
	engine__json_add_string(o, "Scope", "local");
	engine__json_add_string(o, "Driver", "bridge");
	json_object_object_add(o, "EnableIPv6", json_object_new_boolean(0));
	engine__json_add_string(ipam, "Driver", "default");
	engine__json_add_string(c, "Subnet", engine__cidr_format(&n->subnet, buf));
	engine__json_add_string(c, "Gateway", engine__ip_format(n->gateway, ip));
	json_object_array_add(cfg, c);
	json_object_object_add(ipam, "Config", cfg);
	json_object_object_add(o, "IPAM", ipam);
	json_object_object_add(o, "Internal", json_object_new_boolean(n->internal));
	for (size_t i = 0; eps && i < json_object_array_length(eps); i++) {
		json_object *ep = json_object_array_get_idx(eps, i), *e;
		uint32_t a;
		uint8_t m[6];

		if (strcmp(engine__json_get_string(ep, "Network") ?: "", n->id) != 0 ||
		    engine__ip_parse(engine__json_get_string(ep, "IP"), "ip", &a) < 0)
			continue;
		e = json_object_new_object();
		engine__json_add_string(e, "Name", engine__json_get_string(ep, "Name"));
		engine__json_add_string(e, "EndpointID", engine__json_get_string(ep, "Veth"));
		m[0] = 2, m[1] = 0x42, m[2] = (uint8_t)(a >> 24), m[3] = (uint8_t)(a >> 16),
		m[4] = (uint8_t)(a >> 8), m[5] = (uint8_t)a;
		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
			 m[5]);
		engine__json_add_string(e, "MacAddress", buf);
		snprintf(buf, sizeof(buf), "%s/%d", engine__ip_format(a, ip), n->subnet.prefix);
		engine__json_add_string(e, "IPv4Address", buf);
		engine__json_add_string(e, "IPv6Address", "");
		json_object_object_add(ctrs, engine__json_get_string(ep, "Container") ?: "", e);
	}
	json_object_object_add(o, "Containers", ctrs);
	engine__json_add_string(opt, "com.docker.network.bridge.name", n->bridge);
	json_object_object_add(o, "Options", opt);
	json_object_object_add(o, "Labels", json_object_get(n->labels));
	engine_error_clear();
	return o;
}

static int emit(json_object *o, char **json_out)
{
	*json_out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return *json_out ? 0 : engine__error_oom();
}

ENGINE_EXTERN int engine_network_inspect(engine_context *ctx, const char *key, char **json_out)
{
	engine__network *n = NULL;
	cleanup_json json_object *state = NULL;
	int r;

	if (!ctx || !key || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_network_inspect: NULL argument");
	if (strcmp(key, ENGINE_NETWORK_HOST) == 0 || strcmp(key, ENGINE_NETWORK_NONE) == 0)
		return emit(predefined_json(key, key[0] == 'h' ? "host" : "null"), json_out);
	r = engine__network_find(ctx, key, &n);
	if (r < 0)
		return r;
	r = engine__net_state_load(ctx, &state);
	if (r == 0)
		r = emit(network_json(n, state), json_out);
	engine__network_free(n);
	return r;
}

ENGINE_EXTERN int engine_network_list(engine_context *ctx, char **json_out)
{
	engine__network **all = NULL;
	cleanup_json json_object *state = NULL;
	json_object *a;
	int r;

	if (!ctx || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_network_list: NULL argument");
	engine__net_reconcile(ctx);
	r = engine__network_all(ctx, &all);
	if (r < 0)
		return r;
	r = engine__net_state_load(ctx, &state);
	if (r < 0) {
		engine__network_all_free(all);
		return r;
	}
	a = json_object_new_array();
	for (size_t i = 0; all[i]; i++)
		json_object_array_add(a, network_json(all[i], state));
	json_object_array_add(a, predefined_json(ENGINE_NETWORK_HOST, "host"));
	json_object_array_add(a, predefined_json(ENGINE_NETWORK_NONE, "null"));
	engine__network_all_free(all);
	return emit(a, json_out);
}
