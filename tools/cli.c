/* CLI plumbing shared by every command: context, errors, dispatch, and
 * getopt with docker's --flag=true|false for boolean flags. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
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
	c = cli_getopt_long(argc, argv, spec, longopts ? longopts : help_only, NULL);
	if (c == '?' && cli_bad_bool) {
		fprintf(stderr, "See 'engine %s --help'.\n", u->command);
		return CLI_OPT_BAD;
	}
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

/* --- boolean flags with a value ----------------------------------------- */

/* Go's strconv.ParseBool, which docker's flags use. */
int cli_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

	for (size_t i = 0; s && i < 6; i++) {
		if (strcmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

bool cli_optarg_bool(const char *arg)
{
	bool v = true;

	return !arg || cli_parse_bool(arg, &v) < 0 || v;
}

bool cli_bad_bool;

static const struct option no_longopts[] = {{NULL, 0, NULL, 0}};
/* The element whose flag a "=false" turned off: getopt's answer for it is dropped. */
static const char *swallow;
/* Rewritten elements ("-p=0" as "--pause=false"), kept for argv's lifetime. */
static char *rewritten[16];
static size_t n_rewritten;

static const struct option *long_by_name(const struct option *lo, const char *name, size_t len)
{
	const struct option *found = NULL;
	int matches = 0;

	for (; lo->name; lo++) {
		if (strlen(lo->name) == len && strncmp(lo->name, name, len) == 0)
			return lo;
		if (strncmp(lo->name, name, len) == 0)
			found = lo, matches++;
	}
	return matches == 1 ? found : NULL; /* getopt_long's unique abbreviations */
}

static const struct option *long_by_val(const struct option *lo, int val)
{
	for (; lo->name; lo++)
		if (!lo->flag && lo->val == val)
			return lo;
	return NULL;
}

/* A short flag of @spec that takes no argument. */
static bool short_bool(const char *spec, char c)
{
	const char *p = c && c != ':' && c != '+' ? strchr(spec, c) : NULL;

	return p && p[1] != ':';
}

static int bad_bool(const char *shown_short, const char *shown_long, const char *value)
{
	fprintf(stderr,
		"invalid argument \"%s\" for \"%s%s%s%s\" flag: strconv.ParseBool: parsing \"%s\": "
		"invalid syntax\n",
		value, shown_short ? "-" : "", shown_short ? shown_short : "",
		shown_short && shown_long ? ", --"
		: shown_long		  ? "--"
					  : "",
		shown_long ? shown_long : "", value);
	cli_bad_bool = true;
	return -1;
}

/* The next element getopt will look at, if it is an option. */
static int next_option(int argc, char **argv, const char *spec)
{
	int j = optind ? optind : 1;

	while (spec[0] != '+' && j < argc && (argv[j][0] != '-' || !argv[j][1]))
		j++;
	if (j >= argc || argv[j][0] != '-' || !argv[j][1] || strcmp(argv[j], "--") == 0)
		return -1;
	return j;
}

/* docker's --flag=true|false and -f=true|false for a boolean flag: the
 * element rewritten so that getopt takes it ("--rm=true" as "--rm"; a
 * flag whose long form takes an optional value, "-p=0" as
 * "--pause=false"); a false flag that takes no value is dropped (left at
 * its default). -1 after a value that is not a boolean. */
static int bool_value(int argc, char **argv, const char *spec, const struct option *lo)
{
	int j = next_option(argc, argv, spec);
	char *a = j < 0 ? NULL : argv[j], *eq = a ? strchr(a, '=') : NULL;
	const struct option *o = NULL;
	char shown[2] = "";
	bool v;

	if (!eq)
		return 0;
	if (a[1] == '-') {
		o = long_by_name(lo, a + 2, (size_t)(eq - a - 2));
		if (!o || o->has_arg == required_argument)
			return 0;
		if (cli_parse_bool(eq + 1, &v) < 0)
			return bad_bool(NULL, o->name, eq + 1);
		if (o->has_arg == optional_argument)
			return 0; /* the command reads it (cli_optarg_bool) */
	} else {
		/* A cluster of flags without arguments, the last one valued. */
		for (const char *c = a + 1; c < eq; c++)
			if (!short_bool(spec, *c))
				return 0;
		if (eq == a + 1)
			return 0;
		shown[0] = eq[-1];
		o = long_by_val(lo, eq[-1]);
		if (cli_parse_bool(eq + 1, &v) < 0)
			return bad_bool(shown, o ? o->name : NULL, eq + 1);
		if (o && o->has_arg == optional_argument && eq == a + 2 &&
		    n_rewritten < sizeof(rewritten) / sizeof(rewritten[0]) &&
		    asprintf(&rewritten[n_rewritten], "--%s=%s", o->name, v ? "true" : "false") > 0) {
			argv[j] = rewritten[n_rewritten++];
			return 0;
		}
		if (!v && eq > a + 2) {
			eq[-1] = '\0'; /* "-it=false": -i */
			return 0;
		}
	}
	*eq = '\0';
	if (!v)
		swallow = a;
	return 0;
}

/* An occurrence of a boolean flag: element @j, at @ci in a cluster of
 * short flags (0: the whole element is the flag). */
struct bool_occ {
	int j, ci;
	long key;
	const struct option *o;
	bool v;
};

static char *remember(char *s)
{
	if (!s || n_rewritten >= sizeof(rewritten) / sizeof(rewritten[0])) {
		free(s);
		return NULL;
	}
	return rewritten[n_rewritten++] = s;
}

/* Turn an earlier "true" of a flag that a later "false" overrides into a
 * no-op: "--rm" as "--rm=false", "-t" as "-t=false", "-it" as "-i". */
static void neutralize(char **argv, const struct bool_occ *b)
{
	char *a = argv[b->j], *s = NULL, *eq = strchr(a, '=');

	if (b->ci == 0) {
		if (asprintf(&s, "--%s=false", b->o->name) > 0 && remember(s))
			argv[b->j] = s;
	} else if ((eq ? eq - a : (long)strlen(a)) == 2) {
		if (asprintf(&s, "-%c=false", a[1]) > 0 && remember(s))
			argv[b->j] = s;
	} else {
		memmove(a + b->ci, a + b->ci + 1, strlen(a + b->ci));
	}
}

/* Go's flag packages let the last occurrence of a flag win ("--rm
 * --rm=false" is false); getopt's callers only ever set a boolean, so a
 * "true" that a later "false" overrides is rewritten into a no-op before
 * getopt sees it. Flags with an optional value (default-true ones) are
 * read in order by the command and need nothing. */
static void last_wins(int argc, char **argv, const char *spec, const struct option *lo)
{
	struct bool_occ occ[64];
	size_t n = 0;
	bool permute = spec[0] != '+';

	for (int j = 1; j < argc && n < 64; j++) {
		char *a = argv[j], *eq = strchr(a, '=');

		if (strcmp(a, "--") == 0)
			break;
		if (a[0] != '-' || !a[1]) {
			if (!permute)
				break;
			continue;
		}
		if (a[1] == '-') {
			const struct option *o =
			    long_by_name(lo, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			bool v = true;

			if (!o || o->has_arg == optional_argument)
				continue;
			if (o->has_arg == required_argument) {
				j += !eq;
				continue;
			}
			if (eq && cli_parse_bool(eq + 1, &v) < 0)
				continue;
			occ[n++] = (struct bool_occ){j, 0, o->flag ? (long)(intptr_t)o : o->val, o, v};
			continue;
		}
		for (char *p = a + 1; *p && p != eq && n < 64; p++) {
			const char *s = *p != ':' && *p != '+' ? strchr(spec, *p) : NULL;
			bool v = true;

			if (!s)
				break;
			if (s[1] == ':') {
				j += !p[1] && s[2] != ':';
				break;
			}
			if (eq && p + 1 == eq && cli_parse_bool(eq + 1, &v) < 0)
				break;
			occ[n++] = (struct bool_occ){j, (int)(p - a), *p, long_by_val(lo, *p), v};
		}
	}
	/* Last to first, so a cluster's earlier indexes stay valid. */
	for (size_t i = n; i-- > 0;) {
		bool overridden = false;

		if (!occ[i].v)
			continue;
		for (size_t k = i + 1; k < n && !overridden; k++)
			overridden = occ[k].key == occ[i].key && !occ[k].v;
		if (overridden && (occ[i].ci || occ[i].o))
			neutralize(argv, &occ[i]);
	}
}

int cli_getopt_long(int argc, char **argv, const char *spec, const struct option *longopts, int *longindex)
{
	static char **prepared;

	const struct option *lo = longopts ? longopts : no_longopts;
	int c;

	cli_bad_bool = false;
	if (argv != prepared || optind <= 1) {
		last_wins(argc, argv, spec, lo);
		prepared = argv;
	}
	for (;;) {
		if (bool_value(argc, argv, spec, lo) < 0) {
			optind = next_option(argc, argv, spec) + 1;
			return '?';
		}
		c = getopt_long(argc, argv, spec, lo, longindex);
		if (c != -1 && swallow && optind > 0 && argv[optind - 1] == swallow) {
			swallow = NULL;
			continue;
		}
		return c;
	}
}
