/* Reference spelling for archives: familiar names for people and tag
 * lists, fully qualified names for containerd-style annotations. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "image/image_ref.h"
#include "util/str.h"

bool engine__ref_has_tag(const char *ref)
{
	const char *slash = strrchr(ref, '/');

	return strchr(slash ? slash : ref, ':') != NULL;
}

const char *engine__ref_tag(const char *ref)
{
	const char *slash = strrchr(ref, '/');
	const char *colon = strchr(slash ? slash : ref, ':');

	return colon ? colon + 1 : "latest";
}

char *engine__ref_familiar(const char *ref)
{
	static const char *const registries[] = {"docker.io/", "index.docker.io/", NULL};

	for (size_t i = 0; registries[i]; i++) {
		const char *rest = ref + strlen(registries[i]);

		if (!engine__str_starts_with(ref, registries[i]))
			continue;
		if (engine__str_starts_with(rest, "library/") && !strchr(rest + 8, '/'))
			rest += 8;
		return strdup(rest);
	}
	return strdup(ref);
}

char *engine__ref_qualify(const char *ref)
{
	const char *slash = strchr(ref, '/');
	bool has_domain =
	    slash && (memchr(ref, '.', (size_t)(slash - ref)) || memchr(ref, ':', (size_t)(slash - ref)) ||
		      ((size_t)(slash - ref) == 9 && !strncmp(ref, "localhost", 9)));
	const char *tag = engine__ref_has_tag(ref) ? "" : ":latest";

	if (has_domain)
		return engine__strdup_printf("%s%s", ref, tag);
	return engine__strdup_printf("docker.io/%s%s%s", slash ? "" : "library/", ref, tag);
}
