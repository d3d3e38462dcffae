/* Registry manifests and indexes (registry/manifest.c): parse under each
 * Content-Type a registry may send, and choose a platform from an index. */
#include "fuzz.h"

#include "registry/manifest.h"

static const char *const types[] = {
    NULL,
    ENGINE__MT_OCI_MANIFEST,
    ENGINE__MT_OCI_INDEX,
    ENGINE__MT_DOCKER_MANIFEST,
    ENGINE__MT_DOCKER_LIST,
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		engine__manifest *m = NULL;

		if (engine__manifest_parse((const char *)data, size, types[i], &m) == 0)
			engine__manifest_free(m);
	}
	for (int i = 0; i < 3; i++) {
		static const char *const platforms[] = {NULL, "linux/arm64/v8", "windows/amd64"};
		engine__descriptor d = {0};

		if (engine__index_select((const char *)data, size, platforms[i], &d) == 0)
			free(d.media_type);
	}
	engine_error_clear();
	return 0;
}
