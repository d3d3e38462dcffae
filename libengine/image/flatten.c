/*
 * engine_image_unpack: an image's layers applied in order onto one plain
 * directory, whiteouts honoured (the rootfs umoci unpack gives). Built in a
 * temp sibling and renamed onto the target, so a failure leaves nothing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <engine/image.h>

#include "core/error.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"

static int apply_layer(engine_context *ctx, int rootfd, const char *chain, const engine__unpack_options *opts)
{
	cleanup_json json_object *rec = NULL;
	cleanup_free char *blob_path = NULL;
	engine__unpack_result res;
	char diff[ENGINE__DIGEST_LEN + 1];
	const char *blob;
	int r;

	r = engine__layer_record(ctx, chain, &rec);
	if (r < 0)
		return r;
	blob = engine__json_get_string(rec, "blob");
	r = engine__blob_path(ctx, blob, &blob_path);
	if (r < 0)
		return engine__error_wrap("layer %s", chain);
	r = engine__unpack_file(blob_path, rootfd, opts, &res, diff, NULL);
	/* The blob was verified when stored; a changed one is corruption. */
	if (r == 0 && strcmp(diff, engine__json_get_string(rec, "diff_id") ?: "") != 0)
		r = engine__error_set(ENGINE_EINVALID, 0, "diff ID mismatch: expected %s, got %s",
				      engine__json_get_string(rec, "diff_id"), diff);
	return r < 0 ? engine__error_wrap("layer %s", blob) : 0;
}

static int target_ready(const char *dir)
{
	cleanup_closedir DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return errno == ENOENT ? 0 : engine__error_errno(errno, "unpack to %s", dir);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			return engine__error_set(ENGINE_EEXISTS, EEXIST,
						 "unpack to %s: directory is not empty", dir);
	return 1;
}

ENGINE_EXTERN int engine_image_unpack(engine_context *ctx, const char *ref, const char *dir)
{
	cleanup_json json_object *rec = NULL;
	cleanup_free char *parent = NULL, *tmp = NULL;
	cleanup_close int rootfd = -EBADF;
	engine__unpack_options opts = {.mode = ENGINE__UNPACK_APPLY};
	char id[ENGINE__DIGEST_LEN + 1];
	json_object *chains;
	int exists, lock, r;

	if (!ctx || !ref || !dir || !dir[0])
		return engine__error_set(ENGINE_EINVALID, 0, "image unpack: missing argument");
	r = engine__image_lookup(ctx, ref, id);
	if (r < 0)
		return r;
	exists = target_ready(dir);
	if (exists < 0)
		return exists;
	parent = strdup(dir);
	if (!parent)
		return engine__error_oom();
	for (size_t n = strlen(parent); n > 1 && parent[n - 1] == '/'; n--)
		parent[n - 1] = '\0';
	char *slash = strrchr(parent, '/');
	if (slash == parent)
		parent[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(parent, ".");
	engine__unpack_limits(ctx, &opts);
	/* Shared lock: the image's layers cannot be collected under us. */
	lock = engine__store_lock(ctx, false);
	if (lock < 0)
		return lock;
	r = engine__image_record(ctx, id, &rec);
	if (r < 0)
		goto unlock;
	r = engine__mkdtemp_in(parent, "unpack", &tmp);
	if (r < 0)
		goto unlock;
	if (chmod(tmp, 0755) < 0 || (rootfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = engine__error_errno(errno, "unpack to %s", dir);
		goto remove_tmp;
	}
	chains = engine__json_get_type(rec, "chain_ids", json_type_array);
	for (size_t i = 0; chains && i < json_object_array_length(chains); i++) {
		r = apply_layer(ctx, rootfd, json_object_get_string(json_object_array_get_idx(chains, i)),
				&opts);
		if (r < 0) {
			engine__error_wrap("unpack %s", ref);
			goto remove_tmp;
		}
	}
	if (exists && rmdir(dir) < 0) {
		r = engine__error_errno(errno, "unpack to %s", dir);
		goto remove_tmp;
	}
	if (rename(tmp, dir) < 0) {
		r = engine__error_errno(errno, "unpack to %s", dir);
		goto remove_tmp;
	}
	goto unlock;

remove_tmp:
	engine__discard_tmp(tmp);
unlock:
	engine__store_unlock(lock);
	return r;
}
