/*
 * Changing an existing container: rename, update (limits and restart
 * policy: written to config.json for the next start and, while it runs,
 * to its cgroup) and restart. config.json is rewritten whole, under the
 * container's lock, so a concurrent start reads either version.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/abi.h"
#include "core/context.h"
#include "core/error.h"
#include "runtime/lifecycle.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"

/* Write @c's config.json with @spec as its Spec (and @name, when not NULL). */
static int write_config(engine_container *c, const engine_spec *spec, const char *name)
{
	cleanup_json json_object *cfg = NULL;
	cleanup_free char *path = engine__path_join(c->dir, "config.json");
	json_object *sj = NULL;
	int r;

	if (!path)
		return ENGINE_ENOMEM;
	r = engine__json_parse_file(path, &cfg);
	if (r < 0)
		return r;
	r = engine__spec_to_json(spec, &sj);
	if (r < 0)
		return r;
	json_object_object_add(cfg, "Spec", sj);
	if (name)
		json_object_object_add(cfg, "Name", json_object_new_string(name));
	r = engine__json_write_file(path, cfg, false);
	if (r < 0)
		return r;
	return engine__container_reload(c);
}

ENGINE_EXTERN int engine_container_rename(engine_container *c, const char *name)
{
	cleanup_free char *lockpath = NULL;
	cleanup_close int all = -EBADF, one = -EBADF;
	cleanup_free char *old = NULL;
	engine_spec *probe = NULL;
	int r;

	if (!c || !name)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_rename: NULL argument");
	if (name[0] == '/')
		name++;
	/* The spec setter holds the one rule for valid names. */
	r = engine_spec_new(&probe);
	if (r == 0)
		r = engine_spec_set_name(probe, name);
	engine_spec_free(probe);
	if (r < 0)
		return r;
	if (strcmp(name, c->name) == 0)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "renaming container %.12s: the new name is the same as the old one",
					 c->id);
	lockpath = engine__context_path(c->ctx, "containers.lock");
	if (!lockpath)
		return ENGINE_ENOMEM;
	all = engine__lock_take(lockpath, true);
	if (all < 0)
		return all;
	r = engine__container_name_free(c->ctx, name, c->id);
	if (r < 0)
		return r;
	one = engine__container_lock(c->ctx, c->id);
	if (one < 0)
		return one;
	r = engine__container_reload(c);
	if (r < 0)
		return r;
	old = strdup(c->name);
	if (!old)
		return engine__error_oom();
	free(c->spec->name);
	c->spec->name = strdup(name);
	if (!c->spec->name)
		return engine__error_oom();
	r = write_config(c, c->spec, name);
	return r < 0 ? engine__error_wrap("rename container %s", old) : 0;
}

ENGINE_EXTERN int engine_update_options_init(engine_update_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_update_options, opts, version, ENGINE_UPDATE_OPTIONS_INIT);
}

/* Apply @o to @s (the spec kept for later starts). */
static int update_spec(engine_spec *s, const engine_update_options *o)
{
	int r = 0;

	if (o->memory)
		r = engine_spec_set_memory(s, o->memory < 0 ? 0 : o->memory);
	if (r == 0 && o->cpus)
		r = engine_spec_set_cpus(s, o->cpus < 0 ? 0 : o->cpus);
	if (r == 0 && o->cpu_shares)
		r = engine_spec_set_cpu_shares(s, (uint64_t)o->cpu_shares);
	if (r == 0 && o->pids_limit)
		r = engine_spec_set_pids_limit(s, o->pids_limit < 0 ? 0 : o->pids_limit);
	if (r == 0 && o->cpuset_cpus)
		r = engine_spec_set_cpuset(s, o->cpuset_cpus);
	if (r == 0 && o->restart_policy) {
		r = engine_spec_set_restart_policy(s, o->restart_policy);
		if (r == 0 && s->auto_remove && strcmp(s->restart, "no") != 0)
			r = engine__error_set(ENGINE_EINVALID, 0,
					      "restart policy \"%s\": conflicts with auto-remove (--rm)",
					      o->restart_policy);
	}
	return r;
}

static int update_cgroup(engine_container *c, const engine_update_options *o)
{
	engine__cgroup_change u;
	engine__cgroup *cg = NULL;
	int r;

	memset(&u, 0, sizeof(u));
	u.memory = o->memory;
	u.cpu_shares = o->cpu_shares > 0 ? (uint64_t)o->cpu_shares : 0;
	if (o->cpus < 0) {
		u.cpu_quota = -1;
	} else if (o->cpus > 0) {
		u.cpu_period = 100000;
		r = engine__cgroup_cpus_to_quota(o->cpus, u.cpu_period, &u.cpu_quota);
		if (r < 0)
			return r;
	}
	u.pids = o->pids_limit;
	u.cpuset_cpus = o->cpuset_cpus;
	r = engine__cgroup_open(c->ctx, c->id, &cg);
	if (r < 0)
		return r;
	r = engine__cgroup_update(cg, &u);
	engine__cgroup_free(cg);
	return r;
}

ENGINE_EXTERN int engine_container_update(engine_container *c, const engine_update_options *opts)
{
	engine_update_options full = ENGINE_UPDATE_OPTIONS_INIT;
	const engine_update_options *o = &full;
	cleanup_close int lock = -EBADF;
	engine_spec *next = NULL;
	engine__cstate st;
	int r;

	if (!c || !opts)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_update: NULL argument");
	if ((r = engine__abi_read(ENGINE__ABI(engine_update_options), &full, opts)) < 0)
		return r;
	if (o->cpus != o->cpus || o->memory < -1 || o->pids_limit < -1 || o->cpu_shares < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "update of container %.12s: invalid value",
					 c->id);
	lock = engine__container_lock(c->ctx, c->id);
	if (lock < 0)
		return lock;
	r = engine__container_reload(c);
	if (r < 0)
		return r;
	/* Validate on a copy first: a bad value changes nothing. */
	r = engine__spec_copy(c->spec, &next);
	if (r == 0)
		r = update_spec(next, o);
	if (r < 0)
		goto out;
	r = engine__state_read(c->dir, &st);
	if (r < 0)
		goto out;
	engine__state_refresh(&st);
	if (strcmp(st.status, "running") == 0 || strcmp(st.status, "paused") == 0) {
		r = update_cgroup(c, o);
		if (r < 0)
			goto out;
	}
	r = write_config(c, next, NULL);
out:
	engine_spec_free(next);
	return r < 0 ? engine__error_wrap("update container %.12s", c->id) : 0;
}

ENGINE_EXTERN int engine_container_restart(engine_container *c, int grace_seconds)
{
	int r;

	if (!c)
		return engine__error_set(ENGINE_EINVALID, 0, "container is NULL");
	r = engine_container_stop(c, grace_seconds);
	if (r < 0)
		return r;
	return engine_container_start(c);
}
