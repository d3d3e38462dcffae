/*
 * Reading and adjusting live OCI containers: list (every state), ps (the
 * cgroup's PIDs), stats (runc's events --stats object from the cgroup's
 * counters) and update (linux.resources applied to the live cgroup).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "oci/oci.h"
#include "util/cleanup.h"
#include "util/json.h"

static int to_string(json_object *j, char **out)
{
	if (!j || !(*out = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
									JSON_C_TO_STRING_NOSLASHESCAPE))))
		return engine__error_oom();
	return 0;
}

ENGINE_EXTERN int engine_oci_list(engine_context *ctx, char **json_out)
{
	cleanup_free char *root = NULL;
	cleanup_closedir DIR *d = NULL;
	cleanup_json json_object *arr = json_object_new_array();
	struct dirent *e;

	if (!ctx || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_oci_list: NULL argument");
	if (!arr || !(root = engine__oci_root(ctx)))
		return engine__error_oom();
	d = opendir(root);
	if (!d && errno != ENOENT)
		return engine__error_errno(errno, "open %s", root);
	while (d && (e = readdir(d))) {
		engine__oci_state st;

		if (e->d_name[0] == '.' || engine__oci_state_read(ctx, e->d_name, &st) < 0) {
			engine_error_clear();
			continue;
		}
		json_object_array_add(arr, engine__oci_state_json(ctx, &st));
		engine__oci_state_clear(&st);
	}
	return to_string(arr, json_out);
}

static int open_cg(engine_context *ctx, const char *id, engine__oci_state *st, engine__cgroup **cg)
{
	int r = engine__oci_state_read(ctx, id, st);

	if (r < 0)
		return r;
	r = engine__cgroup_open_path(ctx, st->cgroups_path, id, cg);
	if (r < 0)
		engine__oci_state_clear(st);
	return r;
}

ENGINE_EXTERN int engine_oci_ps(engine_context *ctx, const char *id, char **json_out)
{
	cleanup_json json_object *arr = json_object_new_array();
	cleanup_free char *procs = NULL;
	engine__oci_state st;
	engine__cgroup *cg = NULL;
	char *save = NULL;
	int r;

	if (!ctx || !id || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_oci_ps: NULL argument");
	if (!arr)
		return engine__error_oom();
	if ((r = open_cg(ctx, id, &st, &cg)) < 0)
		return r;
	r = engine__cgroup_procs(cg, &procs);
	engine__cgroup_free(cg);
	engine__oci_state_clear(&st);
	if (r < 0)
		return r;
	for (char *p = strtok_r(procs, "\n", &save); p; p = strtok_r(NULL, "\n", &save))
		json_object_array_add(arr, json_object_new_int(atoi(p)));
	return to_string(arr, json_out);
}

ENGINE_EXTERN int engine_oci_stats(engine_context *ctx, const char *id, char **json_out)
{
	cleanup_json json_object *ev = json_object_new_object();
	json_object *data, *cpu, *usage, *mem, *musage, *pids;
	engine__cgroup_stats s;
	engine__oci_state st;
	engine__cgroup *cg = NULL;
	int r;

	if (!ctx || !id || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_oci_stats: NULL argument");
	if (!ev)
		return engine__error_oom();
	if ((r = open_cg(ctx, id, &st, &cg)) < 0)
		return r;
	r = engine__cgroup_stats_read(cg, &s);
	engine__cgroup_free(cg);
	engine__oci_state_clear(&st);
	if (r < 0)
		return r;
	data = json_object_new_object();
	cpu = json_object_new_object();
	usage = json_object_new_object();
	mem = json_object_new_object();
	musage = json_object_new_object();
	pids = json_object_new_object();
	json_object_object_add(usage, "total", json_object_new_uint64(s.cpu_usage_ns));
	json_object_object_add(cpu, "usage", usage);
	json_object_object_add(musage, "usage", json_object_new_uint64(s.memory_usage));
	json_object_object_add(musage, "max", json_object_new_uint64(s.memory_max_usage));
	json_object_object_add(musage, "limit", json_object_new_uint64(s.memory_limit));
	json_object_object_add(mem, "usage", musage);
	json_object_object_add(mem, "cache", json_object_new_uint64(s.memory_file));
	json_object_object_add(mem, "raw", json_object_new_object());
	json_object_object_add(pids, "current", json_object_new_uint64(s.pids_current));
	json_object_object_add(data, "cpu", cpu);
	json_object_object_add(data, "memory", mem);
	json_object_object_add(data, "pids", pids);
	engine__json_add_string(ev, "type", "stats");
	engine__json_add_string(ev, "id", id);
	json_object_object_add(ev, "data", data);
	return to_string(ev, json_out);
}

ENGINE_EXTERN int engine_oci_update(engine_context *ctx, const char *id, const char *resources_json)
{
	cleanup_json json_object *res = NULL;
	cleanup_free engine__cgroup_device_rule *rules = NULL;
	engine__cgroup_limits l;
	engine__cgroup_change c;
	engine__oci_state st;
	engine__cgroup *cg = NULL;
	int r;

	if (!ctx || !id || !resources_json)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_oci_update: NULL argument");
	if ((r = engine__json_parse(resources_json, strlen(resources_json), "resources", &res)) < 0)
		return r;
	if ((r = engine__oci_limits(res, &l, &rules)) < 0)
		return r;
	if (rules)
		return engine__error_set(
		    ENGINE_ENOTSUP, 0, "update: linux.resources.devices: not supported on a live container");
	if ((r = open_cg(ctx, id, &st, &cg)) < 0)
		return r;
	memset(&c, 0, sizeof(c));
	c.memory = l.memory;
	c.cpu_shares = l.cpu_shares;
	c.cpu_quota = l.cpu_quota;
	c.cpu_period = l.cpu_period;
	c.pids = l.pids;
	c.cpuset_cpus = l.cpuset_cpus;
	{
		json_object *v = NULL;

		/* -1 lifts a limit on update. */
		if (json_object_object_get_ex(json_object_object_get(res, "memory"), "limit", &v) &&
		    json_object_get_int64(v) == -1)
			c.memory = -1;
		if (json_object_object_get_ex(json_object_object_get(res, "pids"), "limit", &v) &&
		    json_object_get_int64(v) <= 0)
			c.pids = -1;
		if (json_object_object_get_ex(json_object_object_get(res, "cpu"), "quota", &v) &&
		    json_object_get_int64(v) == -1)
			c.cpu_quota = -1;
	}
	r = engine__cgroup_update(cg, &c);
	if (r == 0 && l.cpuset_mems)
		r = engine__cgroup_set_file(
		    cg, engine__cgroup_handle_mode(cg) == ENGINE__CGROUP_UNIFIED ? NULL : "cpuset",
		    "cpuset.mems", l.cpuset_mems);
	if (r == 0)
		r = engine__oci_resources_extra(ctx, cg, res);
	engine__cgroup_free(cg);
	engine__oci_state_clear(&st);
	return r;
}
