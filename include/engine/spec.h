/*
 * engine_spec: what a container is made of (image, command, environment,
 * mounts, limits, security, stdio). An opaque handle filled through setters
 * so every binding can build one; it is copied into the container at create
 * time, so the caller may free or reuse it afterwards.
 */
#ifndef ENGINE_SPEC_H
#define ENGINE_SPEC_H

#include "common.h"

ENGINE_BEGIN_DECLS

/** The description of a container. Free with engine_spec_free(). */
typedef struct engine_spec engine_spec;

/** Network modes for engine_spec_set_network() (besides "container:<id|name>" and network names). */
#define ENGINE_NETWORK_NONE "none"     /**< own network namespace, loopback only */
#define ENGINE_NETWORK_HOST "host"     /**< the host's network namespace */
#define ENGINE_NETWORK_BRIDGE "bridge" /**< the default bridge network (engine0) */

/**
 * Stdio modes for engine_spec_set_stdio(). INHERIT and FDS hand the fds
 * themselves to the container (as runc's pass-through mode does): one
 * that is the user's terminal lets the container read what is typed into
 * it and change its modes (and TIOCSTI into it with CAP_SYS_ADMIN). To
 * show a container's output on a terminal, give it pipes and copy them,
 * as `engine run` does.
 */
typedef enum engine_stdio_mode {
	ENGINE_STDIO_DEFAULT = 0, /**< engine_run: capture; started containers: log files */
	ENGINE_STDIO_INHERIT = 1, /**< the caller's fds 0, 1 and 2 */
	ENGINE_STDIO_NULL = 2,	  /**< /dev/null for all three */
	ENGINE_STDIO_FDS = 3,	  /**< the fds given to engine_spec_set_stdio_fds() */
	ENGINE_STDIO_CAPTURE = 4, /**< stdout/stderr into the run result (engine_run) or log files */
	ENGINE_STDIO_LOG = 5	  /**< stdout/stderr into the container's log files (engine_run: capture) */
} engine_stdio_mode;

/** A new, empty spec (no image yet). Errors: ENGINE_ENOMEM. */
ENGINE_EXTERN int engine_spec_new(engine_spec **out);
/** Free a spec. Accepts NULL. */
ENGINE_EXTERN void engine_spec_free(engine_spec *spec);

/** The image to run: a tag ("busybox", "busybox:latest") or an image ID. */
ENGINE_EXTERN int engine_spec_set_image(engine_spec *spec, const char *ref);
/**
 * Run on a plain directory tree instead of an image (like an OCI bundle's
 * rootfs); it is the single read-only lower layer of the overlay, so the
 * directory itself is never written to. Replaces any image.
 */
ENGINE_EXTERN int engine_spec_set_rootfs(engine_spec *spec, const char *dir);
/** The command (replaces the image's Cmd, like `docker run IMAGE CMD...`). */
ENGINE_EXTERN int engine_spec_set_argv(engine_spec *spec, const engine_strarray *argv);
/**
 * Override the image's Entrypoint (like --entrypoint). An empty array clears
 * it; overriding the entrypoint also drops the image's Cmd, as Docker does.
 */
ENGINE_EXTERN int engine_spec_set_entrypoint(engine_spec *spec, const engine_strarray *entrypoint);
/** Add "KEY=VALUE", or "KEY" to pass the caller's value through (dropped when unset). */
ENGINE_EXTERN int engine_spec_add_env(engine_spec *spec, const char *item);
/** Add an env file (KEY=VALUE lines, # comments); -e values win over it. Read at create. */
ENGINE_EXTERN int engine_spec_add_env_file(engine_spec *spec, const char *path);
/** Working directory (absolute); created when missing. */
ENGINE_EXTERN int engine_spec_set_working_dir(engine_spec *spec, const char *dir);
/** "name", "uid", "name:group" or "uid:gid"; names resolve in the container's /etc files. */
ENGINE_EXTERN int engine_spec_set_user(engine_spec *spec, const char *user);
ENGINE_EXTERN int engine_spec_set_hostname(engine_spec *spec, const char *hostname);
/** A unique container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*). */
ENGINE_EXTERN int engine_spec_set_name(engine_spec *spec, const char *name);
/**
 * Bind mount host path @p src at @p dst (absolute) in the container; the
 * source must exist when the container starts. Every destination is
 * resolved inside the container's root (its symlinks followed there,
 * never out of it; a /proc magic link is refused) and created when missing.
 */
ENGINE_EXTERN int engine_spec_add_mount(engine_spec *spec, const char *src, const char *dst, int read_only);
/**
 * Docker's -v: "SRC:DST[:OPTS]" with SRC an absolute host path (created as
 * a directory when missing, as Docker does) or a volume name (created on
 * first use; an empty new volume gets the image's files at DST, unless
 * OPTS has "nocopy"), or "DST[:OPTS]" alone for an anonymous volume made
 * for the container (removed with it by --rm or engine_container_remove_volumes()).
 * OPTS: "ro", "rw", "nocopy" (comma-separated; z, Z and propagation words
 * are accepted and change nothing). ENGINE_EINVALID when malformed,
 * naming the part.
 */
ENGINE_EXTERN int engine_spec_add_volume(engine_spec *spec, const char *volume);
/**
 * Docker's --mount: "type=bind|volume|tmpfs,source=...,target=...[,readonly]"
 * with src/dst/destination as aliases, volume-nocopy, volume-opt=K=V (the
 * driver options of a volume this mount creates), tmpfs-size=SIZE,
 * tmpfs-mode=OCTAL. type defaults to volume; a volume without source is
 * anonymous. Unlike -v, a bind's source must exist (ENGINE_ENOTFOUND).
 * ENGINE_EINVALID names an unknown field or a missing target.
 */
ENGINE_EXTERN int engine_spec_add_mount_str(engine_spec *spec, const char *mount);
/** A tmpfs at @p dst; @p options like "size=64m,mode=1777" or NULL. */
ENGINE_EXTERN int engine_spec_add_tmpfs(engine_spec *spec, const char *dst, const char *options);
/** A file written into the container at @p path before the command starts. */
ENGINE_EXTERN int engine_spec_add_file(engine_spec *spec, const char *path, const void *content, size_t len,
				       unsigned mode);
/** Mount the root filesystem read-only. */
ENGINE_EXTERN int engine_spec_set_read_only(engine_spec *spec, int read_only);
/**
 * The network: ENGINE_NETWORK_NONE (the default: a namespace of its own
 * with loopback only), ENGINE_NETWORK_HOST, ENGINE_NETWORK_BRIDGE (the
 * default bridge "engine0", NAT to the outside), "container:<id|name>"
 * (join a running container's namespace) or the name of a network made
 * with engine_network_create(), where containers find each other by name
 * and alias. The network is looked up when the container starts
 * (ENGINE_ENOTFOUND then). ENGINE_EINVALID for an empty mode.
 */
ENGINE_EXTERN int engine_spec_set_network(engine_spec *spec, const char *mode);
/** Another name the container has on its user-defined network (--network-alias). */
ENGINE_EXTERN int engine_spec_add_network_alias(engine_spec *spec, const char *alias);
/**
 * Docker's legacy link (--link "name[:alias]"): the container named (or an
 * ID of at least 12 digits) resolves as its name and @p alias in this
 * container's /etc/hosts while both are on one network, the default bridge
 * included, and follows its address when it restarts. The other container
 * must exist when this one is created or run (ENGINE_ENOTFOUND). No
 * environment variables are made. ENGINE_EINVALID when malformed.
 */
ENGINE_EXTERN int engine_spec_add_link(engine_spec *spec, const char *link);
/** A fixed IPv4 address on its user-defined network (--ip); NULL clears. ENGINE_EINVALID when malformed. */
ENGINE_EXTERN int engine_spec_set_ip(engine_spec *spec, const char *ip);
/**
 * Publish a port, Docker's -p: "[IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp]",
 * ranges as "8000-8001:80-81"; no host port (or "IP::80") picks a free one.
 * Needs a bridge network. The host port is taken when the container
 * starts (ENGINE_EBUSY "port is already allocated" when it is in use);
 * engine_container_port() tells which one it got. ENGINE_EINVALID when malformed.
 */
ENGINE_EXTERN int engine_spec_add_port(engine_spec *spec, const char *port);
/** Publish every exposed port (the image's EXPOSE and engine_spec_add_expose()) on a free host port (-P). */
ENGINE_EXTERN int engine_spec_set_publish_all(engine_spec *spec, int enable);
/** Expose a port without publishing it ("80", "53/udp"), for -P. */
ENGINE_EXTERN int engine_spec_add_expose(engine_spec *spec, const char *port);
/** The address of --add-host NAME:host-gateway: the host as the container reaches it. */
#define ENGINE_HOST_GATEWAY "host-gateway"
/**
 * An /etc/hosts entry "NAME:IP" (--add-host); "NAME:host-gateway" is the
 * host's address on the container's first network (the default bridge's
 * gateway when it has none). ENGINE_EINVALID when malformed.
 */
ENGINE_EXTERN int engine_spec_add_host(engine_spec *spec, const char *host);
/** A nameserver for /etc/resolv.conf (--dns); replaces the host's. */
ENGINE_EXTERN int engine_spec_add_dns(engine_spec *spec, const char *server);
/** A search domain for /etc/resolv.conf (--dns-search); "." leaves none. */
ENGINE_EXTERN int engine_spec_add_dns_search(engine_spec *spec, const char *domain);
/** A resolver option for /etc/resolv.conf (--dns-option, e.g. "ndots:2"). */
ENGINE_EXTERN int engine_spec_add_dns_option(engine_spec *spec, const char *option);
/** Memory limit in bytes (0: unlimited). */
ENGINE_EXTERN int engine_spec_set_memory(engine_spec *spec, int64_t bytes);
/** Memory limit as Docker writes it: "64m", "1g", "512k", bytes. */
ENGINE_EXTERN int engine_spec_set_memory_str(engine_spec *spec, const char *size);
/** CPU quota in CPUs (0.5 = half a CPU; 0: unlimited). */
ENGINE_EXTERN int engine_spec_set_cpus(engine_spec *spec, double cpus);
/** Relative CPU weight (Docker's --cpu-shares, 2..262144). */
ENGINE_EXTERN int engine_spec_set_cpu_shares(engine_spec *spec, uint64_t shares);
/** Maximum number of tasks (0: unlimited). */
ENGINE_EXTERN int engine_spec_set_pids_limit(engine_spec *spec, int64_t limit);
/** CPUs the container may use, "0-1" or "0,2". */
ENGINE_EXTERN int engine_spec_set_cpuset(engine_spec *spec, const char *cpus);
/** Add a capability to Docker's default set ("NET_ADMIN", "CAP_SYS_TIME", "ALL"); an unknown
 * name is ENGINE_EINVALID here, not at run. */
ENGINE_EXTERN int engine_spec_add_cap(engine_spec *spec, const char *cap);
/** Remove a capability from the set ("CHOWN", "ALL"). */
ENGINE_EXTERN int engine_spec_drop_cap(engine_spec *spec, const char *cap);
/** "default" (Docker's profile), "unconfined", or a path to a JSON profile. */
ENGINE_EXTERN int engine_spec_set_seccomp_profile(engine_spec *spec, const char *profile);
/** no_new_privs for the container's processes: on by default (security by default); 0 turns it off. */
ENGINE_EXTERN int engine_spec_set_no_new_privs(engine_spec *spec, int enable);
/** Add a resource limit, "nofile=1024:2048" (Docker's --ulimit form). */
ENGINE_EXTERN int engine_spec_add_rlimit(engine_spec *spec, const char *rlimit);
/** Run a tiny init as PID 1 that reaps zombies and forwards signals (--init). */
ENGINE_EXTERN int engine_spec_set_init(engine_spec *spec, int enable);
/**
 * Run in a user namespace: container uids/gids 0..@p count-1 map to host
 * @p host_uid.. / @p host_gid... @p count 0 turns it off. The rootfs and
 * mounts are set up by the host's root before the process enters the
 * namespace (they are locked, like a rootless runtime's); image files owned
 * by unmapped ids show up as nobody/nogroup inside.
 */
ENGINE_EXTERN int engine_spec_set_userns(engine_spec *spec, uint32_t host_uid, uint32_t host_gid,
					 uint32_t count);
/** One of engine_stdio_mode. */
ENGINE_EXTERN int engine_spec_set_stdio(engine_spec *spec, int mode);
/**
 * The fds for ENGINE_STDIO_FDS (borrowed: they must stay open until the
 * container has started). -1 means /dev/null. Sets the mode to FDS.
 */
ENGINE_EXTERN int engine_spec_set_stdio_fds(engine_spec *spec, int in_fd, int out_fd, int err_fd);
/** Kill the container after @p seconds (0: none); the result says timed_out. */
ENGINE_EXTERN int engine_spec_set_timeout(engine_spec *spec, double seconds);
/** Remove the container when it exits (--rm). engine_run always removes. */
ENGINE_EXTERN int engine_spec_set_auto_remove(engine_spec *spec, int enable);

/**
 * What the monitor of a started container does when it exits, like
 * docker run --restart: "no" (default), "always", "unless-stopped" (both
 * restart it whatever the exit status, until engine_container_stop() or
 * kill is used; they differ only for engine_container_restore_all()),
 * "on-failure" or "on-failure:N" (restart after a non-zero exit, at most N
 * times; no N: no limit). Restarts back off like Docker's: 100 ms doubling
 * up to a minute, reset once the container ran 10 seconds. engine_run()
 * ignores it. Conflicts with auto-remove (engine_container_create() then
 * fails with ENGINE_EINVALID). Errors: ENGINE_EINVALID naming the value.
 */
ENGINE_EXTERN int engine_spec_set_restart_policy(engine_spec *spec, const char *policy);

/**
 * docker run --log-driver: "json-file" (the default; NULL or "" restores
 * it), "local" (rotated at 20 MB, 5 files, unless options say otherwise) or
 * "none" (no log: engine_container_logs() fails with ENGINE_ENOTSUP). The
 * name is checked by engine_container_create(), with Docker's message
 * (ENGINE_EINVALID). When a spec names no driver, create takes the context
 * config's "log-driver" and "log-opts" (as dockerd takes daemon.json's).
 * Returns 0, ENGINE_EINVALID or ENGINE_ENOMEM.
 */
ENGINE_EXTERN int engine_spec_set_log_driver(engine_spec *spec, const char *driver);

/**
 * docker run --log-opt KEY=VALUE (a key given again replaces its value):
 * max-size (bytes, or with k/m/g: rotate the log when it is that big),
 * max-file (files kept, the current one included, default 1), compress
 * (only false: rotated files are kept uncompressed); json-file also takes
 * Docker's labels, labels-regex, env, env-regex and tag, which are kept and
 * shown. Unknown keys fail engine_container_create(), bad values
 * engine_container_start(), both ENGINE_EINVALID with Docker's words
 * ("unknown log opt 'x' for json-file log driver", "failed to initialize
 * logging driver: invalid size: 'abc'"). Returns 0, ENGINE_EINVALID or
 * ENGINE_ENOMEM.
 */
ENGINE_EXTERN int engine_spec_add_log_opt(engine_spec *spec, const char *option);

/**
 * The signal engine_container_stop() sends first (docker run
 * --stop-signal): a name with or without SIG ("SIGUSR1", "QUIT") or a
 * number; NULL goes back to the image's STOPSIGNAL (default SIGTERM).
 * Shown as Config.StopSignal by inspect. Errors: ENGINE_EINVALID naming an
 * unknown signal.
 */
ENGINE_EXTERN int engine_spec_set_stop_signal(engine_spec *spec, const char *signal);
/**
 * Seconds engine_container_stop() waits after the stop signal before
 * SIGKILL when its caller gives no grace period (< 0), like docker run
 * --stop-timeout; -1 (the default) keeps 10 s. Shown as
 * Config.StopTimeout by inspect. Errors: ENGINE_EINVALID below -1.
 */
ENGINE_EXTERN int engine_spec_set_stop_timeout(engine_spec *spec, int seconds);
/**
 * An fd (an eventfd, a pipe's read end) that cancels engine_run(): once it
 * is readable or hung up the container is killed and engine_run() fails
 * with ENGINE_ECANCELED, its result (exit status, output so far) still
 * delivered. -1 (the default) for none. The fd stays the caller's; it is
 * not kept in the container's config. Errors: ENGINE_EINVALID below -1.
 */
ENGINE_EXTERN int engine_spec_set_cancel_fd(engine_spec *spec, int fd);
/**
 * docker run --privileged: everything Docker's flag grants, and no more.
 * Every capability (engine_spec_drop_cap is then ignored, as Docker does),
 * no seccomp filter (the profile is ignored), no masked or read-only paths
 * in /proc and /sys, /sys mounted read-write, a node in /dev for each of
 * the host's devices (runc's list: /dev without pts, shm, mqueue, fd and
 * the console) and a device cgroup that allows them all. The namespaces,
 * the cgroup limits, no_new_privs and the user stay as set. A rootless
 * engine refuses it (ENGINE_ENOTSUP when the container is created or run).
 * Shown as HostConfig.Privileged by inspect.
 */
ENGINE_EXTERN int engine_spec_set_privileged(engine_spec *spec, int enable);

/**
 * A storage option of the container's writable layer, as docker run
 * --storage-opt: "size=SIZE" caps it ("10g", bytes); "type=tmpfs" keeps it
 * on a tmpfs in the container's mount namespace (like engine_run() always
 * does: fast, capped, but gone when the container stops), "type=overlay"
 * (default) on disk under the store. A size on disk needs project quotas on
 * the store's filesystem (xfs with pquota, ext4 with prjquota):
 * engine_container_create() fails with ENGINE_ENOTSUP where there are none.
 * Without a size a tmpfs layer is capped by the context's config key
 * "writable-layer-tmpfs-size" (bytes, "2g" or a share of RAM like "25%";
 * default 25% of RAM). Errors: ENGINE_EINVALID naming the option.
 */
ENGINE_EXTERN int engine_spec_add_storage_opt(engine_spec *spec, const char *option);

/**
 * Add a label, "key=value" or "key" (an empty value), like docker run
 * --label; a later value for the same key replaces the earlier one. Labels
 * show in inspect (Config.Labels, over the image's) and listings, and
 * select containers in filters ("label=key", "label=key=value").
 */
ENGINE_EXTERN int engine_spec_add_label(engine_spec *spec, const char *label);

/**
 * Give the container a pseudo-terminal (Docker's -t / Tty): its stdin,
 * stdout and stderr are the pty's slave, which is also its controlling
 * terminal and /dev/console; output is one raw stream (stdout). The pty
 * is allocated in the container's own devpts, so `tty` shows /dev/pts/0;
 * its master stays with the engine (the monitor of a started container,
 * the caller of engine_run()): no terminal of the caller's ever reaches the
 * container. With engine_run() the output is captured as stdout, or, with
 * ENGINE_STDIO_FDS, copied to the out fd while the in fd feeds the terminal.
 */
ENGINE_EXTERN int engine_spec_set_tty(engine_spec *spec, int enable);
/**
 * The container's health check (docker run --health-cmd, --no-healthcheck):
 * @p test as Docker's Healthcheck.Test: {"CMD", ARG...} (run directly),
 * {"CMD-SHELL", COMMAND} (through /bin/sh -c), {"NONE"} (no check, not even
 * the image's HEALTHCHECK); NULL or empty keeps the image's. While the
 * container runs its monitor execs the test every interval; the status
 * (starting, then healthy after a pass, unhealthy after `retries` failures
 * in a row; failures within the start period do not count) shows in
 * engine_container_inspect() (State.Health with the last 5 results) and
 * listings ("Up 1 minute (healthy)", the health filter). ENGINE_EINVALID
 * for another form.
 */
ENGINE_EXTERN int engine_spec_set_healthcheck(engine_spec *spec, const engine_strarray *test);
/**
 * A health check setting over the image's: "interval", "timeout",
 * "start-period" (Go durations: "30s", "1m30s", "500ms"; at least 1ms; "0"
 * keeps the image's, else Docker's defaults 30s, 30s, 0s) or "retries" (a
 * count; 0 keeps the image's, else 3). ENGINE_EINVALID names a bad name or
 * value.
 */
ENGINE_EXTERN int engine_spec_set_health_option(engine_spec *spec, const char *name, const char *value);
/** The terminal's initial size (0 x 0: the kernel's default). ENGINE_EINVALID above 65535. */
ENGINE_EXTERN int engine_spec_set_tty_size(engine_spec *spec, unsigned rows, unsigned cols);
/**
 * Keep the container's stdin open for attachers (Docker's -i / OpenStdin);
 * with @p stdin_once (StdinOnce) the first attacher's end of input closes
 * it, as `docker run -i` does. Without an open stdin the container reads
 * /dev/null. ENGINE_EINVALID when @p stdin_once is set without @p open_stdin.
 */
ENGINE_EXTERN int engine_spec_set_stdin(engine_spec *spec, int open_stdin, int stdin_once);

/**
 * A namespaced kernel parameter set in the container (docker run --sysctl
 * "net.ipv4.ip_forward=1"; "net/ipv4/ip_forward=1" too), written under its
 * /proc/sys before the command starts. As Docker's validation: only those
 * the container's own namespaces scope are allowed: "net.*" (not with the
 * host's network: ENGINE_EINVALID when the container is created or run),
 * "fs.mqueue.*", kernel.msgmax, msgmnb, msgmni, sem, shmall, shmmax, shmmni,
 * shm_rmid_forced. ENGINE_EINVALID for another key, a malformed key or a
 * value with a newline; a key the kernel does not have fails the start.
 */
ENGINE_EXTERN int engine_spec_add_sysctl(engine_spec *spec, const char *sysctl);
/**
 * An extra group for the container's processes (docker run --group-add): a
 * gid, or a name looked up in the image's /etc/group when the container
 * starts (ENGINE_EINVALID then, as Docker's "Unable to find group").
 * ENGINE_EINVALID for an empty or malformed value.
 */
ENGINE_EXTERN int engine_spec_add_group(engine_spec *spec, const char *group);
/**
 * A host device in the container (docker run --device
 * "/dev/host[:/dev/in-container[:rwm]]"): a node with the host's type,
 * numbers, mode and owner is made at the container path (default the host
 * path), and the device cgroup lets that device through with the given
 * permissions (default "rwm") on top of Docker's policy. The container path
 * must lie under /dev. The host path is checked when the container is
 * created or run: a missing one is ENGINE_ENOTFOUND, one that is no
 * character or block device ENGINE_EINVALID. A rootless engine refuses
 * devices (ENGINE_ENOTSUP). ENGINE_EINVALID for malformed values.
 */
ENGINE_EXTERN int engine_spec_add_device(engine_spec *spec, const char *device);
/**
 * The volumes and bind mounts of another container (docker run
 * --volumes-from "name[:ro|:rw]"), taken when the container is created or
 * run: the same volume (referenced, so it stays while used) or host path
 * at the same destination, read-only as the other container has it unless
 * ":ro" or ":rw" says otherwise; a destination the spec mounts itself keeps
 * the spec's. ENGINE_ENOTFOUND then when there is no such container.
 */
ENGINE_EXTERN int engine_spec_add_volumes_from(engine_spec *spec, const char *from);
/** Memory nodes the container may use, "0-1" or "0,2" (docker run --cpuset-mems). */
ENGINE_EXTERN int engine_spec_set_cpuset_mems(engine_spec *spec, const char *mems);
/**
 * Keep the kernel's OOM killer off the container (docker run
 * --oom-kill-disable): its tasks wait for memory at the limit instead.
 * Only cgroup v1's memory controller has that switch: on a v2-only host
 * (engine_context_has_feature(ctx, "cgroup-v1") is 0) it is ignored, as
 * Docker discards it there with a warning ("Your kernel does not support
 * OomKillDisable. OomKillDisable discarded.") that callers may print.
 */
ENGINE_EXTERN int engine_spec_set_oom_kill_disable(engine_spec *spec, int disable);

/**
 * The container's IPC namespace (docker run --ipc): "private" (the
 * default: one of its own and a 64 MiB /dev/shm of its own), "shareable"
 * (the same, and others may join it), "none" (its own, no /dev/shm),
 * "host" (the host's IPC namespace and /dev/shm) or "container:<name|id>"
 * (join that running container's IPC namespace and /dev/shm; it must be
 * "shareable", "host" or itself joined, else ENGINE_EINVALID at start, as
 * dockerd's "non-shareable IPC"). NULL or "" is the default.
 * ENGINE_EINVALID for another value ("invalid IPC mode: x").
 */
ENGINE_EXTERN int engine_spec_set_ipc(engine_spec *spec, const char *mode);
/**
 * The container's PID namespace (docker run --pid): NULL or "" for one of
 * its own, "host" (the host's: it sees and may signal the host's
 * processes) or "container:<name|id>" (join that running container's).
 * A rootless context refuses both when the container starts
 * (ENGINE_ENOTSUP), and "container:" IPC too.
 * ENGINE_EINVALID for another value ("invalid PID mode: x").
 */
ENGINE_EXTERN int engine_spec_set_pid(engine_spec *spec, const char *mode);
/**
 * The container's UTS namespace (docker run --uts): NULL or "" for one of
 * its own, "host" for the host's (its hostname is the host's, which it
 * may not change unless privileged; /etc/hostname still holds the short
 * id, as dockerd writes it). A hostname with "host" is
 * ENGINE_EINVALID when the container is created or run ("conflicting
 * options: hostname and the UTS mode"). ENGINE_EINVALID for another value.
 */
ENGINE_EXTERN int engine_spec_set_uts(engine_spec *spec, const char *mode);
/**
 * docker run --userns: "host" runs the container without the user
 * namespace engine_spec_set_userns() asks for; "private", NULL or "" keep
 * the spec's. ENGINE_EINVALID for another value ("invalid USER mode: x").
 */
ENGINE_EXTERN int engine_spec_set_userns_mode(engine_spec *spec, const char *mode);
/**
 * The container's cgroup namespace (docker run --cgroupns): "private"
 * (the default, NULL or "": its own cgroup is the namespace's root) or
 * "host" (the host's, which shows the whole hierarchy's paths).
 * ENGINE_EINVALID for another value ("invalid cgroup namespace mode: x").
 */
ENGINE_EXTERN int engine_spec_set_cgroupns(engine_spec *spec, const char *mode);

/**
 * Parse a Docker-style size ("64m", "1g", "512k", "1.5g", bytes) into
 * *@p out bytes. ENGINE_EINVALID when malformed.
 */
ENGINE_EXTERN int engine_parse_size(const char *size, int64_t *out);

ENGINE_END_DECLS

#endif
