/*
 * Harness-loop driver for bench/pool/run.sh: N iterations of "5 ms of test
 * work, then one /bin/true container", timing call to result of the
 * container only, for
 *   pool     engine_pool_run on a pool of prepared sandboxes
 *   run      engine_run (everything on the caller's path)
 *   cmd      an external command (the peer floor: unshare + chroot)
 * with the same spec (busybox image, all namespaces, 64m memory + 64 pids,
 * default seccomp). Prints "median_ms p95_ms" on one line.
 *
 *   poolbench --root DIR --image REF --mode pool|run [-n N] [--size S] [--gap-ms G]
 *   poolbench --mode cmd [-n N] [--gap-ms G] -- PROG ARG...
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <engine.h>

extern char **environ;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The test's own work between two containers: the machine is free, as in
 * a harness that asserts on a result before the next run. */
static void gap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int fail(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, engine_error_last()->message);
	return 1;
}

int main(int argc, char **argv)
{
	const char *root = NULL, *image = "busybox", *mode = "pool";
	int n = 200, size = 2, gap_ms = 5, i;
	double *times;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
			root = argv[++i];
		else if (strcmp(argv[i], "--image") == 0 && i + 1 < argc)
			image = argv[++i];
		else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc)
			mode = argv[++i];
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
			size = atoi(argv[++i]);
		else if (strcmp(argv[i], "--gap-ms") == 0 && i + 1 < argc)
			gap_ms = atoi(argv[++i]);
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			fprintf(stderr, "usage: see the comment in poolbench.c\n");
			return 2;
		}
	}
	if (n < 1 || (strcmp(mode, "cmd") == 0 ? i >= argc : !root))
		return 2;
	times = calloc((size_t)n, sizeof(double));
	if (!times)
		return 1;
	if (strcmp(mode, "cmd") == 0) {
		for (int k = 0; k < n; k++) {
			pid_t pid;
			int st;
			double t0;

			gap(gap_ms);
			t0 = now();
			if (posix_spawn(&pid, argv[i], NULL, NULL, argv + i, environ) != 0 ||
			    waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "%s failed\n", argv[i]);
				return 1;
			}
			times[k] = (now() - t0) * 1000;
		}
	} else {
		engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
		engine_pool_options po = ENGINE_POOL_OPTIONS_INIT;
		engine_context *ctx = NULL;
		engine_spec *s = NULL;
		engine_pool *pool = NULL;
		char *cmd[] = {"/bin/true", NULL};
		engine_strarray args = {cmd, 1};
		int use_pool = strcmp(mode, "pool") == 0;

		o.root = root;
		po.size = (unsigned)size;
		if (engine_context_new(&ctx, &o) < 0)
			return fail("context");
		if (engine_spec_new(&s) < 0 || engine_spec_set_image(s, image) < 0 ||
		    engine_spec_set_argv(s, &args) < 0 || engine_spec_set_memory_str(s, "64m") < 0 ||
		    engine_spec_set_pids_limit(s, 64) < 0 ||
		    engine_spec_set_seccomp_profile(s, "default") < 0)
			return fail("spec");
		if (use_pool && engine_pool_new(ctx, s, &po, &pool) < 0)
			return fail("pool");
		for (int k = -1; k < n; k++) { /* one warm-up */
			engine_run_result *res = NULL;
			double t0;
			int r;

			gap(gap_ms);
			t0 = now();
			r = use_pool ? engine_pool_run(pool, NULL, NULL, &res) : engine_run(ctx, s, &res);
			if (r < 0 || res->exit_code != 0)
				return fail("run");
			if (k >= 0)
				times[k] = (now() - t0) * 1000;
			engine_run_result_free(res);
		}
		engine_pool_free(pool);
		engine_spec_free(s);
		engine_context_free(ctx);
	}
	qsort(times, (size_t)n, sizeof(double), cmp_double);
	printf("%.3f %.3f\n", times[n / 2], times[(int)(n * 0.95) < n ? (int)(n * 0.95) : n - 1]);
	free(times);
	return 0;
}
