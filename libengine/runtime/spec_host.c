/*
 * engine_spec settings that give a container more of the host's kernel than
 * the default sandbox, as docker run's --sysctl, --group-add, --device,
 * --volumes-from, --cpuset-mems and --oom-kill-disable: the setters (each
 * value validated where it is given), their JSON in config.json (Docker's
 * HostConfig shapes), and what the plan makes of them. Only sysctls that
 * the container's own namespaces scope pass, and devices are host nodes the
 * device cgroup lets through one by one over Docker's policy, so neither
 * reaches beyond the container unless the caller named it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/error.h"
#include "runtime/lifecycle.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

#define CHECK_SPEC(s)                                                                                        \
	do {                                                                                                 \
		if (!(s))                                                                                    \
			return engine__error_set(ENGINE_EINVALID, 0, "spec is NULL");                        \
	} while (0)

void engine__spec_host_free(engine_spec *s)
{
	engine__strv_free(s->sysctls);
	engine__strv_free(s->group_add);
	engine__strv_free(s->devices);
	engine__strv_free(s->volumes_from);
	free(s->cpuset_mems);
	free(s->device_rules);
}

/* --- sysctls ------------------------------------------------------------ */

/* Docker's list (opts.ValidateSysctl): what an IPC namespace scopes, and the
 * network and POSIX message queue trees. */
static bool sysctl_namespaced(const char *dotted)
{
	static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb",	    "kernel.msgmni",
					  "kernel.sem",	   "kernel.shmall",	    "kernel.shmmax",
					  "kernel.shmmni", "kernel.shm_rmid_forced"};

	for (size_t i = 0; i < sizeof(ipc) / sizeof(ipc[0]); i++)
		if (strcmp(dotted, ipc[i]) == 0)
			return true;
	return strncmp(dotted, "net.", 4) == 0 || strncmp(dotted, "fs.mqueue.", 10) == 0;
}

/* Split "key=value" and check the key: dotted ("net.ipv4.ip_forward") or a
 * path below /proc/sys ("net/ipv4/conf/eth0.1/forwarding", dots then being
 * part of names), no empty, "." or ".." component. @dotted gets the key
 * with '/' as '.' (for the allow list), @path the path below /proc/sys. */
static int sysctl_parse(const char *item, char **dotted, char **path, const char **value)
{
	const char *eq = item ? strchr(item, '=') : NULL;
	size_t len = eq ? (size_t)(eq - item) : 0;
	cleanup_free char *d = NULL, *p = NULL;
	bool slashed;

	if (!eq || !len || strchr(eq + 1, '\n'))
		return engine__error_set(ENGINE_EINVALID, 0, "invalid sysctl \"%s\": expected key=value",
					 item ? item : "(null)");
	d = strndup(item, len);
	p = strndup(item, len);
	if (!d || !p)
		return engine__error_oom();
	slashed = strchr(p, '/') != NULL;
	if (strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./") != len)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid sysctl key \"%s\"", d);
	for (char *c = p; *c; c++)
		if (!slashed && *c == '.')
			*c = '/';
	for (char *c = d; *c; c++)
		if (*c == '/')
			*c = '.';
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return engine__error_set(ENGINE_EINVALID, 0, "invalid sysctl key \"%.*s\"", (int)len,
						 item);
		c += n;
		if (*c)
			c++;
		if (!*c && c[-1] == '/')
			return engine__error_set(ENGINE_EINVALID, 0, "invalid sysctl key \"%.*s\"", (int)len,
						 item);
	}
	if (!sysctl_namespaced(d))
		return engine__error_set(ENGINE_EINVALID, 0,
					 "sysctl \"%s\" is not allowed: only namespaced ones are (net.*, "
					 "fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*)",
					 d);
	*dotted = steal_ptr(d);
	*path = steal_ptr(p);
	*value = eq + 1;
	return 0;
}

ENGINE_EXTERN int engine_spec_add_sysctl(engine_spec *s, const char *sysctl)
{
	cleanup_free char *dotted = NULL, *path = NULL;
	const char *value;
	int r;

	CHECK_SPEC(s);
	if ((r = sysctl_parse(sysctl, &dotted, &path, &value)) < 0)
		return r;
	return engine__strv_push(&s->sysctls, sysctl);
}

/* --- groups, cpuset, OOM ------------------------------------------------ */

ENGINE_EXTERN int engine_spec_add_group(engine_spec *s, const char *group)
{
	CHECK_SPEC(s);
	if (!group || !*group || strpbrk(group, ":\n,") || strlen(group) > 256)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid group \"%s\"",
					 group ? group : "(null)");
	return engine__strv_push(&s->group_add, group);
}

/* Whether each node of the list @want ("0-1,3") is in @have; false when
 * @want is malformed. */
static bool list_within(const char *want, const char *have)
{
	for (const char *w = want; *w;) {
		char *end;
		unsigned long a = strtoul(w, &end, 10), b = a;
		bool in = false;

		if (end == w)
			return false;
		if (*end == '-' && (b = strtoul(end + 1, &end, 10), b < a))
			return false;
		for (unsigned long n = a; n <= b && n - a < 4096; n++) {
			in = false;
			for (const char *h = have; *h && !in;) {
				char *he;
				unsigned long x = strtoul(h, &he, 10), y = x;

				if (he == h)
					break;
				if (*he == '-')
					y = strtoul(he + 1, &he, 10);
				in = n >= x && n <= y;
				h = *he == ',' ? he + 1 : he + strlen(he);
			}
			if (!in)
				return false;
		}
		if (*end && *end != ',')
			return false;
		w = *end ? end + 1 : end;
	}
	return true;
}

ENGINE_EXTERN int engine_spec_set_cpuset_mems(engine_spec *s, const char *mems)
{
	cleanup_free char *online = NULL;
	char *copy = NULL;
	FILE *f;

	CHECK_SPEC(s);
	if (mems && (!*mems || strspn(mems, "0123456789,-") != strlen(mems) || !list_within(mems, mems)))
		return engine__error_set(ENGINE_EINVALID, 0, "invalid value \"%s\" for cpuset mems", mems);
	/* dockerd's check against the host's memory nodes, where it can tell */
	if (mems && (f = fopen("/sys/devices/system/node/online", "re"))) {
		size_t cap = 0;
		ssize_t n = getline(&online, &cap, f);

		fclose(f);
		if (n > 0) {
			online[strcspn(online, "\n")] = '\0';
			if (!list_within(mems, online))
				return engine__error_set(
				    ENGINE_EINVALID, 0,
				    "Requested memory nodes are not available - requested "
				    "%s, available: %s",
				    mems, online);
		}
	}
	if (mems && !(copy = strdup(mems)))
		return engine__error_oom();
	free(s->cpuset_mems);
	s->cpuset_mems = copy;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_oom_kill_disable(engine_spec *s, int disable)
{
	CHECK_SPEC(s);
	s->oom_kill_disable = disable != 0;
	return 0;
}

/* --- devices ------------------------------------------------------------ */

static bool valid_perms(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > 3 || strspn(p, "rwm") != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strchr(p + i + 1, p[i]))
			return false;
	return true;
}

static bool clean_dev_path(const char *p)
{
	if (strncmp(p, "/dev/", 5) != 0 || !p[5] || strstr(p, "//") || p[strlen(p) - 1] == '/')
		return false;
	for (const char *c = p + 1; *c;) {
		size_t n = strcspn(c, "/");

		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n + (c[n] == '/');
	}
	return true;
}

/* Docker's parseDevice: "host", "host:perms", "host:ctr", "host:ctr:perms". */
static int device_parse(const char *spec, char **host, char **ctr, char perms[4])
{
	cleanup_free char *copy = spec ? strdup(spec) : NULL;
	char *part[4] = {NULL};
	size_t n = 0;

	if (!copy)
		return spec ? engine__error_oom() : engine__error_set(ENGINE_EINVALID, 0, "device is NULL");
	for (char *save = NULL, *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
		if (n < 4)
			part[n++] = t;
	if (n == 0 || n > 3 || part[0][0] != '/')
		return engine__error_set(ENGINE_EINVALID, 0, "invalid device specification: %s", spec);
	snprintf(perms, 4, "rwm");
	if (n == 3) {
		if (!valid_perms(part[2]))
			return engine__error_set(ENGINE_EINVALID, 0, "invalid device specification: %s",
						 spec);
		snprintf(perms, 4, "%s", part[2]);
	} else if (n == 2 && valid_perms(part[1])) {
		snprintf(perms, 4, "%s", part[1]);
		part[1] = NULL;
	}
	if (n >= 2 && part[1] && part[1][0] != '/')
		return engine__error_set(ENGINE_EINVALID, 0, "invalid device specification: %s", spec);
	if (!clean_dev_path(part[1] ? part[1] : part[0]))
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "device %s: the path in the container must be a clean path under /dev", spec);
	*host = strdup(part[0]);
	*ctr = strdup(part[1] ? part[1] : part[0]);
	if (!*host || !*ctr) {
		free(*host);
		free(*ctr);
		return engine__error_oom();
	}
	return 0;
}

/* stat(2) a host device, following links as Docker does (/dev/disk/by-id/...). */
static int device_stat(const char *host, struct stat *st)
{
	/* Go's words for ENOENT, as dockerd (the Docker CLI reads them as exit 127) */
	if (stat(host, st) < 0 && errno == ENOENT)
		return engine__error_set(ENGINE_ENOTFOUND, ENOENT,
					 "error gathering device information while adding custom device "
					 "\"%s\": no such file or directory",
					 host);
	if (stat(host, st) < 0)
		return engine__error_errno(
		    errno, "error gathering device information while adding custom device \"%s\"", host);
	if (!S_ISCHR(st->st_mode) && !S_ISBLK(st->st_mode))
		return engine__error_set(ENGINE_EINVALID, 0, "%s is not a character or block device", host);
	return 0;
}

/* Docker's policy (deny all, then its defaults) and one rule per device. A
 * device gone since it was added gets no rule: its start fails anyway. */
static int rebuild_rules(engine_spec *s)
{
	size_t n = engine__strv_len(s->devices), k;
	engine__cgroup_device_rule *r;

	free(s->device_rules);
	s->device_rules = NULL;
	s->n_device_rules = 0;
	if (!n)
		return 0;
	r = calloc(n + 65, sizeof(*r));
	if (!r)
		return engine__error_oom();
	r[0] = (engine__cgroup_device_rule){false, 'a', -1, -1, "rwm"};
	k = 1 + engine__cgroup_default_device_rules(r + 1, 64);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *host = NULL, *ctr = NULL;
		char perms[4];
		struct stat st;

		if (device_parse(s->devices[i], &host, &ctr, perms) < 0 || stat(host, &st) < 0 ||
		    (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))) {
			engine_error_clear();
			continue;
		}
		r[k] = (engine__cgroup_device_rule){true, S_ISCHR(st.st_mode) ? 'c' : 'b', major(st.st_rdev),
						    minor(st.st_rdev), ""};
		snprintf(r[k].access, sizeof(r[k].access), "%s", perms);
		k++;
	}
	s->device_rules = r;
	s->n_device_rules = k;
	return 0;
}

ENGINE_EXTERN int engine_spec_add_device(engine_spec *s, const char *device)
{
	cleanup_free char *host = NULL, *ctr = NULL, *item = NULL;
	char perms[4];
	struct stat st;
	int r;

	CHECK_SPEC(s);
	if ((r = device_parse(device, &host, &ctr, perms)) < 0 || (r = device_stat(host, &st)) < 0)
		return r;
	item = engine__strdup_printf("%s:%s:%s", host, ctr, perms);
	if (!item || engine__strv_push(&s->devices, item) < 0)
		return engine__error_oom();
	return rebuild_rules(s);
}

/* --- volumes from another container ------------------------------------- */

ENGINE_EXTERN int engine_spec_add_volumes_from(engine_spec *s, const char *from)
{
	const char *colon = from ? strchr(from, ':') : NULL;

	CHECK_SPEC(s);
	if (!from || !*from || colon == from ||
	    (colon && strcmp(colon, ":ro") != 0 && strcmp(colon, ":rw") != 0 && strcmp(colon, ":z") != 0 &&
	     strcmp(colon, ":Z") != 0))
		return engine__error_set(ENGINE_EINVALID, 0,
					 "invalid volumes-from \"%s\": expected NAME[:ro|rw]",
					 from ? from : "(null)");
	return engine__strv_push(&s->volumes_from, from);
}

static bool has_dst(const engine_spec *s, const char *dst)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (strcmp(s->mounts[i].dst, dst) == 0)
			return true;
	return false;
}

int engine__spec_volumes_from_resolve(engine_context *ctx, engine_spec *s)
{
	/* --link's container must be there (its address is looked up at each start) */
	for (size_t i = 0; s->links && s->links[i]; i++) {
		cleanup_free char *name = strndup(s->links[i], strcspn(s->links[i], ":"));
		engine_container *c = NULL;

		if (!name)
			return engine__error_oom();
		if (engine_container_open(ctx, name, &c) < 0)
			return engine__error_set(ENGINE_ENOTFOUND, 0, "could not get container for %s", name);
		engine_container_free(c);
	}
	for (size_t i = 0; s->volumes_from && s->volumes_from[i]; i++) {
		cleanup_free char *name = strdup(s->volumes_from[i]);
		engine_container *c = NULL;
		char *mode;
		int r = 0;

		if (!name)
			return engine__error_oom();
		mode = strchr(name, ':');
		if (mode)
			*mode++ = '\0';
		if (engine_container_open(ctx, name, &c) < 0)
			return engine__error_wrap("volumes-from %s", name);
		for (size_t j = 0; r == 0 && j < c->spec->n_mounts; j++) {
			const engine__mount *m = &c->spec->mounts[j];
			engine__mount t = {.dst = m->dst, .read_only = m->read_only};

			/* A tmpfs of its own is no volume to share (Docker's MountPoints). */
			if ((m->tmpfs && !m->is_volume) || has_dst(s, m->dst))
				continue;
			if (mode && strcmp(mode, "ro") == 0)
				t.read_only = true;
			else if (mode && strcmp(mode, "rw") == 0)
				t.read_only = false;
			if (m->is_volume) {
				/* The volume by name: a reference of this container's,
				 * its content as it is (no copy-up). */
				t.volume = m->volume;
				t.is_volume = true;
				t.nocopy = true;
			} else {
				t.src = m->src;
			}
			r = engine__spec_push_mount(s, &t);
		}
		engine_container_free(c);
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- JSON ----------------------------------------------------------------- */

int engine__spec_host_to_json(const engine_spec *s, json_object *o)
{
	if (engine__spec_add_strv(o, "GroupAdd", s->group_add) < 0 ||
	    engine__spec_add_strv(o, "VolumesFrom", s->volumes_from) < 0 ||
	    engine__json_add_string(o, "CpusetMems", s->cpuset_mems) < 0)
		return ENGINE_ENOMEM;
	if (s->oom_kill_disable)
		json_object_object_add(o, "OomKillDisable", json_object_new_boolean(true));
	if (s->sysctls) {
		json_object *m = json_object_new_object();

		json_object_object_add(o, "Sysctls", m);
		for (size_t i = 0; s->sysctls[i]; i++) {
			const char *eq = strchr(s->sysctls[i], '=');
			cleanup_free char *key = strndup(s->sysctls[i], (size_t)(eq - s->sysctls[i]));

			if (!key)
				return engine__error_oom();
			json_object_object_add(m, key, json_object_new_string(eq + 1));
		}
	}
	if (s->devices) {
		json_object *a = json_object_new_array();

		json_object_object_add(o, "Devices", a);
		for (size_t i = 0; s->devices[i]; i++) {
			cleanup_free char *host = NULL, *ctr = NULL;
			json_object *d;
			char perms[4];

			if (device_parse(s->devices[i], &host, &ctr, perms) < 0)
				return engine_error_last()->code;
			d = json_object_new_object();
			json_object_array_add(a, d);
			engine__json_add_string(d, "PathOnHost", host);
			engine__json_add_string(d, "PathInContainer", ctr);
			engine__json_add_string(d, "CgroupPermissions", perms);
		}
	}
	return 0;
}

int engine__spec_host_from_json(json_object *o, engine_spec *s)
{
	json_object *a;

	if (engine__spec_get_strv(o, "GroupAdd", &s->group_add) < 0 ||
	    engine__spec_get_strv(o, "VolumesFrom", &s->volumes_from) < 0)
		return ENGINE_ENOMEM;
	if (engine__json_get_string(o, "CpusetMems") &&
	    !(s->cpuset_mems = strdup(engine__json_get_string(o, "CpusetMems"))))
		return engine__error_oom();
	s->oom_kill_disable =
	    json_object_object_get_ex(o, "OomKillDisable", &a) && json_object_get_boolean(a);
	if ((a = engine__json_get_type(o, "Sysctls", json_type_object))) {
		json_object_object_foreach(a, k, v)
		{
			cleanup_free char *item =
			    engine__strdup_printf("%s=%s", k, json_object_get_string(v));

			if (!item || engine__strv_push(&s->sysctls, item) < 0)
				return engine__error_oom();
		}
	}
	a = engine__json_get_type(o, "Devices", json_type_array);
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *d = json_object_array_get_idx(a, i);
		cleanup_free char *item =
		    engine__strdup_printf("%s:%s:%s", engine__json_get_string(d, "PathOnHost") ?: "",
					  engine__json_get_string(d, "PathInContainer") ?: "",
					  engine__json_get_string(d, "CgroupPermissions") ?: "rwm");

		if (!item || engine__strv_push(&s->devices, item) < 0)
			return engine__error_oom();
	}
	return rebuild_rules(s);
}

/* --- the plan ------------------------------------------------------------- */

static int plan_sysctls(engine__plan *p, const engine_spec *s)
{
	size_t n = engine__strv_len(s->sysctls);

	if (!n)
		return 0;
	p->sysctl_paths = calloc(n + 1, sizeof(char *));
	p->sysctl_values = calloc(n + 1, sizeof(char *));
	if (!p->sysctl_paths || !p->sysctl_values)
		return engine__error_oom();
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *dotted = NULL, *path = NULL;
		const char *value;
		int r = sysctl_parse(s->sysctls[i], &dotted, &path, &value);

		if (r < 0)
			return r;
		/* The host's network namespace is not the container's to change. */
		if (s->net_host && strncmp(dotted, "net.", 4) == 0)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "sysctl \"%s\" is not allowed in the host network namespace",
						 dotted);
		p->sysctl_paths[i] = engine__strdup_printf("/proc/sys/%s", path);
		p->sysctl_values[i] = strdup(value);
		p->n_sysctl = i + 1;
		if (!p->sysctl_paths[i] || !p->sysctl_values[i])
			return engine__error_oom();
	}
	return 0;
}

static int plan_devices(engine__plan *p, const engine_spec *s)
{
	size_t n = engine__strv_len(s->devices);
	engine__host_device *grown;

	if (!n)
		return 0;
	if (p->rootless)
		return engine__error_set(ENGINE_ENOTSUP, 0,
					 "--device: a rootless engine cannot give a container host devices");
	grown = realloc(p->host_devices, (p->n_host_devices + n) * sizeof(*grown));
	if (!grown)
		return engine__error_oom();
	p->host_devices = grown;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *host = NULL, *ctr = NULL;
		char perms[4];
		struct stat st;
		int r;

		if ((r = device_parse(s->devices[i], &host, &ctr, perms)) < 0 ||
		    (r = device_stat(host, &st)) < 0)
			return r;
		p->host_devices[p->n_host_devices++] =
		    (engine__host_device){steal_ptr(ctr), st.st_mode, st.st_rdev, st.st_uid, st.st_gid};
	}
	return 0;
}

int engine__plan_host(engine__plan *p, const engine_spec *s, char *const *layers, const char *cdir)
{
	int r;

	if ((r = plan_sysctls(p, s)) < 0 || (r = plan_devices(p, s)) < 0)
		return r;
	for (size_t i = 0; s->group_add && s->group_add[i]; i++) {
		gid_t gid, *grown;
		bool seen = false;

		if ((r = engine__group_resolve(layers, cdir, s->group_add[i], &gid)) < 0)
			return r;
		for (size_t j = 0; j < p->n_groups; j++)
			seen = seen || p->groups[j] == gid;
		if (seen)
			continue;
		grown = realloc(p->groups, (p->n_groups + 1) * sizeof(gid_t));
		if (!grown)
			return engine__error_oom();
		p->groups = grown;
		p->groups[p->n_groups++] = gid;
	}
	return 0;
}
