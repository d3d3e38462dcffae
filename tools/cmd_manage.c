/* engine CLI: commands that change an existing container (rename, update,
 * restart), with docker's flags, output and exit statuses. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_util.h"

static int open_one(const char *key, engine_container **out)
{
	engine_context *ctx;

	if (cli_open_context(&ctx) < 0)
		return -1;
	if (engine_container_open(ctx, key, out) < 0) {
		cli_fail(1, NULL);
		return -1;
	}
	return 0;
}

static const struct cli_usage rename_usage = {"rename", "CONTAINER NEW_NAME", "Rename a container", NULL};

static int cmd_rename(int argc, char **argv)
{
	engine_container *c;
	int o, status = 0;

	optind = 1;
	while ((o = cli_getopt(argc, argv, "", NULL, &rename_usage)) != CLI_OPT_END)
		return o == CLI_OPT_HELP ? 0 : 125;
	if (argc - optind != 2)
		return cli_args_error(&rename_usage, "requires exactly 2 arguments.");
	if (open_one(argv[optind], &c) < 0)
		return 1;
	if (engine_container_rename(c, argv[optind + 1]) < 0)
		status = cli_fail(1, NULL);
	engine_container_free(c);
	return status;
}

static const struct cli_usage update_usage = {
    "update", "[OPTIONS] CONTAINER [CONTAINER...]", "Update configuration of one or more containers",
    "      --cpu-shares int         CPU shares (relative weight)\n"
    "      --cpus decimal           Number of CPUs\n"
    "      --cpuset-cpus string     CPUs in which to allow execution (0-3, 0,1)\n"
    "  -m, --memory bytes           Memory limit (-1: unlimited)\n"
    "      --pids-limit int         Tune container pids limit (set -1 for unlimited)\n"
    "      --restart string         Restart policy to apply when a container exits\n"};

enum { OPT_CPU_SHARES = 256, OPT_CPUS, OPT_CPUSET, OPT_PIDS, OPT_RESTART };

static int parse_number(const char *flag, const char *arg, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || end == arg || *end) {
		fprintf(stderr, "invalid argument \"%s\" for \"%s\" flag: not an integer\n", arg, flag);
		return -1;
	}
	*out = v;
	return 0;
}

static int cmd_update(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"cpu-shares", required_argument, NULL, OPT_CPU_SHARES},
	    {"cpus", required_argument, NULL, OPT_CPUS},
	    {"cpuset-cpus", required_argument, NULL, OPT_CPUSET},
	    {"memory", required_argument, NULL, 'm'},
	    {"pids-limit", required_argument, NULL, OPT_PIDS},
	    {"restart", required_argument, NULL, OPT_RESTART},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	engine_update_options uo = ENGINE_UPDATE_OPTIONS_INIT;
	int o, status = 0, given = 0;
	char *end;

	optind = 1;
	while ((o = cli_getopt(argc, argv, "m:", lo, &update_usage)) != CLI_OPT_END) {
		given++;
		switch (o) {
		case OPT_CPU_SHARES:
			if (parse_number("--cpu-shares", optarg, &uo.cpu_shares) < 0)
				return 125;
			break;
		case OPT_CPUS:
			errno = 0;
			uo.cpus = strtod(optarg, &end);
			if (errno || *end || end == optarg || !isfinite(uo.cpus) || uo.cpus <= 0) {
				fprintf(stderr, "invalid argument \"%s\" for \"--cpus\" flag\n", optarg);
				return 125;
			}
			break;
		case OPT_CPUSET:
			uo.cpuset_cpus = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "-1") == 0) {
				uo.memory = -1;
			} else if (engine_parse_size(optarg, &uo.memory) < 0) {
				fprintf(stderr, "invalid argument \"%s\" for \"-m, --memory\" flag: %s\n",
					optarg, engine_error_last()->message);
				return 125;
			}
			break;
		case OPT_PIDS:
			if (parse_number("--pids-limit", optarg, &uo.pids_limit) < 0)
				return 125;
			if (uo.pids_limit <= 0)
				uo.pids_limit = -1; /* docker: 0 or -1 means unlimited */
			break;
		case OPT_RESTART:
			uo.restart_policy = optarg;
			break;
		case CLI_OPT_HELP:
			return 0;
		default:
			return 125;
		}
	}
	if (optind >= argc)
		return cli_args_error(&update_usage, "requires at least 1 argument.");
	if (!given)
		return cli_failf(1, "you must provide one or more flags when using this command");
	for (int i = optind; i < argc; i++) {
		engine_container *c;

		if (open_one(argv[i], &c) < 0) {
			status = 1;
			continue;
		}
		if (engine_container_update(c, &uo) < 0)
			status = cli_fail(1, NULL);
		else
			puts(argv[i]);
		engine_container_free(c);
	}
	return status;
}

static const struct cli_usage restart_usage = {
    "restart", "[OPTIONS] CONTAINER [CONTAINER...]", "Restart one or more containers",
    "  -t, --time int   Seconds to wait before killing the container (default 10)\n"};

static int cmd_restart(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"time", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int64_t grace = -1;
	int o, status = 0;

	optind = 1;
	while ((o = cli_getopt(argc, argv, "t:", lo, &restart_usage)) != CLI_OPT_END) {
		if (o == 't' && parse_number("--time", optarg, &grace) == 0)
			continue;
		return o == CLI_OPT_HELP ? 0 : 125;
	}
	if (optind >= argc)
		return cli_args_error(&restart_usage, "requires at least 1 argument.");
	for (int i = optind; i < argc; i++) {
		engine_container *c;

		if (open_one(argv[i], &c) < 0) {
			status = 1;
			continue;
		}
		if (engine_container_restart(c, (int)grace) < 0)
			status = cli_fail(1, NULL);
		else
			puts(argv[i]);
		engine_container_free(c);
	}
	return status;
}

static const struct cli_usage top_usage = {"top", "CONTAINER [ps OPTIONS]",
					   "Display the running processes of a container", NULL};

static int cmd_top(int argc, char **argv)
{
	engine_container *c;
	json_object *o, *titles, *procs;
	char *json = NULL, *args = NULL;
	size_t len = 0;
	cli_table *t;
	int opt;

	optind = 1;
	while ((opt = cli_getopt(argc, argv, "", NULL, &top_usage)) != CLI_OPT_END)
		return opt == CLI_OPT_HELP ? 0 : 125;
	if (optind >= argc)
		return cli_args_error(&top_usage, "requires at least 1 argument.");
	/* Everything after the container is handed to ps, as docker does. */
	for (int i = optind + 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (len && (args = calloc(len, 1)))
		for (int i = optind + 1; i < argc; i++) {
			if (i > optind + 1)
				strcat(args, " ");
			strcat(args, argv[i]);
		}
	if (open_one(argv[optind], &c) < 0) {
		free(args);
		return 1;
	}
	opt = engine_container_top(c, args, &json);
	engine_container_free(c);
	free(args);
	if (opt < 0)
		return cli_fail(1, NULL);
	o = json_tokener_parse(json);
	engine_free(json);
	if (!o || !json_object_object_get_ex(o, "Titles", &titles) ||
	    !json_object_object_get_ex(o, "Processes", &procs))
		return cli_failf(1, "unreadable process list");
	t = cli_table_new(20, 3);
	for (size_t r = 0; t && r <= json_object_array_length(procs); r++) {
		json_object *row = r ? json_object_array_get_idx(procs, r - 1) : titles;
		size_t n = json_object_array_length(row);
		const char **cells = calloc(n + 1, sizeof(*cells));

		for (size_t k = 0; cells && k < n; k++)
			cells[k] = json_object_get_string(json_object_array_get_idx(row, k));
		if (cells)
			cli_table_add(t, cells, n);
		free(cells);
	}
	cli_table_flush(t, stdout);
	json_object_put(o);
	return 0;
}

static const struct cli_usage diff_usage = {
    "diff", "CONTAINER", "Inspect changes to files or directories on a container's filesystem", NULL};

static int cmd_diff(int argc, char **argv)
{
	engine_container *c;
	json_object *arr;
	char *json = NULL;
	int opt;

	optind = 1;
	while ((opt = cli_getopt(argc, argv, "", NULL, &diff_usage)) != CLI_OPT_END)
		return opt == CLI_OPT_HELP ? 0 : 125;
	if (argc - optind != 1)
		return cli_args_error(&diff_usage, "requires exactly 1 argument.");
	if (open_one(argv[optind], &c) < 0)
		return 1;
	opt = engine_container_changes(c, &json);
	engine_container_free(c);
	if (opt < 0)
		return cli_fail(1, NULL);
	arr = json_tokener_parse(json);
	engine_free(json);
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i), *p, *k;

		if (json_object_object_get_ex(e, "Path", &p) && json_object_object_get_ex(e, "Kind", &k))
			printf("%c %s\n", "CAD"[json_object_get_int(k) % 3], json_object_get_string(p));
	}
	json_object_put(arr);
	return 0;
}

const struct cli_command cli_manage_commands[] = {
    {"diff", cmd_diff, "Inspect changes to files or directories on a container's filesystem"},
    {"top", cmd_top, "Display the running processes of a container"},
    {"rename", cmd_rename, "Rename a container"},
    {"update", cmd_update, "Update configuration of one or more containers"},
    {"restart", cmd_restart, "Restart one or more containers"},
    {NULL, NULL, NULL},
};
