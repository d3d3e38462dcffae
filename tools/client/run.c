/*
 * engine -H ADDR run, as docker's CLI drives it: the flags as a create
 * body (-p, -v, -e, --sysctl, --group-add, --device, --volumes-from,
 * --link, ...), POST /containers/create, the attach connection opened
 * before the start (stdin=1 with -i, relayed by client_relay: raw with -t,
 * resized through /containers/{id}/resize), then the exit status from wait.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "client/client.h"

/* -p [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO] into PortBindings and
 * ExposedPorts, as the docker CLI sends them (no ranges here). */
static int publish(json_object *body, json_object *hc, const char *spec)
{
	char buf[256], key[64], *f[3], *p = buf, *proto;
	json_object *pb, *ep, *list, *b;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	if ((proto = strchr(buf, '/')))
		*proto++ = '\0';
	while (n < 3 && p) {
		f[n++] = p;
		if ((p = strchr(p, ':')))
			*p++ = '\0';
	}
	if (p || !*f[n - 1] || strchr(spec, '-') || atoi(f[n - 1]) <= 0) {
		fprintf(stderr,
			"invalid port \"%s\": want [IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp] (no ranges)\n",
			spec);
		return -1;
	}
	snprintf(key, sizeof(key), "%.16s/%.16s", f[n - 1], proto && *proto ? proto : "tcp");
	if (!json_object_object_get_ex(hc, "PortBindings", &pb)) {
		pb = json_object_new_object();
		json_object_object_add(hc, "PortBindings", pb);
	}
	if (!json_object_object_get_ex(body, "ExposedPorts", &ep)) {
		ep = json_object_new_object();
		json_object_object_add(body, "ExposedPorts", ep);
	}
	json_object_object_add(ep, key, json_object_new_object());
	if (!json_object_object_get_ex(pb, key, &list)) {
		list = json_object_new_array();
		json_object_object_add(pb, key, list);
	}
	b = json_object_new_object();
	json_object_object_add(b, "HostIp", json_object_new_string(n == 3 ? f[0] : ""));
	json_object_object_add(b, "HostPort", json_object_new_string(n >= 2 ? f[n - 2] : ""));
	json_object_array_add(list, b);
	return 0;
}

/* run's flags and operands as a create request's body (owned by the
 * caller); NULL after a usage message. */
struct run_flags {
	const char *name;
	bool rm, detach, interactive, tty;
};

/* A repeatable flag's value appended to the array @key of @o. */
static void push_str(json_object *o, const char *key, const char *v)
{
	json_object *a;

	if (!json_object_object_get_ex(o, key, &a)) {
		a = json_object_new_array();
		json_object_object_add(o, key, a);
	}
	json_object_array_add(a, json_object_new_string(v));
}

/* --device HOST[:CTR][:PERMS] as HostConfig.Devices' object (the CLI's parse). */
static void device(json_object *hc, const char *spec)
{
	char buf[4096], *f[3] = {buf, NULL, NULL};
	json_object *d = json_object_new_object(), *a;
	const char *perms = "rwm";

	snprintf(buf, sizeof(buf), "%s", spec);
	if ((f[1] = strchr(buf, ':')) && (*f[1]++ = '\0', (f[2] = strchr(f[1], ':'))))
		*f[2]++ = '\0';
	if (f[2])
		perms = f[2];
	else if (f[1] && strspn(f[1], "rwm") == strlen(f[1]) && *f[1])
		perms = f[1], f[1] = NULL;
	json_object_object_add(d, "PathOnHost", json_object_new_string(f[0]));
	json_object_object_add(d, "PathInContainer", json_object_new_string(f[1] ? f[1] : f[0]));
	json_object_object_add(d, "CgroupPermissions", json_object_new_string(perms));
	if (!json_object_object_get_ex(hc, "Devices", &a)) {
		a = json_object_new_array();
		json_object_object_add(hc, "Devices", a);
	}
	json_object_array_add(a, d);
}

static json_object *run_body(int argc, char **argv, struct run_flags *f)
{
	enum {
		O_SYSCTL = 256,
		O_GROUP,
		O_DEVICE,
		O_VFROM,
		O_LINK,
		O_MEMS,
		O_OOM,
		O_LOGD,
		O_LOGO,
		O_IPC,
		O_PID,
		O_UTS,
		O_USERNS,
		O_CGROUPNS
	};
	/* HostConfig's namespace modes, by option (the daemon checks them) */
	static const char *const ns_keys[] = {"IpcMode", "PidMode", "UTSMode", "UsernsMode", "CgroupnsMode"};
	static const struct option opts[] = {
	    {"rm", no_argument, NULL, 'R'},
	    {"detach", no_argument, NULL, 'd'},
	    {"interactive", no_argument, NULL, 'i'},
	    {"tty", no_argument, NULL, 't'},
	    {"volume", required_argument, NULL, 'v'},
	    {"sysctl", required_argument, NULL, O_SYSCTL},
	    {"group-add", required_argument, NULL, O_GROUP},
	    {"device", required_argument, NULL, O_DEVICE},
	    {"volumes-from", required_argument, NULL, O_VFROM},
	    {"link", required_argument, NULL, O_LINK},
	    {"cpuset-mems", required_argument, NULL, O_MEMS},
	    {"oom-kill-disable", no_argument, NULL, O_OOM},
	    {"ipc", required_argument, NULL, O_IPC},
	    {"pid", required_argument, NULL, O_PID},
	    {"uts", required_argument, NULL, O_UTS},
	    {"userns", required_argument, NULL, O_USERNS},
	    {"cgroupns", required_argument, NULL, O_CGROUPNS},
	    {"log-driver", required_argument, NULL, O_LOGD},
	    {"log-opt", required_argument, NULL, O_LOGO},
	    {"name", required_argument, NULL, 'n'},
	    {"env", required_argument, NULL, 'e'},
	    {"network", required_argument, NULL, 'N'},
	    {"workdir", required_argument, NULL, 'w'},
	    {"user", required_argument, NULL, 'u'},
	    {"publish", required_argument, NULL, 'p'},
	    {"publish-all", no_argument, NULL, 'P'},
	    {NULL, 0, NULL, 0},
	};
	json_object *body = json_object_new_object(), *hc = json_object_new_object(),
		    *env = json_object_new_array(), *cmd = json_object_new_array(), *sysctls = NULL;
	char key[512];
	int c;

	/* The body owns the parts from here on: one put frees everything. */
	json_object_object_add(body, "Env", env);
	json_object_object_add(body, "HostConfig", hc);
	optind = 0;
	while ((c = cli_getopt_long(argc, argv, "+de:w:u:p:Pitv:", opts, NULL)) != -1) {
		switch (c) {
		case 'R':
			f->rm = true;
			break;
		case 'd':
			f->detach = true;
			break;
		case 'i':
			f->interactive = true;
			break;
		case 't':
			f->tty = true;
			break;
		case 'n':
			f->name = optarg;
			break;
		case 'v':
			push_str(hc, "Binds", optarg);
			break;
		case O_SYSCTL: {
			const char *eq = strchr(optarg, '=');

			if (!eq) {
				fprintf(stderr,
					"invalid argument \"%s\" for \"--sysctl\" flag: expected K=V\n",
					optarg);
				goto usage;
			}
			if (!sysctls) {
				sysctls = json_object_new_object();
				json_object_object_add(hc, "Sysctls", sysctls);
			}
			snprintf(key, sizeof(key), "%.*s", (int)(eq - optarg), optarg);
			json_object_object_add(sysctls, key, json_object_new_string(eq + 1));
			break;
		}
		case O_GROUP:
			push_str(hc, "GroupAdd", optarg);
			break;
		case O_DEVICE:
			device(hc, optarg);
			break;
		case O_VFROM:
			push_str(hc, "VolumesFrom", optarg);
			break;
		case O_LINK:
			push_str(hc, "Links", optarg);
			break;
		case O_MEMS:
			json_object_object_add(hc, "CpusetMems", json_object_new_string(optarg));
			break;
		case O_OOM:
			json_object_object_add(hc, "OomKillDisable", json_object_new_boolean(1));
			break;
		case O_IPC:
		case O_PID:
		case O_UTS:
		case O_USERNS:
		case O_CGROUPNS:
			json_object_object_add(hc, ns_keys[c - O_IPC], json_object_new_string(optarg));
			break;
		case O_LOGD:
		case O_LOGO: {
			/* HostConfig.LogConfig {Type, Config{key: value}} */
			json_object *lc, *lcfg;
			const char *eq = strchr(optarg, '=');

			if (!json_object_object_get_ex(hc, "LogConfig", &lc)) {
				lc = json_object_new_object();
				json_object_object_add(hc, "LogConfig", lc);
				json_object_object_add(lc, "Type", json_object_new_string(""));
				json_object_object_add(lc, "Config", json_object_new_object());
			}
			if (c == O_LOGD) {
				json_object_object_add(lc, "Type", json_object_new_string(optarg));
				break;
			}
			json_object_object_get_ex(lc, "Config", &lcfg);
			snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - optarg) : (int)strlen(optarg),
				 optarg);
			json_object_object_add(lcfg, key, json_object_new_string(eq ? eq + 1 : ""));
			break;
		}
		case 'e':
			json_object_array_add(env, json_object_new_string(optarg));
			break;
		case 'N':
			json_object_object_add(hc, "NetworkMode", json_object_new_string(optarg));
			break;
		case 'w':
			json_object_object_add(body, "WorkingDir", json_object_new_string(optarg));
			break;
		case 'u':
			json_object_object_add(body, "User", json_object_new_string(optarg));
			break;
		case 'P':
			json_object_object_add(hc, "PublishAllPorts", json_object_new_boolean(1));
			break;
		case 'p':
			if (publish(body, hc, optarg) == 0)
				break;
			/* fall through */
		default:
			goto usage;
		}
	}
	if (optind >= argc) {
		fprintf(stderr,
			"usage: engine -H ADDR run [--rm] [-d] [-i] [-t] [--name N] [-e K=V] "
			"[--network M] [-p [IP:][HOST:]PORT[/PROTO]] [-P] [-v SRC:DST] [--sysctl K=V] "
			"[--group-add G] [--device D] [--volumes-from C] [--link C[:A]] "
			"[--cpuset-mems L] [--oom-kill-disable] [--log-driver D] [--log-opt K=V] IMAGE "
			"[CMD...]\n");
		goto usage;
	}
	json_object_object_add(body, "Image", json_object_new_string(argv[optind]));
	for (int i = optind + 1; i < argc; i++)
		json_object_array_add(cmd, json_object_new_string(argv[i]));
	if (json_object_array_length(cmd))
		json_object_object_add(body, "Cmd", cmd);
	else
		json_object_put(cmd);
	json_object_object_add(body, "AttachStdout", json_object_new_boolean(!f->detach));
	json_object_object_add(body, "AttachStderr", json_object_new_boolean(!f->detach));
	/* -i as docker run -i: stdin kept open, closed at the attacher's EOF */
	json_object_object_add(body, "AttachStdin", json_object_new_boolean(f->interactive && !f->detach));
	json_object_object_add(body, "OpenStdin", json_object_new_boolean(f->interactive));
	json_object_object_add(body, "StdinOnce", json_object_new_boolean(f->interactive && !f->detach));
	json_object_object_add(body, "Tty", json_object_new_boolean(f->tty));
	/* An attached --rm run removes its container itself once the wait has
	 * its status (as the docker CLI did before AutoRemove): a wait sent
	 * after the attach ends could find an auto-removed one already gone. */
	json_object_object_add(hc, "AutoRemove", json_object_new_boolean(f->rm && f->detach));
	return body;
usage:
	json_object_put(body);
	json_object_put(cmd);
	return NULL;
}

/* POST /containers/create: 0 with the new container's ID in @id, or 125
 * after the daemon's message. */
static int create_container(json_object *body, const char *name, char id[65])
{
	char path[1024], *reply = NULL;
	json_object *o, *v;
	int st;

	snprintf(path, sizeof(path), "/containers/create%s%s", name ? "?name=" : "", name ? name : "");
	st = client_request("POST", path, body, &reply, NULL);
	if (st != 201) {
		if (st > 0)
			fprintf(stderr, "Error response from daemon: %s\n", client_error_message(reply));
		free(reply);
		return 125;
	}
	o = json_tokener_parse(reply);
	free(reply);
	snprintf(id, 65, "%s", o && json_object_object_get_ex(o, "Id", &v) ? json_object_get_string(v) : "");
	if (o)
		json_object_put(o);
	return 0;
}

/* An attached --rm run's own removal (with its anonymous volumes). */
static void remove_container(const char *id)
{
	char path[1024], *reply = NULL;

	snprintf(path, sizeof(path), "/containers/%s?v=1&force=1", id);
	if (client_request("DELETE", path, NULL, &reply, NULL) >= 400)
		fprintf(stderr, "engine: Error response from daemon: %s\n", client_error_message(reply));
	free(reply);
}

/* Start @id, attached unless detached, and give docker run's exit status. */
static int start_container(const char *id, const struct run_flags *f)
{
	char path[1024], *reply = NULL;
	client_stream *s = NULL;
	bool rm = f->rm, detach = f->detach;
	int code;

	if (!detach) {
		snprintf(path, sizeof(path), "/containers/%s/attach?stream=1&stdout=1&stderr=1%s", id,
			 f->interactive ? "&stdin=1" : "");
		if (client_stream_open(path, &s) < 0)
			return 125;
	}
	snprintf(path, sizeof(path), "/containers/%s/start", id);
	if (client_request("POST", path, NULL, &reply, NULL) >= 400) {
		const char *msg = client_error_message(reply);

		fprintf(stderr, "engine: Error response from daemon: %s\n", msg);
		client_stream_close(s);
		code = strstr(msg, "executable file not found") || strstr(msg, "no such file") ? 127
		       : strstr(msg, "permission denied")				       ? 126
											       : 125;
		free(reply);
		if (rm && !detach)
			remove_container(id);
		return code;
	}
	free(reply);
	if (detach) {
		printf("%s\n", id);
		return 0;
	}
	snprintf(path, sizeof(path), "/containers/%s", id);
	client_relay(s, f->tty, f->interactive, path);
	client_stream_close(s);
	code = client_wait(id, "not-running");
	if (rm)
		remove_container(id);
	return code < 0 ? 125 : code;
}

int client_run(int argc, char **argv)
{
	struct run_flags f = {NULL, false, false, false, false};
	json_object *body = run_body(argc, argv, &f);
	char id[65];
	int r;

	if (!body)
		return 125;
	/* docker's check (exit 1, not a usage error): a raw terminal needs one */
	if (f.tty && f.interactive && !f.detach && !isatty(0)) {
		fprintf(stderr, "the input device is not a TTY\n");
		json_object_put(body);
		return 1;
	}
	r = create_container(body, f.name, id);
	json_object_put(body);
	return r ? r : start_container(id, &f);
}
