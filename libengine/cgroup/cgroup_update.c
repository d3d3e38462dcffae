/*
 * Changing the limits of a live cgroup (docker update): only the values
 * given are written, -1 lifts a limit. On v1 a container without a cpu or
 * cpuset limit has no cgroup in those hierarchies (creating them costs every
 * start), so the first such update creates it and moves the container's
 * tasks in, taking the task list from a hierarchy it is already in.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup_internal.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/str.h"

static int validate(const engine__cgroup_change *u)
{
	if (u->memory < -1 || (u->memory > 0 && u->memory < 6 * 1024 * 1024))
		return engine__error_set(ENGINE_EINVALID, 0,
					 "memory limit %lld: the minimum is 6MB (-1 for unlimited)",
					 (long long)u->memory);
	if (u->cpu_shares && (u->cpu_shares < 2 || u->cpu_shares > 262144))
		return engine__error_set(ENGINE_EINVALID, 0, "cpu shares %llu: outside [2, 262144]",
					 (unsigned long long)u->cpu_shares);
	if (u->cpu_quota < -1 || (u->cpu_quota > 0 && u->cpu_quota < 1000))
		return engine__error_set(ENGINE_EINVALID, 0, "cpu quota %lld us: must be at least 1000",
					 (long long)u->cpu_quota);
	if (u->pids < -1)
		return engine__error_set(ENGINE_EINVALID, 0, "pids limit %lld: invalid", (long long)u->pids);
	if (u->cpuset_cpus &&
	    (!*u->cpuset_cpus || strspn(u->cpuset_cpus, "0123456789,-") != strlen(u->cpuset_cpus)))
		return engine__error_set(ENGINE_EINVALID, 0, "invalid cpuset \"%s\"", u->cpuset_cpus);
	return 0;
}

/* --- v2 ----------------------------------------------------------------- */

static int v2_wr(engine__cgroup *cg, const char *file, const char *value)
{
	return engine__cgroup_write(cg->v2_fd, cg->v2_path, file, value, cg->host->fake);
}

static int v2_update(engine__cgroup *cg, const engine__cgroup_change *u)
{
	char buf[64];
	int r = 0;

	if (u->memory) {
		if (u->memory < 0)
			snprintf(buf, sizeof(buf), "max");
		else
			snprintf(buf, sizeof(buf), "%" PRId64, u->memory);
		r = v2_wr(cg, "memory.max", buf);
		/* No swap beyond memory, as at create; absent without swap accounting. */
		if (r == 0 && v2_wr(cg, "memory.swap.max", u->memory < 0 ? "max" : "0") < 0)
			engine_error_clear();
	}
	if (r == 0 && u->cpu_shares) {
		snprintf(buf, sizeof(buf), "%" PRIu64, engine__cgroup_shares_to_weight(u->cpu_shares));
		r = v2_wr(cg, "cpu.weight", buf);
	}
	if (r == 0 && u->cpu_quota) {
		if (u->cpu_quota < 0)
			snprintf(buf, sizeof(buf), "max %" PRIu64, u->cpu_period ? u->cpu_period : 100000);
		else
			snprintf(buf, sizeof(buf), "%" PRId64 " %" PRIu64, u->cpu_quota,
				 u->cpu_period ? u->cpu_period : 100000);
		r = v2_wr(cg, "cpu.max", buf);
	}
	if (r == 0 && u->cpuset_cpus)
		r = v2_wr(cg, "cpuset.cpus", u->cpuset_cpus);
	if (r == 0 && u->pids) {
		if (u->pids < 0)
			snprintf(buf, sizeof(buf), "max");
		else
			snprintf(buf, sizeof(buf), "%" PRId64, u->pids);
		r = v2_wr(cg, "pids.max", buf);
	}
	return r;
}

/* --- v1 ----------------------------------------------------------------- */

static int leader(engine__cgroup *cg, enum cg_v1 c)
{
	return cg->host->v1_leader[c];
}

static int v1_wr(engine__cgroup *cg, enum cg_v1 c, const char *file, const char *value)
{
	int l = leader(cg, c);

	return engine__cgroup_write(cg->v1_fd[l], cg->v1_path[l], file, value, false);
}

/* Give the container a cgroup in controller @c's hierarchy and move its
 * tasks in from a hierarchy that holds them. */
static int v1_join(engine__cgroup *cg, enum cg_v1 c)
{
	cg_host *h = cg->host;
	int l = leader(cg, c), from = -1, r;
	cleanup_free char *procs = NULL;
	char *save = NULL;

	if (l < 0 || cg->v1_base[l] < 0)
		return engine__error_set(ENGINE_ENOTSUP, 0, "the %s controller is not mounted",
					 engine__cgroup_v1_names[c]);
	if (cg->v1_fd[l] >= 0)
		return 0;
	for (int k = 0; k < CG_V1_MAX && from < 0; k++)
		if (cg->v1_fd[k] >= 0)
			from = k;
	if (from < 0)
		return engine__error_set(ENGINE_ENOTFOUND, 0,
					 "the container has no v1 cgroup to take tasks from");
	cg->v1_path[l] = engine__strdup_printf("%s/%s", h->v1_root[l], cg->rel);
	if (!cg->v1_path[l])
		return ENGINE_ENOMEM;
	if (mkdirat(cg->v1_base[l], cg->name, 0755) < 0 && errno != EEXIST)
		return engine__error_errno(errno, "cgroup %s: mkdir", cg->v1_path[l]);
	cg->v1_fd[l] = engine__cgroup_open_dir(cg->v1_base[l], cg->name);
	if (cg->v1_fd[l] < 0)
		return engine__error_errno(errno, "cgroup %s: open", cg->v1_path[l]);
	/* The parent has clone_children set for cpuset, so cpus and mems are
	 * already there; the tasks can join. */
	r = engine__cgroup_read_all(cg->v1_fd[from], cg->v1_path[from], "cgroup.procs", &procs);
	if (r < 0)
		return r;
	for (char *pid = strtok_r(procs, "\n", &save); pid; pid = strtok_r(NULL, "\n", &save)) {
		r = engine__cgroup_write(cg->v1_fd[l], cg->v1_path[l], "cgroup.procs", pid, false);
		/* A task that exited meanwhile is fine. */
		if (r < 0 && engine_error_last()->sys_errno != ESRCH)
			return r;
		engine_error_clear();
	}
	return 0;
}

static int v1_memory(engine__cgroup *cg, int64_t memory)
{
	char buf[32];
	uint64_t old = 0;
	int l = leader(cg, CG_V1_MEMORY), r;
	bool memsw = cg->host->v1_has_memsw, growing;

	if (l < 0 || cg->v1_fd[l] < 0)
		return engine__error_set(ENGINE_ENOTSUP, 0,
					 "memory limit: the memory controller is not mounted");
	snprintf(buf, sizeof(buf), "%" PRId64, memory);
	if (engine__cgroup_read_u64(cg->v1_fd[l], cg->v1_path[l], "memory.limit_in_bytes", &old) < 0)
		return engine_error_last()->code;
	/* memsw bounds memory: raise it first when growing, lower it last. */
	growing = memory < 0 || (uint64_t)memory > old;
	if (memsw && growing && (r = v1_wr(cg, CG_V1_MEMORY, "memory.memsw.limit_in_bytes", buf)) < 0)
		return r;
	if ((r = v1_wr(cg, CG_V1_MEMORY, "memory.limit_in_bytes", buf)) < 0)
		return r;
	if (memsw && !growing)
		return v1_wr(cg, CG_V1_MEMORY, "memory.memsw.limit_in_bytes", buf);
	return 0;
}

static int v1_update(engine__cgroup *cg, const engine__cgroup_change *u)
{
	char buf[64];
	int r = 0;

	if (u->memory)
		r = v1_memory(cg, u->memory);
	if (r == 0 && (u->cpu_shares || u->cpu_quota))
		r = v1_join(cg, CG_V1_CPU);
	if (r == 0 && u->cpu_shares) {
		snprintf(buf, sizeof(buf), "%" PRIu64, u->cpu_shares);
		r = v1_wr(cg, CG_V1_CPU, "cpu.shares", buf);
	}
	if (r == 0 && u->cpu_quota) {
		snprintf(buf, sizeof(buf), "%" PRIu64, u->cpu_period ? u->cpu_period : 100000);
		r = v1_wr(cg, CG_V1_CPU, "cpu.cfs_period_us", buf);
		snprintf(buf, sizeof(buf), "%" PRId64, u->cpu_quota < 0 ? -1 : u->cpu_quota);
		if (r == 0)
			r = v1_wr(cg, CG_V1_CPU, "cpu.cfs_quota_us", buf);
	}
	if (r == 0 && u->cpuset_cpus && (r = v1_join(cg, CG_V1_CPUSET)) == 0)
		r = v1_wr(cg, CG_V1_CPUSET, "cpuset.cpus", u->cpuset_cpus);
	if (r == 0 && u->pids) {
		if (u->pids < 0)
			snprintf(buf, sizeof(buf), "max");
		else
			snprintf(buf, sizeof(buf), "%" PRId64, u->pids);
		r = leader(cg, CG_V1_PIDS) >= 0 && cg->v1_fd[leader(cg, CG_V1_PIDS)] >= 0
			? v1_wr(cg, CG_V1_PIDS, "pids.max", buf)
			: engine__error_set(ENGINE_ENOTSUP, 0,
					    "pids limit: the pids controller is not mounted");
	}
	return r;
}

int engine__cgroup_update(engine__cgroup *cg, const engine__cgroup_change *u)
{
	int r = validate(u);

	if (r < 0)
		return r;
	if (cg->none)
		return engine__cgroup_rootless_unsupported(cg, "update");
	r = cg->host->mode == ENGINE__CGROUP_UNIFIED ? v2_update(cg, u) : v1_update(cg, u);
	return r < 0 ? engine__error_wrap("cgroup %s: update", cg->id) : 0;
}
