/* The library's version, so bindings can check what they loaded (features:
 * runtime/features.c). */
#include "config.h"

#include <engine/common.h>

ENGINE_EXTERN const char *engine_version(void)
{
	return PACKAGE_VERSION;
}
