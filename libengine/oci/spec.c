/*
 * What `engine-oci spec` and `engine-oci features` print: runc's default
 * config.json (sh on a terminal in ./rootfs, the usual mounts, namespaces,
 * masked and read-only paths; rootless maps the caller in a user
 * namespace), and the runtime spec's features document, built from the
 * tables the parsers use so the two cannot disagree.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "oci/oci.h"
#include "util/cleanup.h"
#include "util/json.h"

static const char default_spec[] =
    "{\"ociVersion\":\"" ENGINE__OCI_VERSION "\","
    "\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"
    "\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"TERM=xterm\"],"
    "\"cwd\":\"/\",\"capabilities\":{"
    "\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "\"ambient\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],\"noNewPrivileges\":true},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"engine\","
    "\"mounts\":["
    "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\","
    "\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"nosuid\","
    "\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
    "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":[\"nosuid\",\"noexec\","
    "\"nodev\",\"mode=1777\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\",\"options\":[\"nosuid\","
    "\"noexec\",\"nodev\"]},"
    "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"noexec\","
    "\"nodev\",\"ro\"]},"
    "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"nosuid\","
    "\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
    "\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
    "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
    "{\"type\":\"mount\"},{\"type\":\"cgroup\"}],"
    "\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\","
    "\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\"],"
    "\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]}}";

static int out_string(json_object *j, char **out)
{
	return engine__json_export(j, false, out);
}

ENGINE_EXTERN int engine_oci_spec_default(int rootless, char **json_out)
{
	cleanup_json json_object *j = NULL;
	int r;

	if (!json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_oci_spec_default: NULL argument");
	if ((r = engine__json_parse(default_spec, strlen(default_spec), "default spec", &j)) < 0)
		return r;
	if (rootless) {
		json_object *lx = json_object_object_get(j, "linux"),
			    *ns = json_object_object_get(lx, "namespaces");
		json_object *um = json_object_new_array(), *gm = json_object_new_array(), *m;

		json_object_array_add(ns, json_object_new_object());
		engine__json_add_string(json_object_array_get_idx(ns, json_object_array_length(ns) - 1),
					"type", "user");
		m = json_object_new_object();
		json_object_object_add(m, "containerID", json_object_new_int(0));
		json_object_object_add(m, "hostID", json_object_new_int64(getuid()));
		json_object_object_add(m, "size", json_object_new_int(1));
		json_object_array_add(um, m);
		m = json_object_new_object();
		json_object_object_add(m, "containerID", json_object_new_int(0));
		json_object_object_add(m, "hostID", json_object_new_int64(getgid()));
		json_object_object_add(m, "size", json_object_new_int(1));
		json_object_array_add(gm, m);
		json_object_object_add(lx, "uidMappings", um);
		json_object_object_add(lx, "gidMappings", gm);
		json_object_object_del(lx, "resources");
	}
	return out_string(j, json_out);
}

static json_object *strings(const char *const *list)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; list[i]; i++)
		json_object_array_add(a, json_object_new_string(list[i]));
	return a;
}

ENGINE_EXTERN int engine_oci_features(char **json_out)
{
	static const char *const hooks[] = {
	    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL};
	static const char *const mount_options[] = {"async",
						    "atime",
						    "bind",
						    "defaults",
						    "dev",
						    "diratime",
						    "dirsync",
						    "exec",
						    "iversion",
						    "lazytime",
						    "loud",
						    "mand",
						    "noatime",
						    "nodev",
						    "nodiratime",
						    "noexec",
						    "noiversion",
						    "nolazytime",
						    "nomand",
						    "norelatime",
						    "nostrictatime",
						    "nosuid",
						    "nosymfollow",
						    "private",
						    "rbind",
						    "rdev",
						    "rdiratime",
						    "relatime",
						    "remount",
						    "rexec",
						    "rnodev",
						    "rnodiratime",
						    "rnoexec",
						    "rnosuid",
						    "rnosymfollow",
						    "ro",
						    "rprivate",
						    "rro",
						    "rrw",
						    "rshared",
						    "rslave",
						    "rsuid",
						    "rsymfollow",
						    "runbindable",
						    "rw",
						    "shared",
						    "silent",
						    "slave",
						    "strictatime",
						    "suid",
						    "sync",
						    "unbindable",
						    NULL};
	static const char *const namespaces[] = {"cgroup", "ipc",  "mount", "network", "pid",
						 "time",   "user", "uts",   NULL};
	cleanup_json json_object *j = json_object_new_object();
	json_object *lx = json_object_new_object(), *cg = json_object_new_object(),
		    *sc = json_object_new_object();
	engine__caps all;

	if (!json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_oci_features: NULL argument");
	engine__json_add_string(j, "ociVersionMin", "1.0.0");
	engine__json_add_string(j, "ociVersionMax", ENGINE__OCI_VERSION);
	json_object_object_add(j, "hooks", strings(hooks));
	json_object_object_add(j, "mountOptions", strings(mount_options));
	json_object_object_add(lx, "namespaces", strings(namespaces));
	{
		json_object *caps = json_object_new_array();

		if (engine__caps_prepare((char *[]){"ALL", NULL}, NULL, &all) == 0)
			for (int c = 0; c <= all.last_cap; c++)
				if (engine__cap_name(c))
					json_object_array_add(caps,
							      json_object_new_string(engine__cap_name(c)));
		engine_error_clear();
		json_object_object_add(lx, "capabilities", caps);
	}
	json_object_object_add(cg, "v1", json_object_new_boolean(1));
	json_object_object_add(cg, "v2", json_object_new_boolean(1));
	json_object_object_add(cg, "systemd", json_object_new_boolean(0));
	json_object_object_add(cg, "systemdUser", json_object_new_boolean(0));
	json_object_object_add(cg, "rdma", json_object_new_boolean(0));
	json_object_object_add(lx, "cgroup", cg);
	json_object_object_add(sc, "enabled", json_object_new_boolean(1));
	json_object_object_add(
	    sc, "actions",
	    strings((const char *const[]){"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
					  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
					  "SCMP_ACT_TRACE", "SCMP_ACT_TRAP", NULL}));
	json_object_object_add(lx, "seccomp", sc);
	{
		json_object *aa = json_object_new_object(), *se = json_object_new_object(),
			    *mx = json_object_new_object();

		json_object_object_add(aa, "enabled",
				       json_object_new_boolean(access("/sys/module/apparmor", F_OK) == 0));
		json_object_object_add(lx, "apparmor", aa);
		json_object_object_add(se, "enabled",
				       json_object_new_boolean(access("/sys/fs/selinux/enforce", F_OK) == 0));
		json_object_object_add(lx, "selinux", se);
		json_object_object_add(mx, "enabled", json_object_new_boolean(0));
		json_object_object_add(lx, "mountExtensions", mx);
	}
	json_object_object_add(j, "linux", lx);
	{
		json_object *ann = json_object_new_object();

		engine__json_add_string(ann, "org.opencontainers.runtime-spec.features.name", "engine-oci");
		json_object_object_add(j, "annotations", ann);
	}
	return out_string(j, json_out);
}
