/*
 * POST /containers/create: the Docker create body (Config, HostConfig,
 * NetworkingConfig) validated field by field, errors naming the field, and
 * turned into an engine_spec. A setting this engine cannot honour is an
 * error, never silently dropped. The body itself is kept (registry.c) for
 * inspect and for what the daemon does on the container's behalf
 * (AutoRemove, StopTimeout).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/daemon.h"

static const char *const config_keys[] = {"Hostname",
					  "Domainname",
					  "User",
					  "AttachStdin",
					  "AttachStdout",
					  "AttachStderr",
					  "ExposedPorts",
					  "Tty",
					  "OpenStdin",
					  "StdinOnce",
					  "Env",
					  "Cmd",
					  "Healthcheck",
					  "ArgsEscaped",
					  "Image",
					  "Volumes",
					  "WorkingDir",
					  "Entrypoint",
					  "NetworkDisabled",
					  "MacAddress",
					  "OnBuild",
					  "Labels",
					  "StopSignal",
					  "StopTimeout",
					  "Shell",
					  "HostConfig",
					  "NetworkingConfig",
					  NULL};

static const char *const host_keys[] = {"CpuShares",
					"Memory",
					"CgroupParent",
					"BlkioWeight",
					"BlkioWeightDevice",
					"BlkioDeviceReadBps",
					"BlkioDeviceWriteBps",
					"BlkioDeviceReadIOps",
					"BlkioDeviceWriteIOps",
					"CpuPeriod",
					"CpuQuota",
					"CpuRealtimePeriod",
					"CpuRealtimeRuntime",
					"CpusetCpus",
					"CpusetMems",
					"Devices",
					"DeviceCgroupRules",
					"DeviceRequests",
					"KernelMemory",
					"KernelMemoryTCP",
					"MemoryReservation",
					"MemorySwap",
					"MemorySwappiness",
					"NanoCpus",
					"OomKillDisable",
					"Init",
					"PidsLimit",
					"Ulimits",
					"CpuCount",
					"CpuPercent",
					"IOMaximumIOps",
					"IOMaximumBandwidth",
					"Binds",
					"ContainerIDFile",
					"LogConfig",
					"NetworkMode",
					"PortBindings",
					"RestartPolicy",
					"AutoRemove",
					"VolumeDriver",
					"VolumesFrom",
					"Mounts",
					"ConsoleSize",
					"Annotations",
					"CapAdd",
					"CapDrop",
					"CgroupnsMode",
					"Dns",
					"DnsOptions",
					"DnsSearch",
					"ExtraHosts",
					"GroupAdd",
					"IpcMode",
					"Cgroup",
					"Links",
					"OomScoreAdj",
					"PidMode",
					"Privileged",
					"PublishAllPorts",
					"ReadonlyRootfs",
					"SecurityOpt",
					"StorageOpt",
					"Tmpfs",
					"UTSMode",
					"UsernsMode",
					"ShmSize",
					"Sysctls",
					"Runtime",
					"Isolation",
					"MaskedPaths",
					"ReadonlyPaths",
					NULL};

struct cctx {
	hs_request *req;
	engine_spec *spec;
	json_object *warnings;
	struct daemon *d;
	engine_context *ctx;
	bool failed;
};

static bool known(const char *const *keys, const char *k)
{
	for (size_t i = 0; keys[i]; i++)
		if (strcmp(keys[i], k) == 0)
			return true;
	return false;
}

__attribute__((format(printf, 3, 0))) static void fail(struct cctx *cc, int status, const char *fmt,
						       const char *field, const char *detail)
{
	if (cc->failed)
		return;
	cc->failed = true;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	hs_reply_error(cc->req, status, fmt, field, detail ? detail : "");
#pragma GCC diagnostic pop
}

/* A present, non-null field of @o, or NULL. */
static json_object *field(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static bool want(struct cctx *cc, json_object *v, json_type t, const char *name)
{
	static const char *const tn[] = {"null",      "a boolean", "a number", "an integer",
					 "an object", "an array",  "a string"};

	if (!v)
		return false;
	if (json_object_is_type(v, t) || (t == json_type_double && json_object_is_type(v, json_type_int)))
		return true;
	fail(cc, 400, "%s: expected %s", name, tn[t]);
	return false;
}

static const char *str_field(struct cctx *cc, json_object *o, const char *key, const char *name)
{
	json_object *v = field(o, key);

	return want(cc, v, json_type_string, name) ? json_object_get_string(v) : NULL;
}

static int64_t int_field(struct cctx *cc, json_object *o, const char *key, const char *name)
{
	json_object *v = field(o, key);

	return want(cc, v, json_type_int, name) ? json_object_get_int64(v) : 0;
}

static bool bool_field(struct cctx *cc, json_object *o, const char *key, const char *name)
{
	json_object *v = field(o, key);

	return want(cc, v, json_type_boolean, name) && json_object_get_boolean(v);
}

/* Docker's StrSlice: an array of strings, or one string. */
static int strv_field(struct cctx *cc, json_object *o, const char *key, const char *name,
		      engine_strarray *out)
{
	json_object *v = field(o, key);

	out->strings = NULL;
	out->count = 0;
	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		out->strings = calloc(2, sizeof(char *));
		if (!out->strings)
			return -1;
		out->strings[0] = strdup(json_object_get_string(v));
		out->count = 1;
		return 1;
	}
	if (!want(cc, v, json_type_array, name))
		return -1;
	out->count = json_object_array_length(v);
	out->strings = calloc(out->count + 1, sizeof(char *));
	for (size_t i = 0; out->strings && i < out->count; i++) {
		json_object *s = json_object_array_get_idx(v, i);

		if (!json_object_is_type(s, json_type_string)) {
			fail(cc, 400, "%s: expected an array of strings%s", name, NULL);
			engine_strarray_dispose(out);
			return -1;
		}
		out->strings[i] = strdup(json_object_get_string(s));
	}
	return 1;
}

static void check(struct cctx *cc, int r, const char *name)
{
	if (r < 0 && !cc->failed) {
		cc->failed = true;
		hs_reply_error(cc->req, 400, "%s: %s", name, engine_error_last()->message);
	}
}

/* Refuse a setting we cannot honour when it is not at its default. */
static void unsupported(struct cctx *cc, json_object *hc, const char *key, const char *why)
{
	json_object *v = field(hc, key);
	char name[128];
	bool set;

	if (!v)
		return;
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		set = json_object_get_boolean(v);
		break;
	case json_type_int:
	case json_type_double:
		set = json_object_get_double(v) != 0;
		break;
	case json_type_string:
		set = *json_object_get_string(v) != '\0';
		break;
	case json_type_array:
		set = json_object_array_length(v) > 0;
		break;
	case json_type_object:
		set = json_object_object_length(v) > 0;
		break;
	default:
		set = false;
	}
	if (set) {
		snprintf(name, sizeof(name), "HostConfig.%s", key);
		fail(cc, 400, "%s: not supported by this engine (%s)", name, why);
	}
}

static uint64_t fnv64(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The CLI sends a seccomp profile's JSON itself; the library takes a path. */
static void seccomp_opt(struct cctx *cc, const char *val)
{
	char path[4400], dir[4200];
	int fd;

	if (strcmp(val, "unconfined") == 0 || strcmp(val, "default") == 0 || val[0] == '/') {
		check(cc, engine_spec_set_seccomp_profile(cc->spec, val), "HostConfig.SecurityOpt");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/seccomp", cc->d->state_dir);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/%016llx.json", dir, (unsigned long long)fnv64(val));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || hs_write_all(fd, val, strlen(val)) < 0) {
		if (fd >= 0)
			close(fd);
		fail(cc, 500, "%s: cannot store the seccomp profile: %s", "HostConfig.SecurityOpt",
		     strerror(errno));
		return;
	}
	close(fd);
	check(cc, engine_spec_set_seccomp_profile(cc->spec, path), "HostConfig.SecurityOpt");
}

static void security_opts(struct cctx *cc, json_object *hc)
{
	engine_strarray opts;

	if (strv_field(cc, hc, "SecurityOpt", "HostConfig.SecurityOpt", &opts) <= 0)
		return;
	for (size_t i = 0; i < opts.count && !cc->failed; i++) {
		const char *o = opts.strings[i];

		if (strcmp(o, "no-new-privileges") == 0 || strcmp(o, "no-new-privileges:true") == 0 ||
		    strcmp(o, "no-new-privileges=true") == 0)
			check(cc, engine_spec_set_no_new_privs(cc->spec, 1), "HostConfig.SecurityOpt");
		else if (strcmp(o, "no-new-privileges:false") == 0 ||
			 strcmp(o, "no-new-privileges=false") == 0)
			check(cc, engine_spec_set_no_new_privs(cc->spec, 0), "HostConfig.SecurityOpt");
		else if (strncmp(o, "seccomp=", 8) == 0 || strncmp(o, "seccomp:", 8) == 0)
			seccomp_opt(cc, o + 8);
		else if (strncmp(o, "apparmor", 8) == 0 || strncmp(o, "label", 5) == 0)
			json_object_array_add(
			    cc->warnings,
			    json_object_new_string("AppArmor and SELinux options are ignored: this "
						   "engine confines containers with seccomp, "
						   "capabilities and namespaces"));
		else
			fail(cc, 400, "%s: unknown option \"%s\"", "HostConfig.SecurityOpt", o);
	}
	engine_strarray_dispose(&opts);
}

/* One HostConfig.Mounts entry of type volume, as --mount's string. */
static void volume_mount(struct cctx *cc, json_object *e, const char *src, const char *dst, bool ro)
{
	json_object *vo = field(e, "VolumeOptions"), *dc = vo ? field(vo, "DriverConfig") : NULL;
	json_object *opts = dc ? field(dc, "Options") : NULL;
	char *m = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&m, &len);

	if (!f) {
		fail(cc, 500, "%s: out of memory%s", "HostConfig.Mounts", NULL);
		return;
	}
	if (dc && jget_str(dc, "Name") && *jget_str(dc, "Name") && strcmp(jget_str(dc, "Name"), "local") != 0)
		fail(cc, 400, "%s: volume driver \"%s\" is not supported (only local)",
		     "HostConfig.Mounts.VolumeOptions.DriverConfig", jget_str(dc, "Name"));
	if (vo && field(vo, "Labels"))
		json_object_array_add(
		    cc->warnings, json_object_new_string("VolumeOptions.Labels are not applied: create the "
							 "volume with its labels first"));
	fprintf(f, "type=volume,dst=%s%s%s%s", dst, src && *src ? ",src=" : "", src && *src ? src : "",
		ro ? ",readonly" : "");
	if (vo && field(vo, "NoCopy") &&
	    bool_field(cc, vo, "NoCopy", "HostConfig.Mounts.VolumeOptions.NoCopy"))
		fprintf(f, ",volume-nocopy");
	if (opts && json_object_is_type(opts, json_type_object)) {
		json_object_object_foreach(opts, k, v)
		{
			const char *val = json_object_get_string(v);

			if (strchr(k, ',') || strchr(val, ','))
				fail(cc, 400,
				     "HostConfig.Mounts.VolumeOptions.DriverConfig.Options: \"%s\": a "
				     "comma in an option is not supported%s",
				     k, NULL);
			fprintf(f, ",volume-opt=%s=%s", k, val);
		}
	}
	fclose(f);
	if (!cc->failed)
		check(cc, engine_spec_add_mount_str(cc->spec, m), "HostConfig.Mounts");
	free(m);
}

static void mounts(struct cctx *cc, json_object *hc)
{
	json_object *m = field(hc, "Mounts"), *tm = field(hc, "Tmpfs");
	engine_strarray binds;

	/* "NAME:/path" and "/host:/path", as docker run -v (named volumes made on first use) */
	if (strv_field(cc, hc, "Binds", "HostConfig.Binds", &binds) > 0) {
		for (size_t i = 0; i < binds.count && !cc->failed; i++)
			check(cc, engine_spec_add_volume(cc->spec, binds.strings[i]), "HostConfig.Binds");
		engine_strarray_dispose(&binds);
	}
	if (want(cc, m, json_type_array, "HostConfig.Mounts")) {
		for (size_t i = 0; i < json_object_array_length(m) && !cc->failed; i++) {
			json_object *e = json_object_array_get_idx(m, i), *to;
			const char *type = str_field(cc, e, "Type", "HostConfig.Mounts.Type");
			const char *src =
			    field(e, "Source") ? str_field(cc, e, "Source", "HostConfig.Mounts.Source") : "";
			const char *dst = str_field(cc, e, "Target", "HostConfig.Mounts.Target");
			bool ro = field(e, "ReadOnly") &&
				  bool_field(cc, e, "ReadOnly", "HostConfig.Mounts.ReadOnly");

			if (cc->failed)
				break;
			if (!type || !dst) {
				fail(cc, 400, "%s: Type and Target are required%s", "HostConfig.Mounts",
				     NULL);
				break;
			}
			if (strcmp(type, "bind") == 0) {
				if (!src || src[0] != '/') {
					fail(cc, 400, "%s: bind source \"%s\" must be an absolute path",
					     "HostConfig.Mounts.Source", src ? src : "");
					break;
				}
				if (access(src, F_OK) < 0) {
					fail(cc, 400,
					     "invalid mount config for type \"bind\": bind source path does "
					     "not exist: "
					     "%s%s",
					     src, NULL);
					break;
				}
				check(cc, engine_spec_add_mount(cc->spec, src, dst, ro), "HostConfig.Mounts");
			} else if (strcmp(type, "volume") == 0) {
				volume_mount(cc, e, src, dst, ro);
			} else if (strcmp(type, "tmpfs") == 0) {
				char opts[128] = "";

				to = field(e, "TmpfsOptions");
				if (to && field(to, "SizeBytes"))
					snprintf(
					    opts, sizeof(opts), "size=%lld",
					    (long long)int_field(cc, to, "SizeBytes",
								 "HostConfig.Mounts.TmpfsOptions.SizeBytes"));
				if (to && field(to, "Mode")) {
					size_t l = strlen(opts);

					snprintf(opts + l, sizeof(opts) - l, "%smode=%llo", l ? "," : "",
						 (unsigned long long)int_field(
						     cc, to, "Mode", "HostConfig.Mounts.TmpfsOptions.Mode"));
				}
				check(cc, engine_spec_add_tmpfs(cc->spec, dst, opts[0] ? opts : NULL),
				      "HostConfig.Mounts");
			} else {
				fail(cc, 400, "%s: mount type \"%s\" is not supported (bind, volume, tmpfs)",
				     "HostConfig.Mounts.Type", type);
			}
		}
	}
	if (want(cc, tm, json_type_object, "HostConfig.Tmpfs")) {
		json_object_object_foreach(tm, dst, opts)
		{
			if (cc->failed)
				break;
			if (!json_object_is_type(opts, json_type_string)) {
				fail(cc, 400, "%s: options of \"%s\" must be a string", "HostConfig.Tmpfs",
				     dst);
				break;
			}
			/* dockerd's defaults under the caller's options ("exec" undoes noexec) */
			char o[1024];

			snprintf(o, sizeof(o), "noexec,nosuid,nodev%s%s",
				 *json_object_get_string(opts) ? "," : "", json_object_get_string(opts));
			check(cc, engine_spec_add_tmpfs(cc->spec, dst, o), "HostConfig.Tmpfs");
		}
	}
}

/* dockerd refuses CPUs the host does not have online before the start. */
static bool cpus_available(struct cctx *cc, const char *list)
{
	char online[256] = "";
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	const char *p = list;

	if (!f)
		return true;
	if (!fgets(online, sizeof(online), f))
		online[0] = '\0';
	fclose(f);
	online[strcspn(online, "\n")] = '\0';
	while (*p) {
		char *end;
		long a = strtol(p, &end, 10), b = a;
		bool in = false;

		if (end == p)
			return true; /* malformed: the library's check says so */
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long cpu = a; cpu <= b; cpu++) {
			const char *q = online;

			in = false;
			while (*q && !in) {
				char *e2;
				long lo = strtol(q, &e2, 10), hi = lo;

				if (e2 == q)
					break;
				if (*e2 == '-')
					hi = strtol(e2 + 1, &e2, 10);
				in = cpu >= lo && cpu <= hi;
				q = *e2 == ',' ? e2 + 1 : e2;
			}
			if (!in) {
				fail(cc, 400,
				     "Requested CPUs are not available - requested %s, available: %s", list,
				     online);
				return false;
			}
		}
		p = *end == ',' ? end + 1 : end;
	}
	return true;
}

static void resources(struct cctx *cc, json_object *hc)
{
	int64_t quota, period, v;
	json_object *ul = field(hc, "Ulimits");

	if (field(hc, "Memory") && (v = int_field(cc, hc, "Memory", "HostConfig.Memory")) != 0) {
		if (v > 0 && v < 6 * 1024 * 1024)
			fail(cc, 400, "Minimum memory limit allowed is 6MB%s", "", NULL); /* dockerd's */
		check(cc, engine_spec_set_memory(cc->spec, v), "HostConfig.Memory");
	}
	/* dockerd takes it with a warning (deprecated; nothing on cgroup v2) */
	if (field(hc, "KernelMemory") && json_object_get_int64(field(hc, "KernelMemory")) > 0)
		json_object_array_add(
		    cc->warnings,
		    json_object_new_string("Specifying a kernel memory limit is deprecated and will "
					   "be removed in a future release."));
	if (field(hc, "MemorySwap")) {
		int64_t swap = int_field(cc, hc, "MemorySwap", "HostConfig.MemorySwap");
		int64_t mem = field(hc, "Memory") ? int_field(cc, hc, "Memory", "HostConfig.Memory") : 0;

		/* dockerd's checks; like dockerd on a kernel without swap
		 * accounting, the limit is then dropped with a warning. */
		if (swap > 0 && mem == 0)
			fail(cc, 400,
			     "%s: you should always set the Memory limit when using Memoryswap limit%s",
			     "HostConfig.MemorySwap", "");
		else if (swap > 0 && swap < mem)
			fail(cc, 400, "%s: Minimum memoryswap limit should be larger than memory limit%s",
			     "HostConfig.MemorySwap", "");
		else if (swap > 0 && swap != mem)
			json_object_array_add(
			    cc->warnings, json_object_new_string("MemorySwap is not applied by this engine: "
								 "memory limited without swap limit."));
	}
	if (field(hc, "NanoCpus") && (v = int_field(cc, hc, "NanoCpus", "HostConfig.NanoCpus")) != 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		char msg[128];

		/* dockerd's range check and words */
		snprintf(msg, sizeof(msg),
			 "Range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available", ncpu,
			 ncpu);
		if (ncpu > 0 && (v < 0 || v > ncpu * 1000000000LL))
			fail(cc, 400, "%s%s", msg, NULL);
		check(cc, engine_spec_set_cpus(cc->spec, (double)v / 1e9), "HostConfig.NanoCpus");
	}
	quota = field(hc, "CpuQuota") ? int_field(cc, hc, "CpuQuota", "HostConfig.CpuQuota") : 0;
	period = field(hc, "CpuPeriod") ? int_field(cc, hc, "CpuPeriod", "HostConfig.CpuPeriod") : 0;
	if (quota > 0) {
		if (field(hc, "NanoCpus") && int_field(cc, hc, "NanoCpus", "HostConfig.NanoCpus"))
			fail(cc, 400,
			     "%s: conflicting options: Nano CPUs and CPU Period/Quota cannot both be set%s",
			     "HostConfig.CpuQuota", NULL);
		else
			check(cc,
			      engine_spec_set_cpus(cc->spec,
						   (double)quota / (double)(period ? period : 100000)),
			      "HostConfig.CpuQuota");
	}
	if (field(hc, "CpuShares") && (v = int_field(cc, hc, "CpuShares", "HostConfig.CpuShares")) != 0)
		check(cc, engine_spec_set_cpu_shares(cc->spec, (uint64_t)v), "HostConfig.CpuShares");
	if (field(hc, "PidsLimit") && (v = int_field(cc, hc, "PidsLimit", "HostConfig.PidsLimit")) > 0)
		check(cc, engine_spec_set_pids_limit(cc->spec, v), "HostConfig.PidsLimit");
	if (field(hc, "CpusetCpus")) {
		const char *s = str_field(cc, hc, "CpusetCpus", "HostConfig.CpusetCpus");

		if (s && *s && !cpus_available(cc, s))
			return;
		if (s && *s)
			check(cc, engine_spec_set_cpuset(cc->spec, s), "HostConfig.CpusetCpus");
	}
	if (want(cc, ul, json_type_array, "HostConfig.Ulimits")) {
		for (size_t i = 0; i < json_object_array_length(ul) && !cc->failed; i++) {
			json_object *u = json_object_array_get_idx(ul, i);
			const char *name = str_field(cc, u, "Name", "HostConfig.Ulimits.Name");
			int64_t soft = int_field(cc, u, "Soft", "HostConfig.Ulimits.Soft");
			int64_t hard = int_field(cc, u, "Hard", "HostConfig.Ulimits.Hard");
			char buf[256];

			if (!name)
				break;
			snprintf(buf, sizeof(buf), "%s=%lld:%lld", name, (long long)soft, (long long)hard);
			check(cc, engine_spec_add_rlimit(cc->spec, buf), "HostConfig.Ulimits");
		}
	}
}

/* Devices: [{PathOnHost, PathInContainer, CgroupPermissions}]. */
static void devices(struct cctx *cc, json_object *hc)
{
	json_object *a = field(hc, "Devices");

	if (!want(cc, a, json_type_array, "HostConfig.Devices"))
		return;
	for (size_t i = 0; i < json_object_array_length(a) && !cc->failed; i++) {
		json_object *d = json_object_array_get_idx(a, i);
		const char *host = str_field(cc, d, "PathOnHost", "HostConfig.Devices.PathOnHost");
		const char *ctr =
		    field(d, "PathInContainer")
			? str_field(cc, d, "PathInContainer", "HostConfig.Devices.PathInContainer")
			: "";
		const char *perms =
		    field(d, "CgroupPermissions")
			? str_field(cc, d, "CgroupPermissions", "HostConfig.Devices.CgroupPermissions")
			: "";
		char spec[8192];

		if (cc->failed)
			break;
		if (!host || !*host) {
			fail(cc, 400, "%s: PathOnHost is required%s", "HostConfig.Devices", NULL);
			break;
		}
		snprintf(spec, sizeof(spec), "%s:%s:%s", host, ctr && *ctr ? ctr : host,
			 perms && *perms ? perms : "rwm");
		/* dockerd's words for a device it cannot find, without a field name */
		if (engine_spec_add_device(cc->spec, spec) < 0)
			fail(cc, 400, "%s%s", engine_error_last()->message, NULL);
	}
}

/* What a container takes from the host's kernel beyond the default sandbox:
 * sysctls, extra groups, devices, another container's volumes, memory nodes
 * and the OOM killer switch (the library's engine_spec_* for each). */
static void host_kernel(struct cctx *cc, json_object *hc)
{
	engine_strarray a;
	json_object *v;
	const char *s;

	if ((v = field(hc, "Sysctls")) && want(cc, v, json_type_object, "HostConfig.Sysctls")) {
		json_object_object_foreach(v, k, val)
		{
			char item[4096];

			if (cc->failed)
				break;
			if (!json_object_is_type(val, json_type_string)) {
				fail(cc, 400, "%s: the value of \"%s\" must be a string",
				     "HostConfig.Sysctls", k);
				break;
			}
			snprintf(item, sizeof(item), "%s=%s", k, json_object_get_string(val));
			check(cc, engine_spec_add_sysctl(cc->spec, item), "HostConfig.Sysctls");
		}
	}
	if (strv_field(cc, hc, "GroupAdd", "HostConfig.GroupAdd", &a) > 0) {
		for (size_t i = 0; i < a.count && !cc->failed; i++)
			check(cc, engine_spec_add_group(cc->spec, a.strings[i]), "HostConfig.GroupAdd");
		engine_strarray_dispose(&a);
	}
	devices(cc, hc);
	if (strv_field(cc, hc, "VolumesFrom", "HostConfig.VolumesFrom", &a) > 0) {
		for (size_t i = 0; i < a.count && !cc->failed; i++) {
			char name[512];
			engine_container *c = NULL;

			snprintf(name, sizeof(name), "%.*s", (int)strcspn(a.strings[i], ":"), a.strings[i]);
			/* dockerd's words; a 400, not its 404, which clients
			 * answer by pulling the image */
			if (engine_container_open(cc->ctx, name, &c) < 0)
				fail(cc, 400, "No such container: %s%s", name, NULL);
			engine_container_free(c);
			if (!cc->failed)
				check(cc, engine_spec_add_volumes_from(cc->spec, a.strings[i]),
				      "HostConfig.VolumesFrom");
		}
		engine_strarray_dispose(&a);
	}
	if (field(hc, "CpusetMems") && (s = str_field(cc, hc, "CpusetMems", "HostConfig.CpusetMems")) && *s)
		check(cc, engine_spec_set_cpuset_mems(cc->spec, s), "HostConfig.CpusetMems");
	if (field(hc, "OomKillDisable") &&
	    bool_field(cc, hc, "OomKillDisable", "HostConfig.OomKillDisable")) {
		/* dockerd on cgroup v2 discards it with this warning. */
		if (!engine_context_has_feature(cc->ctx, "cgroup-v1"))
			json_object_array_add(
			    cc->warnings,
			    json_object_new_string("Your kernel does not support OomKillDisable. "
						   "OomKillDisable discarded."));
		else
			check(cc, engine_spec_set_oom_kill_disable(cc->spec, 1), "HostConfig.OomKillDisable");
		if (engine_context_has_feature(cc->ctx, "cgroup-v1") &&
		    !(field(hc, "Memory") && json_object_get_int64(field(hc, "Memory")) > 0))
			json_object_array_add(
			    cc->warnings,
			    json_object_new_string("OOM killer is disabled for the container, but no memory "
						   "limit is set, this can result in the system running out "
						   "of resources."));
	}
}

static void host_config(struct cctx *cc, json_object *hc)
{
	engine_strarray caps;
	const char *s;
	json_object *v;

	if (!hc)
		return;
	if (!want(cc, hc, json_type_object, "HostConfig"))
		return;
	json_object_object_foreach(hc, k, unused)
	{
		(void)unused;
		if (!known(host_keys, k)) {
			fail(cc, 400, "HostConfig: unknown field \"%s\"%s", k, NULL);
			return;
		}
	}
	resources(cc, hc);
	mounts(cc, hc);
	/* [height, width]: the terminal's size from the start (docker run -t). */
	if (field(hc, "ConsoleSize") &&
	    want(cc, field(hc, "ConsoleSize"), json_type_array, "HostConfig.ConsoleSize")) {
		json_object *cs = field(hc, "ConsoleSize");
		int64_t h = json_object_array_length(cs) == 2
				? json_object_get_int64(json_object_array_get_idx(cs, 0))
				: -1;
		int64_t w = json_object_array_length(cs) == 2
				? json_object_get_int64(json_object_array_get_idx(cs, 1))
				: -1;

		if (h < 0 || w < 0 || h > 65535 || w > 65535 || (h == 0) != (w == 0))
			fail(cc, 400, "%s: %s", "HostConfig.ConsoleSize",
			     "expected [height, width], each 0 to 65535");
		else if (h)
			check(cc, engine_spec_set_tty_size(cc->spec, (unsigned)h, (unsigned)w),
			      "HostConfig.ConsoleSize");
	}
	if (field(hc, "ReadonlyRootfs") && bool_field(cc, hc, "ReadonlyRootfs", "HostConfig.ReadonlyRootfs"))
		check(cc, engine_spec_set_read_only(cc->spec, 1), "HostConfig.ReadonlyRootfs");
	if (field(hc, "Init") && bool_field(cc, hc, "Init", "HostConfig.Init"))
		check(cc, engine_spec_set_init(cc->spec, 1), "HostConfig.Init");
	if (strv_field(cc, hc, "CapAdd", "HostConfig.CapAdd", &caps) > 0) {
		for (size_t i = 0; i < caps.count; i++)
			check(cc, engine_spec_add_cap(cc->spec, caps.strings[i]), "invalid CapAdd");
		engine_strarray_dispose(&caps);
	}
	if (strv_field(cc, hc, "CapDrop", "HostConfig.CapDrop", &caps) > 0) {
		for (size_t i = 0; i < caps.count; i++)
			check(cc, engine_spec_drop_cap(cc->spec, caps.strings[i]), "invalid CapDrop");
		engine_strarray_dispose(&caps);
	}
	{
		/* dockerd's default: no no_new_privs unless daemon.json's
		 * "no-new-privileges" or the container's SecurityOpt asks (the
		 * library's own default is on): setuid programs (su, sudo,
		 * ping) work in a container as they do under dockerd */
		json_object *nnp = NULL;

		json_object_object_get_ex(cc->d->cfg.file, "no-new-privileges", &nnp);
		check(cc, engine_spec_set_no_new_privs(cc->spec, nnp && json_object_get_boolean(nnp)),
		      "no-new-privileges");
	}
	security_opts(cc, hc);
	if ((v = field(hc, "RestartPolicy")) && want(cc, v, json_type_object, "HostConfig.RestartPolicy")) {
		const char *name =
		    field(v, "Name") ? str_field(cc, v, "Name", "HostConfig.RestartPolicy.Name") : "";
		int64_t max =
		    field(v, "MaximumRetryCount")
			? int_field(cc, v, "MaximumRetryCount", "HostConfig.RestartPolicy.MaximumRetryCount")
			: 0;
		char policy[64];

		if (name && *name && strcmp(name, "no") != 0 && strcmp(name, "always") != 0 &&
		    strcmp(name, "unless-stopped") != 0 && strcmp(name, "on-failure") != 0)
			fail(cc, 400, "invalid restart policy '%s'%s", name, NULL);
		if (!cc->failed && name && *name && strcmp(name, "no") != 0) {
			if (field(hc, "AutoRemove") &&
			    bool_field(cc, hc, "AutoRemove", "HostConfig.AutoRemove"))
				fail(cc, 400, "%s: conflicting options: AutoRemove and restart policy \"%s\"",
				     "HostConfig.RestartPolicy", name);
			if (strcmp(name, "on-failure") == 0 && max > 0)
				snprintf(policy, sizeof(policy), "on-failure:%lld", (long long)max);
			else
				snprintf(policy, sizeof(policy), "%s", name);
			if (!cc->failed)
				check(cc, engine_spec_set_restart_policy(cc->spec, policy),
				      "HostConfig.RestartPolicy");
		}
	}
	if (field(hc, "AutoRemove"))
		bool_field(cc, hc, "AutoRemove", "HostConfig.AutoRemove");
	if ((v = field(hc, "LogConfig")) && want(cc, v, json_type_object, "HostConfig.LogConfig")) {
		/* Checked by the library at create (names, Docker's words, 400)
		 * and at start (values); an empty Type is the daemon's default. */
		const char *t = field(v, "Type") ? str_field(cc, v, "Type", "HostConfig.LogConfig.Type") : "";
		json_object *lc = field(v, "Config");

		if (t && *t)
			check(cc, engine_spec_set_log_driver(cc->spec, t), "HostConfig.LogConfig.Type");
		if (lc && want(cc, lc, json_type_object, "HostConfig.LogConfig.Config")) {
			json_object_object_foreach(lc, key, val)
			{
				char *kv = NULL;

				if (!json_object_is_type(val, json_type_string)) {
					fail(cc, 400, "%s: expected a string for \"%s\"",
					     "HostConfig.LogConfig.Config", key);
					break;
				}
				if (asprintf(&kv, "%s=%s", key, json_object_get_string(val)) < 0)
					kv = NULL;
				check(cc, kv ? engine_spec_add_log_opt(cc->spec, kv) : -1,
				      "HostConfig.LogConfig.Config");
				free(kv);
			}
		}
	}
	s = field(hc, "Runtime") ? str_field(cc, hc, "Runtime", "HostConfig.Runtime") : "";
	if (s && *s && strcmp(s, DAEMON_RUNTIME_NAME) != 0)
		fail(cc, 400, "%s: unknown runtime \"%s\" (engine)", "HostConfig.Runtime", s);
	/* The namespace modes, in dockerd's words when invalid ("invalid IPC
	 * mode: x"); a hostname with UTSMode host fails at create. */
	{
		static const char *const keys[] = {"IpcMode", "PidMode", "UTSMode", "UsernsMode",
						   "CgroupnsMode"};
		int (*const set[])(engine_spec *, const char *) = {
		    engine_spec_set_ipc, engine_spec_set_pid, engine_spec_set_uts,
		    engine_spec_set_userns_mode, engine_spec_set_cgroupns};
		char name[32];

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			snprintf(name, sizeof(name), "HostConfig.%s", keys[i]);
			s = field(hc, keys[i]) ? str_field(cc, hc, keys[i], name) : "";
			if (s && *s && set[i](cc->spec, s) < 0 && !cc->failed)
				fail(cc, 400, "%s%s", engine_error_last()->message, NULL);
		}
	}
	if (field(hc, "Privileged") && bool_field(cc, hc, "Privileged", "HostConfig.Privileged"))
		check(cc, engine_spec_set_privileged(cc->spec, 1), "Privileged");
	host_kernel(cc, hc);
	unsupported(cc, hc, "DeviceRequests", "device requests");
	unsupported(cc, hc, "CgroupParent",
		    "a per-container cgroup parent (set cgroup-parent in daemon.json)");
	unsupported(cc, hc, "StorageOpt", "storage options");
	unsupported(cc, hc, "VolumeDriver", "volume drivers");
}

static void config(struct cctx *cc, json_object *body)
{
	engine_strarray a;
	const char *s;

	json_object_object_foreach(body, k, unused)
	{
		(void)unused;
		if (!known(config_keys, k)) {
			fail(cc, 400, "unknown field \"%s\" in the container config%s", k, NULL);
			return;
		}
	}
	s = str_field(cc, body, "Image", "Image");
	if (!s || !*s) {
		fail(cc, 400, "%s: an image is required%s", "Image", NULL);
		return;
	}
	if (engine_spec_set_image(cc->spec, s) < 0) {
		check(cc, -1, "Image");
		return;
	}
	if (strv_field(cc, body, "Cmd", "Cmd", &a) > 0) {
		if (a.count)
			check(cc, engine_spec_set_argv(cc->spec, &a), "Cmd");
		engine_strarray_dispose(&a);
	}
	if (strv_field(cc, body, "Entrypoint", "Entrypoint", &a) > 0) {
		/* --entrypoint "" arrives as [""]: clear the image's. */
		engine_strarray empty = {NULL, 0};

		check(cc,
		      engine_spec_set_entrypoint(cc->spec, (a.count == 1 && !*a.strings[0]) ? &empty : &a),
		      "Entrypoint");
		engine_strarray_dispose(&a);
	}
	if (strv_field(cc, body, "Env", "Env", &a) > 0) {
		/* "KEY" alone would pull in the daemon's own value: Docker drops it. */
		for (size_t i = 0; i < a.count && !cc->failed; i++)
			if (strchr(a.strings[i], '='))
				check(cc, engine_spec_add_env(cc->spec, a.strings[i]), "Env");
		engine_strarray_dispose(&a);
	}
	if (field(body, "WorkingDir") && (s = str_field(cc, body, "WorkingDir", "WorkingDir")) && *s) {
		if (s[0] != '/')
			fail(cc, 400,
			     "the working directory '%s' is invalid, it needs to be an absolute path%s", s,
			     NULL);
		else
			check(cc, engine_spec_set_working_dir(cc->spec, s), "WorkingDir");
	}
	if (field(body, "User") && (s = str_field(cc, body, "User", "User")) && *s)
		check(cc, engine_spec_set_user(cc->spec, s), "User");
	if (field(body, "Hostname") && (s = str_field(cc, body, "Hostname", "Hostname")) && *s)
		check(cc, engine_spec_set_hostname(cc->spec, s), "Hostname");
	if (field(body, "Labels") && want(cc, field(body, "Labels"), json_type_object, "Labels")) {
		json_object_object_foreach(field(body, "Labels"), lk, lv)
		{
			if (!json_object_is_type(lv, json_type_string)) {
				fail(cc, 400, "Labels: the value of \"%s\" must be a string%s", lk, NULL);
				break;
			}
		}
	}
	/* The library stops with them (engine stop, restarts, the monitor). */
	if (field(body, "StopTimeout"))
		check(cc,
		      engine_spec_set_stop_timeout(cc->spec,
						   (int)int_field(cc, body, "StopTimeout", "StopTimeout")),
		      "StopTimeout");
	if (field(body, "StopSignal") && (s = str_field(cc, body, "StopSignal", "StopSignal")) && *s)
		check(cc, engine_spec_set_stop_signal(cc->spec, s), "StopSignal");
	if (field(body, "Tty") && bool_field(cc, body, "Tty", "Tty"))
		check(cc, engine_spec_set_tty(cc->spec, 1), "Tty");
	{
		bool open_stdin = field(body, "OpenStdin") && bool_field(cc, body, "OpenStdin", "OpenStdin");
		bool once = field(body, "StdinOnce") && bool_field(cc, body, "StdinOnce", "StdinOnce");

		/* dockerd ignores StdinOnce without OpenStdin. */
		if (open_stdin)
			check(cc, engine_spec_set_stdin(cc->spec, 1, once), "OpenStdin");
	}
	if (field(body, "Healthcheck") &&
	    want(cc, field(body, "Healthcheck"), json_type_object, "Healthcheck")) {
		static const struct {
			const char *key, *option;
		} durations[] = {
		    {"Interval", "interval"}, {"Timeout", "timeout"}, {"StartPeriod", "start-period"}};
		json_object *h = field(body, "Healthcheck");
		engine_strarray test;
		char buf[32];

		/* an empty Test inherits the image's, as with dockerd */
		if (strv_field(cc, h, "Test", "Healthcheck.Test", &test) > 0) {
			if (test.count)
				check(cc, engine_spec_set_healthcheck(cc->spec, &test), "Healthcheck.Test");
			engine_strarray_dispose(&test);
		}
		for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]) && !cc->failed; i++)
			if (field(h, durations[i].key)) {
				int64_t ns = int_field(cc, h, durations[i].key, "Healthcheck");

				snprintf(buf, sizeof(buf), "%lldns", (long long)ns);
				if (!cc->failed && ns != 0)
					check(
					    cc,
					    engine_spec_set_health_option(cc->spec, durations[i].option, buf),
					    "Healthcheck");
			}
		if (!cc->failed && field(h, "Retries")) {
			snprintf(buf, sizeof(buf), "%lld",
				 (long long)int_field(cc, h, "Retries", "Healthcheck.Retries"));
			check(cc, engine_spec_set_health_option(cc->spec, "retries", buf),
			      "Healthcheck.Retries");
		}
	}
	host_config(cc, field(body, "HostConfig"));
	/* Config.Volumes {"/path": {}}: anonymous volumes, unless a mount is there already */
	if (!cc->failed && field(body, "Volumes") &&
	    want(cc, field(body, "Volumes"), json_type_object, "Volumes")) {
		json_object_object_foreach(field(body, "Volumes"), dst, vunused)
		{
			(void)vunused;
			if (cc->failed)
				break;
			if (engine_spec_add_volume(cc->spec, dst) < 0 &&
			    !strstr(engine_error_last()->message, "duplicate mount point"))
				check(cc, -1, "Volumes");
		}
	}
	if (!cc->failed) {
		struct neterr e;

		if (netconfig_apply(cc->ctx, cc->spec, body, cc->warnings, &e) < 0)
			fail(cc, e.status, "%s%s", e.msg, NULL);
	}
}

static bool valid_name(const char *n)
{
	if (n[0] == '/')
		n++;
	if (!((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') || (n[0] >= '0' && n[0] <= '9')))
		return false;
	return strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == strlen(n) &&
	       strlen(n) < 256;
}

void reply_name_conflict(hs_request *req, engine_context *ctx, const char *name, const char *prefix)
{
	engine_container *other = NULL;

	if (name && engine_container_open(ctx, name, &other) == 0)
		hs_reply_error(
		    req, 409,
		    "%sConflict. The container name \"/%s\" is already in use by container \"%s\". "
		    "You have to remove (or rename) that container to be able to reuse that name.",
		    prefix, name[0] == '/' ? name + 1 : name, engine_container_id(other));
	else
		reply_engine_error(req, NULL);
	engine_container_free(other);
}

void handle_container_create(hs_request *req, void *app)
{
	struct daemon *d = app;
	struct dctx *dc = dctx_get(d);
	struct cctx cc = {.req = req, .d = d, .ctx = dc->ctx};
	json_object *body = NULL, *meta = NULL, *cfgcopy = NULL, *v;
	engine_container *c = NULL;
	const char *name = hs_query(req, "name");
	int r;

	if (hs_body_json(req, &body) < 0)
		goto out;
	if (!body || !json_object_is_type(body, json_type_object)) {
		hs_reply_error(req, 400, "container config: expected a JSON object in the request body");
		goto out;
	}
	if (name && *name && !valid_name(name)) {
		hs_reply_error(req, 400,
			       "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
			       name);
		goto out;
	}
	cc.warnings = json_object_new_array();
	if (engine_spec_new(&cc.spec) < 0) {
		reply_engine_error(req, NULL);
		goto out;
	}
	config(&cc, body);
	if (cc.failed)
		goto out;
	if (name && *name)
		check(&cc, engine_spec_set_name(cc.spec, name[0] == '/' ? name + 1 : name), "name");
	if (cc.failed)
		goto out;
	r = engine_container_create(dc->ctx, cc.spec, &c);
	if (r == ENGINE_ENOTFOUND) {
		reply_no_such_image(req, json_object_get_string(field(body, "Image")));
		goto out;
	}
	if (r == ENGINE_EEXISTS) {
		reply_name_conflict(req, dc->ctx, name, "");
		goto out;
	}
	if (r < 0) {
		reply_engine_error(req, NULL);
		goto out;
	}
	/* Keep what the client asked for, for inspect and AutoRemove. */
	meta = json_object_new_object();
	json_object_deep_copy(body, &cfgcopy, NULL);
	json_object_object_del(cfgcopy, "HostConfig");
	json_object_object_del(cfgcopy, "NetworkingConfig");
	json_object_object_add(meta, "Config", cfgcopy);
	if ((v = field(body, "HostConfig")))
		json_object_object_add(meta, "HostConfig", json_object_get(v));
	if ((v = field(body, "NetworkingConfig")))
		json_object_object_add(meta, "NetworkingConfig", json_object_get(v));
	if (registry_store_meta(d, engine_container_id(c), meta) < 0) {
		hs_reply_error(req, 500, "record container %.12s: %s", engine_container_id(c),
			       strerror(errno));
		engine_container_remove(c, 1);
		goto out;
	}
	{
		struct neterr e;

		if (netconfig_connect_extra(dc->ctx, engine_container_id(c), body, &e) < 0) {
			hs_reply_error(req, e.status, "%s", e.msg);
			registry_remove_container(d, c, true, true);
			goto out;
		}
	}
	events_container(c, "create", NULL);
	{
		json_object *o = json_object_new_object();

		json_object_object_add(o, "Id", json_object_new_string(engine_container_id(c)));
		json_object_object_add(o, "Warnings", json_object_get(cc.warnings));
		hs_reply_json(req, 201, o);
	}
out:
	if (meta)
		json_object_put(meta);
	if (body)
		json_object_put(body);
	if (cc.warnings)
		json_object_put(cc.warnings);
	engine_spec_free(cc.spec);
	engine_container_free(c);
	dctx_put(d, dc);
}
