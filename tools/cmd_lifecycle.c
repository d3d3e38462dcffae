/* engine CLI: start, stop, kill, rm, pause and unpause of existing
 * containers, with docker's flags, usage and statuses: each argument is
 * printed once done, errors name it and the rest go on, exit 1 if any
 * failed; flag errors exit 125. */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Parse the flags of @u with @shortopts/@lo through @on_flag, then run @fn
 * on every CONTAINER argument. */
static int for_each(int argc, char **argv, const struct cli_usage *u, const char *shortopts,
		    const struct option *lo, int (*on_flag)(int c, void *arg),
		    int (*fn)(engine_container *, void *), void *arg)
{
	int status = 0, c;

	optind = 0; /* a fresh scan that may permute */
	while ((c = cli_getopt_mixed(argc, argv, shortopts, lo, u)) != CLI_OPT_END) {
		if (c == CLI_OPT_HELP)
			return 0;
		if (c == CLI_OPT_BAD || !on_flag || on_flag(c, arg) < 0)
			return EXIT_ENGINE;
	}
	if (optind >= argc)
		return cli_args_error(u, "requires at least 1 argument.");
	for (int i = optind; i < argc; i++) {
		engine_container *ct;

		if (cli_open_container(argv[i], &ct) < 0) {
			status = 1;
			continue;
		}
		if (fn(ct, arg) < 0)
			status = cli_fail(1, argv[i]);
		else
			puts(argv[i]);
		engine_container_free(ct);
	}
	return status;
}

/* --- start ------------------------------------------------------------------- */

static int cmd_start(int argc, char **argv)
{
	static const struct option lo[] = {{"attach", no_argument, NULL, 'a'},
					   {"interactive", no_argument, NULL, 'i'},
					   {"detach-keys", required_argument, NULL, 'k'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	static const struct cli_usage u = {
	    "start", "[OPTIONS] CONTAINER [CONTAINER...]", "Start one or more stopped containers",
	    "  -a, --attach               Attach STDOUT/STDERR and forward signals\n"
	    "      --detach-keys string   Override the key sequence for detaching a container\n"
	    "  -i, --interactive          Attach container's STDIN\n"};
	int attach = 0, interactive = 0, c, status = 0;
	const char *keys = NULL;

	optind = 0;
	while ((c = cli_getopt_mixed(argc, argv, "ai", lo, &u)) != CLI_OPT_END) {
		if (c == 'a')
			attach = 1;
		else if (c == 'i')
			interactive = 1;
		else if (c == 'k')
			keys = optarg;
		else
			return c == CLI_OPT_HELP ? 0 : EXIT_ENGINE;
	}
	if (optind >= argc)
		return cli_args_error(&u, "requires at least 1 argument.");
	if ((attach || interactive) && argc - optind > 1)
		return cli_failf(1, "you cannot start and attach multiple containers at once");
	for (int i = optind; i < argc; i++) {
		engine_container *ct;

		if (cli_open_container(argv[i], &ct) < 0) {
			status = 1;
			continue;
		}
		if (attach || interactive) {
			status = cli_run_attached(ct, interactive, 1, 0, keys, 1);
		} else if (engine_container_start(ct) < 0) {
			status = cli_fail(1, argv[i]);
		} else {
			puts(argv[i]);
		}
		engine_container_free(ct);
	}
	return status;
}

/* --- stop, kill -------------------------------------------------------------- */

struct stop_args {
	int grace; /* -1: the container's stop timeout */
	int sig;   /* 0: the container's stop signal */
};

static int parse_signal(const char *s, int *out)
{
	if (engine_signal_parse(s, out) == 0)
		return 0;
	fprintf(stderr, "invalid signal: %s\n", s);
	return -1;
}

static int stop_flag(int c, void *arg)
{
	struct stop_args *a = arg;
	char *end;

	if (c == 's')
		return parse_signal(optarg, &a->sig);
	a->grace = (int)strtol(optarg, &end, 10);
	if (*end || !*optarg) {
		fprintf(stderr, "invalid argument \"%s\" for \"-t, --timeout\" flag: not an integer\n",
			optarg);
		return -1;
	}
	return 0;
}

static int do_stop(engine_container *c, void *arg)
{
	const struct stop_args *a = arg;
	engine_wait_options wo = ENGINE_WAIT_OPTIONS_INIT;
	int r;

	if (!a->sig)
		return engine_container_stop(c, a->grace);
	/* -s: that signal first, then, like docker, SIGKILL after the grace. */
	if (strcmp(engine_container_status(c), "running") != 0)
		return 0;
	if (engine_container_kill(c, a->sig) < 0)
		return -1;
	wo.timeout = a->grace < 0 ? 10 : a->grace;
	r = engine_container_wait_until(c, &wo, NULL);
	if (r == ENGINE_ETIMEOUT)
		return engine_container_stop(c, 0);
	return r;
}

static int cmd_stop(int argc, char **argv)
{
	static const struct option lo[] = {{"signal", required_argument, NULL, 's'},
					   {"timeout", required_argument, NULL, 't'},
					   {"time", required_argument, NULL, 't'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	static const struct cli_usage u = {
	    "stop", "[OPTIONS] CONTAINER [CONTAINER...]", "Stop one or more running containers",
	    "  -s, --signal string   Signal to send to the container\n"
	    "  -t, --timeout int     Seconds to wait before killing the container\n"};
	struct stop_args a = {-1, 0};

	return for_each(argc, argv, &u, "s:t:", lo, stop_flag, do_stop, &a);
}

static int kill_flag(int c, void *arg)
{
	(void)c;
	return parse_signal(optarg, arg);
}

static int do_kill(engine_container *c, void *arg)
{
	return engine_container_kill(c, *(int *)arg);
}

static int cmd_kill(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"signal", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	static const struct cli_usage u = {"kill", "[OPTIONS] CONTAINER [CONTAINER...]",
					   "Kill one or more running containers",
					   "  -s, --signal string   Signal to send to the container\n"};
	int sig = SIGKILL;

	return for_each(argc, argv, &u, "s:", lo, kill_flag, do_kill, &sig);
}

/* --- rm, pause, unpause ------------------------------------------------------ */

/* arg: bit 0 force, bit 1 the anonymous volumes too (-v) */
static int rm_flag(int c, void *arg)
{
	*(int *)arg |= c == 'f' ? 1 : 2;
	return 0;
}

static int do_rm(engine_container *c, void *arg)
{
	int how = *(int *)arg;

	return how & 2 ? engine_container_remove_volumes(c, how & 1) : engine_container_remove(c, how & 1);
}

int cli_rm(int argc, char **argv)
{
	static const struct option lo[] = {{"force", no_argument, NULL, 'f'},
					   {"volumes", no_argument, NULL, 'v'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	static const struct cli_usage u = {
	    "rm", "[OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers",
	    "  -f, --force     Force the removal of a running container (uses SIGKILL)\n"
	    "  -v, --volumes   Remove anonymous volumes associated with the container\n"};
	int how = 0;

	return for_each(argc, argv, &u, "fv", lo, rm_flag, do_rm, &how);
}

static int do_pause(engine_container *c, void *arg)
{
	return *(int *)arg ? engine_container_pause(c) : engine_container_resume(c);
}

static int cmd_pause(int argc, char **argv)
{
	static const struct cli_usage u = {"pause", "CONTAINER [CONTAINER...]",
					   "Pause all processes within one or more containers", NULL};
	int on = 1;

	return for_each(argc, argv, &u, NULL, NULL, NULL, do_pause, &on);
}

static int cmd_unpause(int argc, char **argv)
{
	static const struct cli_usage u = {"unpause", "CONTAINER [CONTAINER...]",
					   "Unpause all processes within one or more containers", NULL};
	int on = 0;

	return for_each(argc, argv, &u, NULL, NULL, NULL, do_pause, &on);
}

const struct cli_command cli_lifecycle_commands[] = {
    {"start", cmd_start, "Start one or more stopped containers"},
    {"stop", cmd_stop, "Stop one or more running containers"},
    {"kill", cmd_kill, "Kill one or more running containers"},
    {"rm", cli_rm, "Remove one or more containers"},
    {"pause", cmd_pause, "Pause all processes within containers"},
    {"unpause", cmd_unpause, "Unpause all processes within containers"},
    {NULL, NULL, NULL},
};
