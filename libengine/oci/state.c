/*
 * An OCI container's state directory, "<root>/oci/<id>": state.json (the
 * init process with its start time, so a recycled PID is never taken for
 * it, whether `start` ran, paused, the bundle, cgroupsPath, creation time,
 * annotations) and exec.fifo, which the waiting process holds until
 * `start` writes to it. The status is derived, as runc does: a dead
 * process is "stopped" whatever was recorded.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "oci/oci.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"

char *engine__oci_root(engine_context *ctx)
{
	char *p = engine__context_path(ctx, "oci");

	if (!p)
		engine__error_oom();
	return p;
}

char *engine__oci_dir(engine_context *ctx, const char *id)
{
	cleanup_free char *root = engine__oci_root(ctx);
	char *p = root ? engine__path_join(root, id) : NULL;

	if (root && !p)
		engine__error_oom();
	return p;
}

int engine__oci_id_check(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (!n || n > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0 ||
	    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-.") != n)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid container id \"%s\"", id ? id : "");
	return 0;
}

void engine__oci_state_clear(engine__oci_state *st)
{
	free(st->bundle);
	free(st->cgroups_path);
	free(st->created);
	if (st->annotations)
		json_object_put(st->annotations);
	memset(st, 0, sizeof(*st));
}

int engine__oci_state_read(engine_context *ctx, const char *id, engine__oci_state *st)
{
	cleanup_free char *dir = NULL, *path = NULL;
	cleanup_json json_object *j = NULL;
	int r;

	memset(st, 0, sizeof(*st));
	if ((r = engine__oci_id_check(id)) < 0)
		return r;
	dir = engine__oci_dir(ctx, id);
	path = dir ? engine__path_join(dir, "state.json") : NULL;
	if (!path)
		return ENGINE_ENOMEM;
	if (access(path, F_OK) < 0)
		return engine__error_set(ENGINE_ENOTFOUND, errno, "container \"%s\" does not exist", id);
	if ((r = engine__json_parse_file(path, &j)) < 0)
		return r;
	snprintf(st->id, sizeof(st->id), "%s", id);
	st->pid = (pid_t)engine__json_get_int(j, "pid", 0);
	st->pid_start = (uint64_t)engine__json_get_int(j, "pid_start", 0);
	st->started = json_object_get_boolean(json_object_object_get(j, "started"));
	st->paused = json_object_get_boolean(json_object_object_get(j, "paused"));
	st->no_process = json_object_get_boolean(json_object_object_get(j, "no_process"));
	st->bundle = strdup(engine__json_get_string(j, "bundle") ? engine__json_get_string(j, "bundle") : "");
	st->cgroups_path = strdup(
	    engine__json_get_string(j, "cgroupsPath") ? engine__json_get_string(j, "cgroupsPath") : "");
	st->created =
	    strdup(engine__json_get_string(j, "created") ? engine__json_get_string(j, "created") : "");
	st->annotations = json_object_get(json_object_object_get(j, "annotations"));
	if (!st->bundle || !st->cgroups_path || !st->created) {
		engine__oci_state_clear(st);
		return engine__error_oom();
	}
	return 0;
}

int engine__oci_state_write(engine_context *ctx, const engine__oci_state *st)
{
	cleanup_free char *dir = engine__oci_dir(ctx, st->id), *path = NULL;
	cleanup_json json_object *j = json_object_new_object();

	path = dir ? engine__path_join(dir, "state.json") : NULL;
	if (!path || !j)
		return engine__error_oom();
	json_object_object_add(j, "pid", json_object_new_int64(st->pid));
	json_object_object_add(j, "pid_start", json_object_new_int64((int64_t)st->pid_start));
	json_object_object_add(j, "started", json_object_new_boolean(st->started));
	json_object_object_add(j, "paused", json_object_new_boolean(st->paused));
	if (st->no_process)
		json_object_object_add(j, "no_process", json_object_new_boolean(true));
	engine__json_add_string(j, "bundle", st->bundle);
	engine__json_add_string(j, "cgroupsPath", st->cgroups_path);
	engine__json_add_string(j, "created", st->created);
	if (st->annotations)
		json_object_object_add(j, "annotations", json_object_get(st->annotations));
	return engine__json_write_file(path, j, false);
}

const char *engine__oci_status(engine_context *ctx, const engine__oci_state *st)
{
	(void)ctx;
	if (st->pid <= 0 || !engine__proc_alive(st->pid, st->pid_start))
		return "stopped";
	/* A zombie is stopped too: it only waits for its parent to reap it. */
	{
		char path[64], buf[512];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)st->pid);
		if ((f = fopen(path, "re"))) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);
			char *paren;

			fclose(f);
			buf[n] = '\0';
			paren = strrchr(buf, ')');
			if (paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'))
				return "stopped";
		}
	}
	if (!st->started)
		return "created";
	return st->paused ? "paused" : "running";
}

json_object *engine__oci_state_json(engine_context *ctx, const engine__oci_state *st)
{
	json_object *j = json_object_new_object();
	const char *status = engine__oci_status(ctx, st);
	struct passwd *pw;

	if (!j)
		return NULL;
	engine__json_add_string(j, "ociVersion", ENGINE__OCI_VERSION);
	engine__json_add_string(j, "id", st->id);
	engine__json_add_string(j, "status", status);
	json_object_object_add(j, "pid", json_object_new_int64(strcmp(status, "stopped") == 0 ? 0 : st->pid));
	engine__json_add_string(j, "bundle", st->bundle);
	{
		cleanup_free char *rootfs = NULL;
		cleanup_free char *cfg = engine__path_join(st->bundle, "config.json");
		cleanup_json json_object *c = NULL;

		/* runc's extras: rootfs, created, owner. */
		if (cfg && engine__json_parse_file(cfg, &c) == 0) {
			const char *p = engine__json_get_string(json_object_object_get(c, "root"), "path");

			if (p)
				rootfs = p[0] == '/' ? strdup(p) : engine__path_join(st->bundle, p);
		}
		engine_error_clear();
		engine__json_add_string(j, "rootfs", rootfs ? rootfs : "");
	}
	engine__json_add_string(j, "created", st->created);
	pw = getpwuid(getuid());
	engine__json_add_string(j, "owner", pw ? pw->pw_name : "");
	json_object_object_add(j, "annotations",
			       st->annotations ? json_object_get(st->annotations) : json_object_new_object());
	return j;
}
