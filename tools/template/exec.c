/* The template executor: walks the tree over a JSON value, Go's rules for
 * fields, variables, truth and printing. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct var {
	const char *name;
	struct tval v;
};

struct exec {
	const struct tmpl_exec_options *opts;
	char *out;
	size_t len, cap;
	struct var *vars;
	size_t nvars, capvars;
	json_object **gc; /* values made while running, released at the end */
	size_t ngc, capgc;
	char *err;
	enum { FLOW_NORMAL, FLOW_BREAK, FLOW_CONTINUE } flow;
};

static const struct tval missing = {NULL, true};

__attribute__((format(printf, 3, 4))) static void fail_at(struct exec *x, const struct targ *a,
							  const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (x->err)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (a) {
		if (asprintf(&x->err, "template: :%d:%d: executing \"\" at <%s>: %s", a->line, a->col,
			     a->src ? a->src : "", msg) < 0)
			x->err = NULL;
	} else if (asprintf(&x->err, "template: %s", msg) < 0)
		x->err = NULL;
	if (!x->err)
		x->err = strdup("template: out of memory");
}

static bool keep(struct exec *x, json_object *j)
{
	if (!j)
		return true;
	if (x->ngc == x->capgc) {
		size_t c = x->capgc ? x->capgc * 2 : 16;
		json_object **g = realloc(x->gc, c * sizeof(*g));
		if (!g) {
			json_object_put(j);
			fail_at(x, NULL, "out of memory");
			return false;
		}
		x->gc = g;
		x->capgc = c;
	}
	x->gc[x->ngc++] = j;
	return true;
}

static bool push_var(struct exec *x, const char *name, struct tval v)
{
	if (x->nvars == x->capvars) {
		size_t c = x->capvars ? x->capvars * 2 : 8;
		struct var *g = realloc(x->vars, c * sizeof(*g));
		if (!g) {
			fail_at(x, NULL, "out of memory");
			return false;
		}
		x->vars = g;
		x->capvars = c;
	}
	x->vars[x->nvars].name = name;
	x->vars[x->nvars++].v = v;
	return true;
}

static struct var *find_var(struct exec *x, const char *name)
{
	for (size_t i = x->nvars; i-- > 0;)
		if (!strcmp(x->vars[i].name, name))
			return &x->vars[i];
	return NULL;
}

static const char *type_name(struct tval v)
{
	if (v.missing || !v.j)
		return "interface {}";
	switch (json_object_get_type(v.j)) {
	case json_type_boolean:
		return "bool";
	case json_type_int:
		return "int";
	case json_type_double:
		return "float64";
	case json_type_string:
		return "string";
	case json_type_array:
		return "[]interface {}";
	default:
		return "map[string]interface {}";
	}
}

/* .A.B.C on @v, named in errors by @a. */
static bool walk_fields(struct exec *x, const struct targ *a, struct tval v, size_t nfields, struct tval *out)
{
	for (size_t i = 0; i < nfields; i++) {
		const char *f = a->fields[i];
		json_object *next;

		if (v.missing || !v.j) {
			fail_at(x, a, "nil pointer evaluating %s.%s", type_name(v), f);
			return false;
		}
		if (!json_object_is_type(v.j, json_type_object)) {
			fail_at(x, a, "can't evaluate field %s in type %s", f, type_name(v));
			return false;
		}
		if (json_object_object_get_ex(v.j, f, &next))
			v = (struct tval){next, false};
		else if (x->opts->strict_fields) {
			fail_at(x, a, "can't evaluate field %s in type %s", f, type_name(v));
			return false;
		} else
			v = missing;
	}
	*out = v;
	return true;
}

static bool eval_pipe(struct exec *x, const struct tpipe *pp, struct tval dot, struct tval *out);

/* The receiver of an operand's fields: dot, a variable, a pipeline's value. */
static bool eval_base(struct exec *x, const struct targ *a, struct tval dot, struct tval *out)
{
	struct var *v;

	switch (a->kind) {
	case A_DOT:
	case A_FIELD:
		*out = dot;
		return true;
	case A_VAR:
		if (!(v = find_var(x, a->name))) {
			fail_at(x, a, "undefined variable: %s", a->name);
			return false;
		}
		*out = v->v;
		return true;
	case A_PIPE:
		return eval_pipe(x, a->pipe, dot, out);
	case A_LITERAL:
		*out = (struct tval){a->lit, false};
		return true;
	default:
		fail_at(x, a, "%s is a function, not a value", a->name);
		return false;
	}
}

static bool eval_arg(struct exec *x, const struct targ *a, struct tval dot, struct tval *out)
{
	struct tval base;

	if (a->kind == A_FUNC) {
		struct tval r;
		char *err = NULL;

		/* A function as an argument is called with no arguments. */
		if (tmpl__call(a->name, NULL, 0, &r, &err) != 0) {
			fail_at(x, a, "error calling %s: %s", a->name, err ? err : "out of memory");
			free(err);
			return false;
		}
		*out = r;
		return keep(x, r.j);
	}
	return eval_base(x, a, dot, &base) && walk_fields(x, a, base, a->nfields, out);
}

/* {{.Label "k"}}: a field with arguments is a method of docker's contexts. */
static bool call_method(struct exec *x, const struct tcmd *cmd, struct tval dot, const struct tval *final,
			struct tval *out)
{
	const struct targ *a = &cmd->args[0];
	size_t n = cmd->nargs - 1 + (final ? 1 : 0);
	json_object **args = calloc(n + 1, sizeof(*args));
	const char *err = NULL;
	struct tval recv;
	json_object *r = NULL;
	bool ok = false;

	if (!args || !eval_base(x, a, dot, &recv) || !walk_fields(x, a, recv, a->nfields - 1, &recv))
		goto out;
	for (size_t i = 1; i < cmd->nargs; i++) {
		struct tval v;
		if (!eval_arg(x, &cmd->args[i], dot, &v))
			goto out;
		args[i - 1] = v.j;
	}
	if (final)
		args[n - 1] = final->j;
	if (!x->opts->method || recv.missing ||
	    !x->opts->method(x->opts->method_ud, recv.j, a->fields[a->nfields - 1], args, n, &r, &err)) {
		if (err)
			fail_at(x, a, "error calling %s: %s", a->fields[a->nfields - 1], err);
		else
			fail_at(x, a, "%s has arguments but cannot be invoked as function",
				a->fields[a->nfields - 1]);
		goto out;
	}
	*out = (struct tval){r, false};
	ok = keep(x, r);
out:
	free(args);
	return ok;
}

static bool eval_cmd(struct exec *x, const struct tcmd *cmd, struct tval dot, const struct tval *final,
		     struct tval *out)
{
	const struct targ *a = &cmd->args[0];

	if (a->kind == A_FUNC) {
		size_t n = cmd->nargs - 1 + (final ? 1 : 0);
		struct tval *args = calloc(n + 1, sizeof(*args));
		char *err = NULL;
		int r;

		if (!args) {
			fail_at(x, a, "out of memory");
			return false;
		}
		for (size_t i = 1; i < cmd->nargs; i++)
			if (!eval_arg(x, &cmd->args[i], dot, &args[i - 1])) {
				free(args);
				return false;
			}
		if (final)
			args[n - 1] = *final;
		r = tmpl__call(a->name, args, n, out, &err);
		free(args);
		if (r != 0) {
			fail_at(x, a, "error calling %s: %s", a->name, err ? err : "out of memory");
			free(err);
			return false;
		}
		return keep(x, out->j);
	}
	if (cmd->nargs > 1 || final) {
		if (a->nfields && (a->kind == A_FIELD || a->kind == A_VAR || a->kind == A_PIPE))
			return call_method(x, cmd, dot, final, out);
		fail_at(x, a, "can't give argument to non-function %s", a->src);
		return false;
	}
	return eval_arg(x, a, dot, out);
}

static bool eval_pipe(struct exec *x, const struct tpipe *pp, struct tval dot, struct tval *out)
{
	struct tval v = missing;

	for (size_t c = 0; c < pp->ncmds; c++)
		if (!eval_cmd(x, &pp->cmds[c], dot, c ? &v : NULL, &v))
			return false;
	if (pp->ndecl && pp->assign) {
		struct var *var = find_var(x, pp->decl[0]);
		if (!var) {
			fail_at(x, &pp->cmds[0].args[0], "undefined variable: %s", pp->decl[0]);
			return false;
		}
		var->v = v;
	} else if (pp->ndecl == 1 && !push_var(x, pp->decl[0], v))
		return false;
	*out = v;
	return true;
}

static bool emit(struct exec *x, const char *s, size_t n)
{
	if (tmpl__append(&x->out, &x->len, &x->cap, s, n))
		return true;
	fail_at(x, NULL, "out of memory");
	return false;
}

static bool run_list(struct exec *x, const struct tnode *n, struct tval dot);

static bool run_range(struct exec *x, const struct tnode *n, struct tval dot, struct tval v)
{
	size_t mark = x->nvars, count = 0;
	json_object *keys = NULL;

	if (!v.missing && v.j && json_object_is_type(v.j, json_type_object)) {
		/* Go ranges over a map in key order. */
		keys = tmpl__sorted_keys(v.j);
		if (!keys) {
			fail_at(x, NULL, "out of memory");
			return false;
		}
		if (!keep(x, keys))
			return false;
		count = json_object_array_length(keys);
	} else if (!v.missing && v.j && json_object_is_type(v.j, json_type_array))
		count = json_object_array_length(v.j);
	else if (!v.missing && v.j) {
		fail_at(x, &n->pipe->cmds[0].args[0], "range can't iterate over %s",
			json_object_get_string(v.j));
		return false;
	}
	/* The pipeline's single variable is the element, not the value. */
	if (n->pipe->ndecl == 1 && !n->pipe->assign)
		x->nvars = mark - 1;
	mark = x->nvars;
	for (size_t i = 0; i < count; i++) {
		struct tval key, elem;

		if (keys) {
			key = (struct tval){json_object_array_get_idx(keys, i), false};
			json_object_object_get_ex(v.j, json_object_get_string(key.j), &elem.j);
		} else {
			json_object *idx = json_object_new_int64((int64_t)i);
			if (!keep(x, idx))
				return false;
			key = (struct tval){idx, false};
			elem.j = json_object_array_get_idx(v.j, i);
		}
		elem.missing = false;
		if (n->pipe->ndecl == 2 &&
		    !(push_var(x, n->pipe->decl[0], key) && push_var(x, n->pipe->decl[1], elem)))
			return false;
		if (n->pipe->ndecl == 1 && !push_var(x, n->pipe->decl[0], elem))
			return false;
		bool ok = run_list(x, n->list, elem);
		x->nvars = mark;
		if (!ok)
			return false;
		if (x->flow == FLOW_BREAK) {
			x->flow = FLOW_NORMAL;
			break;
		}
		x->flow = FLOW_NORMAL;
	}
	if (!count && n->elselist)
		return run_list(x, n->elselist, dot);
	return true;
}

static bool run_node(struct exec *x, const struct tnode *n, struct tval dot)
{
	size_t mark = x->nvars;
	struct tval v;
	bool ok = true;

	switch (n->kind) {
	case N_TEXT:
		return emit(x, n->text, n->textlen);
	case N_LIST:
		return run_list(x, n, dot);
	case N_BREAK:
		x->flow = FLOW_BREAK;
		return true;
	case N_CONTINUE:
		x->flow = FLOW_CONTINUE;
		return true;
	case N_ACTION:
		if (!eval_pipe(x, n->pipe, dot, &v))
			return false;
		if (n->pipe->ndecl)
			return true;
		if (v.missing)
			return emit(x, "<no value>", 10);
		if (!v.j)
			return emit(x, "<nil>", 5);
		if (!tmpl_print_value(v.j, &x->out, &x->len, &x->cap)) {
			fail_at(x, NULL, "out of memory");
			return false;
		}
		return true;
	case N_IF:
	case N_WITH:
		if (!eval_pipe(x, n->pipe, dot, &v))
			return false;
		if (tmpl__truth(v))
			ok = run_list(x, n->list, n->kind == N_WITH ? v : dot);
		else if (n->elselist)
			ok = run_list(x, n->elselist, dot);
		break;
	case N_RANGE:
		ok = eval_pipe(x, n->pipe, dot, &v) && run_range(x, n, dot, v);
		break;
	}
	x->nvars = mark;
	return ok;
}

static bool run_list(struct exec *x, const struct tnode *n, struct tval dot)
{
	for (size_t i = 0; i < n->nkids && x->flow == FLOW_NORMAL; i++)
		if (!run_node(x, n->kids[i], dot))
			return false;
	return true;
}

char *tmpl_exec(const tmpl *t, json_object *dot, const struct tmpl_exec_options *opts, char **err)
{
	static const struct tmpl_exec_options defaults = {false, NULL, NULL};
	struct exec x = {0};
	struct tval root = {dot, false};

	x.opts = opts ? opts : &defaults;
	*err = NULL;
	if (push_var(&x, "$", root) && emit(&x, "", 0))
		run_list(&x, t->root, root);
	for (size_t i = 0; i < x.ngc; i++)
		json_object_put(x.gc[i]);
	free(x.gc);
	free(x.vars);
	if (x.err) {
		free(x.out);
		*err = x.err;
		return NULL;
	}
	return x.out;
}
