/*
 * cgroup v1 driver (legacy and hybrid hosts): one cgroup per hierarchy,
 * <mount>/<parent>/<id>, created only in the hierarchies a container needs;
 * limits, stats, the freezer, killing and removal.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup/cgroup_internal.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

const char *const engine__cgroup_v1_names[CG_V1_MAX] = {
    [CG_V1_MEMORY] = "memory",	 [CG_V1_CPU] = "cpu",		[CG_V1_CPUACCT] = "cpuacct",
    [CG_V1_CPUSET] = "cpuset",	 [CG_V1_PIDS] = "pids",		[CG_V1_FREEZER] = "freezer",
    [CG_V1_DEVICES] = "devices", [CG_V1_BLKIO] = "blkio",	[CG_V1_HUGETLB] = "hugetlb",
    [CG_V1_NET_CLS] = "net_cls", [CG_V1_NET_PRIO] = "net_prio",
};

int engine__cgroup_v1_host_init(cg_host *h)
{
	const char *root = h->root_override ? h->root_override : "/sys/fs/cgroup";
	struct stat st[CG_V1_MAX];

	for (int c = 0; c < CG_V1_MAX; c++) {
		struct statfs sfs;
		int fd;

		h->v1_root[c] = engine__path_join(root, engine__cgroup_v1_names[c]);
		if (!h->v1_root[c])
			return engine__error_oom();
		fd = engine__cgroup_open_dir(AT_FDCWD, h->v1_root[c]);
		if (fd < 0)
			continue;
		if (fstatfs(fd, &sfs) < 0 || sfs.f_type != CGROUP_SUPER_MAGIC || fstat(fd, &st[c]) < 0) {
			close(fd);
			continue;
		}
		h->v1_root_fd[c] = fd;
		/* cpu and cpuacct are often one hierarchy behind two symlinks. */
		h->v1_leader[c] = c;
		for (int p = 0; p < c; p++)
			if (h->v1_root_fd[p] >= 0 && st[p].st_dev == st[c].st_dev &&
			    st[p].st_ino == st[c].st_ino) {
				h->v1_leader[c] = p;
				break;
			}
	}
	if (h->v1_root_fd[CG_V1_MEMORY] >= 0)
		h->v1_has_memsw =
		    faccessat(h->v1_root_fd[CG_V1_MEMORY], "memory.memsw.limit_in_bytes", F_OK, 0) == 0;
	return 0;
}

void engine__cgroup_v1_host_fini(cg_host *h)
{
	for (int c = 0; c < CG_V1_MAX; c++) {
		if (h->v1_root_fd[c] >= 0)
			close(h->v1_root_fd[c]);
		if (h->v1_parent_fd[c] >= 0 && h->v1_leader[c] == c)
			close(h->v1_parent_fd[c]);
		free(h->v1_root[c]);
	}
}

/* cpuset: a new cgroup starts with no cpus and mems, and no task can join it
 * until they are set. Fill each level of the parent path from the level
 * above when empty, and turn on clone_children in the (engine-owned) parent
 * so each container cgroup inherits them at mkdir without two more writes. */
static int cpuset_fill(cg_host *h)
{
	const char *files[] = {"cpuset.cpus", "cpuset.mems"};
	const char *root = h->v1_root[CG_V1_CPUSET];
	cleanup_free char *rel = strdup(h->parent);
	cleanup_close int cur = -EBADF;
	char *save = NULL, buf[4096];
	int above = h->v1_root_fd[CG_V1_CPUSET];

	if (!rel)
		return engine__error_oom();
	for (char *c = strtok_r(rel, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next = engine__cgroup_open_dir(above, c);

		if (next < 0)
			return engine__error_errno(errno, "cgroup %s: open %s", root, c);
		for (int f = 0; f < 2; f++) {
			ssize_t n = engine__cgroup_read(next, root, files[f], buf, sizeof(buf));
			int r;

			if (n < 0) {
				close(next);
				return (int)n;
			}
			if (n > 1)
				continue;
			n = engine__cgroup_read(above, root, files[f], buf, sizeof(buf));
			r = n < 0 ? (int)n : engine__cgroup_write(next, root, files[f], buf, false);
			if (r < 0) {
				close(next);
				return r;
			}
		}
		engine__closep(&cur);
		above = cur = next;
	}
	return engine__cgroup_write(cur, root, "cgroup.clone_children", "1", false);
}

int engine__cgroup_v1_parent_setup(cg_host *h)
{
	for (int c = 0; c < CG_V1_MAX; c++) {
		bool created;
		int fd, r;

		if (h->v1_root_fd[c] < 0 || h->v1_leader[c] != c || h->v1_parent_fd[c] >= 0)
			continue;
		fd = engine__cgroup_mkdir_p(h->v1_root_fd[c], h->v1_root[c], h->parent, &created);
		if (fd < 0)
			return fd;
		h->v1_parent_fd[c] = fd;
		if (c == CG_V1_CPUSET && (r = cpuset_fill(h)) < 0)
			return r;
	}
	for (int c = 0; c < CG_V1_MAX; c++)
		if (h->v1_leader[c] >= 0)
			h->v1_parent_fd[c] = h->v1_parent_fd[h->v1_leader[c]];
	return 0;
}

static bool has(cg_host *h, enum cg_v1 c)
{
	return h->v1_root_fd[c] >= 0;
}

static int missing(const char *limit, enum cg_v1 c)
{
	return engine__error_set(ENGINE_ENOTSUP, 0, "%s: the %s controller is not mounted", limit,
				 engine__cgroup_v1_names[c]);
}

int engine__cgroup_v1_check(cg_host *h, const engine__cgroup_limits *l)
{
	if (l->memory && !has(h, CG_V1_MEMORY))
		return missing("memory limit", CG_V1_MEMORY);
	if (l->oom_kill_disable && !has(h, CG_V1_MEMORY))
		return missing("oom kill disable", CG_V1_MEMORY);
	if (l->memory_swap > 0 && !h->v1_has_memsw)
		return engine__error_set(
		    ENGINE_ENOTSUP, 0,
		    "memory+swap limit: swap accounting is off (no memory.memsw.limit_in_bytes)");
	if (l->cpu_shares && !has(h, CG_V1_CPU))
		return missing("cpu shares", CG_V1_CPU);
	if (l->cpu_quota && !has(h, CG_V1_CPU))
		return missing("cpu quota", CG_V1_CPU);
	if ((l->cpuset_cpus || l->cpuset_mems) && !has(h, CG_V1_CPUSET))
		return missing("cpuset", CG_V1_CPUSET);
	if (l->pids && !has(h, CG_V1_PIDS))
		return missing("pids limit", CG_V1_PIDS);
	return 0;
}

/* Which controllers the container gets a cgroup in: those carrying its
 * limits, plus memory, cpuacct, pids and blkio for stats and OOM reports, freezer
 * for pause and a fork-race-free kill, devices for the device policy. An
 * ephemeral one skips what only stats and pause read: each hierarchy is a
 * mkdir, an attach and an rmdir on the run's path. */
static bool wanted(const cg_host *h, enum cg_v1 c, const engine__cgroup_limits *l)
{
	if (l->minimal)
		return c == CG_V1_DEVICES;
	if (l->ephemeral)
		switch (c) {
		case CG_V1_CPUACCT:
		case CG_V1_BLKIO:
			return false;
		case CG_V1_PIDS:
			return l->pids != 0;
		case CG_V1_FREEZER:
			/* hybrid: engine__cgroup_kill writes the v2 cgroup.kill */
			return !(h->v2_parent_fd >= 0 && h->v2_has_kill);
		default:
			break;
		}
	switch (c) {
	case CG_V1_CPU:
		return l->cpu_shares || l->cpu_quota;
	case CG_V1_CPUSET:
		return l->cpuset_cpus || l->cpuset_mems;
	case CG_V1_DEVICES:
		return !l->devices_allow_all;
	case CG_V1_HUGETLB:
	case CG_V1_NET_CLS:
	case CG_V1_NET_PRIO:
		return false;
	default:
		return true;
	}
}

static int fd_of(engine__cgroup *cg, enum cg_v1 c)
{
	return cg->host->v1_leader[c] >= 0 ? cg->v1_fd[cg->host->v1_leader[c]] : -1;
}

static const char *path_of(engine__cgroup *cg, enum cg_v1 c)
{
	return cg->host->v1_leader[c] >= 0 ? cg->v1_path[cg->host->v1_leader[c]] : NULL;
}

static int wr(engine__cgroup *cg, enum cg_v1 c, const char *file, const char *value)
{
	return engine__cgroup_write(fd_of(cg, c), path_of(cg, c), file, value, false);
}

static int wr_u64(engine__cgroup *cg, enum cg_v1 c, const char *file, uint64_t value)
{
	return engine__cgroup_write_u64(fd_of(cg, c), path_of(cg, c), file, value, false);
}

static int limits_apply(engine__cgroup *cg, const engine__cgroup_limits *l)
{
	int r = 0;

	if (l->memory) {
		r = wr_u64(cg, CG_V1_MEMORY, "memory.limit_in_bytes", (uint64_t)l->memory);
		/* memsw (memory + swap) must follow the memory limit it bounds. */
		if (r == 0 && cg->host->v1_has_memsw)
			r = l->memory_swap == -1
				? wr(cg, CG_V1_MEMORY, "memory.memsw.limit_in_bytes", "-1")
				: wr_u64(cg, CG_V1_MEMORY, "memory.memsw.limit_in_bytes",
					 (uint64_t)(l->memory_swap ? l->memory_swap : l->memory));
	}
	if (r == 0 && l->oom_kill_disable)
		r = wr(cg, CG_V1_MEMORY, "memory.oom_control", "1");
	if (r == 0 && l->cpu_shares)
		r = wr_u64(cg, CG_V1_CPU, "cpu.shares", l->cpu_shares);
	if (r == 0 && l->cpu_quota) {
		r = wr_u64(cg, CG_V1_CPU, "cpu.cfs_period_us", l->cpu_period ? l->cpu_period : 100000);
		if (r == 0)
			r = wr_u64(cg, CG_V1_CPU, "cpu.cfs_quota_us", (uint64_t)l->cpu_quota);
	}
	if (r == 0 && l->cpuset_cpus)
		r = wr(cg, CG_V1_CPUSET, "cpuset.cpus", l->cpuset_cpus);
	if (r == 0 && l->cpuset_mems)
		r = wr(cg, CG_V1_CPUSET, "cpuset.mems", l->cpuset_mems);
	if (r == 0 && l->pids)
		r = wr_u64(cg, CG_V1_PIDS, "pids.max", (uint64_t)l->pids);
	if (r == 0 && fd_of(cg, CG_V1_DEVICES) >= 0)
		r = engine__cgroup_devices_v1(fd_of(cg, CG_V1_DEVICES), path_of(cg, CG_V1_DEVICES), l);
	return r;
}

static int make_path(engine__cgroup *cg, int c)
{
	cg->v1_path[c] = engine__strdup_printf("%s/%s", cg->host->v1_root[c], cg->rel);
	return cg->v1_path[c] ? 0 : ENGINE_ENOMEM;
}

int engine__cgroup_v1_create(engine__cgroup *cg, const engine__cgroup_limits *l)
{
	cg_host *h = cg->host;
	int r;

	for (int c = 0; c < CG_V1_MAX; c++) {
		int lead = h->v1_leader[c];

		if (lead < 0 || cg->v1_fd[lead] >= 0 || !wanted(h, c, l))
			continue;
		if ((r = make_path(cg, lead)) < 0)
			goto remove_cgroups;
		if (mkdirat(cg->v1_base[lead], cg->name, 0755) < 0) {
			r = errno == EEXIST
				? engine__error_set(ENGINE_EEXISTS, EEXIST, "cgroup %s: already exists",
						    cg->v1_path[lead])
				: engine__error_errno(errno, "cgroup %s: mkdir", cg->v1_path[lead]);
			goto remove_cgroups;
		}
		cg->v1_fd[lead] = engine__cgroup_open_dir(cg->v1_base[lead], cg->name);
		if (cg->v1_fd[lead] < 0) {
			r = engine__error_errno(errno, "cgroup %s: open", cg->v1_path[lead]);
			unlinkat(cg->v1_base[lead], cg->name, AT_REMOVEDIR);
			goto remove_cgroups;
		}
	}
	r = limits_apply(cg, l);
	if (r < 0)
		goto remove_cgroups;
	return 0;

remove_cgroups:
	engine__cgroup_v1_remove(cg);
	return r;
}

int engine__cgroup_v1_open(engine__cgroup *cg)
{
	cg_host *h = cg->host;
	bool any = false;

	for (int c = 0; c < CG_V1_MAX; c++) {
		if (h->v1_leader[c] != c)
			continue;
		cg->v1_fd[c] = cg->v1_base[c] >= 0 ? engine__cgroup_open_dir(cg->v1_base[c], cg->name) : -1;
		if (cg->v1_fd[c] < 0 && cg->v1_base[c] >= 0 && errno != ENOENT)
			return engine__error_errno(errno, "cgroup %s/%s: open", h->v1_root[c], cg->rel);
		if (cg->v1_fd[c] >= 0 && make_path(cg, c) < 0)
			return ENGINE_ENOMEM;
		any |= cg->v1_fd[c] >= 0;
	}
	if (!any)
		return engine__error_set(ENGINE_ENOTFOUND, ENOENT, "no such cgroup %s", cg->rel);
	return 0;
}

int engine__cgroup_v1_attach(engine__cgroup *cg, pid_t pid)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (int c = 0; c < CG_V1_MAX; c++) {
		int r;

		if (cg->v1_fd[c] >= 0 &&
		    (r = engine__cgroup_write(cg->v1_fd[c], cg->v1_path[c], "cgroup.procs", buf, false)) < 0)
			return r;
	}
	return 0;
}

/* A hierarchy whose cgroup.procs lists the container's processes. */
static int procs_ctrl(engine__cgroup *cg)
{
	static const enum cg_v1 order[] = {CG_V1_FREEZER, CG_V1_MEMORY, CG_V1_PIDS, CG_V1_CPUACCT,
					   CG_V1_DEVICES};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (fd_of(cg, order[i]) >= 0)
			return (int)order[i];
	for (int c = 0; c < CG_V1_MAX; c++)
		if (fd_of(cg, c) >= 0)
			return c;
	return -1;
}

int engine__cgroup_v1_stats(engine__cgroup *cg, engine__cgroup_stats *out)
{
	int fd = fd_of(cg, CG_V1_MEMORY);
	const char *dir = path_of(cg, CG_V1_MEMORY);
	int r = 0;

	if (fd >= 0) {
		cleanup_free char *stat = NULL;
		uint64_t limit;

		if ((r = engine__cgroup_read_u64(fd, dir, "memory.usage_in_bytes", &out->memory_usage)) < 0 ||
		    (r = engine__cgroup_read_u64(fd, dir, "memory.max_usage_in_bytes",
						 &out->memory_max_usage)) < 0 ||
		    (r = engine__cgroup_read_u64(fd, dir, "memory.limit_in_bytes", &limit)) < 0 ||
		    (r = engine__cgroup_read_all(fd, dir, "memory.stat", &stat)) < 0)
			return r;
		/* "Unlimited" reads as PAGE_COUNTER_MAX pages (~2^63). */
		out->memory_limit = limit >= (UINT64_C(1) << 62) ? 0 : limit;
		engine__cgroup_kv(stat, "total_rss", &out->memory_anon);
		engine__cgroup_kv(stat, "total_cache", &out->memory_file);
		engine__cgroup_kv(stat, "total_inactive_file", &out->memory_inactive_file);
		out->oom_kills = engine__cgroup_v1_oom_kills(cg);
	}
	if ((fd = fd_of(cg, CG_V1_CPUACCT)) >= 0) {
		cleanup_free char *split = NULL;
		uint64_t ticks;
		/* cpuacct.stat counts USER_HZ ticks. */
		uint64_t tick_ns = UINT64_C(1000000000) / (uint64_t)sysconf(_SC_CLK_TCK);

		if ((r = engine__cgroup_read_u64(fd, path_of(cg, CG_V1_CPUACCT), "cpuacct.usage",
						 &out->cpu_usage_ns)) < 0 ||
		    (r = engine__cgroup_read_all(fd, path_of(cg, CG_V1_CPUACCT), "cpuacct.stat", &split)) < 0)
			return r;
		if (engine__cgroup_kv(split, "user", &ticks))
			out->cpu_user_ns = ticks * tick_ns;
		if (engine__cgroup_kv(split, "system", &ticks))
			out->cpu_system_ns = ticks * tick_ns;
	}
	/* The cpu controller (a container with CPU limits, or co-mounted with
	 * cpuacct) has the throttling counters. */
	if ((fd = fd_of(cg, CG_V1_CPU)) >= 0) {
		cleanup_free char *cpu = NULL;

		r = engine__cgroup_read_all(fd, path_of(cg, CG_V1_CPU), "cpu.stat", &cpu);
		if (r < 0 && engine_error_last()->sys_errno != ENOENT)
			return r;
		engine_error_clear();
		engine__cgroup_kv(cpu, "nr_periods", &out->cpu_periods);
		engine__cgroup_kv(cpu, "nr_throttled", &out->cpu_throttled_periods);
		engine__cgroup_kv(cpu, "throttled_time", &out->cpu_throttled_ns);
	}
	{
		cleanup_free char *io = NULL;

		if ((r = engine__cgroup_v1_io_text(cg, &io)) < 0)
			return r;
		engine__cgroup_blkio_v1(io, &out->io_read_bytes, &out->io_write_bytes);
	}
	if ((fd = fd_of(cg, CG_V1_PIDS)) >= 0 &&
	    (r = engine__cgroup_read_u64(fd, path_of(cg, CG_V1_PIDS), "pids.current", &out->pids_current)) <
		0)
		return r;
	return 0;
}

int engine__cgroup_v1_io_text(engine__cgroup *cg, char **out)
{
	int fd = fd_of(cg, CG_V1_BLKIO), r;

	*out = NULL;
	if (fd < 0)
		return 0;
	r = engine__cgroup_read_all(fd, path_of(cg, CG_V1_BLKIO), "blkio.throttle.io_service_bytes_recursive",
				    out);
	if (r < 0 && engine_error_last()->sys_errno != ENOENT)
		return r;
	engine_error_clear();
	return 0;
}

bool engine__cgroup_v1_has_freezer(engine__cgroup *cg)
{
	return fd_of(cg, CG_V1_FREEZER) >= 0;
}

static int freezer_state(engine__cgroup *cg, char *buf, size_t size)
{
	ssize_t n = engine__cgroup_read(fd_of(cg, CG_V1_FREEZER), path_of(cg, CG_V1_FREEZER), "freezer.state",
					buf, size);

	return n < 0 ? (int)n : 0;
}

int engine__cgroup_v1_freeze(engine__cgroup *cg, bool frozen)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	unsigned waited = 0, nap = 20;
	char state[32];
	int r;

	if (!engine__cgroup_v1_has_freezer(cg))
		return engine__error_set(ENGINE_ENOTSUP, 0, "the freezer controller is not mounted");
	if ((r = wr(cg, CG_V1_FREEZER, "freezer.state", want)) < 0)
		return r;
	/* v1 has no notification: the state goes FREEZING -> FROZEN as each
	 * task reaches the refrigerator. Poll, backing off to 5 ms, for 2 s. */
	for (;;) {
		if ((r = freezer_state(cg, state, sizeof(state))) < 0)
			return r;
		if (strncmp(state, want, strlen(want)) == 0)
			return 0;
		if (waited >= 2000000)
			return engine__error_set(ENGINE_ETIMEOUT, 0, "%s/freezer.state: still %.*s after 2 s",
						 path_of(cg, CG_V1_FREEZER), (int)strcspn(state, "\n"),
						 state);
		engine__cgroup_nap(nap);
		waited += nap;
		nap = nap < 5000 ? nap * 2 : nap;
	}
}

int engine__cgroup_v1_kill(engine__cgroup *cg, int sig)
{
	int c = procs_ctrl(cg), r;
	bool freezer = engine__cgroup_v1_has_freezer(cg), was_frozen = false;
	unsigned waited = 0;
	size_t n;

	if (c < 0)
		return 0;
	if (freezer) {
		char state[32];

		/* Frozen tasks cannot fork, so one pass over cgroup.procs gets
		 * them all and no pid is reused under us. */
		if ((r = freezer_state(cg, state, sizeof(state))) < 0)
			return r;
		was_frozen = strncmp(state, "FROZEN", 6) == 0;
		if (!was_frozen && (r = engine__cgroup_v1_freeze(cg, true)) < 0)
			return r;
	}
	r = engine__cgroup_signal_procs(fd_of(cg, c), path_of(cg, c), sig, &n);
	/* A frozen task acts on SIGKILL only once thawed; a paused container
	 * stays paused for other signals, which wait until it is resumed. */
	if (freezer && (!was_frozen || sig == SIGKILL)) {
		int r2 = engine__cgroup_v1_freeze(cg, false);

		if (r == 0)
			r = r2;
	}
	if (r < 0 || sig != SIGKILL)
		return r;
	/* Without a freezer a task may fork between read and kill: repeat
	 * until the cgroup is empty. Dying tasks leave it within ms. */
	while (n > 0 && waited < 2000000) {
		engine__cgroup_nap(1000);
		waited += 1000;
		if ((r = engine__cgroup_signal_procs(fd_of(cg, c), path_of(cg, c), sig, &n)) < 0)
			return r;
	}
	return n ? engine__error_set(ENGINE_ETIMEOUT, 0, "%s: %zu tasks left after SIGKILL", path_of(cg, c),
				     n)
		 : 0;
}

int engine__cgroup_v1_populated(engine__cgroup *cg)
{
	int c = procs_ctrl(cg);
	char buf[16];
	ssize_t n;

	if (c < 0)
		return 0;
	n = engine__cgroup_read(fd_of(cg, c), path_of(cg, c), "cgroup.procs", buf, sizeof(buf));
	return n < 0 ? (int)n : n > 0;
}

uint64_t engine__cgroup_v1_oom_kills(engine__cgroup *cg)
{
	char buf[256];
	uint64_t v = 0;
	int fd = fd_of(cg, CG_V1_MEMORY);

	if (fd < 0 ||
	    engine__cgroup_read(fd, path_of(cg, CG_V1_MEMORY), "memory.oom_control", buf, sizeof(buf)) < 0)
		return 0;
	/* oom_kill counts since Linux 4.13; before that under_oom is all. */
	if (engine__cgroup_kv(buf, "oom_kill", &v) || engine__cgroup_kv(buf, "under_oom", &v))
		return v;
	return 0;
}

int engine__cgroup_v1_remove(engine__cgroup *cg)
{
	int r = 0;

	for (int c = CG_V1_MAX - 1; c >= 0; c--) {
		int r2;

		if (cg->v1_fd[c] < 0)
			continue;
		close(cg->v1_fd[c]);
		cg->v1_fd[c] = -1;
		r2 = engine__cgroup_rmdir(cg->v1_base[c], cg->v1_path[c], cg->name);
		if (r2 < 0 && r == 0)
			r = r2;
	}
	return r;
}

int engine__cgroup_v1_parent_remove(cg_host *h)
{
	int r = 0, r2;

	for (int c = 0; c < CG_V1_MAX; c++) {
		cleanup_free char *dir = NULL;

		if (h->v1_root_fd[c] < 0 || h->v1_leader[c] != c)
			continue;
		if (h->v1_parent_fd[c] >= 0)
			close(h->v1_parent_fd[c]);
		for (int o = 0; o < CG_V1_MAX; o++)
			if (h->v1_leader[o] == c)
				h->v1_parent_fd[o] = -1;
		/* Only the last component: the levels above may not be ours.
		 * EBUSY is retried: a container's monitor may be removing the
		 * last child cgroup right now. */
		if (!(dir = engine__strdup_printf("%s/%s", h->v1_root[c], h->parent)))
			return ENGINE_ENOMEM;
		if ((r2 = engine__cgroup_rmdir(h->v1_root_fd[c], dir, h->parent)) < 0 && r == 0)
			r = r2;
	}
	return r;
}

int engine__cgroup_v1_set_file(engine__cgroup *cg, int c, const char *file, const char *value)
{
	cg_host *h = cg->host;
	int lead = h->v1_leader[c];

	if (lead < 0 || cg->v1_base[lead] < 0)
		return missing(file, (enum cg_v1)c);
	if (cg->v1_fd[lead] < 0) {
		int r;

		if ((r = make_path(cg, lead)) < 0)
			return r;
		if (mkdirat(cg->v1_base[lead], cg->name, 0755) < 0 && errno != EEXIST)
			return engine__error_errno(errno, "cgroup %s: mkdir", cg->v1_path[lead]);
		cg->v1_fd[lead] = engine__cgroup_open_dir(cg->v1_base[lead], cg->name);
		if (cg->v1_fd[lead] < 0)
			return engine__error_errno(errno, "cgroup %s: open", cg->v1_path[lead]);
	}
	return engine__cgroup_write(cg->v1_fd[lead], cg->v1_path[lead], file, value, false);
}
