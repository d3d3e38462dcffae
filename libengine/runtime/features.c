/*
 * Feature discovery: what this host and this build let a context do, so
 * bindings and callers can check before they ask (engine_has_feature,
 * engine_context_has_feature). Each answer comes from probing the host, on
 * first question, then cached: per context (the cgroup answers follow the
 * context's own cgroup root), or once per process for the context-free
 * call. Loading a lazily loaded back end (libarchive, libcurl) happens only
 * when a feature that needs it is asked about.
 */
#include "config.h"

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <engine.h>

#include "backend/archive_lib.h"
#include "backend/backend.h"
#include "cgroup/cgroup.h"
#include "core/context.h"
#include "core/error.h"

enum feature {
	F_SECCOMP,
	F_OVERLAY,
	F_CGROUP_V1,
	F_CGROUP_V2,
	F_USERNS,
	F_GZIP,
	F_ZSTD,
	F_REGISTRY,
	F_BUILD,
	F_ROOTLESS,
	F_MAX
};

/* The names include/engine/common.h lists; keep the two in step. */
static const char *const feature_names[F_MAX] = {
    [F_SECCOMP] = "seccomp",	 [F_OVERLAY] = "overlay",	 [F_CGROUP_V1] = "cgroup-v1",
    [F_CGROUP_V2] = "cgroup-v2", [F_USERNS] = "user-namespaces", [F_GZIP] = "gzip",
    [F_ZSTD] = "zstd",		 [F_REGISTRY] = "registry",	 [F_BUILD] = "build",
    [F_ROOTLESS] = "rootless",
};

/* Per feature: 0 not probed yet, 1 yes, -1 no. Probing twice at once is
 * harmless (same answer), so plain atomics suffice. */
typedef struct feature_cache {
	int state[F_MAX];
} feature_cache;

/* A number from a /proc file, or @missing when the file does not exist. */
static long read_long(const char *path, long missing)
{
	FILE *f = fopen(path, "re");
	long v = missing;

	if (!f)
		return missing;
	if (fscanf(f, "%ld", &v) != 1)
		v = missing;
	fclose(f);
	return v;
}

/* Filter mode with SECCOMP_RET_ERRNO, what every profile needs. */
static bool probe_seccomp(void)
{
	uint32_t action = SECCOMP_RET_ERRNO;

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
		return false; /* a kernel without CONFIG_SECCOMP */
	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

/* Registered, loaded as a module, or there to be loaded on first mount. */
static bool probe_overlay(void)
{
	FILE *f = fopen("/proc/filesystems", "re");
	char line[128];
	struct utsname u;
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strcmp(line, "nodev\toverlay\n") == 0 || strcmp(line, "\toverlay\n") == 0;
	if (f)
		fclose(f);
	if (found || access("/sys/module/overlay", F_OK) == 0)
		return true;
	if (uname(&u) == 0) {
		char path[512];

		snprintf(path, sizeof(path), "/lib/modules/%s/kernel/fs/overlayfs", u.release);
		return access(path, F_OK) == 0;
	}
	return false;
}

/* The kernel has them, allows them, and lets this process make one. */
static bool probe_userns(void)
{
	if (access("/proc/self/ns/user", F_OK) != 0)
		return false;
	if (read_long("/proc/sys/user/max_user_namespaces", 1) <= 0)
		return false;
	if (geteuid() == 0)
		return true;
	/* Debian's switch, and Ubuntu's AppArmor restriction, for the unprivileged. */
	return read_long("/proc/sys/kernel/unprivileged_userns_clone", 1) != 0 &&
	       read_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", 0) == 0;
}

/* libarchive loads and reads the filter itself (not through an external program). */
static bool probe_archive_filter(int (*support)(struct archive *))
{
	struct archive *a;
	int r;

	if (engine__backend_require(&engine__backend_archive) < 0)
		return false;
	a = archive_read_new();
	if (!a)
		return false;
	r = support(a);
	archive_read_free(a);
	return r == ARCHIVE_OK;
}

static bool probe_cgroup(engine_context *ctx, enum feature f)
{
	engine__cgroup_mode m;
	int r = ctx ? engine__cgroup_mode_get(ctx, &m) : engine__cgroup_detect(NULL, &m);

	if (r < 0)
		return false;
	return f == F_CGROUP_V1 ? m != ENGINE__CGROUP_UNIFIED : m != ENGINE__CGROUP_LEGACY;
}

static bool probe(engine_context *ctx, enum feature f)
{
	switch (f) {
	case F_SECCOMP:
		return probe_seccomp();
	case F_OVERLAY:
		return probe_overlay();
	case F_CGROUP_V1:
	case F_CGROUP_V2:
		return probe_cgroup(ctx, f);
	case F_USERNS:
		return probe_userns();
	case F_GZIP:
		return probe_archive_filter(archive_read_support_filter_gzip);
	case F_ZSTD:
		return probe_archive_filter(archive_read_support_filter_zstd);
	case F_REGISTRY:
		return engine__backend_require(&engine__backend_curl) == 0;
	case F_BUILD:
		return true;
	case F_ROOTLESS:
		/* The context's opener (or this process) is not root, and the
		 * user namespace every container then needs can be made. */
		return (ctx ? engine__context_rootless(ctx) : geteuid() != 0) && probe_userns();
	case F_MAX:
		break;
	}
	return false;
}

static int lookup(const char *name)
{
	for (int i = 0; name && i < F_MAX; i++)
		if (strcmp(feature_names[i], name) == 0)
			return i;
	return -1;
}

/* The cached answer for @f, probing on first use. A probe never changes
 * the caller's last error: asking is not failing. */
static int answer(feature_cache *c, engine_context *ctx, enum feature f)
{
	int s = __atomic_load_n(&c->state[f], __ATOMIC_ACQUIRE);

	if (s == 0) {
		engine__error_saved saved;

		engine__error_save(&saved);
		s = probe(ctx, f) ? 1 : -1;
		engine__error_restore(&saved);
		__atomic_store_n(&c->state[f], s, __ATOMIC_RELEASE);
	}
	return s > 0;
}

static void *cache_new(engine_context *ctx)
{
	(void)ctx;
	return calloc(1, sizeof(feature_cache));
}

ENGINE_EXTERN int engine_has_feature(const char *name)
{
	static feature_cache process_cache;
	int f = lookup(name);

	return f < 0 ? 0 : answer(&process_cache, NULL, (enum feature)f);
}

ENGINE_EXTERN int engine_context_has_feature(engine_context *ctx, const char *name)
{
	int f = lookup(name);
	feature_cache *c;

	if (!ctx || f < 0)
		return 0;
	c = engine__context_ext(ctx, ENGINE__EXT_FEATURES, cache_new, free);
	if (!c) {
		engine_error_clear();
		return answer(&(feature_cache){{0}}, ctx, (enum feature)f);
	}
	return answer(c, ctx, (enum feature)f);
}
