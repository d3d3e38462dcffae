/*
 * What a container's networking looks like from outside: inspect's
 * NetworkSettings, the published ports (engine port), and forgetting a
 * removed container's endpoints.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <engine/network.h>

#include "core/error.h"
#include "net/internal.h"
#include "net/net.h"
#include "runtime/lifecycle.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

/* Docker's NetworkSettings.Ports from an endpoint's Ports array. */
static json_object *ports_object(json_object *ports)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; o && ports && i < json_object_array_length(ports); i++) {
		json_object *p = json_object_array_get_idx(ports, i), *list, *b;
		char key[32], hp[8];

		snprintf(key, sizeof(key), "%d/%s", (int)engine__json_get_int(p, "ContainerPort", 0),
			 engine__json_get_string(p, "Proto") ?: "tcp");
		if (!json_object_object_get_ex(o, key, &list)) {
			list = json_object_new_array();
			json_object_object_add(o, key, list);
		}
		b = json_object_new_object();
		engine__json_add_string(b, "HostIp", engine__json_get_string(p, "HostIp"));
		snprintf(hp, sizeof(hp), "%d", (int)engine__json_get_int(p, "HostPort", 0));
		engine__json_add_string(b, "HostPort", hp);
		json_object_array_add(list, b);
	}
	return o;
}

static void idle_one(json_object *nets, engine__network **all, const char *key, json_object *aliases)
{
	json_object *e;

	for (size_t k = 0; all && all[k]; k++) {
		if ((strcmp(all[k]->name, key) != 0 && strcmp(all[k]->id, key) != 0) ||
		    json_object_object_get_ex(nets, all[k]->name, NULL))
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "Aliases", json_object_get(aliases));
		engine__json_add_string(e, "NetworkID", all[k]->id);
		engine__json_add_string(e, "EndpointID", "");
		engine__json_add_string(e, "Gateway", "");
		engine__json_add_string(e, "IPAddress", "");
		json_object_object_add(e, "IPPrefixLen", json_object_new_int(0));
		engine__json_add_string(e, "MacAddress", "");
		json_object_object_add(nets, all[k]->name, e);
		return;
	}
}

/* The networks a container belongs to but has no address on (it is not
 * running), as Docker lists them: its own unless it left it, and those it
 * was connected to. */
static void idle_networks(engine_context *ctx, const char *cid, const engine_spec *spec,
			  engine__network **all, json_object *nets)
{
	cleanup_json json_object *recs = NULL;
	const char *mode = spec ? spec->network : NULL;

	if (!mode || strcmp(mode, ENGINE_NETWORK_HOST) == 0 || strncmp(mode, "container:", 10) == 0 ||
	    engine__connect_records(ctx, cid, &recs) < 0)
		return;
	if (!json_object_object_get_ex(recs, ENGINE__PRIMARY_OFF, NULL)) {
		cleanup_json json_object *aliases = engine__json_from_strv(spec->net_aliases);

		idle_one(nets, all, mode, spec->net_aliases ? aliases : NULL);
	}
	json_object_object_foreach(recs, key, rec)
	{
		if (key[0] != '-')
			idle_one(nets, all, key, engine__json_get_type(rec, "Aliases", json_type_array));
	}
}

int engine__net_settings(engine_context *ctx, const char *cid, const engine_spec *spec, json_object **out)
{
	cleanup_json json_object *state = NULL;
	engine__network **all = NULL;
	json_object *ns = json_object_new_object(), *nets = json_object_new_object(), *eps, *ports = NULL;
	bool primary = true;

	if (!ns || !nets)
		return engine__error_oom();
	json_object_object_add(ns, "Networks", nets);
	if (engine__net_state_load(ctx, &state) == 0 && engine__network_all(ctx, &all) == 0) {
		eps = engine__net_state_endpoints(state);
		for (size_t i = 0; i < json_object_array_length(eps); i++) {
			json_object *ep = json_object_array_get_idx(eps, i), *e;
			const engine__network *n = NULL;
			char gw[16], mac[20];
			uint32_t ip;
			uint8_t m[6];

			if (strcmp(engine__json_get_string(ep, "Container") ?: "", cid) != 0 ||
			    engine__ip_parse(engine__json_get_string(ep, "IP"), "ip", &ip) < 0)
				continue;
			for (size_t k = 0; all[k] && !n; k++)
				if (strcmp(all[k]->id, engine__json_get_string(ep, "Network") ?: "") == 0)
					n = all[k];
			if (!n)
				continue;
			engine__mac_from_ip(ip, m);
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
				 m[4], m[5]);
			e = json_object_new_object();
			json_object_object_add(
			    e, "Aliases",
			    json_object_get(engine__json_get_type(ep, "Aliases", json_type_array)));
			engine__json_add_string(e, "NetworkID", n->id);
			engine__json_add_string(e, "EndpointID", engine__json_get_string(ep, "Veth"));
			engine__json_add_string(e, "Gateway",
						n->internal ? "" : engine__ip_format(n->gateway, gw));
			engine__json_add_string(e, "IPAddress", engine__json_get_string(ep, "IP"));
			json_object_object_add(e, "IPPrefixLen", json_object_new_int(n->subnet.prefix));
			engine__json_add_string(e, "MacAddress", mac);
			json_object_object_add(nets, n->name, e);
			if (json_object_object_get_ex(ep, "Ports", NULL))
				ports = engine__json_get_type(ep, "Ports", json_type_array);
			if (primary) {
				engine__json_add_string(ns, "IPAddress", engine__json_get_string(ep, "IP"));
				json_object_object_add(ns, "IPPrefixLen",
						       json_object_new_int(n->subnet.prefix));
				engine__json_add_string(ns, "Gateway", n->internal ? "" : gw);
				engine__json_add_string(ns, "MacAddress", mac);
				primary = false;
			}
		}
	}
	idle_networks(ctx, cid, spec, all, nets);
	engine__network_all_free(all);
	engine_error_clear();
	if (primary) {
		engine__json_add_string(ns, "IPAddress", "");
		engine__json_add_string(ns, "Gateway", "");
		engine__json_add_string(ns, "MacAddress", "");
	}
	json_object_object_add(ns, "Ports", ports_object(ports));
	*out = ns;
	return 0;
}

ENGINE_EXTERN int engine_container_ports(engine_container *c, char **json_out)
{
	json_object *ns = NULL, *ports;
	int r;

	if (!c || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_ports: NULL argument");
	r = engine__net_settings(c->ctx, c->id, c->spec, &ns);
	if (r < 0)
		return r;
	ports = json_object_object_get(ns, "Ports");
	*json_out = strdup(json_object_to_json_string_ext(ports, JSON_C_TO_STRING_PLAIN));
	json_object_put(ns);
	return *json_out ? 0 : engine__error_oom();
}

ENGINE_EXTERN int engine_container_port(engine_container *c, const char *port, engine_strarray *out)
{
	json_object *ns = NULL, *list;
	cleanup_strv char **items = engine__strv_dup(NULL);
	char key[32];
	uint16_t num;
	int proto, r;

	if (!c || !port || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_port: NULL argument");
	*out = (engine_strarray){NULL, 0};
	if (engine__port_key_parse(port, &num, &proto) < 0)
		return engine_error_last()->code;
	r = engine__net_settings(c->ctx, c->id, c->spec, &ns);
	if (r < 0)
		return r;
	snprintf(key, sizeof(key), "%u/%s", num, engine__proto_name(proto));
	if (json_object_object_get_ex(json_object_object_get(ns, "Ports"), key, &list))
		for (size_t i = 0; items && i < json_object_array_length(list); i++) {
			json_object *b = json_object_array_get_idx(list, i);

			engine__strv_push_take(
			    &items, engine__strdup_printf("%s:%s", engine__json_get_string(b, "HostIp"),
							  engine__json_get_string(b, "HostPort")));
		}
	json_object_put(ns);
	if (!items)
		return ENGINE_ENOMEM;
	if (!items[0])
		return engine__error_set(ENGINE_ENOTFOUND, 0, "no public port '%s' published for %.12s", key,
					 c->id);
	engine__strv_to_array(steal_ptr(items), out);
	return 0;
}

void engine__net_container_removed(engine_context *ctx, const char *cid)
{
	cleanup_close int lock = -EBADF;
	cleanup_json json_object *state = NULL;
	engine__error_saved saved;
	bool changed;

	engine__error_save(&saved);
	lock = engine__net_lock(ctx);
	if (lock >= 0 && engine__net_state_load(ctx, &state) == 0) {
		engine__net_reconcile_locked(ctx, state, &changed);
		if (changed)
			engine__net_state_save(ctx, state);
	}
	/* Its hosts file, when a stop that never came (a reboot) left it. */
	{
		cleanup_free char *dir = engine__net_run_dir(ctx, cid);

		if (dir && engine__path_exists(dir))
			engine__rm_rf(dir);
	}
	engine__error_restore(&saved);
}
