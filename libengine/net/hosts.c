/*
 * Name resolution without a daemon: every container on a bridge network
 * gets /etc/hosts bind-mounted from a file of ours (<root>/net/<id>/hosts).
 * On user-defined networks its tail lists the other containers there (name,
 * aliases, short ID); whoever joins or leaves a network rewrites that tail
 * in each peer's file, in place (the bind mount holds the inode), under the
 * state lock. libc and busybox read /etc/hosts on every lookup, so peers
 * resolve a container as soon as it starts and stop when it goes, with no
 * resolver process to keep alive - which is why this is not a DNS server.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "net/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

#define MARKER "# engine: containers on the same networks\n"
/* What is kept of a container's own lines in its hosts file. */
#define HOSTS_KEEP (1u << 20)

/* <root>/net/<id>, not the run dir: the container writes its hosts file
 * as it likes, and the run dir is a tmpfs (/run) the host needs; in the
 * store it costs what the container's own writable layer may cost. */
char *engine__net_run_dir(engine_context *ctx, const char *cid)
{
	cleanup_free char *dir = engine__context_path(ctx, ENGINE__NET_FILES_DIR);

	return dir ? engine__path_join(dir, cid) : NULL;
}

static bool on_network(json_object *eps, const char *cid, const char *netid)
{
	for (size_t i = 0; i < json_object_array_length(eps); i++) {
		json_object *ep = json_object_array_get_idx(eps, i);

		if (strcmp(engine__json_get_string(ep, "Container") ?: "", cid) == 0 &&
		    strcmp(engine__json_get_string(ep, "Network") ?: "", netid) == 0)
			return true;
	}
	return false;
}

/* @cid's --link entries ("name:alias"), from any endpoint of its. */
static json_object *links_of(json_object *eps, const char *cid)
{
	for (size_t i = 0; i < json_object_array_length(eps); i++) {
		json_object *ep = json_object_array_get_idx(eps, i);
		json_object *l = engine__json_get_type(ep, "Links", json_type_array);

		if (l && strcmp(engine__json_get_string(ep, "Container") ?: "", cid) == 0)
			return l;
	}
	return NULL;
}

/* " alias name" for each of @links naming the peer @other (by name or an
 * ID prefix), as Docker's legacy links write them; NULL when none does. */
static char *link_names(json_object *links, const char *other, const char *name)
{
	char *names = NULL;

	for (size_t k = 0; links && k < json_object_array_length(links); k++) {
		const char *l = json_object_get_string(json_object_array_get_idx(links, k));
		const char *colon = strchr(l, ':');
		size_t n = colon ? (size_t)(colon - l) : strlen(l);
		char *grown;

		if (l[0] == '/')
			l++, n--;
		if (!((name && strlen(name) == n && strncmp(name, l, n) == 0) ||
		      (n >= 12 && strncmp(other, l, n) == 0)))
			continue;
		grown = engine__strdup_printf("%s %s", names ? names : "", colon ? colon + 1 : "");
		free(names);
		names = grown;
		if (!names)
			return NULL;
	}
	return names;
}

/* The peer lines for @cid: every other endpoint on a user-defined network it
 * is on, and those on the default bridge it links to (--link). */
static int peer_lines(json_object *eps, const char *cid, char **out)
{
	json_object *links = links_of(eps, cid);

	for (size_t i = 0; i < json_object_array_length(eps); i++) {
		json_object *ep = json_object_array_get_idx(eps, i), *aliases;
		const char *other = engine__json_get_string(ep, "Container") ?: "";
		const char *net = engine__json_get_string(ep, "Network") ?: "";
		const char *name = engine__json_get_string(ep, "Name");
		cleanup_free char *names = NULL, *linked = NULL;

		if (strcmp(other, cid) == 0 || !on_network(eps, cid, net))
			continue;
		linked = link_names(links, other, name);
		if (!linked && json_object_get_boolean(json_object_object_get(ep, "Default")))
			continue;
		names = engine__strdup_printf("%s%s%.12s%s", name ? name : "", name ? " " : "", other,
					      linked ? linked : "");
		aliases = engine__json_get_type(ep, "Aliases", json_type_array);
		for (size_t k = 0; names && aliases && k < json_object_array_length(aliases); k++) {
			char *grown = engine__strdup_printf(
			    "%s %s", names, json_object_get_string(json_object_array_get_idx(aliases, k)));

			free(names);
			names = grown;
		}
		if (!names || engine__hosts_add(out, engine__json_get_string(ep, "IP") ?: "", names) < 0)
			return ENGINE_ENOMEM;
	}
	return 0;
}

/* The head of the container's hosts file, up to the last line that ends
 * within HOSTS_KEEP bytes. The container writes that file (a bind mount):
 * it can make it huge, or sparse and huge, and whoever joins a network it
 * is on reads it, so only that much is read and kept. */
static int read_head(const char *path, char **out)
{
	cleanup_close int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t got = 0;
	struct stat st;

	if (fd < 0)
		return engine__error_errno(errno, "open %s", path);
	if (fstat(fd, &st) < 0)
		return engine__error_errno(errno, "stat %s", path);
	if (!S_ISREG(st.st_mode))
		return engine__error_set(ENGINE_EINVALID, 0, "%s: not a regular file", path);
	if (!(buf = malloc(HOSTS_KEEP + 1)))
		return engine__error_oom();
	while (got < HOSTS_KEEP) {
		ssize_t n = read(fd, buf + got, HOSTS_KEEP - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return engine__error_errno(errno, "read %s", path);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (got == HOSTS_KEEP) {
		char *nl = memrchr(buf, '\n', got);

		*(nl ? nl + 1 : buf) = '\0';
	}
	/* a NUL inside ends it too: the rest is never written back */
	*out = steal_ptr(buf);
	return 0;
}

int engine__hosts_refresh(json_object *state, const char *cid, const char *path)
{
	json_object *eps = engine__net_state_endpoints(state);
	cleanup_free char *old = NULL, *peers = NULL, *content = NULL;
	cleanup_close int fd = -EBADF;
	char *cut;

	if (read_head(path, &old) < 0)
		return engine_error_last()->code;
	cut = strstr(old, MARKER);
	if (cut)
		*cut = '\0';
	if (peer_lines(eps, cid, &peers) < 0)
		return ENGINE_ENOMEM;
	content = engine__strdup_printf("%s%s%s", old, MARKER, peers ? peers : "");
	if (!content)
		return ENGINE_ENOMEM;
	/* In place: the container's /etc/hosts is a bind mount of this inode. */
	fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return engine__error_errno(errno, "open %s", path);
	return engine__write_all(fd, content, strlen(content));
}

void engine__hosts_refresh_peers(json_object *state, const char *cid, char *const *netids)
{
	json_object *eps = engine__net_state_endpoints(state);
	cleanup_strv char **done = engine__strv_dup(NULL);

	for (size_t i = 0; done && i < json_object_array_length(eps); i++) {
		json_object *ep = json_object_array_get_idx(eps, i);
		const char *other = engine__json_get_string(ep, "Container") ?: "";
		const char *net = engine__json_get_string(ep, "Network") ?: "";
		const char *hosts = engine__json_get_string(ep, "Hosts");
		bool shared = false, seen = false;

		for (size_t k = 0; netids && netids[k]; k++)
			shared = shared || strcmp(netids[k], net) == 0;
		for (size_t k = 0; done[k]; k++)
			seen = seen || strcmp(done[k], other) == 0;
		if (!shared || seen || !hosts || strcmp(other, cid) == 0)
			continue;
		engine__strv_push(&done, other);
		/* A peer that is going away may have lost its file: not our failure. */
		engine__hosts_refresh(state, other, hosts);
	}
	engine_error_clear();
}
