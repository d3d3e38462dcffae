/*
 * Client commands (engine -H ADDR ...): version, ps, images, inspect, logs,
 * start, stop, kill, rm, wait, port, run (run.c) and exec (exec.c), with Docker's
 * flags and exit codes, as requests to the daemon's Docker Engine API.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <engine.h>

#include "cli_util.h"
#include "cli.h"
#include "client/client.h"

/* GET @path into a JSON value; prints the daemon's error and returns NULL. */
static json_object *get_json(const char *path)
{
	char *body = NULL;
	int st = client_request("GET", path, NULL, &body, NULL);
	json_object *o = NULL;

	if (st == 200)
		o = json_tokener_parse(body);
	else if (st > 0)
		fprintf(stderr, "Error response from daemon: %s\n", client_error_message(body));
	free(body);
	return o;
}

/* A request whose reply has no body worth showing; 0 or 1 (error printed). */
static int simple(const char *method, const char *path)
{
	char *body = NULL;
	int st = client_request(method, path, NULL, &body, NULL);
	int r = st >= 200 && st < 400 ? 0 : 1;

	if (st >= 400)
		fprintf(stderr, "Error response from daemon: %s\n", client_error_message(body));
	free(body);
	return r;
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v;

	return o && json_object_object_get_ex(o, k, &v) && json_object_get_string(v)
		   ? json_object_get_string(v)
		   : "";
}

static int cmd_version(int argc, char **argv)
{
	json_object *o = get_json("/version");

	(void)argc;
	(void)argv;
	if (!o)
		return 1;
	printf("Client: engine %s\nServer:\n Version:     %s\n API version: %s (minimum version %s)\n "
	       "OS/Arch:     %s/%s\n",
	       engine_version(), jstr(o, "Version"), jstr(o, "ApiVersion"), jstr(o, "MinAPIVersion"),
	       jstr(o, "Os"), jstr(o, "Arch"));
	json_object_put(o);
	return 0;
}

static int cmd_ps(int argc, char **argv)
{
	bool all = false, quiet = false;
	json_object *arr;
	int c;

	optind = 0;
	while ((c = cli_getopt_long(argc, argv, "aq", NULL, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'q')
			quiet = true;
		else
			return 1;
	}
	arr = get_json(all ? "/containers/json?all=1" : "/containers/json");
	if (!arr)
		return 1;
	if (!quiet)
		printf("%-14s %-16s %-24s %-28s %s\n", "CONTAINER ID", "IMAGE", "COMMAND", "STATUS", "NAMES");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i), *names;
		const char *name = "";
		char cmd[24];

		if (quiet) {
			printf("%.12s\n", jstr(e, "Id"));
			continue;
		}
		if (json_object_object_get_ex(e, "Names", &names) && json_object_array_length(names))
			name = json_object_get_string(json_object_array_get_idx(names, 0));
		snprintf(cmd, sizeof(cmd), "\"%.20s\"", jstr(e, "Command"));
		printf("%-14.12s %-16s %-24s %-28s %s\n", jstr(e, "Id"), jstr(e, "Image"), cmd,
		       jstr(e, "Status"), name[0] == '/' ? name + 1 : name);
	}
	json_object_put(arr);
	return 0;
}

static int cmd_images(int argc, char **argv)
{
	json_object *arr = get_json("/images/json");

	(void)argc;
	(void)argv;
	if (!arr)
		return 1;
	printf("%-30s %-10s %-14s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "SIZE");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i), *tags, *sz;
		const char *id = jstr(e, "Id");
		char size[32];
		size_t n;

		json_object_object_get_ex(e, "Size", &sz);
		cli_format_size(json_object_get_int64(sz), size, sizeof(size));
		n = json_object_object_get_ex(e, "RepoTags", &tags) && tags ? json_object_array_length(tags)
									    : 0;
		for (size_t k = 0; k < (n ? n : 1); k++) {
			char repo[512] = "<none>", *colon;
			const char *tag = "<none>";

			if (n) {
				snprintf(repo, sizeof(repo), "%s",
					 json_object_get_string(json_object_array_get_idx(tags, k)));
				colon = strrchr(repo, ':');
				if (colon && !strchr(colon, '/')) {
					*colon = '\0';
					tag = colon + 1;
				}
			}
			printf("%-30s %-10s %-14.12s %s\n", repo, tag,
			       strncmp(id, "sha256:", 7) == 0 ? id + 7 : id, size);
		}
	}
	json_object_put(arr);
	return 0;
}

static int cmd_inspect(int argc, char **argv)
{
	json_object *all = json_object_new_array();
	int status = 0;

	for (int i = 1; i < argc; i++) {
		char path[1024];
		json_object *o;

		snprintf(path, sizeof(path), "/containers/%s/json", argv[i]);
		o = get_json(path);
		if (!o) {
			snprintf(path, sizeof(path), "/images/%s/json", argv[i]);
			o = get_json(path);
		}
		if (o)
			json_object_array_add(all, o);
		else
			status = 1;
	}
	printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(all);
	return status;
}

/* Copy a multiplexed stream's frames to stdout / stderr until EOF. */
static int demux(client_stream *s)
{
	unsigned char hdr[8];
	char buf[32768];

	for (;;) {
		size_t got = 0, len;

		while (got < 8) {
			long n = client_stream_read(s, hdr + got, 8 - got);

			if (n <= 0)
				return n < 0 ? -1 : 0;
			got += (size_t)n;
		}
		len = (size_t)hdr[4] << 24 | (size_t)hdr[5] << 16 | (size_t)hdr[6] << 8 | hdr[7];
		while (len > 0) {
			long n = client_stream_read(s, buf, len < sizeof(buf) ? len : sizeof(buf));

			if (n <= 0)
				return -1;
			fwrite(buf, 1, (size_t)n, hdr[0] == 2 ? stderr : stdout);
			len -= (size_t)n;
		}
		fflush(hdr[0] == 2 ? stderr : stdout);
	}
}

static int cmd_logs(int argc, char **argv)
{
	client_stream *s = NULL;
	bool follow = false;
	char path[1024];
	int c, r;

	optind = 0;
	while ((c = cli_getopt_long(argc, argv, "f", NULL, NULL)) != -1) {
		if (c != 'f')
			return 1;
		follow = true;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: engine -H ADDR logs [-f] CONTAINER\n");
		return 1;
	}
	/* GET /logs streams frames in a chunked body; an upgrade-style read of
	 * the same bytes keeps one demultiplexer. */
	snprintf(path, sizeof(path), "/containers/%s/attach?logs=1&stream=%d&stdout=1&stderr=1", argv[optind],
		 follow ? 1 : 0);
	r = client_stream_open(path, &s);
	if (r < 0)
		return 1;
	r = demux(s);
	client_stream_close(s);
	return r < 0 ? 1 : 0;
}

/* @method "/containers/<arg><suffix>" for every argument. */
static int each(int argc, char **argv, const char *method, const char *suffix)
{
	int status = 0;

	for (int i = optind; i < argc; i++) {
		char path[1024];

		snprintf(path, sizeof(path), "/containers/%s%s", argv[i], suffix);
		if (simple(method, path) == 0)
			printf("%s\n", argv[i]);
		else
			status = 1;
	}
	return status;
}

static int cmd_start(int argc, char **argv)
{
	optind = 1;
	return each(argc, argv, "POST", "/start");
}

static int cmd_stop(int argc, char **argv)
{
	optind = 1;
	return each(argc, argv, "POST", "/stop");
}

static int cmd_kill(int argc, char **argv)
{
	optind = 1;
	return each(argc, argv, "POST", "/kill");
}

static int cmd_rm(int argc, char **argv)
{
	bool force = false;
	int c;

	optind = 0;
	while ((c = cli_getopt_long(argc, argv, "f", NULL, NULL)) != -1) {
		if (c != 'f')
			return 1;
		force = true;
	}
	return each(argc, argv, "DELETE", force ? "?force=1" : "");
}

/* POST wait; the exit status, or -1. */
int client_wait(const char *id, const char *condition)
{
	char path[1024], *body = NULL;
	json_object *o, *v;
	int st, code = -1;

	snprintf(path, sizeof(path), "/containers/%s/wait%s%s", id, condition ? "?condition=" : "",
		 condition ? condition : "");
	st = client_request("POST", path, NULL, &body, NULL);
	if (st == 200 && (o = json_tokener_parse(body))) {
		if (json_object_object_get_ex(o, "StatusCode", &v))
			code = json_object_get_int(v);
		json_object_put(o);
	} else if (st > 0) {
		fprintf(stderr, "Error response from daemon: %s\n", client_error_message(body));
	}
	free(body);
	return code;
}

static int cmd_wait(int argc, char **argv)
{
	int status = 0;

	for (int i = 1; i < argc; i++) {
		int code = client_wait(argv[i], NULL);

		if (code < 0)
			status = 1;
		else
			printf("%d\n", code);
	}
	return status;
}

/* docker port CTR [PORT[/PROTO]]: from inspect's NetworkSettings.Ports. */
static int cmd_port(int argc, char **argv)
{
	char path[1024], want[64] = "";
	json_object *o, *ns, *ports;
	int found = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: engine -H ADDR port CONTAINER [PORT[/PROTO]]\n");
		return 1;
	}
	if (argc == 3)
		snprintf(want, sizeof(want), "%s%s", argv[2], strchr(argv[2], '/') ? "" : "/tcp");
	snprintf(path, sizeof(path), "/containers/%s/json", argv[1]);
	if (!(o = get_json(path)))
		return 1;
	if (json_object_object_get_ex(o, "NetworkSettings", &ns) &&
	    json_object_object_get_ex(ns, "Ports", &ports) && json_object_is_type(ports, json_type_object)) {
		json_object_object_foreach(ports, key, list)
		{
			for (size_t i = 0;
			     list && (!*want || strcmp(key, want) == 0) && i < json_object_array_length(list);
			     i++) {
				json_object *b = json_object_array_get_idx(list, i), *ip, *hp;

				json_object_object_get_ex(b, "HostIp", &ip);
				json_object_object_get_ex(b, "HostPort", &hp);
				if (*want)
					printf("%s:%s\n", json_object_get_string(ip),
					       json_object_get_string(hp));
				else
					printf("%s -> %s:%s\n", key, json_object_get_string(ip),
					       json_object_get_string(hp));
				found++;
			}
		}
	}
	json_object_put(o);
	if (!found && *want) {
		fprintf(stderr, "Error: No public port '%s' published for %s\n", want, argv[1]);
		return 1;
	}
	return 0;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
    {"version", cmd_version}, {"ps", cmd_ps},	    {"images", cmd_images}, {"inspect", cmd_inspect},
    {"logs", cmd_logs},	      {"start", cmd_start}, {"stop", cmd_stop},	    {"kill", cmd_kill},
    {"rm", cmd_rm},	      {"wait", cmd_wait},   {"run", client_run},    {"port", cmd_port},
    {"exec", client_exec},
};

int client_dispatch(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, argv[0]) == 0)
			return commands[i].run(argc, argv);
	fprintf(
	    stderr,
	    "Error: \"%s\" is not available against a daemon yet (version, ps, images, inspect, logs, start, "
	    "stop, kill, rm, wait, run, port, exec)\n",
	    argv[0]);
	return 127;
}
