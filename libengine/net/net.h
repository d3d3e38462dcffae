/*
 * The network subsystem as the runtime sees it: a sandbox is one
 * container's networking from before its clone to after its exit.
 *
 *   prepare   (parent, before clone)  resolve the mode, allocate addresses,
 *                                      reserve host ports, write hosts files
 *   attach    (between clone and the child's release, on the sync round
 *              trip)                   veth pairs into the child's netns,
 *                                      addresses and routes inside it
 *   started   (the process that stays the container's parent)
 *                                      becomes the endpoints' owner, starts
 *                                      the loopback forwarder
 *   release   (after the exit)         addresses, NAT entries, forwarder,
 *                                      peers' hosts lines
 */
#ifndef ENGINE_NET_NET_H
#define ENGINE_NET_NET_H

#include <stdbool.h>
#include <sys/types.h>

#include <json-c/json.h>

#include <engine/context.h>
#include <engine/spec.h>

typedef struct engine__net_sandbox engine__net_sandbox;

/* What the plan takes from the sandbox. Strings borrowed from it. */
typedef struct engine__net_files {
	bool new_netns;		/* clone with CLONE_NEWNET */
	int join_netns_fd;	/* container:<x>: setns here instead, else -1 */
	const char *hostname;	/* NULL: the runtime's choice */
	const char *hosts;	/* content for /etc/hosts, or NULL */
	const char *hosts_path; /* a host file to bind-mount at /etc/hosts instead */
	const char *resolv;	/* content for /etc/resolv.conf, or NULL */
} engine__net_files;

/* Everything before the clone. @image_config for -P (ExposedPorts).
 * @cid/@name: the container's ID and name (NULL for engine_run). */
int engine__net_prepare(engine_context *ctx, const engine_spec *spec, json_object *image_config,
			const char *cid, const char *name, const char *hostname, engine__net_sandbox **out);
const engine__net_files *engine__net_files_of(const engine__net_sandbox *sb);
/* Whether engine__net_attach has work to do (a bridge network), so the
 * spawn needs its round trip. NULL: false. */
bool engine__net_needs_attach(const engine__net_sandbox *sb);
/* Between clone and release: the veth pairs into @pid's namespace. */
int engine__net_attach(engine__net_sandbox *sb, pid_t pid);
/* In the process that stays the container's parent, once it runs. */
int engine__net_started(engine__net_sandbox *sb);
/* After the exit: give everything back and free the sandbox. NULL is fine. */
void engine__net_release(engine__net_sandbox *sb);
/* Free this process's copy only (the monitor took it over). NULL is fine. */
void engine__net_sandbox_free(engine__net_sandbox *sb);

/* Drop the endpoints of a removed container (and its connect records). */
void engine__net_container_removed(engine_context *ctx, const char *cid);
/* NetworkSettings for inspect, from the live endpoints (borrows nothing). */
int engine__net_settings(engine_context *ctx, const char *cid, const engine_spec *spec, json_object **out);
/* Clean up after processes killed without cleaning up (kill -9). */
void engine__net_reconcile(engine_context *ctx);

/* Validation of a spec's network mode string at set time. */
int engine__net_mode_check(const char *mode);

#endif
