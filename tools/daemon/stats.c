/*
 * GET /containers/{id}/stats: Docker's stats JSON (cpu_stats with the host's
 * system_cpu_usage so clients compute CPU %, precpu_stats from the previous
 * sample, memory_stats with the inactive file cache the CLI subtracts,
 * pids_stats), streamed once a second, or one sample pair (stream=0: two
 * samples a second apart, like dockerd) or a single sample (one-shot=1).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"

struct sample {
	bool valid;
	int64_t read_ns;
	uint64_t system_ns;
	engine_container_stats s;
};

struct stats_job {
	struct daemon *d;
	struct dctx *dc;
	engine_container *c;
	char name[256];
	bool stream, one_shot;
};

/* The host's CPU time in ns, from the first line of /proc/stat. */
static uint64_t system_cpu_ns(void)
{
	unsigned long long v[10] = {0}, sum = 0;
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &v[6], &v[7]) != 8) {
		fclose(f);
		return 0;
	}
	fclose(f);
	for (int i = 0; i < 8; i++)
		sum += v[i];
	return (uint64_t)(sum * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK)));
}

static void take(engine_container *c, struct sample *s)
{
	struct timespec now;

	memset(s, 0, sizeof(*s));
	engine_container_stats_init(&s->s, ENGINE_CONTAINER_STATS_VERSION);
	s->valid = engine_container_stats_get(c, &s->s) == 0;
	clock_gettime(CLOCK_REALTIME, &now);
	s->read_ns = s->valid ? (int64_t)now.tv_sec * 1000000000 + now.tv_nsec : 0;
	s->system_ns = s->valid ? system_cpu_ns() : 0;
}

static json_object *cpu_json(const struct sample *s)
{
	json_object *o = json_object_new_object(), *u = json_object_new_object(),
		    *t = json_object_new_object();

	json_object_object_add(u, "total_usage", json_object_new_int64((int64_t)s->s.cpu_usage_ns));
	json_object_object_add(u, "usage_in_kernelmode", json_object_new_int64((int64_t)s->s.cpu_system_ns));
	json_object_object_add(u, "usage_in_usermode", json_object_new_int64((int64_t)s->s.cpu_user_ns));
	json_object_object_add(o, "cpu_usage", u);
	/* dockerd leaves both out of a sample it has not taken (a stopped
	 * container; precpu of a one-shot read). */
	if (s->valid) {
		json_object_object_add(o, "system_cpu_usage", json_object_new_int64((int64_t)s->system_ns));
		json_object_object_add(o, "online_cpus",
				       json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
	}
	json_object_object_add(t, "periods", json_object_new_int64((int64_t)s->s.cpu_periods));
	json_object_object_add(t, "throttled_periods",
			       json_object_new_int64((int64_t)s->s.cpu_throttled_periods));
	json_object_object_add(t, "throttled_time", json_object_new_int64((int64_t)s->s.cpu_throttled_ns));
	json_object_object_add(o, "throttling_data", t);
	return o;
}

/* A read and a write entry per device, with its major and minor numbers
 * as dockerd reports them; NULL (as dockerd) without any block I/O. */
static json_object *blkio_list(struct stats_job *j, const struct sample *cur)
{
	json_object *list = NULL;
	char *json = NULL;

	if (!cur->valid || (!cur->s.blkio_read_bytes && !cur->s.blkio_write_bytes))
		return NULL;
	if (engine_container_blkio_stats(j->c, &json) == 0)
		list = json_tokener_parse(json);
	engine_free(json);
	if (list && json_object_array_length(list) == 0) {
		json_object_put(list);
		list = NULL;
	}
	return list;
}

static json_object *stats_json(struct stats_job *j, const struct sample *cur, const struct sample *pre)
{
	json_object *o = json_object_new_object(), *m = json_object_new_object(),
		    *ms = json_object_new_object();
	json_object *p = json_object_new_object(), *blk = json_object_new_object();
	char t[64];
	struct sysinfo si;
	uint64_t limit = cur->s.memory_limit;

	format_rfc3339(cur->read_ns, t, sizeof(t));
	json_object_object_add(o, "read", json_object_new_string(t));
	format_rfc3339(pre->read_ns, t, sizeof(t));
	json_object_object_add(o, "preread", json_object_new_string(t));
	if (cur->valid)
		json_object_object_add(p, "current", json_object_new_int64((int64_t)cur->s.pids));
	json_object_object_add(o, "pids_stats", p);
	/* Block I/O per device (the CLI and SDKs add the entries up); every
	 * list null without any, as dockerd shows a container that did no
	 * block I/O. */
	{
		static const char *const lists[] = {"io_serviced_recursive",	 "io_queue_recursive",
						    "io_service_time_recursive", "io_wait_time_recursive",
						    "io_merged_recursive",	 "io_time_recursive",
						    "sectors_recursive"};

		json_object_object_add(blk, "io_service_bytes_recursive", blkio_list(j, cur));
		for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
			json_object_object_add(blk, lists[i], NULL);
	}
	json_object_object_add(o, "blkio_stats", blk);
	json_object_object_add(o, "num_procs", json_object_new_int(0));
	json_object_object_add(o, "storage_stats", json_object_new_object());
	json_object_object_add(o, "cpu_stats", cpu_json(cur));
	json_object_object_add(o, "precpu_stats", cpu_json(pre));
	if (!limit && sysinfo(&si) == 0)
		limit = (uint64_t)si.totalram * si.mem_unit; /* unlimited: the host's memory, as dockerd */
	if (cur->valid) {
		json_object_object_add(m, "usage", json_object_new_int64((int64_t)cur->s.memory_usage));
		json_object_object_add(m, "max_usage",
				       json_object_new_int64((int64_t)cur->s.memory_max_usage));
		/* The CLI subtracts whichever of these its cgroup version uses. */
		json_object_object_add(ms, "inactive_file",
				       json_object_new_int64((int64_t)cur->s.memory_inactive_file));
		json_object_object_add(ms, "total_inactive_file",
				       json_object_new_int64((int64_t)cur->s.memory_inactive_file));
		json_object_object_add(m, "stats", ms);
		json_object_object_add(m, "failcnt", json_object_new_int64((int64_t)cur->s.oom_kills));
		json_object_object_add(m, "limit", json_object_new_int64((int64_t)limit));
	} else {
		json_object_put(ms);
	}
	json_object_object_add(o, "memory_stats", m);
	/* The container's own interfaces, summed (none for --network none or
	 * host: dockerd leaves "networks" out then). */
	if (cur->valid && (cur->s.net_rx_packets || cur->s.net_tx_packets)) {
		json_object *nets = json_object_new_object(), *eth = json_object_new_object();

		json_object_object_add(eth, "rx_bytes", json_object_new_int64((int64_t)cur->s.net_rx_bytes));
		json_object_object_add(eth, "rx_packets",
				       json_object_new_int64((int64_t)cur->s.net_rx_packets));
		json_object_object_add(eth, "rx_errors", json_object_new_int64(0));
		json_object_object_add(eth, "rx_dropped", json_object_new_int64(0));
		json_object_object_add(eth, "tx_bytes", json_object_new_int64((int64_t)cur->s.net_tx_bytes));
		json_object_object_add(eth, "tx_packets",
				       json_object_new_int64((int64_t)cur->s.net_tx_packets));
		json_object_object_add(eth, "tx_errors", json_object_new_int64(0));
		json_object_object_add(eth, "tx_dropped", json_object_new_int64(0));
		json_object_object_add(nets, "eth0", eth);
		json_object_object_add(o, "networks", nets);
	}
	json_object_object_add(o, "name", json_object_new_string(j->name));
	json_object_object_add(o, "id", json_object_new_string(engine_container_id(j->c)));
	return o;
}

static void stats_run(hs_stream *st, void *data)
{
	struct stats_job *j = data;
	struct sample pre, cur;

	memset(&pre, 0, sizeof(pre));
	take(j->c, &cur);
	if (!j->stream && !j->one_shot && cur.valid) {
		/* Two samples a second apart, so the one reply carries a CPU delta. */
		pre = cur;
		sleep(1);
		take(j->c, &cur);
	}
	for (;;) {
		if (hs_stream_json(st, stats_json(j, &cur, &pre)) < 0 || !j->stream)
			return;
		pre = cur;
		sleep(1);
		if (hs_stream_gone(st))
			return;
		take(j->c, &cur);
	}
}

static void stats_free(void *data)
{
	struct stats_job *j = data;

	engine_container_free(j->c);
	dctx_put(j->d, j->dc);
	free(j);
}

static void stats(hs_request *req, void *app)
{
	struct stats_job *j = calloc(1, sizeof(*j));

	if (!j) {
		hs_reply_error(req, 500, "out of memory");
		return;
	}
	j->d = app;
	j->dc = dctx_get(app);
	j->c = open_container_param(req, j->dc->ctx);
	if (!j->c) {
		stats_free(j);
		return;
	}
	snprintf(j->name, sizeof(j->name), "/%s", engine_container_name(j->c));
	j->stream = hs_query_bool(req, "stream", true);
	j->one_shot = hs_query_bool(req, "one-shot", false);
	hs_reply_stream(req, 200, "application/json", stats_run, j, stats_free);
}

const struct hs_route daemon_stats_routes[] = {
    {"GET", "/containers/{id}/stats", stats, 0},
    {NULL, NULL, NULL, 0},
};
