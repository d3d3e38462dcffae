/* --env-file contents (env/env.c), merged the way a container's
 * environment is built. */
#include "fuzz.h"

#include "env/env.h"
#include "util/strv.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *caller[] = {"HOME=/root", "PATH=/usr/bin:/bin", "TERM", NULL};
	char **out = NULL;

	if (engine__env_parse_file_mem("fuzz.env", (const char *)data, size, caller, &out) == 0) {
		char **merged = NULL, *image[] = {"PATH=/bin", "A=1", NULL};

		if (engine__env_merge(image, NULL, out, caller, &merged) == 0)
			engine__strv_free(merged);
		for (size_t i = 0; out[i]; i++)
			engine__env_validate(out[i]);
		engine__strv_free(out);
	}
	engine_error_clear();
	return 0;
}
