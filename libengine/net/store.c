/*
 * Network records and the shared state file: <root>/networks/<id>.json per
 * user-defined network, the default "bridge" network derived from the `bip`
 * setting; and in the run dir (tmpfs: leases mean nothing after a reboot,
 * and the start path should not wait for a disk), <run>/net/state.json with
 * every live endpoint (container, network, address, owner process,
 * published ports) and `lock`, the flock that serialises every change to
 * networks and endpoints. Address allocation lives here too.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "net/internal.h"
#include "net/netlink.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/str.h"

void engine__network_free(engine__network *n)
{
	if (!n)
		return;
	free(n->name);
	if (n->labels)
		json_object_put(n->labels);
	free(n);
}

void engine__network_all_free(engine__network **all)
{
	for (size_t i = 0; all && all[i]; i++)
		engine__network_free(all[i]);
	free(all);
}

char *engine__net_dir(engine_context *ctx)
{
	return engine__context_path(ctx, "networks");
}

char *engine__net_state_dir(engine_context *ctx)
{
	return engine__path_join(engine_context_run_dir(ctx), "net");
}

int engine__net_lock(engine_context *ctx)
{
	cleanup_free char *dir = engine__net_state_dir(ctx);
	cleanup_free char *path = dir ? engine__path_join(dir, "lock") : NULL;
	int r;

	if (!path)
		return ENGINE_ENOMEM;
	r = engine__mkdir_p(dir, 0700);
	if (r < 0)
		return engine__error_wrap("create %s", dir);
	return engine__lock_take(path, true);
}

/* The default network, from the `bip` setting ("10.77.0.1/16"). */
static int default_network(engine_context *ctx, engine__network **out)
{
	json_object *v = engine__context_config(ctx, "bip");
	const char *bip = ENGINE__DEFAULT_BIP;
	char digest[ENGINE__DIGEST_LEN + 1];
	engine__network *n;

	if (v && !json_object_is_type(v, json_type_string))
		return engine__error_set(ENGINE_EINVALID, 0, "config \"bip\": want a string like \"%s\"",
					 ENGINE__DEFAULT_BIP);
	if (v)
		bip = json_object_get_string(v);
	n = calloc(1, sizeof(*n));
	if (!n)
		return engine__error_oom();
	if (engine__cidr_parse(bip, "config \"bip\"", true, &n->subnet, &n->gateway) < 0) {
		engine__network_free(n);
		return engine_error_last()->code;
	}
	if (n->gateway == n->subnet.addr || !engine__cidr_contains(&n->subnet, n->gateway + 1)) {
		engine__network_free(n);
		return engine__error_set(ENGINE_EINVALID, 0,
					 "config \"bip\" \"%s\": want the bridge's own address, like \"%s\"",
					 bip, ENGINE__DEFAULT_BIP);
	}
	/* A stable ID, so `network inspect bridge` agrees across processes. */
	engine__sha256_buf("engine-default-bridge", 21, digest);
	snprintf(n->id, sizeof(n->id), "%s", engine__digest_hex(digest));
	snprintf(n->bridge, sizeof(n->bridge), "%s", ENGINE__DEFAULT_BRIDGE);
	n->name = strdup(ENGINE__DEFAULT_NETWORK);
	n->labels = json_object_new_object();
	n->is_default = true;
	if (!n->name || !n->labels) {
		engine__network_free(n);
		return engine__error_oom();
	}
	*out = n;
	return 0;
}

static int parse_network(json_object *o, const char *file, engine__network **out)
{
	engine__network *n = calloc(1, sizeof(*n));
	const char *id = engine__json_get_string(o, "Id"), *name = engine__json_get_string(o, "Name");
	const char *subnet = engine__json_get_string(o, "Subnet"),
		   *gw = engine__json_get_string(o, "Gateway");
	const char *br = engine__json_get_string(o, "Bridge");
	json_object *labels = engine__json_get_type(o, "Labels", json_type_object), *v;

	if (!n)
		return engine__error_oom();
	if (!id || strlen(id) != 64 || !name || !br || strlen(br) >= sizeof(n->bridge) ||
	    engine__cidr_parse(subnet, "subnet", false, &n->subnet, NULL) < 0 ||
	    engine__ip_parse(gw, "gateway", &n->gateway) < 0) {
		engine__network_free(n);
		return engine__error_set(ENGINE_ERROR, 0, "network record %s is damaged", file);
	}
	memcpy(n->id, id, 65);
	snprintf(n->bridge, sizeof(n->bridge), "%s", br);
	n->name = strdup(name);
	n->internal = json_object_object_get_ex(o, "Internal", &v) && json_object_get_boolean(v);
	n->created = engine__json_get_int(o, "Created", 0);
	n->labels = labels ? json_object_get(labels) : json_object_new_object();
	if (!n->name || !n->labels) {
		engine__network_free(n);
		return engine__error_oom();
	}
	*out = n;
	return 0;
}

int engine__network_all(engine_context *ctx, engine__network ***out)
{
	cleanup_free char *dir = engine__net_dir(ctx);
	cleanup_closedir DIR *d = NULL;
	engine__network **all = calloc(2, sizeof(*all));
	size_t n = 1;
	struct dirent *e;
	int r;

	if (!dir || !all) {
		free(all);
		return engine__error_oom();
	}
	r = default_network(ctx, &all[0]);
	if (r < 0) {
		free(all);
		return r;
	}
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		cleanup_free char *path = NULL;
		cleanup_json json_object *o = NULL;
		engine__network **grown;

		if (strlen(e->d_name) != 69 || !engine__str_ends_with(e->d_name, ".json"))
			continue;
		path = engine__path_join(dir, e->d_name);
		if (!path || engine__json_parse_file(path, &o) < 0)
			continue; /* removed meanwhile, or half-written by a crash */
		grown = realloc(all, (n + 2) * sizeof(*all));
		if (!grown) {
			engine__network_all_free(all);
			return engine__error_oom();
		}
		all = grown;
		all[n + 1] = NULL;
		if (parse_network(o, path, &all[n]) < 0)
			continue;
		n++;
	}
	engine_error_clear();
	*out = all;
	return 0;
}

int engine__network_find(engine_context *ctx, const char *key, engine__network **out)
{
	engine__network **all = NULL;
	size_t klen = key ? strlen(key) : 0;
	ssize_t found = -1;
	int matches = 0, r;

	if (!key || !*key)
		return engine__error_set(ENGINE_EINVALID, 0, "empty network name");
	r = engine__network_all(ctx, &all);
	if (r < 0)
		return r;
	/* Docker's order: full ID, then name, then a unique ID prefix. */
	for (size_t i = 0; all[i] && found < 0; i++)
		if (strcmp(all[i]->id, key) == 0 || strcmp(all[i]->name, key) == 0)
			found = (ssize_t)i;
	for (size_t i = 0; all[i] && found < 0 && matches >= 0; i++)
		if (strncmp(all[i]->id, key, klen) == 0)
			matches = matches ? -1 : (int)i + 1;
	if (found < 0 && matches > 0)
		found = matches - 1;
	if (found < 0) {
		engine__network_all_free(all);
		if (matches < 0)
			return engine__error_set(ENGINE_EINVALID, 0, "network %s is ambiguous", key);
		return engine__error_set(ENGINE_ENOTFOUND, 0, "network %s not found", key);
	}
	*out = all[found];
	for (size_t i = 0; all[i]; i++)
		if ((ssize_t)i != found)
			engine__network_free(all[i]);
	free(all);
	return 0;
}

int engine__network_save(engine_context *ctx, const engine__network *n)
{
	cleanup_free char *dir = engine__net_dir(ctx), *file = NULL, *path = NULL;
	cleanup_json json_object *o = json_object_new_object();
	char buf[20], ip[16];

	file = engine__strdup_printf("%s.json", n->id);
	path = dir && file ? engine__path_join(dir, file) : NULL;
	if (!path || !o)
		return engine__error_oom();
	if (engine__mkdir_p(dir, 0700) < 0)
		return engine__error_wrap("create %s", dir);
	engine__json_add_string(o, "Name", n->name);
	engine__json_add_string(o, "Id", n->id);
	json_object_object_add(o, "Created", json_object_new_int64(n->created));
	engine__json_add_string(o, "Driver", "bridge");
	engine__json_add_string(o, "Subnet", engine__cidr_format(&n->subnet, buf));
	engine__json_add_string(o, "Gateway", engine__ip_format(n->gateway, ip));
	engine__json_add_string(o, "Bridge", n->bridge);
	json_object_object_add(o, "Internal", json_object_new_boolean(n->internal));
	json_object_object_add(o, "Labels", json_object_get(n->labels));
	return engine__json_write_file(path, o, true);
}

int engine__network_unlink(engine_context *ctx, const engine__network *n)
{
	cleanup_free char *dir = engine__net_dir(ctx), *file = NULL, *path = NULL;

	file = engine__strdup_printf("%s.json", n->id);
	path = dir && file ? engine__path_join(dir, file) : NULL;
	if (!path)
		return ENGINE_ENOMEM;
	if (unlink(path) < 0 && errno != ENOENT)
		return engine__error_errno(errno, "remove %s", path);
	return 0;
}

/* Like Docker, a pool's subnet is skipped when a route of the host's (a
 * VPN, a LAN, another engine's bridge) covers any part of it: containers
 * there could not reach those addresses. */
static void host_routes(engine__cidr **out, size_t *n)
{
	engine__nl nl;

	*out = NULL;
	*n = 0;
	if (engine__nl_open(&nl) == 0) {
		engine__nl_routes4(&nl, out, n);
		engine__nl_close(&nl);
	}
	engine_error_clear();
}

/* default-address-pools: [{"base": "10.78.0.0/16", "size": 24}, ...] */
int engine__network_pick_subnet(engine_context *ctx, engine__network **all, engine__cidr *out)
{
	json_object *pools = engine__context_config(ctx, "default-address-pools");
	size_t np = pools ? json_object_array_length(pools) : 1, nr;
	cleanup_free engine__cidr *routes = NULL;

	if (pools && !json_object_is_type(pools, json_type_array))
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "config \"default-address-pools\": want [{\"base\": CIDR, \"size\": N}]");
	host_routes(&routes, &nr);
	for (size_t i = 0; i < np; i++) {
		json_object *p = pools ? json_object_array_get_idx(pools, i) : NULL;
		const char *base = p ? engine__json_get_string(p, "base") : ENGINE__DEFAULT_POOL;
		int size = p ? (int)engine__json_get_int(p, "size", 0) : ENGINE__DEFAULT_POOL_SIZE;
		engine__cidr b;

		if (engine__cidr_parse(base, "config \"default-address-pools\" base", false, &b, NULL) < 0)
			return engine_error_last()->code;
		if (size < b.prefix || size > 30)
			return engine__error_set(
			    ENGINE_EINVALID, 0,
			    "config \"default-address-pools\": size %d does not fit base %s", size, base);
		for (uint64_t k = 0; k < (1ull << (size - b.prefix)); k++) {
			engine__cidr c = {b.addr + (uint32_t)(k << (32 - size)), size};
			bool taken = false;

			for (size_t j = 0; all[j] && !taken; j++)
				taken = engine__cidr_overlaps(&c, &all[j]->subnet);
			for (size_t j = 0; j < nr && !taken; j++)
				taken = engine__cidr_overlaps(&c, &routes[j]);
			if (!taken) {
				*out = c;
				return 0;
			}
		}
	}
	return engine__error_set(ENGINE_EBUSY, 0,
				 "no free subnet left in default-address-pools: give one with --subnet");
}

/* --- state.json -------------------------------------------------------- */

static char *state_path(engine_context *ctx)
{
	cleanup_free char *dir = engine__net_state_dir(ctx);

	return dir ? engine__path_join(dir, "state.json") : NULL;
}

int engine__net_state_load(engine_context *ctx, json_object **out)
{
	cleanup_free char *path = state_path(ctx);
	json_object *o = NULL;

	if (!path)
		return ENGINE_ENOMEM;
	if (access(path, F_OK) == 0 && engine__json_parse_file(path, &o) < 0)
		return engine_error_last()->code;
	if (!o || !json_object_is_type(o, json_type_object)) {
		if (o)
			json_object_put(o);
		o = json_object_new_object();
	}
	if (!o)
		return engine__error_oom();
	if (!engine__json_get_type(o, "Endpoints", json_type_array))
		json_object_object_add(o, "Endpoints", json_object_new_array());
	if (!engine__json_get_type(o, "Next", json_type_object))
		json_object_object_add(o, "Next", json_object_new_object());
	*out = o;
	return 0;
}

int engine__net_state_save(engine_context *ctx, json_object *state)
{
	cleanup_free char *path = state_path(ctx);

	if (!path)
		return ENGINE_ENOMEM;
	/* Not durable: after a crash every owner is dead and reconcile empties it. */
	return engine__json_write_file(path, state, false);
}

json_object *engine__net_state_endpoints(json_object *state)
{
	return engine__json_get_type(state, "Endpoints", json_type_array);
}

bool engine__endpoint_alive(json_object *ep)
{
	pid_t pid = (pid_t)engine__json_get_int(ep, "Owner", 0);
	const char *veth = engine__json_get_string(ep, "Veth");

	if (engine__proc_alive(pid, (uint64_t)engine__json_get_int(ep, "OwnerStart", 0)))
		return true;
	/* Its owner is gone but the container may not be (it outlives a killed
	 * monitor): the veth lives exactly as long as its network namespace. */
	return veth && if_nametoindex(veth) != 0;
}

static bool ip_used(json_object *eps, const engine__network *n, uint32_t ip)
{
	for (size_t i = 0; i < json_object_array_length(eps); i++) {
		json_object *ep = json_object_array_get_idx(eps, i);
		const char *net = engine__json_get_string(ep, "Network");
		uint32_t used;

		if (net && strcmp(net, n->id) == 0 &&
		    engine__ip_parse(engine__json_get_string(ep, "IP"), "ip", &used) == 0 && used == ip)
			return true;
	}
	return false;
}

int engine__ipam_allocate(json_object *state, const engine__network *n, uint32_t want, uint32_t *out)
{
	json_object *eps = engine__net_state_endpoints(state);
	json_object *next = engine__json_get_type(state, "Next", json_type_object);
	uint32_t first = n->subnet.addr + 1, last = n->subnet.addr + ~engine__cidr_mask(n->subnet.prefix) - 1;
	uint32_t start = first, ip;
	char buf[16];

	if (want) {
		if (!engine__cidr_contains(&n->subnet, want) || want < first || want > last ||
		    want == n->gateway)
			return engine__error_set(ENGINE_EINVALID, 0, "address %s is not usable in network %s",
						 engine__ip_format(want, buf), n->name);
		if (ip_used(eps, n, want))
			return engine__error_set(ENGINE_EEXISTS, 0,
						 "address %s is already in use in network %s",
						 engine__ip_format(want, buf), n->name);
		*out = want;
		return 0;
	}
	/* Round robin from the last allocation, so a released address (whose
	 * MAC may linger in neighbours' caches) is not handed out at once. */
	if (engine__ip_parse(engine__json_get_string(next, n->id), "next", &ip) == 0 && ip >= first &&
	    ip <= last)
		start = ip;
	engine_error_clear();
	ip = start;
	do {
		if (ip != n->gateway && !ip_used(eps, n, ip)) {
			*out = ip;
			json_object_object_add(
			    next, n->id,
			    json_object_new_string(engine__ip_format(ip == last ? first : ip + 1, buf)));
			return 0;
		}
		ip = ip == last ? first : ip + 1;
	} while (ip != start);
	return engine__error_set(ENGINE_EBUSY, 0, "network %s (%s): no free address left", n->name,
				 engine__cidr_format(&n->subnet, buf));
}

void engine__mac_from_ip(uint32_t ip, uint8_t mac[6])
{
	mac[0] = 0x02, mac[1] = 0x42;
	mac[2] = (uint8_t)(ip >> 24), mac[3] = (uint8_t)(ip >> 16), mac[4] = (uint8_t)(ip >> 8),
	mac[5] = (uint8_t)ip;
}

json_object *engine__endpoint_new(const char *cid, const char *name, const engine__network *n, uint32_t ip,
				  const char *veth, const char *ifname, char *const *aliases, pid_t owner,
				  const char *hosts, json_object *ports)
{
	json_object *ep = json_object_new_object();
	char buf[16];

	if (!ep)
		return NULL;
	engine__json_add_string(ep, "Container", cid);
	engine__json_add_string(ep, "Name", name);
	engine__json_add_string(ep, "Network", n->id);
	engine__json_add_string(ep, "IP", engine__ip_format(ip, buf));
	engine__json_add_string(ep, "Veth", veth);
	engine__json_add_string(ep, "Ifname", ifname);
	json_object_object_add(ep, "Aliases", engine__json_from_strv(aliases));
	json_object_object_add(ep, "Default", json_object_new_boolean(n->is_default));
	json_object_object_add(ep, "Owner", json_object_new_int64(owner));
	json_object_object_add(ep, "OwnerStart",
			       json_object_new_int64((int64_t)engine__proc_start_time(owner)));
	engine__json_add_string(ep, "Hosts", hosts);
	if (ports)
		json_object_object_add(ep, "Ports", ports);
	return ep;
}
