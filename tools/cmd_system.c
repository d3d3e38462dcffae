/* engine CLI: system commands (df, prune, check) over the store API. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_util.h"

static int usage_error(const char *usage)
{
	fprintf(stderr, "Usage: %s\n", usage);
	return 1;
}

static void percent(int64_t part, int64_t whole, char *buf, size_t len)
{
	char size[32];

	cli_format_size(part, size, sizeof(size));
	if (whole > 0)
		snprintf(buf, len, "%s (%lld%%)", size, (long long)(part * 100 / whole));
	else
		snprintf(buf, len, "%s", size);
}

static int cmd_df(int argc, char **argv)
{
	engine_store_usage u = ENGINE_STORE_USAGE_INIT;
	engine_context *ctx;
	char s1[32], s2[32], s3[32], rec[48];

	if (argc != 1)
		return usage_error("engine system df");
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (engine_store_usage_get(ctx, &u) < 0)
		return cli_fail(1, NULL);
	printf("%-15s %-9s %-13s %s\n", "TYPE", "TOTAL", "SIZE", "RECLAIMABLE");
	cli_format_size(u.images_size, s1, sizeof(s1));
	percent(u.reclaimable, u.images_size + u.reclaimable, rec, sizeof(rec));
	printf("%-15s %-9lld %-13s %s\n", "Images", (long long)u.images, s1, rec);
	cli_format_size(u.containers_size, s2, sizeof(s2));
	printf("%-15s %-9lld %-13s %s\n", "Containers", (long long)u.containers, s2, "0B");
	printf("%-15s %-9lld %-13s %s\n", "Layers", (long long)u.layers, s1, "-");
	cli_format_size(u.blobs_size, s3, sizeof(s3));
	printf("%-15s %-9lld %-13s %s\n", "Blobs", (long long)u.blobs, s3, "-");
	return 0;
}

int cli_prune_images(int argc, char **argv, const char *usage, const char *warn_dangling,
		     const char *warn_all)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'}, {"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	engine_strarray report = {NULL, 0};
	bool all = false, force = false;
	engine_context *ctx;
	int64_t reclaimed = 0;
	char size[32];
	int c;

	while ((c = getopt_long(argc, argv, "af", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'f')
			force = true;
		else
			return usage_error(usage);
	}
	if (!force && !cli_confirm(all ? warn_all : warn_dangling))
		return 0;
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (engine_store_prune_images(ctx, all, &report, &reclaimed) < 0)
		return cli_fail(1, NULL);
	if (report.count) {
		printf("Deleted Images:\n");
		for (size_t i = 0; i < report.count; i++)
			puts(report.strings[i]);
		printf("\n");
	}
	engine_strarray_dispose(&report);
	cli_format_size(reclaimed, size, sizeof(size));
	printf("Total reclaimed space: %s\n", size);
	return 0;
}

static int cmd_prune(int argc, char **argv)
{
	return cli_prune_images(
	    argc, argv, "engine system prune [-a] [-f]",
	    "WARNING! This will remove:\n  - all dangling images\n"
	    "  - all unreferenced layers, blobs and temporary files",
	    "WARNING! This will remove:\n  - all images without at least one container associated to them\n"
	    "  - all unreferenced layers, blobs and temporary files");
}

static int cmd_check(int argc, char **argv)
{
	engine_strarray problems = {NULL, 0};
	engine_context *ctx;
	int status;

	if (argc != 1)
		return usage_error("engine system check");
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (engine_store_check(ctx, &problems) < 0)
		return cli_fail(1, NULL);
	for (size_t i = 0; i < problems.count; i++)
		puts(problems.strings[i]);
	status = problems.count ? 1 : 0;
	engine_strarray_dispose(&problems);
	return status;
}

static const struct cli_command system_group[] = {
    {"df", cmd_df, "Show disk usage"},
    {"prune", cmd_prune, "Remove unused images, layers, blobs and temp files"},
    {"check", cmd_check, "Verify blobs, layers, images and tags; one line per problem"},
    {NULL, NULL, NULL},
};

static int cmd_system(int argc, char **argv)
{
	static const struct cli_command *const tables[] = {system_group, NULL};

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		FILE *f = argc < 2 ? stderr : stdout;
		fprintf(f, "Usage: engine system COMMAND\n\nManage the engine\n\nCommands:\n");
		cli_print_commands(system_group);
		return argc < 2 ? 1 : 0;
	}
	optind = 0;
	return cli_dispatch(tables, argc - 1, argv + 1, "system");
}

const struct cli_command cli_system_commands[] = {
    {"system", cmd_system, "Manage the engine (df, prune, check)"},
    {NULL, NULL, NULL},
};
