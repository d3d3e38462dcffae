/*
 * The smaller security defaults: no_new_privs, rlimits (Docker's --ulimit
 * syntax), and Docker's masked and read-only /proc and /sys paths.
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "core/error.h"
#include "runtime/security.h"
#include "util/cleanup.h"
#include "util/strv.h"

int engine__no_new_privs_apply(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) < 0)
		return -errno;
	return 0;
}

/* The names docker/go-units ParseUlimit accepts. */
static const struct {
	const char *name;
	int resource;
} ulimits[] = {
    {"core", RLIMIT_CORE},	   {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},	   {"fsize", RLIMIT_FSIZE},
    {"locks", RLIMIT_LOCKS},	   {"memlock", RLIMIT_MEMLOCK},
    {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},	   {"nproc", RLIMIT_NPROC},
    {"rss", RLIMIT_RSS},	   {"rtprio", RLIMIT_RTPRIO},
    {"rttime", RLIMIT_RTTIME},	   {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

static int parse_limit(const char *spec, const char *s, size_t len, rlim_t *out)
{
	char buf[32], *end;
	long long v;

	if (len == 0 || len >= sizeof(buf))
		return engine__error_set(ENGINE_EINVALID, 0, "ulimit \"%s\": invalid limit \"%.*s\"", spec,
					 (int)len, s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strcmp(buf, "unlimited") == 0 || strcmp(buf, "-1") == 0) {
		*out = RLIM_INFINITY;
		return 0;
	}
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || *end || v < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "ulimit \"%s\": invalid limit \"%s\"", spec,
					 buf);
	*out = (rlim_t)v;
	return 0;
}

int engine__rlimit_parse(const char *s, engine__rlimit *out)
{
	const char *eq, *colon;
	size_t nlen;
	int resource = -1;
	rlim_t soft, hard;
	int r;

	if (!s)
		return engine__error_set(ENGINE_EINVALID, 0, "ulimit: NULL");
	eq = strchr(s, '=');
	if (!eq)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "ulimit \"%s\": invalid format, expected name=soft[:hard]", s);
	nlen = (size_t)(eq - s);
	for (size_t i = 0; i < sizeof(ulimits) / sizeof(ulimits[0]); i++)
		if (strlen(ulimits[i].name) == nlen && strncmp(ulimits[i].name, s, nlen) == 0)
			resource = ulimits[i].resource;
	if (resource < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "ulimit \"%s\": invalid ulimit type \"%.*s\"", s,
					 (int)nlen, s);

	colon = strchr(eq + 1, ':');
	r = parse_limit(s, eq + 1, colon ? (size_t)(colon - eq - 1) : strlen(eq + 1), &soft);
	if (r < 0)
		return r;
	hard = soft;
	if (colon) {
		if (strchr(colon + 1, ':'))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "ulimit \"%s\": too many limit value arguments", s);
		r = parse_limit(s, colon + 1, strlen(colon + 1), &hard);
		if (r < 0)
			return r;
	}
	/* RLIM_INFINITY is the largest value, so this also catches soft=-1. */
	if (soft > hard)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "ulimit \"%s\": soft limit must be less than or equal to hard limit",
					 s);
	out->resource = resource;
	out->limit.rlim_cur = soft;
	out->limit.rlim_max = hard;
	return 0;
}

int engine__rlimits_apply(const engine__rlimit *limits, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (setrlimit(limits[i].resource, &limits[i].limit) < 0)
			return -errno;
	return 0;
}

/* moby daemon/pkg/oci/defaults.go (DefaultLinuxSpec). */
static const char *const masked_paths[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    NULL,
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

const char *const *engine__masked_paths(void)
{
	return masked_paths;
}

const char *const *engine__readonly_paths(void)
{
	return readonly_paths;
}

int engine__masked_paths_host(char ***out)
{
	cleanup_strv char **paths = engine__strv_dup((char *const *)masked_paths);
	glob_t g;
	int r = 0, gr;

	if (!paths)
		return ENGINE_ENOMEM;
	/* moby masks each CPU's thermal_throttle directory that exists
	 * (GHSA-6fw5-f8r9-fgfm): they leak host activity. */
	gr = glob("/sys/devices/system/cpu/cpu[0-9]*/thermal_throttle", GLOB_NOSORT, NULL, &g);
	if (gr == GLOB_NOSPACE)
		return engine__error_oom();
	for (size_t i = 0; gr == 0 && i < g.gl_pathc && r == 0; i++)
		r = engine__strv_push(&paths, g.gl_pathv[i]);
	if (gr == 0)
		globfree(&g);
	if (r < 0)
		return r;
	*out = steal_ptr(paths);
	return 0;
}
