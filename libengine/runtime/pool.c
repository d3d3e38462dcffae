/*
 * Prepared sandboxes (engine_pool): what a run costs that does not depend
 * on the command — namespaces, the overlay rootfs on its tmpfs, /proc and
 * /dev, the cgroup with its limits and device policy — is done ahead by a
 * background thread, between runs (a run's sandbox gets the CPUs). Each
 * sandbox is a cloned child stopped in its cgroup namespace, with Docker's
 * default filter already loaded and (a root user) its privileges dropped
 * and engine-init exec'd (child_pool.c): a run sends it argv, env and
 * stdio, and it execs the command like any engine_run container. A
 * sandbox serves one run and is then torn down on the background thread,
 * so nothing of a run survives into the next: the pool holds each
 * sandbox's namespaces, so its process exits without unmounting its rootfs
 * (the status comes back without waiting for that), and the thread lets
 * them go and removes the cgroup, off the caller's path.
 *
 * Lifetime: the pool belongs to its context (closing the context closes
 * the pool). A sandbox whose owner dies sees EOF on its socket and removes
 * its own cgroup before exiting (cgroup_exit.c; engine-init --job does the
 * same); its mounts and processes live in its own namespaces and die with
 * it. A run takes the oldest ready sandbox (or waits for the one being
 * prepared) and gives it the calling thread's scheduling.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <engine/pool.h>

#include "core/abi.h"
#include "core/context.h"
#include "core/error.h"
#include "env/env.h"
#include "runtime/container_int.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/thread.h"

#define POOL_MAX 64
#define JOB_BYTES ENGINE__POOL_JOB_BYTES /* argv + env of one run */
#define JOB_PTRS ENGINE__POOL_JOB_PTRS

static const struct {
	unsigned long flag;
	const char *name;
} held_ns[] = {{CLONE_NEWNS, "mnt"}, {CLONE_NEWNET, "net"}, {CLONE_NEWIPC, "ipc"}, {CLONE_NEWUTS, "uts"}};
#define N_HELD_NS (sizeof(held_ns) / sizeof(held_ns[0]))

typedef struct sandbox {
	engine__cinfo *ci;
	engine__plan *plan;
	engine__cgroup *cg;
	engine__spawning sp;
	engine__pool_job job;
	/* Its namespaces, held from here: when its process exits, their
	 * teardown (unmounting the rootfs is most of it) waits for us, on the
	 * pool's thread, and the exit status comes without it. */
	int ns_fd[N_HELD_NS];
	bool limited; /* has limits of its own: its OOM counter means something */
} sandbox;

struct engine_pool {
	engine_context *ctx; /* NULL once closed */
	engine_spec *spec;
	unsigned size;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	sandbox *ready[POOL_MAX];
	unsigned n_ready, preparing;
	unsigned running; /* engine_pool_run calls between take and result */
	sandbox **dead;	  /* used sandboxes, to tear down */
	size_t n_dead, cap_dead;
	bool closing, failed;
	pthread_t thread;
	bool thread_started;
};

/* --- one sandbox ------------------------------------------------------- */

static void sandbox_free(sandbox *sb)
{
	if (!sb)
		return;
	for (size_t i = 0; i < N_HELD_NS; i++)
		if (sb->ns_fd[i] >= 0)
			close(sb->ns_fd[i]);
	engine__spawning_close(&sb->sp);
	if (sb->sp.pidfd >= 0)
		close(sb->sp.pidfd);
	engine__cgroup_exit_close(&sb->job.cg_exit);
	free(sb->job.buf);
	free(sb->job.ptrs);
	engine__plan_free(sb->plan);
	engine__cinfo_free(sb->ci);
	free(sb);
}

/* A sandbox done with or never used: kill its process, let its
 * namespaces go, remove its cgroup. */
static void sandbox_discard(sandbox *sb)
{
	engine__error_saved saved;

	engine__error_save(&saved);
	if (sb->sp.pidfd >= 0) {
		syscall(SYS_pidfd_send_signal, sb->sp.pidfd, SIGKILL, NULL, 0);
		waitpid(sb->sp.pid, NULL, __WALL);
	}
	for (size_t i = 0; i < N_HELD_NS; i++)
		if (sb->ns_fd[i] >= 0) {
			close(sb->ns_fd[i]);
			sb->ns_fd[i] = -1;
		}
	engine__cgroup_destroy(sb->cg);
	sb->cg = NULL;
	sandbox_free(sb);
	engine__error_restore(&saved);
}

/* The child says when it waits for its job (child_pool.c); EOF instead:
 * it failed, and its report says why. */
static int sandbox_wait_ready(sandbox *sb)
{
	engine__proc proc = {0, -1, -1};
	ssize_t n;
	char c;
	int r;

	do
		n = read(sb->sp.go_w, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && c == 'r')
		return 0;
	r = engine__spawn_end(sb->plan, &sb->sp, &proc, NULL);
	if (r < 0)
		return r;
	syscall(SYS_pidfd_send_signal, proc.pidfd, SIGKILL, NULL, 0);
	waitpid(proc.pid, NULL, __WALL);
	close(proc.pidfd);
	return engine__error_set(ENGINE_ERROR, 0, "the sandbox ended before it was ready");
}

static int sandbox_prepare(engine_pool *pool, sandbox **out)
{
	engine_context *ctx = pool->ctx;
	engine__cgroup_limits limits;
	cleanup_free char *eph = NULL;
	sandbox *sb = calloc(1, sizeof(*sb));
	int r;

	if (!sb)
		return engine__error_oom();
	sb->sp.pidfd = sb->sp.go_w = sb->sp.err_r = -1;
	sb->job.cg_exit.root_fd = -1;
	for (size_t i = 0; i < N_HELD_NS; i++)
		sb->ns_fd[i] = -1;
	r = engine__cinfo_ephemeral(ctx, pool->spec, &sb->ci);
	if (r < 0)
		goto fail;
	r = engine__plan_build(ctx, pool->spec, sb->ci->config, sb->ci->layers, sb->ci->dir, sb->ci->id,
			       &sb->plan);
	if (r < 0)
		goto fail;
	eph = engine__path_join(engine_context_run_dir(ctx), "ephemeral");
	r = eph ? engine__plan_tmpfs_upper(ctx, pool->spec, sb->plan, sb->ci->layers, eph) : ENGINE_ENOMEM;
	if (r < 0)
		goto fail;
	/* Built on /dev/null; a run's stdio comes with its job. */
	sb->plan->stdio_fd[0] = sb->plan->stdio_fd[1] = sb->plan->stdio_fd[2] = -1;
	sb->job.cap = JOB_BYTES;
	sb->job.n_ptrs = JOB_PTRS;
	sb->job.buf = malloc(sb->job.cap);
	sb->job.ptrs = calloc(sb->job.n_ptrs, sizeof(char *));
	if (!sb->job.buf || !sb->job.ptrs) {
		r = engine__error_oom();
		goto fail;
	}
	/* A cgroup even without limits: the device policy lives there. */
	engine__spec_limits(pool->spec, &limits);
	limits.minimal = !engine__limits_set(&limits);
	sb->limited = !limits.minimal;
	r = engine__cgroup_create(ctx, sb->ci->id, &limits, &sb->cg);
	if (r < 0)
		goto fail;
	r = engine__cgroup_exit_prepare(sb->cg, &sb->job.cg_exit);
	if (r < 0)
		goto fail;
	sb->plan->job = &sb->job;
	sb->job.seccomp_early = sb->plan->seccomp && !pool->spec->privileged &&
				(!pool->spec->seccomp || strcmp(pool->spec->seccomp, "default") == 0);
	/* engine-init waits for the job when it can do the rest: it runs as
	 * the container's root (removing the cgroup of an orphaned sandbox
	 * needs that), under a filter that lets it. */
	sb->job.pre_exec = (!sb->plan->seccomp || sb->job.seccomp_early) &&
			   (!sb->plan->has_user || sb->plan->uid == 0) && !sb->plan->userns_count &&
			   !sb->plan->tty && !sb->plan->rootless;
	/* (and it gets fds of its own: a handful per cgroup hierarchy) */
	for (size_t i = 0; i < sb->plan->n_rlimits; i++)
		if (sb->plan->rlimits[i].resource == RLIMIT_NOFILE &&
		    sb->plan->rlimits[i].limit.rlim_cur < 64)
			sb->job.pre_exec = false;
	r = engine__spawn_begin(sb->plan, sb->cg, &sb->sp);
	if (r == 0)
		r = sandbox_wait_ready(sb);
	for (size_t i = 0; r == 0 && i < N_HELD_NS; i++) {
		char path[64];

		if (!(sb->plan->clone_flags & held_ns[i].flag))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)sb->sp.pid, held_ns[i].name);
		sb->ns_fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (sb->ns_fd[i] < 0)
			r = engine__error_errno(errno, "open %s", path);
	}
	if (r < 0)
		goto fail;
	*out = sb;
	return 0;

fail:
	engine__error_wrap("prepare a sandbox");
	r = engine_error_last()->code;
	sandbox_discard(sb);
	return r;
}

/* --- the job ------------------------------------------------------------ */

/* Copy @v's strings with their NULs to @dst (NULL: only count). */
static size_t strings_copy(char *dst, char *const *v)
{
	size_t len = 0;

	for (size_t i = 0; v && v[i]; i++) {
		size_t n = strlen(v[i]) + 1;

		if (dst)
			memcpy(dst + len, v[i], n);
		len += n;
	}
	return len;
}

/* The run's argv, env and exec candidates become the plan's (the parent's
 * copy of the plan serves nothing else now), then one buffer to send. */
static int job_build(engine_pool *pool, sandbox *sb, const engine_strarray *argv, const engine_strarray *env,
		     engine__pool_job_header *h, char **out)
{
	engine__plan *p = sb->plan;
	size_t len, at = 0;
	char *buf;
	int r;

	if (argv && argv->count > 0) {
		engine_spec tmp = *pool->spec; /* shallow: resolve only reads it */
		cleanup_strv char **cmd = calloc(argv->count + 1, sizeof(char *));
		char **resolved = NULL;

		if (!cmd)
			return engine__error_oom();
		for (size_t i = 0; i < argv->count; i++)
			if (!(cmd[i] = strdup(argv->strings[i] ? argv->strings[i] : "")))
				return engine__error_oom();
		tmp.argv = cmd;
		r = engine__resolve_argv(&tmp, sb->ci->config, &resolved);
		if (r < 0)
			return r;
		engine__strv_free(p->argv);
		p->argv = resolved;
	}
	for (size_t i = 0; env && i < env->count; i++) {
		const char *kv = env->strings[i], *eq = kv ? strchr(kv, '=') : NULL;
		size_t k;

		if (!eq || eq == kv)
			return engine__error_set(ENGINE_EINVALID, 0, "env entry \"%s\": not KEY=value",
						 kv ? kv : "(null)");
		for (k = 0; p->env && p->env[k]; k++)
			if (strncmp(p->env[k], kv, (size_t)(eq - kv) + 1) == 0)
				break;
		if (p->env && p->env[k]) {
			char *dup = strdup(kv);

			if (!dup)
				return engine__error_oom();
			free(p->env[k]);
			p->env[k] = dup;
		} else if (engine__strv_push(&p->env, kv) < 0) {
			return engine_error_last()->code;
		}
	}
	engine__strv_free(p->init_argv);
	p->init_argv = NULL;
	r = engine__plan_init_argv(p);
	if (r < 0)
		return r;
	memset(h, 0, sizeof(*h));
	h->argc = (uint32_t)engine__strv_len(p->init_argv);
	h->envc = (uint32_t)engine__strv_len(p->env);
	len = strings_copy(NULL, p->init_argv) + strings_copy(NULL, p->env);
	if (len > sb->job.cap || (size_t)h->argc + h->envc + 2 > sb->job.n_ptrs)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "argv and env of a pooled run exceed %d KiB or %d strings",
					 JOB_BYTES / 1024, JOB_PTRS - 4);
	buf = malloc(len ? len : 1);
	if (!buf)
		return engine__error_oom();
	at += strings_copy(buf + at, p->init_argv);
	strings_copy(buf + at, p->env);
	h->len = (uint32_t)len;
	*out = buf;
	return 0;
}

/* The header with the stdio fds, then the strings. */
static int job_send(sandbox *sb, engine__pool_job_header *h, const char *strings)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(3 * sizeof(int))];
	} ctl;
	struct iovec iov = {h, sizeof(*h)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	int fds[3], n = 0;
	size_t off = 0;
	ssize_t w;

	for (int i = 0; i < 3; i++)
		if (sb->plan->stdio_fd[i] >= 0) {
			h->stdio_mask |= 1u << i;
			fds[n++] = sb->plan->stdio_fd[i];
		}
	if (n) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)n * sizeof(int));
	}
	do
		w = sendmsg(sb->sp.go_w, &m, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)sizeof(*h))
		return engine__error_errno(w < 0 ? errno : EPIPE, "hand the job to the sandbox");
	while (off < h->len) {
		w = send(sb->sp.go_w, strings + off, h->len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return engine__error_errno(w < 0 ? errno : EPIPE, "hand the job to the sandbox");
		off += (size_t)w;
	}
	return 0;
}

/* --- the pool and its thread -------------------------------------------- */

static void *refill(void *arg)
{
	engine_pool *pool = arg;

	engine__thread_block_signals();
	pthread_mutex_lock(&pool->lock);
	while (!pool->closing) {
		/* While a run is in flight its sandbox needs the CPUs (two on
		 * the machines harnesses run on): refill in the caller's gap
		 * between runs, unless nothing is ready at all or the used
		 * cgroups pile up; the next sandbox before the last teardown.
		 * (Measured: refilling during runs doubles a run's time; so does
		 * a refill below the caller's priority, which other load then
		 * starves until the pool runs dry.) */
		if (pool->running && pool->n_ready && pool->n_dead < POOL_MAX) {
			pthread_cond_wait(&pool->cond, &pool->lock);
			continue;
		}
		if (!pool->failed && pool->n_ready + pool->preparing < pool->size) {
			sandbox *sb = NULL;
			int r;

			pool->preparing++;
			pthread_mutex_unlock(&pool->lock);
			r = sandbox_prepare(pool, &sb);
			pthread_mutex_lock(&pool->lock);
			pool->preparing--;
			if (r < 0) {
				/* A run prepares its own and reports why. */
				pool->failed = true;
			} else if (pool->closing || pool->n_ready >= POOL_MAX) {
				pthread_mutex_unlock(&pool->lock);
				sandbox_discard(sb);
				pthread_mutex_lock(&pool->lock);
			} else {
				pool->ready[pool->n_ready++] = sb;
			}
			pthread_cond_broadcast(&pool->cond);
			continue;
		}
		if (pool->n_dead) {
			sandbox *sb = pool->dead[--pool->n_dead];

			pthread_mutex_unlock(&pool->lock);
			sandbox_discard(sb);
			pthread_mutex_lock(&pool->lock);
			continue;
		}
		pthread_cond_wait(&pool->cond, &pool->lock);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

/* Kill what is prepared, finish the teardowns, stop the thread. */
static void pool_close(engine_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->closing = true;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	if (pool->thread_started)
		pthread_join(pool->thread, NULL);
	pool->thread_started = false;
	for (unsigned i = 0; i < pool->n_ready; i++)
		sandbox_discard(pool->ready[i]);
	pool->n_ready = 0;
	for (size_t i = 0; i < pool->n_dead; i++)
		sandbox_discard(pool->dead[i]);
	pool->n_dead = 0;
	pool->ctx = NULL;
}

/* The context's open pools: closed when it is freed. */
typedef struct pool_list {
	pthread_mutex_t lock;
	engine_pool **v;
	size_t n;
} pool_list;

static void *pools_new(engine_context *ctx)
{
	pool_list *l = calloc(1, sizeof(*l));

	(void)ctx;
	if (!l) {
		engine__error_oom();
		return NULL;
	}
	pthread_mutex_init(&l->lock, NULL);
	return l;
}

static void pools_free(void *data)
{
	pool_list *l = data;

	for (size_t i = 0; i < l->n; i++)
		pool_close(l->v[i]);
	free(l->v);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static int pools_add(engine_context *ctx, engine_pool *pool)
{
	pool_list *l = engine__context_ext(ctx, ENGINE__EXT_POOL, pools_new, pools_free);
	engine_pool **g;

	if (!l)
		return engine_error_last()->code;
	pthread_mutex_lock(&l->lock);
	g = realloc(l->v, (l->n + 1) * sizeof(*g));
	if (g) {
		l->v = g;
		l->v[l->n++] = pool;
	}
	pthread_mutex_unlock(&l->lock);
	return g ? 0 : engine__error_oom();
}

static void pools_remove(engine_context *ctx, engine_pool *pool)
{
	pool_list *l = engine__context_ext(ctx, ENGINE__EXT_POOL, NULL, NULL);

	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == pool) {
			l->v[i] = l->v[--l->n];
			break;
		}
	pthread_mutex_unlock(&l->lock);
}

unsigned engine__pool_ready(engine_pool *pool)
{
	unsigned n;

	pthread_mutex_lock(&pool->lock);
	n = pool->n_ready;
	pthread_mutex_unlock(&pool->lock);
	return n;
}

ENGINE_EXTERN int engine_pool_options_init(engine_pool_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_pool_options, opts, version, ENGINE_POOL_OPTIONS_INIT);
}

ENGINE_EXTERN int engine_pool_new(engine_context *ctx, const engine_spec *spec,
				  const engine_pool_options *opts, engine_pool **out)
{
	engine_pool_options o = ENGINE_POOL_OPTIONS_INIT;
	engine_pool *pool;
	sandbox *first = NULL;
	unsigned size;
	int r;

	if (!ctx || !spec || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_pool_new: NULL argument");
	*out = NULL;
	if ((r = engine__abi_read(ENGINE__ABI(engine_pool_options), &o, opts)) < 0)
		return r;
	size = o.size ? o.size : 2;
	if (size > POOL_MAX)
		return engine__error_set(ENGINE_EINVALID, 0, "pool size %u: at most %d", size, POOL_MAX);
	if (spec->userns_count || engine__context_rootless(ctx))
		return engine__error_set(ENGINE_ENOTSUP, 0, "pool: user namespaces are not supported%s",
					 spec->userns_count ? "" : " (this context runs rootless)");
	if (!engine__spec_ns_default(spec))
		return engine__error_set(
		    ENGINE_ENOTSUP, 0,
		    "pool: --ipc, --pid, --uts, --userns or --cgroupns modes are not supported");
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return engine__error_oom();
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->cond, NULL);
	pool->ctx = ctx;
	pool->size = size;
	r = engine__spec_copy(spec, &pool->spec);
	/* The first sandbox, here: a spec the host cannot run fails now. */
	if (r == 0)
		r = sandbox_prepare(pool, &first);
	if (r == 0) {
		pool->ready[pool->n_ready++] = first;
		r = pthread_create(&pool->thread, NULL, refill, pool);
		r = r ? engine__error_errno(r, "start the pool's thread") : 0;
		pool->thread_started = r == 0;
	}
	if (r == 0)
		r = pools_add(ctx, pool);
	if (r < 0) {
		pool_close(pool);
		engine_pool_free(pool);
		return r;
	}
	*out = pool;
	return 0;
}

/* The command runs with the calling thread's scheduling, as engine_run's
 * would (the sandbox has the pool thread's, from its creator). Best
 * effort: a policy the kernel refuses for the sandbox (a deadline over
 * budget) leaves it as it was. */
static void sched_like_caller(pid_t pid)
{
	struct {
		uint32_t size, policy;
		uint64_t flags;
		int32_t nice;
		uint32_t priority;
		uint64_t runtime, deadline, period;
		uint32_t util_min, util_max;
	} a; /* struct sched_attr, version 1 */

	memset(&a, 0, sizeof(a));
	if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) == 0)
		syscall(SYS_sched_setattr, pid, &a, 0);
}

/* A ready sandbox, or one made now. */
static int take(engine_pool *pool, sandbox **out)
{
	int r;

	pthread_mutex_lock(&pool->lock);
	if (!pool->ctx) {
		pthread_mutex_unlock(&pool->lock);
		return engine__error_set(ENGINE_EINVALID, 0, "pool: closed with its context");
	}
	pool->failed = false;
	pool->running++;
	/* None ready but one on its way: it is ready sooner than one made
	 * from the start here, which would also slow it down. */
	while (!pool->n_ready && pool->preparing && !pool->failed && !pool->closing)
		pthread_cond_wait(&pool->cond, &pool->lock);
	if (pool->closing) {
		pool->running--;
		pthread_mutex_unlock(&pool->lock);
		return engine__error_set(ENGINE_EINVALID, 0, "pool: closed with its context");
	}
	/* The oldest first: the most settled (the newest may still be busy). */
	*out = pool->n_ready ? pool->ready[0] : NULL;
	if (*out)
		memmove(pool->ready, pool->ready + 1, --pool->n_ready * sizeof(pool->ready[0]));
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	if (*out) {
		sched_like_caller((*out)->sp.pid);
		return 0;
	}
	r = sandbox_prepare(pool, out);
	if (r < 0) {
		pthread_mutex_lock(&pool->lock);
		pool->running--;
		pthread_cond_broadcast(&pool->cond);
		pthread_mutex_unlock(&pool->lock);
	}
	return r;
}

ENGINE_EXTERN int engine_pool_run(engine_pool *pool, const engine_strarray *argv, const engine_strarray *env,
				  engine_run_result **out)
{
	cleanup_free char *strings = NULL;
	engine__pool_job_header h;
	engine_run_result *res = NULL;
	int capture[2] = {-1, -1}, owned[3] = {-1, -1, -1}, exit_code = 0, r;
	engine__proc proc = {0, -1, -1};
	sandbox *sb = NULL;
	double t0;

	if (!pool || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_pool_run: NULL argument");
	*out = NULL;
	res = calloc(1, sizeof(*res));
	if (!res)
		return engine__error_oom();
	r = take(pool, &sb);
	if (r < 0)
		goto free_res;
	t0 = engine__now();
	res->id = strdup(sb->ci->id);
	r = res->id ? job_build(pool, sb, argv, env, &h, &strings) : engine__error_oom();
	if (r < 0)
		goto discard;
	/* An ephemeral container keeps no log files: LOG means capture here. */
	r = engine__stdio_setup(pool->spec,
				pool->spec->stdio && pool->spec->stdio != ENGINE_STDIO_LOG
				    ? pool->spec->stdio
				    : ENGINE_STDIO_CAPTURE,
				sb->ci->dir, sb->plan, capture, owned);
	if (r == 0 && job_send(sb, &h, strings) < 0) {
		/* The sandbox died while it waited: its own report says why. */
		engine__error_saved saved;

		engine__error_save(&saved);
		r = engine__spawn_end(sb->plan, &sb->sp, &proc, &exit_code);
		if (r == 0) {
			syscall(SYS_pidfd_send_signal, proc.pidfd, SIGKILL, NULL, 0);
			waitpid(proc.pid, NULL, __WALL);
			close(proc.pidfd);
			engine__error_restore(&saved);
			r = saved.code;
		}
	} else if (r == 0) {
		r = engine__spawn_end(sb->plan, &sb->sp, &proc, &exit_code);
	}
	engine__stdio_close(owned);
	if (r < 0) {
		if (exit_code) {
			res->exit_code = exit_code;
			*out = res;
			res = NULL;
		}
		goto discard;
	}
	{
		engine__wait w = {capture[0], capture[1], pool->spec->timeout, sb->cg, -1, 0};

		capture[0] = capture[1] = -1; /* closed by the wait */
		r = engine__proc_wait(&proc, &w, res);
		close(proc.pidfd);
	}
	res->duration = engine__now() - t0;
	if (r < 0)
		goto discard;
	if (sb->limited && !res->timed_out && engine__cgroup_oom_killed(sb->cg))
		res->oom_killed = 1;
	*out = res;
	res = NULL;
discard:
	for (int i = 0; i < 2; i++)
		if (capture[i] >= 0)
			close(capture[i]);
	if (sb->sp.pidfd >= 0 && r < 0) {
		/* Failed before the wait: the process is ours to end. */
		engine__error_saved saved;

		engine__error_save(&saved);
		syscall(SYS_pidfd_send_signal, sb->sp.pidfd, SIGKILL, NULL, 0);
		waitpid(sb->sp.pid, NULL, __WALL);
		engine__error_restore(&saved);
	}
	/* Its namespaces and cgroup go on the pool's thread, off the
	 * caller's path. */
	pthread_mutex_lock(&pool->lock);
	pool->running--;
	pthread_cond_broadcast(&pool->cond);
	if (pool->ctx && !pool->closing && pool->n_dead == pool->cap_dead) {
		size_t cap = pool->cap_dead ? pool->cap_dead * 2 : 8;
		sandbox **g = realloc(pool->dead, cap * sizeof(*g));

		if (g) {
			pool->dead = g;
			pool->cap_dead = cap;
		}
	}
	if (pool->ctx && !pool->closing && pool->n_dead < pool->cap_dead) {
		pool->dead[pool->n_dead++] = sb;
		sb = NULL;
	}
	pthread_mutex_unlock(&pool->lock);
	if (sb)
		sandbox_discard(sb);
free_res:
	engine_run_result_free(res);
	return r;
}

ENGINE_EXTERN void engine_pool_free(engine_pool *pool)
{
	if (!pool)
		return;
	if (pool->ctx) {
		pools_remove(pool->ctx, pool);
		pool_close(pool);
	}
	free(pool->dead);
	engine_spec_free(pool->spec);
	pthread_cond_destroy(&pool->cond);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}
