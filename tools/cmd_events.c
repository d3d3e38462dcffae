/* engine CLI: events, as docker events shows them, from the engine's event
 * log (engine_events_read): --since/--until, --filter, --format; without
 * --until it follows the log until interrupted. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_format.h"

static const struct cli_usage events_usage = {
    "events", "[OPTIONS]", "Get real time events from the engine",
    "  -f, --filter filter   Filter output based on conditions provided (type, event, container, image, "
    "label)\n"
    "      --format string   Format output using a custom template:\n"
    "                        'json':             Print in JSON format\n"
    "                        'TEMPLATE':         Print output using the given Go template\n"
    "      --since string    Show all events created since timestamp\n"
    "      --until string    Stream events until this timestamp\n"};

/* docker's filters: values of one key are alternatives, keys all apply. */
static bool matches(json_object *e, const engine_strarray *filters)
{
	json_object *actor = json_object_object_get(e, "Actor");
	json_object *attrs = actor ? json_object_object_get(actor, "Attributes") : NULL;
	static const char *const keys[] = {"type", "event", "container", "image", NULL};

	for (size_t k = 0; keys[k]; k++) {
		bool asked = false, hit = false;
		size_t n = strlen(keys[k]);

		for (size_t i = 0; i < filters->count; i++) {
			const char *f = filters->strings[i], *v = f + n + 1;

			if (strncmp(f, keys[k], n) != 0 || f[n] != '=')
				continue;
			asked = true;
			if (k == 0)
				hit |= !strcmp(cli_json_str(e, "Type"), v);
			else if (k == 1)
				hit |= !strcmp(cli_json_str(e, "Action"), v);
			else if (k == 2)
				hit |= !strcmp(cli_json_str(attrs, "name"), v) ||
				       !strncmp(cli_json_str(actor, "ID"), v, strlen(v));
			else
				hit |= !strcmp(cli_json_str(attrs, "image"), v);
		}
		if (asked && !hit)
			return false;
	}
	return true;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(json_object_get_string(*(json_object *const *)a),
		      json_object_get_string(*(json_object *const *)b));
}

/* docker's line: "2024-01-02T03:04:05.123456789Z container start ID (image=busybox, name=x)". */
static void print_line(json_object *e)
{
	json_object *actor = json_object_object_get(e, "Actor"), *attrs, *v;
	int64_t ns = json_object_object_get_ex(e, "timeNano", &v) ? json_object_get_int64(v) : 0;
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;
	char when[64];
	bool first = true;

	localtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	printf("%s.%09lld", when, (long long)(ns % 1000000000));
	strftime(when, sizeof(when), "%z", &tm);
	if (!strcmp(when, "+0000"))
		printf("Z");
	else
		printf("%.3s:%s", when, when + 3);
	printf(" %s %s %s", cli_json_str(e, "Type"), cli_json_str(e, "Action"), cli_json_str(actor, "ID"));
	attrs = actor ? json_object_object_get(actor, "Attributes") : NULL;
	if (attrs && json_object_object_length(attrs)) {
		json_object *keys = json_object_new_array();

		json_object_object_foreach(attrs, k, val)
		{
			(void)val;
			json_object_array_add(keys, json_object_new_string(k));
		}
		json_object_array_sort(keys, by_string);
		printf(" (");
		for (size_t i = 0; i < json_object_array_length(keys); i++) {
			const char *key = json_object_get_string(json_object_array_get_idx(keys, i));
			printf("%s%s=%s", first ? "" : ", ", key, cli_json_str(attrs, key));
			first = false;
		}
		printf(")");
		json_object_put(keys);
	}
	printf("\n");
}

static int cmd_events(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"filter", required_argument, NULL, 'f'}, {"format", required_argument, NULL, 'F'},
	    {"since", required_argument, NULL, 's'},  {"until", required_argument, NULL, 'u'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0}};
	engine_strarray filters = {calloc((size_t)argc + 1, sizeof(char *)), 0};
	int64_t since = 0, until = 0, offset = 0, now;
	struct timespec ts;
	engine_context *ctx;
	const char *format = NULL;
	cli_fmt *f = NULL;
	int c, status = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	optind = 0; /* a fresh scan that may permute */
	while ((c = cli_getopt_mixed(argc, argv, "f:", lo, &events_usage)) != CLI_OPT_END) {
		if (c == 'f' && filters.strings && strchr(optarg, '='))
			filters.strings[filters.count++] = optarg;
		else if (c == 'f') {
			free(filters.strings);
			return cli_failf(1, "bad format of filter (expected name=value): %s", optarg);
		} else if (c == 'F')
			format = optarg;
		else if ((c == 's' || c == 'u') &&
			 engine_time_parse(optarg, now, c == 's' ? &since : &until) < 0) {
			free(filters.strings);
			return cli_fail(1, c == 's' ? "--since" : "--until");
		} else if (c != 's' && c != 'u') {
			free(filters.strings);
			return c == CLI_OPT_HELP ? 0 : EXIT_ENGINE;
		}
	}
	if (optind < argc) {
		free(filters.strings);
		return cli_args_error(&events_usage, "accepts no arguments.");
	}
	if ((format && !(f = cli_fmt_new(format, "{{json .}}", NULL, false))) || cli_open_context(&ctx) < 0) {
		free(filters.strings);
		return 1;
	}
	/* Without --since, only what happens from now on, as docker does. */
	if (!since)
		since = now;
	for (;;) {
		char *lines = NULL;

		if (engine_events_read(ctx, since, until, &offset, &lines) < 0) {
			status = cli_fail(1, NULL);
			break;
		}
		for (char *line = lines, *next; line && *line && !status; line = next) {
			json_object *e;

			next = strchr(line, '\n');
			*next++ = '\0';
			e = json_tokener_parse(line);
			if (e && matches(e, &filters)) {
				if (f)
					status = cli_fmt_row(f, e, NULL) < 0;
				else
					print_line(e);
			}
			json_object_put(e);
		}
		engine_free(lines);
		fflush(stdout);
		clock_gettime(CLOCK_REALTIME, &ts);
		if (status || (until && (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec > until))
			break;
		usleep(200 * 1000);
	}
	cli_fmt_end(f);
	free(filters.strings);
	return status;
}

const struct cli_command cli_events_commands[] = {
    {"events", cmd_events, "Get real time events from the engine"},
    {NULL, NULL, NULL},
};
