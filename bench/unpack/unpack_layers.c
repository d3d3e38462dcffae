/*
 * Bench driver: load layer tarballs into a fresh store the way a load does
 * (blob copy with digest, then every layer unpacked, several at a time,
 * and registered), printing the time of each phase.
 * Usage: unpack_layers ROOT LAYER.tar[.gz|.zst]...
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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
	size_t n = argc > 2 ? (size_t)argc - 2 : 0;
	char **blobs = calloc(n + 1, sizeof(char *)), **diffs = calloc(n + 1, sizeof(char *));
	char(*chains)[ENGINE__DIGEST_LEN + 1] = calloc(n + 1, sizeof(*chains));
	char cfg[ENGINE__DIGEST_LEN + 1];
	json_object *config = json_object_new_object(), *rootfs = json_object_new_object();
	json_object *diff_ids = json_object_new_array();
	double t_blob, t_unpack, t0, start = now();

	if (argc < 3) {
		fprintf(stderr, "usage: %s ROOT LAYER...\n", argv[0]);
		return 2;
	}
	o.root = argv[1];
	if (!blobs || !diffs || !chains || engine_context_new(&ctx, &o) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		cleanup_close int fd = open(argv[i + 2], O_RDONLY | O_CLOEXEC);

		blobs[i] = malloc(ENGINE__DIGEST_LEN + 1);
		if (!blobs[i] || fd < 0 || engine__blob_put_fd(ctx, fd, NULL, blobs[i]) < 0)
			goto fail;
	}
	t_blob = now() - start;
	/* The diff IDs a config would carry, from a plain unpack of each. */
	for (size_t i = 0; i < n; i++) {
		char chain[ENGINE__DIGEST_LEN + 1];
		cleanup_json json_object *rec = NULL;

		if (engine__layer_unpack_blob(ctx, blobs[i], NULL, NULL, chain) < 0 ||
		    engine__layer_record(ctx, chain, &rec) < 0)
			goto fail;
		diffs[i] = strdup(engine__json_get_string(rec, "diff_id"));
		json_object_array_add(diff_ids, json_object_new_string(diffs[i]));
	}
	/* Time the real thing in a fresh store (the blobs stay). */
	engine_context_free(ctx);
	ctx = NULL;
	{
		char cmd[4096];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s/layers'", argv[1]);
		if (system(cmd) != 0 || engine_context_new(&ctx, &o) < 0)
			goto fail;
	}
	t0 = now();
	if (engine__layer_unpack_chain(ctx, n, blobs, diffs, NULL, NULL, chains) < 0)
		goto fail;
	t_unpack = now() - t0;
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", diff_ids);
	json_object_object_add(config, "rootfs", rootfs);
	const char *s = json_object_to_json_string(config);
	if (engine__blob_put_buf(ctx, s, strlen(s), NULL, cfg) < 0 ||
	    engine__image_register(ctx, cfg, NULL) < 0)
		goto fail;
	printf("blobs %.3f s, unpack (all layers) %.3f s\n", t_blob, t_unpack);
	json_object_put(config);
	engine_context_free(ctx);
	return 0;
fail:
	fprintf(stderr, "error: %s\n", engine_error_last()->message);
	json_object_put(config);
	engine_context_free(ctx);
	return 1;
}
