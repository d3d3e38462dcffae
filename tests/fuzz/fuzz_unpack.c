/*
 * Layer tars: every entry type, names, links and whiteouts through the
 * unpacker (image/unpack.c) in both modes, beneath a fresh directory. A
 * sibling directory must stay empty whatever the tar says: an entry that
 * lands outside the root aborts the run.
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/archive_lib.h"
#include "image/internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = fz_dir("unpack");
	char *outside = engine__path_join(dir, "outside");

	(void)argc;
	(void)argv;
	if (!outside || mkdir(outside, 0755) < 0)
		abort();
	free(outside);
	return 0;
}

static void assert_outside_empty(const char *dir)
{
	char *outside = engine__path_join(dir, "outside");
	DIR *d = opendir(outside);
	struct dirent *de;

	if (!d)
		abort();
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			abort(); /* something escaped the root */
	closedir(d);
	free(outside);
}

/* The input handed to libarchive in one read (the back end's stubs carry
 * archive_read_open, not archive_read_open_memory). */
struct input {
	const uint8_t *data;
	size_t size;
	bool done;
};

static la_ssize_t read_input(struct archive *a, void *arg, const void **buf)
{
	struct input *in = arg;

	(void)a;
	if (in->done)
		return 0;
	in->done = true;
	*buf = in->data;
	return (la_ssize_t)in->size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fz_dir("unpack");
	char *root = engine__path_join(dir, "root");

	for (int mode = ENGINE__UNPACK_LAYER; mode <= ENGINE__UNPACK_APPLY; mode++) {
		engine__unpack_options opts = {
		    .mode = mode, .max_entries = 2048, .max_bytes = 4 << 20, .max_ratio = 0};
		engine__unpack_result res;
		struct archive *a;
		int fd;

		if (!root || mkdir(root, 0755) < 0 ||
		    (fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			abort();
		a = archive_read_new();
		if (!a)
			abort();
		archive_read_support_format_tar(a);
		archive_read_support_format_gnutar(a);
		struct input in = {data, size, false};

		if (archive_read_open(a, &in, NULL, read_input, NULL) == ARCHIVE_OK)
			engine__unpack_archive(a, fd, &opts, &res);
		engine_error_clear();
		archive_read_free(a);
		close(fd);
		if (engine__rm_rf(root) < 0)
			abort();
		assert_outside_empty(dir);
	}
	free(root);
	return 0;
}
