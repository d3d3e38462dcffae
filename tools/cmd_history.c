/* engine CLI: history, docker's columns and --format fields (its
 * HistoryContext) from engine_image_history, newest first. */
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

/* One row of engine_image_history's array, as docker's HistoryContext. */
static json_object *history_row(json_object *e, bool trunc, bool human)
{
	json_object *row = json_object_new_object(), *v;
	time_t created = json_object_object_get_ex(e, "Created", &v) ? (time_t)json_object_get_int64(v) : 0;
	int64_t size = json_object_object_get_ex(e, "Size", &v) ? json_object_get_int64(v) : 0;
	const char *id = cli_json_str(e, "Id"), *by = cli_json_str(e, "CreatedBy");
	char when[64], buf[64];
	struct tm tm;

	json_object_object_add(
	    row, "ID", json_object_new_string(trunc && strcmp(id, "<missing>") ? cli_short_id(id) : id));
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
	if (human)
		cli_format_size(size, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%lld", (long long)size);
	json_object_object_add(row, "Size", json_object_new_string(buf));
	json_object_object_add(row, "Comment", json_object_new_string(cli_json_str(e, "Comment")));
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
	json_object *hist;
	engine_context *ctx;
	char *json = NULL;
	int c, status = 0;
	cli_fmt *f;

	optind = 0; /* a fresh scan that may permute */
	while ((c = cli_getopt_mixed(argc, argv, "qH", lo, &history_usage)) != CLI_OPT_END) {
		if (c == 'F')
			format = optarg;
		else if (c == 'H')
			human = cli_optarg_bool(optarg);
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
	if (engine_image_history(ctx, argv[optind], &json) < 0) {
		if (engine_error_last()->code == ENGINE_ENOTFOUND)
			return cli_failf(1, "No such image: %s", argv[optind]);
		return cli_fail(1, NULL);
	}
	hist = json_tokener_parse(json);
	engine_free(json);
	f = cli_fmt_new(quiet ? "{{.ID}}" : format,
			"table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
			history_columns, true);
	if (!f) {
		json_object_put(hist);
		return 1;
	}
	/* Newest first, as the library gives it. */
	for (size_t i = 0; hist && i < json_object_array_length(hist) && !status; i++) {
		json_object *row = history_row(json_object_array_get_idx(hist, i), trunc, human);

		status = cli_fmt_row(f, row, NULL) < 0;
		json_object_put(row);
	}
	cli_fmt_end(f);
	json_object_put(hist);
	return status;
}

const struct cli_command cli_history_commands[] = {
    {"history", cli_history, "Show the history of an image"},
    {NULL, NULL, NULL},
};
