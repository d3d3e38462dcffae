/*
 * cgroups for containers: one internal interface, one driver per hierarchy
 * version. The host's mode (unified v2, legacy v1, or hybrid: v1 controllers
 * plus a v2 mount without the controllers we use, like this project's CI
 * machine; the container also gets a plain v2 cgroup there) is
 * detected once per context. The engine only ever touches cgroups it created:
 * everything lives under a parent named "engine" (configurable) below the
 * hierarchy root, e.g. /sys/fs/cgroup/memory/engine/<container-id>.
 */
#ifndef ENGINE_CGROUP_CGROUP_H
#define ENGINE_CGROUP_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <engine/context.h>

typedef enum engine__cgroup_mode {
	ENGINE__CGROUP_UNIFIED, /* pure v2 */
	ENGINE__CGROUP_LEGACY,	/* pure v1 */
	ENGINE__CGROUP_HYBRID,	/* v1 controllers + v2 mount (resources driven through v1) */
} engine__cgroup_mode;

/* One device cgroup rule (OCI linux.resources.devices, v1's devices.allow
 * / devices.deny syntax). */
typedef struct engine__cgroup_device_rule {
	bool allow;
	char type;	      /* 'a' (all), 'c' or 'b' */
	int64_t major, minor; /* -1: any */
	char access[4];	      /* a subset of "rwm", NUL-terminated */
} engine__cgroup_device_rule;

/* Docker's (and runc's) allow list, the default policy without its "deny
 * all" (cgroup_devices.c): up to @max rules into @out; returns how many. */
size_t engine__cgroup_default_device_rules(engine__cgroup_device_rule *out, size_t max);

/* Resource limits; 0 / -1 as documented means "not set". */
typedef struct engine__cgroup_limits {
	int64_t memory;		 /* bytes; 0 = unlimited */
	int64_t memory_swap;	 /* bytes incl. memory; 0 = same as memory (no swap), -1 = unlimited.
				  * Without swap accounting on the host, an explicit value > 0 is
				  * ENGINE_ENOTSUP; 0 and -1 are accepted, swap then unaccounted. */
	uint64_t cpu_shares;	 /* v1 shares 2..262144 (v2 weight derived); 0 = unset */
	int64_t cpu_quota;	 /* microseconds per period; 0 = unset */
	uint64_t cpu_period;	 /* microseconds; 0 = default 100000 */
	int64_t pids;		 /* max tasks; 0 = unlimited */
	const char *cpuset_cpus; /* "0-1"; NULL = unset */
	const char *cpuset_mems; /* NULL = unset */
	/* Skip Docker's device policy (deny all but mknod and the default
	 * devices: null, zero, full, random, urandom, tty, console, ptmx,
	 * pts, tun), as for a privileged container. v1 applies the policy
	 * through the devices controller, v2 through a BPF device program. */
	bool devices_allow_all;
	/* v1's memory.oom_control (docker run --oom-kill-disable); v2 has no
	 * such switch: ENGINE_ENOTSUP there */
	bool oom_kill_disable;
	/* Instead of Docker's policy: these rules in order, over a cgroup that
	 * starts allowing everything (v1 semantics; v2 gets the equivalent
	 * BPF program, later rules winning). */
	const engine__cgroup_device_rule *device_rules;
	size_t n_device_rules;
	/* No limits, only what every container needs: a cgroup of its own
	 * with the device policy, as cheap as the host allows. Unified and
	 * hybrid hosts: one v2 cgroup holding the BPF device program (the
	 * kernel checks it whatever the v1 devices cgroup says), entered at
	 * clone (engine__cgroup_fd), no v1 cgroup at all; legacy hosts: the
	 * v1 devices hierarchy only. Every other field must be unset. */
	bool minimal;
	/* Nobody will ask for its stats or pause it (engine_run: no handle
	 * reaches the container): on v1, only the hierarchies that carry its
	 * limits, its OOM report (memory) and the device policy, and the
	 * freezer only where no v2 cgroup.kill can kill the tree; not
	 * cpuacct, blkio, or pids without a pids limit. */
	bool ephemeral;
} engine__cgroup_limits;

typedef struct engine__cgroup_stats {
	uint64_t memory_usage; /* bytes */
	uint64_t memory_limit; /* bytes, 0 when unlimited */
	uint64_t memory_max_usage;
	uint64_t cpu_usage_ns; /* total CPU time */
	uint64_t pids_current;
	uint64_t oom_kills; /* OOM kills inside this cgroup */
	/* From memory.stat (v1: the hierarchical total_* values). Docker's CLI
	 * shows memory_usage - memory_inactive_file as "MEM USAGE". */
	uint64_t memory_anon;
	uint64_t memory_file;
	uint64_t memory_inactive_file;
	/* CPU split and CFS throttling (v1 cpuacct.stat/cpu.stat, v2 cpu.stat). */
	uint64_t cpu_user_ns, cpu_system_ns;
	uint64_t cpu_periods, cpu_throttled_periods, cpu_throttled_ns;
	/* Block I/O, all devices (v1 blkio throttle counters, v2 io.stat). */
	uint64_t io_read_bytes, io_write_bytes;
} engine__cgroup_stats;

typedef struct engine__cgroup engine__cgroup;

/* Block I/O of one device. */
typedef struct engine__cgroup_io_dev {
	unsigned major, minor;
	uint64_t read_bytes, write_bytes;
} engine__cgroup_io_dev;

/* The devices of "MAJ:MIN ..." lines, v2 io.stat's (rbytes=, wbytes=) or v1
 * blkio.throttle.io_service_bytes's ("Read N", "Write N"), in the order they
 * first appear, at most @max; returns how many. */
size_t engine__cgroup_io_devices_parse(const char *text, engine__cgroup_io_dev *devs, size_t max);
/* The container's block I/O per device (as engine__cgroup_stats_read's sums
 * read it): at most @max in @devs, *@n how many; none without the counters. */
int engine__cgroup_io_devices(engine__cgroup *cg, engine__cgroup_io_dev *devs, size_t max, size_t *n);

/* Detect the mode of a cgroup root, uncached (engine__cgroup_mode_get
 * caches per context). @root_override (tests) may point at another root or
 * a fake cgroup2 tree; NULL means /sys/fs/cgroup. */
int engine__cgroup_detect(const char *root_override, engine__cgroup_mode *out);
/* The context's mode (detected on first use, then cached). */
int engine__cgroup_mode_get(engine_context *ctx, engine__cgroup_mode *out);
/* "unified", "legacy" or "hybrid". */
const char *engine__cgroup_mode_name(engine__cgroup_mode mode);
/* Tests: make this context use @root instead of /sys/fs/cgroup. Must come
 * before any other cgroup call on the context (ENGINE_EBUSY otherwise). A
 * root that is a plain directory holding cgroup.controllers is taken as a
 * fake cgroup2 tree: files are created on write and removed with the dir. */
int engine__cgroup_context_set_root(engine_context *ctx, const char *root);
/* Remove the context's (empty) parent cgroup, "engine" or the config's
 * "cgroup-parent", from every hierarchy. Tests use it to leave nothing
 * behind; ENGINE_EBUSY while a container cgroup is still inside. */
int engine__cgroup_parent_remove(engine_context *ctx);

/* Docker/runc conversions, pure. v1 shares [2, 262144] to a v2 weight
 * [1, 10000]: 1 + ((shares - 2) * 9999) / 262142 (0 stays 0 = unset). */
uint64_t engine__cgroup_shares_to_weight(uint64_t shares);
/* --cpus N to a CFS quota for @period (0 = 100000 us): N * period, at least
 * 1000 us. ENGINE_EINVALID for N <= 0 or not finite. */
int engine__cgroup_cpus_to_quota(double cpus, uint64_t period, int64_t *quota);

/* Create the container's cgroup(s) and apply @limits before any process is
 * in it. A limit the host cannot enforce (controller missing) is
 * ENGINE_ENOTSUP naming the limit. Never touches a cgroup it did not create. */
int engine__cgroup_create(engine_context *ctx, const char *id, const engine__cgroup_limits *limits,
			  engine__cgroup **out);
/* The same at @path (an OCI cgroupsPath, cgroup_path.c): absolute below
 * each hierarchy's root, relative below the context's parent cgroup; NULL
 * or "" is <parent>/@id. Missing levels above the leaf are created. */
int engine__cgroup_create_path(engine_context *ctx, const char *path, const char *id,
			       const engine__cgroup_limits *limits, engine__cgroup **out);
int engine__cgroup_open_path(engine_context *ctx, const char *path, const char *id, engine__cgroup **out);
/* Re-open the cgroup of an existing container (another process created it). */
int engine__cgroup_open(engine_context *ctx, const char *id, engine__cgroup **out);

/* Move @pid in (all hierarchies). Called by the parent while the child waits
 * on the sync pipe, so the container starts inside its limits. */
int engine__cgroup_attach(engine__cgroup *cg, pid_t pid);
/* Unified mode, or a minimal cgroup on a hybrid host: an O_RDONLY|O_DIRECTORY
 * fd of the v2 cgroup for clone3's CLONE_INTO_CGROUP (O_PATH would be
 * refused by the kernel), the only placement it needs; -1 otherwise (use
 * engine__cgroup_attach). Borrowed. */
int engine__cgroup_fd(engine__cgroup *cg);

/* (Named _read: a function may not share the name of the stats type.) */
int engine__cgroup_stats_read(engine__cgroup *cg, engine__cgroup_stats *out);
/* Freezer: pause / resume every process. */
int engine__cgroup_freeze(engine__cgroup *cg, bool frozen);
/* Send @sig to every process in the cgroup (v2: cgroup.kill for SIGKILL). */
int engine__cgroup_kill(engine__cgroup *cg, int sig);
/* The pids of the cgroup's processes, one per line (cgroup.procs), malloc'd. */
int engine__cgroup_procs(engine__cgroup *cg, char **out);
/* Whether the cgroup still holds processes. */
bool engine__cgroup_populated(engine__cgroup *cg);
/* Whether an OOM kill happened (memory.events oom_kill / memory.oom_control). */
bool engine__cgroup_oom_killed(engine__cgroup *cg);
/* From now on, engine__cgroup_oom_killed counts only kills after this call
 * (a cgroup engine_run reuses for its next run). */
void engine__cgroup_oom_rebase(engine__cgroup *cg);
/* Whether two sets of limits make the same cgroup (device rules compared
 * by value). */
bool engine__cgroup_limits_equal(const engine__cgroup_limits *a, const engine__cgroup_limits *b);
/* Kill what is left, remove the cgroup dirs. Frees @cg. */
int engine__cgroup_destroy(engine__cgroup *cg);
/* Free the handle without removing anything. Accepts NULL. */
void engine__cgroup_free(engine__cgroup *cg);

/* A change of limits on a live cgroup (docker update). 0 / NULL leaves a
 * value as it is; -1 lifts the memory, cpu quota or pids limit. */
typedef struct engine__cgroup_change {
	int64_t memory;		 /* bytes (memory+swap follows: no swap beyond it) */
	uint64_t cpu_shares;	 /* 2..262144 */
	int64_t cpu_quota;	 /* microseconds per period */
	uint64_t cpu_period;	 /* 0 = 100000 */
	int64_t pids;		 /* max tasks */
	const char *cpuset_cpus; /* "0-1" */
} engine__cgroup_change;

/* Apply @u to a container's cgroup while it runs (cgroup_update.c). A limit
 * below the current usage fails as the kernel refuses it (ENGINE_EBUSY). */
int engine__cgroup_update(engine__cgroup *cg, const engine__cgroup_change *u);

/* Write @value to @file of the container's cgroup in v1 hierarchy
 * @controller ("blkio", "memory", ...; its dir made on first use, so call
 * before any task is in it) or, @controller NULL, in its v2 cgroup. For
 * what the limits struct does not carry (an OCI bundle's resources).
 * ENGINE_ENOTSUP when that hierarchy is not there. */
int engine__cgroup_set_file(engine__cgroup *cg, const char *controller, const char *file, const char *value);
/* The host's mode, for a handle. */
engine__cgroup_mode engine__cgroup_handle_mode(engine__cgroup *cg);

/* The path of the cgroup in the v2 / a v1 hierarchy (for inspect, tests):
 * @controller NULL for the v2 cgroup (also hybrid's, in the unified mount),
 * else a v1 controller name ("memory", "cpuacct", ...). NULL when absent. */
const char *engine__cgroup_path(engine__cgroup *cg, const char *controller);

/* A prepared sandbox leaves and removes its own cgroup when its owner dies
 * (runtime/pool.c): it moves itself to the parent cgroup of every
 * hierarchy and removes the now empty dirs, from the child, without
 * allocating (cgroup_exit.c). */
#define ENGINE__CGROUP_EXIT_MAX 13
typedef struct engine__cgroup_exit {
	int root_fd; /* O_PATH: a directory holding every hierarchy's cgroup */
	size_t n;
	char procs[ENGINE__CGROUP_EXIT_MAX][200]; /* the parent's cgroup.procs, relative */
	char dir[ENGINE__CGROUP_EXIT_MAX][200];	  /* the cgroup's dir, relative */
	int procs_fd[ENGINE__CGROUP_EXIT_MAX];	  /* the child's: procs, opened early */
} engine__cgroup_exit;
int engine__cgroup_exit_prepare(engine__cgroup *cg, engine__cgroup_exit *x);
void engine__cgroup_exit_close(engine__cgroup_exit *x);
/* Child side, async-signal-safe: best effort, errors ignored. Open the
 * parents' cgroup.procs before a cgroup namespace: a write checks the
 * namespace of the opener (v2 with nsdelegate refuses a move out of it). */
void engine__cgroup_leave_open(engine__cgroup_exit *x);
void engine__cgroup_leave(const engine__cgroup_exit *x);

/* For a child that places itself (runtime/spawn_vm.c: the parent is
 * suspended until it execs): the v2 cgroup's dirfd for CLONE_INTO_CGROUP
 * (-1: none, borrowed) and an O_WRONLY fd on each v1 cgroup's "tasks" file
 * (*n of them, the caller closes them). A single-threaded process writing
 * "0" there moves itself without the global lock (and its RCU grace period)
 * that a write of a pid to cgroup.procs takes. */
int engine__cgroup_self_attach_fds(engine__cgroup *cg, int *v2_fd, int *fds, size_t max, size_t *n);

#endif
