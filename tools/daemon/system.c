/*
 * System endpoints: /_ping (HEAD and GET, the headers the CLI negotiates
 * with), /version, /info, /system/df; plus the helpers every resource file
 * shares (error mapping, time formats, stream framing).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"
#include "daemon/daemon.h"
#include "sysinfo.h"

int derr_status(int code)
{
	switch (code) {
	case ENGINE_ENOTFOUND:
		return 404;
	case ENGINE_EEXISTS:
	case ENGINE_EBUSY:
		return 409;
	case ENGINE_EINVALID:
		return 400;
	case ENGINE_EPERM:
		return 403;
	case ENGINE_ENOTSUP:
		return 501;
	default:
		return 500;
	}
}

void runc_wording(const char *msg, char *buf, size_t size)
{
	static const char denied[] = ": Permission denied", chdir_[] = "chdir to working directory ",
			  noent[] = ": No such file or directory";
	size_t l = strlen(msg);

	if (strncmp(msg, "exec ", 5) == 0 && l > 5 + strlen(denied) &&
	    strcmp(msg + l - strlen(denied), denied) == 0)
		snprintf(buf, size, "exec: \"%.*s\": permission denied", (int)(l - 5 - strlen(denied)),
			 msg + 5);
	else if (strncmp(msg, chdir_, strlen(chdir_)) == 0 && l > strlen(chdir_) + strlen(noent) &&
		 strcmp(msg + l - strlen(noent), noent) == 0)
		snprintf(buf, size,
			 "chdir to cwd (\"%.*s\") set in config.json failed: no such file or directory",
			 (int)(l - strlen(chdir_) - strlen(noent)), msg + strlen(chdir_));
	else
		snprintf(buf, size, "%s", msg);
}

void reply_engine_error(hs_request *req, const char *what)
{
	const engine_error *e = engine_error_last();

	if (what)
		hs_reply_error(req, derr_status(e->code), "%s: %s", what, e->message);
	else
		hs_reply_error(req, derr_status(e->code), "%s", e->message);
}

engine_container *open_container_param(hs_request *req, engine_context *ctx)
{
	const char *id = hs_param(req, "id");
	engine_container *c = NULL;
	int r = engine_container_open(ctx, id, &c);

	size_t pl = strlen(hs_path(req));

	if (r == ENGINE_ENOTFOUND && pl > 5 && strcmp(hs_path(req) + pl - 5, "/kill") == 0)
		hs_reply_error(req, 404, "Cannot kill container: %s: No such container: %s", id, id);
	else if (r == ENGINE_ENOTFOUND)
		hs_reply_error(req, 404, "No such container: %s", id);
	else if (r < 0)
		reply_engine_error(req, NULL);
	return r < 0 ? NULL : c;
}

/* 1 when /proc/sys/net/bridge/@name reads 1 (br_netfilter loaded and on). */
static bool bridge_nf(const char *name)
{
	char path[128], buf[8] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/bridge/%s", name);
	if (!(f = fopen(path, "re")))
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return buf[0] == '1';
}

/* /info's members about the daemon process itself and the kernel features
 * dockerd reports: open fds, threads (dockerd's goroutines), event
 * listeners, and no containerd, runc or docker-init behind it. */
static void info_process(json_object *o)
{
	static const char *const commits[] = {"ContainerdCommit", "RuncCommit", "InitCommit"};
	int fds = 0, threads = 0;
	char line[256];
	DIR *dir = opendir("/proc/self/fd");
	FILE *f = fopen("/proc/self/status", "re");

	if (dir) {
		while (readdir(dir))
			fds++;
		closedir(dir);
		fds -= 3; /* ., .. and the directory's own fd */
	}
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "Threads:", 8) == 0)
			threads = atoi(line + 8);
	if (f)
		fclose(f);
	json_object_object_add(o, "NFd", json_object_new_int(fds));
	json_object_object_add(o, "NGoroutines", json_object_new_int(threads));
	json_object_object_add(o, "NEventsListener", json_object_new_int(events_listeners()));
	/* Kernel memory accounting: the kernel ignores it since 5.16. */
	json_object_object_add(o, "KernelMemory", json_object_new_boolean(0));
	json_object_object_add(o, "KernelMemoryTCP", json_object_new_boolean(0));
	json_object_object_add(o, "BridgeNfIptables",
			       json_object_new_boolean(bridge_nf("bridge-nf-call-iptables")));
	json_object_object_add(o, "BridgeNfIp6tables",
			       json_object_new_boolean(bridge_nf("bridge-nf-call-ip6tables")));
	json_object_object_add(o, "GenericResources", NULL);
	for (size_t i = 0; i < sizeof(commits) / sizeof(commits[0]); i++) {
		json_object *c = json_object_new_object();

		jset_strs(c, "ID", "N/A", "Expected", "N/A", NULL);
		json_object_object_add(o, commits[i], c);
	}
}

int64_t parse_until(const char *s)
{
	struct timespec now;
	int64_t ns = 0, t;
	const char *p = s;
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	if (strspn(s, "0123456789.") == strlen(s))
		return (v = strtod(s, NULL)) < 9e9 ? (int64_t)(v * 1e9) : -1;
	if ((t = parse_rfc3339(s)) > 0)
		return t;
	/* A Go duration: numbers each with a unit, summed. */
	while (*p) {
		static const struct {
			const char *unit;
			double ns;
		} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
		size_t best = 0, blen = 0;

		if (!strchr("0123456789.", *p))
			return -1;
		v = strtod(p, &end);
		if (end == p)
			return -1;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);

			if (strncmp(end, units[i].unit, l) == 0 && l > blen) {
				best = i;
				blen = l;
			}
		}
		if (!blen)
			return -1;
		if (v * units[best].ns > 1e18)
			return -1;
		ns += (int64_t)(v * units[best].ns);
		p = end + blen;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - ns;
}

int filters_parse(hs_request *req, const char *const *known, json_object **out)
{
	const char *f = hs_query(req, "filters");
	json_object *o;

	*out = NULL;
	if (!f || !*f)
		return 0;
	o = json_tokener_parse(f);
	if (!o || !json_object_is_type(o, json_type_object)) {
		if (o)
			json_object_put(o);
		hs_reply_error(req, 400, "invalid filters: %s", f);
		return -1;
	}
	json_object_object_foreach(o, k, val)
	{
		bool ok = false;

		for (size_t i = 0; known[i]; i++)
			ok = ok || strcmp(known[i], k) == 0;
		if (!ok) {
			hs_reply_error(req, 400, "Invalid filter '%s'", k);
			json_object_put(o);
			return -1;
		}
		if (json_object_is_type(val, json_type_object)) {
			json_object *list = json_object_new_array();

			json_object_object_foreach(val, vk, vv)
			{
				(void)vv;
				json_object_array_add(list, json_object_new_string(vk));
			}
			json_object_object_add(o, k, list);
		} else if (!json_object_is_type(val, json_type_array)) {
			hs_reply_error(req, 400, "Invalid filter '%s': expected a list of values", k);
			json_object_put(o);
			return -1;
		}
	}
	*out = o;
	return 0;
}

const char *filter_first(json_object *filters, const char *key)
{
	json_object *v;

	if (!filters || !json_object_object_get_ex(filters, key, &v))
		return NULL;
	return json_object_array_length(v) ? json_object_get_string(json_object_array_get_idx(v, 0)) : "true";
}

void jset_strs(json_object *o, ...)
{
	va_list ap;
	const char *k;

	va_start(ap, o);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);

		json_object_object_add(o, k, json_object_new_string(v ? v : ""));
	}
	va_end(ap);
}

void frame_header(unsigned char hdr[8], int stream, size_t len)
{
	hdr[0] = (unsigned char)stream;
	hdr[1] = hdr[2] = hdr[3] = 0;
	hdr[4] = (unsigned char)(len >> 24);
	hdr[5] = (unsigned char)(len >> 16);
	hdr[6] = (unsigned char)(len >> 8);
	hdr[7] = (unsigned char)len;
}

void format_rfc3339(int64_t ns, char *buf, size_t len)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;
	char base[32];

	if (ns <= 0) {
		snprintf(buf, len, "0001-01-01T00:00:00Z");
		return;
	}
	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09lldZ", base, (long long)(ns % 1000000000));
}

int64_t parse_rfc3339(const char *s)
{
	struct tm tm;
	const char *p;
	int64_t ns = 0;
	int digits = 0;

	if (!s || !*s || strncmp(s, "0001-01-01", 10) == 0)
		return 0;
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return 0;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (digits < 9) {
				ns = ns * 10 + (*p - '0');
				digits++;
			}
	while (digits++ < 9)
		ns *= 10;
	return (int64_t)timegm(&tm) * 1000000000 + ns;
}

void format_status(const char *state, int exit_code, int64_t started_ns, int64_t finished_ns, char *buf,
		   size_t len)
{
	struct timespec now;
	char d[64];
	int64_t now_ns;

	clock_gettime(CLOCK_REALTIME, &now);
	now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	if (strcmp(state, "running") == 0 || strcmp(state, "paused") == 0) {
		cli_format_duration((now_ns - started_ns) / 1000000000, d, sizeof(d));
		snprintf(buf, len, "Up %s%s", d, strcmp(state, "paused") == 0 ? " (Paused)" : "");
	} else if (strcmp(state, "exited") == 0 && finished_ns > 0) {
		cli_format_duration((now_ns - finished_ns) / 1000000000, d, sizeof(d));
		snprintf(buf, len, "Exited (%d) %s ago", exit_code, d);
	} else if (strcmp(state, "exited") == 0) {
		snprintf(buf, len, "Exited (%d)", exit_code);
	} else if (strcmp(state, "removing") == 0) {
		snprintf(buf, len, "Removal In Progress");
	} else {
		snprintf(buf, len, "Created");
	}
}

/* --- endpoints ------------------------------------------------------------ */

static void ping(hs_request *req, void *app)
{
	(void)app;
	hs_reply_header(req, "Cache-Control", "no-cache, no-store, must-revalidate");
	hs_reply_header(req, "Pragma", "no-cache");
	if (strcmp(hs_method(req), "HEAD") == 0)
		hs_reply_raw(req, 200, "text/plain; charset=utf-8", "", 0);
	else
		hs_reply_raw(req, 200, "text/plain; charset=utf-8", "OK", 2);
}

static void version(hs_request *req, void *app)
{
	(void)app;
	hs_reply_json(req, 200, sysinfo_version());
}

static json_object *strs(json_object *src)
{
	return src ? json_object_get(src) : json_object_new_array();
}

static void info(hs_request *req, void *app)
{
	struct daemon *d = app;
	struct dctx *dc = dctx_get(d);
	json_object *o = json_object_new_object(), *v;
	struct sysinfo si;
	struct utsname u;
	struct timespec now;
	char host[256] = "", ts[64];
	char *osname = sysinfo_os_name();
	bool v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;

	uname(&u);
	sysinfo(&si);
	gethostname(host, sizeof(host) - 1);
	clock_gettime(CLOCK_REALTIME, &now);
	format_rfc3339((int64_t)now.tv_sec * 1000000000 + now.tv_nsec, ts, sizeof(ts));

	json_object_object_add(o, "ID", json_object_new_string(d->id));
	sysinfo_counts(dc->ctx, o);
	json_object_object_add(o, "Driver", json_object_new_string("overlay2"));
	json_object_object_add(o, "DriverStatus", json_object_new_array());
	{
		json_object *pl = json_object_new_object(), *net = json_object_new_array(),
			    *log = json_object_new_array();

		json_object *vol = json_object_new_array();

		/* the drivers it has, as dockerd lists its own */
		json_object_array_add(net, json_object_new_string("bridge"));
		json_object_array_add(net, json_object_new_string("host"));
		json_object_array_add(net, json_object_new_string("null"));
		json_object_array_add(log, json_object_new_string("json-file"));
		json_object_array_add(vol, json_object_new_string("local"));
		json_object_object_add(pl, "Volume", vol);
		json_object_object_add(pl, "Network", net);
		json_object_object_add(pl, "Authorization", NULL);
		json_object_object_add(pl, "Log", log);
		json_object_object_add(o, "Plugins", pl);
	}
	json_object_object_add(o, "MemoryLimit", json_object_new_boolean(1));
	json_object_object_add(o, "SwapLimit", json_object_new_boolean(0));
	json_object_object_add(o, "CpuCfsPeriod", json_object_new_boolean(1));
	json_object_object_add(o, "CpuCfsQuota", json_object_new_boolean(1));
	json_object_object_add(o, "CPUShares", json_object_new_boolean(1));
	json_object_object_add(o, "CPUSet", json_object_new_boolean(1));
	json_object_object_add(o, "PidsLimit", json_object_new_boolean(1));
	json_object_object_add(o, "IPv4Forwarding", json_object_new_boolean(0));
	json_object_object_add(o, "Debug", json_object_new_boolean(d->log_level >= 3));
	json_object_object_add(o, "OomKillDisable", json_object_new_boolean(0));
	json_object_object_add(o, "SystemTime", json_object_new_string(ts));
	json_object_object_add(o, "LoggingDriver", json_object_new_string("json-file"));
	json_object_object_add(o, "CgroupDriver", json_object_new_string("cgroupfs"));
	json_object_object_add(o, "CgroupVersion", json_object_new_string(v2 ? "2" : "1"));
	json_object_object_add(o, "KernelVersion", json_object_new_string(u.release));
	json_object_object_add(o, "OperatingSystem", json_object_new_string(osname ? osname : "Linux"));
	json_object_object_add(o, "OSVersion", json_object_new_string(""));
	json_object_object_add(o, "OSType", json_object_new_string("linux"));
	json_object_object_add(o, "Architecture", json_object_new_string(u.machine));
	json_object_object_add(o, "IndexServerAddress",
			       json_object_new_string("https://index.docker.io/v1/"));
	{
		json_object *rc = json_object_new_object(), *ic = json_object_new_object(), *hub;
		json_object *insecure = json_object_new_array(), *m = NULL;

		json_object_array_add(insecure, json_object_new_string("127.0.0.0/8"));
		pthread_mutex_lock(&d->lock);
		if (json_object_object_get_ex(d->cfg.merged, "insecure-registries", &v))
			for (size_t i = 0; i < json_object_array_length(v); i++)
				json_object_array_add(insecure,
						      json_object_get(json_object_array_get_idx(v, i)));
		json_object_object_get_ex(d->cfg.merged, "registry-mirrors", &m);
		m = strs(m);
		pthread_mutex_unlock(&d->lock);
		hub = json_object_new_object();
		json_object_object_add(hub, "Name", json_object_new_string("docker.io"));
		json_object_object_add(hub, "Mirrors", json_object_get(m));
		json_object_object_add(hub, "Secure", json_object_new_boolean(1));
		json_object_object_add(hub, "Official", json_object_new_boolean(1));
		json_object_object_add(ic, "docker.io", hub);
		json_object_object_add(rc, "AllowNondistributableArtifactsCIDRs", json_object_new_array());
		json_object_object_add(rc, "AllowNondistributableArtifactsHostnames",
				       json_object_new_array());
		json_object_object_add(rc, "InsecureRegistryCIDRs", insecure);
		json_object_object_add(rc, "IndexConfigs", ic);
		json_object_object_add(rc, "Mirrors", m);
		json_object_object_add(o, "RegistryConfig", rc);
	}
	json_object_object_add(o, "NCPU", json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_object_add(o, "MemTotal", json_object_new_int64((int64_t)si.totalram * si.mem_unit));
	json_object_object_add(o, "DockerRootDir", json_object_new_string(engine_context_root(dc->ctx)));
	jset_strs(o, "HttpProxy", "", "HttpsProxy", "", "NoProxy", "", "Name", host, NULL);
	pthread_mutex_lock(&d->lock);
	json_object_object_get_ex(d->cfg.merged, "labels", &v);
	json_object_object_add(o, "Labels",
			       strs(json_object_object_get_ex(d->cfg.merged, "labels", &v) ? v : NULL));
	json_object_object_add(o, "LiveRestoreEnabled", json_object_new_boolean(d->cfg.live_restore));
	pthread_mutex_unlock(&d->lock);
	json_object_object_add(o, "ExperimentalBuild", json_object_new_boolean(0));
	json_object_object_add(o, "ServerVersion", json_object_new_string(engine_version()));
	{
		json_object *rt = json_object_new_object(), *e = json_object_new_object();

		json_object_object_add(e, "path", json_object_new_string("libengine"));
		json_object_object_add(rt, DAEMON_RUNTIME_NAME, e);
		json_object_object_add(o, "Runtimes", rt);
		json_object_object_add(o, "DefaultRuntime", json_object_new_string(DAEMON_RUNTIME_NAME));
	}
	{
		json_object *sw = json_object_new_object();

		jset_strs(sw, "NodeID", "", "NodeAddr", "", "LocalNodeState", "inactive", "Error", "", NULL);
		json_object_object_add(sw, "ControlAvailable", json_object_new_boolean(0));
		json_object_object_add(sw, "RemoteManagers", NULL);
		json_object_object_add(o, "Swarm", sw);
	}
	json_object_object_add(o, "Isolation", json_object_new_string(""));
	json_object_object_add(o, "InitBinary", json_object_new_string(""));
	info_process(o);
	{
		json_object *sec = json_object_new_array();

		if (engine_has_feature("seccomp"))
			json_object_array_add(sec, json_object_new_string("name=seccomp,profile=default"));
		/* Docker's marks for a daemon run by a normal user. */
		if (engine_context_has_feature(dc->ctx, "rootless")) {
			json_object_array_add(sec, json_object_new_string("name=rootless"));
			json_object_array_add(sec, json_object_new_string("name=userns"));
		}
		json_object_object_add(o, "SecurityOptions", sec);
	}
	json_object_object_add(o, "Warnings", json_object_new_array());
	free(osname);
	dctx_put(d, dc);
	hs_reply_json(req, 200, o);
}

static void system_df(hs_request *req, void *app)
{
	struct daemon *d = app;
	struct dctx *dc = dctx_get(d);
	json_object *o = json_object_new_object(), *images = json_object_new_array(),
		    *conts = json_object_new_array();
	engine_store_usage u = ENGINE_STORE_USAGE_INIT;
	engine_image_list *imgs = NULL;
	engine_strarray ids = {NULL, 0};

	if (engine_store_usage_get(dc->ctx, &u) < 0) {
		json_object_put(o);
		json_object_put(images);
		json_object_put(conts);
		reply_engine_error(req, "disk usage");
		dctx_put(d, dc);
		return;
	}
	if (engine_image_list_new(dc->ctx, &imgs) == 0) {
		for (size_t i = 0; i < engine_image_list_count(imgs); i++) {
			const engine_image_summary *s = engine_image_list_get(imgs, i);
			json_object *im = json_object_new_object(), *tags = json_object_new_array();

			for (size_t k = 0; k < s->tags.count; k++)
				json_object_array_add(tags, json_object_new_string(s->tags.strings[k]));
			json_object_object_add(im, "Id", json_object_new_string(s->id));
			json_object_object_add(im, "ParentId", json_object_new_string(""));
			json_object_object_add(im, "RepoTags", tags);
			json_object_object_add(im, "RepoDigests", json_object_new_array());
			json_object_object_add(im, "Created", json_object_new_int64(s->created));
			json_object_object_add(im, "Size", json_object_new_int64(s->size));
			json_object_object_add(im, "SharedSize", json_object_new_int64(-1));
			json_object_object_add(im, "VirtualSize", json_object_new_int64(s->size));
			json_object_object_add(im, "Labels", json_object_new_object());
			json_object_object_add(im, "Containers", json_object_new_int64(-1));
			json_object_array_add(images, im);
		}
		engine_image_list_free(imgs);
	}
	if (engine_container_list_ids(dc->ctx, 1, &ids) == 0) {
		for (size_t i = 0; i < ids.count; i++) {
			engine_container *c = NULL;
			json_object *ins, *ct, *v;

			if (engine_container_open(dc->ctx, ids.strings[i], &c) < 0)
				continue;
			ins = container_inspect_obj(c);
			engine_container_free(c);
			if (!ins)
				continue;
			ct = json_object_new_object();
			json_object_object_add(ct, "Id", json_object_new_string(ids.strings[i]));
			if (json_object_object_get_ex(ins, "Name", &v)) {
				json_object *names = json_object_new_array();

				json_object_array_add(names, json_object_get(v));
				json_object_object_add(ct, "Names", names);
			}
			if (json_object_object_get_ex(ins, "Image", &v))
				json_object_object_add(ct, "ImageID", json_object_get(v));
			if (json_object_object_get_ex(ins, "Config", &v) &&
			    json_object_object_get_ex(v, "Image", &v))
				json_object_object_add(ct, "Image", json_object_get(v));
			if (json_object_object_get_ex(ins, "State", &v) &&
			    json_object_object_get_ex(v, "Status", &v))
				json_object_object_add(ct, "State", json_object_get(v));
			json_object_object_add(ct, "SizeRw", json_object_new_int64(0));
			json_object_object_add(ct, "SizeRootFs", json_object_new_int64(0));
			json_object_object_add(ct, "Mounts", json_object_new_array());
			json_object_array_add(conts, ct);
			json_object_put(ins);
		}
		engine_strarray_dispose(&ids);
	}
	json_object_object_add(o, "LayersSize", json_object_new_int64(u.images_size));
	json_object_object_add(o, "Images", images);
	json_object_object_add(o, "Containers", conts);
	{
		/* each with UsageData {RefCount, Size}, as dockerd's df gives them */
		char *text = NULL;
		json_object *vols =
		    engine_volume_list(dc->ctx, NULL, &text) == 0 ? json_tokener_parse(text) : NULL;

		engine_free(text);
		json_object_object_add(o, "Volumes", vols ? vols : json_object_new_array());
	}
	/* The classic builder caches in images (counted above), as dockerd's does. */
	json_object_object_add(o, "BuildCache", json_object_new_array());
	json_object_object_add(o, "BuilderSize", json_object_new_int64(0));
	dctx_put(d, dc);
	hs_reply_json(req, 200, o);
}

const struct hs_route daemon_system_routes[] = {
    {"GET", "/_ping", ping, 0}, {"HEAD", "/_ping", ping, 0},	     {"GET", "/version", version, 0},
    {"GET", "/info", info, 0},	{"GET", "/system/df", system_df, 0}, {NULL, NULL, NULL, 0},
};
