/* engine CLI: image commands (images, inspect, tag, rmi, unpack and the
 * `engine image ...` group), printed the way docker prints them. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli_format.h"
#include "cli_util.h"

/* --- images ---------------------------------------------------------------- */

static void split_tag(const char *ref, char *repo, size_t repo_len, const char **tag)
{
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');

	if (!colon) {
		snprintf(repo, repo_len, "%s", ref);
		*tag = "<none>";
		return;
	}
	snprintf(repo, repo_len, "%.*s", (int)(colon - ref), ref);
	*tag = colon + 1;
}

static const struct cli_column image_columns[] = {
    {"Containers", "CONTAINERS"},
    {"CreatedAt", "CREATED AT"},
    {"CreatedSince", "CREATED"},
    {"Digest", "DIGEST"},
    {"ID", "IMAGE ID"},
    {"Repository", "REPOSITORY"},
    {"SharedSize", "SHARED SIZE"},
    {"Size", "SIZE"},
    {"Tag", "TAG"},
    {"UniqueSize", "UNIQUE SIZE"},
    {"VirtualSize", "VIRTUAL SIZE"},
    {NULL, NULL},
};

/* docker's ImageContext fields for one repository:tag of an image. */
static json_object *image_row(const engine_image_summary *s, const char *repo, const char *tag, bool trunc)
{
	json_object *o = json_object_new_object();
	char created[64], since[64], size[32];
	time_t t = (time_t)s->created;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(created, sizeof(created), "%Y-%m-%d %H:%M:%S %z %Z", &tm);
	cli_format_since(s->created, since, sizeof(since));
	cli_format_size(s->size, size, sizeof(size));
	json_object_object_add(o, "Containers", json_object_new_string("N/A"));
	json_object_object_add(o, "CreatedAt", json_object_new_string(created));
	json_object_object_add(o, "CreatedSince", json_object_new_string(since));
	json_object_object_add(o, "Digest", json_object_new_string("<none>"));
	json_object_object_add(o, "ID", json_object_new_string(trunc ? cli_short_id(s->id) : s->id));
	json_object_object_add(o, "Repository", json_object_new_string(repo));
	json_object_object_add(o, "SharedSize", json_object_new_string("N/A"));
	json_object_object_add(o, "Size", json_object_new_string(size));
	json_object_object_add(o, "Tag", json_object_new_string(tag));
	json_object_object_add(o, "UniqueSize", json_object_new_string("N/A"));
	json_object_object_add(o, "VirtualSize", json_object_new_string(size));
	return o;
}

static const struct cli_usage images_usage = {
    "images", "[OPTIONS] [REPOSITORY[:TAG]]", "List images",
    "  -a, --all             Show all images (default hides intermediate images)\n"
    "      --digests         Show digests\n"
    "      --format string   Format output using a custom template:\n"
    "                        'table':            Print output in table format with column headers (default)\n"
    "                        'table TEMPLATE':   Print output in table format using the given Go template\n"
    "                        'json':             Print in JSON format\n"
    "                        'TEMPLATE':         Print output using the given Go template\n"
    "      --no-trunc        Don't truncate output\n"
    "  -q, --quiet           Only show image IDs\n"};

/* `engine images [REPOSITORY[:TAG]]`: does @ref ("repo:tag") match? */
static bool image_matches(const char *want, const char *repo, const char *tag)
{
	const char *colon = strrchr(want, ':');

	if (colon && !strchr(colon, '/'))
		return strlen(repo) == (size_t)(colon - want) &&
		       !strncmp(want, repo, (size_t)(colon - want)) && !strcmp(colon + 1, tag);
	return !strcmp(want, repo);
}

static int cmd_images(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"all", no_argument, NULL, 'a'},
	    {"no-trunc", no_argument, NULL, 'n'},
	    {"digests", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *format = NULL, *want = NULL;
	bool quiet = false, no_trunc = false, digests = false;
	engine_image_list *list = NULL;
	engine_context *ctx;
	cli_fmt *f;
	int c, status = 0;

	optind = 0; /* a fresh scan that may permute */
	while ((c = cli_getopt_mixed(argc, argv, "qa", opts, &images_usage)) != CLI_OPT_END) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'a':
			break; /* the store keeps no intermediate images to hide */
		case 'n':
			no_trunc = true;
			break;
		case 'd':
			digests = true;
			break;
		default:
			return c == CLI_OPT_HELP ? 0 : EXIT_ENGINE;
		}
	}
	if (optind + 1 < argc)
		return cli_args_error(&images_usage, "requires at most 1 argument.");
	want = optind < argc ? argv[optind] : NULL;
	if (quiet)
		format = "{{.ID}}";
	f = cli_fmt_new(
	    format,
	    digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
		    : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}",
	    image_columns, true);
	if (!f)
		return 1;
	if (cli_open_context(&ctx) < 0 || engine_image_list_new(ctx, &list) < 0) {
		cli_fmt_end(f);
		return cli_fail(1, NULL);
	}
	for (size_t i = 0; i < engine_image_list_count(list) && !status; i++) {
		const engine_image_summary *s = engine_image_list_get(list, i);
		size_t rows = s->tags.count ? s->tags.count : 1;

		for (size_t t = 0; t < rows && !status; t++) {
			char repo[512];
			const char *tag = "<none>";
			json_object *row;

			if (s->tags.count)
				split_tag(s->tags.strings[t], repo, sizeof(repo), &tag);
			else
				snprintf(repo, sizeof(repo), "<none>");
			if (want && !image_matches(want, repo, tag))
				continue;
			row = image_row(s, repo, tag, !no_trunc);
			status = cli_fmt_row(f, row, NULL) < 0;
			json_object_put(row);
			/* -q lists each image once, not once per tag. */
			if (quiet)
				break;
		}
	}
	engine_image_list_free(list);
	cli_fmt_end(f);
	return status;
}

/* --- inspect ---------------------------------------------------------------- */

/* Shared by `engine inspect` (containers first, then images, as docker
 * does), `engine image inspect` and `engine container inspect`: a JSON
 * array of what was found, or each rendered through --format; "No such
 * <what>" for the rest, exit 1 if any is missing. */
static int inspect_objects(int argc, char **argv, const char *what)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"type", required_argument, NULL, 't'},
					     {"size", no_argument, NULL, 's'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct cli_usage u = {
	    "inspect", "[OPTIONS] NAME|ID [NAME|ID...]", "Return low-level information on Docker objects",
	    "  -f, --format string   Format output using a custom template:\n"
	    "                        'json':             Print in JSON format\n"
	    "                        'TEMPLATE':         Print output using the given Go template\n"
	    "  -s, --size            Display total file sizes if the type is container\n"
	    "      --type string     Only inspect objects of the given type (container, image)\n"};
	const char *format = NULL;
	engine_context *ctx;
	cli_fmt *f = NULL;
	int c, status = 0, printed = 0;
	bool containers = strcmp(what, "image") != 0, images = strcmp(what, "container") != 0;

	if (strcmp(what, "object") != 0) {
		u.command = strcmp(what, "image") == 0 ? "image inspect" : "container inspect";
		u.args = strcmp(what, "image") == 0 ? "[OPTIONS] IMAGE [IMAGE...]"
						    : "[OPTIONS] CONTAINER [CONTAINER...]";
		u.summary = strcmp(what, "image") == 0
				? "Display detailed information on one or more images"
				: "Display detailed information on one or more containers";
	}
	optind = 0; /* a fresh scan that may permute */
	while ((c = cli_getopt_mixed(argc, argv, "f:s", opts, &u)) != CLI_OPT_END) {
		if (c == 'f')
			format = optarg;
		else if (c == 't' && strcmp(what, "object") == 0 && !strcmp(optarg, "container"))
			images = false;
		else if (c == 't' && strcmp(what, "object") == 0 && !strcmp(optarg, "image"))
			containers = false;
		else if (c == 't') {
			fprintf(stderr, "\"%s\" is not a valid value for --type\n", optarg);
			return 1;
		} else if (c != 's')
			return c == CLI_OPT_HELP ? 0 : EXIT_ENGINE;
	}
	if (optind >= argc)
		return cli_args_error(&u, "requires at least 1 argument.");
	if (format && !(f = cli_fmt_new(format, "{{json .}}", NULL, false)))
		return 1;
	if (cli_open_context(&ctx) < 0) {
		cli_fmt_end(f);
		return 1;
	}
	if (!format)
		printf("[");
	for (int i = optind; i < argc; i++) {
		char *json = NULL;
		engine_container *ct = NULL;

		if (containers && engine_container_open(ctx, argv[i], &ct) == 0) {
			int r = engine_container_inspect(ct, &json);

			engine_container_free(ct);
			if (r < 0) {
				status = cli_fail(1, argv[i]);
				continue;
			}
		} else if (!images || engine_image_inspect(ctx, argv[i], &json) < 0) {
			if (!images || engine_error_last()->code == ENGINE_ENOTFOUND)
				fprintf(stderr, "Error: No such %s: %s\n", what, argv[i]);
			else
				cli_fail(1, argv[i]);
			status = 1;
			continue;
		}
		if (f) {
			json_object *o = json_tokener_parse(json);
			int r = o ? cli_fmt_row(f, o, NULL) : -1;

			json_object_put(o);
			engine_free(json);
			if (r < 0) {
				cli_fmt_end(f);
				return 1;
			}
			continue;
		}
		/* Docker's layout: 4 spaces a level, the object one level in. */
		printf("%s\n", printed++ ? "," : "");
		for (const char *line = json; *line;) {
			const char *end = strchr(line, '\n');
			size_t len = end ? (size_t)(end - line) : strlen(line);
			size_t indent = strspn(line, " ");

			if (indent > len)
				indent = len;
			printf("%*s%.*s\n", (int)(4 + 2 * indent), "", (int)(len - indent), line + indent);
			line += len + (end ? 1 : 0);
		}
		engine_free(json);
	}
	if (!format)
		printf("]\n");
	cli_fmt_end(f);
	return status;
}

int cli_inspect_containers(int argc, char **argv)
{
	return inspect_objects(argc, argv, "container");
}

static int cmd_inspect(int argc, char **argv)
{
	return inspect_objects(argc, argv, "object");
}

static int cmd_image_inspect(int argc, char **argv)
{
	return inspect_objects(argc, argv, "image");
}

/* --- tag, rmi, unpack ---------------------------------------------------------- */

static int cmd_tag(int argc, char **argv)
{
	static const struct cli_usage u = {"tag", "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
					   "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", NULL};
	engine_context *ctx;
	int i = cli_operands(argc, argv, &u, 2, 2);

	if (i <= 0)
		return -i;
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (engine_image_tag(ctx, argv[i], argv[i + 1]) < 0)
		return cli_fail(1, NULL);
	return 0;
}

static int cmd_rmi(int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
					     {"no-prune", no_argument, NULL, 'n'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	static const struct cli_usage u = {"rmi", "[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images",
					   "  -f, --force      Force removal of the image\n"
					   "      --no-prune   Do not delete untagged parents\n"};
	engine_image_remove_options ro = ENGINE_IMAGE_REMOVE_OPTIONS_INIT;
	engine_context *ctx;
	int c, status = 0;

	optind = 0; /* a fresh scan that may permute */
	while ((c = cli_getopt_mixed(argc, argv, "f", opts, &u)) != CLI_OPT_END) {
		if (c == 'f')
			ro.force = 1;
		else if (c != 'n')
			return c == CLI_OPT_HELP ? 0 : EXIT_ENGINE;
	}
	if (optind >= argc)
		return cli_args_error(&u, "requires at least 1 argument.");
	if (cli_open_context(&ctx) < 0)
		return 1;
	for (int i = optind; i < argc; i++) {
		engine_strarray report = {NULL, 0};

		if (engine_image_remove(ctx, argv[i], &ro, &report) < 0) {
			status = cli_fail(1, NULL);
			continue;
		}
		for (size_t j = 0; j < report.count; j++)
			puts(report.strings[j]);
		engine_strarray_dispose(&report);
	}
	return status;
}

static int cmd_unpack(int argc, char **argv)
{
	static const struct cli_usage u = {"unpack", "IMAGE DIR",
					   "Write an image's root filesystem to a directory", NULL};
	engine_context *ctx;
	int i = cli_operands(argc, argv, &u, 2, 2);

	if (i <= 0)
		return -i;
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (engine_image_unpack(ctx, argv[i], argv[i + 1]) < 0)
		return cli_fail(1, NULL);
	return 0;
}

/* --- image prune and the `engine image` group ------------------------------------ */

static const struct cli_command image_group[] = {
    {"ls", cmd_images, "List images"},
    {"list", cmd_images, NULL},
    {"inspect", cmd_image_inspect, "Show an image's details as JSON"},
    {"tag", cmd_tag, "Create a tag TARGET that refers to SOURCE"},
    {"rm", cmd_rmi, "Remove images"},
    {"remove", cmd_rmi, NULL},
    {"prune", cli_prune_images, "Remove unused images"},
    {"history", cli_history, "Show the history of an image"},
    {"unpack", cmd_unpack, "Write an image's root filesystem to a directory"},
    {NULL, NULL, NULL},
};

static int cmd_image(int argc, char **argv)
{
	static const struct cli_command *const tables[] = {image_group, cli_image_io_commands, NULL};

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		FILE *f = argc < 2 ? stderr : stdout;
		fprintf(f, "Usage: engine image COMMAND\n\nManage images\n\nCommands:\n");
		for (size_t t = 0; tables[t]; t++)
			for (const struct cli_command *c = tables[t]; c->name; c++)
				if (c->summary)
					fprintf(f, "  %-10s %s\n", c->name, c->summary);
		return argc < 2 ? 1 : 0;
	}
	optind = 0;
	return cli_dispatch(tables, argc - 1, argv + 1, "image");
}

const struct cli_command cli_image_commands[] = {
    {"images", cmd_images, "List images"},
    {"inspect", cmd_inspect, "Show details of images as JSON"},
    {"tag", cmd_tag, "Create a tag TARGET that refers to SOURCE"},
    {"rmi", cmd_rmi, "Remove images"},
    {"unpack", cmd_unpack, "Write an image's root filesystem to a directory"},
    {"image", cmd_image, "Manage images (ls, inspect, tag, rm, prune, load, import, save, default)"},
    {NULL, NULL, NULL},
};
