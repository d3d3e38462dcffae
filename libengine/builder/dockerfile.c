/*
 * The Dockerfile parser: physical lines to instructions, with the rules of
 * Docker's parser (moby/buildkit frontend/dockerfile/parser) — parser
 * directives only at the top, comments removed, continuation lines joined
 * (comment and empty lines inside a continuation skipped), leading --flags
 * split off, then the per-instruction argument forms.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "builder/dockerfile.h"
#include "builder/sbuf.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

static const struct {
	const char *name;
	engine__df_kind kind;
	const char *const flags[6]; /* allowed --flags */
} kinds[] = {
    {"FROM", ENGINE__DF_FROM, {"platform"}},
    {"RUN", ENGINE__DF_RUN, {NULL}},
    {"CMD", ENGINE__DF_CMD, {NULL}},
    {"ENTRYPOINT", ENGINE__DF_ENTRYPOINT, {NULL}},
    {"COPY", ENGINE__DF_COPY, {"from", "chown", "chmod", "link"}},
    {"ADD", ENGINE__DF_ADD, {"chown", "chmod", "link"}},
    {"ENV", ENGINE__DF_ENV, {NULL}},
    {"ARG", ENGINE__DF_ARG, {NULL}},
    {"LABEL", ENGINE__DF_LABEL, {NULL}},
    {"EXPOSE", ENGINE__DF_EXPOSE, {NULL}},
    {"VOLUME", ENGINE__DF_VOLUME, {NULL}},
    {"WORKDIR", ENGINE__DF_WORKDIR, {NULL}},
    {"USER", ENGINE__DF_USER, {NULL}},
    {"STOPSIGNAL", ENGINE__DF_STOPSIGNAL, {NULL}},
    {"SHELL", ENGINE__DF_SHELL, {NULL}},
    {"HEALTHCHECK",
     ENGINE__DF_HEALTHCHECK,
     {"interval", "timeout", "start-period", "start-interval", "retries"}},
    {"MAINTAINER", ENGINE__DF_MAINTAINER, {NULL}},
    {"ONBUILD", ENGINE__DF_ONBUILD, {NULL}},
};

const char *engine__df_kind_name(engine__df_kind kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == kind)
			return kinds[i].name;
	return "?";
}

const char *engine__df_flag(const engine__df_instr *in, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; in->flags && in->flags[i]; i++) {
		const char *f = in->flags[i];

		if (strncmp(f, name, n) == 0 && (f[n] == '=' || f[n] == '\0'))
			return f[n] ? f + n + 1 : f + n;
	}
	return NULL;
}

/* --- lines ------------------------------------------------------------------ */

static bool is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static const char *skip_blank(const char *s)
{
	while (*s && is_blank((unsigned char)*s))
		s++;
	return s;
}

static bool is_comment(const char *line)
{
	return *skip_blank(line) == '#';
}

/* Strip "<escape>[ \t]*$"; true when the line continues. */
static bool trim_continuation(char *line, char escape)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n > 0 && line[n - 1] == escape) {
		line[n - 1] = '\0';
		return true;
	}
	return false;
}

/* "# key=value" at the top of the file. Returns 1 when it was a directive. */
static int parse_directive(const char *name, int lineno, const char *line, char *escape, bool *seen_escape)
{
	const char *p = line;
	const char *k, *v, *ve;
	size_t klen;

	if (*p != '#')
		return 0;
	p = skip_blank(p + 1);
	k = p;
	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p))
		p++;
	klen = (size_t)(p - k);
	p = skip_blank(p);
	if (*p != '=')
		return 0;
	v = skip_blank(p + 1);
	ve = v + strlen(v);
	while (ve > v && is_blank((unsigned char)ve[-1]))
		ve--;
	if (ve == v)
		return 0;
	if (klen == 6 && strncasecmp(k, "escape", 6) == 0) {
		if (*seen_escape)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "%s:%d: only one escape parser directive can be used", name,
						 lineno);
		if (ve - v != 1 || (*v != '\\' && *v != '`'))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "%s:%d: invalid escape token '%.*s' does not match ` or \\",
						 name, lineno, (int)(ve - v), v);
		*escape = *v;
		*seen_escape = true;
		return 1;
	}
	/* syntax= picks a BuildKit frontend and check= configures its linter:
	 * both are directives (they end nothing) with no meaning here. */
	if ((klen == 6 && strncasecmp(k, "syntax", 6) == 0) || (klen == 5 && strncasecmp(k, "check", 5) == 0))
		return 1;
	return 0;
}

/* --- words and flags ---------------------------------------------------------- */

/*
 * Split @s into words at blanks, honouring quotes and the escape character.
 * Two of Docker's tokenisers in one:
 *  - words (parseWords, for ENV/LABEL/ARG): quotes and escapes stay in the
 *    words, for the expansion at dispatch time to remove;
 *  - flags (extractBuilderFlags): only leading "--" words, quotes and '\'
 *    escapes removed, "--" alone ends them; *rest gets what follows.
 */
static int scan_words(const char *s, char escape, bool flags, char ***out, const char **rest)
{
	cleanup_strv char **words = calloc(1, sizeof(char *));
	cleanup_sbuf engine__sbuf w = {0};
	enum { SPACES, WORD, QUOTE } phase = SPACES;
	char quote = 0;
	bool blank_ok = false;
	size_t n = strlen(s);

	if (!words)
		return engine__error_oom();
	if (rest)
		*rest = s + n;
	for (size_t pos = 0; pos <= n; pos++) {
		char ch = pos < n ? s[pos] : 0;

		if (phase == SPACES) {
			if (pos == n)
				break;
			if (is_blank((unsigned char)ch))
				continue;
			if (flags && (ch != '-' || s[pos + 1] != '-')) {
				*rest = s + pos;
				break;
			}
			phase = WORD;
		}
		if (pos == n) {
			if ((blank_ok || w.len) && !(flags && strcmp(w.s, "--") == 0))
				if (engine__strv_push_take(&words, engine__sbuf_steal(&w)) < 0)
					return ENGINE_ENOMEM;
			break;
		}
		if (phase == WORD) {
			if (is_blank((unsigned char)ch)) {
				phase = SPACES;
				if (flags && w.len && strcmp(w.s, "--") == 0) {
					*rest = skip_blank(s + pos);
					break;
				}
				if (blank_ok || w.len)
					if (engine__strv_push_take(&words, engine__sbuf_steal(&w)) < 0)
						return ENGINE_ENOMEM;
				w.len = 0;
				blank_ok = false;
				continue;
			}
			if (ch == '\'' || ch == '"') {
				quote = ch;
				blank_ok = true;
				phase = QUOTE;
				if (flags)
					continue;
			} else if (ch == escape) {
				if (pos + 1 == n)
					continue;
				if (!flags && engine__sbuf_addc(&w, ch) < 0)
					return ENGINE_ENOMEM;
				ch = s[++pos];
			}
		} else if (ch == quote) {
			phase = WORD;
			if (flags)
				continue;
		} else if (ch == escape && (flags || quote != '\'')) {
			if (pos + 1 == n) {
				phase = WORD;
				continue;
			}
			if (!flags && engine__sbuf_addc(&w, ch) < 0)
				return ENGINE_ENOMEM;
			ch = s[++pos];
		}
		if (engine__sbuf_addc(&w, ch) < 0)
			return ENGINE_ENOMEM;
	}
	if (flags) /* looked up by name, without the "--" */
		for (size_t i = 0; words[i]; i++)
			memmove(words[i], words[i] + 2, strlen(words[i] + 2) + 1);
	*out = steal_ptr(words);
	return 0;
}

static int parse_words(const char *rest, char escape, char ***out)
{
	return scan_words(rest, escape, false, out, NULL);
}

static int extract_flags(const char *line, char ***flags_out, const char **rest)
{
	return scan_words(line, '\\', true, flags_out, rest);
}

/* A JSON array of strings, or 1 when @rest is not one (then it is shell form). */
static int parse_json_array(const char *rest, char ***out)
{
	json_tokener *tok;
	json_object *arr;
	size_t n = strlen(rest);
	int r;

	if (*rest != '[')
		return 1;
	tok = json_tokener_new();
	if (!tok)
		return engine__error_oom();
	arr = json_tokener_parse_ex(tok, rest, (int)n);
	if (!arr || json_tokener_get_error(tok) != json_tokener_success ||
	    *skip_blank(rest + json_tokener_get_parse_end(tok)) != '\0' ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		json_tokener_free(tok);
		return 1;
	}
	json_tokener_free(tok);
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (!json_object_is_type(json_object_array_get_idx(arr, i), json_type_string)) {
			json_object_put(arr);
			return 1;
		}
	r = engine__json_to_strv(arr, out);
	json_object_put(arr);
	return r;
}

/* --- instruction arguments ------------------------------------------------------ */

#define PERR(fmt, ...) engine__error_set(ENGINE_EINVALID, 0, "%s:%d: " fmt, name, in->line, ##__VA_ARGS__)

static int split_blank(const char *rest, char ***out)
{
	cleanup_strv char **v = calloc(1, sizeof(char *));

	if (!v)
		return engine__error_oom();
	while (*(rest = skip_blank(rest))) {
		const char *e = rest;

		while (*e && !is_blank((unsigned char)*e))
			e++;
		if (engine__strv_push_take(&v, strndup(rest, (size_t)(e - rest))) < 0)
			return ENGINE_ENOMEM;
		rest = e;
	}
	*out = steal_ptr(v);
	return 0;
}

/* RUN/CMD/ENTRYPOINT/SHELL: JSON array, or the whole rest as one string. */
static int parse_maybe_json(engine__df_instr *in, const char *rest)
{
	int r = parse_json_array(rest, &in->args);

	if (r <= 0) {
		in->json = r == 0;
		return r;
	}
	in->args = calloc(2, sizeof(char *));
	if (!in->args)
		return engine__error_oom();
	if (*rest && !(in->args[0] = strdup(rest)))
		return engine__error_oom();
	return 0;
}

static int parse_maybe_json_list(engine__df_instr *in, const char *rest)
{
	int r = parse_json_array(rest, &in->args);

	if (r <= 0) {
		in->json = r == 0;
		return r;
	}
	return split_blank(rest, &in->args);
}

/* ENV and LABEL: "KEY value..." (old form) or "k=v k2=v2". */
static int parse_name_val(const char *name, engine__df_instr *in, const char *rest, char escape)
{
	const char *kw = engine__df_kind_name(in->kind);
	cleanup_strv char **words = NULL;
	int r = parse_words(rest, escape, &words);

	if (r < 0)
		return r;
	if (!words[0])
		return PERR("%s requires at least one argument", kw);
	in->args = calloc(1, sizeof(char *));
	if (!in->args)
		return engine__error_oom();
	if (!strchr(words[0], '=')) {
		const char *e = rest;

		while (*e && !is_blank((unsigned char)*e))
			e++;
		if (!*skip_blank(e))
			return PERR("%s must have two arguments", kw);
		if (engine__strv_push_take(&in->args, strndup(rest, (size_t)(e - rest))) < 0 ||
		    engine__strv_push(&in->args, skip_blank(e)) < 0)
			return ENGINE_ENOMEM;
		return 0;
	}
	for (size_t i = 0; words[i]; i++) {
		char *eq = strchr(words[i], '=');

		if (!eq)
			return PERR("Syntax error - can't find = in \"%s\". Must be of the form: name=value",
				    words[i]);
		if (eq == words[i])
			return PERR("%s names can not be blank", kw);
		if (engine__strv_push_take(&in->args, strndup(words[i], (size_t)(eq - words[i]))) < 0 ||
		    engine__strv_push(&in->args, eq + 1) < 0)
			return ENGINE_ENOMEM;
	}
	return 0;
}

int engine__df_parse_duration(const char *s, int64_t *out)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1},	 {"us", 1e3}, {"µs", 1e3},  {"ms", 1e6},
		     {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
	const char *p = s;
	double total = 0;

	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (!*p)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid duration \"\"");
	while (*p) {
		char *end;
		double v;
		size_t best = 0, bi = 0;

		errno = 0;
		if (!isdigit((unsigned char)*p) && *p != '.')
			return engine__error_set(ENGINE_EINVALID, 0, "invalid duration \"%s\"", s);
		v = strtod(p, &end);
		if (errno || end == p)
			return engine__error_set(ENGINE_EINVALID, 0, "invalid duration \"%s\"", s);
		p = end;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);

			if (strncmp(p, units[i].unit, l) == 0 && l > best)
				best = l, bi = i;
		}
		if (!best)
			return engine__error_set(ENGINE_EINVALID, 0, "missing unit in duration \"%s\"", s);
		total += v * units[bi].ns;
		p += best;
	}
	if (total > 9.2e18)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid duration \"%s\": too large", s);
	*out = (int64_t)total;
	return 0;
}

static int parse_healthcheck(const char *name, engine__df_instr *in, const char *rest)
{
	static const char *const durations[] = {"interval", "timeout", "start-period", "start-interval"};
	int64_t *slots[] = {&in->hc_interval, &in->hc_timeout, &in->hc_start_period, &in->hc_start_interval};
	const char *e = rest, *v;
	cleanup_free char *type = NULL;

	while (*e && !is_blank((unsigned char)*e))
		e++;
	type = strndup(rest, (size_t)(e - rest));
	if (!type)
		return engine__error_oom();
	for (char *c = type; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	if (strcmp(type, "NONE") == 0) {
		if (*skip_blank(e))
			return PERR("HEALTHCHECK NONE takes no arguments");
		in->args = calloc(2, sizeof(char *));
		if (!in->args || !(in->args[0] = strdup("NONE")))
			return engine__error_oom();
		return 0;
	}
	if (strcmp(type, "CMD") != 0)
		return PERR("Unknown type \"%s\" in HEALTHCHECK (try CMD)", type);
	for (size_t i = 0; i < 4; i++) {
		if (!(v = engine__df_flag(in, durations[i])))
			continue;
		if (engine__df_parse_duration(v, slots[i]) < 0)
			return engine__error_wrap("%s:%d: HEALTHCHECK --%s", name, in->line, durations[i]);
		if (*slots[i] != 0 && *slots[i] < 1000000)
			return PERR("HEALTHCHECK --%s cannot be less than 1ms", durations[i]);
	}
	if ((v = engine__df_flag(in, "retries"))) {
		char *end;
		long n = strtol(v, &end, 10);

		if (!*v || *end || n < 0 || n > 1000000)
			return PERR("HEALTHCHECK --retries: invalid value \"%s\"", v);
		in->hc_retries = (int)n;
	}
	if (parse_maybe_json(in, skip_blank(e)) < 0)
		return ENGINE_ENOMEM;
	if (!in->args[0] && !in->json)
		return PERR("Missing command after HEALTHCHECK CMD");
	/* Keep the type in front, like the config's Test ["CMD", ...]. */
	{
		size_t n = engine__strv_len(in->args);
		char **v2 = realloc(in->args, (n + 2) * sizeof(char *));

		if (!v2)
			return engine__error_oom();
		memmove(v2 + 1, v2, (n + 1) * sizeof(char *));
		v2[0] = strdup("CMD");
		in->args = v2;
		if (!v2[0])
			return engine__error_oom();
	}
	return 0;
}

static bool valid_stage_name(const char *s)
{
	if (!isalpha((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

static int parse_args(const char *name, engine__df_instr *in, const char *rest, char escape)
{
	const char *kw = engine__df_kind_name(in->kind);
	size_t n;
	int r;

	switch (in->kind) {
	case ENGINE__DF_FROM:
		if ((r = split_blank(rest, &in->args)) < 0)
			return r;
		n = engine__strv_len(in->args);
		if (n != 1 && !(n == 3 && strcasecmp(in->args[1], "as") == 0))
			return PERR("FROM requires either one or three arguments");
		if (n == 3) {
			for (char *c = in->args[2]; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			if (!valid_stage_name(in->args[2]))
				return PERR(
				    "invalid name for build stage: \"%s\", name can't start with a number "
				    "or contain symbols",
				    in->args[2]);
		}
		return 0;
	case ENGINE__DF_RUN:
	case ENGINE__DF_CMD:
	case ENGINE__DF_ENTRYPOINT:
		if ((r = parse_maybe_json(in, rest)) < 0)
			return r;
		if (in->kind == ENGINE__DF_RUN && !in->args[0])
			return PERR("RUN requires at least one argument");
		if (!in->json && !in->args[0])
			return PERR("%s requires at least one argument", kw);
		return 0;
	case ENGINE__DF_SHELL:
		if ((r = parse_maybe_json(in, rest)) < 0)
			return r;
		if (!in->json)
			return PERR("SHELL requires the arguments to be in JSON form");
		if (!in->args[0])
			return PERR("SHELL requires at least one argument");
		return 0;
	case ENGINE__DF_COPY:
	case ENGINE__DF_ADD:
		if ((r = parse_maybe_json_list(in, rest)) < 0)
			return r;
		if (engine__strv_len(in->args) < 2)
			return PERR("%s requires at least two arguments", kw);
		return 0;
	case ENGINE__DF_EXPOSE:
	case ENGINE__DF_VOLUME:
		if ((r = parse_maybe_json_list(in, rest)) < 0)
			return r;
		if (!in->args[0])
			return PERR("%s requires at least one argument", kw);
		for (size_t i = 0; in->args[i]; i++)
			if (!*skip_blank(in->args[i]))
				return PERR("%s specified can not be an empty string", kw);
		return 0;
	case ENGINE__DF_ENV:
	case ENGINE__DF_LABEL:
		return parse_name_val(name, in, rest, escape);
	case ENGINE__DF_ARG:
		if ((r = parse_words(rest, escape, &in->args)) < 0)
			return r;
		if (!in->args[0])
			return PERR("ARG requires at least one argument");
		for (size_t i = 0; in->args[i]; i++)
			if (in->args[i][0] == '=')
				return PERR("ARG names can not be blank");
		return 0;
	case ENGINE__DF_WORKDIR:
	case ENGINE__DF_USER:
	case ENGINE__DF_STOPSIGNAL:
	case ENGINE__DF_MAINTAINER:
	case ENGINE__DF_ONBUILD:
		if (!*rest)
			return PERR("%s requires exactly one argument", kw);
		in->args = calloc(2, sizeof(char *));
		if (!in->args || !(in->args[0] = strdup(rest)))
			return engine__error_oom();
		if (in->kind == ENGINE__DF_ONBUILD) {
			const char *t = in->args[0];

			if (strncasecmp(t, "ONBUILD", 7) == 0 && (!t[7] || is_blank((unsigned char)t[7])))
				return PERR("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
			if ((strncasecmp(t, "FROM", 4) == 0 && (!t[4] || is_blank((unsigned char)t[4]))) ||
			    (strncasecmp(t, "MAINTAINER", 10) == 0 &&
			     (!t[10] || is_blank((unsigned char)t[10]))))
				return PERR("%.*s isn't allowed as an ONBUILD trigger",
					    (int)strcspn(t, " \t"), t);
		}
		return 0;
	case ENGINE__DF_HEALTHCHECK:
		if (!*rest)
			return PERR("HEALTHCHECK requires at least one argument");
		return parse_healthcheck(name, in, rest);
	}
	return PERR("unknown instruction");
}

static int check_flags(const char *name, engine__df_instr *in, size_t ki)
{
	for (size_t i = 0; in->flags[i]; i++) {
		const char *f = in->flags[i];
		size_t fl = strcspn(f, "=");
		bool ok = false;

		for (size_t j = 0; j < 6 && kinds[ki].flags[j]; j++)
			if (strlen(kinds[ki].flags[j]) == fl && strncmp(kinds[ki].flags[j], f, fl) == 0)
				ok = true;
		if (!ok)
			return PERR("%s: Unknown flag: %.*s", kinds[ki].name, (int)fl, f);
		if (!f[fl] && strcmp(f, "link") != 0)
			return PERR("%s: Missing a value on flag: %s", kinds[ki].name, f);
	}
	return 0;
}

static int parse_instruction(const char *name, char escape, int lineno, const char *line,
			     engine__df_instr *in)
{
	const char *p = skip_blank(line), *e, *rest = NULL;
	size_t kl, ki, ol;
	int r;

	in->line = lineno;
	in->original = strdup(p);
	if (!in->original)
		return engine__error_oom();
	ol = strlen(in->original);
	while (ol > 0 && is_blank((unsigned char)in->original[ol - 1]))
		in->original[--ol] = '\0';
	e = p;
	while (*e && !is_blank((unsigned char)*e))
		e++;
	kl = (size_t)(e - p);
	for (ki = 0; ki < sizeof(kinds) / sizeof(kinds[0]); ki++)
		if (strlen(kinds[ki].name) == kl && strncasecmp(kinds[ki].name, p, kl) == 0)
			break;
	if (ki == sizeof(kinds) / sizeof(kinds[0]))
		return PERR("unknown instruction: %.*s", (int)kl, p);
	in->kind = kinds[ki].kind;
	if ((r = extract_flags(skip_blank(e), &in->flags, &rest)) < 0)
		return r;
	if ((r = check_flags(name, in, ki)) < 0)
		return r;
	{
		cleanup_free char *trimmed = strdup(rest);
		size_t tl;

		if (!trimmed)
			return engine__error_oom();
		tl = strlen(trimmed);
		while (tl > 0 && is_blank((unsigned char)trimmed[tl - 1]))
			trimmed[--tl] = '\0';
		return parse_args(name, in, trimmed, escape);
	}
}

static void instr_clear(engine__df_instr *in)
{
	free(in->original);
	engine__strv_free(in->flags);
	engine__strv_free(in->args);
}

void engine__dockerfile_free(engine__dockerfile *df)
{
	if (!df)
		return;
	for (size_t i = 0; i < df->n_instrs; i++)
		instr_clear(&df->instrs[i]);
	free(df->instrs);
	engine__strv_free(df->warnings);
	free(df);
}

static void dockerfile_freep(engine__dockerfile **df)
{
	engine__dockerfile_free(*df);
}

/* Split @text into lines (NUL-terminated copies, "\r\n" handled). */
static int split_lines(const char *text, size_t len, char ***out)
{
	cleanup_strv char **lines = calloc(1, sizeof(char *));
	size_t i = 0;

	if (!lines)
		return engine__error_oom();
	/* A UTF-8 byte order mark is not part of the first instruction. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len) {
		size_t j = i;
		char *l;

		while (j < len && text[j] != '\n')
			j++;
		l = strndup(text + i, j - i);
		if (!l)
			return engine__error_oom();
		if (strlen(l) && l[strlen(l) - 1] == '\r')
			l[strlen(l) - 1] = '\0';
		if (engine__strv_push_take(&lines, l) < 0)
			return ENGINE_ENOMEM;
		i = j + 1;
	}
	*out = steal_ptr(lines);
	return 0;
}

int engine__dockerfile_parse(const char *name, const char *text, size_t len, engine__dockerfile **out)
{
	__attribute__((cleanup(dockerfile_freep))) engine__dockerfile *df = calloc(1, sizeof(*df));
	cleanup_strv char **lines = NULL;
	bool directives = true, seen_escape = false, seen_from = false;
	size_t cap = 0;
	int r;

	if (!df || !(df->warnings = calloc(1, sizeof(char *))))
		return engine__error_oom();
	df->escape = '\\';
	if ((r = split_lines(text, len, &lines)) < 0)
		return r;
	for (size_t i = 0; lines[i];) {
		const char *first = skip_blank(lines[i]);
		int lineno = (int)i + 1;
		cleanup_sbuf engine__sbuf line = {0};
		bool empty_cont = false, cont;
		engine__df_instr *in;

		if (directives) {
			r = parse_directive(name, lineno, first, &df->escape, &seen_escape);
			if (r < 0)
				return r;
			if (r == 1) {
				i++;
				continue;
			}
			directives = false;
		}
		i++;
		if (*first == '#' || (!*first))
			continue;
		if (engine__sbuf_add(&line, first) < 0)
			return ENGINE_ENOMEM;
		cont = trim_continuation(line.s, df->escape);
		line.len = strlen(line.s);
		while (cont && lines[i]) {
			const char *l = lines[i++];

			if (is_comment(l))
				continue;
			if (!*skip_blank(l)) {
				empty_cont = true;
				continue;
			}
			{
				size_t before = line.len;

				if (engine__sbuf_add(&line, l) < 0)
					return ENGINE_ENOMEM;
				cont = trim_continuation(line.s + before, df->escape);
				line.len = strlen(line.s);
			}
		}
		if (!*skip_blank(line.s))
			continue;
		if (empty_cont) {
			char *w = engine__strdup_printf(
			    "%s:%d: empty continuation lines will become errors in a future release: %s",
			    name, lineno, line.s);

			if (!w || engine__strv_push_take(&df->warnings, w) < 0)
				return ENGINE_ENOMEM;
		}
		if (df->n_instrs == cap) {
			engine__df_instr *v = realloc(df->instrs, (cap ? cap * 2 : 16) * sizeof(*v));

			if (!v)
				return engine__error_oom();
			df->instrs = v;
			cap = cap ? cap * 2 : 16;
		}
		in = &df->instrs[df->n_instrs++];
		memset(in, 0, sizeof(*in));
		if ((r = parse_instruction(name, df->escape, lineno, line.s, in)) < 0)
			return r;
		if (in->kind == ENGINE__DF_FROM)
			seen_from = true;
		else if (!seen_from && in->kind != ENGINE__DF_ARG)
			return PERR("%s: no build stage in current context", engine__df_kind_name(in->kind));
	}
	if (df->n_instrs == 0)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: file with no instructions", name);
	if (!seen_from)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: no FROM instruction", name);
	*out = steal_ptr(df);
	return 0;
}
