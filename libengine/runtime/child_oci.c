/*
 * The cloned child of an OCI bundle's container, from its release to the
 * cgroup namespace: the bundle's rootfs bound onto itself, config.json's
 * mounts in order (every type, flags, propagation, recursive attributes),
 * the cgroup mount, device nodes, the parent's hooks right before
 * pivot_root, then read-only root, sysctls, masked and read-only paths,
 * domain name, OOM score, personality, keyring, time namespace and LSM
 * labels. Like child.c: system calls only, on what the parent prepared
 * (engine__plan_oci); failures go back over the error pipe.
 *
 * Every path inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT)
 * from the rootfs, so a symlink in the bundle's tree cannot send a mount
 * or a mknod to the host; mounts then target the resolved fd through
 * /proc/self/fd (the host's /proc: this runs before pivot_root).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/runtime.h"

#define FAIL(what, arg) engine__child_fail(err_fd, errno, 0, what, arg)

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static void fd_path(char buf[32], int fd)
{
	char digits[12];
	size_t n = 0, k;

	memcpy(buf, "/proc/self/fd/", 15);
	k = 14;
	do
		digits[n++] = (char)('0' + fd % 10);
	while ((fd /= 10) && n < sizeof(digits));
	while (n)
		buf[k++] = digits[--n];
	buf[k] = '\0';
}

static int open_in_root(int root, const char *path, int flags)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_CLOEXEC);
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

/* The directory of @path (in the rootfs), made when missing: each
 * component resolved inside the root, mkdirat where it is absent. */
static int mkdirs_in_root(int root, const char *path, bool parent_only)
{
	char buf[4096];
	size_t len = strlen(path);
	int fd = -1;

	if (len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	if (parent_only) {
		char *slash = strrchr(buf, '/');

		if (slash)
			*slash = '\0';
		else
			buf[0] = '\0';
	}
	for (char *p = buf;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (p != buf) {
				if (fd >= 0)
					close(fd);
				fd = open_in_root(root, buf, O_PATH | O_DIRECTORY);
				if (fd < 0 && errno == ENOENT) {
					char *name = strrchr(buf, '/');
					int parent;

					/* The parent resolved inside the root just before. */
					if (name) {
						*name = '\0';
						parent = open_in_root(root, buf[0] ? buf : "/",
								      O_PATH | O_DIRECTORY);
						*name = '/';
						name++;
					} else {
						parent = open_in_root(root, "/", O_PATH | O_DIRECTORY);
						name = buf;
					}
					if (parent < 0)
						return -1;
					if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST) {
						close(parent);
						return -1;
					}
					close(parent);
					fd = open_in_root(root, buf, O_PATH | O_DIRECTORY);
				}
				if (fd < 0)
					return -1;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	return fd >= 0 ? fd : open_in_root(root, "/", O_PATH | O_DIRECTORY);
}

/* The mount point for @dst: a directory, or a file when @file (a bind of
 * a file); an O_PATH fd of it. */
static int mountpoint(int err_fd, int root, const char *dst, bool file)
{
	int fd = open_in_root(root, dst, O_PATH), dir;
	const char *name;

	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		FAIL("resolve mount destination", dst);
	if (!file) {
		fd = mkdirs_in_root(root, dst, false);
		if (fd < 0)
			FAIL("mkdir mount destination", dst);
		return fd;
	}
	dir = mkdirs_in_root(root, dst, true);
	if (dir < 0)
		FAIL("mkdir for mount destination", dst);
	name = strrchr(dst, '/');
	name = name ? name + 1 : dst;
	{
		char path[32];
		int created;

		fd_path(path, dir);
		/* O_PATH cannot create: reopen the resolved directory. */
		int d = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (d < 0)
			FAIL("open for mount destination", dst);
		created = openat(d, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (created < 0 && errno != EEXIST)
			FAIL("create mount destination", dst);
		if (created >= 0)
			close(created);
		close(d);
	}
	close(dir);
	fd = open_in_root(root, dst, O_PATH);
	if (fd < 0)
		FAIL("resolve mount destination", dst);
	return fd;
}

/* Re-resolve @dst after a mount went on it: the new fd is the mount's root. */
static int remount_target(int err_fd, int root, const char *dst, char path[32])
{
	int fd = open_in_root(root, dst, O_PATH);

	if (fd < 0)
		FAIL("resolve mount", dst);
	fd_path(path, fd);
	return fd;
}

static void finish_mount(int err_fd, int root, const engine__oci_mount *m, bool bind)
{
	char path[32];
	int fd = -1;
	unsigned long keep = MS_BIND | MS_REC | MS_REMOUNT;

	/* A bind takes its flags only through a remount of itself. */
	if (bind && (m->flags & ~keep)) {
		fd = remount_target(err_fd, root, m->dst, path);
		if (mount(NULL, path, NULL, (m->flags & ~MS_REC) | MS_REMOUNT | MS_BIND, NULL) < 0)
			FAIL("remount", m->dst);
	}
	if (m->propagation) {
		if (fd < 0)
			fd = remount_target(err_fd, root, m->dst, path);
		if (mount(NULL, path, NULL, m->propagation, NULL) < 0)
			FAIL("set mount propagation of", m->dst);
	}
	if (m->attr_set || m->attr_clr) {
		struct mount_attr attr = {.attr_set = m->attr_set, .attr_clr = m->attr_clr};

		if (fd < 0)
			fd = remount_target(err_fd, root, m->dst, path);
		if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
			FAIL("set recursive mount attributes of", m->dst);
	}
	if (fd >= 0)
		close(fd);
}

/* type cgroup: the container's own cgroup directories, under a tmpfs on a
 * v1 or hybrid host, or the single v2 tree bound on @dst. */
static void mount_cgroup(int err_fd, int root, const engine__plan *p, const engine__oci_mount *m)
{
	unsigned long ro = m->flags & MS_RDONLY, nsx = m->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
	char path[32], sub[4096];
	int fd;

	if (p->oci->n_cgmounts == 1 && !p->oci->cgmounts[0].name[0]) {
		fd = mountpoint(err_fd, root, m->dst, false);
		fd_path(path, fd);
		if (mount(p->oci->cgmounts[0].src, path, NULL, MS_BIND | MS_REC, NULL) < 0)
			FAIL("bind the container's cgroup on", m->dst);
		close(fd);
		finish_mount(err_fd, root, &(engine__oci_mount){.dst = m->dst, .flags = m->flags | MS_BIND},
			     true);
		return;
	}
	fd = mountpoint(err_fd, root, m->dst, false);
	fd_path(path, fd);
	if (mount("tmpfs", path, "tmpfs", nsx, "mode=755") < 0)
		FAIL("mount tmpfs for cgroups on", m->dst);
	close(fd);
	for (size_t i = 0; i < p->oci->n_cgmounts; i++) {
		const engine__oci_cgmount *c = &p->oci->cgmounts[i];
		size_t dl = strlen(m->dst), nl = strlen(c->name);

		if (dl + 1 + nl + 1 > sizeof(sub))
			continue;
		memcpy(sub, m->dst, dl);
		sub[dl] = '/';
		memcpy(sub + dl + 1, c->name, nl + 1);
		fd = mountpoint(err_fd, root, sub, false);
		fd_path(path, fd);
		if (mount(c->src, path, NULL, MS_BIND | MS_REC, NULL) < 0)
			FAIL("bind the container's cgroup on", sub);
		close(fd);
		finish_mount(err_fd, root, &(engine__oci_mount){.dst = sub, .flags = MS_BIND | ro | nsx},
			     true);
	}
	if (ro) {
		fd = remount_target(err_fd, root, m->dst, path);
		if (mount(NULL, path, NULL, MS_REMOUNT | ro | nsx, "mode=755") < 0)
			FAIL("remount read-only", m->dst);
		close(fd);
	}
}

static void do_mounts(int err_fd, int root, const engine__plan *p)
{
	for (size_t i = 0; i < p->oci->n_mounts; i++) {
		const engine__oci_mount *m = &p->oci->mounts[i];
		bool bind = !m->type || (m->flags & MS_BIND);
		char path[32];
		int fd;

		if (m->cgroup) {
			mount_cgroup(err_fd, root, p, m);
			continue;
		}
		if (bind) {
			struct stat st;

			if (stat(m->src, &st) < 0)
				FAIL("bind mount source", m->src);
			fd = mountpoint(err_fd, root, m->dst, !S_ISDIR(st.st_mode));
			fd_path(path, fd);
			if (mount(m->src, path, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
				FAIL("bind mount on", m->dst);
		} else {
			fd = mountpoint(err_fd, root, m->dst, false);
			fd_path(path, fd);
			if (mount(m->src, path, m->type, m->flags & ~(MS_REMOUNT | MS_BIND), m->data) < 0) {
				char what[64] = "mount ";

				strncat(what, m->type, sizeof(what) - 10);
				strcat(what, " on");
				FAIL(what, m->dst);
			}
		}
		close(fd);
		finish_mount(err_fd, root, m, bind);
	}
}

static void make_devices(int err_fd, int root, const engine__plan *p)
{
	static const struct {
		const char *path;
		unsigned maj, min;
	} defaults[] = {
	    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},	   {"/dev/full", 1, 7},
	    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
	};
	static const struct {
		const char *target, *name;
	} links[] = {
	    {"/proc/self/fd", "fd"},	   {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
	    {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
	};
	size_t n = p->oci->n_devices + (p->oci->default_devices ? 6 : 0);

	for (size_t i = 0; i < n; i++) {
		engine__oci_device d;
		const char *name;
		int dir;

		if (i < p->oci->n_devices)
			d = p->oci->devices[i];
		else
			d = (engine__oci_device){
			    defaults[i - p->oci->n_devices].path, S_IFCHR | 0666,
			    makedev(defaults[i - p->oci->n_devices].maj, defaults[i - p->oci->n_devices].min),
			    0, 0};
		dir = mkdirs_in_root(root, d.path, true);
		if (dir < 0)
			FAIL("mkdir for device", d.path);
		name = strrchr(d.path, '/') + 1;
		{
			char path[32];
			int dfd;

			fd_path(path, dir);
			dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd < 0)
				FAIL("open for device", d.path);
			if (mknodat(dfd, name, d.mode, d.dev) < 0) {
				/* A configured node wins over a default one. */
				if (errno != EEXIST || i < p->oci->n_devices) {
					if (errno != EEXIST)
						FAIL("mknod", d.path);
					unlinkat(dfd, name, 0);
					if (mknodat(dfd, name, d.mode, d.dev) < 0)
						FAIL("mknod", d.path);
				}
			} else if (fchmodat(dfd, name, d.mode & 07777, 0) < 0) {
				FAIL("chmod", d.path);
			}
			if (i < p->oci->n_devices &&
			    fchownat(dfd, name, d.uid, d.gid, AT_SYMLINK_NOFOLLOW) < 0)
				FAIL("chown", d.path);
			close(dfd);
		}
		close(dir);
	}
	if (!p->oci->default_devices)
		return;
	{
		char path[32];
		int dev = open_in_root(root, "/dev", O_PATH | O_DIRECTORY), dfd;

		if (dev < 0)
			FAIL("open", "/dev");
		fd_path(path, dev);
		dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			FAIL("open", "/dev");
		for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
			if (symlinkat(links[i].target, dfd, links[i].name) < 0 && errno != EEXIST)
				FAIL("symlink", links[i].name);
		close(dfd);
		close(dev);
	}
}

static void write_file(int err_fd, const char *path, const char *value, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		FAIL("open", path);
	if (write(fd, value, len) < 0)
		FAIL("write", path);
	close(fd);
}

static void enter_root(int err_fd, const engine__plan *p)
{
	if (chdir(p->oci->rootfs) < 0)
		FAIL("chdir", p->oci->rootfs);
	if (p->oci->no_pivot) {
		if (mount(p->oci->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
			FAIL("move the rootfs onto", "/");
		if (chroot(".") < 0)
			FAIL("chroot", p->oci->rootfs);
	} else {
		/* pivot_root(".", ".") stacks the old root on the new one;
		 * detaching it leaves the container's root alone. */
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			FAIL("pivot_root to", p->oci->rootfs);
		if (umount2(".", MNT_DETACH) < 0)
			FAIL("detach old root", "/");
	}
	if (chdir("/") < 0)
		FAIL("chdir", "/");
}

void engine__child_oci_setup(engine__plan *p, int go_fd, int err_fd)
{
	const engine__plan_oci *o = p->oci;
	int root;

	/* Nothing done here reaches the host's mounts, whatever
	 * rootfsPropagation asks: that applies to the container's "/" once
	 * it is one (as runc does). A shared or unbindable "/" here would
	 * also make pivot_root and the bind below fail. */
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		FAIL("set the propagation of", "/");
	/* pivot_root wants the new root to be a mount whose parent is not shared. */
	if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		FAIL("bind the rootfs onto itself:", o->rootfs);
	root = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		FAIL("open the rootfs", o->rootfs);
	do_mounts(err_fd, root, p);
	make_devices(err_fd, root, p);
	close(root);
	if (o->new_timens) {
		if (unshare(CLONE_NEWTIME) < 0)
			FAIL("unshare time namespace", NULL);
		if (o->timens_offsets)
			write_file(err_fd, "/proc/self/timens_offsets", o->timens_offsets,
				   strlen(o->timens_offsets));
	}
	if (o->has_oom_score_adj) {
		char buf[16];
		int v = o->oom_score_adj, n = 0, neg = v < 0;
		char digits[12];
		size_t k = 0;

		if (neg)
			v = -v;
		do
			digits[n++] = (char)('0' + v % 10);
		while ((v /= 10) && n < 11);
		if (neg)
			buf[k++] = '-';
		while (n)
			buf[k++] = digits[--n];
		write_file(err_fd, "/proc/self/oom_score_adj", buf, k);
	}
	/* The parent's part (cgroup placement, hooks) before the root moves. */
	if (!p->vm) {
		engine__child_wait_parent(go_fd, err_fd);
		if (o->before_pivot) {
			if (write(go_fd, "h", 1) != 1)
				FAIL("ask for the hooks", NULL);
			engine__child_wait_parent(go_fd, err_fd);
		}
	}
	enter_root(err_fd, p);
	if (o->rootfs_propagation && mount(NULL, "/", NULL, o->rootfs_propagation, NULL) < 0)
		FAIL("set the propagation of the container's", "/");
	if (o->rootfs_readonly)
		engine__child_set_readonly(err_fd, "/", false);
	for (size_t i = 0; i < o->n_sysctl; i++)
		write_file(err_fd, o->sysctl_paths[i], o->sysctl_values[i], strlen(o->sysctl_values[i]));
	engine__child_mask_paths(err_fd, p);
	if (o->domainname && setdomainname(o->domainname, strlen(o->domainname)) < 0)
		FAIL("setdomainname", o->domainname);
	if (o->new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0) < 0 &&
	    errno != ENOSYS)
		FAIL("join a new session keyring", NULL);
}

void engine__child_oci_late(engine__plan *p, int err_fd)
{
	const engine__plan_oci *o = p->oci;

	umask(o->umask);
	if (o->has_personality && personality(o->personality) < 0)
		FAIL("personality", NULL);
	if (o->apparmor) {
		char buf[512] = "exec ";

		strncat(buf, o->apparmor, sizeof(buf) - 6);
		if (access("/proc/self/attr/apparmor/exec", F_OK) == 0)
			write_file(err_fd, "/proc/self/attr/apparmor/exec", buf, strlen(buf));
		else
			write_file(err_fd, "/proc/self/attr/exec", buf, strlen(buf));
	}
	if (o->selinux)
		write_file(err_fd, "/proc/self/attr/exec", o->selinux, strlen(o->selinux));
}
