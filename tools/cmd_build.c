/* engine CLI: `engine build`, printing Docker's classic builder output. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_util.h"

struct printer {
	int quiet;
};

static const char *short_id(const char *id)
{
	const char *colon = strchr(id, ':');

	return colon ? colon + 1 : id;
}

static void on_event(const engine_build_event *ev, void *payload)
{
	const struct printer *p = payload;

	if (ev->kind == ENGINE_BUILD_EVENT_WARNING) {
		fprintf(p->quiet ? stderr : stdout, "%s\n", ev->text);
		return;
	}
	if (p->quiet)
		return;
	switch (ev->kind) {
	case ENGINE_BUILD_EVENT_STEP:
		printf("Step %d/%d : %s\n", ev->step, ev->total, ev->text);
		break;
	case ENGINE_BUILD_EVENT_CACHED:
		printf(" ---> Using cache\n");
		break;
	case ENGINE_BUILD_EVENT_RUNNING:
		printf(" ---> Running in %.12s\n", ev->text);
		break;
	case ENGINE_BUILD_EVENT_OUTPUT:
		printf("%s\n", ev->text);
		break;
	case ENGINE_BUILD_EVENT_REMOVED:
		printf("Removing intermediate container %.12s\n", ev->text);
		break;
	case ENGINE_BUILD_EVENT_STEP_DONE:
		printf(" ---> %.12s\n", short_id(ev->text));
		break;
	case ENGINE_BUILD_EVENT_BUILT:
		printf("Successfully built %.12s\n", short_id(ev->text));
		break;
	case ENGINE_BUILD_EVENT_TAGGED: {
		/* Docker prints the normalised reference ("app" -> "app:latest"). */
		const char *slash = strrchr(ev->text, '/');
		const char *last = slash ? slash + 1 : ev->text;

		printf("Successfully tagged %s%s\n", ev->text,
		       strchr(last, ':') || strchr(ev->text, '@') ? "" : ":latest");
		break;
	}
	}
	fflush(stdout);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: engine build [OPTIONS] PATH\n\n"
		   "Build an image from a Dockerfile.\n\n"
		   "Options:\n"
		   "  -t, --tag NAME:TAG      name the image (repeatable)\n"
		   "  -f, --file PATH         the Dockerfile (default PATH/Dockerfile; - for stdin)\n"
		   "      --build-arg K=V     set a build-time variable (K alone: from the environment)\n"
		   "      --target STAGE      build up to this stage\n"
		   "      --no-cache          do not use the cache\n"
		   "      --network MODE      network for RUN: none (default) or host\n"
		   "  -q, --quiet             print only the image ID\n");
}

/* Docker exits with the failed RUN's status. */
static int exit_status(const char *message)
{
	const char *p = strstr(message, "returned a non-zero code: ");
	int code;

	if (!p)
		return 1;
	code = atoi(p + strlen("returned a non-zero code: "));
	return code > 0 && code < 256 ? code : 1;
}

static int push(engine_strarray *a, const char *s)
{
	char **v = realloc(a->strings, (a->count + 2) * sizeof(char *));

	if (!v)
		return -1;
	a->strings = v;
	v[a->count++] = (char *)s;
	v[a->count] = NULL;
	return 0;
}

static int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"tag", required_argument, NULL, 't'},
	    {"file", required_argument, NULL, 'f'},
	    {"build-arg", required_argument, NULL, 'a'},
	    {"target", required_argument, NULL, 'T'},
	    {"no-cache", no_argument, NULL, 'n'},
	    {"network", required_argument, NULL, 'N'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	engine_build_options o = ENGINE_BUILD_OPTIONS_INIT;
	struct printer p = {0};
	engine_context *ctx;
	char *id = NULL, **owned = NULL;
	size_t n_owned = 0;
	int c, r, status = 0;

	optind = 1;
	while ((c = cli_getopt_long(argc, argv, "t:f:qh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (push(&o.tags, optarg) < 0)
				return cli_failf(1, "out of memory");
			break;
		case 'f':
			o.dockerfile = optarg;
			break;
		case 'a':
			if (!strchr(optarg, '=')) {
				/* "--build-arg K" takes K from the environment, or is skipped. */
				const char *v = getenv(optarg);
				char *kv, **no;

				if (!v)
					break;
				if (asprintf(&kv, "%s=%s", optarg, v) < 0 ||
				    !(no = realloc(owned, (n_owned + 1) * sizeof(char *))))
					return cli_failf(1, "out of memory");
				owned = no;
				owned[n_owned++] = kv;
				optarg = kv;
			}
			if (push(&o.build_args, optarg) < 0)
				return cli_failf(1, "out of memory");
			break;
		case 'T':
			o.target = optarg;
			break;
		case 'n':
			o.no_cache = 1;
			break;
		case 'N':
			o.network = optarg;
			break;
		case 'q':
			p.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return cli_failf(1, "\"engine build\" requires exactly 1 argument");
	}
	/* "-f -": the Dockerfile comes from stdin; the builder reads it once,
	 * to its end, so no copy in a temp file (in a shared /tmp) is needed. */
	if (o.dockerfile && strcmp(o.dockerfile, "-") == 0)
		o.dockerfile = "/dev/stdin";
	/* Like docker, a relative -f is relative to the current directory. */
	if (o.dockerfile && o.dockerfile[0] != '/') {
		char *cwd = getcwd(NULL, 0), *abs = NULL, **no;

		if (!cwd || asprintf(&abs, "%s/%s", cwd, o.dockerfile) < 0 ||
		    !(no = realloc(owned, (n_owned + 1) * sizeof(char *)))) {
			free(cwd);
			return cli_failf(1, "out of memory");
		}
		free(cwd);
		owned = no;
		owned[n_owned++] = abs;
		o.dockerfile = abs;
	}
	if (cli_open_context(&ctx) < 0)
		status = 1;
	else if ((r = engine_build(ctx, argv[optind], &o, on_event, &p, &id)) < 0) {
		const char *msg = engine_error_last()->message;

		/* A failed RUN is reported as Docker does, without a prefix. */
		if (strstr(msg, "returned a non-zero code: "))
			fprintf(stderr, "%s\n", msg);
		else
			cli_fail(1, NULL);
		status = exit_status(msg);
	} else if (p.quiet) {
		printf("%s\n", id);
	}
	engine_free(id);
	free(o.tags.strings);
	free(o.build_args.strings);
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	free(owned);
	return status;
}

/* `engine builder prune [-a] [-f]`: forget cache entries whose images are
 * gone (the cache holds no layers of its own, so -a removes no more). */
static int builder_prune(int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
					     {"force", no_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	static const struct cli_usage u = {
	    "builder prune", "[OPTIONS]", "Remove build cache",
	    "  -a, --all     Remove all unused build cache, not just dangling ones\n"
	    "  -f, --force   Do not prompt for confirmation\n"};
	engine_context *ctx;
	int64_t removed = 0;
	bool force = false;
	int c;

	optind = 0; /* a fresh scan that may permute */
	while ((c = cli_getopt_mixed(argc, argv, "af", opts, &u)) != CLI_OPT_END) {
		if (c == 'f')
			force = true;
		else if (c != 'a')
			return c == CLI_OPT_HELP ? 0 : EXIT_ENGINE;
	}
	if (optind < argc)
		return cli_args_error(&u, "accepts no arguments.");
	if (!force && !cli_confirm("WARNING! This will remove all dangling build cache."))
		return 0;
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (engine_build_cache_prune(ctx, &removed) < 0)
		return cli_fail(1, "builder prune");
	printf("Deleted build cache entries: %lld\n", (long long)removed);
	return 0;
}

static int cmd_builder(int argc, char **argv)
{
	static const struct cli_command group[] = {{"prune", builder_prune, "Remove build cache"},
						   {NULL, NULL, NULL}};
	static const struct cli_command *const tables[] = {group, NULL};

	return cli_group(argc, argv, "Manage builds", tables);
}

const struct cli_command cli_build_commands[] = {
    {"build", cmd_build, "Build an image from a Dockerfile"},
    {"builder", cmd_builder, "Manage the build cache (prune)"},
    {NULL, NULL, NULL},
};
