/*
 * `docker rmi` semantics: untag a reference; delete the image once it has no
 * tag left (or when named by ID), unless a container uses it or another
 * image names it as its parent (a build's steps do); then its parents that
 * nothing else keeps (untagged, childless, unused), as dockerd prunes them;
 * then the layers and blobs no other image needs.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <engine/image.h>

#include "core/abi.h"
#include "core/error.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/reference.h"
#include "util/str.h"
#include "util/strv.h"

static int report_line(char ***lines, const char *verb, const char *what)
{
	return engine__strv_push_take(lines, engine__strdup_printf("%s: %s", verb, what));
}

static bool used_by_container(engine_context *ctx, const char *id)
{
	cleanup_strv char **used = NULL;

	if (engine__container_image_ids(ctx, &used) < 0)
		return false;
	for (size_t i = 0; used[i]; i++)
		if (!strcmp(used[i], id))
			return true;
	return false;
}

/* The image's parent (inspect's "Parent"), "" when none. */
static void parent_of(engine_context *ctx, const char *id, char out[ENGINE__DIGEST_LEN + 1])
{
	cleanup_json json_object *config = NULL;
	const char *p;

	out[0] = '\0';
	if (engine__image_config(ctx, id, &config) == 0 && (p = engine__json_get_string(config, "parent")) &&
	    strlen(p) == ENGINE__DIGEST_LEN)
		memcpy(out, p, ENGINE__DIGEST_LEN + 1);
	engine_error_clear();
}

/* Whether another image names @id as its parent. */
static bool has_children(engine_context *ctx, const char *id)
{
	cleanup_strv char **ids = NULL;
	char parent[ENGINE__DIGEST_LEN + 1];

	if (engine__image_ids(ctx, &ids) < 0) {
		engine_error_clear();
		return false;
	}
	for (size_t i = 0; ids[i]; i++) {
		if (strcmp(ids[i], id) == 0)
			continue;
		parent_of(ctx, ids[i], parent);
		if (strcmp(parent, id) == 0)
			return true;
	}
	return false;
}

/* Delete the image record (if still untagged) and what only it used. */
static int delete_image(engine_context *ctx, const char *id, char ***lines)
{
	cleanup_strv char **tags = NULL, **layers = calloc(1, sizeof(char *));
	cleanup_free char *path = engine__store_path(ctx, "images", id, ".json");
	int lock, r;

	if (!path || !layers)
		return engine__error_oom();
	lock = engine__store_lock(ctx, true);
	if (lock < 0)
		return lock;
	/* Tagged again meanwhile by another process: keep it. */
	r = engine__tags_of(ctx, id, &tags);
	if (r < 0 || tags[0])
		goto unlock;
	if (unlink(path) < 0 && errno != ENOENT) {
		r = engine__error_errno(errno, "remove image %s", id);
		goto unlock;
	}
	r = report_line(lines, "Deleted", id);
	if (r == 0)
		r = engine__gc_sweep(ctx, false, NULL, &layers);
	for (size_t i = 0; r == 0 && layers[i]; i++)
		r = report_line(lines, "Deleted", layers[i]);
unlock:
	engine__store_unlock(lock);
	return r;
}

ENGINE_EXTERN int engine_image_remove(engine_context *ctx, const char *ref,
				      const engine_image_remove_options *opts, engine_strarray *report)
{
	cleanup_strv char **lines = calloc(1, sizeof(char *)), **tags = NULL;
	cleanup_free char *norm = NULL;
	engine_image_remove_options o = ENGINE_IMAGE_REMOVE_OPTIONS_INIT;
	char id[ENGINE__DIGEST_LEN + 1], parent[ENGINE__DIGEST_LEN + 1], short_id[13];
	bool force, by_tag = false;
	int r;

	if (!ctx || !ref)
		return engine__error_set(ENGINE_EINVALID, 0, "image remove: NULL argument");
	if ((r = engine__abi_read(ENGINE__ABI(engine_image_remove_options), &o, opts)) < 0)
		return r;
	force = o.force;
	if (!lines)
		return engine__error_oom();
	r = engine__image_lookup(ctx, ref, id);
	if (r < 0)
		return r;
	snprintf(short_id, sizeof(short_id), "%.12s", id + 7);
	r = engine__tags_of(ctx, id, &tags);
	if (r < 0)
		return r;
	if (engine__reference_normalize(ref, &norm) == 0)
		for (size_t i = 0; tags[i]; i++)
			by_tag |= !strcmp(tags[i], norm);
	bool in_use = used_by_container(ctx, id);

	if (by_tag) {
		if (in_use && !tags[1] && !force)
			return engine__error_set(
			    ENGINE_EBUSY, 0,
			    "conflict: unable to remove repository reference \"%s\" (must force) - "
			    "a container is using its referenced image %s",
			    ref, short_id);
		r = engine__tag_remove(ctx, norm);
		if (r < 0 || (r = report_line(&lines, "Untagged", norm)) < 0)
			return r;
		if (tags[1] || in_use)
			goto done; /* other tags, or a container, keep the image */
	} else {
		/* a hard conflict, as dockerd's: even forced */
		if (has_children(ctx, id))
			return engine__error_set(
			    ENGINE_EBUSY, 0,
			    "conflict: unable to delete %s (cannot be forced) - image has "
			    "dependent child images",
			    short_id);
		if (tags[0] && tags[1] && !force)
			return engine__error_set(
			    ENGINE_EBUSY, 0,
			    "conflict: unable to delete %s (must be forced) - image is referenced "
			    "in multiple repositories",
			    short_id);
		if (in_use && !force)
			return engine__error_set(
			    ENGINE_EBUSY, 0,
			    "conflict: unable to delete %s (must be forced) - image is being used "
			    "by a container",
			    short_id);
		cleanup_strv char **removed = NULL;
		r = engine__tags_remove_image(ctx, id, &removed);
		for (size_t i = 0; r == 0 && removed[i]; i++)
			r = report_line(&lines, "Untagged", removed[i]);
		if (r < 0)
			return r;
		if (in_use)
			goto done;
	}
	if (by_tag && has_children(ctx, id))
		goto done; /* dockerd's quiet untag: a parent stays while children do */
	/* Its parents that nothing else keeps go too (dockerd's prune), each
	 * read before its child's record (and maybe config blob) goes. */
	parent_of(ctx, id, parent);
	r = delete_image(ctx, id, &lines);
	if (r < 0)
		return engine__error_wrap("remove image %s", short_id);
	while (parent[0]) {
		cleanup_strv char **ptags = NULL;

		memcpy(id, parent, sizeof(parent));
		parent_of(ctx, id, parent);
		if (engine__tags_of(ctx, id, &ptags) < 0 || ptags[0] || has_children(ctx, id) ||
		    used_by_container(ctx, id) || delete_image(ctx, id, &lines) < 0) {
			engine_error_clear();
			break;
		}
	}
done:
	if (report)
		engine__strv_to_report(steal_ptr(lines), report);
	return 0;
}
