/*
 * engine_run's background thread: the work of a run that does not depend on
 * its command, done off the caller's path.
 *
 * Before: network namespaces for --network none. Creating one (its sysctl
 * tables, its loopback device) was the largest single cost of a run's clone
 * and bringing lo up the next; the thread makes a few ahead, each with lo
 * up, and a run's child joins one instead of cloning a new one. Each is
 * created fresh and given to exactly one run, as a new namespace would be.
 *
 * After: when a container's last process exits, the kernel unmounts its
 * whole tree in the exit path (the overlay rootfs, the tmpfs upper, /proc,
 * /dev, /sys, the masks; each teardown waits for an expedited RCU grace
 * period), all before the parent sees the exit. engine_run holds an fd of
 * the mount namespace and hands it here, so the unmounting happens when the
 * thread closes it and the exit status comes without it.
 *
 * The stock is made from a context's second run on (a one-shot caller such
 * as the CLI would only pay for namespaces it never uses). Both queues are
 * bounded: a caller that outruns the thread clones its own
 * namespace or closes its own fd, so a burst never holds more than
 * STOCK_MAX idle namespaces or CLOSE_MAX finished rootfs trees. Nothing is
 * used in a rootless context (its namespaces belong to the container's
 * user namespace) or in a process forked from the context's owner.
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
#include <sys/socket.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "runtime/runtime.h"

#define STOCK_MAX 2
#define CLOSE_MAX 8
/* linux/pidfd.h (6.11); older kernels fall back to /proc. */
#define ENGINE__PIDFD_GET_MNT_NAMESPACE _IO(0xFF, 3)

typedef struct backstage {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool started, failed, closing;
	bool make_netns; /* false after a failure: runs clone their own */
	unsigned takes;	 /* a context that runs once gets no stock */
	pid_t owner;	 /* a forked child has no thread: it does its own */
	int stock[STOCK_MAX];
	size_t n_stock;
	int to_close[CLOSE_MAX];
	size_t n_close;
} backstage;

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

static void *loop(void *arg)
{
	backstage *bs = arg;
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	sigset_t all;

	/* Signals belong to the embedding program's threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&bs->lock);
	if (home < 0)
		bs->make_netns = false;
	for (;;) {
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
		if (bs->n_close) {
			int fd = bs->to_close[--bs->n_close];

			pthread_mutex_unlock(&bs->lock);
			close(fd);
			pthread_mutex_lock(&bs->lock);
			continue;
		}
		if (bs->closing)
			break;
		pthread_cond_wait(&bs->cond, &bs->lock);
	}
	pthread_mutex_unlock(&bs->lock);
	if (home >= 0)
		close(home);
	return NULL;
}

static void backstage_free(void *data)
{
	backstage *bs = data;

	if (bs->started && bs->owner == getpid()) {
		pthread_mutex_lock(&bs->lock);
		bs->closing = true;
		pthread_cond_signal(&bs->cond);
		pthread_mutex_unlock(&bs->lock);
		pthread_join(bs->thread, NULL);
	}
	/* (A forked child inherited the fds, not the thread.) */
	for (size_t i = 0; i < bs->n_close; i++)
		close(bs->to_close[i]);
	for (size_t i = 0; i < bs->n_stock; i++)
		close(bs->stock[i]);
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
	bs->make_netns = !engine__context_rootless(ctx);
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
		pthread_cond_signal(&bs->cond);
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
	if (!bs || bs->n_close == CLOSE_MAX) {
		if (bs)
			pthread_mutex_unlock(&bs->lock);
		close(fd);
		return;
	}
	bs->to_close[bs->n_close++] = fd;
	pthread_cond_signal(&bs->cond);
	pthread_mutex_unlock(&bs->lock);
}
