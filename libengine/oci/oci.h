/*
 * libengine/oci internals: a bundle's config.json turned into the
 * runtime's plan (config.c, config_linux.c), its resources into cgroup
 * limits (resources.c), hooks (hooks.c), and the container's state
 * directory (state.c).
 */
#ifndef ENGINE_OCI_OCI_H
#define ENGINE_OCI_OCI_H

#include <stdbool.h>
#include <sys/types.h>

#include <json-c/json.h>

#include <engine/oci.h>

#include "cgroup/cgroup.h"
#include "runtime/runtime.h"

#define ENGINE__OCI_VERSION "1.2.0"

/* A parsed bundle: every string the plan points to lives in @config (the
 * parsed config.json) or in @owned. */
typedef struct engine__oci_bundle {
	json_object *config;
	char *bundle; /* absolute */
	char *rootfs; /* absolute */
	engine__plan *plan;
	engine__plan_oci oci;
	char **owned;
	char **masked, **readonly; /* NULL-terminated */
	engine__cgroup_limits limits;
	const char *cgroups_path;
	json_object *resources; /* linux.resources, borrowed */
	json_object *hooks;	/* borrowed */
	int pidns_fd;		/* a PID namespace joined by path (the parent enters it), -1 */
	bool terminal;
	bool no_process;    /* config.json has none: create only, start fails */
	bool host_cgroupns; /* no cgroup namespace asked for */
	unsigned long ns_new;
	bool ns_uts; /* a uts namespace, new or joined: hostname and domainname allowed */
} engine__oci_bundle;

/* Parse <bundle>/config.json into @out (the plan's process part included).
 * Errors name the field. */
int engine__oci_bundle_load(engine_context *ctx, const char *bundle, engine__oci_bundle **out);
void engine__oci_bundle_free(engine__oci_bundle *b);

/* The process object (config.json's, or an exec's) into @p: args, env,
 * cwd, user, capabilities, rlimits, noNewPrivileges, oomScoreAdj, LSM
 * labels, umask; strings borrowed from @proc. @oci may be NULL (exec). */
int engine__oci_process(engine_context *ctx, json_object *proc, json_object *seccomp, engine__plan *p,
			engine__plan_oci *oci, bool *terminal);

/* engine-init's argv for p->argv (report fd above p->oci's preserved
 * fds, the start fifo when p->oci->wait_fd >= 0). */
int engine__oci_init_argv(engine__plan *p);

/* process.consoleSize into the plan's terminal size (console.c). */
int engine__oci_console_size(json_object *proc, engine__plan *p);
/* Send the pty master @master to the console socket at @path. */
int engine__oci_console_send(const char *path, int master);

/* linux.resources into cgroup limits (@rules_out malloc'd device rules),
 * and the settings the limits struct has no field for written to @cg
 * (blockIO, hugepages, network, unified, memory extras). */
int engine__oci_limits(json_object *res, engine__cgroup_limits *out, engine__cgroup_device_rule **rules_out);
int engine__oci_resources_extra(engine_context *ctx, engine__cgroup *cg, json_object *res);

/* Every key of @obj must be in @known (NULL-terminated); @where names it. */
int engine__oci_check_keys(json_object *obj, const char *where, const char *const *known);

/* --- state ---------------------------------------------------------------- */

typedef struct engine__oci_state {
	char id[256];
	pid_t pid;
	uint64_t pid_start; /* /proc/<pid>/stat start time */
	bool started;
	bool paused;
	bool no_process; /* created from a config.json without a process */
	char *bundle;
	char *cgroups_path;
	char *created; /* RFC 3339 */
	json_object *annotations;
} engine__oci_state;

/* "<root>/oci", "<root>/oci/<id>" (malloc'd). */
char *engine__oci_root(engine_context *ctx);
char *engine__oci_dir(engine_context *ctx, const char *id);
/* An id runc would take: [A-Za-z0-9_+.-], at most 1024 bytes, not "." or "..". */
int engine__oci_id_check(const char *id);
int engine__oci_state_read(engine_context *ctx, const char *id, engine__oci_state *out);
int engine__oci_state_write(engine_context *ctx, const engine__oci_state *st);
void engine__oci_state_clear(engine__oci_state *st);
/* "created", "running", "paused" or "stopped". */
const char *engine__oci_status(engine_context *ctx, const engine__oci_state *st);
/* The state as the spec's JSON object. */
json_object *engine__oci_state_json(engine_context *ctx, const engine__oci_state *st);

/* --- hooks ---------------------------------------------------------------- */

/* Run the hooks @name ("prestart", "createRuntime", ...) of @hooks with
 * @state_json on their stdin, in order; @ns_pid > 0 runs them in that
 * process's namespaces (createContainer, startContainer). The first
 * failure (exit status, signal, timeout) is the error. */
int engine__oci_hooks_run(json_object *hooks, const char *name, const char *state_json, pid_t ns_pid);
/* poststart and poststop hooks: the spec wants a failed one logged as a
 * warning and the remaining ones run all the same. */
void engine__oci_hooks_run_all(engine_context *ctx, json_object *hooks, const char *name,
			       const char *state_json);

#endif
