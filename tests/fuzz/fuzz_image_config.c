/*
 * Image configs as the runtime and the builder read them: the JSON, its
 * Env/Cmd/Entrypoint arrays, Docker's argv rules and the environment merge
 * a container starts with, the builder's view of a stage's image.
 */
#include "fuzz.h"

#include "builder/builder.h"
#include "env/env.h"
#include "runtime/runtime.h"
#include "util/json.h"
#include "util/strv.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object *img = NULL, *cfg;
	engine_spec *spec = NULL;
	char **argv = NULL, **env = NULL, **merged = NULL;
	char *caller[] = {"PATH=/bin", NULL};

	/* engine__build_load_image's contract: a config is an object. */
	if (engine__json_parse((const char *)data, size, "image config", &img) < 0 ||
	    !json_object_is_type(img, json_type_object))
		goto out;
	cfg = engine__json_get_type(img, "config", json_type_object);
	if (!cfg)
		cfg = img;
	if (engine_spec_new(&spec) == 0) {
		if (engine__resolve_argv(spec, cfg, &argv) == 0)
			engine__strv_free(argv);
		engine_spec_free(spec);
	}
	if (engine__json_to_strv(engine__json_get_type(cfg, "Env", json_type_array), &env) == 0) {
		if (engine__env_merge(env, NULL, NULL, caller, &merged) == 0)
			engine__strv_free(merged);
		engine__strv_free(env);
	}
	{
		/* The builder continues from this image: its stage and shell. */
		engine__build_stage st = {0};
		char *shell, *key = NULL;

		st.image = json_object_get(img);
		st.escape = '\\';
		shell = engine__build_shell_string(&st);
		free(shell);
		if (engine__build_step_key(&st, "fuzz", &key) == 0)
			free(key);
		json_object_put(st.image);
	}
out:
	if (img)
		json_object_put(img);
	engine_error_clear();
	return 0;
}
