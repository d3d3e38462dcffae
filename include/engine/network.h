/*
 * Networks, Docker's model without a daemon: the default bridge "bridge"
 * (interface engine0, from the `bip` setting), and user-defined bridge
 * networks (a Linux bridge each, subnets from `default-address-pools`)
 * where containers reach each other by name and alias. Addresses are
 * managed in the store under a lock, so several processes starting
 * containers at once never get the same one. Containers join a network
 * through engine_spec_set_network() at start, or engine_network_connect().
 *
 * Host-wide changes happen only once a bridge network is used by a
 * container: the bridge appears, IPv4 forwarding is turned on, and the
 * engine's own nftables table "ip engine" gets the network's elements.
 */
#ifndef ENGINE_NETWORK_H
#define ENGINE_NETWORK_H

#include "common.h"
#include "container.h"
#include "context.h"

ENGINE_BEGIN_DECLS

#define ENGINE_NETWORK_CREATE_OPTIONS_VERSION 1

/** Options for engine_network_create(). */
typedef struct engine_network_create_options {
	unsigned version;
	const char *name;	/**< required: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
	const char *subnet;	/**< "10.1.0.0/24"; NULL: a free one from default-address-pools */
	const char *gateway;	/**< the bridge's address; NULL: the subnet's first */
	int internal;		/**< no route out of the network (--internal) */
	engine_strarray labels; /**< "KEY=VALUE" items */
} engine_network_create_options;

#define ENGINE_NETWORK_CREATE_OPTIONS_INIT                                                                   \
	{                                                                                                    \
		ENGINE_NETWORK_CREATE_OPTIONS_VERSION, NULL, NULL, NULL, 0,                                  \
		{                                                                                            \
			NULL, 0                                                                              \
		}                                                                                            \
	}

/** Initialise @p opts like ENGINE_NETWORK_CREATE_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_network_create_options_init(engine_network_create_options *opts, unsigned version);

/**
 * Create a bridge network. *@p id_out (may be NULL; free with engine_free())
 * gets its 64-hex ID. Nothing changes on the host until a container uses it.
 * Errors: ENGINE_EEXISTS (name taken), ENGINE_EINVALID (bad name, subnet,
 * gateway, label, or a subnet overlapping another network's), ENGINE_EBUSY
 * (no free subnet left in the pools).
 */
ENGINE_EXTERN int engine_network_create(engine_context *ctx, const engine_network_create_options *opts,
					char **id_out);
/**
 * Remove a network and its bridge. ENGINE_EBUSY while containers are
 * connected (running or stopped); ENGINE_EPERM for the predefined
 * "bridge", "host" and "none"; ENGINE_ENOTFOUND.
 */
ENGINE_EXTERN int engine_network_remove(engine_context *ctx, const char *name_or_id);
/**
 * Docker-like inspect JSON of one network: Name, Id, Created, Scope,
 * Driver, Internal, IPAM {Driver, Config [{Subnet, Gateway}]}, Containers
 * {id: {Name, EndpointID, MacAddress, IPv4Address}}, Labels. Free with
 * engine_free(). ENGINE_ENOTFOUND.
 */
ENGINE_EXTERN int engine_network_inspect(engine_context *ctx, const char *name_or_id, char **json_out);
/** A JSON array of every network (the inspect objects, "bridge", "host" and "none" included). */
ENGINE_EXTERN int engine_network_list(engine_context *ctx, char **json_out);
/** Remove every user-defined network no container uses; their names go into @p removed (may be NULL). */
ENGINE_EXTERN int engine_network_prune(engine_context *ctx, engine_strarray *removed);

#define ENGINE_NETWORK_CONNECT_OPTIONS_VERSION 1

/** Options for engine_network_connect(). */
typedef struct engine_network_connect_options {
	unsigned version;
	engine_strarray aliases; /**< more names on that network */
	const char *ip;		 /**< a fixed address, NULL: the next free one */
} engine_network_connect_options;

#define ENGINE_NETWORK_CONNECT_OPTIONS_INIT                                                                  \
	{                                                                                                    \
		ENGINE_NETWORK_CONNECT_OPTIONS_VERSION, {NULL, 0}, NULL                                      \
	}

/** Initialise @p opts like ENGINE_NETWORK_CONNECT_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_network_connect_options_init(engine_network_connect_options *opts, unsigned version);

/**
 * Connect a container to a user-defined network (@p opts may be NULL): at
 * once when it runs (a new interface, eth1...), and at every later start.
 * Errors: ENGINE_ENOTFOUND, ENGINE_EEXISTS (already connected),
 * ENGINE_EINVALID (the container uses none, host or container: networking,
 * or the default bridge).
 */
ENGINE_EXTERN int engine_network_connect(engine_context *ctx, const char *network, const char *container,
					 const engine_network_connect_options *opts);
/**
 * Undo engine_network_connect(), or leave the network of the container's
 * spec (like docker network disconnect bridge CTR): it stays off that
 * network at later starts until engine_network_connect() puts it back
 * (with no network left it has loopback only). ENGINE_ENOTFOUND when it
 * is not connected; ENGINE_EBUSY when it runs with ports published on
 * that network (stop it first).
 */
ENGINE_EXTERN int engine_network_disconnect(engine_context *ctx, const char *network, const char *container);

/**
 * The published ports of a running container as Docker's
 * NetworkSettings.Ports JSON: {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort":
 * "32768"}], ...}. Free with engine_free().
 */
ENGINE_EXTERN int engine_container_ports(engine_container *container, char **json_out);
/**
 * Where container port @p port ("80" or "80/tcp", "53/udp") is published:
 * "HOST_IP:HOST_PORT" items into @p out (dispose with
 * engine_strarray_dispose()). ENGINE_ENOTFOUND when it is not published or
 * the container is not running.
 */
ENGINE_EXTERN int engine_container_port(engine_container *container, const char *port, engine_strarray *out);

ENGINE_END_DECLS

#endif
