/*
 * Inside the network subsystem: network records, the shared state file
 * (endpoints and their addresses), nftables, the loopback forwarder and
 * hosts files. Everything that changes the state file runs under the
 * state lock, so processes that start containers at the same time (no
 * daemon in between) never hand out one address twice.
 */
#ifndef ENGINE_NET_INTERNAL_H
#define ENGINE_NET_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include <engine/context.h>

#include "net/addr.h"

#define ENGINE__DEFAULT_BRIDGE "engine0"
#define ENGINE__DEFAULT_NETWORK "bridge"
/* Defaults clear of Docker's 172.17.0.0/16 (and its 172.18-31/16 and
 * 192.168/16 pools) and podman's 10.88.0.0/16 (and its 10.89+ pools). */
#define ENGINE__DEFAULT_BIP "10.77.0.1/16"
#define ENGINE__DEFAULT_POOL "10.78.0.0/16"
#define ENGINE__DEFAULT_POOL_SIZE 24

typedef struct engine__network {
	char id[65];
	char *name;
	char bridge[16];
	engine__cidr subnet;
	uint32_t gateway;
	bool internal;
	bool is_default; /* "bridge": engine0 from the bip setting */
	json_object *labels;
	int64_t created; /* unix ns */
} engine__network;

void engine__network_free(engine__network *n);
/* <root>/networks (malloc'd). */
char *engine__net_dir(engine_context *ctx);
/* <run>/net (malloc'd): state.json, lock, and a directory per container. */
char *engine__net_state_dir(engine_context *ctx);
/* Take the network state lock (exclusive); returns the fd. */
int engine__net_lock(engine_context *ctx);
/* By name, full ID or unique ID prefix, "bridge" included. ENGINE_ENOTFOUND. */
int engine__network_find(engine_context *ctx, const char *key, engine__network **out);
/* Every bridge network, "bridge" first; NULL-terminated, free each + array. */
int engine__network_all(engine_context *ctx, engine__network ***out);
void engine__network_all_free(engine__network **all);
int engine__network_save(engine_context *ctx, const engine__network *n);
int engine__network_unlink(engine_context *ctx, const engine__network *n);
/* A free subnet from default-address-pools. */
int engine__network_pick_subnet(engine_context *ctx, engine__network **all, engine__cidr *out);

/* --- the state file: live endpoints ------------------------------------ */

/* {"Endpoints": [...], "Next": {"<netid>": "<ip>"}}; absent file = empty. */
int engine__net_state_load(engine_context *ctx, json_object **out);
int engine__net_state_save(engine_context *ctx, json_object *state);
json_object *engine__net_state_endpoints(json_object *state);
/* A new endpoint record (@ports may be NULL). */
json_object *engine__endpoint_new(const char *cid, const char *name, const engine__network *n, uint32_t ip,
				  const char *veth, const char *ifname, char *const *aliases, pid_t owner,
				  const char *hosts, json_object *ports);
/* The MAC of an address: 02:42 and its four bytes, as Docker does, so a
 * reused address comes back with its MAC and neighbours' caches stay right. */
void engine__mac_from_ip(uint32_t ip, uint8_t mac[6]);
/* Whether an endpoint is in use: its owner process is there, or its
 * container's network namespace (its veth) still is. */
bool engine__endpoint_alive(json_object *ep);
/* A free address of @n (or @want when free), skipping live endpoints'. */
int engine__ipam_allocate(json_object *state, const engine__network *n, uint32_t want, uint32_t *out);

/* Drop endpoints whose owner died (kill -9): their NAT entries, peers'
 * hosts lines and run files go too. Called under the lock. */
int engine__net_reconcile_locked(engine_context *ctx, json_object *state, bool *changed);

/* Connect records of a container (containers/<id>/networks.json):
 * {"<network name>": {"Aliases": [...], "IP": "..."}}; never NULL on success. */
int engine__connect_records(engine_context *ctx, const char *cid, json_object **out);
/* The records' key saying the container left the network of its spec
 * (engine_network_disconnect); no network name starts with '-'. */
#define ENGINE__PRIMARY_OFF "-primary"

/* --- nftables (table "ip engine") -------------------------------------- */

/* Set up a bridge network's rules (creates the table on first use). */
int engine__nat_network_add(const engine__network *n);
int engine__nat_network_remove(const engine__network *n);
/* Add or delete the DNAT entries of one endpoint's published ports. */
int engine__nat_ports(bool add, uint32_t ctr_ip, const engine__port *ports, size_t n);
/* Turn on IPv4 forwarding (once a bridge network is in use). */
int engine__net_enable_forwarding(void);

/* --- the loopback forwarder (like docker-proxy) ----------------------- */

typedef struct engine__forwarder engine__forwarder;
/* Serve @n listening sockets (@fds, taken over) to @ctr_ip:ports in a
 * thread of the calling process. */
int engine__forwarder_start(const int *fds, const engine__port *ports, size_t n, uint32_t ctr_ip,
			    engine__forwarder **out);
void engine__forwarder_stop(engine__forwarder *f);

/* --- hosts files -------------------------------------------------------- */

/* Where containers' hosts files live: <root>/net, 0700. */
#define ENGINE__NET_FILES_DIR "net"
/* <root>/net/<container id> (malloc'd). */
char *engine__net_run_dir(engine_context *ctx, const char *cid);
/* Rewrite the peer section of @path from the live endpoints that share a
 * user-defined network with container @cid. */
int engine__hosts_refresh(json_object *state, const char *cid, const char *path);
/* Refresh every container that shares a network with @cid (joined or left). */
void engine__hosts_refresh_peers(json_object *state, const char *cid, char *const *netids);

#endif
