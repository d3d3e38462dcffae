/*
 * Dockerfiles (builder/dockerfile.c) and everything the builder derives
 * from one without running a container: meta ARGs, FROM references, the
 * metadata instructions applied to a config (builder/eval.c), RUN's argv
 * and environment, COPY/ADD word expansion. The same bytes also go through
 * the .dockerignore parser and shell-word expansion.
 */
#include "fuzz.h"

#include "builder/builder.h"
#include "builder/dockerfile.h"
#include "util/strv.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void evaluate(const engine__dockerfile *df)
{
	char *build_args[] = {"A=1", "B", "HTTP_PROXY=http://p", NULL};
	char **meta = NULL, **used = NULL;
	size_t n_meta = 0;
	engine__build_stage st = {0};

	if (engine__build_meta_args(df, build_args, &used, &meta, &n_meta) < 0)
		goto out;
	st.image = engine__build_scratch_image();
	if (!st.image)
		goto out;
	st.meta = meta;
	st.build_args = build_args;
	st.escape = df->escape;
	st.used = used;
	for (size_t i = n_meta; i < df->n_instrs; i++) {
		const engine__df_instr *in = &df->instrs[i];
		char *s = NULL, **argv = NULL, **env = NULL;

		switch (in->kind) {
		case ENGINE__DF_FROM:
			if (engine__build_from_ref(in, meta, df->escape, &s) == 0)
				free(s);
			break;
		case ENGINE__DF_RUN:
			if (engine__build_run_argv(&st, in, &argv, &env, &s) == 0) {
				engine__strv_free(argv);
				engine__strv_free(env);
				free(s);
			}
			break;
		case ENGINE__DF_COPY:
		case ENGINE__DF_ADD:
			for (size_t k = 0; in->args && in->args[k]; k++)
				if (engine__build_expand(&st, in, in->args[k], &s) == 0)
					free(s);
			break;
		default:
			if (engine__build_apply_meta(&st, in, &s) == 0)
				free(s);
			break;
		}
		engine_error_clear();
	}
	used = st.used;
out:
	if (st.image)
		json_object_put(st.image);
	engine__strv_free(st.args);
	engine__strv_free(meta);
	engine__strv_free(used);
	engine_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size), *w = NULL;
	char *env[] = {"HOME=/root", "EMPTY=", "X=a b", NULL};
	engine__dockerfile *df = NULL;
	engine__ignore *ig = NULL;

	if (engine__dockerfile_parse("Dockerfile", (const char *)data, size, &df) == 0) {
		evaluate(df);
		engine__dockerfile_free(df);
	}
	if (engine__ignore_parse(s, &ig) == 0) {
		engine__ignore_match(ig, "a/b/c");
		engine__ignore_match(ig, "Dockerfile");
		engine__ignore_free(ig);
	}
	if (engine__shlex_word(s, '\\', env, &w) == 0)
		free(w);
	if (engine__shlex_word(s, '`', env, &w) == 0)
		free(w);
	engine_error_clear();
	free(s);
	return 0;
}
