/*
 * Rootless cgroups. A caller that is not root may only use a cgroup v2
 * subtree delegated to it (systemd's Delegate=yes on user@UID.service: the
 * directory and its control files belong to the user), found from the
 * caller's own cgroup; containers then live under <that subtree>/<parent>
 * and the v2 driver drives them as on a unified host. Without one (a
 * legacy or hybrid host, whose controllers are v1's and root's, or no
 * delegation) a container has no cgroup at all: a run without limits
 * works, a limit is ENGINE_ENOTSUP naming why. Nothing is lost by the
 * missing device policy: in a user namespace mknod fails and a bound host
 * node opens only with the caller's own permissions.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup_internal.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

/* The caller's cgroup in the v2 hierarchy ("0::/path" of /proc/self/cgroup),
 * malloc'd, or NULL when it has none. */
static char *self_v2_path(void)
{
	cleanup_fclose FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		return strdup(line + 3);
	}
	return NULL;
}

static bool writable(const char *dir, const char *file)
{
	cleanup_free char *p = file ? engine__path_join(dir, file) : strdup(dir);

	return p && access(p, W_OK) == 0;
}

int engine__cgroup_rootless_find(const char *v2_mount, const char *self, char **base_out, char **why_out)
{
	cleanup_free char *rel = NULL, *base = NULL, *ctl = NULL, *controllers = NULL;
	char *slash;

	*base_out = *why_out = NULL;
	if (!v2_mount || !self || self[0] != '/') {
		*why_out =
		    v2_mount ? engine__strdup_printf("the caller is in no cgroup of %s", v2_mount)
			     : strdup("this host has no cgroup v2 hierarchy (its v1 controllers are root's)");
		return *why_out ? 0 : engine__error_oom();
	}
	/* The caller's cgroup holds the caller, so by the no-internal-process
	 * rule its children could get no controllers: containers go next to
	 * it, in its parent, which the delegation must cover. */
	if (!(rel = strdup(self)))
		return engine__error_oom();
	slash = strrchr(rel, '/');
	*(slash == rel ? slash + 1 : slash) = '\0';
	if (!(base = engine__strdup_printf("%s%s", v2_mount, strcmp(rel, "/") == 0 ? "" : rel)))
		return engine__error_oom();
	if (!writable(base, NULL) || !writable(base, "cgroup.subtree_control") ||
	    !writable(base, "cgroup.procs")) {
		*why_out = engine__strdup_printf("cgroup %s is not delegated to uid %u (no write access; "
						 "systemd delegates user@%u.service)",
						 base, (unsigned)geteuid(), (unsigned)geteuid());
		return *why_out ? 0 : engine__error_oom();
	}
	ctl = engine__path_join(base, "cgroup.controllers");
	if (!ctl)
		return engine__error_oom();
	if (engine__read_file(ctl, &controllers, NULL) < 0) {
		*why_out = engine__strdup_printf("cgroup %s: %s", base, engine_error_last()->message);
		engine_error_clear();
		return *why_out ? 0 : engine__error_oom();
	}
	if (!controllers[strspn(controllers, " \n")]) {
		*why_out = engine__strdup_printf("cgroup %s is delegated but offers no controllers "
						 "(on a hybrid host they are all v1's)",
						 base);
		return *why_out ? 0 : engine__error_oom();
	}
	*base_out = steal_ptr(base);
	return 0;
}

int engine__cgroup_rootless_detect(cg_host *h, const char *v2_mount)
{
	cleanup_free char *self = self_v2_path(), *base = NULL;
	int r;

	free(h->rootless_why);
	h->rootless_why = NULL;
	r = engine__cgroup_rootless_find(v2_mount, self, &base, &h->rootless_why);
	if (r < 0)
		return r;
	if (!base) {
		h->rootless_none = true;
		return 0;
	}
	/* The delegated subtree is the hierarchy as far as we are concerned. */
	h->rootless_none = false;
	h->mode = ENGINE__CGROUP_UNIFIED;
	free(h->v2_root);
	h->v2_root = steal_ptr(base);
	return engine__cgroup_v2_host_init(h);
}

/* The first limit in @l, by the name a user gave it, or NULL. */
static const char *first_limit(const engine__cgroup_limits *l)
{
	if (l->memory || l->memory_swap > 0)
		return "memory limit";
	if (l->cpu_shares)
		return "cpu shares";
	if (l->cpu_quota)
		return "cpu quota";
	if (l->cpuset_cpus || l->cpuset_mems)
		return "cpuset";
	if (l->pids)
		return "pids limit";
	if (l->oom_kill_disable)
		return "oom kill disable";
	return NULL;
}

int engine__cgroup_rootless_none(cg_host *h, const char *id, const engine__cgroup_limits *limits,
				 engine__cgroup **out)
{
	const char *limit = limits ? first_limit(limits) : NULL;
	engine__cgroup *cg;

	if (limit)
		return engine__error_set(
		    ENGINE_ENOTSUP, 0, "%s: running rootless without a cgroup: %s", limit,
		    h->rootless_why ? h->rootless_why : "no delegated cgroup v2 subtree");
	cg = engine__cgroup_handle_new(h, id);
	if (!cg)
		return ENGINE_ENOMEM;
	cg->none = true;
	*out = cg;
	return 0;
}

int engine__cgroup_rootless_unsupported(engine__cgroup *cg, const char *what)
{
	return engine__error_set(ENGINE_ENOTSUP, 0, "%s: running rootless without a cgroup: %s", what,
				 cg->host->rootless_why ? cg->host->rootless_why
							: "no delegated cgroup v2 subtree");
}
