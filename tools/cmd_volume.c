/* engine CLI: `engine volume create|ls|inspect|rm|prune`, with docker's
 * flags, output and exit statuses. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_util.h"

static const struct cli_usage create_usage = {
    "volume create", "[OPTIONS] [VOLUME]", "Create a volume",
    "  -d, --driver string   Specify volume driver name (default \"local\")\n"
    "      --label list      Set metadata for a volume\n"
    "  -o, --opt map         Set driver specific options (type=tmpfs|none, device=DIR, o=OPTS)\n"};
static const struct cli_usage ls_usage = {
    "volume ls", "[OPTIONS]", "List volumes",
    "  -f, --filter filter   Provide filter values (e.g. \"dangling=true\")\n"
    "  -q, --quiet           Only display volume names\n"};
static const struct cli_usage inspect_usage = {"volume inspect", "[OPTIONS] VOLUME [VOLUME...]",
					       "Display detailed information on one or more volumes", NULL};
static const struct cli_usage rm_usage = {"volume rm", "[OPTIONS] VOLUME [VOLUME...]",
					  "Remove one or more volumes",
					  "  -f, --force   Force the removal of one or more volumes\n"};
static const struct cli_usage prune_usage = {
    "volume prune", "[OPTIONS]", "Remove unused local volumes",
    "  -a, --all             Remove all unused volumes, not just anonymous ones\n"
    "      --filter filter   Provide filter values (e.g. \"label=<label>\")\n"
    "  -f, --force           Do not prompt for confirmation\n"};

/* Collected repeatable flags: argc bounds how many there can be. */
static engine_strarray *list_new(int argc)
{
	engine_strarray *l = calloc(1, sizeof(*l));

	if (l && !(l->strings = calloc((size_t)argc + 2, sizeof(char *)))) {
		free(l);
		return NULL;
	}
	return l;
}

static void list_free(engine_strarray *l)
{
	if (l)
		free(l->strings);
	free(l);
}

static int vol_create(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"driver", required_argument, NULL, 'd'}, {"label", required_argument, NULL, 'l'},
	    {"opt", required_argument, NULL, 'o'},    {"name", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0}};
	engine_volume_create_options o = ENGINE_VOLUME_CREATE_OPTIONS_INIT;
	engine_strarray *labels = list_new(argc), *opts = list_new(argc);
	engine_context *ctx;
	char *name = NULL;
	int c, status = 0;

	if (!labels || !opts) {
		list_free(labels);
		list_free(opts);
		return cli_failf(1, "out of memory");
	}
	optind = 1;
	while (status == 0 && (c = cli_getopt(argc, argv, "d:o:", lo, &create_usage)) != CLI_OPT_END) {
		if (c == 'd')
			o.driver = optarg;
		else if (c == 'l')
			labels->strings[labels->count++] = optarg;
		else if (c == 'o')
			opts->strings[opts->count++] = optarg;
		else if (c == 'n')
			o.name = optarg;
		else
			status = c == CLI_OPT_HELP ? -1 : 125;
	}
	if (status == 0 && optind < argc - 1)
		status = cli_args_error(&create_usage, "at most 1 argument");
	if (status == 0) {
		if (optind < argc)
			o.name = argv[optind];
		o.labels = *labels;
		o.options = *opts;
		if (cli_open_context(&ctx) < 0 || engine_volume_create(ctx, &o, &name) < 0)
			status = cli_fail(1, NULL);
		else
			puts(name);
	}
	engine_free(name);
	list_free(labels);
	list_free(opts);
	return status < 0 ? 0 : status;
}

static int vol_ls(int argc, char **argv)
{
	static const struct option lo[] = {{"filter", required_argument, NULL, 'f'},
					   {"quiet", no_argument, NULL, 'q'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	engine_strarray *filters = list_new(argc);
	engine_context *ctx;
	char *json = NULL;
	json_object *a;
	int c, quiet = 0, status = 0;

	if (!filters)
		return cli_failf(1, "out of memory");
	optind = 1;
	while (status == 0 && (c = cli_getopt(argc, argv, "f:q", lo, &ls_usage)) != CLI_OPT_END) {
		if (c == 'f')
			filters->strings[filters->count++] = optarg;
		else if (c == 'q')
			quiet = 1;
		else
			status = c == CLI_OPT_HELP ? -1 : 125;
	}
	if (status == 0 && (cli_open_context(&ctx) < 0 || engine_volume_list(ctx, filters, &json) < 0))
		status = cli_fail(1, NULL);
	list_free(filters);
	if (status)
		return status < 0 ? 0 : status;
	a = json_tokener_parse(json);
	engine_free(json);
	if (!quiet)
		printf("%-10s%s\n", "DRIVER", "VOLUME NAME");
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *v = json_object_array_get_idx(a, i);
		const char *name = json_object_get_string(json_object_object_get(v, "Name"));

		if (quiet)
			puts(name);
		else
			printf("%-10s%s\n", json_object_get_string(json_object_object_get(v, "Driver")),
			       name);
	}
	json_object_put(a);
	return 0;
}

static int vol_inspect(int argc, char **argv)
{
	static const struct option lo[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	engine_context *ctx;
	json_object *out;
	int c, status = 0;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "", lo, &inspect_usage)) != CLI_OPT_END)
		return c == CLI_OPT_HELP ? 0 : 125;
	if (optind >= argc)
		return cli_args_error(&inspect_usage, "at least 1 argument");
	if (cli_open_context(&ctx) < 0)
		return 1;
	out = json_object_new_array();
	for (int i = optind; i < argc; i++) {
		char *json = NULL;

		if (engine_volume_inspect(ctx, argv[i], &json) < 0) {
			status = cli_fail(1, NULL);
			continue;
		}
		json_object_array_add(out, json_tokener_parse(json));
		engine_free(json);
	}
	puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	return status;
}

static int vol_rm(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	engine_context *ctx;
	int c, force = 0, status = 0;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "f", lo, &rm_usage)) != CLI_OPT_END) {
		if (c != 'f')
			return c == CLI_OPT_HELP ? 0 : 125;
		force = 1;
	}
	if (optind >= argc)
		return cli_args_error(&rm_usage, "at least 1 argument");
	if (cli_open_context(&ctx) < 0)
		return 1;
	for (int i = optind; i < argc; i++) {
		if (engine_volume_remove(ctx, argv[i], force) < 0)
			status = cli_fail(1, NULL);
		else
			puts(argv[i]);
	}
	return status;
}

static int vol_prune(int argc, char **argv)
{
	static const struct option lo[] = {{"all", no_argument, NULL, 'a'},
					   {"filter", required_argument, NULL, 'F'},
					   {"force", no_argument, NULL, 'f'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	engine_strarray *filters = list_new(argc), gone = {NULL, 0};
	engine_context *ctx;
	int64_t reclaimed = 0;
	int c, force = 0, all = 0, status = 0;

	if (!filters)
		return cli_failf(1, "out of memory");
	optind = 1;
	while (status == 0 && (c = cli_getopt(argc, argv, "af", lo, &prune_usage)) != CLI_OPT_END) {
		if (c == 'a')
			all = 1;
		else if (c == 'F')
			filters->strings[filters->count++] = optarg;
		else if (c == 'f')
			force = 1;
		else
			status = c == CLI_OPT_HELP ? -1 : 125;
	}
	if (all)
		filters->strings[filters->count++] = "all=true";
	if (status == 0 && !force &&
	    !cli_confirm(
		all ? "WARNING! This will remove all local volumes not used by at least one container."
		    : "WARNING! This will remove anonymous local volumes not used by at least one "
		      "container."))
		status = -1;
	if (status == 0 &&
	    (cli_open_context(&ctx) < 0 || engine_volume_prune(ctx, filters, &gone, &reclaimed) < 0))
		status = cli_fail(1, NULL);
	list_free(filters);
	if (status)
		return status < 0 ? 0 : status;
	cli_print_pruned("Volumes", &gone, reclaimed);
	return 0;
}

static const struct cli_command volume_commands[] = {
    {"create", vol_create, "Create a volume"},
    {"ls", vol_ls, "List volumes"},
    {"list", vol_ls, NULL},
    {"inspect", vol_inspect, "Display detailed information on one or more volumes"},
    {"rm", vol_rm, "Remove one or more volumes"},
    {"remove", vol_rm, NULL},
    {"prune", vol_prune, "Remove unused local volumes"},
    {NULL, NULL, NULL},
};

static int cmd_volume(int argc, char **argv)
{
	const struct cli_command *const tables[] = {volume_commands, NULL};

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		FILE *f = argc < 2 ? stderr : stdout;

		fprintf(f, "Usage: engine volume COMMAND\n\nManage volumes\n\nCommands:\n");
		for (size_t i = 0; volume_commands[i].name; i++)
			if (volume_commands[i].summary)
				fprintf(f, "  %-10s%s\n", volume_commands[i].name,
					volume_commands[i].summary);
		fprintf(f, "\nRun 'engine volume COMMAND --help' for more information on a command.\n");
		return argc < 2 ? 1 : 0;
	}
	return cli_dispatch(tables, argc - 1, argv + 1, "volume");
}

const struct cli_command cli_volume_commands[] = {
    {"volume", cmd_volume, "Manage volumes (engine volume create|ls|inspect|rm|prune)"},
    {NULL, NULL, NULL},
};
