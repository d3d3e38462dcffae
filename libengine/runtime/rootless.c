/*
 * Rootless containers: a context whose opener is not root gives every
 * container a user namespace created with its other namespaces (clone), so
 * the mounts are made inside it, by its root. The caller's uid and gid map
 * to 0 and its subordinate ranges (/etc/subuid, /etc/subgid) to 1..N,
 * written by the setuid newuidmap/newgidmap of Debian's uidmap; without a
 * range (or those programs) only the caller maps, to 0, written directly:
 * then every other uid and gid of the image shows as nobody, and a user
 * switch (-u) to anything but 0 is refused before the start.
 */
#include "config.h"

#include <sched.h>
#include <stdio.h>
#include <sys/utsname.h>

#include "core/context.h"
#include "core/error.h"
#include "runtime/runtime.h"

int engine__rootless_plan(engine_context *ctx, engine__plan *p)
{
	engine__idmap *m = &p->idmap;

	if (!engine__context_rootless(ctx))
		return 0;
	p->rootless = true;
	p->clone_flags |= CLONE_NEWUSER;
	{
		struct utsname u;
		unsigned major = 0, minor = 0;

		/* Overlay mounts in a user namespace came with 5.11. */
		if (uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
		    (major < 5 || (major == 5 && minor < 11)))
			return engine__error_set(
			    ENGINE_ENOTSUP, 0,
			    "running rootless needs overlayfs in a user namespace: Linux 5.11 "
			    "or later (this is %s)",
			    u.release);
	}
	if (engine__idmap_self(m) < 0)
		return engine__error_wrap("rootless");
	if (p->has_user && (p->uid > m->subuid_count || p->gid > m->subgid_count))
		return engine__error_set(
		    ENGINE_ENOTSUP, 0,
		    "user %u:%u: running rootless, the user namespace maps only ids 0..%u "
		    "(%s for uid %u)",
		    (unsigned)p->uid, (unsigned)p->gid, (unsigned)m->subuid_count,
		    m->subuid_count
			? "the ranges in /etc/subuid and /etc/subgid"
			: "no range in /etc/subuid and /etc/subgid, or no newuidmap (package uidmap)",
		    (unsigned)m->uid);
	/* devpts's gid=5 (tty) exists only when the ranges map it. */
	p->devpts_data = m->subgid_count >= 5 ? NULL : "newinstance,ptmxmode=0666,mode=0620";
	return 0;
}
