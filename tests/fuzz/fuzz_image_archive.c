/*
 * Image archives as `engine load` reads them (image/archive_source.c,
 * oci_layout.c, docker_archive.c, load.c): the input is the tar itself,
 * planned both as an OCI layout (index.json, nested indexes, manifests,
 * platforms) and as a docker save archive (manifest.json, repositories),
 * with each planned image's config read. Nothing is committed.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <unistd.h>

#include "image/archive_source.h"
#include "image/image_load.h"

static engine_context *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	char *root = engine__path_join(fz_dir("archive"), "store");

	(void)argc;
	(void)argv;
	o.root = root;
	if (!root || engine_context_new(&ctx, &o) < 0)
		abort();
	free(root);
	return 0;
}

static void plan(engine__source *src, int oci)
{
	struct engine__load_plan p;

	memset(&p, 0, sizeof(p));
	/* Planning reads each image's config too. */
	if (oci)
		engine__oci_layout_plan(src, "linux/amd64", &p);
	else
		engine__docker_archive_plan(src, &p);
	engine__load_plan_clear(&p);
	engine_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = engine__path_join(fz_dir("archive"), "in.tar");
	engine__source *src = NULL;
	int fd;

	if (!path || (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    engine__write_all(fd, data, size) < 0)
		abort();
	close(fd);
	if (engine__source_open(ctx, path, &src) == 0) {
		plan(src, 1);
		plan(src, 0);
		engine__source_free(src);
	}
	engine_error_clear();
	unlink(path);
	free(path);
	return 0;
}
