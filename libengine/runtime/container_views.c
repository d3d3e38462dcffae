/* Read-only views of containers: Docker-like inspect JSON, listings, stats
 * and log file paths. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/abi.h"
#include "core/error.h"
#include "net/net.h"
#include "runtime/container_filter.h"
#include "runtime/lifecycle.h"
#include "runtime/logfile.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

static void add_time(json_object *o, const char *key, int64_t ns)
{
	char buf[64];

	engine__format_time(buf, sizeof(buf), ns);
	engine__json_add_string(o, key, buf);
}

static json_object *state_json(const engine__cstate *st)
{
	json_object *s = json_object_new_object();
	bool running = strcmp(st->status, "running") == 0, paused = strcmp(st->status, "paused") == 0;

	engine__json_add_string(s, "Status", st->status);
	json_object_object_add(s, "Running", json_object_new_boolean(running || paused));
	json_object_object_add(s, "Paused", json_object_new_boolean(paused));
	json_object_object_add(s, "Restarting",
			       json_object_new_boolean(strcmp(st->status, "restarting") == 0));
	json_object_object_add(s, "OOMKilled", json_object_new_boolean(st->oom_killed));
	json_object_object_add(s, "Dead", json_object_new_boolean(0));
	json_object_object_add(s, "Pid", json_object_new_int(running || paused ? st->pid : 0));
	json_object_object_add(s, "ExitCode", json_object_new_int(st->exit_code));
	engine__json_add_string(s, "Error", st->error);
	add_time(s, "StartedAt", st->started_ns);
	add_time(s, "FinishedAt", st->finished_ns);
	return s;
}

/* Config.Labels: the image's, then the container's over them. */
json_object *engine__container_labels(engine_container *c)
{
	json_object *img = engine__json_get_type(
	    engine__json_get_type(c->config, "ImageConfig", json_type_object), "Labels", json_type_object);
	json_object *l = json_object_new_object();

	if (img) {
		json_object_object_foreach(img, k, v) json_object_object_add(l, k, json_object_get(v));
	}
	for (size_t i = 0; c->spec->labels && c->spec->labels[i]; i++) {
		const char *eq = strchr(c->spec->labels[i], '=');
		cleanup_free char *key = strndup(c->spec->labels[i], (size_t)(eq - c->spec->labels[i]));

		if (key)
			json_object_object_add(l, key, json_object_new_string(eq + 1));
	}
	return l;
}

static int build_inspect(engine_container *c, json_object **out)
{
	cleanup_json json_object *o = json_object_new_object();
	json_object *spec = engine__json_get_type(c->config, "Spec", json_type_object), *cfg, *hc, *v;
	engine__cstate st;
	int r;

	if (!o)
		return engine__error_oom();
	r = engine__state_read(c->dir, &st);
	if (r < 0)
		return r;
	engine__state_refresh(&st);
	engine__json_add_string(o, "Id", c->id);
	add_time(o, "Created", engine__json_get_int(c->config, "Created", 0));
	engine__json_add_string(o, "Path", engine__json_get_string(c->config, "Path"));
	if (json_object_object_get_ex(c->config, "Args", &v))
		json_object_object_add(o, "Args", json_object_get(v));
	json_object_object_add(o, "State", state_json(&st));
	{
		json_object *health = engine__container_health_json(c);

		if (health)
			json_object_object_add(json_object_object_get(o, "State"), "Health", health);
	}
	json_object_object_add(o, "RestartCount", json_object_new_int(st.restart_count));
	engine__json_add_string(o, "Image", engine__json_get_string(c->config, "ImageID"));
	{
		char *name = engine__strdup_printf("/%s", c->name);

		if (name)
			json_object_object_add(o, "Name", json_object_new_string(name));
		free(name);
	}
	engine__json_add_string(o, "Driver", "overlay2");
	{
		/* Docker shows the file of json-file only ("" for local, none). */
		cleanup_free char *log = engine__path_join(c->dir, ENGINE__LOG_FILE);
		bool json_file = !c->spec->log_driver || strcmp(c->spec->log_driver, "json-file") == 0;

		engine__json_add_string(o, "LogPath", json_file ? log : "");
	}

	/* Config: the image's config with the spec's overrides, as Docker shows it. */
	cfg = json_object_new_object();
	json_object_object_add(o, "Config", cfg);
	engine__json_add_string(
	    cfg, "Hostname",
	    engine__json_get_string(spec, "Hostname") ? engine__json_get_string(spec, "Hostname") : "");
	if (!engine__json_get_string(spec, "Hostname")) {
		char h[13];

		snprintf(h, sizeof(h), "%.12s", c->id);
		json_object_object_add(cfg, "Hostname", json_object_new_string(h));
	}
	{
		json_object *img = engine__json_get_type(c->config, "ImageConfig", json_type_object);
		const char *user = engine__json_get_string(spec, "User");
		const char *wd = engine__json_get_string(spec, "WorkingDir");
		json_object *env = engine__json_get_type(spec, "Env", json_type_array);
		json_object *ienv = engine__json_get_type(img, "Env", json_type_array);
		json_object *all_env = json_object_new_array();

		engine__json_add_string(
		    cfg, "User",
		    user
			? user
			: (engine__json_get_string(img, "User") ? engine__json_get_string(img, "User") : ""));
		for (size_t i = 0; ienv && i < json_object_array_length(ienv); i++)
			json_object_array_add(all_env, json_object_get(json_object_array_get_idx(ienv, i)));
		for (size_t i = 0; env && i < json_object_array_length(env); i++)
			json_object_array_add(all_env, json_object_get(json_object_array_get_idx(env, i)));
		json_object_object_add(cfg, "Env", all_env);
		if (json_object_object_get_ex(spec, "Cmd", &v) || json_object_object_get_ex(img, "Cmd", &v))
			json_object_object_add(cfg, "Cmd", json_object_get(v));
		if (json_object_object_get_ex(spec, "Entrypoint", &v) ||
		    json_object_object_get_ex(img, "Entrypoint", &v))
			json_object_object_add(cfg, "Entrypoint", json_object_get(v));
		engine__json_add_string(cfg, "WorkingDir",
					wd ? wd
					   : (engine__json_get_string(img, "WorkingDir")
						  ? engine__json_get_string(img, "WorkingDir")
						  : ""));
		engine__json_add_string(cfg, "Image", engine__json_get_string(c->config, "Image"));
		engine__json_add_string(cfg, "StopSignal", engine__json_get_string(c->config, "StopSignal"));
		if (engine__json_get_type(c->config, "StopTimeout", json_type_int))
			json_object_object_add(
			    cfg, "StopTimeout",
			    json_object_new_int((int)engine__json_get_int(c->config, "StopTimeout", 10)));
		json_object_object_add(cfg, "Labels", engine__container_labels(c));
		json_object_object_add(cfg, "Tty", json_object_new_boolean(c->spec->tty));
		json_object_object_add(cfg, "OpenStdin", json_object_new_boolean(c->spec->open_stdin));
		json_object_object_add(cfg, "StdinOnce", json_object_new_boolean(c->spec->stdin_once));
		if ((v = engine__container_healthcheck(c)))
			json_object_object_add(cfg, "Healthcheck", v);
	}

	hc = json_object_new_object();
	json_object_object_add(o, "HostConfig", hc);
	{
		static const char *const keys[] = {"Memory",
						   "CpuShares",
						   "PidsLimit",
						   "ReadonlyRootfs",
						   "NetworkMode",
						   "AutoRemove",
						   "Init",
						   "CapAdd",
						   "CapDrop",
						   "CpusetCpus",
						   "Ulimits",
						   "RestartPolicy",
						   "Dns",
						   "DnsSearch",
						   "DnsOptions",
						   "ExtraHosts",
						   "PublishAllPorts",
						   "Privileged",
						   "Sysctls",
						   "GroupAdd",
						   "Devices",
						   "VolumesFrom",
						   "CpusetMems",
						   "OomKillDisable",
						   "LogConfig"};

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (json_object_object_get_ex(spec, keys[i], &v))
				json_object_object_add(hc, keys[i], json_object_get(v));
		json_object_object_add(hc, "NanoCpus",
				       json_object_new_int64((int64_t)(c->spec->cpus * 1e9 + 0.5)));
		/* The namespace modes as dockerd 20.10 shows them: its default
		 * IPC and cgroup modes are "private", the others "". */
		engine__json_add_string(hc, "IpcMode", c->spec->ipc_mode ? c->spec->ipc_mode : "private");
		engine__json_add_string(hc, "PidMode", c->spec->pid_mode ? c->spec->pid_mode : "");
		engine__json_add_string(hc, "UTSMode", c->spec->uts_mode ? c->spec->uts_mode : "");
		engine__json_add_string(hc, "UsernsMode", c->spec->userns_mode ? c->spec->userns_mode : "");
		engine__json_add_string(hc, "CgroupnsMode",
					c->spec->cgroupns_mode ? c->spec->cgroupns_mode : "private");
		{
			json_object *sec = json_object_new_array();
			const char *p = engine__json_get_string(spec, "Seccomp");

			if (p && strcmp(p, "default") != 0) {
				char *opt = engine__strdup_printf("seccomp=%s", p);

				if (opt)
					json_object_array_add(sec, json_object_new_string(opt));
				free(opt);
			}
			if (c->spec->no_new_privs)
				json_object_array_add(sec, json_object_new_string("no-new-privileges"));
			json_object_object_add(hc, "SecurityOpt", sec);
		}
		if (json_object_object_get_ex(spec, "Mounts", &v))
			json_object_object_add(o, "Mounts", json_object_get(v));
	}
	{
		json_object *ns = NULL;

		if (engine__net_settings(c->ctx, c->id, c->spec, &ns) == 0)
			json_object_object_add(o, "NetworkSettings", ns);
	}
	*out = steal_ptr(o);
	return 0;
}

ENGINE_EXTERN int engine_container_inspect(engine_container *c, char **json_out)
{
	cleanup_json json_object *o = NULL;
	int r;

	if (!c || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_inspect: NULL argument");
	r = build_inspect(c, &o);
	if (r < 0)
		return r;
	return engine__json_export(o, false, json_out);
}

typedef struct entry {
	engine_container *c;
	int64_t created;
	engine__cstate st;
} entry;

static int by_created_desc(const void *a, const void *b)
{
	const entry *x = a, *y = b;

	return x->created < y->created ? 1 : x->created > y->created ? -1 : 0;
}

static int collect(engine_context *ctx, int all, engine__cfilter *f, entry **out, size_t *n_out)
{
	cleanup_strv char **ids = NULL;
	entry *e;
	size_t n = 0;

	if (engine__container_ids(ctx, &ids) < 0)
		return engine_error_last()->code;
	e = calloc(engine__strv_len(ids) + 1, sizeof(*e));
	if (!e)
		return engine__error_oom();
	for (size_t i = 0; ids[i]; i++) {
		engine_container *c = NULL;

		if (engine_container_open(ctx, ids[i], &c) < 0)
			continue; /* removed meanwhile */
		if (engine__state_read(c->dir, &e[n].st) < 0) {
			engine_container_free(c);
			continue;
		}
		engine__state_refresh(&e[n].st);
		if ((!all && strcmp(e[n].st.status, "running") != 0 &&
		     strcmp(e[n].st.status, "paused") != 0 && strcmp(e[n].st.status, "restarting") != 0) ||
		    !engine__cfilter_match(f, c, &e[n].st)) {
			engine_container_free(c);
			continue;
		}
		e[n].c = c;
		e[n].created = engine__json_get_int(c->config, "Created", 0);
		n++;
	}
	engine_error_clear();
	qsort(e, n, sizeof(*e), by_created_desc);
	*out = e;
	*n_out = n;
	return 0;
}

static void free_entries(entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		engine_container_free(e[i].c);
	free(e);
}

ENGINE_EXTERN int engine_container_list(engine_context *ctx, int all, char **json_out)
{
	return engine_container_list_filter(ctx, all, NULL, json_out);
}

ENGINE_EXTERN int engine_container_list_filter(engine_context *ctx, int all, const engine_strarray *filters,
					       char **json_out)
{
	cleanup_json json_object *arr = json_object_new_array();
	engine__cfilter f;
	entry *e = NULL;
	size_t n = 0;
	int r;

	if (!ctx || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_list: NULL argument");
	if (!arr)
		return engine__error_oom();
	r = engine__cfilter_init(ctx, filters, false, &f);
	if (r < 0)
		return r;
	r = collect(ctx, all || engine__cfilter_wants_stopped(&f), &f, &e, &n);
	engine__cfilter_clear(&f);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object(), *names = json_object_new_array(), *args;
		cleanup_free char *name = engine__strdup_printf("/%s", e[i].c->name);
		cleanup_free char *cmd = NULL;
		const char *path = engine__json_get_string(e[i].c->config, "Path");

		json_object_array_add(arr, o);
		engine__json_add_string(o, "Id", e[i].c->id);
		json_object_array_add(names, json_object_new_string(name ? name : ""));
		json_object_object_add(o, "Names", names);
		engine__json_add_string(o, "Image", engine__json_get_string(e[i].c->config, "Image"));
		engine__json_add_string(o, "ImageID", engine__json_get_string(e[i].c->config, "ImageID"));
		cmd = strdup(path ? path : "");
		args = engine__json_get_type(e[i].c->config, "Args", json_type_array);
		for (size_t k = 0; cmd && args && k < json_object_array_length(args); k++) {
			char *g = engine__strdup_printf(
			    "%s %s", cmd, json_object_get_string(json_object_array_get_idx(args, k)));

			free(cmd);
			cmd = g;
		}
		engine__json_add_string(o, "Command", cmd ? cmd : "");
		json_object_object_add(o, "Created", json_object_new_int64(e[i].created / 1000000000));
		json_object_object_add(o, "Labels", engine__container_labels(e[i].c));
		engine__json_add_string(o, "State", e[i].st.status);
		{
			char status[128];

			engine__container_status_text(e[i].c, &e[i].st, status, sizeof(status));
			engine__json_add_string(o, "Status", status);
		}
	}
	free_entries(e, n);
	*json_out = strdup(
	    json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return *json_out ? 0 : engine__error_oom();
}

ENGINE_EXTERN int engine_container_list_ids(engine_context *ctx, int all, engine_strarray *out)
{
	cleanup_strv char **ids = engine__strv_dup(NULL);
	entry *e = NULL;
	size_t n = 0;
	int r;

	if (!ctx || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_list_ids: NULL argument");
	if (!ids)
		return ENGINE_ENOMEM;
	r = collect(ctx, all, NULL, &e, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (engine__strv_push(&ids, e[i].c->id) < 0) {
			free_entries(e, n);
			return ENGINE_ENOMEM;
		}
	free_entries(e, n);
	engine__strv_to_array(steal_ptr(ids), out);
	return 0;
}

ENGINE_EXTERN int engine_container_stats_init(engine_container_stats *stats, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_container_stats, stats, version,
					  ENGINE_CONTAINER_STATS_INIT);
}

/* The counters of @pid's network namespace (its /proc/PID/net/dev, lo
 * left out), as docker stats' NET I/O; nothing for a container on the
 * caller's own network namespace (--network host: the host's traffic is
 * not the container's). */
static void net_counters(pid_t pid, engine_container_stats *out)
{
	char path[64], line[512];
	struct stat mine, theirs;
	cleanup_fclose FILE *f = NULL;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (pid <= 0 || stat(path, &theirs) < 0 || stat("/proc/self/ns/net", &mine) < 0 ||
	    (mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev))
		return;
	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	if (!(f = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		unsigned long long rb, rp, tb, tp, skip;

		/* face: rx bytes packets errs drop fifo frame compressed multicast, tx bytes packets ... */
		if (sscanf(line, " %63[^:]: %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", name, &rb,
			   &rp, &skip, &skip, &skip, &skip, &skip, &skip, &tb, &tp) != 11 ||
		    strcmp(name, "lo") == 0)
			continue;
		out->net_rx_bytes += rb;
		out->net_rx_packets += rp;
		out->net_tx_bytes += tb;
		out->net_tx_packets += tp;
	}
}

/* The running container's cgroup, or ENGINE_EBUSY. */
static int running_cgroup(engine_container *c, engine__cstate *st, engine__cgroup **cg)
{
	int r = engine__state_read(c->dir, st);

	if (r < 0)
		return r;
	engine__state_refresh(st);
	if (strcmp(st->status, "running") != 0 && strcmp(st->status, "paused") != 0)
		return engine__error_set(ENGINE_EBUSY, 0, "container %.12s is not running", c->id);
	return engine__cgroup_open(c->ctx, c->id, cg);
}

ENGINE_EXTERN int engine_container_stats_get(engine_container *c, engine_container_stats *out)
{
	engine_container_stats full = ENGINE_CONTAINER_STATS_INIT;
	engine__cgroup *cg = NULL;
	engine__cgroup_stats s;
	engine__cstate st;
	int r;

	if (!c || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_stats_get: NULL argument");
	if ((r = engine__abi_check(ENGINE__ABI(engine_container_stats), out->version)) < 0 ||
	    (r = running_cgroup(c, &st, &cg)) < 0)
		return r;
	memset(&s, 0, sizeof(s));
	r = engine__cgroup_stats_read(cg, &s);
	engine__cgroup_free(cg);
	if (r < 0)
		return r;
	full.memory_usage = s.memory_usage;
	full.memory_limit = s.memory_limit;
	full.cpu_usage_ns = s.cpu_usage_ns;
	full.pids = s.pids_current;
	full.memory_max_usage = s.memory_max_usage;
	full.memory_inactive_file = s.memory_inactive_file;
	full.oom_kills = s.oom_kills;
	full.cpu_user_ns = s.cpu_user_ns;
	full.cpu_system_ns = s.cpu_system_ns;
	full.cpu_periods = s.cpu_periods;
	full.cpu_throttled_periods = s.cpu_throttled_periods;
	full.cpu_throttled_ns = s.cpu_throttled_ns;
	full.blkio_read_bytes = s.io_read_bytes;
	full.blkio_write_bytes = s.io_write_bytes;
	net_counters(st.pid, &full);
	return engine__abi_write(ENGINE__ABI(engine_container_stats), out, &full);
}

ENGINE_EXTERN int engine_container_blkio_stats(engine_container *c, char **json_out)
{
	engine__cgroup_io_dev devs[64];
	engine__cgroup *cg = NULL;
	engine__cstate st;
	json_object *list;
	size_t n = 0;
	int r;

	if (!c || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_blkio_stats: NULL argument");
	if ((r = running_cgroup(c, &st, &cg)) < 0)
		return r;
	r = engine__cgroup_io_devices(cg, devs, sizeof(devs) / sizeof(devs[0]), &n);
	engine__cgroup_free(cg);
	if (r < 0)
		return r;
	if (!(list = json_object_new_array()))
		return engine__error_oom();
	for (size_t i = 0; i < n; i++)
		for (int op = 0; op < 2; op++) {
			json_object *e = json_object_new_object();

			if (!e || json_object_array_add(list, e) < 0) {
				json_object_put(e);
				json_object_put(list);
				return engine__error_oom();
			}
			json_object_object_add(e, "major", json_object_new_int64(devs[i].major));
			json_object_object_add(e, "minor", json_object_new_int64(devs[i].minor));
			json_object_object_add(e, "op", json_object_new_string(op ? "write" : "read"));
			json_object_object_add(
			    e, "value",
			    json_object_new_int64((int64_t)(op ? devs[i].write_bytes : devs[i].read_bytes)));
		}
	r = engine__json_export(list, true, json_out);
	json_object_put(list);
	return r;
}

ENGINE_EXTERN const char *engine_container_log_path(engine_container *c, int stream)
{
	if (!c || (stream != 1 && stream != 2))
		return NULL;
	if (!c->log_path[0])
		c->log_path[0] = engine__path_join(c->dir, ENGINE__LOG_FILE);
	if (!c->log_path[0] || !engine__path_exists(c->log_path[0]))
		return NULL;
	return c->log_path[0];
}

void engine__container_status_text(engine_container *c, const engine__cstate *st, char *buf, size_t len)
{
	int64_t now = engine__realtime_ns();
	const char *health = engine__container_health(c);
	char d[64], h[32] = "";

	if (strcmp(health, "none") != 0)
		snprintf(h, sizeof(h), " (%s)",
			 strcmp(health, "starting") == 0 ? "health: starting" : health);
	if (strcmp(st->status, "running") == 0 || strcmp(st->status, "paused") == 0) {
		engine__human_duration((now - st->started_ns) / 1000000000, d, sizeof(d));
		snprintf(buf, len, "Up %s%s%s", d, strcmp(st->status, "paused") == 0 ? " (Paused)" : "", h);
	} else if ((strcmp(st->status, "exited") == 0 || strcmp(st->status, "restarting") == 0) &&
		   st->finished_ns > 0) {
		engine__human_duration((now - st->finished_ns) / 1000000000, d, sizeof(d));
		snprintf(buf, len, "%s (%d) %s ago", st->status[0] == 'e' ? "Exited" : "Restarting",
			 st->exit_code, d);
	} else if (strcmp(st->status, "exited") == 0) {
		snprintf(buf, len, "Exited (%d)", st->exit_code);
	} else if (strcmp(st->status, "removing") == 0) {
		snprintf(buf, len, "Removal In Progress");
	} else {
		snprintf(buf, len, "Created");
	}
}

int64_t engine__container_size(engine_container *c)
{
	cleanup_free char *upper = engine__path_join(c->dir, "upper");

	return upper ? engine__tree_bytes(upper) : 0;
}

ENGINE_EXTERN int engine_container_size_rw(engine_container *c, int64_t *out)
{
	if (!c || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_size_rw: NULL argument");
	*out = engine__container_size(c);
	engine_error_clear();
	return 0;
}

ENGINE_EXTERN int engine_container_prune(engine_context *ctx, const engine_strarray *filters,
					 engine_strarray *deleted, int64_t *reclaimed)
{
	cleanup_strv char **gone = engine__strv_dup(NULL);
	engine__cfilter f;
	entry *e = NULL;
	size_t n = 0;
	int64_t total = 0;
	int r;

	if (!ctx)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_prune: NULL context");
	if (!gone)
		return ENGINE_ENOMEM;
	r = engine__cfilter_init(ctx, filters, true, &f);
	if (r < 0)
		return r;
	r = collect(ctx, 1, &f, &e, &n);
	engine__cfilter_clear(&f);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		int64_t size;

		if (strcmp(e[i].st.status, "exited") != 0 && strcmp(e[i].st.status, "created") != 0 &&
		    strcmp(e[i].st.status, "dead") != 0)
			continue;
		size = engine__container_size(e[i].c);
		/* Started meanwhile, or removed by another process: not ours to report. */
		if (engine_container_remove(e[i].c, 0) < 0) {
			engine_error_clear();
			continue;
		}
		total += size;
		if (engine__strv_push(&gone, e[i].c->id) < 0) {
			free_entries(e, n);
			return ENGINE_ENOMEM;
		}
	}
	free_entries(e, n);
	if (reclaimed)
		*reclaimed = total;
	if (deleted)
		engine__strv_to_array(steal_ptr(gone), deleted);
	return 0;
}
