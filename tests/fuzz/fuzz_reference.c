/* Image references (util/reference.c): parsed against Docker's default
 * domain and a private one, written back in every form, normalised. */
#include "fuzz.h"

#include "util/reference.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size), *norm = NULL;
	static const char *const domains[] = {NULL, "registry.local:5000"};

	for (size_t i = 0; i < 2; i++) {
		engine__reference *r = NULL;

		if (engine__reference_parse(s, domains[i], &r) == 0) {
			free(engine__reference_name(r));
			free(engine__reference_familiar_name(r, domains[i]));
			free(engine__reference_familiar(r, domains[i], true));
			free(engine__reference_familiar(r, domains[i], false));
			engine__reference_free(r);
		}
	}
	if (engine__reference_normalize(s, &norm) == 0) {
		char *again = NULL;

		/* The store keys tags by the normalised string: it must read
		 * back as itself (it did not for "docker.io/foo.com/x"). */
		if (engine__reference_normalize(norm, &again) != 0 || strcmp(norm, again) != 0)
			abort();
		free(again);
		free(norm);
	}
	engine_error_clear();
	free(s);
	return 0;
}
