/* engine CLI: commands that change an existing container (rename, update,
 * restart), with docker's flags, output and exit statuses. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_util.h"

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
	if (cli_open_container(argv[optind], &c) < 0)
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

		if (cli_open_container(argv[i], &c) < 0) {
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

		if (cli_open_container(argv[i], &c) < 0) {
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
	if (cli_open_container(argv[optind], &c) < 0) {
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
	if (cli_open_container(argv[optind], &c) < 0)
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

static const struct cli_usage cp_usage = {
    "cp", "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tengine cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
    "Copy files/folders between a container and the local filesystem\n\n"
    "Use '-' as the source to read a tar archive from stdin and extract it to a directory\n"
    "destination in a container. Use '-' as the destination to stream a tar archive of a\n"
    "container source to stdout.",
    "  -a, --archive       Archive mode (copy all uid/gid information)\n"
    "  -L, --follow-link   Always follow symbol link in SRC_PATH\n"};

/* "CONTAINER:PATH" -> the container and an absolute path; NULL for a
 * local path (absolute or starting with ".", or without ':'). */
static char *split_container(const char *arg, const char **path)
{
	const char *colon = strchr(arg, ':');
	char *name;

	if (arg[0] == '/' || arg[0] == '.' || !colon)
		return NULL;
	name = strndup(arg, (size_t)(colon - arg));
	*path = colon + 1;
	return name;
}

static int cmd_cp(int argc, char **argv)
{
	static const struct option lo[] = {{"archive", no_argument, NULL, 'a'},
					   {"follow-link", no_argument, NULL, 'L'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	const char *src_path = NULL, *dst_path = NULL;
	char *src_c, *dst_c, *abs = NULL;
	engine_container *c = NULL;
	int opt, flags = 0, r;

	optind = 1;
	while ((opt = cli_getopt(argc, argv, "aL", lo, &cp_usage)) != CLI_OPT_END) {
		if (opt == 'a')
			flags |= ENGINE_COPY_ARCHIVE;
		else if (opt == 'L')
			flags |= ENGINE_COPY_FOLLOW_LINK;
		else
			return opt == CLI_OPT_HELP ? 0 : 125;
	}
	if (argc - optind != 2)
		return cli_args_error(&cp_usage, "requires exactly 2 arguments.");
	src_c = split_container(argv[optind], &src_path);
	dst_c = split_container(argv[optind + 1], &dst_path);
	if (!src_c == !dst_c) {
		free(src_c);
		free(dst_c);
		return cli_failf(1, src_c ? "copying between containers is not supported"
					  : "must specify at least one container source");
	}
	r = cli_open_container(src_c ? src_c : dst_c, &c);
	free(src_c);
	free(dst_c);
	if (r < 0)
		return 1;
	/* container paths are taken from its root */
	abs = malloc(strlen(src_path ? src_path : dst_path) + 2);
	if (!abs) {
		engine_container_free(c);
		return cli_failf(1, "out of memory");
	}
	sprintf(abs, "%s%s", (src_path ? src_path : dst_path)[0] == '/' ? "" : "/",
		src_path ? src_path : dst_path);
	if (src_path)
		r = strcmp(argv[optind + 1], "-") == 0
			? engine_container_archive_get(c, abs, 1, NULL)
			: engine_container_copy_from(c, abs, argv[optind + 1], flags);
	else
		r = strcmp(argv[optind], "-") == 0 ? engine_container_archive_put(c, abs, 0)
						   : engine_container_copy_to(c, argv[optind], abs, flags);
	free(abs);
	engine_container_free(c);
	return r < 0 ? cli_fail(1, NULL) : 0;
}

static const struct cli_usage export_usage = {"export", "[OPTIONS] CONTAINER",
					      "Export a container's filesystem as a tar archive",
					      "  -o, --output string   Write to a file, instead of STDOUT\n"};

static int cmd_export(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *output = NULL;
	engine_container *c;
	int opt, fd = 1, r;

	optind = 1;
	while ((opt = cli_getopt(argc, argv, "o:", lo, &export_usage)) != CLI_OPT_END) {
		if (opt == 'o')
			output = optarg;
		else
			return opt == CLI_OPT_HELP ? 0 : 125;
	}
	if (argc - optind != 1)
		return cli_args_error(&export_usage, "requires exactly 1 argument.");
	if (!output && isatty(1))
		return cli_failf(1, "cowardly refusing to save to a terminal. Use the -o flag or redirect");
	if (cli_open_container(argv[optind], &c) < 0)
		return 1;
	if (output && (fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		engine_container_free(c);
		return cli_failf(1, "open %s: %s", output, strerror(errno));
	}
	r = engine_container_export(c, fd);
	engine_container_free(c);
	if (output && close(fd) < 0 && r == 0)
		return cli_failf(1, "write %s: %s", output, strerror(errno));
	if (r < 0) {
		if (output)
			unlink(output);
		return cli_fail(1, NULL);
	}
	return 0;
}

static const struct cli_usage commit_usage = {
    "commit", "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]", "Create a new image from a container's changes",
    "  -a, --author string    Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")\n"
    "  -c, --change list      Apply Dockerfile instruction to the created image\n"
    "  -m, --message string   Commit message\n"
    "  -p, --pause            Pause container during commit (default true)\n"};

static int cmd_commit(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"author", required_argument, NULL, 'a'},  {"change", required_argument, NULL, 'c'},
	    {"message", required_argument, NULL, 'm'}, {"pause", optional_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0}};
	engine_commit_options co = ENGINE_COMMIT_OPTIONS_INIT;
	char **changes = calloc((size_t)argc + 1, sizeof(char *)), *id = NULL;
	engine_container *c;
	int opt, r;

	if (!changes)
		return cli_failf(1, "out of memory");
	optind = 1;
	while ((opt = cli_getopt(argc, argv, "a:c:m:p", lo, &commit_usage)) != CLI_OPT_END) {
		if (opt == 'a')
			co.author = optarg;
		else if (opt == 'c')
			changes[co.changes.count++] = optarg;
		else if (opt == 'm')
			co.comment = optarg;
		else if (opt == 'p')
			co.pause = cli_optarg_bool(optarg);
		else {
			free(changes);
			return opt == CLI_OPT_HELP ? 0 : 125;
		}
	}
	co.changes.strings = changes;
	if (argc - optind < 1 || argc - optind > 2) {
		free(changes);
		return cli_args_error(&commit_usage, "requires at least 1 and at most 2 arguments.");
	}
	co.ref = argc - optind == 2 ? argv[optind + 1] : NULL;
	if (cli_open_container(argv[optind], &c) < 0) {
		free(changes);
		return 1;
	}
	r = engine_container_commit(c, &co, &id);
	engine_container_free(c);
	free(changes);
	if (r < 0)
		return cli_fail(1, NULL);
	puts(id);
	engine_free(id);
	return 0;
}

static const struct cli_usage container_prune_usage = {
    "container prune", "[OPTIONS]", "Remove all stopped containers",
    "      --filter filter   Provide filter values (e.g. \"until=<timestamp>\")\n"
    "  -f, --force           Do not prompt for confirmation\n"};

int cli_container_prune(int argc, char **argv)
{
	static const struct option lo[] = {{"filter", required_argument, NULL, 'F'},
					   {"force", no_argument, NULL, 'f'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	engine_strarray filters = {calloc((size_t)argc + 1, sizeof(char *)), 0}, gone = {NULL, 0};
	engine_context *ctx;
	int64_t reclaimed = 0;
	int opt, force = 0;

	if (!filters.strings)
		return cli_failf(1, "out of memory");
	optind = 1;
	while ((opt = cli_getopt(argc, argv, "f", lo, &container_prune_usage)) != CLI_OPT_END) {
		if (opt == 'F')
			filters.strings[filters.count++] = optarg;
		else if (opt == 'f')
			force = 1;
		else {
			free(filters.strings);
			return opt == CLI_OPT_HELP ? 0 : 125;
		}
	}
	if (!force && !cli_confirm("WARNING! This will remove all stopped containers.")) {
		free(filters.strings);
		return 0;
	}
	if (cli_open_context(&ctx) < 0 || engine_container_prune(ctx, &filters, &gone, &reclaimed) < 0) {
		free(filters.strings);
		return cli_fail(1, NULL);
	}
	free(filters.strings);
	cli_print_pruned("Containers", &gone, reclaimed);
	return 0;
}

const struct cli_command cli_manage_commands[] = {
    {"commit", cmd_commit, "Create a new image from a container's changes"},
    {"cp", cmd_cp, "Copy files/folders between a container and the local filesystem"},
    {"export", cmd_export, "Export a container's filesystem as a tar archive"},
    {"diff", cmd_diff, "Inspect changes to files or directories on a container's filesystem"},
    {"top", cmd_top, "Display the running processes of a container"},
    {"rename", cmd_rename, "Rename a container"},
    {"update", cmd_update, "Update configuration of one or more containers"},
    {"restart", cmd_restart, "Restart one or more containers"},
    {NULL, NULL, NULL},
};
