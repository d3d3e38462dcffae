/* engine CLI: registry commands (pull, push, login, logout) with Docker's
 * per-layer progress: redrawn lines on a terminal, plain lines otherwise. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "cli_util.h"

/* --- progress display -------------------------------------------------------- */

struct display {
	FILE *out; /* NULL: stdout */
	int tty;
	int quiet;
	char ids[256][13]; /* one terminal line per layer, in order of appearance */
	size_t n;
};

static void render(const engine_registry_event *ev, char *line, size_t size)
{
	if (ev->kind == ENGINE_REGISTRY_EVENT_PROGRESS && ev->total > 0) {
		char cur[32], tot[32], bar[52];
		int w = (int)(50 * ev->current / ev->total);
		if (w > 50)
			w = 50;
		memset(bar, '=', (size_t)w);
		if (w < 50)
			bar[w++] = '>';
		memset(bar + w, ' ', (size_t)(50 - w + 1));
		bar[50] = '\0';
		cli_format_size(ev->current, cur, sizeof(cur));
		cli_format_size(ev->total, tot, sizeof(tot));
		snprintf(line, size, "%s: %-11s [%s]  %s/%s", ev->id, ev->status, bar, cur, tot);
	} else {
		snprintf(line, size, "%s: %s", ev->id, ev->status);
	}
}

static void on_event(const engine_registry_event *ev, void *payload)
{
	struct display *d = payload;
	FILE *out = d->out ? d->out : stdout;
	char line[256];
	size_t i;

	if (d->quiet)
		return;
	if (!ev->id) {
		fprintf(out, "%s\n", ev->status);
		fflush(out);
		return;
	}
	if (!d->tty) {
		/* Byte counts and per-layer extraction would flood a log file. */
		if (ev->kind == ENGINE_REGISTRY_EVENT_PROGRESS ||
		    ev->kind == ENGINE_REGISTRY_EVENT_EXTRACTING)
			return;
		fprintf(out, "%s: %s\n", ev->id, ev->status);
		fflush(out);
		return;
	}
	for (i = 0; i < d->n; i++)
		if (strcmp(d->ids[i], ev->id) == 0)
			break;
	render(ev, line, sizeof(line));
	if (i == d->n) {
		if (d->n < sizeof(d->ids) / sizeof(d->ids[0]))
			snprintf(d->ids[d->n++], sizeof(d->ids[0]), "%s", ev->id);
		fprintf(out, "%s\n", line);
	} else {
		size_t up = d->n - i;
		/* Up to the layer's line, rewrite it, back down. */
		fprintf(out, "\033[%zuA\r\033[2K%s\r\033[%zuB", up, line, up);
	}
	fflush(out);
}

static void on_log(int level, const char *message, void *payload)
{
	(void)payload;
	if (level <= ENGINE_LOG_WARN)
		fprintf(stderr, "%s: %s\n", level == ENGINE_LOG_ERROR ? "Error" : "Warning", message);
}

static int open_with_progress(engine_context **ctx, struct display *d)
{
	if (cli_open_context(ctx) < 0)
		return -1;
	d->tty = isatty(d->out ? fileno(d->out) : STDOUT_FILENO);
	engine_registry_set_progress_callback(*ctx, on_event, d);
	/* Mirror fallbacks are warnings a user should see, like Docker's. */
	if (!cli_globals.debug)
		engine_context_set_log_callback(*ctx, on_log, NULL);
	return 0;
}

/* --- pull ---------------------------------------------------------------------- */

int cli_pull_for_run(const char *ref, const char *platform)
{
	engine_registry_pull_options po = ENGINE_REGISTRY_PULL_OPTIONS_INIT;
	struct display d = {0};
	engine_context *ctx;
	char *id = NULL;

	/* docker run shows the pull on stderr: stdout is the container's. */
	d.out = stderr;
	po.platform = platform;
	if (open_with_progress(&ctx, &d) < 0)
		return -1;
	if (engine_registry_pull(ctx, ref, &po, &id) < 0) {
		engine_registry_set_progress_callback(ctx, NULL, NULL);
		return -1;
	}
	engine_registry_set_progress_callback(ctx, NULL, NULL);
	engine_free(id);
	return 0;
}

static int cmd_pull(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"platform", required_argument, NULL, 'P'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	engine_registry_pull_options po = ENGINE_REGISTRY_PULL_OPTIONS_INIT;
	struct display d = {0};
	engine_context *ctx;
	char *normal = NULL, *id = NULL;
	int c;

	while ((c = cli_getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			po.platform = optarg;
			break;
		case 'q':
			d.quiet = 1;
			break;
		case 't':
			po.timeout = atoi(optarg);
			break;
		case 'h':
			printf("Usage: engine pull [--platform OS/ARCH] [-q] [--timeout SECONDS] "
			       "NAME[:TAG|@DIGEST]\n");
			return 0;
		default:
			return 1;
		}
	}
	if (optind != argc - 1)
		return cli_failf(1, "\"pull\" requires exactly one argument: NAME[:TAG|@DIGEST]");
	if (open_with_progress(&ctx, &d) < 0)
		return 1;
	if (engine_registry_reference_normalize(ctx, argv[optind], &normal) < 0)
		return cli_fail(1, NULL);
	if (!d.quiet && !strchr(argv[optind], '@') &&
	    !strchr(strrchr(argv[optind], '/') ? strrchr(argv[optind], '/') : argv[optind], ':'))
		printf("Using default tag: latest\n");
	if (engine_registry_pull(ctx, argv[optind], &po, &id) < 0) {
		engine_free(normal);
		return cli_fail(1, NULL);
	}
	printf("%s\n", normal);
	engine_free(normal);
	engine_free(id);
	return 0;
}

/* --- push ---------------------------------------------------------------------- */

static int cmd_push(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {"timeout", required_argument, NULL, 't'},
	    {"chunk-size", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	engine_registry_push_options po = ENGINE_REGISTRY_PUSH_OPTIONS_INIT;
	struct display d = {0};
	engine_context *ctx;
	char *digest = NULL;
	int c;

	while ((c = cli_getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			d.quiet = 1;
			break;
		case 't':
			po.timeout = atoi(optarg);
			break;
		case 'c':
			po.chunk_size = strtoll(optarg, NULL, 10);
			if (po.chunk_size <= 0)
				return cli_failf(1, "--chunk-size wants a positive number of bytes");
			break;
		case 'h':
			printf(
			    "Usage: engine push [-q] [--timeout SECONDS] [--chunk-size BYTES] NAME[:TAG]\n");
			return 0;
		default:
			return 1;
		}
	}
	if (optind != argc - 1)
		return cli_failf(1, "\"push\" requires exactly one argument: NAME[:TAG]");
	if (open_with_progress(&ctx, &d) < 0)
		return 1;
	if (engine_registry_push(ctx, argv[optind], &po, &digest) < 0)
		return cli_fail(1, NULL);
	if (d.quiet)
		printf("%s\n", digest);
	engine_free(digest);
	return 0;
}

/* --- login / logout ------------------------------------------------------------- */

static char *read_line(FILE *f, int echo)
{
	struct termios old, quiet;
	int restore = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!echo && isatty(fileno(f)) && tcgetattr(fileno(f), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fileno(f), TCSAFLUSH, &quiet) == 0;
	}
	n = getline(&line, &cap, f);
	if (restore) {
		tcsetattr(fileno(f), TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

static void wipe_free(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

static int cmd_login(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"username", required_argument, NULL, 'u'},
	    {"password", required_argument, NULL, 'p'},
	    {"password-stdin", no_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	engine_context *ctx;
	char *user = NULL, *pass = NULL;
	int from_stdin = 0, c, r;

	while ((c = cli_getopt_long(argc, argv, "u:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			free(user);
			user = strdup(optarg);
			break;
		case 'p':
			wipe_free(pass);
			pass = strdup(optarg);
			/* Keep it out of ps(1) as far as we can. */
			memset(optarg, 0, strlen(optarg));
			break;
		case 's':
			from_stdin = 1;
			break;
		case 'h':
			printf("Usage: engine login [-u USER] [-p PASSWORD | --password-stdin] [SERVER]\n");
			return 0;
		default:
			return 1;
		}
	}
	if (optind < argc - 1)
		return cli_failf(1, "\"login\" takes at most one SERVER argument");
	if (pass && from_stdin)
		return cli_failf(1, "--password and --password-stdin are mutually exclusive");
	if (pass)
		fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
	if (from_stdin && !user)
		return cli_failf(1, "Must provide --username with --password-stdin");
	if (!user) {
		fprintf(stderr, "Username: ");
		user = read_line(stdin, 1);
	}
	if (!pass && from_stdin) {
		pass = read_line(stdin, 1);
	} else if (!pass) {
		if (!isatty(STDIN_FILENO)) {
			free(user);
			return cli_failf(
			    1,
			    "cannot prompt for a password: stdin is not a terminal (use --password-stdin)");
		}
		fprintf(stderr, "Password: ");
		pass = read_line(stdin, 0);
	}
	if (!user || !*user || !pass) {
		free(user);
		wipe_free(pass);
		return cli_failf(1, "username and password are required");
	}
	if (cli_open_context(&ctx) < 0) {
		free(user);
		wipe_free(pass);
		return 1;
	}
	r = engine_registry_login(ctx, optind < argc ? argv[optind] : NULL, user, pass);
	free(user);
	wipe_free(pass);
	if (r < 0)
		return cli_fail(1, NULL);
	printf("Login Succeeded\n");
	return 0;
}

static int cmd_logout(int argc, char **argv)
{
	engine_context *ctx;
	const char *server = argc > 1 ? argv[1] : NULL;

	if (argc > 2)
		return cli_failf(1, "\"logout\" takes at most one SERVER argument");
	if (cli_open_context(&ctx) < 0)
		return 1;
	printf("Removing login credentials for %s\n", server ? server : "the default registry");
	if (engine_registry_logout(ctx, server) < 0) {
		if (engine_error_last()->code == ENGINE_ENOTFOUND) {
			printf("Not logged in to %s\n", server ? server : "the default registry");
			return 0;
		}
		return cli_fail(1, NULL);
	}
	return 0;
}

const struct cli_command cli_registry_commands[] = {
    {"pull", cmd_pull, "Download an image from a registry (mirrors first)"},
    {"push", cmd_push, "Upload an image to a registry"},
    {"login", cmd_login, "Store credentials for a registry"},
    {"logout", cmd_logout, "Forget the credentials for a registry"},
    {NULL, NULL, NULL},
};
