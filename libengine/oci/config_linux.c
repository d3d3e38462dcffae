/*
 * config.json's "linux" object: namespaces (new, or joined by path), uid
 * and gid mappings, devices, cgroupsPath and resources, sysctl, masked and
 * read-only paths, rootfsPropagation, personality and timeOffsets. The
 * fields this runtime cannot honour (intelRdt, memoryPolicy, netDevices,
 * SELinux mount labels without SELinux) are errors naming the field.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/error.h"
#include "oci/oci_config.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const char *const linux_keys[] = {
    "namespaces",  "uidMappings",	"gidMappings", "timeOffsets", "devices",      "netDevices",
    "cgroupsPath", "rootfsPropagation", "resources",   "intelRdt",    "sysctl",	      "seccomp",
    "maskedPaths", "readonlyPaths",	"mountLabel",  "personality", "memoryPolicy", NULL};
static const char *const ns_keys[] = {"type", "path", NULL};
static const char *const map_keys[] = {"containerID", "hostID", "size", NULL};
static const char *const dev_keys[] = {"type", "path", "major", "minor", "fileMode", "uid", "gid", NULL};
static const char *const pers_keys[] = {"domain", "flags", NULL};
static const char *const toff_keys[] = {"secs", "nanosecs", NULL};

static const struct {
	const char *name;
	int flag;
} ns_types[] = {
    {"pid", CLONE_NEWPID}, {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},	   {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS}, {"user", CLONE_NEWUSER},   {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

static int parse_namespaces(engine__oci_bundle *b, json_object *list)
{
	unsigned long seen = 0;
	size_t n = list ? json_object_array_length(list) : 0;

	b->host_cgroupns = true;
	for (size_t i = 0; i < n; i++) {
		json_object *j = json_object_array_get_idx(list, i);
		const char *type = engine__json_get_string(j, "type"),
			   *path = engine__json_get_string(j, "path");
		char where[40];
		size_t k;
		int r, fd;

		snprintf(where, sizeof(where), "linux.namespaces[%zu]", i);
		if ((r = engine__oci_check_keys(j, where, ns_keys)) < 0)
			return r;
		for (k = 0; type && k < sizeof(ns_types) / sizeof(ns_types[0]); k++)
			if (strcmp(ns_types[k].name, type) == 0)
				break;
		if (!type || k == sizeof(ns_types) / sizeof(ns_types[0]))
			return engine__error_set(ENGINE_EINVALID, 0, "config.json: %s.type \"%s\": unknown",
						 where, type ? type : "");
		if (seen & (unsigned long)ns_types[k].flag)
			return engine__error_set(
			    ENGINE_EINVALID, 0, "config.json: %s: namespace \"%s\" given twice", where, type);
		seen |= (unsigned long)ns_types[k].flag;
		if (ns_types[k].flag == CLONE_NEWUTS)
			b->ns_uts = true;
		if (!path || !*path) {
			b->ns_new |= (unsigned long)ns_types[k].flag;
			continue;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return engine__error_errno(errno, "config.json: %s.path \"%s\"", where, path);
		if (ns_types[k].flag == CLONE_NEWPID) {
			b->pidns_fd = fd;
		} else if (ns_types[k].flag == CLONE_NEWUSER) {
			b->oci.userns_fd = fd;
		} else {
			b->oci.ns[b->oci.n_ns].type = ns_types[k].flag;
			b->oci.ns[b->oci.n_ns++].fd = fd;
		}
		if (ns_types[k].flag == CLONE_NEWCGROUP)
			b->host_cgroupns = false;
	}
	if (!(seen & CLONE_NEWNS))
		return engine__error_set(ENGINE_ENOTSUP, 0,
					 "config.json: linux.namespaces: a mount namespace is required");
	if (b->ns_new & CLONE_NEWCGROUP) {
		b->plan->new_cgroupns = true;
		b->host_cgroupns = false;
	}
	b->plan->clone_flags =
	    b->ns_new & (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET);
	b->plan->net_none = (b->ns_new & CLONE_NEWNET) != 0;
	b->oci.new_timens = (b->ns_new & CLONE_NEWTIME) != 0;
	return 0;
}

static int parse_maps(engine__oci_bundle *b, json_object *list, const char *where, const char **out)
{
	cleanup_free char *text = strdup("");
	size_t n = list ? json_object_array_length(list) : 0;
	int r;

	if (!text)
		return engine__error_oom();
	for (size_t i = 0; i < n; i++) {
		json_object *j = json_object_array_get_idx(list, i);
		char *grown;

		if ((r = engine__oci_check_keys(j, where, map_keys)) < 0)
			return r;
		grown = engine__strdup_printf("%s%lld %lld %lld\n", text,
					      (long long)engine__json_get_int(j, "containerID", 0),
					      (long long)engine__json_get_int(j, "hostID", 0),
					      (long long)engine__json_get_int(j, "size", 0));
		if (!grown)
			return ENGINE_ENOMEM;
		free(text);
		text = grown;
	}
	if (n && !(*out = engine__oci_keep(b, steal_ptr(text))))
		return ENGINE_ENOMEM;
	return 0;
}

static int parse_devices(engine__oci_bundle *b, json_object *list)
{
	size_t n = list ? json_object_array_length(list) : 0;
	int r;

	b->oci.devices = calloc(n + 1, sizeof(*b->oci.devices));
	if (!b->oci.devices)
		return engine__error_oom();
	for (size_t i = 0; i < n; i++) {
		json_object *j = json_object_array_get_idx(list, i);
		const char *type = engine__json_get_string(j, "type"),
			   *path = engine__json_get_string(j, "path");
		engine__oci_device *d = &b->oci.devices[b->oci.n_devices];
		char where[48];
		mode_t kind;

		snprintf(where, sizeof(where), "linux.devices[%zu]", i);
		if ((r = engine__oci_check_keys(j, where, dev_keys)) < 0)
			return r;
		if (!path || path[0] != '/' || strstr(path, "/../") || !strrchr(path, '/')[1])
			return engine__error_set(ENGINE_EINVALID, 0,
						 "config.json: %s.path: want an absolute path", where);
		if (!type || strlen(type) != 1 || !strchr("cubp", type[0]))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "config.json: %s.type \"%s\": want c, u, b or p", where,
						 type ? type : "");
		kind = type[0] == 'b' ? S_IFBLK : type[0] == 'p' ? S_IFIFO : S_IFCHR;
		d->path = path;
		d->mode = kind | (mode_t)(engine__json_get_int(j, "fileMode", 0666) & 07777);
		d->dev = type[0] == 'p' ? 0
					: makedev((unsigned)engine__json_get_int(j, "major", 0),
						  (unsigned)engine__json_get_int(j, "minor", 0));
		d->uid = (uid_t)engine__json_get_int(j, "uid", 0);
		d->gid = (gid_t)engine__json_get_int(j, "gid", 0);
		b->oci.n_devices++;
	}
	return 0;
}

/* The device cgroup: the bundle's rules, then runc's allow list and the
 * bundle's own device nodes (runc adds both). */
static int device_rules(engine__oci_bundle *b)
{
	engine__cgroup_device_rule *rules = NULL;
	size_t n = b->limits.n_device_rules, cap = n + 16 + b->oci.n_devices;

	rules = calloc(cap, sizeof(*rules));
	if (!rules)
		return engine__error_oom();
	if (n)
		memcpy(rules, b->limits.device_rules, n * sizeof(*rules));
	free((void *)b->limits.device_rules);
	n += engine__cgroup_default_device_rules(rules + n, 16);
	for (size_t i = 0; i < b->oci.n_devices; i++) {
		const engine__oci_device *d = &b->oci.devices[i];

		if (S_ISFIFO(d->mode))
			continue;
		rules[n++] = (engine__cgroup_device_rule){true, S_ISBLK(d->mode) ? 'b' : 'c', major(d->dev),
							  minor(d->dev), "rwm"};
	}
	b->limits.device_rules = rules;
	b->limits.n_device_rules = n;
	return 0;
}

static int parse_sysctl(engine__oci_bundle *b, json_object *sysctl)
{
	size_t n = sysctl ? (size_t)json_object_object_length(sysctl) : 0, i = 0;
	const char **paths = calloc(n + 1, sizeof(char *)), **values = calloc(n + 1, sizeof(char *));

	b->oci.sysctl_paths = paths;
	b->oci.sysctl_values = values;
	if (!paths || !values)
		return engine__error_oom();
	if (!sysctl)
		return 0;
	json_object_object_foreach(sysctl, key, val)
	{
		char *path;

		if (!json_object_is_type(val, json_type_string))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "config.json: linux.sysctl.%s: want a string", key);
		if (!*key || strstr(key, "..") || strchr(key, '/') || key[0] == '.')
			return engine__error_set(ENGINE_EINVALID, 0,
						 "config.json: linux.sysctl: \"%s\": invalid name", key);
		if (!(path = engine__oci_keep(b, engine__strdup_printf("/proc/sys/%s", key))))
			return ENGINE_ENOMEM;
		for (char *c = path + 10; *c; c++)
			if (*c == '.')
				*c = '/';
		/* net.* belongs to the network namespace: the host's is not ours. */
		if (strncmp(key, "net.", 4) == 0 && !(b->ns_new & CLONE_NEWNET) && !b->oci.n_ns)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "config.json: linux.sysctl.%s: needs a network namespace",
						 key);
		paths[i] = path;
		values[i++] = json_object_get_string(val);
	}
	b->oci.n_sysctl = i;
	return 0;
}

static int path_list(json_object *arr, const char *where, char ***out)
{
	int r;

	if (!arr)
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return engine__error_set(ENGINE_EINVALID, 0, "config.json: %s: want an array", where);
	if ((r = engine__json_to_strv(arr, out)) < 0)
		return r;
	for (size_t i = 0; (*out)[i]; i++)
		if ((*out)[i][0] != '/')
			return engine__error_set(ENGINE_EINVALID, 0,
						 "config.json: %s[%zu]: want an absolute path", where, i);
	return 0;
}

static int parse_time_offsets(engine__oci_bundle *b, json_object *offs)
{
	cleanup_free char *text = strdup("");
	int r;

	if (!offs)
		return 0;
	if (!b->oci.new_timens)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "config.json: linux.timeOffsets: needs a new time namespace");
	if (!text)
		return engine__error_oom();
	json_object_object_foreach(offs, clock, val)
	{
		char *grown;

		if (strcmp(clock, "monotonic") != 0 && strcmp(clock, "boottime") != 0)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "config.json: linux.timeOffsets.%s: unknown clock", clock);
		if ((r = engine__oci_check_keys(val, "linux.timeOffsets", toff_keys)) < 0)
			return r;
		grown = engine__strdup_printf("%s%s %lld %lld\n", text, clock,
					      (long long)engine__json_get_int(val, "secs", 0),
					      (long long)engine__json_get_int(val, "nanosecs", 0));
		if (!grown)
			return ENGINE_ENOMEM;
		free(text);
		text = grown;
	}
	if (!(b->oci.timens_offsets = engine__oci_keep(b, steal_ptr(text))))
		return ENGINE_ENOMEM;
	return 0;
}

int engine__oci_linux(engine_context *ctx, engine__oci_bundle *b, json_object *lx)
{
	static const char *const unsupported[] = {"intelRdt", "memoryPolicy", "netDevices", NULL};
	const char *s;
	json_object *j;
	engine__cgroup_device_rule *rules = NULL;
	int r;

	(void)ctx;
	if (!lx)
		return engine__error_set(ENGINE_EINVALID, 0, "config.json: linux: missing");
	if ((r = engine__oci_check_keys(lx, "linux", linux_keys)) < 0)
		return r;
	for (size_t i = 0; unsupported[i]; i++)
		if (json_object_object_get_ex(lx, unsupported[i], NULL))
			return engine__error_set(ENGINE_ENOTSUP, 0, "config.json: linux.%s: not supported",
						 unsupported[i]);
	if ((s = engine__json_get_string(lx, "mountLabel")) && *s &&
	    access("/sys/fs/selinux/enforce", F_OK) < 0)
		return engine__error_set(
		    ENGINE_ENOTSUP, 0,
		    "config.json: linux.mountLabel \"%s\": SELinux is not enabled on this host", s);
	if ((r = parse_namespaces(b, engine__json_get_type(lx, "namespaces", json_type_array))) < 0)
		return r;
	if ((r = parse_maps(b, engine__json_get_type(lx, "uidMappings", json_type_array), "linux.uidMappings",
			    &b->oci.uid_map)) < 0 ||
	    (r = parse_maps(b, engine__json_get_type(lx, "gidMappings", json_type_array), "linux.gidMappings",
			    &b->oci.gid_map)) < 0)
		return r;
	if (b->ns_new & CLONE_NEWUSER) {
		if (!b->oci.uid_map || !b->oci.gid_map)
			return engine__error_set(
			    ENGINE_EINVALID, 0,
			    "config.json: linux.uidMappings/gidMappings: a new user namespace "
			    "needs both");
		b->plan->userns_count = 1; /* the maps are oci.uid_map/gid_map */
	} else if (b->oci.uid_map || b->oci.gid_map) {
		return engine__error_set(ENGINE_EINVALID, 0,
					 "config.json: linux.uidMappings: needs a new user namespace");
	}
	if ((r = parse_time_offsets(b, engine__json_get_type(lx, "timeOffsets", json_type_object))) < 0)
		return r;
	if ((r = parse_devices(b, engine__json_get_type(lx, "devices", json_type_array))) < 0)
		return r;
	b->cgroups_path = engine__json_get_string(lx, "cgroupsPath");
	b->resources = json_object_object_get(lx, "resources");
	if ((r = engine__oci_limits(b->resources, &b->limits, &rules)) < 0)
		return r;
	b->limits.device_rules = rules;
	if ((r = device_rules(b)) < 0)
		return r;
	if ((r = parse_sysctl(b, engine__json_get_type(lx, "sysctl", json_type_object))) < 0)
		return r;
	if ((r = path_list(json_object_object_get(lx, "maskedPaths"), "linux.maskedPaths", &b->masked)) < 0 ||
	    (r = path_list(json_object_object_get(lx, "readonlyPaths"), "linux.readonlyPaths",
			   &b->readonly)) < 0)
		return r;
	b->plan->masked = (const char *const *)b->masked;
	b->plan->readonly = (const char *const *)b->readonly;
	if ((s = engine__json_get_string(lx, "rootfsPropagation")) && *s &&
	    engine__oci_propagation(s, &b->oci.rootfs_propagation) < 0)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "config.json: linux.rootfsPropagation \"%s\": unknown", s);
	if ((j = engine__json_get_type(lx, "personality", json_type_object))) {
		json_object *flags = engine__json_get_type(j, "flags", json_type_array);

		if ((r = engine__oci_check_keys(j, "linux.personality", pers_keys)) < 0)
			return r;
		s = engine__json_get_string(j, "domain");
		if (!s || (strcmp(s, "LINUX") != 0 && strcmp(s, "LINUX32") != 0))
			return engine__error_set(
			    ENGINE_EINVALID, 0,
			    "config.json: linux.personality.domain \"%s\": want LINUX or LINUX32",
			    s ? s : "");
		if (flags && json_object_array_length(flags))
			return engine__error_set(ENGINE_ENOTSUP, 0,
						 "config.json: linux.personality.flags: not supported");
		b->oci.has_personality = true;
		b->oci.personality = strcmp(s, "LINUX32") == 0 ? PER_LINUX32 : PER_LINUX;
	}
	return 0;
}
