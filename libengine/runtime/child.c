/*
 * The cloned child, from the parent's release to execve. The embedding
 * program may be multithreaded, so nothing here allocates, locks or uses
 * stdio: only system calls on data the parent prepared (engine__plan). A
 * failure is written to the error pipe as errno + a fixed message naming the
 * step, and the parent raises it as an ordinary error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "util/safepath.h"

int engine__child_setresgid(gid_t gid)
{
	return (int)syscall(SYS_setresgid, gid, gid, gid);
}

int engine__child_setresuid(uid_t uid)
{
	return (int)syscall(SYS_setresuid, uid, uid, uid);
}

int engine__child_setgroups(size_t n, const gid_t *groups)
{
	return (int)syscall(SYS_setgroups, n, groups);
}

/* --- async-signal-safe message building ---------------------------------- */

static void msg_cat(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	while (s && *s && n + 1 < size)
		buf[n++] = *s++;
	buf[n] = '\0';
}

void engine__child_fail(int err_fd, int sys_errno, int exit_code, const char *what, const char *arg)
{
	engine__child_error e;

	memset(&e, 0, sizeof(e));
	e.sys_errno = sys_errno;
	e.exit_code = exit_code;
	msg_cat(e.message, sizeof(e.message), what);
	if (arg) {
		msg_cat(e.message, sizeof(e.message), " ");
		msg_cat(e.message, sizeof(e.message), arg);
	}
	if (err_fd >= 0) {
		ssize_t w;

		do
			w = write(err_fd, &e, sizeof(e));
		while (w < 0 && errno == EINTR);
	}
	_exit(exit_code ? exit_code : 125);
}

#define FAIL(what, arg) engine__child_fail(err_fd, errno, 0, what, arg)

/* mkdir -p on a stack copy; the last component too unless @parent_only. */
int engine__child_mkdir_p(const char *path, mode_t mode, bool parent_only)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	if (parent_only) {
		char *slash = strrchr(buf, '/');

		if (!slash || slash == buf)
			return 0;
		*slash = '\0';
	}
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return -1;
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

#define mkdir_p engine__child_mkdir_p
#define set_readonly engine__child_set_readonly

static void do_mount(int err_fd, const char *src, const char *dst, const char *type, unsigned long flags,
		     const char *data)
{
	if (mkdir_p(dst, 0755, false) < 0)
		FAIL("mkdir", dst);
	if (mount(src, dst, type, flags, data) < 0) {
		char what[64] = "mount ";

		msg_cat(what, sizeof(what), type ? type : src);
		msg_cat(what, sizeof(what), " on");
		FAIL(what, dst);
	}
}

static void make_node(int err_fd, const char *path, unsigned maj, unsigned min)
{
	if (mknod(path, S_IFCHR | 0666, makedev(maj, min)) < 0)
		FAIL("mknod", path);
	if (chmod(path, 0666) < 0)
		FAIL("chmod", path);
}

/* Rootless: a user namespace may not mknod, so the host's nodes are
 * bound instead (opened before pivot_root: engine__child_open_devs), which
 * is what rootless podman and bwrap do; their permissions stay the host's. */
#define N_DEV_NODES 6
static const char *const dev_nodes[N_DEV_NODES] = {"/dev/null",	  "/dev/zero",	  "/dev/full",
						   "/dev/random", "/dev/urandom", "/dev/tty"};

static void open_devs(int err_fd, int *fds)
{
	for (size_t i = 0; i < N_DEV_NODES; i++) {
		fds[i] = open_tree(AT_FDCWD, dev_nodes[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (fds[i] < 0)
			FAIL("bind the host's device", dev_nodes[i]);
	}
}

static void bind_devs(int err_fd, int *fds)
{
	for (size_t i = 0; i < N_DEV_NODES; i++) {
		int fd = open(dev_nodes[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

		if (fd < 0)
			FAIL("create", dev_nodes[i]);
		close(fd);
		if (move_mount(fds[i], "", AT_FDCWD, dev_nodes[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
			FAIL("bind the host's device on", dev_nodes[i]);
		close(fds[i]);
	}
}

/* A detached mount of a fresh @type (proc, sysfs). A user namespace may
 * mount those only where the mount namespace already shows one (the
 * kernel's mount_too_revealing), so a rootless child makes them before the
 * host's root is detached and attaches them once its own is in place. */
static int fs_mount_fd(int err_fd, const char *type, unsigned attrs)
{
	int fs = fsopen(type, FSOPEN_CLOEXEC), mnt;

	if (fs < 0)
		FAIL("fsopen", type);
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		FAIL("create a mount of", type);
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (mnt < 0)
		FAIL("mount", type);
	close(fs);
	return mnt;
}

/* Attach a detached mount @fd at @path (made first). */
static void attach_fd(int err_fd, int fd, const char *path)
{
	if (mkdir_p(path, 0755, false) < 0)
		FAIL("mkdir", path);
	if (move_mount(fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		FAIL("mount on", path);
	close(fd);
}

static void setup_dev(int err_fd, const engine__plan *p, int *dev_fds, int shm_fd)
{
	static const struct {
		const char *path;
		unsigned maj, min;
	} nodes[] = {
	    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},	   {"/dev/full", 1, 7},
	    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
	};
	static const struct {
		const char *target, *link;
	} links[] = {
	    {"/proc/self/fd", "/dev/fd"},	{"/proc/self/fd/0", "/dev/stdin"},
	    {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
	    {"pts/ptmx", "/dev/ptmx"},		{"/proc/kcore", "/dev/core"},
	};

	do_mount(err_fd, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
	if (p->rootless)
		bind_devs(err_fd, dev_fds);
	for (size_t i = 0; !p->rootless && i < sizeof(nodes) / sizeof(nodes[0]); i++)
		make_node(err_fd, nodes[i].path, nodes[i].maj, nodes[i].min);
	/* --privileged: the host's devices, with their modes and owners. */
	for (size_t i = 0; i < p->n_host_devices; i++) {
		const engine__host_device *d = &p->host_devices[i];

		if (mkdir_p(d->path, 0755, true) < 0)
			FAIL("mkdir for device", d->path);
		if (mknod(d->path, d->mode, d->rdev) < 0) {
			if (errno == EEXIST)
				continue;
			FAIL("mknod", d->path);
		}
		if (chmod(d->path, d->mode & 07777) < 0 || lchown(d->path, d->uid, d->gid) < 0)
			FAIL("chmod", d->path);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i].target, links[i].link) < 0)
			FAIL("symlink", links[i].link);
	do_mount(err_fd, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		 p->devpts_data ? p->devpts_data : "newinstance,ptmxmode=0666,mode=0620,gid=5");
	/* --ipc: the host's or another container's /dev/shm, none, or one
	 * of its own (the default) */
	if (shm_fd >= 0)
		attach_fd(err_fd, shm_fd, "/dev/shm");
	else if (!p->no_shm)
		do_mount(err_fd, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			 "mode=1777,size=65536k");
	/* (the host's IPC namespace is not a rootless container's to mount) */
	if (!p->rootless || (p->clone_flags & CLONE_NEWIPC))
		do_mount(err_fd, "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

static void loopback_up(int err_fd)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		FAIL("socket for", "lo");
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		FAIL("get flags of", "lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		FAIL("bring up", "lo");
	close(fd);
}

static void write_files(int err_fd, const engine__plan *p)
{
	for (size_t i = 0; i < p->n_files; i++) {
		const engine__child_file *f = &p->files[i];
		size_t off = 0;
		int fd;

		if (mkdir_p(f->path, 0755, true) < 0)
			FAIL("mkdir for file", f->path);
		fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, f->mode);
		if (fd < 0)
			FAIL("create file", f->path);
		while (off < f->len) {
			ssize_t w = write(fd, f->content + off, f->len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				FAIL("write file", f->path);
			off += (size_t)w;
		}
		if (fchmod(fd, f->mode) < 0)
			FAIL("chmod", f->path);
		close(fd);
	}
}

/* --sysctl: the fresh /proc is the container's, and what it shows under
 * /proc/sys/net, kernel.shm* and fs/mqueue belongs to the namespaces this
 * process is in; only such keys get this far (spec_host.c). */
static void write_sysctls(int err_fd, const engine__plan *p)
{
	for (size_t i = 0; i < p->n_sysctl; i++) {
		int fd = open(p->sysctl_paths[i], O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		size_t len = strlen(p->sysctl_values[i]);

		if (fd < 0)
			FAIL("open sysctl", p->sysctl_paths[i]);
		if (write(fd, p->sysctl_values[i], len) != (ssize_t)len)
			FAIL("write sysctl", p->sysctl_paths[i]);
		close(fd);
	}
}

/* "/proc/self/fd/N" for a mount(2) onto an fd. */
static void fd_path(char *buf, size_t size, int fd)
{
	char digits[16];
	size_t n = 0;

	do
		digits[n++] = (char)('0' + fd % 10);
	while ((fd /= 10) > 0 && n < sizeof(digits));
	buf[0] = '\0';
	msg_cat(buf, size, "/proc/self/fd/");
	for (size_t len = strlen(buf); n > 0 && len + 1 < size; len++) {
		buf[len] = digits[--n];
		buf[len + 1] = '\0';
	}
}

/* Each destination is resolved in the container's root by
 * engine__mkpath_in_root (symlinks followed inside it, magic links
 * refused, missing parts created without following anything) and mounted
 * on through its fd, so the image's links decide nothing else. */
static void attach_mounts(int err_fd, engine__plan *p)
{
	int rootfd = p->n_mounts ? open("/", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;

	struct stat root_st;

	if (p->n_mounts && (rootfd < 0 || fstat(rootfd, &root_st) < 0))
		FAIL("open", "/");
	for (size_t i = 0; i < p->n_mounts; i++) {
		engine__child_mount *m = &p->mounts[i];
		struct stat st, dst;
		struct statfs fs;
		bool dir = true;
		int dfd;

		if (!m->tmpfs && m->tree_fd < 0)
			continue;
		if (!m->tmpfs) {
			if (fstat(m->tree_fd, &st) < 0)
				FAIL("stat mount source", m->src);
			dir = S_ISDIR(st.st_mode);
		}
		dfd = engine__mkpath_in_root(rootfd, m->dst, dir, 0755);
		if (dfd < 0) {
			errno = -dfd;
			FAIL("mount destination", m->dst);
		}
		if (fstat(dfd, &dst) < 0 || fstatfs(dfd, &fs) < 0)
			FAIL("stat mount destination", m->dst);
		/* Nothing covers the kernel's files (as runc refuses): a mount
		 * in /proc could hide or stand in for what the masks protect. */
		if (fs.f_type == PROC_SUPER_MAGIC) {
			errno = EPERM;
			FAIL("mount destination inside /proc (not allowed):", m->dst);
		}
		/* Nor the root (an image's link to "/"): a mount on it would
		 * be the root of every process that joins later (setns). */
		if (dst.st_dev == root_st.st_dev && dst.st_ino == root_st.st_ino) {
			errno = EPERM;
			FAIL("mount destination is the container's root (not allowed):", m->dst);
		}
		if (dir != S_ISDIR(dst.st_mode)) {
			errno = dir ? ENOTDIR : EISDIR;
			FAIL("mount destination", m->dst);
		}
		if (m->tmpfs) {
			char path[64];

			fd_path(path, sizeof(path), dfd);
			if (mount("tmpfs", path, "tmpfs", m->flags, m->data) < 0)
				FAIL("mount tmpfs on", m->dst);
			close(dfd);
			continue;
		}
		if (m->read_only) {
			struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};

			if (mount_setattr(m->tree_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) <
			    0)
				FAIL("make read-only: bind mount", m->src);
		}
		if (move_mount(m->tree_fd, "", dfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
		    0)
			FAIL("bind mount on", m->dst);
		close(dfd);
		close(m->tree_fd);
		m->tree_fd = -1;
	}
	if (rootfd >= 0)
		close(rootfd);
}

/* The rootfs mounted and pivoted to, as the backstage thread does ahead
 * for engine_run (backstage.c builds the same tree the same way). */
static void mount_rootfs(int err_fd, engine__plan *p, int dev_fds[N_DEV_NODES], int *sys_fd, int *proc_fd)
{
	/* Slave, not private: host mounts (e.g. under a volume) still show up,
	 * but nothing we mount leaks back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		FAIL("make mounts slave:", "/");
	/* Sources are host paths: clone them as detached trees before the host
	 * root goes away, attach them once the container's root is in place. */
	for (size_t i = 0; i < p->n_mounts; i++) {
		engine__child_mount *m = &p->mounts[i];

		m->tree_fd = -1;
		if (m->tmpfs)
			continue;
		m->tree_fd = open_tree(AT_FDCWD, m->src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (m->tree_fd < 0)
			FAIL("bind mount source", m->src);
	}
	if (p->rootless) {
		open_devs(err_fd, dev_fds);
		*proc_fd =
		    fs_mount_fd(err_fd, "proc", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
		/* sysfs belongs to the network namespace's owner: sharing the
		 * host's (--network host), only a bind of the host's will do. */
		if (p->clone_flags & CLONE_NEWNET)
			*sys_fd = fs_mount_fd(err_fd, "sysfs",
					      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
						  MOUNT_ATTR_NOEXEC);
		else if ((*sys_fd = open_tree(AT_FDCWD, "/sys",
					      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)) < 0)
			FAIL("bind the host's", "/sys");
	}
	if (p->tmpfs_dir) {
		if (mount("tmpfs", p->tmpfs_dir, "tmpfs", MS_NOSUID | MS_NODEV, p->tmpfs_data) < 0)
			FAIL("mount tmpfs for the writable layer on", p->tmpfs_dir);
		for (int i = 0; i < 3; i++)
			if (mkdir(p->mkdirs[i], 0755) < 0)
				FAIL("mkdir", p->mkdirs[i]);
	}
	/* Relative lower/upper paths keep the option string under a page with
	 * many layers: overlay resolves them against our cwd. */
	if (p->overlay_cwd && chdir(p->overlay_cwd) < 0)
		FAIL("chdir", p->overlay_cwd);
	if (mount("overlay", p->rootfs_dir, "overlay", 0, p->overlay_data) < 0)
		FAIL("mount overlay on", p->rootfs_dir);
	if (chdir(p->rootfs_dir) < 0)
		FAIL("chdir", p->rootfs_dir);
	/* pivot_root(".", ".") stacks the old root on the new one; detaching it
	 * leaves the container's root alone, without a temporary directory. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		FAIL("pivot_root to", p->rootfs_dir);
	if (umount2(".", MNT_DETACH) < 0)
		FAIL("detach old root", "/");
}

static void setup_rootfs(int err_fd, engine__plan *p, int rootns_fd, int shm_fd)
{
	/* (only rootless opens the host's nodes: -1 until then) */
	int dev_fds[N_DEV_NODES] = {-1, -1, -1, -1, -1, -1}, sys_fd = -1, proc_fd = -1;

	if (rootns_fd >= 0) {
		/* Its root is the rootfs (setns makes it ours), nothing of the
		 * host's is left in it, and it has no bind mounts to clone. */
		if (setns(rootns_fd, CLONE_NEWNS) < 0)
			FAIL("join the prepared mount namespace of", p->rootfs_dir);
		close(rootns_fd);
	} else {
		mount_rootfs(err_fd, p, dev_fds, &sys_fd, &proc_fd);
	}
	if (chdir("/") < 0)
		FAIL("chdir", "/");

	/* Injected files go in before /proc and /sys exist: an image's symlink
	 * can then never turn one into a sysctl write. */
	write_files(err_fd, p);
	if (proc_fd >= 0)
		attach_fd(err_fd, proc_fd, "/proc");
	else
		do_mount(err_fd, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	setup_dev(err_fd, p, dev_fds, shm_fd);
	if (sys_fd >= 0) {
		struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
						      MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};

		/* (a fresh sysfs is read-only already; a bind is made so) */
		if (mount_setattr(sys_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
			FAIL("make read-only:", "/sys");
		attach_fd(err_fd, sys_fd, "/sys");
	} else {
		do_mount(err_fd, "sysfs", "/sys", "sysfs",
			 (p->sys_rw ? 0 : MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	}
	write_sysctls(err_fd, p);
	attach_mounts(err_fd, p);
	engine__child_mask_paths(err_fd, p);
	if (p->read_only)
		set_readonly(err_fd, "/", false);
}

static void setup_stdio(int err_fd, const engine__plan *p)
{
	int null_fd = -1;

	for (int i = 0; i < 3; i++) {
		int fd = p->stdio_fd[i];

		if (fd < 0) {
			if (null_fd < 0) {
				null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
				if (null_fd < 0)
					FAIL("open", "/dev/null");
			}
			fd = null_fd;
		}
		if (fd == i) {
			if (fcntl(fd, F_SETFD, 0) < 0)
				FAIL("stdio", NULL);
		} else if (dup2(fd, i) < 0) {
			FAIL("dup2 stdio", NULL);
		}
	}
}

static void reset_signals(void)
{
	struct sigaction sa;
	sigset_t all;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

void engine__child_drop_privileges(engine__plan *p, int err_fd)
{
	int r;

#define CHECK(call, what)                                                                                    \
	do {                                                                                                 \
		if ((r = (call)) < 0)                                                                        \
			engine__child_fail(err_fd, -r, 0, what, NULL);                                       \
	} while (0)

	/* runc's order (see security.h): rlimits while CAP_SYS_RESOURCE is
	 * held; without no_new_privs the filter needs CAP_SYS_ADMIN, so it goes
	 * in early and must allow the rest; with it, it goes in last. */
	if (p->n_rlimits)
		CHECK(engine__rlimits_apply(p->rlimits, p->n_rlimits), "set rlimits");
	if (p->seccomp && !p->no_new_privs)
		CHECK(engine__seccomp_apply(p->seccomp), "load seccomp filter");
	if (p->has_user) {
		CHECK(engine__caps_apply_bounding(&p->caps), "drop bounding capabilities");
		/* A rootless namespace with only the caller mapped has setgroups
		 * denied for good (and no group but 0 to set). */
		if (!(p->rootless && !p->idmap.subgid_count) &&
		    engine__child_setgroups(p->n_groups, p->groups) < 0)
			FAIL("setgroups", NULL);
		if (engine__child_setresgid(p->gid) < 0)
			FAIL("setgid", NULL);
		if (engine__child_setresuid(p->uid) < 0)
			FAIL("setuid", NULL);
		CHECK(engine__caps_apply_sets(&p->caps), "set capabilities");
	} else {
		CHECK(engine__caps_apply(&p->caps), "set capabilities");
	}
	if (p->no_new_privs) {
		CHECK(engine__no_new_privs_apply(), "set no_new_privs");
		if (p->seccomp)
			CHECK(engine__seccomp_apply(p->seccomp), "load seccomp filter");
	}
#undef CHECK
}

/* The last step: exec engine-init from its sealed memfd, never the command
 * itself, so that whatever that exec resolves through /proc/self/exe (a
 * "#!/proc/self/exe" script, an ELF interpreter) finds engine-init, not
 * the caller's binary on the host. engine-init finds the error pipe on fd
 * 3 and reports the command's own exec failures (126/127) there. */
void engine__child_exec(engine__plan *p, int init_fd, int err_fd, int wait_fd)
{
	char path[32] = "/proc/self/fd/", num[12];
	int fd = init_fd, e, n = 0, report = ENGINE__INIT_REPORT_FD;

	if (p->oci) {
		/* An OCI container's fds 3..3+N-1 are the caller's (--preserve-fds):
		 * engine-init's report and wait fds go right above them, its
		 * own fd and the pipe's original above those. */
		int above = report = 3 + p->oci->preserve_fds;

		above += 2;
		if ((fd = fcntl(init_fd, F_DUPFD_CLOEXEC, above)) < 0 ||
		    (err_fd = fcntl(err_fd, F_DUPFD_CLOEXEC, above)) < 0 ||
		    (wait_fd >= 0 && (wait_fd = fcntl(wait_fd, F_DUPFD_CLOEXEC, above)) < 0))
			FAIL("move the runtime's fds above the preserved ones", NULL);
		if (wait_fd >= 0 && dup2(wait_fd, report + 1) < 0)
			FAIL("hand the start fifo to engine-init", NULL);
	} else if (fd == ENGINE__INIT_REPORT_FD &&
		   (fd = fcntl(fd, F_DUPFD_CLOEXEC, ENGINE__INIT_REPORT_FD + 1)) < 0) {
		FAIL("move engine-init's fd", NULL);
	}
	if (err_fd != report ? dup2(err_fd, report) < 0 : fcntl(err_fd, F_SETFD, 0) < 0)
		FAIL("hand the error pipe to engine-init", NULL);
	syscall(SYS_execveat, fd, "", p->init_argv, p->env, AT_EMPTY_PATH);
	e = errno;
	/* A seccomp profile may allow execve but not execveat. */
	for (unsigned v = (unsigned)fd; n == 0 || v; v /= 10)
		num[n++] = (char)('0' + v % 10);
	for (size_t k = strlen(path); n > 0;)
		path[k++] = num[--n], path[k] = '\0';
	execve(path, p->init_argv, p->env);
	engine__child_fail(err_fd, e, 0, "exec engine-init", NULL);
}

/* Leave the caller's world before touching the container's: no fd of the
 * caller's but @lift and @keep (closed, not just CLOEXEC: a process in the
 * container must never hold a host directory), and no controlling terminal
 * (a session of its own, so TIOCSTI and /dev/tty cannot reach the caller's
 * terminal). The fds in @lift (the runtime's own) are moved to 3 or above
 * first, so the stdio dup2s cannot clobber them; @lift[0] is the error
 * pipe. Callers also make the process non-dumpable (engine__child_nodump). */
/* No core dump and no ptrace or /proc/PID/{fd,mem,exe} by the container's
 * processes (without CAP_SYS_PTRACE) until exec, which resets it. */
void engine__child_nodump(int err_fd)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		engine__child_fail(err_fd, errno, 0, "make the process non-dumpable", NULL);
}

void engine__child_isolate(int *const *lift, size_t n_lift, const int *keep, size_t n_keep)
{
	int sorted[64];
	size_t n = 0;
	unsigned lo = 0;

	for (size_t i = 0; i < n_lift + n_keep && n < 64; i++) {
		int fd = i < n_lift ? *lift[i] : keep[i - n_lift];
		size_t j;

		if (fd >= 0 && fd < 3 && i < n_lift) {
			fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
			if (fd < 0)
				engine__child_fail(*lift[0], errno, 0, "move a runtime pipe above stdio",
						   NULL);
			*lift[i] = fd;
		}
		if (fd < 0)
			continue;
		for (j = 0; j < n && sorted[j] != fd; j++)
			;
		if (j < n)
			continue;
		for (j = n++; j > 0 && sorted[j - 1] > fd; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = fd;
	}
	for (size_t i = 0; i <= n; i++) {
		unsigned hi = i < n ? (unsigned)sorted[i] : ~0U;

		if (hi > lo && syscall(SYS_close_range, lo, hi - 1, 0) < 0)
			engine__child_fail(*lift[0], errno, 0, "close the caller's file descriptors", NULL);
		if (i < n)
			lo = (unsigned)sorted[i] + 1;
	}
	/* Never fails for a fresh clone (not a process group leader). */
	if (setsid() < 0)
		engine__child_fail(*lift[0], errno, 0, "setsid", NULL);
}

void engine__child_wait_parent(int go_fd, int err_fd)
{
	char go;
	ssize_t n;

	do
		n = read(go_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		engine__child_fail(err_fd, n < 0 ? errno : EPIPE, 0, "wait for the parent", NULL);
}

/* The mounts were made as the host's root, so the user namespace comes last
 * (like a rootless runtime's locked mounts): unshare it, let the parent
 * write the id maps, then become its root. */
void engine__child_enter_userns(int go_fd, int err_fd)
{
	if (unshare(CLONE_NEWUSER) < 0)
		FAIL("unshare user namespace", NULL);
	if (write(go_fd, "u", 1) != 1)
		FAIL("ask for id maps", NULL);
	engine__child_wait_parent(go_fd, err_fd);
	if (engine__child_setresgid(0) < 0 || engine__child_setresuid(0) < 0)
		FAIL("become root in the user namespace", NULL);
}

/* An OCI child's isolation: its runtime fds (copied to the stack: with
 * CLONE_VM the plan is the caller's memory) are lifted above stdio, stdio
 * and the preserved fds are kept. */
static void isolate_oci(engine__plan *p, int *err_fd, int *go_fd, int *init_fd, int *wait_fd, int *userns_fd,
			int *ns_fd)
{
	int *lift[16] = {err_fd, go_fd, init_fd, wait_fd, userns_fd};
	int keep[3 + 48];
	size_t n_lift = 5, n_keep = 0;

	for (size_t i = 0; i < p->oci->n_ns; i++)
		lift[n_lift++] = &ns_fd[i];
	for (int i = 0; i < 3; i++)
		keep[n_keep++] = p->stdio_fd[i];
	for (int i = 0; i < p->oci->preserve_fds && n_keep < sizeof(keep) / sizeof(keep[0]); i++)
		keep[n_keep++] = 3 + i;
	engine__child_isolate(lift, n_lift, keep, n_keep);
}

/* --ipc host: a clone of the /dev/shm of our mount namespace, a copy of
 * the caller's, not yet pivoted; container:<x>: of x's, taken from inside
 * its mount namespace (a mount of another namespace cannot be cloned from
 * outside), then back into ours. */
static int take_shm(int err_fd, int mntns_fd)
{
	int own = -1, fd;

	if (mntns_fd >= 0) {
		own = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
		if (own < 0)
			FAIL("open", "/proc/thread-self/ns/mnt");
		if (setns(mntns_fd, CLONE_NEWNS) < 0)
			FAIL("join the mount namespace of", "the shared /dev/shm");
	}
	fd = open_tree(AT_FDCWD, "/dev/shm", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (fd < 0)
		FAIL("bind mount source", "/dev/shm");
	if (own >= 0 && setns(own, CLONE_NEWNS) < 0)
		FAIL("return to the container's mount namespace", NULL);
	if (own >= 0)
		close(own);
	return fd;
}

void engine__child_main(engine__plan *p, int go_fd, int err_fd)
{
	int init_fd = p->init_fd, wait_fd = -1, userns_fd = -1, ns_fd[8], rootns_fd = p->rootns_fd,
	    shm_fd = -1;

	/* CLONE_VFORK: nobody else can place us in our cgroup. */
	for (size_t i = 0; p->vm && i < p->n_attach_fds; i++)
		if (write(p->attach_fds[i], "0", 1) != 1)
			engine__child_fail(err_fd, errno, 0, "join the container's cgroup", NULL);
	/* dumpable is the mm's: with CLONE_VM it would be the caller's too.
	 * Such a child is alone in a fresh PID namespace until it execs (no
	 * --init, exec or sandbox takes that path): nothing can reach it. */
	/* Rootless: after the maps (below), which the parent may write into
	 * /proc/<pid> only while we are dumpable; no container process exists
	 * before then. */
	if (!p->vm && !p->rootless)
		engine__child_nodump(err_fd);
	/* (A caller that changed its uids is non-dumpable, and so are we.)
	 * Then ask for the maps. */
	if (p->rootless && !p->oci && (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0 || write(go_fd, "u", 1) != 1))
		FAIL("ask for the user namespace's id maps", NULL);
	/* --network container:<x>: its namespace instead of a new one (before
	 * the fd that names it is closed with the rest). */
	if (p->join_netns_fd >= 0 && setns(p->join_netns_fd, CLONE_NEWNET) < 0)
		FAIL("join the network namespace of", "the other container");
	/* --ipc container:<x>: its IPC namespace, and its /dev/shm (or the
	 * host's with --ipc host) */
	if (p->join_ipcns_fd >= 0 && setns(p->join_ipcns_fd, CLONE_NEWIPC) < 0)
		FAIL("join the IPC namespace of", "the other container");
	if ((p->shm_mntns_fd >= 0 || p->shm_host) && !p->job && !p->oci)
		shm_fd = take_shm(err_fd, p->shm_mntns_fd);
	/* A local copy: with CLONE_VM the plan is the caller's memory. */
	if (p->job) {
		engine__child_isolate((int *const[]){&err_fd, &go_fd, &init_fd, &p->job->cg_exit.root_fd}, 4,
				      p->stdio_fd, 3);
	} else if (p->oci) {
		wait_fd = p->oci->wait_fd;
		userns_fd = p->oci->userns_fd;
		for (size_t i = 0; i < p->oci->n_ns; i++)
			ns_fd[i] = p->oci->ns[i].fd;
		isolate_oci(p, &err_fd, &go_fd, &init_fd, &wait_fd, &userns_fd, ns_fd);
	} else {
		engine__child_isolate((int *const[]){&err_fd, &go_fd, &init_fd, &rootns_fd, &shm_fd}, 5,
				      p->stdio_fd, 3);
	}
	/* A prepared sandbox outlives its creating thread, and must see its
	 * owner's death as EOF to clean up after itself: no death signal. An
	 * OCI container outlives `create`. */
	if (!p->job && !(p->oci && p->oci->keep_alive) && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		FAIL("prctl", NULL);
	/* Rootless: nothing can be made in the user namespace before the
	 * parent maps it; then we are its root (the caller, mapped to 0). */
	if (p->rootless && !p->oci) {
		engine__child_wait_parent(go_fd, err_fd);
		engine__child_nodump(err_fd);
		if (engine__child_setresgid(0) < 0 || engine__child_setresuid(0) < 0)
			FAIL("become root in the user namespace", NULL);
	}
	/* The rootfs is built while the parent places us in the cgroup (on v1
	 * that write waits for an RCU grace period): the round trip ends right
	 * before the cgroup namespace and exec. */
	reset_signals();
	umask(022);
	setup_stdio(err_fd, p);
	if (p->oci) {
		/* Joined namespaces first: the mounts go into the joined one. */
		for (size_t i = 0; i < p->oci->n_ns; i++)
			if (setns(ns_fd[i], p->oci->ns[i].type) < 0)
				FAIL("join namespace", NULL);
		engine__child_oci_setup(p, go_fd, err_fd);
	} else {
		setup_rootfs(err_fd, p, p->job ? -1 : rootns_fd, shm_fd);
	}
	if (p->tty)
		engine__child_console(p, go_fd, err_fd, false);
	/* --uts host: the host's name is not the container's to set. */
	if (p->hostname && (p->oci || (p->clone_flags & CLONE_NEWUTS)) &&
	    sethostname(p->hostname, strlen(p->hostname)) < 0)
		FAIL("sethostname", p->hostname);
	if (p->net_none)
		loopback_up(err_fd);
	if (p->working_dir) {
		if (mkdir_p(p->working_dir, 0755, false) < 0 && errno != EROFS)
			FAIL("create working directory", p->working_dir);
		if (chdir(p->working_dir) < 0)
			FAIL("chdir to working directory", p->working_dir);
	}
	/* fds the caller leaked without O_CLOEXEC must not reach the container. */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	for (int i = 0; p->oci && i < p->oci->preserve_fds; i++)
		if (fcntl(3 + i, F_SETFD, 0) < 0 && errno != EBADF)
			FAIL("keep a preserved fd", NULL);
	/* An OCI child has synced before its pivot_root (child_oci.c). */
	if (p->job)
		engine__child_pool_wait_parent(p, go_fd, err_fd);
	else if (!p->vm && !p->oci && !p->rootless)
		engine__child_wait_parent(go_fd, err_fd);
	/* Now inside the container's cgroup: make it the namespace's root. A
	 * sandbox does it (and may load its filter) before it waits: what does
	 * not depend on the job is off the caller's path. */
	if (p->job)
		engine__cgroup_leave_open(&p->job->cg_exit);
	if (p->new_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
		FAIL("unshare cgroup namespace", NULL);
	if (p->job && p->job->seccomp_early) {
		int r = engine__seccomp_apply(p->seccomp);

		if (r < 0)
			engine__child_fail(err_fd, -r, 0, "load seccomp filter", NULL);
		p->seccomp = NULL; /* our copy of the plan: loaded */
	}
	if (p->job)
		engine__child_wait_job(p, go_fd, err_fd, init_fd);
	if (userns_fd >= 0) {
		if (setns(userns_fd, CLONE_NEWUSER) < 0)
			FAIL("join user namespace", NULL);
		if (engine__child_setresgid(0) < 0 || engine__child_setresuid(0) < 0)
			FAIL("become root in the user namespace", NULL);
	} else if (p->userns_count) {
		engine__child_enter_userns(go_fd, err_fd);
	}
	close(go_fd);
	if (p->oci)
		engine__child_oci_late(p, err_fd);
	engine__child_drop_privileges(p, err_fd);
	engine__child_exec(p, init_fd, err_fd, wait_fd);
	_exit(127);
}
