/* The engine CLI entry point: global options, then one verb. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client/client.h"

static const struct cli_command *const all_tables[] = {
    cli_image_commands,	    cli_image_io_commands, cli_container_commands,
    cli_lifecycle_commands, cli_ps_commands,	   cli_manage_commands,
    cli_attach_commands,    cli_build_commands,	   cli_registry_commands,
    cli_system_commands,    cli_daemon_commands,   cli_network_commands,
    cli_regserve_commands,  cli_info_commands,	   cli_history_commands,
    cli_events_commands,    cli_volume_commands,   NULL,
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: engine [OPTIONS] COMMAND [ARG...]\n\n"
		   "An embeddable container engine.\n\n"
		   "Options:\n"
		   "  --root DIR        engine root (default " ENGINE_DEFAULT_ROOT ";\n"
		   "                    not root: $XDG_DATA_HOME/engine or ~/.local/share/engine)\n"
		   "  --config FILE     JSON config file (registry mirrors, ...)\n"
		   "  --log-level LVL   error, warn, info, debug\n"
		   "  -D, --debug       log to stderr as JSON lines\n"
		   "  -H, --host ADDR   talk to a daemon (engine daemon or dockerd) at unix:///path or\n"
		   "                    tcp://host:port instead of using the library (also ENGINE_HOST)\n"
		   "  --tls, --tlsverify, --tlscacert FILE, --tlscert FILE, --tlskey FILE\n"
		   "                    TLS to a tcp:// daemon, like docker's flags\n"
		   "  -v, --version     print the version\n\n"
		   "Environment:\n"
		   "  ENGINE_ROOT       the engine root when --root is not given\n"
		   "  ENGINE_CONFIG     the config file when --config is not given\n"
		   "  ENGINE_HOST       the daemon address when -H is not given\n\n"
		   "Commands:\n");
	for (size_t t = 0; all_tables[t]; t++)
		cli_print_commands_to(f, all_tables[t]);
	fprintf(f, "\nRun 'engine COMMAND --help' for more information on a command.\n");
}

static int parse_level(const char *s)
{
	static const char *names[] = {"error", "warn", "info", "debug", "trace"};

	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"config", required_argument, NULL, 'c'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"debug", no_argument, NULL, 'D'},
	    {"version", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"host", required_argument, NULL, 'H'},
	    {"tls", no_argument, NULL, 1},
	    {"tlsverify", no_argument, NULL, 2},
	    {"tlscacert", required_argument, NULL, 3},
	    {"tlscert", required_argument, NULL, 4},
	    {"tlskey", required_argument, NULL, 5},
	    {NULL, 0, NULL, 0},
	};
	int c;

	/* "+" stops at the first non-option: the verb owns what follows. */
	while ((c = cli_getopt_long(argc, argv, "+DvhH:", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			cli_globals.root = optarg;
			break;
		case 'c':
			cli_globals.config = optarg;
			break;
		case 'l':
			cli_globals.log_level = parse_level(optarg);
			if (cli_globals.log_level < 0)
				return cli_failf(1, "unknown log level \"%s\"", optarg);
			break;
		case 'D':
			cli_globals.debug = 1;
			cli_globals.log_level = ENGINE_LOG_DEBUG;
			break;
		case 'v':
			printf("engine version %s\n", engine_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case 'H':
			client_opts.host = optarg;
			break;
		case 1:
			client_opts.tls = true;
			break;
		case 2:
			client_opts.tlsverify = true;
			break;
		case 3:
			client_opts.tlscacert = optarg;
			break;
		case 4:
			client_opts.tlscert = optarg;
			break;
		case 5:
			client_opts.tlskey = optarg;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	/* Each verb runs its own getopt from a clean state. */
	argc -= optind;
	argv += optind;
	optind = 0;
	if (!cli_globals.root && getenv("ENGINE_ROOT") && *getenv("ENGINE_ROOT"))
		cli_globals.root = getenv("ENGINE_ROOT");
	if (!cli_globals.config && getenv("ENGINE_CONFIG") && *getenv("ENGINE_CONFIG"))
		cli_globals.config = getenv("ENGINE_CONFIG");
	if (!client_opts.host && getenv("ENGINE_HOST") && *getenv("ENGINE_HOST"))
		client_opts.host = getenv("ENGINE_HOST");
	/* A daemon address makes this a client (the daemon itself excepted). */
	if (client_opts.host && strcmp(argv[0], "daemon") != 0)
		return client_dispatch(argc, argv);
	return cli_dispatch(all_tables, argc, argv, "engine");
}
