/*
 * cgroup v2 driver: <root>/<parent>/<id>, controllers enabled for our own
 * subtree only, limits, stats, the core freezer, cgroup.kill. Also gives a
 * hybrid host's container its controller-less cgroup in the unified mount.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup_internal.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

static const struct {
	const char *name;
	unsigned bit;
} controllers[] = {
    {"cpu", CG_V2_CPU},	  {"cpuset", CG_V2_CPUSET}, {"memory", CG_V2_MEMORY},
    {"pids", CG_V2_PIDS}, {"io", CG_V2_IO},
};
#define N_CONTROLLERS (sizeof(controllers) / sizeof(controllers[0]))

int engine__cgroup_v2_host_init(cg_host *h)
{
	h->v2_root_fd = engine__cgroup_open_dir(AT_FDCWD, h->v2_root);
	if (h->v2_root_fd < 0)
		return engine__error_errno(errno, "cgroup %s: open", h->v2_root);
	return 0;
}

/* A space-separated controller list ("cpu memory pids") as bits. A fake
 * tree's subtree_control holds what we wrote ("+cpu +memory"). */
static unsigned parse_controllers(const char *s)
{
	unsigned bits = 0;

	while (*s) {
		size_t n;

		s += strspn(s, " \n+");
		n = strcspn(s, " \n");
		for (size_t i = 0; i < N_CONTROLLERS; i++)
			if (strlen(controllers[i].name) == n && strncmp(s, controllers[i].name, n) == 0)
				bits |= controllers[i].bit;
		s += n;
	}
	return bits;
}

static int read_controllers(cg_host *h, int fd, const char *dir, const char *file, unsigned *out)
{
	char buf[512];
	ssize_t n = engine__cgroup_read(fd, dir, file, buf, sizeof(buf));

	if (n < 0 && h->fake && engine_error_last()->sys_errno == ENOENT)
		n = 0, buf[0] = '\0';
	if (n < 0)
		return (int)n;
	*out = parse_controllers(buf);
	return 0;
}

/* Enable @bits for the children of @fd; returns those now enabled. One
 * write when the kernel takes them all, else one per controller so that a
 * refused one (e.g. cpu with realtime tasks around) costs only itself. */
static unsigned enable(cg_host *h, int fd, const char *dir, unsigned bits)
{
	char buf[128] = "";
	unsigned ok = 0;
	engine__error_saved saved;

	if (!bits)
		return 0;
	for (size_t i = 0; i < N_CONTROLLERS; i++)
		if (bits & controllers[i].bit) {
			strcat(buf, buf[0] ? " +" : "+");
			strcat(buf, controllers[i].name);
		}
	engine__error_save(&saved);
	if (engine__cgroup_write(fd, dir, "cgroup.subtree_control", buf, h->fake) == 0) {
		ok = bits;
	} else {
		for (size_t i = 0; i < N_CONTROLLERS; i++) {
			if (!(bits & controllers[i].bit))
				continue;
			snprintf(buf, sizeof(buf), "+%s", controllers[i].name);
			if (engine__cgroup_write(fd, dir, "cgroup.subtree_control", buf, h->fake) == 0)
				ok |= controllers[i].bit;
		}
	}
	engine__error_restore(&saved);
	return ok;
}

int engine__cgroup_v2_descend(cg_host *h, const char *rel, unsigned wanted, bool create, int *fd,
			      unsigned *avail)
{
	cleanup_free char *copy = strdup(rel), *dir = strdup(h->v2_root);
	cleanup_close int cur = -EBADF;
	unsigned ok = 0, enabled = 0;
	char *save = NULL;
	int at = h->v2_root_fd, r;

	*fd = -1;
	*avail = 0;
	if (!copy || !dir)
		return engine__error_oom();
	if (wanted && create) {
		if ((r = read_controllers(h, at, dir, "cgroup.controllers", &ok)) < 0 ||
		    (r = read_controllers(h, at, dir, "cgroup.subtree_control", &enabled)) < 0)
			return r;
		ok &= wanted;
	}
	/* Walk down: a level's children can use only what the level enables,
	 * so enable what we want (and the level offers) at each step. Nothing
	 * else about these cgroups is changed. */
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		char *next_dir;
		int next;

		if (create) {
			enabled |= enable(h, at, dir, ok & ~enabled);
			ok &= enabled;
			if (mkdirat(at, c, 0755) < 0 && errno != EEXIST)
				return engine__error_errno(errno, "cgroup %s/%s: mkdir", dir, c);
		}
		if ((next = engine__cgroup_open_dir(at, c)) < 0) {
			if (errno == ENOENT && !create)
				return 0;
			return engine__error_errno(errno, "cgroup %s/%s: open", dir, c);
		}
		engine__closep(&cur);
		at = cur = next;
		if (!(next_dir = engine__path_join(dir, c)))
			return engine__error_oom();
		free(dir);
		dir = next_dir;
		enabled = 0;
		if (ok && (r = read_controllers(h, at, dir, "cgroup.subtree_control", &enabled)) < 0)
			return r;
	}
	if (create) {
		enabled |= enable(h, at, dir, ok & ~enabled);
		*avail = ok & enabled;
	} else if (wanted) {
		if ((r = read_controllers(h, at, dir, "cgroup.subtree_control", &enabled)) < 0)
			return r;
		*avail = enabled & wanted;
	}
	*fd = cur >= 0 ? steal_fd(cur) : fcntl(at, F_DUPFD_CLOEXEC, 3);
	return *fd < 0 ? engine__error_errno(errno, "cgroup %s: dup", dir) : 0;
}

int engine__cgroup_v2_parent_setup(cg_host *h, unsigned wanted)
{
	int fd, r = engine__cgroup_v2_descend(h, h->parent, wanted, true, &fd, &h->v2_avail);

	if (r < 0)
		return r;
	h->v2_has_kill = faccessat(fd, "cgroup.kill", F_OK, 0) == 0;
	h->v2_parent_fd = fd;
	return 0;
}

static int unavailable(engine__cgroup *cg, const char *limit, const char *ctrl)
{
	const char *slash = strrchr(cg->rel, '/');

	return engine__error_set(ENGINE_ENOTSUP, 0, "%s: the %s controller is not available in %s/%.*s",
				 limit, ctrl, cg->host->v2_root, slash ? (int)(slash - cg->rel) : 0, cg->rel);
}

int engine__cgroup_v2_check(engine__cgroup *cg, const engine__cgroup_limits *l)
{
	unsigned avail = cg->v2_avail;

	if (l->memory && !(avail & CG_V2_MEMORY))
		return unavailable(cg, "memory limit", "memory");
	if (l->cpu_shares && !(avail & CG_V2_CPU))
		return unavailable(cg, "cpu shares", "cpu");
	if (l->cpu_quota && !(avail & CG_V2_CPU))
		return unavailable(cg, "cpu quota", "cpu");
	if ((l->cpuset_cpus || l->cpuset_mems) && !(avail & CG_V2_CPUSET))
		return unavailable(cg, "cpuset", "cpuset");
	if (l->pids && !(avail & CG_V2_PIDS))
		return unavailable(cg, "pids limit", "pids");
	/* oom_kill_disable: v2 has no switch for the OOM killer. Docker on v2
	 * discards it with a warning (engine_spec_set_oom_kill_disable says
	 * so); so do we, rather than refuse the container. */
	return 0;
}

static int wr(engine__cgroup *cg, const char *file, const char *value)
{
	return engine__cgroup_write(cg->v2_fd, cg->v2_path, file, value, cg->host->fake);
}

static int wr_u64(engine__cgroup *cg, const char *file, uint64_t value)
{
	return engine__cgroup_write_u64(cg->v2_fd, cg->v2_path, file, value, cg->host->fake);
}

static int swap_apply(engine__cgroup *cg, const engine__cgroup_limits *l)
{
	char buf[24] = "max";
	int r;

	/* v2 limits swap alone; the API's memory_swap is memory + swap. */
	if (l->memory_swap >= 0)
		snprintf(buf, sizeof(buf), "%" PRId64, l->memory_swap ? l->memory_swap - l->memory : 0);
	r = wr(cg, "memory.swap.max", buf);
	if (r < 0 && engine_error_last()->sys_errno == ENOENT) {
		/* No swap accounting: only an explicit swap limit is refused;
		 * the default "no swap beyond memory" is what the host has. */
		if (l->memory_swap <= 0) {
			engine_error_clear();
			return 0;
		}
		return engine__error_set(ENGINE_ENOTSUP, 0,
					 "memory+swap limit: swap accounting is off (no %s/memory.swap.max)",
					 cg->v2_path);
	}
	return r;
}

static int limits_apply(engine__cgroup *cg, const engine__cgroup_limits *l)
{
	int r = 0;

	if (l->memory && (r = wr_u64(cg, "memory.max", (uint64_t)l->memory)) == 0)
		r = swap_apply(cg, l);
	if (r == 0 && l->cpu_shares)
		r = wr_u64(cg, "cpu.weight", engine__cgroup_shares_to_weight(l->cpu_shares));
	if (r == 0 && l->cpu_quota) {
		char buf[48];

		snprintf(buf, sizeof(buf), "%" PRId64 " %" PRIu64, l->cpu_quota,
			 l->cpu_period ? l->cpu_period : 100000);
		r = wr(cg, "cpu.max", buf);
	}
	if (r == 0 && l->cpuset_cpus)
		r = wr(cg, "cpuset.cpus", l->cpuset_cpus);
	if (r == 0 && l->cpuset_mems)
		r = wr(cg, "cpuset.mems", l->cpuset_mems);
	if (r == 0 && l->pids)
		r = wr_u64(cg, "pids.max", (uint64_t)l->pids);
	/* A fake tree's dir cannot hold a BPF program: nothing to attach to. */
	if (r == 0 && !l->devices_allow_all && !cg->host->fake)
		r = engine__cgroup_devices_v2(cg, l);
	return r;
}

static int make_path(engine__cgroup *cg)
{
	cg->v2_path = engine__strdup_printf("%s/%s", cg->host->v2_root, cg->rel);
	return cg->v2_path ? 0 : ENGINE_ENOMEM;
}

int engine__cgroup_v2_create(engine__cgroup *cg, const engine__cgroup_limits *l)
{
	int r;

	free(cg->v2_path); /* a second try (hybrid's fallback) */
	if ((r = make_path(cg)) < 0)
		return r;
	if (mkdirat(cg->v2_base, cg->name, 0755) < 0)
		return errno == EEXIST ? engine__error_set(ENGINE_EEXISTS, EEXIST,
							   "cgroup %s: already exists", cg->v2_path)
				       : engine__error_errno(errno, "cgroup %s: mkdir", cg->v2_path);
	cg->v2_fd = engine__cgroup_open_dir(cg->v2_base, cg->name);
	if (cg->v2_fd < 0) {
		r = engine__error_errno(errno, "cgroup %s: open", cg->v2_path);
		unlinkat(cg->v2_base, cg->name, AT_REMOVEDIR);
		return r;
	}
	if (l && (r = limits_apply(cg, l)) < 0) {
		engine__error_saved saved;

		engine__error_save(&saved);
		engine__cgroup_v2_remove(cg);
		engine__error_restore(&saved);
		return r;
	}
	return 0;
}

int engine__cgroup_v2_open(engine__cgroup *cg)
{
	cg->v2_fd = cg->v2_base >= 0 ? engine__cgroup_open_dir(cg->v2_base, cg->name) : -1;
	if (cg->v2_base < 0)
		errno = ENOENT;
	if (cg->v2_fd < 0) {
		/* A hybrid container made before this engine used the unified
		 * mount only lacks the extras; its v1 cgroups are enough. */
		if (errno == ENOENT && cg->host->mode == ENGINE__CGROUP_HYBRID)
			return 0;
		if (errno == ENOENT)
			return engine__error_set(ENGINE_ENOTFOUND, ENOENT, "no such cgroup %s/%s",
						 cg->host->v2_root, cg->rel);
		return engine__error_errno(errno, "cgroup %s/%s: open", cg->host->v2_root, cg->rel);
	}
	return make_path(cg);
}

int engine__cgroup_v2_attach(engine__cgroup *cg, pid_t pid)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return wr(cg, "cgroup.procs", buf);
}

static int read_optional_u64(engine__cgroup *cg, const char *file, uint64_t *out)
{
	int r = engine__cgroup_read_u64(cg->v2_fd, cg->v2_path, file, out);

	if (r < 0 && engine_error_last()->sys_errno == ENOENT) {
		engine_error_clear();
		return 0;
	}
	return r;
}

int engine__cgroup_v2_stats(engine__cgroup *cg, engine__cgroup_stats *out)
{
	unsigned avail = cg->v2_avail;
	cleanup_free char *cpu = NULL;
	uint64_t usec = 0;
	int r;

	if (avail & CG_V2_MEMORY) {
		cleanup_free char *stat = NULL;
		uint64_t limit;

		if ((r = engine__cgroup_read_u64(cg->v2_fd, cg->v2_path, "memory.current",
						 &out->memory_usage)) < 0 ||
		    (r = engine__cgroup_read_u64(cg->v2_fd, cg->v2_path, "memory.max", &limit)) < 0 ||
		    (r = engine__cgroup_read_all(cg->v2_fd, cg->v2_path, "memory.stat", &stat)) < 0)
			return r;
		/* memory.peak came with Linux 5.19. */
		if ((r = read_optional_u64(cg, "memory.peak", &out->memory_max_usage)) < 0)
			return r;
		out->memory_limit = limit == UINT64_MAX ? 0 : limit;
		engine__cgroup_kv(stat, "anon", &out->memory_anon);
		engine__cgroup_kv(stat, "file", &out->memory_file);
		engine__cgroup_kv(stat, "inactive_file", &out->memory_inactive_file);
		out->oom_kills = engine__cgroup_v2_oom_kills(cg);
	}
	/* cpu.stat's usage_usec is there without the cpu controller. */
	if ((r = engine__cgroup_read_all(cg->v2_fd, cg->v2_path, "cpu.stat", &cpu)) < 0)
		return r;
	if (engine__cgroup_kv(cpu, "usage_usec", &usec))
		out->cpu_usage_ns = usec * 1000;
	if (engine__cgroup_kv(cpu, "user_usec", &usec))
		out->cpu_user_ns = usec * 1000;
	if (engine__cgroup_kv(cpu, "system_usec", &usec))
		out->cpu_system_ns = usec * 1000;
	/* The throttling keys are there with the cpu controller only. */
	engine__cgroup_kv(cpu, "nr_periods", &out->cpu_periods);
	engine__cgroup_kv(cpu, "nr_throttled", &out->cpu_throttled_periods);
	if (engine__cgroup_kv(cpu, "throttled_usec", &usec))
		out->cpu_throttled_ns = usec * 1000;
	{
		cleanup_free char *io = NULL;

		if ((r = engine__cgroup_v2_io_text(cg, &io)) < 0)
			return r;
		engine__cgroup_io_stat(io, &out->io_read_bytes, &out->io_write_bytes);
	}
	if ((avail & CG_V2_PIDS) &&
	    (r = engine__cgroup_read_u64(cg->v2_fd, cg->v2_path, "pids.current", &out->pids_current)) < 0)
		return r;
	return 0;
}

int engine__cgroup_v2_io_text(engine__cgroup *cg, char **out)
{
	int r;

	*out = NULL;
	if (!(cg->v2_avail & CG_V2_IO))
		return 0;
	r = engine__cgroup_read_all(cg->v2_fd, cg->v2_path, "io.stat", out);
	if (r < 0 && engine_error_last()->sys_errno != ENOENT)
		return r;
	engine_error_clear();
	return 0;
}

/* "key N" of cgroup.events, read through @fd (pread, so that a poll on
 * the same fd is re-armed) or a fresh open when @fd is -1. */
static int events_value(engine__cgroup *cg, int fd, const char *key, uint64_t *out)
{
	char buf[128];
	ssize_t n;

	if (fd < 0) {
		n = engine__cgroup_read(cg->v2_fd, cg->v2_path, "cgroup.events", buf, sizeof(buf));
		if (n < 0)
			return (int)n;
	} else {
		while ((n = pread(fd, buf, sizeof(buf) - 1, 0)) < 0 && errno == EINTR)
			;
		if (n < 0)
			return engine__error_errno(errno, "cgroup %s/cgroup.events: read", cg->v2_path);
		buf[n] = '\0';
	}
	if (!engine__cgroup_kv(buf, key, out))
		return engine__error_set(ENGINE_EIO, 0, "cgroup %s/cgroup.events: no \"%s\"", cg->v2_path,
					 key);
	return 0;
}

int engine__cgroup_v2_freeze(engine__cgroup *cg, bool frozen)
{
	cleanup_close int fd = -EBADF;
	unsigned waited = 0;
	uint64_t v;
	int r;

	if ((r = wr(cg, "cgroup.freeze", frozen ? "1" : "0")) < 0)
		return r;
	/* cgroup.events changes raise POLLPRI, so wait on it rather than
	 * spinning (a fake tree's plain file polls ready at once). */
	fd = openat(cg->v2_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return engine__error_errno(errno, "cgroup %s/cgroup.events: open", cg->v2_path);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLPRI};

		if ((r = events_value(cg, fd, "frozen", &v)) < 0)
			return r;
		if ((v != 0) == frozen)
			return 0;
		if (waited >= 2000)
			return engine__error_set(ENGINE_ETIMEOUT, 0, "cgroup %s: not %s after 2 s",
						 cg->v2_path, frozen ? "frozen" : "thawed");
		if (poll(&p, 1, 10) < 0 && errno != EINTR)
			return engine__error_errno(errno, "cgroup %s/cgroup.events: poll", cg->v2_path);
		waited += 10;
	}
}

int engine__cgroup_v2_kill(engine__cgroup *cg, int sig)
{
	unsigned waited = 0;
	bool was_frozen = false;
	char buf[8];
	size_t n;
	int r;

	if (sig == SIGKILL && cg->v2_has_kill)
		return wr(cg, "cgroup.kill", "1");
	/* Freeze so that one pass over cgroup.procs sees every task and no
	 * pid can be recycled under us; fatal signals get through a v2 freeze. */
	if ((r = (int)engine__cgroup_read(cg->v2_fd, cg->v2_path, "cgroup.freeze", buf, sizeof(buf))) < 0)
		return r;
	was_frozen = buf[0] == '1';
	if (!was_frozen && (r = engine__cgroup_v2_freeze(cg, true)) < 0)
		return r;
	r = engine__cgroup_signal_procs(cg->v2_fd, cg->v2_path, sig, &n);
	if (!was_frozen) {
		int r2 = engine__cgroup_v2_freeze(cg, false);

		if (r == 0)
			r = r2;
	}
	while (r == 0 && sig == SIGKILL && n > 0 && waited < 2000000) {
		engine__cgroup_nap(1000);
		waited += 1000;
		r = engine__cgroup_signal_procs(cg->v2_fd, cg->v2_path, sig, &n);
	}
	if (r == 0 && sig == SIGKILL && n > 0)
		return engine__error_set(ENGINE_ETIMEOUT, 0, "cgroup %s: %zu tasks left after SIGKILL",
					 cg->v2_path, n);
	return r;
}

int engine__cgroup_v2_populated(engine__cgroup *cg)
{
	uint64_t v;
	int r = events_value(cg, -1, "populated", &v);

	return r < 0 ? r : v != 0;
}

uint64_t engine__cgroup_v2_oom_kills(engine__cgroup *cg)
{
	char buf[512];
	uint64_t v = 0;

	if (!(cg->v2_avail & CG_V2_MEMORY) ||
	    engine__cgroup_read(cg->v2_fd, cg->v2_path, "memory.events", buf, sizeof(buf)) < 0)
		return 0;
	engine__cgroup_kv(buf, "oom_kill", &v);
	return v;
}

int engine__cgroup_v2_remove(engine__cgroup *cg)
{
	if (cg->v2_fd < 0)
		return 0;
	close(cg->v2_fd);
	cg->v2_fd = -1;
	/* A fake tree's dir holds the plain files we wrote; a real one's
	 * files vanish with it. */
	if (cg->host->fake)
		return engine__rm_rf_at(cg->v2_base, cg->name);
	return engine__cgroup_rmdir(cg->v2_base, cg->v2_path, cg->name);
}

int engine__cgroup_v2_parent_remove(cg_host *h)
{
	cleanup_free char *dir = NULL;

	if (h->v2_parent_fd >= 0)
		close(h->v2_parent_fd);
	h->v2_parent_fd = -1;
	if (h->fake)
		return engine__rm_rf_at(h->v2_root_fd, h->parent);
	/* EBUSY is retried: a monitor may be removing the last child now. */
	dir = engine__strdup_printf("%s/%s", h->v2_root, h->parent);
	return dir ? engine__cgroup_rmdir(h->v2_root_fd, dir, h->parent) : ENGINE_ENOMEM;
}
