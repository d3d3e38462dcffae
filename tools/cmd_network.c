/* engine CLI: `engine network create|ls|inspect|rm|prune|connect|disconnect`
 * and `engine port`, with docker's flags, output and exit statuses. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_format.h"

static int net_create(int argc, char **argv)
{
	engine_network_create_options o = ENGINE_NETWORK_CREATE_OPTIONS_INIT;
	static const struct option lo[] = {
	    {"subnet", required_argument, NULL, 's'}, {"gateway", required_argument, NULL, 'g'},
	    {"internal", no_argument, NULL, 'i'},     {"label", required_argument, NULL, 'l'},
	    {"driver", required_argument, NULL, 'd'}, {NULL, 0, NULL, 0},
	};
	char **labels = calloc((size_t)argc, sizeof(char *));
	engine_context *ctx;
	char *id = NULL;
	int c;

	if (!labels)
		return 1;
	optind = 1;
	while ((c = cli_getopt_long(argc, argv, "+d:", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			o.subnet = optarg;
			break;
		case 'g':
			o.gateway = optarg;
			break;
		case 'i':
			o.internal = 1;
			break;
		case 'l':
			labels[o.labels.count++] = optarg;
			break;
		case 'd':
			if (strcmp(optarg, "bridge") != 0) {
				free(labels);
				return cli_failf(1, "network driver \"%s\" is not supported (only bridge)",
						 optarg);
			}
			break;
		default:
			free(labels);
			return cli_failf(1, "usage: engine network create [--subnet CIDR] [--gateway IP] "
					    "[--internal] [--label K=V] NAME");
		}
	}
	o.labels.strings = labels;
	if (optind != argc - 1) {
		free(labels);
		return cli_failf(1, "\"engine network create\" requires exactly 1 argument (NAME)");
	}
	o.name = argv[optind];
	if (cli_open_context(&ctx) < 0 || engine_network_create(ctx, &o, &id) < 0) {
		free(labels);
		return cli_fail(1, NULL);
	}
	puts(id);
	engine_free(id);
	free(labels);
	return 0;
}

static const struct cli_column net_columns[] = {
    {"ID", "NETWORK ID"}, {"Name", "NAME"},	    {"Driver", "DRIVER"}, {"Scope", "SCOPE"},
    {"IPv6", "IPV6"},	  {"Internal", "INTERNAL"}, {"Labels", "LABELS"}, {"CreatedAt", "CREATED AT"},
    {NULL, NULL},
};

static const struct cli_usage net_ls_usage = {
    "network ls", "[OPTIONS]", "List networks",
    "      --format string   Format output using a custom template:\n"
    "                        'table':            Print output in table format with column headers (default)\n"
    "                        'table TEMPLATE':   Print output in table format using the given Go template\n"
    "                        'json':             Print in JSON format\n"
    "                        'TEMPLATE':         Print output using the given Go template\n"
    "      --no-trunc        Do not truncate the output\n"
    "  -q, --quiet           Only display network IDs\n"};

/* docker's NetworkContext fields of one inspect object. */
static json_object *net_row(json_object *n, bool trunc)
{
	json_object *row = json_object_new_object(), *v;
	char id[80];
	char *labels;

	snprintf(id, sizeof(id), trunc ? "%.12s" : "%s",
		 json_object_get_string(json_object_object_get(n, "Id")));
	json_object_object_add(row, "CreatedAt",
			       json_object_new_string(json_object_object_get_ex(n, "Created", &v)
							  ? json_object_get_string(v)
							  : ""));
	json_object_object_add(
	    row, "Driver",
	    json_object_new_string(json_object_get_string(json_object_object_get(n, "Driver"))));
	json_object_object_add(row, "ID", json_object_new_string(id));
	json_object_object_add(row, "IPv6",
			       json_object_new_string(json_object_object_get_ex(n, "EnableIPv6", &v) &&
							      json_object_get_boolean(v)
							  ? "true"
							  : "false"));
	json_object_object_add(
	    row, "Internal",
	    json_object_new_string(json_object_object_get_ex(n, "Internal", &v) && json_object_get_boolean(v)
				       ? "true"
				       : "false"));
	labels = cli_labels_text(json_object_object_get_ex(n, "Labels", &v) ? v : NULL);
	json_object_object_add(row, "Labels", json_object_new_string(labels ? labels : ""));
	free(labels);
	json_object_object_add(
	    row, "Name", json_object_new_string(json_object_get_string(json_object_object_get(n, "Name"))));
	json_object_object_add(
	    row, "Scope", json_object_new_string(json_object_get_string(json_object_object_get(n, "Scope"))));
	return row;
}

static int net_ls(int argc, char **argv)
{
	static const struct option lo[] = {{"format", required_argument, NULL, 'F'},
					   {"no-trunc", no_argument, NULL, 'T'},
					   {"quiet", no_argument, NULL, 'q'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	const char *format = NULL;
	bool trunc = true;
	engine_context *ctx;
	char *json = NULL;
	json_object *a;
	cli_fmt *f;
	int c, status = 0;

	optind = 0; /* a fresh scan that may permute */
	while ((c = cli_getopt_mixed(argc, argv, "q", lo, &net_ls_usage)) != CLI_OPT_END) {
		if (c == 'q')
			format = "{{.ID}}";
		else if (c == 'F')
			format = format && !strcmp(format, "{{.ID}}") ? format : optarg;
		else if (c == 'T')
			trunc = false;
		else
			return c == CLI_OPT_HELP ? 0 : EXIT_ENGINE;
	}
	if (optind < argc)
		return cli_args_error(&net_ls_usage, "accepts no arguments.");
	if (!(f = cli_fmt_new(format, "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}", net_columns,
			      true)))
		return 1;
	if (cli_open_context(&ctx) < 0 || engine_network_list(ctx, &json) < 0) {
		cli_fmt_end(f);
		return cli_fail(1, NULL);
	}
	a = json_tokener_parse(json);
	engine_free(json);
	for (size_t i = 0; a && i < json_object_array_length(a) && !status; i++) {
		json_object *n = json_object_array_get_idx(a, i), *labels = NULL;
		json_object *row = net_row(n, trunc);

		json_object_object_get_ex(n, "Labels", &labels);
		status = cli_fmt_row(f, row, labels) < 0;
		json_object_put(row);
	}
	json_object_put(a);
	cli_fmt_end(f);
	return status;
}

static int net_inspect(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	static const struct cli_usage u = {
	    "network inspect", "[OPTIONS] NETWORK [NETWORK...]",
	    "Display detailed information on one or more networks",
	    "  -f, --format string   Format output using a custom template:\n"
	    "                        'json':             Print in JSON format\n"
	    "                        'TEMPLATE':         Print output using the given Go template\n"};
	engine_context *ctx;
	json_object *out = json_object_new_array();
	cli_fmt *f = NULL;
	int status = 0, c;

	optind = 0; /* a fresh scan that may permute */
	while ((c = cli_getopt_mixed(argc, argv, "f:", lo, &u)) != CLI_OPT_END) {
		if (c == 'f' && !f && (f = cli_fmt_new(optarg, "{{json .}}", NULL, false)))
			continue;
		json_object_put(out);
		cli_fmt_end(f);
		return c == CLI_OPT_HELP ? 0 : c == 'f' ? 1 : EXIT_ENGINE;
	}
	if (optind >= argc) {
		json_object_put(out);
		cli_fmt_end(f);
		return cli_args_error(&u, "requires at least 1 argument.");
	}
	if (cli_open_context(&ctx) < 0) {
		json_object_put(out);
		cli_fmt_end(f);
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		char *json = NULL;
		json_object *o;

		if (engine_network_inspect(ctx, argv[i], &json) < 0) {
			status = cli_fail(1, NULL);
			continue;
		}
		o = json_tokener_parse(json);
		engine_free(json);
		if (f && cli_fmt_row(f, o, NULL) < 0)
			status = 1;
		json_object_array_add(out, o);
	}
	if (!f)
		puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(out);
	cli_fmt_end(f);
	return status;
}

static int net_rm(int argc, char **argv)
{
	engine_context *ctx;
	int status = 0;

	if (argc < 2)
		return cli_failf(1, "\"engine network rm\" requires at least 1 argument");
	if (cli_open_context(&ctx) < 0)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (engine_network_remove(ctx, argv[i]) < 0)
			status = cli_fail(1, NULL);
		else
			puts(argv[i]);
	}
	return status;
}

static int net_prune(int argc, char **argv)
{
	engine_context *ctx;
	engine_strarray removed = {NULL, 0};

	(void)argc, (void)argv; /* -f / --force: nothing is asked anyway */
	if (cli_open_context(&ctx) < 0 || engine_network_prune(ctx, &removed) < 0)
		return cli_fail(1, NULL);
	if (removed.count) {
		puts("Deleted Networks:");
		for (size_t i = 0; i < removed.count; i++)
			puts(removed.strings[i]);
	}
	engine_strarray_dispose(&removed);
	return 0;
}

static int net_connect(int argc, char **argv)
{
	engine_network_connect_options o = ENGINE_NETWORK_CONNECT_OPTIONS_INIT;
	static const struct option lo[] = {
	    {"alias", required_argument, NULL, 'a'},
	    {"ip", required_argument, NULL, 'i'},
	    {NULL, 0, NULL, 0},
	};
	char **aliases = calloc((size_t)argc, sizeof(char *));
	engine_context *ctx;
	int c, r;

	if (!aliases)
		return 1;
	optind = 1;
	while ((c = cli_getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		if (c == 'a') {
			aliases[o.aliases.count++] = optarg;
		} else if (c == 'i') {
			o.ip = optarg;
		} else {
			free(aliases);
			return cli_failf(
			    1, "usage: engine network connect [--alias A] [--ip IP] NETWORK CONTAINER");
		}
	}
	o.aliases.strings = aliases;
	if (argc - optind != 2) {
		free(aliases);
		return cli_failf(1, "\"engine network connect\" requires exactly 2 arguments");
	}
	r = cli_open_context(&ctx) < 0 ? -1 : engine_network_connect(ctx, argv[optind], argv[optind + 1], &o);
	free(aliases);
	return r < 0 ? cli_fail(1, NULL) : 0;
}

static int net_disconnect(int argc, char **argv)
{
	engine_context *ctx;
	int first = 1;

	/* -f / --force: accepted for docker's scripts. */
	while (first < argc && argv[first][0] == '-')
		first++;
	if (argc - first != 2)
		return cli_failf(1, "\"engine network disconnect\" requires exactly 2 arguments");
	if (cli_open_context(&ctx) < 0 || engine_network_disconnect(ctx, argv[first], argv[first + 1]) < 0)
		return cli_fail(1, NULL);
	return 0;
}

static const struct cli_command network_commands[] = {
    {"create", net_create, "Create a network"},
    {"ls", net_ls, "List networks"},
    {"list", net_ls, NULL},
    {"inspect", net_inspect, "Display detailed information on one or more networks"},
    {"rm", net_rm, "Remove one or more networks"},
    {"remove", net_rm, NULL},
    {"prune", net_prune, "Remove all unused networks"},
    {"connect", net_connect, "Connect a container to a network"},
    {"disconnect", net_disconnect, "Disconnect a container from a network"},
    {NULL, NULL, NULL},
};

static int cmd_network(int argc, char **argv)
{
	const struct cli_command *const tables[] = {network_commands, NULL};

	return cli_group(argc, argv, "Manage networks", tables);
}

static int cmd_port(int argc, char **argv)
{
	static const struct cli_usage u = {"port", "CONTAINER [PRIVATE_PORT[/PROTO]]",
					   "List port mappings or a specific mapping for the container",
					   NULL};
	engine_context *ctx;
	engine_container *c = NULL;
	int status = 0, first = cli_operands(argc, argv, &u, 1, 2);

	if (first <= 0)
		return -first;
	if (cli_open_context(&ctx) < 0 || engine_container_open(ctx, argv[first], &c) < 0)
		return cli_fail(1, NULL);
	if (first + 1 < argc) {
		engine_strarray out = {NULL, 0};

		if (engine_container_port(c, argv[first + 1], &out) < 0) {
			status = cli_fail(1, NULL);
		} else {
			for (size_t i = 0; i < out.count; i++)
				puts(out.strings[i]);
		}
		engine_strarray_dispose(&out);
	} else {
		char *json = NULL;
		json_object *o;

		if (engine_container_ports(c, &json) < 0) {
			engine_container_free(c);
			return cli_fail(1, NULL);
		}
		o = json_tokener_parse(json);
		engine_free(json);
		json_object_object_foreach(o, key, list)
		{
			for (size_t i = 0; i < json_object_array_length(list); i++) {
				json_object *b = json_object_array_get_idx(list, i);

				printf("%s -> %s:%s\n", key,
				       json_object_get_string(json_object_object_get(b, "HostIp")),
				       json_object_get_string(json_object_object_get(b, "HostPort")));
			}
		}
		json_object_put(o);
	}
	engine_container_free(c);
	return status;
}

const struct cli_command cli_network_commands[] = {
    {"network", cmd_network,
     "Manage networks (engine network create|ls|inspect|rm|prune|connect|disconnect)"},
    {"port", cmd_port, "List port mappings or a specific mapping for the container"},
    {NULL, NULL, NULL},
};
