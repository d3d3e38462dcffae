/*
 * daemon.json: the keys dockerd users bring, validated (an unknown key or a
 * wrong type is an error naming the key), merged with the command line, and
 * reloaded on SIGHUP (the reloadable keys only; the change is logged).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "registry/regserve.h"

enum ktype { K_STRING, K_BOOL, K_INT, K_STRINGS, K_OBJECT, K_ANY };

static const struct key {
	const char *name;
	enum ktype type;
	bool reloadable;
} keys[] = {
    {"hosts", K_STRINGS, false},
    {"data-root", K_STRING, false},
    {"exec-root", K_STRING, false},
    {"pidfile", K_STRING, false},
    {"group", K_STRING, false},
    {"registry-mirrors", K_STRINGS, true},
    {"insecure-registries", K_STRINGS, true},
    {"default-registry", K_STRING, true},
    {"registry-timeout", K_INT, true},
    {"cgroup-parent", K_STRING, true},
    {"log-level", K_STRING, true},
    {"debug", K_BOOL, true},
    {"live-restore", K_BOOL, true},
    {"labels", K_STRINGS, true},
    {"tls", K_BOOL, false},
    {"tlsverify", K_BOOL, false},
    {"tlscacert", K_STRING, false},
    {"tlscert", K_STRING, false},
    {"tlskey", K_STRING, false},
    {"storage-driver", K_STRING, false},
    {"log-driver", K_STRING, false},
    {"log-opts", K_OBJECT, false},
    {"max-concurrent-downloads", K_INT, true},
    {"max-concurrent-uploads", K_INT, true},
    {"shutdown-timeout", K_INT, true},
    {"default-runtime", K_STRING, true},
    {"runtimes", K_OBJECT, true},
    {"features", K_OBJECT, true},
    {"experimental", K_BOOL, false},
    {"default-ulimits", K_OBJECT, false},
    {"dns", K_STRINGS, false},
    {"seccomp-profile", K_STRING, false},
    {"no-new-privileges", K_BOOL, false},
    {"init", K_BOOL, false},
    {"default-ipc-mode", K_STRING, false},
    {"default-cgroupns-mode", K_STRING, false},
    {"registry", K_OBJECT, false},
    {NULL, K_ANY, false},
};

static const struct key *find_key(const char *name)
{
	for (const struct key *k = keys; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static bool type_ok(json_object *v, enum ktype t)
{
	switch (t) {
	case K_STRING:
		return json_object_is_type(v, json_type_string);
	case K_BOOL:
		return json_object_is_type(v, json_type_boolean);
	case K_INT:
		return json_object_is_type(v, json_type_int);
	case K_OBJECT:
		return json_object_is_type(v, json_type_object);
	case K_STRINGS:
		if (!json_object_is_type(v, json_type_array))
			return false;
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
				return false;
		return true;
	default:
		return true;
	}
}

static const char *type_name(enum ktype t)
{
	static const char *const names[] = {"a string",	 "a boolean", "an integer", "an array of strings",
					    "an object", "a value"};
	return names[t];
}

/* Parse and validate @path into *@out. */
static int parse_file(const char *path, json_object **out, char *err, size_t errlen)
{
	json_object *o;

	*out = NULL;
	if (!path) {
		*out = json_object_new_object();
		return 0;
	}
	o = json_object_from_file(path);
	if (!o) {
		snprintf(err, errlen, "config file %s: %s", path,
			 errno == ENOENT ? "no such file" : json_util_get_last_err());
		return -1;
	}
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "config file %s: expected a JSON object", path);
		json_object_put(o);
		return -1;
	}
	json_object_object_foreach(o, k, v)
	{
		const struct key *key = find_key(k);

		if (!key) {
			snprintf(err, errlen, "config file %s: unknown key \"%s\"", path, k);
			json_object_put(o);
			return -1;
		}
		if (!type_ok(v, key->type)) {
			snprintf(err, errlen, "config file %s: \"%s\" must be %s", path, k,
				 type_name(key->type));
			json_object_put(o);
			return -1;
		}
	}
	{
		json_object *sec;
		struct regserve_config rc;
		char rerr[512];

		if (json_object_object_get_ex(o, "registry", &sec) &&
		    regserve_config_from_json(sec, &rc, rerr, sizeof(rerr)) < 0) {
			snprintf(err, errlen, "config file %s: %s", path, rerr);
			json_object_put(o);
			return -1;
		}
	}
	{
		json_object *lv;
		const char *levels[] = {"debug", "info", "warn", "error", "fatal"};
		bool ok = false;

		if (json_object_object_get_ex(o, "log-level", &lv)) {
			for (size_t i = 0; i < 5; i++)
				ok = ok || strcmp(json_object_get_string(lv), levels[i]) == 0;
			if (!ok) {
				snprintf(
				    err, errlen,
				    "config file %s: \"log-level\": unknown level \"%s\" (debug, info, warn, "
				    "error, fatal)",
				    path, json_object_get_string(lv));
				json_object_put(o);
				return -1;
			}
		}
	}
	*out = o;
	return 0;
}

static char *get_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? strdup(json_object_get_string(v)) : NULL;
}

static bool get_bool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* Fill the fields the command line did not set from the file. */
int dconfig_load(struct dconfig *cfg, const char *path, char *err, size_t errlen)
{
	json_object *v;

	if (parse_file(path, &cfg->file, err, errlen) < 0)
		return -1;
#define FROM_FILE(field, key)                                                                                \
	if (!cfg->field)                                                                                     \
	cfg->field = get_str(cfg->file, key)
	FROM_FILE(data_root, "data-root");
	FROM_FILE(exec_root, "exec-root");
	FROM_FILE(pidfile, "pidfile");
	FROM_FILE(group, "group");
	FROM_FILE(log_level, "log-level");
	FROM_FILE(tlscacert, "tlscacert");
	FROM_FILE(tlscert, "tlscert");
	FROM_FILE(tlskey, "tlskey");
#undef FROM_FILE
	cfg->tls = cfg->tls || get_bool(cfg->file, "tls");
	cfg->tlsverify = cfg->tlsverify || get_bool(cfg->file, "tlsverify");
	cfg->live_restore = cfg->live_restore || get_bool(cfg->file, "live-restore");
	if (!cfg->log_level && get_bool(cfg->file, "debug"))
		cfg->log_level = strdup("debug");
	if (!cfg->hosts && json_object_object_get_ex(cfg->file, "hosts", &v)) {
		size_t n = json_object_array_length(v);

		cfg->hosts = calloc(n + 1, sizeof(char *));
		for (size_t i = 0; cfg->hosts && i < n; i++)
			cfg->hosts[i] = strdup(json_object_get_string(json_object_array_get_idx(v, i)));
	}
	/* The library reads registry and cgroup keys from the merged object. */
	if (!cfg->merged)
		cfg->merged = json_object_new_object();
	json_object_object_foreach(cfg->file, k, val)
	{
		json_object *have;

		if (!json_object_object_get_ex(cfg->merged, k, &have))
			json_object_object_add(cfg->merged, k, json_object_get(val));
	}
	return 0;
}

void dconfig_free(struct dconfig *cfg)
{
	if (cfg->file)
		json_object_put(cfg->file);
	if (cfg->merged)
		json_object_put(cfg->merged);
	for (size_t i = 0; cfg->hosts && cfg->hosts[i]; i++)
		free(cfg->hosts[i]);
	free(cfg->hosts);
	free(cfg->data_root);
	free(cfg->exec_root);
	free(cfg->pidfile);
	free(cfg->group);
	free(cfg->log_level);
	free(cfg->tlscacert);
	free(cfg->tlscert);
	free(cfg->tlskey);
	memset(cfg, 0, sizeof(*cfg));
}

int dconfig_write_effective(struct dconfig *cfg, const char *path, char *err, size_t errlen)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_object_to_file_ext(tmp, cfg->merged, JSON_C_TO_STRING_PRETTY) < 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static const char *show(json_object *v)
{
	return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
		 : "(unset)";
}

int daemon_reload(struct daemon *d)
{
	json_object *file = NULL;
	char err[512];
	int changed = 0;

	if (parse_file(d->config_path, &file, err, sizeof(err)) < 0) {
		dlog(0, "reload: %s; keeping the current configuration", err);
		return -1;
	}
	for (const struct key *k = keys; k->name; k++) {
		json_object *oldv = NULL, *newv = NULL;

		json_object_object_get_ex(d->cfg.file, k->name, &oldv);
		json_object_object_get_ex(file, k->name, &newv);
		if (json_object_equal(oldv, newv))
			continue;
		if (!k->reloadable) {
			dlog(1,
			     "reload: \"%s\" changed but is not reloadable: restart the daemon to apply it",
			     k->name);
			continue;
		}
		dlog(2, "reload: \"%s\": %s -> %s", k->name, show(oldv),
		     json_object_get_string(newv) ? show(newv) : "(unset)");
		if (newv)
			json_object_object_add(d->cfg.merged, k->name, json_object_get(newv));
		else
			json_object_object_del(d->cfg.merged, k->name);
		if (strcmp(k->name, "log-level") == 0 || strcmp(k->name, "debug") == 0) {
			const char *lv = json_object_get_string(newv);

			d->log_level = !newv ? 2
				       : strcmp(k->name, "debug") == 0
					   ? (json_object_get_boolean(newv) ? 3 : 2)
				       : strcmp(lv, "debug") == 0 ? 3
				       : strcmp(lv, "info") == 0  ? 2
				       : strcmp(lv, "warn") == 0  ? 1
								  : 0;
		}
		if (strcmp(k->name, "live-restore") == 0)
			d->cfg.live_restore = newv && json_object_get_boolean(newv);
		changed++;
	}
	json_object_put(d->cfg.file);
	d->cfg.file = file;
	if (!changed) {
		dlog(2, "reload: configuration unchanged");
		return 0;
	}
	/* The library reads its keys at context creation: swap in a new one. */
	if (dconfig_write_effective(&d->cfg, d->effective_config, err, sizeof(err)) < 0) {
		dlog(0, "reload: %s", err);
		return -1;
	}
	{
		engine_context_options opts = ENGINE_CONTEXT_OPTIONS_INIT;
		struct dctx *nc = calloc(1, sizeof(*nc)), *old;

		opts.root = d->cfg.data_root;
		opts.run_dir = d->cfg.exec_root;
		opts.config_path = d->effective_config;
		if (!nc || engine_context_new(&nc->ctx, &opts) < 0) {
			dlog(0, "reload: open the engine context: %s", engine_error_last()->message);
			free(nc);
			return -1;
		}
		nc->refs = 1;
		pthread_mutex_lock(&d->lock);
		old = d->cur;
		d->cur = nc;
		pthread_mutex_unlock(&d->lock);
		dctx_put(d, old);
	}
	dlog(2, "reload: applied %d change(s)", changed);
	return 0;
}
