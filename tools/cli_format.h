/* docker's --format for the CLI's listings and inspect: "json" ({{json .}}),
 * "table" (the command's default columns), "table TEMPLATE" (a header row,
 * then columns aligned as Go's tabwriter does), or a Go template executed
 * for each row (tools/template). \t and \n written literally in the flag
 * are a tab and a newline, as in docker. */
#ifndef ENGINE_TOOLS_CLI_FORMAT_H
#define ENGINE_TOOLS_CLI_FORMAT_H

#include <stdbool.h>

#include <json-c/json.h>

/* A field of the rows and its column header ("ID", "CONTAINER ID"). */
struct cli_column {
	const char *field;
	const char *header;
};

typedef struct cli_fmt cli_fmt;

/* @spec is the --format value, NULL or "table" for @table_default (a
 * "table ..." template); @columns ends with {NULL}; @strict: a field the
 * rows lack is an error (docker's typed contexts: ps, images, stats), not
 * <no value> (inspect). NULL after printing "Error: ..." naming the
 * template. */
cli_fmt *cli_fmt_new(const char *spec, const char *table_default, const struct cli_column *columns,
		     bool strict);
/* Render one row; @labels (may be NULL) answers {{.Label "key"}}. -1 after
 * printing the error. */
int cli_fmt_row(cli_fmt *f, json_object *row, json_object *labels);
/* Print the table (if any) and free; accepts NULL. */
void cli_fmt_end(cli_fmt *f);
/* Whether @spec is a template the rows need @field for ("Ports" in
 * "{{.Ports}}", or any field for {{json .}} / "{{.}}"): lets a listing skip
 * work nobody asked for. */
bool cli_fmt_uses(const cli_fmt *f, const char *field);

/* @o's member @key as text (a string as is, a number in decimal), "" when
 * missing or null. */
const char *cli_json_str(json_object *o, const char *key);

/* A label object as docker's ps shows it: "k=v,k2=v2"; malloc'd. */
char *cli_labels_text(json_object *labels);

#endif
