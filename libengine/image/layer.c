/*
 * Unpacked layers: layers/<chain-id hex>/{diff/,layer.json}. A layer is
 * unpacked into a temp directory and renamed into place with its record, so
 * it is either complete or absent; when two processes race, the loser's
 * rename fails on the existing directory and it uses the winner's copy.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

int engine__chain_id(const char *parent_chain_id, const char *diff_id, char out[ENGINE__DIGEST_LEN + 1])
{
	char buf[2 * ENGINE__DIGEST_LEN + 2];

	if (!parent_chain_id) {
		memcpy(out, diff_id, ENGINE__DIGEST_LEN + 1);
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s %s", parent_chain_id, diff_id);
	return engine__sha256_buf(buf, strlen(buf), out);
}

static int check_chain(const char *chain_id)
{
	if (!engine__digest_valid(chain_id))
		return engine__error_set(ENGINE_EINVALID, 0, "invalid layer chain ID \"%s\"",
					 chain_id ? chain_id : "(null)");
	return 0;
}

bool engine__layer_exists(engine_context *ctx, const char *chain_id)
{
	cleanup_free char *rec = NULL;

	if (!engine__digest_valid(chain_id))
		return false;
	rec = engine__store_path(ctx, "layers", chain_id, "/layer.json");
	return rec && engine__path_exists(rec);
}

int engine__layer_dir(engine_context *ctx, const char *chain_id, char **out)
{
	int r = check_chain(chain_id);

	if (r < 0)
		return r;
	if (!engine__layer_exists(ctx, chain_id))
		return engine__error_set(ENGINE_ENOTFOUND, ENOENT, "layer %s not found", chain_id);
	*out = engine__store_path(ctx, "layers", chain_id, "/diff");
	return *out ? 0 : ENGINE_ENOMEM;
}

int engine__layer_record(engine_context *ctx, const char *chain_id, json_object **out)
{
	cleanup_free char *path = NULL;
	int r = check_chain(chain_id);

	if (r < 0)
		return r;
	path = engine__store_path(ctx, "layers", chain_id, "/layer.json");
	if (!path)
		return ENGINE_ENOMEM;
	r = engine__json_parse_file(path, out);
	if (r == ENGINE_ENOTFOUND)
		return engine__error_set(ENGINE_ENOTFOUND, ENOENT, "layer %s not found", chain_id);
	return r < 0 ? engine__error_wrap("layer %s", chain_id) : 0;
}

int engine__layer_chain_dirs(engine_context *ctx, const char *chain_id, char ***out)
{
	cleanup_strv char **dirs = calloc(1, sizeof(char *));
	char cur[ENGINE__DIGEST_LEN + 1];
	int r;

	if (!dirs)
		return engine__error_oom();
	if (!chain_id) {
		*out = steal_ptr(dirs);
		return 0;
	}
	snprintf(cur, sizeof(cur), "%s", chain_id);
	for (size_t depth = 0; depth < 1000; depth++) {
		cleanup_json json_object *rec = NULL;
		char *dir = NULL;
		const char *parent;

		r = engine__layer_record(ctx, cur, &rec);
		if (r < 0)
			return r;
		r = engine__layer_dir(ctx, cur, &dir);
		if (r < 0 || (r = engine__strv_push_take(&dirs, dir)) < 0)
			return r;
		parent = engine__json_get_string(rec, "parent");
		if (!parent) {
			*out = steal_ptr(dirs);
			return 0;
		}
		if (!engine__digest_valid(parent))
			return engine__error_set(ENGINE_EINVALID, 0, "layer %s: invalid parent", cur);
		snprintf(cur, sizeof(cur), "%s", parent);
	}
	return engine__error_set(ENGINE_EINVALID, 0, "layer %s: parent chain too long", chain_id);
}

static const char *media_type(const char *compression)
{
	if (!strcmp(compression, "gzip"))
		return "application/vnd.oci.image.layer.v1.tar+gzip";
	if (!strcmp(compression, "zstd"))
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	if (!strcmp(compression, "none"))
		return "application/vnd.oci.image.layer.v1.tar";
	return "application/vnd.docker.image.rootfs.diff.tar"; /* xz, bzip2: Docker's legacy loads */
}

static int write_record(const char *tmp, const char *chain_id, const char *diff_id, const char *parent,
			const char *blob, const char *compression, int64_t blob_size,
			const engine__unpack_result *res)
{
	cleanup_json json_object *rec = json_object_new_object();
	cleanup_free char *path = engine__path_join(tmp, "layer.json");

	if (!rec || !path)
		return engine__error_oom();
	if (engine__json_add_string(rec, "chain_id", chain_id) < 0 ||
	    engine__json_add_string(rec, "diff_id", diff_id) < 0 ||
	    engine__json_add_string(rec, "parent", parent) < 0 ||
	    engine__json_add_string(rec, "blob", blob) < 0 ||
	    engine__json_add_string(rec, "media_type", media_type(compression)) < 0 ||
	    engine__json_add_string(rec, "compression", compression) < 0 ||
	    json_object_object_add(rec, "blob_size", json_object_new_int64(blob_size)) < 0 ||
	    json_object_object_add(rec, "size", json_object_new_int64((int64_t)res->size)) < 0 ||
	    json_object_object_add(rec, "entries", json_object_new_int64((int64_t)res->entries)) < 0 ||
	    json_object_object_add(rec, "created", json_object_new_int64((int64_t)time(NULL))) < 0)
		return engine__error_oom();
	return engine__json_write_file(path, rec, false);
}

/* Rename the finished temp layer into place; an existing one wins. */
static int publish(engine_context *ctx, const char *tmp, const char *chain_id)
{
	cleanup_free char *layers = engine__context_path(ctx, "layers");
	cleanup_free char *dest = engine__store_path(ctx, "layers", chain_id, "");
	int r;

	if (!layers || !dest)
		return ENGINE_ENOMEM;
	r = engine__mkdir_p(layers, 0700);
	if (r < 0)
		return r;
	if (rename(tmp, dest) == 0)
		return 0;
	if ((errno == EEXIST || errno == ENOTEMPTY) && engine__layer_exists(ctx, chain_id)) {
		engine__rm_rf(tmp);
		return 0;
	}
	return engine__error_errno(errno, "store layer %s", chain_id);
}

/* Unpack into a fresh temp dir; on success *tmp_out holds it and the diff ID
 * is known. */
static int unpack_to_tmp(engine_context *ctx, const char *blob_path, char *const *lower_dirs, char **tmp_out,
			 char diff_id[ENGINE__DIGEST_LEN + 1], const char **compression,
			 engine__unpack_result *res)
{
	cleanup_free char *tmproot = NULL, *tmp = NULL, *diff = NULL;
	cleanup_close int rootfd = -EBADF;
	engine__unpack_options opts = {.mode = ENGINE__UNPACK_LAYER, .lower_dirs = lower_dirs};
	int r;

	engine__unpack_limits(ctx, &opts);
	r = engine__store_tmpdir(ctx, &tmproot);
	if (r < 0 || (r = engine__mkdtemp_in(tmproot, "layer", &tmp)) < 0)
		return r;
	diff = engine__path_join(tmp, "diff");
	if (!diff) {
		r = ENGINE_ENOMEM;
		goto remove_tmp;
	}
	if (mkdir(diff, 0755) < 0 || (rootfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = engine__error_errno(errno, "create %s", diff);
		goto remove_tmp;
	}
	r = engine__unpack_file(blob_path, rootfd, &opts, res, diff_id, compression);
	if (r < 0)
		goto remove_tmp;
	*tmp_out = steal_ptr(tmp);
	return 0;

remove_tmp:
	engine__discard_tmp(tmp);
	return r;
}

int engine__layer_unpack_blob(engine_context *ctx, const char *blob_digest, const char *diff_id,
			      const char *parent_chain_id, char chain_id_out[ENGINE__DIGEST_LEN + 1])
{
	cleanup_free char *blob_path = NULL, *tmp = NULL;
	cleanup_strv char **lower = NULL;
	char chain[ENGINE__DIGEST_LEN + 1], got[ENGINE__DIGEST_LEN + 1];
	const char *compression = "none";
	engine__unpack_result res;
	struct stat st;
	int lock, r;

	if (diff_id && !engine__digest_valid(diff_id))
		return engine__error_set(ENGINE_EINVALID, 0, "invalid diff ID \"%s\"", diff_id);
	if (parent_chain_id && (r = check_chain(parent_chain_id)) < 0)
		return r;
	lock = engine__store_lock(ctx, false);
	if (lock < 0)
		return lock;
	if (diff_id) {
		engine__chain_id(parent_chain_id, diff_id, chain);
		if (engine__layer_exists(ctx, chain)) {
			memcpy(chain_id_out, chain, sizeof(chain));
			r = 0;
			goto unlock;
		}
	}
	r = engine__blob_path(ctx, blob_digest, &blob_path);
	if (r < 0)
		goto unlock;
	if (parent_chain_id && !engine__layer_exists(ctx, parent_chain_id)) {
		r = engine__error_set(ENGINE_ENOTFOUND, ENOENT, "layer %s: parent layer %s not found",
				      blob_digest, parent_chain_id);
		goto unlock;
	}
	r = engine__layer_chain_dirs(ctx, parent_chain_id, &lower);
	if (r < 0)
		goto unlock;
	r = unpack_to_tmp(ctx, blob_path, lower, &tmp, got, &compression, &res);
	if (r < 0) {
		engine__error_wrap("layer %s", blob_digest);
		goto unlock;
	}
	if (diff_id && strcmp(diff_id, got) != 0) {
		r = engine__error_set(ENGINE_EINVALID, 0, "layer %s: diff ID mismatch: expected %s, got %s",
				      blob_digest, diff_id, got);
		goto remove_tmp;
	}
	engine__chain_id(parent_chain_id, got, chain);
	r = stat(blob_path, &st) < 0 ? engine__error_errno(errno, "stat %s", blob_path) : 0;
	if (r == 0)
		r = write_record(tmp, chain, got, parent_chain_id, blob_digest, compression, st.st_size,
				 &res);
	if (r == 0)
		r = publish(ctx, tmp, chain);
	if (r < 0)
		goto remove_tmp;
	memcpy(chain_id_out, chain, sizeof(chain));
	goto unlock;

remove_tmp:
	engine__discard_tmp(tmp);
unlock:
	engine__store_unlock(lock);
	return r;
}
