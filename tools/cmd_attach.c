/* engine CLI: the commands over a container's stdio and lifetime that
 * docker's CLI streams: attach, logs, wait, and the attached half of run
 * and start -a (cli_run_attached). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_stream.h"

static int container_resize(void *arg, unsigned rows, unsigned cols)
{
	return engine_container_resize(arg, rows, cols);
}

int cli_run_attached(engine_container *c, int interactive, int start, int wait_removed,
		     const char *detach_keys, int sig_proxy)
{
	engine_attach_options ao = ENGINE_ATTACH_OPTIONS_INIT;
	struct cli_session s;
	int r, status;

	memset(&s, 0, sizeof(s));
	ao.attach_stdin = interactive;
	ao.detach_keys = detach_keys;
	if (engine_container_attach(c, &ao, &s.attach) < 0)
		return cli_fail(start ? EXIT_ENGINE : 1, NULL);
	s.container = c;
	s.use_stdin = interactive;
	s.sig_proxy = sig_proxy;
	s.resize = container_resize;
	s.resize_arg = c;
	/* Waiting starts before the start, so no exit can slip by. */
	if (cli_session_wait(&s, wait_removed ? ENGINE_WAIT_REMOVED : ENGINE_WAIT_NEXT_EXIT) != 0) {
		engine_attach_free(s.attach);
		return EXIT_ENGINE;
	}
	if (start && engine_container_start(c) < 0) {
		const engine_error *e = engine_error_last();
		int code = 0;

		status = EXIT_ENGINE;
		cli_fail(status, NULL);
		cli_session_finish(&s, 1);
		if (e->code == ENGINE_ENOTFOUND || e->code == ENGINE_EPERM) {
			if (engine_container_wait(c, 0, &code) == 0 && (code == 126 || code == 127))
				status = code;
		}
		engine_attach_free(s.attach);
		if (wait_removed)
			engine_container_remove(c, 1);
		return status;
	}
	r = cli_session_pump(&s);
	engine_attach_free(s.attach);
	status = cli_session_finish(&s, r == 1);
	return r < 0 ? EXIT_ENGINE : status;
}

static int open_one(const char *key, engine_container **out)
{
	engine_context *ctx;

	if (cli_open_context(&ctx) < 0)
		return -1;
	if (engine_container_open(ctx, key, out) < 0) {
		fprintf(stderr, "Error: No such container: %s\n", key);
		return -1;
	}
	return 0;
}

/* --- attach --------------------------------------------------------------- */

static int cmd_attach(int argc, char **argv)
{
	static const struct option lo[] = {{"no-stdin", no_argument, NULL, 'n'},
					   {"sig-proxy", optional_argument, NULL, 's'},
					   {"detach-keys", required_argument, NULL, 'k'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	const char *usage =
	    "usage: engine attach [--no-stdin] [--sig-proxy=true|false] [--detach-keys KEYS] CONTAINER";
	const char *keys = NULL;
	int use_stdin = 1, sig_proxy = 1, c, st, status;
	engine_container *ct;

	optind = 1;
	while ((c = cli_getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			use_stdin = 0;
			break;
		case 's':
			sig_proxy = cli_optarg_bool(optarg);
			break;
		case 'k':
			keys = optarg;
			break;
		case 'h':
			puts(usage);
			return 0;
		default:
			return cli_failf(1, "%s", usage);
		}
	}
	if (optind != argc - 1)
		return cli_failf(1, "\"engine attach\" requires exactly 1 argument\n%s", usage);
	if (open_one(argv[optind], &ct) < 0)
		return 1;
	if (engine_container_status_get(ct, &st) < 0) {
		engine_container_free(ct);
		return cli_fail(1, NULL);
	}
	if (st == ENGINE_STATUS_PAUSED) {
		engine_container_free(ct);
		return cli_failf(1, "You cannot attach to a paused container, unpause it first");
	}
	if (st != ENGINE_STATUS_RUNNING) {
		engine_container_free(ct);
		return cli_failf(1, "You cannot attach to a stopped container, start it first");
	}
	status = cli_run_attached(ct, use_stdin, 0, 0, keys, sig_proxy);
	engine_container_free(ct);
	return status;
}

/* --- logs ------------------------------------------------------------------ */

static int cmd_logs(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"follow", no_argument, NULL, 'f'},	     {"tail", required_argument, NULL, 'n'},
	    {"since", required_argument, NULL, 's'}, {"until", required_argument, NULL, 'u'},
	    {"timestamps", no_argument, NULL, 't'},  {"details", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},	     {NULL, 0, NULL, 0}};
	const char *usage =
	    "usage: engine logs [-f] [-t] [-n|--tail N|all] [--since T] [--until T] CONTAINER";
	engine_logs_options o = ENGINE_LOGS_OPTIONS_INIT;
	int64_t now = (int64_t)time(NULL) * 1000000000LL;
	engine_container *ct;
	engine_logs *l = NULL;
	int c, r;

	optind = 1;
	while ((c = cli_getopt_long(argc, argv, "+fn:th", lo, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'f':
			o.follow = 1;
			break;
		case 'n':
			if (strcmp(optarg, "all") == 0) {
				o.tail = -1;
				break;
			}
			o.tail = strtoll(optarg, &end, 10);
			if (*end || end == optarg || o.tail < 0)
				return cli_failf(1, "invalid value for --tail: \"%s\"", optarg);
			break;
		case 's':
		case 'u':
			if (engine_time_parse(optarg, now, c == 's' ? &o.since : &o.until) < 0)
				return cli_fail(1, c == 's' ? "--since" : "--until");
			break;
		case 't':
			o.timestamps = 1;
			break;
		case 'd':
			break; /* no log attributes to show */
		case 'h':
			puts(usage);
			return 0;
		default:
			return cli_failf(1, "%s", usage);
		}
	}
	if (optind != argc - 1)
		return cli_failf(1, "\"engine logs\" requires exactly 1 argument\n%s", usage);
	if (open_one(argv[optind], &ct) < 0)
		return 1;
	if (engine_container_logs(ct, &o, &l) < 0) {
		engine_container_free(ct);
		return cli_fail(1, NULL);
	}
	while ((r = engine_logs_next(l, -1)) == 1) {
		const engine_log_entry *e = engine_logs_entry(l);

		if (cli_write_all(e->stream == 2 ? 2 : 1, e->data, e->len) < 0) {
			r = 0;
			break;
		}
	}
	if (r < 0)
		cli_fail(1, "logs");
	engine_logs_free(l);
	engine_container_free(ct);
	return r < 0 ? 1 : 0;
}

/* --- wait -------------------------------------------------------------------- */

static int cmd_wait(int argc, char **argv)
{
	int status = 0;

	if (argc < 2)
		return cli_failf(1, "\"engine wait\" requires at least 1 argument");
	for (int i = 1; i < argc; i++) {
		engine_wait_result res = ENGINE_WAIT_RESULT_INIT;
		engine_container *ct;

		if (open_one(argv[i], &ct) < 0) {
			status = 1;
			continue;
		}
		if (engine_container_wait_until(ct, NULL, &res) < 0)
			status = cli_fail(1, argv[i]);
		else
			printf("%d\n", res.exit_code);
		fflush(stdout);
		engine_container_free(ct);
	}
	return status;
}

const struct cli_command cli_attach_commands[] = {
    {"attach", cmd_attach, "Attach local standard input, output, and error streams to a running container"},
    {"logs", cmd_logs, "Fetch the logs of a container"},
    {"wait", cmd_wait, "Block until containers stop, then print their exit codes"},
    {NULL, NULL, NULL},
};
