/*
 * Unpacked layers: layers/<chain-id hex>/{diff/,layer.json}. A layer is
 * unpacked into a temp directory and renamed into place with its record, so
 * it is either complete or absent; when two processes race, the loser's
 * rename fails on the existing directory and it uses the winner's copy.
 * The layers of one image unpack at the same time (see "unpack jobs"); a
 * load from a directory starts them while it copies the blobs in, each
 * from the same read (engine__layer_job_start_copy), and publishes them
 * once every digest has been checked.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "backend/backend.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"
#include "util/thread.h"

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

/* --- unpack jobs ------------------------------------------------------------
 * A layer is unpacked into a temp dir on a thread of its own without its
 * parent (parents the tar omits are listed, not resolved), so the layers of
 * an image unpack at the same time; finishing is in order: the listed
 * directories take their metadata from the layers below, then the record is
 * written and the layer renamed into place. */

struct engine__layer_job {
	engine_context *ctx;
	char blob[ENGINE__DIGEST_LEN + 1];
	char diff_id[ENGINE__DIGEST_LEN + 1]; /* expected, or "" */
	char parent[ENGINE__DIGEST_LEN + 1];  /* or "" for a base layer */
	char chain[ENGINE__DIGEST_LEN + 1];
	char *blob_path;	  /* or, copying the blob in as it unpacks: */
	int src_fd;		  /* the source blob (the thread takes it) */
	engine__blob_writer *tee; /* what it is copied into */
	int64_t blob_size;	  /* the copy's size, once waited for */
	int lock;
	bool present; /* already unpacked: nothing to do */
	bool started;
	int cancel;
	engine__unpack_options opts; /* read from the context on the caller's thread */
	pthread_t thread;
	/* the thread's results */
	int r;
	engine__error_saved saved;
	char *tmp;
	char got[ENGINE__DIGEST_LEN + 1];
	const char *compression;
	engine__unpack_result res;
};

static void *job_run(void *arg)
{
	engine__layer_job *j = arg;
	cleanup_free char *tmproot = NULL, *tmp = NULL, *diff = NULL;
	cleanup_close int rootfd = -EBADF;
	int r;

	engine__thread_block_signals();
	r = engine__store_tmpdir(j->ctx, &tmproot);
	if (r < 0 || (r = engine__mkdtemp_in(tmproot, "layer", &tmp)) < 0)
		goto out;
	diff = engine__path_join(tmp, "diff");
	if (!diff) {
		r = engine__error_oom();
		goto out;
	}
	if (mkdir(diff, 0755) < 0 || (rootfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = engine__error_errno(errno, "create %s", diff);
		goto out;
	}
	if (j->src_fd >= 0) {
		int fd = j->src_fd;

		j->src_fd = -1;
		r = engine__unpack_fd(fd, j->tee, rootfd, &j->opts, &j->res, j->got, &j->compression);
	} else {
		r = engine__unpack_file(j->blob_path, rootfd, &j->opts, &j->res, j->got, &j->compression);
	}
	if (r == 0 && j->diff_id[0] && strcmp(j->diff_id, j->got) != 0)
		r = engine__error_set(ENGINE_EINVALID, 0, "diff ID mismatch: expected %s, got %s", j->diff_id,
				      j->got);
out:
	if (r < 0) {
		engine__error_save(&j->saved);
		engine__discard_tmp(tmp);
	} else {
		j->tmp = steal_ptr(tmp);
	}
	j->r = r;
	return NULL;
}

void engine__layer_job_free(engine__layer_job *j)
{
	if (!j)
		return;
	if (j->started) {
		__atomic_store_n(&j->cancel, 1, __ATOMIC_RELAXED);
		pthread_join(j->thread, NULL);
	}
	if (j->tmp)
		engine__discard_tmp(j->tmp);
	free(j->tmp);
	engine__strv_free(j->res.implicit_dirs);
	if (j->src_fd >= 0)
		close(j->src_fd);
	engine__blob_writer_free(j->tee);
	free(j->blob_path);
	engine__store_unlock(j->lock);
	free(j);
}

static int job_start(engine_context *ctx, const char *blob_digest, const char *diff_id,
		     const char *parent_chain_id, bool parent_pending, int src_fd, engine__blob_writer *tee,
		     engine__layer_job **out)
{
	engine__layer_job *j;
	int r;

	if (diff_id && !engine__digest_valid(diff_id))
		r = engine__error_set(ENGINE_EINVALID, 0, "invalid diff ID \"%s\"", diff_id);
	else if (parent_chain_id)
		r = check_chain(parent_chain_id);
	else
		r = 0;
	j = r < 0 ? NULL : calloc(1, sizeof(*j));
	if (!j) {
		if (src_fd >= 0)
			close(src_fd);
		engine__blob_writer_free(tee);
		return r < 0 ? r : engine__error_oom();
	}
	j->ctx = ctx;
	j->lock = -1;
	j->src_fd = src_fd;
	j->tee = tee;
	snprintf(j->blob, sizeof(j->blob), "%s", blob_digest ? blob_digest : "");
	snprintf(j->diff_id, sizeof(j->diff_id), "%s", diff_id ? diff_id : "");
	snprintf(j->parent, sizeof(j->parent), "%s", parent_chain_id ? parent_chain_id : "");
	r = j->lock = engine__store_lock(ctx, false);
	if (r < 0)
		goto fail;
	if (diff_id) {
		engine__chain_id(parent_chain_id, diff_id, j->chain);
		/* A copy is made whatever is there: the caller checked. */
		if (!tee && engine__layer_exists(ctx, j->chain)) {
			j->present = true;
			*out = j;
			return 0;
		}
	}
	if (!tee && (r = engine__blob_path(ctx, blob_digest, &j->blob_path)) < 0)
		goto fail;
	if (parent_chain_id && !parent_pending && !engine__layer_exists(ctx, parent_chain_id)) {
		r = engine__error_set(ENGINE_ENOTFOUND, ENOENT, "layer %s: parent layer %s not found",
				      blob_digest, parent_chain_id);
		goto fail;
	}
	j->opts = (engine__unpack_options){
	    .mode = ENGINE__UNPACK_LAYER, .defer_implicit = true, .cancel = &j->cancel};
	engine__unpack_limits(ctx, &j->opts);
	/* The back ends load here, on the caller's thread, not in a race. */
	if ((r = engine__backend_require(&engine__backend_archive)) < 0)
		goto fail;
	r = pthread_create(&j->thread, NULL, job_run, j);
	if (r != 0) {
		r = engine__error_errno(r, "start layer unpack thread");
		goto fail;
	}
	j->started = true;
	*out = j;
	return 0;

fail:
	engine__layer_job_free(j);
	return r;
}

int engine__layer_job_start(engine_context *ctx, const char *blob_digest, const char *diff_id,
			    const char *parent_chain_id, bool parent_pending, engine__layer_job **out)
{
	return job_start(ctx, blob_digest, diff_id, parent_chain_id, parent_pending, -1, NULL, out);
}

int engine__layer_job_start_copy(engine_context *ctx, int fd, engine__blob_writer *w, const char *blob_digest,
				 const char *diff_id, const char *parent_chain_id, bool parent_pending,
				 engine__layer_job **out)
{
	if (!diff_id) {
		close(fd);
		engine__blob_writer_free(w);
		return engine__error_set(ENGINE_EINVALID, 0, "layer %s: copied in without a diff ID",
					 blob_digest);
	}
	return job_start(ctx, blob_digest, diff_id, parent_chain_id, parent_pending, fd, w, out);
}

int engine__layer_job_wait(engine__layer_job *j, engine__blob_writer **w_out)
{
	if (j->started) {
		pthread_join(j->thread, NULL);
		j->started = false;
	}
	*w_out = NULL;
	if (j->present)
		return 0;
	if (j->r < 0) {
		/* The copy stopped with the unpack: finish reports why. */
		engine__blob_writer_free(j->tee);
		j->tee = NULL;
		return j->r;
	}
	if (j->tee) {
		j->blob_size = engine__blob_writer_size(j->tee);
		*w_out = steal_ptr(j->tee);
	}
	return 0;
}

int engine__layer_job_finish(engine__layer_job *j, char chain_id_out[ENGINE__DIGEST_LEN + 1])
{
	const char *parent = j->parent[0] ? j->parent : NULL;
	cleanup_strv char **lower = NULL;
	cleanup_free char *diff = NULL;
	cleanup_close int rootfd = -EBADF;
	struct stat st;
	int r;

	if (j->present) {
		memcpy(chain_id_out, j->chain, sizeof(j->chain));
		engine__layer_job_free(j);
		return 0;
	}
	if (j->started) {
		pthread_join(j->thread, NULL);
		j->started = false;
	}
	if (j->r < 0) {
		engine__error_restore(&j->saved);
		r = engine__error_wrap("layer %s", j->blob);
		goto out;
	}
	if (parent && !engine__layer_exists(j->ctx, parent)) {
		r = engine__error_set(ENGINE_ENOTFOUND, ENOENT, "layer %s: parent layer %s not found",
				      j->blob, parent);
		goto out;
	}
	engine__chain_id(parent, j->got, j->chain);
	r = engine__layer_chain_dirs(j->ctx, parent, &lower);
	if (r < 0)
		goto out;
	diff = engine__path_join(j->tmp, "diff");
	if (!diff) {
		r = engine__error_oom();
		goto out;
	}
	if (j->res.implicit_dirs) {
		rootfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0) {
			r = engine__error_errno(errno, "open %s", diff);
			goto out;
		}
		r = engine__unpack_implicit_dirs(rootfd, j->res.implicit_dirs, lower);
		if (r < 0) {
			engine__error_wrap("layer %s", j->blob);
			goto out;
		}
	}
	if (j->blob_path) {
		if (stat(j->blob_path, &st) < 0)
			r = engine__error_errno(errno, "stat %s", j->blob_path);
		else
			j->blob_size = st.st_size;
	} else if (!engine__blob_exists(j->ctx, j->blob)) {
		/* Copied in, not committed: only a verified blob is published. */
		r = engine__error_set(ENGINE_ENOTFOUND, ENOENT, "layer %s: blob not stored", j->blob);
	}
	if (r == 0)
		r = write_record(j->tmp, j->chain, j->got, parent, j->blob, j->compression, j->blob_size,
				 &j->res);
	if (r == 0)
		r = publish(j->ctx, j->tmp, j->chain);
	if (r == 0) {
		free(j->tmp); /* renamed into place, or removed by publish */
		j->tmp = NULL;
		memcpy(chain_id_out, j->chain, sizeof(j->chain));
	}
out:
	engine__layer_job_free(j);
	return r;
}

int engine__layer_unpack_blob(engine_context *ctx, const char *blob_digest, const char *diff_id,
			      const char *parent_chain_id, char chain_id_out[ENGINE__DIGEST_LEN + 1])
{
	engine__layer_job *j = NULL;
	int r = engine__layer_job_start(ctx, blob_digest, diff_id, parent_chain_id, false, &j);

	return r < 0 ? r : engine__layer_job_finish(j, chain_id_out);
}

/* Layers in flight at once: each runs three threads (inflate, tar, digest),
 * so two already keep two cores busy while one waits on a small layer. */
size_t engine__layer_parallelism(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 2 ? 2 : n > 4 ? 4 : (size_t)n;
}

int engine__layer_unpack_chain(engine_context *ctx, size_t n, char *const *blobs, char *const *diff_ids,
			       const char *parent_chain_id, engine__layer_job **started_jobs,
			       char (*chains)[ENGINE__DIGEST_LEN + 1])
{
	cleanup_free engine__layer_job **jobs = calloc(n ? n : 1, sizeof(*jobs));
	size_t window = engine__layer_parallelism(), started = 0;
	int r = 0;

	if (!jobs)
		return engine__error_oom();
	for (size_t i = 0; i < n && r == 0; i++) {
		/* Start the layers up to the window: each one's parent chain is
		 * known from the diff IDs before any of them is unpacked. */
		while (r == 0 && started < n && started < i + window) {
			const char *parent = started ? chains[started - 1] : parent_chain_id;

			if (!engine__digest_valid(diff_ids[started])) {
				r = engine__error_set(ENGINE_EINVALID, 0, "invalid diff ID \"%s\"",
						      diff_ids[started] ? diff_ids[started] : "(null)");
				break;
			}
			engine__chain_id(parent, diff_ids[started], chains[started]);
			if (started_jobs && started_jobs[started]) {
				jobs[started] = steal_ptr(started_jobs[started]);
				if (strcmp(jobs[started]->chain, chains[started]) ||
				    strcmp(jobs[started]->blob, blobs[started]))
					r = engine__error_set(ENGINE_EINVALID, 0,
							      "layer %s: started for another chain",
							      blobs[started]);
			} else {
				r = engine__layer_job_start(ctx, blobs[started], diff_ids[started], parent,
							    started > 0, &jobs[started]);
			}
			started++;
		}
		if (r == 0) {
			char got[ENGINE__DIGEST_LEN + 1];

			r = engine__layer_job_finish(jobs[i], got);
			jobs[i] = NULL;
		}
	}
	/* A failed layer stops the ones above it: cancelled, their temp dirs
	 * removed. */
	for (size_t i = 0; i < started; i++)
		engine__layer_job_free(jobs[i]);
	return r;
}
