/* The template's tree, shared by the parser and the executor. */
#ifndef ENGINE_TOOLS_TEMPLATE_INTERNAL_H
#define ENGINE_TOOLS_TEMPLATE_INTERNAL_H

#include "template.h"

enum targ_kind {
	A_DOT,	  /* . */
	A_FIELD,  /* .A.B: fields of dot */
	A_VAR,	  /* $ or $x, then fields */
	A_FUNC,	  /* an identifier: a function */
	A_PIPE,	  /* (pipeline), then fields */
	A_LITERAL /* string, number, true/false, nil (lit NULL) */
};

struct tpipe;

struct targ {
	enum targ_kind kind;
	char *name; /* A_VAR's "$x", A_FUNC's name */
	char **fields;
	size_t nfields;
	json_object *lit;
	struct tpipe *pipe;
	char *src; /* as written, for "at <src>" in errors */
	int line, col;
};

struct tcmd {
	struct targ *args;
	size_t nargs;
};

struct tpipe {
	char *decl[2]; /* $x := ..., or $i, $v := in range */
	size_t ndecl;
	bool assign; /* $x = (not :=) */
	struct tcmd *cmds;
	size_t ncmds;
	int line, col;
};

enum tnode_kind { N_LIST, N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH, N_BREAK, N_CONTINUE };

struct tnode {
	enum tnode_kind kind;
	char *text; /* N_TEXT */
	size_t textlen;
	struct tpipe *pipe;
	struct tnode *list, *elselist; /* if/range/with */
	struct tnode **kids;	       /* N_LIST */
	size_t nkids;
	int line, col;
};

struct tmpl {
	struct tnode *root;
};

void tmpl__node_free(struct tnode *n);

/* The functions: call @name with @args; a new reference (or NULL for
 * null) in *out. Returns 0, 1 when @name is unknown, -1 with *err set
 * (malloc'd) on a bad call. */
struct tval {
	json_object *j;
	bool missing; /* Go's <no value>: a key the map does not have */
};
int tmpl__call(const char *name, const struct tval *args, size_t nargs, struct tval *out, char **err);
bool tmpl__known_func(const char *name);
bool tmpl__truth(struct tval v);
/* Append @n bytes of @s to a growing NUL-terminated buffer; false on OOM. */
bool tmpl__append(char **buf, size_t *len, size_t *cap, const char *s, size_t n);
/* An object's keys in Go's map order (sorted), a new array; NULL on OOM. */
json_object *tmpl__sorted_keys(json_object *obj);

#endif
