/*
 * The in-memory form of a Docker seccomp profile (moby/profiles/seccomp),
 * shared by the built-in default table, the JSON parser and the compiler.
 * Conditions (includes/excludes on caps, arches, kernel) are kept in the
 * profile and resolved at compile time against the container's caps.
 */
#ifndef ENGINE_RUNTIME_SECURITY_SECCOMP_PROFILE_H
#define ENGINE_RUNTIME_SECURITY_SECCOMP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seccomp.h>

typedef struct engine__seccomp_arg {
	unsigned index;
	uint64_t value, value_two;
	enum scmp_compare op;
} engine__seccomp_arg;

/* Docker's Filter: every cap in @caps, the native arch among @arches (Go
 * names: "amd64", "x86", "arm64", ...), kernel >= min_kernel. Zero/NULL
 * members are not checked. */
typedef struct engine__seccomp_cond {
	uint64_t caps;
	const char *const *arches;
	unsigned min_kernel[2];
} engine__seccomp_cond;

typedef struct engine__seccomp_rule {
	const char *const *names; /* NULL-terminated */
	uint32_t action;	  /* SCMP_ACT_* with its errno/trace data */
	const engine__seccomp_arg *args;
	size_t n_args;
	const engine__seccomp_cond *includes, *excludes; /* NULL: none */
} engine__seccomp_rule;

/* An arch and the sub-arches filtered with it (Docker's archMap). */
typedef struct engine__seccomp_archmap {
	uint32_t arch; /* SCMP_ARCH_* */
	const uint32_t *subarches;
	size_t n_subarches;
} engine__seccomp_archmap;

typedef struct engine__seccomp_profile {
	uint32_t default_action;
	/* Either a flat list of arches, or an archMap whose native entry is used. */
	const uint32_t *arches;
	size_t n_arches;
	const engine__seccomp_archmap *archmap;
	size_t n_archmap;
	unsigned flags; /* SECCOMP_FILTER_FLAG_* for the seccomp() call */
	const engine__seccomp_rule *rules;
	size_t n_rules;
	void *storage; /* what a parsed profile owns (see profile_free) */
} engine__seccomp_profile;

/* Docker's default profile (static). */
const engine__seccomp_profile *engine__seccomp_default_profile(void);
/* The capabilities the default profile's conditions mention: only these
 * change the compiled filter, so only these go into the cache key. */
uint64_t engine__seccomp_default_caps_mask(void);

/* Parse a Docker-format JSON profile; errors name @what (a path, or
 * "inline profile") and the bad entry. */
int engine__seccomp_profile_parse(const char *what, const char *json, size_t len,
				  engine__seccomp_profile **out);
void engine__seccomp_profile_free(engine__seccomp_profile *p);

/* Go's name for the native arch ("amd64"), as Docker's arches conditions use. */
const char *engine__seccomp_native_arch_name(void);

/* Compile @p for a container whose bounding set is @bounding into a BPF
 * program (filter array malloc'd into out->filter). Errors name @what. */
struct sock_fprog;
int engine__seccomp_compile(const char *what, const engine__seccomp_profile *p, uint64_t bounding,
			    struct sock_fprog *out);
/* The same, with the parts @opts asks for (tests compare them): */
#define ENGINE__SECCOMP_FRONT 1u /* the front of ranges (security_seccomp_front.c) */
/* For a kernel that answers every x32 syscall ENOSYS (engine__seccomp_x32_off):
 * the prologue answers them so itself, and the rest leaves x32 out. Only
 * where that prologue applies and the profile lists x32. */
#define ENGINE__SECCOMP_NO_X32 2u
int engine__seccomp_compile_with(const char *what, const engine__seccomp_profile *p, uint64_t bounding,
				 unsigned opts, struct sock_fprog *out);

/* Whether this kernel answers ENOSYS to every x32 syscall (built without
 * x32, or booted without syscall.x32=y, as Debian's, Ubuntu's and Fedora's
 * are): asked once, of a child, since a filter around this process may
 * kill a foreign ABI's call. false when unsure. */
bool engine__seccomp_x32_off(void);

/* Whether engine__seccomp_add_enosys changes anything for @p's default action. */
bool engine__seccomp_enosys_applies(const engine__seccomp_profile *p);

/* Prepend runc's ENOSYS prologue to @prog: on each of @arches, a syscall
 * number above the highest one the applied rules (@applies, per rule) name
 * answers ENOSYS rather than the default action; with @x32_off, every x32
 * syscall does (@arches then lacks x32). */
int engine__seccomp_add_enosys(const engine__seccomp_profile *p, const bool *applies, const uint32_t *arches,
			       size_t n_arches, bool x32_off, struct sock_fprog *prog);

/* The front (security_seccomp_front.c): *@out gets, per rule and name, whether
 * the front answers that name (NULL: none); free with
 * engine__seccomp_front_free. front_add prepends the front to @prog, the
 * program libseccomp made without those names; ENGINE_ENOTSUP when the
 * front does not fit (then compile without it). */
int engine__seccomp_front_plan(const engine__seccomp_profile *p, const bool *applies, const uint32_t *arches,
			       size_t n_arches, bool ***out);
void engine__seccomp_front_free(bool **taken, size_t n_rules);
int engine__seccomp_front_add(const engine__seccomp_profile *p, bool **taken, const uint32_t *arches,
			      size_t n_arches, struct sock_fprog *prog);

/* The on-disk cache (<root>/cache/seccomp): the file id for a memory-cache
 * @key and the profile @p it stands for. Load returns ENGINE_ENOTFOUND on
 * any miss; store never fails the caller. */
#include <engine/context.h>
#include "util/digest.h"
int engine__seccomp_disk_id(const engine__seccomp_profile *p, const char *key,
			    char out[ENGINE__DIGEST_LEN + 1]);
int engine__seccomp_disk_load(engine_context *ctx, const char *id, struct sock_fprog *prog, unsigned *flags);
void engine__seccomp_disk_store(engine_context *ctx, const char *id, const struct sock_fprog *prog,
				unsigned flags);

#endif
