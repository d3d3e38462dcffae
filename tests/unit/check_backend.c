/* Back ends loaded on first use: loading, the errors that name a missing
 * library or symbol, concurrent first use, and the real back ends. */
#include <pthread.h>

#include "backend/backend.h"
#include "check_helpers.h"

/* A back end record like ENGINE__BACKEND_DEFINE makes, over @soname. */
#define TEST_BACKEND(var, lib, soname_, what, ...)                                                           \
	static const char *const var##_symbols[] = {__VA_ARGS__};                                            \
	static void *var##_slots[sizeof(var##_symbols) / sizeof(var##_symbols[0])];                          \
	static engine__backend var = {                                                                       \
	    .name = lib,                                                                                     \
	    .soname = soname_,                                                                               \
	    .used_for = what,                                                                                \
	    .symbols = var##_symbols,                                                                        \
	    .slots = var##_slots,                                                                            \
	    .n_symbols = sizeof(var##_symbols) / sizeof(var##_symbols[0]),                                   \
	    .lock = PTHREAD_MUTEX_INITIALIZER,                                                               \
	}

/* Over a library every glibc system has, and two broken ones. */
TEST_BACKEND(libm_backend, "libm", "libm.so.6", "the test", "cos", "sqrt");
TEST_BACKEND(missing_backend, "libenginetest", "libenginetest-missing.so.7", "testing missing libraries",
	     "engine_test_fn");
TEST_BACKEND(old_backend, "libm", "libm.so.6", "testing old libraries", "cos", "engine_no_such_function");
TEST_BACKEND(race_backend, "libm", "libm.so.6", "the race test", "cos");

START_TEST(test_backend__loads_and_resolves)
{
	double (*sqrt_fn)(double);

	ck_assert(!engine__backend_ready(&libm_backend));
	ck_assert_int_eq(engine__backend_require(&libm_backend), 0);
	ck_assert(engine__backend_ready(&libm_backend));
	sqrt_fn = (double (*)(double))libm_backend.slots[1];
	ck_assert(sqrt_fn(16.0) == 4.0);
	/* Loaded once: a second call returns at once. */
	ck_assert_int_eq(engine__backend_require(&libm_backend), 0);
}
END_TEST

START_TEST(test_backend__missing_library_is_named)
{
	ck_assert_engine_error(engine__backend_require(&missing_backend), ENGINE_ENOTSUP,
			       "libenginetest (libenginetest-missing.so.7) is needed for testing missing "
			       "libraries and cannot be loaded: ");
	ck_assert(!engine__backend_ready(&missing_backend));
	/* Not remembered: the next use tries again, and fails the same way. */
	ck_assert_engine_error(engine__backend_require(&missing_backend), ENGINE_ENOTSUP,
			       "libenginetest-missing.so.7");
	/* A constructor's NULL becomes the load error, not "out of memory". */
	ck_assert_engine_error(engine__backend_null(&missing_backend), ENGINE_ENOTSUP, "cannot be loaded");
	ck_assert_engine_error(engine__backend_null(&libm_backend), ENGINE_ENOMEM, "memory");
}
END_TEST

START_TEST(test_backend__missing_symbol_is_named)
{
	ck_assert_engine_error(engine__backend_require(&old_backend), ENGINE_ENOTSUP,
			       "libm (libm.so.6) is needed for testing old libraries but lacks "
			       "engine_no_such_function");
	ck_assert(!engine__backend_ready(&old_backend));
}
END_TEST

static void *race(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++)
		if (engine__backend_require(&race_backend) < 0 || !race_backend.slots[0])
			return (void *)1;
	return NULL;
}

START_TEST(test_backend__concurrent_first_use)
{
	pthread_t t[4];
	void *ret;

	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, race, NULL), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &ret);
		ck_assert_ptr_null(ret);
	}
}
END_TEST

START_TEST(test_backend__real_back_ends_load)
{
	ck_assert_int_eq(engine__backend_require(&engine__backend_archive), 0);
	ck_assert_int_eq(engine__backend_require(&engine__backend_curl), 0);
	for (size_t i = 0; i < engine__backend_archive.n_symbols; i++)
		ck_assert_ptr_nonnull(engine__backend_archive.slots[i]);
	for (size_t i = 0; i < engine__backend_curl.n_symbols; i++)
		ck_assert_ptr_nonnull(engine__backend_curl.slots[i]);
}
END_TEST

static Suite *backend_suite(void)
{
	Suite *s = suite_create("backend");
	TCase *tc = tcase_create("backend");

	tcase_add_test(tc, test_backend__loads_and_resolves);
	tcase_add_test(tc, test_backend__missing_library_is_named);
	tcase_add_test(tc, test_backend__missing_symbol_is_named);
	tcase_add_test(tc, test_backend__concurrent_first_use);
	tcase_add_test(tc, test_backend__real_back_ends_load);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(backend_suite(), 0);
}
