/*
 * The build subsystem's internal interface: the per-stage state and the
 * pure evaluation of instructions against an image config (eval.c), the
 * cache (cache.c), COPY/ADD preparation (step_copy.c) and RUN (step_run.c), which
 * the step loop (steps.c) ties together.
 */
#ifndef ENGINE_BUILD_BUILDER_H
#define ENGINE_BUILD_BUILDER_H

#include <stdbool.h>

#include <json-c/json.h>

#include <engine/build.h>

#include "builder/dockerfile.h"
#include "util/digest.h"

/* --- evaluation (pure) ---------------------------------------------------------- */

typedef struct engine__build_stage {
	json_object *image;	 /* the whole image config (config, rootfs, history), owned */
	char **args;		 /* ARGs declared in this stage: "K=V", or "K" when unset */
	char *const *meta;	 /* ARGs before the first FROM, resolved ("K=V" or "K"), borrowed */
	char *const *build_args; /* --build-arg "K=V", borrowed */
	char **used;		 /* build-arg names some ARG declared (for the unused warning), borrowed */
	char escape;
	bool cmd_set; /* CMD seen in this stage (ENTRYPOINT then keeps it) */
} engine__build_stage;

/* A fresh config for FROM scratch (linux/amd64, empty rootfs). */
json_object *engine__build_scratch_image(void);
/* The image's "config" object, created when missing (borrowed). */
json_object *engine__build_config(engine__build_stage *st);

/* Resolve the ARGs before the first FROM (defaults expanded with the ones
 * before, overridden by @build_args). *@n_meta: how many instructions. */
int engine__build_meta_args(const engine__dockerfile *df, char *const *build_args, char ***used, char ***out,
			    size_t *n_meta);
/* The image a FROM names, expanded with the meta args only. */
int engine__build_from_ref(const engine__df_instr *in, char *const *meta, char escape, char **out);

/* The variables visible to expansion and to RUN: the config's Env, then the
 * stage's ARGs that have a value and no ENV of the same name. */
int engine__build_env(engine__build_stage *st, char ***out);
/* Expand one word with engine__build_env's variables; errors name the line. */
int engine__build_expand(engine__build_stage *st, const engine__df_instr *in, const char *word, char **out);

/* Apply a metadata instruction (ENV LABEL WORKDIR USER CMD ENTRYPOINT EXPOSE
 * VOLUME STOPSIGNAL SHELL HEALTHCHECK MAINTAINER ARG ONBUILD) to the stage's
 * config; *@comment receives Docker's history text ("ENV a=b"). */
int engine__build_apply_meta(engine__build_stage *st, const engine__df_instr *in, char **comment);
/* Apply Dockerfile instructions, one per string (docker commit --change),
 * to the image config @image: the metadata instructions only, else
 * ENGINE_EINVALID naming the instruction (changes.c). */
int engine__build_apply_changes(json_object *image, char *const *changes);

/* The argv of a RUN (SHELL + command, or the exec form), the environment it
 * runs with, and its history/cache text: the command joined with spaces,
 * preceded by "|N K=V..." for the N build args in effect, as Docker records it. */
int engine__build_run_argv(engine__build_stage *st, const engine__df_instr *in, char ***argv, char ***env,
			   char **created_by);

/* The current SHELL (config Shell, default /bin/sh -c) as one string ("/bin/sh -c"). */
char *engine__build_shell_string(engine__build_stage *st);

/* The cache key of a step: its history text and the resulting config object,
 * so two steps match only when they produce the same image config. */
int engine__build_step_key(engine__build_stage *st, const char *created_by, char **out);

/* Append a history entry ("created_by", "empty_layer") and, for a layer,
 * its diff ID to rootfs.diff_ids; sets "created". */
int engine__build_record_step(engine__build_stage *st, const char *created_by, const char *diff_id,
			      const char *created);

/* --- cache (cache.c) ------------------------------------------------------------ */

/* The image a (parent image ID, step key) pair built before, if that image
 * still exists: 1 found (id in @out), 0 not. Dangling entries are dropped. */
int engine__build_cache_get(engine_context *ctx, const char *parent, const char *key,
			    char out[ENGINE__DIGEST_LEN + 1]);
int engine__build_cache_put(engine_context *ctx, const char *parent, const char *key, const char *image_id);

#endif
