/*
 * `exec`: a process (an OCI "process" object) in a running container. The
 * runtime's join path does it: setns through a pidfd of the container's
 * process into every namespace it does not share with us, a fork into its
 * PID namespace (the new process is the caller's child), its cgroup, and
 * the process's own user, capabilities, rlimits and the container's
 * seccomp filter, exec'd through engine-init.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/abi.h"
#include "core/error.h"
#include "oci/oci.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

ENGINE_EXTERN int engine_oci_exec_options_init(engine_oci_exec_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_oci_exec_options, opts, version,
					  ENGINE_OCI_EXEC_OPTIONS_INIT);
}

/* The namespaces of @pid that are not ours. */
static unsigned long foreign_namespaces(pid_t pid, bool *user)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} ns[] = {{"mnt", CLONE_NEWNS},	  {"pid", CLONE_NEWPID}, {"uts", CLONE_NEWUTS},
		  {"ipc", CLONE_NEWIPC},  {"net", CLONE_NEWNET}, {"cgroup", CLONE_NEWCGROUP},
		  {"user", CLONE_NEWUSER}};
	unsigned long flags = 0;

	*user = false;
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		char a[64], b[64];
		struct stat sa, sb;

		snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, ns[i].name);
		snprintf(b, sizeof(b), "/proc/self/ns/%s", ns[i].name);
		if (stat(a, &sa) < 0 || stat(b, &sb) < 0 ||
		    (sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev))
			continue;
		if (ns[i].flag == CLONE_NEWUSER)
			*user = true;
		else
			flags |= ns[i].flag;
	}
	return flags;
}

ENGINE_EXTERN int engine_oci_exec(engine_context *ctx, const char *id, const char *process_json,
				  const engine_oci_exec_options *opts, int *pid_out)
{
	engine_oci_exec_options o = ENGINE_OCI_EXEC_OPTIONS_INIT;
	cleanup_json json_object *proc = NULL, *config = NULL;
	cleanup_free char *cfg = NULL;
	engine__plan_oci oci;
	engine__plan *p = NULL;
	engine__oci_state st;
	engine__cgroup *cg = NULL;
	engine__proc child = {-1, -1, -1};
	json_object *seccomp;
	bool terminal = false, user = false;
	int r, exit_code = 0;

	if (!ctx || !id || !process_json)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_oci_exec: NULL argument");
	if (opts && (r = engine__abi_read(ENGINE__ABI(engine_oci_exec_options), &o, opts)) < 0)
		return r;
	if (o.preserve_fds < 0 || o.preserve_fds > 48)
		return engine__error_set(ENGINE_EINVALID, 0, "preserve-fds %d: want 0 to 48", o.preserve_fds);
	if ((r = engine__json_parse(process_json, strlen(process_json), "process", &proc)) < 0)
		return r;
	if ((r = engine__oci_state_read(ctx, id, &st)) < 0)
		return r;
	memset(&oci, 0, sizeof(oci));
	if (!(p = engine__plan_alloc())) {
		engine__oci_state_clear(&st);
		return ENGINE_ENOMEM;
	}
	oci.userns_fd = oci.wait_fd = -1;
	oci.umask = 022;
	oci.preserve_fds = o.preserve_fds;
	p->oci = &oci;
	if (strcmp(engine__oci_status(ctx, &st), "running") != 0) {
		r = engine__error_set(ENGINE_EBUSY, 0, "container \"%s\" is not running", id);
		goto out;
	}
	/* The container's seccomp filter applies to its every process. */
	cfg = engine__path_join(st.bundle, "config.json");
	if (!cfg || (r = engine__json_parse_file(cfg, &config)) < 0) {
		r = cfg ? r : ENGINE_ENOMEM;
		goto out;
	}
	seccomp = json_object_object_get(engine__json_get_type(config, "linux", json_type_object), "seccomp");
	if ((r = engine__oci_process(ctx, proc, seccomp, p, &oci, &terminal)) < 0)
		goto out;
	if (terminal && !o.console_socket) {
		r = engine__error_set(ENGINE_EINVALID, 0,
				      "process.terminal is true: a console socket is required");
		goto out;
	}
	if ((r = engine__oci_init_argv(p)) < 0)
		goto out;
	p->stdio_fd[0] = 0, p->stdio_fd[1] = 1, p->stdio_fd[2] = 2;
	p->join_pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
	if (p->join_pidfd < 0) {
		r = engine__error_errno(errno, "container \"%s\" (pid %d)", id, (int)st.pid);
		goto out;
	}
	p->clone_flags = foreign_namespaces(st.pid, &user);
	p->userns_count = user ? 1 : 0;
	if (engine__cgroup_open_path(ctx, st.cgroups_path, id, &cg) < 0)
		engine_error_clear(); /* a container without a cgroup of ours */
	r = engine__spawn(p, cg, &child, &exit_code);
	if (r < 0)
		goto out;
	if (child.console_fd >= 0) {
		r = engine__oci_console_send(o.console_socket, child.console_fd);
		close(child.console_fd);
		if (r < 0) {
			syscall(SYS_pidfd_send_signal, child.pidfd, SIGKILL, NULL, 0);
			close(child.pidfd);
			goto out;
		}
	}
	close(child.pidfd);
	if (pid_out)
		*pid_out = child.pid;
out:
	if (p->join_pidfd >= 0)
		close(p->join_pidfd);
	p->oci = NULL;
	p->masked = p->readonly = NULL;
	engine__cgroup_free(cg);
	engine__plan_free(p);
	engine__oci_state_clear(&st);
	return r;
}
