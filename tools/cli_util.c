/* Docker-style formatting helpers and the confirmation prompt. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cli_util.h"

const char *cli_short_id(const char *id)
{
	static _Thread_local char buf[13];
	const char *hex = strchr(id, ':');

	snprintf(buf, sizeof(buf), "%.12s", hex ? hex + 1 : id);
	return buf;
}

void cli_format_size(int64_t bytes, char *buf, size_t len)
{
	static const char *units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1000.0 && u + 1 < sizeof(units) / sizeof(*units)) {
		v /= 1000.0;
		u++;
	}
	snprintf(buf, len, "%.3g%s", v, units[u]);
}

void cli_format_duration(int64_t s, char *buf, size_t len)
{
	int64_t h = (s + 1800) / 3600;

	if (s < 1)
		snprintf(buf, len, "Less than a second");
	else if (s == 1)
		snprintf(buf, len, "1 second");
	else if (s < 60)
		snprintf(buf, len, "%lld seconds", (long long)s);
	else if (s / 60 == 1)
		snprintf(buf, len, "About a minute");
	else if (s < 3600)
		snprintf(buf, len, "%lld minutes", (long long)(s / 60));
	else if (h == 1)
		snprintf(buf, len, "About an hour");
	else if (h < 48)
		snprintf(buf, len, "%lld hours", (long long)h);
	else if (h < 24 * 7 * 2)
		snprintf(buf, len, "%lld days", (long long)(h / 24));
	else if (h < 24 * 30 * 2)
		snprintf(buf, len, "%lld weeks", (long long)(h / 24 / 7));
	else if (h < 24 * 365 * 2)
		snprintf(buf, len, "%lld months", (long long)(h / 24 / 30));
	else
		snprintf(buf, len, "%lld years", (long long)(h / 24 / 365));
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

/* Append @len bytes to a growing buffer; false on OOM. */
static bool append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = (*cap + n + 1) * 2;
		char *g = realloc(*buf, c);
		if (!g)
			return false;
		*buf = g;
		*cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return true;
}

static json_object *lookup(json_object *o, const char *path, size_t n)
{
	/* path is ".", or ".A.B" */
	size_t i = 1;

	if (n == 1 && path[0] == '.')
		return o;
	while (i < n && o) {
		size_t j = i;
		char key[256];

		while (j < n && path[j] != '.')
			j++;
		if (j - i >= sizeof(key) || !json_object_is_type(o, json_type_object))
			return NULL;
		memcpy(key, path + i, j - i);
		key[j - i] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		i = j + 1;
	}
	return o;
}

char *cli_format_template(const char *tmpl, const char *json, const char **err)
{
	json_object *root = json_tokener_parse(json);
	char *out = NULL;
	size_t len = 0, cap = 0;
	const char *p = tmpl;

	*err = NULL;
	if (!root) {
		*err = "cannot parse the object";
		return NULL;
	}
	append(&out, &len, &cap, "", 0);
	while (*p) {
		const char *open = strstr(p, "{{"), *close;
		if (!open) {
			append(&out, &len, &cap, p, strlen(p));
			break;
		}
		append(&out, &len, &cap, p, (size_t)(open - p));
		close = strstr(open, "}}");
		if (!close) {
			*err = "unterminated {{ in the template";
			break;
		}
		const char *a = open + 2, *b = close;
		bool as_json = false;
		while (a < b && *a == ' ')
			a++;
		while (b > a && b[-1] == ' ')
			b--;
		if ((size_t)(b - a) > 5 && !strncmp(a, "json ", 5)) {
			as_json = true;
			a += 5;
			while (a < b && *a == ' ')
				a++;
		}
		if (a >= b || *a != '.') {
			*err = "unsupported template action (use {{.Field}} or {{json .Field}})";
			break;
		}
		json_object *v = lookup(root, a, (size_t)(b - a));
		const char *s;
		if (!v)
			s = as_json ? "null" : "<no value>";
		else if (!as_json && json_object_is_type(v, json_type_string))
			s = json_object_get_string(v);
		else if (!as_json && json_object_is_type(v, json_type_array)) {
			/* Go's fmt for a slice, as docker prints it: [a b c]. */
			append(&out, &len, &cap, "[", 1);
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				json_object *e = json_object_array_get_idx(v, i);
				const char *es =
				    json_object_is_type(e, json_type_string)
					? json_object_get_string(e)
					: json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN);
				if (i)
					append(&out, &len, &cap, " ", 1);
				append(&out, &len, &cap, es, strlen(es));
			}
			s = "]";
		} else
			s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
		append(&out, &len, &cap, s, strlen(s));
		p = close + 2;
	}
	json_object_put(root);
	if (*err) {
		free(out);
		return NULL;
	}
	return out;
}
