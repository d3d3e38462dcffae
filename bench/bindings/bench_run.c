/*
 * The C baseline of bench/bindings: N ephemeral runs of `true` in busybox,
 * each building its spec like a binding call does; prints the median and
 * the minimum per run in microseconds.   bench_run ROOT N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <engine.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int one_run(engine_context *ctx)
{
	char *argv[] = {"true"};
	engine_strarray cmd = {argv, 1};
	engine_spec *spec = NULL;
	engine_run_result *res = NULL;
	int r;

	if ((r = engine_spec_new(&spec)) < 0 || (r = engine_spec_set_image(spec, "busybox")) < 0 ||
	    (r = engine_spec_set_argv(spec, &cmd)) < 0 || (r = engine_run(ctx, spec, &res)) < 0)
		fprintf(stderr, "bench_run: %s\n", engine_error_last()->message);
	else if (res->exit_code != 0)
		r = -1;
	engine_run_result_free(res);
	engine_spec_free(spec);
	return r;
}

int main(int argc, char **argv)
{
	engine_context_options opts = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;
	double *t;
	int n;

	if (argc != 3 || (n = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: bench_run ROOT N\n");
		return 2;
	}
	/* BENCH_BALLAST_MB: grow the process like an interpreter's heap, to
	 * tell the cost of a bigger embedding process from a binding's. */
	if (getenv("BENCH_BALLAST_MB")) {
		size_t mb = strtoul(getenv("BENCH_BALLAST_MB"), NULL, 10);
		char *ballast = malloc(mb << 20);

		if (ballast)
			memset(ballast, 1, mb << 20);
	}
	opts.root = argv[1];
	t = calloc((size_t)n, sizeof(*t));
	if (!t || engine_context_new(&ctx, &opts) < 0)
		return 1;
	if (one_run(ctx) < 0) /* warm-up: caches, page cache */
		return 1;
	for (int i = 0; i < n; i++) {
		double t0 = now_us();

		if (one_run(ctx) < 0)
			return 1;
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%.1f %.1f\n", t[n / 2], t[0]);
	engine_context_free(ctx);
	free(t);
	return 0;
}
