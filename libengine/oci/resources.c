/*
 * linux.resources: memory, cpu, cpuset, pids and devices become the cgroup
 * limits every container uses; the rest (memory extras, cpu realtime and
 * burst, blockIO, hugepageLimits, network, unified) is written to the
 * container's cgroup files, v1 or v2 names as the host has them. A
 * setting whose controller or file the host lacks is an error naming it.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "oci/oci.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

static const char *const res_keys[] = {"devices",	 "memory",  "cpu",  "pids",    "blockIO",
				       "hugepageLimits", "network", "rdma", "unified", NULL};
static const char *const mem_keys[] = {
    "limit",	    "reservation",	 "swap", "kernel", "kernelTCP", "swappiness", "disableOOMKiller",
    "useHierarchy", "checkBeforeUpdate", NULL};
static const char *const cpu_keys[] = {"shares",	 "quota", "burst", "period", "realtimeRuntime",
				       "realtimePeriod", "cpus",  "mems",  "idle",   NULL};
static const char *const pids_keys[] = {"limit", NULL};
static const char *const dev_keys[] = {"allow", "type", "major", "minor", "access", NULL};
static const char *const blkio_keys[] = {"weight",
					 "leafWeight",
					 "weightDevice",
					 "throttleReadBpsDevice",
					 "throttleWriteBpsDevice",
					 "throttleReadIOPSDevice",
					 "throttleWriteIOPSDevice",
					 NULL};
static const char *const net_keys[] = {"classID", "priorities", NULL};

static bool has(json_object *o, const char *key, json_object **out)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return false;
	if (out)
		*out = v;
	return true;
}

static int check_all(json_object *res)
{
	int r;

	if ((r = engine__oci_check_keys(res, "linux.resources", res_keys)) < 0 ||
	    (r = engine__oci_check_keys(json_object_object_get(res, "memory"), "linux.resources.memory",
					mem_keys)) < 0 ||
	    (r = engine__oci_check_keys(json_object_object_get(res, "cpu"), "linux.resources.cpu",
					cpu_keys)) < 0 ||
	    (r = engine__oci_check_keys(json_object_object_get(res, "pids"), "linux.resources.pids",
					pids_keys)) < 0 ||
	    (r = engine__oci_check_keys(json_object_object_get(res, "blockIO"), "linux.resources.blockIO",
					blkio_keys)) < 0 ||
	    (r = engine__oci_check_keys(json_object_object_get(res, "network"), "linux.resources.network",
					net_keys)) < 0)
		return r;
	if (has(res, "rdma", NULL))
		return engine__error_set(ENGINE_ENOTSUP, 0,
					 "config.json: linux.resources.rdma: not supported");
	return 0;
}

int engine__oci_limits(json_object *res, engine__cgroup_limits *l, engine__cgroup_device_rule **rules_out)
{
	json_object *mem, *cpu, *pids, *devs, *v;
	int r;

	memset(l, 0, sizeof(*l));
	*rules_out = NULL;
	if (!res)
		return 0;
	if ((r = check_all(res)) < 0)
		return r;
	mem = json_object_object_get(res, "memory");
	cpu = json_object_object_get(res, "cpu");
	pids = json_object_object_get(res, "pids");
	if (has(mem, "limit", &v) && json_object_get_int64(v) > 0)
		l->memory = json_object_get_int64(v);
	/* OCI's swap is memory+swap; unset leaves swap as the host has it. */
	l->memory_swap = -1;
	if (has(mem, "swap", &v) && json_object_get_int64(v) > 0 && l->memory)
		l->memory_swap = json_object_get_int64(v);
	if (has(cpu, "shares", &v))
		l->cpu_shares = json_object_get_uint64(v);
	if (has(cpu, "quota", &v) && json_object_get_int64(v) > 0) {
		l->cpu_quota = json_object_get_int64(v);
		if (has(cpu, "period", &v))
			l->cpu_period = json_object_get_uint64(v);
	}
	l->cpuset_cpus = engine__json_get_string(cpu, "cpus");
	l->cpuset_mems = engine__json_get_string(cpu, "mems");
	if (l->cpuset_cpus && !*l->cpuset_cpus)
		l->cpuset_cpus = NULL;
	if (l->cpuset_mems && !*l->cpuset_mems)
		l->cpuset_mems = NULL;
	if (has(pids, "limit", &v) && json_object_get_int64(v) > 0)
		l->pids = json_object_get_int64(v);
	if ((devs = engine__json_get_type(res, "devices", json_type_array))) {
		size_t n = json_object_array_length(devs);
		engine__cgroup_device_rule *rules = calloc(n + 1, sizeof(*rules));

		if (!rules)
			return engine__error_oom();
		for (size_t i = 0; i < n; i++) {
			json_object *d = json_object_array_get_idx(devs, i);
			const char *type = engine__json_get_string(d, "type"),
				   *acc = engine__json_get_string(d, "access");

			if ((r = engine__oci_check_keys(d, "linux.resources.devices[]", dev_keys)) < 0) {
				free(rules);
				return r;
			}
			if ((type && (strlen(type) != 1 || !strchr("acb", type[0]))) ||
			    (acc && strspn(acc, "rwm") != strlen(acc)) || (acc && strlen(acc) > 3)) {
				free(rules);
				return engine__error_set(
				    ENGINE_EINVALID, 0,
				    "config.json: linux.resources.devices[%zu]: type \"%s\" access "
				    "\"%s\": invalid",
				    i, type ? type : "", acc ? acc : "");
			}
			rules[i].allow = json_object_get_boolean(json_object_object_get(d, "allow"));
			rules[i].type = type ? type[0] : 'a';
			rules[i].major = has(d, "major", &v) ? json_object_get_int64(v) : -1;
			rules[i].minor = has(d, "minor", &v) ? json_object_get_int64(v) : -1;
			snprintf(rules[i].access, sizeof(rules[i].access), "%s", acc && *acc ? acc : "rwm");
		}
		l->n_device_rules = n;
		*rules_out = rules;
	}
	return 0;
}

static int set(engine__cgroup *cg, bool v2, const char *v1ctrl, const char *v1file, const char *v2file,
	       const char *value, const char *field)
{
	int r;

	if (v2 && !v2file)
		return engine__error_set(ENGINE_ENOTSUP, 0,
					 "linux.resources.%s: not available with cgroup v2", field);
	if (!v2 && !v1file)
		return engine__error_set(ENGINE_ENOTSUP, 0,
					 "linux.resources.%s: not available with cgroup v1", field);
	r = engine__cgroup_set_file(cg, v2 ? NULL : v1ctrl, v2 ? v2file : v1file, value);
	return r < 0 ? engine__error_wrap("linux.resources.%s", field) : 0;
}

static int set_i64(engine__cgroup *cg, bool v2, const char *ctrl, const char *f1, const char *f2,
		   int64_t value, const char *field)
{
	char buf[32];

	if (v2 && value < 0)
		snprintf(buf, sizeof(buf), "max");
	else
		snprintf(buf, sizeof(buf), "%" PRId64, value);
	return set(cg, v2, ctrl, f1, f2, buf, field);
}

/* "maj:min value" lines of a blockIO device list. */
static int blkio_devices(engine__cgroup *cg, bool v2, json_object *list, const char *f1, const char *v2key,
			 const char *field)
{
	int r;

	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		json_object *d = json_object_array_get_idx(list, i);
		char buf[96];
		int64_t rate = engine__json_get_int(d, v2key ? "rate" : "weight", 0);

		if (v2 && v2key)
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %s=%" PRId64,
				 engine__json_get_int(d, "major", 0), engine__json_get_int(d, "minor", 0),
				 v2key, rate);
		else
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %" PRId64,
				 engine__json_get_int(d, "major", 0), engine__json_get_int(d, "minor", 0),
				 rate);
		if ((r = set(cg, v2, "blkio", f1, v2key ? "io.max" : "io.weight", buf, field)) < 0)
			return r;
	}
	return 0;
}

/* Kernels since 5.16 take a cgroup v1 kmem limit and ignore it; the spec
 * lets a runtime ignore `kernel` and `kernelTCP`, but not in silence. */
static void kmem_check(engine_context *ctx, engine__cgroup *cg, const char *file, int64_t want,
		       const char *field)
{
	const char *dir = engine__cgroup_path(cg, "memory");
	cleanup_free char *path = dir ? engine__path_join(dir, file) : NULL, *text = NULL;
	size_t len;

	if (!path || engine__read_file(path, &text, &len) < 0) {
		engine_error_clear();
		return;
	}
	if (strtoll(text, NULL, 10) != (want & ~(int64_t)4095))
		engine__log(ctx, ENGINE_LOG_WARN,
			    "config.json: linux.resources.%s: not applied: this kernel ignores kernel "
			    "memory limits",
			    field);
}

int engine__oci_resources_extra(engine_context *ctx, engine__cgroup *cg, json_object *res)
{
	bool v2 = engine__cgroup_handle_mode(cg) == ENGINE__CGROUP_UNIFIED;
	json_object *mem, *cpu, *blk, *net, *v, *list;
	int r = 0;

	if (!res)
		return 0;
	if ((r = check_all(res)) < 0)
		return r;
	mem = json_object_object_get(res, "memory");
	cpu = json_object_object_get(res, "cpu");
	blk = json_object_object_get(res, "blockIO");
	net = json_object_object_get(res, "network");
	if (has(mem, "reservation", &v) && json_object_get_int64(v) > 0 &&
	    (r = set_i64(cg, v2, "memory", "memory.soft_limit_in_bytes", "memory.low",
			 json_object_get_int64(v), "memory.reservation")) < 0)
		return r;
	for (int k = 0; k < 2; k++) {
		static const char *const keys[] = {"kernel", "kernelTCP"};
		static const char *const files[] = {"memory.kmem.limit_in_bytes",
						    "memory.kmem.tcp.limit_in_bytes"};
		char field[32];

		if (!has(mem, keys[k], &v) || json_object_get_int64(v) == 0)
			continue;
		snprintf(field, sizeof(field), "memory.%s", keys[k]);
		if ((r = set_i64(cg, v2, "memory", files[k], NULL, json_object_get_int64(v), field)) < 0)
			return r;
		if (json_object_get_int64(v) > 0)
			kmem_check(ctx, cg, files[k], json_object_get_int64(v), field);
	}
	if (has(mem, "swappiness", &v) && json_object_get_int64(v) >= 0 && json_object_get_int64(v) <= 100 &&
	    (r = set_i64(cg, v2, "memory", "memory.swappiness", NULL, json_object_get_int64(v),
			 "memory.swappiness")) < 0)
		return r;
	if (has(mem, "disableOOMKiller", &v) && json_object_get_boolean(v) &&
	    (r = set(cg, v2, "memory", "memory.oom_control", NULL, "1", "memory.disableOOMKiller")) < 0)
		return r;
	if (has(cpu, "period", &v) &&
	    !(has(cpu, "quota", NULL) && json_object_get_int64(json_object_object_get(cpu, "quota")) > 0) &&
	    json_object_get_int64(v) > 0 &&
	    (r = set_i64(cg, v2, "cpu", "cpu.cfs_period_us", NULL, json_object_get_int64(v), "cpu.period")) <
		0)
		return r;
	if (has(cpu, "burst", &v) && (r = set_i64(cg, v2, "cpu", "cpu.cfs_burst_us", "cpu.max.burst",
						  json_object_get_int64(v), "cpu.burst")) < 0)
		return r;
	if (has(cpu, "realtimePeriod", &v) && json_object_get_int64(v) > 0 &&
	    (r = set_i64(cg, v2, "cpu", "cpu.rt_period_us", NULL, json_object_get_int64(v),
			 "cpu.realtimePeriod")) < 0)
		return r;
	if (has(cpu, "realtimeRuntime", &v) && json_object_get_int64(v) != 0 &&
	    (r = set_i64(cg, v2, "cpu", "cpu.rt_runtime_us", NULL, json_object_get_int64(v),
			 "cpu.realtimeRuntime")) < 0)
		return r;
	if (has(cpu, "idle", &v) &&
	    (r = set_i64(cg, v2, "cpu", NULL, "cpu.idle", json_object_get_int64(v), "cpu.idle")) < 0)
		return r;
	/* A weight of 0 is "unset" (runc, dockerd's default); CFQ's file or BFQ's. */
	if (has(blk, "weight", &v) && json_object_get_int64(v) != 0) {
		engine__error_saved saved;

		r = set_i64(cg, v2, "blkio", "blkio.weight", "io.weight", json_object_get_int64(v),
			    "blockIO.weight");
		if (r < 0 && !v2) {
			engine__error_save(&saved);
			if ((r = set_i64(cg, v2, "blkio", "blkio.bfq.weight", NULL, json_object_get_int64(v),
					 "blockIO.weight")) < 0)
				engine__error_restore(&saved);
		}
		if (r < 0)
			return r;
	}
	if (has(blk, "leafWeight", &v) && json_object_get_int64(v) != 0 &&
	    (r = set_i64(cg, v2, "blkio", "blkio.leaf_weight", NULL, json_object_get_int64(v),
			 "blockIO.leafWeight")) < 0)
		return r;
	if ((list = engine__json_get_type(blk, "weightDevice", json_type_array)) &&
	    (r = blkio_devices(cg, v2, list, "blkio.weight_device", NULL, "blockIO.weightDevice")) < 0)
		return r;
	if ((list = engine__json_get_type(blk, "throttleReadBpsDevice", json_type_array)) &&
	    (r = blkio_devices(cg, v2, list, "blkio.throttle.read_bps_device", "rbps",
			       "blockIO.throttleReadBpsDevice")) < 0)
		return r;
	if ((list = engine__json_get_type(blk, "throttleWriteBpsDevice", json_type_array)) &&
	    (r = blkio_devices(cg, v2, list, "blkio.throttle.write_bps_device", "wbps",
			       "blockIO.throttleWriteBpsDevice")) < 0)
		return r;
	if ((list = engine__json_get_type(blk, "throttleReadIOPSDevice", json_type_array)) &&
	    (r = blkio_devices(cg, v2, list, "blkio.throttle.read_iops_device", "riops",
			       "blockIO.throttleReadIOPSDevice")) < 0)
		return r;
	if ((list = engine__json_get_type(blk, "throttleWriteIOPSDevice", json_type_array)) &&
	    (r = blkio_devices(cg, v2, list, "blkio.throttle.write_iops_device", "wiops",
			       "blockIO.throttleWriteIOPSDevice")) < 0)
		return r;
	for (size_t i = 0; (list = engine__json_get_type(res, "hugepageLimits", json_type_array)) &&
			   i < json_object_array_length(list);
	     i++) {
		json_object *h = json_object_array_get_idx(list, i);
		const char *size = engine__json_get_string(h, "pageSize");
		char f1[64], f2[64];

		if (!size)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "linux.resources.hugepageLimits[%zu].pageSize: missing", i);
		snprintf(f1, sizeof(f1), "hugetlb.%s.limit_in_bytes", size);
		snprintf(f2, sizeof(f2), "hugetlb.%s.max", size);
		if ((r = set_i64(cg, v2, "hugetlb", f1, f2, engine__json_get_int(h, "limit", 0),
				 "hugepageLimits")) < 0)
			return r;
	}
	if (has(net, "classID", &v) && (r = set_i64(cg, v2, "net_cls", "net_cls.classid", NULL,
						    json_object_get_int64(v), "network.classID")) < 0)
		return r;
	for (size_t i = 0; (list = engine__json_get_type(net, "priorities", json_type_array)) &&
			   i < json_object_array_length(list);
	     i++) {
		json_object *p = json_object_array_get_idx(list, i);
		char buf[96];

		snprintf(buf, sizeof(buf), "%s %" PRId64,
			 engine__json_get_string(p, "name") ? engine__json_get_string(p, "name") : "",
			 engine__json_get_int(p, "priority", 0));
		if ((r = set(cg, v2, "net_prio", "net_prio.ifpriomap", NULL, buf, "network.priorities")) < 0)
			return r;
	}
	if ((v = engine__json_get_type(res, "unified", json_type_object))) {
		json_object_object_foreach(v, key, val)
		{
			if (strchr(key, '/') || strstr(key, ".."))
				return engine__error_set(
				    ENGINE_EINVALID, 0, "linux.resources.unified.%s: invalid file name", key);
			r = engine__cgroup_set_file(cg, NULL, key, json_object_get_string(val));
			if (r < 0)
				return engine__error_wrap("linux.resources.unified.%s", key);
		}
	}
	return 0;
}
