/*
 * OCI bundles: a directory with a config.json (runtime-spec 1.0 to 1.2,
 * Linux) run on the engine's own runtime, with runc's lifecycle: create
 * leaves the container's process waiting, start runs the user's process,
 * and the process belongs to whoever called create (a shim that is a
 * subreaper reaps it once create's process has exited). State lives under
 * "<context root>/oci/<id>". `engine-oci` is the runc-compatible command
 * line over this API.
 */
#ifndef ENGINE_OCI_H
#define ENGINE_OCI_H

#include "common.h"
#include "context.h"

ENGINE_BEGIN_DECLS

#define ENGINE_OCI_CREATE_OPTIONS_VERSION 1

/** Options for engine_oci_create(). Initialise with ENGINE_OCI_CREATE_OPTIONS_INIT. */
typedef struct engine_oci_create_options {
	unsigned version;
	const char *bundle;	    /**< the bundle directory (config.json, rootfs); required */
	const char *console_socket; /**< AF_UNIX socket that receives the pty master (SCM_RIGHTS)
					 when process.terminal is true; required then */
	int preserve_fds;	    /**< fds 3 .. 3+N-1 of the caller go to the container */
	int no_pivot;		    /**< MS_MOVE + chroot instead of pivot_root */
	int no_new_keyring;	    /**< keep the caller's session keyring */
	int start;		    /**< start right away (runc run) */
} engine_oci_create_options;

#define ENGINE_OCI_CREATE_OPTIONS_INIT                                                                       \
	{                                                                                                    \
		ENGINE_OCI_CREATE_OPTIONS_VERSION, NULL, NULL, 0, 0, 0, 0                                    \
	}

/** Initialise @p opts like ENGINE_OCI_CREATE_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_oci_create_options_init(engine_oci_create_options *opts, unsigned version);

/**
 * Create container @p id from a bundle: its cgroup, namespaces, rootfs and
 * mounts, the prestart, createRuntime and createContainer hooks, and its
 * process, left waiting for engine_oci_start(). The process is a child of
 * the calling thread; *@p pid_out (may be NULL) receives its host PID.
 * Unknown or unsupported fields of config.json fail with ENGINE_EINVALID
 * or ENGINE_ENOTSUP naming the field. Errors: ENGINE_EEXISTS (the id is
 * taken), ENGINE_EINVALID, ENGINE_ENOTSUP, ENGINE_ENOTFOUND (the command,
 * a mount source), ENGINE_EPERM, ENGINE_ERROR.
 */
ENGINE_EXTERN int engine_oci_create(engine_context *ctx, const char *id,
				    const engine_oci_create_options *opts, int *pid_out);

/**
 * Start a created container's process (startContainer hooks first,
 * poststart hooks after). ENGINE_ENOTFOUND, ENGINE_EBUSY when it is not in
 * the "created" state.
 */
ENGINE_EXTERN int engine_oci_start(engine_context *ctx, const char *id);

/**
 * The container's state as the runtime spec's JSON (ociVersion, id, status
 * "created" / "running" / "paused" / "stopped", pid, bundle, annotations)
 * plus runc's "rootfs", "created" and "owner". *@p json_out is freed with
 * engine_free(). ENGINE_ENOTFOUND.
 */
ENGINE_EXTERN int engine_oci_state(engine_context *ctx, const char *id, char **json_out);

/**
 * Send @p signal to the container's process, or with @p all to every
 * process in its cgroup. ENGINE_EBUSY when it is not running (or created).
 */
ENGINE_EXTERN int engine_oci_kill(engine_context *ctx, const char *id, int signal, int all);

/**
 * Delete a stopped or created container (its cgroup, state; poststop
 * hooks); with @p force a running one is killed first. ENGINE_EBUSY when
 * running without @p force.
 */
ENGINE_EXTERN int engine_oci_delete(engine_context *ctx, const char *id, int force);

/** Freeze / thaw every process of the container. ENGINE_EBUSY when not running / paused. */
ENGINE_EXTERN int engine_oci_pause(engine_context *ctx, const char *id);
ENGINE_EXTERN int engine_oci_resume(engine_context *ctx, const char *id);

/**
 * Change the resources of a live container: @p resources_json is an OCI
 * linux.resources object (memory, cpu, pids, blockIO, ...). Unknown fields:
 * ENGINE_EINVALID.
 */
ENGINE_EXTERN int engine_oci_update(engine_context *ctx, const char *id, const char *resources_json);

/** The states of every container, a JSON array; freed with engine_free(). */
ENGINE_EXTERN int engine_oci_list(engine_context *ctx, char **json_out);

/** The host PIDs of the container's processes, a JSON array; freed with engine_free(). */
ENGINE_EXTERN int engine_oci_ps(engine_context *ctx, const char *id, char **json_out);

/**
 * One stats event as runc's `events --stats` prints it ({"type":"stats",
 * "id":..., "data":{"cpu","memory","pids"}}); freed with engine_free().
 */
ENGINE_EXTERN int engine_oci_stats(engine_context *ctx, const char *id, char **json_out);

#define ENGINE_OCI_EXEC_OPTIONS_VERSION 1

/** Options for engine_oci_exec(). Initialise with ENGINE_OCI_EXEC_OPTIONS_INIT. */
typedef struct engine_oci_exec_options {
	unsigned version;
	const char *console_socket; /**< receives the pty master when process.terminal is true */
	int preserve_fds;	    /**< fds 3 .. 3+N-1 of the caller go to the process */
} engine_oci_exec_options;

#define ENGINE_OCI_EXEC_OPTIONS_INIT                                                                         \
	{                                                                                                    \
		ENGINE_OCI_EXEC_OPTIONS_VERSION, NULL, 0                                                     \
	}

/** Initialise @p opts like ENGINE_OCI_EXEC_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_oci_exec_options_init(engine_oci_exec_options *opts, unsigned version);

/**
 * Run a process in a running container: @p process_json is an OCI
 * "process" object (args, env, cwd, user, capabilities, rlimits,
 * noNewPrivileges, terminal, ...). The process joins the container's
 * namespaces and cgroup and is a child of the calling thread, with the
 * caller's stdio; *@p pid_out receives its host PID (wait for it with
 * waitpid). ENGINE_EBUSY when the container is not running.
 */
ENGINE_EXTERN int engine_oci_exec(engine_context *ctx, const char *id, const char *process_json,
				  const engine_oci_exec_options *opts, int *pid_out);

/**
 * A default config.json (runc's `spec`: sh in a terminal, the usual
 * mounts, namespaces, masked paths); with @p rootless, a user namespace
 * mapping the caller. Freed with engine_free().
 */
ENGINE_EXTERN int engine_oci_spec_default(int rootless, char **json_out);

/** What this runtime supports, as the runtime spec's features.md JSON. Freed with engine_free(). */
ENGINE_EXTERN int engine_oci_features(char **json_out);

ENGINE_END_DECLS

#endif
