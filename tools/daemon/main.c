/*
 * `engine daemon`: options and daemon.json, the library context, the
 * listeners (unix socket 0660 by default, tcp with mutual TLS like
 * dockerd's flags), the pidfile, and the signal loop (SIGHUP reloads,
 * SIGTERM/SIGINT shut down; containers keep running under their monitors).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "daemon/daemon.h"
#include "registry/regserve.h"

#define DEFAULT_HOST "unix:///run/engine/engine.sock"

struct daemon *the_daemon;

void dlog(int level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	char msg[2048], ts[64];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if (the_daemon && level > the_daemon->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "time=\"%s.%09ldZ\" level=%s msg=\"%s\"\n", ts, now.tv_nsec,
		names[level < 0	  ? 0
		      : level > 3 ? 3
				  : level],
		msg);
}

static void server_log(int level, const char *msg, void *app)
{
	(void)app;
	dlog(level, "%s", msg);
}

struct dctx *dctx_get(struct daemon *d)
{
	struct dctx *c;

	pthread_mutex_lock(&d->lock);
	c = d->cur;
	c->refs++;
	pthread_mutex_unlock(&d->lock);
	return c;
}

void dctx_put(struct daemon *d, struct dctx *c)
{
	bool last;

	if (!c)
		return;
	pthread_mutex_lock(&d->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&d->lock);
	if (last) {
		engine_context_free(c->ctx);
		free(c);
	}
}

static int level_of(const char *s)
{
	if (!s || strcmp(s, "info") == 0)
		return 2;
	if (strcmp(s, "debug") == 0)
		return 3;
	if (strcmp(s, "warn") == 0)
		return 1;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: engine daemon [OPTIONS]\n\n"
		   "Serve the Docker Engine API (v" DAEMON_API_VERSION ").\n\n"
		   "Options:\n"
		   "  -H, --host ADDR          listen on unix:///path or tcp://host:port (repeatable;\n"
		   "                           default " DEFAULT_HOST ")\n"
		   "  -G, --group NAME         group of the unix socket (mode 0660)\n"
		   "      --config FILE        daemon.json\n"
		   "      --data-root DIR      engine root (default " ENGINE_DEFAULT_ROOT ")\n"
		   "      --exec-root DIR      run directory\n"
		   "  -p, --pidfile FILE       write the daemon's PID\n"
		   "      --cgroup-parent P    parent cgroup of the containers\n"
		   "      --log-driver D       containers' default logging driver (json-file, local, none)\n"
		   "      --log-opt K=V        its default options (max-size=10m, max-file=3)\n"
		   "      --registry-mirror U  registry mirror (repeatable)\n"
		   "      --insecure-registry R  registry reached over plain HTTP (repeatable)\n"
		   "      --live-restore       (containers always outlive the daemon)\n"
		   "  -l, --log-level LVL      debug, info, warn, error\n"
		   "  -D, --debug              --log-level debug\n"
		   "      --tls                serve TLS on tcp listeners (--tlscert, --tlskey)\n"
		   "      --tlsverify          also require client certificates signed by --tlscacert\n"
		   "      --tlscacert FILE --tlscert FILE --tlskey FILE\n\n"
		   "The API is root-equivalent: guard the socket's group and the TLS CA.\n");
}

static int add_strv(json_object *merged, const char *key, const char *value)
{
	json_object *a;

	if (!json_object_object_get_ex(merged, key, &a)) {
		a = json_object_new_array();
		json_object_object_add(merged, key, a);
	}
	return json_object_array_add(a, json_object_new_string(value));
}

static int push_host(char ***hosts, const char *h)
{
	size_t n = 0;
	char **nh;

	while (*hosts && (*hosts)[n])
		n++;
	nh = realloc(*hosts, (n + 2) * sizeof(char *));
	if (!nh)
		return -1;
	nh[n] = strdup(h);
	nh[n + 1] = NULL;
	*hosts = nh;
	return 0;
}

static int parse_args(struct daemon *d, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"host", required_argument, NULL, 'H'},
	    {"group", required_argument, NULL, 'G'},
	    {"config", required_argument, NULL, 'c'},
	    {"config-file", required_argument, NULL, 'c'},
	    {"data-root", required_argument, NULL, 'r'},
	    {"exec-root", required_argument, NULL, 'e'},
	    {"pidfile", required_argument, NULL, 'p'},
	    {"cgroup-parent", required_argument, NULL, 'C'},
	    {"registry-mirror", required_argument, NULL, 'm'},
	    {"insecure-registry", required_argument, NULL, 'i'},
	    {"live-restore", no_argument, NULL, 'L'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"log-driver", required_argument, NULL, 1001},
	    {"log-opt", required_argument, NULL, 1002},
	    {"debug", no_argument, NULL, 'D'},
	    {"tls", no_argument, NULL, 't'},
	    {"tlsverify", no_argument, NULL, 'v'},
	    {"tlscacert", required_argument, NULL, 'A'},
	    {"tlscert", required_argument, NULL, 'T'},
	    {"tlskey", required_argument, NULL, 'K'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct dconfig *cfg = &d->cfg;
	int c;

	cfg->merged = json_object_new_object();
	while ((c = getopt_long(argc, argv, "H:G:p:l:Dh", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			push_host(&cfg->hosts, optarg);
			break;
		case 'G':
			cfg->group = strdup(optarg);
			break;
		case 'c':
			free(d->config_path);
			d->config_path = strdup(optarg);
			break;
		case 'r':
			cfg->data_root = strdup(optarg);
			break;
		case 'e':
			cfg->exec_root = strdup(optarg);
			break;
		case 'p':
			cfg->pidfile = strdup(optarg);
			break;
		case 'C':
			json_object_object_add(cfg->merged, "cgroup-parent", json_object_new_string(optarg));
			break;
		case 'm':
			add_strv(cfg->merged, "registry-mirrors", optarg);
			break;
		case 1001: /* dockerd's --log-driver: daemon.json's log-driver */
			json_object_object_add(cfg->merged, "log-driver", json_object_new_string(optarg));
			break;
		case 1002: { /* --log-opt K=V: log-opts */
			json_object *lo;
			const char *eq = strchr(optarg, '=');
			char *key = strndup(optarg, eq ? (size_t)(eq - optarg) : strlen(optarg));

			if (!json_object_object_get_ex(cfg->merged, "log-opts", &lo)) {
				lo = json_object_new_object();
				json_object_object_add(cfg->merged, "log-opts", lo);
			}
			if (key)
				json_object_object_add(lo, key, json_object_new_string(eq ? eq + 1 : ""));
			free(key);
			break;
		}
		case 'i':
			add_strv(cfg->merged, "insecure-registries", optarg);
			break;
		case 'L':
			cfg->live_restore = true;
			break;
		case 'l':
			if (strcmp(optarg, "debug") && strcmp(optarg, "info") && strcmp(optarg, "warn") &&
			    strcmp(optarg, "error") && strcmp(optarg, "fatal"))
				return cli_failf(1, "unknown log level \"%s\"", optarg);
			cfg->log_level = strdup(optarg);
			break;
		case 'D':
			cfg->log_level = strdup("debug");
			break;
		case 't':
			cfg->tls = true;
			break;
		case 'v':
			cfg->tlsverify = true;
			break;
		case 'A':
			cfg->tlscacert = strdup(optarg);
			break;
		case 'T':
			cfg->tlscert = strdup(optarg);
			break;
		case 'K':
			cfg->tlskey = strdup(optarg);
			break;
		case 'h':
			usage(stdout);
			return 2;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc)
		return cli_failf(1, "engine daemon: unexpected argument \"%s\"", argv[optind]);
	if (!d->config_path && cli_globals.config)
		d->config_path = strdup(cli_globals.config);
	if (!cfg->data_root && cli_globals.root)
		cfg->data_root = strdup(cli_globals.root);
	return 0;
}

static int write_pidfile(const char *path)
{
	FILE *f;
	long pid;

	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%ld", &pid) == 1 && pid > 0 && pid != getpid() && kill((pid_t)pid, 0) == 0) {
			char exe[64], target[4096];
			ssize_t n;

			snprintf(exe, sizeof(exe), "/proc/%ld/exe", pid);
			n = readlink(exe, target, sizeof(target) - 1);
			fclose(f);
			if (n > 0) {
				target[n] = '\0';
				return cli_failf(1, "pid file %s: process %ld (%s) is still running", path,
						 pid, target);
			}
		} else {
			fclose(f);
		}
	}
	f = fopen(path, "we");
	if (!f)
		return cli_failf(1, "write pid file %s: %s", path, strerror(errno));
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
	return 0;
}

static void load_id(struct daemon *d)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/id", d->state_dir);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%64s", d->id) == 1 && strlen(d->id) == 64) {
			fclose(f);
			return;
		}
		fclose(f);
	}
	f = fopen("/dev/urandom", "re");
	if (f) {
		unsigned char b[32];

		if (fread(b, 1, 32, f) == 32)
			for (int i = 0; i < 32; i++)
				sprintf(d->id + 2 * i, "%02x", b[i]);
		fclose(f);
	}
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "%s\n", d->id);
		fclose(f);
	}
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) < 0 && errno != EEXIST ? -1 : 0;
}

/* The route tables of every resource file, concatenated. */
static struct hs_route *all_routes(void)
{
	const struct hs_route *tables[] = {
	    daemon_system_routes, daemon_container_routes, daemon_stream_routes, daemon_exec_routes,
	    daemon_auth_routes,	  daemon_image_routes,	   daemon_file_routes,	 daemon_stats_routes,
	    daemon_event_routes,  daemon_image_io_routes,  daemon_build_routes,	 daemon_network_routes,
	    daemon_volume_routes};
	size_t n = 0, k = 0;
	struct hs_route *all;

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct hs_route *r = tables[t]; r->method; r++)
			n++;
	all = calloc(n + 1, sizeof(*all));
	if (!all)
		return NULL;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct hs_route *r = tables[t]; r->method; r++)
			all[k++] = *r;
	return all;
}

static void registry_log(int level, const char *msg)
{
	dlog(level, "registry: %s", msg);
}

/* daemon.json's "registry" section: the store served as a registry too. */
static int start_registry(struct daemon *d)
{
	struct regserve_config rc;
	json_object *sec;
	char err[1024];

	if (!json_object_object_get_ex(d->cfg.file, "registry", &sec))
		return 0;
	if (regserve_config_from_json(sec, &rc, err, sizeof(err)) < 0) {
		cli_failf(1, "%s", err);
		return -1;
	}
	rc.log = registry_log;
	/* A reload swaps the daemon's context; the registry keeps this one. */
	d->registry_ctx = dctx_get(d);
	if (regserve_start(d->registry_ctx->ctx, &rc, &d->registry, err, sizeof(err)) < 0) {
		dctx_put(d, d->registry_ctx);
		d->registry_ctx = NULL;
		cli_failf(1, "registry: %s", err);
		return -1;
	}
	dlog(2, "Registry listen on %s port %u%s%s", rc.addr ? rc.addr : REGSERVE_DEFAULT_ADDR,
	     regserve_port(d->registry), rc.mirror_of ? ", pull-through cache of " : "",
	     rc.mirror_of ? rc.mirror_of : "");
	return 0;
}

static int serve(struct daemon *d, sigset_t *set)
{
	static char server_header[64];
	static const char *headers[] = {"Api-Version", DAEMON_API_VERSION, "Docker-Experimental",
					"false",       "Ostype",	   "linux",
					"Server",      server_header,	   NULL};
	struct hs_config hc = {0};
	struct hs_route *routes = all_routes();
	const char *err = NULL;
	char tmp[4096];
	long gid = -1;
	int sig;

	snprintf(server_header, sizeof(server_header), "Engine/%s (linux)", engine_version());
	snprintf(tmp, sizeof(tmp), "%s/tmp", d->state_dir);
	mkdir(tmp, 0700);
	hc.routes = routes;
	hc.app = d;
	hc.version_prefix = true;
	hc.max_api_version = DAEMON_API_VERSION;
	hc.min_api_version = DAEMON_MIN_API_VERSION;
	hc.headers = headers;
	hc.tmp_dir = tmp;
	hc.log = server_log;
	d->server = routes ? hs_server_new(&hc, &err) : NULL;
	if (!d->server) {
		free(routes);
		return cli_failf(1, "HTTP server: %s", err ? err : "out of memory");
	}
	if (d->cfg.group) {
		struct group *g = getgrnam(d->cfg.group);

		if (!g) {
			hs_server_free(d->server);
			free(routes);
			return cli_failf(1, "group \"%s\" not found", d->cfg.group);
		}
		gid = (long)g->gr_gid;
	}
	for (size_t i = 0; d->cfg.hosts && d->cfg.hosts[i]; i++) {
		struct hs_tls tls = {d->cfg.tlscert, d->cfg.tlskey, d->cfg.tlscacert, d->cfg.tlsverify};
		const char *h = d->cfg.hosts[i];
		char addr[4096], e[1024];

		/* dockerd's shorthands: "unix://" alone, and "fd://" is not ours. */
		if (strcmp(h, "unix://") == 0)
			h = DEFAULT_HOST;
		snprintf(addr, sizeof(addr), "%s", h);
		if (strncmp(addr, "unix://", 7) == 0) {
			char dir[4096], *slash;

			snprintf(dir, sizeof(dir), "%s", addr + 7);
			slash = strrchr(dir, '/');
			if (slash && slash != dir) {
				*slash = '\0';
				mkdir_p(dir, 0755);
			}
		}
		if ((d->cfg.tlsverify || d->cfg.tls) && strncmp(addr, "tcp://", 6) == 0 &&
		    (!d->cfg.tlscert || !d->cfg.tlskey || (d->cfg.tlsverify && !d->cfg.tlscacert))) {
			hs_server_free(d->server);
			free(routes);
			return cli_failf(
			    1, "%s: TLS needs --tlscert and --tlskey (and --tlscacert with --tlsverify)",
			    addr);
		}
		if (hs_server_listen(
			d->server, addr,
			(d->cfg.tls || d->cfg.tlsverify) && strncmp(addr, "tcp://", 6) == 0 ? &tls : NULL,
			0660, gid, e, sizeof(e)) < 0) {
			hs_server_free(d->server);
			free(routes);
			return cli_failf(1, "%s", e);
		}
		dlog(2, "API listen on %s", addr + (strncmp(addr, "unix://", 7) == 0 ? 7 : 6));
	}
	if (start_registry(d) < 0) {
		hs_server_free(d->server);
		free(routes);
		return 1;
	}
	dlog(2, "Daemon has completed initialization");
	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			dlog(2, "Got signal to reload configuration, reloading from: %s",
			     d->config_path ? d->config_path : "(no config file)");
			daemon_reload(d);
			continue;
		}
		dlog(2, "Processing signal '%s'", sig == SIGTERM ? "terminated" : "interrupt");
		break;
	}
	hs_server_free(d->server);
	d->server = NULL;
	regserve_stop(d->registry);
	d->registry = NULL;
	dctx_put(d, d->registry_ctx);
	free(routes);
	dlog(2, "Daemon shutdown complete");
	return 0;
}

static int cmd_daemon(int argc, char **argv)
{
	struct daemon *d = calloc(1, sizeof(*d));
	engine_context_options opts = ENGINE_CONTEXT_OPTIONS_INIT;
	char err[1024];
	sigset_t set;
	int r;

	if (!d)
		return cli_failf(1, "out of memory");
	the_daemon = d;
	d->log_level = 2;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	r = parse_args(d, argc, argv);
	if (r)
		return r == 2 ? 0 : r;
	if (dconfig_load(&d->cfg, d->config_path, err, sizeof(err)) < 0)
		return cli_failf(1, "%s", err);
	if (geteuid() != 0 && (!d->cfg.data_root || !d->cfg.exec_root || !d->cfg.hosts)) {
		/* Rootless: the library's per-user defaults (XDG dirs), and the
		 * socket in the user's run dir rather than /run. */
		engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
		engine_context *tmp = NULL;
		char host[4200];

		o.root = d->cfg.data_root;
		o.run_dir = d->cfg.exec_root;
		if (engine_context_new(&tmp, &o) < 0)
			return cli_failf(1, "%s", engine_error_last()->message);
		if (!d->cfg.data_root)
			d->cfg.data_root = strdup(engine_context_root(tmp));
		if (!d->cfg.exec_root)
			d->cfg.exec_root = strdup(engine_context_run_dir(tmp));
		snprintf(host, sizeof(host), "unix://%s/engine.sock", engine_context_run_dir(tmp));
		if (!d->cfg.hosts)
			push_host(&d->cfg.hosts, host);
		engine_context_free(tmp);
	}
	if (!d->cfg.hosts)
		push_host(&d->cfg.hosts, DEFAULT_HOST);
	if (!d->cfg.data_root)
		d->cfg.data_root = strdup(ENGINE_DEFAULT_ROOT);
	d->log_level = level_of(d->cfg.log_level);
	if (mkdir_p(d->cfg.data_root, 0711) < 0)
		return cli_failf(1, "create %s: %s", d->cfg.data_root, strerror(errno));
	if (asprintf(&d->state_dir, "%s/daemon", d->cfg.data_root) < 0 ||
	    asprintf(&d->effective_config, "%s/daemon/daemon.json", d->cfg.data_root) < 0)
		return cli_failf(1, "out of memory");
	if (mkdir_p(d->state_dir, 0700) < 0 || mkdir_p(d->state_dir, 0700) < 0)
		return cli_failf(1, "create %s: %s", d->state_dir, strerror(errno));
	{
		char cdir[4200];

		snprintf(cdir, sizeof(cdir), "%s/containers", d->state_dir);
		mkdir(cdir, 0700);
	}
	if (dconfig_write_effective(&d->cfg, d->effective_config, err, sizeof(err)) < 0)
		return cli_failf(1, "%s", err);
	if (d->cfg.pidfile && write_pidfile(d->cfg.pidfile))
		return 1;

	/* Every thread inherits this mask: only the main loop takes signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	d->cur = calloc(1, sizeof(*d->cur));
	opts.root = d->cfg.data_root;
	opts.run_dir = d->cfg.exec_root;
	opts.config_path = d->effective_config;
	opts.log_level = d->log_level >= 3 ? ENGINE_LOG_DEBUG : ENGINE_LOG_WARN;
	opts.log_fd = d->log_level >= 3 ? 2 : -1;
	if (!d->cur || engine_context_new(&d->cur->ctx, &opts) < 0) {
		r = cli_fail(1, "open the engine root");
		goto out;
	}
	d->cur->refs = 1;
	if (starter_spawn(d->cfg.data_root, d->cfg.exec_root, d->effective_config) < 0) {
		r = cli_failf(1, "start the starter process: %s", strerror(errno));
		goto out;
	}
	load_id(d);
	dlog(2, "Starting up: engine %s, data root %s", engine_version(), d->cfg.data_root);
	if (registry_restore(d, d->cur->ctx) < 0)
		dlog(1, "live restore: %s", engine_error_last()->message);
	r = serve(d, &set);
	starter_stop();
out:
	if (d->cfg.pidfile)
		unlink(d->cfg.pidfile);
	return r;
}

const struct cli_command cli_daemon_commands[] = {
    {"daemon", cmd_daemon, "Serve the Docker Engine API"},
    {NULL, NULL, NULL},
};
