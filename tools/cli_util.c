/* Docker-style formatting helpers and the confirmation prompt. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <engine.h>

#include "cli_util.h"

const char *cli_short_id(const char *id)
{
	static _Thread_local char buf[13];
	const char *hex = strchr(id, ':');

	snprintf(buf, sizeof(buf), "%.12s", hex ? hex + 1 : id);
	return buf;
}

/* @bytes in @base's units with @digits significant digits. */
static void format_units(int64_t bytes, double base, const char *const *units, size_t n, int digits,
			 char *buf, size_t len)
{
	double v = (double)bytes;
	size_t u = 0;

	while (v >= base && u + 1 < n) {
		v /= base;
		u++;
	}
	snprintf(buf, len, "%.*g%s", digits, v, units[u]);
}

void cli_format_size(int64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};

	format_units(bytes, 1000.0, units, sizeof(units) / sizeof(*units), 3, buf, len);
}

void cli_format_bytes(int64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

	format_units(bytes, 1024.0, units, sizeof(units) / sizeof(*units), 4, buf, len);
}

void cli_format_duration(int64_t s, char *buf, size_t len)
{
	char *text = NULL;

	/* The library's words, so the CLI says what its listings say. */
	snprintf(buf, len, "%s", engine_duration_format(s, &text) == 0 ? text : "?");
	engine_free(text);
}

void cli_format_since(int64_t t, char *buf, size_t len)
{
	char d[64];

	if (t <= 0) {
		snprintf(buf, len, "N/A");
		return;
	}
	cli_format_duration((int64_t)time(NULL) - t, d, sizeof(d));
	snprintf(buf, len, "%s ago", d);
}

struct cli_table {
	size_t minwidth, padding;
	char ***rows;
	size_t *ncells;
	size_t nrows;
};

cli_table *cli_table_new(size_t minwidth, size_t padding)
{
	cli_table *t = calloc(1, sizeof(*t));

	if (t) {
		t->minwidth = minwidth;
		t->padding = padding;
	}
	return t;
}

bool cli_table_add(cli_table *t, const char *const *cells, size_t n)
{
	char ***rows = realloc(t->rows, (t->nrows + 1) * sizeof(*rows));
	size_t *ncells = rows ? realloc(t->ncells, (t->nrows + 1) * sizeof(*ncells)) : NULL;
	char **row = calloc(n + 1, sizeof(*row));

	if (rows)
		t->rows = rows;
	if (ncells)
		t->ncells = ncells;
	if (!rows || !ncells || !row) {
		free(row);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (!(row[i] = strdup(cells[i] ? cells[i] : ""))) {
			for (size_t k = 0; k < i; k++)
				free(row[k]);
			free(row);
			return false;
		}
	t->rows[t->nrows] = row;
	t->ncells[t->nrows++] = n;
	return true;
}

/* Display width: UTF-8 code points. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void cli_table_flush(cli_table *t, FILE *f)
{
	size_t cols = 0, *w;

	if (!t)
		return;
	for (size_t r = 0; r < t->nrows; r++)
		cols = t->ncells[r] > cols ? t->ncells[r] : cols;
	w = calloc(cols + 1, sizeof(*w));
	for (size_t r = 0; w && r < t->nrows; r++)
		for (size_t c = 0; c + 1 < t->ncells[r]; c++)
			if (width(t->rows[r][c]) + t->padding > w[c])
				w[c] = width(t->rows[r][c]) + t->padding;
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncells[r]; c++) {
			fputs(t->rows[r][c], f);
			if (c + 1 < t->ncells[r] && w) {
				size_t cw = w[c] < t->minwidth ? t->minwidth : w[c];

				for (size_t k = width(t->rows[r][c]); k < cw; k++)
					fputc(' ', f);
			}
			free(t->rows[r][c]);
		}
		fputc('\n', f);
		free(t->rows[r]);
	}
	free(w);
	free(t->rows);
	free(t->ncells);
	free(t);
}

bool cli_confirm(const char *warning)
{
	char line[16];

	fprintf(stderr, "%s\nAre you sure you want to continue? [y/N] ", warning);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

void cli_print_pruned(const char *what, engine_strarray *gone, int64_t reclaimed)
{
	char size[32];

	if (gone->count) {
		printf("Deleted %s:\n", what);
		for (size_t i = 0; i < gone->count; i++)
			puts(gone->strings[i]);
		printf("\n");
	}
	engine_strarray_dispose(gone);
	cli_format_size(reclaimed, size, sizeof(size));
	printf("Total reclaimed space: %s\n", size);
}
