/*
 * The OCI lifecycle on the engine's runtime: create (bundle -> plan,
 * cgroup at cgroupsPath, spawn with the hooks before pivot_root, the
 * process left in engine-init waiting on exec.fifo), start (startContainer
 * hooks, the fifo byte, poststart hooks), kill, delete (poststop hooks),
 * pause and resume. The process is the caller's child and never has a
 * monitor: the caller (containerd's shim, a subreaper) reaps it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/abi.h"
#include "core/error.h"
#include "core/log.h"
#include "oci/oci.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"

ENGINE_EXTERN int engine_oci_create_options_init(engine_oci_create_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_oci_create_options, opts, version,
					  ENGINE_OCI_CREATE_OPTIONS_INIT);
}

/* The state JSON the hooks get on stdin. */
static char *hook_state(const char *id, const char *status, pid_t pid, const char *bundle, json_object *ann)
{
	cleanup_json json_object *j = json_object_new_object();
	char *s;

	if (!j)
		return NULL;
	engine__json_add_string(j, "ociVersion", ENGINE__OCI_VERSION);
	engine__json_add_string(j, "id", id);
	engine__json_add_string(j, "status", status);
	json_object_object_add(j, "pid", json_object_new_int64(pid));
	engine__json_add_string(j, "bundle", bundle);
	if (ann)
		json_object_object_add(j, "annotations", json_object_get(ann));
	s = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	if (!s)
		engine__error_oom();
	return s;
}

typedef struct create_hooks {
	engine__oci_bundle *b;
	const char *id;
} create_hooks;

/* In the parent while the child waits before pivot_root. */
static int before_pivot(void *data, pid_t pid)
{
	create_hooks *h = data;
	json_object *ann = json_object_object_get(h->b->config, "annotations");
	cleanup_free char *state = hook_state(h->id, "creating", pid, h->b->bundle, ann);
	/* prestart predates "creating": runc and runtime-tools give it "created". */
	cleanup_free char *created = hook_state(h->id, "created", pid, h->b->bundle, ann);
	int r;

	if (!state || !created)
		return ENGINE_ENOMEM;
	if ((r = engine__oci_hooks_run(h->b->hooks, "prestart", created, 0)) < 0 ||
	    (r = engine__oci_hooks_run(h->b->hooks, "createRuntime", state, 0)) < 0 ||
	    (r = engine__oci_hooks_run(h->b->hooks, "createContainer", state, pid)) < 0)
		return r;
	return 0;
}

static bool has_hooks(json_object *hooks, const char *const *names)
{
	for (size_t i = 0; names[i]; i++) {
		json_object *l = hooks ? engine__json_get_type(hooks, names[i], json_type_array) : NULL;

		if (l && json_object_array_length(l))
			return true;
	}
	return false;
}

/* The container's cgroups as a cgroup mount in it shows them. */
static int cgroup_mounts(engine__oci_bundle *b, engine__cgroup *cg)
{
	static const char *const ctrls[] = {"blkio",   "cpu",	 "cpuacct", "cpuset",	"devices", "freezer",
					    "hugetlb", "memory", "net_cls", "net_prio", "pids",	   NULL};
	size_t n = 0;

	b->oci.cgmounts = calloc(sizeof(ctrls) / sizeof(ctrls[0]) + 1, sizeof(*b->oci.cgmounts));
	if (!b->oci.cgmounts)
		return engine__error_oom();
	if (engine__cgroup_handle_mode(cg) == ENGINE__CGROUP_UNIFIED) {
		b->oci.cgmounts[n++] = (engine__oci_cgmount){"", engine__cgroup_path(cg, NULL)};
	} else {
		for (size_t i = 0; ctrls[i]; i++) {
			const char *p = engine__cgroup_path(cg, ctrls[i]);

			if (p)
				b->oci.cgmounts[n++] = (engine__oci_cgmount){ctrls[i], p};
		}
		if (engine__cgroup_path(cg, NULL))
			b->oci.cgmounts[n++] =
			    (engine__oci_cgmount){"unified", engine__cgroup_path(cg, NULL)};
	}
	b->oci.n_cgmounts = n;
	return 0;
}

static void now_rfc3339(char *buf, size_t len)
{
	engine__format_time(buf, len, engine__realtime_ns());
}

ENGINE_EXTERN int engine_oci_create(engine_context *ctx, const char *id,
				    const engine_oci_create_options *opts, int *pid_out)
{
	engine_oci_create_options o = ENGINE_OCI_CREATE_OPTIONS_INIT;
	cleanup_free char *root = NULL, *dir = NULL, *fifo = NULL;
	engine__oci_bundle *b = NULL;
	engine__cgroup *cg = NULL;
	engine__oci_state st;
	engine__proc proc = {-1, -1, -1};
	create_hooks hk;
	char created[64];
	int r, exit_code = 0, self_pidns = -1;
	static const char *const early[] = {"prestart", "createRuntime", "createContainer", NULL};

	if (!ctx || !id || !opts)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_oci_create: NULL argument");
	if ((r = engine__abi_read(ENGINE__ABI(engine_oci_create_options), &o, opts)) < 0)
		return r;
	if (!o.bundle)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_oci_create: no bundle");
	if ((r = engine__oci_id_check(id)) < 0)
		return r;
	if (o.preserve_fds < 0 || o.preserve_fds > 48)
		return engine__error_set(ENGINE_EINVALID, 0, "preserve-fds %d: want 0 to 48", o.preserve_fds);
	root = engine__oci_root(ctx);
	dir = engine__oci_dir(ctx, id);
	if (!root || !dir)
		return ENGINE_ENOMEM;
	if ((r = engine__mkdir_p(root, 0711)) < 0)
		return engine__error_wrap("create %s", root);
	if (mkdir(dir, 0711) < 0)
		return errno == EEXIST
			   ? engine__error_set(ENGINE_EEXISTS, EEXIST, "container \"%s\" already exists", id)
			   : engine__error_errno(errno, "create %s", dir);
	r = engine__oci_bundle_load(ctx, o.bundle, &b);
	if (r < 0)
		goto remove_dir;
	if (b->no_process && o.start) {
		r = engine__error_set(ENGINE_EINVALID, 0, "config.json: process: missing (run needs one)");
		goto remove_dir;
	}
	if (b->terminal && !o.console_socket) {
		r = engine__error_set(ENGINE_EINVALID, 0,
				      "process.terminal is true: a console socket is required");
		goto remove_dir;
	}
	b->oci.preserve_fds = o.preserve_fds;
	b->oci.no_pivot = o.no_pivot != 0;
	b->oci.new_keyring = !o.no_new_keyring;
	b->oci.keep_alive = true;
	if (!o.start) {
		fifo = engine__path_join(dir, "exec.fifo");
		if (!fifo) {
			r = ENGINE_ENOMEM;
			goto remove_dir;
		}
		/* O_RDWR: the open does not wait for a reader, and the
		 * process holding it never sees EOF before `start`. */
		if (mkfifo(fifo, 0600) < 0 || (b->oci.wait_fd = open(fifo, O_RDWR | O_CLOEXEC)) < 0) {
			r = engine__error_errno(errno, "create %s", fifo);
			goto remove_dir;
		}
	}
	if ((r = engine__oci_init_argv(b->plan)) < 0)
		goto remove_dir;
	r = engine__cgroup_create_path(ctx, b->cgroups_path, id, &b->limits, &cg);
	if (r < 0)
		goto remove_dir;
	if ((r = engine__oci_resources_extra(ctx, cg, b->resources)) < 0 || (r = cgroup_mounts(b, cg)) < 0)
		goto remove_cgroup;
	hk = (create_hooks){b, id};
	if (has_hooks(b->hooks, early)) {
		b->oci.before_pivot = before_pivot;
		b->oci.before_pivot_data = &hk;
	}
	/* A PID namespace given by path: ours for our children, for this spawn. */
	if (b->pidns_fd >= 0) {
		self_pidns = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
		if (self_pidns < 0 || setns(b->pidns_fd, CLONE_NEWPID) < 0) {
			r = engine__error_errno(errno,
						"config.json: linux.namespaces: join the pid namespace");
			goto remove_cgroup;
		}
	}
	r = engine__spawn(b->plan, cg, &proc, &exit_code);
	if (self_pidns >= 0) {
		if (setns(self_pidns, CLONE_NEWPID) < 0)
			engine__log(ctx, ENGINE_LOG_WARN, "oci: could not return to our pid namespace: %s",
				    strerror(errno));
		close(self_pidns);
	}
	if (r < 0)
		goto remove_cgroup;
	if (proc.console_fd >= 0) {
		r = engine__oci_console_send(o.console_socket, proc.console_fd);
		close(proc.console_fd);
		if (r < 0) {
			syscall(SYS_pidfd_send_signal, proc.pidfd, SIGKILL, NULL, 0);
			close(proc.pidfd);
			goto remove_cgroup;
		}
	}
	memset(&st, 0, sizeof(st));
	snprintf(st.id, sizeof(st.id), "%s", id);
	st.pid = proc.pid;
	st.pid_start = engine__proc_start_time(proc.pid);
	st.started = o.start != 0;
	st.no_process = b->no_process;
	st.bundle = b->bundle;
	st.cgroups_path = (char *)(b->cgroups_path ? b->cgroups_path : "");
	now_rfc3339(created, sizeof(created));
	st.created = created;
	st.annotations = json_object_object_get(b->config, "annotations");
	r = engine__oci_state_write(ctx, &st);
	if (r < 0) {
		syscall(SYS_pidfd_send_signal, proc.pidfd, SIGKILL, NULL, 0);
		close(proc.pidfd);
		goto remove_cgroup;
	}
	close(proc.pidfd);
	if (pid_out)
		*pid_out = proc.pid;
	if (o.start) {
		cleanup_free char *state = hook_state(id, "running", proc.pid, b->bundle, st.annotations);

		if (state)
			engine__oci_hooks_run_all(ctx, b->hooks, "poststart", state);
	}
	engine__cgroup_free(cg);
	engine__oci_bundle_free(b);
	return 0;
remove_cgroup : {
	engine__error_saved saved;

	engine__error_save(&saved);
	engine__cgroup_destroy(cg);
	engine__error_restore(&saved);
}
remove_dir:
	engine__oci_bundle_free(b);
	engine__rm_rf(dir);
	return r;
}

/* The bundle's hooks, read again at start and delete. */
static json_object *load_hooks(const engine__oci_state *st, json_object **config)
{
	cleanup_free char *path = engine__path_join(st->bundle, "config.json");

	*config = NULL;
	if (!path || engine__json_parse_file(path, config) < 0) {
		engine_error_clear();
		return NULL;
	}
	return json_object_object_get(*config, "hooks");
}

ENGINE_EXTERN int engine_oci_start(engine_context *ctx, const char *id)
{
	cleanup_free char *dir = NULL, *fifo = NULL, *state = NULL;
	cleanup_json json_object *config = NULL;
	cleanup_close int fd = -EBADF;
	engine__oci_state st;
	json_object *hooks;
	const char *status;
	int r;

	if (!ctx || !id)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_oci_start: NULL argument");
	if ((r = engine__oci_state_read(ctx, id, &st)) < 0)
		return r;
	status = engine__oci_status(ctx, &st);
	if (strcmp(status, "created") != 0) {
		r = engine__error_set(ENGINE_EBUSY, 0, "cannot start container \"%s\": it is %s", id, status);
		goto out;
	}
	if (st.no_process) {
		r = engine__error_set(ENGINE_EINVALID, 0,
				      "cannot start container \"%s\": its config.json has no process", id);
		goto out;
	}
	hooks = load_hooks(&st, &config);
	state = hook_state(id, "created", st.pid, st.bundle, st.annotations);
	if (!state) {
		r = ENGINE_ENOMEM;
		goto out;
	}
	if ((r = engine__oci_hooks_run(hooks, "startContainer", state, st.pid)) < 0)
		goto out;
	dir = engine__oci_dir(ctx, id);
	fifo = dir ? engine__path_join(dir, "exec.fifo") : NULL;
	if (!fifo) {
		r = ENGINE_ENOMEM;
		goto out;
	}
	/* Non-blocking: no reader (ENXIO) means the process is gone. */
	fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || write(fd, "s", 1) != 1) {
		r = engine__error_errno(errno, "start container \"%s\": its process is not waiting", id);
		goto out;
	}
	unlink(fifo);
	st.started = true;
	if ((r = engine__oci_state_write(ctx, &st)) < 0)
		goto out;
	free(state);
	state = hook_state(id, "running", st.pid, st.bundle, st.annotations);
	/* The spec: a failed poststart hook is a warning, the start stands. */
	if (state)
		engine__oci_hooks_run_all(ctx, hooks, "poststart", state);
	r = 0;
out:
	engine__oci_state_clear(&st);
	return r;
}

ENGINE_EXTERN int engine_oci_state(engine_context *ctx, const char *id, char **json_out)
{
	cleanup_json json_object *j = NULL;
	engine__oci_state st;
	int r;

	if (!ctx || !id || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_oci_state: NULL argument");
	if ((r = engine__oci_state_read(ctx, id, &st)) < 0)
		return r;
	j = engine__oci_state_json(ctx, &st);
	engine__oci_state_clear(&st);
	if (!j || !(*json_out = strdup(json_object_to_json_string_ext(
			j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE))))
		return engine__error_oom();
	return 0;
}

static int open_cgroup(engine_context *ctx, const engine__oci_state *st, engine__cgroup **cg)
{
	return engine__cgroup_open_path(ctx, st->cgroups_path, st->id, cg);
}

ENGINE_EXTERN int engine_oci_kill(engine_context *ctx, const char *id, int sig, int all)
{
	engine__oci_state st;
	engine__cgroup *cg = NULL;
	int r, pidfd;

	if (!ctx || !id)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_oci_kill: NULL argument");
	if (sig <= 0 || sig >= 65)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid signal %d", sig);
	if ((r = engine__oci_state_read(ctx, id, &st)) < 0)
		return r;
	if (strcmp(engine__oci_status(ctx, &st), "stopped") == 0 && !all) {
		r = engine__error_set(ENGINE_EBUSY, 0, "container \"%s\" is not running", id);
		goto out;
	}
	if (all) {
		r = open_cgroup(ctx, &st, &cg);
		if (r == 0)
			r = engine__cgroup_kill(cg, sig);
		engine__cgroup_free(cg);
		goto out;
	}
	pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
	if (pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		r = engine__error_errno(errno, "kill container \"%s\" (pid %d)", id, (int)st.pid);
	if (pidfd >= 0)
		close(pidfd);
out:
	engine__oci_state_clear(&st);
	return r;
}

/* Wait up to @secs for @pid (not our child: no waitpid) to be gone. */
static void wait_gone(const engine__oci_state *st, double secs)
{
	int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	double end = engine__now() + secs;

	if (pidfd < 0)
		return;
	while (engine__now() < end) {
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};

		/* The pidfd turns readable at exit; a zombie counts as gone. */
		if (poll(&pfd, 1, 50) > 0 || strcmp(engine__oci_status(NULL, st), "stopped") == 0)
			break;
	}
	close(pidfd);
}

ENGINE_EXTERN int engine_oci_delete(engine_context *ctx, const char *id, int force)
{
	cleanup_free char *dir = NULL, *state = NULL;
	cleanup_json json_object *config = NULL;
	engine__oci_state st;
	engine__cgroup *cg = NULL;
	json_object *hooks;
	const char *status;
	int r;

	if (!ctx || !id)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_oci_delete: NULL argument");
	if ((r = engine__oci_state_read(ctx, id, &st)) < 0)
		return r;
	status = engine__oci_status(ctx, &st);
	/* The spec: deleting a container that is not stopped is an error
	 * (created included); --force kills it first. */
	if (strcmp(status, "stopped") != 0 && !force) {
		r = engine__error_set(ENGINE_EBUSY, 0,
				      "cannot delete container \"%s\": it is %s (stop it first, or force)",
				      id, status);
		goto out;
	}
	if (open_cgroup(ctx, &st, &cg) < 0)
		engine_error_clear();
	if (strcmp(status, "stopped") != 0) {
		/* A created one waits in engine-init; a forced one runs. */
		if (cg)
			engine__cgroup_kill(cg, SIGKILL);
		kill(st.pid, SIGKILL);
		engine_error_clear();
		wait_gone(&st, 10);
	}
	if (cg && engine__cgroup_destroy(cg) < 0)
		engine__log(ctx, ENGINE_LOG_WARN, "oci: %s", engine_error_last()->message);
	engine_error_clear();
	hooks = load_hooks(&st, &config);
	state = hook_state(id, "stopped", 0, st.bundle, st.annotations);
	dir = engine__oci_dir(ctx, id);
	if (!dir || (r = engine__rm_rf(dir)) < 0) {
		r = dir ? r : ENGINE_ENOMEM;
		goto out;
	}
	/* The spec: a failed poststop hook is a warning, the delete stands. */
	if (state)
		engine__oci_hooks_run_all(ctx, hooks, "poststop", state);
	r = 0;
out:
	engine__oci_state_clear(&st);
	return r;
}

static int set_paused(engine_context *ctx, const char *id, bool paused)
{
	engine__oci_state st;
	engine__cgroup *cg = NULL;
	const char *status;
	int r;

	if (!ctx || !id)
		return engine__error_set(ENGINE_EINVALID, 0, "NULL argument");
	if ((r = engine__oci_state_read(ctx, id, &st)) < 0)
		return r;
	status = engine__oci_status(ctx, &st);
	if (strcmp(status, paused ? "running" : "paused") != 0) {
		r = engine__error_set(ENGINE_EBUSY, 0, "container \"%s\" is %s, not %s", id, status,
				      paused ? "running" : "paused");
		goto out;
	}
	if ((r = open_cgroup(ctx, &st, &cg)) == 0)
		r = engine__cgroup_freeze(cg, paused);
	engine__cgroup_free(cg);
	if (r == 0) {
		st.paused = paused;
		r = engine__oci_state_write(ctx, &st);
	}
out:
	engine__oci_state_clear(&st);
	return r;
}

ENGINE_EXTERN int engine_oci_pause(engine_context *ctx, const char *id)
{
	return set_paused(ctx, id, true);
}

ENGINE_EXTERN int engine_oci_resume(engine_context *ctx, const char *id)
{
	return set_paused(ctx, id, false);
}
