/*
 * engine_network_connect / disconnect: a running container gets (or loses)
 * an interface on the network at once; the choice is also recorded in
 * containers/<id>/networks.json so every later start attaches it again.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <engine/network.h>

#include "core/abi.h"
#include "core/error.h"
#include "net/internal.h"
#include "net/net.h"
#include "net/netlink.h"
#include "runtime/lifecycle.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

ENGINE_EXTERN int engine_network_connect_options_init(engine_network_connect_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_network_connect_options, opts, version,
					  ENGINE_NETWORK_CONNECT_OPTIONS_INIT);
}

static char *records_path(engine_context *ctx, const char *cid)
{
	cleanup_free char *dir = engine__container_dir(ctx, cid);

	return dir ? engine__path_join(dir, "networks.json") : NULL;
}

int engine__connect_records(engine_context *ctx, const char *cid, json_object **out)
{
	cleanup_free char *path = records_path(ctx, cid);

	*out = NULL;
	if (!path)
		return ENGINE_ENOMEM;
	if (engine__path_exists(path) && engine__json_parse_file(path, out) < 0)
		return engine_error_last()->code;
	if (!*out || !json_object_is_type(*out, json_type_object)) {
		if (*out)
			json_object_put(*out);
		*out = json_object_new_object();
	}
	return *out ? 0 : engine__error_oom();
}

static int records_save(engine_context *ctx, const char *cid, json_object *recs)
{
	cleanup_free char *path = records_path(ctx, cid);

	return path ? engine__json_write_file(path, recs, false) : ENGINE_ENOMEM;
}

/* The container and whether it may join bridge networks at all. */
static int open_bridged(engine_context *ctx, const char *key, engine_container **out, engine__cstate *st)
{
	const char *mode;
	int r = engine_container_open(ctx, key, out);

	if (r < 0)
		return r;
	mode = (*out)->spec->network;
	if (!mode || strcmp(mode, ENGINE_NETWORK_HOST) == 0 || strncmp(mode, "container:", 10) == 0) {
		r = engine__error_set(ENGINE_EINVALID, 0,
				      "container %s uses network mode \"%s\": it cannot join other networks",
				      key, mode ? mode : ENGINE_NETWORK_NONE);
		engine_container_free(*out);
		*out = NULL;
		return r;
	}
	r = engine__state_read((*out)->dir, st);
	if (r == 0)
		engine__state_refresh(st);
	return r;
}

static size_t endpoints_of(json_object *eps, const char *cid, const char *netid, json_object **found,
			   size_t *found_idx)
{
	size_t count = 0;

	for (size_t i = 0; i < json_object_array_length(eps); i++) {
		json_object *ep = json_object_array_get_idx(eps, i);

		if (strcmp(engine__json_get_string(ep, "Container") ?: "", cid) != 0)
			continue;
		count++;
		if (netid && strcmp(engine__json_get_string(ep, "Network") ?: "", netid) == 0) {
			*found = ep;
			*found_idx = i;
		}
	}
	return count;
}

/* The first interface number that none of the container's endpoints has:
 * after a disconnect, the count of endpoints may name one in use. */
static size_t free_slot(json_object *eps, const char *cid)
{
	for (size_t k = 0;; k++) {
		char ifname[16];
		bool used = false;

		snprintf(ifname, sizeof(ifname), "eth%zu", k);
		for (size_t i = 0; i < json_object_array_length(eps) && !used; i++) {
			json_object *ep = json_object_array_get_idx(eps, i);

			used = strcmp(engine__json_get_string(ep, "Container") ?: "", cid) == 0 &&
			       strcmp(engine__json_get_string(ep, "Ifname") ?: "", ifname) == 0;
		}
		if (!used)
			return k;
	}
}

/* Whether @n is the network of the container's spec (its primary one). */
static bool is_primary(const engine_container *c, const engine__network *n)
{
	const char *mode = c->spec->network;

	return mode && (strcmp(mode, n->name) == 0 || strcmp(mode, n->id) == 0);
}

/* The new interface in a running container (its monitor owns the endpoint). */
static int attach_running(engine_context *ctx, engine_container *c, const engine__cstate *st,
			  engine__network *n, json_object *state, char *const *aliases, uint32_t want)
{
	json_object *eps = engine__net_state_endpoints(state), *ep;
	size_t k = free_slot(eps, c->id);
	cleanup_free char *dir = engine__net_run_dir(ctx, c->id);
	cleanup_free char *hosts = dir ? engine__path_join(dir, "hosts") : NULL;
	char veth[16], ifname[16];
	uint8_t mac[6];
	engine__nl nl, inner;
	uint32_t ip;
	int ifindex, r;
	bool created;
	char *netids[] = {n->id, NULL};

	if (!hosts)
		return ENGINE_ENOMEM;
	r = engine__ipam_allocate(state, n, want, &ip);
	if (r < 0)
		return r;
	snprintf(veth, sizeof(veth), "ve%.11s%zu", c->id, k);
	snprintf(ifname, sizeof(ifname), "eth%zu", k);
	engine__mac_from_ip(ip, mac);
	r = engine__nl_open(&nl);
	if (r < 0)
		return r;
	r = engine__nl_bridge_ensure(&nl, n->bridge, n->gateway, n->subnet.prefix, &ifindex, &created);
	if (r == 0 && created && !n->internal)
		r = engine__net_enable_forwarding();
	if (r == 0 && created)
		r = engine__nat_network_add(n);
	if (r == 0)
		r = engine__nl_veth_create(&nl, veth, ifindex, ifname, st->pid, mac);
	if (r == 0) {
		r = engine__nl_open_in(&inner, st->pid);
		if (r == 0) {
			r = engine__nl_iface_configure(&inner, ifname, ip, n->subnet.prefix, 0);
			engine__nl_close(&inner);
		}
		if (r < 0)
			engine__nl_link_delete(&nl, veth);
	}
	engine__nl_close(&nl);
	if (r < 0)
		return r;
	ep = engine__endpoint_new(c->id, c->name, n, ip, veth, ifname, aliases, st->monitor,
				  engine__path_exists(hosts) ? hosts : NULL, NULL);
	if (!ep)
		return engine__error_oom();
	/* The monitor's start time, not ours: it owns the endpoint. */
	json_object_object_add(ep, "OwnerStart", json_object_new_int64((int64_t)st->monitor_start));
	json_object_array_add(eps, ep);
	r = engine__net_state_save(ctx, state);
	if (r < 0)
		return r;
	if (engine__path_exists(hosts))
		engine__hosts_refresh(state, c->id, hosts);
	engine__hosts_refresh_peers(state, c->id, netids);
	return 0;
}

ENGINE_EXTERN int engine_network_connect(engine_context *ctx, const char *network, const char *container,
					 const engine_network_connect_options *in)
{
	engine_network_connect_options full = ENGINE_NETWORK_CONNECT_OPTIONS_INIT;
	const engine_network_connect_options *opts = &full;
	engine_container *c = NULL;
	engine__network *n = NULL;
	engine__cstate st;
	cleanup_close int lock = -EBADF;
	cleanup_json json_object *state = NULL, *recs = NULL;
	cleanup_strv char **aliases = NULL;
	json_object *rec, *found = NULL;
	uint32_t want = 0;
	size_t idx;
	bool primary;
	int r;

	if (!ctx || !network || !container)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_network_connect: NULL argument");
	if ((r = engine__abi_read(ENGINE__ABI(engine_network_connect_options), &full, in)) < 0)
		return r;
	aliases = engine__strv_dup(NULL);
	for (size_t i = 0; aliases && opts && i < opts->aliases.count; i++)
		if (engine__strv_push(&aliases, opts->aliases.strings[i]) < 0)
			return ENGINE_ENOMEM;
	if (!aliases)
		return ENGINE_ENOMEM;
	if (opts && opts->ip && engine__ip_parse(opts->ip, "--ip", &want) < 0)
		return engine_error_last()->code;
	r = open_bridged(ctx, container, &c, &st);
	if (r < 0)
		goto out;
	lock = engine__net_lock(ctx);
	if (lock < 0) {
		r = lock;
		goto out;
	}
	r = engine__network_find(ctx, network, &n);
	if (r < 0)
		goto out;
	if (n->is_default && (aliases[0] || want)) {
		r = engine__error_set(ENGINE_EINVALID, 0,
				      "aliases and fixed addresses need a user-defined network, not bridge");
		goto out;
	}
	if ((r = engine__net_state_load(ctx, &state)) < 0 ||
	    (r = engine__connect_records(ctx, c->id, &recs)) < 0)
		goto out;
	endpoints_of(engine__net_state_endpoints(state), c->id, n->id, &found, &idx);
	primary = is_primary(c, n);
	if (found || json_object_object_get_ex(recs, n->name, NULL) ||
	    (primary && !json_object_object_get_ex(recs, ENGINE__PRIMARY_OFF, NULL))) {
		r = engine__error_set(ENGINE_EEXISTS, 0, "container %s is already connected to network %s",
				      container, n->name);
		goto out;
	}
	/* Back to its own network: with the spec's aliases and address. */
	for (size_t i = 0; primary && c->spec->net_aliases && c->spec->net_aliases[i]; i++)
		if (engine__strv_push(&aliases, c->spec->net_aliases[i]) < 0) {
			r = ENGINE_ENOMEM;
			goto out;
		}
	if (primary && !want && c->spec->ip && engine__ip_parse(c->spec->ip, "--ip", &want) < 0) {
		r = engine_error_last()->code;
		goto out;
	}
	if (strcmp(st.status, "running") == 0 || strcmp(st.status, "paused") == 0) {
		r = attach_running(ctx, c, &st, n, state, aliases, want);
		if (r < 0)
			goto out;
	}
	if (primary) {
		json_object_object_del(recs, ENGINE__PRIMARY_OFF);
	} else {
		rec = json_object_new_object();
		json_object_object_add(rec, "Aliases", engine__json_from_strv(aliases));
		if (opts && opts->ip)
			engine__json_add_string(rec, "IP", opts->ip);
		json_object_object_add(recs, n->name, rec);
	}
	r = records_save(ctx, c->id, recs);
out:
	engine__network_free(n);
	engine_container_free(c);
	return r;
}

ENGINE_EXTERN int engine_network_disconnect(engine_context *ctx, const char *network, const char *container)
{
	engine_container *c = NULL;
	engine__network *n = NULL;
	engine__cstate st;
	cleanup_close int lock = -EBADF;
	cleanup_json json_object *state = NULL, *recs = NULL;
	json_object *found = NULL;
	size_t idx = 0;
	bool recorded, primary;
	int r;

	if (!ctx || !network || !container)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_network_disconnect: NULL argument");
	r = open_bridged(ctx, container, &c, &st);
	if (r < 0)
		goto out;
	lock = engine__net_lock(ctx);
	if (lock < 0) {
		r = lock;
		goto out;
	}
	if ((r = engine__network_find(ctx, network, &n)) < 0 ||
	    (r = engine__net_state_load(ctx, &state)) < 0 ||
	    (r = engine__connect_records(ctx, c->id, &recs)) < 0)
		goto out;
	endpoints_of(engine__net_state_endpoints(state), c->id, n->id, &found, &idx);
	recorded = json_object_object_get_ex(recs, n->name, NULL);
	primary = is_primary(c, n);
	if ((!primary && !found && !recorded) ||
	    (primary && json_object_object_get_ex(recs, ENGINE__PRIMARY_OFF, NULL))) {
		r = engine__error_set(ENGINE_ENOTFOUND, 0, "container %s is not connected to network %s",
				      container, n->name);
		goto out;
	}
	/* Its forwarders live in its monitor: they go when it stops. */
	if (primary && found &&
	    json_object_array_length(engine__json_get_type(found, "Ports", json_type_array))) {
		r = engine__error_set(
		    ENGINE_EBUSY, 0,
		    "container %s publishes ports on network %s: stop it before disconnecting", container,
		    n->name);
		goto out;
	}
	if (found) {
		const char *veth = engine__json_get_string(found, "Veth");
		char *netids[] = {n->id, NULL};
		engine__nl nl;

		/* Deleting one end of a veth pair deletes both. */
		if (veth && engine__nl_open(&nl) == 0) {
			engine__nl_link_delete(&nl, veth);
			engine__nl_close(&nl);
		}
		json_object_array_del_idx(engine__net_state_endpoints(state), idx, 1);
		r = engine__net_state_save(ctx, state);
		if (r < 0)
			goto out;
		{
			cleanup_free char *dir = engine__net_run_dir(ctx, c->id);
			cleanup_free char *hosts = dir ? engine__path_join(dir, "hosts") : NULL;

			if (hosts && engine__path_exists(hosts))
				engine__hosts_refresh(state, c->id, hosts);
		}
		engine__hosts_refresh_peers(state, c->id, netids);
	}
	if (primary) {
		json_object_object_add(recs, ENGINE__PRIMARY_OFF, json_object_new_boolean(1));
		r = records_save(ctx, c->id, recs);
	} else if (recorded) {
		json_object_object_del(recs, n->name);
		r = records_save(ctx, c->id, recs);
	}
out:
	engine__network_free(n);
	engine_container_free(c);
	return r;
}
