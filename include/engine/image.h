/*
 * Images: load (OCI layout, docker-archive), import a rootfs tarball, save,
 * list, inspect, tag, remove, unpack to a directory, and the built-in
 * default image. Layers are stored once and shared between images.
 */
#ifndef ENGINE_IMAGE_H
#define ENGINE_IMAGE_H

#include "common.h"
#include "context.h"

ENGINE_BEGIN_DECLS

/* --- loading and saving ------------------------------------------------- */

#define ENGINE_IMAGE_LOAD_OPTIONS_VERSION 1

typedef struct engine_image_load_options {
	unsigned version;
	const char *tag;      /**< tag for images the archive does not name (untagged OCI layouts) */
	const char *platform; /**< "os/arch[/variant]" to pick from an index; NULL: "linux/amd64" */
} engine_image_load_options;

#define ENGINE_IMAGE_LOAD_OPTIONS_INIT                                                                       \
	{                                                                                                    \
		ENGINE_IMAGE_LOAD_OPTIONS_VERSION, NULL, NULL                                                \
	}

ENGINE_EXTERN int engine_image_load_options_init(engine_image_load_options *opts, unsigned version);

/**
 * Load every image from @p path: an OCI image layout (directory or tar,
 * single manifest or index) or a `docker save` archive (legacy or OCI-blob
 * layout), layers uncompressed, gzip or zstd. The format is detected.
 * @p loaded receives one entry per image: its tag ("name:tag") or, when
 * untagged, its ID; the caller disposes it. @p opts may be NULL.
 * Errors: ENGINE_ENOTFOUND (path), ENGINE_EINVALID (malformed archive,
 * digest mismatch, no manifest for the platform), ENGINE_EPERM (an entry
 * that escapes the layer root), ENGINE_EIO.
 */
ENGINE_EXTERN int engine_image_load(engine_context *ctx, const char *path,
				    const engine_image_load_options *opts, engine_strarray *loaded);

#define ENGINE_IMAGE_IMPORT_OPTIONS_VERSION 1

/** Config for an imported rootfs (all optional). */
typedef struct engine_image_import_options {
	unsigned version;
	const char *ref;	       /**< tag for the new image, e.g. "myimage:1" */
	engine_strarray env;	       /**< "KEY=VALUE" */
	engine_strarray cmd;	       /**< exec form */
	engine_strarray entrypoint;    /**< exec form */
	engine_strarray labels;	       /**< "key=value" */
	engine_strarray exposed_ports; /**< "80/tcp" */
	engine_strarray volumes;       /**< container paths */
	const char *working_dir;
	const char *user;
	const char *comment; /**< history comment */
} engine_image_import_options;

#define ENGINE_IMAGE_IMPORT_OPTIONS_INIT                                                                     \
	{                                                                                                    \
		ENGINE_IMAGE_IMPORT_OPTIONS_VERSION, NULL, {NULL, 0}, {NULL, 0}, {NULL, 0}, {NULL, 0},       \
		    {NULL, 0}, {NULL, 0}, NULL, NULL, NULL                                                   \
	}

ENGINE_EXTERN int engine_image_import_options_init(engine_image_import_options *opts, unsigned version);

/**
 * Make a one-layer image from a plain rootfs tarball (any compression) at
 * @p path, or read from @p fd when @p path is NULL. *id_out (may be NULL)
 * receives the image ID, freed with engine_free().
 */
ENGINE_EXTERN int engine_image_import(engine_context *ctx, const char *path, int fd,
				      const engine_image_import_options *opts, char **id_out);

/** Archive formats for engine_image_save(). */
typedef enum engine_image_format {
	ENGINE_IMAGE_FORMAT_OCI = 0,	       /**< OCI image layout, as a tar */
	ENGINE_IMAGE_FORMAT_DOCKER_ARCHIVE = 1 /**< `docker save` layout */
} engine_image_format;

/**
 * Write the images named by @p refs to a tar at @p path (atomically: a
 * failed save leaves no file). Loading it into an empty store gives the same
 * image IDs.
 */
ENGINE_EXTERN int engine_image_save(engine_context *ctx, const engine_strarray *refs, const char *path,
				    int format);

/**
 * Stream the same archive to @p fd (a pipe, a socket, standard output), as
 * `docker save` without -o does: no temporary file anywhere. The fd is
 * written, never closed or seeked. A failure part way leaves a truncated
 * archive on @p fd. Errors: ENGINE_EINVALID (no images, fd < 0, unknown
 * format), ENGINE_ENOTFOUND (an unknown reference), ENGINE_EIO (a write).
 */
ENGINE_EXTERN int engine_image_save_fd(engine_context *ctx, const engine_strarray *refs, int fd, int format);

/**
 * Create the built-in default image "busybox:latest" from a static busybox
 * binary (@p busybox_path, NULL for /bin/busybox): the applets, /etc/passwd,
 * /etc/group, ENV PATH, CMD ["sh"]. The result is the same image ID for the
 * same binary. *id_out (may be NULL) receives the ID, freed with engine_free().
 */
ENGINE_EXTERN int engine_image_create_default(engine_context *ctx, const char *busybox_path, char **id_out);

/* --- listing, inspecting, tagging, removing ------------------------------- */

/** One image in a listing (borrowed from its engine_image_list). */
typedef struct engine_image_summary {
	const char *id;	      /**< "sha256:<hex>" (the config digest) */
	engine_strarray tags; /**< "name:tag" */
	int64_t created;      /**< Unix seconds, 0 when unknown */
	int64_t size;	      /**< bytes of its unpacked layers */
} engine_image_summary;

typedef struct engine_image_list engine_image_list;

/** List the stored images, newest first. Free with engine_image_list_free(). */
ENGINE_EXTERN int engine_image_list_new(engine_context *ctx, engine_image_list **out);
ENGINE_EXTERN size_t engine_image_list_count(const engine_image_list *list);
/** The @p i'th summary, or NULL when out of range (borrowed). */
ENGINE_EXTERN const engine_image_summary *engine_image_list_get(const engine_image_list *list, size_t i);
ENGINE_EXTERN void engine_image_list_free(engine_image_list *list);

/** An opened image: its config and layers. */
typedef struct engine_image engine_image;

/**
 * Open an image by tag ("busybox", "busybox:latest", "reg:5000/a/b:1"),
 * full or short ID. ENGINE_ENOTFOUND names the reference when unknown.
 */
ENGINE_EXTERN int engine_image_open(engine_context *ctx, const char *ref, engine_image **out);
ENGINE_EXTERN void engine_image_free(engine_image *image);

/* Borrowed getters, valid while the image is open. Missing values give NULL
 * (strings) or an empty array. */
ENGINE_EXTERN const char *engine_image_id(const engine_image *image);
ENGINE_EXTERN const engine_strarray *engine_image_tags(const engine_image *image);
ENGINE_EXTERN const engine_strarray *engine_image_env(const engine_image *image);
ENGINE_EXTERN const engine_strarray *engine_image_cmd(const engine_image *image);
ENGINE_EXTERN const engine_strarray *engine_image_entrypoint(const engine_image *image);
ENGINE_EXTERN const char *engine_image_working_dir(const engine_image *image);
ENGINE_EXTERN const char *engine_image_user(const engine_image *image);
/** Layer blob digests, lowest first. */
ENGINE_EXTERN const engine_strarray *engine_image_layers(const engine_image *image);
/** Uncompressed layer digests (rootfs.diff_ids), lowest first. */
ENGINE_EXTERN const engine_strarray *engine_image_diff_ids(const engine_image *image);

/**
 * Docker-compatible inspect JSON for an image (Id, RepoTags, RepoDigests,
 * Created, Size, Config {Env, Cmd, Entrypoint, WorkingDir, User, Labels,
 * ExposedPorts, Volumes}, RootFS {Type, Layers}, History, layer digests).
 * *json_out is freed with engine_free().
 */
ENGINE_EXTERN int engine_image_inspect(engine_context *ctx, const char *ref, char **json_out);

/**
 * The history of an image as the Docker Engine API gives it (GET
 * /images/{name}/history): a JSON array, newest first, of {Id, Created
 * (Unix seconds), CreatedBy, Tags, Size, Comment}. Each entry that made a
 * layer has that layer's unpacked size; the others 0. Id is the image's own
 * on the newest entry, a local image whose layers end at that entry (a
 * build's intermediate step) on the others, else "<missing>"; Tags are
 * that image's tags or null. *json_out is freed with engine_free().
 * Errors: ENGINE_ENOTFOUND (no such image).
 */
ENGINE_EXTERN int engine_image_history(engine_context *ctx, const char *ref, char **json_out);

/** Point tag @p dst at the image @p src names. */
ENGINE_EXTERN int engine_image_tag(engine_context *ctx, const char *src, const char *dst);

#define ENGINE_IMAGE_REMOVE_OPTIONS_VERSION 1

typedef struct engine_image_remove_options {
	unsigned version;
	int force; /**< remove even when containers use it, and all tags of an ID */
} engine_image_remove_options;

#define ENGINE_IMAGE_REMOVE_OPTIONS_INIT                                                                     \
	{                                                                                                    \
		ENGINE_IMAGE_REMOVE_OPTIONS_VERSION, 0                                                       \
	}

ENGINE_EXTERN int engine_image_remove_options_init(engine_image_remove_options *opts, unsigned version);

/**
 * Untag @p ref, and delete the image once no tag is left, like `docker rmi`.
 * @p report (may be NULL) receives Docker's lines ("Untagged: busybox:latest",
 * "Deleted: sha256:..."). Layers still used by other images stay. As
 * dockerd: an image another names as its parent (a build's steps) is only
 * untagged when named by a tag, and named by ID it is ENGINE_EBUSY even
 * forced; deleting an image also deletes its parents that are left with no
 * tag, no other child and no container.
 * ENGINE_EBUSY when a container uses the image (unless forced).
 */
ENGINE_EXTERN int engine_image_remove(engine_context *ctx, const char *ref,
				      const engine_image_remove_options *opts, engine_strarray *report);

/**
 * Write the image's flattened rootfs (layers applied, whiteouts honoured) to
 * @p dir, which must not exist or be empty. Ownership, modes, xattrs, links
 * and device nodes are kept.
 */
ENGINE_EXTERN int engine_image_unpack(engine_context *ctx, const char *ref, const char *dir);

ENGINE_END_DECLS

#endif
