/*
 * engine_image_history: the Docker Engine API's image history from an
 * image's config history, its layer records (a size per layer-making step)
 * and its parent chain (the IDs of a build's intermediate images), so that
 * the CLI, the daemon and the bindings print the same thing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <engine/image.h>

#include "core/error.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"

/* Walks the parent chain: each local ancestor's ID and tags go on the
 * entry its history ends at (its history's length minus one), as dockerd
 * shows a legacy build's steps. Bounded: a config naming itself or a
 * cycle of parents stops at the chain's length. */
static void mark_parents(engine_context *ctx, json_object *config, json_object **ids, json_object **tags,
			 size_t n)
{
	cleanup_json json_object *cur = json_object_get(config);

	for (size_t hops = 0; hops < n; hops++) {
		const char *parent = engine__json_get_string(cur, "parent");
		cleanup_json json_object *pconfig = NULL;
		json_object *hist;
		cleanup_strv char **ptags = NULL;
		size_t len;

		if (!parent || !engine__digest_valid(parent) ||
		    engine__image_config(ctx, parent, &pconfig) < 0)
			break;
		hist = engine__json_get_type(pconfig, "history", json_type_array);
		len = hist ? json_object_array_length(hist) : 0;
		if (len == 0 || len > n || ids[len - 1])
			break;
		ids[len - 1] = json_object_new_string(parent);
		if (engine__tags_of(ctx, parent, &ptags) == 0 && ptags[0])
			tags[len - 1] = engine__json_from_strv(ptags);
		json_object_put(cur);
		cur = steal_ptr(pconfig);
	}
	engine_error_clear(); /* a missing ancestor is "<missing>", not an error */
}

static int history_build(engine_context *ctx, const char *id, json_object **out)
{
	cleanup_json json_object *rec = NULL, *config = NULL;
	cleanup_strv char **tags = NULL;
	json_object *hist, *chains, *arr;
	json_object **ids = NULL, **tagv = NULL;
	size_t n, layer = 0;
	int r;

	if ((r = engine__image_record(ctx, id, &rec)) < 0 ||
	    (r = engine__image_config(ctx, id, &config)) < 0 || (r = engine__tags_of(ctx, id, &tags)) < 0)
		return r;
	hist = engine__json_get_type(config, "history", json_type_array);
	chains = engine__json_get_type(rec, "chain_ids", json_type_array);
	n = hist ? json_object_array_length(hist) : 0;
	arr = json_object_new_array();
	ids = calloc(n + 1, sizeof(*ids));
	tagv = calloc(n + 1, sizeof(*tagv));
	if (!arr || !ids || !tagv) {
		json_object_put(arr);
		free(ids);
		free(tagv);
		return engine__error_oom();
	}
	if (n) {
		ids[n - 1] = json_object_new_string(id);
		tagv[n - 1] = tags[0] ? engine__json_from_strv(tags) : NULL;
		mark_parents(ctx, config, ids, tagv, n);
	}
	/* Oldest first here (the layers are in that order), reversed below. */
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(hist, i), *x = json_object_new_object(), *v;
		int64_t size = 0;

		if (!(json_object_object_get_ex(e, "empty_layer", &v) && json_object_get_boolean(v))) {
			json_object *chain = chains ? json_object_array_get_idx(chains, layer++) : NULL;
			cleanup_json json_object *lrec = NULL;

			if (chain && engine__layer_record(ctx, json_object_get_string(chain), &lrec) == 0)
				size = engine__json_get_int(lrec, "size", 0);
			engine_error_clear();
		}
		json_object_object_add(x, "Id", ids[i] ? ids[i] : json_object_new_string("<missing>"));
		json_object_object_add(x, "Created",
				       json_object_new_int64(engine__image_parse_created(
					   engine__json_get_string(e, "created"))));
		json_object_object_add(x, "CreatedBy",
				       json_object_new_string(engine__json_get_string(e, "created_by")
								  ? engine__json_get_string(e, "created_by")
								  : ""));
		json_object_object_add(x, "Tags", tagv[i]);
		json_object_object_add(x, "Size", json_object_new_int64(size));
		json_object_object_add(x, "Comment",
				       json_object_new_string(engine__json_get_string(e, "comment")
								  ? engine__json_get_string(e, "comment")
								  : ""));
		json_object_array_add(arr, x);
	}
	free(ids);
	free(tagv);
	for (size_t i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
		json_object *a = json_object_get(json_object_array_get_idx(arr, i));
		json_object *b = json_object_get(json_object_array_get_idx(arr, j));

		json_object_array_put_idx(arr, i, b);
		json_object_array_put_idx(arr, j, a);
	}
	*out = arr;
	return 0;
}

ENGINE_EXTERN int engine_image_history(engine_context *ctx, const char *ref, char **json_out)
{
	cleanup_json json_object *o = NULL;
	char id[ENGINE__DIGEST_LEN + 1];
	int r;

	if (!ctx || !ref || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "image history: NULL argument");
	*json_out = NULL;
	if ((r = engine__image_lookup(ctx, ref, id)) < 0 || (r = history_build(ctx, id, &o)) < 0)
		return r;
	return engine__json_export(o, true, json_out);
}
