/*
 * engine-oci's other verbs: state, exec, ps, list, events, update,
 * features and spec, with runc's flags and output formats.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/cli.h"

static int need_id(int argc, const char *verb)
{
	if (optind + 1 != argc)
		return oci_fail("\"%s\" requires exactly 1 argument (the container id)", verb);
	return 0;
}

static int print_owned(int r, char *json, const char *verb)
{
	if (r < 0)
		return oci_fail_engine(verb);
	printf("%s\n", json);
	engine_free(json);
	return 0;
}

int oci_cmd_state(int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	engine_context *ctx;
	char *json = NULL;
	int r;

	while (getopt_long_only(argc, argv, "", opts, NULL) != -1)
		return 1;
	if (need_id(argc, "state") || !(ctx = oci_context()))
		return 1;
	r = engine_oci_state(ctx, argv[optind], &json);
	r = print_owned(r, json, "state");
	engine_context_free(ctx);
	return r;
}

static char *read_all(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *g = realloc(buf, cap + 65536);

			if (!g) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = g;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (buf)
		buf[len] = '\0';
	if (f != stdin)
		fclose(f);
	return buf;
}

/* The container's config.json process, for an exec given as arguments. */
static json_object *container_process(engine_context *ctx, const char *id)
{
	char *state = NULL, path[4096];
	json_object *st, *cfg, *proc = NULL;

	if (engine_oci_state(ctx, id, &state) < 0)
		return NULL;
	st = json_tokener_parse(state);
	engine_free(state);
	if (!st)
		return NULL;
	snprintf(path, sizeof(path), "%s/config.json",
		 json_object_get_string(json_object_object_get(st, "bundle")));
	json_object_put(st);
	cfg = json_object_from_file(path);
	if (cfg && json_object_object_get_ex(cfg, "process", &proc))
		proc = json_object_get(proc);
	json_object_put(cfg);
	return proc;
}

int oci_cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"process", required_argument, NULL, 'p'},
	    {"tty", no_argument, NULL, 't'},
	    {"detach", no_argument, NULL, 'd'},
	    {"pid-file", required_argument, NULL, 'P'},
	    {"console-socket", required_argument, NULL, 'c'},
	    {"cwd", required_argument, NULL, 'w'},
	    {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},
	    {"cap", required_argument, NULL, 'C'},
	    {"preserve-fds", required_argument, NULL, 'F'},
	    {"no-new-privs", no_argument, NULL, 'n'},
	    {"additional-gids", required_argument, NULL, 'g'},
	    {"apparmor", required_argument, NULL, 'a'},
	    {"process-label", required_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	engine_oci_exec_options o = ENGINE_OCI_EXEC_OPTIONS_INIT;
	const char *process = NULL, *pid_file = NULL, *cwd = NULL, *user = NULL, *apparmor = NULL,
		   *label = NULL;
	json_object *env = json_object_new_array(), *caps = json_object_new_array(),
		    *gids = json_object_new_array();
	bool tty = false, detach = false, nnp = false;
	engine_context *ctx;
	json_object *proc = NULL;
	char *text = NULL;
	int c, pid = 0, r;
	long num;

	while ((c = getopt_long_only(argc, argv, "+p:tde:u:c:g:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			process = optarg;
			break;
		case 't':
			tty = true;
			break;
		case 'd':
			detach = true;
			break;
		case 'P':
			pid_file = optarg;
			break;
		case 'c':
			o.console_socket = optarg;
			break;
		case 'w':
			cwd = optarg;
			break;
		case 'e':
			json_object_array_add(env, json_object_new_string(optarg));
			break;
		case 'u':
			user = optarg;
			break;
		case 'C':
			json_object_array_add(caps, json_object_new_string(optarg));
			break;
		case 'F':
			if (oci_parse_uint("--preserve-fds", optarg, 48, &num) != 0) {
				r = 1;
				goto out_args;
			}
			o.preserve_fds = (int)num;
			break;
		case 'n':
			nnp = true;
			break;
		case 'g':
			if (oci_parse_uint("--additional-gids", optarg, UINT32_MAX, &num) != 0) {
				r = 1;
				goto out_args;
			}
			json_object_array_add(gids, json_object_new_int64(num));
			break;
		case 'a':
			apparmor = optarg;
			break;
		case 'l':
			label = optarg;
			break;
		default:
			r = 1;
			goto out_args;
		}
	}
	if (optind >= argc || (!process && optind + 1 >= argc)) {
		r = oci_fail("\"exec\" requires the container id and a command (or --process)");
		goto out_args;
	}
	if (!(ctx = oci_context())) {
		r = 1;
		goto out_args;
	}
	if (process) {
		text = read_all(process);
		if (!text) {
			r = oci_fail("exec: read %s: %s", process, strerror(errno));
			goto out;
		}
	} else {
		json_object *args = json_object_new_array(), *e;

		proc = container_process(ctx, argv[optind]);
		if (!proc) {
			r = oci_fail_engine("exec");
			goto out;
		}
		for (int i = optind + 1; i < argc; i++)
			json_object_array_add(args, json_object_new_string(argv[i]));
		json_object_object_add(proc, "args", args);
		json_object_object_add(proc, "terminal", json_object_new_boolean(tty));
		if (json_object_object_get_ex(proc, "env", &e) && e)
			for (size_t i = 0; i < json_object_array_length(env); i++)
				json_object_array_add(e, json_object_get(json_object_array_get_idx(env, i)));
		else
			json_object_object_add(proc, "env", json_object_get(env));
		if (cwd)
			json_object_object_add(proc, "cwd", json_object_new_string(cwd));
		if (user) {
			json_object *u = json_object_new_object();
			unsigned uid = 0, gid = 0;

			if (sscanf(user, "%u:%u", &uid, &gid) < 1) {
				r = oci_fail("exec --user \"%s\": want UID[:GID]", user);
				goto out;
			}
			json_object_object_add(u, "uid", json_object_new_int64(uid));
			json_object_object_add(u, "gid", json_object_new_int64(gid));
			if (json_object_array_length(gids))
				json_object_object_add(u, "additionalGids", json_object_get(gids));
			json_object_object_add(proc, "user", u);
		}
		if (json_object_array_length(caps)) {
			json_object *set = json_object_object_get(proc, "capabilities");
			static const char *const kinds[] = {"bounding", "effective", "permitted", "ambient"};

			for (size_t k = 0; set && k < 4; k++) {
				json_object *l = json_object_object_get(set, kinds[k]);

				for (size_t i = 0; l && i < json_object_array_length(caps); i++)
					json_object_array_add(
					    l, json_object_get(json_object_array_get_idx(caps, i)));
			}
		}
		if (nnp)
			json_object_object_add(proc, "noNewPrivileges", json_object_new_boolean(1));
		if (apparmor)
			json_object_object_add(proc, "apparmorProfile", json_object_new_string(apparmor));
		if (label)
			json_object_object_add(proc, "selinuxLabel", json_object_new_string(label));
		text = strdup(json_object_to_json_string(proc));
	}
	if (engine_oci_exec(ctx, argv[optind], text, &o, &pid) < 0) {
		r = oci_fail_engine("exec");
		goto out;
	}
	if (pid_file && oci_write_pid_file(pid_file, pid) != 0) {
		kill(pid, SIGKILL);
		r = 1;
		goto out;
	}
	r = detach ? 0 : oci_wait_child(pid);
out:
	free(text);
	if (proc)
		json_object_put(proc);
	engine_context_free(ctx);
out_args:
	json_object_put(env);
	json_object_put(caps);
	json_object_put(gids);
	return r;
}

/* runc's table: the lines of ps(1) (its options given after the id, -ef
 * by default) whose PID column is one of the container's. */
static int ps_table(json_object *pids, int nopts, char **opts)
{
	char *args[64] = {"ps", "-ef"}, line[4096];
	int fds[2], col = -1, status = 0;
	bool first = true;
	FILE *f;
	pid_t child;

	if (nopts > 60)
		return oci_fail("ps: too many ps options");
	for (int i = 0; i < nopts; i++)
		args[i + 1] = opts[i];
	if (nopts)
		args[nopts + 1] = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0 || (child = fork()) < 0)
		return oci_fail("ps: %s", strerror(errno));
	if (child == 0) {
		dup2(fds[1], 1);
		execvp("ps", args);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "re");
	while (f && fgets(line, sizeof(line), f)) {
		char copy[4096], *tok, *save = NULL;
		int i = 0, pid = -1;

		snprintf(copy, sizeof(copy), "%s", line);
		for (tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save), i++) {
			if (first && strcmp(tok, "PID") == 0)
				col = i;
			else if (!first && i == col)
				pid = atoi(tok);
		}
		if (first) {
			first = false;
			fputs(line, stdout);
			continue;
		}
		for (size_t k = 0; pids && pid > 0 && k < json_object_array_length(pids); k++)
			if (json_object_get_int(json_object_array_get_idx(pids, k)) == pid)
				fputs(line, stdout);
	}
	if (f)
		fclose(f);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (col < 0)
		return oci_fail("ps: no PID column in the output of ps");
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : oci_fail("ps: ps failed");
}

int oci_cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	const char *format = "table";
	engine_context *ctx;
	char *json = NULL;
	int c, r;

	while ((c = getopt_long_only(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f')
			return 1;
		format = optarg;
	}
	if (optind >= argc)
		return oci_fail("\"ps\" requires the container id");
	if (strcmp(format, "json") != 0 && strcmp(format, "table") != 0)
		return oci_fail("ps --format \"%s\": want table or json", format);
	if (!(ctx = oci_context()))
		return 1;
	r = engine_oci_ps(ctx, argv[optind], &json);
	engine_context_free(ctx);
	if (r < 0)
		return oci_fail_engine("ps");
	if (strcmp(format, "json") == 0) {
		printf("%s\n", json);
	} else {
		json_object *pids = json_tokener_parse(json);

		r = ps_table(pids, argc - optind - 1, argv + optind + 1);
		json_object_put(pids);
		engine_free(json);
		return r;
	}
	engine_free(json);
	return 0;
}

int oci_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, {"quiet", no_argument, NULL, 'q'}, {NULL, 0, NULL, 0}};
	const char *format = "table";
	bool quiet = false;
	engine_context *ctx;
	json_object *arr;
	char *json = NULL;
	int c, r;

	while ((c = getopt_long_only(argc, argv, "f:q", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'q')
			quiet = true;
		else
			return 1;
	}
	if (!(ctx = oci_context()))
		return 1;
	r = engine_oci_list(ctx, &json);
	engine_context_free(ctx);
	if (r < 0)
		return oci_fail_engine("list");
	if (strcmp(format, "json") == 0) {
		printf("%s\n", json);
		engine_free(json);
		return 0;
	}
	arr = json_tokener_parse(json);
	engine_free(json);
	if (!quiet)
		printf("%-12s %-10s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
		       "OWNER");
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *s = json_object_array_get_idx(arr, i);

#define S(k) json_object_get_string(json_object_object_get(s, k))
		if (quiet)
			printf("%s\n", S("id"));
		else
			printf("%-12s %-10d %-10s %-40s %-30s %s\n", S("id"),
			       json_object_get_int(json_object_object_get(s, "pid")), S("status"),
			       S("bundle"), S("created"), S("owner"));
#undef S
	}
	json_object_put(arr);
	return 0;
}

int oci_cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {{"stats", no_argument, NULL, 's'},
					     {"interval", required_argument, NULL, 'i'},
					     {NULL, 0, NULL, 0}};
	bool stats = false;
	unsigned interval = 5;
	engine_context *ctx;
	int c;

	while ((c = getopt_long_only(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			stats = true;
		else if (c == 'i') {
			/* runc takes a duration: "5s", or plain seconds. */
			char secs[32];
			long n;

			snprintf(secs, sizeof(secs), "%s", optarg);
			if (secs[0] && secs[strlen(secs) - 1] == 's')
				secs[strlen(secs) - 1] = '\0';
			if (oci_parse_uint("--interval", secs, 86400, &n) != 0)
				return 1;
			interval = n ? (unsigned)n : 1;
		} else
			return 1;
	}
	if (need_id(argc, "events") || !(ctx = oci_context()))
		return 1;
	for (;;) {
		char *json = NULL;

		if (engine_oci_stats(ctx, argv[optind], &json) < 0) {
			engine_context_free(ctx);
			return oci_fail_engine("events");
		}
		printf("%s\n", json);
		fflush(stdout);
		engine_free(json);
		if (stats)
			break;
		sleep(interval);
	}
	engine_context_free(ctx);
	return 0;
}

/* A number as runc's update takes it: memory sizes with an optional
 * binary unit (64m, 1g, as docker's RAMInBytes), -1 for unlimited. */
static int parse_number(const char *flag, const char *s, bool size, int64_t *out)
{
	static const char units[] = "bkmgtp";
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno)
		return oci_fail("update --%s \"%s\": not a number", flag, s);
	if (*end && size) {
		const char *u = strchr(units, end[0] | 0x20);
		long long mult = 1;

		if (!u || !end[0] || (end[1] && ((end[1] | 0x20) != 'b' || end[2])))
			return oci_fail("update --%s \"%s\": unknown unit (want b, k, m, g, t or p)", flag,
					s);
		for (const char *c = units; c < u; c++)
			mult *= 1024;
		if (v > 0 && v > INT64_MAX / mult)
			return oci_fail("update --%s \"%s\": too large", flag, s);
		v *= mult;
	} else if (*end) {
		return oci_fail("update --%s \"%s\": not a number", flag, s);
	}
	*out = v;
	return 0;
}

int oci_cmd_update(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"resources", required_argument, NULL, 'r'},
	    {"memory", required_argument, NULL, 'm'},
	    {"memory-swap", required_argument, NULL, 'S'},
	    {"memory-reservation", required_argument, NULL, 'R'},
	    {"kernel-memory", required_argument, NULL, 'k'},
	    {"cpu-shares", required_argument, NULL, 's'},
	    {"cpu-quota", required_argument, NULL, 'q'},
	    {"cpu-period", required_argument, NULL, 'p'},
	    {"cpuset-cpus", required_argument, NULL, 'c'},
	    {"cpuset-mems", required_argument, NULL, 'M'},
	    {"pids-limit", required_argument, NULL, 'P'},
	    {"blkio-weight", required_argument, NULL, 'b'},
	    {NULL, 0, NULL, 0},
	};
	json_object *res = json_object_new_object(), *mem = json_object_new_object(),
		    *cpu = json_object_new_object(), *pids = json_object_new_object(),
		    *blk = json_object_new_object();
	const char *file = NULL;
	engine_context *ctx;
	char *text = NULL;
	int64_t num;
	int c, r;

	while ((c = getopt_long_only(argc, argv, "r:", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			file = optarg;
			break;
		case 'm':
			if (parse_number("memory", optarg, true, &num) != 0) {
				r = 1;
				goto out;
			}
			json_object_object_add(mem, "limit", json_object_new_int64(num));
			break;
		case 'S':
			if (parse_number("memory-swap", optarg, true, &num) != 0) {
				r = 1;
				goto out;
			}
			json_object_object_add(mem, "swap", json_object_new_int64(num));
			break;
		case 'R':
			if (parse_number("memory-reservation", optarg, true, &num) != 0) {
				r = 1;
				goto out;
			}
			json_object_object_add(mem, "reservation", json_object_new_int64(num));
			break;
		case 'k':
			if (parse_number("kernel-memory", optarg, true, &num) != 0) {
				r = 1;
				goto out;
			}
			json_object_object_add(mem, "kernel", json_object_new_int64(num));
			break;
		case 's':
			if (parse_number("cpu-shares", optarg, false, &num) != 0) {
				r = 1;
				goto out;
			}
			json_object_object_add(cpu, "shares", json_object_new_int64(num));
			break;
		case 'q':
			if (parse_number("cpu-quota", optarg, false, &num) != 0) {
				r = 1;
				goto out;
			}
			json_object_object_add(cpu, "quota", json_object_new_int64(num));
			break;
		case 'p':
			if (parse_number("cpu-period", optarg, false, &num) != 0) {
				r = 1;
				goto out;
			}
			json_object_object_add(cpu, "period", json_object_new_int64(num));
			break;
		case 'c':
			json_object_object_add(cpu, "cpus", json_object_new_string(optarg));
			break;
		case 'M':
			json_object_object_add(cpu, "mems", json_object_new_string(optarg));
			break;
		case 'P':
			if (parse_number("pids-limit", optarg, false, &num) != 0) {
				r = 1;
				goto out;
			}
			json_object_object_add(pids, "limit", json_object_new_int64(num));
			break;
		case 'b':
			if (parse_number("blkio-weight", optarg, false, &num) != 0) {
				r = 1;
				goto out;
			}
			json_object_object_add(blk, "weight", json_object_new_int64(num));
			break;
		default:
			r = 1;
			goto out;
		}
	}
	if (need_id(argc, "update")) {
		r = 1;
		goto out;
	}
	if (file) {
		text = read_all(file);
		if (!text) {
			r = oci_fail("update: read %s: %s", file, strerror(errno));
			goto out;
		}
	} else {
		if (json_object_object_length(mem))
			json_object_object_add(res, "memory", json_object_get(mem));
		if (json_object_object_length(cpu))
			json_object_object_add(res, "cpu", json_object_get(cpu));
		if (json_object_object_length(pids))
			json_object_object_add(res, "pids", json_object_get(pids));
		if (json_object_object_length(blk))
			json_object_object_add(res, "blockIO", json_object_get(blk));
		text = strdup(json_object_to_json_string(res));
	}
	if (!(ctx = oci_context())) {
		r = 1;
		goto out;
	}
	r = engine_oci_update(ctx, argv[optind], text) < 0 ? oci_fail_engine("update") : 0;
	engine_context_free(ctx);
out:
	free(text);
	json_object_put(res);
	json_object_put(mem);
	json_object_put(cpu);
	json_object_put(pids);
	json_object_put(blk);
	return r;
}

int oci_cmd_features(int argc, char **argv)
{
	char *json = NULL;
	int r;

	(void)argc;
	(void)argv;
	r = engine_oci_features(&json);
	return print_owned(r, json, "features");
}

int oci_cmd_spec(int argc, char **argv)
{
	static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
					     {"rootless", no_argument, NULL, 'r'},
					     {NULL, 0, NULL, 0}};
	const char *bundle = ".";
	char path[4096], *json = NULL;
	int c, rootless = 0;
	FILE *f;

	while ((c = getopt_long_only(argc, argv, "b:", opts, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'r')
			rootless = 1;
		else
			return 1;
	}
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (access(path, F_OK) == 0)
		return oci_fail("spec: %s exists already: remove it first", path);
	if (engine_oci_spec_default(rootless, &json) < 0)
		return oci_fail_engine("spec");
	f = fopen(path, "wex");
	if (!f) {
		engine_free(json);
		return oci_fail("spec: %s: %s", path, strerror(errno));
	}
	fprintf(f, "%s\n", json);
	engine_free(json);
	if (fclose(f) != 0)
		return oci_fail("spec: %s: %s", path, strerror(errno));
	return 0;
}
