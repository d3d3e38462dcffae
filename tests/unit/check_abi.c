/* Versioned public structs (core/abi.c): callers built against any version
 * 1..current are served, reading and writing only the bytes their version
 * has; every options consumer and init function checks the version the
 * same way. The running-container half (an engine_container_stats caller
 * built against version 1) is in check_runtime_lifecycle.c. */
#include <stddef.h>

#include "abi_old.h"
#include "check_helpers.h"
#include "core/abi.h"
#include "core/error.h"
#include "util/cleanup.h"

/* A struct that grew: version 1 had a and b, version 2 appended c. */
struct grown {
	unsigned version;
	int a;
	const char *b;
	long c;
};
struct grown_v1 {
	unsigned version;
	int a;
	const char *b;
};
static const size_t grown_sizes[] = {sizeof(struct grown_v1), sizeof(struct grown)};
static const engine__abi grown_abi = {"grown options", 2, grown_sizes};

START_TEST(test_abi__old_caller_read_write_init)
{
	/* Exactly the old size on the heap: ASan reports any access beyond. */
	struct grown_v1 *old = malloc(sizeof(*old));
	struct grown full = {2, 0, NULL, 42}, tpl = {2, 1, "default", 7};

	ck_assert_ptr_nonnull(old);
	ck_assert_engine_ok(engine__abi_init(&grown_abi, old, 1, &tpl));
	ck_assert_uint_eq(old->version, 1);
	ck_assert_int_eq(old->a, 1);
	ck_assert_str_eq(old->b, "default");
	/* Reading: the caller's fields, then the defaults of what it lacks. */
	old->a = 5;
	old->b = "mine";
	ck_assert_engine_ok(engine__abi_read(&grown_abi, &full, old));
	ck_assert_uint_eq(full.version, 2);
	ck_assert_int_eq(full.a, 5);
	ck_assert_str_eq(full.b, "mine");
	ck_assert_int_eq(full.c, 42);
	/* Writing: as far as the caller's version reaches, version kept. */
	full.a = 9;
	full.b = "out";
	full.c = 99;
	ck_assert_engine_ok(engine__abi_write(&grown_abi, old, &full));
	ck_assert_uint_eq(old->version, 1);
	ck_assert_int_eq(old->a, 9);
	ck_assert_str_eq(old->b, "out");
	free(old);
}
END_TEST

START_TEST(test_abi__current_caller_and_null)
{
	struct grown cur = {2, 3, "x", 4}, full = {2, 0, NULL, 42}, out = {2, 0, NULL, 0};

	ck_assert_engine_ok(engine__abi_read(&grown_abi, &full, &cur));
	ck_assert_int_eq(full.c, 4);
	ck_assert_engine_ok(engine__abi_write(&grown_abi, &out, &full));
	ck_assert_int_eq(out.c, 4);
	/* No options: the defaults stay. */
	full = (struct grown){2, 0, NULL, 42};
	ck_assert_engine_ok(engine__abi_read(&grown_abi, &full, NULL));
	ck_assert_int_eq(full.c, 42);
}
END_TEST

START_TEST(test_abi__bad_versions)
{
	struct grown s = {0, 1, "keep", 1}, full = {2, 0, NULL, 42}, tpl = {2, 0, NULL, 0};

	ck_assert_engine_error(engine__abi_read(&grown_abi, &full, &s), ENGINE_EINVALID,
			       "grown options: unsupported version 0 (this library knows 1 to 2");
	ck_assert_int_eq(full.a, 0);
	s.version = 3;
	ck_assert_engine_error(engine__abi_write(&grown_abi, &s, &full), ENGINE_EINVALID,
			       "unsupported version 3");
	ck_assert_str_eq(s.b, "keep");
	ck_assert_engine_error(engine__abi_init(&grown_abi, &s, 3, &tpl), ENGINE_EINVALID,
			       "unsupported version 3");
	ck_assert_uint_eq(s.version, 3);
	ck_assert_engine_error(engine__abi_init(&grown_abi, NULL, 1, &tpl), ENGINE_EINVALID, "NULL");
}
END_TEST

/* Each table says what the header says: its versions, the last one the
 * size of the struct, each version larger than the one before. */
START_TEST(test_abi__tables_match_headers)
{
	static const struct {
		const engine__abi *abi;
		unsigned version;
		size_t size;
	} want[] = {
#define ROW(type, v) {ENGINE__ABI(type), v, sizeof(type)}
	    ROW(engine_context_options, ENGINE_CONTEXT_OPTIONS_VERSION),
	    ROW(engine_exec_options, ENGINE_EXEC_OPTIONS_VERSION),
	    ROW(engine_update_options, ENGINE_UPDATE_OPTIONS_VERSION),
	    ROW(engine_pool_options, ENGINE_POOL_OPTIONS_VERSION),
	    ROW(engine_commit_options, ENGINE_COMMIT_OPTIONS_VERSION),
	    ROW(engine_network_create_options, ENGINE_NETWORK_CREATE_OPTIONS_VERSION),
	    ROW(engine_network_connect_options, ENGINE_NETWORK_CONNECT_OPTIONS_VERSION),
	    ROW(engine_volume_create_options, ENGINE_VOLUME_CREATE_OPTIONS_VERSION),
	    ROW(engine_image_load_options, ENGINE_IMAGE_LOAD_OPTIONS_VERSION),
	    ROW(engine_image_import_options, ENGINE_IMAGE_IMPORT_OPTIONS_VERSION),
	    ROW(engine_image_remove_options, ENGINE_IMAGE_REMOVE_OPTIONS_VERSION),
	    ROW(engine_registry_pull_options, ENGINE_REGISTRY_PULL_OPTIONS_VERSION),
	    ROW(engine_registry_push_options, ENGINE_REGISTRY_PUSH_OPTIONS_VERSION),
	    ROW(engine_distribution_options, ENGINE_DISTRIBUTION_OPTIONS_VERSION),
	    ROW(engine_build_options, ENGINE_BUILD_OPTIONS_VERSION),
	    ROW(engine_container_stats, ENGINE_CONTAINER_STATS_VERSION),
	    ROW(engine_store_usage, ENGINE_STORE_USAGE_VERSION),
	    ROW(engine_attach_options, ENGINE_ATTACH_OPTIONS_VERSION),
	    ROW(engine_logs_options, ENGINE_LOGS_OPTIONS_VERSION),
	    ROW(engine_wait_options, ENGINE_WAIT_OPTIONS_VERSION),
	    ROW(engine_wait_result, ENGINE_WAIT_RESULT_VERSION),
	    ROW(engine_exec_config, ENGINE_EXEC_CONFIG_VERSION),
	    ROW(engine_exec_start_options, ENGINE_EXEC_START_OPTIONS_VERSION),
	    ROW(engine_exec_state, ENGINE_EXEC_STATE_VERSION),
	    ROW(engine_oci_create_options, ENGINE_OCI_CREATE_OPTIONS_VERSION),
	    ROW(engine_oci_exec_options, ENGINE_OCI_EXEC_OPTIONS_VERSION),
#undef ROW
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const engine__abi *a = want[i].abi;

		ck_assert_msg(a->current == want[i].version, "%s: table at %u, header at %u", a->name,
			      a->current, want[i].version);
		ck_assert_msg(a->sizes[a->current - 1] == want[i].size, "%s: last size %zu, sizeof %zu",
			      a->name, a->sizes[a->current - 1], want[i].size);
		ck_assert_uint_gt(a->sizes[0], sizeof(unsigned));
		for (unsigned v = 1; v < a->current; v++)
			ck_assert_msg(a->sizes[v] > a->sizes[v - 1], "%s: version %u not larger", a->name,
				      v + 1);
	}
	while (engine__abis[n])
		n++;
	ck_assert_uint_eq(n, sizeof(want) / sizeof(want[0]));
	/* The frozen old layouts are the sizes the tables give their versions. */
	ck_assert_uint_eq(ENGINE__ABI(engine_container_stats)->sizes[0], sizeof(engine_container_stats_v1));
	ck_assert_uint_eq(ENGINE__ABI(engine_container_stats)->sizes[1], sizeof(engine_container_stats_v2));
	ck_assert_uint_eq(ENGINE__ABI(engine_registry_pull_options)->sizes[0],
			  sizeof(engine_registry_pull_options_v1));
	ck_assert_uint_eq(ENGINE__ABI(engine_registry_push_options)->sizes[0],
			  sizeof(engine_registry_push_options_v1));
	{
		/* a version 1 caller's options read with the credentials unset */
		engine_registry_pull_options_v1 v1 = {1, "linux/amd64", -1, 7};
		engine_registry_pull_options full = ENGINE_REGISTRY_PULL_OPTIONS_INIT;

		ck_assert_engine_ok(engine__abi_read(ENGINE__ABI(engine_registry_pull_options), &full,
						     (const engine_registry_pull_options *)&v1));
		ck_assert_int_eq(full.timeout, 7);
		ck_assert_ptr_null(full.username);
		ck_assert_ptr_null(full.password);
	}
}
END_TEST

/* Every public init function: versions 1..current, nothing else. */
#define CHECK_INIT(type, fn, maxv)                                                                           \
	do {                                                                                                 \
		type s_;                                                                                     \
		for (unsigned v_ = 1; v_ <= (maxv); v_++) {                                                  \
			memset(&s_, 0xff, sizeof(s_));                                                       \
			ck_assert_engine_ok(fn(&s_, v_));                                                    \
			ck_assert_uint_eq(s_.version, v_);                                                   \
		}                                                                                            \
		ck_assert_engine_error(fn(&s_, 0), ENGINE_EINVALID, "unsupported version 0");                \
		ck_assert_engine_error(fn(&s_, (maxv) + 1), ENGINE_EINVALID, "unsupported version");         \
		ck_assert_engine_error(fn(NULL, (maxv)), ENGINE_EINVALID, "NULL");                           \
	} while (0)

START_TEST(test_abi__init_functions)
{
	engine_exec_options e;
	engine_container_stats_v1 *old = malloc(sizeof(*old));

	CHECK_INIT(engine_context_options, engine_context_options_init, ENGINE_CONTEXT_OPTIONS_VERSION);
	CHECK_INIT(engine_exec_options, engine_exec_options_init, ENGINE_EXEC_OPTIONS_VERSION);
	CHECK_INIT(engine_update_options, engine_update_options_init, ENGINE_UPDATE_OPTIONS_VERSION);
	CHECK_INIT(engine_pool_options, engine_pool_options_init, ENGINE_POOL_OPTIONS_VERSION);
	CHECK_INIT(engine_commit_options, engine_commit_options_init, ENGINE_COMMIT_OPTIONS_VERSION);
	CHECK_INIT(engine_network_create_options, engine_network_create_options_init,
		   ENGINE_NETWORK_CREATE_OPTIONS_VERSION);
	CHECK_INIT(engine_network_connect_options, engine_network_connect_options_init,
		   ENGINE_NETWORK_CONNECT_OPTIONS_VERSION);
	CHECK_INIT(engine_volume_create_options, engine_volume_create_options_init,
		   ENGINE_VOLUME_CREATE_OPTIONS_VERSION);
	CHECK_INIT(engine_image_load_options, engine_image_load_options_init,
		   ENGINE_IMAGE_LOAD_OPTIONS_VERSION);
	CHECK_INIT(engine_image_import_options, engine_image_import_options_init,
		   ENGINE_IMAGE_IMPORT_OPTIONS_VERSION);
	CHECK_INIT(engine_image_remove_options, engine_image_remove_options_init,
		   ENGINE_IMAGE_REMOVE_OPTIONS_VERSION);
	CHECK_INIT(engine_registry_pull_options, engine_registry_pull_options_init,
		   ENGINE_REGISTRY_PULL_OPTIONS_VERSION);
	CHECK_INIT(engine_registry_push_options, engine_registry_push_options_init,
		   ENGINE_REGISTRY_PUSH_OPTIONS_VERSION);
	CHECK_INIT(engine_build_options, engine_build_options_init, ENGINE_BUILD_OPTIONS_VERSION);
	CHECK_INIT(engine_container_stats, engine_container_stats_init, ENGINE_CONTAINER_STATS_VERSION);
	CHECK_INIT(engine_store_usage, engine_store_usage_init, ENGINE_STORE_USAGE_VERSION);
	CHECK_INIT(engine_attach_options, engine_attach_options_init, ENGINE_ATTACH_OPTIONS_VERSION);
	CHECK_INIT(engine_logs_options, engine_logs_options_init, ENGINE_LOGS_OPTIONS_VERSION);
	CHECK_INIT(engine_wait_options, engine_wait_options_init, ENGINE_WAIT_OPTIONS_VERSION);
	CHECK_INIT(engine_wait_result, engine_wait_result_init, ENGINE_WAIT_RESULT_VERSION);
	CHECK_INIT(engine_exec_config, engine_exec_config_init, ENGINE_EXEC_CONFIG_VERSION);
	CHECK_INIT(engine_exec_start_options, engine_exec_start_options_init,
		   ENGINE_EXEC_START_OPTIONS_VERSION);
	CHECK_INIT(engine_exec_state, engine_exec_state_init, ENGINE_EXEC_STATE_VERSION);
	CHECK_INIT(engine_oci_create_options, engine_oci_create_options_init,
		   ENGINE_OCI_CREATE_OPTIONS_VERSION);
	CHECK_INIT(engine_oci_exec_options, engine_oci_exec_options_init, ENGINE_OCI_EXEC_OPTIONS_VERSION);
	/* The template's values, not zeroes. */
	ck_assert_engine_ok(engine_exec_options_init(&e, ENGINE_EXEC_OPTIONS_VERSION));
	ck_assert_int_eq(e.stdio, ENGINE_STDIO_CAPTURE);
	ck_assert_int_eq(e.in_fd, -1);
	/* An old caller's struct is initialised to its own size only. */
	ck_assert_ptr_nonnull(old);
	ck_assert_engine_ok(engine_container_stats_init((engine_container_stats *)old, 1));
	ck_assert_uint_eq(old->version, 1);
	ck_assert_uint_eq(old->pids, 0);
	free(old);
}
END_TEST

/* Every options consumer refuses a version it does not know before doing
 * anything, with the same words. */
START_TEST(test_abi__consumers_check_versions)
{
	char *tmp = th_mkdtemp("abi");
	engine_context *ctx = th_context(tmp);
	engine_context *other = NULL;
	engine_context_options co = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_image_load_options lo = ENGINE_IMAGE_LOAD_OPTIONS_INIT;
	engine_image_import_options io = ENGINE_IMAGE_IMPORT_OPTIONS_INIT;
	engine_image_remove_options ro = ENGINE_IMAGE_REMOVE_OPTIONS_INIT;
	engine_registry_pull_options po = ENGINE_REGISTRY_PULL_OPTIONS_INIT;
	engine_registry_push_options so = ENGINE_REGISTRY_PUSH_OPTIONS_INIT;
	engine_build_options bo = ENGINE_BUILD_OPTIONS_INIT;
	engine_store_usage u = ENGINE_STORE_USAGE_INIT;
	engine_strarray list = {NULL, 0};
	char *s = NULL;

	co.version = lo.version = io.version = ro.version = po.version = so.version = bo.version = 0;
	co.root = tmp;
	ck_assert_engine_error(engine_context_new(&other, &co), ENGINE_EINVALID,
			       "context options: unsupported version 0");
	ck_assert_ptr_null(other);
	ck_assert_engine_error(engine_image_load(ctx, "/nonexistent", &lo, &list), ENGINE_EINVALID,
			       "image load options: unsupported version 0");
	ck_assert_engine_error(engine_image_import(ctx, "/dev/null", -1, &io, &s), ENGINE_EINVALID,
			       "image import options: unsupported version 0");
	ck_assert_engine_error(engine_image_remove(ctx, "busybox", &ro, &list), ENGINE_EINVALID,
			       "image remove options: unsupported version 0");
	ck_assert_engine_error(engine_registry_pull(ctx, "127.0.0.1:9/x", &po, &s), ENGINE_EINVALID,
			       "pull options: unsupported version 0");
	ck_assert_engine_error(engine_registry_push(ctx, "127.0.0.1:9/x", &so, &s), ENGINE_EINVALID,
			       "push options: unsupported version 0");
	ck_assert_engine_error(engine_build(ctx, tmp, &bo, NULL, NULL, &s), ENGINE_EINVALID,
			       "build options: unsupported version 0");
	u.version = ENGINE_STORE_USAGE_VERSION + 1;
	ck_assert_engine_error(engine_store_usage_get(ctx, &u), ENGINE_EINVALID,
			       "store usage: unsupported version");
	ck_assert_ptr_null(s);
	/* Version 1 of everything is still accepted. */
	co.version = 1;
	ck_assert_engine_ok(engine_context_new(&other, &co));
	engine_context_free(other);
	u.version = 1;
	ck_assert_engine_ok(engine_store_usage_get(ctx, &u));
	ck_assert_int_eq(u.images, 0);
	engine_context_free(ctx);
	th_cleanup_dir(tmp);
}
END_TEST

static Suite *abi_suite(void)
{
	Suite *s = suite_create("abi");
	TCase *tc = tcase_create("abi");

	tcase_add_test(tc, test_abi__old_caller_read_write_init);
	tcase_add_test(tc, test_abi__current_caller_and_null);
	tcase_add_test(tc, test_abi__bad_versions);
	tcase_add_test(tc, test_abi__tables_match_headers);
	tcase_add_test(tc, test_abi__init_functions);
	tcase_add_test(tc, test_abi__consumers_check_versions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(abi_suite(), 0);
}
