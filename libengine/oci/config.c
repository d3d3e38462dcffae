/*
 * config.json (runtime-spec 1.0 to 1.2, Linux) into the runtime's plan:
 * the top level, root, hostname, mounts (options split into MS_* flags,
 * propagation, recursive attributes and fs data) and annotations here;
 * the process in process.c, the linux object in config_linux.c. A field
 * the spec defines that this runtime cannot honour, or one it does not
 * know, is an error naming it: nothing is silently dropped.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "init/init.h"
#include "oci/oci.h"
#include "oci/oci_config.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mountopt.h"
#include "util/str.h"
#include "util/strv.h"

int engine__oci_check_keys(json_object *obj, const char *where, const char *const *known)
{
	if (!obj)
		return 0;
	if (!json_object_is_type(obj, json_type_object))
		return engine__error_set(ENGINE_EINVALID, 0, "config.json: %s: want an object", where);
	json_object_object_foreach(obj, key, val)
	{
		size_t i;

		(void)val;
		for (i = 0; known[i] && strcmp(known[i], key) != 0; i++)
			;
		if (!known[i])
			return engine__error_set(ENGINE_EINVALID, 0, "config.json: %s%s%s: unknown field",
						 where, *where ? "." : "", key);
	}
	return 0;
}

void engine__oci_bundle_free(engine__oci_bundle *b)
{
	if (!b)
		return;
	if (b->plan) {
		b->plan->oci = NULL;
		engine__plan_free(b->plan);
	}
	for (size_t i = 0; i < b->oci.n_ns; i++)
		if (b->oci.ns[i].fd >= 0)
			close(b->oci.ns[i].fd);
	if (b->oci.userns_fd >= 0)
		close(b->oci.userns_fd);
	if (b->pidns_fd >= 0)
		close(b->pidns_fd);
	free(b->oci.mounts);
	free(b->oci.cgmounts);
	free(b->oci.devices);
	free((void *)b->oci.sysctl_paths);
	free((void *)b->oci.sysctl_values);
	free((void *)b->limits.device_rules);
	engine__strv_free(b->masked);
	engine__strv_free(b->readonly);
	engine__strv_free(b->owned);
	free(b->bundle);
	free(b->rootfs);
	if (b->config)
		json_object_put(b->config);
	free(b);
}

char *engine__oci_keep(engine__oci_bundle *b, char *s)
{
	if (!s) {
		engine__error_oom();
		return NULL;
	}
	if (engine__strv_push_take(&b->owned, s) < 0)
		return NULL;
	return s;
}

/* --- mounts ---------------------------------------------------------------- */

static const struct prop_flag {
	const char *name;
	unsigned long flag;
} props[] = {
    {"private", MS_PRIVATE},	   {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},	   {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},	   {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* Recursive attributes (mount_setattr with AT_RECURSIVE). */
static const struct attr_flag {
	const char *name;
	bool clear;
	uint64_t attr;
} attrs[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", false, 0x00200000 /* MOUNT_ATTR_NOSYMFOLLOW */},
    {"rsymfollow", true, 0x00200000},
};

int engine__oci_propagation(const char *name, unsigned long *out)
{
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (strcmp(props[i].name, name) == 0) {
			*out = props[i].flag;
			return 0;
		}
	return -1;
}

static int mount_options(engine__oci_bundle *b, json_object *opts, const char *where, engine__oci_mount *m)
{
	size_t n = opts ? json_object_array_length(opts) : 0;
	cleanup_free char *data = NULL;

	for (size_t i = 0; i < n; i++) {
		const char *o = json_object_get_string(json_object_array_get_idx(opts, i));
		bool done = false, clear;
		unsigned long flag;

		if (!o || !*o)
			return engine__error_set(ENGINE_EINVALID, 0, "config.json: %s.options[%zu]: empty",
						 where, i);
		if (engine__mount_flag(o, &flag, &clear)) {
			if (clear)
				m->flags &= ~flag;
			else
				m->flags |= flag;
			done = true;
		}
		if (!done && engine__oci_propagation(o, &m->propagation) == 0)
			done = true;
		for (size_t k = 0; k < sizeof(attrs) / sizeof(attrs[0]) && !done; k++)
			if (strcmp(attrs[k].name, o) == 0) {
				if (attrs[k].clear)
					m->attr_clr |= attrs[k].attr, m->attr_set &= ~attrs[k].attr;
				else
					m->attr_set |= attrs[k].attr, m->attr_clr &= ~attrs[k].attr;
				done = true;
			}
		if (!done &&
		    (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0 || strcmp(o, "tmpcopyup") == 0))
			return engine__error_set(ENGINE_ENOTSUP, 0,
						 "config.json: %s.options: \"%s\": not supported", where, o);
		if (!done) {
			/* Everything else is the filesystem's own option ("mode=755"). */
			char *grown = engine__strdup_printf("%s%s%s", data ? data : "", data ? "," : "", o);

			if (!grown)
				return ENGINE_ENOMEM;
			free(data);
			data = grown;
		}
	}
	if (data && !(m->data = engine__oci_keep(b, steal_ptr(data))))
		return ENGINE_ENOMEM;
	return 0;
}

static const char *const mount_keys[] = {"destination", "source",      "type", "options",
					 "uidMappings", "gidMappings", NULL};

static int parse_mounts(engine__oci_bundle *b, json_object *mounts)
{
	size_t n = mounts ? json_object_array_length(mounts) : 0;

	if (mounts && !json_object_is_type(mounts, json_type_array))
		return engine__error_set(ENGINE_EINVALID, 0, "config.json: mounts: want an array");
	b->oci.mounts = calloc(n + 1, sizeof(*b->oci.mounts));
	if (!b->oci.mounts)
		return engine__error_oom();
	b->oci.default_devices = true;
	for (size_t i = 0; i < n; i++) {
		json_object *j = json_object_array_get_idx(mounts, i);
		engine__oci_mount *m = &b->oci.mounts[b->oci.n_mounts];
		char where[48];
		const char *dst, *src, *type;
		int r;

		snprintf(where, sizeof(where), "mounts[%zu]", i);
		if ((r = engine__oci_check_keys(j, where, mount_keys)) < 0)
			return r;
		if (json_object_object_get_ex(j, "uidMappings", NULL) ||
		    json_object_object_get_ex(j, "gidMappings", NULL))
			return engine__error_set(
			    ENGINE_ENOTSUP, 0, "config.json: %s.uidMappings: idmapped mounts: not supported",
			    where);
		dst = engine__json_get_string(j, "destination");
		src = engine__json_get_string(j, "source");
		type = engine__json_get_string(j, "type");
		if (!dst || dst[0] != '/')
			return engine__error_set(ENGINE_EINVALID, 0,
						 "config.json: %s.destination: want an absolute path", where);
		m->dst = dst;
		m->type = type && *type && strcmp(type, "bind") != 0 ? type : NULL;
		if ((r = mount_options(b, engine__json_get_type(j, "options", json_type_array), where, m)) <
		    0)
			return r;
		if (!m->type && !(m->flags & MS_BIND))
			m->flags |= MS_BIND | MS_REC; /* type "bind" or none: a bind */
		/* cgroup v1 mounts, and a cgroup2 one without a cgroup namespace
		 * (which would show the host's whole tree): the container's own
		 * cgroups bound there. */
		if (m->type && (strcmp(m->type, "cgroup") == 0 ||
				(strcmp(m->type, "cgroup2") == 0 && b->host_cgroupns))) {
			m->cgroup = true;
			b->oci.n_mounts++;
			continue;
		}
		if (!src)
			src = m->type ? m->type : "";
		if ((m->flags & MS_BIND) && src[0] != '/') {
			/* A relative bind source is the bundle's. */
			if (!(src = engine__oci_keep(b, engine__path_join(b->bundle, src))))
				return ENGINE_ENOMEM;
		}
		if ((m->flags & MS_BIND) && access(src, F_OK) < 0)
			return engine__error_errno(errno, "config.json: %s.source \"%s\"", where, src);
		m->src = src;
		if (strcmp(dst, "/dev") == 0 && (m->flags & MS_BIND))
			b->oci.default_devices = false;
		b->oci.n_mounts++;
	}
	return 0;
}

/* --- the top level --------------------------------------------------------- */

static const char *const top_keys[] = {"ociVersion", "process", "root",	       "hostname", "domainname",
				       "mounts",     "hooks",	"annotations", "linux",	   NULL};
static const char *const root_keys[] = {"path", "readonly", NULL};
static const char *const hooks_keys[] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL};
static const char *const hook_keys[] = {"path", "args", "env", "timeout", NULL};

static int check_hooks(json_object *hooks)
{
	int r;

	if ((r = engine__oci_check_keys(hooks, "hooks", hooks_keys)) < 0)
		return r;
	for (size_t k = 0; hooks && hooks_keys[k]; k++) {
		json_object *list = NULL;

		if (!json_object_object_get_ex(hooks, hooks_keys[k], &list) || !list)
			continue;
		if (!json_object_is_type(list, json_type_array))
			return engine__error_set(ENGINE_EINVALID, 0, "config.json: hooks.%s: want an array",
						 hooks_keys[k]);
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *h = json_object_array_get_idx(list, i);
			const char *path = engine__json_get_string(h, "path");
			char where[64];

			snprintf(where, sizeof(where), "hooks.%s[%zu]", hooks_keys[k], i);
			if ((r = engine__oci_check_keys(h, where, hook_keys)) < 0)
				return r;
			if (!path || path[0] != '/')
				return engine__error_set(
				    ENGINE_EINVALID, 0, "config.json: %s.path: want an absolute path", where);
			if (engine__json_get_int(h, "timeout", 1) <= 0)
				return engine__error_set(ENGINE_EINVALID, 0,
							 "config.json: %s.timeout: must be positive", where);
		}
	}
	return 0;
}

static int version_check(const char *v)
{
	unsigned major = 0, minor = 0;

	if (!v || sscanf(v, "%u.%u", &major, &minor) != 2)
		return engine__error_set(ENGINE_EINVALID, 0, "config.json: ociVersion \"%s\": invalid",
					 v ? v : "");
	if (major != 1 || minor > 2)
		return engine__error_set(ENGINE_ENOTSUP, 0,
					 "config.json: ociVersion %s: this runtime supports 1.0 to 1.2", v);
	return 0;
}

int engine__oci_bundle_load(engine_context *ctx, const char *bundle, engine__oci_bundle **out)
{
	engine__oci_bundle *b = calloc(1, sizeof(*b));
	cleanup_free char *path = NULL, *abs = NULL;
	json_object *root, *proc;
	const char *rootfs;
	int r;

	if (!b)
		return engine__error_oom();
	b->oci.userns_fd = b->pidns_fd = -1;
	b->oci.wait_fd = -1;
	b->oci.umask = 022;
	abs = realpath(bundle, NULL);
	if (!abs) {
		r = engine__error_errno(errno, "bundle %s", bundle);
		goto fail;
	}
	b->bundle = steal_ptr(abs);
	path = engine__path_join(b->bundle, "config.json");
	if (!path) {
		r = ENGINE_ENOMEM;
		goto fail;
	}
	if ((r = engine__json_parse_file(path, &b->config)) < 0)
		goto fail;
	/* The spec: a runtime MUST ignore properties it does not know at the
	 * top level (extensions). Not silently: each one is logged by name.
	 * Inside the objects it defines, an unknown field is an error. */
	json_object_object_foreach(b->config, key, val)
	{
		size_t k;

		(void)val;
		for (k = 0; top_keys[k] && strcmp(top_keys[k], key) != 0; k++)
			;
		if (!top_keys[k])
			engine__log(ctx, ENGINE_LOG_WARN, "config.json: %s: unknown property, ignored", key);
	}
	if ((r = version_check(engine__json_get_string(b->config, "ociVersion"))) < 0)
		goto fail;
	root = engine__json_get_type(b->config, "root", json_type_object);
	if ((r = engine__oci_check_keys(root, "root", root_keys)) < 0)
		goto fail;
	rootfs = engine__json_get_string(root, "path");
	if (!rootfs || !*rootfs) {
		r = engine__error_set(ENGINE_EINVALID, 0, "config.json: root.path: missing");
		goto fail;
	}
	{
		cleanup_free char *joined =
		    rootfs[0] == '/' ? strdup(rootfs) : engine__path_join(b->bundle, rootfs);

		if (!joined || !(b->rootfs = realpath(joined, NULL))) {
			r = joined ? engine__error_errno(errno, "config.json: root.path \"%s\"", rootfs)
				   : ENGINE_ENOMEM;
			goto fail;
		}
	}
	b->oci.rootfs = b->rootfs;
	b->oci.rootfs_readonly = json_object_get_boolean(json_object_object_get(root, "readonly"));
	b->hooks = json_object_object_get(b->config, "hooks");
	if ((r = check_hooks(b->hooks)) < 0)
		goto fail;

	b->plan = engine__plan_alloc();
	if (!b->plan) {
		r = ENGINE_ENOMEM;
		goto fail;
	}
	b->plan->stdio_fd[0] = 0, b->plan->stdio_fd[1] = 1, b->plan->stdio_fd[2] = 2;
	b->plan->oci = &b->oci;
	/* linux first: the namespaces decide what the mounts and hostname mean. */
	if ((r = engine__oci_linux(ctx, b, engine__json_get_type(b->config, "linux", json_type_object))) < 0)
		goto fail;
	if ((r = parse_mounts(b, json_object_object_get(b->config, "mounts"))) < 0)
		goto fail;
	{
		const char *host = engine__json_get_string(b->config, "hostname");
		const char *domain = engine__json_get_string(b->config, "domainname");

		if ((host && *host) || (domain && *domain)) {
			if (!(b->ns_uts)) {
				r = engine__error_set(ENGINE_EINVALID, 0,
						      "config.json: %s: needs a new uts namespace",
						      host && *host ? "hostname" : "domainname");
				goto fail;
			}
		}
		if (host && *host && !(b->plan->hostname = strdup(host))) {
			r = engine__error_oom();
			goto fail;
		}
		if (domain && *domain)
			b->oci.domainname = domain;
	}
	proc = engine__json_get_type(b->config, "process", json_type_object);
	if (!proc) {
		/* The spec lets create go without a process (start then
		 * fails): the container waits on a command that exists in
		 * any rootfs and that start never runs. */
		proc = json_tokener_parse("{\"args\": [\"/\"], \"cwd\": \"/\"}");
		if (!proc) {
			r = engine__error_oom();
			goto fail;
		}
		json_object_object_add(b->config, "process", proc);
		b->no_process = true;
	}
	r = engine__oci_process(
	    ctx, proc,
	    json_object_object_get(engine__json_get_type(b->config, "linux", json_type_object), "seccomp"),
	    b->plan, &b->oci, &b->terminal);
	if (r < 0)
		goto fail;
	{
		json_object *ann = json_object_object_get(b->config, "annotations");

		if (ann && !json_object_is_type(ann, json_type_object)) {
			r = engine__error_set(ENGINE_EINVALID, 0, "config.json: annotations: want an object");
			goto fail;
		}
	}
	*out = b;
	return 0;
fail:
	engine__oci_bundle_free(b);
	return r;
}
