/*
 * A container's inspect document as dockerd gives it: the library's
 * inspect, completed with what the client sent at create (the spec does not
 * carry every key) and with every documented Config and HostConfig member,
 * so clients that index them find the zero value dockerd shows when a
 * feature is not in use.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"

/* The HostConfig members dockerd always shows, with the value it shows when
 * the feature is not in use (types as in the API's HostConfig schema). */
enum zkind { Z_STR, Z_INT, Z_BOOL, Z_NULL, Z_ARR };
static const struct {
	const char *key;
	enum zkind kind;
} hc_zero[] = {
    {"ContainerIDFile", Z_STR},
    {"VolumeDriver", Z_STR},
    {"VolumesFrom", Z_NULL},
    {"CapAdd", Z_NULL},
    {"CapDrop", Z_NULL},
    {"Dns", Z_ARR},
    {"DnsOptions", Z_ARR},
    {"DnsSearch", Z_ARR},
    {"ExtraHosts", Z_NULL},
    {"GroupAdd", Z_NULL},
    {"Cgroup", Z_STR},
    {"Links", Z_NULL},
    {"OomScoreAdj", Z_INT},
    {"PidMode", Z_STR},
    {"PublishAllPorts", Z_BOOL},
    {"ReadonlyRootfs", Z_BOOL},
    {"SecurityOpt", Z_NULL},
    {"UTSMode", Z_STR},
    {"UsernsMode", Z_STR},
    {"Isolation", Z_STR},
    {"CpuShares", Z_INT},
    {"Memory", Z_INT},
    {"NanoCpus", Z_INT},
    {"CgroupParent", Z_STR},
    {"BlkioWeight", Z_INT},
    {"BlkioWeightDevice", Z_ARR},
    {"BlkioDeviceReadBps", Z_ARR},
    {"BlkioDeviceWriteBps", Z_ARR},
    {"BlkioDeviceReadIOps", Z_ARR},
    {"BlkioDeviceWriteIOps", Z_ARR},
    {"CpuPeriod", Z_INT},
    {"CpuQuota", Z_INT},
    {"CpuRealtimePeriod", Z_INT},
    {"CpuRealtimeRuntime", Z_INT},
    {"CpusetCpus", Z_STR},
    {"CpusetMems", Z_STR},
    {"Devices", Z_ARR},
    {"DeviceCgroupRules", Z_NULL},
    {"DeviceRequests", Z_NULL},
    {"KernelMemory", Z_INT},
    {"KernelMemoryTCP", Z_INT},
    {"MemoryReservation", Z_INT},
    {"MemorySwap", Z_INT},
    {"MemorySwappiness", Z_NULL},
    {"OomKillDisable", Z_BOOL},
    {"PidsLimit", Z_NULL},
    {"Ulimits", Z_ARR},
    {"CpuCount", Z_INT},
    {"CpuPercent", Z_INT},
    {"IOMaximumIOps", Z_INT},
    {"IOMaximumBandwidth", Z_INT},
};

static json_object *zero(enum zkind k)
{
	switch (k) {
	case Z_STR:
		return json_object_new_string("");
	case Z_INT:
		return json_object_new_int(0);
	case Z_BOOL:
		return json_object_new_boolean(0);
	case Z_ARR:
		return json_object_new_array();
	default:
		return NULL;
	}
}

/* The library keeps ulimits as "nofile=100:200"; the API's are objects. */
static void ulimit_objects(json_object *hc)
{
	json_object *ul = jget(hc, "Ulimits"), *arr;

	if (!ul || !json_object_is_type(ul, json_type_array))
		return;
	arr = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(ul); i++) {
		json_object *e = json_object_array_get_idx(ul, i), *o;
		const char *s = json_object_get_string(e), *eq;
		char *end;
		long long soft, hard;

		if (!json_object_is_type(e, json_type_string) || !(eq = strchr(s, '='))) {
			json_object_array_add(arr, json_object_get(e));
			continue;
		}
		soft = strtoll(eq + 1, &end, 10);
		hard = *end == ':' ? strtoll(end + 1, NULL, 10) : soft;
		o = json_object_new_object();
		json_object_object_add(o, "Name", json_object_new_string_len(s, (int)(eq - s)));
		json_object_object_add(o, "Hard", json_object_new_int64(hard));
		json_object_object_add(o, "Soft", json_object_new_int64(soft));
		json_object_array_add(arr, o);
	}
	json_object_object_add(hc, "Ulimits", arr);
}

/* dockerd lists HostConfig.Tmpfs mounts in HostConfig only, not in Mounts
 * (a tmpfs of HostConfig.Mounts stays there). */
static void drop_tmpfs_option_mounts(json_object *o, json_object *hc)
{
	json_object *mounts = jget(o, "Mounts"), *tmpfs = jget(hc, "Tmpfs"), *kept;

	if (!mounts || !json_object_is_type(mounts, json_type_array) || !tmpfs ||
	    !json_object_is_type(tmpfs, json_type_object))
		return;
	kept = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		json_object *m = json_object_array_get_idx(mounts, i);
		const char *type = jget_str(m, "Type"), *dst = jget_str(m, "Destination");

		if (!(type && dst && strcmp(type, "tmpfs") == 0 &&
		      json_object_object_get_ex(tmpfs, dst, NULL)))
			json_object_array_add(kept, json_object_get(m));
	}
	json_object_object_add(o, "Mounts", kept);
}

static void hostconfig_defaults(json_object *hc)
{
	ulimit_objects(hc);
	json_object *cs = json_object_new_array();

	for (size_t i = 0; i < sizeof(hc_zero) / sizeof(hc_zero[0]); i++)
		jput_default(hc, hc_zero[i].key, zero(hc_zero[i].kind));
	/* Every container gets its own IPC and cgroup namespaces and the
	 * 64 MiB /dev/shm dockerd also mounts (runtime/child.c). */
	jput_default(hc, "IpcMode", json_object_new_string("private"));
	jput_default(hc, "CgroupnsMode", json_object_new_string("private"));
	jput_default(hc, "ShmSize", json_object_new_int64(64 * 1024 * 1024));
	jput_default(hc, "Runtime", json_object_new_string(DAEMON_RUNTIME_NAME));
	json_object_array_add(cs, json_object_new_int(0));
	json_object_array_add(cs, json_object_new_int(0));
	jput_default(hc, "ConsoleSize", cs);
}

/* Where dockerd 20.10 keeps a pointer or omits an unset member: null
 * (PidsLimit, MemorySwappiness, an empty SecurityOpt or Config.Volumes), no
 * Init unless given; MemorySwap twice Memory when only Memory is set. */
static void dockerd_nulls(json_object *cfg, json_object *hc, json_object *meta)
{
	json_object *v, *mhc = jget(meta, "HostConfig");

	if ((v = jget(hc, "PidsLimit")) && json_object_get_int64(v) <= 0)
		json_object_object_add(hc, "PidsLimit", NULL);
	if ((v = jget(hc, "MemorySwappiness")) && json_object_get_int64(v) < 0)
		json_object_object_add(hc, "MemorySwappiness", NULL);
	if ((v = jget(hc, "SecurityOpt")) && json_object_is_type(v, json_type_array) &&
	    json_object_array_length(v) == 0)
		json_object_object_add(hc, "SecurityOpt", NULL);
	if ((v = jget(cfg, "Volumes")) && json_object_is_type(v, json_type_object) &&
	    json_object_object_length(v) == 0)
		json_object_object_add(cfg, "Volumes", NULL);
	if ((v = jget(hc, "Init")) && !json_object_get_boolean(v) &&
	    !(jget(mhc, "Init") && json_object_is_type(jget(mhc, "Init"), json_type_boolean)))
		json_object_object_del(hc, "Init");
	if (json_object_get_int64(jget(hc, "Memory")) > 0 &&
	    json_object_get_int64(jget(hc, "MemorySwap")) == 0)
		json_object_object_add(hc, "MemorySwap",
				       json_object_new_int64(2 * json_object_get_int64(jget(hc, "Memory"))));
}

json_object *container_inspect_obj(engine_container *c)
{
	struct daemon *d = the_daemon;
	char *text = NULL;
	json_object *o, *cfg, *hc, *meta = NULL, *v;

	if (engine_container_inspect(c, &text) < 0)
		return NULL;
	o = json_tokener_parse(text);
	engine_free(text);
	if (!o)
		return NULL;
	pthread_mutex_lock(&d->lock);
	v = registry_meta(d, engine_container_id(c), NULL);
	if (v)
		json_object_deep_copy(v, &meta, NULL);
	pthread_mutex_unlock(&d->lock);
	if (!json_object_object_get_ex(o, "Config", &cfg)) {
		cfg = json_object_new_object();
		json_object_object_add(o, "Config", cfg);
	}
	if (!json_object_object_get_ex(o, "HostConfig", &hc)) {
		hc = json_object_new_object();
		json_object_object_add(o, "HostConfig", hc);
	}
	/* What the client sent fills what the library's spec does not carry. */
	if (meta && json_object_object_get_ex(meta, "Config", &v)) {
		json_object_object_foreach(v, k, val)
		{
			json_object *have;

			if (!json_object_object_get_ex(cfg, k, &have) || !have || strcmp(k, "Labels") == 0 ||
			    strcmp(k, "Tty") == 0)
				json_object_object_add(cfg, k, json_object_get(val));
		}
	}
	if (meta && json_object_object_get_ex(meta, "HostConfig", &v)) {
		json_object_object_foreach(v, k, val)
		{
			json_object *have;

			if (!json_object_object_get_ex(hc, k, &have) || !have)
				json_object_object_add(hc, k, json_object_get(val));
		}
	}
	jput_default(cfg, "AttachStdin", json_object_new_boolean(0));
	jput_default(cfg, "AttachStdout", json_object_new_boolean(0));
	jput_default(cfg, "AttachStderr", json_object_new_boolean(0));
	jput_default(cfg, "Tty", json_object_new_boolean(0));
	jput_default(cfg, "OpenStdin", json_object_new_boolean(0));
	jput_default(cfg, "StdinOnce", json_object_new_boolean(0));
	jput_default(cfg, "Labels", json_object_new_object());
	jput_default(cfg, "Domainname", json_object_new_string(""));
	jput_default(cfg, "Volumes", NULL);
	jput_default(cfg, "OnBuild", NULL);
	jput_default(cfg, "Entrypoint", NULL);
	if (!json_object_object_get_ex(hc, "LogConfig", NULL)) {
		json_object *lc = json_object_new_object();

		json_object_object_add(lc, "Type", json_object_new_string("json-file"));
		json_object_object_add(lc, "Config", json_object_new_object());
		json_object_object_add(hc, "LogConfig", lc);
	}
	jput_default(hc, "NetworkMode", json_object_new_string("none"));
	jput_default(hc, "Binds", NULL);
	jput_default(hc, "PortBindings", json_object_new_object());
	jput_default(hc, "Privileged", json_object_new_boolean(0));
	jput_default(hc, "AutoRemove", json_object_new_boolean(0));
	{
		json_object *rp = json_object_new_object();

		json_object_object_add(rp, "Name", json_object_new_string("no"));
		json_object_object_add(rp, "MaximumRetryCount", json_object_new_int(0));
		jput_default(hc, "RestartPolicy", rp);
	}
	hostconfig_defaults(hc);
	dockerd_nulls(cfg, hc, meta);
	jput_default(o, "Mounts", json_object_new_array());
	drop_tmpfs_option_mounts(o, hc);
	jput_default(o, "RestartCount", json_object_new_int(0));
	jput_default(o, "Platform", json_object_new_string("linux"));
	jput_default(o, "ExecIDs", NULL);
	{
		static const char *const empty[] = {"ResolvConfPath", "HostnamePath", "HostsPath",
						    "MountLabel",     "ProcessLabel", "AppArmorProfile"};

		for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++)
			jput_default(o, empty[i], json_object_new_string(""));
	}
	{
		struct dctx *dc = dctx_get(d);

		netconfig_settings(dc->ctx, o, meta);
		dctx_put(d, dc);
	}
	{
		json_object *gd = json_object_new_object();

		json_object_object_add(gd, "Name", json_object_new_string("overlay2"));
		json_object_object_add(gd, "Data", NULL);
		jput_default(o, "GraphDriver", gd);
	}
	if (meta)
		json_object_put(meta);
	return o;
}

void container_add_sizes(engine_context *ctx, engine_container *c, json_object *ins, json_object *dst)
{
	int64_t rw = 0, image = 0;
	char *text = NULL;
	json_object *img, *v;
	const char *id = jget_str(ins, "Image");

	if (engine_container_size_rw(c, &rw) < 0)
		rw = 0;
	if (id && engine_image_inspect(ctx, id, &text) == 0 && (img = json_tokener_parse(text))) {
		if (json_object_object_get_ex(img, "Size", &v))
			image = json_object_get_int64(v);
		json_object_put(img);
	}
	engine_free(text);
	engine_error_clear();
	json_object_object_add(dst, "SizeRw", json_object_new_int64(rw));
	json_object_object_add(dst, "SizeRootFs", json_object_new_int64(rw + image));
}
