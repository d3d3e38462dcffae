/*
 * A tar file extracted beneath a directory fd: the one path behind layer
 * unpacks, image flattening and the builder's ADD of a local archive, so
 * all three get the same safe path resolution (unpack.c) and the same
 * limits (bytes, entries, decompression ratio; stream.c).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "core/error.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"

static int unpack_stream(engine__layer_stream *s, int rootfd, const engine__unpack_options *opts,
			 engine__unpack_result *res, char diff_id[ENGINE__DIGEST_LEN + 1],
			 const char **compression)
{
	char ignored[ENGINE__DIGEST_LEN + 1];
	int r;

	r = engine__unpack_archive(engine__layer_stream_archive(s), rootfd, opts, res);
	if (r < 0) {
		/* The decompressing thread's reason beats libarchive's "read failed". */
		engine__error_saved saved;

		engine__error_save(&saved);
		if (!engine__layer_stream_error(s))
			engine__error_restore(&saved);
		r = engine_error_last()->code;
	} else {
		r = engine__layer_stream_finish(s, diff_id ? diff_id : ignored);
		if (r == 0 && compression)
			*compression = engine__layer_stream_compression(s);
	}
	engine__layer_stream_free(s);
	return r;
}

int engine__unpack_file(const char *path, int rootfd, const engine__unpack_options *opts,
			engine__unpack_result *res, char diff_id[ENGINE__DIGEST_LEN + 1],
			const char **compression)
{
	engine__layer_stream *s = NULL;
	int r = engine__layer_stream_open(path, opts, &s);

	return r < 0 ? r : unpack_stream(s, rootfd, opts, res, diff_id, compression);
}

int engine__unpack_fd(int fd, struct engine__blob_writer *tee, int rootfd, const engine__unpack_options *opts,
		      engine__unpack_result *res, char diff_id[ENGINE__DIGEST_LEN + 1],
		      const char **compression)
{
	engine__layer_stream *s = NULL;
	int r = engine__layer_stream_open_fd(fd, tee, opts, &s);

	return r < 0 ? r : unpack_stream(s, rootfd, opts, res, diff_id, compression);
}

bool engine__archive_is_tar(const char *path)
{
	engine__unpack_options limits = {.max_bytes = ENGINE__DEFAULT_UNPACK_MAX_BYTES};
	engine__layer_stream *s = NULL;
	struct archive_entry *e;
	bool yes;

	if (engine__layer_stream_open(path, &limits, &s) < 0) {
		engine_error_clear();
		return false;
	}
	yes = archive_read_next_header(engine__layer_stream_archive(s), &e) == ARCHIVE_OK;
	engine__layer_stream_free(s);
	return yes;
}

int engine__archive_extract(engine_context *ctx, const char *path, int dirfd,
			    const engine__extract_options *o)
{
	engine__unpack_options opts = {
	    .mode = ENGINE__UNPACK_APPLY,
	    .owner_override = o->owner_override,
	    .uid = o->uid,
	    .gid = o->gid,
	    .perm_override = o->perm_override,
	    .perm = o->perm,
	};
	engine__unpack_result res;

	engine__unpack_limits(ctx, &opts);
	if (engine__unpack_file(path, dirfd, &opts, &res, NULL, NULL) < 0)
		return engine_error_last()->code;
	return 0;
}
