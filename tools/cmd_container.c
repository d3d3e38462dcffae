/* engine CLI: container commands (run, create, start, exec, stop, kill,
 * rm, pause, unpause, and the `container` group; ps and stats are in
 * cmd_ps.c),
 * with docker's flags and exit statuses: 125 for engine errors, 126/127
 * when the command cannot be executed / is not found, else the container's. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_stream.h"
#include "sysinfo.h"

static int status_of_error(const engine_run_result *res)
{
	if (res && (res->exit_code == 126 || res->exit_code == 127))
		return res->exit_code;
	return EXIT_ENGINE;
}

/* --- run / create ---------------------------------------------------------- */

struct run_opts {
	int detach, rm, interactive, tty, sig_proxy, restart, oom_kill_disable;
	const char *log_driver;
	bool log_opts;
	const char *detach_keys;
	const char *pull;     /* missing (default), always, never */
	const char *platform; /* --platform, NULL for this host's */
	engine_spec *spec;
};

enum {
	OPT_RM = 256,
	OPT_NAME,
	OPT_ENV_FILE,
	OPT_TMPFS,
	OPT_MOUNT,
	OPT_HEALTH_CMD,
	OPT_HEALTH_INTERVAL,
	OPT_HEALTH_TIMEOUT,
	OPT_HEALTH_START,
	OPT_HEALTH_RETRIES,
	OPT_NO_HEALTHCHECK,
	OPT_READ_ONLY,
	OPT_MEMORY,
	OPT_CPUS,
	OPT_CPU_SHARES,
	OPT_PIDS,
	OPT_NETWORK,
	OPT_HOSTNAME,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_SECURITY_OPT,
	OPT_INIT,
	OPT_TIMEOUT,
	OPT_ENTRYPOINT,
	OPT_ULIMIT,
	OPT_CPUSET,
	OPT_MOUNT_RO,
	OPT_DETACH_KEYS,
	OPT_SIG_PROXY,
	OPT_RESTART,
	OPT_EXPOSE,
	OPT_NET_ALIAS,
	OPT_IP,
	OPT_ADD_HOST,
	OPT_DNS,
	OPT_DNS_SEARCH,
	OPT_DNS_OPTION,
	OPT_STORAGE_OPT,
	OPT_LABEL_FILE,
	OPT_STOP_SIGNAL,
	OPT_STOP_TIMEOUT,
	OPT_PULL,
	OPT_PLATFORM,
	OPT_PRIVILEGED,
	OPT_SYSCTL,
	OPT_GROUP_ADD,
	OPT_DEVICE,
	OPT_VOLUMES_FROM,
	OPT_CPUSET_MEMS,
	OPT_OOM_KILL_DISABLE,
	OPT_LINK,
	OPT_LOG_DRIVER,
	OPT_LOG_OPT,
	OPT_IPC,
	OPT_PID,
	OPT_UTS,
	OPT_USERNS,
	OPT_CGROUPNS,
};

static const struct option run_longopts[] = {
    {"rm", no_argument, NULL, OPT_RM},
    {"detach", no_argument, NULL, 'd'},
    {"interactive", no_argument, NULL, 'i'},
    {"tty", no_argument, NULL, 't'},
    {"name", required_argument, NULL, OPT_NAME},
    {"env", required_argument, NULL, 'e'},
    {"env-file", required_argument, NULL, OPT_ENV_FILE},
    {"volume", required_argument, NULL, 'v'},
    {"tmpfs", required_argument, NULL, OPT_TMPFS},
    {"mount", required_argument, NULL, OPT_MOUNT},
    {"health-cmd", required_argument, NULL, OPT_HEALTH_CMD},
    {"health-interval", required_argument, NULL, OPT_HEALTH_INTERVAL},
    {"health-timeout", required_argument, NULL, OPT_HEALTH_TIMEOUT},
    {"health-start-period", required_argument, NULL, OPT_HEALTH_START},
    {"health-retries", required_argument, NULL, OPT_HEALTH_RETRIES},
    {"no-healthcheck", no_argument, NULL, OPT_NO_HEALTHCHECK},
    {"read-only", no_argument, NULL, OPT_READ_ONLY},
    {"memory", required_argument, NULL, 'm'},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"cpu-shares", required_argument, NULL, OPT_CPU_SHARES},
    {"cpuset-cpus", required_argument, NULL, OPT_CPUSET},
    {"pids-limit", required_argument, NULL, OPT_PIDS},
    {"network", required_argument, NULL, OPT_NETWORK},
    {"net", required_argument, NULL, OPT_NETWORK},
    {"publish", required_argument, NULL, 'p'},
    {"publish-all", no_argument, NULL, 'P'},
    {"expose", required_argument, NULL, OPT_EXPOSE},
    {"network-alias", required_argument, NULL, OPT_NET_ALIAS},
    {"net-alias", required_argument, NULL, OPT_NET_ALIAS},
    {"ip", required_argument, NULL, OPT_IP},
    {"add-host", required_argument, NULL, OPT_ADD_HOST},
    {"dns", required_argument, NULL, OPT_DNS},
    {"dns-search", required_argument, NULL, OPT_DNS_SEARCH},
    {"dns-option", required_argument, NULL, OPT_DNS_OPTION},
    {"user", required_argument, NULL, 'u'},
    {"workdir", required_argument, NULL, 'w'},
    {"hostname", required_argument, NULL, OPT_HOSTNAME},
    {"cap-add", required_argument, NULL, OPT_CAP_ADD},
    {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
    {"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
    {"ulimit", required_argument, NULL, OPT_ULIMIT},
    {"init", no_argument, NULL, OPT_INIT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
    {"restart", required_argument, NULL, OPT_RESTART},
    {"storage-opt", required_argument, NULL, OPT_STORAGE_OPT},
    {"label", required_argument, NULL, 'l'},
    {"label-file", required_argument, NULL, OPT_LABEL_FILE},
    {"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
    {"sig-proxy", optional_argument, NULL, OPT_SIG_PROXY},
    {"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
    {"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
    {"pull", required_argument, NULL, OPT_PULL},
    {"platform", required_argument, NULL, OPT_PLATFORM},
    {"privileged", no_argument, NULL, OPT_PRIVILEGED},
    {"sysctl", required_argument, NULL, OPT_SYSCTL},
    {"group-add", required_argument, NULL, OPT_GROUP_ADD},
    {"device", required_argument, NULL, OPT_DEVICE},
    {"volumes-from", required_argument, NULL, OPT_VOLUMES_FROM},
    {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
    {"oom-kill-disable", no_argument, NULL, OPT_OOM_KILL_DISABLE},
    {"link", required_argument, NULL, OPT_LINK},
    {"log-driver", required_argument, NULL, OPT_LOG_DRIVER},
    {"log-opt", required_argument, NULL, OPT_LOG_OPT},
    {"ipc", required_argument, NULL, OPT_IPC},
    {"pid", required_argument, NULL, OPT_PID},
    {"uts", required_argument, NULL, OPT_UTS},
    {"userns", required_argument, NULL, OPT_USERNS},
    {"cgroupns", required_argument, NULL, OPT_CGROUPNS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const char run_options[] =
    "  -d, --detach             run in the background and print the container ID\n"
    "      --rm                 remove the container when it exits\n"
    "      --name NAME          assign a name\n"
    "  -e, --env K=V|K          set (or pass through) an environment variable\n"
    "      --env-file FILE      read environment variables from a file\n"
    "  -v, --volume [SRC:]DST[:ro] a volume (SRC a name, none: anonymous) or a host path\n"
    "      --mount type=bind|volume|tmpfs,src=,dst=[,readonly][,tmpfs-size=][,volume-opt=]\n"
    "      --tmpfs DST[:OPTS]   mount a tmpfs\n"
    "      --health-cmd CMD     command (through /bin/sh -c) that checks the container's health\n"
    "      --health-interval D  time between checks (30s); --health-timeout D (30s),\n"
    "      --health-start-period D (0s), --health-retries N (3); --no-healthcheck: none\n"
    "      --read-only          mount the root filesystem read-only\n"
    "  -m, --memory SIZE        memory limit (64m, 1g)\n"
    "      --cpus N             CPU quota (0.5)\n"
    "      --cpu-shares N       relative CPU weight\n"
    "      --cpuset-cpus LIST   CPUs allowed (0-1)\n"
    "      --pids-limit N       maximum number of tasks\n"
    "      --network NET        bridge (default), none, host, container:NAME|ID, or a network\n"
    "      --network-alias A    another name on a user-defined network\n"
    "      --ip ADDR            a fixed IPv4 address on a user-defined network\n"
    "  -p, --publish [IP:][HOST:]PORT[/udp]  publish a container port on the host\n"
    "  -P, --publish-all        publish every exposed port on a free host port\n"
    "      --expose PORT[/udp]  expose a port (for -P)\n"
    "      --add-host NAME:IP   add an /etc/hosts entry\n"
    "      --dns IP             nameserver for /etc/resolv.conf\n"
    "      --dns-search DOMAIN  search domain for /etc/resolv.conf\n"
    "      --dns-option OPT     resolver option for /etc/resolv.conf\n"
    "  -u, --user USER[:GROUP]  user to run as\n"
    "  -w, --workdir DIR        working directory\n"
    "      --hostname NAME      hostname\n"
    "      --cap-add CAP        add a capability\n"
    "      --cap-drop CAP       drop a capability\n"
    "      --security-opt OPT   seccomp=unconfined|default|FILE, no-new-privileges[=true|false]\n"
    "      --ulimit NAME=SOFT[:HARD]\n"
    "      --init               run an init that reaps zombies and forwards signals\n"
    "      --timeout SECONDS    kill the container after this long\n"
    "      --entrypoint CMD     override the image's entrypoint\n"
    "      --restart POLICY     no, always, unless-stopped, on-failure[:N]\n"
    "      --storage-opt OPT    writable layer: size=SIZE (a cap), type=tmpfs\n"
    "  -l, --label K=V          set a label\n"
    "      --label-file FILE    read labels from a file of K=V lines\n"
    "  -i, --interactive        keep stdin open and attached\n"
    "  -t, --tty                allocate a pseudo-terminal\n"
    "      --detach-keys KEYS   the keys that detach (default ctrl-p,ctrl-q)\n"
    "      --sig-proxy=BOOL     forward signals to a container without a TTY (default true)\n"
    "      --stop-signal SIG    signal to stop the container (default: the image's, else SIGTERM)\n"
    "      --stop-timeout N     seconds to wait for it to stop before SIGKILL (default 10)\n"
    "      --pull POLICY        pull the image before creating: missing (default), always, never\n"
    "      --platform OS/ARCH   the image's platform: this host's only (no emulation)\n"
    "      --privileged         all capabilities, no seccomp, the host's devices, no masked paths,\n"
    "                           a writable /sys (what Docker's flag grants)\n"
    "      --sysctl K=V         a namespaced kernel parameter (net.*, fs.mqueue.*, kernel.shm*...)\n"
    "      --group-add GROUP    an extra group (name or gid) for the container's processes\n"
    "      --device HOST[:CTR][:rwm]  a host device in the container's /dev\n"
    "      --volumes-from CTR[:ro|rw]  the volumes and binds of another container\n"
    "      --cpuset-mems LIST   memory nodes allowed (0-1)\n"
    "      --oom-kill-disable   keep the OOM killer off the container (cgroup v1; ignored on v2)\n"
    "      --link CTR[:ALIAS]   resolve another container by ALIAS in /etc/hosts (legacy links)\n"
    "      --log-driver D       json-file (default), local or none\n"
    "      --log-opt K=V        max-size=10m, max-file=3: rotate the log (json-file, local)\n"
    "      --ipc MODE           private (default), shareable, none, host, container:NAME|ID\n"
    "      --pid MODE           host or container:NAME|ID (default: a PID namespace of its own)\n"
    "      --uts MODE           host: the host's UTS namespace and hostname\n"
    "      --userns MODE        host: no user namespace remapping\n"
    "      --cgroupns MODE      private (default) or host\n";

static int security_opt(engine_spec *s, const char *opt)
{
	if (strncmp(opt, "seccomp=", 8) == 0 || strncmp(opt, "seccomp:", 8) == 0)
		return engine_spec_set_seccomp_profile(s, opt + 8);
	if (strcmp(opt, "no-new-privileges") == 0 || strcmp(opt, "no-new-privileges=true") == 0 ||
	    strcmp(opt, "no-new-privileges:true") == 0)
		return engine_spec_set_no_new_privs(s, 1);
	if (strcmp(opt, "no-new-privileges=false") == 0 || strcmp(opt, "no-new-privileges:false") == 0)
		return engine_spec_set_no_new_privs(s, 0);
	cli_failf(EXIT_ENGINE, "unsupported --security-opt \"%s\"", opt);
	return -1;
}

static int tmpfs_opt(engine_spec *s, const char *arg)
{
	char *copy = strdup(arg), *opts;
	int r;

	if (!copy)
		return -1;
	opts = strchr(copy, ':');
	if (opts)
		*opts++ = '\0';
	r = engine_spec_add_tmpfs(s, copy, opts);
	free(copy);
	return r;
}

/* --label-file: "key=value" lines, # comments and blank lines skipped. */
static int label_file(engine_spec *s, const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "r");

	if (!f)
		return cli_failf(EXIT_ENGINE, "open %s: %s", path, strerror(errno)), -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");

		p[strcspn(p, "\r\n")] = '\0';
		if (!*p || *p == '#')
			continue;
		if (engine_spec_add_label(s, p) < 0) {
			fclose(f);
			return cli_fail(EXIT_ENGINE, path), -1;
		}
	}
	fclose(f);
	return 0;
}

/* Parse run/create options into @o->spec; returns the index of IMAGE or -1. */
static int parse_run(int argc, char **argv, const char *cmd, struct run_opts *o)
{
	struct cli_usage u = {cmd, "[OPTIONS] IMAGE [COMMAND] [ARG...]",
			      strcmp(cmd, "create") == 0 ? "Create a new container"
							 : "Create and run a new container from an image",
			      run_options};
	engine_spec *s;
	int c, r = 0;
	char *end;

	o->sig_proxy = 1;
	o->pull = "missing";
	if (engine_spec_new(&o->spec) < 0)
		return -1;
	s = o->spec;
	/* Docker's default; the library's own default stays "none". */
	if (engine_spec_set_network(s, ENGINE_NETWORK_BRIDGE) < 0)
		return -1;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "dite:v:m:u:w:p:Pl:", run_longopts, &u)) != CLI_OPT_END) {
		switch (c) {
		case 'd':
			o->detach = 1;
			break;
		case 'i':
			o->interactive = 1;
			break;
		case 't':
			o->tty = 1;
			r = engine_spec_set_tty(s, 1);
			break;
		case OPT_DETACH_KEYS: {
			char keys[16];
			size_t n;

			if (engine_detach_keys_parse(optarg, keys, sizeof(keys), &n) < 0) {
				cli_fail(EXIT_ENGINE, NULL);
				return -1;
			}
			o->detach_keys = optarg;
			break;
		}
		case OPT_SIG_PROXY:
			o->sig_proxy = cli_optarg_bool(optarg);
			break;
		case OPT_RM:
			o->rm = 1;
			r = engine_spec_set_auto_remove(s, 1);
			break;
		case OPT_NAME:
			r = engine_spec_set_name(s, optarg);
			break;
		case 'e':
			r = engine_spec_add_env(s, optarg);
			break;
		case OPT_ENV_FILE:
			r = engine_spec_add_env_file(s, optarg);
			break;
		case 'v':
			r = engine_spec_add_volume(s, optarg);
			break;
		case OPT_TMPFS:
			r = tmpfs_opt(s, optarg);
			break;
		case OPT_MOUNT:
			r = engine_spec_add_mount_str(s, optarg);
			break;
		case OPT_HEALTH_CMD:
		case OPT_NO_HEALTHCHECK: {
			char *test[] = {c == OPT_HEALTH_CMD ? "CMD-SHELL" : "NONE", optarg, NULL};
			engine_strarray a = {test, c == OPT_HEALTH_CMD ? 2 : 1};

			r = engine_spec_set_healthcheck(s, &a);
			break;
		}
		case OPT_HEALTH_INTERVAL:
		case OPT_HEALTH_TIMEOUT:
		case OPT_HEALTH_START:
		case OPT_HEALTH_RETRIES:
			r = engine_spec_set_health_option(s,
							  c == OPT_HEALTH_INTERVAL  ? "interval"
							  : c == OPT_HEALTH_TIMEOUT ? "timeout"
							  : c == OPT_HEALTH_START   ? "start-period"
										    : "retries",
							  optarg);
			break;
		case OPT_READ_ONLY:
			r = engine_spec_set_read_only(s, 1);
			break;
		case OPT_STORAGE_OPT:
			r = engine_spec_add_storage_opt(s, optarg);
			break;
		case 'm':
			r = engine_spec_set_memory_str(s, optarg);
			break;
		case OPT_CPUS:
			errno = 0;
			r = engine_spec_set_cpus(s, strtod(optarg, &end));
			if (r == 0 && (*end || errno))
				return cli_failf(EXIT_ENGINE, "invalid --cpus \"%s\"", optarg), -1;
			break;
		case OPT_CPU_SHARES:
			r = engine_spec_set_cpu_shares(s, strtoull(optarg, NULL, 10));
			break;
		case OPT_CPUSET:
			r = engine_spec_set_cpuset(s, optarg);
			break;
		case OPT_PIDS:
			r = engine_spec_set_pids_limit(
			    s, strtoll(optarg, NULL, 10) < 0 ? 0 : strtoll(optarg, NULL, 10));
			break;
		case OPT_NETWORK:
			r = engine_spec_set_network(s, optarg);
			break;
		case 'p':
			r = engine_spec_add_port(s, optarg);
			break;
		case 'P':
			r = engine_spec_set_publish_all(s, 1);
			break;
		case OPT_EXPOSE:
			r = engine_spec_add_expose(s, optarg);
			break;
		case OPT_NET_ALIAS:
			r = engine_spec_add_network_alias(s, optarg);
			break;
		case OPT_IP:
			r = engine_spec_set_ip(s, optarg);
			break;
		case OPT_ADD_HOST:
			r = engine_spec_add_host(s, optarg);
			break;
		case OPT_DNS:
			r = engine_spec_add_dns(s, optarg);
			break;
		case OPT_DNS_SEARCH:
			r = engine_spec_add_dns_search(s, optarg);
			break;
		case OPT_DNS_OPTION:
			r = engine_spec_add_dns_option(s, optarg);
			break;
		case 'u':
			r = engine_spec_set_user(s, optarg);
			break;
		case 'w':
			r = engine_spec_set_working_dir(s, optarg);
			break;
		case OPT_HOSTNAME:
			r = engine_spec_set_hostname(s, optarg);
			break;
		case OPT_CAP_ADD:
			r = engine_spec_add_cap(s, optarg);
			break;
		case OPT_CAP_DROP:
			r = engine_spec_drop_cap(s, optarg);
			break;
		case OPT_SECURITY_OPT:
			if (security_opt(s, optarg) < 0 && engine_error_last()->code == 0)
				return -1;
			break;
		case OPT_ULIMIT:
			r = engine_spec_add_rlimit(s, optarg);
			break;
		case OPT_INIT:
			r = engine_spec_set_init(s, 1);
			break;
		case OPT_TIMEOUT:
			r = engine_spec_set_timeout(s, strtod(optarg, NULL));
			break;
		case 'l':
			r = engine_spec_add_label(s, optarg);
			break;
		case OPT_LABEL_FILE:
			if (label_file(s, optarg) < 0)
				return -1;
			break;
		case OPT_RESTART:
			o->restart = strcmp(optarg, "no") != 0;
			r = engine_spec_set_restart_policy(s, optarg);
			break;
		case OPT_ENTRYPOINT: {
			char *ep[] = {optarg, NULL};
			engine_strarray a = {ep, *optarg ? 1 : 0};

			r = engine_spec_set_entrypoint(s, &a);
			break;
		}
		case OPT_STOP_SIGNAL:
			r = engine_spec_set_stop_signal(s, optarg);
			break;
		case OPT_STOP_TIMEOUT:
			errno = 0;
			r = engine_spec_set_stop_timeout(s, (int)strtol(optarg, &end, 10));
			if (r == 0 && (*end || errno || !*optarg))
				return cli_failf(EXIT_ENGINE,
						 "invalid --stop-timeout \"%s\": a number of seconds",
						 optarg),
				       -1;
			break;
		case OPT_PULL:
			if (strcmp(optarg, "missing") != 0 && strcmp(optarg, "always") != 0 &&
			    strcmp(optarg, "never") != 0)
				return cli_failf(EXIT_ENGINE,
						 "invalid pull option: '%s': must be one of \"always\", "
						 "\"missing\" or \"never\"",
						 optarg),
				       -1;
			o->pull = optarg;
			break;
		case OPT_PLATFORM:
			o->platform = optarg;
			break;
		case OPT_PRIVILEGED:
			r = engine_spec_set_privileged(s, 1);
			break;
		case OPT_SYSCTL:
			r = engine_spec_add_sysctl(s, optarg);
			break;
		case OPT_GROUP_ADD:
			r = engine_spec_add_group(s, optarg);
			break;
		case OPT_DEVICE:
			r = engine_spec_add_device(s, optarg);
			break;
		case OPT_VOLUMES_FROM:
			r = engine_spec_add_volumes_from(s, optarg);
			break;
		case OPT_CPUSET_MEMS:
			r = engine_spec_set_cpuset_mems(s, optarg);
			break;
		case OPT_OOM_KILL_DISABLE:
			o->oom_kill_disable = 1;
			r = engine_spec_set_oom_kill_disable(s, 1);
			break;
		case OPT_LINK:
			r = engine_spec_add_link(s, optarg);
			break;
		case OPT_IPC:
			r = engine_spec_set_ipc(s, optarg);
			break;
		case OPT_PID:
			r = engine_spec_set_pid(s, optarg);
			break;
		case OPT_UTS:
			r = engine_spec_set_uts(s, optarg);
			break;
		case OPT_USERNS:
			r = engine_spec_set_userns_mode(s, optarg);
			break;
		case OPT_CGROUPNS:
			r = engine_spec_set_cgroupns(s, optarg);
			break;
		case OPT_LOG_DRIVER:
			o->log_driver = optarg;
			r = engine_spec_set_log_driver(s, optarg);
			break;
		case OPT_LOG_OPT:
			o->log_opts = true;
			r = engine_spec_add_log_opt(s, optarg);
			break;
		case CLI_OPT_HELP:
			return -2;
		default:
			return -1;
		}
		if (r < 0) {
			cli_fail(EXIT_ENGINE, NULL);
			return -1;
		}
	}
	if (o->rm && o->restart) {
		cli_failf(EXIT_ENGINE, "Conflicting options: --restart and --rm");
		return -1;
	}
	if (o->log_opts && o->log_driver && strcmp(o->log_driver, "none") == 0) {
		cli_failf(EXIT_ENGINE, "invalid logging opts for driver none");
		return -1;
	}
	if (optind >= argc) {
		cli_args_error(&u, "requires at least 1 argument.");
		return -1;
	}
	/* docker run -i keeps stdin open and closes it at the client's EOF. */
	if (o->interactive && engine_spec_set_stdin(s, 1, 1) < 0) {
		cli_fail(EXIT_ENGINE, NULL);
		return -1;
	}
	if (o->tty) {
		unsigned rows, cols;

		if (cli_terminal_size(&rows, &cols))
			engine_spec_set_tty_size(s, rows, cols);
	}
	if (engine_spec_set_image(s, argv[optind]) < 0) {
		cli_fail(EXIT_ENGINE, NULL);
		return -1;
	}
	if (optind + 1 < argc) {
		engine_strarray a = {argv + optind + 1, (size_t)(argc - optind - 1)};

		if (engine_spec_set_argv(s, &a) < 0) {
			cli_fail(EXIT_ENGINE, NULL);
			return -1;
		}
	}
	return optind;
}

/* --platform: this host's platform only (no emulation), as "linux",
 * "linux/ARCH" or "linux/ARCH/VARIANT". */
static int check_platform(const char *platform)
{
	const char *arch = sysinfo_arch(), *rest;
	size_t n = strlen(arch);

	if (!platform || !strcmp(platform, "linux"))
		return 0;
	rest = !strncmp(platform, "linux/", 6) ? platform + 6 : NULL;
	if (rest && !strncmp(rest, arch, n) && (rest[n] == '\0' || rest[n] == '/'))
		return 0;
	cli_failf(EXIT_ENGINE, "--platform \"%s\": this engine runs linux/%s images only (no emulation)",
		  platform, arch);
	return -1;
}

/* docker run --pull: missing pulls an image the store lacks, always pulls
 * first, never only uses the store. */
static int ensure_image(engine_context *ctx, const struct run_opts *o, const char *ref)
{
	char *json = NULL;
	bool have;
	const char *slash = strrchr(ref, '/');

	if (check_platform(o->platform) < 0)
		return -1;
	have = engine_image_inspect(ctx, ref, &json) == 0;
	if (have && o->platform) {
		json_object *img = json_tokener_parse(json), *arch;
		bool same = !json_object_object_get_ex(img, "Architecture", &arch) ||
			    !strcmp(json_object_get_string(arch), sysinfo_arch());

		json_object_put(img);
		if (!same) {
			engine_free(json);
			cli_failf(
			    EXIT_ENGINE,
			    "image with reference %s was found but does not match the specified platform: "
			    "wanted %s",
			    ref, o->platform);
			return -1;
		}
	}
	engine_free(json);
	engine_error_clear();
	if (have && strcmp(o->pull, "always") != 0)
		return 0;
	if (!have && !strcmp(o->pull, "never")) {
		cli_failf(EXIT_ENGINE, "No such image: %s", ref);
		return -1;
	}
	if (!have)
		fprintf(stderr, "Unable to find image '%s%s' locally\n", ref,
			strchr(ref, '@') || strchr(slash ? slash : ref, ':') ? "" : ":latest");
	if (cli_pull_for_run(ref, o->platform) == 0)
		return 0;
	cli_fail(EXIT_ENGINE, NULL);
	/* The engine's own busybox needs no registry. */
	if (!strcmp(ref, "busybox") || !strcmp(ref, "busybox:latest"))
		fprintf(stderr, "(engine image default creates busybox:latest from the host's busybox)\n");
	return -1;
}

static int cmd_run_or_create(int argc, char **argv, int create_only)
{
	struct run_opts o = {0};
	engine_context *ctx;
	engine_container *c = NULL;
	int r, status;

	r = parse_run(argc, argv, argv[0], &o);
	if (r < 0) {
		engine_spec_free(o.spec);
		return r == -2 ? 0 : EXIT_ENGINE;
	}
	if (cli_open_context(&ctx) < 0 || ensure_image(ctx, &o, argv[r]) < 0) {
		engine_spec_free(o.spec);
		return EXIT_ENGINE;
	}
	/* docker prints the daemon's create warnings; on cgroup v2 this one. */
	if (o.oom_kill_disable && !engine_context_has_feature(ctx, "cgroup-v1"))
		fprintf(stderr, "WARNING: Your kernel does not support OomKillDisable. OomKillDisable "
				"discarded.\n");
	if (!create_only && !o.detach && o.interactive && o.tty && !isatty(0)) {
		engine_spec_free(o.spec);
		return cli_failf(1, "the input device is not a TTY");
	}
	if (!create_only && !o.detach && o.rm && !o.interactive && !o.tty) {
		/* The caller is the parent: no monitor, nothing left behind. */
		engine_run_result *res = NULL;
		struct cli_tty_relay relay;

		if (cli_tty_relay_start(&relay) < 0) {
			engine_spec_free(o.spec);
			return EXIT_ENGINE;
		}
		engine_spec_set_stdio_fds(o.spec, -1, relay.fd[1], relay.fd[2]);
		r = engine_run(ctx, o.spec, &res);
		cli_tty_relay_end(&relay);
		engine_spec_free(o.spec);
		if (r < 0) {
			status = status_of_error(res);
			engine_run_result_free(res);
			return cli_fail(status, NULL);
		}
		status = res->exit_code;
		if (res->timed_out)
			fprintf(stderr, "engine: container timed out and was killed\n");
		engine_run_result_free(res);
		return status;
	}
	r = engine_container_create(ctx, o.spec, &c);
	engine_spec_free(o.spec);
	if (r < 0)
		return cli_fail(EXIT_ENGINE, NULL);
	if (create_only) {
		puts(engine_container_id(c));
		engine_container_free(c);
		return 0;
	}
	if (o.detach) {
		r = engine_container_start(c);
		if (r < 0) {
			const engine_error *e = engine_error_last();
			int code = 0;

			status = EXIT_ENGINE;
			if (e->code == ENGINE_ENOTFOUND || e->code == ENGINE_EPERM) {
				engine_container_wait(c, 0, &code);
				if (code == 126 || code == 127)
					status = code;
			}
			cli_fail(status, NULL);
			if (o.rm)
				engine_container_remove(c, 1);
			engine_container_free(c);
			return status;
		}
		puts(engine_container_id(c));
		engine_container_free(c);
		return 0;
	}
	/* Attached, like docker: attach, wait, start, copy the streams. */
	status = cli_run_attached(c, o.interactive, 1, o.rm, o.detach_keys, o.sig_proxy);
	engine_container_free(c);
	return status;
}

static int cmd_run(int argc, char **argv)
{
	return cmd_run_or_create(argc, argv, 0);
}

static int cmd_create(int argc, char **argv)
{
	return cmd_run_or_create(argc, argv, 1);
}

static int cmd_container(int argc, char **argv);

const struct cli_command cli_container_commands[] = {
    {"run", cmd_run, "Run a command in a new container"},
    {"create", cmd_create, "Create a new container"},
    {"exec", cli_exec, "Run a command in a running container"},
    {"container", cmd_container, "Manage containers (engine container ls|run|rm|...)"},
    {NULL, NULL, NULL},
};

static int cmd_container(int argc, char **argv)
{
	static const struct cli_command aliases[] = {
	    {"ls", cli_ps, NULL},
	    {"list", cli_ps, NULL},
	    {"remove", cli_rm, NULL},
	    {"inspect", cli_inspect_containers, "Return low-level information on containers"},
	    {"prune", cli_container_prune, "Remove all stopped containers"},
	    {NULL, NULL, NULL},
	};
	const struct cli_command *const tables[] = {aliases,
						    cli_container_commands,
						    cli_lifecycle_commands,
						    cli_ps_commands,
						    cli_manage_commands,
						    cli_attach_commands,
						    NULL};

	return cli_group(argc, argv, "Manage containers", tables);
}
