/* WWW-Authenticate challenges from registries (registry/challenge.c) and
 * the token URL built from them. */
#include "fuzz.h"

#include "registry/challenge.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	engine__challenge c;

	memset(&c, 0, sizeof(c));
	if (engine__challenge_parse(s, &c) == 0) {
		char *scopes[] = {"repository:a/b:pull", "repository:c:pull,push", NULL};

		free(engine__challenge_token_url(&c, scopes));
		free(engine__challenge_token_url(&c, scopes + 2));
	}
	engine__challenge_clear(&c);
	engine_error_clear();
	free(s);
	return 0;
}
