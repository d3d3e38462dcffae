/*
 * The container lifecycle on disk: create (config.json, state.json, the
 * writable layer), open by ID / prefix / name, wait, kill, stop,
 * pause/resume and remove. Every state change happens under the
 * container's lock so concurrent CLI calls and the monitor agree.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "net/net.h"
#include "runtime/container_int.h"
#include "runtime/lifecycle.h"
#include "util/str.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/strv.h"

ENGINE_EXTERN void engine_container_free(engine_container *c)
{
	if (!c)
		return;
	if (c->exit_fd >= 0)
		close(c->exit_fd);
	free(c->name);
	free(c->dir);
	engine_spec_free(c->spec);
	if (c->config)
		json_object_put(c->config);
	free(c->log_path[0]);
	free(c->log_path[1]);
	free(c);
}

ENGINE_EXTERN const char *engine_container_id(const engine_container *c)
{
	return c ? c->id : NULL;
}

ENGINE_EXTERN const char *engine_container_name(const engine_container *c)
{
	return c ? c->name : NULL;
}

static int load(engine_context *ctx, const char *id, engine_container **out)
{
	engine_container *c = calloc(1, sizeof(*c));
	cleanup_free char *cfg = NULL;
	json_object *spec;
	int r;

	if (!c)
		return engine__error_oom();
	c->exit_fd = -1;
	c->ctx = ctx;
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->dir = engine__container_dir(ctx, id);
	cfg = c->dir ? engine__path_join(c->dir, "config.json") : NULL;
	if (!cfg) {
		r = ENGINE_ENOMEM;
		goto fail;
	}
	r = engine__json_parse_file(cfg, &c->config);
	if (r < 0)
		goto fail;
	spec = engine__json_get_type(c->config, "Spec", json_type_object);
	r = engine__spec_from_json(spec, &c->spec);
	if (r < 0)
		goto fail;
	c->name = strdup(
	    engine__json_get_string(c->config, "Name") ? engine__json_get_string(c->config, "Name") : id);
	if (!c->name) {
		r = engine__error_oom();
		goto fail;
	}
	*out = c;
	return 0;
fail:
	engine_container_free(c);
	return r;
}

int engine__container_reload(engine_container *c)
{
	engine_container *fresh = NULL;
	int r = load(c->ctx, c->id, &fresh);

	if (r < 0)
		return r;
	/* The creator's fds stay what this handle was given. */
	fresh->spec->stdio = c->spec->stdio;
	fresh->spec->in_fd = c->spec->in_fd;
	fresh->spec->out_fd = c->spec->out_fd;
	fresh->spec->err_fd = c->spec->err_fd;
	free(c->name);
	c->name = steal_ptr(fresh->name);
	engine_spec_free(c->spec);
	c->spec = steal_ptr(fresh->spec);
	json_object_put(c->config);
	c->config = steal_ptr(fresh->config);
	engine_container_free(fresh);
	return 0;
}

int engine__container_ids(engine_context *ctx, char ***out)
{
	cleanup_free char *dir = engine__context_path(ctx, "containers");
	cleanup_closedir DIR *d = NULL;
	cleanup_strv char **ids = NULL;
	struct dirent *e;

	if (!dir)
		return ENGINE_ENOMEM;
	ids = engine__strv_dup(NULL);
	if (!ids)
		return ENGINE_ENOMEM;
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT) {
			*out = steal_ptr(ids);
			return 0;
		}
		return engine__error_errno(errno, "open %s", dir);
	}
	while ((e = readdir(d))) {
		cleanup_free char *cfg = NULL;

		if (strlen(e->d_name) != 64 || strspn(e->d_name, "0123456789abcdef") != 64)
			continue;
		/* Only complete containers: engine_run's ephemeral ones have no config. */
		cfg = engine__strdup_printf("%s/%s/config.json", dir, e->d_name);
		if (!cfg)
			return ENGINE_ENOMEM;
		if (access(cfg, F_OK) < 0)
			continue;
		if (engine__strv_push(&ids, e->d_name) < 0)
			return ENGINE_ENOMEM;
	}
	*out = steal_ptr(ids);
	return 0;
}

static int find(engine_context *ctx, const char *key, char id[65])
{
	cleanup_strv char **ids = NULL;
	size_t klen = strlen(key);
	int matches = 0;

	if (!*key)
		return engine__error_set(ENGINE_EINVALID, 0, "empty container reference");
	if (engine__container_ids(ctx, &ids) < 0)
		return engine_error_last()->code;
	/* Exact ID, then exact name, then a unique ID prefix: Docker's order. */
	for (size_t i = 0; ids[i]; i++)
		if (strcmp(ids[i], key) == 0) {
			snprintf(id, 65, "%s", ids[i]);
			return 0;
		}
	for (size_t i = 0; ids[i]; i++) {
		engine_container *c = NULL;
		bool same;

		if (load(ctx, ids[i], &c) < 0)
			continue;
		same = strcmp(c->name, key[0] == '/' ? key + 1 : key) == 0;
		engine_container_free(c);
		if (same) {
			snprintf(id, 65, "%s", ids[i]);
			return 0;
		}
	}
	for (size_t i = 0; ids[i]; i++)
		if (strncmp(ids[i], key, klen) == 0) {
			matches++;
			snprintf(id, 65, "%s", ids[i]);
		}
	if (matches == 1)
		return 0;
	if (matches > 1)
		return engine__error_set(ENGINE_EINVALID, 0, "multiple containers match \"%s\"", key);
	return engine__error_set(ENGINE_ENOTFOUND, 0, "no such container: %s", key);
}

ENGINE_EXTERN int engine_container_open(engine_context *ctx, const char *key, engine_container **out)
{
	char id[65];
	int r;

	if (!ctx || !key || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_open: NULL argument");
	r = find(ctx, key, id);
	if (r < 0)
		return r;
	return load(ctx, id, out);
}

static const char *const adjectives[] = {"eager", "brave",  "calm",   "clever",	 "jolly", "keen",
					 "lucid", "quirky", "serene", "vibrant", "witty", "zen"};
static const char *const nouns[] = {"turing",	"hopper",  "lovelace", "knuth",	 "ritchie",  "thompson",
				    "torvalds", "shannon", "dijkstra", "liskov", "hamilton", "curie"};

int engine__container_name_free(engine_context *ctx, const char *name, const char *except_id)
{
	char id[65];
	cleanup_strv char **ids = NULL;

	if (engine__container_ids(ctx, &ids) < 0)
		return engine_error_last()->code;
	for (size_t i = 0; ids[i]; i++) {
		engine_container *c = NULL;
		bool same;

		if ((except_id && strcmp(ids[i], except_id) == 0) || load(ctx, ids[i], &c) < 0)
			continue;
		same = strcmp(c->name, name) == 0;
		snprintf(id, sizeof(id), "%s", ids[i]);
		engine_container_free(c);
		if (same)
			return engine__error_set(
			    ENGINE_EEXISTS, 0,
			    "the container name \"/%s\" is already in use by container \"%s\"", name, id);
	}
	return 0;
}

ENGINE_EXTERN int engine_container_create(engine_context *ctx, const engine_spec *spec,
					  engine_container **out)
{
	cleanup_json json_object *cfg = json_object_new_object(), *sj = NULL;
	cleanup_free char *lockpath = NULL, *name = NULL, *cfgpath = NULL;
	cleanup_close int lock = -EBADF;
	cleanup_strv char **argv = NULL;
	engine__cinfo *ci = NULL;
	engine_spec *resolved = NULL;
	engine__cstate st;
	const char *stop;
	int r;

	if (!ctx || !spec || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_create: NULL argument");
	if (!cfg)
		return engine__error_oom();
	if (spec->auto_remove && spec->restart[0] && strcmp(spec->restart, "no") != 0)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "conflicting options: restart policy \"%s\" and auto-remove (--rm)",
					 spec->restart);
	lockpath = engine__context_path(ctx, "containers.lock");
	if (!lockpath)
		return ENGINE_ENOMEM;
	lock = engine__lock_take(lockpath, true);
	if (lock < 0)
		return lock;
	if (spec->name) {
		r = engine__container_name_free(ctx, spec->name, NULL);
		if (r < 0)
			return r;
		name = strdup(spec->name);
	}
	r = engine__cinfo_prepare(ctx, spec, true, &ci);
	if (r < 0)
		return r;
	if (!name) {
		unsigned char rnd[2];
		char hex[5];

		engine__random_hex(hex, 2);
		rnd[0] = (unsigned char)strtoul((char[]){hex[0], hex[1], 0}, NULL, 16);
		rnd[1] = (unsigned char)strtoul((char[]){hex[2], hex[3], 0}, NULL, 16);
		name =
		    engine__strdup_printf("%s_%s_%.4s", adjectives[rnd[0] % 12], nouns[rnd[1] % 12], ci->id);
	}
	if (!name) {
		r = ENGINE_ENOMEM;
		goto remove;
	}
	r = engine__resolve_argv(spec, ci->config, &argv);
	if (r < 0)
		goto remove;
	/* Volumes are taken (and made) now, as Docker does at create. */
	r = engine__spec_copy(spec, &resolved);
	if (r < 0)
		goto remove;
	r = engine__spec_volumes_from_resolve(ctx, resolved);
	if (r == 0)
		r = engine__spec_ns_check(resolved);
	if (r == 0)
		r = engine__spec_ns_defaults(ctx, resolved);
	if (r < 0)
		goto remove;
	/* The context's log-driver/log-opts when the spec names none (daemon.json's). */
	r = engine__log_spec_defaults(ctx, resolved);
	if (r < 0)
		goto remove;
	r = engine__mounts_resolve(ctx, resolved, ci->config, ci->id, 0);
	if (r < 0)
		goto remove;
	r = engine__mounts_copy_up(ctx, resolved, ci->layers);
	if (r < 0)
		goto release_volumes;
	r = engine__spec_to_json(resolved, &sj);
	if (r < 0)
		goto release_volumes;
	engine__json_add_string(cfg, "Id", ci->id);
	engine__json_add_string(cfg, "Name", name);
	json_object_object_add(cfg, "Created", json_object_new_int64(engine__realtime_ns()));
	engine__json_add_string(cfg, "Image", spec->image ? spec->image : spec->rootfs);
	engine__json_add_string(cfg, "ImageID", ci->image_id);
	engine__json_add_string(cfg, "Path", argv[0]);
	json_object_object_add(cfg, "Args", engine__json_from_strv(argv + 1));
	/* --stop-signal over the image's STOPSIGNAL. */
	stop = spec->stop_signal ? spec->stop_signal : engine__json_get_string(ci->config, "StopSignal");
	engine__json_add_string(cfg, "StopSignal", stop);
	if (spec->stop_timeout >= 0)
		json_object_object_add(cfg, "StopTimeout", json_object_new_int(spec->stop_timeout));
	json_object_object_add(cfg, "ImageConfig", json_object_get(ci->config));
	json_object_object_add(cfg, "Spec", steal_ptr(sj));
	cfgpath = engine__path_join(ci->dir, "config.json");
	if (!cfgpath) {
		r = ENGINE_ENOMEM;
		goto remove;
	}
	memset(&st, 0, sizeof(st));
	strcpy(st.status, "created");
	r = engine__state_write(ci->dir, &st);
	if (r < 0)
		goto release_volumes;
	r = engine__json_write_file(cfgpath, cfg, false);
	if (r < 0)
		goto release_volumes;
	r = load(ctx, ci->id, out);
	if (r < 0)
		goto release_volumes;
	/* The creator's fds stay usable for its own start. */
	(*out)->spec->stdio = spec->stdio;
	(*out)->spec->in_fd = spec->in_fd;
	(*out)->spec->out_fd = spec->out_fd;
	(*out)->spec->err_fd = spec->err_fd;
	engine__container_event(*out, "create", NULL, NULL);
	engine_spec_free(resolved);
	engine__cinfo_free(ci);
	return 0;
release_volumes:
	engine__mounts_release(ctx, resolved, ci->id, true);
remove:
	engine_spec_free(resolved);
	engine__cinfo_remove(ci);
	engine__cinfo_free(ci);
	return r;
}

ENGINE_EXTERN const char *engine_container_status(engine_container *c)
{
	static const char *const names[] = {"created",	  "running", "paused",
					    "restarting", "exited",  "removing"};
	engine__cstate st;

	if (!c || engine__state_read(c->dir, &st) < 0)
		return "unknown";
	engine__state_refresh(&st);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(st.status, names[i]) == 0)
			return names[i];
	return "unknown";
}

/* Seconds to wait for a SIGKILLed container to be reaped. */
#define KILL_WAIT 120

static bool is_running(const engine__cstate *st)
{
	return strcmp(st->status, "running") == 0 || strcmp(st->status, "paused") == 0;
}

/* Wait for the monitor to finish (it writes the final state, then exits). */
static int wait_monitor(const engine__cstate *st, double timeout)
{
	int pidfd = (int)syscall(SYS_pidfd_open, st->monitor, 0);
	struct pollfd pfd;
	int r;

	if (pidfd < 0 || !engine__proc_alive(st->monitor, st->monitor_start)) {
		if (pidfd >= 0)
			close(pidfd);
		return 0;
	}
	pfd = (struct pollfd){.fd = pidfd, .events = POLLIN};
	do
		r = poll(&pfd, 1, timeout < 0 ? -1 : (int)(timeout * 1000));
	while (r < 0 && errno == EINTR);
	close(pidfd);
	if (r == 0)
		return engine__error_set(ENGINE_ETIMEOUT, 0, "container still running after %gs", timeout);
	return 0;
}

static bool has_restart_policy(const engine_container *c)
{
	return c->spec->restart[0] && strcmp(c->spec->restart, "no") != 0;
}

static int signal_pid(const engine__cstate *st, int sig)
{
	int pidfd;

	if (!engine__proc_alive(st->pid, st->pid_start))
		return engine__error_set(ENGINE_EBUSY, 0, "container is not running");
	pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (pidfd < 0)
		return engine__error_errno(errno, "pidfd_open %d", (int)st->pid);
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0) {
		int e = errno;

		close(pidfd);
		return engine__error_errno(e, "send signal %d", sig);
	}
	close(pidfd);
	return 0;
}

static int stop_signal(const engine_container *c)
{
	const char *stop = engine__json_get_string(c->config, "StopSignal");
	int sig = SIGTERM;

	if (stop && engine__signal_parse(stop, &sig) < 0)
		sig = SIGTERM;
	engine_error_clear();
	return sig;
}

ENGINE_EXTERN int engine_container_kill(engine_container *c, int sig)
{
	engine__cstate st;
	int r;

	if (!c)
		return engine__error_set(ENGINE_EINVALID, 0, "container is NULL");
	if (sig <= 0 || sig >= 65)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid signal %d", sig);
	r = engine__state_read(c->dir, &st);
	if (r < 0)
		return r;
	engine__state_refresh(&st);
	if (!is_running(&st))
		return engine__error_set(ENGINE_EBUSY, 0, "container %.12s is not running", c->id);
	/* Killing it for good (as stop would) stands the restart policy down. */
	if (has_restart_policy(c) && (sig == SIGKILL || sig == stop_signal(c)) &&
	    (r = engine__state_mark_stopped(c->ctx, c->id, c->dir)) < 0)
		return r;
	r = signal_pid(&st, sig);
	if (r == 0) {
		char num[16];

		snprintf(num, sizeof(num), "%d", sig);
		engine__container_event(c, "kill", "signal", num);
	}
	return r;
}

/* SIGKILL every process: the cgroup first (stragglers), PID 1 ends the rest. */
static void kill_all(engine_container *c, const engine__cstate *st)
{
	engine__cgroup *cg = NULL;

	if (engine__cgroup_open(c->ctx, c->id, &cg) == 0) {
		engine__cgroup_freeze(cg, false);
		engine__cgroup_kill(cg, SIGKILL);
		engine__cgroup_free(cg);
	}
	signal_pid(st, SIGKILL);
	engine_error_clear();
}

ENGINE_EXTERN int engine_container_stop(engine_container *c, int grace)
{
	engine__cstate st;
	int sig, r;

	if (!c)
		return engine__error_set(ENGINE_EINVALID, 0, "container is NULL");
	sig = stop_signal(c);
	r = engine__state_read(c->dir, &st);
	if (r < 0)
		return r;
	engine__state_refresh(&st);
	if (strcmp(st.status, "restarting") == 0) {
		/* Between runs: the monitor sees the stop within its back-off step. */
		r = engine__state_mark_stopped(c->ctx, c->id, c->dir);
		return r < 0 ? r : wait_monitor(&st, KILL_WAIT);
	}
	if (!is_running(&st))
		return 0;
	if (has_restart_policy(c) && (r = engine__state_mark_stopped(c->ctx, c->id, c->dir)) < 0)
		return r;
	if (strcmp(st.status, "paused") == 0)
		engine_container_resume(c);
	signal_pid(&st, sig);
	engine_error_clear();
	/* Without a grace period, the container's --stop-timeout, else Docker's 10 s. */
	if (grace < 0)
		grace = (int)engine__json_get_int(c->config, "StopTimeout", 10);
	r = wait_monitor(&st, grace);
	if (r < 0) {
		kill_all(c, &st);
		/* Dying can take a while on a busy host (namespace teardown waits
		 * for RCU grace periods); Docker waits for good after SIGKILL. */
		r = wait_monitor(&st, KILL_WAIT);
	}
	if (r == 0)
		engine__container_event(c, "stop", NULL, NULL);
	return r;
}

static int set_frozen(engine_container *c, bool frozen)
{
	engine__cgroup *cg = NULL;
	cleanup_close int lock = -EBADF;
	engine__cstate st;
	int r;

	if (!c)
		return engine__error_set(ENGINE_EINVALID, 0, "container is NULL");
	lock = engine__container_lock(c->ctx, c->id);
	if (lock < 0)
		return lock;
	r = engine__state_read(c->dir, &st);
	if (r < 0)
		return r;
	engine__state_refresh(&st);
	if (!is_running(&st))
		return engine__error_set(ENGINE_EBUSY, 0, "container %.12s is not running", c->id);
	if (frozen == (strcmp(st.status, "paused") == 0))
		return engine__error_set(ENGINE_EBUSY, 0, "container %.12s is %s", c->id,
					 frozen ? "already paused" : "not paused");
	r = engine__cgroup_open(c->ctx, c->id, &cg);
	if (r < 0)
		return r;
	r = engine__cgroup_freeze(cg, frozen);
	engine__cgroup_free(cg);
	if (r < 0)
		return r;
	strcpy(st.status, frozen ? "paused" : "running");
	r = engine__state_write(c->dir, &st);
	if (r == 0)
		engine__container_event(c, frozen ? "pause" : "unpause", NULL, NULL);
	return r;
}

ENGINE_EXTERN int engine_container_pause(engine_container *c)
{
	return set_frozen(c, true);
}

ENGINE_EXTERN int engine_container_resume(engine_container *c)
{
	return set_frozen(c, false);
}

static int remove_container(engine_container *c, int force, bool volumes);

ENGINE_EXTERN int engine_container_remove(engine_container *c, int force)
{
	return remove_container(c, force, false);
}

ENGINE_EXTERN int engine_container_remove_volumes(engine_container *c, int force)
{
	return remove_container(c, force, true);
}

static int remove_container(engine_container *c, int force, bool volumes)
{
	engine__cgroup *cg = NULL;
	cleanup_close int lock = -EBADF;
	engine__cstate st;
	int r;

	if (!c)
		return engine__error_set(ENGINE_EINVALID, 0, "container is NULL");
	r = engine__state_read(c->dir, &st);
	if (r < 0)
		return r;
	engine__state_refresh(&st);
	if (is_running(&st) || strcmp(st.status, "restarting") == 0) {
		if (!force)
			return engine__error_set(
			    ENGINE_EBUSY, 0,
			    "cannot remove container %.12s: it is %s (stop it first or force)", c->id,
			    st.status);
		r = engine__state_mark_stopped(c->ctx, c->id, c->dir);
		if (r < 0)
			return r;
		if (is_running(&st))
			kill_all(c, &st);
		r = wait_monitor(&st, KILL_WAIT);
		if (r < 0)
			return r;
	}
	lock = engine__container_lock(c->ctx, c->id);
	if (lock < 0)
		return lock;
	if (engine__cgroup_open(c->ctx, c->id, &cg) == 0)
		engine__cgroup_destroy(cg);
	engine_error_clear();
	r = engine__rm_rf(c->dir);
	if (r < 0)
		return engine__error_wrap("remove container %.12s", c->id);
	engine__mounts_release(c->ctx, c->spec, c->id, volumes);
	/* Its monitor gave its endpoints back; a killed one could not. */
	engine__net_container_removed(c->ctx, c->id);
	engine__container_event(c, "destroy", NULL, NULL);
	return 0;
}
