/*
 * Store-wide plumbing: the lock, the temp directory, configured limits and
 * the paths of content-addressed files.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "core/error.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/str.h"
#include "util/strv.h"

int engine__store_lock(engine_context *ctx, bool exclusive)
{
	cleanup_free char *path = engine__context_path(ctx, "lock");

	if (!path)
		return ENGINE_ENOMEM;
	return engine__lock_take(path, exclusive);
}

void engine__store_unlock(int fd)
{
	engine__lock_release(fd);
}

int engine__store_tmpdir(engine_context *ctx, char **out)
{
	cleanup_free char *path = engine__context_path(ctx, "tmp");
	int r;

	if (!path)
		return ENGINE_ENOMEM;
	r = engine__mkdir_p(path, 0700);
	if (r < 0)
		return r;
	*out = steal_ptr(path);
	return 0;
}

static uint64_t limit(engine_context *ctx, const char *key, uint64_t def)
{
	json_object *v = engine__context_config(ctx, key);
	int64_t n;

	if (!v)
		return def;
	if (json_object_is_type(v, json_type_string)) {
		if (engine__parse_size(json_object_get_string(v), &n) < 0 || n <= 0)
			return def;
		return (uint64_t)n;
	}
	n = json_object_get_int64(v);
	return n > 0 ? (uint64_t)n : def;
}

void engine__unpack_limits(engine_context *ctx, engine__unpack_options *opts)
{
	json_object *ratio = engine__context_config(ctx, "image-unpack-max-ratio");

	opts->max_bytes = limit(ctx, "image-unpack-max-bytes", ENGINE__DEFAULT_UNPACK_MAX_BYTES);
	opts->max_entries = limit(ctx, "image-unpack-max-entries", ENGINE__DEFAULT_UNPACK_MAX_ENTRIES);
	/* 0 turns the ratio check off; anything else invalid keeps the default. */
	if (ratio && json_object_is_type(ratio, json_type_int) && json_object_get_int64(ratio) == 0)
		opts->max_ratio = 0;
	else
		opts->max_ratio = limit(ctx, "image-unpack-max-ratio", ENGINE__DEFAULT_UNPACK_MAX_RATIO);
}

char *engine__store_path(engine_context *ctx, const char *dir, const char *digest, const char *suffix)
{
	return engine__strdup_printf("%s/%s/%s%s", ctx->root, dir, engine__digest_hex(digest), suffix);
}

void engine__discard_tmp(const char *path)
{
	engine__error_saved saved;

	if (!path)
		return;
	engine__error_save(&saved);
	engine__rm_rf(path);
	engine__error_restore(&saved);
}

void engine__strv_to_report(char **strv, engine_strarray *out)
{
	if (strv && !strv[0]) {
		free(strv);
		strv = NULL;
	}
	engine__strv_to_array(strv, out);
}
