/*
 * The parent image as COPY/ADD/WORKDIR see it without mounting it: a path
 * looked up through the layer directories (top first, overlay whiteouts
 * hiding what is below), symlinks resolved inside the image's root, and
 * --chown names read from the image's /etc/passwd and /etc/group.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "builder/step_copy.h"
#include "builder/sbuf.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/strv.h"

static const char *layer_of(char *const *layers, const char *path, struct stat *st);

int engine__image_path_stat(char *const *layers, const char *path, struct stat *st)
{
	return layer_of(layers, path, st) ? 0 : ENGINE_ENOTFOUND;
}

static char *image_file(char *const *layers, const char *path)
{
	size_t n = engine__strv_len(layers);

	for (size_t i = n; i-- > 0;) {
		char *p = engine__path_join(layers[i], path);
		struct stat st;

		if (p && lstat(p, &st) == 0 && S_ISREG(st.st_mode))
			return p;
		free(p);
	}
	return NULL;
}

/* Field 3 (the id) of the /etc/passwd or /etc/group line named @name; for
 * passwd, the primary group (field 4) too. */
static int lookup_db(char *const *layers, const char *db, const char *name, long *id, long *gid)
{
	cleanup_free char *path = image_file(layers, db), *data = NULL;
	size_t nl = strlen(name);

	if (!path || engine__read_file(path, &data, NULL) < 0) {
		engine_error_clear();
		return engine__error_set(ENGINE_ENOTFOUND, 0, "unable to find %s \"%s\": no %s in the image",
					 strcmp(db, "/etc/passwd") == 0 ? "user" : "group", name, db);
	}
	for (char *line = data; line && *line;) {
		char *next = strchr(line, '\n');

		if (next)
			*next++ = '\0';
		if (strncmp(line, name, nl) == 0 && line[nl] == ':') {
			char *f = strchr(line + nl + 1, ':'); /* after the password */

			if (f) {
				*id = strtol(f + 1, &f, 10);
				if (gid && f && *f == ':')
					*gid = strtol(f + 1, NULL, 10);
				return 0;
			}
		}
		line = next;
	}
	return engine__error_set(ENGINE_ENOTFOUND, 0, "unable to find %s \"%s\" in %s",
				 strcmp(db, "/etc/passwd") == 0 ? "user" : "group", name, db);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int engine__chown_resolve(char *const *layers, const char *spec, uid_t *uid, gid_t *gid)
{
	const char *colon = strchr(spec, ':');
	cleanup_free char *user = colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
	const char *group = colon ? colon + 1 : user;
	long u = 0, g = 0, ug = -1;
	int r;

	if (!user)
		return engine__error_oom();
	if (!*user || !*group)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid --chown \"%s\"", spec);
	if (all_digits(user))
		u = strtol(user, NULL, 10);
	else if ((r = lookup_db(layers, "/etc/passwd", user, &u, &ug)) < 0)
		return engine__error_wrap("--chown %s", spec);
	/* Like Docker, "--chown=name" uses the group of the same name. */
	if (all_digits(group))
		g = strtol(group, NULL, 10);
	else if ((r = lookup_db(layers, "/etc/group", group, &g, NULL)) < 0)
		return engine__error_wrap("--chown %s", spec);
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

/* The layer directory holding @path's topmost version (borrowed), or NULL. */
static const char *layer_of(char *const *layers, const char *path, struct stat *st)
{
	size_t n = engine__strv_len(layers);

	for (size_t i = n; i-- > 0;) {
		cleanup_free char *p = engine__path_join(layers[i], path);

		if (p && lstat(p, st) == 0)
			return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0) ? NULL : layers[i];
	}
	return NULL;
}

int engine__image_path_resolve(char *const *layers, const char *path, char **out)
{
	cleanup_free char *rem = strdup(path);
	cleanup_sbuf engine__sbuf res = {0};
	int hops = 0;

	if (!rem)
		return engine__error_oom();
	while (*rem) {
		char *p = rem, *slash, *next;
		size_t keep = res.len;
		struct stat st;
		const char *layer;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		slash = strchr(p, '/');
		next = slash ? slash + 1 : p + strlen(p);
		if (slash)
			*slash = '\0';
		if (strcmp(p, ".") == 0) {
			memmove(rem, next, strlen(next) + 1);
			continue;
		}
		if (strcmp(p, "..") == 0) {
			while (res.len > 0 && res.s[res.len - 1] != '/')
				res.len--;
			if (res.len > 0)
				res.len--;
			res.s[res.len] = '\0';
			memmove(rem, next, strlen(next) + 1);
			continue;
		}
		if (engine__sbuf_addc(&res, '/') < 0 || engine__sbuf_add(&res, p) < 0)
			return ENGINE_ENOMEM;
		layer = layer_of(layers, res.s, &st);
		if (layer && S_ISLNK(st.st_mode)) {
			cleanup_free char *lp = engine__path_join(layer, res.s), *rest = NULL;
			char target[PATH_MAX];
			ssize_t tl;

			if (++hops > 40)
				return engine__error_set(ENGINE_EINVALID, ELOOP,
							 "%s: too many levels of symbolic links", path);
			tl = lp ? readlink(lp, target, sizeof(target) - 1) : -1;
			if (tl < 0)
				return engine__error_errno(errno, "readlink %s", res.s);
			target[tl] = '\0';
			/* Absolute targets restart at the image's root, never the host's. */
			res.len = target[0] == '/' ? 0 : keep;
			if (res.s)
				res.s[res.len] = '\0';
			rest = engine__strdup_printf("%s/%s", target, next);
			if (!rest)
				return ENGINE_ENOMEM;
			free(rem);
			rem = steal_ptr(rest);
			continue;
		}
		memmove(rem, next, strlen(next) + 1);
	}
	if (!res.len && engine__sbuf_addc(&res, '/') < 0)
		return ENGINE_ENOMEM;
	*out = engine__sbuf_steal(&res);
	return *out ? 0 : ENGINE_ENOMEM;
}
