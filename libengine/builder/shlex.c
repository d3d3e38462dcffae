/*
 * Shell-like word expansion for Dockerfile instructions, following Docker's
 * ShellLex.ProcessWord: variables, quote removal and escapes, no command
 * substitution, no globbing, no word splitting.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "builder/dockerfile.h"
#include "builder/sbuf.h"
#include "core/error.h"

struct lex {
	const char *p;
	char escape;
	char *const *env;
};

static int process_until(struct lex *lx, char stop, engine__sbuf *out);

static const char *env_get(char *const *env, const char *name, size_t n)
{
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

static size_t scan_name(const char *p)
{
	size_t n = 0;

	if (isdigit((unsigned char)*p)) {
		while (isdigit((unsigned char)p[n]))
			n++;
		return n;
	}
	/* Special parameters ($@, $*, $#, $?, $$, $!, $-) are single characters. */
	if (*p && strchr("@*#?$!-", *p))
		return 1;
	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

static int process_dollar(struct lex *lx, engine__sbuf *out)
{
	const char *name, *value;
	size_t n;
	char mod, colon = 0;
	cleanup_sbuf engine__sbuf word = {0};
	int r;

	lx->p++; /* '$' */
	if (*lx->p != '{') {
		n = scan_name(lx->p);
		if (n == 0)
			return engine__sbuf_addc(out, '$');
		value = env_get(lx->env, lx->p, n);
		lx->p += n;
		return value ? engine__sbuf_add(out, value) : 0;
	}
	lx->p++;
	if (!*lx->p)
		return engine__error_set(ENGINE_EINVALID, 0, "syntax error: missing '}'");
	if (*lx->p == '{' || *lx->p == '}' || *lx->p == ':')
		return engine__error_set(ENGINE_EINVALID, 0, "syntax error: bad substitution");
	name = lx->p;
	n = scan_name(lx->p);
	lx->p += n;
	value = env_get(lx->env, name, n);
	if (*lx->p == '}') {
		lx->p++;
		return value ? engine__sbuf_add(out, value) : 0;
	}
	if (!*lx->p)
		return engine__error_set(ENGINE_EINVALID, 0, "syntax error: missing '}'");
	if (*lx->p == ':')
		colon = *lx->p++;
	mod = *lx->p;
	if (mod != '-' && mod != '+' && mod != '?')
		return colon ? engine__error_set(ENGINE_EINVALID, 0,
						 "unsupported modifier (%c) in substitution", mod)
			     : engine__error_set(ENGINE_EINVALID, 0, "missing ':' in substitution");
	lx->p++;
	if ((r = process_until(lx, '}', &word)) < 0)
		return r;
	switch (mod) {
	case '-': /* default when unset (or empty, with ':') */
		if (!value || (colon && !*value))
			return engine__sbuf_add(out, word.s ? word.s : "");
		return engine__sbuf_add(out, value);
	case '+': /* alternative when set (and not empty, with ':') */
		if (value && (!colon || *value))
			return engine__sbuf_add(out, word.s ? word.s : "");
		return 0;
	default: /* '?': error when unset (or empty) */
		if (!value || (colon && !*value))
			return engine__error_set(ENGINE_EINVALID, 0, "%.*s: %s", (int)n, name,
						 word.len ? word.s : "is not allowed to be unset");
		return engine__sbuf_add(out, value);
	}
}

static int process_single_quote(struct lex *lx, engine__sbuf *out)
{
	const char *e = strchr(++lx->p, '\'');

	/* Nothing escapes inside single quotes, not even the quote itself. */
	if (!e)
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "unexpected end of statement while looking for matching single-quote");
	if (engine__sbuf_addn(out, lx->p, (size_t)(e - lx->p)) < 0)
		return ENGINE_ENOMEM;
	lx->p = e + 1;
	return 0;
}

static int process_double_quote(struct lex *lx, engine__sbuf *out)
{
	int r;

	lx->p++;
	for (;;) {
		char ch = *lx->p;

		if (!ch)
			return engine__error_set(
			    ENGINE_EINVALID, 0,
			    "unexpected end of statement while looking for matching double-quote");
		if (ch == '"') {
			lx->p++;
			return 0;
		}
		if (ch == '$') {
			if ((r = process_dollar(lx, out)) < 0)
				return r;
			continue;
		}
		lx->p++;
		if (ch == lx->escape) {
			char next = *lx->p;

			if (!next)
				continue;
			/* Only these are escapable between double quotes, as in sh. */
			if (next == '"' || next == '$' || next == lx->escape)
				ch = *lx->p++;
		}
		if (engine__sbuf_addc(out, ch) < 0)
			return ENGINE_ENOMEM;
	}
}

static int process_until(struct lex *lx, char stop, engine__sbuf *out)
{
	int r;

	while (*lx->p) {
		char ch = *lx->p;

		if (stop && ch == stop) {
			lx->p++;
			return 0;
		}
		if (ch == '\'')
			r = process_single_quote(lx, out);
		else if (ch == '"')
			r = process_double_quote(lx, out);
		else if (ch == '$')
			r = process_dollar(lx, out);
		else {
			lx->p++;
			if (ch == lx->escape) {
				if (!*lx->p)
					break;
				ch = *lx->p++;
			}
			r = engine__sbuf_addc(out, ch);
		}
		if (r < 0)
			return r;
	}
	if (stop)
		return engine__error_set(ENGINE_EINVALID, 0, "syntax error: missing '%c'", stop);
	return 0;
}

int engine__shlex_word(const char *word, char escape, char *const *env, char **out)
{
	struct lex lx = {word, escape, env};
	cleanup_sbuf engine__sbuf b = {0};
	int r;

	if ((r = process_until(&lx, 0, &b)) < 0)
		return r;
	*out = engine__sbuf_steal(&b);
	return *out ? 0 : ENGINE_ENOMEM;
}
