/* CLI plumbing shared by every command: context, errors, dispatch. */
#include <stdarg.h>
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

void cli_print_commands(const struct cli_command *table)
{
	for (const struct cli_command *c = table; c->name; c++)
		if (c->summary)
			printf("  %-10s %s\n", c->name, c->summary);
}
