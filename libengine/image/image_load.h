/*
 * Loading images from archives: the formats (OCI layout, docker-archive)
 * parse and verify an archive into a plan of images, then one committer
 * stores the verified blobs, unpacks the layers, registers and tags them.
 * Nothing is stored until every blob of every planned image has been read
 * and checked against its digest.
 */
#ifndef ENGINE_IMAGE_LOAD_H
#define ENGINE_IMAGE_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "image/archive_source.h"
#include "util/digest.h"

/* One image found in an archive. Member names point into the source. */
struct engine__load_image {
	char *config_name;
	char config_digest[ENGINE__DIGEST_LEN + 1];
	char *manifest_name; /* NULL when the archive has none (docker-archive) */
	char manifest_digest[ENGINE__DIGEST_LEN + 1];
	char **layer_names;   /* NULL-terminated, lowest first */
	char **layer_digests; /* their blob digests, verified */
	char **diff_ids;      /* the config's rootfs.diff_ids */
	char **tags;	      /* full references ("name:tag") */
	char **bare_tags;     /* OCI ref.name values that are only a tag ("latest") */
	/* One per layer (NULL where none): unpacks started while planning,
	 * each from the read that copied its blob in, published at commit. */
	struct engine__layer_job **layer_jobs;
	size_t n_layer_jobs;
};

struct engine__load_plan {
	struct engine__load_image *images;
	size_t n;
	char **seen_platforms; /* platforms skipped, for the error when none match */
};

void engine__load_plan_clear(struct engine__load_plan *plan);
/* The image with this config digest, added (empty) when new: an archive
 * may name one image several times, under different tags. NULL on OOM. */
struct engine__load_image *engine__load_plan_image(struct engine__load_plan *plan, const char *config_digest,
						   bool *is_new);

/* Stage member @name and check it against @digest (and @size when >= 0):
 * ENGINE_EINVALID names the blob on a mismatch or when it is missing. */
int engine__load_verify_member(engine__source *src, const char *name, const char *digest, int64_t size);

/* Parse a config (already verified) and fill @img's diff_ids; the layer
 * count must match. *@config_out (may be NULL) receives the parsed JSON. */
int engine__load_read_config(engine__source *src, struct engine__load_image *img, size_t n_layers,
			     json_object **config_out);

/* The formats. @platform is "os/arch[/variant]". */
int engine__oci_layout_plan(engine__source *src, const char *platform, struct engine__load_plan *plan);
int engine__docker_archive_plan(engine__source *src, struct engine__load_plan *plan);

#endif
