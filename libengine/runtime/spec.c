/* engine_spec: the public setters, with validation at the point of entry so
 * a bad value is reported where the caller made it. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "runtime/runtime.h"
#include "runtime/security.h"
#include "util/cleanup.h"
#include "util/str.h"
#include "util/strv.h"

ENGINE_EXTERN int engine_spec_new(engine_spec **out)
{
	engine_spec *s = calloc(1, sizeof(*s));

	if (!s)
		return engine__error_oom();
	s->in_fd = s->out_fd = s->err_fd = -1;
	s->stop_timeout = -1;
	s->cancel_fd = -1;
	/* Security by default (DESIGN.md); engine_spec_set_no_new_privs(0) opts out. */
	s->no_new_privs = true;
	*out = s;
	return 0;
}

ENGINE_EXTERN void engine_spec_free(engine_spec *s)
{
	if (!s)
		return;
	free(s->image);
	free(s->rootfs);
	engine__strv_free(s->argv);
	engine__strv_free(s->entrypoint);
	engine__strv_free(s->env);
	engine__strv_free(s->env_files);
	free(s->working_dir);
	free(s->user);
	free(s->hostname);
	free(s->name);
	for (size_t i = 0; i < s->n_mounts; i++)
		engine__mount_clear(&s->mounts[i]);
	free(s->mounts);
	for (size_t i = 0; i < s->n_files; i++) {
		free(s->files[i].path);
		free(s->files[i].content);
	}
	free(s->files);
	free(s->cpuset);
	engine__strv_free(s->cap_add);
	engine__strv_free(s->cap_drop);
	free(s->seccomp);
	engine__strv_free(s->rlimits);
	engine__spec_net_free(s);
	engine__spec_health_free(s);
	engine__strv_free(s->labels);
	free(s->log_driver);
	engine__strv_free(s->log_opts);
	free(s->stop_signal);
	engine__spec_host_free(s);
	engine__spec_ns_free(s);
	free(s);
}

static int set_str(char **field, const char *value, const char *what)
{
	char *copy = NULL;

	if (value) {
		if (!*value)
			return engine__error_set(ENGINE_EINVALID, 0, "%s: empty value", what);
		copy = strdup(value);
		if (!copy)
			return engine__error_oom();
	}
	free(*field);
	*field = copy;
	return 0;
}

static int check_abs(const char *path, const char *what)
{
	if (!path || path[0] != '/')
		return engine__error_set(ENGINE_EINVALID, 0, "%s \"%s\": not an absolute path", what,
					 path ? path : "(null)");
	return 0;
}

static int strv_from_array(const engine_strarray *a, char ***out)
{
	char **v = calloc((a ? a->count : 0) + 1, sizeof(char *));

	if (!v)
		return engine__error_oom();
	for (size_t i = 0; a && i < a->count; i++) {
		if (!a->strings[i]) {
			engine__strv_free(v);
			return engine__error_set(ENGINE_EINVALID, 0, "argument %zu is NULL", i);
		}
		v[i] = strdup(a->strings[i]);
		if (!v[i]) {
			engine__strv_free(v);
			return engine__error_oom();
		}
	}
	*out = v;
	return 0;
}

#define CHECK_SPEC(s)                                                                                        \
	do {                                                                                                 \
		if (!(s))                                                                                    \
			return engine__error_set(ENGINE_EINVALID, 0, "spec is NULL");                        \
	} while (0)

ENGINE_EXTERN int engine_spec_set_image(engine_spec *s, const char *ref)
{
	CHECK_SPEC(s);
	if (!ref || !*ref)
		return engine__error_set(ENGINE_EINVALID, 0, "image reference is empty");
	free(s->rootfs);
	s->rootfs = NULL;
	return set_str(&s->image, ref, "image");
}

ENGINE_EXTERN int engine_spec_set_rootfs(engine_spec *s, const char *dir)
{
	CHECK_SPEC(s);
	if (check_abs(dir, "rootfs") < 0)
		return engine_error_last()->code;
	free(s->image);
	s->image = NULL;
	return set_str(&s->rootfs, dir, "rootfs");
}

ENGINE_EXTERN int engine_spec_set_argv(engine_spec *s, const engine_strarray *argv)
{
	char **v;
	int r;

	CHECK_SPEC(s);
	r = strv_from_array(argv, &v);
	if (r < 0)
		return r;
	engine__strv_free(s->argv);
	s->argv = v;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_entrypoint(engine_spec *s, const engine_strarray *ep)
{
	char **v;
	int r;

	CHECK_SPEC(s);
	r = strv_from_array(ep, &v);
	if (r < 0)
		return r;
	engine__strv_free(s->entrypoint);
	s->entrypoint = v;
	s->entrypoint_set = true;
	return 0;
}

ENGINE_EXTERN int engine_spec_add_env(engine_spec *s, const char *item)
{
	CHECK_SPEC(s);
	if (!item || !*item || item[0] == '=')
		return engine__error_set(ENGINE_EINVALID, 0, "invalid environment variable \"%s\"",
					 item ? item : "");
	return engine__strv_push(&s->env, item);
}

ENGINE_EXTERN int engine_spec_add_env_file(engine_spec *s, const char *path)
{
	CHECK_SPEC(s);
	if (!path || !*path)
		return engine__error_set(ENGINE_EINVALID, 0, "env file path is empty");
	return engine__strv_push(&s->env_files, path);
}

ENGINE_EXTERN int engine_spec_set_working_dir(engine_spec *s, const char *dir)
{
	CHECK_SPEC(s);
	if (check_abs(dir, "working directory") < 0)
		return engine_error_last()->code;
	return set_str(&s->working_dir, dir, "working directory");
}

ENGINE_EXTERN int engine_spec_set_user(engine_spec *s, const char *user)
{
	CHECK_SPEC(s);
	return set_str(&s->user, user, "user");
}

ENGINE_EXTERN int engine_spec_set_hostname(engine_spec *s, const char *hostname)
{
	CHECK_SPEC(s);
	if (hostname && (strlen(hostname) > 63 || strchr(hostname, '/')))
		return engine__error_set(ENGINE_EINVALID, 0, "invalid hostname \"%s\"", hostname);
	return set_str(&s->hostname, hostname, "hostname");
}

ENGINE_EXTERN int engine_spec_set_name(engine_spec *s, const char *name)
{
	CHECK_SPEC(s);
	if (name) {
		bool ok = *name && strlen(name) < 128 &&
			  strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", name[0]);

		for (const char *p = name; ok && *p; p++)
			ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
				    *p) != NULL;
		if (!ok)
			return engine__error_set(
			    ENGINE_EINVALID, 0,
			    "invalid container name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
			    name);
	}
	return set_str(&s->name, name, "name");
}

ENGINE_EXTERN int engine_spec_add_file(engine_spec *s, const char *path, const void *content, size_t len,
				       unsigned mode)
{
	engine__file *grown;
	engine__file f = {0};

	CHECK_SPEC(s);
	if (check_abs(path, "file") < 0)
		return engine_error_last()->code;
	if (len && !content)
		return engine__error_set(ENGINE_EINVALID, 0, "file \"%s\": content is NULL", path);
	f.path = strdup(path);
	f.content = malloc(len + 1);
	f.len = len;
	f.mode = mode & 07777;
	grown = realloc(s->files, (s->n_files + 1) * sizeof(*grown));
	if (!f.path || !f.content || !grown) {
		free(f.path);
		free(f.content);
		if (grown)
			s->files = grown;
		return engine__error_oom();
	}
	if (len)
		memcpy(f.content, content, len);
	f.content[len] = '\0';
	s->files = grown;
	s->files[s->n_files++] = f;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_read_only(engine_spec *s, int read_only)
{
	CHECK_SPEC(s);
	s->read_only = read_only != 0;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_memory(engine_spec *s, int64_t bytes)
{
	CHECK_SPEC(s);
	if (bytes < 0 || (bytes > 0 && bytes < 6 * 1024 * 1024))
		return engine__error_set(ENGINE_EINVALID, 0,
					 "memory limit %lld: the minimum is 6MB (0 for unlimited)",
					 (long long)bytes);
	s->memory = bytes;
	return 0;
}

ENGINE_EXTERN int engine_parse_size(const char *size, int64_t *out)
{
	return engine__parse_size(size, out);
}

ENGINE_EXTERN int engine_spec_set_memory_str(engine_spec *s, const char *size)
{
	int64_t v;
	int r;

	CHECK_SPEC(s);
	r = engine__parse_size(size, &v);
	if (r < 0)
		return engine__error_wrap("memory limit");
	return engine_spec_set_memory(s, v);
}

ENGINE_EXTERN int engine_spec_set_cpus(engine_spec *s, double cpus)
{
	CHECK_SPEC(s);
	if (!(cpus >= 0) || isinf(cpus) || (cpus > 0 && cpus < 0.01))
		return engine__error_set(ENGINE_EINVALID, 0,
					 "cpus %g: must be 0 (unlimited) or at least 0.01", cpus);
	s->cpus = cpus;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_cpu_shares(engine_spec *s, uint64_t shares)
{
	CHECK_SPEC(s);
	if (shares && (shares < 2 || shares > 262144))
		return engine__error_set(ENGINE_EINVALID, 0, "cpu shares %llu: must be within 2..262144",
					 (unsigned long long)shares);
	s->cpu_shares = shares;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_pids_limit(engine_spec *s, int64_t limit)
{
	CHECK_SPEC(s);
	if (limit < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "pids limit %lld: must not be negative",
					 (long long)limit);
	s->pids_limit = limit;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_cpuset(engine_spec *s, const char *cpus)
{
	CHECK_SPEC(s);
	if (cpus && strspn(cpus, "0123456789,-") != strlen(cpus))
		return engine__error_set(ENGINE_EINVALID, 0, "invalid cpuset \"%s\"", cpus);
	return set_str(&s->cpuset, cpus, "cpuset");
}

/* An unknown name is refused when it is given, as dockerd does at create,
 * not when the container starts. */
static int check_cap_name(const char *cap)
{
	int n;

	if (!cap || !*cap)
		return engine__error_set(ENGINE_EINVALID, 0, "capability name is empty");
	if (strcasecmp(cap, "ALL") == 0 || strcasecmp(cap, "CAP_ALL") == 0)
		return 0;
	return engine__cap_from_name(cap, &n);
}

ENGINE_EXTERN int engine_spec_add_cap(engine_spec *s, const char *cap)
{
	int r;

	CHECK_SPEC(s);
	if ((r = check_cap_name(cap)) < 0)
		return r;
	return engine__strv_push(&s->cap_add, cap);
}

ENGINE_EXTERN int engine_spec_drop_cap(engine_spec *s, const char *cap)
{
	int r;

	CHECK_SPEC(s);
	if ((r = check_cap_name(cap)) < 0)
		return r;
	return engine__strv_push(&s->cap_drop, cap);
}

ENGINE_EXTERN int engine_spec_set_seccomp_profile(engine_spec *s, const char *profile)
{
	CHECK_SPEC(s);
	return set_str(&s->seccomp, profile, "seccomp profile");
}

ENGINE_EXTERN int engine_spec_set_no_new_privs(engine_spec *s, int enable)
{
	CHECK_SPEC(s);
	s->no_new_privs = enable != 0;
	return 0;
}

ENGINE_EXTERN int engine_spec_add_rlimit(engine_spec *s, const char *rlimit)
{
	engine__rlimit parsed;

	CHECK_SPEC(s);
	if (!rlimit || engine__rlimit_parse(rlimit, &parsed) < 0)
		return rlimit ? engine_error_last()->code
			      : engine__error_set(ENGINE_EINVALID, 0, "rlimit is NULL");
	return engine__strv_push(&s->rlimits, rlimit);
}

ENGINE_EXTERN int engine_spec_set_init(engine_spec *s, int enable)
{
	CHECK_SPEC(s);
	s->init = enable != 0;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_userns(engine_spec *s, uint32_t host_uid, uint32_t host_gid, uint32_t count)
{
	CHECK_SPEC(s);
	s->userns_uid = host_uid;
	s->userns_gid = host_gid;
	s->userns_count = count;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_stdio(engine_spec *s, int mode)
{
	CHECK_SPEC(s);
	if (mode < ENGINE_STDIO_DEFAULT || mode > ENGINE_STDIO_LOG)
		return engine__error_set(ENGINE_EINVALID, 0, "unknown stdio mode %d", mode);
	s->stdio = mode;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_stdio_fds(engine_spec *s, int in_fd, int out_fd, int err_fd)
{
	CHECK_SPEC(s);
	s->stdio = ENGINE_STDIO_FDS;
	s->in_fd = in_fd;
	s->out_fd = out_fd;
	s->err_fd = err_fd;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_timeout(engine_spec *s, double seconds)
{
	CHECK_SPEC(s);
	if (!(seconds >= 0) || isinf(seconds))
		return engine__error_set(ENGINE_EINVALID, 0, "timeout %g: must be >= 0", seconds);
	s->timeout = seconds;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_auto_remove(engine_spec *s, int enable)
{
	CHECK_SPEC(s);
	s->auto_remove = enable != 0;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_tty(engine_spec *s, int enable)
{
	CHECK_SPEC(s);
	s->tty = enable != 0;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_tty_size(engine_spec *s, unsigned rows, unsigned cols)
{
	CHECK_SPEC(s);
	if (rows > 65535 || cols > 65535)
		return engine__error_set(ENGINE_EINVALID, 0, "terminal size %ux%u: out of range", rows, cols);
	s->tty_rows = (uint16_t)rows;
	s->tty_cols = (uint16_t)cols;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_stdin(engine_spec *s, int open_stdin, int stdin_once)
{
	CHECK_SPEC(s);
	if (stdin_once && !open_stdin)
		return engine__error_set(ENGINE_EINVALID, 0, "stdin_once needs an open stdin");
	s->open_stdin = open_stdin != 0;
	s->stdin_once = stdin_once != 0;
	return 0;
}

void engine__spec_limits(const engine_spec *s, engine__cgroup_limits *out)
{
	memset(out, 0, sizeof(*out));
	out->memory = s->memory;
	out->cpu_shares = s->cpu_shares;
	if (s->cpus > 0) {
		out->cpu_period = 100000;
		if (engine__cgroup_cpus_to_quota(s->cpus, out->cpu_period, &out->cpu_quota) < 0)
			out->cpu_quota = (int64_t)(s->cpus * 100000 + 0.5);
	}
	out->pids = s->pids_limit;
	out->cpuset_cpus = s->cpuset;
	/* --privileged: every device, as the nodes in its /dev */
	out->devices_allow_all = s->privileged;
	out->cpuset_mems = s->cpuset_mems;
	out->oom_kill_disable = s->oom_kill_disable;
	/* --device: Docker's policy and these devices (spec_host.c) */
	if (!s->privileged && s->n_device_rules) {
		out->device_rules = s->device_rules;
		out->n_device_rules = s->n_device_rules;
	}
}
