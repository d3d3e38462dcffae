/* Formatting and prompts shared by the image and system commands, in
 * docker's styles ("4.26MB", "2 hours ago", 12-hex short IDs). */
#ifndef ENGINE_TOOLS_CLI_UTIL_H
#define ENGINE_TOOLS_CLI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <engine/common.h>

/* The first 12 hex digits of "sha256:<hex>" (static storage per call site). */
const char *cli_short_id(const char *id);
/* Decimal units with 3 significant digits, like docker: "0B", "4.26MB". */
void cli_format_size(int64_t bytes, char *buf, size_t len);
/* Binary units with 4 significant digits, like go-units' BytesSize
 * (docker stats, info): "1.5MiB", "7.6GiB". */
void cli_format_bytes(int64_t bytes, char *buf, size_t len);
/* Docker's HumanDuration: "2 hours", "About a minute", "Less than a second". */
void cli_format_duration(int64_t seconds, char *buf, size_t len);
/* "2 hours ago", "About a minute ago"; "N/A" for 0. */
void cli_format_since(int64_t unix_seconds, char *buf, size_t len);
/* Go's text/tabwriter as docker's tables use it: every cell but a row's
 * last is padded to its column's width plus @padding, at least @minwidth. */
typedef struct cli_table cli_table;
cli_table *cli_table_new(size_t minwidth, size_t padding);
/* Add a row (the cells are copied); false on OOM. */
bool cli_table_add(cli_table *t, const char *const *cells, size_t n);
/* Print and free. */
void cli_table_flush(cli_table *t, FILE *f);

/* A prune's report: "Deleted @what:" and the names (when any), then
 * "Total reclaimed space: SIZE"; disposes @gone. */
void cli_print_pruned(const char *what, engine_strarray *gone, int64_t reclaimed);
/* Ask "Are you sure you want to continue? [y/N]" after @warning. */
bool cli_confirm(const char *warning);
/* `engine image prune [-a] [-f]` (cmd_system.c, which has system prune). */
int cli_prune_images(int argc, char **argv);

#endif
