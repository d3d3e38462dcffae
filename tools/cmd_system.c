/* engine CLI: system commands (df, prune, check) over the store API. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_util.h"

static const struct cli_usage df_usage = {"system df", "", "Show engine disk usage", NULL};
static const struct cli_usage check_usage = {
    "system check", "", "Verify blobs, layers, images and tags; one line per problem", NULL};

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
	int c;

	if ((c = cli_operands(argc, argv, &df_usage, 0, 0)) <= 0)
		return -c;
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

/* Print a "Deleted X:" block, as docker's prune reports do. */
static void print_deleted(const char *what, const engine_strarray *items)
{
	if (!items->count)
		return;
	printf("Deleted %s:\n", what);
	for (size_t i = 0; i < items->count; i++)
		puts(items->strings[i]);
	printf("\n");
}

/* `image prune` and `system prune`: [-a] [-f]; the system one removes
 * stopped containers, unused networks and stale build cache first. */
static int prune(int argc, char **argv, const struct cli_usage *u, bool system, const char *warn_dangling,
		 const char *warn_all)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
					     {"force", no_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	engine_strarray report = {NULL, 0}, containers = {NULL, 0}, networks = {NULL, 0};
	bool all = false, force = false;
	engine_context *ctx;
	int64_t reclaimed = 0, from_containers = 0, cache = 0;
	char size[32];
	int c;

	optind = 0; /* a fresh scan that may permute */
	while ((c = cli_getopt_mixed(argc, argv, "af", opts, u)) != CLI_OPT_END) {
		if (c == 'a')
			all = true;
		else if (c == 'f')
			force = true;
		else
			return c == CLI_OPT_HELP ? 0 : EXIT_ENGINE;
	}
	if (optind < argc)
		return cli_args_error(u, "accepts no arguments.");
	if (!force && !cli_confirm(all ? warn_all : warn_dangling))
		return 0;
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (system && (engine_container_prune(ctx, NULL, &containers, &from_containers) < 0 ||
		       engine_network_prune(ctx, &networks) < 0)) {
		engine_strarray_dispose(&containers);
		return cli_fail(1, NULL);
	}
	print_deleted("Containers", &containers);
	print_deleted("Networks", &networks);
	engine_strarray_dispose(&containers);
	engine_strarray_dispose(&networks);
	if (engine_store_prune_images(ctx, all, &report, &reclaimed) < 0)
		return cli_fail(1, NULL);
	print_deleted("Images", &report);
	engine_strarray_dispose(&report);
	/* Build cache entries whose images just went. */
	if (system && engine_build_cache_prune(ctx, &cache) < 0)
		return cli_fail(1, NULL);
	if (cache)
		printf("Deleted build cache objects: %lld\n\n", (long long)cache);
	cli_format_size(reclaimed + from_containers, size, sizeof(size));
	printf("Total reclaimed space: %s\n", size);
	return 0;
}

int cli_prune_images(int argc, char **argv)
{
	static const struct cli_usage u = {
	    "image prune", "[OPTIONS]", "Remove unused images",
	    "  -a, --all     Remove all unused images, not just dangling ones\n"
	    "  -f, --force   Do not prompt for confirmation\n"};

	return prune(
	    argc, argv, &u, false, "WARNING! This will remove all dangling images.",
	    "WARNING! This will remove all images without at least one container associated to them.");
}

static int cmd_prune(int argc, char **argv)
{
	static const struct cli_usage u = {"system prune", "[OPTIONS]", "Remove unused data",
					   "  -a, --all     Remove all unused images not just dangling ones\n"
					   "  -f, --force   Do not prompt for confirmation\n"};

	return prune(
	    argc, argv, &u, true,
	    "WARNING! This will remove:\n  - all stopped containers\n"
	    "  - all networks not used by at least one container\n  - all dangling images\n"
	    "  - unused build cache",
	    "WARNING! This will remove:\n  - all stopped containers\n"
	    "  - all networks not used by at least one container\n"
	    "  - all images without at least one container associated to them\n  - unused build cache");
}

static int cmd_check(int argc, char **argv)
{
	engine_strarray problems = {NULL, 0};
	engine_context *ctx;
	int status;

	if ((status = cli_operands(argc, argv, &check_usage, 0, 0)) <= 0)
		return -status;
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
    {"prune", cmd_prune, "Remove unused data"},
    {"info", cli_info, "Display system-wide information"},
    {"check", cmd_check, "Verify blobs, layers, images and tags; one line per problem"},
    {NULL, NULL, NULL},
};

static int cmd_system(int argc, char **argv)
{
	static const struct cli_command *const tables[] = {system_group, NULL};

	return cli_group(argc, argv, "Manage the engine", tables);
}

const struct cli_command cli_system_commands[] = {
    {"system", cmd_system, "Manage the engine (df, prune, check)"},
    {NULL, NULL, NULL},
};
