/* The template's functions (Go's builtins and docker's additions) and
 * Go's fmt %v of a value. */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bool tmpl__append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
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

/* Go's %v of a float64: the shortest digits that read back, in %e form
 * when the exponent is below -4 or at least 6 (strconv's 'g', -1). */
static void format_double(double d, char *buf, size_t len)
{
	char e[40];
	int prec, exp;

	if (isnan(d) || isinf(d)) {
		snprintf(buf, len, "%s", isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (prec = 0; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec, d);
		if (strtod(e, NULL) == d)
			break;
	}
	exp = atoi(strchr(e, 'e') + 1);
	if (exp < -4 || exp >= 6)
		snprintf(buf, len, "%.*e", prec, d);
	else
		snprintf(buf, len, "%.*f", prec - exp > 0 ? prec - exp : 0, d);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(json_object_get_string(*(json_object *const *)a),
		      json_object_get_string(*(json_object *const *)b));
}

json_object *tmpl__sorted_keys(json_object *obj)
{
	json_object *keys = json_object_new_array();

	json_object_object_foreach(obj, k, val)
	{
		(void)val;
		if (!keys || json_object_array_add(keys, json_object_new_string(k)) < 0) {
			json_object_put(keys);
			return NULL;
		}
	}
	json_object_array_sort(keys, by_string);
	return keys;
}

bool tmpl_print_value(json_object *v, char **buf, size_t *len, size_t *cap)
{
	char num[48];
	const char *s;

	switch (json_object_get_type(v)) {
	case json_type_null:
		return tmpl__append(buf, len, cap, "<nil>", 5);
	case json_type_string:
		return tmpl__append(buf, len, cap, json_object_get_string(v),
				    (size_t)json_object_get_string_len(v));
	case json_type_double:
		format_double(json_object_get_double(v), num, sizeof(num));
		return tmpl__append(buf, len, cap, num, strlen(num));
	case json_type_array:
		if (!tmpl__append(buf, len, cap, "[", 1))
			return false;
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if ((i && !tmpl__append(buf, len, cap, " ", 1)) ||
			    !tmpl_print_value(json_object_array_get_idx(v, i), buf, len, cap))
				return false;
		return tmpl__append(buf, len, cap, "]", 1);
	case json_type_object: {
		/* map[k:v ...], keys sorted as Go prints a map. */
		json_object *keys = tmpl__sorted_keys(v);
		bool ok = keys && tmpl__append(buf, len, cap, "map[", 4);

		for (size_t i = 0; ok && i < json_object_array_length(keys); i++) {
			const char *key = json_object_get_string(json_object_array_get_idx(keys, i));
			ok = (!i || tmpl__append(buf, len, cap, " ", 1)) &&
			     tmpl__append(buf, len, cap, key, strlen(key)) &&
			     tmpl__append(buf, len, cap, ":", 1) &&
			     tmpl_print_value(json_object_object_get(v, key), buf, len, cap);
		}
		json_object_put(keys);
		return ok && tmpl__append(buf, len, cap, "]", 1);
	}
	default:
		s = json_object_get_string(v);
		return tmpl__append(buf, len, cap, s, strlen(s));
	}
}

/* %v of a template value into a malloc'd string. */
static char *sprint_value(struct tval v)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (v.missing)
		return strdup("<no value>");
	if (!tmpl_print_value(v.j, &buf, &len, &cap)) {
		free(buf);
		return NULL;
	}
	return buf ? buf : strdup("");
}

bool tmpl__truth(struct tval v)
{
	if (v.missing || !v.j)
		return false;
	switch (json_object_get_type(v.j)) {
	case json_type_boolean:
		return json_object_get_boolean(v.j);
	case json_type_int:
		return json_object_get_int64(v.j) != 0;
	case json_type_double:
		return json_object_get_double(v.j) != 0;
	case json_type_string:
		return json_object_get_string_len(v.j) != 0;
	case json_type_array:
		return json_object_array_length(v.j) != 0;
	case json_type_object:
		return json_object_object_length(v.j) != 0;
	default:
		return false;
	}
}

__attribute__((format(printf, 2, 3))) static int bad(char **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	return -1;
}

static bool is_string(struct tval v)
{
	return !v.missing && v.j && json_object_is_type(v.j, json_type_string);
}

static bool is_number(struct tval v)
{
	return !v.missing && v.j &&
	       (json_object_is_type(v.j, json_type_int) || json_object_is_type(v.j, json_type_double));
}

static int ret_string(struct tval *out, char *s)
{
	if (!s)
		return -1;
	out->missing = false;
	out->j = json_object_new_string(s);
	free(s);
	return out->j ? 0 : -1;
}

static int fn_json(const struct tval *a, size_t n, struct tval *out, char **err)
{
	(void)n;
	(void)err;
	/* docker's json: encoding/json without HTML escaping, no newline. */
	return ret_string(out,
			  strdup(a[0].missing || !a[0].j
				     ? "null"
				     : json_object_to_json_string_ext(
					   a[0].j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)));
}

static int map_chars(const struct tval *a, struct tval *out, char **err, int mode)
{
	char *s;
	bool word_start = true;

	if (!is_string(a[0]))
		return bad(err, "wrong type for value; expected string; got %s",
			   a[0].missing || !a[0].j ? "<nil>"
						   : json_type_to_name(json_object_get_type(a[0].j)));
	s = strdup(json_object_get_string(a[0].j));
	for (char *c = s; c && *c; c++) {
		if (mode == 'u' || (mode == 't' && word_start))
			*c = (char)toupper((unsigned char)*c);
		else if (mode == 'l')
			*c = (char)tolower((unsigned char)*c);
		word_start = !isalnum((unsigned char)*c) && *c != '_' && (unsigned char)*c < 0x80;
	}
	return ret_string(out, s);
}

static int fn_upper(const struct tval *a, size_t n, struct tval *out, char **err)
{
	(void)n;
	return map_chars(a, out, err, 'u');
}

static int fn_lower(const struct tval *a, size_t n, struct tval *out, char **err)
{
	(void)n;
	return map_chars(a, out, err, 'l');
}

static int fn_title(const struct tval *a, size_t n, struct tval *out, char **err)
{
	(void)n;
	return map_chars(a, out, err, 't');
}

static int fn_join(const struct tval *a, size_t n, struct tval *out, char **err)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	json_object *arr = a[0].j;

	(void)n;
	if (a[0].missing || !arr || !json_object_is_type(arr, json_type_array) || !is_string(a[1]))
		return bad(err, "join takes a list and a separator string");
	tmpl__append(&buf, &len, &cap, "", 0);
	for (size_t i = 0; buf && i < json_object_array_length(arr); i++) {
		char *e = sprint_value((struct tval){json_object_array_get_idx(arr, i), false});
		const char *sep = json_object_get_string(a[1].j);
		if (!e || (i && !tmpl__append(&buf, &len, &cap, sep, strlen(sep))) ||
		    !tmpl__append(&buf, &len, &cap, e, strlen(e))) {
			free(e);
			free(buf);
			return -1;
		}
		free(e);
	}
	return ret_string(out, buf);
}

static int fn_split(const struct tval *a, size_t n, struct tval *out, char **err)
{
	(void)n;
	if (!is_string(a[0]) || !is_string(a[1]))
		return bad(err, "split takes a string and a separator string");
	const char *s = json_object_get_string(a[0].j), *sep = json_object_get_string(a[1].j);
	size_t seplen = strlen(sep);

	out->missing = false;
	out->j = json_object_new_array();
	while (out->j) {
		const char *hit = seplen ? strstr(s, sep) : (*s && s[1] ? s + 1 : NULL);
		size_t take = hit ? (size_t)(hit - s) : strlen(s);

		if (!seplen && !*s)
			break;
		json_object_array_add(out->j, json_object_new_string_len(s, (int)take));
		if (!hit)
			break;
		s = hit + seplen;
	}
	return out->j ? 0 : -1;
}

static int fn_pad(const struct tval *a, size_t n, struct tval *out, char **err)
{
	char *s, *v;

	(void)n;
	if (!is_number(a[1]) || !is_number(a[2]))
		return bad(err, "pad takes a value and two counts");
	if (!(v = sprint_value(a[0])))
		return -1;
	if (asprintf(&s, "%*s%s%*s", (int)json_object_get_int64(a[1].j), "", v,
		     (int)json_object_get_int64(a[2].j), "") < 0)
		s = NULL;
	free(v);
	return ret_string(out, s);
}

static int fn_truncate(const struct tval *a, size_t n, struct tval *out, char **err)
{
	char *v;

	(void)n;
	if (!is_number(a[1]))
		return bad(err, "truncate takes a value and a length");
	if (!(v = sprint_value(a[0])))
		return -1;
	if (json_object_get_int64(a[1].j) >= 0 && strlen(v) > (size_t)json_object_get_int64(a[1].j))
		v[json_object_get_int64(a[1].j)] = '\0';
	return ret_string(out, v);
}

static int fn_len(const struct tval *a, size_t n, struct tval *out, char **err)
{
	size_t l;

	(void)n;
	if (is_string(a[0]))
		l = (size_t)json_object_get_string_len(a[0].j);
	else if (!a[0].missing && a[0].j && json_object_is_type(a[0].j, json_type_array))
		l = json_object_array_length(a[0].j);
	else if (!a[0].missing && a[0].j && json_object_is_type(a[0].j, json_type_object))
		l = (size_t)json_object_object_length(a[0].j);
	else
		return bad(err, "len of %s", a[0].missing || !a[0].j ? "nil pointer" : "type");
	out->missing = false;
	out->j = json_object_new_int64((int64_t)l);
	return out->j ? 0 : -1;
}

static int fn_index(const struct tval *a, size_t n, struct tval *out, char **err)
{
	struct tval v = a[0];

	for (size_t i = 1; i < n; i++) {
		if (v.missing || !v.j)
			return bad(err, "index of untyped nil");
		if (json_object_is_type(v.j, json_type_array) && is_number(a[i])) {
			int64_t k = json_object_get_int64(a[i].j);
			if (k < 0 || (size_t)k >= json_object_array_length(v.j))
				return bad(err, "index out of range: %lld", (long long)k);
			v.j = json_object_array_get_idx(v.j, (size_t)k);
		} else if (json_object_is_type(v.j, json_type_object) && is_string(a[i])) {
			if (!json_object_object_get_ex(v.j, json_object_get_string(a[i].j), &v.j))
				v.missing = true;
		} else
			return bad(err, "can't index item of type %s",
				   json_type_to_name(json_object_get_type(v.j)));
	}
	*out = v;
	if (out->j)
		json_object_get(out->j);
	return 0;
}

/* fmt.Sprint (spaces only between non-strings), Sprintln (always spaces). */
static int sprint(const struct tval *a, size_t n, struct tval *out, bool ln)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	tmpl__append(&buf, &len, &cap, "", 0);
	for (size_t i = 0; buf && i < n; i++) {
		char *e = sprint_value(a[i]);
		bool space = i && (ln || (!is_string(a[i]) && !is_string(a[i - 1])));
		if (!e || (space && !tmpl__append(&buf, &len, &cap, " ", 1)) ||
		    !tmpl__append(&buf, &len, &cap, e, strlen(e))) {
			free(e);
			free(buf);
			return -1;
		}
		free(e);
	}
	if (buf && ln && !tmpl__append(&buf, &len, &cap, "\n", 1)) {
		free(buf);
		return -1;
	}
	return ret_string(out, buf);
}

static int fn_print(const struct tval *a, size_t n, struct tval *out, char **err)
{
	(void)err;
	return sprint(a, n, out, false);
}

static int fn_println(const struct tval *a, size_t n, struct tval *out, char **err)
{
	(void)err;
	return sprint(a, n, out, true);
}

/* fmt.Sprintf for the verbs templates use: %v %s %d %q %f %g %t %x %%,
 * with flags, width and precision. The C format is built from those
 * characters only (flags, digits, '.', one verb), so it cannot be abused. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int fn_printf(const struct tval *a, size_t n, struct tval *out, char **err)
{
	const char *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, next = 1;

	if (!is_string(a[0]))
		return bad(err, "printf takes a format string");
	tmpl__append(&buf, &len, &cap, "", 0);
	for (f = json_object_get_string(a[0].j); buf && *f; f++) {
		char spec[32], piece[512], *v = NULL;
		size_t sl = 0;

		if (*f != '%') {
			tmpl__append(&buf, &len, &cap, f, 1);
			continue;
		}
		spec[sl++] = *f++;
		while (*f && strchr("-+ #0123456789.", *f) && sl < sizeof(spec) - 3)
			spec[sl++] = *f++;
		if (!*f)
			break;
		if (*f == '%') {
			tmpl__append(&buf, &len, &cap, "%", 1);
			continue;
		}
		if (next >= n) {
			snprintf(piece, sizeof(piece), "%%!%c(MISSING)", *f);
			tmpl__append(&buf, &len, &cap, piece, strlen(piece));
			continue;
		}
		struct tval v0 = a[next++];
		if ((*f == 'd' || *f == 'x') && is_number(v0)) {
			spec[sl++] = 'l';
			spec[sl++] = 'l';
			spec[sl++] = *f;
			spec[sl] = '\0';
			snprintf(piece, sizeof(piece), spec, (long long)json_object_get_int64(v0.j));
		} else if ((*f == 'f' || *f == 'g' || *f == 'e') && is_number(v0)) {
			spec[sl++] = *f;
			spec[sl] = '\0';
			snprintf(piece, sizeof(piece), spec, json_object_get_double(v0.j));
		} else {
			if (*f == 'q')
				v = strdup(
				    v0.missing || !v0.j
					? "null"
					: json_object_to_json_string_ext(
					      v0.j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
			else
				v = sprint_value(v0);
			spec[sl++] = 's';
			spec[sl] = '\0';
			snprintf(piece, sizeof(piece), spec, v ? v : "");
			free(v);
		}
		tmpl__append(&buf, &len, &cap, piece, strlen(piece));
	}
	return ret_string(out, buf);
}
#pragma GCC diagnostic pop

/* Comparison for eq/lt...: <0, 0, >0; false when not comparable. */
static bool compare(struct tval x, struct tval y, int *r, char **err)
{
	bool xnil = x.missing || !x.j, ynil = y.missing || !y.j;

	if (xnil || ynil) {
		*r = xnil == ynil ? 0 : 1;
		return true;
	}
	if (is_number(x) && is_number(y)) {
		double a = json_object_get_double(x.j), b = json_object_get_double(y.j);
		*r = a < b ? -1 : a > b;
		return true;
	}
	if (is_string(x) && is_string(y)) {
		*r = strcmp(json_object_get_string(x.j), json_object_get_string(y.j));
		return true;
	}
	if (json_object_is_type(x.j, json_type_boolean) && json_object_is_type(y.j, json_type_boolean)) {
		*r = json_object_get_boolean(x.j) != json_object_get_boolean(y.j);
		return true;
	}
	bad(err, "incompatible types for comparison");
	return false;
}

static int ret_bool(struct tval *out, bool b)
{
	out->missing = false;
	out->j = json_object_new_boolean(b);
	return out->j ? 0 : -1;
}

static int fn_eq(const struct tval *a, size_t n, struct tval *out, char **err)
{
	for (size_t i = 1; i < n; i++) {
		int r;
		if (!compare(a[0], a[i], &r, err))
			return -1;
		if (r == 0)
			return ret_bool(out, true);
	}
	return ret_bool(out, false);
}

static int fn_ne(const struct tval *a, size_t n, struct tval *out, char **err)
{
	int r;

	(void)n;
	return compare(a[0], a[1], &r, err) ? ret_bool(out, r != 0) : -1;
}

static int ordered(const struct tval *a, struct tval *out, char **err, int op)
{
	int r;

	if (!compare(a[0], a[1], &r, err))
		return -1;
	return ret_bool(out, op == '<' ? r < 0 : op == 'l' ? r <= 0 : op == '>' ? r > 0 : r >= 0);
}

static int fn_lt(const struct tval *a, size_t n, struct tval *out, char **err)
{
	(void)n;
	return ordered(a, out, err, '<');
}

static int fn_le(const struct tval *a, size_t n, struct tval *out, char **err)
{
	(void)n;
	return ordered(a, out, err, 'l');
}

static int fn_gt(const struct tval *a, size_t n, struct tval *out, char **err)
{
	(void)n;
	return ordered(a, out, err, '>');
}

static int fn_ge(const struct tval *a, size_t n, struct tval *out, char **err)
{
	(void)n;
	return ordered(a, out, err, 'g');
}

/* and/or give back the deciding argument itself, as Go's do. */
static int fn_and(const struct tval *a, size_t n, struct tval *out, char **err)
{
	size_t i = 0;

	(void)err;
	while (i + 1 < n && tmpl__truth(a[i]))
		i++;
	*out = a[i];
	if (out->j)
		json_object_get(out->j);
	return 0;
}

static int fn_or(const struct tval *a, size_t n, struct tval *out, char **err)
{
	size_t i = 0;

	(void)err;
	while (i + 1 < n && !tmpl__truth(a[i]))
		i++;
	*out = a[i];
	if (out->j)
		json_object_get(out->j);
	return 0;
}

static int fn_not(const struct tval *a, size_t n, struct tval *out, char **err)
{
	(void)n;
	(void)err;
	return ret_bool(out, !tmpl__truth(a[0]));
}

static const struct func {
	const char *name;
	int (*fn)(const struct tval *a, size_t n, struct tval *out, char **err);
	size_t min, max; /* argument counts */
} funcs[] = {
    {"json", fn_json, 1, 1},	  {"upper", fn_upper, 1, 1},
    {"lower", fn_lower, 1, 1},	  {"title", fn_title, 1, 1},
    {"join", fn_join, 2, 2},	  {"split", fn_split, 2, 2},
    {"pad", fn_pad, 3, 3},	  {"truncate", fn_truncate, 2, 2},
    {"len", fn_len, 1, 1},	  {"index", fn_index, 1, 64},
    {"print", fn_print, 0, 64},	  {"println", fn_println, 0, 64},
    {"printf", fn_printf, 1, 64}, {"eq", fn_eq, 2, 64},
    {"ne", fn_ne, 2, 2},	  {"lt", fn_lt, 2, 2},
    {"le", fn_le, 2, 2},	  {"gt", fn_gt, 2, 2},
    {"ge", fn_ge, 2, 2},	  {"and", fn_and, 1, 64},
    {"or", fn_or, 1, 64},	  {"not", fn_not, 1, 1},
};

bool tmpl__known_func(const char *name)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(*funcs); i++)
		if (!strcmp(funcs[i].name, name))
			return true;
	return false;
}

int tmpl__call(const char *name, const struct tval *args, size_t nargs, struct tval *out, char **err)
{
	*err = NULL;
	for (size_t i = 0; i < sizeof(funcs) / sizeof(*funcs); i++) {
		if (strcmp(funcs[i].name, name) != 0)
			continue;
		if (nargs < funcs[i].min || nargs > funcs[i].max)
			return bad(err, "wrong number of args for %s: want %s%zu got %zu", name,
				   funcs[i].min != funcs[i].max ? "at least " : "", funcs[i].min, nargs);
		*out = (struct tval){NULL, false};
		return funcs[i].fn(args, nargs, out, err) < 0 ? -1 : 0;
	}
	return bad(err, "function \"%s\" not defined", name);
}
