/* The public registry entry points that are not pull or push: reference
 * normalisation against the context's config. */
#include "config.h"

#include <stdlib.h>

#include <engine/registry.h>

#include "core/context.h"
#include "core/error.h"
#include "registry/reference.h"
#include "registry/regconfig.h"

ENGINE_EXTERN int engine_registry_reference_normalize(engine_context *ctx, const char *ref, char **out)
{
	engine__reference *r = NULL;
	const char *def;
	int rc;

	if (!ctx || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "reference normalize: NULL argument");
	rc = engine__regconfig_default_domain(engine__context_config(ctx, "default-registry"), &def);
	if (rc < 0)
		return rc;
	rc = engine__reference_parse(ref, def, &r);
	if (rc < 0)
		return rc;
	*out = engine__reference_string(r);
	engine__reference_free(r);
	return *out ? 0 : ENGINE_ENOMEM;
}
