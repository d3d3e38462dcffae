/*
 * A container's logging driver and its options (docker run --log-driver,
 * --log-opt; HostConfig.LogConfig): the spec's setters, the context's
 * defaults (the config's "log-driver" and "log-opts", as in daemon.json),
 * and the checks Docker makes, in its words: option names when the
 * container is created, values when it starts.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "core/error.h"
#include "runtime/logfile.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

static const char *const json_file_opts[] = {"max-file", "max-size",  "compress", "labels", "labels-regex",
					     "env",	 "env-regex", "tag",	  NULL};
static const char *const local_opts[] = {"max-file", "max-size", "compress", NULL};

static bool listed(const char *const *names, const char *name, size_t len)
{
	for (; *names; names++)
		if (strlen(*names) == len && strncmp(*names, name, len) == 0)
			return true;
	return false;
}

int engine__log_driver_check(const char *driver, char *const *opts)
{
	const char *d = driver && *driver ? driver : "json-file";

	if (strcmp(d, "json-file") != 0 && strcmp(d, "local") != 0 && strcmp(d, "none") != 0)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "error looking up logging plugin %s: plugin \"%s\" not found", d, d);
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *eq = strchr(opts[i], '=');
		size_t len = eq ? (size_t)(eq - opts[i]) : strlen(opts[i]);

		if (strcmp(d, "none") == 0)
			return engine__error_set(ENGINE_EINVALID, 0, "invalid logging opts for driver none");
		if (strcmp(d, "json-file") == 0 && !listed(json_file_opts, opts[i], len))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "unknown log opt '%.*s' for json-file log driver", (int)len,
						 opts[i]);
		if (strcmp(d, "local") == 0 && !listed(local_opts, opts[i], len))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "unknown log opt '%.*s' for log driver local", (int)len,
						 opts[i]);
	}
	return 0;
}

/* go-units' RAMInBytes: "10m", "1.5k", "2 GiB" (powers of 1024). */
static int parse_size(const char *s, int64_t *out)
{
	const char *p = s, *units = "kmgtp";
	double v;
	int64_t mult = 1;
	char *end;

	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	v = strtod(p, &end);
	if (errno || end == p || end[-1] == '.')
		return -1;
	p = end;
	if (*p == ' ')
		p++;
	if (*p && strchr(units, tolower((unsigned char)*p))) {
		for (const char *u = units; *u; u++) {
			mult *= 1024;
			if (*u == tolower((unsigned char)*p))
				break;
		}
		p++;
	}
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p || v * (double)mult >= 9.2e18)
		return -1;
	*out = (int64_t)(v * (double)mult);
	return 0;
}

static const char *opt(char *const *opts, const char *key)
{
	size_t len = strlen(key);
	const char *found = NULL;

	for (size_t i = 0; opts && opts[i]; i++)
		if (strncmp(opts[i], key, len) == 0 && (opts[i][len] == '=' || !opts[i][len]))
			found = opts[i][len] ? opts[i] + len + 1 : "";
	return found;
}

static int init_failed(const char *fmt, const char *value)
{
	return engine__error_set(ENGINE_EINVALID, 0, "failed to initialize logging driver: %s%s%s%s", fmt,
				 value ? "\"" : "", value ? value : "", value ? "\": invalid syntax" : "");
}

int engine__log_policy_get(const char *driver, char *const *opts, engine__log_policy *out)
{
	const char *d = driver && *driver ? driver : "json-file", *v;
	bool local = strcmp(d, "local") == 0, compress = local;
	int r = engine__log_driver_check(driver, opts);

	if (r < 0)
		return r;
	*out = (engine__log_policy){.none = strcmp(d, "none") == 0, .max_size = -1, .max_files = 1};
	/* none: nothing for readers, but the monitor still keeps the last
	 * output in one small file, for attachers that connect after the start
	 * and replay from there (the daemon's), as with the other drivers. */
	if (out->none)
		out->max_size = 1 << 20;
	if (local) {
		out->max_size = 20 << 20;
		out->max_files = 5;
	}
	if ((v = opt(opts, "max-size"))) {
		if (parse_size(v, &out->max_size) < 0)
			return engine__error_set(
			    ENGINE_EINVALID, 0, "failed to initialize logging driver: invalid size: '%s'", v);
		if (out->max_size <= 0 && !local)
			return engine__error_set(
			    ENGINE_EINVALID, 0,
			    "failed to initialize logging driver: max-size must be a positive number");
	}
	if ((v = opt(opts, "max-file"))) {
		char *end;
		long n;

		errno = 0;
		n = strtol(v, &end, 10);
		if (!*v || *end || errno || n < INT_MIN || n > INT_MAX)
			return init_failed("strconv.Atoi: parsing ", v);
		if (n < 1)
			return engine__error_set(
			    ENGINE_EINVALID, 0,
			    "failed to initialize logging driver: max-file cannot be less "
			    "than 1");
		out->max_files = (int)n;
	}
	if ((v = opt(opts, "compress"))) {
		if (strcmp(v, "1") == 0 || strcmp(v, "t") == 0 || strcmp(v, "T") == 0 ||
		    strcmp(v, "TRUE") == 0 || strcmp(v, "true") == 0 || strcmp(v, "True") == 0)
			compress = true;
		else if (strcmp(v, "0") == 0 || strcmp(v, "f") == 0 || strcmp(v, "F") == 0 ||
			 strcmp(v, "FALSE") == 0 || strcmp(v, "false") == 0 || strcmp(v, "False") == 0)
			compress = false;
		else
			return init_failed("strconv.ParseBool: parsing ", v);
		if (compress && !local && (out->max_files < 2 || out->max_size <= 0))
			return engine__error_set(
			    ENGINE_EINVALID, 0,
			    "failed to initialize logging driver: compress cannot be true "
			    "when max-file is less than 2 or max-size is not set");
		/* The rotated files stay in the log's own format, uncompressed:
		 * an explicit request is refused rather than ignored. */
		if (compress)
			return engine__error_set(ENGINE_ENOTSUP, 0,
						 "failed to initialize logging driver: compress is not "
						 "supported: rotated logs are kept uncompressed");
	}
	if (out->max_size <= 0)
		out->max_size = -1;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_log_driver(engine_spec *s, const char *driver)
{
	char *d = NULL;

	if (!s)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_spec_set_log_driver: NULL argument");
	if (driver && *driver && !(d = strdup(driver)))
		return engine__error_oom();
	free(s->log_driver);
	s->log_driver = d;
	return 0;
}

ENGINE_EXTERN int engine_spec_add_log_opt(engine_spec *s, const char *option)
{
	if (!s || !option)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_spec_add_log_opt: NULL argument");
	/* A key given twice: the last value wins, as in Docker's map. */
	for (size_t i = 0; s->log_opts && s->log_opts[i]; i++) {
		const char *eq = strchr(option, '=');
		size_t len = eq ? (size_t)(eq - option) : strlen(option);

		if (strncmp(s->log_opts[i], option, len) == 0 &&
		    (s->log_opts[i][len] == '=' || !s->log_opts[i][len])) {
			char *n = strdup(option);

			if (!n)
				return engine__error_oom();
			free(s->log_opts[i]);
			s->log_opts[i] = n;
			return 0;
		}
	}
	return engine__strv_push(&s->log_opts, option) < 0 ? engine__error_oom() : 0;
}

int engine__log_spec_defaults(engine_context *ctx, engine_spec *s)
{
	json_object *d = engine__context_config(ctx, "log-driver");
	json_object *o = engine__context_config(ctx, "log-opts");
	const char *dflt = d && json_object_is_type(d, json_type_string) ? json_object_get_string(d) : NULL;
	int r;

	/* Docker's mergeAndVerifyLogConfig: the default driver when none is
	 * given, and the default options under the options given when the
	 * driver is the default one. */
	if (!s->log_driver && dflt && *dflt && (r = engine_spec_set_log_driver(s, dflt)) < 0)
		return r;
	if (o && json_object_is_type(o, json_type_object) &&
	    strcmp(s->log_driver ? s->log_driver : "json-file", dflt && *dflt ? dflt : "json-file") == 0) {
		json_object_object_foreach(o, key, val)
		{
			cleanup_free char *kv = NULL;

			if (opt(s->log_opts, key))
				continue;
			kv = engine__strdup_printf("%s=%s", key, json_object_get_string(val) ?: "");
			if (!kv || engine__strv_push(&s->log_opts, kv) < 0)
				return engine__error_oom();
		}
	}
	return engine__log_driver_check(s->log_driver, s->log_opts);
}
