/* A subset of Go's text/template over JSON values, for docker-style
 * --format flags: text and {{actions}} with trim markers and comments,
 * pipelines, fields (.A.B, $var.A, (pipe).A), variables ($, $x :=, $x =),
 * if/else if/else, range (with $i, $v :=, else), with, and the functions
 * docker's CLI adds (json, split, join, title, lower, upper, pad, truncate)
 * beside Go's builtins (and, or, not, len, index, print, printf, println,
 * eq, ne, lt, le, gt, ge). Errors read like Go's: "template: :1:5: ...". */
#ifndef ENGINE_TOOLS_TEMPLATE_H
#define ENGINE_TOOLS_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

typedef struct tmpl tmpl;

/* A field called with arguments ({{.Label "k"}}, a method in docker's
 * contexts) is answered by this hook: a new reference in *out, or NULL for
 * JSON null. Returns false (and a static message in *err) when @name is
 * not a method of @dot. */
typedef bool (*tmpl_method_fn)(void *ud, json_object *dot, const char *name, json_object *const *args,
			       size_t nargs, json_object **out, const char **err);

struct tmpl_exec_options {
	/* A field missing from an object is an error ("can't evaluate field
	 * X"), as with docker's typed contexts (ps, images); otherwise it is
	 * Go's <no value> of a map, as docker inspect gives. */
	bool strict_fields;
	tmpl_method_fn method;
	void *method_ud;
};

/* Parse @text; on failure NULL, with *err a malloc'd message. */
tmpl *tmpl_parse(const char *text, char **err);
/* Run over @dot; a malloc'd string, or NULL with *err a malloc'd message.
 * @opts may be NULL. */
char *tmpl_exec(const tmpl *t, json_object *dot, const struct tmpl_exec_options *opts, char **err);
void tmpl_free(tmpl *t);

/* Go's fmt %v of a JSON value (a string as is, [a b], map[k:v]) appended to
 * a malloc'd buffer; false on OOM. */
bool tmpl_print_value(json_object *v, char **buf, size_t *len, size_t *cap);

#endif
