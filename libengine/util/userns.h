/*
 * The caller's user-namespace id mapping for rootless operation: the
 * caller is 0 inside, its subordinate ranges (/etc/subuid, /etc/subgid)
 * are 1..count, written through Debian's setuid newuidmap/newgidmap; with
 * no range, only the caller maps. Used by the runtime (a container's
 * namespace) and the store (image files owned through the mapping).
 */
#ifndef ENGINE_UTIL_USERNS_H
#define ENGINE_UTIL_USERNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct engine__idmap {
	uint32_t uid, gid; /* the caller: 0 inside */
	uint32_t subuid_start, subuid_count;
	uint32_t subgid_start, subgid_count; /* 0 count: only the caller maps */
} engine__idmap;

/* The xattr that keeps the owner and mode a rootless store could not give
 * a file ("uid:gid:0mode", fuse-overlayfs's and rootless podman's). */
#define ENGINE__OVERRIDE_STAT_XATTR "user.containers.override_stat"

/* The first range of user @name or uid @id in @file ("name:start:count"
 * lines); *count 0 when none. */
int engine__subids(const char *file, const char *name, unsigned long id, uint32_t *start, uint32_t *count);
/* The effective uid's mapping; the ranges only when both files give one
 * and newuidmap/newgidmap are installed. */
int engine__idmap_self(engine__idmap *out);
/* Write @pid's uid_map, gid_map (and setgroups "deny" for the single id:
 * the kernel wants it before an unprivileged gid_map). @pid must be
 * dumpable (its /proc files are then ours). */
int engine__idmap_write(const engine__idmap *m, pid_t pid);
/* A host id as the namespace sees it (65534 when unmapped). */
uint32_t engine__idmap_to_container(const engine__idmap *m, uint32_t host, bool gid);
/* Run @fn(@arg) in a forked child that is root of a fresh user namespace
 * mapped by @m (and nothing else new); its result (0 or negative, its
 * message) comes back as the call's. @what names it in errors. glibc's
 * fork leaves malloc usable in the child of a threaded caller. */
int engine__idmap_run(const engine__idmap *m, int (*fn)(void *arg), void *arg, const char *what);

#endif
