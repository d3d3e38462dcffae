/*
 * The public image API over the store: list, open and getters, tag, and
 * options initialisers. Inspect is in image_inspect.c, removal in remove.c.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <engine/image.h>

#include "core/abi.h"
#include "core/error.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"

struct engine_image {
	char *id;
	engine_strarray tags, env, cmd, entrypoint, layers, diff_ids;
	char *working_dir, *user;
};

struct engine_image_list {
	engine_image_summary *items;
	size_t count;
};

ENGINE_EXTERN int engine_image_remove_options_init(engine_image_remove_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_image_remove_options, opts, version,
					  ENGINE_IMAGE_REMOVE_OPTIONS_INIT);
}

static int cmp_summary(const void *a, const void *b)
{
	const engine_image_summary *x = a, *y = b;

	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

ENGINE_EXTERN int engine_image_list_new(engine_context *ctx, engine_image_list **out)
{
	cleanup_strv char **ids = NULL;
	engine_image_list *list;
	size_t n;
	int r;

	if (!ctx || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "image list: NULL argument");
	r = engine__image_ids(ctx, &ids);
	if (r < 0)
		return r;
	n = engine__strv_len(ids);
	list = calloc(1, sizeof(*list));
	if (!list || !(list->items = calloc(n + 1, sizeof(*list->items)))) {
		free(list);
		return engine__error_oom();
	}
	for (size_t i = 0; i < n; i++) {
		cleanup_json json_object *rec = NULL;
		engine_image_summary *s = &list->items[list->count];
		char **tags = NULL;

		/* An image removed while we list is simply not listed. */
		if (engine__image_record(ctx, ids[i], &rec) < 0)
			continue;
		if ((r = engine__tags_of(ctx, ids[i], &tags)) < 0 || !(s->id = strdup(ids[i]))) {
			engine__strv_free(tags);
			engine_image_list_free(list);
			return r < 0 ? r : engine__error_oom();
		}
		engine__strv_to_array(tags, &s->tags);
		s->created = engine__json_get_int(rec, "created", 0);
		s->size = engine__json_get_int(rec, "size", 0);
		list->count++;
	}
	qsort(list->items, list->count, sizeof(*list->items), cmp_summary);
	*out = list;
	return 0;
}

ENGINE_EXTERN size_t engine_image_list_count(const engine_image_list *list)
{
	return list ? list->count : 0;
}

ENGINE_EXTERN const engine_image_summary *engine_image_list_get(const engine_image_list *list, size_t i)
{
	return list && i < list->count ? &list->items[i] : NULL;
}

ENGINE_EXTERN void engine_image_list_free(engine_image_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++) {
		free((char *)list->items[i].id);
		engine_strarray_dispose(&list->items[i].tags);
	}
	free(list->items);
	free(list);
}

static int to_array(json_object *arr, engine_strarray *out)
{
	char **v = NULL;
	int r = engine__json_to_strv(arr, &v);

	if (r < 0)
		return r;
	engine__strv_to_array(v, out);
	return 0;
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s || !s[0])
		return 0;
	*out = strdup(s);
	return *out ? 0 : engine__error_oom();
}

ENGINE_EXTERN int engine_image_open(engine_context *ctx, const char *ref, engine_image **out)
{
	cleanup_json json_object *rec = NULL, *config = NULL;
	char id[ENGINE__DIGEST_LEN + 1];
	engine_image *img;
	json_object *inner;
	char **tags = NULL;
	int r;

	if (!ctx || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "image open: NULL argument");
	r = engine__image_lookup(ctx, ref, id);
	if (r < 0 || (r = engine__image_record(ctx, id, &rec)) < 0 ||
	    (r = engine__image_config(ctx, id, &config)) < 0)
		return r;
	img = calloc(1, sizeof(*img));
	if (!img || !(img->id = strdup(id))) {
		free(img);
		return engine__error_oom();
	}
	inner = engine__json_get_type(config, "config", json_type_object);
	if ((r = engine__tags_of(ctx, id, &tags)) < 0)
		goto fail;
	engine__strv_to_array(tags, &img->tags);
	if ((r = to_array(engine__json_get_type(inner, "Env", json_type_array), &img->env)) < 0 ||
	    (r = to_array(engine__json_get_type(inner, "Cmd", json_type_array), &img->cmd)) < 0 ||
	    (r = to_array(engine__json_get_type(inner, "Entrypoint", json_type_array), &img->entrypoint)) <
		0 ||
	    (r = to_array(engine__json_get_type(rec, "layers", json_type_array), &img->layers)) < 0 ||
	    (r = to_array(engine__json_get_type(rec, "diff_ids", json_type_array), &img->diff_ids)) < 0 ||
	    (r = dup_opt(engine__json_get_string(inner, "WorkingDir"), &img->working_dir)) < 0 ||
	    (r = dup_opt(engine__json_get_string(inner, "User"), &img->user)) < 0) {
		engine__error_wrap("image %s: config", id);
		goto fail;
	}
	*out = img;
	return 0;

fail:
	engine_image_free(img);
	return r;
}

ENGINE_EXTERN void engine_image_free(engine_image *img)
{
	if (!img)
		return;
	free(img->id);
	engine_strarray_dispose(&img->tags);
	engine_strarray_dispose(&img->env);
	engine_strarray_dispose(&img->cmd);
	engine_strarray_dispose(&img->entrypoint);
	engine_strarray_dispose(&img->layers);
	engine_strarray_dispose(&img->diff_ids);
	free(img->working_dir);
	free(img->user);
	free(img);
}

ENGINE_EXTERN const char *engine_image_id(const engine_image *image)
{
	return image ? image->id : NULL;
}

ENGINE_EXTERN const engine_strarray *engine_image_tags(const engine_image *image)
{
	return image ? &image->tags : NULL;
}

ENGINE_EXTERN const engine_strarray *engine_image_env(const engine_image *image)
{
	return image ? &image->env : NULL;
}

ENGINE_EXTERN const engine_strarray *engine_image_cmd(const engine_image *image)
{
	return image ? &image->cmd : NULL;
}

ENGINE_EXTERN const engine_strarray *engine_image_entrypoint(const engine_image *image)
{
	return image ? &image->entrypoint : NULL;
}

ENGINE_EXTERN const char *engine_image_working_dir(const engine_image *image)
{
	return image ? image->working_dir : NULL;
}

ENGINE_EXTERN const char *engine_image_user(const engine_image *image)
{
	return image ? image->user : NULL;
}

ENGINE_EXTERN const engine_strarray *engine_image_layers(const engine_image *image)
{
	return image ? &image->layers : NULL;
}

ENGINE_EXTERN const engine_strarray *engine_image_diff_ids(const engine_image *image)
{
	return image ? &image->diff_ids : NULL;
}

ENGINE_EXTERN int engine_image_tag(engine_context *ctx, const char *src, const char *dst)
{
	char id[ENGINE__DIGEST_LEN + 1];
	int r;

	if (!ctx || !src || !dst)
		return engine__error_set(ENGINE_EINVALID, 0, "image tag: NULL argument");
	r = engine__image_lookup(ctx, src, id);
	if (r < 0)
		return r;
	return engine__image_tag(ctx, id, dst);
}
