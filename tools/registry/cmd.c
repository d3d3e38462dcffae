/* engine CLI: `engine registry serve`, the store as a registry until
 * SIGTERM or SIGINT. */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "registry/regserve.h"

static int min_level = 2;

static void log_line(int level, const char *msg)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	char ts[64];
	struct timespec now;
	struct tm tm;

	if (level > min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "time=\"%s.%09ldZ\" level=%s msg=\"%s\"\n", ts, now.tv_nsec,
		names[level < 0	  ? 0
		      : level > 3 ? 3
				  : level],
		msg);
}

static const struct cli_usage serve_usage = {
    "registry serve", "[OPTIONS]", "Serve the store's images over the OCI distribution API",
    "      --addr ADDR        Listen on host:port, or unix:///path (default " REGSERVE_DEFAULT_ADDR ");\n"
    "                         plain HTTP only on loopback addresses\n"
    "      --tls-cert FILE    TLS certificate (PEM)\n"
    "      --tls-key FILE     TLS private key (PEM)\n"
    "      --read-only        Refuse pushes\n"
    "      --allow-delete     Accept DELETE of manifests and blobs (skopeo delete)\n"
    "      --htpasswd FILE    Require Basic authentication (bcrypt entries, htpasswd -B)\n"
    "      --mirror-of URL    Pull-through cache of this registry\n"};

static int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {{"addr", required_argument, NULL, 'a'},
					     {"tls-cert", required_argument, NULL, 'c'},
					     {"tls-key", required_argument, NULL, 'k'},
					     {"read-only", no_argument, NULL, 'r'},
					     {"htpasswd", required_argument, NULL, 'p'},
					     {"mirror-of", required_argument, NULL, 'm'},
					     {"allow-delete", no_argument, NULL, 'D'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct regserve_config cfg = {.log = log_line};
	engine_context *ctx;
	regserve *rs = NULL;
	char err[1024], line[256];
	sigset_t set;
	int c, sig;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "h", opts, &serve_usage)) != CLI_OPT_END) {
		switch (c) {
		case 'a':
			cfg.addr = optarg;
			break;
		case 'c':
			cfg.tls_cert = optarg;
			break;
		case 'k':
			cfg.tls_key = optarg;
			break;
		case 'r':
			cfg.read_only = true;
			break;
		case 'D':
			cfg.allow_delete = true;
			break;
		case 'p':
			cfg.htpasswd = optarg;
			break;
		case 'm':
			cfg.mirror_of = optarg;
			break;
		case CLI_OPT_HELP:
			return 0;
		default:
			return 125;
		}
	}
	if (optind != argc)
		return cli_args_error(&serve_usage, "no arguments");
	if (cli_globals.debug || cli_globals.log_level >= ENGINE_LOG_DEBUG)
		min_level = 3;
	if (cli_open_context(&ctx) < 0)
		return 1;
	/* Only this thread takes the signals; the server's threads block them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (regserve_start(ctx, &cfg, &rs, err, sizeof(err)) < 0)
		return cli_failf(1, "registry serve: %s", err);
	if (regserve_port(rs))
		snprintf(line, sizeof(line), "listening on %s port %u%s%s",
			 cfg.addr ? cfg.addr : REGSERVE_DEFAULT_ADDR, regserve_port(rs),
			 cfg.mirror_of ? ", pull-through cache of " : "", cfg.mirror_of ? cfg.mirror_of : "");
	else
		snprintf(line, sizeof(line), "listening on %s", cfg.addr);
	log_line(2, line);
	for (;;) {
		if (sigwait(&set, &sig) != 0 || sig == SIGHUP)
			continue;
		break;
	}
	log_line(2, "shutting down");
	regserve_stop(rs);
	return 0;
}

static const struct cli_command registry_group[] = {
    {"serve", cmd_serve, "Serve the store as a registry (pulls, pushes, pull-through cache)"},
    {NULL, NULL, NULL},
};

static int cmd_registry(int argc, char **argv)
{
	static const struct cli_command *const tables[] = {registry_group, NULL};

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		FILE *f = argc < 2 ? stderr : stdout;

		fprintf(f, "Usage: engine registry COMMAND\n\nServe the store as a registry\n\nCommands:\n");
		cli_print_commands(registry_group);
		return argc < 2 ? 1 : 0;
	}
	optind = 0;
	return cli_dispatch(tables, argc - 1, argv + 1, "registry");
}

const struct cli_command cli_regserve_commands[] = {
    {"registry", cmd_registry, "Serve the store as a registry (registry serve)"},
    {NULL, NULL, NULL},
};
