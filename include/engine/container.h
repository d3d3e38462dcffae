/*
 * Containers: the one-call ephemeral engine_run() for harnesses, and the
 * full lifecycle (create, start, wait, kill, stop, pause/resume, exec,
 * stats, list, inspect, logs, remove) for embedders and the daemon. State
 * lives under <root>/containers/<id>/, so a container started by one process
 * can be waited for, inspected, exec'd into, stopped and removed by another.
 */
#ifndef ENGINE_CONTAINER_H
#define ENGINE_CONTAINER_H

#include "common.h"
#include "context.h"
#include "spec.h"

ENGINE_BEGIN_DECLS

/** The outcome of engine_run() or engine_container_exec(). */
typedef struct engine_run_result {
	char *id;	   /**< the container ID (64 hex) */
	int exit_code;	   /**< like a shell: the status, or 128+signal; 126/127 when the
				command could not be executed / was not found */
	int signal;	   /**< terminating signal, 0 when the command exited */
	int oom_killed;	   /**< 1 when the kernel's OOM killer hit the container */
	int timed_out;	   /**< 1 when the timeout killed it */
	double duration;   /**< seconds from start to exit */
	char *stdout_data; /**< captured stdout (NUL-terminated for convenience), or NULL */
	size_t stdout_len;
	char *stderr_data; /**< captured stderr, or NULL */
	size_t stderr_len;
} engine_run_result;

/** Free a result. Accepts NULL. */
ENGINE_EXTERN void engine_run_result_free(engine_run_result *result);

/**
 * Run a container to completion: create it from @p spec, start it, wait
 * (up to the spec's timeout, then kill it), capture its stdout/stderr
 * (unless the spec says otherwise), and remove everything it used.
 * The container's writable layer lives in memory (a tmpfs charged to its
 * memory limit) and nothing of it stays on disk; while the context lives, a
 * marker under containers/ keeps the image from garbage collection.
 * The first run starts two background threads per context (joined by
 * engine_context_free), which unmount finished runs' trees after their
 * results are returned and, from the second run on, keep up to two
 * network namespaces (for --network none) and two rootfs trees (for the
 * spec run last, without bind mounts) made ahead, each used by one run
 * only; they hold at most 18 file descriptors of namespaces. From the second
 * run on, a finished run's cgroup (empty, its mount namespace closed, its
 * OOM count taken as zero) may be kept for the next run with the same
 * limits instead of being removed: up to four ready and four on their way,
 * removed by engine_context_free; never that of a container with
 * CAP_SYS_ADMIN, which could have changed it.
 * *@p out (freed with engine_run_result_free) is set whenever the container
 * ran, even when it could not exec its command: then the call fails with
 * ENGINE_ENOTFOUND (exit_code 127) or ENGINE_EPERM (126), like docker run.
 * Errors: ENGINE_ENOTFOUND (image), ENGINE_EINVALID (spec), ENGINE_ENOTSUP
 * (a limit the host cannot enforce), ENGINE_EPERM, ENGINE_ERROR naming the
 * setup step that failed ("mount overlay on /...: Invalid argument").
 */
ENGINE_EXTERN int engine_run(engine_context *ctx, const engine_spec *spec, engine_run_result **out);

/** A container handle (one container; several handles may name the same one). */
typedef struct engine_container engine_container;

/**
 * Create a container (status "created"): resolve the image, record the
 * configuration, prepare the writable layer. Nothing runs yet.
 * Errors: ENGINE_ENOTFOUND (image), ENGINE_EEXISTS (name in use), ENGINE_EINVALID.
 */
ENGINE_EXTERN int engine_container_create(engine_context *ctx, const engine_spec *spec,
					  engine_container **out);
/** Open an existing container by full ID, unique ID prefix, or name. ENGINE_ENOTFOUND otherwise. */
ENGINE_EXTERN int engine_container_open(engine_context *ctx, const char *id_or_name, engine_container **out);
/** Free the handle (the container itself is unaffected). Accepts NULL. */
ENGINE_EXTERN void engine_container_free(engine_container *container);

/** The full ID (borrowed). */
ENGINE_EXTERN const char *engine_container_id(const engine_container *container);
/** The name (borrowed). */
ENGINE_EXTERN const char *engine_container_name(const engine_container *container);
/**
 * The current status ("created", "running", "paused", "restarting" (between
 * two runs of a restart policy), "exited"), refreshed
 * from the state directory. Static storage.
 */
ENGINE_EXTERN const char *engine_container_status(engine_container *container);

/** A container's status, Docker's State.Status values. */
typedef enum engine_status {
	ENGINE_STATUS_CREATED = 0,
	ENGINE_STATUS_RUNNING = 1,
	ENGINE_STATUS_PAUSED = 2,
	ENGINE_STATUS_RESTARTING = 3,
	ENGINE_STATUS_REMOVING = 4,
	ENGINE_STATUS_EXITED = 5,
	ENGINE_STATUS_DEAD = 6
} engine_status;

/**
 * The current status as an engine_status into *@p out, refreshed from the
 * state directory. ENGINE_ENOTFOUND when the container was removed.
 */
ENGINE_EXTERN int engine_container_status_get(engine_container *container, int *out);
/** Docker's name of an engine_status ("running"); "unknown" for others. Static storage. */
ENGINE_EXTERN const char *engine_status_name(int status);
/** The engine_status for a name ("exited"), for filters. ENGINE_EINVALID otherwise. */
ENGINE_EXTERN int engine_status_parse(const char *name, int *out);

/**
 * Parse a signal the way Docker does: "SIGTERM", "TERM", "term", "15",
 * "SIGRTMIN+3". ENGINE_EINVALID names the bad value.
 */
ENGINE_EXTERN int engine_signal_parse(const char *name, int *out);

/**
 * Start a created or exited container, detached: a small monitor process
 * becomes its parent, records its exit status and removes it when it was
 * created with auto-remove. Errors: ENGINE_EBUSY (already running), the
 * spawn errors of engine_run().
 */
ENGINE_EXTERN int engine_container_start(engine_container *container);

/**
 * Wait until the container exits, at most @p timeout seconds (< 0: forever).
 * *@p exit_code (may be NULL) gets its status. With a restart policy this is
 * the end of the current run, as docker wait reports it, even when the
 * policy starts the container again. ENGINE_ETIMEOUT when it is still
 * running at the deadline.
 */
ENGINE_EXTERN int engine_container_wait(engine_container *container, double timeout, int *exit_code);
/** What engine_container_wait_until() waits for (Docker's condition=). */
typedef enum engine_wait_condition {
	ENGINE_WAIT_NOT_RUNNING = 0, /**< not running now (a created one qualifies at once) */
	ENGINE_WAIT_NEXT_EXIT = 1,   /**< the next exit after the call, also across a start */
	ENGINE_WAIT_REMOVED = 2	     /**< the container was removed (auto-remove or remove) */
} engine_wait_condition;

#define ENGINE_WAIT_OPTIONS_VERSION 1

/** Options for engine_container_wait_until(). */
typedef struct engine_wait_options {
	unsigned version;
	int condition;	/**< an engine_wait_condition */
	double timeout; /**< seconds; < 0 (the default): no deadline */
	int cancel_fd;	/**< -1, or an fd that ends the wait with ENGINE_ECANCELED once it is
			     readable or hung up (an eventfd, a pipe, a client's socket) */
} engine_wait_options;

#define ENGINE_WAIT_OPTIONS_INIT                                                                             \
	{                                                                                                    \
		ENGINE_WAIT_OPTIONS_VERSION, ENGINE_WAIT_NOT_RUNNING, -1, -1                                 \
	}

/** Initialise @p opts like ENGINE_WAIT_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_wait_options_init(engine_wait_options *opts, unsigned version);

#define ENGINE_WAIT_RESULT_VERSION 1

/** How a waited-for container ended. The caller sets version
 * (ENGINE_WAIT_RESULT_INIT or engine_wait_result_init()). */
typedef struct engine_wait_result {
	unsigned version;
	int exit_code;	     /**< its status (128+signal when killed), 0 for one that never ran */
	int oom_killed;	     /**< 1 when the OOM killer hit it */
	int64_t finished_ns; /**< when it exited (ns since the epoch), 0 when it never ran */
} engine_wait_result;

#define ENGINE_WAIT_RESULT_INIT                                                                              \
	{                                                                                                    \
		ENGINE_WAIT_RESULT_VERSION, 0, 0, 0                                                          \
	}

/** Initialise @p result like ENGINE_WAIT_RESULT_INIT, for bindings. */
ENGINE_EXTERN int engine_wait_result_init(engine_wait_result *result, unsigned version);

/**
 * Wait for @p condition: the daemon's POST /containers/{id}/wait. Another
 * thread (or a server noticing its client left) cancels it through
 * @p opts->cancel_fd (NULL @p opts: not-running, no deadline). *@p out (may
 * be NULL; its version set by the caller) gets the exit status; for
 * ENGINE_WAIT_REMOVED the status of the run that ended before the removal.
 * With a restart policy a run's end counts, as docker wait reports it.
 * Errors: ENGINE_ETIMEOUT, ENGINE_ECANCELED, ENGINE_EINVALID (options),
 * ENGINE_ENOTFOUND (removed, when the condition is not ENGINE_WAIT_REMOVED).
 */
ENGINE_EXTERN int engine_container_wait_until(engine_container *container, const engine_wait_options *opts,
					      engine_wait_result *out);

/**
 * Send @p signal to the container's main process. SIGKILL or the stop signal
 * also stands the restart policy down, as engine_container_stop() does.
 * ENGINE_EBUSY when not running.
 */
ENGINE_EXTERN int engine_container_kill(engine_container *container, int signal);
/**
 * Stop: the container's stop signal (engine_spec_set_stop_signal, else the
 * image's StopSignal, default SIGTERM), then SIGKILL to every process after
 * @p grace_seconds (< 0: the container's stop timeout, default 10). A
 * stopped container is fine.
 */
ENGINE_EXTERN int engine_container_stop(engine_container *container, int grace_seconds);
/** Freeze / thaw every process of a running container. */
ENGINE_EXTERN int engine_container_pause(engine_container *container);
ENGINE_EXTERN int engine_container_resume(engine_container *container);
/**
 * Remove the container's state, writable layer and logs. A running one is
 * ENGINE_EBUSY unless @p force, which kills it first. The handle must
 * still be freed.
 */
ENGINE_EXTERN int engine_container_remove(engine_container *container, int force);
/**
 * engine_container_remove() that also removes the container's anonymous
 * volumes (-v /path, the image's VOLUME) no other container uses (docker rm
 * -v); named volumes stay.
 */
ENGINE_EXTERN int engine_container_remove_volumes(engine_container *container, int force);

/**
 * Rename a container, running or not (docker rename). A leading "/" is
 * ignored. Errors: ENGINE_EINVALID (not a valid name, or the same name),
 * ENGINE_EEXISTS (another container has it).
 */
ENGINE_EXTERN int engine_container_rename(engine_container *container, const char *name);

/**
 * Stop the container if it runs (engine_container_stop() with
 * @p grace_seconds), then start it again. Errors: those of stop and start.
 */
ENGINE_EXTERN int engine_container_restart(engine_container *container, int grace_seconds);

#define ENGINE_UPDATE_OPTIONS_VERSION 1

/**
 * Options for engine_container_update() (docker update). A field left at
 * its ENGINE_UPDATE_OPTIONS_INIT value (0 / NULL) keeps the current value;
 * -1 lifts a limit.
 */
typedef struct engine_update_options {
	unsigned version;
	int64_t memory;		    /**< bytes (at least 6 MB); -1: unlimited */
	double cpus;		    /**< CPU quota in CPUs (0.5); -1: unlimited */
	int64_t cpu_shares;	    /**< relative weight 2..262144 */
	int64_t pids_limit;	    /**< maximum number of tasks; -1: unlimited */
	const char *cpuset_cpus;    /**< CPUs allowed, "0-1" */
	const char *restart_policy; /**< as engine_spec_set_restart_policy() */
} engine_update_options;

#define ENGINE_UPDATE_OPTIONS_INIT                                                                           \
	{                                                                                                    \
		ENGINE_UPDATE_OPTIONS_VERSION, 0, 0, 0, 0, NULL, NULL                                        \
	}

/** Initialise @p opts like ENGINE_UPDATE_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_update_options_init(engine_update_options *opts, unsigned version);

/**
 * Change the limits and restart policy of a container. The new values are
 * kept for every later start and, while the container runs, written to its
 * cgroup at once. Nothing changes when any value is refused. Errors:
 * ENGINE_EINVALID (a bad value, or a restart policy with auto-remove),
 * ENGINE_EBUSY (the kernel refused a memory limit below current usage),
 * ENGINE_ENOTSUP (the host cannot enforce the limit).
 */
ENGINE_EXTERN int engine_container_update(engine_container *container, const engine_update_options *opts);

#define ENGINE_EXEC_OPTIONS_VERSION 1

/** Options for engine_container_exec(). */
typedef struct engine_exec_options {
	unsigned version;
	engine_strarray argv;	   /**< the command (PATH-searched like docker exec) */
	engine_strarray env;	   /**< extra "KEY=VALUE" on top of the container's env */
	const char *user;	   /**< NULL: the container's user */
	const char *working_dir;   /**< NULL: the container's */
	int stdio;		   /**< ENGINE_STDIO_CAPTURE (default), INHERIT, NULL or FDS */
	int in_fd, out_fd, err_fd; /**< for ENGINE_STDIO_FDS; -1: /dev/null */
	double timeout;		   /**< seconds, 0: none */
} engine_exec_options;

#define ENGINE_EXEC_OPTIONS_INIT                                                                             \
	{                                                                                                    \
		ENGINE_EXEC_OPTIONS_VERSION, {NULL, 0}, {NULL, 0}, NULL, NULL, ENGINE_STDIO_CAPTURE, -1, -1, \
		    -1, 0                                                                                    \
	}

/** Initialise @p opts like ENGINE_EXEC_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_exec_options_init(engine_exec_options *opts, unsigned version);

/**
 * Run a new process in a running container (its namespaces, cgroup,
 * capabilities and seccomp profile) and wait for it. *@p out as for
 * engine_run(). Errors: ENGINE_EBUSY (not running), ENGINE_ENOTFOUND (127).
 */
ENGINE_EXTERN int engine_container_exec(engine_container *container, const engine_exec_options *opts,
					engine_run_result **out);

#define ENGINE_CONTAINER_STATS_VERSION 3

/**
 * Resource usage of a running container. The caller sets version
 * (ENGINE_CONTAINER_STATS_INIT or engine_container_stats_init()); the
 * library fills the fields that version has and nothing past them.
 */
typedef struct engine_container_stats {
	unsigned version;
	uint64_t memory_usage; /**< bytes */
	uint64_t memory_limit; /**< bytes, 0 when unlimited */
	uint64_t cpu_usage_ns; /**< CPU time used */
	uint64_t pids;	       /**< current tasks */
	/* version 2 */
	uint64_t memory_max_usage;     /**< peak bytes; 0 where the kernel keeps none (v2 before 5.19) */
	uint64_t memory_inactive_file; /**< reclaimable page cache; `docker stats` shows
					    memory_usage minus this as MEM USAGE */
	uint64_t oom_kills;	       /**< processes the OOM killer killed in the container */
	/* version 3 */
	uint64_t cpu_user_ns;		/**< of cpu_usage_ns, in user mode (0 where unknown) */
	uint64_t cpu_system_ns;		/**< of cpu_usage_ns, in kernel mode (0 where unknown) */
	uint64_t cpu_periods;		/**< CFS periods elapsed with a CPU quota set */
	uint64_t cpu_throttled_periods; /**< of those, the periods the container was throttled in */
	uint64_t cpu_throttled_ns;	/**< time spent throttled */
	uint64_t blkio_read_bytes;	/**< block I/O read, all devices (v1 blkio, v2 io.stat) */
	uint64_t blkio_write_bytes;	/**< block I/O written, all devices */
	uint64_t net_rx_bytes;		/**< received on the container's interfaces but lo */
	uint64_t net_tx_bytes;		/**< sent on the container's interfaces but lo */
	uint64_t net_rx_packets;
	uint64_t net_tx_packets;
} engine_container_stats;

#define ENGINE_CONTAINER_STATS_INIT                                                                          \
	{                                                                                                    \
		ENGINE_CONTAINER_STATS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0         \
	}

/** Initialise @p stats like ENGINE_CONTAINER_STATS_INIT, for bindings. */
ENGINE_EXTERN int engine_container_stats_init(engine_container_stats *stats, unsigned version);

/**
 * Current usage into @p out, whose version the caller set. ENGINE_EBUSY when
 * the container is not running; ENGINE_EINVALID for a version this library
 * does not know.
 */
ENGINE_EXTERN int engine_container_stats_get(engine_container *container, engine_container_stats *out);

/**
 * Block I/O of a running container per device, as the Docker Engine API's
 * blkio_stats.io_service_bytes_recursive: a JSON array of
 * {"major": N, "minor": N, "op": "read"|"write", "value": bytes}, a read and
 * a write entry per device that did I/O (cgroup v1's blkio throttle
 * counters, v2's io.stat), "[]" without any. *@p json_out is freed with
 * engine_free(). Errors: ENGINE_EBUSY when the container is not running.
 */
ENGINE_EXTERN int engine_container_blkio_stats(engine_container *container, char **json_out);

/**
 * The processes of a running container, as docker top lists them: JSON
 * {"Titles": [...], "Processes": [[...], ...]} (the Docker Engine API's
 * ContainerTopOKBody). With @p ps_args NULL, "" or "-ef" the columns are
 * those of `ps -ef` (UID PID PPID C STIME TTY TIME CMD, host pids and user
 * names), read from /proc; other arguments ("aux", "-o pid,comm") run the
 * host's ps with them and keep the rows of the container's processes.
 * *@p json_out is freed with engine_free(). Errors: ENGINE_EBUSY (not
 * running), ENGINE_EINVALID (ps refused the arguments or printed no PID
 * column).
 */
ENGINE_EXTERN int engine_container_top(engine_container *container, const char *ps_args, char **json_out);

/** Kinds of engine_container_changes() entries (the Docker Engine API's). */
typedef enum engine_change_kind {
	ENGINE_CHANGE_MODIFIED = 0,
	ENGINE_CHANGE_ADDED = 1,
	ENGINE_CHANGE_DELETED = 2
} engine_change_kind;

/**
 * What the container changed in its filesystem (docker diff), running or
 * not: a JSON array of {"Path": "/etc/passwd", "Kind": engine_change_kind},
 * sorted by path, from its writable layer against the image. A directory is
 * listed as modified when something below it changed; what the engine
 * writes itself (/etc/hosts, /etc/hostname, /etc/resolv.conf, mount points)
 * is left out. *@p json_out is freed with engine_free(). Errors:
 * ENGINE_ENOTFOUND (the writable layer or the image is gone).
 */
ENGINE_EXTERN int engine_container_changes(engine_container *container, char **json_out);

/* --- files: docker cp, the archive API, export --------------------------- */
/*
 * Paths inside the container are absolute and resolved with chroot
 * semantics (symlinks cannot lead out of the container's root; crossing into
 * a volume or another mount is refused with ENGINE_EPERM). A running
 * container is seen live; a stopped one through its image layers and
 * writable layer (mounted for the call in a private mount namespace of a
 * helper process, so nothing stays mounted).
 */

/** engine_container_copy_to(): keep the uid/gid of the files (docker cp -a); else they belong to root. */
#define ENGINE_COPY_ARCHIVE 1
/** Follow a symlink given as the source (docker cp -L); else the link itself is copied. */
#define ENGINE_COPY_FOLLOW_LINK 2

/**
 * docker cp HOST_SRC CONTAINER:DST. Into an existing directory @p dst the
 * source goes under its own name ("SRC/." copies a directory's content); an
 * existing file is replaced; a missing @p dst is created (its parent must
 * exist). @p flags: ENGINE_COPY_*. Errors: ENGINE_ENOTFOUND (the source, or
 * the destination's parent), ENGINE_EINVALID (a directory onto a file),
 * ENGINE_EPERM (a read-only root filesystem, a path that leaves the root).
 */
ENGINE_EXTERN int engine_container_copy_to(engine_container *container, const char *host_src, const char *dst,
					   int flags);
/**
 * docker cp CONTAINER:SRC HOST_DST, with the same placement rules; what
 * is written on the host belongs to the caller. @p flags:
 * ENGINE_COPY_FOLLOW_LINK. Errors as engine_container_copy_to().
 */
ENGINE_EXTERN int engine_container_copy_from(engine_container *container, const char *src,
					     const char *host_dst, int flags);

/**
 * Write a tar stream of @p path into @p fd (GET /containers/{id}/archive):
 * the entry is named after the path's last component ("." for "/" and for
 * "DIR/.", whose content then follows as "./..."); a final symlink is
 * archived as such unless the path ends in "/". Directory names end in "/"
 * like Go's archive/tar. When @p stat_out is not NULL it receives the
 * path's stat as engine_container_path_stat() gives it. A socket @p fd that
 * the reader closes makes the call fail, never raises SIGPIPE.
 * Errors: ENGINE_ENOTFOUND, ENGINE_EPERM, ENGINE_EIO (writing @p fd).
 */
ENGINE_EXTERN int engine_container_archive_get(engine_container *container, const char *path, int fd,
					       char **stat_out);
/**
 * Extract the tar stream read from @p fd (plain, gzip, bzip2 or xz) into
 * the existing directory @p path (PUT /containers/{id}/archive), keeping
 * the entries' owners and modes. Nothing is written outside @p path.
 * Errors: ENGINE_ENOTFOUND, ENGINE_EINVALID (not a directory, a bad tar),
 * ENGINE_EPERM (read-only root filesystem, an entry that escapes).
 */
ENGINE_EXTERN int engine_container_archive_put(engine_container *container, const char *path, int fd);
/**
 * The stat of @p path as the archive API's X-Docker-Container-Path-Stat
 * header carries it: JSON {"name", "size", "mode" (Go's os.FileMode bits),
 * "mtime" (RFC 3339), "linkTarget" (a symlink's target resolved in the
 * container, else "")}. *@p json_out is freed with engine_free().
 */
ENGINE_EXTERN int engine_container_path_stat(engine_container *container, const char *path, char **json_out);
/**
 * Write the container's filesystem as a tar stream into @p fd (docker
 * export): image layers plus its writable layer, without volumes, /proc or
 * other mounts; running or not.
 */
ENGINE_EXTERN int engine_container_export(engine_container *container, int fd);

#define ENGINE_COMMIT_OPTIONS_VERSION 1

/** Options for engine_container_commit(). */
typedef struct engine_commit_options {
	unsigned version;
	const char *ref;	 /**< "repo:tag" to tag the image with, or NULL */
	const char *comment;	 /**< commit message (docker commit -m), or NULL */
	const char *author;	 /**< author (docker commit -a), or NULL */
	engine_strarray changes; /**< Dockerfile instructions to apply (docker commit -c "CMD [...]"):
				      CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME,
				      WORKDIR, HEALTHCHECK, STOPSIGNAL */
	int pause;		 /**< pause a running container while its layer is read (default 1) */
} engine_commit_options;

#define ENGINE_COMMIT_OPTIONS_INIT                                                                           \
	{                                                                                                    \
		ENGINE_COMMIT_OPTIONS_VERSION, NULL, NULL, NULL, {NULL, 0}, 1                                \
	}

/** Initialise @p opts like ENGINE_COMMIT_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_commit_options_init(engine_commit_options *opts, unsigned version);

/**
 * Make an image from the container (docker commit): its writable layer
 * (minus the /etc/hosts, /etc/hostname and /etc/resolv.conf the engine
 * writes) on top of its image, with the container's command, environment,
 * working directory and user as the image's config, then the changes.
 * @p opts may be NULL (defaults). *@p id_out ("sha256:...") is freed with
 * engine_free(). Errors: ENGINE_EINVALID (a bad change or reference),
 * ENGINE_ENOTSUP (a container on a plain directory), ENGINE_EIO.
 */
ENGINE_EXTERN int engine_container_commit(engine_container *container, const engine_commit_options *opts,
					  char **id_out);

/**
 * Docker-like inspect JSON: Id, Name, Created, Path, Args, State {Status,
 * Running, Paused, Pid, ExitCode, OOMKilled, StartedAt, FinishedAt}, Image,
 * Config, HostConfig, LogPath. *@p json_out is freed with engine_free().
 */
ENGINE_EXTERN int engine_container_inspect(engine_container *container, char **json_out);

/**
 * List containers as a JSON array of {Id, Names, Image, ImageID, Command,
 * Created, Labels, State, Status} objects, newest first; @p all includes
 * stopped ones. Status reads like docker ps: "Up 3 seconds", "Up 2 hours
 * (healthy)", "Exited (0) 2 minutes ago", "Restarting (1) 5 seconds ago",
 * "Created".
 * *@p json_out is freed with engine_free().
 */
ENGINE_EXTERN int engine_container_list(engine_context *ctx, int all, char **json_out);
/**
 * engine_container_list() restricted by Docker's filters, "key=value" each
 * (docker ps --filter): id (prefix), name (regular expression), label
 * ("key" or "key=value"; every label given must match), exited (code),
 * status (created, restarting, running, removing, paused, exited, dead),
 * ancestor (image name or ID), before / since (a container), volume (host
 * path, volume name or destination), health (starting, healthy, unhealthy,
 * none), network. Values of one key are alternatives; different keys must
 * all match. A status or exited filter includes stopped containers without
 * @p all. @p filters may be NULL. Errors: ENGINE_EINVALID naming a bad
 * filter, ENGINE_ENOTFOUND (a before/since container).
 */
ENGINE_EXTERN int engine_container_list_filter(engine_context *ctx, int all, const engine_strarray *filters,
					       char **json_out);

/**
 * Remove every stopped container (created or exited) that @p filters
 * select (docker container prune): until (a timestamp, RFC 3339 time or a
 * duration like "24h": created before it), label, label! (without the
 * label). @p deleted (may be NULL) receives their IDs; *@p reclaimed (may
 * be NULL) the bytes their writable layers held. A container started
 * meanwhile is left alone.
 */
ENGINE_EXTERN int engine_container_prune(engine_context *ctx, const engine_strarray *filters,
					 engine_strarray *deleted, int64_t *reclaimed);

/**
 * Bytes in the container's writable layer (docker ps -s's SizeRw): what it
 * changed or added over its image. 0 for a container on a plain directory
 * or whose layer is gone.
 */
ENGINE_EXTERN int engine_container_size_rw(engine_container *container, int64_t *out);

/** The IDs of the containers (all, or running only), newest first. */
ENGINE_EXTERN int engine_container_list_ids(engine_context *ctx, int all, engine_strarray *out);

/**
 * The path of the container's log file (borrowed), the same for @p stream
 * 1 and 2, or NULL when it has none. Its records (stream, time, bytes) are
 * the engine's own format: read them with engine_container_logs().
 */
ENGINE_EXTERN const char *engine_container_log_path(engine_container *container, int stream);

ENGINE_END_DECLS

#endif
