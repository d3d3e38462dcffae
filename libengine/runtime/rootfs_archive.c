/*
 * A container's files from the host: docker cp (both directions), the
 * archive API (get, put, stat of a path) and export. Every path inside the
 * container is resolved with chroot semantics from a directory fd of its
 * root (util/safepath.h), so a symlink the container made cannot point the
 * engine at a host file. Which root: a running container's own
 * (/proc/<pid>/root, its live view); a stopped one's overlay, mounted for
 * the call in a private mount namespace of a short-lived child process, so
 * nothing stays mounted on the host whatever happens (read-only with the
 * upper dir as the top lower layer, or read-write under the container's
 * lock for put). Export always takes the overlay (layers + writable layer,
 * no volumes or /proc), as docker export does.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "image/store.h"
#include "runtime/container_int.h"
#include "runtime/lifecycle.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/safepath.h"
#include "util/str.h"
#include "util/strv.h"

/* Which view of the container's files a call works on. */
enum { VIEW_LIVE, VIEW_LAYERS };

typedef int (*rootfs_fn)(engine_container *c, int rootfd, void *arg, char **payload);

/* What the child reports: an error, or the payload (the stat JSON). */
typedef struct report {
	int code, sys_errno;
	char message[1024];
	char payload[4096];
} report;

static int open_live_root(const engine__cstate *st)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)st->pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return engine__error_errno(errno, "open the container's root");
	/* The pid was not recycled between the state read and the open. */
	if (!engine__proc_alive(st->pid, st->pid_start)) {
		close(fd);
		return engine__error_set(ENGINE_EBUSY, 0, "the container stopped meanwhile");
	}
	return fd;
}

__attribute__((noreturn)) static void child_main(engine_container *c, const char *data, const char *cwd,
						 bool writable, rootfs_fn fn, void *arg, int report_fd)
{
	cleanup_free char *mnt = engine__path_join(c->dir, "rootfs");
	char *payload = NULL;
	report rep;
	int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), rootfd, r = 0;

	signal(SIGPIPE, SIG_IGN);
	memset(&rep, 0, sizeof(rep));
	if (!mnt)
		r = ENGINE_ENOMEM;
	else if (unshare(CLONE_NEWNS) < 0)
		r = engine__error_errno(errno, "unshare the mount namespace");
	else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		r = engine__error_errno(errno, "make the mounts private");
	else if (engine__mkdir_p(mnt, 0700) < 0)
		r = engine_error_last()->code;
	else if (cwd && chdir(cwd) < 0)
		r = engine__error_errno(errno, "chdir %s", cwd);
	else if (mount("overlay", mnt, "overlay", writable ? 0 : MS_RDONLY, data) < 0)
		r = engine__error_errno(errno, "mount overlay on %s", mnt);
	/* host paths given relative to the caller's cwd still mean the same */
	else if (here >= 0 && fchdir(here) < 0)
		r = engine__error_errno(errno, "chdir back");
	else if ((rootfd = open(mnt, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = engine__error_errno(errno, "open %s", mnt);
	else
		r = fn(c, rootfd, arg, &payload);
	if (r < 0) {
		rep.code = r;
		rep.sys_errno = engine_error_last()->sys_errno;
		snprintf(rep.message, sizeof(rep.message), "%s", engine_error_last()->message);
	} else if (payload) {
		snprintf(rep.payload, sizeof(rep.payload), "%s", payload);
	}
	if (write(report_fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(1);
	_exit(0);
}

/* Mount the overlay in a child of ours and run @fn there. */
static int with_overlay(engine_container *c, bool writable, rootfs_fn fn, void *arg, char **payload)
{
	cleanup_free char *data = NULL, *cwd = NULL;
	engine__cinfo ci;
	engine_spec tmp;
	const char *image_id;
	report rep;
	int fds[2], status, r;
	ssize_t n;
	pid_t pid;

	memset(&ci, 0, sizeof(ci));
	tmp = *c->spec;
	image_id = engine__json_get_string(c->config, "ImageID");
	if (image_id && *image_id)
		tmp.image = (char *)image_id;
	r = engine__cinfo_load_image(c->ctx, &tmp, &ci);
	if (r == 0)
		r = engine__overlay_options(ci.layers, c->dir, !writable, &data, &cwd);
	free(ci.dir);
	engine__strv_free(ci.layers);
	if (ci.config)
		json_object_put(ci.config);
	free(ci.image_id);
	if (r < 0)
		return r;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return engine__error_errno(errno, "create a pipe");
	pid = fork();
	if (pid < 0) {
		r = engine__error_errno(errno, "fork");
		close(fds[0]);
		close(fds[1]);
		return r;
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(c, data, cwd, writable, fn, arg, fds[1]);
	}
	close(fds[1]);
	do
		n = read(fds[0], &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(rep))
		return engine__error_set(ENGINE_ERROR, 0, "the helper process died (status %d)", status);
	if (rep.code < 0) {
		rep.message[sizeof(rep.message) - 1] = '\0';
		return engine__error_set(rep.code, rep.sys_errno, "%s", rep.message);
	}
	rep.payload[sizeof(rep.payload) - 1] = '\0';
	if (payload && rep.payload[0] && !(*payload = strdup(rep.payload)))
		return engine__error_oom();
	return 0;
}

/* Run @fn on a root fd of the container's files (see the file comment). */
static int with_rootfs(engine_container *c, int view, bool writable, rootfs_fn fn, void *arg, char **payload)
{
	cleanup_close int lock = -EBADF;
	engine__cstate st;
	int r;

	r = engine__state_read(c->dir, &st);
	if (r < 0)
		return r;
	engine__state_refresh(&st);
	if (view == VIEW_LIVE && strcmp(st.status, "running") == 0 && st.pid > 0) {
		cleanup_close int rootfd = open_live_root(&st);

		if (rootfd < 0)
			return rootfd;
		return fn(c, rootfd, arg, payload);
	}
	if (strcmp(st.status, "paused") == 0 && view == VIEW_LIVE)
		return engine__error_set(ENGINE_EBUSY, 0, "container %.12s is paused", c->id);
	/* A stopped container must not start under us (two overlays on one
	 * upper dir); a running one is only read (export). */
	if (strcmp(st.status, "running") != 0 && strcmp(st.status, "paused") != 0) {
		lock = engine__container_lock(c->ctx, c->id);
		if (lock < 0)
			return lock;
	} else if (writable) {
		return engine__error_set(ENGINE_EBUSY, 0, "container %.12s changed state", c->id);
	}
	return with_overlay(c, writable, fn, arg, payload);
}

/* --- paths inside the container ----------------------------------------- */

/* The name a path gets in an archive: its last component, "." for "/". */
static char *base_name(const char *path)
{
	size_t len = strlen(path);
	const char *b;

	while (len > 1 && path[len - 1] == '/')
		len--;
	b = path + len;
	while (b > path && b[-1] != '/')
		b--;
	if (len == 1 && path[0] == '/')
		return strdup(".");
	return strndup(b, (size_t)(path + len - b));
}

static bool ends_with_dot(const char *p)
{
	size_t n = strlen(p);

	return (n >= 2 && strcmp(p + n - 2, "/.") == 0) || strcmp(p, ".") == 0;
}

static bool ends_with_slash(const char *p)
{
	size_t n = strlen(p);

	return n > 0 && p[n - 1] == '/';
}

static int path_error(int neg, const char *path)
{
	if (neg == -ENOENT)
		return engine__error_set(ENGINE_ENOTFOUND, ENOENT, "no such file or directory: %s", path);
	if (neg == -ENOTDIR)
		return engine__error_set(ENGINE_EINVALID, ENOTDIR, "%s: not a directory", path);
	if (neg == -EXDEV)
		return engine__error_set(ENGINE_EPERM, EXDEV,
					 "%s: leads outside the container's root or across a mount", path);
	return engine__error_errno(-neg, "%s", path);
}

/* Open @path in the container as an O_PATH fd: a final symlink is itself
 * unless @follow, a trailing "/" or "/.". */
static int open_node(int rootfd, const char *path, bool follow)
{
	int fd;

	if (!*path || path[0] != '/')
		return engine__error_set(ENGINE_EINVALID, 0, "path \"%s\": not absolute", path);
	follow = follow || ends_with_slash(path) || ends_with_dot(path);
	fd = engine__open_in_root(rootfd, path, O_PATH | (follow ? 0 : O_NOFOLLOW));
	return fd < 0 ? path_error(fd, path) : fd;
}

/* Go's os.FileMode bits, as the archive API's stat carries them. */
static uint32_t go_mode(mode_t m)
{
	uint32_t g = m & 0777;

	if (S_ISDIR(m))
		g |= 1u << 31;
	else if (S_ISLNK(m))
		g |= 1u << 27;
	else if (S_ISFIFO(m))
		g |= 1u << 25;
	else if (S_ISSOCK(m))
		g |= 1u << 24;
	else if (S_ISBLK(m))
		g |= 1u << 26;
	else if (S_ISCHR(m))
		g |= (1u << 26) | (1u << 21);
	if (m & S_ISUID)
		g |= 1u << 23;
	if (m & S_ISGID)
		g |= 1u << 22;
	if (m & S_ISVTX)
		g |= 1u << 20;
	return g;
}

static int stat_json(int rootfd, const char *path, int fd, char **out)
{
	cleanup_json json_object *o = json_object_new_object();
	cleanup_free char *name = base_name(path), *target = NULL;
	struct stat st;
	char when[64];

	if (!o || !name)
		return engine__error_oom();
	if (fstat(fd, &st) < 0)
		return engine__error_errno(errno, "stat %s", path);
	engine__json_add_string(o, "name", strcmp(name, ".") == 0 ? "/" : name);
	json_object_object_add(o, "size", json_object_new_int64(st.st_size));
	json_object_object_add(o, "mode", json_object_new_int64(go_mode(st.st_mode)));
	engine__format_time(when, sizeof(when), (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec);
	engine__json_add_string(o, "mtime", when);
	if (S_ISLNK(st.st_mode)) {
		int r = engine__resolve_in_root(rootfd, path, &target);
		cleanup_free char *abs = NULL;

		if (r < 0)
			return path_error(r, path);
		abs = engine__strdup_printf("/%s", target);
		if (!abs)
			return ENGINE_ENOMEM;
		engine__json_add_string(o, "linkTarget", abs);
	} else {
		engine__json_add_string(o, "linkTarget", "");
	}
	*out = strdup(
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return *out ? 0 : engine__error_oom();
}

/* --- the archive API ---------------------------------------------------- */

struct get_arg {
	const char *path;
	int fd; /* where the tar goes, -1 for a stat only */
	bool want_stat;
};

static int do_get(engine_container *c, int rootfd, void *data, char **payload)
{
	struct get_arg *a = data;
	engine__tar_options o = {.skip_pseudo = true};
	cleanup_close int fd = open_node(rootfd, a->path, false);
	cleanup_free char *aname = ends_with_dot(a->path) ? strdup(".") : base_name(a->path);
	int r;

	(void)c;
	if (fd < 0)
		return fd;
	if (!aname)
		return engine__error_oom();
	if (a->want_stat && (r = stat_json(rootfd, a->path, fd, payload)) < 0)
		return r;
	return a->fd >= 0 ? engine__tar_write_tree(a->fd, fd, aname, &o) : 0;
}

ENGINE_EXTERN int engine_container_path_stat(engine_container *c, const char *path, char **json_out)
{
	struct get_arg a = {path, -1, true};
	char *payload = NULL;
	int r;

	if (!c || !path || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_path_stat: NULL argument");
	r = with_rootfs(c, VIEW_LIVE, false, do_get, &a, &payload);
	if (r < 0)
		return engine__error_wrap("container %.12s", c->id);
	*json_out = payload;
	return 0;
}

ENGINE_EXTERN int engine_container_archive_get(engine_container *c, const char *path, int fd, char **stat_out)
{
	struct get_arg a = {path, fd, stat_out != NULL};
	char *payload = NULL;
	int r;

	if (!c || !path || fd < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_archive_get: bad argument");
	r = with_rootfs(c, VIEW_LIVE, false, do_get, &a, &payload);
	if (r < 0) {
		free(payload);
		return engine__error_wrap("copy from container %.12s", c->id);
	}
	if (stat_out)
		*stat_out = payload;
	else
		free(payload);
	return 0;
}

struct put_arg {
	const char *path;
	int fd;
};

static int do_put(engine_container *c, int rootfd, void *data, char **payload)
{
	struct put_arg *a = data;
	cleanup_close int dfd = -EBADF;

	(void)payload;
	if (!*a->path || a->path[0] != '/')
		return engine__error_set(ENGINE_EINVALID, 0, "path \"%s\": not absolute", a->path);
	dfd = engine__open_in_root(rootfd, a->path, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return path_error(dfd, a->path);
	return engine__tar_extract(c->ctx, a->fd, dfd, false);
}

static int refuse_read_only(engine_container *c)
{
	if (c->spec->read_only)
		return engine__error_set(ENGINE_EPERM, 0, "container %.12s: its root filesystem is read-only",
					 c->id);
	return 0;
}

ENGINE_EXTERN int engine_container_archive_put(engine_container *c, const char *path, int fd)
{
	struct put_arg a = {path, fd};

	if (!c || !path || fd < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_archive_put: bad argument");
	if (refuse_read_only(c) < 0 || with_rootfs(c, VIEW_LIVE, true, do_put, &a, NULL) < 0)
		return engine__error_wrap("copy to container %.12s", c->id);
	return 0;
}

static int do_export(engine_container *c, int rootfd, void *data, char **payload)
{
	(void)c;
	(void)payload;
	return engine__tar_write_tree(*(int *)data, rootfd, "", NULL);
}

ENGINE_EXTERN int engine_container_export(engine_container *c, int fd)
{
	if (!c || fd < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_export: bad argument");
	if (with_rootfs(c, VIEW_LAYERS, false, do_export, &fd, NULL) < 0)
		return engine__error_wrap("export container %.12s", c->id);
	return 0;
}

/* --- docker cp: a tar stream from one tree into another ------------------- */

typedef struct producer {
	int node_fd, sock;
	const char *aname;
	engine__tar_options opts;
	engine__error_saved err;
	int r;
} producer;

static void *produce(void *data)
{
	producer *p = data;

	p->r = engine__tar_write_tree(p->sock, p->node_fd, p->aname, &p->opts);
	if (p->r < 0)
		engine__error_save(&p->err);
	shutdown(p->sock, SHUT_WR);
	return NULL;
}

/* Write the tree at @node_fd as @aname into the directory @dir_fd. */
static int pipe_tree(engine_context *ctx, int node_fd, const char *aname, const engine__tar_options *opts,
		     int dir_fd, bool no_chown)
{
	producer p = {.node_fd = node_fd, .aname = aname, .opts = *opts};
	pthread_t t;
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return engine__error_errno(errno, "socketpair");
	p.sock = sv[0];
	r = pthread_create(&t, NULL, produce, &p);
	if (r != 0) {
		close(sv[0]);
		close(sv[1]);
		return engine__error_errno(r, "start a thread");
	}
	r = engine__tar_extract(ctx, sv[1], dir_fd, no_chown);
	/* A failed extraction closes its end: the producer's send fails. */
	close(sv[1]);
	pthread_join(t, NULL);
	close(sv[0]);
	if (r == 0 && p.r < 0) {
		engine__error_restore(&p.err);
		r = p.r;
	}
	return r;
}

/* Where a copy lands, docker cp's rules: into an existing directory under
 * the source's name (its content only for "SRC/."), over an existing file,
 * or as a new entry named after the destination in its existing parent. */
typedef struct target {
	int dir_fd;
	char *aname;
} target;

static int place(int exists_fd, bool dst_is_dir, bool src_is_dir, const char *src, const char *dst,
		 int (*open_dir)(void *, const char *), void *ctx, target *t)
{
	cleanup_free char *parent = NULL;
	char *slash;

	if (exists_fd >= 0 && dst_is_dir) {
		t->aname = ends_with_dot(src) ? strdup("") : base_name(src);
		t->dir_fd = open_dir(ctx, dst);
		return t->aname ? t->dir_fd : engine__error_oom();
	}
	if (exists_fd >= 0 && src_is_dir)
		return engine__error_set(ENGINE_EINVALID, 0, "cannot copy a directory to a file: %s", dst);
	if (exists_fd < 0 && ends_with_slash(dst) && !src_is_dir)
		return engine__error_set(ENGINE_ENOTFOUND, ENOENT, "destination directory %s does not exist",
					 dst);
	parent = strdup(dst);
	if (!parent)
		return engine__error_oom();
	while (ends_with_slash(parent) && strlen(parent) > 1)
		parent[strlen(parent) - 1] = '\0';
	slash = strrchr(parent, '/');
	if (!slash)
		strcpy(parent, ".");
	else
		slash[slash == parent ? 1 : 0] = '\0';
	t->aname = base_name(dst);
	t->dir_fd = open_dir(ctx, parent);
	return t->aname ? t->dir_fd : engine__error_oom();
}

static int open_container_dir(void *rootfd, const char *path)
{
	int fd = engine__open_in_root(*(int *)rootfd, path, O_RDONLY | O_DIRECTORY);

	return fd < 0 ? path_error(fd, path) : fd;
}

static int open_host_dir(void *unused, const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	(void)unused;
	return fd < 0 ? path_error(-errno, path) : fd;
}

struct copy_arg {
	const char *src, *dst;
	int host_fd; /* copy_to: the host source (O_PATH) */
	int flags;
};

static int do_copy_to(engine_container *c, int rootfd, void *data, char **payload)
{
	struct copy_arg *a = data;
	engine__tar_options o = {.root_owner = !(a->flags & ENGINE_COPY_ARCHIVE)};
	cleanup_close int dst = engine__open_in_root(rootfd, a->dst, O_PATH);
	target t = {-1, NULL};
	struct stat s, d;
	int r;

	(void)payload;
	if (fstat(a->host_fd, &s) < 0)
		return engine__error_errno(errno, "stat %s", a->src);
	if (dst >= 0 && fstat(dst, &d) < 0)
		return engine__error_errno(errno, "stat %s", a->dst);
	if (dst < 0 && dst != -ENOENT)
		return path_error(dst, a->dst);
	r = place(dst, dst >= 0 && S_ISDIR(d.st_mode), S_ISDIR(s.st_mode), a->src, a->dst, open_container_dir,
		  &rootfd, &t);
	if (r >= 0)
		r = pipe_tree(c->ctx, a->host_fd, t.aname, &o, t.dir_fd, false);
	if (t.dir_fd >= 0)
		close(t.dir_fd);
	free(t.aname);
	return r;
}

ENGINE_EXTERN int engine_container_copy_to(engine_container *c, const char *host_src, const char *dst,
					   int flags)
{
	cleanup_close int fd = -EBADF;
	struct copy_arg a = {host_src, dst, -1, flags};

	if (!c || !host_src || !dst)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_copy_to: NULL argument");
	if (dst[0] != '/')
		return engine__error_set(ENGINE_EINVALID, 0, "destination \"%s\": not an absolute path", dst);
	fd = open(host_src,
		  O_PATH | O_CLOEXEC |
		      ((flags & ENGINE_COPY_FOLLOW_LINK) || ends_with_slash(host_src) ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return path_error(-errno, host_src);
	a.host_fd = fd;
	if (refuse_read_only(c) < 0 || with_rootfs(c, VIEW_LIVE, true, do_copy_to, &a, NULL) < 0)
		return engine__error_wrap("copy %s to container %.12s", host_src, c->id);
	return 0;
}

static int do_copy_from(engine_container *c, int rootfd, void *data, char **payload)
{
	struct copy_arg *a = data;
	engine__tar_options o = {.skip_pseudo = true};
	cleanup_close int src = open_node(rootfd, a->src, a->flags & ENGINE_COPY_FOLLOW_LINK);
	cleanup_close int dst = -EBADF;
	target t = {-1, NULL};
	struct stat s, d;
	int r;

	(void)payload;
	if (src < 0)
		return src;
	if (fstat(src, &s) < 0)
		return engine__error_errno(errno, "stat %s", a->src);
	dst = open(a->dst, O_PATH | O_CLOEXEC);
	if (dst < 0 && errno != ENOENT)
		return path_error(-errno, a->dst);
	if (dst >= 0 && fstat(dst, &d) < 0)
		return engine__error_errno(errno, "stat %s", a->dst);
	r = place(dst, dst >= 0 && S_ISDIR(d.st_mode), S_ISDIR(s.st_mode), a->src, a->dst, open_host_dir,
		  NULL, &t);
	/* What lands on the host belongs to the caller, as with docker cp. */
	if (r >= 0)
		r = pipe_tree(c->ctx, src, t.aname, &o, t.dir_fd, true);
	if (t.dir_fd >= 0)
		close(t.dir_fd);
	free(t.aname);
	return r;
}

ENGINE_EXTERN int engine_container_copy_from(engine_container *c, const char *src, const char *host_dst,
					     int flags)
{
	struct copy_arg a = {src, host_dst, -1, flags};

	if (!c || !src || !host_dst)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_copy_from: NULL argument");
	if (with_rootfs(c, VIEW_LIVE, false, do_copy_from, &a, NULL) < 0)
		return engine__error_wrap("copy %s from container %.12s", src, c->id);
	return 0;
}
