/*
 * engine_build: read the Dockerfile and .dockerignore, resolve the meta
 * ARGs, pick the stages up to --target, run each stage's FROM and steps,
 * then tag the result. Numbering and totals follow Docker's classic builder
 * ("Step 3/7"): meta ARGs count, every instruction of the built stages too.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "builder/steps.h"
#include "core/abi.h"
#include "core/error.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/strv.h"

/* FROM: an earlier stage by name, scratch, or an image in the store. */
static int resolve_base(engine__builder *b, const engine__df_instr *in, const char *ref)
{
	char id[ENGINE__DIGEST_LEN + 1];

	for (size_t i = 0; i < b->n_done; i++)
		if (b->stage_names[i] && strcasecmp(b->stage_names[i], ref) == 0) {
			memcpy(b->cur, b->stage_ids[i], sizeof(b->cur));
			return 0;
		}
	if (strcasecmp(ref, "scratch") == 0) {
		b->cur[0] = '\0';
		return 0;
	}
	if (engine__image_lookup(b->ctx, ref, id) < 0) {
		int code = engine_error_last()->code;
		/* A copy: the message is formatted into the buffer it lives in. */
		cleanup_free char *why = strdup(engine_error_last()->message);

		return engine__error_set(
		    code, 0, "Dockerfile:%d: FROM %s: %s%s", in->line, ref, why ? why : "",
		    code == ENGINE_ENOTFOUND ? " (load or pull it first: builds never pull)" : "");
	}
	memcpy(b->cur, id, sizeof(id));
	return 0;
}

int engine__build_run_stage(engine__builder *b, const engine__dockerfile *df, size_t first, size_t end,
			    char *const *meta, char *const *build_args, char ***used)
{
	const engine__df_instr *from = &df->instrs[first];
	engine__build_stage st = {0};
	cleanup_free char *ref = NULL;
	int r;

	b->step++;
	engine__build_emit(b, ENGINE_BUILD_EVENT_STEP, from->original);
	if ((r = engine__build_from_ref(from, meta, df->escape, &ref)) < 0 ||
	    (r = resolve_base(b, from, ref)) < 0)
		return r;
	if ((r = engine__build_load_image(b->ctx, b->cur, &st.image)) < 0)
		return r;
	st.meta = meta;
	st.build_args = build_args;
	st.escape = df->escape;
	st.used = *used;
	engine__build_emit(b, ENGINE_BUILD_EVENT_STEP_DONE, b->cur);
	for (size_t i = first + 1; i < end && r >= 0; i++) {
		b->step++;
		engine__build_emit(b, ENGINE_BUILD_EVENT_STEP, df->instrs[i].original);
		r = engine__build_step(b, &st, &df->instrs[i]);
		if (r >= 0)
			engine__build_emit(b, ENGINE_BUILD_EVENT_STEP_DONE, b->cur);
	}
	*used = st.used;
	json_object_put(st.image);
	engine__strv_free(st.args);
	return r;
}

static int read_dockerfile(const char *context_dir, const engine_build_options *opts, char **name,
			   char **text, size_t *len)
{
	const char *df = opts->dockerfile ? opts->dockerfile : "Dockerfile";
	cleanup_free char *path = df[0] == '/' ? strdup(df) : engine__path_join(context_dir, df);
	int r;

	if (!path)
		return ENGINE_ENOMEM;
	if ((r = engine__read_file(path, text, len)) < 0)
		return engine__error_wrap("read the Dockerfile");
	*name = strdup(df);
	return *name ? 0 : engine__error_oom();
}

static int read_ignore(const char *context_dir, engine__ignore **out)
{
	cleanup_free char *path = engine__path_join(context_dir, ".dockerignore"), *text = NULL;
	int r;

	if (!path)
		return ENGINE_ENOMEM;
	r = engine__read_file(path, &text, NULL);
	if (r == ENGINE_ENOTFOUND) {
		engine_error_clear();
		*out = NULL;
		return 0;
	}
	if (r < 0)
		return engine__error_wrap("read .dockerignore");
	return engine__ignore_parse(text, out);
}

static void warn_unused(engine__builder *b, char *const *build_args, char *const *used)
{
	cleanup_strv char **unused = calloc(1, sizeof(char *));
	cleanup_free char *msg = NULL;

	for (size_t i = 0; unused && build_args && build_args[i]; i++) {
		size_t kl = strcspn(build_args[i], "=");
		bool found = false;

		for (size_t j = 0; used && used[j]; j++)
			if (strlen(used[j]) == kl && strncmp(used[j], build_args[i], kl) == 0)
				found = true;
		if (!found)
			engine__strv_push_take(&unused, strndup(build_args[i], kl));
	}
	if (!unused || !unused[0])
		return;
	for (size_t i = 0; unused[i]; i++) {
		char *m = engine__strdup_printf("%s%s%s", msg ? msg : "", i ? " " : "", unused[i]);

		free(msg);
		msg = m;
		if (!msg)
			return;
	}
	{
		cleanup_free char *text =
		    engine__strdup_printf("[Warning] One or more build-args [%s] were not consumed", msg);

		b->step = 0;
		engine__build_emit(b, ENGINE_BUILD_EVENT_WARNING, text);
	}
}

ENGINE_EXTERN int engine_build_check(const char *context_dir, const engine_build_options *opts)
{
	engine_build_options defaults = ENGINE_BUILD_OPTIONS_INIT;
	engine__dockerfile *df = NULL;
	cleanup_free char *name = NULL, *text = NULL;
	size_t len = 0;
	int r;

	if (!context_dir)
		return engine__error_set(ENGINE_EINVALID, 0, "build: missing context directory");
	if ((r = engine__abi_read(ENGINE__ABI(engine_build_options), &defaults, opts)) < 0)
		return r;
	if ((r = read_dockerfile(context_dir, &defaults, &name, &text, &len)) < 0)
		return r;
	if ((r = engine__dockerfile_parse(name, text, len, &df)) < 0)
		return r;
	engine__dockerfile_free(df);
	return 0;
}

ENGINE_EXTERN int engine_build(engine_context *ctx, const char *context_dir, const engine_build_options *opts,
			       engine_build_event_fn fn, void *payload, char **id_out)
{
	engine_build_options defaults = ENGINE_BUILD_OPTIONS_INIT;
	engine__builder b = {0};
	engine__dockerfile *df = NULL;
	cleanup_free char *name = NULL, *text = NULL;
	cleanup_strv char **build_args = calloc(1, sizeof(char *)), **meta = NULL, **used = NULL;
	cleanup_free size_t *starts = NULL;
	size_t len = 0, n_meta = 0, n_stages = 0, last;
	int r;

	if (id_out)
		*id_out = NULL;
	if (!ctx || !context_dir)
		return engine__error_set(ENGINE_EINVALID, 0, "build: missing context or context directory");
	if ((r = engine__abi_read(ENGINE__ABI(engine_build_options), &defaults, opts)) < 0)
		return r;
	opts = &defaults;
	if (opts->network && strcmp(opts->network, "none") != 0 && strcmp(opts->network, "host") != 0)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "build: unsupported network \"%s\" (none or host)", opts->network);
	if (!build_args)
		return engine__error_oom();
	for (size_t i = 0; i < opts->build_args.count; i++)
		if (strchr(opts->build_args.strings[i], '=') &&
		    engine__strv_push(&build_args, opts->build_args.strings[i]) < 0)
			return ENGINE_ENOMEM;
	if ((r = read_dockerfile(context_dir, opts, &name, &text, &len)) < 0)
		return r;
	if ((r = engine__dockerfile_parse(name, text, len, &df)) < 0)
		return r;
	b.ctx = ctx;
	b.context_dir = context_dir;
	b.no_cache = opts->no_cache;
	b.network = opts->network;
	b.fn = fn;
	b.payload = payload;
	b.event_fd = opts->event_fd;
	for (size_t i = 0; df->warnings && df->warnings[i]; i++)
		engine__build_emit(&b, ENGINE_BUILD_EVENT_WARNING, df->warnings[i]);
	if ((r = read_ignore(context_dir, &b.ignore)) < 0)
		goto out;
	if ((r = engine__build_meta_args(df, build_args, &used, &meta, &n_meta)) < 0)
		goto out;
	starts = calloc(df->n_instrs + 1, sizeof(size_t));
	b.stage_names = calloc(df->n_instrs + 1, sizeof(char *));
	b.stage_ids = calloc(df->n_instrs + 1, sizeof(*b.stage_ids));
	if (!starts || !b.stage_names || !b.stage_ids) {
		r = engine__error_oom();
		goto out;
	}
	for (size_t i = n_meta; i < df->n_instrs; i++)
		if (df->instrs[i].kind == ENGINE__DF_FROM)
			starts[n_stages++] = i;
	starts[n_stages] = df->n_instrs;
	last = n_stages - 1;
	if (opts->target) {
		for (last = 0; last < n_stages; last++) {
			const engine__df_instr *f = &df->instrs[starts[last]];

			if (engine__strv_len(f->args) == 3 && strcasecmp(f->args[2], opts->target) == 0)
				break;
		}
		if (last == n_stages) {
			r = engine__error_set(ENGINE_EINVALID, 0,
					      "failed to reach build target %s in Dockerfile", opts->target);
			goto out;
		}
	}
	b.total = (int)(n_meta + starts[last + 1] - starts[0]);
	for (size_t i = 0; i < n_meta; i++) {
		b.step++;
		engine__build_emit(&b, ENGINE_BUILD_EVENT_STEP, df->instrs[i].original);
	}
	for (size_t s = 0; s <= last; s++) {
		const engine__df_instr *f = &df->instrs[starts[s]];

		if ((r = engine__build_run_stage(&b, df, starts[s], starts[s + 1], meta, build_args, &used)) <
		    0)
			goto out;
		if (engine__strv_len(f->args) == 3 && !(b.stage_names[s] = strdup(f->args[2]))) {
			r = engine__error_oom();
			goto out;
		}
		memcpy(b.stage_ids[s], b.cur, sizeof(b.cur));
		b.n_done = s + 1;
	}
	if (!b.cur[0]) {
		r = engine__error_set(ENGINE_EINVALID, 0,
				      "No image was generated. Is your Dockerfile empty?");
		goto out;
	}
	warn_unused(&b, build_args, used);
	engine__build_emit(&b, ENGINE_BUILD_EVENT_BUILT, b.cur);
	for (size_t i = 0; i < opts->tags.count; i++) {
		if ((r = engine__image_tag(ctx, b.cur, opts->tags.strings[i])) < 0) {
			engine__error_wrap("tag %s", opts->tags.strings[i]);
			goto out;
		}
		engine__build_emit(&b, ENGINE_BUILD_EVENT_TAGGED, opts->tags.strings[i]);
	}
	if (id_out && !(*id_out = strdup(b.cur)))
		r = engine__error_oom();
out:
	for (size_t i = 0; b.stage_names && i <= df->n_instrs; i++)
		free(b.stage_names[i]);
	free(b.stage_names);
	free(b.stage_ids);
	engine__ignore_free(b.ignore);
	engine__dockerfile_free(df);
	return r < 0 ? r : 0;
}
