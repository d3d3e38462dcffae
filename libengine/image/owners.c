/*
 * Rootless ownership of unpacked files (see internal.h): the unpacker
 * notes the entries whose owner an unprivileged caller could not give; this
 * pass gives them through the caller's subordinate ranges, from a child
 * that is root of a user namespace mapped by them, or records them in an
 * xattr where the mapping cannot hold the id. Every path is resolved
 * beneath the layer's root without following symlinks.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/error.h"
#include "image/internal.h"
#include "util/cleanup.h"
#include "util/safepath.h"
#include "util/userns.h"

int engine__owners_note(engine__owners *o, const char *rel, uid_t uid, gid_t gid, mode_t mode, bool link)
{
	char *copy;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		engine__owner *grown = realloc(o->v, cap * sizeof(*grown));

		if (!grown)
			return engine__error_oom();
		o->v = grown;
		o->cap = cap;
	}
	if (!(copy = strdup(rel)))
		return engine__error_oom();
	o->v[o->n++] = (engine__owner){copy, uid, gid, mode & 07777, link};
	return 0;
}

void engine__owners_free(engine__owners *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].rel);
	free(o->v);
	memset(o, 0, sizeof(*o));
}

struct pass {
	int rootfd;
	const engine__owners *o;
	bool mapped; /* in the user namespace: chown first */
};

/* The owner and mode in the override xattr, on the file itself (a
 * symlink cannot carry user.* xattrs: it keeps the caller's). */
static int record(int pfd, const char *base, const engine__owner *w)
{
	char val[64];
	cleanup_close int fd = -EBADF;

	if (w->link)
		return 0;
	fd = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : engine__error_errno(errno, "\"%s\": open", w->rel);
	{
		char proc[64];
		int n = snprintf(val, sizeof(val), "%u:%u:0%o", (unsigned)w->uid, (unsigned)w->gid,
				 (unsigned)w->mode);

		/* Through /proc: an O_PATH fd takes no fsetxattr, and opening
		 * a FIFO or device for it could block or reach the device. */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (setxattr(proc, ENGINE__OVERRIDE_STAT_XATTR, val, (size_t)n, 0) < 0)
			return engine__error_errno(errno, "\"%s\": set %s", w->rel,
						   ENGINE__OVERRIDE_STAT_XATTR);
	}
	return 0;
}

static int give(void *arg)
{
	const struct pass *p = arg;

	for (size_t i = 0; i < p->o->n; i++) {
		const engine__owner *w = &p->o->v[i];
		const char *slash = strrchr(w->rel, '/'), *base = slash ? slash + 1 : w->rel;
		cleanup_free char *parent = slash ? strndup(w->rel, (size_t)(slash - w->rel)) : strdup("");
		cleanup_close int pfd = -EBADF;
		int r;

		if (!parent)
			return engine__error_oom();
		pfd = engine__open_beneath(p->rootfd, parent, O_PATH | O_DIRECTORY | O_NOFOLLOW, true);
		if (pfd < 0) {
			engine_error_clear();
			continue; /* replaced by a later entry */
		}
		if (p->mapped && fchownat(pfd, base, w->uid, w->gid, AT_SYMLINK_NOFOLLOW) == 0) {
			/* chown dropped setuid/setgid: the entry's mode again. */
			if (!w->link && fchmodat(pfd, base, w->mode, 0) < 0)
				return engine__error_errno(errno, "\"%s\": chmod", w->rel);
			continue;
		}
		if (p->mapped && errno == ENOENT)
			continue;
		if (p->mapped && errno != EINVAL)
			return engine__error_errno(errno, "\"%s\": chown", w->rel);
		/* Beyond the ranges (EINVAL), or none at all. */
		if ((r = record(pfd, base, w)) < 0)
			return r;
	}
	return 0;
}

int engine__owners_apply(int rootfd, const engine__owners *o)
{
	struct pass p = {rootfd, o, false};
	engine__idmap m;
	int r;

	if ((r = engine__idmap_self(&m)) < 0)
		return r;
	if (!m.subuid_count)
		return give(&p) < 0 ? engine__error_wrap("record owners") : 0;
	p.mapped = true;
	return engine__idmap_run(&m, give, &p, "give owners through the subordinate ids");
}
