/*
 * Docker's environment rules: env-file parsing, -e items, and the merge of
 * the image's variables with the user's. Pure logic over string vectors.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "env/env.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/strv.h"

/* Length of the key part of "KEY=VALUE" or "KEY". */
static size_t key_len(const char *item)
{
	const char *eq = strchr(item, '=');

	return eq ? (size_t)(eq - item) : strlen(item);
}

static bool key_matches(const char *item, const char *key, size_t klen)
{
	return strncmp(item, key, klen) == 0 && (item[klen] == '=' || item[klen] == '\0');
}

const char *engine__env_get(char *const *env, const char *key)
{
	size_t klen = strlen(key);
	const char *found = NULL;

	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], key, klen) == 0 && env[i][klen] == '=')
			found = env[i] + klen + 1;
	return found;
}

int engine__env_validate(const char *item)
{
	if (!item)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid environment variable: NULL");
	if (key_len(item) == 0)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "invalid environment variable: \"%s\": empty name", item);
	return 0;
}

/* Strict UTF-8 check (no overlongs, no surrogates), as Go's utf8.Valid. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4, cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += len;
	}
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Go's unicode.IsSpace for the ASCII range, which is what TrimLeftFunc
 * meets at the start of a line (multi-byte spaces are rare enough that
 * Docker users never rely on them). */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* One line of an env file (without its newline and trailing CR). */
static int parse_line(const char *path, unsigned lineno, const char *line, size_t len,
		      char *const *caller_env, char ***vars)
{
	const char *eq;
	size_t klen;

	while (len > 0 && is_space(*line))
		line++, len--;
	if (len == 0 || line[0] == '#')
		return 0;
	eq = memchr(line, '=', len);
	klen = eq ? (size_t)(eq - line) : len;
	for (size_t i = 0; i < klen; i++)
		if (is_blank(line[i]))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "env file %s:%u: variable '%.*s' contains whitespaces", path,
						 lineno, (int)klen, line);
	if (klen == 0)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "env file %s:%u: no variable name on line '%.*s'", path, lineno,
					 (int)len, line);
	if (eq)
		return engine__strv_push_take(vars, strndup(line, len));

	/* KEY alone: the caller's value, or nothing at all. */
	{
		cleanup_free char *key = strndup(line, klen);
		const char *value;

		if (!key)
			return engine__error_oom();
		value = engine__env_get(caller_env, key);
		if (!value)
			return 0;
		return engine__strv_push_take(vars, engine__strdup_printf("%s=%s", key, value));
	}
}

int engine__env_parse_file_mem(const char *path, const char *text, size_t len, char *const *caller_env,
			       char ***out)
{
	cleanup_strv char **vars = NULL;
	size_t pos = 0;
	unsigned lineno = 0;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		int r;

		pos += n + (nl ? 1 : 0);
		lineno++;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (memchr(line, '\0', n))
			return engine__error_set(ENGINE_EINVALID, 0, "env file %s:%u: contains a NUL byte",
						 path, lineno);
		if (!utf8_valid((const unsigned char *)line, n))
			return engine__error_set(ENGINE_EINVALID, 0, "env file %s:%u: contains invalid UTF-8",
						 path, lineno);
		r = parse_line(path, lineno, line, n, caller_env, &vars);
		if (r < 0)
			return r;
	}
	if (!vars && !(vars = calloc(1, sizeof(char *))))
		return engine__error_oom();
	*out = steal_ptr(vars);
	return 0;
}

int engine__env_parse_file(const char *path, char *const *caller_env, char ***out)
{
	cleanup_free char *text = NULL;
	size_t len;
	int r;

	r = engine__read_file(path, &text, &len);
	if (r < 0)
		return engine__error_wrap("env file");
	return engine__env_parse_file_mem(path, text, len, caller_env, out);
}

/*
 * The user's list during a merge: entries are "KEY=VALUE", or "KEY" alone
 * for a key the user unset (-e KEY with no caller value), which hides the
 * image's value and is left out of the result.
 */
static int user_set(char ***user, char *item)
{
	size_t klen = key_len(item);

	if (!item)
		return engine__error_oom();
	for (size_t i = 0; *user && (*user)[i]; i++) {
		if (key_matches((*user)[i], item, klen)) {
			free((*user)[i]);
			(*user)[i] = item;
			return 0;
		}
	}
	return engine__strv_push_take(user, item);
}

static bool user_has(char *const *user, const char *item)
{
	size_t klen = key_len(item);

	for (size_t i = 0; user && user[i]; i++)
		if (key_matches(user[i], item, klen))
			return true;
	return false;
}

static int add_spec_item(char ***user, const char *item, char *const *caller_env)
{
	const char *value;
	int r;

	r = engine__env_validate(item);
	if (r < 0)
		return r;
	if (strchr(item, '=') || !(value = engine__env_get(caller_env, item)))
		return user_set(user, strdup(item));
	return user_set(user, engine__strdup_printf("%s=%s", item, value));
}

int engine__env_merge(char *const *image_env, char *const *env_files, char *const *spec_env,
		      char *const *caller_env, char ***out)
{
	cleanup_strv char **user = NULL;
	cleanup_strv char **result = NULL;
	int r;

	for (size_t f = 0; env_files && env_files[f]; f++) {
		cleanup_strv char **vars = NULL;

		r = engine__env_parse_file(env_files[f], caller_env, &vars);
		if (r < 0)
			return r;
		for (size_t i = 0; vars[i]; i++) {
			r = user_set(&user, steal_ptr(vars[i]));
			if (r < 0)
				return r;
		}
	}
	for (size_t i = 0; spec_env && spec_env[i]; i++) {
		r = add_spec_item(&user, spec_env[i], caller_env);
		if (r < 0)
			return r;
	}

	result = calloc(1, sizeof(char *));
	if (!result)
		return engine__error_oom();
	for (size_t i = 0; user && user[i]; i++) {
		if (!strchr(user[i], '='))
			continue;
		r = engine__strv_push(&result, user[i]);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; image_env && image_env[i]; i++) {
		if (user_has(user, image_env[i]))
			continue;
		/* An image never holds a key twice (the builder replaces), but
		 * a hand-made config might: keep the image's last value. */
		if (user_has(result, image_env[i])) {
			r = user_set(&result, strdup(image_env[i]));
		} else {
			r = engine__strv_push(&result, image_env[i]);
		}
		if (r < 0)
			return r;
	}
	*out = steal_ptr(result);
	return 0;
}

int engine__env_with_defaults(char *const *defaults, char *const *env, char ***out)
{
	cleanup_strv char **result = engine__strv_dup(defaults);
	int r;

	if (!result)
		return ENGINE_ENOMEM;
	for (size_t i = 0; env && env[i]; i++) {
		r = strchr(env[i], '=') ? user_set(&result, strdup(env[i])) : 0;
		if (r < 0)
			return r;
	}
	*out = steal_ptr(result);
	return 0;
}
