/*
 * The parent image as COPY/ADD/WORKDIR see it without mounting it: a path
 * looked up through the layer directories (top first, overlay whiteouts
 * hiding what is below), symlinks resolved inside the image's root, and
 * --chown names read from the image's /etc/passwd and /etc/group — all
 * through the layer view (util/layers.h), which never leaves the layers.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builder/step_copy.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/layers.h"

/* /etc/passwd and /etc/group are read whole, up to this size. */
#define USERDB_MAX_BYTES (32u << 20)

static void layers_freep(engine__layers **l)
{
	engine__layers_free(*l);
}

/* @layers come lowest first, as the image lists them. */
static int lookup(char *const *layers, const char *path, bool follow, engine__layers_entry *e)
{
	__attribute__((cleanup(layers_freep))) engine__layers *view = NULL;
	int r = engine__layers_open(layers, false, &view);

	return r < 0 ? r : engine__layers_lookup(view, path, follow, e);
}

int engine__image_path_stat(char *const *layers, const char *path, struct stat *st)
{
	engine__layers_entry e;
	int r = lookup(layers, path, false, &e);

	if (r == 1)
		*st = e.st;
	engine__layers_entry_clear(&e);
	if (r < 0)
		return r;
	return r == 1 ? 0 : ENGINE_ENOTFOUND;
}

int engine__image_path_resolve(char *const *layers, const char *path, char **out)
{
	engine__layers_entry e;
	int r = lookup(layers, path, true, &e);

	if (r < 0)
		return r;
	*out = steal_ptr(e.path);
	engine__layers_entry_clear(&e);
	return *out ? 0 : engine__error_oom();
}

/* Field 3 (the id) of the /etc/passwd or /etc/group line named @name; for
 * passwd, the primary group (field 4) too. */
static int lookup_db(char *const *layers, const char *db, const char *name, long *id, long *gid)
{
	__attribute__((cleanup(layers_freep))) engine__layers *view = NULL;
	cleanup_free char *data = NULL;
	const char *what = strcmp(db, "/etc/passwd") == 0 ? "user" : "group";
	size_t nl = strlen(name);
	int r = engine__layers_open(layers, false, &view);

	if (r == 0)
		r = engine__layers_read(view, db, USERDB_MAX_BYTES, &data, NULL);
	if (r == ENGINE_ENOTFOUND) {
		engine_error_clear();
		return engine__error_set(ENGINE_ENOTFOUND, 0, "unable to find %s \"%s\": no %s in the image",
					 what, name, db);
	}
	if (r < 0)
		return engine__error_wrap("unable to find %s \"%s\"", what, name);
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
	return engine__error_set(ENGINE_ENOTFOUND, 0, "unable to find %s \"%s\" in %s", what, name, db);
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
