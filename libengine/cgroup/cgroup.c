/*
 * cgroup front end: detects the host's mode once per context, validates
 * limits, and routes each operation to the v1 or v2 driver. In hybrid mode
 * resources go through v1 and the container also gets a controller-less v2
 * cgroup in the unified mount (see engine__cgroup_create for why).
 *
 * No pool of pre-made cgroups: reusing one for the next ephemeral container
 * is not sound. Its counters cannot all be reset (v2 memory.events oom_kill
 * and cpu.stat never; memory.peak only since Linux 6.12; v1 oom_control's
 * oom_kill never), so OOM reports and stats would need baselines; and the
 * page cache the last container left stays charged to the memcg, counting
 * against the next one's memory limit until reclaimed (v1 force_empty costs
 * more than the mkdir it saves; v2 has no equivalent). Measured here, the
 * whole create+attach+destroy costs ~0.65 ms (bench/cgroup), and destroy
 * can run after the caller has its result.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup_internal.h"
#include "core/context.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"

#define CG_DEFAULT_ROOT "/sys/fs/cgroup"
#define CG_DEFAULT_PARENT "engine"

const char *engine__cgroup_mode_name(engine__cgroup_mode mode)
{
	switch (mode) {
	case ENGINE__CGROUP_UNIFIED:
		return "unified";
	case ENGINE__CGROUP_LEGACY:
		return "legacy";
	case ENGINE__CGROUP_HYBRID:
		return "hybrid";
	}
	return "unknown";
}

static bool is_fs(const char *path, long magic)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && (long)sfs.f_type == magic;
}

/* The mode of the tree at @root, and whether it is a fake cgroup2 tree. */
static int detect(const char *root, bool allow_fake, engine__cgroup_mode *out, bool *fake)
{
	struct statfs sfs;
	cleanup_free char *unified = NULL;
	bool v1 = false;

	*fake = false;
	if (statfs(root, &sfs) < 0)
		return engine__error_errno(errno, "cgroups: %s", root);
	if (sfs.f_type == CGROUP2_SUPER_MAGIC) {
		*out = ENGINE__CGROUP_UNIFIED;
		return 0;
	}
	for (int c = 0; c < CG_V1_MAX && !v1; c++) {
		cleanup_free char *p = engine__path_join(root, engine__cgroup_v1_names[c]);

		if (!p)
			return engine__error_oom();
		v1 = is_fs(p, CGROUP_SUPER_MAGIC);
	}
	unified = engine__path_join(root, "unified");
	if (!unified)
		return engine__error_oom();
	if (v1) {
		*out = is_fs(unified, CGROUP2_SUPER_MAGIC) ? ENGINE__CGROUP_HYBRID : ENGINE__CGROUP_LEGACY;
		return 0;
	}
	if (allow_fake) {
		cleanup_free char *ctl = engine__path_join(root, "cgroup.controllers");

		if (!ctl)
			return engine__error_oom();
		if (access(ctl, F_OK) == 0) {
			*out = ENGINE__CGROUP_UNIFIED;
			*fake = true;
			return 0;
		}
	}
	return engine__error_set(ENGINE_ENOTSUP, 0, "cgroups: %s: neither a cgroup2 mount nor v1 controllers",
				 root);
}

int engine__cgroup_detect(const char *root_override, engine__cgroup_mode *out)
{
	bool fake;

	return detect(root_override ? root_override : CG_DEFAULT_ROOT, root_override != NULL, out, &fake);
}

static void host_free(void *data)
{
	cg_host *h = data;

	if (!h)
		return;
	engine__cgroup_v1_host_fini(h);
	if (h->v2_root_fd >= 0)
		close(h->v2_root_fd);
	if (h->v2_parent_fd >= 0)
		close(h->v2_parent_fd);
	if (h->v2_dev_prog_fd >= 0)
		close(h->v2_dev_prog_fd);
	free(h->v2_root);
	free(h->rootless_why);
	free(h->root_override);
	free(h->parent);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static void *host_new(engine_context *ctx)
{
	cg_host *h = calloc(1, sizeof(*h));

	(void)ctx;
	if (!h) {
		engine__error_oom();
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->v2_root_fd = h->v2_parent_fd = h->v2_dev_prog_fd = -1;
	for (int c = 0; c < CG_V1_MAX; c++)
		h->v1_root_fd[c] = h->v1_parent_fd[c] = h->v1_leader[c] = -1;
	return h;
}

/* A relative path of plain components: no "", ".", ".." or leading "/". */
bool engine__cgroup_valid_rel_path(const char *p, bool allow_slash)
{
	if (!*p || *p == '/' || strlen(p) > 1024)
		return false;
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (c[n] == '/' && !allow_slash)
			return false;
		c += n + (c[n] == '/');
		if (c[-1] == '/' && !*c)
			return false;
	}
	return true;
}

static int host_detect(engine_context *ctx, cg_host *h)
{
	const char *root = h->root_override ? h->root_override : CG_DEFAULT_ROOT;
	json_object *pj = engine__context_config(ctx, "cgroup-parent");
	const char *parent = CG_DEFAULT_PARENT;
	int r;

	if (pj) {
		parent = json_object_is_type(pj, json_type_string) ? json_object_get_string(pj) : NULL;
		/* dockerd's cgroupfs driver takes "/a/b" as "a/b": both are
		 * under the hierarchy's root. */
		while (parent && *parent == '/')
			parent++;
		if (!parent || !engine__cgroup_valid_rel_path(parent, true))
			return engine__error_set(
			    ENGINE_EINVALID, 0,
			    "config \"cgroup-parent\": want a cgroup path like \"engine\" or \"/engine\"");
	}
	free(h->parent); /* a failed detection earlier may have set it */
	h->parent = strdup(parent);
	if (!h->parent)
		return engine__error_oom();
	r = detect(root, h->root_override != NULL, &h->mode, &h->fake);
	if (r < 0)
		return r;
	if (engine__context_rootless(ctx)) {
		cleanup_free char *v2 =
		    h->mode == ENGINE__CGROUP_HYBRID ? engine__path_join(root, "unified") : strdup(root);

		if (!v2)
			return engine__error_oom();
		r = engine__cgroup_rootless_detect(h, h->mode == ENGINE__CGROUP_LEGACY ? NULL : v2);
		h->detected = r == 0;
		return r;
	}
	if (h->mode != ENGINE__CGROUP_UNIFIED) {
		r = engine__cgroup_v1_host_init(h);
		if (r < 0)
			return r;
	}
	if (h->mode != ENGINE__CGROUP_LEGACY) {
		free(h->v2_root);
		h->v2_root =
		    h->mode == ENGINE__CGROUP_HYBRID ? engine__path_join(root, "unified") : strdup(root);
		if (!h->v2_root)
			return engine__error_oom();
		r = engine__cgroup_v2_host_init(h);
		if (r < 0)
			return r;
	}
	__atomic_store_n(&h->detected, true, __ATOMIC_RELEASE);
	return 0;
}

/* The context's host state, detected (and with @parent, the parent cgroups
 * set up) on first use. */
int engine__cgroup_host(engine_context *ctx, bool parent, cg_host **out)
{
	cg_host *h = engine__context_ext(ctx, ENGINE__EXT_CGROUP, host_new, host_free);
	int r = 0;

	if (!h)
		return engine__error_wrap("cgroups");
	/* Once set up, no lock: every cgroup operation comes here, and a
	 * container's monitor, forked while another thread may hold the lock,
	 * must not wait for it. */
	if (__atomic_load_n(&h->detected, __ATOMIC_ACQUIRE) &&
	    (!parent || __atomic_load_n(&h->parent_ready, __ATOMIC_ACQUIRE))) {
		*out = h;
		return 0;
	}
	pthread_mutex_lock(&h->lock);
	if (!h->detected)
		r = host_detect(ctx, h);
	if (r == 0 && parent && !h->parent_ready && h->rootless_none) {
		h->parent_ready = true; /* no cgroups at all */
	} else if (r == 0 && parent && !h->parent_ready) {
		/* Legacy/hybrid: v1 carries the resources; hybrid's v2 cgroup
		 * gets no controllers. */
		if (h->mode != ENGINE__CGROUP_UNIFIED)
			r = engine__cgroup_v1_parent_setup(h);
		if (r == 0 && h->mode == ENGINE__CGROUP_UNIFIED)
			r = engine__cgroup_v2_parent_setup(h, CG_V2_WANTED);
		/* Hybrid's v2 cgroup is an extra (see engine__cgroup_create):
		 * where the unified mount is read-only to us, go without. */
		if (r == 0 && h->mode == ENGINE__CGROUP_HYBRID && engine__cgroup_v2_parent_setup(h, 0) < 0)
			engine_error_clear();
		__atomic_store_n(&h->parent_ready, r == 0, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&h->lock);
	if (r < 0)
		return engine__error_wrap("cgroups");
	*out = h;
	return 0;
}

int engine__cgroup_context_set_root(engine_context *ctx, const char *root)
{
	cg_host *h = engine__context_ext(ctx, ENGINE__EXT_CGROUP, host_new, host_free);
	int r = 0;

	if (!h)
		return engine__error_wrap("cgroups");
	if (!root || root[0] != '/')
		return engine__error_set(ENGINE_EINVALID, 0, "cgroup root \"%s\": must be absolute",
					 root ? root : "");
	pthread_mutex_lock(&h->lock);
	if (h->detected)
		r = engine__error_set(ENGINE_EBUSY, 0, "cgroup root: already in use by this context");
	else if (!(h->root_override = strdup(root)))
		r = engine__error_oom();
	pthread_mutex_unlock(&h->lock);
	return r;
}

int engine__cgroup_mode_get(engine_context *ctx, engine__cgroup_mode *out)
{
	cg_host *h;
	int r = engine__cgroup_host(ctx, false, &h);

	if (r == 0)
		*out = h->mode;
	return r;
}

uint64_t engine__cgroup_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

int engine__cgroup_cpus_to_quota(double cpus, uint64_t period, int64_t *quota)
{
	double q;

	if (!isfinite(cpus) || cpus <= 0)
		return engine__error_set(ENGINE_EINVALID, 0, "cpus %g: must be a positive number", cpus);
	if (period == 0)
		period = 100000;
	q = cpus * (double)period;
	if (q > (double)INT64_MAX / 2)
		return engine__error_set(ENGINE_EINVALID, 0, "cpus %g: too large", cpus);
	*quota = (int64_t)(q + 0.5);
	if (*quota < 1000)
		*quota = 1000; /* the kernel's minimum quota is 1 ms */
	return 0;
}

/* Reject what no host accepts, so the driver only fails on host limits. */
int engine__cgroup_limits_validate(const engine__cgroup_limits *l)
{
	if (l->memory < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "memory limit %lld: negative",
					 (long long)l->memory);
	if (l->memory_swap < -1)
		return engine__error_set(ENGINE_EINVALID, 0, "memory+swap limit %lld: invalid",
					 (long long)l->memory_swap);
	if (l->memory_swap > 0 && l->memory == 0)
		return engine__error_set(ENGINE_EINVALID, 0, "memory+swap limit: needs a memory limit too");
	if (l->memory_swap > 0 && l->memory_swap < l->memory)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "memory+swap limit %lld: below the memory limit %lld",
					 (long long)l->memory_swap, (long long)l->memory);
	if (l->cpu_shares == 1 || l->cpu_shares > 262144)
		return engine__error_set(ENGINE_EINVALID, 0, "cpu shares %llu: outside [2, 262144]",
					 (unsigned long long)l->cpu_shares);
	if (l->cpu_period && (l->cpu_period < 1000 || l->cpu_period > 1000000))
		return engine__error_set(ENGINE_EINVALID, 0, "cpu period %llu us: outside [1000, 1000000]",
					 (unsigned long long)l->cpu_period);
	if (l->cpu_quota < 0 || (l->cpu_quota > 0 && l->cpu_quota < 1000))
		return engine__error_set(ENGINE_EINVALID, 0, "cpu quota %lld us: must be at least 1000",
					 (long long)l->cpu_quota);
	if (l->cpu_period && !l->cpu_quota)
		return engine__error_set(ENGINE_EINVALID, 0, "cpu period: needs a cpu quota");
	if (l->pids < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "pids limit %lld: negative", (long long)l->pids);
	if (l->minimal &&
	    (l->memory || l->memory_swap || l->cpu_shares || l->cpu_quota || l->cpu_period || l->pids ||
	     l->cpuset_cpus || l->cpuset_mems || l->devices_allow_all || l->oom_kill_disable))
		return engine__error_set(ENGINE_EINVALID, 0, "a minimal cgroup takes no limits");
	if ((l->cpuset_cpus && !*l->cpuset_cpus) || (l->cpuset_mems && !*l->cpuset_mems))
		return engine__error_set(ENGINE_EINVALID, 0, "cpuset: empty cpu or memory node list");
	return 0;
}

engine__cgroup *engine__cgroup_handle_new(cg_host *h, const char *id)
{
	engine__cgroup *cg = calloc(1, sizeof(*cg));

	if (!cg || !(cg->id = strdup(id)) || !(cg->name = strdup(id)) ||
	    !(cg->rel = engine__strdup_printf("%s/%s", h->parent, id))) {
		if (cg) {
			free(cg->id);
			free(cg->name);
		}
		free(cg);
		engine__error_oom();
		return NULL;
	}
	cg->host = h;
	cg->v2_fd = -1;
	cg->v2_base = h->v2_parent_fd;
	cg->v2_avail = h->v2_avail;
	cg->v2_has_kill = h->v2_has_kill;
	for (int c = 0; c < CG_V1_MAX; c++) {
		cg->v1_fd[c] = -1;
		cg->v1_base[c] = h->v1_parent_fd[c];
	}
	return cg;
}

void engine__cgroup_free(engine__cgroup *cg)
{
	if (!cg)
		return;
	if (cg->v2_fd >= 0)
		close(cg->v2_fd);
	free(cg->v2_path);
	for (int c = 0; c < CG_V1_MAX; c++) {
		if (cg->v1_fd[c] >= 0)
			close(cg->v1_fd[c]);
		if (cg->own_base && cg->v1_base[c] >= 0 && cg->host->v1_leader[c] == c)
			close(cg->v1_base[c]);
		free(cg->v1_path[c]);
	}
	if (cg->own_base && cg->v2_base >= 0)
		close(cg->v2_base);
	free(cg->id);
	free(cg->name);
	free(cg->rel);
	free(cg);
}

static int check_id(const char *id)
{
	if (!id || !engine__cgroup_valid_rel_path(id, false) || strlen(id) > 128)
		return engine__error_set(ENGINE_EINVALID, 0, "cgroup name \"%s\": invalid", id ? id : "");
	return 0;
}

/* Hybrid, an ephemeral container: the v1 hierarchies of its limits, and
 * the device policy as a minimal cgroup has it, the BPF program in its v2
 * cgroup (the kernel checks it whatever the v1 devices cgroup says), one
 * attach of the program loaded once instead of a v1 devices cgroup (a
 * mkdir, fourteen writes, an attach and an rmdir per run). ENGINE_ENOTSUP,
 * with nothing left made, where the kernel has no BPF device programs. */
static int v1_with_v2_devices(engine__cgroup *cg, const engine__cgroup_limits *limits)
{
	engine__cgroup_limits v1 = *limits, v2 = {.minimal = true,
						  .device_rules = limits->device_rules,
						  .n_device_rules = limits->n_device_rules};
	int r;

	v1.devices_allow_all = true; /* no v1 devices cgroup */
	r = engine__cgroup_v1_create(cg, &v1);
	if (r == 0 && (r = engine__cgroup_v2_create(cg, &v2)) < 0) {
		engine__error_saved saved;

		engine__error_save(&saved);
		engine__cgroup_v1_remove(cg);
		engine__error_restore(&saved);
		for (int c = 0; c < CG_V1_MAX; c++) {
			free(cg->v1_path[c]); /* made again by the fallback */
			cg->v1_path[c] = NULL;
		}
	}
	return r;
}

int engine__cgroup_create_in(cg_host *h, engine__cgroup *cg, const engine__cgroup_limits *limits)
{
	int r;

	/* Refuse before creating anything: no half-made cgroup to undo. */
	r = h->mode == ENGINE__CGROUP_UNIFIED ? engine__cgroup_v2_check(cg, limits)
					      : engine__cgroup_v1_check(h, limits);
	if (r < 0)
		return r;
	if (h->mode == ENGINE__CGROUP_UNIFIED) {
		r = engine__cgroup_v2_create(cg, limits);
	} else if (limits->minimal && cg->v2_base >= 0 &&
		   (r = engine__cgroup_v2_create(cg, limits)) != ENGINE_ENOTSUP) {
		/* Hybrid: the device program in the v2 cgroup is the whole
		 * policy; without BPF, fall back to the v1 devices cgroup. */
		cg->v2_only = true;
	} else if (!limits->ephemeral || limits->devices_allow_all || cg->v2_base < 0 || h->fake ||
		   (r = v1_with_v2_devices(cg, limits)) == ENGINE_ENOTSUP) {
		r = engine__cgroup_v1_create(cg, limits);
		/* Hybrid: a v2 cgroup too, without controllers. It costs one
		 * mkdir and one write on attach, and buys a race-free kill of
		 * the whole tree (cgroup.kill), a populated flag that needs no
		 * cgroup.procs parsing, and a cgroup namespace whose v2 root is
		 * the container's own cgroup rather than the host's root. */
		if (r == 0 && cg->v2_base >= 0 && (r = engine__cgroup_v2_create(cg, NULL)) < 0)
			engine__cgroup_v1_remove(cg);
	}
	return r;
}

int engine__cgroup_create(engine_context *ctx, const char *id, const engine__cgroup_limits *limits,
			  engine__cgroup **out)
{
	static const engine__cgroup_limits none;
	engine__cgroup *cg;
	cg_host *h;
	int r;

	if (!limits)
		limits = &none;
	if ((r = check_id(id)) < 0 || (r = engine__cgroup_limits_validate(limits)) < 0)
		return r;
	if ((r = engine__cgroup_host(ctx, true, &h)) < 0)
		return r;
	if (h->rootless_none)
		return engine__cgroup_rootless_none(h, id, limits, out) < 0
			   ? engine__error_wrap("cgroup %s", id)
			   : 0;
	cg = engine__cgroup_handle_new(h, id);
	if (!cg)
		return ENGINE_ENOMEM;
	r = engine__cgroup_create_in(h, cg, limits);
	if (r < 0) {
		engine__cgroup_free(cg);
		return engine__error_wrap("cgroup %s", id);
	}
	*out = cg;
	return 0;
}

int engine__cgroup_open(engine_context *ctx, const char *id, engine__cgroup **out)
{
	engine__cgroup *cg;
	cg_host *h;
	int r;

	if ((r = check_id(id)) < 0 || (r = engine__cgroup_host(ctx, true, &h)) < 0)
		return r;
	if (h->rootless_none)
		return engine__cgroup_rootless_none(h, id, NULL, out);
	cg = engine__cgroup_handle_new(h, id);
	if (!cg)
		return ENGINE_ENOMEM;
	r = h->mode == ENGINE__CGROUP_UNIFIED ? 0 : engine__cgroup_v1_open(cg);
	if (r == 0 && h->v2_parent_fd >= 0)
		r = engine__cgroup_v2_open(cg);
	if (r < 0) {
		engine__cgroup_free(cg);
		return engine__error_wrap("cgroup %s", id);
	}
	*out = cg;
	return 0;
}

int engine__cgroup_attach(engine__cgroup *cg, pid_t pid)
{
	int r = 0;

	if (pid <= 0)
		return engine__error_set(ENGINE_EINVALID, 0, "cgroup %s: attach pid %d: invalid", cg->id,
					 (int)pid);
	if (cg->none)
		return 0;
	if (cg->host->mode != ENGINE__CGROUP_UNIFIED)
		r = engine__cgroup_v1_attach(cg, pid);
	if (r == 0 && cg->v2_fd >= 0)
		r = engine__cgroup_v2_attach(cg, pid);
	return r < 0 ? engine__error_wrap("cgroup %s: attach pid %d", cg->id, (int)pid) : 0;
}

int engine__cgroup_fd(engine__cgroup *cg)
{
	return cg->host->mode == ENGINE__CGROUP_UNIFIED || cg->v2_only ? cg->v2_fd : -1;
}

int engine__cgroup_stats_read(engine__cgroup *cg, engine__cgroup_stats *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (cg->none)
		return engine__cgroup_rootless_unsupported(cg, "stats");
	r = cg->host->mode == ENGINE__CGROUP_UNIFIED ? engine__cgroup_v2_stats(cg, out)
						     : engine__cgroup_v1_stats(cg, out);
	return r < 0 ? engine__error_wrap("cgroup %s: stats", cg->id) : 0;
}

int engine__cgroup_io_devices(engine__cgroup *cg, engine__cgroup_io_dev *devs, size_t max, size_t *n)
{
	cleanup_free char *io = NULL;
	int r;

	*n = 0;
	if (cg->none)
		return engine__cgroup_rootless_unsupported(cg, "stats");
	r = cg->host->mode == ENGINE__CGROUP_UNIFIED ? engine__cgroup_v2_io_text(cg, &io)
						     : engine__cgroup_v1_io_text(cg, &io);
	if (r < 0)
		return engine__error_wrap("cgroup %s: block I/O", cg->id);
	*n = engine__cgroup_io_devices_parse(io, devs, max);
	return 0;
}

int engine__cgroup_freeze(engine__cgroup *cg, bool frozen)
{
	int r;

	/* Hybrid without a v1 freezer still has the v2 core freezer. */
	if (cg->none)
		return engine__cgroup_rootless_unsupported(cg, frozen ? "pause" : "unpause");
	if (cg->host->mode != ENGINE__CGROUP_UNIFIED && engine__cgroup_v1_has_freezer(cg))
		r = engine__cgroup_v1_freeze(cg, frozen);
	else if (cg->v2_fd >= 0)
		r = engine__cgroup_v2_freeze(cg, frozen);
	else
		r = engine__error_set(ENGINE_ENOTSUP, 0, "no freezer controller");
	return r < 0 ? engine__error_wrap("cgroup %s: %s", cg->id, frozen ? "freeze" : "thaw") : 0;
}

int engine__cgroup_kill(engine__cgroup *cg, int sig)
{
	int r;

	if (sig <= 0 || sig >= NSIG)
		return engine__error_set(ENGINE_EINVALID, 0, "cgroup %s: signal %d: invalid", cg->id, sig);
	/* Callers signal PID 1 too: its death ends the PID namespace. */
	if (cg->none)
		return engine__cgroup_rootless_unsupported(cg, "signal every process");
	/* Hybrid: cgroup.kill in the unified mount kills every task, forks in
	 * flight included, in one write; other signals need the freezer. */
	if (cg->host->mode == ENGINE__CGROUP_UNIFIED) {
		r = engine__cgroup_v2_kill(cg, sig);
	} else if (cg->v2_fd >= 0 && sig == SIGKILL && cg->v2_has_kill) {
		r = engine__cgroup_v2_kill(cg, sig);
		/* A task in the v1 freezer acts on SIGKILL only once thawed. */
		if (r == 0 && engine__cgroup_v1_has_freezer(cg))
			r = engine__cgroup_v1_freeze(cg, false);
	} else {
		r = engine__cgroup_v1_kill(cg, sig);
	}
	return r < 0 ? engine__error_wrap("cgroup %s: kill", cg->id) : 0;
}

bool engine__cgroup_populated(engine__cgroup *cg)
{
	engine__error_saved saved;
	int r;

	if (cg->none)
		return false;
	engine__error_save(&saved);
	r = cg->v2_fd >= 0 ? engine__cgroup_v2_populated(cg) : engine__cgroup_v1_populated(cg);
	engine__error_restore(&saved);
	return r != 0; /* an unreadable cgroup is assumed busy, never empty */
}

static uint64_t oom_kills(engine__cgroup *cg)
{
	return cg->host->mode == ENGINE__CGROUP_UNIFIED ? engine__cgroup_v2_oom_kills(cg)
							: engine__cgroup_v1_oom_kills(cg);
}

bool engine__cgroup_oom_killed(engine__cgroup *cg)
{
	if (cg->none)
		return false; /* no memory limit to hit */
	return oom_kills(cg) > cg->oom_base;
}

void engine__cgroup_oom_rebase(engine__cgroup *cg)
{
	if (!cg->none)
		cg->oom_base = oom_kills(cg);
}

bool engine__cgroup_limits_equal(const engine__cgroup_limits *a, const engine__cgroup_limits *b)
{
	if (a->memory != b->memory || a->memory_swap != b->memory_swap || a->cpu_shares != b->cpu_shares ||
	    a->cpu_quota != b->cpu_quota || a->cpu_period != b->cpu_period || a->pids != b->pids ||
	    !engine__str_eq_null(a->cpuset_cpus, b->cpuset_cpus) ||
	    !engine__str_eq_null(a->cpuset_mems, b->cpuset_mems) ||
	    a->devices_allow_all != b->devices_allow_all || a->oom_kill_disable != b->oom_kill_disable ||
	    a->minimal != b->minimal || a->ephemeral != b->ephemeral ||
	    a->n_device_rules != b->n_device_rules)
		return false;
	for (size_t i = 0; i < a->n_device_rules; i++) {
		const engine__cgroup_device_rule *x = &a->device_rules[i], *y = &b->device_rules[i];

		if (x->allow != y->allow || x->type != y->type || x->major != y->major ||
		    x->minor != y->minor || strcmp(x->access, y->access) != 0)
			return false;
	}
	return true;
}

int engine__cgroup_destroy(engine__cgroup *cg)
{
	int r = 0, r2;

	if (!cg)
		return 0;
	if (cg->none) {
		engine__cgroup_free(cg);
		return 0;
	}
	if (engine__cgroup_populated(cg))
		r = engine__cgroup_kill(cg, SIGKILL);
	if (cg->host->mode != ENGINE__CGROUP_UNIFIED && (r2 = engine__cgroup_v1_remove(cg)) < 0 && r == 0)
		r = r2;
	if (cg->v2_fd >= 0 && (r2 = engine__cgroup_v2_remove(cg)) < 0 && r == 0)
		r = r2;
	if (r < 0)
		engine__error_wrap("cgroup %s: destroy", cg->id);
	engine__cgroup_free(cg);
	return r;
}

int engine__cgroup_parent_remove(engine_context *ctx)
{
	cg_host *h;
	int r = engine__cgroup_host(ctx, false, &h), r2;

	if (r < 0)
		return r;
	if (h->rootless_none)
		return 0;
	pthread_mutex_lock(&h->lock);
	r = h->mode == ENGINE__CGROUP_UNIFIED ? 0 : engine__cgroup_v1_parent_remove(h);
	if (h->mode != ENGINE__CGROUP_LEGACY && (r2 = engine__cgroup_v2_parent_remove(h)) < 0 && r == 0)
		r = r2;
	__atomic_store_n(&h->parent_ready, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&h->lock);
	return r < 0 ? engine__error_wrap("cgroup parent %s", h->parent) : 0;
}

const char *engine__cgroup_path(engine__cgroup *cg, const char *controller)
{
	if (!controller)
		return cg->v2_path;
	for (int c = 0; c < CG_V1_MAX; c++)
		if (strcmp(controller, engine__cgroup_v1_names[c]) == 0)
			return cg->host->v1_leader[c] >= 0 ? cg->v1_path[cg->host->v1_leader[c]] : NULL;
	return NULL;
}

int engine__cgroup_procs(engine__cgroup *cg, char **out)
{
	int r;

	/* The v2 cgroup holds every task (hybrid hosts attach there too). */
	if (cg->none)
		return engine__cgroup_rootless_unsupported(cg, "list tasks");
	if (cg->v2_fd >= 0)
		r = engine__cgroup_read_all(cg->v2_fd, cg->v2_path, "cgroup.procs", out);
	else
		r = engine__error_set(ENGINE_ENOTFOUND, 0, "no cgroup to list tasks from");
	for (int c = 0; r == ENGINE_ENOTFOUND && c < CG_V1_MAX; c++)
		if (cg->v1_fd[c] >= 0)
			r = engine__cgroup_read_all(cg->v1_fd[c], cg->v1_path[c], "cgroup.procs", out);
	return r < 0 ? engine__error_wrap("cgroup %s: list tasks", cg->id) : 0;
}

int engine__cgroup_set_file(engine__cgroup *cg, const char *controller, const char *file, const char *value)
{
	int r;

	if (cg->none)
		return engine__cgroup_rootless_unsupported(cg, file);
	if (!controller) {
		if (cg->v2_fd < 0)
			return engine__error_set(ENGINE_ENOTSUP, 0, "%s: no cgroup v2 hierarchy on this host",
						 file);
		r = engine__cgroup_write(cg->v2_fd, cg->v2_path, file, value, cg->host->fake);
		return r < 0 ? engine__error_wrap("cgroup %s", cg->rel) : 0;
	}
	for (int c = 0; c < CG_V1_MAX; c++)
		if (strcmp(controller, engine__cgroup_v1_names[c]) == 0) {
			if (cg->host->mode == ENGINE__CGROUP_UNIFIED)
				break;
			r = engine__cgroup_v1_set_file(cg, c, file, value);
			return r < 0 ? engine__error_wrap("cgroup %s", cg->rel) : 0;
		}
	return engine__error_set(ENGINE_ENOTSUP, 0, "%s: no %s controller in cgroup v1 on this host", file,
				 controller);
}

engine__cgroup_mode engine__cgroup_handle_mode(engine__cgroup *cg)
{
	return cg->host->mode;
}
