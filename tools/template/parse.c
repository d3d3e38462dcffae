/* The template parser: text and {{actions}} into a tree, with Go's error
 * messages ("template: :1:9: unexpected "}" in operand"). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct parser {
	const char *s;
	size_t i;
	char *err;
	bool trim_next; /* the last action ended in " -}}" */
	int depth;	/* open if/range/with */
	int ranges;	/* open ranges, for break/continue */
};

static void pos_of(const struct parser *p, size_t at, int *line, int *col)
{
	*line = 1;
	*col = 0;
	for (size_t k = 0; k < at && p->s[k]; k++) {
		if (p->s[k] == '\n') {
			(*line)++;
			*col = 0;
		} else
			(*col)++;
	}
}

__attribute__((format(printf, 2, 3))) static void fail(struct parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int line, col;

	if (p->err)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pos_of(p, p->i, &line, &col);
	if (asprintf(&p->err, "template: :%d: %s", line, msg) < 0)
		p->err = NULL;
}

static void *xcalloc(struct parser *p, size_t n, size_t size)
{
	void *m = calloc(n ? n : 1, size);

	if (!m)
		fail(p, "out of memory");
	return m;
}

static bool grow(struct parser *p, void **arr, size_t n, size_t size)
{
	void *g = realloc(*arr, (n + 1) * size);

	if (!g) {
		fail(p, "out of memory");
		return false;
	}
	*arr = g;
	memset((char *)g + n * size, 0, size);
	return true;
}

static void skip_space(struct parser *p)
{
	while (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r')
		p->i++;
}

/* At "}}" or " -}}" (after spaces): consume it. */
static bool at_close(struct parser *p, bool consume)
{
	size_t k = p->i;

	while (p->s[k] == ' ' || p->s[k] == '\t' || p->s[k] == '\n' || p->s[k] == '\r')
		k++;
	if (p->s[k] == '-' && k > 0 && strchr(" \t\r\n", p->s[k - 1]) && p->s[k + 1] == '}' &&
	    p->s[k + 2] == '}') {
		if (consume) {
			p->i = k + 3;
			p->trim_next = true;
		}
		return true;
	}
	if (p->s[k] == '}' && p->s[k + 1] == '}') {
		if (consume) {
			p->i = k + 2;
			p->trim_next = false;
		}
		return true;
	}
	return false;
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static char *take_ident(struct parser *p)
{
	size_t start = p->i;

	while (ident_char(p->s[p->i]))
		p->i++;
	return strndup(p->s + start, p->i - start);
}

static void pipe_free(struct tpipe *pp);

static void arg_clear(struct targ *a)
{
	free(a->name);
	for (size_t i = 0; i < a->nfields; i++)
		free(a->fields[i]);
	free(a->fields);
	json_object_put(a->lit);
	pipe_free(a->pipe);
	free(a->src);
}

static void pipe_free(struct tpipe *pp)
{
	if (!pp)
		return;
	for (size_t c = 0; c < pp->ncmds; c++) {
		for (size_t a = 0; a < pp->cmds[c].nargs; a++)
			arg_clear(&pp->cmds[c].args[a]);
		free(pp->cmds[c].args);
	}
	free(pp->cmds);
	free(pp->decl[0]);
	free(pp->decl[1]);
	free(pp);
}

void tmpl__node_free(struct tnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		tmpl__node_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	pipe_free(n->pipe);
	tmpl__node_free(n->list);
	tmpl__node_free(n->elselist);
	free(n);
}

/* .A.B after an operand. */
static bool parse_fields(struct parser *p, struct targ *a)
{
	while (p->s[p->i] == '.' && ident_char(p->s[p->i + 1])) {
		p->i++;
		if (!grow(p, (void **)&a->fields, a->nfields, sizeof(char *)))
			return false;
		if (!(a->fields[a->nfields++] = take_ident(p))) {
			fail(p, "out of memory");
			return false;
		}
	}
	return true;
}

static bool parse_string(struct parser *p, struct targ *a)
{
	char quote = p->s[p->i++];
	size_t cap = 16, n = 0;
	char *buf = malloc(cap);

	while (buf && p->s[p->i] && p->s[p->i] != quote) {
		char c = p->s[p->i++];

		if (quote == '"' && c == '\n')
			break;
		if (quote == '"' && c == '\\') {
			c = p->s[p->i++];
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case '\\':
			case '"':
				break;
			default:
				fail(p, "invalid syntax in quoted string");
				free(buf);
				return false;
			}
		}
		if (n + 2 > cap) {
			char *g = realloc(buf, cap *= 2);
			if (!g)
				break;
			buf = g;
		}
		buf[n++] = c;
	}
	if (!buf || p->s[p->i] != quote) {
		fail(p, buf ? "unterminated quoted string" : "out of memory");
		free(buf);
		return false;
	}
	p->i++;
	a->kind = A_LITERAL;
	a->lit = json_object_new_string_len(buf, (int)n);
	free(buf);
	return a->lit != NULL;
}

static bool parse_number(struct parser *p, struct targ *a)
{
	const char *start = p->s + p->i;
	char *end;
	long long v;

	errno = 0;
	v = strtoll(start, &end, 0);
	if (*end == '.' || *end == 'e' || *end == 'E') {
		double d = strtod(start, &end);
		a->lit = json_object_new_double(d);
	} else if (errno == 0)
		a->lit = json_object_new_int64(v);
	if (!a->lit || ident_char(*end)) {
		fail(p, "bad number syntax: \"%.*s\"", (int)strcspn(start, " })|"), start);
		return false;
	}
	a->kind = A_LITERAL;
	p->i = (size_t)(end - p->s);
	return true;
}

static struct tpipe *parse_pipe(struct parser *p, bool in_parens, bool allow_decl);

static bool parse_operand(struct parser *p, struct targ *a)
{
	size_t start = p->i;
	char c = p->s[p->i];

	pos_of(p, start, &a->line, &a->col);
	if (c == '.' && ident_char(p->s[p->i + 1])) {
		a->kind = A_FIELD;
		if (!parse_fields(p, a))
			return false;
	} else if (c == '.') {
		a->kind = A_DOT;
		p->i++;
	} else if (c == '$') {
		p->i++;
		a->kind = A_VAR;
		free(take_ident(p));
		a->name = strndup(p->s + start, p->i - start);
		if (!a->name || !parse_fields(p, a))
			return false;
	} else if (c == '"' || c == '`') {
		if (!parse_string(p, a))
			return false;
	} else if (isdigit((unsigned char)c) ||
		   ((c == '-' || c == '+') && isdigit((unsigned char)p->s[p->i + 1]))) {
		if (!parse_number(p, a))
			return false;
	} else if (c == '(') {
		p->i++;
		a->kind = A_PIPE;
		if (!(a->pipe = parse_pipe(p, true, false)))
			return false;
		if (p->s[p->i] != ')') {
			fail(p, "unclosed left paren");
			return false;
		}
		p->i++;
		if (!parse_fields(p, a))
			return false;
	} else if (isalpha((unsigned char)c) || c == '_') {
		char *id = take_ident(p);

		if (!id) {
			fail(p, "out of memory");
			return false;
		}
		if (!strcmp(id, "true") || !strcmp(id, "false")) {
			a->kind = A_LITERAL;
			a->lit = json_object_new_boolean(id[0] == 't');
			free(id);
		} else if (!strcmp(id, "nil")) {
			a->kind = A_LITERAL;
			free(id);
		} else if (!tmpl__known_func(id)) {
			fail(p, "function \"%s\" not defined", id);
			free(id);
			return false;
		} else {
			a->kind = A_FUNC;
			a->name = id;
		}
	} else {
		if (!c)
			fail(p, "unclosed action");
		else
			fail(p, "unexpected \"%c\" in operand", c);
		return false;
	}
	if (ident_char(p->s[p->i]) || p->s[p->i] == '"') {
		fail(p, "unexpected \"%c\" in operand", p->s[p->i]);
		return false;
	}
	a->src = strndup(p->s + start, p->i - start);
	return a->src != NULL;
}

static bool pipe_end(struct parser *p, bool in_parens)
{
	return in_parens ? p->s[p->i] == ')' : at_close(p, false);
}

/* "$x :=", "$i, $v :=", "$x =" at the start of a pipeline. */
static bool parse_decl(struct parser *p, struct tpipe *pp, bool allow_decl)
{
	size_t save = p->i;

	for (;;) {
		size_t start = p->i;

		if (p->s[p->i] != '$')
			break;
		p->i++;
		while (ident_char(p->s[p->i]))
			p->i++;
		size_t end = p->i;
		skip_space(p);
		if (p->s[p->i] == ',' && pp->ndecl == 0 && allow_decl) {
			pp->decl[pp->ndecl++] = strndup(p->s + start, end - start);
			p->i++;
			skip_space(p);
			continue;
		}
		bool define = p->s[p->i] == ':' && p->s[p->i + 1] == '=';
		bool assign = p->s[p->i] == '=' && p->s[p->i + 1] != '=';
		if (define || assign) {
			pp->decl[pp->ndecl++] = strndup(p->s + start, end - start);
			pp->assign = assign;
			p->i += define ? 2 : 1;
			return true;
		}
		break;
	}
	/* Not a declaration: back to the start, it is an operand. */
	for (size_t k = 0; k < pp->ndecl; k++) {
		free(pp->decl[k]);
		pp->decl[k] = NULL;
	}
	if (pp->ndecl == 2 || (pp->ndecl == 1 && !allow_decl)) {
		fail(p, "too many declarations in command");
		return false;
	}
	pp->ndecl = 0;
	p->i = save;
	return true;
}

static struct tpipe *parse_pipe(struct parser *p, bool in_parens, bool allow_decl)
{
	struct tpipe *pp = xcalloc(p, 1, sizeof(*pp));

	if (!pp)
		return NULL;
	skip_space(p);
	pos_of(p, p->i, &pp->line, &pp->col);
	if (!parse_decl(p, pp, allow_decl))
		goto fail_pipe;
	for (;;) {
		struct tcmd *cmd;

		skip_space(p);
		if (!grow(p, (void **)&pp->cmds, pp->ncmds, sizeof(*pp->cmds)))
			goto fail_pipe;
		cmd = &pp->cmds[pp->ncmds++];
		while (!pipe_end(p, in_parens) && p->s[p->i] != '|' && p->s[p->i]) {
			if (in_parens && at_close(p, false)) {
				fail(p, "unclosed left paren");
				goto fail_pipe;
			}
			if (!grow(p, (void **)&cmd->args, cmd->nargs, sizeof(*cmd->args)))
				goto fail_pipe;
			if (!parse_operand(p, &cmd->args[cmd->nargs++]))
				goto fail_pipe;
			skip_space(p);
		}
		if (!cmd->nargs) {
			fail(p, pp->ncmds > 1 ? "missing command after |" : "missing value for command");
			goto fail_pipe;
		}
		if (p->s[p->i] != '|')
			break;
		p->i++;
	}
	if (!p->s[p->i]) {
		fail(p, in_parens ? "unclosed left paren" : "unclosed action");
		goto fail_pipe;
	}
	return pp;
fail_pipe:
	pipe_free(pp);
	return NULL;
}

static struct tnode *new_node(struct parser *p, enum tnode_kind kind)
{
	struct tnode *n = xcalloc(p, 1, sizeof(*n));

	if (n) {
		n->kind = kind;
		pos_of(p, p->i, &n->line, &n->col);
	}
	return n;
}

static bool add_kid(struct parser *p, struct tnode *list, struct tnode *kid)
{
	if (!kid || !grow(p, (void **)&list->kids, list->nkids, sizeof(*list->kids))) {
		tmpl__node_free(kid);
		return false;
	}
	list->kids[list->nkids++] = kid;
	return true;
}

/* Why parse_list stopped. */
enum stop { STOP_EOF, STOP_END, STOP_ELSE, STOP_ERROR };

static enum stop parse_list(struct parser *p, struct tnode *list);

/* if/range/with after its keyword: pipeline, body, else, end. */
static struct tnode *parse_control(struct parser *p, enum tnode_kind kind, const char *word)
{
	struct tnode *n = new_node(p, kind);
	enum stop why;

	if (!n)
		return NULL;
	if (!(n->pipe = parse_pipe(p, false, kind == N_RANGE)))
		goto fail_node;
	if (!at_close(p, true)) {
		fail(p, "unexpected \"%c\" in %s", p->s[p->i], word);
		goto fail_node;
	}
	p->depth++;
	p->ranges += kind == N_RANGE;
	n->list = new_node(p, N_LIST);
	why = n->list ? parse_list(p, n->list) : STOP_ERROR;
	p->ranges -= kind == N_RANGE;
	if (why == STOP_ELSE) {
		n->elselist = new_node(p, N_LIST);
		if (!n->elselist)
			why = STOP_ERROR;
		else if (!strncmp(p->s + p->i, "if", 2) && !ident_char(p->s[p->i + 2]) && kind == N_IF) {
			/* {{else if x}}: an if inside the else, sharing its {{end}}. */
			p->i += 2;
			p->depth--;
			return add_kid(p, n->elselist, parse_control(p, N_IF, "if"))
				   ? n
				   : (tmpl__node_free(n), NULL);
		} else if (!strncmp(p->s + p->i, "with", 4) && !ident_char(p->s[p->i + 4]) &&
			   kind == N_WITH) {
			p->i += 4;
			p->depth--;
			return add_kid(p, n->elselist, parse_control(p, N_WITH, "with"))
				   ? n
				   : (tmpl__node_free(n), NULL);
		} else if (!at_close(p, true)) {
			fail(p, "unexpected \"%c\" in else", p->s[p->i]);
			why = STOP_ERROR;
		} else
			why = parse_list(p, n->elselist);
	}
	p->depth--;
	if (why == STOP_END)
		return n;
	if (why == STOP_ELSE)
		fail(p, "expected end; found {{else}}");
	else if (why == STOP_EOF)
		fail(p, "unexpected EOF");
fail_node:
	tmpl__node_free(n);
	return NULL;
}

static void trim_left_text(struct tnode *list)
{
	struct tnode *t = list->nkids ? list->kids[list->nkids - 1] : NULL;

	if (!t || t->kind != N_TEXT)
		return;
	while (t->textlen && strchr(" \t\r\n", t->text[t->textlen - 1]))
		t->text[--t->textlen] = '\0';
}

/* One action after "{{" (and its trim marker). */
static enum stop parse_action(struct parser *p, struct tnode *list)
{
	static const struct {
		const char *word;
		enum tnode_kind kind;
	} controls[] = {{"if", N_IF}, {"range", N_RANGE}, {"with", N_WITH}};
	size_t start;

	skip_space(p);
	if (!strncmp(p->s + p->i, "/*", 2)) {
		const char *end = strstr(p->s + p->i + 2, "*/");

		if (!end) {
			fail(p, "unclosed comment");
			return STOP_ERROR;
		}
		p->i = (size_t)(end - p->s) + 2;
		if (!at_close(p, true)) {
			fail(p, "comment ends before closing delimiter");
			return STOP_ERROR;
		}
		return STOP_EOF;
	}
	start = p->i;
	if (isalpha((unsigned char)p->s[p->i])) {
		char *word = take_ident(p);
		enum stop why = STOP_EOF;
		bool done = true;

		if (!word) {
			fail(p, "out of memory");
			return STOP_ERROR;
		}
		if (!strcmp(word, "end") || !strcmp(word, "else")) {
			bool end = word[1] == 'n';

			if (!p->depth) {
				fail(p, "unexpected {{%s}}", word);
				why = STOP_ERROR;
			} else if (end && !at_close(p, true)) {
				fail(p, "unexpected \"%c\" in end", p->s[p->i]);
				why = STOP_ERROR;
			} else {
				if (!end)
					skip_space(p);
				why = end ? STOP_END : STOP_ELSE;
			}
		} else if (!strcmp(word, "break") || !strcmp(word, "continue")) {
			if (!p->ranges) {
				fail(p, "{{%s}} outside {{range}}", word);
				why = STOP_ERROR;
			} else if (!at_close(p, true)) {
				fail(p, "unexpected \"%c\" in %s", p->s[p->i], word);
				why = STOP_ERROR;
			} else if (!add_kid(p, list, new_node(p, word[0] == 'b' ? N_BREAK : N_CONTINUE)))
				why = STOP_ERROR;
		} else if (!strcmp(word, "define") || !strcmp(word, "template") || !strcmp(word, "block")) {
			fail(p, "{{%s}} is not supported here", word);
			why = STOP_ERROR;
		} else {
			done = false;
			for (size_t k = 0; k < sizeof(controls) / sizeof(*controls); k++)
				if (!strcmp(word, controls[k].word)) {
					done = true;
					if (!add_kid(p, list, parse_control(p, controls[k].kind, word)))
						why = STOP_ERROR;
				}
		}
		free(word);
		if (done)
			return why;
		p->i = start;
	}
	struct tnode *n = new_node(p, N_ACTION);
	if (!n || !(n->pipe = parse_pipe(p, false, true)) || !add_kid(p, list, n)) {
		if (n && !n->pipe)
			tmpl__node_free(n);
		return STOP_ERROR;
	}
	if (!at_close(p, true)) {
		fail(p, "unexpected \"%c\" in command", p->s[p->i]);
		return STOP_ERROR;
	}
	return STOP_EOF;
}

static enum stop parse_list(struct parser *p, struct tnode *list)
{
	while (p->s[p->i]) {
		const char *open = strstr(p->s + p->i, "{{");
		size_t len = open ? (size_t)(open - (p->s + p->i)) : strlen(p->s + p->i);
		const char *text = p->s + p->i;
		enum stop why;

		if (p->trim_next) {
			while (len && strchr(" \t\r\n", *text)) {
				text++;
				len--;
			}
			p->trim_next = false;
		}
		if (len) {
			struct tnode *t = new_node(p, N_TEXT);

			if (!t || !(t->text = strndup(text, len))) {
				tmpl__node_free(t);
				fail(p, "out of memory");
				return STOP_ERROR;
			}
			t->textlen = len;
			if (!add_kid(p, list, t))
				return STOP_ERROR;
		}
		if (!open)
			break;
		p->i = (size_t)(open - p->s) + 2;
		if (p->s[p->i] == '-' && strchr(" \t\r\n", p->s[p->i + 1])) {
			trim_left_text(list);
			p->i++;
		}
		why = parse_action(p, list);
		if (why != STOP_EOF)
			return why;
	}
	return STOP_EOF;
}

tmpl *tmpl_parse(const char *text, char **err)
{
	struct parser p = {text, 0, NULL, false, 0, 0};
	tmpl *t = calloc(1, sizeof(*t));

	*err = NULL;
	if (!t || !(t->root = new_node(&p, N_LIST)) || parse_list(&p, t->root) != STOP_EOF) {
		if (!p.err)
			fail(&p, "out of memory");
		if (t)
			tmpl__node_free(t->root);
		free(t);
		*err = p.err;
		return NULL;
	}
	return t;
}

void tmpl_free(tmpl *t)
{
	if (t) {
		tmpl__node_free(t->root);
		free(t);
	}
}
