/*
 * The runtime's internal interface: the spec's private struct, the "plan"
 * (everything the cloned child needs, prepared in the parent so the child
 * only makes system calls), spawning, and container state on disk.
 */
#ifndef ENGINE_RUNTIME_RUNTIME_H
#define ENGINE_RUNTIME_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include <engine/container.h>
#include <engine/pool.h>
#include <engine/context.h>
#include <engine/spec.h>

#include "util/userns.h"
#include "cgroup/cgroup.h"
#include "runtime/child_error.h"
#include "runtime/security.h"

/* --- spec ------------------------------------------------------------- */

typedef struct engine__mount {
	char *src;	    /* host path (bind; a volume's directory once resolved at create) */
	char *volume;	    /* volume name (an anonymous one's once created), or NULL */
	char *dst;	    /* absolute container path */
	char *data;	    /* tmpfs options */
	char **volume_opts; /* --mount volume-opt: driver options of a volume it creates */
	bool read_only;
	bool tmpfs;	 /* a tmpfs: --tmpfs, or a volume of type=tmpfs */
	bool is_volume;	 /* a volume, named or anonymous */
	bool anonymous;	 /* made for this container (-v /path, the image's VOLUME) */
	bool nocopy;	 /* never fill the volume with the image's files */
	bool create_src; /* -v /host:/dst: create a missing host directory */
	bool copy_up;	 /* not kept: the volume was empty, the image's files go in */
} engine__mount;

/* runtime/spec_mount.c: mounts of a spec, their JSON. */
void engine__mount_clear(engine__mount *m);
int engine__spec_push_mount(engine_spec *spec, const engine__mount *tpl);
int engine__spec_mounts_to_json(const engine_spec *spec, json_object *mounts);
int engine__spec_mounts_from_json(json_object *mounts, engine_spec *spec);

/* runtime/health.c: the spec's health check and its JSON; the checker a
 * monitor forks per run (0 when the container has no check) and stops. */
void engine__spec_health_free(engine_spec *spec);
int engine__spec_health_to_json(const engine_spec *spec, json_object *o);
int engine__spec_health_from_json(json_object *o, engine_spec *spec);
void engine__health_reset(engine_container *c);
pid_t engine__health_start(engine_container *c, int pidfd);
void engine__health_stop(pid_t pid);

/* runtime/mounts.c: volumes of a container (see there). Resolve every
 * volume mount of @spec in place (references for @owner; @pid for an
 * engine_run), adding the image's VOLUME paths; on failure the references
 * taken are dropped. */
int engine__mounts_resolve(engine_context *ctx, engine_spec *spec, json_object *image_config,
			   const char *owner, pid_t pid);
/* Fill the volumes marked copy_up with the image's files at their destination. */
int engine__mounts_copy_up(engine_context *ctx, const engine_spec *spec, char *const *layers);
/* Drop @owner's references; anonymous volumes go too with @remove_anonymous. */
void engine__mounts_release(engine_context *ctx, const engine_spec *spec, const char *owner,
			    bool remove_anonymous);

typedef struct engine__file {
	char *path;
	char *content;
	size_t len;
	unsigned mode;
} engine__file;

struct engine_spec {
	char *image;
	char *rootfs;
	char **argv; /* NULL: the image's Cmd */
	char **entrypoint;
	bool entrypoint_set;
	char **env;
	char **env_files;
	char *working_dir;
	char *user;
	char *hostname;
	char *name;
	engine__mount *mounts;
	size_t n_mounts;
	engine__file *files;
	size_t n_files;
	bool read_only;
	bool net_host;
	/* networking (libengine/net): the mode ("none", "host", "bridge",
	 * "container:<x>" or a network's name; NULL: none), this container's
	 * aliases and fixed address there, published and exposed ports, and
	 * what goes into /etc/hosts and /etc/resolv.conf */
	char *network;
	char **net_aliases;
	char **links; /* --link "name:alias" (alias = name when not given) */
	char *ip;
	char **ports;
	bool publish_all;
	char **expose;
	char **extra_hosts;
	char **dns;
	char **dns_search;
	char **dns_options;
	int64_t memory;
	double cpus;
	uint64_t cpu_shares;
	int64_t pids_limit;
	char *cpuset;
	char **cap_add;
	char **cap_drop;
	char *seccomp;
	bool no_new_privs;
	char **rlimits;
	bool init;
	uint32_t userns_uid, userns_gid, userns_count;
	int stdio;
	int in_fd, out_fd, err_fd;
	double timeout;
	bool auto_remove;
	/* restart policy (spec_policy.c): "no", "always", "unless-stopped",
	 * "on-failure" with restart_max retries (0: unlimited) */
	char restart[16];
	int restart_max;
	/* --storage-opt: the writable layer's cap (0: the default) and
	 * whether it lives on a tmpfs (storage.c) */
	int64_t storage_size;
	bool storage_tmpfs;
	char **labels; /* "key=value" (spec_policy.c) */
	/* --log-driver (NULL: json-file) and --log-opt "key=value" (logopts.c) */
	char *log_driver;
	char **log_opts;
	/* docker run --stop-signal (the image's StopSignal when NULL) and
	 * --stop-timeout (seconds; -1: engine_container_stop's default) */
	char *stop_signal;
	int stop_timeout;
	/* engine_run kills the container once this fd is readable (-1: none);
	 * the caller's, like in_fd, never stored */
	int cancel_fd;
	/* --privileged (security_privileged.c) */
	bool privileged;
	/* terminal and stdin (Docker's Tty, OpenStdin, StdinOnce) */
	bool tty;
	bool open_stdin;
	bool stdin_once;
	uint16_t tty_rows, tty_cols;
	/* health check (health.c): Docker's Test (NULL: the image's), and
	 * interval, timeout, start period in ns and retries (0: the image's) */
	char **health_test;
	int64_t health_interval, health_timeout, health_start_period;
	int health_retries;
	/* spec_host.c: what docker run takes from the host's kernel beyond
	 * the default sandbox. sysctls "key=value" (key dotted as given),
	 * group_add names or gids (resolved in the image's /etc/group at
	 * start), devices "host:container:perms", volumes_from "ctr[:ro|rw]"
	 * (turned into mounts at create), cpuset_mems, oom_kill_disable; the
	 * device cgroup rules the devices add to Docker's policy. */
	char **sysctls;
	char **group_add;
	char **devices;
	char **volumes_from;
	char *cpuset_mems;
	bool oom_kill_disable;
	engine__cgroup_device_rule *device_rules;
	size_t n_device_rules;
	/* spec_ns.c: docker run --ipc, --uts, --pid, --userns, --cgroupns as
	 * given (NULL: the default, a namespace of the container's own) */
	char *ipc_mode;
	char *uts_mode;
	char *pid_mode;
	char *userns_mode;
	char *cgroupns_mode;
};

/* logopts.c: the context's "log-driver" and "log-opts" for a spec that
 * names no driver (Docker's daemon defaults), then the names checked. */
int engine__log_spec_defaults(engine_context *ctx, engine_spec *spec);

/* spec_host.c */
void engine__spec_host_free(engine_spec *spec);
int engine__spec_host_to_json(const engine_spec *spec, json_object *o);
int engine__spec_host_from_json(json_object *o, engine_spec *spec);
/* The volumes_from entries as mounts of @spec (create, engine_run); the
 * containers links name must exist. */
int engine__spec_volumes_from_resolve(engine_context *ctx, engine_spec *spec);

/* Parse Docker's --restart value into @name (>= 16 bytes) and @max. */
int engine__restart_policy_parse(const char *policy, char *name, int *max);
/* A string vector as a JSON array member (NULL adds nothing) and back. */
int engine__spec_add_strv(json_object *o, const char *key, char *const *v);
int engine__spec_get_strv(json_object *o, const char *key, char ***field);
/* spec_ns.c: the namespace modes. kind: ENGINE__NS_*. */
enum { ENGINE__NS_IPC, ENGINE__NS_PID, ENGINE__NS_UTS, ENGINE__NS_USERNS, ENGINE__NS_CGROUPNS };
bool engine__ns_mode_valid(int kind, const char *mode);
void engine__spec_ns_free(engine_spec *spec);
int engine__spec_ns_to_json(const engine_spec *spec, json_object *o);
int engine__spec_ns_from_json(json_object *o, engine_spec *spec);
/* No mode beyond Docker's defaults (what a prepared sandbox can run). */
bool engine__spec_ns_default(const engine_spec *spec);
/* The context's "default-ipc-mode" and "default-cgroupns-mode" (dockerd's
 * daemon.json keys) for a spec that sets no mode: whether one applies, and
 * into the spec (create, run). */
bool engine__spec_ns_wants_defaults(engine_context *ctx, const engine_spec *spec);
int engine__spec_ns_defaults(engine_context *ctx, engine_spec *spec);
/* Conflicts between the modes and the rest of the spec (create, run). */
int engine__spec_ns_check(const engine_spec *spec);
/* Free the networking fields (spec_net.c). */
void engine__spec_net_free(engine_spec *spec);
/* The networking fields into / out of config.json's Spec. */
int engine__spec_net_to_json(const engine_spec *spec, json_object *o);
int engine__spec_net_from_json(json_object *o, engine_spec *spec);

/* The spec as JSON (config.json) and back. */
int engine__spec_to_json(const engine_spec *spec, json_object **out);
int engine__spec_from_json(json_object *obj, engine_spec **out);
/* A deep copy through the JSON form (the creator's fds are not copied). */
int engine__spec_copy(const engine_spec *spec, engine_spec **out);

/* --- plan: what the child executes ------------------------------------ */

typedef struct engine__child_mount {
	const char *src;  /* host path, opened as a detached tree before pivot_root */
	const char *dst;  /* container path */
	const char *data; /* tmpfs options */
	bool read_only;
	bool tmpfs;
	int tree_fd;	     /* child-side */
	unsigned long flags; /* tmpfs: the mount flags of its options (nosuid, noexec, ro, ...) */
} engine__child_mount;

typedef struct engine__child_file {
	const char *path;
	const char *content;
	size_t len;
	unsigned mode;
} engine__child_file;

/* A prepared sandbox's child (pool.c) enters its cgroup namespace (and,
 * with seccomp_early, loads its filter), then waits on the sync socket for
 * its job: engine-init's argv (which holds the command's) and env
 * (engine__pool_job_header, then the strings) with its stdio as SCM_RIGHTS.
 * Everything it receives into is allocated here, before the clone. EOF
 * instead of a job (the pool closed, or its owner died) makes it leave and
 * remove its cgroup and exit. */
typedef struct engine__pool_job {
	char *buf; /* the strings */
	size_t cap;
	char **ptrs; /* init_argv, NULL, env, NULL */
	size_t n_ptrs;
	engine__cgroup_exit cg_exit;
	/* Docker's default profile allows what the child does after the
	 * filter (as runc's early filter, without no_new_privs, must): the
	 * kernel's check and JIT of it leave the caller's path. */
	bool seccomp_early;
	/* engine-init is exec'd before the job and receives it (a root user,
	 * no user namespace, no tty, Docker's filter or none): the exec's
	 * teardown of the child's copy of the caller's memory leaves the
	 * caller's path. */
	bool pre_exec;
} engine__pool_job;

/* What an OCI bundle asks for beyond an engine_spec (libengine/oci builds
 * it from config.json; child_oci.c carries it out). Strings and arrays
 * are owned by whoever built the plan (the oci container handle). */
typedef struct engine__oci_mount {
	const char *src;	     /* host path of a bind, else the fs source ("proc", "tmpfs") */
	const char *dst;	     /* absolute path in the container */
	const char *type;	     /* fs type; NULL for a bind */
	unsigned long flags;	     /* MS_* (MS_BIND|MS_REC for rbind) */
	unsigned long propagation;   /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (|MS_REC), 0: none */
	const char *data;	     /* the options that are not flags */
	uint64_t attr_set, attr_clr; /* recursive MOUNT_ATTR_* (rro, rnosuid, ...), via mount_setattr */
	bool cgroup;		     /* type cgroup: the container's cgroups bound below dst */
} engine__oci_mount;

typedef struct engine__oci_device {
	const char *path; /* absolute, in the container */
	mode_t mode;	  /* S_IFCHR/S_IFBLK/S_IFIFO | permissions */
	dev_t dev;
	uid_t uid;
	gid_t gid;
} engine__oci_device;

/* A namespace joined by path: the parent opens it, the child setns()es. */
typedef struct engine__oci_ns {
	int type; /* CLONE_NEW* */
	int fd;
} engine__oci_ns;

/* The container's cgroup, as a cgroup mount shows it: a host directory
 * bound at <dst>/<name> (name "" for a unified host's single tree). */
typedef struct engine__oci_cgmount {
	const char *name;
	const char *src;
} engine__oci_cgmount;

typedef struct engine__plan_oci {
	const char *rootfs; /* host directory; bound onto itself, then the root */
	bool rootfs_readonly;
	unsigned long rootfs_propagation; /* 0: MS_SLAVE|MS_REC */
	bool no_pivot;			  /* MS_MOVE + chroot (a rootfs on a ramfs) */
	bool new_keyring;		  /* a session keyring of its own */
	bool keep_alive;		  /* outlives its creator: no parent-death signal */
	engine__oci_mount *mounts;
	size_t n_mounts;
	engine__oci_cgmount *cgmounts;
	size_t n_cgmounts;
	engine__oci_device *devices;
	size_t n_devices;
	bool default_devices;		 /* /dev is not the host's: runc's nodes and links */
	const char *const *sysctl_paths; /* "/proc/sys/net/ipv4/ip_forward" */
	const char *const *sysctl_values;
	size_t n_sysctl;
	engine__oci_ns ns[8];
	size_t n_ns;
	int userns_fd;	     /* a user namespace joined by path, -1 */
	const char *uid_map; /* "inside host count\n"..., written by the parent */
	const char *gid_map;
	bool has_oom_score_adj;
	int oom_score_adj;
	bool has_personality;
	unsigned long personality;
	const char *domainname;
	mode_t umask;
	const char *apparmor; /* profile name, NULL */
	const char *selinux;  /* process label, NULL */
	bool new_timens;
	const char *timens_offsets; /* "monotonic S NS\nboottime S NS\n" */
	int preserve_fds;	    /* fds 3..3+N-1 reach the command */
	int wait_fd;		    /* engine-init waits for a byte here before the command (create), -1 */
	/* Called in the parent while the child waits right before pivot_root
	 * (prestart, createRuntime and createContainer hooks); non-zero fails
	 * the spawn. */
	int (*before_pivot)(void *data, pid_t pid);
	void *before_pivot_data;
} engine__plan_oci;

/* A host device node a --privileged container gets (security_privileged.c). */
typedef struct engine__host_device {
	char *path; /* "/dev/sda", the same in the container */
	mode_t mode;
	dev_t rdev;
	uid_t uid;
	gid_t gid;
} engine__host_device;

typedef struct engine__plan {
	unsigned long clone_flags;
	/* unshare(CLONE_NEWCGROUP) once in the cgroup, so the namespace's root
	 * is the container's cgroup, not the caller's */
	bool new_cgroupns;
	/* rootfs */
	char *rootfs_dir;   /* the overlay mount point (containers/<id>/rootfs) */
	char *overlay_cwd;  /* chdir here so overlay options can be relative */
	char *overlay_data; /* "lowerdir=...,upperdir=...,workdir=..." */
	/* Ephemeral runs: a tmpfs mounted (in the child's namespace) on the
	 * container dir holds upper/, work/ and rootfs/, so the writable layer
	 * never touches the disk and vanishes with the container. */
	char *tmpfs_dir;
	char *tmpfs_data; /* its mount options: "mode=0700,size=N" */
	char *mkdirs[3];
	engine__child_mount *mounts;
	size_t n_mounts;
	engine__child_file *files;
	size_t n_files;
	const char *const *masked;
	const char *const *readonly;
	/* --privileged: the host's devices in /dev, /sys writable */
	engine__host_device *host_devices;
	size_t n_host_devices;
	bool sys_rw;
	/* --sysctl: written under the container's /proc/sys once it is
	 * mounted, before /proc/sys is made read-only (paths relative to it) */
	char **sysctl_paths;
	char **sysctl_values;
	size_t n_sysctl;
	char *hostname;
	bool read_only;
	bool net_none;
	char *working_dir;
	/* process */
	char **argv;
	char **env;
	/* How the command starts: engine-init (a sealed memfd, borrowed from
	 * the context) exec'd with init_argv, "--exec CMD..." or, as PID 1 of
	 * a --init container, "-- CMD..." (libengine/init). */
	int init_fd;
	char **init_argv;
	bool init;
	bool has_user;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t n_groups;
	engine__rlimit *rlimits;
	size_t n_rlimits;
	engine__caps caps;
	const engine__seccomp *seccomp;
	bool no_new_privs;
	/* exec into an existing container: setns instead of new namespaces */
	int join_pidfd;
	/* networking: attached between clone and release (engine__spawn);
	 * container:<x> mode joins that network namespace instead of a new one */
	struct engine__net_sandbox *net;
	int join_netns_fd;
	/* --ipc container:<x>: the IPC namespace joined (-1: a new one, or
	 * the caller's with --ipc host); /dev/shm is bound from the
	 * /dev/shm of the mount namespace shm_mntns_fd names (container:<x>),
	 * from the caller's with shm_host (--ipc host), else a tmpfs of its
	 * own, none with no_shm */
	int join_ipcns_fd;
	int shm_mntns_fd;
	bool shm_host;
	bool no_shm;
	/* --pid container:<x>: the parent clones into this PID namespace */
	int join_pidns_fd;
	/* A mount namespace made ahead whose root is this plan's rootfs
	 * (backstage.c): the child joins it instead of mounting its tmpfs and
	 * overlay and pivoting (-1: it does those itself) */
	int rootns_fd;
	/* stdio the child dup2s onto 0, 1, 2 (-1: /dev/null) */
	int stdio_fd[3];
	/* A pty from the container's devpts instead: the child opens it once
	 * /dev/pts is mounted (or joined), makes the slave its stdio, controlling
	 * terminal and /dev/console, and sends the master back over the sync
	 * socket (engine__proc.console_fd). */
	bool tty;
	uint16_t tty_rows, tty_cols;
	/* user namespace maps (written by the parent) */
	uint32_t userns_uid, userns_gid, userns_count;
	/* Rootless (rootless.c): the user namespace comes with the others at
	 * clone, the parent maps it by @idmap (util/userns.h), and the child waits
	 * for that before its first mount. devpts_data: the devpts options
	 * when gid 5 is not mapped (NULL: the usual ones). */
	bool rootless;
	engine__idmap idmap;
	const char *devpts_data;
	/* a prepared sandbox: wait for the job (NULL: run the plan's argv) */
	engine__pool_job *job;
	/* Spawned with CLONE_VM|CLONE_VFORK (spawn_vm.c): no round trip, the
	 * parent waits for the exec; the child places itself in its v1
	 * cgroups by writing "0" to these "tasks" fds. */
	bool vm;
	int attach_fds[8];
	size_t n_attach_fds;
	/* storage the plan owns (generated file contents, copies) */
	char **owned;
	char *home;
	/* An OCI bundle's container (not owned): its rootfs, mounts and
	 * process settings replace the engine's own (child_oci.c). */
	engine__plan_oci *oci;
} engine__plan;

void engine__plan_free(engine__plan *plan);
/* An empty plan: no fds (-1 everywhere), stdio /dev/null. NULL (error set) on OOM. */
engine__plan *engine__plan_alloc(void);

/* Build the plan of a container: image config + spec (argv, env, user, mounts,
 * security). @cdir is containers/<id>; @layers the lower dirs, lowest first. */
int engine__plan_build(engine_context *ctx, const engine_spec *spec, json_object *image_config,
		       char *const *layers, const char *cdir, const char *id, engine__plan **out);
/* sysctls, added groups and devices into the plan (after its user). */
int engine__plan_host(engine__plan *p, const engine_spec *spec, char *const *layers, const char *cdir);
/* The overlay mount options for @layers (lowest first) and the container
 * dir @cdir's upper/work dirs, relative to *@cwd_out (NULL: absolute) so many
 * layers fit in a page. @read_only: no upper/work, the upper dir becomes the
 * topmost lower one. */
int engine__overlay_options(char *const *layers, const char *cdir, bool read_only, char **data_out,
			    char **cwd_out);
/* Sandboxes a pool has ready (pool.c; for tests). */
unsigned engine__pool_ready(engine_pool *pool);

/* engine-init's argv for the plan's argv: "--exec CMD..." or, with --init,
 * "-- CMD..." (p->init_argv must be NULL). */
int engine__plan_init_argv(engine__plan *p);
/* The namespace modes into a built plan (flags, hostname; spec_ns.c),
 * then, when it is to start, the namespaces of the host or another
 * container it joins opened (the other container must be running). */
int engine__plan_ns(engine__plan *p, const engine_spec *spec);
int engine__plan_ns_join(engine_context *ctx, engine__plan *p, const engine_spec *spec);
/* Take the network side's files and namespace choice (libengine/net). */
int engine__plan_use_net(engine__plan *plan, struct engine__net_sandbox *sb);
/* Switch a plan to the in-memory writable layer (engine_run, and created
 * containers with --storage-opt type=tmpfs), a tmpfs on @dir capped by
 * engine__storage_tmpfs_size. */
int engine__plan_tmpfs_upper(engine_context *ctx, const engine_spec *spec, engine__plan *plan,
			     char *const *layers, const char *dir);

/* --- the writable layer's size (storage.c) ----------------------------- */

/* The size of a tmpfs writable layer: the spec's --storage-opt size, else
 * the config key "writable-layer-tmpfs-size" (bytes, "2g", "25%" of RAM),
 * else 25% of RAM. */
int engine__storage_tmpfs_size(engine_context *ctx, const engine_spec *spec, uint64_t *out);
/* A created container's on-disk writable layer (@upper, @work) capped at
 * the spec's size with a project quota; ENGINE_ENOTSUP where the store's
 * filesystem has none. No-op without a size or for a tmpfs layer. */
int engine__storage_quota_apply(const engine_spec *spec, const char *upper, const char *work);

/* The argv the container runs (Docker's Entrypoint/Cmd rules), malloc'd. */
int engine__resolve_argv(const engine_spec *spec, json_object *image_config, char ***out);

/* Resolve "user[:group]" against the passwd/group files of a rootfs given as
 * a stack of directories (topmost first). */
int engine__user_resolve(char *const *dirs_top_first, const char *user, uid_t *uid, gid_t *gid,
			 gid_t **groups, size_t *n_groups, char **home);
/* A group name or gid (--group-add) in the /etc/group of the container
 * dir @cdir's upper layer over @layers (lowest first). */
int engine__group_resolve(char *const *layers, const char *cdir, const char *name, gid_t *out);

/* --- spawning --------------------------------------------------------- */

typedef struct engine__proc {
	pid_t pid;
	int pidfd;
	int console_fd; /* the pty master when the plan asked for a tty, else -1 */
} engine__proc;

/* Clone the child with the plan's namespaces, place it in @cg (may be NULL),
 * write the uid/gid maps, release it, and wait until it has exec'd. A child
 * failure comes back as an error naming the step; @exit_code_out (may be
 * NULL) receives 126/127 for exec failures. */
int engine__spawn(engine__plan *plan, engine__cgroup *cg, engine__proc *out, int *exit_code_out);
/* engine_run's background thread (backstage.c). netns_take: a new network
 * namespace with lo up, made ahead for one run, or -1 when none is ready
 * (then the run clones its own). mntns_hold: an fd holding @proc's mount
 * namespace (-1 if it could not be had): while it is open, the process's
 * exit leaves the unmounting of its tree to whoever closes it;
 * mntns_release closes it on the thread (or here when that is busy). */
int engine__netns_take(engine_context *ctx);
/* A mount namespace made ahead for @p (same tmpfs, overlay and mount
 * point), its root the rootfs, or -1 (then the child builds its own). */
int engine__rootns_take(engine_context *ctx, const engine__plan *p);
int engine__mntns_hold(const engine__proc *proc);
void engine__mntns_release(engine_context *ctx, int fd);
/* A cgroup a finished run left (backstage.c) with exactly @limits, empty,
 * its OOM count rebased; NULL when there is none. */
engine__cgroup *engine__cgroup_unpark(engine_context *ctx, const engine__cgroup_limits *limits);
/* Hand the finished run's @cg (its processes gone) and mount namespace
 * @mntns (or -1) to the background thread: it closes @mntns, then keeps @cg
 * for a next run with the same @limits or removes it. False when it does
 * not take them: the caller releases and destroys them itself. */
bool engine__cgroup_park(engine_context *ctx, engine__cgroup *cg, const engine__cgroup_limits *limits,
			 int mntns);
/* Remove every cgroup engine_run keeps for reuse now (before removing
 * their parent while the context lives on). */
void engine__run_stock_drop(engine_context *ctx);
/* engine__spawn in two halves, for prepared sandboxes (pool.c): begin
 * clones, places the child in @cg and releases it to build its rootfs (a
 * pooled plan's child then waits for its job on go_w); end closes go_w and
 * waits for the exec. On failure begin leaves nothing behind. */
typedef struct engine__spawning {
	pid_t pid;
	int pidfd;
	int go_w;    /* the sync socket */
	int err_r;   /* the child's error pipe */
	int console; /* the pty master the child sent (plan->tty), -1 */
} engine__spawning;
int engine__spawn_begin(engine__plan *plan, engine__cgroup *cg, engine__spawning *sp);
int engine__spawn_end(engine__plan *plan, engine__spawning *sp, engine__proc *out, int *exit_code_out);
/* Close the parent's ends (the pid and pidfd stay the caller's). */
void engine__spawning_close(engine__spawning *sp);
/* The posix_spawn way (spawn_vm.c): CLONE_VM|CLONE_VFORK on a private
 * stack, so the cost does not grow with the caller's memory; returns when
 * the child has exec'd or failed, ready for engine__spawn_end. For plans
 * without a round trip (engine__spawn_vm_possible); where the build cannot
 * (not x86-64, or AddressSanitizer), it never is. */
bool engine__spawn_vm_possible(const engine__plan *p);
int engine__spawn_vm(engine__plan *p, engine__cgroup *cg, engine__spawning *sp);

/* The child side: never returns. */
__attribute__((noreturn)) void engine__child_main(engine__plan *plan, int go_fd, int err_fd);

/* Exec side: setns into @plan->join_pidfd's namespaces, fork into its PID
 * namespace. Used by engine__spawn when join_pidfd >= 0. */
__attribute__((noreturn)) void engine__child_join(engine__plan *plan, int go_fd, int err_fd);

/* The pty (child_tty.c): open it in the container's devpts, make the slave
 * stdio and controlling terminal (and /dev/console unless @joined, an exec
 * into a running container), send the master over @sock. */
void engine__child_console(const engine__plan *p, int sock, int err_fd, bool joined);
/* Parent side: receive the master. */
int engine__recv_console(int sock, int *out);

/* Child-side helpers (async-signal-safe). */
/* Credentials in a child made by a raw clone: glibc's wrappers broadcast a
 * change to the threads the caller had (their list was copied, not reset as
 * by fork()) and can wait forever on one that was starting or exiting at the
 * clone. These change the calling process only. */
int engine__child_setresgid(gid_t gid);
int engine__child_setresuid(uid_t uid);
int engine__child_setgroups(size_t n, const gid_t *groups);
__attribute__((noreturn)) void engine__child_fail(int err_fd, int sys_errno, int exit_code, const char *what,
						  const char *arg);
/* Exec engine-init; @wait_fd (OCI create, else -1) becomes its start fifo. */
void engine__child_exec(engine__plan *plan, int init_fd, int err_fd, int wait_fd);
void engine__child_nodump(int err_fd);
void engine__child_isolate(int *const *lift, size_t n_lift, const int *keep, size_t n_keep);
void engine__child_wait_parent(int go_fd, int err_fd);
/* A prepared sandbox's wait for its job (child_pool.c): returns with the
 * plan's argv, env and exec paths and stdio replaced, or exits; with
 * job->pre_exec, drops privileges and execs engine-init to wait instead. */
void engine__child_wait_job(engine__plan *p, int go_fd, int err_fd, int init_fd);
/* A prepared sandbox's wait for the parent's release: EOF instead (its
 * owner died while preparing it) makes it leave and remove its cgroup. */
void engine__child_pool_wait_parent(engine__plan *p, int go_fd, int err_fd);
void engine__child_enter_userns(int go_fd, int err_fd);

/* --- rootless (rootless.c) ---------------------------------------------- */

/* For a rootless context: a user namespace for @p and its id ranges; a
 * user (-u) the maps cannot represent is ENGINE_ENOTSUP. No-op otherwise. */
int engine__rootless_plan(engine_context *ctx, engine__plan *p);

void engine__child_drop_privileges(engine__plan *plan, int err_fd);
/* Child side (child.c), shared with child_oci.c. */
int engine__child_mkdir_p(const char *path, mode_t mode, bool parent_only);
void engine__child_mask_paths(int err_fd, const engine__plan *p);
void engine__child_set_readonly(int err_fd, const char *path, bool recursive);
/* The OCI bundle's filesystem and process settings, from the release to
 * right before the cgroup namespace (child_oci.c). */
void engine__child_oci_setup(engine__plan *p, int go_fd, int err_fd);
/* The rest, after the user switch's preparation: personality, oom score,
 * LSM labels, keyring (child_oci.c). */
void engine__child_oci_late(engine__plan *p, int err_fd);

/* Wait for a pidfd child with optional capture and timeout. */
typedef struct engine__wait {
	int out_fd, err_fd; /* capture pipes, -1 when not capturing */
	double timeout;	    /* seconds, 0: none */
	engine__cgroup *cg; /* killed on timeout, may be NULL */
	int cancel_fd;	    /* readable or hung up: kill, then ENGINE_ECANCELED; -1: none */
	size_t max;	    /* bytes kept per captured stream, 0: all; the rest is read and dropped */
} engine__wait;
int engine__proc_wait(engine__proc *proc, const engine__wait *w, engine_run_result *res);
/* Reap @proc into @res (exit code / signal), also when the embedder's
 * ignored SIGCHLD made the kernel reap it first. */
int engine__proc_reap(engine__proc *proc, engine_run_result *res);
/* Fill exit_code/signal from a waitid status. */
void engine__status_to_result(int code, int status, engine_run_result *res);

/* --- containers on disk ----------------------------------------------- */

/* containers/<id> (malloc'd). */
char *engine__container_dir(engine_context *ctx, const char *id);
/* Lock a container's state (exclusive), returns the fd. */
int engine__container_lock(engine_context *ctx, const char *id);

/* Cgroup limits from a spec. */
void engine__spec_limits(const engine_spec *spec, engine__cgroup_limits *out);
/* What --privileged grants, into a built plan (security_privileged.c):
 * no masked paths, a writable /sys, the host's devices. ENGINE_ENOTSUP
 * when rootless. Capabilities and seccomp are the plan builder's. */
int engine__plan_privileged(engine__plan *p);
void engine__host_devices_free(engine__host_device *devs, size_t n);

/* Append a container/image event to the context's event log (events.c):
 * @type "container", @action "start", then attribute key/value strings
 * ending with NULL (a NULL value is skipped). Never fails, keeps the last
 * error. */
void engine__event(engine_context *ctx, const char *type, const char *action, const char *id, ...)
    __attribute__((sentinel));

/* A container's event, with Docker's image and name attributes and one
 * more (@key NULL: none). */
void engine__container_event(engine_container *c, const char *action, const char *key, const char *value);

/* Monotonic seconds. */
double engine__now(void);
/* RFC 3339 UTC with nanoseconds into @buf (>= 40 bytes). */
void engine__format_time(char *buf, size_t len, int64_t unix_ns);
int64_t engine__realtime_ns(void);

#endif
