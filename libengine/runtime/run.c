/*
 * engine_run: the one-call ephemeral run for harnesses. The caller's thread
 * is the container's parent: no monitor process, no JSON round trip on the
 * start path; stdout/stderr are captured by polling both pipes together with
 * the pidfd, so a chatty container never deadlocks and a timeout is exact.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "core/error.h"
#include "net/net.h"
#include "runtime/container_int.h"
#include "runtime/logfile.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

double engine__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

ENGINE_EXTERN void engine_run_result_free(engine_run_result *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->stdout_data);
	free(r->stderr_data);
	free(r);
}

void engine__status_to_result(int code, int status, engine_run_result *res)
{
	if (code == CLD_EXITED) {
		res->exit_code = status;
		res->signal = 0;
	} else {
		res->signal = status;
		res->exit_code = 128 + status;
	}
}

/* pidfs exit information (Linux 6.15), for a child that was reaped behind
 * our back: exec resets its exit signal to SIGCHLD, so an embedder that
 * ignores SIGCHLD has the kernel auto-reap it. Layout of pidfd_info v0. */
struct engine__pidfd_info {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	int32_t exit_code;
};
#define ENGINE__PIDFD_GET_INFO _IOWR(0xFF, 11, struct engine__pidfd_info)
#define ENGINE__PIDFD_INFO_EXIT (1ULL << 3)

int engine__proc_reap(engine__proc *proc, engine_run_result *res)
{
	struct engine__pidfd_info info;
	siginfo_t si;
	int e;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PIDFD, (id_t)proc->pidfd, &si, WEXITED | __WALL) < 0) {
		if (errno == EINTR)
			continue;
		e = errno;
		if (e != ECHILD)
			return engine__error_errno(e, "wait for pid %d", (int)proc->pid);
		for (int tries = 0; tries < 100; tries++) {
			memset(&info, 0, sizeof(info));
			info.mask = ENGINE__PIDFD_INFO_EXIT;
			if (ioctl(proc->pidfd, ENGINE__PIDFD_GET_INFO, &info) == 0 &&
			    (info.mask & ENGINE__PIDFD_INFO_EXIT)) {
				if (WIFSIGNALED(info.exit_code))
					engine__status_to_result(CLD_KILLED, WTERMSIG(info.exit_code), res);
				else
					engine__status_to_result(CLD_EXITED, WEXITSTATUS(info.exit_code),
								 res);
				return 0;
			}
			usleep(1000);
		}
		return engine__error_errno(e, "wait for pid %d (reaped by someone else)", (int)proc->pid);
	}
	engine__status_to_result(si.si_code, si.si_status, res);
	return 0;
}

typedef struct capbuf {
	char *data;
	size_t len, cap;
	size_t max; /* 0: keep everything */
} capbuf;

/* Read what is there; returns false at EOF or error. Past @b->max bytes
 * the output is read and dropped: the process must not block on a full
 * pipe, nor make the caller hold what it writes without end. */
static bool drain(int fd, capbuf *b)
{
	for (;;) {
		ssize_t n;

		if (b->max && b->len >= b->max) {
			char sink[16384];

			n = read(fd, sink, sizeof(sink));
			if (n > 0)
				continue;
			if (n < 0 && errno == EINTR)
				continue;
			return n < 0 && errno == EAGAIN;
		}
		if (b->cap - b->len < 4096) {
			size_t ncap = b->cap ? b->cap * 2 : 16384;
			char *g = realloc(b->data, ncap + 1);

			if (!g)
				return false;
			b->data = g;
			b->cap = ncap;
		}
		n = read(fd, b->data + b->len,
			 b->max && b->max - b->len < b->cap - b->len ? b->max - b->len : b->cap - b->len);
		if (n > 0) {
			b->len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN;
	}
}

static void finish_buf(capbuf *b, char **data, size_t *len)
{
	if (!b->data)
		b->data = malloc(1);
	if (b->data)
		b->data[b->len] = '\0';
	*data = b->data;
	*len = b->data ? b->len : 0;
}

int engine__spawn_and_wait(engine__plan *plan, engine__cgroup *cg, engine__cgroup *kill_cg, int owned[3],
			   int capture[2], double timeout, int cancel_fd, size_t capture_max,
			   engine_run_result *res, bool *deliver, int *mntns)
{
	engine__proc proc;
	engine__wait w;
	double t0 = engine__now();
	int exit_code = 0, r;

	*deliver = false;
	r = engine__spawn(plan, cg, &proc, &exit_code);
	engine__stdio_close(owned);
	if (r < 0) {
		if (exit_code) {
			res->exit_code = exit_code;
			*deliver = true;
		}
		return r;
	}
	if (mntns)
		*mntns = engine__mntns_hold(&proc);
	if (proc.console_fd >= 0) {
		/* A TTY: one stream, read from the master until its EIO. */
		if (capture[0] >= 0)
			close(capture[0]);
		capture[0] = proc.console_fd;
	}
	w = (engine__wait){capture[0], capture[1], timeout, kill_cg, cancel_fd, capture_max};
	capture[0] = capture[1] = -1; /* closed by the wait */
	r = engine__proc_wait(&proc, &w, res);
	if (r == ENGINE_ECANCELED)
		*deliver = true;
	res->duration = engine__now() - t0;
	close(proc.pidfd);
	return r;
}

static void kill_run(engine__proc *proc, const engine__wait *w)
{
	/* PID 1 dying takes its whole PID namespace with it. */
	if (w->cg)
		engine__cgroup_kill(w->cg, SIGKILL);
	syscall(SYS_pidfd_send_signal, proc->pidfd, SIGKILL, NULL, 0);
}

int engine__proc_wait(engine__proc *proc, const engine__wait *w, engine_run_result *res)
{
	capbuf out = {.max = w->max}, err = {.max = w->max};
	int fds[2] = {w->out_fd, w->err_fd};
	capbuf *bufs[2] = {&out, &err};
	double deadline = w->timeout > 0 ? engine__now() + w->timeout : 0;
	bool exited = false, killed = false, cancelled = false;

	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
	/* Until the process is gone and both pipes hit EOF (a grandchild may
	 * still hold them: after exit, stop at the first idle poll). */
	while (!exited || fds[0] >= 0 || fds[1] >= 0) {
		struct pollfd pfd[4];
		int np = 0, timeout_ms = -1, idx[4];

		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0) {
				pfd[np] = (struct pollfd){.fd = fds[i], .events = POLLIN};
				idx[np++] = i;
			}
		if (!exited && !killed && w->cancel_fd >= 0) {
			pfd[np] = (struct pollfd){.fd = w->cancel_fd, .events = POLLIN};
			idx[np++] = 3;
		}
		if (!exited) {
			pfd[np] = (struct pollfd){.fd = proc->pidfd, .events = POLLIN};
			idx[np++] = 2;
		} else {
			timeout_ms = 100;
		}
		if (deadline > 0 && !exited && !killed) {
			double left = deadline - engine__now();

			timeout_ms = left <= 0 ? 0 : (int)(left * 1000) + 1;
		}
		int n = poll(pfd, (nfds_t)np, timeout_ms);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			if (exited)
				break;
			if (deadline > 0 && engine__now() >= deadline && !killed) {
				kill_run(proc, w);
				killed = true;
				res->timed_out = 1;
			}
			continue;
		}
		for (int k = 0; k < np; k++) {
			if (!pfd[k].revents)
				continue;
			if (idx[k] == 3) {
				/* The caller gave up (a Go context, a client that left). */
				kill_run(proc, w);
				killed = cancelled = true;
				continue;
			}
			if (idx[k] == 2) {
				exited = true;
				continue;
			}
			if (!drain(fds[idx[k]], bufs[idx[k]])) {
				close(fds[idx[k]]);
				fds[idx[k]] = -1;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0) {
			drain(fds[i], bufs[i]);
			close(fds[i]);
		}
	if (engine__proc_reap(proc, res) < 0) {
		free(out.data);
		free(err.data);
		return engine_error_last()->code;
	}
	if (w->out_fd >= 0)
		finish_buf(&out, &res->stdout_data, &res->stdout_len);
	if (w->err_fd >= 0)
		finish_buf(&err, &res->stderr_data, &res->stderr_len);
	if (cancelled)
		return engine__error_set(ENGINE_ECANCELED, 0, "run cancelled: the container was killed");
	return 0;
}

/* The stdio fds the child gets, and the parent's ends of capture pipes. */
int engine__stdio_setup(const engine_spec *spec, int mode, const char *cdir, engine__plan *p, int capture[2],
			int owned[3])
{
	capture[0] = capture[1] = -1;
	owned[0] = owned[1] = owned[2] = -1;
	switch (mode) {
	case ENGINE_STDIO_INHERIT:
		p->stdio_fd[0] = 0, p->stdio_fd[1] = 1, p->stdio_fd[2] = 2;
		return 0;
	case ENGINE_STDIO_NULL:
		return 0;
	case ENGINE_STDIO_FDS:
		p->stdio_fd[0] = spec->in_fd, p->stdio_fd[1] = spec->out_fd, p->stdio_fd[2] = spec->err_fd;
		return 0;
	case ENGINE_STDIO_LOG:
		for (int i = 1; i <= 2; i++) {
			cleanup_free char *path =
			    engine__path_join(cdir, i == 1 ? "stdout.log" : "stderr.log");

			if (!path)
				return ENGINE_ENOMEM;
			owned[i] = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
			if (owned[i] < 0)
				return engine__error_errno(errno, "open log %s", path);
			p->stdio_fd[i] = owned[i];
		}
		return 0;
	default: /* capture */
		for (int i = 0; i < 2; i++) {
			int fds[2];

			if (pipe2(fds, O_CLOEXEC) < 0)
				return engine__error_errno(errno, "create stdio pipe");
			capture[i] = fds[0];
			owned[i + 1] = fds[1];
			p->stdio_fd[i + 1] = fds[1];
		}
		return 0;
	}
}

void engine__stdio_close(int fds[3])
{
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* Whether the run mounts a volume: the spec names one, or the image has VOLUME paths. */
static bool needs_volumes(const engine_spec *spec, json_object *image_config)
{
	json_object *vols = engine__json_get_type(image_config, "Volumes", json_type_object);

	/* another container's volumes; --link's containers checked there too */
	if (spec->volumes_from || spec->links)
		return true;
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (spec->mounts[i].is_volume && !spec->mounts[i].src)
			return true;
	return vols && json_object_object_length(vols) > 0;
}

ENGINE_EXTERN int engine_run(engine_context *ctx, const engine_spec *spec, engine_run_result **out)
{
	engine__cinfo *ci = NULL;
	engine__plan *plan = NULL;
	engine__net_sandbox *net = NULL;
	engine__cgroup *cg = NULL;
	engine__cgroup_limits limits;
	engine_run_result *res = NULL;
	int capture[2] = {-1, -1}, owned[3] = {-1, -1, -1};
	engine__error_saved saved;
	engine_spec *resolved = NULL;
	bool deliver = false, reuse;
	int r, mntns = -1, netns = -1;

	if (!ctx || !spec || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_run: NULL argument");
	*out = NULL;
	{
		/* No log is kept, but bad log options fail as at a start. */
		engine__log_policy lp;

		if ((r = engine__log_policy_get(spec->log_driver, spec->log_opts, &lp)) < 0)
			return r;
	}
	res = calloc(1, sizeof(*res));
	if (!res)
		return engine__error_oom();
	r = engine__cinfo_ephemeral(ctx, spec, &ci);
	if (r < 0)
		goto free_res;
	res->id = strdup(ci->id);
	if (!res->id) {
		r = engine__error_oom();
		goto remove_dir;
	}
	/* (daemon.json's default IPC and cgroup namespace modes, too) */
	if (needs_volumes(spec, ci->config) || engine__spec_ns_wants_defaults(ctx, spec)) {
		/* held while this process runs; anonymous ones go with the run */
		r = engine__spec_copy(spec, &resolved);
		if (r < 0)
			goto remove_dir;
		/* the caller's fds are not part of the JSON copy */
		resolved->stdio = spec->stdio;
		resolved->in_fd = spec->in_fd;
		resolved->out_fd = spec->out_fd;
		resolved->err_fd = spec->err_fd;
		resolved->cancel_fd = spec->cancel_fd;
		r = engine__spec_volumes_from_resolve(ctx, resolved);
		if (r == 0)
			r = engine__spec_ns_defaults(ctx, resolved);
		if (r == 0)
			r = engine__mounts_resolve(ctx, resolved, ci->config, ci->id, getpid());
		if (r < 0)
			goto remove_dir;
		spec = resolved;
		r = engine__mounts_copy_up(ctx, spec, ci->layers);
		if (r < 0)
			goto remove_dir;
	}
	r = engine__plan_build(ctx, spec, ci->config, ci->layers, ci->dir, ci->id, &plan);
	if (r < 0)
		goto remove_dir;
	{
		cleanup_free char *eph = engine__path_join(engine_context_run_dir(ctx), "ephemeral");

		r = eph ? engine__plan_tmpfs_upper(ctx, spec, plan, ci->layers, eph) : ENGINE_ENOMEM;
		if (r < 0)
			goto remove_dir;
	}
	r = engine__net_prepare(ctx, spec, ci->config, ci->id, spec->name, plan->hostname, &net);
	if (r < 0)
		goto remove_dir;
	r = engine__plan_use_net(plan, net);
	if (r == 0)
		r = engine__plan_ns_join(ctx, plan, spec);
	if (r < 0)
		goto remove_dir;
	/* --network none: a namespace made ahead, lo up, instead of a clone's. */
	if (plan->net_none && (plan->clone_flags & CLONE_NEWNET) && !(plan->clone_flags & CLONE_NEWUSER) &&
	    plan->join_netns_fd < 0 && (netns = engine__netns_take(ctx)) >= 0) {
		plan->join_netns_fd = netns;
		plan->clone_flags &= ~(unsigned long)CLONE_NEWNET;
		plan->net_none = false;
	}
	/* Its rootfs mounted and pivoted to ahead, likewise. */
	if ((plan->rootns_fd = engine__rootns_take(ctx, plan)) >= 0)
		plan->clone_flags &= ~(unsigned long)CLONE_NEWNS;
	/* An ephemeral container keeps no log files: LOG means capture here. */
	r = engine__stdio_setup(
	    spec, spec->stdio && spec->stdio != ENGINE_STDIO_LOG ? spec->stdio : ENGINE_STDIO_CAPTURE,
	    ci->dir, plan, capture, owned);
	if (r < 0)
		goto close_stdio;
	/* A cgroup even without limits: the device policy lives there. */
	engine__spec_limits(spec, &limits);
	limits.minimal = !engine__limits_set(&limits);
	limits.ephemeral = true; /* no handle reaches it: no stats, no pause */
	/* A cgroup a finished run left with these limits, if nothing in the
	 * container can change one (no CAP_SYS_ADMIN: no cgroupfs to write). */
	reuse = !(plan->caps.bounding & (UINT64_C(1) << CAP_SYS_ADMIN)) && !plan->rootless;
	if (!reuse || !(cg = engine__cgroup_unpark(ctx, &limits))) {
		r = engine__cgroup_create(ctx, ci->id, &limits, &cg);
		if (r < 0)
			goto close_stdio;
	}
	r = engine__spawn_and_wait(plan, cg, cg, owned, capture, spec->timeout, spec->cancel_fd, 0, res,
				   &deliver, &mntns);
	/* The prepared tree was the run's: @mntns holds it now, and its last
	 * reference must be the background thread's (the unmounting waits for
	 * RCU grace periods), not this fd closed after it. */
	if (plan->rootns_fd >= 0 && mntns >= 0) {
		close(plan->rootns_fd);
		plan->rootns_fd = -1;
	}
	if (r < 0 || res->timed_out || !reuse) {
		engine__mntns_release(ctx, mntns);
		mntns = -1;
	}
	if (deliver) {
		*out = res;
		res = NULL;
	}
	if (r < 0)
		goto destroy_cgroup;
	if (!limits.minimal && !res->timed_out && engine__cgroup_oom_killed(cg))
		res->oom_killed = 1;
	*out = res;
	res = NULL;
	/* Its mount namespace first (the tmpfs pages are charged to it). */
	if (mntns >= 0 && engine__cgroup_park(ctx, cg, &limits, mntns))
		cg = NULL;
	else
		engine__mntns_release(ctx, mntns);
destroy_cgroup:
	engine__error_save(&saved);
	engine__cgroup_destroy(cg);
	engine__error_restore(&saved);
close_stdio:
	engine__stdio_close(owned);
	for (int i = 0; i < 2; i++)
		if (capture[i] >= 0)
			close(capture[i]);
remove_dir:
	if (netns >= 0)
		close(netns);
	if (plan && plan->rootns_fd >= 0)
		close(plan->rootns_fd);
	engine__net_release(net);
	engine__plan_free(plan);
	if (resolved) {
		engine__error_save(&saved);
		engine__mounts_release(ctx, resolved, ci->id, true);
		engine__error_restore(&saved);
		engine_spec_free(resolved);
	}
	engine__cinfo_free(ci);
free_res:
	engine_run_result_free(res);
	return r;
}
