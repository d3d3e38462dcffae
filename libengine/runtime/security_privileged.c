/*
 * docker run --privileged: what the flag grants, gathered in one place so
 * it can be read (and reviewed) at once. The plan gets every capability,
 * no seccomp filter, no masked or read-only /proc and /sys paths, a
 * writable /sys, and a node for each of the host's devices; the cgroup
 * lets every device through. The host's devices are listed here, in the
 * parent, as runc's HostDevices does: /dev walked without pts, shm, fd,
 * mqueue and the console, symlinks skipped.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "runtime/runtime.h"
#include "util/str.h"

static bool skipped(const char *name)
{
	static const char *const names[] = {"pts", "shm",    ".lxc",	".lxd-mounts", ".udev",
					    "fd",  "mqueue", "console", "ptmx",	       NULL};

	for (size_t i = 0; names[i]; i++)
		if (!strcmp(name, names[i]))
			return true;
	return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

static int walk(const char *dir, int depth, engine__host_device **devs, size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int r = 0;

	if (!d)
		return errno == ENOENT || errno == EACCES ? 0 : engine__error_errno(errno, "open %s", dir);
	while (r == 0 && (e = readdir(d))) {
		char *path;
		struct stat st;

		if (skipped(e->d_name))
			continue;
		path = engine__strdup_printf("%s/%s", dir, e->d_name);
		if (!path) {
			r = engine__error_oom();
			break;
		}
		if (lstat(path, &st) < 0 || S_ISLNK(st.st_mode)) {
			free(path);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (depth < 8)
				r = walk(path, depth + 1, devs, n, cap);
			free(path);
			continue;
		}
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
			free(path);
			continue;
		}
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 64;
			engine__host_device *g = realloc(*devs, c * sizeof(*g));

			if (!g) {
				free(path);
				r = engine__error_oom();
				break;
			}
			*devs = g;
			*cap = c;
		}
		(*devs)[(*n)++] = (engine__host_device){path, st.st_mode, st.st_rdev, st.st_uid, st.st_gid};
	}
	closedir(d);
	return r;
}

void engine__host_devices_free(engine__host_device *devs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(devs[i].path);
	free(devs);
}

int engine__plan_privileged(engine__plan *p)
{
	size_t cap = 0;
	int r;

	if (p->rootless)
		return engine__error_set(
		    ENGINE_ENOTSUP, 0,
		    "--privileged: a rootless engine cannot give a container the host's devices");
	p->masked = NULL;
	p->readonly = NULL;
	p->sys_rw = true;
	r = walk("/dev", 0, &p->host_devices, &p->n_host_devices, &cap);
	if (r < 0) {
		engine__host_devices_free(p->host_devices, p->n_host_devices);
		p->host_devices = NULL;
		p->n_host_devices = 0;
	}
	return r;
}
