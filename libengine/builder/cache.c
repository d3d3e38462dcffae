/*
 * The build cache: (parent image ID, step key) -> the image that step made,
 * one small file per entry under <root>/build-cache/, named by the sha256 of
 * the pair and written atomically, so concurrent builds and other processes
 * share it. An entry is only as good as its image: lookups ignore (and drop)
 * entries whose image was removed, and engine_build_cache_prune sweeps them.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "builder/builder.h"
#include "core/context.h"
#include "core/error.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#define CACHE_DIR "build-cache"

static char *entry_path(engine_context *ctx, const char *parent, const char *key)
{
	char digest[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *pair = engine__strdup_printf("%s\n%s", parent ? parent : "", key);
	cleanup_free char *dir = engine__context_path(ctx, CACHE_DIR);

	if (!pair || !dir || engine__sha256_buf(pair, strlen(pair), digest) < 0)
		return NULL;
	return engine__path_join(dir, engine__digest_hex(digest));
}

static bool image_exists(engine_context *ctx, const char *id)
{
	char found[ENGINE__DIGEST_LEN + 1];
	engine__error_saved saved;
	bool ok;

	engine__error_save(&saved);
	ok = engine__digest_valid(id) && engine__image_lookup(ctx, id, found) == 0 && strcmp(found, id) == 0;
	engine__error_restore(&saved);
	return ok;
}

int engine__build_cache_get(engine_context *ctx, const char *parent, const char *key,
			    char out[ENGINE__DIGEST_LEN + 1])
{
	cleanup_free char *path = entry_path(ctx, parent, key);
	cleanup_free char *data = NULL;
	size_t len = 0;
	int r;

	if (!path)
		return ENGINE_ENOMEM;
	r = engine__read_file(path, &data, &len);
	if (r == ENGINE_ENOTFOUND) {
		engine_error_clear();
		return 0;
	}
	if (r < 0)
		return engine__error_wrap("build cache");
	while (len && (data[len - 1] == '\n' || data[len - 1] == ' '))
		data[--len] = '\0';
	if (!image_exists(ctx, data)) {
		unlink(path); /* the image was removed: the entry can never hit again */
		return 0;
	}
	memcpy(out, data, ENGINE__DIGEST_LEN + 1);
	return 1;
}

int engine__build_cache_put(engine_context *ctx, const char *parent, const char *key, const char *image_id)
{
	cleanup_free char *dir = engine__context_path(ctx, CACHE_DIR);
	cleanup_free char *path = entry_path(ctx, parent, key);
	int r;

	if (!dir || !path)
		return ENGINE_ENOMEM;
	if ((r = engine__mkdir_p(dir, 0700)) < 0)
		return engine__error_wrap("build cache");
	r = engine__write_file_atomic(path, image_id, strlen(image_id), 0600, false);
	return r < 0 ? engine__error_wrap("build cache") : 0;
}

ENGINE_EXTERN int engine_build_cache_prune(engine_context *ctx, int64_t *removed)
{
	cleanup_free char *dir = engine__context_path(ctx, CACHE_DIR);
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;
	int64_t n = 0;

	if (removed)
		*removed = 0;
	if (!dir)
		return ENGINE_ENOMEM;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : engine__error_errno(errno, "open %s", dir);
	while ((de = readdir(d))) {
		cleanup_free char *path = NULL, *data = NULL;

		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp-"))
			continue; /* another process's entry being written */
		path = engine__path_join(dir, de->d_name);
		if (!path)
			return ENGINE_ENOMEM;
		if (engine__read_file(path, &data, NULL) < 0) {
			engine_error_clear();
			continue;
		}
		data[strcspn(data, "\n ")] = '\0';
		if (!image_exists(ctx, data) && unlink(path) == 0)
			n++;
	}
	if (removed)
		*removed = n;
	return 0;
}
