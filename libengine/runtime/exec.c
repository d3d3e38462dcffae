/*
 * exec: a new process in a running container. The plan is the container's
 * own (env, user, capabilities, seccomp) with the exec's command, extra env,
 * user, working dir and terminal; spawn joins the container's namespaces
 * through its PID 1's pidfd and the parent places it in the container's
 * cgroup. engine_container_exec() runs one and waits (exec instances, with
 * TTYs and detaching, are in exec_instance.c).
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/abi.h"
#include "core/error.h"
#include "runtime/container_int.h"
#include "runtime/lifecycle.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"

ENGINE_EXTERN int engine_exec_options_init(engine_exec_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_exec_options, opts, version, ENGINE_EXEC_OPTIONS_INIT);
}

int engine__exec_plan(engine_container *c, const engine__exec_req *req, engine__plan **plan_out,
		      engine__cgroup **cg_out)
{
	engine_spec tmp;
	engine__cinfo ci;
	engine__plan *plan = NULL;
	engine__cstate st;
	cleanup_strv char **argv = NULL, **env = NULL;
	char *all_caps[] = {"ALL", NULL};
	const char *image_id;
	int r, pidfd;

	*plan_out = NULL;
	*cg_out = NULL;
	if (!req->argv->count)
		return engine__error_set(ENGINE_EINVALID, 0, "exec: no command given");
	r = engine__state_read(c->dir, &st);
	if (r < 0)
		return r;
	engine__state_refresh(&st);
	if (strcmp(st.status, "running") != 0)
		return engine__error_set(ENGINE_EBUSY, 0, "container %.12s is not running", c->id);
	pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
	if (pidfd < 0 || !engine__proc_alive(st.pid, st.pid_start)) {
		if (pidfd >= 0)
			close(pidfd);
		return engine__error_set(ENGINE_EBUSY, 0, "container %.12s is not running", c->id);
	}

	/* The container's spec with the exec's command: no entrypoint, extra env last. */
	argv = engine__strv_dup(req->argv->strings);
	env = engine__strv_dup(c->spec->env);
	if (!argv || !env) {
		close(pidfd);
		return engine__error_oom();
	}
	for (size_t i = 0; i < req->env->count; i++)
		if (engine__strv_push(&env, req->env->strings[i]) < 0) {
			close(pidfd);
			return ENGINE_ENOMEM;
		}
	tmp = *c->spec;
	tmp.argv = argv;
	tmp.entrypoint = NULL;
	tmp.entrypoint_set = true;
	tmp.env = env;
	tmp.n_mounts = 0; /* the container's mounts are in place already */
	tmp.init = false; /* its PID 1 is the container's, never the exec's */
	/* The exec's terminal, not the container's. */
	tmp.tty = req->tty;
	tmp.tty_rows = req->tty_rows;
	tmp.tty_cols = req->tty_cols;
	if (req->privileged)
		tmp.cap_add = all_caps; /* moby: every capability, the rest unchanged */
	if (req->user)
		tmp.user = (char *)req->user;
	if (req->working_dir)
		tmp.working_dir = (char *)req->working_dir;
	memset(&ci, 0, sizeof(ci));
	image_id = engine__json_get_string(c->config, "ImageID");
	if (image_id && *image_id)
		tmp.image = (char *)image_id;
	r = engine__cinfo_load_image(c->ctx, &tmp, &ci);
	if (r == 0)
		r = engine__plan_build(c->ctx, &tmp, ci.config, ci.layers, c->dir, c->id, &plan);
	engine__strv_free(ci.layers);
	if (ci.config)
		json_object_put(ci.config);
	free(ci.image_id);
	if (r == 0)
		r = engine__cgroup_open(c->ctx, c->id, cg_out);
	if (r < 0) {
		engine__plan_free(plan);
		close(pidfd);
		return r;
	}
	if (req->privileged) {
		/* Every capability this process may hand on (a caller in a
		 * container of its own may lack some). */
		uint64_t have = 0;

		for (int cap = 0; cap < 64; cap++)
			if (prctl(PR_CAPBSET_READ, (unsigned long)cap, 0UL, 0UL, 0UL) == 1)
				have |= UINT64_C(1) << cap;
		plan->caps.bounding &= have;
		plan->caps.effective &= have;
		plan->caps.permitted &= have;
	}
	plan->join_pidfd = pidfd;
	/* All of the container's namespaces, whichever it shares with the
	 * host or another container (--ipc, --pid, --uts, --cgroupns). */
	plan->clone_flags |= CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP |
			     (plan->userns_count ? CLONE_NEWUSER : 0);
	plan->new_cgroupns = false;
	plan->clone_flags &= (unsigned long)(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
					     CLONE_NEWCGROUP | CLONE_NEWNET | CLONE_NEWUSER);
	*plan_out = plan;
	return 0;
}

int engine__container_exec(engine_container *c, const engine_exec_options *opts, size_t capture_max,
			   engine_run_result **out)
{
	engine_exec_options o = ENGINE_EXEC_OPTIONS_INIT;
	engine__exec_req req;
	engine__plan *plan = NULL;
	engine__cgroup *cg = NULL;
	engine_run_result *res = NULL;
	int capture[2] = {-1, -1}, owned[3] = {-1, -1, -1}, r;
	bool deliver = false;

	if (!c || !opts || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_exec: NULL argument");
	*out = NULL;
	if ((r = engine__abi_read(ENGINE__ABI(engine_exec_options), &o, opts)) < 0)
		return r;
	opts = &o;
	memset(&req, 0, sizeof(req));
	req.argv = &opts->argv;
	req.env = &opts->env;
	req.user = opts->user;
	req.working_dir = opts->working_dir;
	r = engine__exec_plan(c, &req, &plan, &cg);
	if (r < 0)
		return r;
	res = calloc(1, sizeof(*res));
	if (!res || !(res->id = strdup(c->id))) {
		r = engine__error_oom();
		goto out;
	}
	{
		engine_spec fds = {0};

		fds.in_fd = opts->in_fd, fds.out_fd = opts->out_fd, fds.err_fd = opts->err_fd;
		r = engine__stdio_setup(&fds, opts->stdio ? opts->stdio : ENGINE_STDIO_CAPTURE, c->dir, plan,
					capture, owned);
		if (r < 0)
			goto out;
	}
	r = engine__spawn_and_wait(plan, cg, NULL, owned, capture, opts->timeout, -1, capture_max, res,
				   &deliver, NULL);
	if (r == 0 || deliver) {
		*out = res;
		res = NULL;
	}
out:
	engine__stdio_close(owned);
	for (int i = 0; i < 2; i++)
		if (capture[i] >= 0)
			close(capture[i]);
	engine__cgroup_free(cg);
	close(plan->join_pidfd);
	engine__plan_free(plan);
	engine_run_result_free(res);
	return r;
}

ENGINE_EXTERN int engine_container_exec(engine_container *c, const engine_exec_options *opts,
					engine_run_result **out)
{
	return engine__container_exec(c, opts, 0, out);
}
