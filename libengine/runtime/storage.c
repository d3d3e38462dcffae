/*
 * The size of a container's writable layer. A tmpfs layer (engine_run,
 * or --storage-opt type=tmpfs) always gets a size= option: the spec's, the
 * config's, or a share of RAM, since a tmpfs without one may take half of
 * it whatever the container's memory limit. An on-disk layer with
 * --storage-opt size= is capped by a project quota on its directories
 * (docker's overlay2 on xfs does the same); where the filesystem has no
 * project quotas that is refused, not silently ignored.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/quota.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/str.h"

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif
#ifndef PRJQUOTA
#define PRJQUOTA 2
#endif

/* Without configuration a tmpfs writable layer may use this share of RAM. */
#define DEFAULT_TMPFS_PERCENT 25

ENGINE_EXTERN int engine_spec_add_storage_opt(engine_spec *s, const char *option)
{
	const char *eq = option ? strchr(option, '=') : NULL;
	int64_t size;

	if (!s || !option)
		return engine__error_set(ENGINE_EINVALID, 0, "storage option: NULL argument");
	if (!eq)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid storage option \"%s\": not KEY=VALUE",
					 option);
	if (strncmp(option, "size=", 5) == 0) {
		if (engine__parse_size(eq + 1, &size) < 0 || size <= 0)
			return engine__error_set(
			    ENGINE_EINVALID, 0, "invalid storage option \"%s\": size must be a positive size",
			    option);
		s->storage_size = size;
		return 0;
	}
	if (strncmp(option, "type=", 5) == 0) {
		if (strcmp(eq + 1, "tmpfs") != 0 && strcmp(eq + 1, "overlay") != 0)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "invalid storage option \"%s\": type is tmpfs or overlay",
						 option);
		s->storage_tmpfs = strcmp(eq + 1, "tmpfs") == 0;
		return 0;
	}
	return engine__error_set(ENGINE_EINVALID, 0, "unknown storage option \"%.*s\" (size, type)",
				 (int)(eq - option), option);
}

static uint64_t ram_bytes(void)
{
	struct sysinfo si;

	if (sysinfo(&si) < 0)
		return 0;
	return (uint64_t)si.totalram * si.mem_unit;
}

int engine__storage_tmpfs_size(engine_context *ctx, const engine_spec *spec, uint64_t *out)
{
	json_object *v = engine__context_config(ctx, "writable-layer-tmpfs-size");
	uint64_t ram = ram_bytes(), size = ram / 100 * DEFAULT_TMPFS_PERCENT;

	if (spec->storage_size > 0) {
		size = (uint64_t)spec->storage_size;
	} else if (v) {
		/* The config is shared by threads: get_string of a non-string
		 * would write its text into the object (json-c caches it). */
		const char *str = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
		size_t n = str ? strlen(str) : 0;
		int64_t parsed = 0;
		char *end = NULL;

		if (json_object_is_type(v, json_type_int)) {
			parsed = json_object_get_int64(v);
		} else if (n > 1 && str[n - 1] == '%') {
			long pct = strtol(str, &end, 10);

			if (end != str + n - 1 || pct <= 0 || pct > 100)
				parsed = -1;
			else
				parsed = (int64_t)(ram / 100 * (uint64_t)pct);
		} else if (!json_object_is_type(v, json_type_string) ||
			   engine__parse_size(str, &parsed) < 0) {
			parsed = -1;
		}
		if (parsed <= 0 && !str)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "config writable-layer-tmpfs-size: expected a size or a "
						 "percentage of RAM, got %s",
						 json_type_to_name(json_object_get_type(v)));
		if (parsed <= 0)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "config writable-layer-tmpfs-size \"%s\": not a size or a "
						 "percentage of RAM",
						 str);
		size = (uint64_t)parsed;
	}
	/* size=0 would mean "no limit" to tmpfs. */
	*out = size ? size : 1 << 20;
	return 0;
}

/* A project ID per container, from its directory's name (the container
 * ID): kept in a range of its own, away from small hand-made IDs. */
static uint32_t project_id(const char *upper)
{
	uint32_t h = 2166136261u;

	for (const char *p = upper; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return 0x45000000u | (h & 0x00ffffffu);
}

static int set_project(const char *dir, uint32_t id)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct fsxattr fa;

	if (fd < 0 || ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
		return -errno;
	fa.fsx_projid = id;
	fa.fsx_xflags |= FS_XFLAG_PROJINHERIT;
	return ioctl(fd, FS_IOC_FSSETXATTR, &fa) < 0 ? -errno : 0;
}

static int quota_fail(int e, const char *upper)
{
	if (e == EOPNOTSUPP || e == ENOTTY || e == ENOSYS || e == ESRCH || e == EINVAL)
		return engine__error_set(
		    ENGINE_ENOTSUP, e,
		    "--storage-opt size: the filesystem of %s has no project quotas "
		    "(xfs with pquota or ext4 with prjquota); use --storage-opt type=tmpfs",
		    upper);
	return engine__error_errno(e, "--storage-opt size: project quota on %s", upper);
}

int engine__storage_quota_apply(const engine_spec *spec, const char *upper, const char *work)
{
	cleanup_close int fd = -EBADF;
	uint32_t id = project_id(upper);
	struct dqblk dq;
	int r;

	if (spec->storage_size <= 0 || spec->storage_tmpfs)
		return 0;
	if ((r = set_project(upper, id)) < 0 || (r = set_project(work, id)) < 0)
		return quota_fail(-r, upper);
	fd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return engine__error_errno(errno, "open %s", upper);
	memset(&dq, 0, sizeof(dq));
	/* In 1 KiB blocks, rounded up. */
	dq.dqb_bhardlimit = dq.dqb_bsoftlimit = ((uint64_t)spec->storage_size + 1023) / 1024;
	dq.dqb_valid = QIF_BLIMITS;
	if (syscall(SYS_quotactl_fd, fd, QCMD(Q_SETQUOTA, PRJQUOTA), id, &dq) < 0)
		return quota_fail(errno, upper);
	return 0;
}
