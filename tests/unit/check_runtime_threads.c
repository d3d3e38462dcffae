/* Threads sharing one context (privileged), as "Threading" in
 * include/engine/context.h promises: engine_run, image operations and
 * container create/start/remove from 8 threads at once, while another
 * thread changes the context's log sinks. Workers record their first
 * failure instead of asserting (Check's asserts belong to the test's own
 * thread); the test asserts after joining them. Meant to run clean under
 * ASan/UBSan and TSan as well. */
#define TR_FIXTURE "runtime-threads"
#include "check_runtime.h"

#include <pthread.h>

#define NTHREADS 8
#define ROUNDS 3

typedef struct worker {
	int index;
	pthread_t thread;
	char failure[512]; /* the first failure, empty when none */
	int created;	   /* test_threads__create_remove: the shared name was ours */
} worker;

static void failed(worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void failed(worker *w, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (w->failure[0])
		return;
	n = (size_t)snprintf(w->failure, sizeof(w->failure), "thread %d: ", w->index);
	va_start(ap, fmt);
	vsnprintf(w->failure + n, sizeof(w->failure) - n, fmt, ap);
	va_end(ap);
}

/* Fails @w with the thread's last error when @r is negative. */
static bool ok(worker *w, int r, const char *what)
{
	if (r >= 0)
		return true;
	failed(w, "%s: %d %s", what, r, engine_error_last()->message);
	return false;
}

static void run_workers(worker *ws, void *(*fn)(void *))
{
	for (int i = 0; i < NTHREADS; i++) {
		ws[i].index = i;
		ck_assert_int_eq(pthread_create(&ws[i].thread, NULL, fn, &ws[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_join(ws[i].thread, NULL), 0);
	for (int i = 0; i < NTHREADS; i++)
		ck_assert_msg(!ws[i].failure[0], "%s", ws[i].failure);
}

/* --- engine_run while the log sinks change ------------------------------ */

/* Two callbacks with their own payloads: a line delivered to one with the
 * other's payload is a torn (function, payload) pair. */
static int log_calls_a, log_calls_b, log_torn;
static int stop_logger, logger_ready;

static void log_a(int level, const char *message, void *payload)
{
	(void)level, (void)message;
	if (payload != &log_calls_a)
		__atomic_add_fetch(&log_torn, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&log_calls_a, 1, __ATOMIC_RELAXED);
}

static void log_b(int level, const char *message, void *payload)
{
	(void)level, (void)message;
	if (payload != &log_calls_b)
		__atomic_add_fetch(&log_torn, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&log_calls_b, 1, __ATOMIC_RELAXED);
}

static void *logger(void *arg)
{
	int devnull = *(int *)arg;

	for (unsigned i = 0; !__atomic_load_n(&stop_logger, __ATOMIC_ACQUIRE); i++) {
		if (i % 2)
			engine_context_set_log_callback(ctx, log_a, &log_calls_a);
		else
			engine_context_set_log_callback(ctx, log_b, &log_calls_b);
		engine_context_set_log_fd(ctx, i % 3 ? devnull : -1);
		/* Both let debug lines through: a context logs one line at
		 * that level (its seccomp program), whenever that comes. */
		engine_context_set_log_level(ctx, i % 2 ? ENGINE_LOG_TRACE : ENGINE_LOG_DEBUG);
		__atomic_store_n(&logger_ready, 1, __ATOMIC_RELEASE);
		usleep(1000);
	}
	return NULL;
}

static void *run_worker(void *arg)
{
	worker *w = arg;

	for (int k = 0; k < ROUNDS && !w->failure[0]; k++) {
		char script[128], want[64];
		engine_spec *s = NULL;
		engine_run_result *res = NULL;
		engine_strarray argv = {(char *[]){"sh", "-c", script, NULL}, 3};

		snprintf(script, sizeof(script), "echo run-%d-%d; echo err-%d >&2; exit %d", w->index, k,
			 w->index, w->index + 1);
		snprintf(want, sizeof(want), "run-%d-%d\n", w->index, k);
		if (!ok(w, engine_spec_new(&s), "spec") ||
		    !ok(w, engine_spec_set_rootfs(s, rootfs), "rootfs") ||
		    !ok(w, engine_spec_set_argv(s, &argv), "argv") ||
		    !ok(w, engine_run(ctx, s, &res), "run")) {
			engine_spec_free(s);
			break;
		}
		if (res->exit_code != w->index + 1 || strcmp(res->stdout_data, want) != 0 ||
		    strncmp(res->stderr_data, "err-", 4) != 0 || atoi(res->stderr_data + 4) != w->index)
			failed(w, "round %d: exit %d, stdout \"%s\", stderr \"%s\"", k, res->exit_code,
			       res->stdout_data, res->stderr_data);
		engine_run_result_free(res);
		engine_spec_free(s);
	}
	return NULL;
}

START_TEST(test_threads__run)
{
	worker ws[NTHREADS] = {0};
	pthread_t log_thread;
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

	ck_assert_int_ge(devnull, 0);
	ck_assert_int_eq(pthread_create(&log_thread, NULL, logger, &devnull), 0);
	while (!__atomic_load_n(&logger_ready, __ATOMIC_ACQUIRE))
		usleep(100);
	run_workers(ws, run_worker);
	__atomic_store_n(&stop_logger, 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(pthread_join(log_thread, NULL), 0);
	engine_context_set_log_callback(ctx, NULL, NULL);
	engine_context_set_log_fd(ctx, -1);
	close(devnull);
	ck_assert_int_eq(log_torn, 0);
	/* The runs logged at debug level while one of the callbacks was set. */
	ck_assert_int_gt(log_calls_a + log_calls_b, 0);
}
END_TEST

/* --- images: create, tag, open, run from, list, remove ------------------ */

static char *default_id[NTHREADS];

static void *image_worker(void *arg)
{
	worker *w = arg;

	/* Every thread makes the same default image at once: one ID for all. */
	if (!ok(w, engine_image_create_default(ctx, TR_BUSYBOX, &default_id[w->index]), "create default"))
		return NULL;
	for (int k = 0; k < ROUNDS && !w->failure[0]; k++) {
		char tag[64];
		engine_image *img = NULL;
		engine_image_list *list = NULL;
		engine_spec *s = NULL;
		engine_run_result *res = NULL;
		engine_strarray argv = {(char *[]){"cat", "/etc/group", NULL}, 2};
		bool listed = false;

		snprintf(tag, sizeof(tag), "threads/t%d:r%d", w->index, k);
		if (!ok(w, engine_image_tag(ctx, "busybox:latest", tag), "tag") ||
		    !ok(w, engine_image_open(ctx, tag, &img), "open"))
			break;
		if (strcmp(engine_image_id(img), default_id[w->index]) != 0)
			failed(w, "%s is %s, not %s", tag, engine_image_id(img), default_id[w->index]);
		engine_image_free(img);
		if (ok(w, engine_spec_new(&s), "spec") && ok(w, engine_spec_set_image(s, tag), "image") &&
		    ok(w, engine_spec_set_argv(s, &argv), "argv") && ok(w, engine_run(ctx, s, &res), "run") &&
		    (res->exit_code != 0 || !strstr(res->stdout_data, "root:x:0:")))
			failed(w, "run %s: exit %d, stdout \"%s\"", tag, res->exit_code, res->stdout_data);
		engine_run_result_free(res);
		engine_spec_free(s);
		if (ok(w, engine_image_list_new(ctx, &list), "list")) {
			for (size_t i = 0; i < engine_image_list_count(list); i++) {
				const engine_image_summary *sum = engine_image_list_get(list, i);

				for (size_t t = 0; t < sum->tags.count; t++)
					listed |= strcmp(sum->tags.strings[t], tag) == 0;
			}
			if (!listed)
				failed(w, "%s is not listed", tag);
			engine_image_list_free(list);
		}
		ok(w, engine_image_remove(ctx, tag, NULL, NULL), "remove tag");
	}
	return NULL;
}

START_TEST(test_threads__images)
{
	worker ws[NTHREADS] = {0};
	engine_image *img = NULL;

	run_workers(ws, image_worker);
	for (int i = 1; i < NTHREADS; i++)
		ck_assert_str_eq(default_id[i], default_id[0]);
	/* Every thread's tags are gone again, the image itself stays. */
	ck_assert_engine_ok(engine_image_open(ctx, "busybox:latest", &img));
	ck_assert_uint_eq(engine_image_tags(img)->count, 1);
	engine_image_free(img);
	for (int i = 0; i < NTHREADS; i++)
		engine_free(default_id[i]);
}
END_TEST

/* --- containers: one name, created by exactly one thread; create, start,
 * wait, remove of each thread's own ------------------------------------- */

/* A start forks the container's monitor, which goes on without exec.
 * glibc's malloc is safe in such a child whatever the other threads were
 * doing; the allocator of GCC's AddressSanitizer is not (a size class
 * locked by another thread at the fork stays locked in the child). Under
 * ASan, starts therefore wait until no other worker is inside the library;
 * everywhere else they run at once with everything else. */
#if defined(__SANITIZE_ADDRESS__)
static pthread_rwlock_t fork_guard = PTHREAD_RWLOCK_INITIALIZER;
#define GUARD_ENTER() pthread_rwlock_rdlock(&fork_guard)
#define GUARD_LEAVE() pthread_rwlock_unlock(&fork_guard)
static int start(engine_container *c)
{
	int r;

	GUARD_LEAVE();
	pthread_rwlock_wrlock(&fork_guard);
	r = engine_container_start(c);
	pthread_rwlock_unlock(&fork_guard);
	GUARD_ENTER();
	return r;
}
#else
#define GUARD_ENTER() ((void)0)
#define GUARD_LEAVE() ((void)0)
#define start engine_container_start
#endif

static void container_rounds(worker *w)
{
	engine_spec *s = NULL;
	engine_container *c = NULL;
	int r;

	if (!ok(w, engine_spec_new(&s), "spec") || !ok(w, engine_spec_set_rootfs(s, rootfs), "rootfs") ||
	    !ok(w, engine_spec_set_argv(s, &(engine_strarray){(char *[]){"true", NULL}, 1}), "argv") ||
	    !ok(w, engine_spec_set_name(s, "shared"), "name")) {
		engine_spec_free(s);
		return;
	}
	r = engine_container_create(ctx, s, &c);
	engine_spec_free(s);
	if (r == 0) {
		w->created = 1;
		engine_container_free(c);
	} else if (r != ENGINE_EEXISTS) {
		ok(w, r, "create \"shared\"");
	}
	for (int k = 0; k < ROUNDS && !w->failure[0]; k++) {
		char name[32], script[64];
		engine_strarray argv = {(char *[]){"sh", "-c", script, NULL}, 3};
		int code = -1;

		s = NULL, c = NULL;
		snprintf(name, sizeof(name), "c%d-%d", w->index, k);
		snprintf(script, sizeof(script), "exit %d", w->index * ROUNDS + k);
		if (ok(w, engine_spec_new(&s), "spec") &&
		    ok(w, engine_spec_set_rootfs(s, rootfs), "rootfs") &&
		    ok(w, engine_spec_set_argv(s, &argv), "argv") &&
		    ok(w, engine_spec_set_name(s, name), "name") &&
		    ok(w, engine_container_create(ctx, s, &c), "create") && ok(w, start(c), "start") &&
		    ok(w, engine_container_wait(c, 120, &code), "wait") && code != w->index * ROUNDS + k)
			failed(w, "%s exited %d", name, code);
		if (c)
			ok(w, engine_container_remove(c, 1), "remove");
		engine_container_free(c);
		engine_spec_free(s);
	}
}

static void *container_worker(void *arg)
{
	GUARD_ENTER();
	container_rounds(arg);
	GUARD_LEAVE();
	return NULL;
}

START_TEST(test_threads__create_remove)
{
	worker ws[NTHREADS] = {0};
	engine_strarray ids = {0};
	engine_container *c = NULL;
	int winners = 0;

	run_workers(ws, container_worker);
	for (int i = 0; i < NTHREADS; i++)
		winners += ws[i].created;
	ck_assert_int_eq(winners, 1);
	/* Only "shared" is left. */
	ck_assert_engine_ok(engine_container_list_ids(ctx, 1, &ids));
	ck_assert_uint_eq(ids.count, 1);
	ck_assert_engine_ok(engine_container_open(ctx, "shared", &c));
	ck_assert_str_eq(engine_container_id(c), ids.strings[0]);
	engine_strarray_dispose(&ids);
	ck_assert_engine_ok(engine_container_remove(c, 1));
	engine_container_free(c);
}
END_TEST

static Suite *threads_suite(void)
{
	Suite *s = suite_create("runtime-threads");
	TCase *tc = tcase_create("threads");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_threads__run);
	tcase_add_test(tc, test_threads__images);
	tcase_add_test(tc, test_threads__create_remove);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(threads_suite(), 1);
}
