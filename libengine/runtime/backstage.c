/*
 * engine_run's background threads: the work of a run that does not depend on
 * its command, done off the caller's path.
 *
 * Before: network namespaces for --network none. Creating one (its sysctl
 * tables, its loopback device) was the largest single cost of a run's clone
 * and bringing lo up the next; the thread makes a few ahead, each with lo
 * up, and a run's child joins one instead of cloning a new one. Each is
 * created fresh and given to exactly one run, as a new namespace would be.
 *
 * Also before: the rootfs. A run's mount namespace needs its tmpfs, its
 * overlay and a pivot_root, whose unmounting of the copied host tree waits
 * for an expedited RCU grace period (most of a run's idle time with two
 * workers). For a plan without bind mounts, the thread builds that tree
 * ahead in a mount namespace of its own, the way child.c's mount_rootfs
 * does, and goes back home; the child joins it (its root is then the
 * rootfs) and mounts the rest. The stock is for the last plan asked for
 * (an image's layers, the tmpfs size): a harness repeats one.
 *
 * After: when a container's last process exits, the kernel unmounts its
 * whole tree in the exit path (the overlay rootfs, the tmpfs upper, /proc,
 * /dev, /sys, the masks; each teardown waits for an expedited RCU grace
 * period), all before the parent sees the exit. engine_run holds an fd of
 * the mount namespace and hands it here, so the unmounting happens when the
 * thread closes it and the exit status comes without it.
 *
 * After, too: the cgroup. Making a run's cgroups (a v1 memory and pids
 * cgroup and, on a hybrid host, a v2 one with the device program) and
 * removing them (the kernel frees a memory cgroup in its workers) was the
 * largest cost engine_run had that a bare unshare has not. A finished
 * run's cgroup, empty, goes to the thread with the run's mount namespace:
 * it closes the namespace (the tmpfs pages charged to the cgroup go with
 * it), checks that nothing is left in it, and keeps it for the next run
 * with the same limits, its OOM count taken as the new zero. Only from a
 * container without CAP_SYS_ADMIN (nothing else can change its cgroup's
 * settings: no cgroupfs is mounted in it), never rootless.
 *
 * The stocks are made from a context's second run on (a one-shot caller
 * such as the CLI would only pay for namespaces it never uses). All three
 * queues are bounded: a caller that outruns the thread makes its own
 * namespace or closes its own fd, so a burst never holds more than
 * STOCK_MAX idle network namespaces, ROOT_MAX idle rootfs trees or
 * CLOSE_MAX finished ones. There is no stock in a rootless context (its
 * namespaces belong to the container's user namespace) or in a process
 * forked from the context's owner.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "runtime/runtime.h"
#include "util/fdpass.h"
#include "util/str.h"
#include "util/thread.h"

#define STOCK_MAX 2
#define CLOSE_MAX 8
#define ROOT_MAX 2
#define CG_READY_MAX 4
#define CG_PENDING_MAX 4
/* linux/pidfd.h (6.11); older kernels fall back to /proc. */
#define ENGINE__PIDFD_GET_MNT_NAMESPACE _IO(0xFF, 3)

/* What the child's mount_rootfs would mount for a plan. */
typedef struct rootfs_plan {
	char *tmpfs_dir, *tmpfs_data, *mkdirs[3], *overlay_cwd, *overlay_data, *rootfs_dir;
} rootfs_plan;

/* A finished run's cgroup on its way into the stock, with the run's mount
 * namespace to close first, for the limits of generation @gen. */
typedef struct parked {
	engine__cgroup *cg;
	unsigned seq; /* its mount namespace is the @seq'th queued */
	unsigned gen;
} parked;

typedef struct backstage {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread, reaper;
	bool started, failed, closing, reaping; /* reaping: the second thread runs */
	bool make_netns;			/* false after a failure: runs clone their own */
	unsigned takes;				/* a context that runs once gets no stock */
	pid_t owner;				/* a forked child has no thread: it does its own */
	int stock[STOCK_MAX];
	size_t n_stock;
	/* Finished runs' mount namespaces to close wait in flight in a socket
	 * (q[0] sends, q[1] receives), not in our fd table: a child cloned
	 * meanwhile copies the table, and one whose copy went last would
	 * unmount a whole tree on its own run's path. @n_close are queued,
	 * @sent_seq were ever queued, @closed_seq closed. */
	int q[2];
	size_t n_close;
	unsigned sent_seq, closed_seq;
	/* Trees for the plan @want (generation @want_gen); @roots were built
	 * for generation @roots_gen, a plan that failed is @failed_gen's. */
	bool make_rootns, want_set;
	unsigned root_takes, want_gen, roots_gen, failed_gen;
	rootfs_plan want;
	int roots[ROOT_MAX];
	size_t n_roots;
	/* Cgroups for runs with the limits @cg_key (generation @cg_gen; its
	 * strings and rules are copies): @cg_ready are empty and rebased,
	 * for generation @cg_ready_gen. */
	bool make_cg, cg_key_set;
	unsigned cg_parks, cg_gen, cg_ready_gen, cg_busy; /* busy: held out of the lock */
	engine__cgroup_limits cg_key;
	engine__cgroup *cg_ready[CG_READY_MAX];
	size_t n_cg_ready;
	parked cg_pending[CG_PENDING_MAX];
	size_t n_cg_pending;
} backstage;

static void plan_clear(rootfs_plan *r)
{
	free(r->tmpfs_dir), free(r->tmpfs_data), free(r->overlay_cwd);
	free(r->overlay_data), free(r->rootfs_dir);
	for (int i = 0; i < 3; i++)
		free(r->mkdirs[i]);
	memset(r, 0, sizeof(*r));
}

static bool plan_eq(const rootfs_plan *r, const engine__plan *p)
{
	for (int i = 0; i < 3; i++)
		if (!engine__str_eq_null(r->mkdirs[i], p->mkdirs[i]))
			return false;
	return engine__str_eq_null(r->tmpfs_dir, p->tmpfs_dir) &&
	       engine__str_eq_null(r->tmpfs_data, p->tmpfs_data) &&
	       engine__str_eq_null(r->overlay_cwd, p->overlay_cwd) &&
	       engine__str_eq_null(r->overlay_data, p->overlay_data) &&
	       engine__str_eq_null(r->rootfs_dir, p->rootfs_dir);
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*oom = true;
	return d;
}

/* @from's strings into @r (a plan's or another copy's); false on OOM. */
static bool plan_copy(rootfs_plan *r, const char *const from[8])
{
	bool oom = false;
	char **to[8] = {&r->tmpfs_dir, &r->tmpfs_data,	&r->mkdirs[0],	  &r->mkdirs[1],
			&r->mkdirs[2], &r->overlay_cwd, &r->overlay_data, &r->rootfs_dir};

	for (int i = 0; i < 8; i++)
		*to[i] = dup_or_null(from[i], &oom);
	if (oom)
		plan_clear(r);
	return !oom;
}

#define PLAN_STRINGS(p)                                                                                      \
	((const char *const[8]){(p)->tmpfs_dir, (p)->tmpfs_data, (p)->mkdirs[0], (p)->mkdirs[1],             \
				(p)->mkdirs[2], (p)->overlay_cwd, (p)->overlay_data, (p)->rootfs_dir})

static void key_clear(engine__cgroup_limits *k)
{
	free((char *)k->cpuset_cpus);
	free((char *)k->cpuset_mems);
	free((engine__cgroup_device_rule *)k->device_rules);
	memset(k, 0, sizeof(*k));
}

/* @from into @k with copies of its strings and rules; false on OOM. */
static bool key_copy(engine__cgroup_limits *k, const engine__cgroup_limits *from)
{
	engine__cgroup_device_rule *rules = NULL;
	bool oom = false;

	*k = *from;
	k->cpuset_cpus = dup_or_null(from->cpuset_cpus, &oom);
	k->cpuset_mems = dup_or_null(from->cpuset_mems, &oom);
	if (from->n_device_rules && (rules = malloc(from->n_device_rules * sizeof(*rules))))
		memcpy(rules, from->device_rules, from->n_device_rules * sizeof(*rules));
	else if (from->n_device_rules)
		oom = true;
	k->device_rules = rules;
	if (oom)
		key_clear(k);
	return !oom;
}

/* A new network namespace with lo up, made by this thread in passing: it
 * unshares, takes an fd, and goes back to @home. -1 when that fails; a
 * thread that cannot go home must not go on (it would make namespaces
 * inside one), so that ends the stock for good (*@stop). */
static int make_netns(int home, bool *stop)
{
	struct ifreq ifr;
	int fd = -1, s;

	if (unshare(CLONE_NEWNET) < 0) {
		*stop = true;
		return -1;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) == 0)
			fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	}
	if (s >= 0)
		close(s);
	if (setns(home, CLONE_NEWNET) < 0) {
		*stop = true;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd < 0)
		*stop = true;
	return fd;
}

/* A mount namespace whose root is @r's rootfs, built by this thread in
 * passing, or -1. The thread goes back to @home and to its root and cwd
 * (setns resets both); if it cannot, it must build nothing more (*@stop).
 * A plan that does not build is *@bad: its runs build their own, and say
 * why when they fail. */
static int make_rootns(const rootfs_plan *r, int home, bool *stop, bool *bad)
{
	int root = open("/", O_PATH | O_CLOEXEC), cwd = open(".", O_PATH | O_CLOEXEC), fd = -1;
	bool built = false;

	if (root < 0 || cwd < 0 || unshare(CLONE_NEWNS) < 0) {
		*stop = true;
		goto out;
	}
	/* (Slave, not private, as the child makes it: see mount_rootfs.) */
	fd = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) == 0 &&
	    mount("tmpfs", r->tmpfs_dir, "tmpfs", MS_NOSUID | MS_NODEV, r->tmpfs_data) == 0 &&
	    mkdir(r->mkdirs[0], 0755) == 0 && mkdir(r->mkdirs[1], 0755) == 0 &&
	    mkdir(r->mkdirs[2], 0755) == 0 && (!r->overlay_cwd || chdir(r->overlay_cwd) == 0) &&
	    mount("overlay", r->rootfs_dir, "overlay", 0, r->overlay_data) == 0 &&
	    chdir(r->rootfs_dir) == 0 && syscall(SYS_pivot_root, ".", ".") == 0 &&
	    umount2(".", MNT_DETACH) == 0)
		built = true;
	if (setns(home, CLONE_NEWNS) < 0 || fchdir(root) < 0 || chroot(".") < 0 || fchdir(cwd) < 0)
		*stop = true;
	if (!built) {
		*bad = true;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
out:
	if (root >= 0)
		close(root);
	if (cwd >= 0)
		close(cwd);
	if (*stop && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* One step of the rootfs stock, under the lock; false when there is none
 * to do. Drops trees of an older plan first, then builds for the current. */
static bool rootns_step(backstage *bs, int home_mnt)
{
	bool stop = false, bad = false;
	rootfs_plan r;
	unsigned gen;
	int fd;

	if (!bs->make_rootns || !bs->want_set || bs->root_takes < 2 || bs->closing)
		return false;
	if (bs->n_roots && bs->roots_gen != bs->want_gen) {
		fd = bs->roots[--bs->n_roots];
		pthread_mutex_unlock(&bs->lock);
		close(fd);
		pthread_mutex_lock(&bs->lock);
		return true;
	}
	if (bs->n_roots >= ROOT_MAX || bs->failed_gen == bs->want_gen)
		return false;
	gen = bs->want_gen;
	if (!plan_copy(&r, PLAN_STRINGS(&bs->want))) {
		bs->failed_gen = gen;
		return true;
	}
	pthread_mutex_unlock(&bs->lock);
	fd = make_rootns(&r, home_mnt, &stop, &bad);
	plan_clear(&r);
	pthread_mutex_lock(&bs->lock);
	if (stop)
		bs->make_rootns = false;
	if (bad)
		bs->failed_gen = gen;
	if (fd >= 0 && gen == bs->want_gen && bs->n_roots < ROOT_MAX &&
	    (bs->n_roots == 0 || bs->roots_gen == gen)) {
		bs->roots_gen = gen;
		bs->roots[bs->n_roots++] = fd;
	} else if (fd >= 0) {
		pthread_mutex_unlock(&bs->lock);
		close(fd);
		pthread_mutex_lock(&bs->lock);
	}
	return true;
}

/* Put @fd in flight in the queue; false when it cannot go. */
static bool queue_fd(backstage *bs, int fd)
{
	if (bs->q[0] < 0 || bs->n_close == CLOSE_MAX ||
	    engine__fd_send(bs->q[0], fd, "", 1, MSG_DONTWAIT) != 1)
		return false;
	bs->n_close++;
	bs->sent_seq++;
	/* (in flight now: closing ours is not the last reference) */
	close(fd);
	return true;
}

/* Close the oldest queued mount namespace, under the lock (dropped while
 * the unmounting waits); false when none is queued. */
static bool close_step(backstage *bs)
{
	char c;
	ssize_t got;
	int fd;

	if (!bs->n_close)
		return false;
	bs->n_close--;
	pthread_mutex_unlock(&bs->lock);
	fd = engine__fd_recv(bs->q[1], &c, 1, &got, MSG_DONTWAIT);
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&bs->lock);
	bs->closed_seq++;
	pthread_cond_broadcast(&bs->cond);
	return true;
}

/* One step of the cgroup stock, under the lock; false when there is none
 * to do. Drops cgroups of older limits first, then takes in finished runs'. */
static bool cg_step(backstage *bs)
{
	engine__cgroup *cg;
	bool keep;
	parked p;

	if (bs->n_cg_ready && bs->cg_ready_gen != bs->cg_gen) {
		cg = bs->cg_ready[--bs->n_cg_ready];
		bs->cg_busy++;
		pthread_mutex_unlock(&bs->lock);
		engine__cgroup_destroy(cg);
		pthread_mutex_lock(&bs->lock);
		bs->cg_busy--;
		pthread_cond_broadcast(&bs->cond);
		return true;
	}
	/* (its mount namespace closed first: the tmpfs pages charged to it) */
	if (!bs->n_cg_pending || (int)(bs->closed_seq - bs->cg_pending[0].seq) < 0)
		return false;
	p = bs->cg_pending[0];
	memmove(bs->cg_pending, bs->cg_pending + 1, --bs->n_cg_pending * sizeof(*bs->cg_pending));
	bs->cg_busy++;
	pthread_mutex_unlock(&bs->lock);
	/* (an escaped process would hold the next run's memory: not that) */
	keep = !engine__cgroup_populated(p.cg);
	if (keep)
		engine__cgroup_oom_rebase(p.cg);
	pthread_mutex_lock(&bs->lock);
	if (keep && !bs->closing && p.gen == bs->cg_gen && bs->n_cg_ready < CG_READY_MAX &&
	    (!bs->n_cg_ready || bs->cg_ready_gen == p.gen)) {
		bs->cg_ready_gen = p.gen;
		bs->cg_ready[bs->n_cg_ready++] = p.cg;
	} else {
		pthread_mutex_unlock(&bs->lock);
		engine__cgroup_destroy(p.cg);
		pthread_mutex_lock(&bs->lock);
	}
	bs->cg_busy--;
	pthread_cond_broadcast(&bs->cond);
	return true;
}

static void *loop(void *arg)
{
	backstage *bs = arg;
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), home_mnt = -1;

	engine__thread_block_signals();
	pthread_mutex_lock(&bs->lock);
	if (home < 0)
		bs->make_netns = false;
	/* Its own root and cwd, which unshare(CLONE_NEWNS) needs. */
	if (bs->make_rootns && (unshare(CLONE_FS) < 0 ||
				(home_mnt = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0))
		bs->make_rootns = false;
	for (;;) {
		/* A finished run's cgroup first while the next runs lack one:
		 * without it they make their own, the costliest part of a run. */
		if (!bs->reaping && bs->n_cg_pending && bs->n_cg_ready < CG_READY_MAX && cg_step(bs))
			continue;
		/* The next run waits for neither: finished trees first only
		 * when the stock is full, so the start path never runs dry. */
		if (bs->make_netns && bs->takes > 1 && bs->n_stock < STOCK_MAX && !bs->closing) {
			bool stop = false;
			int fd;

			pthread_mutex_unlock(&bs->lock);
			fd = make_netns(home, &stop);
			pthread_mutex_lock(&bs->lock);
			if (stop)
				bs->make_netns = false;
			if (fd >= 0)
				bs->stock[bs->n_stock++] = fd;
			continue;
		}
		if (rootns_step(bs, home_mnt))
			continue;
		if (!bs->reaping && cg_step(bs))
			continue;
		if (!bs->reaping && close_step(bs))
			continue;
		if (bs->closing)
			break;
		pthread_cond_wait(&bs->cond, &bs->lock);
	}
	pthread_mutex_unlock(&bs->lock);
	if (home >= 0)
		close(home);
	if (home_mnt >= 0)
		close(home_mnt);
	return NULL;
}

/* The second thread: what comes after runs. Closing a finished run's
 * mount namespace waits for expedited RCU grace periods (its unmounts, its
 * overlay's): asleep there, it keeps the first thread making namespaces,
 * and the runs' own path never waits for it. */
static void *reap(void *arg)
{
	backstage *bs = arg;

	engine__thread_block_signals();
	pthread_mutex_lock(&bs->lock);
	for (;;) {
		if (cg_step(bs) || close_step(bs))
			continue;
		if (bs->closing)
			break;
		pthread_cond_wait(&bs->cond, &bs->lock);
	}
	pthread_mutex_unlock(&bs->lock);
	return NULL;
}

static void backstage_free(void *data)
{
	backstage *bs = data;

	if (bs->started && bs->owner == getpid()) {
		pthread_mutex_lock(&bs->lock);
		bs->closing = true;
		pthread_cond_broadcast(&bs->cond);
		pthread_mutex_unlock(&bs->lock);
		pthread_join(bs->thread, NULL);
		if (bs->reaping)
			pthread_join(bs->reaper, NULL);
	}
	/* (A forked child inherited the fds, not the thread.) */
	/* (what is still in flight goes with the socket) */
	for (int i = 0; i < 2; i++)
		if (bs->q[i] >= 0)
			close(bs->q[i]);
	for (size_t i = 0; i < bs->n_stock; i++)
		close(bs->stock[i]);
	for (size_t i = 0; i < bs->n_roots; i++)
		close(bs->roots[i]);
	/* The owner removes the stock's cgroups; a forked child only lets go. */
	for (size_t i = 0; i < bs->n_cg_pending + bs->n_cg_ready; i++) {
		engine__cgroup *cg =
		    i < bs->n_cg_pending ? bs->cg_pending[i].cg : bs->cg_ready[i - bs->n_cg_pending];

		if (bs->owner == getpid())
			engine__cgroup_destroy(cg);
		else
			engine__cgroup_free(cg);
	}
	key_clear(&bs->cg_key);
	plan_clear(&bs->want);
	pthread_cond_destroy(&bs->cond);
	pthread_mutex_destroy(&bs->lock);
	free(bs);
}

static void *backstage_new(engine_context *ctx)
{
	backstage *bs = calloc(1, sizeof(*bs));

	if (!bs) {
		engine__error_oom();
		return NULL;
	}
	pthread_mutex_init(&bs->lock, NULL);
	pthread_cond_init(&bs->cond, NULL);
	bs->owner = getpid();
	bs->make_netns = bs->make_rootns = bs->make_cg = !engine__context_rootless(ctx);
	/* (without the queue, runs close their own and keep no cgroup) */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, bs->q) < 0) {
		bs->q[0] = bs->q[1] = -1;
		bs->make_cg = false;
	}
	bs->failed_gen = ~0U;
	return bs;
}

/* The context's backstage with its thread running and locked, or NULL. */
static backstage *get_locked(engine_context *ctx)
{
	engine__error_saved saved;
	backstage *bs;

	engine__error_save(&saved);
	bs = engine__context_ext(ctx, ENGINE__EXT_BACKSTAGE, backstage_new, backstage_free);
	engine__error_restore(&saved);
	if (!bs || bs->owner != getpid())
		return NULL;
	pthread_mutex_lock(&bs->lock);
	if (!bs->started && !bs->failed) {
		bs->started = pthread_create(&bs->thread, NULL, loop, bs) == 0;
		bs->failed = !bs->started;
		/* (without it, the first thread does its work too) */
		bs->reaping = bs->started && pthread_create(&bs->reaper, NULL, reap, bs) == 0;
	}
	if (!bs->started) {
		pthread_mutex_unlock(&bs->lock);
		return NULL;
	}
	return bs;
}

int engine__netns_take(engine_context *ctx)
{
	backstage *bs = get_locked(ctx);
	int fd = -1;

	if (!bs)
		return -1;
	if (bs->n_stock)
		fd = bs->stock[--bs->n_stock];
	if (bs->make_netns && ++bs->takes > 1)
		pthread_cond_broadcast(&bs->cond);
	pthread_mutex_unlock(&bs->lock);
	return fd;
}

int engine__rootns_take(engine_context *ctx, const engine__plan *p)
{
	backstage *bs;
	int fd = -1;

	/* Bind mounts are cloned from the host before the pivot: not here. */
	if (p->n_mounts || p->shm_mntns_fd >= 0 || p->shm_host || !p->tmpfs_dir || !p->overlay_data ||
	    !p->rootfs_dir || p->rootless || !(p->clone_flags & CLONE_NEWNS) ||
	    (p->clone_flags & CLONE_NEWUSER))
		return -1;
	bs = get_locked(ctx);
	if (!bs)
		return -1;
	if (bs->want_set && plan_eq(&bs->want, p)) {
		if (bs->n_roots && bs->roots_gen == bs->want_gen)
			fd = bs->roots[--bs->n_roots];
	} else {
		rootfs_plan r;

		if (plan_copy(&r, PLAN_STRINGS(p))) {
			plan_clear(&bs->want);
			bs->want = r;
			bs->want_set = true;
			bs->want_gen++;
		}
	}
	if (bs->make_rootns && ++bs->root_takes > 1)
		pthread_cond_broadcast(&bs->cond);
	pthread_mutex_unlock(&bs->lock);
	return fd;
}

int engine__mntns_hold(const engine__proc *proc)
{
	char path[64];
	struct pollfd pfd = {.fd = proc->pidfd, .events = POLLIN};
	int fd = ioctl(proc->pidfd, ENGINE__PIDFD_GET_MNT_NAMESPACE, 0);

	if (fd >= 0 || (errno != ENOTTY && errno != EINVAL))
		return fd;
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)proc->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/* Gone already: under an ignored SIGCHLD the pid may be another's. */
	if (fd >= 0 && poll(&pfd, 1, 0) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

void engine__mntns_release(engine_context *ctx, int fd)
{
	backstage *bs;

	if (fd < 0)
		return;
	bs = get_locked(ctx);
	if (!bs || !queue_fd(bs, fd)) {
		if (bs)
			pthread_mutex_unlock(&bs->lock);
		close(fd);
		return;
	}
	pthread_cond_broadcast(&bs->cond);
	pthread_mutex_unlock(&bs->lock);
}

engine__cgroup *engine__cgroup_unpark(engine_context *ctx, const engine__cgroup_limits *limits)
{
	backstage *bs = get_locked(ctx);
	engine__cgroup *cg = NULL;

	if (!bs)
		return NULL;
	if (bs->cg_key_set && bs->n_cg_ready && bs->cg_ready_gen == bs->cg_gen &&
	    engine__cgroup_limits_equal(&bs->cg_key, limits))
		cg = bs->cg_ready[--bs->n_cg_ready];
	pthread_mutex_unlock(&bs->lock);
	return cg;
}

bool engine__cgroup_park(engine_context *ctx, engine__cgroup *cg, const engine__cgroup_limits *limits,
			 int mntns)
{
	backstage *bs = get_locked(ctx);

	if (!bs)
		return false;
	/* (a one-shot caller removes its own, as before) */
	if (!bs->make_cg || ++bs->cg_parks < 2 || bs->n_cg_pending == CG_PENDING_MAX || bs->closing) {
		pthread_mutex_unlock(&bs->lock);
		return false;
	}
	if (!bs->cg_key_set || !engine__cgroup_limits_equal(&bs->cg_key, limits)) {
		engine__cgroup_limits k;

		if (!key_copy(&k, limits)) {
			pthread_mutex_unlock(&bs->lock);
			return false;
		}
		key_clear(&bs->cg_key);
		bs->cg_key = k;
		bs->cg_key_set = true;
		bs->cg_gen++;
	}
	if (mntns >= 0 && !queue_fd(bs, mntns)) {
		pthread_mutex_unlock(&bs->lock);
		return false;
	}
	bs->cg_pending[bs->n_cg_pending++] = (parked){cg, bs->sent_seq, bs->cg_gen};
	pthread_cond_broadcast(&bs->cond);
	pthread_mutex_unlock(&bs->lock);
	return true;
}

void engine__run_stock_drop(engine_context *ctx)
{
	/* (a context that never ran has none, and gets no thread here) */
	backstage *bs = engine__context_ext(ctx, ENGINE__EXT_BACKSTAGE, NULL, NULL);
	engine__cgroup *ready[CG_READY_MAX];
	parked pending[CG_PENDING_MAX];
	size_t n_ready, n_pending;

	if (!bs || bs->owner != getpid())
		return;
	pthread_mutex_lock(&bs->lock);
	/* What the threads hold out of the lock goes too (a new generation),
	 * and is gone when this returns: the caller may remove the parent
	 * cgroup next, closing the fd the stock's cgroups are removed at. */
	bs->cg_gen++;
	n_ready = bs->n_cg_ready, n_pending = bs->n_cg_pending;
	memcpy(ready, bs->cg_ready, n_ready * sizeof(*ready));
	memcpy(pending, bs->cg_pending, n_pending * sizeof(*pending));
	bs->n_cg_ready = bs->n_cg_pending = 0;
	while (bs->cg_busy)
		pthread_cond_wait(&bs->cond, &bs->lock);
	pthread_mutex_unlock(&bs->lock);
	for (size_t i = 0; i < n_pending; i++)
		engine__cgroup_destroy(pending[i].cg);
	for (size_t i = 0; i < n_ready; i++)
		engine__cgroup_destroy(ready[i]);
}
