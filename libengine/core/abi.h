/*
 * Versioned public structs (libgit2's scheme, made safe for old callers).
 *
 * Every options struct of the API and every struct the library fills for
 * the caller starts with `unsigned version`. Fields are only ever appended;
 * appending one bumps the header's ENGINE_<X>_VERSION and adds the new size
 * to the struct's table in core/abi.c. A caller built against version v
 * passes a struct of v's size, so the library
 *   - accepts any version 1..current (ENGINE__CHECK_VERSION),
 *   - reads a caller's options into a full current struct that starts from
 *     the defaults, copying only the bytes version v has (engine__abi_read),
 *   - writes an output struct only up to version v's size (engine__abi_write),
 *   - initialises a struct of version v from its template the same way
 *     (ENGINE__INIT_FROM_TEMPLATE, behind every engine_<x>_init()).
 */
#ifndef ENGINE_CORE_ABI_H
#define ENGINE_CORE_ABI_H

#include <stddef.h>

typedef struct engine__abi {
	const char *name;    /* "context options", named in errors */
	unsigned current;    /* the header's ENGINE_<X>_VERSION */
	const size_t *sizes; /* sizes[v - 1]: the bytes version v of the struct has */
} engine__abi;

/* One table per public versioned struct, named after the type. */
#define ENGINE__ABI(type) (&engine__abi_##type)
extern const engine__abi engine__abi_engine_context_options;
extern const engine__abi engine__abi_engine_exec_options;
extern const engine__abi engine__abi_engine_update_options;
extern const engine__abi engine__abi_engine_pool_options;
extern const engine__abi engine__abi_engine_commit_options;
extern const engine__abi engine__abi_engine_network_create_options;
extern const engine__abi engine__abi_engine_network_connect_options;
extern const engine__abi engine__abi_engine_volume_create_options;
extern const engine__abi engine__abi_engine_image_load_options;
extern const engine__abi engine__abi_engine_image_import_options;
extern const engine__abi engine__abi_engine_image_remove_options;
extern const engine__abi engine__abi_engine_registry_pull_options;
extern const engine__abi engine__abi_engine_registry_push_options;
extern const engine__abi engine__abi_engine_build_options;
extern const engine__abi engine__abi_engine_distribution_options;
extern const engine__abi engine__abi_engine_container_stats;
extern const engine__abi engine__abi_engine_store_usage;
extern const engine__abi engine__abi_engine_attach_options;
extern const engine__abi engine__abi_engine_exec_config;
extern const engine__abi engine__abi_engine_exec_start_options;
extern const engine__abi engine__abi_engine_exec_state;
extern const engine__abi engine__abi_engine_logs_options;
extern const engine__abi engine__abi_engine_wait_options;
extern const engine__abi engine__abi_engine_wait_result;
extern const engine__abi engine__abi_engine_oci_create_options;
extern const engine__abi engine__abi_engine_oci_exec_options;
/* All of the above, NULL-terminated (for the tests). */
extern const engine__abi *const engine__abis[];

/* 0 when @version is 1..@abi->current; ENGINE_EINVALID naming the struct
 * and the versions this library knows otherwise. */
int engine__abi_check(const engine__abi *abi, unsigned version);

/* Return ENGINE_EINVALID from the calling function unless @version is one
 * that the struct described by @abi has had (libgit2's
 * GIT_ERROR_CHECK_VERSION): ENGINE__CHECK_VERSION(ENGINE__ABI(type), v). */
#define ENGINE__CHECK_VERSION(abi, version)                                                                  \
	do {                                                                                                 \
		int abi_r_ = engine__abi_check((abi), (version));                                            \
		if (abi_r_ < 0)                                                                              \
			return abi_r_;                                                                       \
	} while (0)

/* @out (a caller's struct of @version) gets the first bytes of @tpl that
 * version has, then @version itself. NULL @out is ENGINE_EINVALID. */
int engine__abi_init(const engine__abi *abi, void *out, unsigned version, const void *tpl);

/* The body of every engine_<x>_init(): @type's template is its
 * ENGINE_<X>_INIT initialiser @tpl. */
#define ENGINE__INIT_FROM_TEMPLATE(type, out, version, tpl)                                                  \
	({                                                                                                   \
		type abi_tpl_ = tpl;                                                                         \
		engine__abi_init(ENGINE__ABI(type), (out), (version), &abi_tpl_);                            \
	})

/* Read a caller's struct @in into @full, a current-version struct that
 * already holds the defaults: the bytes @in's version has are copied, the
 * fields it lacks keep their defaults, and @full's version becomes the
 * current one. NULL @in leaves the defaults. Checks the version. */
int engine__abi_read(const engine__abi *abi, void *full, const void *in);

/* Fill a caller's output struct @out from @full (the current version),
 * only as far as @out's version reaches; @out keeps its version. */
int engine__abi_write(const engine__abi *abi, void *out, const void *full);

#endif
