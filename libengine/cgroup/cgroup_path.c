/*
 * cgroups at a path of the caller's (an OCI bundle's cgroupsPath): an
 * absolute path is taken below each hierarchy's root ("/docker/<id>", as
 * dockerd and containerd pass it), a relative one below the context's
 * parent cgroup ("engine"), never below the calling process's own cgroup.
 * An absolute path makes nothing outside it: not the context's parent.
 * The levels above the leaf are created when missing (on v2 with our
 * controllers enabled on the way down) and left in place on removal
 * (another container may share them); the leaf is the container's,
 * created and removed like any other.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup_internal.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/str.h"

/* cpuset: a new level has no cpus or mems, and no task can join below it
 * until they are set: copy them from the level above, and let the leaf
 * inherit them at mkdir (clone_children). */
static int cpuset_level(int above, int fd, const char *dir)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	char buf[4096];
	int r;

	for (int f = 0; f < 2; f++) {
		ssize_t n = engine__cgroup_read(fd, dir, files[f], buf, sizeof(buf));

		if (n < 0)
			return (int)n;
		if (n > 1)
			continue;
		n = engine__cgroup_read(above, dir, files[f], buf, sizeof(buf));
		if (n < 0)
			return (int)n;
		if ((r = engine__cgroup_write(fd, dir, files[f], buf, false)) < 0)
			return r;
	}
	return engine__cgroup_write(fd, dir, "cgroup.clone_children", "1", false);
}

/* An fd of the directory @rel (components separated by '/') below @root,
 * made when @create; *@fd is -1 when it does not exist and !@create. */
static int walk(int root, const char *root_path, const char *rel, bool create, bool cpuset, int *fd)
{
	cleanup_free char *copy = strdup(rel);
	cleanup_close int cur = -EBADF;
	char *save = NULL;
	int at = root, r;

	*fd = -1;
	if (!copy)
		return engine__error_oom();
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		bool made = create && mkdirat(at, c, 0755) == 0;
		int next;

		if (create && !made && errno != EEXIST)
			return engine__error_errno(errno, "cgroup %s/%s: mkdir", root_path, rel);
		next = engine__cgroup_open_dir(at, c);
		if (next < 0) {
			if (errno == ENOENT && !create)
				return 0;
			return engine__error_errno(errno, "cgroup %s/%s: open", root_path, rel);
		}
		if (made && cpuset && (r = cpuset_level(at, next, root_path)) < 0) {
			close(next);
			return r;
		}
		engine__closep(&cur);
		at = cur = next;
	}
	*fd = cur >= 0 ? steal_fd(cur) : fcntl(root, F_DUPFD_CLOEXEC, 3);
	return *fd < 0 ? engine__error_errno(errno, "cgroup %s: dup", root_path) : 0;
}

/* A handle for @path whose base directories exist (made when @create). */
static int handle_at(cg_host *h, const char *path, const char *id, bool create, engine__cgroup **out)
{
	cleanup_free char *rel = NULL, *dir = NULL;
	engine__cgroup *cg;
	const char *slash;
	int r;

	if (path[0] == '/') {
		while (*path == '/')
			path++;
		rel = strdup(path);
	} else {
		rel = engine__strdup_printf("%s/%s", h->parent, path);
	}
	if (!rel)
		return engine__error_oom();
	while (*rel && rel[strlen(rel) - 1] == '/')
		rel[strlen(rel) - 1] = '\0';
	if (!engine__cgroup_valid_rel_path(rel, true))
		return engine__error_set(ENGINE_EINVALID, 0, "cgroup path \"%s\": invalid", path);
	slash = strrchr(rel, '/');
	dir = slash ? strndup(rel, (size_t)(slash - rel)) : strdup("");
	cg = engine__cgroup_handle_new(h, id);
	if (!dir || !cg) {
		engine__cgroup_free(cg);
		return engine__error_oom();
	}
	free(cg->rel);
	free(cg->name);
	cg->rel = steal_ptr(rel);
	cg->name = strdup(slash ? slash + 1 : cg->rel);
	cg->own_base = true;
	cg->v2_base = -1;
	for (int c = 0; c < CG_V1_MAX; c++)
		cg->v1_base[c] = -1;
	if (!cg->name) {
		engine__cgroup_free(cg);
		return engine__error_oom();
	}
	for (int c = 0; c < CG_V1_MAX; c++) {
		if (h->v1_root_fd[c] < 0 || h->v1_leader[c] != c)
			continue;
		r = walk(h->v1_root_fd[c], h->v1_root[c], dir, create, c == CG_V1_CPUSET, &cg->v1_base[c]);
		if (r < 0) {
			engine__cgroup_free(cg);
			return r;
		}
	}
	for (int c = 0; c < CG_V1_MAX; c++)
		if (h->v1_leader[c] >= 0)
			cg->v1_base[c] = cg->v1_base[h->v1_leader[c]];
	/* Hybrid's v2 cgroup is an extra, without controllers: go without it
	 * where the unified mount is not ours to write. */
	if (h->v2_root_fd >= 0) {
		bool unified = h->mode == ENGINE__CGROUP_UNIFIED;

		r = engine__cgroup_v2_descend(h, dir, unified ? CG_V2_WANTED : 0, create, &cg->v2_base,
					      &cg->v2_avail);
		if (r < 0 && unified) {
			engine__cgroup_free(cg);
			return r;
		}
		if (r < 0)
			engine_error_clear();
	}
	*out = cg;
	return 0;
}

int engine__cgroup_create_path(engine_context *ctx, const char *path, const char *id,
			       const engine__cgroup_limits *limits, engine__cgroup **out)
{
	static const engine__cgroup_limits none;
	engine__cgroup *cg = NULL;
	cg_host *h;
	int r;

	if (!path || !*path)
		return engine__cgroup_create(ctx, id, limits, out);
	if (!limits)
		limits = &none;
	if ((r = engine__cgroup_limits_validate(limits)) < 0 ||
	    (r = engine__cgroup_host(ctx, path[0] != '/', &h)) < 0)
		return r;
	if (h->rootless_none)
		return engine__cgroup_rootless_none(h, id, limits, out) < 0
			   ? engine__error_wrap("cgroup %s", path)
			   : 0;
	if ((r = handle_at(h, path, id, true, &cg)) < 0)
		return engine__error_wrap("cgroup %s", path);
	r = engine__cgroup_create_in(h, cg, limits);
	if (r < 0) {
		engine__cgroup_free(cg);
		return engine__error_wrap("cgroup %s", path);
	}
	cg->v2_has_kill = cg->v2_fd >= 0 && faccessat(cg->v2_fd, "cgroup.kill", F_OK, 0) == 0;
	*out = cg;
	return 0;
}

int engine__cgroup_open_path(engine_context *ctx, const char *path, const char *id, engine__cgroup **out)
{
	engine__cgroup *cg = NULL;
	cg_host *h;
	int r;

	if (!path || !*path)
		return engine__cgroup_open(ctx, id, out);
	if ((r = engine__cgroup_host(ctx, path[0] != '/', &h)) < 0)
		return r;
	if (h->rootless_none)
		return engine__cgroup_rootless_none(h, id, NULL, out);
	if ((r = handle_at(h, path, id, false, &cg)) < 0)
		return engine__error_wrap("cgroup %s", path);
	/* A missing level above the leaf is a missing cgroup too. */
	r = h->mode == ENGINE__CGROUP_UNIFIED ? 0 : engine__cgroup_v1_open(cg);
	if (r == 0 && h->mode != ENGINE__CGROUP_LEGACY)
		r = engine__cgroup_v2_open(cg);
	if (r < 0) {
		engine__cgroup_free(cg);
		return engine__error_wrap("cgroup %s", path);
	}
	cg->v2_has_kill = cg->v2_fd >= 0 && faccessat(cg->v2_fd, "cgroup.kill", F_OK, 0) == 0;
	*out = cg;
	return 0;
}
