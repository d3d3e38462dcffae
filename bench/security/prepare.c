/*
 * What the security setup costs a container start: preparing capabilities,
 * Docker's default seccomp profile compiled by libseccomp (no cache at
 * all), read back from the root's disk cache (a fresh context: what a new
 * process pays), found in the context's memory cache, and loaded in a
 * forked child. Prints median and p95 per step.
 *
 *   bench/security/prepare [ITERATIONS]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <engine.h>

#include "runtime/security.h"
#include "util/fs.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, int n)
{
	qsort(t, (size_t)n, sizeof(double), cmp_double);
	printf("%-34s median %9.1f us   p95 %9.1f us\n", what, t[n / 2], t[(n * 95) / 100]);
}

static engine_context *new_context(const char *root)
{
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;

	o.root = root;
	if (engine_context_new(&ctx, &o) < 0) {
		fprintf(stderr, "context: %s\n", engine_error_last()->message);
		exit(1);
	}
	return ctx;
}

static void check(int r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", what, engine_error_last()->message);
		exit(1);
	}
}

/* Time engine__seccomp_apply in a child (the kernel copies and checks the
 * program); the child sends its figure back over a pipe. */
static double time_apply(const engine__seccomp *s)
{
	int p[2];
	double t = -1;
	pid_t pid;

	if (pipe(p) < 0)
		exit(1);
	pid = fork();
	if (pid == 0) {
		double t0 = now_us(), dt;

		if (engine__no_new_privs_apply() < 0 || engine__seccomp_apply(s) < 0)
			_exit(1);
		dt = now_us() - t0;
		if (write(p[1], &dt, sizeof(dt)) != sizeof(dt))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &t, sizeof(t)) != sizeof(t))
		t = -1;
	close(p[0]);
	waitpid(pid, NULL, 0);
	return t;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	char root_tmpl[] = "/tmp/engine-bench-security-XXXXXX";
	char *root = mkdtemp(root_tmpl);
	double *caps_t, *uncached, *disk, *cached, *apply;
	char *cache_dir;
	const engine__seccomp *s = NULL;
	engine_context *ctx;
	engine__caps caps;

	if (n < 10 || !root)
		return 2;
	caps_t = calloc((size_t)n, sizeof(double));
	uncached = calloc((size_t)n, sizeof(double));
	disk = calloc((size_t)n, sizeof(double));
	cached = calloc((size_t)n, sizeof(double));
	apply = calloc((size_t)n, sizeof(double));
	cache_dir = engine__path_join(root, "cache");
	if (!caps_t || !uncached || !disk || !cached || !apply || !cache_dir)
		return 2;

	for (int i = 0; i < n; i++) {
		double t0 = now_us();

		check(engine__caps_prepare(NULL, NULL, &caps), "caps");
		caps_t[i] = now_us() - t0;
	}
	for (int i = 0; i < n; i++) {
		double t0;

		engine__rm_rf(cache_dir);
		ctx = new_context(root);
		t0 = now_us();
		check(engine__seccomp_prepare(ctx, NULL, &caps, &s), "seccomp (uncached)");
		uncached[i] = now_us() - t0;
		engine_context_free(ctx);
	}
	for (int i = 0; i < n; i++) {
		double t0;

		ctx = new_context(root);
		t0 = now_us();
		check(engine__seccomp_prepare(ctx, NULL, &caps, &s), "seccomp (disk cache)");
		disk[i] = now_us() - t0;
		engine_context_free(ctx);
	}
	ctx = new_context(root);
	check(engine__seccomp_prepare(ctx, NULL, &caps, &s), "seccomp");
	printf("default profile: %u BPF instructions\n", engine__seccomp_prog(s)->len);
	for (int i = 0; i < n; i++) {
		double t0 = now_us();

		check(engine__seccomp_prepare(ctx, NULL, &caps, &s), "seccomp (cached)");
		cached[i] = now_us() - t0;
	}
	for (int i = 0; i < n; i++)
		apply[i] = time_apply(s);

	report("caps_prepare", caps_t, n);
	report("seccomp_prepare, compiled", uncached, n);
	report("seccomp_prepare, disk cache", disk, n);
	report("seccomp_prepare, cached", cached, n);
	report("seccomp_apply in the child", apply, n);
	printf("compiled / disk cache: %.0fx; compiled / memory cache: %.0fx\n",
	       uncached[n / 2] / disk[n / 2], uncached[n / 2] / (cached[n / 2] > 0 ? cached[n / 2] : 1e-3));

	engine_context_free(ctx);
	engine__rm_rf(root);
	free(caps_t);
	free(uncached);
	free(disk);
	free(cache_dir);
	free(cached);
	free(apply);
	return 0;
}
