/*
 * Health checks, Docker's: the spec's check (--health-cmd and friends)
 * over the image's HEALTHCHECK, field by field; a checker process the
 * monitor forks for each run of the container, which execs the test in the
 * container every interval (engine_container_exec, so the test runs with
 * the container's namespaces, cgroup and security) and keeps the status
 * (starting, healthy, unhealthy), the failing streak and the last five
 * results in <container>/health.json; the readers of that file (ps's
 * status, the health filter, inspect's State.Health).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "runtime/container_int.h"
#include "runtime/lifecycle.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/filters.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

#define HEALTH_FILE "health.json"
#define HEALTH_LOG_KEEP 5
#define HEALTH_OUTPUT_MAX 4096
#define DEFAULT_INTERVAL 30000000000LL
#define DEFAULT_TIMEOUT 30000000000LL
#define DEFAULT_RETRIES 3

/* --- the spec ------------------------------------------------------------ */

ENGINE_EXTERN int engine_spec_set_healthcheck(engine_spec *s, const engine_strarray *test)
{
	char **v = NULL;
	const char *kind;

	if (!s)
		return engine__error_set(ENGINE_EINVALID, 0, "spec is NULL");
	if (test && test->count) {
		kind = test->strings[0];
		if (strcmp(kind, "NONE") == 0	     ? test->count != 1
		    : strcmp(kind, "CMD-SHELL") == 0 ? test->count != 2 || !*test->strings[1]
		    : strcmp(kind, "CMD") == 0	     ? test->count < 2 || !*test->strings[1]
						     : true)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "health check test \"%s\": want [\"CMD\", ARG...], "
						 "[\"CMD-SHELL\", COMMAND] or [\"NONE\"]",
						 kind);
		v = calloc(test->count + 1, sizeof(char *));
		for (size_t i = 0; v && i < test->count; i++)
			if (!(v[i] = strdup(test->strings[i]))) {
				engine__strv_free(v);
				v = NULL;
			}
		if (!v)
			return engine__error_oom();
	}
	engine__strv_free(s->health_test);
	s->health_test = v;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_health_option(engine_spec *s, const char *name, const char *value)
{
	int64_t *field = NULL, ns;
	char *end;

	if (!s || !name || !value)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_spec_set_health_option: NULL argument");
	if (strcmp(name, "retries") == 0) {
		long n = strtol(value, &end, 10);

		if (!*value || *end || n < 0 || n > 1000000)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "health check retries \"%s\": want a count", value);
		s->health_retries = (int)n;
		return 0;
	}
	if (strcmp(name, "interval") == 0)
		field = &s->health_interval;
	else if (strcmp(name, "timeout") == 0)
		field = &s->health_timeout;
	else if (strcmp(name, "start-period") == 0)
		field = &s->health_start_period;
	else
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "unknown health check option \"%s\" (interval, timeout, start-period, "
		    "retries)",
		    name);
	if (engine__go_duration(value, &ns) < 0 || ns < 0)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "health check %s \"%s\": want a duration like 30s", name, value);
	if (ns > 0 && ns < 1000000)
		return engine__error_set(ENGINE_EINVALID, 0, "health check %s \"%s\": at least 1ms", name,
					 value);
	*field = ns;
	return 0;
}

void engine__spec_health_free(engine_spec *s)
{
	engine__strv_free(s->health_test);
	s->health_test = NULL;
}

int engine__spec_health_to_json(const engine_spec *s, json_object *o)
{
	json_object *h;

	if (!s->health_test && !s->health_interval && !s->health_timeout && !s->health_start_period &&
	    !s->health_retries)
		return 0;
	if (!(h = json_object_new_object()))
		return engine__error_oom();
	json_object_object_add(o, "Healthcheck", h);
	if (engine__spec_add_strv(h, "Test", s->health_test) < 0)
		return ENGINE_ENOMEM;
	json_object_object_add(h, "Interval", json_object_new_int64(s->health_interval));
	json_object_object_add(h, "Timeout", json_object_new_int64(s->health_timeout));
	json_object_object_add(h, "StartPeriod", json_object_new_int64(s->health_start_period));
	json_object_object_add(h, "Retries", json_object_new_int(s->health_retries));
	return 0;
}

int engine__spec_health_from_json(json_object *o, engine_spec *s)
{
	json_object *h = engine__json_get_type(o, "Healthcheck", json_type_object);

	if (!h)
		return 0;
	s->health_interval = engine__json_get_int(h, "Interval", 0);
	s->health_timeout = engine__json_get_int(h, "Timeout", 0);
	s->health_start_period = engine__json_get_int(h, "StartPeriod", 0);
	s->health_retries = (int)engine__json_get_int(h, "Retries", 0);
	return engine__spec_get_strv(h, "Test", &s->health_test);
}

/* --- the check in effect ----------------------------------------------- */

typedef struct health_cfg {
	char **test; /* borrowed */
	int64_t interval, timeout, start_period;
	int retries;
} health_cfg;

static int64_t pick(int64_t mine, json_object *image, const char *key, int64_t def)
{
	int64_t v = mine > 0 ? mine : engine__json_get_int(image, key, 0);

	return v > 0 ? v : def;
}

/* The spec's check over the image's; false when there is none (or NONE).
 * @test_out receives the test (owned). */
static bool effective(engine_container *c, health_cfg *out, char ***test_out)
{
	json_object *image =
	    engine__json_get_type(engine__json_get_type(c->config, "ImageConfig", json_type_object),
				  "Healthcheck", json_type_object);
	char **test = NULL;

	*test_out = NULL;
	if (c->spec->health_test)
		test = engine__strv_dup(c->spec->health_test);
	else if (engine__spec_get_strv(image, "Test", &test) < 0)
		test = NULL;
	if (!test || !test[0] || strcmp(test[0], "NONE") == 0 ||
	    (strcmp(test[0], "CMD") != 0 && strcmp(test[0], "CMD-SHELL") != 0) || !test[1]) {
		engine__strv_free(test);
		return false;
	}
	out->test = test;
	out->interval = pick(c->spec->health_interval, image, "Interval", DEFAULT_INTERVAL);
	out->timeout = pick(c->spec->health_timeout, image, "Timeout", DEFAULT_TIMEOUT);
	out->start_period = pick(c->spec->health_start_period, image, "StartPeriod", 0);
	out->retries = (int)pick(c->spec->health_retries, image, "Retries", DEFAULT_RETRIES);
	*test_out = test;
	return true;
}

json_object *engine__container_healthcheck(engine_container *c)
{
	health_cfg h;
	cleanup_strv char **test = NULL;
	json_object *o;

	if (!effective(c, &h, &test) || !(o = json_object_new_object()))
		return NULL;
	json_object_object_add(o, "Test", engine__json_from_strv(test));
	json_object_object_add(o, "Interval", json_object_new_int64(h.interval));
	json_object_object_add(o, "Timeout", json_object_new_int64(h.timeout));
	json_object_object_add(o, "StartPeriod", json_object_new_int64(h.start_period));
	json_object_object_add(o, "Retries", json_object_new_int(h.retries));
	return o;
}

/* --- health.json ------------------------------------------------------- */

json_object *engine__container_health_json(engine_container *c)
{
	cleanup_free char *path = engine__path_join(c->dir, HEALTH_FILE);
	json_object *o = NULL;

	if (!path || !engine__path_exists(path) || engine__json_parse_file(path, &o) < 0) {
		engine_error_clear();
		return NULL;
	}
	return o;
}

const char *engine__container_health(engine_container *c)
{
	static const char *const known[] = {"starting", "healthy", "unhealthy"};
	cleanup_json json_object *o = engine__container_health_json(c);
	const char *s = engine__json_get_string(o, "Status");

	for (size_t i = 0; s && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(s, known[i]) == 0)
			return known[i];
	return "none";
}

static void write_state(const char *dir, const char *status, int streak, json_object *log)
{
	cleanup_json json_object *o = json_object_new_object();
	cleanup_free char *path = engine__path_join(dir, HEALTH_FILE);

	if (!o || !path)
		return;
	engine__json_add_string(o, "Status", status);
	json_object_object_add(o, "FailingStreak", json_object_new_int(streak));
	json_object_object_add(o, "Log", log ? json_object_get(log) : json_object_new_array());
	if (engine__json_write_file(path, o, false) < 0)
		engine_error_clear();
}

/* --- the checker ------------------------------------------------------- */

static json_object *result_json(int64_t start, int exit_code, const char *out, size_t len)
{
	json_object *r = json_object_new_object();
	char when[64];

	engine__format_time(when, sizeof(when), start);
	engine__json_add_string(r, "Start", when);
	engine__format_time(when, sizeof(when), engine__realtime_ns());
	engine__json_add_string(r, "End", when);
	json_object_object_add(r, "ExitCode", json_object_new_int(exit_code));
	json_object_object_add(
	    r, "Output",
	    json_object_new_string_len(out, (int)(len > HEALTH_OUTPUT_MAX ? HEALTH_OUTPUT_MAX : len)));
	return r;
}

/* One probe: its log entry; *@ok when it passed. */
static json_object *probe(engine_container *c, const health_cfg *h, bool *ok)
{
	engine_exec_options o = ENGINE_EXEC_OPTIONS_INIT;
	engine_run_result *res = NULL;
	char *shell[] = {"/bin/sh", "-c", NULL, NULL};
	int64_t start = engine__realtime_ns();
	json_object *entry;
	int r;

	if (strcmp(h->test[0], "CMD-SHELL") == 0) {
		shell[2] = h->test[1];
		o.argv = (engine_strarray){shell, 3};
	} else {
		o.argv = (engine_strarray){h->test + 1, engine__strv_len(h->test + 1)};
	}
	o.stdio = ENGINE_STDIO_CAPTURE;
	o.timeout = (double)h->timeout / 1e9;
	/* Only the first HEALTH_OUTPUT_MAX bytes are kept (Docker's rule): the
	 * image's check must not make this process hold what it prints. */
	r = engine__container_exec(c, &o, HEALTH_OUTPUT_MAX, &res);
	*ok = false;
	if (r < 0 && !res) {
		const char *m = engine_error_last()->message;

		entry = result_json(start, -1, m, strlen(m));
	} else if (res->timed_out) {
		char m[96];

		snprintf(m, sizeof(m), "Health check exceeded timeout (%gs)", o.timeout);
		entry = result_json(start, -1, m, strlen(m));
	} else {
		cleanup_free char *both = malloc(res->stdout_len + res->stderr_len + 1);
		size_t n = 0;

		if (both) {
			memcpy(both, res->stdout_data ? res->stdout_data : "", res->stdout_len);
			n += res->stdout_len;
			memcpy(both + n, res->stderr_data ? res->stderr_data : "", res->stderr_len);
			n += res->stderr_len;
		}
		*ok = r == 0 && res->exit_code == 0;
		entry = result_json(start, r < 0 ? -1 : res->exit_code, both ? both : "", both ? n : 0);
	}
	engine_run_result_free(res);
	engine_error_clear();
	return entry;
}

__attribute__((noreturn)) static void checker(engine_container *c, const health_cfg *h, int pidfd)
{
	cleanup_json json_object *log = json_object_new_array();
	const char *status = "starting";
	int64_t started = engine__realtime_ns();
	engine_container *x = NULL;
	int streak = 0;

	if (!log || engine_container_open(c->ctx, c->id, &x) < 0)
		_exit(1);
	for (;;) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		int64_t ms = h->interval / 1000000;
		json_object *entry;
		bool ok;

		/* the container's end ends the checks */
		if (poll(&p, 1, ms > 0x7fffffff ? 0x7fffffff : (int)ms) != 0)
			_exit(0);
		entry = probe(x, h, &ok);
		json_object_array_add(log, entry);
		while (json_object_array_length(log) > HEALTH_LOG_KEEP)
			json_object_array_del_idx(log, 0, 1);
		if (ok) {
			streak = 0;
			status = "healthy";
		} else if (strcmp(status, "starting") != 0 ||
			   engine__realtime_ns() - started >= h->start_period) {
			/* failures in the start period do not count (Docker's rule) */
			if (++streak >= h->retries)
				status = "unhealthy";
		}
		write_state(c->dir, status, streak, log);
	}
}

void engine__health_reset(engine_container *c)
{
	cleanup_strv char **test = NULL;
	health_cfg h;

	if (effective(c, &h, &test))
		write_state(c->dir, "starting", 0, NULL);
}

pid_t engine__health_start(engine_container *c, int pidfd)
{
	cleanup_strv char **test = NULL;
	pid_t monitor = getpid(), pid;
	health_cfg h;

	if (!effective(c, &h, &test))
		return 0;
	write_state(c->dir, "starting", 0, NULL);
	pid = fork();
	if (pid != 0)
		return pid < 0 ? 0 : pid;
	/* it dies with the monitor, whatever kills that */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != monitor)
		_exit(0);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	checker(c, &h, pidfd);
}

void engine__health_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
