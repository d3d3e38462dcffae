/*
 * Container security, prepared in the parent and applied in the child.
 * Everything that allocates happens in *_prepare (before clone, in the
 * possibly multithreaded parent); the *_apply functions only make system
 * calls, so the cloned child can use them between clone and exec.
 *
 * Child-side functions (*_apply) set no error message (formatting is not
 * async-signal-safe): they return 0 or -errno, which the runtime sends over
 * its sync pipe and raises in the parent with engine__error_errno().
 *
 * The order the runtime follows in the child, after its mounts and
 * pivot_root and right before execve (runc's order):
 *
 *   1. engine__rlimits_apply()      while CAP_SYS_RESOURCE is still held
 *                                   (raising a hard limit needs it)
 *   2. if (!no_new_privs) engine__seccomp_apply()
 *                                   without no_new_privs the kernel wants
 *                                   CAP_SYS_ADMIN to load a filter, so load
 *                                   it while the child still has it
 *   3. engine__caps_apply_bounding() drops the bounding set (needs
 *                                   CAP_SETPCAP) and sets PR_SET_KEEPCAPS so
 *                                   the permitted set survives setuid
 *   4. setgroups(), setgid(), setuid()   (the runtime's user switch)
 *   5. engine__caps_apply_sets()    clears KEEPCAPS, capset() of the
 *                                   effective/permitted/inheritable sets,
 *                                   then the ambient set
 *   6. if (no_new_privs) engine__no_new_privs_apply()
 *   7. if (no_new_privs) engine__seccomp_apply()
 *                                   last, so the filter never has to allow
 *                                   the setup calls above
 *   8. execve()
 *
 * Without a user switch, engine__caps_apply() does 3 and 5 in one call.
 * no_new_privs is on by default in libengine (DESIGN.md: security by
 * default); Docker only sets it with --security-opt no-new-privileges.
 */
#ifndef ENGINE_RUNTIME_SECURITY_H
#define ENGINE_RUNTIME_SECURITY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>
#include <sys/resource.h>

#include <engine/context.h>

/* --- capabilities ------------------------------------------------------ */

typedef struct engine__caps {
	uint64_t bounding, effective, permitted, inheritable, ambient; /* bit per CAP_* */
	int last_cap; /* the kernel's highest capability (additive: set by prepare) */
} engine__caps;

/* Docker's default set, then @add, then @drop ("ALL" allowed in both; names
 * with or without "CAP_", case-insensitive), with Docker's rules: adding
 * ALL gives every capability minus @drop; dropping ALL keeps only @add;
 * otherwise the defaults minus @drop plus @add. The result goes into the
 * bounding, effective and permitted sets; inheritable and ambient stay
 * empty, as in Docker. Unknown names (or ones this kernel lacks):
 * ENGINE_EINVALID naming them. Reads /proc/sys/kernel/cap_last_cap. */
int engine__caps_prepare(char *const *add, char *const *drop, engine__caps *out);
/* For a non-root user Docker keeps only the bounding set (execve would
 * clear the rest anyway): call after prepare with the container's uid.
 * (Additive.) */
void engine__caps_for_user(engine__caps *caps, uid_t uid);
/* A capability's number from its name (same rules as prepare), or
 * ENGINE_EINVALID. (Additive.) */
int engine__cap_from_name(const char *name, int *out);
/* "CAP_CHOWN" for 0, NULL when unknown (static). (Additive.) */
const char *engine__cap_name(int cap);
/* This process's bounding set (all ones when unreadable): no process it
 * starts, in any user namespace, can hold a capability outside it. */
uint64_t engine__caps_bounding_set(void);

/* Child side: drop the bounding set, then set the sets via capset (steps 3
 * and 5 above, for a child that does not switch users). */
int engine__caps_apply(const engine__caps *caps);
/* Child side, step 3: PR_CAPBSET_DROP for every capability outside the
 * bounding set, then PR_SET_KEEPCAPS. (Additive.) */
int engine__caps_apply_bounding(const engine__caps *caps);
/* Child side, step 5: clear PR_SET_KEEPCAPS, capset(), ambient set.
 * (Additive.) */
int engine__caps_apply_sets(const engine__caps *caps);
/* Docker's default capability names (static, NULL-terminated). */
const char *const *engine__caps_default_names(void);

/* --- seccomp ------------------------------------------------------------ */

/* A compiled filter, cached per context and profile: the same BPF serves
 * every container with that profile. Owned by the context's cache (valid
 * until the context is freed). */
typedef struct engine__seccomp engine__seccomp;

/* @profile: NULL or "default" for Docker's default profile, "unconfined"
 * for none (*out = NULL), a JSON document (first non-blank character '{',
 * as Docker's API passes it), or a path to a Docker-format JSON profile.
 * The filter depends on the final capability set (Docker adds syscalls for
 * CAP_SYS_ADMIN etc., judged on the bounding set), hence @caps (NULL: no
 * capabilities). Thread-safe; compiled once per (profile, relevant caps). */
int engine__seccomp_prepare(engine_context *ctx, const char *profile, const engine__caps *caps,
			    const engine__seccomp **out);
/* The BPF program to load (borrowed); NULL for a NULL (unconfined) filter. */
const struct sock_fprog *engine__seccomp_prog(const engine__seccomp *s);
/* Child side: load the filter (async-signal-safe); NULL does nothing. Call
 * after no_new_privs, or while holding CAP_SYS_ADMIN (see above). */
int engine__seccomp_apply(const engine__seccomp *s);

/* --- misc ---------------------------------------------------------------- */

/* Child side: prctl(PR_SET_NO_NEW_PRIVS). */
int engine__no_new_privs_apply(void);

typedef struct engine__rlimit {
	int resource;
	struct rlimit limit;
} engine__rlimit;
/* Parse "nofile=1024:2048" (Docker --ulimit form: name=soft[:hard], hard
 * defaults to soft; -1 or "unlimited" for no limit). */
int engine__rlimit_parse(const char *s, engine__rlimit *out);
/* Child side: setrlimit each, in order. */
int engine__rlimits_apply(const engine__rlimit *limits, size_t n);

/* Docker's masked and read-only /proc and /sys paths (static lists). The
 * runtime masks a file with a bind mount of /dev/null and a directory with
 * an empty read-only tmpfs, and skips paths that do not exist; read-only
 * paths get a read-only bind mount of themselves. */
const char *const *engine__masked_paths(void);
const char *const *engine__readonly_paths(void);
/* The masked paths plus this host's per-CPU thermal_throttle directories,
 * as moby computes them (parent side; the caller frees with
 * engine__strv_free). (Additive.) */
int engine__masked_paths_host(char ***out);

#endif
