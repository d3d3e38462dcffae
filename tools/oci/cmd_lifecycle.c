/*
 * engine-oci's lifecycle verbs: create, start, run, kill, delete, pause,
 * resume, with runc's flags. `create` leaves the container's process (our
 * child) waiting and exits: a subreaper above us (the shim) inherits it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/cli.h"

int oci_write_pid_file(const char *path, int pid)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return oci_fail("pid file %s: path too long", path);
	f = fopen(tmp, "we");
	if (!f)
		return oci_fail("pid file %s: %s", tmp, strerror(errno));
	fprintf(f, "%d", pid);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return oci_fail("pid file %s: %s", path, strerror(errno));
	}
	return 0;
}

static volatile sig_atomic_t forward_pid;

static void forward(int sig)
{
	if (forward_pid > 0)
		kill(forward_pid, sig);
}

int oci_wait_child(int pid)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	struct sigaction sa;
	int status = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	forward_pid = pid;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return oci_fail("wait for pid %d: %s", pid, strerror(errno));
	forward_pid = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int one_id(int argc, char **argv, const char *verb)
{
	if (optind + 1 != argc) {
		oci_fail("\"%s\" requires exactly 1 argument (the container id)", verb);
		return -1;
	}
	return optind;
}

/* create and run share their flags. */
static int create_or_run(int argc, char **argv, bool run)
{
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"pid-file", required_argument, NULL, 'p'},
	    {"console-socket", required_argument, NULL, 'c'},
	    {"preserve-fds", required_argument, NULL, 'P'},
	    {"no-pivot", no_argument, NULL, 'n'},
	    {"no-new-keyring", no_argument, NULL, 'k'},
	    {"detach", no_argument, NULL, 'd'},
	    {"keep", no_argument, NULL, 'K'},
	    {"no-subreaper", no_argument, NULL, 'S'},
	    {"notify-socket", required_argument, NULL, 'N'},
	    {NULL, 0, NULL, 0},
	};
	engine_oci_create_options o = ENGINE_OCI_CREATE_OPTIONS_INIT;
	const char *pid_file = NULL;
	bool detach = false, keep = false;
	engine_context *ctx;
	int c, pid = 0, r;
	long num;

	o.bundle = ".";
	while ((c = getopt_long_only(argc, argv, run ? "b:dk" : "b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o.bundle = optarg;
			break;
		case 'p':
			pid_file = optarg;
			break;
		case 'c':
			o.console_socket = optarg;
			break;
		case 'P':
			if (oci_parse_uint("--preserve-fds", optarg, 48, &num) != 0)
				return 1;
			o.preserve_fds = (int)num;
			break;
		case 'n':
			o.no_pivot = 1;
			break;
		case 'k':
			o.no_new_keyring = 1;
			break;
		case 'd':
			detach = true;
			break;
		case 'K':
			keep = true;
			break;
		case 'S':
		case 'N':
			break;
		default:
			return 1;
		}
	}
	if (one_id(argc, argv, run ? "run" : "create") < 0)
		return 1;
	o.start = run;
	if (!(ctx = oci_context()))
		return 1;
	r = engine_oci_create(ctx, argv[optind], &o, &pid);
	if (r < 0) {
		r = oci_fail_engine(run ? "run" : "create");
		engine_context_free(ctx);
		return r;
	}
	if (pid_file && oci_write_pid_file(pid_file, pid) != 0) {
		engine_oci_delete(ctx, argv[optind], 1);
		engine_context_free(ctx);
		return 1;
	}
	if (!run || detach) {
		engine_context_free(ctx);
		return 0;
	}
	r = oci_wait_child(pid);
	if (!keep && engine_oci_delete(ctx, argv[optind], 1) < 0)
		oci_fail_engine("delete");
	engine_context_free(ctx);
	return r;
}

int oci_cmd_create(int argc, char **argv)
{
	return create_or_run(argc, argv, false);
}

int oci_cmd_run(int argc, char **argv)
{
	return create_or_run(argc, argv, true);
}

/* A verb that takes just the id: start, pause, resume. */
static int simple(int argc, char **argv, const char *verb, int (*fn)(engine_context *, const char *))
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	engine_context *ctx;
	int r;

	while (getopt_long_only(argc, argv, "", opts, NULL) != -1)
		return 1;
	if (one_id(argc, argv, verb) < 0 || !(ctx = oci_context()))
		return 1;
	r = fn(ctx, argv[optind]) < 0 ? oci_fail_engine(verb) : 0;
	engine_context_free(ctx);
	return r;
}

int oci_cmd_start(int argc, char **argv)
{
	return simple(argc, argv, "start", engine_oci_start);
}

int oci_cmd_pause(int argc, char **argv)
{
	return simple(argc, argv, "pause", engine_oci_pause);
}

int oci_cmd_resume(int argc, char **argv)
{
	return simple(argc, argv, "resume", engine_oci_resume);
}

static int parse_signal(const char *s)
{
	char *end;
	long n;

	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	n = strtol(s, &end, 10);
	if (*s && !*end)
		return n > 0 && n < 65 ? (int)n : -1;
	for (int sig = 1; sig < 32; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && strcasecmp(abbrev, s) == 0)
			return sig;
	}
	if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
		long off = s[5] ? strtol(s + 5, &end, 10) : 0;

		if (*end)
			return -1;
		n = s[3] == 'I' || s[3] == 'i' ? SIGRTMIN + off : SIGRTMAX + off;
		return n >= SIGRTMIN && n <= SIGRTMAX ? (int)n : -1;
	}
	return -1;
}

int oci_cmd_kill(int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
	engine_context *ctx;
	int c, all = 0, sig = SIGTERM, r;

	while ((c = getopt_long_only(argc, argv, "a", opts, NULL)) != -1) {
		if (c != 'a')
			return 1;
		all = 1;
	}
	if (optind + 1 != argc && optind + 2 != argc)
		return oci_fail("\"kill\" requires the container id and an optional signal");
	if (optind + 2 == argc && (sig = parse_signal(argv[optind + 1])) < 0)
		return oci_fail("kill: unknown signal \"%s\"", argv[optind + 1]);
	if (!(ctx = oci_context()))
		return 1;
	r = engine_oci_kill(ctx, argv[optind], sig, all) < 0 ? oci_fail_engine("kill") : 0;
	engine_context_free(ctx);
	return r;
}

int oci_cmd_delete(int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	engine_context *ctx;
	int c, force = 0, r;

	while ((c = getopt_long_only(argc, argv, "f", opts, NULL)) != -1) {
		if (c != 'f')
			return 1;
		force = 1;
	}
	if (one_id(argc, argv, "delete") < 0 || !(ctx = oci_context()))
		return 1;
	r = engine_oci_delete(ctx, argv[optind], force);
	/* runc: deleting a container that is already gone with --force is fine. */
	if (r < 0 && force && engine_error_last()->code == ENGINE_ENOTFOUND)
		r = 0;
	r = r < 0 ? oci_fail_engine("delete") : 0;
	engine_context_free(ctx);
	return r;
}
