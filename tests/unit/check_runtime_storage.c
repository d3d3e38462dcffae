/*
 * Writable-layer caps (privileged): an engine_run container's tmpfs layer
 * is always sized (25% of RAM, the config key, or --storage-opt size), a
 * created container can keep its layer on a sized tmpfs, and a size on a
 * disk layer without project quotas is refused rather than ignored.
 */
#include "check_helpers.h"

#include <sys/sysinfo.h>

#include "util/cleanup.h"
#include "util/str.h"

/* Run sh -c @script in busybox; its stdout (malloc'd). */
static char *run_sh(engine_context *ctx, const char *storage_opt, const char *script)
{
	engine_spec *spec = NULL;
	engine_run_result *res = NULL;
	char *out;

	ck_assert_engine_ok(engine_spec_new(&spec));
	ck_assert_engine_ok(engine_spec_set_image(spec, "busybox"));
	ck_assert_engine_ok(
	    engine_spec_set_argv(spec, &(engine_strarray){(char *[]){"sh", "-c", (char *)script, NULL}, 3}));
	if (storage_opt)
		ck_assert_engine_ok(engine_spec_add_storage_opt(spec, storage_opt));
	ck_assert_engine_ok(engine_run(ctx, spec, &res));
	out = strdup(res->stdout_data ? res->stdout_data : "");
	engine_run_result_free(res);
	engine_spec_free(spec);
	return out;
}

/* The size of the container's / in KiB, as df reports it. */
#define DF_ROOT "df -k / | awk 'NR==2 {print $2}'"

/* A context on @root with @config's keys (a JSON object, or NULL) and a
 * cgroup parent of the test's own (removed by th_context_free_cgroups). */
static engine_context *context_with(const char *root, const char *config)
{
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;
	cleanup_free char *cfg = engine__path_join(root, "config.json"), *json = NULL;
	const char *base = strrchr(root, '/');

	ck_assert_int_ge(asprintf(&json, "{\"cgroup-parent\": \"engine-test-%s\"%s%s", base ? base + 1 : root,
				  config ? ", " : "}", config ? config + 1 : ""),
			 0);
	ck_assert_engine_ok(engine__write_file_atomic(cfg, json, strlen(json), 0644, false));
	o.root = root;
	o.config_path = cfg;
	ck_assert_engine_ok(engine_context_new(&ctx, &o));
	ck_assert_engine_ok(engine_image_create_default(ctx, NULL, NULL));
	return ctx;
}

START_TEST(test_runtime_storage__tmpfs_layer_is_always_capped)
{
	char *root = th_mkdtemp("storage"), *root2 = th_mkdtemp("storage");
	engine_context *ctx = context_with(root, NULL);
	cleanup_free char *df = NULL, *full = NULL, *cfg = NULL;
	struct sysinfo si;
	long long kib, want;

	/* No memory limit, no option: a quarter of RAM, not tmpfs's half. */
	ck_assert_int_eq(sysinfo(&si), 0);
	want = (long long)((uint64_t)si.totalram * si.mem_unit / 100 * 25 / 1024);
	df = run_sh(ctx, NULL, DF_ROOT);
	kib = atoll(df);
	ck_assert_msg(kib > 0 && kib <= want + 4 && kib > want - 1024, "df says %lld KiB, want %lld", kib,
		      want);

	/* --storage-opt size: writing past it fails inside the container. */
	full = run_sh(ctx, "size=8m",
		      DF_ROOT "; dd if=/dev/zero of=/big bs=1M count=20 2>/dev/null || echo full");
	ck_assert_str_eq(full, "8192\nfull\n");
	th_context_free_cgroups(ctx);

	/* The config key, as a size. */
	ctx = context_with(root2, "{\"writable-layer-tmpfs-size\": \"16m\"}");
	cfg = run_sh(ctx, NULL, DF_ROOT);
	ck_assert_str_eq(cfg, "16384\n");
	th_context_free_cgroups(ctx);
	th_cleanup_dir(root);
	th_cleanup_dir(root2);
}
END_TEST

START_TEST(test_runtime_storage__bad_options_and_config)
{
	char *root = th_mkdtemp("storage");
	engine_context *ctx = context_with(root, "{\"writable-layer-tmpfs-size\": \"lots\"}");
	engine_spec *spec = NULL;
	engine_run_result *res = NULL;

	ck_assert_engine_ok(engine_spec_new(&spec));
	ck_assert_engine_error(engine_spec_add_storage_opt(spec, "size=-1"), ENGINE_EINVALID,
			       "size must be a positive size");
	ck_assert_engine_error(engine_spec_add_storage_opt(spec, "type=zfs"), ENGINE_EINVALID,
			       "type is tmpfs or overlay");
	ck_assert_engine_error(engine_spec_add_storage_opt(spec, "inodes=5"), ENGINE_EINVALID,
			       "unknown storage option \"inodes\"");
	ck_assert_engine_error(engine_spec_add_storage_opt(spec, "size"), ENGINE_EINVALID, "not KEY=VALUE");
	ck_assert_engine_ok(engine_spec_set_image(spec, "busybox"));
	ck_assert_engine_ok(engine_spec_set_argv(spec, &(engine_strarray){(char *[]){"true", NULL}, 1}));
	ck_assert_engine_error(engine_run(ctx, spec, &res), ENGINE_EINVALID,
			       "config writable-layer-tmpfs-size \"lots\"");
	engine_run_result_free(res);
	res = NULL;
	th_context_free_cgroups(ctx);
	/* A value of another type is named by its type (never serialised:
	 * json-c would write the text into the config threads share). */
	ctx = context_with(root, "{\"writable-layer-tmpfs-size\": true}");
	ck_assert_engine_error(engine_run(ctx, spec, &res), ENGINE_EINVALID,
			       "expected a size or a percentage of RAM, got boolean");
	engine_run_result_free(res);
	engine_spec_free(spec);
	th_context_free_cgroups(ctx);
	th_cleanup_dir(root);
}
END_TEST

/* A created (run -d) container: type=tmpfs gives a sized in-memory layer;
 * a size on the disk layer needs project quotas, refused where missing. */
START_TEST(test_runtime_storage__created_containers)
{
	char *root = th_mkdtemp("storage");
	engine_context *ctx = context_with(root, NULL);
	engine_spec *spec = NULL;
	engine_container *c = NULL;
	cleanup_free char *text = NULL;
	int code = -1, r;

	ck_assert_engine_ok(engine_spec_new(&spec));
	ck_assert_engine_ok(engine_spec_set_image(spec, "busybox"));
	ck_assert_engine_ok(engine_spec_set_argv(
	    spec, &(engine_strarray){(char *[]){"sh", "-c",
						DF_ROOT "; dd if=/dev/zero of=/big bs=1M count=20 "
							"2>/dev/null || echo full",
						NULL},
				     3}));
	ck_assert_engine_ok(engine_spec_add_storage_opt(spec, "size=8m"));
	r = engine_container_create(ctx, spec, &c);
	if (r == 0) {
		/* This store's filesystem has project quotas: the cap holds there. */
		ck_assert_engine_ok(engine_container_start(c));
		ck_assert_engine_ok(engine_container_wait(c, -1, &code));
		ck_assert_engine_ok(engine_container_remove(c, 1));
		engine_container_free(c);
		c = NULL;
	} else {
		ck_assert_engine_error(r, ENGINE_ENOTSUP, "has no project quotas");
	}
	ck_assert_engine_ok(engine_spec_add_storage_opt(spec, "type=tmpfs"));
	ck_assert_engine_ok(engine_container_create(ctx, spec, &c));
	engine_spec_free(spec);
	ck_assert_engine_ok(engine_container_start(c));
	ck_assert_engine_ok(engine_container_wait(c, -1, &code));
	ck_assert_int_eq(code, 0);
	text = th_container_log(c);
	ck_assert_msg(strstr(text, "8192\nfull\n") != NULL, "log: %s", text);
	ck_assert_engine_ok(engine_container_remove(c, 1));
	engine_container_free(c);
	th_context_free_cgroups(ctx);
	th_cleanup_dir(root);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("runtime_storage");
	TCase *tc = tcase_create("storage");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_runtime_storage__tmpfs_layer_is_always_capped);
	tcase_add_test(tc, test_runtime_storage__bad_options_and_config);
	tcase_add_test(tc, test_runtime_storage__created_containers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite(), 1);
}
