/*
 * Named volumes: directories in the store that outlive containers, mounted
 * with engine_spec_add_volume("NAME:/path") or a container's image VOLUME
 * (docker volume create / ls / inspect / rm / prune). The "local" driver
 * keeps a volume's files under <root>/volumes/<name>/_data; its options
 * (Docker's -o) can make the mount a tmpfs or a bind of a host directory.
 */
#ifndef ENGINE_VOLUME_H
#define ENGINE_VOLUME_H

#include "common.h"
#include "context.h"

ENGINE_BEGIN_DECLS

#define ENGINE_VOLUME_CREATE_OPTIONS_VERSION 1

/** Options for engine_volume_create(). */
typedef struct engine_volume_create_options {
	unsigned version;
	const char *name;	/**< [a-zA-Z0-9][a-zA-Z0-9_.-]+; NULL or "": a random 64-hex name */
	const char *driver;	/**< NULL or "local" (the only driver) */
	engine_strarray labels; /**< "KEY=VALUE" or "KEY" items */
	engine_strarray
	    options; /**< the local driver's "type=T", "device=D", "o=OPTS" (docker volume create -o) */
} engine_volume_create_options;

#define ENGINE_VOLUME_CREATE_OPTIONS_INIT                                                                    \
	{                                                                                                    \
		ENGINE_VOLUME_CREATE_OPTIONS_VERSION, NULL, NULL, {NULL, 0},                                 \
		{                                                                                            \
			NULL, 0                                                                              \
		}                                                                                            \
	}

/** Initialise @p opts like ENGINE_VOLUME_CREATE_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_volume_create_options_init(engine_volume_create_options *opts, unsigned version);

/**
 * Create a volume (docker volume create). Creating a name that exists is
 * not an error, as with Docker: the existing volume is kept unchanged.
 * Driver options of "local": type=tmpfs with o=size=64m,mode=1777 (every
 * container mounts a tmpfs of its own: nothing is kept), or type=none with
 * device=/host/dir and o=bind (the volume is that host directory). *@p
 * name_out (may be NULL; free with engine_free()) gets the name. Errors:
 * ENGINE_EINVALID (a bad name, label or option, naming it), ENGINE_ENOTSUP
 * (another driver, another type), ENGINE_EEXISTS (the name exists with
 * another driver).
 */
ENGINE_EXTERN int engine_volume_create(engine_context *ctx, const engine_volume_create_options *opts,
				       char **name_out);
/**
 * Docker's inspect JSON of one volume: Name, Driver, Mountpoint,
 * CreatedAt (RFC 3339), Labels, Scope ("local"), Options (the driver
 * options as an object, or null), plus UsageData {RefCount} (the
 * containers using it). Free with engine_free(). ENGINE_ENOTFOUND.
 */
ENGINE_EXTERN int engine_volume_inspect(engine_context *ctx, const char *name, char **json_out);
/**
 * A JSON array of the inspect objects of the volumes @p filters select
 * (docker volume ls --filter; NULL: all): dangling (true: no container
 * uses it, false: one does), name (a substring), label ("key" or
 * "key=value", every one must match), driver. Sorted by name. Errors:
 * ENGINE_EINVALID naming a bad filter.
 */
ENGINE_EXTERN int engine_volume_list(engine_context *ctx, const engine_strarray *filters, char **json_out);
/**
 * Remove a volume and its files (docker volume rm). ENGINE_EBUSY while a
 * container (running or not) uses it, unless @p force; ENGINE_ENOTFOUND
 * (ignored with @p force, like docker volume rm -f).
 */
ENGINE_EXTERN int engine_volume_remove(engine_context *ctx, const char *name, int force);
/**
 * Remove the volumes no container uses (docker volume prune): anonymous
 * ones only, every one with the filter "all=true"; label and label!
 * filters narrow it. @p removed (may be NULL) receives their names, *@p
 * reclaimed (may be NULL) the bytes their files held.
 */
ENGINE_EXTERN int engine_volume_prune(engine_context *ctx, const engine_strarray *filters,
				      engine_strarray *removed, int64_t *reclaimed);

ENGINE_END_DECLS

#endif
