/*
 * engine -H ADDR exec, as docker's CLI drives it: POST
 * /containers/{id}/exec, then /exec/{id}/start upgraded (or detached with
 * -d), stdin forwarded with -i (its end half-closes the connection), a TTY
 * with -t (the terminal raw, resized through /exec/{id}/resize at the
 * start and on SIGWINCH; the stream raw bytes, else 8-byte frames), and the
 * exit code from /exec/{id}/json.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "client/client.h"

static volatile sig_atomic_t winch;

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

/* @base: "/exec/ID" or "/containers/ID", whose resize endpoint it is. */
static void resize(const char *base)
{
	struct winsize ws;
	char path[256], *body = NULL;

	if (ioctl(1, TIOCGWINSZ, &ws) < 0 && ioctl(0, TIOCGWINSZ, &ws) < 0)
		return;
	if (!ws.ws_row || !ws.ws_col)
		return;
	snprintf(path, sizeof(path), "%s/resize?h=%u&w=%u", base, ws.ws_row, ws.ws_col);
	client_request("POST", path, NULL, &body, NULL); /* best effort, like docker's */
	free(body);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Docker's frames, fed in whatever pieces the stream gives. */
struct demux {
	unsigned char hdr[8];
	size_t hgot, left;
};

static void demux_feed(struct demux *m, const char *p, size_t n)
{
	while (n) {
		size_t k;

		if (m->hgot < 8) {
			k = 8 - m->hgot < n ? 8 - m->hgot : n;
			memcpy(m->hdr + m->hgot, p, k);
			m->hgot += k;
			p += k;
			n -= k;
			if (m->hgot == 8)
				m->left = (size_t)m->hdr[4] << 24 | (size_t)m->hdr[5] << 16 |
					  (size_t)m->hdr[6] << 8 | m->hdr[7];
			if (m->hgot == 8 && m->left == 0)
				m->hgot = 0;
			continue;
		}
		k = m->left < n ? m->left : n;
		write_all(m->hdr[0] == 2 ? 2 : 1, p, k);
		p += k;
		n -= k;
		m->left -= k;
		if (!m->left)
			m->hgot = 0;
	}
}

/* Relay until the daemon ends the stream. */
static void pump(client_stream *s, bool tty, bool use_stdin, const char *base)
{
	struct demux m = {{0}, 0, 0};
	bool in_open = use_stdin;
	char buf[32768];

	for (;;) {
		struct pollfd p[2] = {{.fd = client_stream_fd(s), .events = POLLIN},
				      {.fd = in_open ? 0 : -1, .events = POLLIN}};
		int n = client_stream_pending(s) ? 1 : poll(p, 2, -1);

		if (winch) {
			winch = 0;
			resize(base);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		if (client_stream_pending(s) || p[0].revents) {
			long r = client_stream_read_some(s, buf, sizeof(buf));

			if (r == 0 || r == -1)
				return;
			if (r > 0 && tty)
				write_all(1, buf, (size_t)r);
			else if (r > 0)
				demux_feed(&m, buf, (size_t)r);
			continue;
		}
		if (p[1].revents) {
			ssize_t r = read(0, buf, sizeof(buf));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0 || client_stream_write(s, buf, (size_t)r) < 0) {
				in_open = false;
				client_stream_close_write(s);
			}
		}
	}
}

static int exit_code(const char *id)
{
	char path[256], *body = NULL;
	json_object *o = NULL, *v;
	int code = 125;

	snprintf(path, sizeof(path), "/exec/%s/json", id);
	if (client_request("GET", path, NULL, &body, NULL) == 200 && (o = json_tokener_parse(body)) &&
	    json_object_object_get_ex(o, "ExitCode", &v) && v)
		code = json_object_get_int(v);
	if (o)
		json_object_put(o);
	free(body);
	return code;
}

int client_exec(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"interactive", no_argument, NULL, 'i'}, {"tty", no_argument, NULL, 't'},
	    {"detach", no_argument, NULL, 'd'},	     {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},  {"workdir", required_argument, NULL, 'w'},
	    {"privileged", no_argument, NULL, 'P'},  {NULL, 0, NULL, 0},
	};
	json_object *body = json_object_new_object(), *env = json_object_new_array(), *cmd, *o, *v;
	bool interactive = false, tty = false, detach = false;
	char path[1024], id[65] = "", *reply = NULL;
	client_stream *s = NULL;
	int c, st;

	optind = 0;
	while ((c = cli_getopt_long(argc, argv, "+itde:u:w:", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			interactive = true;
			break;
		case 't':
			tty = true;
			break;
		case 'd':
			detach = true;
			break;
		case 'e':
			json_object_array_add(env, json_object_new_string(optarg));
			break;
		case 'u':
			json_object_object_add(body, "User", json_object_new_string(optarg));
			break;
		case 'w':
			json_object_object_add(body, "WorkingDir", json_object_new_string(optarg));
			break;
		case 'P':
			json_object_object_add(body, "Privileged", json_object_new_boolean(1));
			break;
		default:
			json_object_put(body);
			json_object_put(env);
			return 125;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: engine -H ADDR exec [-i] [-t] [-d] [-e K=V] [-u USER] [-w DIR] "
				"CONTAINER CMD...\n");
		json_object_put(body);
		json_object_put(env);
		return 125;
	}
	if (tty && interactive && !detach && !isatty(0)) {
		fprintf(stderr, "the input device is not a TTY\n");
		json_object_put(body);
		json_object_put(env);
		return 1;
	}
	cmd = json_object_new_array();
	for (int i = optind + 1; i < argc; i++)
		json_object_array_add(cmd, json_object_new_string(argv[i]));
	json_object_object_add(body, "Cmd", cmd);
	json_object_object_add(body, "Env", env);
	json_object_object_add(body, "Tty", json_object_new_boolean(tty));
	json_object_object_add(body, "AttachStdin", json_object_new_boolean(interactive && !detach));
	json_object_object_add(body, "AttachStdout", json_object_new_boolean(!detach));
	json_object_object_add(body, "AttachStderr", json_object_new_boolean(!detach));
	snprintf(path, sizeof(path), "/containers/%s/exec", argv[optind]);
	st = client_request("POST", path, body, &reply, NULL);
	json_object_put(body);
	if (st == 201 && (o = json_tokener_parse(reply))) {
		if (json_object_object_get_ex(o, "Id", &v))
			snprintf(id, sizeof(id), "%s", json_object_get_string(v));
		json_object_put(o);
	} else if (st > 0) {
		fprintf(stderr, "Error response from daemon: %s\n", client_error_message(reply));
	}
	free(reply);
	if (!*id)
		return st == 404 ? 1 : 125;
	snprintf(path, sizeof(path), "/exec/%s/start", id);
	if (detach) {
		body = json_object_new_object();
		json_object_object_add(body, "Detach", json_object_new_boolean(1));
		json_object_object_add(body, "Tty", json_object_new_boolean(tty));
		st = client_request("POST", path, body, &reply, NULL);
		json_object_put(body);
		if (st >= 400)
			fprintf(stderr, "Error response from daemon: %s\n", client_error_message(reply));
		free(reply);
		return st >= 200 && st < 300 ? 0 : 125;
	}
	if (client_stream_open_body(
		path, tty ? "{\"Detach\":false,\"Tty\":true}" : "{\"Detach\":false,\"Tty\":false}", &s) < 0)
		return 125;
	snprintf(path, sizeof(path), "/exec/%s", id);
	client_relay(s, tty, interactive, path);
	client_stream_close(s);
	return exit_code(id);
}

void client_relay(client_stream *s, bool tty, bool use_stdin, const char *base)
{
	struct termios saved;
	struct sigaction sa, old;
	bool raw = false;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, &old);
	if (tty && use_stdin && tcgetattr(0, &saved) == 0) {
		struct termios t = saved;

		cfmakeraw(&t);
		raw = tcsetattr(0, TCSADRAIN, &t) == 0;
	}
	if (tty)
		resize(base);
	pump(s, tty, use_stdin, base);
	if (raw)
		tcsetattr(0, TCSADRAIN, &saved);
	sigaction(SIGWINCH, &old, NULL);
}
