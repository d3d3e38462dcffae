/*
 * `docker image inspect`-compatible JSON for a stored image, built from its
 * record, its config blob and the tag map.
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

static json_object *str_or_empty(json_object *obj, const char *key)
{
	const char *s = engine__json_get_string(obj, key);

	return json_object_new_string(s ? s : "");
}

/* Copy obj[key] when present, else @def (a new reference either way). */
static json_object *copy_or(json_object *obj, const char *key, json_object *def)
{
	json_object *v;

	if (obj && json_object_object_get_ex(obj, key, &v) && v) {
		json_object_put(def);
		return json_object_get(v);
	}
	return def;
}

/* Docker always prints these Config keys, null or empty when unset. */
static json_object *docker_config(json_object *inner)
{
	json_object *c = json_object_new_object();
	static const char *strings[] = {"Hostname",   "Domainname", "User",
					"WorkingDir", "Image",	    "StopSignal"};
	static const char *bools[] = {"AttachStdin", "AttachStdout", "AttachStderr",
				      "Tty",	     "OpenStdin",    "StdinOnce"};
	static const char *nulls[] = {"ExposedPorts", "Env",	 "Cmd",	   "Healthcheck", "Volumes",
				      "Entrypoint",   "OnBuild", "Labels", "Shell"};

	if (!c)
		return NULL;
	for (size_t i = 0; i < sizeof(strings) / sizeof(*strings); i++)
		json_object_object_add(c, strings[i], str_or_empty(inner, strings[i]));
	for (size_t i = 0; i < sizeof(bools) / sizeof(*bools); i++)
		json_object_object_add(c, bools[i], copy_or(inner, bools[i], json_object_new_boolean(0)));
	for (size_t i = 0; i < sizeof(nulls) / sizeof(*nulls); i++)
		json_object_object_add(c, nulls[i], copy_or(inner, nulls[i], NULL));
	/* Anything else the config carries (ArgsEscaped, ...) is kept as is. */
	if (!inner)
		return c;
	json_object_object_foreach(inner, k, v)
	{
		if (!json_object_object_get_ex(c, k, NULL))
			json_object_object_add(c, k, json_object_get(v));
	}
	return c;
}

static int build(engine_context *ctx, const char *id, json_object **out)
{
	cleanup_json json_object *rec = NULL, *config = NULL;
	cleanup_strv char **tags = NULL;
	json_object *o, *inner, *rootfs, *digests, *meta;
	const char *manifest;
	int r;

	if ((r = engine__image_record(ctx, id, &rec)) < 0 ||
	    (r = engine__image_config(ctx, id, &config)) < 0 || (r = engine__tags_of(ctx, id, &tags)) < 0)
		return r;
	inner = engine__json_get_type(config, "config", json_type_object);
	o = json_object_new_object();
	if (!o)
		return engine__error_oom();
	json_object_object_add(o, "Id", json_object_new_string(id));
	json_object_object_add(o, "RepoTags", engine__json_from_strv(tags));
	/* name@manifest-digest for every repository the image is tagged in. */
	digests = json_object_new_array();
	manifest = engine__json_get_string(rec, "manifest");
	for (size_t i = 0; manifest && tags[i]; i++) {
		char *colon = strrchr(tags[i], ':');
		char *slash = strrchr(tags[i], '/');
		if (colon && (!slash || colon > slash))
			*colon = '\0';
		char buf[512];
		snprintf(buf, sizeof(buf), "%s@%s", tags[i], manifest);
		bool dup = false;
		for (size_t j = 0; j < json_object_array_length(digests); j++)
			dup |= !strcmp(json_object_get_string(json_object_array_get_idx(digests, j)), buf);
		if (!dup)
			json_object_array_add(digests, json_object_new_string(buf));
	}
	json_object_object_add(o, "RepoDigests", digests);
	json_object_object_add(o, "Parent", str_or_empty(config, "parent"));
	json_object_object_add(o, "Comment", str_or_empty(config, "comment"));
	json_object_object_add(o, "Created", copy_or(config, "created", json_object_new_string("")));
	json_object_object_add(o, "DockerVersion", str_or_empty(config, "docker_version"));
	json_object_object_add(o, "Author", str_or_empty(config, "author"));
	json_object_object_add(o, "Config", docker_config(inner));
	json_object_object_add(o, "Architecture", str_or_empty(config, "architecture"));
	if (engine__json_get_string(config, "variant"))
		json_object_object_add(o, "Variant", str_or_empty(config, "variant"));
	json_object_object_add(o, "Os", str_or_empty(config, "os"));
	json_object_object_add(o, "Size", json_object_new_int64(engine__json_get_int(rec, "size", 0)));
	json_object_object_add(o, "VirtualSize", json_object_new_int64(engine__json_get_int(rec, "size", 0)));
	rootfs = json_object_new_object();
	json_object_object_add(rootfs, "Type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "Layers", copy_or(rec, "diff_ids", json_object_new_array()));
	json_object_object_add(o, "RootFS", rootfs);
	meta = json_object_new_object();
	json_object_object_add(meta, "LastTagTime", json_object_new_string("0001-01-01T00:00:00Z"));
	json_object_object_add(o, "Metadata", meta);
	/* Beyond Docker's fields: what the store knows about the image. */
	json_object_object_add(o, "ManifestDigest", json_object_new_string(manifest ? manifest : ""));
	json_object_object_add(o, "LayerDigests", copy_or(rec, "layers", json_object_new_array()));
	json_object_object_add(o, "History", copy_or(config, "history", json_object_new_array()));
	*out = o;
	return 0;
}

ENGINE_EXTERN int engine_image_inspect(engine_context *ctx, const char *ref, char **json_out)
{
	cleanup_json json_object *o = NULL;
	char id[ENGINE__DIGEST_LEN + 1];
	int r;

	if (!ctx || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "image inspect: NULL argument");
	r = engine__image_lookup(ctx, ref, id);
	if (r < 0 || (r = build(ctx, id, &o)) < 0)
		return r;
	return engine__json_export(o, false, json_out);
}
