/* The credentials file. It is rewritten atomically with mode 0600 under the
 * store lock's directory; its contents never appear in logs or errors. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <nettle/base64.h>

#include "core/context.h"
#include "core/error.h"
#include "registry/authfile.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"

static int load(engine_context *ctx, char **path_out, json_object **out)
{
	cleanup_free char *path = engine__context_path(ctx, "auth.json");
	json_object *doc = NULL;
	int r;

	if (!path)
		return ENGINE_ENOMEM;
	if (!engine__path_exists(path)) {
		doc = json_object_new_object();
		if (!doc)
			return engine__error_oom();
	} else {
		r = engine__json_parse_file(path, &doc);
		if (r < 0)
			return r;
		if (!json_object_is_type(doc, json_type_object)) {
			json_object_put(doc);
			return engine__error_set(ENGINE_EINVALID, 0, "%s: expected a JSON object", path);
		}
	}
	if (path_out)
		*path_out = steal_ptr(path);
	*out = doc;
	return 0;
}

static void wipe(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
}

int engine__authfile_get(engine_context *ctx, const char *domain, char **user, char **pass)
{
	cleanup_json json_object *doc = NULL;
	cleanup_free char *decoded = NULL;
	const char *b64;
	json_object *auths, *entry;
	char *colon;
	size_t len;
	struct base64_decode_ctx b64ctx;
	size_t n = 0;
	int r;

	r = load(ctx, NULL, &doc);
	if (r < 0)
		return r;
	auths = engine__json_get_type(doc, "auths", json_type_object);
	entry = auths ? engine__json_get_type(auths, domain, json_type_object) : NULL;
	b64 = engine__json_get_string(entry, "auth");
	if (!b64)
		return engine__error_set(ENGINE_ENOTFOUND, 0, "no stored credentials for %s", domain);
	len = strlen(b64);
	decoded = calloc(1, BASE64_DECODE_LENGTH(len) + 1);
	if (!decoded)
		return engine__error_oom();
	base64_decode_init(&b64ctx);
	if (!base64_decode_update(&b64ctx, &n, (uint8_t *)decoded, len, b64) ||
	    !base64_decode_final(&b64ctx)) {
		wipe(decoded);
		return engine__error_set(ENGINE_EINVALID, 0, "auth.json: credentials for %s are not base64",
					 domain);
	}
	decoded[n] = '\0';
	colon = strchr(decoded, ':');
	if (!colon) {
		wipe(decoded);
		return engine__error_set(ENGINE_EINVALID, 0, "auth.json: credentials for %s lack a ':'",
					 domain);
	}
	*colon = '\0';
	*user = strdup(decoded);
	*pass = strdup(colon + 1);
	wipe(colon + 1);
	if (!*user || !*pass) {
		free(*user);
		free(*pass);
		return engine__error_oom();
	}
	return 0;
}

static int save(const char *path, json_object *doc)
{
	const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY);
	int r;

	if (!s)
		return engine__error_oom();
	r = engine__write_file_atomic(path, s, strlen(s), 0600, true);
	return r < 0 ? engine__error_wrap("store credentials") : 0;
}

static int lock_auth(engine_context *ctx)
{
	cleanup_free char *lock = engine__context_path(ctx, "auth.lock");

	return lock ? engine__lock_take(lock, true) : ENGINE_ENOMEM;
}

int engine__authfile_set(engine_context *ctx, const char *domain, const char *user, const char *pass)
{
	cleanup_json json_object *doc = NULL;
	cleanup_free char *path = NULL, *plain = NULL, *b64 = NULL;
	json_object *auths, *entry;
	size_t len;
	int lk, r;

	if (strchr(user, ':'))
		return engine__error_set(ENGINE_EINVALID, 0, "login %s: the username must not contain ':'",
					 domain);
	lk = lock_auth(ctx);
	if (lk < 0)
		return lk;
	r = load(ctx, &path, &doc);
	if (r < 0)
		goto out;
	len = strlen(user) + 1 + strlen(pass);
	plain = malloc(len + 1);
	b64 = malloc(BASE64_ENCODE_RAW_LENGTH(len) + 1);
	if (!plain || !b64) {
		r = engine__error_oom();
		goto out;
	}
	snprintf(plain, len + 1, "%s:%s", user, pass);
	base64_encode_raw(b64, len, (const uint8_t *)plain);
	b64[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
	auths = engine__json_get_type(doc, "auths", json_type_object);
	if (!auths) {
		auths = json_object_new_object();
		if (!auths || json_object_object_add(doc, "auths", auths) < 0) {
			r = engine__error_oom();
			goto out;
		}
	}
	entry = json_object_new_object();
	if (!entry || engine__json_add_string(entry, "auth", b64) < 0 ||
	    json_object_object_add(auths, domain, entry) < 0) {
		json_object_put(entry);
		r = engine__error_oom();
		goto out;
	}
	r = save(path, doc);
out:
	wipe(plain);
	wipe(b64);
	engine__lock_release(lk);
	return r;
}

int engine__authfile_remove(engine_context *ctx, const char *domain)
{
	cleanup_json json_object *doc = NULL;
	cleanup_free char *path = NULL;
	json_object *auths;
	int lk, r;

	lk = lock_auth(ctx);
	if (lk < 0)
		return lk;
	r = load(ctx, &path, &doc);
	if (r == 0) {
		auths = engine__json_get_type(doc, "auths", json_type_object);
		if (!auths || !json_object_object_get_ex(auths, domain, NULL))
			r = engine__error_set(ENGINE_ENOTFOUND, 0, "not logged in to %s", domain);
		else {
			json_object_object_del(auths, domain);
			r = save(path, doc);
		}
	}
	engine__lock_release(lk);
	return r;
}
