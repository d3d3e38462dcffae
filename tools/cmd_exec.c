/* engine CLI: exec, like docker exec: -i forwards stdin (its end is the
 * process's EOF), -t gives the process a pty of the container's devpts
 * (the terminal in raw mode, its size followed on SIGWINCH), -d starts it
 * and returns. The process's stdio is the engine's pipes or pty, relayed
 * here: no fd or terminal of the caller reaches the container. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "cli_stream.h"

static volatile sig_atomic_t winch;

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

static void resize(engine_exec *x)
{
	unsigned rows, cols;

	if (cli_terminal_size(&rows, &cols))
		engine_exec_resize(x, rows, cols); /* best effort, like docker's */
}

/* Copy @from to @to; false at its end (EOF, or EIO: a pty whose other
 * side is gone). */
static bool relay(int from, int to)
{
	char buf[32768];
	ssize_t n;

	do
		n = read(from, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return true;
	if (n <= 0)
		return false;
	cli_write_all(to, buf, (size_t)n); /* a closed stdout only loses output */
	return true;
}

/* Relay until the output ends, or the process is gone and its output drained. */
static void pump(engine_exec *x, bool use_stdin)
{
	int out[2] = {engine_exec_fd(x, 1), engine_exec_fd(x, 2)};
	bool in_open = use_stdin && engine_exec_fd(x, 0) >= 0;

	for (int i = 0; i < 2; i++)
		if (out[i] >= 0)
			fcntl(out[i], F_SETFL, fcntl(out[i], F_GETFL) | O_NONBLOCK);
	while (out[0] >= 0 || out[1] >= 0) {
		struct pollfd p[3] = {{.fd = out[0], .events = POLLIN},
				      {.fd = out[1], .events = POLLIN},
				      {.fd = in_open ? 0 : -1, .events = POLLIN}};
		engine_exec_state st = ENGINE_EXEC_STATE_INIT;
		int n = poll(p, 3, 200);

		if (winch) {
			winch = 0;
			resize(x);
		}
		if (n < 0 && errno != EINTR)
			break;
		if (n == 0) {
			/* Something it left behind may hold the pipes or the pty. */
			if (engine_exec_inspect(x, &st) == 0 && !st.running)
				break;
			continue;
		}
		for (int i = 0; i < 2 && n > 0; i++)
			if (p[i].revents && !relay(out[i], i + 1))
				out[i] = -1;
		if (n > 0 && p[2].revents) {
			char buf[32768];
			ssize_t r = read(0, buf, sizeof(buf));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0 || cli_write_all(engine_exec_fd(x, 0), buf, (size_t)r) < 0) {
				in_open = false;
				engine_exec_close_stdin(x);
			}
		}
	}
}

static const struct cli_usage exec_usage = {
    "exec", "[OPTIONS] CONTAINER COMMAND [ARG...]", "Execute a command in a running container",
    "  -d, --detach               Detached mode: run command in the background\n"
    "  -e, --env list             Set environment variables\n"
    "  -i, --interactive          Keep STDIN open even if not attached\n"
    "      --privileged           Give extended privileges to the command\n"
    "  -t, --tty                  Allocate a pseudo-TTY\n"
    "  -u, --user string          Username or UID (format: \"<name|uid>[:<group|gid>]\")\n"
    "  -w, --workdir string       Working directory inside the container\n"};

int cli_exec(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},
	    {"workdir", required_argument, NULL, 'w'},
	    {"interactive", no_argument, NULL, 'i'},
	    {"tty", no_argument, NULL, 't'},
	    {"detach", no_argument, NULL, 'd'},
	    {"privileged", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	engine_exec_config cfg = ENGINE_EXEC_CONFIG_INIT;
	engine_exec_start_options so = ENGINE_EXEC_START_OPTIONS_INIT;
	engine_exec_state st = ENGINE_EXEC_STATE_INIT;
	char **env = calloc((size_t)argc, sizeof(char *));
	size_t n_env = 0;
	int c, detach = 0, status = 0, raw = 0;
	engine_context *ctx;
	engine_container *ct = NULL;
	engine_exec *x = NULL;
	struct termios saved;
	struct sigaction sa, old_winch;

	if (!env)
		return EXIT_ENGINE;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "+e:u:w:itd", lo, &exec_usage)) != CLI_OPT_END) {
		switch (c) {
		case 'e':
			env[n_env++] = optarg;
			break;
		case 'u':
			cfg.user = optarg;
			break;
		case 'w':
			cfg.working_dir = optarg;
			break;
		case 'i':
			cfg.open_stdin = 1;
			break;
		case 't':
			cfg.tty = 1;
			break;
		case 'd':
			detach = 1;
			break;
		case 'P':
			cfg.privileged = 1;
			break;
		default:
			free(env);
			return c == CLI_OPT_HELP ? 0 : EXIT_ENGINE;
		}
	}
	if (argc - optind < 2) {
		free(env);
		return cli_args_error(&exec_usage, "requires at least 2 arguments");
	}
	if (cfg.tty && cfg.open_stdin && !detach && !isatty(0)) {
		free(env);
		return cli_failf(1, "the input device is not a TTY");
	}
	if (cli_open_context(&ctx) < 0 || engine_container_open(ctx, argv[optind], &ct) < 0) {
		free(env);
		return cli_fail(1, NULL);
	}
	cfg.argv = (engine_strarray){argv + optind + 1, (size_t)(argc - optind - 1)};
	cfg.env = (engine_strarray){env, n_env};
	if (cfg.tty)
		cli_terminal_size(&cfg.tty_rows, &cfg.tty_cols);
	if (engine_exec_create(ct, &cfg, &x) < 0) {
		status = cli_fail(1, NULL);
		goto out;
	}
	so.detach = detach;
	if (engine_exec_start(x, &so) < 0) {
		/* docker exec: 126 when the command cannot run, 127 when missing. */
		cli_fail(EXIT_ENGINE, NULL);
		status = engine_exec_inspect(x, &st) == 0 && st.exit_code > 0 ? st.exit_code : EXIT_ENGINE;
		goto out;
	}
	if (detach)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, &old_winch);
	if (cfg.tty && cfg.open_stdin && tcgetattr(0, &saved) == 0) {
		struct termios t = saved;

		cfmakeraw(&t);
		raw = tcsetattr(0, TCSADRAIN, &t) == 0;
	}
	pump(x, cfg.open_stdin);
	if (raw)
		tcsetattr(0, TCSADRAIN, &saved);
	sigaction(SIGWINCH, &old_winch, NULL);
	if (engine_exec_wait(x, -1, &status) < 0)
		status = cli_fail(EXIT_ENGINE, NULL);
out:
	engine_exec_free(x);
	engine_container_free(ct);
	free(env);
	return status;
}
