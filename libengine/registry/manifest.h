/* Manifests and indexes (OCI and Docker v2): media types, the Accept list,
 * parsing, and choosing a platform from an index. Pure. */
#ifndef ENGINE_REGISTRY_MANIFEST_H
#define ENGINE_REGISTRY_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "util/digest.h"

#define ENGINE__MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define ENGINE__MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define ENGINE__MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define ENGINE__MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define ENGINE__MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define ENGINE__MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define ENGINE__MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define ENGINE__MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define ENGINE__MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define ENGINE__MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"

/* Every manifest type we understand, preferred first: without it
 * Distribution answers with schema1. */
#define ENGINE__MANIFEST_ACCEPT                                                                              \
	ENGINE__MT_OCI_INDEX ", " ENGINE__MT_DOCKER_LIST ", " ENGINE__MT_OCI_MANIFEST                        \
			     ", " ENGINE__MT_DOCKER_MANIFEST

typedef struct engine__descriptor {
	char *media_type;
	char digest[ENGINE__DIGEST_LEN + 1];
	int64_t size;
} engine__descriptor;

typedef struct engine__manifest {
	char *media_type; /* the manifest's own type */
	bool is_index;
	engine__descriptor config;  /* image manifests */
	engine__descriptor *layers; /* image manifests */
	size_t n_layers;
} engine__manifest;

/* Parse @data as the JSON object of a schema 2 manifest or index (schema 1
 * is ENGINE_ENOTSUP, anything else ENGINE_EINVALID); *out is the caller's. */
int engine__manifest_root(const char *data, size_t len, json_object **out);

/* Parse a manifest or index. The type comes from its "mediaType", else
 * @content_type, else its shape. Schema1 is ENGINE_ENOTSUP; anything
 * malformed ENGINE_EINVALID. */
int engine__manifest_parse(const char *data, size_t len, const char *content_type, engine__manifest **out);
void engine__manifest_free(engine__manifest *m);

/* Whether a layer media type is one we can unpack (tar, gzip, zstd). */
bool engine__manifest_layer_supported(const char *media_type);

/* Choose @platform ("os/arch[/variant]", NULL: linux/amd64) from an index;
 * ENGINE_ENOTFOUND lists the platforms the index has. @out->media_type is malloc'd. */
int engine__index_select(const char *data, size_t len, const char *platform, engine__descriptor *out);

#endif
