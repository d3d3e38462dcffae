/*
 * Registries: pull and push images over the OCI distribution API (Docker
 * Registry HTTP API v2), through the registry mirrors of the context's
 * config file, with credentials stored by engine_registry_login().
 *
 * Config keys read from the context's JSON config file (daemon.json style):
 *   "registry-mirrors":    ["http://host:port", ...] mirrors the default
 *                          registry; or {"host:port": ["http://m1", ...], ...}
 *                          maps any registry to its ordered mirrors.
 *   "insecure-registries": ["host:port", "10.0.0.0/8", ...] may use plain HTTP
 *                          (loopback always may, like Docker).
 *   "default-registry":    where short names like "busybox" go
 *                          (Docker Hub, "docker.io", when unset).
 *   "registry-timeout":    seconds a transfer may stall before it fails (30).
 */
#ifndef ENGINE_REGISTRY_H
#define ENGINE_REGISTRY_H

#include "common.h"
#include "context.h"

ENGINE_BEGIN_DECLS

/* --- references ---------------------------------------------------------- */

/**
 * Normalise an image reference the way Docker does ("busybox" ->
 * "docker.io/library/busybox:latest", "reg:5000/a/b" -> "reg:5000/a/b:latest",
 * "a@sha256:..." keeps its digest), using the context's "default-registry".
 * *out is freed with engine_free(). ENGINE_EINVALID names the reference and
 * what is wrong with it.
 */
ENGINE_EXTERN int engine_registry_reference_normalize(engine_context *ctx, const char *ref, char **out);

/* --- progress ------------------------------------------------------------ */

/** What a progress event reports. */
typedef enum engine_registry_event_kind {
	ENGINE_REGISTRY_EVENT_STATUS =
	    0, /**< a line about the whole image ("Pulling from ...", "Digest: ...") */
	ENGINE_REGISTRY_EVENT_WAITING = 1,    /**< "Pulling fs layer" / "Preparing" / "Waiting" */
	ENGINE_REGISTRY_EVENT_PROGRESS = 2,   /**< "Downloading" / "Pushing", with current and total */
	ENGINE_REGISTRY_EVENT_VERIFYING = 3,  /**< "Verifying Checksum" */
	ENGINE_REGISTRY_EVENT_DOWNLOADED = 4, /**< "Download complete" / "Pushed" */
	ENGINE_REGISTRY_EVENT_EXISTS =
	    5, /**< "Already exists" / "Layer already exists" / "Mounted from ..." */
	ENGINE_REGISTRY_EVENT_EXTRACTING = 6, /**< "Extracting" */
	ENGINE_REGISTRY_EVENT_COMPLETE = 7    /**< "Pull complete" */
} engine_registry_event_kind;

/** One progress event; every pointer is only valid during the callback. */
typedef struct engine_registry_event {
	int kind;	    /**< an engine_registry_event_kind */
	const char *id;	    /**< short layer ID (12 hex digits), or NULL for image-wide lines */
	const char *status; /**< Docker's wording, e.g. "Pull complete" */
	int64_t current;    /**< bytes done (PROGRESS), else 0 */
	int64_t total;	    /**< bytes expected, 0 when unknown */
} engine_registry_event;

/** A progress callback, called on the thread that called pull or push. */
typedef void (*engine_registry_progress_fn)(const engine_registry_event *event, void *payload);

/**
 * Send pull and push progress of this context to @p fn (NULL to stop).
 * For bindings that cannot take callbacks, see the options' progress_fd.
 */
ENGINE_EXTERN void engine_registry_set_progress_callback(engine_context *ctx, engine_registry_progress_fn fn,
							 void *payload);

/* --- pull and push ------------------------------------------------------- */

#define ENGINE_REGISTRY_PULL_OPTIONS_VERSION 2

typedef struct engine_registry_pull_options {
	unsigned version;
	const char *platform; /**< "os/arch[/variant]" to choose from an index; NULL: "linux/amd64" */
	int progress_fd;      /**< when >= 0, receives one JSON object per event, like the Docker
				   Engine API's pull stream ({"status":..,"id":..,"progressDetail":{..}}) */
	int timeout;	      /**< seconds a connection or transfer may stall; 0: config or 30 */
	/* version 2 */
	const char *username; /**< credentials for the registry (not its mirrors), over those
				   stored by engine_registry_login(); NULL: the stored ones */
	const char *password;
} engine_registry_pull_options;

#define ENGINE_REGISTRY_PULL_OPTIONS_INIT                                                                    \
	{                                                                                                    \
		ENGINE_REGISTRY_PULL_OPTIONS_VERSION, NULL, -1, 0, NULL, NULL                                \
	}

ENGINE_EXTERN int engine_registry_pull_options_init(engine_registry_pull_options *opts, unsigned version);

/**
 * Pull @p ref (see engine_registry_reference_normalize()) into the store:
 * the mirrors first, then the registry. Blobs and layers already stored are
 * not downloaded again; every digest is verified; nothing becomes visible
 * until the whole image is stored, then it is tagged. *id_out (may be NULL)
 * receives the image ID, freed with engine_free().
 * Errors name the registry and the reference: ENGINE_ENOTFOUND (unknown
 * repository, tag or digest, or no manifest for the platform), ENGINE_EPERM
 * (credentials refused), ENGINE_EINVALID (bad reference, digest mismatch,
 * malformed response), ENGINE_ETIMEOUT, ENGINE_EIO (connection, truncation).
 */
ENGINE_EXTERN int engine_registry_pull(engine_context *ctx, const char *ref,
				       const engine_registry_pull_options *opts, char **id_out);

#define ENGINE_REGISTRY_PUSH_OPTIONS_VERSION 2

typedef struct engine_registry_push_options {
	unsigned version;
	int progress_fd;    /**< as in engine_registry_pull_options */
	int timeout;	    /**< as in engine_registry_pull_options */
	int64_t chunk_size; /**< > 0: upload blobs in PATCH chunks of this size; 0: one PUT */
	/* version 2 */
	const char *username; /**< as in engine_registry_pull_options */
	const char *password;
} engine_registry_push_options;

#define ENGINE_REGISTRY_PUSH_OPTIONS_INIT                                                                    \
	{                                                                                                    \
		ENGINE_REGISTRY_PUSH_OPTIONS_VERSION, -1, 0, 0, NULL, NULL                                   \
	}

ENGINE_EXTERN int engine_registry_push_options_init(engine_registry_push_options *opts, unsigned version);

/**
 * Push the stored image tagged @p ref to its registry: blobs the registry
 * lacks (mounted from another repository of the same registry when the
 * image came from there), then the manifest. *digest_out (may be NULL)
 * receives the manifest digest, freed with engine_free().
 */
ENGINE_EXTERN int engine_registry_push(engine_context *ctx, const char *ref,
				       const engine_registry_push_options *opts, char **digest_out);

/**
 * What @p ref names in its registry, without pulling it (Docker's GET
 * /distribution/{name}/json): *@p json_out (freed with engine_free()) is
 * {"Descriptor": {"mediaType", "digest", "size"}, "Platforms": [{"architecture",
 * "os"[, "variant"]}]} for the manifest or index the tag or digest names
 * (an image's platform read from its config). @p username / @p password
 * (may be NULL) over the stored credentials. Errors as engine_registry_pull().
 */
ENGINE_EXTERN int engine_registry_inspect(engine_context *ctx, const char *ref, const char *username,
					  const char *password, char **json_out);

/* --- credentials --------------------------------------------------------- */

/**
 * Check @p username / @p password against @p registry ("host[:port]"; NULL
 * or "docker.io" for the default registry) and store them in
 * <root>/auth.json (mode 0600). ENGINE_EPERM when the registry refuses them.
 */
ENGINE_EXTERN int engine_registry_login(engine_context *ctx, const char *registry, const char *username,
					const char *password);
/**
 * engine_registry_login()'s check alone, nothing stored (Docker's POST
 * /auth: the client keeps the credentials and sends them with each pull
 * and push). The same errors: ENGINE_EPERM when the registry refuses them.
 */
ENGINE_EXTERN int engine_registry_check_login(engine_context *ctx, const char *registry, const char *username,
					      const char *password);

/** Forget the credentials for @p registry. ENGINE_ENOTFOUND when none were stored. */
ENGINE_EXTERN int engine_registry_logout(engine_context *ctx, const char *registry);

ENGINE_END_DECLS

#endif
