/*
 * Shared definitions for every public libengine header: the export macro,
 * the string-array type that carries lists across the API, and engine_free.
 *
 * Versioned structs. Every options struct, and every struct the library
 * fills for the caller (engine_container_stats, engine_store_usage),
 * starts with `unsigned version`, set by its ENGINE_<X>_INIT macro or
 * engine_<x>_init() function. Fields are only ever appended, each addition
 * bumping ENGINE_<X>_VERSION. The library accepts every version from 1 to
 * the one it was built with: it reads and writes only the fields the
 * caller's version has (later fields take their defaults), so a program
 * built against older headers keeps working. Any other version is
 * ENGINE_EINVALID ("<struct>: unsupported version N").
 */
#ifndef ENGINE_COMMON_H
#define ENGINE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifndef ENGINE_EXTERN
#if defined(__GNUC__) && defined(ENGINE_BUILDING_LIBRARY)
#define ENGINE_EXTERN __attribute__((visibility("default")))
#else
#define ENGINE_EXTERN
#endif
#endif

#ifdef __cplusplus
#define ENGINE_BEGIN_DECLS extern "C" {
#define ENGINE_END_DECLS }
#else
#define ENGINE_BEGIN_DECLS
#define ENGINE_END_DECLS
#endif

ENGINE_BEGIN_DECLS

/**
 * A list of strings owned by the caller once returned.
 * Release it with engine_strarray_dispose(); the struct itself may live on
 * the caller's stack.
 */
typedef struct engine_strarray {
	char **strings;
	size_t count;
} engine_strarray;

/** Free the strings of @p array and reset it to empty. Accepts NULL. */
ENGINE_EXTERN void engine_strarray_dispose(engine_strarray *array);

/** Free memory that an engine_* function documented as caller-owned. Accepts NULL. */
ENGINE_EXTERN void engine_free(void *ptr);

/** The library's version string, e.g. "0.1.0". Static storage. */
ENGINE_EXTERN const char *engine_version(void);

/**
 * Whether this library, on this host, can use a feature: the host is
 * probed on the first question about each name and the answer kept for the
 * process (engine_context_has_feature() answers for one context, whose
 * cgroup root may differ). The names, exactly:
 *   "seccomp"          the kernel filters system calls (seccomp filter mode
 *                      with SECCOMP_RET_ERRNO): containers get a profile
 *   "overlay"          overlayfs is registered or loadable as a module
 *   "cgroup-v1"        cgroup v1 controllers are mounted (legacy or hybrid host)
 *   "cgroup-v2"        a cgroup2 hierarchy is mounted (unified or hybrid host)
 *   "user-namespaces"  this process may create user namespaces (kernel
 *                      support, user.max_user_namespaces > 0, and for non-root
 *                      Debian's and Ubuntu's unprivileged switches)
 *   "gzip", "zstd"     layers so compressed can be read (libarchive loads and
 *                      decodes it itself)
 *   "registry"         the registry client's libcurl loads
 *   "build"            Dockerfile builds (always 1)
 *   "rootless"         containers run rootless: the caller (for a context,
 *                      its opener) is not root and may create user namespaces
 * Returns 1 when available, 0 otherwise, including unknown names and NULL.
 * Never changes engine_error_last().
 */
ENGINE_EXTERN int engine_has_feature(const char *name);

ENGINE_END_DECLS

#endif
