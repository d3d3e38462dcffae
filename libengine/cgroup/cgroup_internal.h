/*
 * Private to libengine/cgroup: the per-context host state (detected mode,
 * hierarchy and parent dirfds) and the handle, shared by the two drivers and
 * the dispatcher in cgroup.c. Nothing outside this folder includes it.
 */
#ifndef ENGINE_CGROUP_INTERNAL_H
#define ENGINE_CGROUP_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup/cgroup.h"

/* The v1 controllers the engine drives. Co-mounted ones (cpu,cpuacct) share
 * a hierarchy: host->v1_leader[c] names the first controller of c's mount. */
enum cg_v1 {
	CG_V1_MEMORY,
	CG_V1_CPU,
	CG_V1_CPUACCT,
	CG_V1_CPUSET,
	CG_V1_PIDS,
	CG_V1_FREEZER,
	CG_V1_DEVICES,
	/* Only on demand (an OCI bundle's blockIO, hugepageLimits, network):
	 * engine__cgroup_set_file creates the container's dir there. */
	CG_V1_BLKIO,
	CG_V1_HUGETLB,
	CG_V1_NET_CLS,
	CG_V1_NET_PRIO,
	CG_V1_MAX
};

/* v2 controllers, as bits. */
enum cg_v2 {
	CG_V2_CPU = 1u << 0,
	CG_V2_CPUSET = 1u << 1,
	CG_V2_MEMORY = 1u << 2,
	CG_V2_PIDS = 1u << 3,
	CG_V2_IO = 1u << 4,
};
/* io carries no limit here: enabled for its io.stat (docker stats' BLOCK I/O). */
#define CG_V2_WANTED (CG_V2_CPU | CG_V2_CPUSET | CG_V2_MEMORY | CG_V2_PIDS | CG_V2_IO)

extern const char *const engine__cgroup_v1_names[CG_V1_MAX];

typedef struct cg_host {
	pthread_mutex_t lock;
	/* Written under lock, read without it once true (atomics). */
	bool detected;	   /* mode, root fds below are valid */
	bool parent_ready; /* parent dirfds below are valid */
	char *root_override;
	engine__cgroup_mode mode;
	bool fake; /* a plain directory posing as cgroup2 (tests) */
	/* Rootless (cgroup_rootless.c): no delegated v2 subtree, so no
	 * cgroups at all, and why (for the errors of what needs one). */
	bool rootless_none;
	char *rootless_why;
	char *parent; /* relative path, "engine" by default */

	/* v2: the whole tree (unified) or the unified mount (hybrid). */
	char *v2_root; /* path */
	int v2_root_fd;
	int v2_parent_fd;
	unsigned v2_avail;  /* controllers a child of the parent may use */
	bool v2_has_kill;   /* cgroup.kill (Linux 5.14) */
	int v2_dev_prog_fd; /* the device policy's BPF program, loaded on first use */

	/* v1, indexed by enum cg_v1; -1 when the controller is not mounted. */
	char *v1_root[CG_V1_MAX];
	int v1_root_fd[CG_V1_MAX];
	int v1_parent_fd[CG_V1_MAX];
	int v1_leader[CG_V1_MAX];
	bool v1_has_memsw;
} cg_host;

struct engine__cgroup {
	cg_host *host; /* borrowed from the context */
	char *id;
	/* Where it lives: <hierarchy root>/<rel>, the leaf @name inside the
	 * directories v1_base/v2_base (the context's parent cgroup's fds,
	 * borrowed, unless @own_base: a cgroup at a path of the caller's,
	 * engine__cgroup_create_path). */
	char *name;
	char *rel;
	int v1_base[CG_V1_MAX];
	int v2_base;
	bool own_base;
	int v2_fd; /* -1 in legacy mode */
	char *v2_path;
	/* v2 controllers the leaf may use, and cgroup.kill: the host's (those
	 * of its parent cgroup) unless @own_base. */
	unsigned v2_avail;
	bool v2_has_kill;
	bool v2_only; /* a minimal cgroup on a hybrid host: nothing in v1 */
	bool none;    /* rootless without a delegated subtree: no cgroup at all */
	/* Only leaders of a hierarchy hold an fd; -1 where not created. */
	int v1_fd[CG_V1_MAX];
	char *v1_path[CG_V1_MAX];
	/* OOM kills before its current run: a cgroup reused by engine_run
	 * (engine__cgroup_oom_rebase) reports only the new ones. */
	uint64_t oom_base;
};

/* The front end's pieces shared with cgroup_path.c (cgroup.c). */
int engine__cgroup_host(engine_context *ctx, bool parent, cg_host **out);
int engine__cgroup_limits_validate(const engine__cgroup_limits *l);
bool engine__cgroup_valid_rel_path(const char *p, bool allow_slash);
/* A handle for <parent>/<id>, the bases borrowed from the host. */
engine__cgroup *engine__cgroup_handle_new(cg_host *h, const char *id);
/* Check @limits against the host, then create cg's directories and apply them. */
int engine__cgroup_create_in(cg_host *h, engine__cgroup *cg, const engine__cgroup_limits *limits);

/* Rootless (cgroup_rootless.c). The subtree of the v2 hierarchy mounted at
 * @v2_mount (NULL: none) that the caller, in cgroup @self ("/a/b"), may use:
 * its cgroup's parent when that is writable and offers controllers. Sets
 * *@base_out (absolute path) or *@why_out (why not), both malloc'd. */
int engine__cgroup_rootless_find(const char *v2_mount, const char *self, char **base_out, char **why_out);
/* Host detection for a rootless context: the delegated subtree becomes
 * the v2 root of a unified host, or @h gets rootless_none. */
int engine__cgroup_rootless_detect(cg_host *h, const char *v2_mount);
/* A cgroup-less handle (rootless_none); a limit in @limits is ENGINE_ENOTSUP. */
int engine__cgroup_rootless_none(cg_host *h, const char *id, const engine__cgroup_limits *limits,
				 engine__cgroup **out);
/* ENGINE_ENOTSUP for @what on a cgroup-less handle. */
int engine__cgroup_rootless_unsupported(engine__cgroup *cg, const char *what);

/* Driver entry points (cgroup_v1.c, cgroup_v2.c). Callers hold nothing;
 * each sets the thread's error on failure. */
int engine__cgroup_v1_host_init(cg_host *h);
void engine__cgroup_v1_host_fini(cg_host *h);
int engine__cgroup_v1_parent_setup(cg_host *h);
int engine__cgroup_v1_check(cg_host *h, const engine__cgroup_limits *l);
int engine__cgroup_v1_create(engine__cgroup *cg, const engine__cgroup_limits *l);
int engine__cgroup_v1_open(engine__cgroup *cg);
int engine__cgroup_v1_attach(engine__cgroup *cg, pid_t pid);
int engine__cgroup_v1_stats(engine__cgroup *cg, engine__cgroup_stats *out);
bool engine__cgroup_v1_has_freezer(engine__cgroup *cg);
int engine__cgroup_v1_freeze(engine__cgroup *cg, bool frozen);
int engine__cgroup_v1_kill(engine__cgroup *cg, int sig);
int engine__cgroup_v1_populated(engine__cgroup *cg);
uint64_t engine__cgroup_v1_oom_kills(engine__cgroup *cg);
int engine__cgroup_v1_remove(engine__cgroup *cg);
/* The block I/O counters' text (v1 blkio throttle, v2 io.stat); NULL in
 * *out without them. */
int engine__cgroup_v1_io_text(engine__cgroup *cg, char **out);
int engine__cgroup_v2_io_text(engine__cgroup *cg, char **out);
int engine__cgroup_v1_parent_remove(cg_host *h);
int engine__cgroup_v1_set_file(engine__cgroup *cg, int c, const char *file, const char *value);

int engine__cgroup_v2_host_init(cg_host *h);
int engine__cgroup_v2_parent_setup(cg_host *h, unsigned wanted);
/* An fd of <v2 root>/@rel (created when @create, -1 in *@fd when missing
 * and not), and in *@avail the @wanted controllers its children may use:
 * with @create enabled at each level on the way down, else as its
 * cgroup.subtree_control has them. */
int engine__cgroup_v2_descend(cg_host *h, const char *rel, unsigned wanted, bool create, int *fd,
			      unsigned *avail);
int engine__cgroup_v2_check(engine__cgroup *cg, const engine__cgroup_limits *l);
int engine__cgroup_v2_create(engine__cgroup *cg, const engine__cgroup_limits *l);
int engine__cgroup_v2_open(engine__cgroup *cg);
int engine__cgroup_v2_attach(engine__cgroup *cg, pid_t pid);
int engine__cgroup_v2_stats(engine__cgroup *cg, engine__cgroup_stats *out);
int engine__cgroup_v2_freeze(engine__cgroup *cg, bool frozen);
int engine__cgroup_v2_kill(engine__cgroup *cg, int sig);
int engine__cgroup_v2_populated(engine__cgroup *cg);
uint64_t engine__cgroup_v2_oom_kills(engine__cgroup *cg);
int engine__cgroup_v2_remove(engine__cgroup *cg);
int engine__cgroup_v2_parent_remove(cg_host *h);

/* Docker's default device policy (cgroup_devices.c): v1 rules written into
 * the devices cgroup at @dirfd; v2 a BPF program attached to cg's cgroup. */
int engine__cgroup_devices_v1(int dirfd, const char *dir, const engine__cgroup_limits *l);
int engine__cgroup_devices_v2(engine__cgroup *cg, const engine__cgroup_limits *l);

/* File helpers (cgroup_file.c): one openat + one write/read, no stdio. The
 * error names "<dir>/<file>". @create is for fake trees only. */
int engine__cgroup_write(int dirfd, const char *dir, const char *file, const char *value, bool create);
int engine__cgroup_write_u64(int dirfd, const char *dir, const char *file, uint64_t value, bool create);
/* Read a small file into @buf (NUL-terminated); returns the length. */
ssize_t engine__cgroup_read(int dirfd, const char *dir, const char *file, char *buf, size_t size);
/* Read a file of any size (malloc'd, NUL-terminated). */
int engine__cgroup_read_all(int dirfd, const char *dir, const char *file, char **out);
/* A single number; "max" reads as UINT64_MAX. */
int engine__cgroup_read_u64(int dirfd, const char *dir, const char *file, uint64_t *out);
/* The value of "key value" line @key in @text (memory.stat, cpu.stat, ...). */
bool engine__cgroup_kv(const char *text, const char *key, uint64_t *out);
void engine__cgroup_io_stat(const char *text, uint64_t *rd, uint64_t *wr);
void engine__cgroup_blkio_v1(const char *text, uint64_t *rd, uint64_t *wr);
/* Signal every pid listed in <dir>/cgroup.procs; *count gets how many were
 * listed. ESRCH (already gone) is not an error. */
int engine__cgroup_signal_procs(int dirfd, const char *dir, int sig, size_t *count);
/* mkdir each component of @rel below @dirfd (existing ones are fine) and
 * return an fd of the last; *created tells whether the last was new. */
int engine__cgroup_mkdir_p(int dirfd, const char *dir, const char *rel, bool *created);
/* rmdir, retrying EBUSY while exiting tasks leave (up to ~1 s). */
int engine__cgroup_rmdir(int dirfd, const char *dir, const char *name);
/* Sleep a little (for polling loops without a notification). */
void engine__cgroup_nap(unsigned usec);
/* A directory fd suitable for openat and CLONE_INTO_CGROUP. */
int engine__cgroup_open_dir(int dirfd, const char *name);

#endif
