/* The spec as JSON: what config.json records so any process can start,
 * exec into or inspect a container created by another. Field names follow
 * Docker's Config/HostConfig where one exists. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

int engine__spec_add_strv(json_object *o, const char *key, char *const *v)
{
	json_object *a;

	if (!v)
		return 0;
	a = engine__json_from_strv(v);
	if (!a)
		return engine__error_oom();
	json_object_object_add(o, key, a);
	return 0;
}

static void add_int(json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

int engine__spec_to_json(const engine_spec *s, json_object **out)
{
	cleanup_json json_object *o = json_object_new_object();
	json_object *mounts, *files;

	if (!o)
		return engine__error_oom();
	if (engine__json_add_string(o, "Image", s->image) < 0 ||
	    engine__json_add_string(o, "Rootfs", s->rootfs) < 0 ||
	    engine__spec_add_strv(o, "Cmd", s->argv) < 0 || engine__spec_add_strv(o, "Env", s->env) < 0 ||
	    engine__spec_add_strv(o, "EnvFiles", s->env_files) < 0 ||
	    engine__json_add_string(o, "WorkingDir", s->working_dir) < 0 ||
	    engine__json_add_string(o, "User", s->user) < 0 ||
	    engine__json_add_string(o, "Hostname", s->hostname) < 0 ||
	    engine__json_add_string(o, "Name", s->name) < 0 ||
	    engine__json_add_string(o, "CpusetCpus", s->cpuset) < 0 ||
	    engine__spec_add_strv(o, "CapAdd", s->cap_add) < 0 ||
	    engine__spec_add_strv(o, "CapDrop", s->cap_drop) < 0 ||
	    engine__json_add_string(o, "Seccomp", s->seccomp) < 0 ||
	    engine__spec_add_strv(o, "Ulimits", s->rlimits) < 0)
		return ENGINE_ENOMEM;
	if (s->entrypoint_set && engine__spec_add_strv(o, "Entrypoint", s->entrypoint) < 0)
		return ENGINE_ENOMEM;
	mounts = json_object_new_array();
	files = json_object_new_array();
	json_object_object_add(o, "Mounts", mounts);
	json_object_object_add(o, "Files", files);
	if (engine__spec_mounts_to_json(s, mounts) < 0 || engine__spec_health_to_json(s, o) < 0)
		return ENGINE_ENOMEM;
	for (size_t i = 0; i < s->n_files; i++) {
		json_object *f = json_object_new_object();

		json_object_array_add(files, f);
		engine__json_add_string(f, "Path", s->files[i].path);
		json_object_object_add(f, "Content",
				       json_object_new_string_len(s->files[i].content, (int)s->files[i].len));
		add_int(f, "Mode", s->files[i].mode);
	}
	json_object_object_add(o, "ReadonlyRootfs", json_object_new_boolean(s->read_only));
	if (engine__spec_net_to_json(s, o) < 0 || engine__spec_host_to_json(s, o) < 0 ||
	    engine__spec_ns_to_json(s, o) < 0)
		return ENGINE_ENOMEM;
	add_int(o, "Memory", s->memory);
	json_object_object_add(o, "Cpus", json_object_new_double(s->cpus));
	add_int(o, "CpuShares", (int64_t)s->cpu_shares);
	add_int(o, "PidsLimit", s->pids_limit);
	json_object_object_add(o, "NoNewPrivileges", json_object_new_boolean(s->no_new_privs));
	json_object_object_add(o, "Init", json_object_new_boolean(s->init));
	add_int(o, "UsernsUid", s->userns_uid);
	add_int(o, "UsernsGid", s->userns_gid);
	add_int(o, "UsernsCount", s->userns_count);
	add_int(o, "Stdio", s->stdio);
	json_object_object_add(o, "Timeout", json_object_new_double(s->timeout));
	json_object_object_add(o, "AutoRemove", json_object_new_boolean(s->auto_remove));
	if (s->storage_size > 0 || s->storage_tmpfs) {
		/* Docker's HostConfig.StorageOpt: strings by option name. */
		json_object *so = json_object_new_object();
		char size[32];

		json_object_object_add(o, "StorageOpt", so);
		if (s->storage_size > 0) {
			snprintf(size, sizeof(size), "%lld", (long long)s->storage_size);
			engine__json_add_string(so, "size", size);
		}
		if (s->storage_tmpfs)
			engine__json_add_string(so, "type", "tmpfs");
	}
	{
		json_object *rp = json_object_new_object();

		json_object_object_add(o, "RestartPolicy", rp);
		engine__json_add_string(rp, "Name", s->restart[0] ? s->restart : "no");
		add_int(rp, "MaximumRetryCount", s->restart_max);
	}
	{
		/* Docker's HostConfig.LogConfig: the options as a map. */
		json_object *lc = json_object_new_object(), *cfg = json_object_new_object();

		json_object_object_add(o, "LogConfig", lc);
		engine__json_add_string(lc, "Type", s->log_driver ? s->log_driver : "json-file");
		json_object_object_add(lc, "Config", cfg);
		for (size_t i = 0; s->log_opts && s->log_opts[i]; i++) {
			const char *eq = strchr(s->log_opts[i], '=');
			cleanup_free char *key = strndup(s->log_opts[i], eq ? (size_t)(eq - s->log_opts[i])
									    : strlen(s->log_opts[i]));

			if (!key)
				return engine__error_oom();
			json_object_object_add(cfg, key, json_object_new_string(eq ? eq + 1 : ""));
		}
	}
	if (s->labels) {
		json_object *l = json_object_new_object();

		json_object_object_add(o, "Labels", l);
		for (size_t i = 0; s->labels[i]; i++) {
			const char *eq = strchr(s->labels[i], '=');
			cleanup_free char *key = strndup(s->labels[i], (size_t)(eq - s->labels[i]));

			if (!key)
				return engine__error_oom();
			json_object_object_add(l, key, json_object_new_string(eq + 1));
		}
	}
	if (s->privileged)
		json_object_object_add(o, "Privileged", json_object_new_boolean(1));
	if (s->stop_signal)
		engine__json_add_string(o, "StopSignal", s->stop_signal);
	if (s->stop_timeout >= 0)
		add_int(o, "StopTimeout", s->stop_timeout);
	json_object_object_add(o, "Tty", json_object_new_boolean(s->tty));
	json_object_object_add(o, "OpenStdin", json_object_new_boolean(s->open_stdin));
	json_object_object_add(o, "StdinOnce", json_object_new_boolean(s->stdin_once));
	add_int(o, "ConsoleHeight", s->tty_rows);
	add_int(o, "ConsoleWidth", s->tty_cols);
	*out = steal_ptr(o);
	return 0;
}

static bool get_bool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static double get_double(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

int engine__spec_get_strv(json_object *o, const char *key, char ***field)
{
	json_object *a = engine__json_get_type(o, key, json_type_array);

	if (!a)
		return 0;
	return engine__json_to_strv(a, field);
}

static int dup_str(json_object *o, const char *key, char **field)
{
	const char *v = engine__json_get_string(o, key);

	if (!v)
		return 0;
	*field = strdup(v);
	return *field ? 0 : engine__error_oom();
}

int engine__spec_from_json(json_object *o, engine_spec **out)
{
	engine_spec *s = NULL;
	json_object *a;
	int r = engine_spec_new(&s);

	if (r < 0)
		return r;
	if (dup_str(o, "Image", &s->image) < 0 || dup_str(o, "Rootfs", &s->rootfs) < 0 ||
	    engine__spec_get_strv(o, "Cmd", &s->argv) < 0 || engine__spec_get_strv(o, "Env", &s->env) < 0 ||
	    engine__spec_get_strv(o, "EnvFiles", &s->env_files) < 0 ||
	    dup_str(o, "WorkingDir", &s->working_dir) < 0 || dup_str(o, "User", &s->user) < 0 ||
	    dup_str(o, "Hostname", &s->hostname) < 0 || dup_str(o, "Name", &s->name) < 0 ||
	    dup_str(o, "CpusetCpus", &s->cpuset) < 0 || engine__spec_get_strv(o, "CapAdd", &s->cap_add) < 0 ||
	    engine__spec_get_strv(o, "CapDrop", &s->cap_drop) < 0 || dup_str(o, "Seccomp", &s->seccomp) < 0 ||
	    engine__spec_get_strv(o, "Ulimits", &s->rlimits) < 0)
		goto oom;
	if (engine__json_get_type(o, "Entrypoint", json_type_array)) {
		s->entrypoint_set = true;
		if (engine__spec_get_strv(o, "Entrypoint", &s->entrypoint) < 0)
			goto oom;
	}
	r = engine__spec_mounts_from_json(engine__json_get_type(o, "Mounts", json_type_array), s);
	if (r == 0)
		r = engine__spec_health_from_json(o, s);
	if (r < 0)
		goto fail;
	a = engine__json_get_type(o, "Files", json_type_array);
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *f = json_object_array_get_idx(a, i), *c;

		if (!json_object_object_get_ex(f, "Content", &c))
			continue;
		r = engine_spec_add_file(s, engine__json_get_string(f, "Path"), json_object_get_string(c),
					 (size_t)json_object_get_string_len(c),
					 (unsigned)engine__json_get_int(f, "Mode", 0644));
		if (r < 0)
			goto fail;
	}
	s->read_only = get_bool(o, "ReadonlyRootfs");
	r = engine__spec_net_from_json(o, s);
	if (r == 0)
		r = engine__spec_host_from_json(o, s);
	if (r == 0)
		r = engine__spec_ns_from_json(o, s);
	if (r < 0)
		goto fail;
	s->memory = engine__json_get_int(o, "Memory", 0);
	s->cpus = get_double(o, "Cpus");
	s->cpu_shares = (uint64_t)engine__json_get_int(o, "CpuShares", 0);
	s->pids_limit = engine__json_get_int(o, "PidsLimit", 0);
	s->no_new_privs = get_bool(o, "NoNewPrivileges");
	s->init = get_bool(o, "Init");
	s->userns_uid = (uint32_t)engine__json_get_int(o, "UsernsUid", 0);
	s->userns_gid = (uint32_t)engine__json_get_int(o, "UsernsGid", 0);
	s->userns_count = (uint32_t)engine__json_get_int(o, "UsernsCount", 0);
	s->stdio = (int)engine__json_get_int(o, "Stdio", 0);
	/* The creator's fds (or stdio) mean nothing to another process that
	 * starts the container later: its output goes to the log files. */
	if (s->stdio == ENGINE_STDIO_FDS || s->stdio == ENGINE_STDIO_INHERIT)
		s->stdio = ENGINE_STDIO_LOG;
	s->timeout = get_double(o, "Timeout");
	s->auto_remove = get_bool(o, "AutoRemove");
	a = engine__json_get_type(o, "StorageOpt", json_type_object);
	if (a) {
		json_object_object_foreach(a, key, val)
		{
			cleanup_free char *opt =
			    engine__strdup_printf("%s=%s", key, json_object_get_string(val) ?: "");

			if (!opt)
				goto oom;
			if ((r = engine_spec_add_storage_opt(s, opt)) < 0)
				goto fail;
		}
	}
	a = engine__json_get_type(o, "Labels", json_type_object);
	if (a) {
		json_object_object_foreach(a, lk, lv)
		{
			cleanup_free char *item =
			    engine__strdup_printf("%s=%s", lk, json_object_get_string(lv));

			if (!item || engine__strv_push(&s->labels, item) < 0)
				goto oom;
		}
	}
	a = engine__json_get_type(o, "LogConfig", json_type_object);
	if (a) {
		json_object *cfg = engine__json_get_type(a, "Config", json_type_object);
		const char *t = engine__json_get_string(a, "Type");

		if (t && strcmp(t, "json-file") != 0 && !(s->log_driver = strdup(t)))
			goto oom;
		if (cfg) {
			json_object_object_foreach(cfg, lk, lv)
			{
				cleanup_free char *item =
				    engine__strdup_printf("%s=%s", lk, json_object_get_string(lv) ?: "");

				if (!item || engine__strv_push(&s->log_opts, item) < 0)
					goto oom;
			}
		}
	}
	a = engine__json_get_type(o, "RestartPolicy", json_type_object);
	if (a &&
	    engine__restart_policy_parse(engine__json_get_string(a, "Name"), s->restart, &s->restart_max) ==
		0 &&
	    strcmp(s->restart, "on-failure") == 0)
		s->restart_max = (int)engine__json_get_int(a, "MaximumRetryCount", 0);
	engine_error_clear();
	if (engine__json_get_string(o, "StopSignal") &&
	    !(s->stop_signal = strdup(engine__json_get_string(o, "StopSignal"))))
		goto oom;
	s->stop_timeout = (int)engine__json_get_int(o, "StopTimeout", -1);
	s->privileged = get_bool(o, "Privileged");
	s->tty = get_bool(o, "Tty");
	s->open_stdin = get_bool(o, "OpenStdin");
	s->stdin_once = get_bool(o, "StdinOnce");
	s->tty_rows = (uint16_t)engine__json_get_int(o, "ConsoleHeight", 0);
	s->tty_cols = (uint16_t)engine__json_get_int(o, "ConsoleWidth", 0);
	*out = s;
	return 0;
oom:
	r = engine__error_oom();
fail:
	engine_spec_free(s);
	return r;
}

int engine__spec_copy(const engine_spec *s, engine_spec **out)
{
	cleanup_json json_object *o = NULL;
	int r = engine__spec_to_json(s, &o);

	if (r < 0)
		return r;
	return engine__spec_from_json(o, out);
}
