/* Version and feature discovery, so bindings can check what they loaded. */
#include "config.h"

#include <string.h>

#include <engine/common.h>

ENGINE_EXTERN const char *engine_version(void)
{
	return PACKAGE_VERSION;
}

ENGINE_EXTERN int engine_has_feature(const char *name)
{
	static const char *features[] = {
	    "seccomp", "overlay", "cgroup-v1", "cgroup-v2", "zstd", "gzip", "registry", "build", NULL,
	};

	if (!name)
		return 0;
	for (size_t i = 0; features[i]; i++)
		if (strcmp(features[i], name) == 0)
			return 1;
	return 0;
}
