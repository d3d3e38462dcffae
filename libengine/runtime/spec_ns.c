/*
 * The namespace modes of docker run's --ipc, --uts, --pid, --userns and
 * --cgroupns: the setters (Docker's values, checked where they are given),
 * their config.json form (HostConfig's IpcMode, UTSMode, PidMode,
 * UsernsMode, CgroupnsMode), and what a plan makes of them. Without any of
 * them a container keeps a namespace of its own for each; "host" and
 * "container:<x>" are explicit opt-ins, as in Docker.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "runtime/lifecycle.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "util/json.h"

#define CHECK_SPEC(s)                                                                                        \
	do {                                                                                                 \
		if (!(s))                                                                                    \
			return engine__error_set(ENGINE_EINVALID, 0, "spec is NULL");                        \
	} while (0)

void engine__spec_ns_free(engine_spec *s)
{
	free(s->ipc_mode);
	free(s->uts_mode);
	free(s->pid_mode);
	free(s->userns_mode);
	free(s->cgroupns_mode);
}

static bool is_container_mode(const char *mode)
{
	return mode && strncmp(mode, "container:", 10) == 0 && mode[10];
}

bool engine__ns_mode_valid(int kind, const char *mode)
{
	if (!mode || !*mode)
		return true;
	switch (kind) {
	case ENGINE__NS_IPC:
		return strcmp(mode, "private") == 0 || strcmp(mode, "shareable") == 0 ||
		       strcmp(mode, "none") == 0 || strcmp(mode, "host") == 0 || is_container_mode(mode);
	case ENGINE__NS_PID:
		return strcmp(mode, "host") == 0 || is_container_mode(mode);
	case ENGINE__NS_UTS:
		return strcmp(mode, "host") == 0;
	case ENGINE__NS_USERNS:
		return strcmp(mode, "host") == 0 || strcmp(mode, "private") == 0;
	case ENGINE__NS_CGROUPNS:
		return strcmp(mode, "host") == 0 || strcmp(mode, "private") == 0;
	}
	return false;
}

/* dockerd's words for a value it does not know ("invalid IPC mode: x"). */
static const char *const kind_word[] = {"IPC mode", "PID mode", "UTS mode", "USER mode",
					"cgroup namespace mode"};

static int set_mode(engine_spec *s, char **field, int kind, const char *mode)
{
	char *copy = NULL;

	CHECK_SPEC(s);
	if (!engine__ns_mode_valid(kind, mode))
		return engine__error_set(ENGINE_EINVALID, 0, "invalid %s: %s", kind_word[kind], mode);
	if (mode && *mode && !(copy = strdup(mode)))
		return engine__error_oom();
	free(*field);
	*field = copy;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_ipc(engine_spec *s, const char *mode)
{
	return set_mode(s, s ? &s->ipc_mode : NULL, ENGINE__NS_IPC, mode);
}

ENGINE_EXTERN int engine_spec_set_pid(engine_spec *s, const char *mode)
{
	return set_mode(s, s ? &s->pid_mode : NULL, ENGINE__NS_PID, mode);
}

ENGINE_EXTERN int engine_spec_set_uts(engine_spec *s, const char *mode)
{
	return set_mode(s, s ? &s->uts_mode : NULL, ENGINE__NS_UTS, mode);
}

ENGINE_EXTERN int engine_spec_set_userns_mode(engine_spec *s, const char *mode)
{
	return set_mode(s, s ? &s->userns_mode : NULL, ENGINE__NS_USERNS, mode);
}

ENGINE_EXTERN int engine_spec_set_cgroupns(engine_spec *s, const char *mode)
{
	return set_mode(s, s ? &s->cgroupns_mode : NULL, ENGINE__NS_CGROUPNS, mode);
}

static bool is_host(const char *mode)
{
	return mode && strcmp(mode, "host") == 0;
}

bool engine__spec_ns_default(const engine_spec *s)
{
	return (!s->ipc_mode || strcmp(s->ipc_mode, "private") == 0 ||
		strcmp(s->ipc_mode, "shareable") == 0) &&
	       !s->uts_mode && !s->pid_mode && !is_host(s->userns_mode) && !is_host(s->cgroupns_mode);
}

int engine__spec_ns_check(const engine_spec *s)
{
	/* runconfig's ErrConflictUTSHostname */
	if (is_host(s->uts_mode) && s->hostname)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "conflicting options: hostname and the UTS mode");
	return 0;
}

int engine__spec_ns_to_json(const engine_spec *s, json_object *o)
{
	if (engine__json_add_string(o, "IpcMode", s->ipc_mode) < 0 ||
	    engine__json_add_string(o, "UTSMode", s->uts_mode) < 0 ||
	    engine__json_add_string(o, "PidMode", s->pid_mode) < 0 ||
	    engine__json_add_string(o, "UsernsMode", s->userns_mode) < 0 ||
	    engine__json_add_string(o, "CgroupnsMode", s->cgroupns_mode) < 0)
		return ENGINE_ENOMEM;
	return 0;
}

int engine__spec_ns_from_json(json_object *o, engine_spec *s)
{
	static const char *const keys[] = {"IpcMode", "UTSMode", "PidMode", "UsernsMode", "CgroupnsMode"};
	char **fields[] = {&s->ipc_mode, &s->uts_mode, &s->pid_mode, &s->userns_mode, &s->cgroupns_mode};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = engine__json_get_string(o, keys[i]);

		if (v && *v && !(*fields[i] = strdup(v)))
			return engine__error_oom();
	}
	return 0;
}

/* --- the daemon's defaults ------------------------------------------------ */

/* daemon.json's "default-ipc-mode" ("private", "shareable") and
 * "default-cgroupns-mode" ("private", "host"), as dockerd takes them. */
static const char *config_mode(engine_context *ctx, const char *key)
{
	json_object *v = engine__context_config(ctx, key);
	const char *s = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;

	return s && *s ? s : NULL;
}

bool engine__spec_ns_wants_defaults(engine_context *ctx, const engine_spec *s)
{
	return (!s->ipc_mode && config_mode(ctx, "default-ipc-mode")) ||
	       (!s->cgroupns_mode && config_mode(ctx, "default-cgroupns-mode"));
}

int engine__spec_ns_defaults(engine_context *ctx, engine_spec *s)
{
	const char *ipc = config_mode(ctx, "default-ipc-mode"),
		   *cg = config_mode(ctx, "default-cgroupns-mode");

	if (ipc && strcmp(ipc, "private") != 0 && strcmp(ipc, "shareable") != 0)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid default IPC mode: %s", ipc);
	if (cg && strcmp(cg, "private") != 0 && strcmp(cg, "host") != 0)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid default cgroup namespace mode: %s", cg);
	if (ipc && !s->ipc_mode && !(s->ipc_mode = strdup(ipc)))
		return engine__error_oom();
	if (cg && !s->cgroupns_mode && !(s->cgroupns_mode = strdup(cg)))
		return engine__error_oom();
	return 0;
}

/* --- the plan ------------------------------------------------------------- */

int engine__plan_ns(engine__plan *p, const engine_spec *s)
{
	int r;

	if ((r = engine__spec_ns_check(s)) < 0)
		return r;
	/* A rootless container's user namespace owns neither the host's PID
	 * namespace (no /proc of it can be mounted) nor another container's
	 * namespaces (each has a user namespace of its own). */
	if (p->rootless && (s->pid_mode || is_container_mode(s->ipc_mode)))
		return engine__error_set(ENGINE_ENOTSUP, 0, "rootless: --%s %s is not supported",
					 s->pid_mode ? "pid" : "ipc",
					 s->pid_mode ? s->pid_mode : s->ipc_mode);
	/* host: the caller's namespace (the daemon's is the host's) */
	if (is_host(s->ipc_mode) || is_container_mode(s->ipc_mode))
		p->clone_flags &= ~(unsigned long)CLONE_NEWIPC;
	p->no_shm = s->ipc_mode && strcmp(s->ipc_mode, "none") == 0;
	p->shm_host = is_host(s->ipc_mode);
	if (is_host(s->pid_mode) || is_container_mode(s->pid_mode))
		p->clone_flags &= ~(unsigned long)CLONE_NEWPID;
	if (is_host(s->cgroupns_mode))
		p->new_cgroupns = false;
	if (is_host(s->uts_mode))
		p->clone_flags &= ~(unsigned long)CLONE_NEWUTS;
	return 0;
}

static int open_ns(pid_t pid, const char *ns, const char *what, const char *target)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return engine__error_errno(errno, "%s mode container:%s: open %s", what, target, path);
	return fd;
}

/* The running container @target names, its PID 1 in *@pid; dockerd's
 * words when it is not running ("can't join IPC of container X: container
 * X is not running" for --ipc, the second half for --pid). */
static int open_running(engine_context *ctx, const char *target, bool ipc, engine_container **out, pid_t *pid)
{
	engine_container *c = NULL;
	engine__cstate st;
	int r;

	r = engine_container_open(ctx, target, &c);
	if (r < 0)
		return engine__error_wrap("%s mode container:%s", ipc ? "ipc" : "pid", target);
	r = engine__state_read(c->dir, &st);
	if (r == 0)
		engine__state_refresh(&st);
	if (r == 0 && strcmp(st.status, "running") != 0 && strcmp(st.status, "paused") != 0)
		r = engine__error_set(ENGINE_EBUSY, 0, "%s%s%scontainer %s is not running",
				      ipc ? "can't join IPC of container " : "", ipc ? c->id : "",
				      ipc ? ": " : "", c->id);
	if (r < 0) {
		engine_container_free(c);
		return r;
	}
	*pid = st.pid;
	*out = c;
	return 0;
}

int engine__plan_ns_join(engine_context *ctx, engine__plan *p, const engine_spec *s)
{
	engine_container *c = NULL;
	pid_t pid;
	int r;

	if (is_container_mode(s->ipc_mode)) {
		const char *target = s->ipc_mode + 10, *mode;

		if ((r = open_running(ctx, target, true, &c, &pid)) < 0)
			return r;
		/* Docker shares only a donor that made its IPC shareable (or
		 * has the host's, or another's). */
		mode = c->spec->ipc_mode;
		if (!mode || (strcmp(mode, "shareable") != 0 && !is_host(mode) && !is_container_mode(mode))) {
			r = engine__error_set(ENGINE_EINVALID, 0,
					      "can't join IPC of container %s: non-shareable IPC (hint: use "
					      "IpcMode:shareable for the donor container)",
					      c->id);
			engine_container_free(c);
			return r;
		}
		engine_container_free(c);
		if ((p->join_ipcns_fd = open_ns(pid, "ipc", "ipc", target)) < 0 ||
		    (p->shm_mntns_fd = open_ns(pid, "mnt", "ipc", target)) < 0)
			return engine_error_last()->code;
	}
	if (is_container_mode(s->pid_mode)) {
		const char *target = s->pid_mode + 10;

		if ((r = open_running(ctx, target, false, &c, &pid)) < 0)
			return r;
		engine_container_free(c);
		if ((p->join_pidns_fd = open_ns(pid, "pid", "pid", target)) < 0)
			return engine_error_last()->code;
	}
	return 0;
}
