/*
 * Shared by the libFuzzer harnesses: a NUL-terminated copy of the input and
 * a private temp directory removed at exit. Each harness drives one parser
 * of untrusted bytes through the library's internal API and must not leak
 * or crash on any input; errors are the expected outcome of most inputs.
 */
#ifndef ENGINE_TESTS_FUZZ_H
#define ENGINE_TESTS_FUZZ_H

#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <engine.h>

#include "util/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input as a C string (a NUL inside ends it, as it would for the parser's caller). */
static inline char *fz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static char *fz_dir_path;

static inline void fz_dir_remove(void)
{
	if (fz_dir_path)
		engine__rm_rf(fz_dir_path);
	free(fz_dir_path);
	fz_dir_path = NULL;
}

/* A fresh directory for this process ($TMPDIR or /tmp), removed at exit. */
static inline const char *fz_dir(const char *tag)
{
	const char *base = getenv("TMPDIR");

	if (fz_dir_path)
		return fz_dir_path;
	if (asprintf(&fz_dir_path, "%s/engine-fuzz-%s-XXXXXX", base ? base : "/tmp", tag) < 0 ||
	    !mkdtemp(fz_dir_path))
		abort();
	atexit(fz_dir_remove);
	return fz_dir_path;
}

#endif
