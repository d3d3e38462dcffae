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
#include "cli_util.h"

static int usage_error(const char *usage)
{
	fprintf(stderr, "Usage: %s\n", usage);
	return 1;
}

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

static void print_json_row(const engine_image_summary *s, const char *repo, const char *tag)
{
	json_object *o = json_object_new_object();
	char created[64], since[64], size[32];
	time_t t = (time_t)s->created;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(created, sizeof(created), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
	cli_format_since(s->created, since, sizeof(since));
	cli_format_size(s->size, size, sizeof(size));
	json_object_object_add(o, "Containers", json_object_new_string("N/A"));
	json_object_object_add(o, "CreatedAt", json_object_new_string(created));
	json_object_object_add(o, "CreatedSince", json_object_new_string(since));
	json_object_object_add(o, "Digest", json_object_new_string("<none>"));
	json_object_object_add(o, "ID", json_object_new_string(cli_short_id(s->id)));
	json_object_object_add(o, "Repository", json_object_new_string(repo));
	json_object_object_add(o, "SharedSize", json_object_new_string("N/A"));
	json_object_object_add(o, "Size", json_object_new_string(size));
	json_object_object_add(o, "Tag", json_object_new_string(tag));
	json_object_object_add(o, "UniqueSize", json_object_new_string("N/A"));
	json_object_object_add(o, "VirtualSize", json_object_new_string(size));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int cmd_images(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, {"quiet", no_argument, NULL, 'q'},
	    {"all", no_argument, NULL, 'a'},	      {"no-trunc", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	const char *format = NULL;
	bool quiet = false, no_trunc = false;
	engine_image_list *list = NULL;
	engine_context *ctx;
	int c;

	while ((c = getopt_long(argc, argv, "qah", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'a':
			break; /* no intermediate images to hide */
		case 'n':
			no_trunc = true;
			break;
		case 'h':
			printf("Usage: engine images [-q] [--no-trunc] [--format json]\n");
			return 0;
		default:
			return usage_error("engine images [-q] [--no-trunc] [--format json]");
		}
	}
	if (format && strcmp(format, "json") != 0 && strcmp(format, "{{json .}}") != 0)
		return cli_failf(1, "unsupported format \"%s\" (use json)", format);
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (engine_image_list_new(ctx, &list) < 0)
		return cli_fail(1, NULL);
	if (!quiet && !format)
		printf("%-32s %-12s %-14s %-16s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
	for (size_t i = 0; i < engine_image_list_count(list); i++) {
		const engine_image_summary *s = engine_image_list_get(list, i);
		const char *id = no_trunc ? s->id : cli_short_id(s->id);
		size_t rows = s->tags.count ? s->tags.count : 1;

		if (quiet) {
			puts(id);
			continue;
		}
		for (size_t t = 0; t < rows; t++) {
			char repo[512], since[64], size[32];
			const char *tag = "<none>";

			if (s->tags.count)
				split_tag(s->tags.strings[t], repo, sizeof(repo), &tag);
			else
				snprintf(repo, sizeof(repo), "<none>");
			if (format) {
				print_json_row(s, repo, tag);
				continue;
			}
			cli_format_since(s->created, since, sizeof(since));
			cli_format_size(s->size, size, sizeof(size));
			printf("%-32s %-12s %-14s %-16s %s\n", repo, tag, id, since, size);
		}
	}
	engine_image_list_free(list);
	return 0;
}

/* --- inspect ---------------------------------------------------------------- */

/* Shared with `engine inspect`: prints a JSON array of the images found
 * (or each rendered through --format); "No such <what>" for the rest, exit
 * 1 if any is missing. */
static int inspect_images(int argc, char **argv, const char *missing_word)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"type", required_argument, NULL, 't'},
					     {NULL, 0, NULL, 0}};
	const char *format = NULL;
	engine_context *ctx;
	int c, status = 0, printed = 0;

	while ((c = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c != 't')
			return usage_error("engine inspect [-f FORMAT] REF [REF...]");
	}
	if (optind >= argc)
		return usage_error("engine inspect [-f FORMAT] REF [REF...]");
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (!format)
		printf("[");
	for (int i = optind; i < argc; i++) {
		char *json = NULL;
		engine_container *ct = NULL;

		/* `engine inspect`: containers first, then images, as docker does. */
		if (strcmp(missing_word, "object") == 0 && engine_container_open(ctx, argv[i], &ct) == 0) {
			int r = engine_container_inspect(ct, &json);

			engine_container_free(ct);
			if (r < 0) {
				status = cli_fail(1, argv[i]);
				continue;
			}
		} else if (engine_image_inspect(ctx, argv[i], &json) < 0) {
			if (engine_error_last()->code == ENGINE_ENOTFOUND)
				fprintf(stderr, "Error: No such %s: %s\n", missing_word, argv[i]);
			else
				cli_fail(1, argv[i]);
			status = 1;
			continue;
		}
		if (format) {
			const char *err;
			char *line = cli_format_template(format, json, &err);
			engine_free(json);
			if (!line)
				return cli_failf(1, "template: %s", err);
			puts(line);
			free(line);
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
	return status;
}

static int cmd_inspect(int argc, char **argv)
{
	return inspect_images(argc, argv, "object");
}

static int cmd_image_inspect(int argc, char **argv)
{
	return inspect_images(argc, argv, "image");
}

/* --- tag, rmi, unpack ---------------------------------------------------------- */

static int cmd_tag(int argc, char **argv)
{
	engine_context *ctx;

	if (argc != 3)
		return usage_error("engine tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]");
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (engine_image_tag(ctx, argv[1], argv[2]) < 0)
		return cli_fail(1, NULL);
	return 0;
}

static int cmd_rmi(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'}, {"no-prune", no_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	engine_image_remove_options ro = ENGINE_IMAGE_REMOVE_OPTIONS_INIT;
	engine_context *ctx;
	int c, status = 0;

	while ((c = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		if (c == 'f')
			ro.force = 1;
		else if (c != 'n')
			return usage_error("engine rmi [-f] IMAGE [IMAGE...]");
	}
	if (optind >= argc)
		return usage_error("engine rmi [-f] IMAGE [IMAGE...]");
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
	engine_context *ctx;

	if (argc != 3)
		return usage_error("engine unpack IMAGE DIR");
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (engine_image_unpack(ctx, argv[1], argv[2]) < 0)
		return cli_fail(1, NULL);
	return 0;
}

/* --- image prune and the `engine image` group ------------------------------------ */

static int cmd_image_prune(int argc, char **argv)
{
	return cli_prune_images(
	    argc, argv, "engine image prune [-a] [-f]", "WARNING! This will remove all dangling images.",
	    "WARNING! This will remove all images without at least one container associated to them.");
}

static const struct cli_command image_group[] = {
    {"ls", cmd_images, "List images"},
    {"list", cmd_images, NULL},
    {"inspect", cmd_image_inspect, "Show an image's details as JSON"},
    {"tag", cmd_tag, "Create a tag TARGET that refers to SOURCE"},
    {"rm", cmd_rmi, "Remove images"},
    {"remove", cmd_rmi, NULL},
    {"prune", cmd_image_prune, "Remove unused images"},
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
