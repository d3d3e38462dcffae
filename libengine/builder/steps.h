/* The running build, shared by the step loop (steps.c, stages.c) and RUN (step_run.c). */
#ifndef ENGINE_BUILD_BUILD_INT_H
#define ENGINE_BUILD_BUILD_INT_H

#include "builder/builder.h"

typedef struct engine__builder {
	engine_context *ctx;
	const char *context_dir;
	engine__ignore *ignore;
	bool no_cache;
	const char *network;
	engine_build_event_fn fn;
	void *payload;
	int event_fd;
	int step, total;
	char cur[ENGINE__DIGEST_LEN + 1]; /* the current image, "" for scratch */
	char **stage_names;		  /* per finished stage, NULL when unnamed */
	char (*stage_ids)[ENGINE__DIGEST_LEN + 1];
	size_t n_done;
} engine__builder;

void engine__build_emit(engine__builder *b, int kind, const char *text);
/* The full config of image @id (a scratch config for "" or NULL). */
int engine__build_load_image(engine_context *ctx, const char *id, json_object **out);
int engine__build_top_chain(json_object *image, char out[ENGINE__DIGEST_LEN + 1], bool *has);
/* Cache lookup for the current step; a hit moves b->cur and st->image to it. */
int engine__build_probe(engine__builder *b, engine__build_stage *st, const char *key, bool *hit);
/* Record, commit and cache a step that ran (@diff_id NULL: no layer). */
int engine__build_finish_step(engine__builder *b, engine__build_stage *st, const char *created_by,
			      const char *key, const char *diff_id);
int engine__build_layer(engine__builder *b, engine__build_stage *st, const char *dir,
			char diff_id[ENGINE__DIGEST_LEN + 1]);
int engine__build_layer_dirs(engine__builder *b, char ***out);
int engine__build_tmpdir(engine__builder *b, const char *prefix, char **out);
int engine__build_run_stage(engine__builder *b, const engine__dockerfile *df, size_t first, size_t end,
			    char *const *meta, char *const *build_args, char ***used);

/* One instruction after FROM. */
int engine__build_step(engine__builder *b, engine__build_stage *st, const engine__df_instr *in);

/* RUN (step_run.c). */
int engine__build_step_run(engine__builder *b, engine__build_stage *st, const engine__df_instr *in);

#endif
