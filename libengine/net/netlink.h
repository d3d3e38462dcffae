/*
 * rtnetlink through libmnl: the handful of link, address and route
 * operations the bridge driver needs, each with errors that name the
 * interface. A handle is bound to one network namespace.
 */
#ifndef ENGINE_NET_NETLINK_H
#define ENGINE_NET_NETLINK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/addr.h"

typedef struct engine__nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
} engine__nl;

/* A socket in the caller's network namespace. */
int engine__nl_open(engine__nl *nl);
/* A socket in the network namespace of @pid: the calling thread enters it
 * for the socket() call only (a netlink socket stays bound to the namespace
 * it was created in) and returns to its own. */
int engine__nl_open_in(engine__nl *nl, pid_t pid);
void engine__nl_close(engine__nl *nl);

/* ifindex of @name, 0 when there is none (not an error). */
int engine__nl_link_index(engine__nl *nl, const char *name, int *out);
/* Create bridge @name with @gw/@prefix (IPv4, host order) and bring it up;
 * an existing one is left as it is. *@created says whether it was new. */
int engine__nl_bridge_ensure(engine__nl *nl, const char *name, uint32_t gw, int prefix, int *ifindex,
			     bool *created);
/* One message: a veth pair, @host enslaved to @master and up, its peer
 * @peer (with @mac) created directly in the namespace of @peer_pid. */
int engine__nl_veth_create(engine__nl *nl, const char *host, int master, const char *peer, pid_t peer_pid,
			   const uint8_t mac[6]);
/* Inside a container's namespace, one batch: @ifname up with @ip/@prefix,
 * and a default route via @gw when @gw != 0. */
int engine__nl_iface_configure(engine__nl *nl, const char *ifname, uint32_t ip, int prefix, uint32_t gw);
/* Delete a link; a missing one is success. */
int engine__nl_link_delete(engine__nl *nl, const char *name);
/* Names of every link (NULL-terminated, malloc'd strv). */
int engine__nl_link_names(engine__nl *nl, char ***out);
/* The destinations of the IPv4 routes of the main table, the default
 * route left out (malloc'd array of *@n). */
int engine__nl_routes4(engine__nl *nl, engine__cidr **out, size_t *n);

#endif
