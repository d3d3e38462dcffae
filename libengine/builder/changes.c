/*
 * Dockerfile instructions applied to an image config outside a build:
 * docker commit --change (and import --change): CMD, ENTRYPOINT, ENV,
 * EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR, HEALTHCHECK, STOPSIGNAL,
 * with the same parsing and the same effect as in a Dockerfile.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "builder/builder.h"
#include "builder/dockerfile.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/str.h"

int engine__build_apply_changes(json_object *image, char *const *changes)
{
	engine__dockerfile *df = NULL;
	engine__build_stage st = {.image = image, .escape = '\\'};
	/* The parser wants a stage: a FROM first, skipped below. */
	cleanup_free char *text = strdup("FROM scratch\n");
	int r = 0;

	for (size_t i = 0; text && changes && changes[i]; i++) {
		char *g = engine__strdup_printf("%s%s\n", text, changes[i]);

		free(text);
		text = g;
	}
	if (!text)
		return engine__error_oom();
	r = engine__dockerfile_parse("change", text, strlen(text), &df);
	for (size_t i = 1; r == 0 && i < df->n_instrs; i++) {
		engine__df_instr *in = &df->instrs[i];
		char *comment = NULL;

		switch (in->kind) {
		case ENGINE__DF_CMD:
		case ENGINE__DF_ENTRYPOINT:
		case ENGINE__DF_ENV:
		case ENGINE__DF_EXPOSE:
		case ENGINE__DF_LABEL:
		case ENGINE__DF_ONBUILD:
		case ENGINE__DF_USER:
		case ENGINE__DF_VOLUME:
		case ENGINE__DF_WORKDIR:
		case ENGINE__DF_HEALTHCHECK:
		case ENGINE__DF_STOPSIGNAL:
			/* a CMD given with the change is not dropped by its ENTRYPOINT */
			r = engine__build_apply_meta(&st, in, &comment);
			free(comment);
			break;
		default:
			r = engine__error_set(ENGINE_EINVALID, 0, "%s is not a valid change command",
					      engine__df_kind_name(in->kind));
		}
	}
	engine__dockerfile_free(df);
	engine__strv_free(st.args);
	return r;
}
