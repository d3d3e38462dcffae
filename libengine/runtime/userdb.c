/*
 * User and group lookup in the container's /etc/passwd and /etc/group, done
 * in the parent by reading the files from the rootfs layers (topmost first)
 * through the layer view, which never leaves the layers (util/layers.h),
 * with runc's rules: "name" or "uid", optional ":group" or ":gid"; a numeric
 * uid missing from passwd runs with gid 0 and HOME "/"; supplementary groups
 * are the primary one (as dockerd sets them) and those whose member list
 * names the user.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/layers.h"
#include "util/str.h"
#include "util/strv.h"

/* passwd and group are read whole: bounded, so an image cannot make the
 * engine allocate without limit. */
#define USERDB_MAX_BYTES (32u << 20)

/* Read /etc/<name> of the merged rootfs (NULL when there is none). The
 * lookup is the layer view's: symlinks resolved inside the rootfs, only a
 * regular file read (a FIFO must not hang the engine), the size bounded. */
static int read_etc(engine__layers *view, const char *name, char **out)
{
	char path[32];
	int r;

	*out = NULL;
	snprintf(path, sizeof(path), "/etc/%s", name);
	r = engine__layers_read(view, path, USERDB_MAX_BYTES, out, NULL);
	if (r == ENGINE_ENOTFOUND) {
		engine_error_clear();
		return 0;
	}
	return r < 0 ? engine__error_wrap("user lookup") : 0;
}

static bool parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *out < 0xFFFFFFFFul;
}

/* Split one line into up to @max ':' fields, in place. */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

static int add_group(gid_t **groups, size_t *n, gid_t g)
{
	gid_t *grown;

	for (size_t i = 0; i < *n; i++)
		if ((*groups)[i] == g)
			return 0;
	grown = realloc(*groups, (*n + 1) * sizeof(gid_t));
	if (!grown)
		return engine__error_oom();
	grown[(*n)++] = g;
	*groups = grown;
	return 0;
}

int engine__user_resolve(char *const *dirs, const char *spec, uid_t *uid_out, gid_t *gid_out,
			 gid_t **groups_out, size_t *n_groups_out, char **home_out)
{
	cleanup_free char *copy = strdup(spec), *passwd = NULL, *group = NULL, *home = NULL;
	cleanup_free gid_t *groups = NULL;
	size_t n_groups = 0;
	char *user, *grp, *uname = NULL;
	unsigned long uid = 0, gid = 0, num;
	bool found = false, uid_numeric, r;
	engine__layers *view = NULL;
	int rc;

	if (!copy)
		return engine__error_oom();
	user = copy;
	grp = strchr(copy, ':');
	if (grp)
		*grp++ = '\0';
	if (!*user)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid user \"%s\"", spec);
	uid_numeric = parse_id(user, &uid);
	if ((rc = engine__layers_open(dirs, true, &view)) < 0)
		return rc;
	rc = read_etc(view, "passwd", &passwd);
	if (rc == 0)
		rc = read_etc(view, "group", &group);
	engine__layers_free(view);
	if (rc < 0)
		return rc;

	for (char *line = passwd, *next; line && *line; line = next) {
		char *f[7];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (split_fields(line, f, 7) < 7 || !parse_id(f[2], &num))
			continue;
		if (uid_numeric ? num == uid : strcmp(f[0], user) == 0) {
			unsigned long g;

			uid = num;
			if (parse_id(f[3], &g))
				gid = g;
			uname = f[0];
			home = strdup(f[5]);
			if (!home)
				return engine__error_oom();
			found = true;
			break;
		}
	}
	if (!found && !uid_numeric)
		return engine__error_set(ENGINE_ENOTFOUND, 0,
					 "unable to find user %s: no matching entries in passwd file", user);
	if (grp) {
		r = parse_id(grp, &gid);
		if (!r) {
			bool gfound = false;
			cleanup_free char *gcopy = group ? strdup(group) : NULL;

			for (char *line = gcopy, *next; line && *line; line = next) {
				char *f[4];

				next = strchr(line, '\n');
				if (next)
					*next++ = '\0';
				if (split_fields(line, f, 4) >= 3 && strcmp(f[0], grp) == 0 &&
				    parse_id(f[2], &gid)) {
					gfound = true;
					break;
				}
			}
			if (!gfound)
				return engine__error_set(
				    ENGINE_ENOTFOUND, 0,
				    "unable to find group %s: no matching entries in group file", grp);
		}
	}
	/* Supplementary groups: the primary group (dockerd puts it first in
	 * AdditionalGids), then every group listing the user by name unless
	 * the group was given (runc's rule). */
	if (add_group(&groups, &n_groups, (gid_t)gid) < 0)
		return engine_error_last()->code;
	for (char *line = uname && !grp ? group : NULL, *next; line && *line; line = next) {
		char *f[4];
		unsigned long g;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (split_fields(line, f, 4) < 4 || !parse_id(f[2], &g))
			continue;
		char *save = NULL;

		for (char *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
			if (strcmp(m, uname) == 0 && add_group(&groups, &n_groups, (gid_t)g) < 0)
				return engine_error_last()->code;
	}
	*uid_out = (uid_t)uid;
	*gid_out = (gid_t)gid;
	*groups_out = steal_ptr(groups);
	*n_groups_out = n_groups;
	if (home_out) {
		if (!home && !(home = strdup("/")))
			return engine__error_oom();
		*home_out = steal_ptr(home);
	}
	return 0;
}

int engine__group_resolve(char *const *layers, const char *cdir, const char *name, gid_t *out)
{
	cleanup_strv char **dirs = NULL;
	cleanup_free char *group = NULL;
	engine__layers *view = NULL;
	unsigned long gid;
	size_t n = engine__strv_len(layers);
	int rc;

	if (parse_id(name, &gid)) {
		*out = (gid_t)gid;
		return 0;
	}
	/* the container's writable layer over the image's, topmost first */
	if (engine__strv_push_take(&dirs, engine__path_join(cdir, "upper")) < 0)
		return ENGINE_ENOMEM;
	for (size_t i = n; i-- > 0;)
		if (engine__strv_push(&dirs, layers[i]) < 0)
			return ENGINE_ENOMEM;
	if ((rc = engine__layers_open(dirs, true, &view)) < 0)
		return rc;
	rc = read_etc(view, "group", &group);
	engine__layers_free(view);
	if (rc < 0)
		return rc;
	for (char *line = group, *next; line && *line; line = next) {
		char *f[4];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (split_fields(line, f, 4) >= 3 && strcmp(f[0], name) == 0 && parse_id(f[2], &gid)) {
			*out = (gid_t)gid;
			return 0;
		}
	}
	/* EINVALID: the setting is wrong for this image (ENOTFOUND at a start
	 * reads as a missing command to Docker's clients) */
	return engine__error_set(ENGINE_EINVALID, 0,
				 "unable to find group %s: no matching entries in group file", name);
}
