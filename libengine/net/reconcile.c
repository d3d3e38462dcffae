/*
 * Recovery after kill -9: an endpoint whose owner process (the engine_run
 * caller or the container's monitor) is gone has a dead container behind
 * it (the container dies with its parent), so its address, NAT entries,
 * run files and peers' hosts lines are released here, and a bridge of ours
 * ("eng-...") that no network record names is deleted. The first context
 * opened on a root after a crash does this, as does every start.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "net/internal.h"
#include "net/net.h"
#include "net/netlink.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/str.h"
#include "util/strv.h"

static void ports_of(json_object *ep, engine__port **ports, size_t *n)
{
	json_object *a = engine__json_get_type(ep, "Ports", json_type_array);

	*ports = NULL;
	*n = 0;
	if (!a || !json_object_array_length(a))
		return;
	*ports = calloc(json_object_array_length(a), sizeof(**ports));
	for (size_t i = 0; *ports && i < json_object_array_length(a); i++) {
		json_object *p = json_object_array_get_idx(a, i);
		const char *proto = engine__json_get_string(p, "Proto");
		engine__port *q = &(*ports)[(*n)++];

		q->proto = proto && strcmp(proto, "udp") == 0 ? 17 : 6;
		if (engine__ip_parse(engine__json_get_string(p, "HostIp"), "ip", &q->host_ip) < 0)
			q->host_ip = 0;
		q->host_port = (uint16_t)engine__json_get_int(p, "HostPort", 0);
		q->ctr_port = (uint16_t)engine__json_get_int(p, "ContainerPort", 0);
	}
	engine_error_clear();
}

int engine__net_reconcile_locked(engine_context *ctx, json_object *state, bool *changed)
{
	json_object *eps = engine__net_state_endpoints(state);
	cleanup_strv char **netids = engine__strv_dup(NULL), **cids = engine__strv_dup(NULL);
	engine__nl nl = {0};
	bool have_nl = false;

	*changed = false;
	if (!netids || !cids)
		return ENGINE_ENOMEM;
	for (size_t i = json_object_array_length(eps); i-- > 0;) {
		json_object *ep = json_object_array_get_idx(eps, i);
		const char *cid = engine__json_get_string(ep, "Container") ?: "";
		const char *veth = engine__json_get_string(ep, "Veth");
		engine__port *ports;
		size_t n;
		uint32_t ip;

		if (engine__endpoint_alive(ep))
			continue;
		ports_of(ep, &ports, &n);
		if (n && engine__ip_parse(engine__json_get_string(ep, "IP"), "ip", &ip) == 0)
			engine__nat_ports(false, ip, ports, n);
		free(ports);
		/* Normally gone with the container's namespace already. */
		if (veth && (have_nl || engine__nl_open(&nl) == 0)) {
			have_nl = true;
			engine__nl_link_delete(&nl, veth);
		}
		engine__strv_push(&netids, engine__json_get_string(ep, "Network") ?: "");
		if (!engine__strv_push(&cids, cid)) {
			cleanup_free char *dir = engine__net_run_dir(ctx, cid);

			if (dir)
				engine__rm_rf(dir);
		}
		json_object_array_del_idx(eps, i, 1);
		*changed = true;
	}
	if (have_nl)
		engine__nl_close(&nl);
	for (size_t i = 0; cids[i]; i++)
		engine__hosts_refresh_peers(state, cids[i], netids);
	engine_error_clear();
	return 0;
}

/* Bridges named like ours whose network record is gone. */
static void stale_bridges(engine_context *ctx)
{
	engine__network **all = NULL;
	cleanup_strv char **names = NULL;
	engine__nl nl;

	if (engine__network_all(ctx, &all) < 0)
		return;
	if (engine__nl_open(&nl) == 0) {
		if (engine__nl_link_names(&nl, &names) == 0)
			for (size_t i = 0; names[i]; i++) {
				bool known = false;

				if (strncmp(names[i], "eng-", 4) != 0)
					continue;
				for (size_t k = 0; all[k] && !known; k++)
					known = strcmp(all[k]->bridge, names[i]) == 0;
				if (!known)
					engine__nl_link_delete(&nl, names[i]);
			}
		engine__nl_close(&nl);
	}
	engine__network_all_free(all);
}

void engine__net_reconcile(engine_context *ctx)
{
	cleanup_free char *dir = engine__net_state_dir(ctx);
	cleanup_free char *path = dir ? engine__path_join(dir, "state.json") : NULL;
	cleanup_free char *lockpath = dir ? engine__path_join(dir, "lock") : NULL;
	cleanup_json json_object *state = NULL;
	cleanup_close int lock = -EBADF;
	engine__error_saved saved;
	bool changed = false;

	/* Nothing networked ever ran on this root: nothing to look at. */
	if (!path || !lockpath || !engine__path_exists(path))
		return;
	engine__error_save(&saved);
	/* Someone holding the lock is at work and reconciles on its own. */
	lock = engine__lock_try(lockpath, true);
	if (lock >= 0 && engine__net_state_load(ctx, &state) == 0) {
		engine__net_reconcile_locked(ctx, state, &changed);
		if (changed) {
			engine__net_state_save(ctx, state);
			stale_bridges(ctx);
		}
	}
	engine__error_restore(&saved);
}
