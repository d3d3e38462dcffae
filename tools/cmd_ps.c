/* engine CLI: ps and stats, with docker's columns, flags and --format
 * fields (its ContainerContext and StatsEntry). */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_format.h"
#include "cli_util.h"

static const struct cli_column ps_columns[] = {
    {"ID", "CONTAINER ID"},
    {"Image", "IMAGE"},
    {"Command", "COMMAND"},
    {"CreatedAt", "CREATED AT"},
    {"RunningFor", "CREATED"},
    {"Ports", "PORTS"},
    {"State", "STATE"},
    {"Status", "STATUS"},
    {"Size", "SIZE"},
    {"Names", "NAMES"},
    {"Labels", "LABELS"},
    {"Mounts", "MOUNTS"},
    {"LocalVolumes", "LOCAL VOLUMES"},
    {"Networks", "NETWORKS"},
    {NULL, NULL},
};

static const struct cli_usage ps_usage = {
    "ps", "[OPTIONS]", "List containers",
    "  -a, --all             Show all containers (default shows just running)\n"
    "  -f, --filter filter   Filter output based on conditions provided\n"
    "      --format string   Format output using a custom template:\n"
    "                        'table':            Print output in table format with column headers (default)\n"
    "                        'table TEMPLATE':   Print output in table format using the given Go template\n"
    "                        'json':             Print in JSON format\n"
    "                        'TEMPLATE':         Print output using the given Go template\n"
    "  -n, --last int        Show n last created containers (includes all states) (default -1)\n"
    "  -l, --latest          Show the latest created container (includes all states)\n"
    "      --no-trunc        Don't truncate output\n"
    "  -q, --quiet           Only display container IDs\n"
    "  -s, --size            Display total file sizes\n"};

static void add_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value ? value : ""));
}

/* Go's strconv.Quote for the command, after docker's 20-rune Ellipsis. */
static char *quote_command(const char *cmd, bool trunc)
{
	char *buf = NULL;
	size_t len = 0, runes = 0;
	FILE *m = open_memstream(&buf, &len);
	const char *end = cmd + strlen(cmd);

	if (!m)
		return NULL;
	if (trunc) {
		size_t total = 0;
		for (const char *p = cmd; *p; p++)
			total += ((unsigned char)*p & 0xc0) != 0x80;
		if (total > 20)
			for (const char *p = cmd; *p; p++)
				if (((unsigned char)*p & 0xc0) != 0x80 && ++runes == 20) {
					end = p;
					break;
				}
	}
	fputc('"', m);
	for (const char *p = cmd; p < end; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', m);
		fputc(*p, m);
	}
	fprintf(m, "%s\"", end < cmd + strlen(cmd) ? "…" : "");
	fclose(m);
	return buf;
}

/* NetworkSettings.Ports as docker's ps shows them: "0.0.0.0:8080->80/tcp". */
static char *ports_text(json_object *ins)
{
	json_object *ns, *ports;
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	bool first = true;

	if (!(m = open_memstream(&buf, &len)))
		return NULL;
	if (json_object_object_get_ex(ins, "NetworkSettings", &ns) &&
	    json_object_object_get_ex(ns, "Ports", &ports) && json_object_is_type(ports, json_type_object)) {
		json_object_object_foreach(ports, port, binds)
		{
			size_t n = binds && json_object_is_type(binds, json_type_array)
				       ? json_object_array_length(binds)
				       : 0;

			if (!n) {
				fprintf(m, "%s%s", first ? "" : ", ", port);
				first = false;
			}
			for (size_t i = 0; i < n; i++) {
				json_object *b = json_object_array_get_idx(binds, i);
				const char *ip = cli_json_str(b, "HostIp");

				fprintf(m, "%s%s%s%s:%s->%s", first ? "" : ", ", strchr(ip, ':') ? "[" : "",
					ip, strchr(ip, ':') ? "]" : "", cli_json_str(b, "HostPort"), port);
				first = false;
			}
		}
	}
	fclose(m);
	return buf;
}

/* Mounts (names or sources, 15 characters unless --no-trunc), the local
 * volume count, and the networks, from the inspect JSON. */
static void add_inspect_fields(json_object *row, json_object *ins, bool trunc)
{
	json_object *mounts, *ns, *nets;
	char *buf = NULL;
	size_t len = 0;
	int volumes = 0;
	FILE *m = open_memstream(&buf, &len);
	char count[16];

	if (!m)
		return;
	if (json_object_object_get_ex(ins, "Mounts", &mounts) && json_object_is_type(mounts, json_type_array))
		for (size_t i = 0; i < json_object_array_length(mounts); i++) {
			json_object *mt = json_object_array_get_idx(mounts, i);
			const char *name =
			    *cli_json_str(mt, "Name") ? cli_json_str(mt, "Name") : cli_json_str(mt, "Source");

			fprintf(m, "%s%.*s", i ? "," : "", trunc ? 15 : (int)strlen(name), name);
			volumes += strcmp(cli_json_str(mt, "Type"), "volume") == 0;
		}
	fclose(m);
	add_str(row, "Mounts", buf);
	free(buf);
	snprintf(count, sizeof(count), "%d", volumes);
	add_str(row, "LocalVolumes", count);
	buf = NULL;
	if (!(m = open_memstream(&buf, &len)))
		return;
	if (json_object_object_get_ex(ins, "NetworkSettings", &ns) &&
	    json_object_object_get_ex(ns, "Networks", &nets) && json_object_is_type(nets, json_type_object)) {
		bool first = true;
		json_object_object_foreach(nets, name, v)
		{
			(void)v;
			fprintf(m, "%s%s", first ? "" : ",", name);
			first = false;
		}
	}
	fclose(m);
	add_str(row, "Networks", buf);
	free(buf);
	buf = ports_text(ins);
	add_str(row, "Ports", buf);
	free(buf);
}

/* ps -s: "2B (virtual 1.98MB)", the writable layer and that plus the image. */
static void size_text(engine_context *ctx, json_object *e, char *buf, size_t len)
{
	engine_container *c = NULL;
	int64_t rw = 0, image = 0;
	char *json = NULL;
	char a[32], b[32];
	json_object *img, *v;

	if (engine_container_open(ctx, cli_json_str(e, "Id"), &c) == 0)
		engine_container_size_rw(c, &rw);
	engine_container_free(c);
	if (engine_image_inspect(ctx, cli_json_str(e, "ImageID"), &json) == 0 &&
	    (img = json_tokener_parse(json))) {
		if (json_object_object_get_ex(img, "Size", &v))
			image = json_object_get_int64(v);
		json_object_put(img);
	}
	engine_free(json);
	engine_error_clear();
	cli_format_size(rw, a, sizeof(a));
	cli_format_size(rw + image, b, sizeof(b));
	snprintf(buf, len, "%s (virtual %s)", a, b);
}

/* One ps row: docker's ContainerContext fields from a list entry; @size:
 * -s (else Size is 0B, as docker shows it without). */
static json_object *ps_row(engine_context *ctx, json_object *e, const cli_fmt *f, bool trunc, bool size)
{
	json_object *row = json_object_new_object(), *v;
	char when[64], ago[64], id[80];
	time_t created = json_object_object_get_ex(e, "Created", &v) ? (time_t)json_object_get_int64(v) : 0;
	struct tm tm;
	char *text;

	snprintf(id, sizeof(id), trunc ? "%.12s" : "%s", cli_json_str(e, "Id"));
	add_str(row, "ID", id);
	add_str(row, "Image", cli_json_str(e, "Image"));
	text = quote_command(cli_json_str(e, "Command"), trunc);
	add_str(row, "Command", text);
	free(text);
	localtime_r(&created, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z %Z", &tm);
	add_str(row, "CreatedAt", when);
	cli_format_since((int64_t)created, ago, sizeof(ago));
	add_str(row, "RunningFor", ago);
	add_str(row, "State", cli_json_str(e, "State"));
	add_str(row, "Status", cli_json_str(e, "Status"));
	if (size) {
		char sizes[80];

		size_text(ctx, e, sizes, sizeof(sizes));
		add_str(row, "Size", sizes);
	} else
		add_str(row, "Size", "0B");
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		if (m) {
			if (json_object_object_get_ex(e, "Names", &v) &&
			    json_object_is_type(v, json_type_array))
				for (size_t i = 0; i < json_object_array_length(v); i++) {
					const char *n =
					    json_object_get_string(json_object_array_get_idx(v, i));
					fprintf(m, "%s%s", i ? "," : "", n + (*n == '/'));
				}
			fclose(m);
		}
		add_str(row, "Names", buf);
		free(buf);
	}
	text = cli_labels_text(json_object_object_get_ex(e, "Labels", &v) ? v : NULL);
	add_str(row, "Labels", text);
	free(text);
	/* Ports, mounts and networks need the inspect JSON: only when shown. */
	if (cli_fmt_uses(f, "Ports") || cli_fmt_uses(f, "Mounts") || cli_fmt_uses(f, "LocalVolumes") ||
	    cli_fmt_uses(f, "Networks")) {
		engine_container *c = NULL;
		char *json = NULL;
		json_object *ins = NULL;

		if (engine_container_open(ctx, cli_json_str(e, "Id"), &c) == 0 &&
		    engine_container_inspect(c, &json) == 0)
			ins = json_tokener_parse(json);
		engine_free(json);
		engine_container_free(c);
		add_inspect_fields(row, ins, trunc);
		json_object_put(ins);
	}
	return row;
}

enum { OPT_NO_TRUNC = 256, OPT_FORMAT };

int cli_ps(int argc, char **argv)
{
	static const struct option lo[] = {{"all", no_argument, NULL, 'a'},
					   {"quiet", no_argument, NULL, 'q'},
					   {"filter", required_argument, NULL, 'f'},
					   {"format", required_argument, NULL, OPT_FORMAT},
					   {"last", required_argument, NULL, 'n'},
					   {"latest", no_argument, NULL, 'l'},
					   {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
					   {"size", no_argument, NULL, 's'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	const char *format = NULL;
	int all = 0, quiet = 0, trunc = 1, size = 0, c, status = 0;
	long last = -1;
	char *out = NULL, *end;
	engine_context *ctx;
	json_object *arr;
	cli_fmt *f;
	engine_strarray filters = {calloc((size_t)argc + 1, sizeof(char *)), 0};

	optind = 0; /* a fresh scan that may permute */
	while ((c = cli_getopt_mixed(argc, argv, "aqf:n:ls", lo, &ps_usage)) != CLI_OPT_END) {
		switch (c) {
		case 'a':
			all = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'f':
			if (filters.strings)
				filters.strings[filters.count++] = optarg;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case 'n':
			last = strtol(optarg, &end, 10);
			if (*end || !*optarg) {
				free(filters.strings);
				fprintf(stderr,
					"invalid argument \"%s\" for \"-n, --last\" flag: not an integer\n"
					"See 'engine ps --help'.\n",
					optarg);
				return EXIT_ENGINE;
			}
			break;
		case 'l':
			last = 1;
			break;
		case OPT_NO_TRUNC:
			trunc = 0;
			break;
		case 's':
			size = 1;
			break;
		default:
			free(filters.strings);
			return c == CLI_OPT_HELP ? 0 : EXIT_ENGINE;
		}
	}
	if (optind < argc) {
		free(filters.strings);
		return cli_args_error(&ps_usage, "accepts no arguments");
	}
	if (quiet)
		format = "{{.ID}}";
	f = cli_fmt_new(
	    format,
	    size ? "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{."
		   "Names}}\t{{.Size}}"
		 : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{."
		   "Names}}",
	    ps_columns, true);
	if (!f || cli_open_context(&ctx) < 0) {
		free(filters.strings);
		cli_fmt_end(f);
		return 1;
	}
	c = engine_container_list_filter(ctx, all || last >= 0, &filters, &out);
	free(filters.strings);
	if (c < 0) {
		cli_fmt_end(f);
		return cli_fail(1, NULL);
	}
	arr = json_tokener_parse(out);
	engine_free(out);
	if (!arr) {
		cli_fmt_end(f);
		return cli_failf(1, "bad container list");
	}
	/* The list is newest first: -n keeps its head. */
	for (size_t i = 0; i < json_object_array_length(arr) && (last < 0 || (long)i < last); i++) {
		json_object *e = json_object_array_get_idx(arr, i), *labels = NULL;
		json_object *row = ps_row(ctx, e, f, trunc, size);

		json_object_object_get_ex(e, "Labels", &labels);
		if (cli_fmt_row(f, row, labels) < 0)
			status = 1;
		json_object_put(row);
		if (status)
			break;
	}
	json_object_put(arr);
	cli_fmt_end(f);
	return status;
}

/* --- stats ------------------------------------------------------------------ */

static const struct cli_column stats_columns[] = {
    {"Container", "CONTAINER"},
    {"ID", "CONTAINER ID"},
    {"Name", "NAME"},
    {"CPUPerc", "CPU %"},
    {"MemUsage", "MEM USAGE / LIMIT"},
    {"MemPerc", "MEM %"},
    {"NetIO", "NET I/O"},
    {"BlockIO", "BLOCK I/O"},
    {"PIDs", "PIDS"},
    {NULL, NULL},
};

static const struct cli_usage stats_usage = {
    "stats", "[OPTIONS] [CONTAINER...]", "Display a live stream of container(s) resource usage statistics",
    "  -a, --all             Show all containers (default shows just running)\n"
    "      --format string   Format output using a custom template:\n"
    "                        'table':            Print output in table format with column headers (default)\n"
    "                        'table TEMPLATE':   Print output in table format using the given Go template\n"
    "                        'json':             Print in JSON format\n"
    "                        'TEMPLATE':         Print output using the given Go template\n"
    "      --no-stream       Disable streaming stats and only pull the first result\n"
    "      --no-trunc        Do not truncate output\n"};

static void add_pair(json_object *row, const char *key, uint64_t a, uint64_t b)
{
	char x[32], y[32], both[72];

	cli_format_size((int64_t)a, x, sizeof(x));
	cli_format_size((int64_t)b, y, sizeof(y));
	snprintf(both, sizeof(both), "%s / %s", x, y);
	add_str(row, key, both);
}

/* One stats row (docker's StatsEntry fields). */
static json_object *stats_row(engine_container *ct, const char *asked, bool trunc)
{
	engine_container_stats a = ENGINE_CONTAINER_STATS_INIT, b = ENGINE_CONTAINER_STATS_INIT;
	json_object *row;
	double cpu, limit, used;
	char s1[32], s2[32], text[96], id[80];
	bool running = engine_container_stats_get(ct, &a) == 0;

	/* CPU % needs two samples. */
	if (running)
		usleep(200 * 1000);
	if (!running || engine_container_stats_get(ct, &b) < 0)
		b = a;
	cpu = (double)(b.cpu_usage_ns - a.cpu_usage_ns) / 2e8 * 100.0;
	/* Without a limit Docker shows the host's memory as the limit; a
	 * stopped container (docker stats -a) shows zeros. */
	limit = !running	 ? 0.0
		: b.memory_limit ? (double)b.memory_limit
				 : (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
	/* Like docker's CLI: usage without the cache the kernel reclaims first. */
	used =
	    (double)(b.memory_usage - (b.memory_inactive_file < b.memory_usage ? b.memory_inactive_file : 0));
	row = json_object_new_object();
	add_str(row, "Container", asked);
	snprintf(id, sizeof(id), trunc ? "%.12s" : "%s", engine_container_id(ct));
	add_str(row, "ID", id);
	add_str(row, "Name", engine_container_name(ct));
	snprintf(text, sizeof(text), "%.2f%%", cpu);
	add_str(row, "CPUPerc", text);
	cli_format_bytes((int64_t)used, s1, sizeof(s1));
	cli_format_bytes((int64_t)limit, s2, sizeof(s2));
	snprintf(text, sizeof(text), "%s / %s", s1, s2);
	add_str(row, "MemUsage", text);
	snprintf(text, sizeof(text), "%.2f%%", limit > 0 ? used * 100.0 / limit : 0.0);
	add_str(row, "MemPerc", text);
	add_pair(row, "NetIO", running ? b.net_rx_bytes : 0, running ? b.net_tx_bytes : 0);
	add_pair(row, "BlockIO", running ? b.blkio_read_bytes : 0, running ? b.blkio_write_bytes : 0);
	snprintf(text, sizeof(text), "%" PRIu64, b.pids);
	add_str(row, "PIDs", text);
	return row;
}

static int cmd_stats(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"all", no_argument, NULL, 'a'},	   {"format", required_argument, NULL, OPT_FORMAT},
	    {"no-stream", no_argument, NULL, 's'}, {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
	    {"help", no_argument, NULL, 'h'},	   {NULL, 0, NULL, 0}};
	const char *format = NULL;
	int stream = 1, all = 0, trunc = 1, status = 0, c;
	engine_context *ctx;

	optind = 0; /* a fresh scan that may permute */
	while ((c = cli_getopt_mixed(argc, argv, "a", lo, &stats_usage)) != CLI_OPT_END) {
		if (c == 'a')
			all = 1;
		else if (c == 's')
			stream = 0;
		else if (c == OPT_NO_TRUNC)
			trunc = 0;
		else if (c == OPT_FORMAT)
			format = optarg;
		else
			return c == CLI_OPT_HELP ? 0 : EXIT_ENGINE;
	}
	if (cli_open_context(&ctx) < 0)
		return 1;
	do {
		engine_strarray ids = {NULL, 0};
		cli_fmt *f = cli_fmt_new(
		    format,
		    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}"
		    "\t{{.BlockIO}}\t{{.PIDs}}",
		    stats_columns, true);

		if (!f)
			return 1;
		if (optind >= argc && engine_container_list_ids(ctx, all, &ids) < 0) {
			cli_fmt_end(f);
			return cli_fail(1, NULL);
		}
		if (stream)
			printf("\033[2J\033[H");
		status = 0;
		for (size_t k = 0; k < ids.count + (size_t)(argc - optind); k++) {
			const char *key =
			    k < ids.count ? ids.strings[k] : argv[optind + (int)(k - ids.count)];
			engine_container *ct = NULL;
			json_object *row;

			if (engine_container_open(ctx, key, &ct) < 0) {
				fprintf(stderr, "Error: No such container: %s\n", key);
				status = 1;
				continue;
			}
			row = stats_row(ct, k < ids.count ? engine_container_id(ct) : key, trunc);
			engine_container_free(ct);
			if (!row || cli_fmt_row(f, row, NULL) < 0) {
				json_object_put(row);
				cli_fmt_end(f);
				engine_strarray_dispose(&ids);
				return 1;
			}
			json_object_put(row);
		}
		engine_strarray_dispose(&ids);
		cli_fmt_end(f);
		fflush(stdout);
		if (stream)
			sleep(1);
	} while (stream);
	return status;
}

const struct cli_command cli_ps_commands[] = {
    {"ps", cli_ps, "List containers"},
    {"stats", cmd_stats, "Display a live stream of container(s) resource usage statistics"},
    {NULL, NULL, NULL},
};
