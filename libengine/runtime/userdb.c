/*
 * User and group lookup in the container's /etc/passwd and /etc/group, done
 * in the parent by reading the files from the rootfs layers (topmost first),
 * with runc's rules: "name" or "uid", optional ":group" or ":gid"; a numeric
 * uid missing from passwd runs with gid 0 and HOME "/"; supplementary groups
 * are those whose member list names the user.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Read "etc/<name>" from the topmost layer that has it (NULL when none). */
static int read_etc(char *const *dirs, const char *name, char **out)
{
	*out = NULL;
	for (size_t i = 0; dirs && dirs[i]; i++) {
		cleanup_close int dfd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		cleanup_close int fd = -EBADF;
		char rel[32];
		char *buf = NULL;
		size_t len = 0, cap = 0;

		if (dfd < 0)
			continue;
		snprintf(rel, sizeof(rel), "etc/%s", name);
		/* The file is container content: never follow its symlinks on the host. */
		fd = openat(dfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		for (;;) {
			ssize_t n;

			if (len + 4096 + 1 > cap) {
				char *g = realloc(buf, cap = cap ? cap * 2 : 8192);

				if (!g) {
					free(buf);
					return engine__error_oom();
				}
				buf = g;
			}
			n = read(fd, buf + len, cap - len - 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				free(buf);
				return engine__error_errno(errno, "read %s/%s", dirs[i], rel);
			}
			if (n == 0)
				break;
			len += (size_t)n;
		}
		buf[len] = '\0';
		*out = buf;
		return 0;
	}
	return 0;
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

	if (!copy)
		return engine__error_oom();
	user = copy;
	grp = strchr(copy, ':');
	if (grp)
		*grp++ = '\0';
	if (!*user)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid user \"%s\"", spec);
	uid_numeric = parse_id(user, &uid);
	if (read_etc(dirs, "passwd", &passwd) < 0 || read_etc(dirs, "group", &group) < 0)
		return engine_error_last()->code;

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
	/* Supplementary groups: every group listing the user by name. */
	for (char *line = uname ? group : NULL, *next; line && *line; line = next) {
		char *f[4];
		unsigned long g;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (split_fields(line, f, 4) < 4 || !parse_id(f[2], &g))
			continue;
		for (char *m = strtok(f[3], ","); m; m = strtok(NULL, ","))
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
