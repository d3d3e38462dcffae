/*
 * exec: a new process in a running container. The plan is the container's
 * own (env, user, capabilities, seccomp) with the exec's command, extra env,
 * user and working dir; spawn joins the container's namespaces through its
 * PID 1's pidfd and the parent places it in the container's cgroup.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
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

ENGINE_EXTERN int engine_container_exec(engine_container *c, const engine_exec_options *opts,
					engine_run_result **out)
{
	engine_exec_options o = ENGINE_EXEC_OPTIONS_INIT;
	engine_spec tmp;
	engine__cinfo ci;
	engine__plan *plan = NULL;
	engine__cgroup *cg = NULL;
	engine__cstate st;
	engine_run_result *res = NULL;
	cleanup_strv char **argv = NULL, **env = NULL;
	const char *image_id;
	int capture[2] = {-1, -1}, owned[3] = {-1, -1, -1}, r, pidfd = -1;
	bool deliver = false;

	if (!c || !opts || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_exec: NULL argument");
	*out = NULL;
	if ((r = engine__abi_read(ENGINE__ABI(engine_exec_options), &o, opts)) < 0)
		return r;
	opts = &o;
	if (!opts->argv.count)
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
	argv = calloc(opts->argv.count + 1, sizeof(char *));
	env = engine__strv_dup(c->spec->env);
	if (!argv || !env) {
		close(pidfd);
		return engine__error_oom();
	}
	for (size_t i = 0; i < opts->argv.count; i++)
		argv[i] = opts->argv.strings[i];
	for (size_t i = 0; i < opts->env.count; i++)
		if (engine__strv_push(&env, opts->env.strings[i]) < 0) {
			argv[0] = NULL;
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
	if (opts->user)
		tmp.user = (char *)opts->user;
	if (opts->working_dir)
		tmp.working_dir = (char *)opts->working_dir;
	memset(&ci, 0, sizeof(ci));
	image_id = engine__json_get_string(c->config, "ImageID");
	if (image_id && *image_id)
		tmp.image = (char *)image_id;
	r = engine__cinfo_load_image(c->ctx, &tmp, &ci);
	if (r == 0)
		r = engine__plan_build(c->ctx, &tmp, ci.config, ci.layers, c->dir, c->id, &plan);
	/* the strings belong to @opts */
	for (size_t i = 0; i < opts->argv.count; i++)
		argv[i] = NULL;
	if (r < 0)
		goto out;
	plan->join_pidfd = pidfd;
	plan->clone_flags |= CLONE_NEWCGROUP | (plan->userns_count ? CLONE_NEWUSER : 0);
	plan->new_cgroupns = false;
	plan->clone_flags &= (unsigned long)(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
					     CLONE_NEWCGROUP | CLONE_NEWNET | CLONE_NEWUSER);
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
	r = engine__cgroup_open(c->ctx, c->id, &cg);
	if (r < 0)
		goto out;
	r = engine__spawn_and_wait(plan, cg, NULL, owned, capture, opts->timeout, res, &deliver);
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
	engine__plan_free(plan);
	engine__strv_free(ci.layers);
	if (ci.config)
		json_object_put(ci.config);
	free(ci.image_id);
	close(pidfd);
	engine_run_result_free(res);
	return r;
}
