/*
 * An OCI "process" object (config.json's, or `exec --process`'s) into the
 * plan: argv, env, cwd, the user with its additional groups and umask, the
 * five capability sets, rlimits, noNewPrivileges, oomScoreAdj, the LSM
 * labels (refused on a host without that LSM), and the seccomp filter
 * (linux.seccomp, compiled once per profile and cached like Docker's).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/error.h"
#include "init/init.h"
#include "runtime/security.h"
#include "oci/oci.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

static const char *const proc_keys[] = {"terminal",
					"consoleSize",
					"user",
					"args",
					"commandLine",
					"env",
					"cwd",
					"capabilities",
					"rlimits",
					"noNewPrivileges",
					"apparmorProfile",
					"oomScoreAdj",
					"selinuxLabel",
					"ioPriority",
					"scheduler",
					"execCPUAffinity",
					NULL};
static const char *const user_keys[] = {"uid", "gid", "umask", "additionalGids", "username", NULL};
static const char *const caps_keys[] = {"bounding", "effective", "inheritable", "permitted", "ambient", NULL};
static const char *const rlimit_keys[] = {"type", "hard", "soft", NULL};
static const char *const seccomp_keys[] = {"defaultAction", "defaultErrnoRet",	"architectures", "flags",
					   "listenerPath",  "listenerMetadata", "syscalls",	 NULL};

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static int lsm_enabled(const char *name)
{
	if (strcmp(name, "apparmor") == 0) {
		cleanup_free char *v = NULL;
		size_t len;

		return engine__read_file("/sys/module/apparmor/parameters/enabled", &v, &len) == 0 && len &&
		       v[0] == 'Y';
	}
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

static int parse_caps(json_object *caps, engine__caps *out)
{
	json_object *set;
	uint64_t *sets[] = {&out->bounding, &out->effective, &out->inheritable, &out->permitted,
			    &out->ambient};
	int r;

	/* Every set empty, and the kernel's last capability known. */
	if ((r = engine__caps_prepare(NULL, (char *[]){"ALL", NULL}, out)) < 0)
		return r;
	out->bounding = out->effective = out->inheritable = out->permitted = out->ambient = 0;
	if ((r = engine__oci_check_keys(caps, "process.capabilities", caps_keys)) < 0)
		return r;
	for (int k = 0; caps && k < 5; k++) {
		if (!json_object_object_get_ex(caps, caps_keys[k], &set) || !set)
			continue;
		if (!json_object_is_type(set, json_type_array))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "config.json: process.capabilities.%s: want an array",
						 caps_keys[k]);
		for (size_t i = 0; i < json_object_array_length(set); i++) {
			const char *name = json_object_get_string(json_object_array_get_idx(set, i));
			int cap;

			if (!name || engine__cap_from_name(name, &cap) < 0)
				return engine__error_set(
				    ENGINE_EINVALID, 0,
				    "config.json: process.capabilities.%s: \"%s\": unknown "
				    "capability",
				    caps_keys[k], name ? name : "");
			*sets[k] |= UINT64_C(1) << cap;
		}
	}
	/* A set the host's bounding set cannot give (this host withholds
	 * CAP_SYS_RESOURCE from root) fails capset with a bare EPERM later:
	 * name it now. (A bounding set asking for more just stays smaller.) */
	{
		uint64_t have = engine__caps_bounding_set();

		for (int k = 1; k < 5; k++) {
			uint64_t missing = *sets[k] & ~have;

			for (int cap = 0; missing && cap < 64; cap++)
				if (missing & (UINT64_C(1) << cap))
					return engine__error_set(
					    ENGINE_EPERM, 0,
					    "config.json: process.capabilities.%s: %s is not in this "
					    "runtime's bounding set (the host withholds it)",
					    caps_keys[k],
					    engine__cap_name(cap) ? engine__cap_name(cap) : "?");
		}
	}
	/* The kernel raises an ambient capability only if it is permitted
	 * and inheritable; runc's default spec lists ambient ones without
	 * inheritable (CVE-2022-29162): like runc, those stay down. */
	out->ambient &= out->inheritable & out->permitted;
	return 0;
}

static int parse_rlimits(json_object *list, engine__plan *p)
{
	size_t n = list ? json_object_array_length(list) : 0;
	int r;

	if (!n)
		return 0;
	p->rlimits = calloc(n, sizeof(*p->rlimits));
	if (!p->rlimits)
		return engine__error_oom();
	for (size_t i = 0; i < n; i++) {
		json_object *j = json_object_array_get_idx(list, i);
		const char *type = engine__json_get_string(j, "type");
		size_t k;

		if ((r = engine__oci_check_keys(j, "process.rlimits[]", rlimit_keys)) < 0)
			return r;
		for (k = 0; type && k < sizeof(rlimits) / sizeof(rlimits[0]); k++)
			if (strcmp(rlimits[k].name, type) == 0)
				break;
		if (!type || k == sizeof(rlimits) / sizeof(rlimits[0]))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "config.json: process.rlimits[%zu].type \"%s\": unknown", i,
						 type ? type : "");
		for (size_t d = 0; d < p->n_rlimits; d++)
			if (p->rlimits[d].resource == rlimits[k].resource)
				return engine__error_set(
				    ENGINE_EINVALID, 0, "config.json: process.rlimits: %s given twice", type);
		p->rlimits[p->n_rlimits].resource = rlimits[k].resource;
		p->rlimits[p->n_rlimits].limit.rlim_cur =
		    (rlim_t)json_object_get_uint64(json_object_object_get(j, "soft"));
		p->rlimits[p->n_rlimits].limit.rlim_max =
		    (rlim_t)json_object_get_uint64(json_object_object_get(j, "hard"));
		p->n_rlimits++;
	}
	return 0;
}

static int strv_from(json_object *arr, const char *where, char ***out)
{
	if (arr && !json_object_is_type(arr, json_type_array))
		return engine__error_set(ENGINE_EINVALID, 0, "config.json: %s: want an array of strings",
					 where);
	if (!arr) {
		*out = engine__strv_dup(NULL);
		return *out ? 0 : ENGINE_ENOMEM;
	}
	return engine__json_to_strv(arr, out);
}

int engine__oci_process(engine_context *ctx, json_object *proc, json_object *seccomp, engine__plan *p,
			engine__plan_oci *oci, bool *terminal)
{
	json_object *user, *j;
	const char *cwd, *s;
	int r;

	if ((r = engine__oci_check_keys(proc, "process", proc_keys)) < 0)
		return r;
	static const char *const unsupported[] = {"ioPriority", "scheduler", "execCPUAffinity", "commandLine",
						  NULL};
	for (size_t i = 0; unsupported[i]; i++)
		if (json_object_object_get_ex(proc, unsupported[i], NULL))
			return engine__error_set(ENGINE_ENOTSUP, 0, "config.json: process.%s: not supported",
						 unsupported[i]);
	*terminal = json_object_get_boolean(json_object_object_get(proc, "terminal"));
	p->tty = *terminal;
	engine__oci_console_size(proc, p);
	engine__strv_free(p->argv);
	p->argv = NULL;
	if ((r = strv_from(json_object_object_get(proc, "args"), "process.args", &p->argv)) < 0)
		return r;
	if (!p->argv[0])
		return engine__error_set(ENGINE_EINVALID, 0, "config.json: process.args: empty");
	engine__strv_free(p->env);
	p->env = NULL;
	if ((r = strv_from(json_object_object_get(proc, "env"), "process.env", &p->env)) < 0)
		return r;
	cwd = engine__json_get_string(proc, "cwd");
	if (!cwd || cwd[0] != '/')
		return engine__error_set(ENGINE_EINVALID, 0,
					 "config.json: process.cwd: want an absolute path");
	free(p->working_dir);
	if (!(p->working_dir = strdup(cwd)))
		return engine__error_oom();

	user = engine__json_get_type(proc, "user", json_type_object);
	if ((r = engine__oci_check_keys(user, "process.user", user_keys)) < 0)
		return r;
	p->has_user = true;
	p->uid = (uid_t)engine__json_get_int(user, "uid", 0);
	p->gid = (gid_t)engine__json_get_int(user, "gid", 0);
	if (oci && json_object_object_get_ex(user, "umask", &j) && j)
		oci->umask = (mode_t)json_object_get_int(j) & 0777;
	free(p->groups);
	p->groups = NULL;
	p->n_groups = 0;
	if ((j = engine__json_get_type(user, "additionalGids", json_type_array))) {
		size_t n = json_object_array_length(j);

		p->groups = calloc(n + 1, sizeof(*p->groups));
		if (!p->groups)
			return engine__error_oom();
		for (size_t i = 0; i < n; i++)
			p->groups[p->n_groups++] =
			    (gid_t)json_object_get_int64(json_object_array_get_idx(j, i));
	}
	if ((r = parse_caps(engine__json_get_type(proc, "capabilities", json_type_object), &p->caps)) < 0)
		return r;
	free(p->rlimits);
	p->rlimits = NULL;
	p->n_rlimits = 0;
	if ((r = parse_rlimits(engine__json_get_type(proc, "rlimits", json_type_array), p)) < 0)
		return r;
	p->no_new_privs = json_object_get_boolean(json_object_object_get(proc, "noNewPrivileges"));
	if (oci && json_object_object_get_ex(proc, "oomScoreAdj", &j) && j) {
		oci->has_oom_score_adj = true;
		oci->oom_score_adj = json_object_get_int(j);
	}
	if ((s = engine__json_get_string(proc, "apparmorProfile")) && *s) {
		if (!lsm_enabled("apparmor"))
			return engine__error_set(
			    ENGINE_ENOTSUP, 0,
			    "config.json: process.apparmorProfile \"%s\": AppArmor is not "
			    "enabled on this host",
			    s);
		if (oci)
			oci->apparmor = s;
	}
	if ((s = engine__json_get_string(proc, "selinuxLabel")) && *s) {
		if (!lsm_enabled("selinux"))
			return engine__error_set(
			    ENGINE_ENOTSUP, 0,
			    "config.json: process.selinuxLabel \"%s\": SELinux is not enabled "
			    "on this host",
			    s);
		if (oci)
			oci->selinux = s;
	}
	if (seccomp) {
		if ((r = engine__oci_check_keys(seccomp, "linux.seccomp", seccomp_keys)) < 0)
			return r;
		if (json_object_object_get_ex(seccomp, "listenerPath", NULL))
			return engine__error_set(
			    ENGINE_ENOTSUP, 0,
			    "config.json: linux.seccomp.listenerPath: seccomp notify: not supported");
		r = engine__seccomp_prepare(ctx,
					    json_object_to_json_string_ext(seccomp, JSON_C_TO_STRING_PLAIN),
					    &p->caps, &p->seccomp);
		if (r < 0)
			return engine__error_wrap("config.json: linux.seccomp");
	} else {
		p->seccomp = NULL;
	}
	if (p->init_fd < 0 && (p->init_fd = engine__init_fd(ctx)) < 0)
		return p->init_fd;
	return 0;
}

int engine__oci_init_argv(engine__plan *p)
{
	char num[16];
	int report = 3 + (p->oci ? p->oci->preserve_fds : 0);

	/* engine-init execs the command: it reports failures above the
	 * preserved fds, and waits for `start` on the fifo when there is one. */
	engine__strv_free(p->init_argv);
	p->init_argv = NULL;
	snprintf(num, sizeof(num), "%d", report);
	if (engine__strv_push(&p->init_argv, ENGINE__INIT_NAME) < 0 ||
	    engine__strv_push(&p->init_argv, "--report-fd") < 0 || engine__strv_push(&p->init_argv, num) < 0)
		return ENGINE_ENOMEM;
	if (p->oci && p->oci->wait_fd >= 0) {
		snprintf(num, sizeof(num), "%d", report + 1);
		if (engine__strv_push(&p->init_argv, "--wait-fd") < 0 ||
		    engine__strv_push(&p->init_argv, num) < 0)
			return ENGINE_ENOMEM;
	}
	if (engine__strv_push(&p->init_argv, "--exec") < 0)
		return ENGINE_ENOMEM;
	for (size_t i = 0; p->argv[i]; i++)
		if (engine__strv_push(&p->init_argv, p->argv[i]) < 0)
			return ENGINE_ENOMEM;
	return 0;
}
