/* CLI plumbing shared by every command: context, errors, dispatch. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct cli_globals cli_globals = {NULL, NULL, ENGINE_LOG_WARN, 0};

static engine_context *opened;

static void close_context(void)
{
	engine_context_free(opened);
	opened = NULL;
}

int cli_open_context(engine_context **out)
{
	engine_context_options opts = ENGINE_CONTEXT_OPTIONS_INIT;
	int r;

	if (opened) {
		*out = opened;
		return 0;
	}
	opts.root = cli_globals.root;
	opts.config_path = cli_globals.config;
	opts.log_level = cli_globals.log_level;
	opts.log_fd = cli_globals.debug ? 2 : -1;
	r = engine_context_new(&opened, &opts);
	if (r < 0) {
		cli_fail(1, "open engine root");
		return r;
	}
	atexit(close_context);
	*out = opened;
	return 0;
}

int cli_open_container(const char *key, engine_container **out)
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

int cli_fail(int status, const char *context)
{
	const engine_error *e = engine_error_last();

	if (context)
		fprintf(stderr, "Error: %s: %s\n", context, e->message);
	else
		fprintf(stderr, "Error: %s\n", e->message);
	return status;
}

int cli_failf(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int cli_dispatch(const struct cli_command *const *tables, int argc, char **argv, const char *what)
{
	if (argc < 1)
		return cli_failf(1, "%s: missing command", what);
	for (size_t t = 0; tables[t]; t++)
		for (const struct cli_command *c = tables[t]; c->name; c++)
			if (strcmp(c->name, argv[0]) == 0)
				return c->run(argc, argv);
	fprintf(stderr, "Error: unknown %s command \"%s\"\nRun 'engine --help' for usage.\n", what, argv[0]);
	return 127;
}

int cli_group(int argc, char **argv, const char *summary, const struct cli_command *const *tables)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		FILE *f = argc < 2 ? stderr : stdout;

		fprintf(f, "\nUsage:  engine %s COMMAND\n\n%s\n\nCommands:\n", argv[0], summary);
		for (size_t t = 0; tables[t]; t++)
			cli_print_commands_to(f, tables[t]);
		fprintf(f, "\nRun 'engine %s COMMAND --help' for more information on a command.\n", argv[0]);
		return argc < 2 ? 1 : 0;
	}
	optind = 0;
	return cli_dispatch(tables, argc - 1, argv + 1, argv[0]);
}

void cli_print_commands_to(FILE *f, const struct cli_command *table)
{
	for (const struct cli_command *c = table; c->name; c++)
		if (c->summary)
			fprintf(f, "  %-10s %s\n", c->name, c->summary);
}

void cli_print_commands(const struct cli_command *table)
{
	cli_print_commands_to(stdout, table);
}

void cli_usage_print(const struct cli_usage *u, FILE *f)
{
	fprintf(f, "\nUsage:  engine %s %s\n\n%s\n", u->command, u->args, u->summary);
	if (u->options)
		fprintf(f, "\nOptions:\n%s", u->options);
}

int cli_args_error(const struct cli_usage *u, const char *what)
{
	fprintf(stderr, "Error: \"engine %s\" %s\nSee 'engine %s --help'.\n", u->command, what, u->command);
	return 125;
}

static int getopt_common(int argc, char **argv, const char *shortopts, const struct option *longopts,
			 const struct cli_usage *u, bool mixed)
{
	static const struct option help_only[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	char spec[128];
	int c, prev = optind;

	/* ':' first: a missing argument comes back as ':' instead of '?'; '+'
	 * stops at the first operand (the image of run, the command of exec). */
	snprintf(spec, sizeof(spec), "%s:%sh", mixed ? "" : "+", shortopts ? shortopts : "");
	opterr = 0;
	c = getopt_long(argc, argv, spec, longopts ? longopts : help_only, NULL);
	if (c == 'h') {
		cli_usage_print(u, stdout);
		return CLI_OPT_HELP;
	}
	if (c == '?' || c == ':') {
		/* Inside a cluster of short flags getopt has not moved on yet. */
		const char *arg = optind == prev && optind < argc ? argv[optind] : argv[optind - 1];

		if (strcmp(arg, "--help") == 0) {
			cli_usage_print(u, stdout);
			return CLI_OPT_HELP;
		}
		if (c == ':')
			fprintf(stderr, "flag needs an argument: %s\n", arg);
		else if (optopt && strncmp(arg, "--", 2) != 0)
			fprintf(stderr, "unknown shorthand flag: '%c' in %s\n", optopt, arg);
		else
			fprintf(stderr, "unknown flag: %.*s\n", (int)strcspn(arg, "="), arg);
		fprintf(stderr, "See 'engine %s --help'.\n", u->command);
		return CLI_OPT_BAD;
	}
	return c;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	       const struct cli_usage *u)
{
	return getopt_common(argc, argv, shortopts, longopts, u, false);
}

int cli_getopt_mixed(int argc, char **argv, const char *shortopts, const struct option *longopts,
		     const struct cli_usage *u)
{
	return getopt_common(argc, argv, shortopts, longopts, u, true);
}

int cli_operands(int argc, char **argv, const struct cli_usage *u, int min, int max)
{
	int c, n;

	optind = 0; /* a fresh scan that may permute */
	while ((c = cli_getopt_mixed(argc, argv, NULL, NULL, u)) != CLI_OPT_END)
		return c == CLI_OPT_HELP ? 0 : -EXIT_ENGINE;
	n = argc - optind;
	if (n >= min && (max < 0 || n <= max))
		return optind;
	char what[64];

	if (min == max)
		snprintf(what, sizeof(what), "requires exactly %d argument%s.", min, min == 1 ? "" : "s");
	else if (n < min)
		snprintf(what, sizeof(what), "requires at least %d argument%s.", min, min == 1 ? "" : "s");
	else if (max == 0)
		snprintf(what, sizeof(what), "accepts no arguments.");
	else
		snprintf(what, sizeof(what), "requires at most %d argument%s.", max, max == 1 ? "" : "s");
	return -cli_args_error(u, what);
}
