/*
 * Container security, prepared in the parent and applied in the child.
 * Everything that allocates happens in *_prepare (before clone, in the
 * possibly multithreaded parent); the *_apply functions only make system
 * calls, so the cloned child can use them between clone and exec.
 */
#ifndef ENGINE_RUNTIME_SECURITY_H
#define ENGINE_RUNTIME_SECURITY_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/filter.h>
#include <sys/resource.h>

#include <engine/context.h>

/* --- capabilities ------------------------------------------------------ */

typedef struct engine__caps {
	uint64_t bounding, effective, permitted, inheritable, ambient; /* bit per CAP_* */
} engine__caps;

/* Docker's default set, then @add, then @drop ("ALL" allowed in both; names
 * with or without "CAP_", case-insensitive). Unknown names: ENGINE_EINVALID. */
int engine__caps_prepare(char *const *add, char *const *drop, engine__caps *out);
/* Child side: drop the bounding set, then set the sets via capset. */
int engine__caps_apply(const engine__caps *caps);
/* Docker's default capability names (static, NULL-terminated). */
const char *const *engine__caps_default_names(void);

/* --- seccomp ------------------------------------------------------------ */

/* A compiled filter, cached per context and profile: the same BPF serves
 * every container with that profile. Owned by the context's cache. */
typedef struct engine__seccomp engine__seccomp;

/* @profile: NULL or "default" for Docker's default profile, "unconfined"
 * for none (*out = NULL), or a path to a Docker-format JSON profile. The
 * filter depends on the final capability set (Docker adds syscalls for
 * CAP_SYS_ADMIN etc.), hence @caps. */
int engine__seccomp_prepare(engine_context *ctx, const char *profile, const engine__caps *caps,
			    const engine__seccomp **out);
/* The BPF program to load (borrowed). */
const struct sock_fprog *engine__seccomp_prog(const engine__seccomp *s);
/* Child side: load the filter (after no_new_privs; async-signal-safe). */
int engine__seccomp_apply(const engine__seccomp *s);

/* --- misc ---------------------------------------------------------------- */

/* Child side: prctl(PR_SET_NO_NEW_PRIVS). */
int engine__no_new_privs_apply(void);

typedef struct engine__rlimit {
	int resource;
	struct rlimit limit;
} engine__rlimit;
/* Parse "nofile=1024:2048" (Docker --ulimit form). */
int engine__rlimit_parse(const char *s, engine__rlimit *out);
int engine__rlimits_apply(const engine__rlimit *limits, size_t n);

/* Docker's masked and read-only /proc and /sys paths (static lists). */
const char *const *engine__masked_paths(void);
const char *const *engine__readonly_paths(void);

#endif
