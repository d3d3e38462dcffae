/*
 * engine-oci: an OCI runtime with runc's command line, as containerd's
 * shim (containerd-shim-runc-v2), dockerd and runtime-tools call it, over
 * the public API only (include/engine/oci.h). Global options, then a verb;
 * errors go to stderr and, for the shim, to --log as runc's JSON lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <engine.h>

#include "oci/cli.h"

struct oci_globals oci_g = {"/run/engine-oci", NULL, "text", 0, 0, NULL};

static void log_line(const char *level, const char *msg)
{
	FILE *f;
	char ts[64];
	time_t now = time(NULL);
	struct tm tm;

	if (!oci_g.log)
		return;
	f = fopen(oci_g.log, "ae");
	if (!f)
		return;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* Both as logrus writes them (runc's formats): msg quoted, escaped. */
	if (strcmp(oci_g.log_format, "json") == 0)
		fprintf(f, "{\"level\":\"%s\",\"msg\":\"", level);
	else
		fprintf(f, "time=\"%s\" level=%s msg=\"", ts, level);
	for (const char *c = msg; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c == '\n')
			fputs("\\n", f);
		else if ((unsigned char)*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	if (strcmp(oci_g.log_format, "json") == 0)
		fprintf(f, "\",\"time\":\"%s\"}\n", ts);
	else
		fputs("\"\n", f);
	fclose(f);
}

int oci_fail(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_line("error", msg);
	fprintf(stderr, "engine-oci: %s\n", msg);
	return 1;
}

int oci_fail_engine(const char *what)
{
	const engine_error *e = engine_error_last();

	return oci_fail("%s: %s", what, e && e->message[0] ? e->message : "failed");
}

void oci_debug(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (!oci_g.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_line("debug", msg);
}

/* The library's warnings (an ignored unknown property, a failed
 * poststart hook) go to --log and stderr like ours. */
static void library_log(int level, const char *message, void *payload)
{
	(void)payload;
	log_line(level <= ENGINE_LOG_ERROR  ? "error"
		 : level == ENGINE_LOG_WARN ? "warning"
					    : "debug",
		 message);
	if (level <= ENGINE_LOG_WARN)
		fprintf(stderr, "engine-oci: warning: %s\n", message);
}

int oci_parse_uint(const char *what, const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < 0 || v > max)
		return oci_fail("%s \"%s\": want a number from 0 to %ld", what, s, max);
	*out = v;
	return 0;
}

engine_context *oci_context(void)
{
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;

	o.root = oci_g.root;
	o.run_dir = oci_g.root;
	o.config_path = oci_g.config;
	o.log_level = oci_g.debug ? ENGINE_LOG_DEBUG : ENGINE_LOG_WARN;
	if (engine_context_new(&ctx, &o) < 0) {
		oci_fail_engine("open the state root");
		return NULL;
	}
	engine_context_set_log_callback(ctx, library_log, NULL);
	return ctx;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: engine-oci [global options] COMMAND [options] [ID] [ARG...]\n\n"
		   "An OCI runtime (runc's command line) on libengine.\n\n"
		   "Global options:\n"
		   "  --root DIR            state of the containers (default /run/engine-oci)\n"
		   "  --log FILE            where errors and debug lines go (besides stderr)\n"
		   "  --log-format FMT      text or json\n"
		   "  --debug               debug lines to the log\n"
		   "  --systemd-cgroup      cgroups through systemd (refused: no systemd here)\n"
		   "  --config FILE         engine config (\"cgroup-parent\", default engine)\n"
		   "  -v, --version         print the version\n\n"
		   "Commands:\n"
		   "  create, start, run, state, kill, delete, exec, pause, resume, ps, list,\n"
		   "  events, update, features, spec\n");
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
    {"create", oci_cmd_create}, {"start", oci_cmd_start},	{"run", oci_cmd_run},
    {"state", oci_cmd_state},	{"kill", oci_cmd_kill},		{"delete", oci_cmd_delete},
    {"exec", oci_cmd_exec},	{"pause", oci_cmd_pause},	{"resume", oci_cmd_resume},
    {"ps", oci_cmd_ps},		{"list", oci_cmd_list},		{"events", oci_cmd_events},
    {"update", oci_cmd_update}, {"features", oci_cmd_features}, {"spec", oci_cmd_spec},
};

/* The shallowest component of @path that does not exist (malloc'd), NULL
 * when it all exists. */
static char *first_missing(const char *path)
{
	char *p = strdup(path), *found = NULL;
	struct stat st;

	if (!p || stat(p, &st) == 0) {
		free(p);
		return NULL;
	}
	for (char *c = p + 1;; c++) {
		if (*c != '/' && *c)
			continue;
		char save = *c;

		*c = '\0';
		if (stat(p, &st) < 0) {
			found = strdup(p);
			break;
		}
		*c = save;
		if (!save)
			break;
	}
	free(p);
	return found;
}

/* rmdir @path and its parents up to @top, as far as they are empty. */
static void remove_made(const char *path, const char *top)
{
	char *p = strdup(path);

	while (p && strlen(p) >= strlen(top) && rmdir(p) == 0) {
		char *slash = strrchr(p, '/');

		if (!slash || slash == p)
			break;
		*slash = '\0';
	}
	free(p);
}

static bool systemd_running(void)
{
	struct stat st;

	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"log", required_argument, NULL, 'l'},
	    {"log-format", required_argument, NULL, 'f'},
	    {"debug", no_argument, NULL, 'D'},
	    {"systemd-cgroup", no_argument, NULL, 's'},
	    {"config", required_argument, NULL, 'c'},
	    {"version", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"criu", required_argument, NULL, 'C'},
	    {"rootless", required_argument, NULL, 'R'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	/* "+" stops at the verb: its options are its own. */
	while ((c = getopt_long_only(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			oci_g.root = optarg;
			break;
		case 'l':
			oci_g.log = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0)
				return oci_fail("--log-format \"%s\": want text or json", optarg);
			oci_g.log_format = optarg;
			break;
		case 'D':
			oci_g.debug = 1;
			break;
		case 's':
			oci_g.systemd_cgroup = 1;
			break;
		case 'c':
			oci_g.config = optarg;
			break;
		case 'C':
		case 'R':
			break; /* runc's: checkpointing is not supported, rootless is detected */
		case 'v':
			printf("engine-oci version %s\nspec: %s\n", engine_version(), "1.2.0");
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!getenv("ENGINE_OCI_NO_CONFIG") && !oci_g.config && getenv("ENGINE_OCI_CONFIG"))
		oci_g.config = getenv("ENGINE_OCI_CONFIG");
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	if (oci_g.systemd_cgroup && !systemd_running())
		return oci_fail(
		    "--systemd-cgroup: systemd is not running on this host (no /run/systemd/system); "
		    "use cgroupfs paths");
	if (oci_g.systemd_cgroup)
		return oci_fail(
		    "--systemd-cgroup: the systemd cgroup driver is not supported; use cgroupfs paths");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0) {
			char **sub = argv + optind;
			int n = argc - optind, r;
			bool creates = strcmp(sub[0], "create") == 0 || strcmp(sub[0], "run") == 0;
			char *missing = creates ? NULL : first_missing(oci_g.root);

			oci_debug("engine-oci %s", argv[optind]);
			optind = 1;
			r = commands[i].fn(n, sub);
			/* Only create and run make the state root (as runc): the
			 * shim's cleanup calls delete --force with a default root. */
			if (missing)
				remove_made(oci_g.root, missing);
			free(missing);
			return r;
		}
	return oci_fail("unknown command \"%s\"", argv[optind]);
}
