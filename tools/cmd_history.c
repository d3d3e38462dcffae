/* engine CLI: history, docker's columns and --format fields (its
 * HistoryContext) from the image config's history, newest first. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_format.h"
#include "cli_util.h"

static const struct cli_column history_columns[] = {
    {"ID", "IMAGE"},
    {"CreatedSince", "CREATED"},
    {"CreatedAt", "CREATED AT"},
    {"CreatedBy", "CREATED BY"},
    {"Size", "SIZE"},
    {"Comment", "COMMENT"},
    {NULL, NULL},
};

static const struct cli_usage history_usage = {
    "history", "[OPTIONS] IMAGE", "Show the history of an image",
    "      --format string   Format output using a custom template:\n"
    "                        'table':            Print output in table format with column headers (default)\n"
    "                        'table TEMPLATE':   Print output in table format using the given Go template\n"
    "                        'json':             Print in JSON format\n"
    "                        'TEMPLATE':         Print output using the given Go template\n"
    "  -H, --human           Print sizes and dates in human readable format (default true)\n"
    "      --no-trunc        Don't truncate output\n"
    "  -q, --quiet           Only show image IDs\n"};

/* RFC 3339 ("2024-01-02T03:04:05Z", fractions and offsets allowed) to Unix seconds; 0 when unparsable. */
static time_t parse_time(const char *s)
{
	struct tm tm = {0};
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	time_t t;

	if (!rest)
		return 0;
	t = timegm(&tm);
	while (*rest == '.' || (*rest >= '0' && *rest <= '9'))
		rest++;
	if ((*rest == '+' || *rest == '-') && strlen(rest) >= 6)
		t -= (*rest == '-' ? -1 : 1) * (atoi(rest + 1) * 3600 + atoi(rest + 4) * 60);
	return t;
}

/* One row; @size_text the layer's size as docker shows it. */
static json_object *history_row(json_object *e, const char *id, const char *size_text, bool trunc, bool human)
{
	json_object *row = json_object_new_object();
	time_t created = parse_time(cli_json_str(e, "created"));
	char when[64], buf[64];
	const char *by = cli_json_str(e, "created_by");
	struct tm tm;

	json_object_object_add(row, "ID", json_object_new_string(id));
	localtime_r(&created, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm);
	/* Go's RFC 3339 writes UTC as Z and other offsets with a colon: +01:00. */
	{
		size_t n = strlen(when);

		if (!strcmp(when + n - 5, "+0000")) {
			strcpy(when + n - 5, "Z");
		} else {
			memmove(when + n - 1, when + n - 2, 3);
			when[n - 2] = ':';
		}
	}
	json_object_object_add(row, "CreatedAt", json_object_new_string(when));
	if (human)
		cli_format_since((int64_t)created, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%s", when);
	json_object_object_add(row, "CreatedSince", json_object_new_string(buf));
	if (trunc && strlen(by) > 45) {
		char cut[64];

		snprintf(cut, sizeof(cut), "%.44s…", by);
		json_object_object_add(row, "CreatedBy", json_object_new_string(cut));
	} else
		json_object_object_add(row, "CreatedBy", json_object_new_string(by));
	json_object_object_add(row, "Size", json_object_new_string(size_text));
	json_object_object_add(row, "Comment", json_object_new_string(cli_json_str(e, "comment")));
	return row;
}

int cli_history(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"format", required_argument, NULL, 'F'}, {"human", optional_argument, NULL, 'H'},
	    {"no-trunc", no_argument, NULL, 'T'},     {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0}};
	const char *format = NULL;
	bool trunc = true, human = true, quiet = false;
	json_object *img, *hist, *v;
	engine_context *ctx;
	char *json = NULL;
	int c, status = 0;
	size_t nonempty = 0;
	cli_fmt *f;

	optind = 0; /* a fresh scan that may permute */
	while ((c = cli_getopt_mixed(argc, argv, "qH", lo, &history_usage)) != CLI_OPT_END) {
		if (c == 'F')
			format = optarg;
		else if (c == 'H')
			human = !optarg || strcmp(optarg, "false") != 0;
		else if (c == 'T')
			trunc = false;
		else if (c == 'q')
			quiet = true;
		else
			return c == CLI_OPT_HELP ? 0 : EXIT_ENGINE;
	}
	if (argc - optind != 1)
		return cli_args_error(&history_usage, "requires exactly 1 argument.");
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (engine_image_inspect(ctx, argv[optind], &json) < 0) {
		if (engine_error_last()->code == ENGINE_ENOTFOUND)
			return cli_failf(1, "No such image: %s", argv[optind]);
		return cli_fail(1, NULL);
	}
	img = json_tokener_parse(json);
	engine_free(json);
	if (!json_object_object_get_ex(img, "History", &hist) ||
	    !json_object_is_type(hist, json_type_array)) {
		json_object_put(img);
		return cli_failf(1, "image %s has no history", argv[optind]);
	}
	for (size_t i = 0; i < json_object_array_length(hist); i++)
		nonempty +=
		    !(json_object_object_get_ex(json_object_array_get_idx(hist, i), "empty_layer", &v) &&
		      json_object_get_boolean(v));
	f = cli_fmt_new(quiet ? "{{.ID}}" : format,
			"table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
			history_columns, true);
	if (!f) {
		json_object_put(img);
		return 1;
	}
	/* Newest first; the image's own ID on the top entry. */
	for (size_t i = json_object_array_length(hist); i-- > 0 && !status;) {
		json_object *e = json_object_array_get_idx(hist, i), *row;
		bool empty = json_object_object_get_ex(e, "empty_layer", &v) && json_object_get_boolean(v);
		const char *id = cli_json_str(img, "Id");
		char size[32];
		json_object *total;

		if (empty)
			snprintf(size, sizeof(size), "0B");
		else if (nonempty == 1 && json_object_object_get_ex(img, "Size", &total))
			/* The only layer: the image's size is its size. */
			cli_format_size(json_object_get_int64(total), size, sizeof(size));
		else
			snprintf(size, sizeof(size), "N/A");
		row = history_row(e,
				  i + 1 == json_object_array_length(hist) ? (trunc ? cli_short_id(id) : id)
									  : "<missing>",
				  size, trunc, human);
		status = cli_fmt_row(f, row, NULL) < 0;
		json_object_put(row);
	}
	cli_fmt_end(f);
	json_object_put(img);
	return status;
}

const struct cli_command cli_history_commands[] = {
    {"history", cli_history, "Show the history of an image"},
    {NULL, NULL, NULL},
};
