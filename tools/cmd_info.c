/* engine CLI: version and info, docker's layouts and --format objects. In
 * library mode the "server" is libengine in this process. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli.h"
#include "cli_format.h"
#include "cli_util.h"
#include "sysinfo.h"

/* -f/--format only; a template run once over @o, else @print. */
static int formatted(int argc, char **argv, const struct cli_usage *u, json_object *(*build)(void),
		     void (*print)(json_object *))
{
	static const struct option lo[] = {
	    {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *format = NULL;
	json_object *o;
	cli_fmt *f = NULL;
	int c, status = 0;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "f:", lo, u)) != CLI_OPT_END) {
		if (c != 'f')
			return c == CLI_OPT_HELP ? 0 : EXIT_ENGINE;
		format = optarg;
	}
	if (optind < argc)
		return cli_args_error(u, "accepts no arguments.");
	if (format && !(f = cli_fmt_new(format, "{{json .}}", NULL, false)))
		return 1;
	if (!(o = build())) {
		cli_fmt_end(f);
		return 1;
	}
	if (f)
		status = cli_fmt_row(f, o, NULL) < 0;
	else
		print(o);
	cli_fmt_end(f);
	json_object_put(o);
	return status;
}

static json_object *version_object(void)
{
	json_object *o = json_object_new_object(), *client = json_object_new_object(), *p;

	p = json_object_new_object();
	json_object_object_add(p, "Name", json_object_new_string("engine CLI"));
	json_object_object_add(client, "Platform", p);
	json_object_object_add(client, "Version", json_object_new_string(engine_version()));
	json_object_object_add(client, "ApiVersion", json_object_new_string(SYSINFO_API_VERSION));
	json_object_object_add(client, "DefaultAPIVersion", json_object_new_string(SYSINFO_API_VERSION));
	json_object_object_add(client, "GitCommit", json_object_new_string(""));
	json_object_object_add(client, "GoVersion", json_object_new_string("C (libengine)"));
	json_object_object_add(client, "Os", json_object_new_string("linux"));
	json_object_object_add(client, "Arch", json_object_new_string(sysinfo_arch()));
	json_object_object_add(client, "BuildTime", json_object_new_string(__DATE__ " " __TIME__));
	json_object_object_add(client, "Context", json_object_new_string("default"));
	json_object_object_add(o, "Client", client);
	json_object_object_add(o, "Server", sysinfo_version());
	return o;
}

static void version_print(json_object *o)
{
	json_object *c = json_object_object_get(o, "Client"), *s = json_object_object_get(o, "Server");

	printf("Client:\n");
	printf(" Version:           %s\n", cli_json_str(c, "Version"));
	printf(" API version:       %s\n", cli_json_str(c, "ApiVersion"));
	printf(" Go version:        %s\n", cli_json_str(c, "GoVersion"));
	printf(" Built:             %s\n", cli_json_str(c, "BuildTime"));
	printf(" OS/Arch:           %s/%s\n", cli_json_str(c, "Os"), cli_json_str(c, "Arch"));
	printf(" Context:           %s\n\n", cli_json_str(c, "Context"));
	printf("Server: %s\n", cli_json_str(json_object_object_get(s, "Platform"), "Name"));
	printf(" Engine:\n");
	printf("  Version:          %s\n", cli_json_str(s, "Version"));
	printf("  API version:      %s (minimum version %s)\n", cli_json_str(s, "ApiVersion"),
	       cli_json_str(s, "MinAPIVersion"));
	printf("  Built:            %s\n", cli_json_str(s, "BuildTime"));
	printf("  OS/Arch:          %s/%s\n", cli_json_str(s, "Os"), cli_json_str(s, "Arch"));
	printf("  Kernel Version:   %s\n", cli_json_str(s, "KernelVersion"));
}

static int cmd_version(int argc, char **argv)
{
	static const struct cli_usage u = {
	    "version", "[OPTIONS]", "Show the engine version information",
	    "  -f, --format string   Format output using a custom template:\n"
	    "                        'json':             Print in JSON format\n"
	    "                        'TEMPLATE':         Print output using the given Go template\n"};

	return formatted(argc, argv, &u, version_object, version_print);
}

static json_object *info_object(void)
{
	json_object *o = json_object_new_object(), *sec = json_object_new_array(), *sw, *ci, *rt, *e;
	engine_context *ctx;
	struct utsname u;
	struct sysinfo si;
	char host[256] = "";
	char *os = sysinfo_os_name();

	if (cli_open_context(&ctx) < 0) {
		free(os);
		json_object_put(o);
		json_object_put(sec);
		return NULL;
	}
	uname(&u);
	sysinfo(&si);
	gethostname(host, sizeof(host) - 1);
	json_object_object_add(o, "ID", json_object_new_string(""));
	sysinfo_counts(ctx, o);
	json_object_object_add(o, "Driver", json_object_new_string("overlay2"));
	json_object_object_add(o, "DockerRootDir", json_object_new_string(engine_context_root(ctx)));
	json_object_object_add(o, "LoggingDriver", json_object_new_string("json-file"));
	json_object_object_add(o, "CgroupDriver", json_object_new_string("cgroupfs"));
	json_object_object_add(
	    o, "CgroupVersion",
	    json_object_new_string(access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? "2" : "1"));
	json_object_object_add(o, "KernelVersion", json_object_new_string(u.release));
	json_object_object_add(o, "OperatingSystem", json_object_new_string(os ? os : "Linux"));
	json_object_object_add(o, "OSType", json_object_new_string("linux"));
	json_object_object_add(o, "Architecture", json_object_new_string(u.machine));
	json_object_object_add(o, "NCPU", json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_object_add(o, "MemTotal", json_object_new_int64((int64_t)si.totalram * si.mem_unit));
	json_object_object_add(o, "Name", json_object_new_string(host));
	json_object_object_add(o, "ServerVersion", json_object_new_string(engine_version()));
	if (engine_has_feature("seccomp"))
		json_object_array_add(sec, json_object_new_string("name=seccomp,profile=builtin"));
	json_object_object_add(o, "SecurityOptions", sec);
	rt = json_object_new_object();
	e = json_object_new_object();
	json_object_object_add(e, "path", json_object_new_string("libengine"));
	json_object_object_add(rt, "engine", e);
	json_object_object_add(o, "Runtimes", rt);
	json_object_object_add(o, "DefaultRuntime", json_object_new_string("engine"));
	sw = json_object_new_object();
	json_object_object_add(sw, "LocalNodeState", json_object_new_string("inactive"));
	json_object_object_add(o, "Swarm", sw);
	json_object_object_add(o, "Debug", json_object_new_boolean(cli_globals.debug));
	json_object_object_add(o, "Warnings", json_object_new_array());
	ci = json_object_new_object();
	json_object_object_add(ci, "Debug", json_object_new_boolean(cli_globals.debug));
	json_object_object_add(ci, "Context", json_object_new_string("default"));
	json_object_object_add(ci, "Plugins", json_object_new_array());
	json_object_object_add(ci, "Warnings", NULL);
	json_object_object_add(o, "ClientInfo", ci);
	free(os);
	return o;
}

static void info_print(json_object *o)
{
	json_object *sec = json_object_object_get(o, "SecurityOptions");
	char mem[32];

	printf("Client:\n Version:    %s\n Context:    default\n Debug Mode: %s\n\n", engine_version(),
	       cli_globals.debug ? "true" : "false");
	printf("Server:\n");
	printf(" Containers: %s\n  Running: %s\n  Paused: %s\n  Stopped: %s\n", cli_json_str(o, "Containers"),
	       cli_json_str(o, "ContainersRunning"), cli_json_str(o, "ContainersPaused"),
	       cli_json_str(o, "ContainersStopped"));
	printf(" Images: %s\n", cli_json_str(o, "Images"));
	printf(" Server Version: %s\n", cli_json_str(o, "ServerVersion"));
	printf(" Storage Driver: %s\n", cli_json_str(o, "Driver"));
	printf(" Logging Driver: %s\n", cli_json_str(o, "LoggingDriver"));
	printf(" Cgroup Driver: %s\n", cli_json_str(o, "CgroupDriver"));
	printf(" Cgroup Version: %s\n", cli_json_str(o, "CgroupVersion"));
	printf(" Runtimes: engine\n Default Runtime: %s\n", cli_json_str(o, "DefaultRuntime"));
	printf(" Security Options:\n");
	for (size_t i = 0; i < json_object_array_length(sec); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(sec, i));
		const char *comma = strchr(s, ',');

		if (!strncmp(s, "name=", 5) && comma)
			printf("  %.*s\n   Profile: %s\n", (int)(comma - s - 5), s + 5,
			       strncmp(comma + 1, "profile=", 8) == 0 ? comma + 9 : comma + 1);
		else
			printf("  %s\n", s);
	}
	printf(" Kernel Version: %s\n", cli_json_str(o, "KernelVersion"));
	printf(" Operating System: %s\n", cli_json_str(o, "OperatingSystem"));
	printf(" OSType: %s\n", cli_json_str(o, "OSType"));
	printf(" Architecture: %s\n", cli_json_str(o, "Architecture"));
	printf(" CPUs: %s\n", cli_json_str(o, "NCPU"));
	cli_format_bytes(json_object_get_int64(json_object_object_get(o, "MemTotal")), mem, sizeof(mem));
	printf(" Total Memory: %s\n", mem);
	printf(" Name: %s\n", cli_json_str(o, "Name"));
	printf(" Engine Root Dir: %s\n", cli_json_str(o, "DockerRootDir"));
	printf(" Debug Mode: %s\n", cli_globals.debug ? "true" : "false");
}

int cli_info(int argc, char **argv)
{
	static const struct cli_usage u = {
	    "info", "[OPTIONS]", "Display system-wide information",
	    "  -f, --format string   Format output using a custom template:\n"
	    "                        'json':             Print in JSON format\n"
	    "                        'TEMPLATE':         Print output using the given Go template\n"};

	return formatted(argc, argv, &u, info_object, info_print);
}

const struct cli_command cli_info_commands[] = {
    {"version", cmd_version, "Show the engine version information"},
    {"info", cli_info, "Display system-wide information"},
    {NULL, NULL, NULL},
};
