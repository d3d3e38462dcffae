/* --format for listings and inspect over tools/template, with docker's
 * table layout (tabwriter minwidth 10, padding 3). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_format.h"
#include "cli_util.h"
#include "template/template.h"

struct cli_fmt {
	char *text; /* the template after "table" and the escapes */
	tmpl *t;
	bool table, strict, header_done;
	cli_table *rows;
	const struct cli_column *columns;
	json_object *labels; /* the current row's, for .Label */
	bool header;	     /* rendering the header row */
};

/* docker's .Label "key" method of its contexts: the header row says LABEL. */
static bool method(void *ud, json_object *dot, const char *name, json_object *const *args, size_t nargs,
		   json_object **out, const char **err)
{
	cli_fmt *f = ud;
	json_object *v;

	(void)dot;
	if (strcmp(name, "Label") != 0)
		return false;
	if (nargs != 1 || !json_object_is_type(args[0], json_type_string)) {
		*err = "Label takes one label name";
		return false;
	}
	if (f->header)
		*out = json_object_new_string("LABEL");
	else if (f->labels && json_object_object_get_ex(f->labels, json_object_get_string(args[0]), &v))
		*out = json_object_new_string(json_object_get_string(v));
	else
		*out = json_object_new_string("");
	return true;
}

static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	for (; out && *s; s++) {
		if (s[0] == '\\' && (s[1] == 't' || s[1] == 'n')) {
			*o++ = s[1] == 't' ? '\t' : '\n';
			s++;
		} else
			*o++ = *s;
	}
	if (o)
		*o = '\0';
	return out;
}

cli_fmt *cli_fmt_new(const char *spec, const char *table_default, const struct cli_column *columns,
		     bool strict)
{
	cli_fmt *f = calloc(1, sizeof(*f));
	const char *body;
	char *err = NULL;

	if (!f) {
		fprintf(stderr, "Error: out of memory\n");
		return NULL;
	}
	if (!spec || !strcmp(spec, "table") || !*spec)
		spec = table_default;
	else if (!strcmp(spec, "json"))
		spec = "{{json .}}";
	body = spec;
	while (*body == ' ')
		body++;
	if (!strncmp(body, "table", 5)) {
		f->table = true;
		body += 5;
	}
	while (*body == ' ')
		body++;
	f->text = unescape(body);
	/* docker trims the template's outer spaces after "table". */
	for (size_t n = f->text ? strlen(f->text) : 0; n && f->text[n - 1] == ' '; n--)
		f->text[n - 1] = '\0';
	f->strict = strict;
	f->columns = columns;
	if (!f->text || !(f->t = tmpl_parse(f->text, &err))) {
		fprintf(stderr, "Error: template parsing error in --format \"%s\": %s\n", spec,
			err ? err : "out of memory");
		free(err);
		cli_fmt_end(f);
		return NULL;
	}
	if (f->table && !(f->rows = cli_table_new(10, 3))) {
		cli_fmt_end(f);
		return NULL;
	}
	return f;
}

static int add_rendered(cli_fmt *f, json_object *dot, bool strict)
{
	struct tmpl_exec_options o = {strict, method, f};
	char *err = NULL, *out = tmpl_exec(f->t, dot, &o, &err);

	if (!out) {
		fprintf(stderr, "Error: template parsing error in --format \"%s\": %s\n", f->text,
			err ? err : "out of memory");
		free(err);
		return -1;
	}
	if (!f->table) {
		puts(out);
		free(out);
		return 0;
	}
	/* Each line a row, each tab a cell boundary, as tabwriter reads them. */
	for (char *line = out, *next; line; line = next) {
		const char *cells[64];
		size_t n = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		for (char *c = line; c && n < 64; n++) {
			cells[n] = c;
			c = strchr(c, '\t');
			if (c)
				*c++ = '\0';
		}
		cli_table_add(f->rows, cells, n);
	}
	free(out);
	return 0;
}

/* The header row: the template over {field: header}, once. */
static int header_row(cli_fmt *f)
{
	json_object *h;
	int r;

	if (!f->table || f->header_done)
		return 0;
	h = json_object_new_object();
	for (const struct cli_column *c = f->columns; h && c && c->field; c++)
		json_object_object_add(h, c->field, json_object_new_string(c->header));
	f->header = true;
	r = add_rendered(f, h, false);
	f->header = false;
	json_object_put(h);
	f->header_done = true;
	return r;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* docker marshals its contexts as maps: {{json .}} has the keys sorted. */
static json_object *sorted(json_object *row)
{
	size_t n = (size_t)json_object_object_length(row), i = 0;
	const char **keys = calloc(n + 1, sizeof(*keys));
	json_object *o = keys ? json_object_new_object() : NULL;

	if (!o) {
		free(keys);
		return json_object_get(row);
	}
	json_object_object_foreach(row, k, v)
	{
		(void)v;
		keys[i++] = k;
	}
	qsort(keys, n, sizeof(*keys), by_key);
	for (i = 0; i < n; i++)
		json_object_object_add(o, keys[i], json_object_get(json_object_object_get(row, keys[i])));
	free(keys);
	return o;
}

int cli_fmt_row(cli_fmt *f, json_object *row, json_object *labels)
{
	json_object *o;
	int r;

	if (header_row(f) < 0)
		return -1;
	f->labels = labels;
	if (!f->strict)
		return add_rendered(f, row, false);
	o = sorted(row);
	r = add_rendered(f, o, true);
	json_object_put(o);
	return r;
}

void cli_fmt_end(cli_fmt *f)
{
	if (!f)
		return;
	/* A table without rows still has its header. */
	if (f->t)
		header_row(f);
	cli_table_flush(f->rows, stdout);
	tmpl_free(f->t);
	free(f->text);
	free(f);
}

bool cli_fmt_uses(const cli_fmt *f, const char *field)
{
	char dotted[64];

	if (strstr(f->text, "json .}}") || strstr(f->text, "{{.}}") || strstr(f->text, "{{ . }}"))
		return true;
	snprintf(dotted, sizeof(dotted), ".%s", field);
	return strstr(f->text, dotted) != NULL;
}

char *cli_labels_text(json_object *labels)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	bool first = true;

	if (!m)
		return NULL;
	if (labels && json_object_is_type(labels, json_type_object)) {
		json_object_object_foreach(labels, k, v)
		{
			fprintf(m, "%s%s=%s", first ? "" : ",", k, json_object_get_string(v));
			first = false;
		}
	}
	fclose(m);
	return buf;
}

const char *cli_json_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : "";
}
