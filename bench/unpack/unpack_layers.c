/*
 * Bench driver: load layer tarballs into a fresh store the way a load does
 * (blob copy with digest, unpack, register), printing the time of each
 * phase. Usage: unpack_layers ROOT LAYER.tar[.gz|.zst]...
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <engine.h>

#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/json.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;
	char blob[ENGINE__DIGEST_LEN + 1], chain[ENGINE__DIGEST_LEN + 1] = "", cfg[ENGINE__DIGEST_LEN + 1];
	json_object *config = json_object_new_object(), *rootfs = json_object_new_object();
	json_object *diffs = json_object_new_array();
	double t_blob = 0, t_unpack = 0, t0, start = now();

	if (argc < 3) {
		fprintf(stderr, "usage: %s ROOT LAYER...\n", argv[0]);
		return 2;
	}
	o.root = argv[1];
	if (engine_context_new(&ctx, &o) < 0)
		goto fail;
	for (int i = 2; i < argc; i++) {
		cleanup_close int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		cleanup_json json_object *rec = NULL;
		char next[ENGINE__DIGEST_LEN + 1];

		t0 = now();
		if (fd < 0 || engine__blob_put_fd(ctx, fd, NULL, blob) < 0)
			goto fail;
		t_blob += now() - t0;
		t0 = now();
		if (engine__layer_unpack_blob(ctx, blob, NULL, i > 2 ? chain : NULL, next) < 0)
			goto fail;
		t_unpack += now() - t0;
		if (engine__layer_record(ctx, next, &rec) < 0)
			goto fail;
		json_object_array_add(diffs, json_object_new_string(engine__json_get_string(rec, "diff_id")));
		memcpy(chain, next, sizeof(next));
	}
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", diffs);
	json_object_object_add(config, "rootfs", rootfs);
	const char *s = json_object_to_json_string(config);
	if (engine__blob_put_buf(ctx, s, strlen(s), NULL, cfg) < 0 ||
	    engine__image_register(ctx, cfg, NULL) < 0)
		goto fail;
	printf("blobs %.3f s, unpack %.3f s, total %.3f s\n", t_blob, t_unpack, now() - start);
	json_object_put(config);
	engine_context_free(ctx);
	return 0;
fail:
	fprintf(stderr, "error: %s\n", engine_error_last()->message);
	json_object_put(config);
	engine_context_free(ctx);
	return 1;
}
