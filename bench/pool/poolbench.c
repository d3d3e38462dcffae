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
 *   poolbench --root DIR [--config FILE] [--image REF] --mode pool|run [-n N] [--size S] [--gap-ms G]
 *   poolbench --mode cmd [-n N] [--gap-ms G] -- PROG ARG...
 *   poolbench --root DIR [--config FILE] --mode all [--block B] ... -- PROG ARG...
 * ("all": the three interleaved, B iterations of each in turn; one line
 * each, in the order pool, run, cmd).
 */
#include <spawn.h>
#include <stdbool.h>
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

enum { POOL, RUN, CMD, N_MODES };

typedef struct bench {
	engine_context *ctx;
	engine_spec *spec;
	engine_pool *pool;
	char **cmd; /* the external command (cmd mode) */
	int gap_ms;
} bench;

/* One iteration of @mode: the gap, then one timed container (ms; <0 on failure). */
static double one(bench *b, int mode)
{
	engine_run_result *res = NULL;
	double t0, t;
	int r;

	gap(b->gap_ms);
	t0 = now();
	if (mode == CMD) {
		pid_t pid;
		int st;

		if (posix_spawn(&pid, b->cmd[0], NULL, NULL, b->cmd, environ) != 0 ||
		    waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "%s failed\n", b->cmd[0]);
			return -1;
		}
		return (now() - t0) * 1000;
	}
	r = mode == POOL ? engine_pool_run(b->pool, NULL, NULL, &res) : engine_run(b->ctx, b->spec, &res);
	t = (now() - t0) * 1000;
	if (r < 0 || res->exit_code != 0) {
		fail("run");
		engine_run_result_free(res);
		return -1;
	}
	engine_run_result_free(res);
	return t;
}

static void report(double *times, int n)
{
	qsort(times, (size_t)n, sizeof(double), cmp_double);
	printf("%.3f %.3f\n", times[n / 2], times[(int)(n * 0.95) < n ? (int)(n * 0.95) : n - 1]);
}

int main(int argc, char **argv)
{
	const char *root = NULL, *image = "busybox", *mode = "pool", *config = NULL;
	int n = 200, size = 2, block = 50, i;
	bool use[N_MODES] = {false, false, false};
	int done[N_MODES] = {0, 0, 0};
	double *times[N_MODES];
	bench b = {.gap_ms = 5};

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
			root = argv[++i];
		else if (strcmp(argv[i], "--image") == 0 && i + 1 < argc)
			image = argv[++i];
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config = argv[++i];
		else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc)
			mode = argv[++i];
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
			size = atoi(argv[++i]);
		else if (strcmp(argv[i], "--gap-ms") == 0 && i + 1 < argc)
			b.gap_ms = atoi(argv[++i]);
		else if (strcmp(argv[i], "--block") == 0 && i + 1 < argc)
			block = atoi(argv[++i]);
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			fprintf(stderr, "usage: see the comment in poolbench.c\n");
			return 2;
		}
	}
	use[POOL] = strcmp(mode, "pool") == 0 || strcmp(mode, "all") == 0;
	use[RUN] = strcmp(mode, "run") == 0 || strcmp(mode, "all") == 0;
	use[CMD] = strcmp(mode, "cmd") == 0 || strcmp(mode, "all") == 0;
	if (n < 1 || block < 1 || (use[CMD] && i >= argc) || ((use[POOL] || use[RUN]) && !root))
		return 2;
	b.cmd = argv + i;
	for (int m = 0; m < N_MODES; m++)
		if (!(times[m] = calloc((size_t)n, sizeof(double))))
			return 1;
	if (use[POOL] || use[RUN]) {
		engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
		engine_pool_options po = ENGINE_POOL_OPTIONS_INIT;
		char *cmd[] = {"/bin/true", NULL};
		engine_strarray args = {cmd, 1};

		o.root = root;
		o.config_path = config;
		po.size = (unsigned)size;
		if (engine_context_new(&b.ctx, &o) < 0)
			return fail("context");
		if (engine_spec_new(&b.spec) < 0 || engine_spec_set_image(b.spec, image) < 0 ||
		    engine_spec_set_argv(b.spec, &args) < 0 ||
		    engine_spec_set_memory_str(b.spec, "64m") < 0 ||
		    engine_spec_set_pids_limit(b.spec, 64) < 0 ||
		    engine_spec_set_seccomp_profile(b.spec, "default") < 0)
			return fail("spec");
		if (use[POOL] && engine_pool_new(b.ctx, b.spec, &po, &b.pool) < 0)
			return fail("pool");
	}
	/* Blocks of @block iterations per mode in turn: each keeps the rhythm
	 * of a harness loop, and all see the same machine. One warm-up each. */
	for (int m = 0; m < N_MODES; m++)
		if (use[m] && one(&b, m) < 0)
			return 1;
	for (bool left = true; left;) {
		left = false;
		for (int m = 0; m < N_MODES; m++) {
			for (int k = 0; use[m] && k < block && done[m] < n; k++) {
				double t = one(&b, m);

				if (t < 0)
					return 1;
				times[m][done[m]++] = t;
			}
			left |= use[m] && done[m] < n;
		}
	}
	engine_pool_free(b.pool);
	engine_spec_free(b.spec);
	engine_context_free(b.ctx);
	for (int m = 0; m < N_MODES; m++) {
		if (use[m])
			report(times[m], n);
		free(times[m]);
	}
	return 0;
}
