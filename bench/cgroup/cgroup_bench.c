/*
 * cgroup latency: create (with memory + pids limits) + attach one process +
 * destroy, as a container start and removal do it, timed per phase. Also the
 * kernel's floor: bare mkdir + rmdir in the same hierarchies, no limits.
 *
 *   cgroup_bench [ITERATIONS]          (root; uses parent engine-bench-<pid>)
 *
 * Prints median and p95 in microseconds. The machine is shared: expect noise,
 * compare runs made back to back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <engine.h>

#include "cgroup/cgroup.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("%-28s median %8.1f us   p95 %8.1f us\n", what, v[n / 2], v[(n * 95) / 100]);
}

/* A child that waits to be released, then exits: the container's process. */
static pid_t spawn(int *release)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char b;

		close(p[1]);
		_exit(read(p[0], &b, 1) < 0);
	}
	close(p[0]);
	*release = p[1];
	return pid;
}

static int bench_engine(engine_context *ctx, int n)
{
	engine__cgroup_limits l = {.memory = 64 << 20, .pids = 64};
	double *c = calloc((size_t)n, sizeof(double)), *a = calloc((size_t)n, sizeof(double));
	double *d = calloc((size_t)n, sizeof(double)), *t = calloc((size_t)n, sizeof(double));

	for (int i = 0; i < n; i++) {
		engine__cgroup *cg;
		char id[32];
		int release = -1;
		pid_t pid = spawn(&release);
		double t0, t1, t2, t3;

		snprintf(id, sizeof(id), "b%d", i);
		t0 = now_us();
		if (engine__cgroup_create(ctx, id, &l, &cg) < 0) {
			fprintf(stderr, "create: %s\n", engine_error_last()->message);
			return 1;
		}
		t1 = now_us();
		if (engine__cgroup_attach(cg, pid) < 0) {
			fprintf(stderr, "attach: %s\n", engine_error_last()->message);
			return 1;
		}
		t2 = now_us();
		close(release);
		waitpid(pid, NULL, 0);
		t3 = now_us();
		if (engine__cgroup_destroy(cg) < 0) {
			fprintf(stderr, "destroy: %s\n", engine_error_last()->message);
			return 1;
		}
		d[i] = now_us() - t3;
		c[i] = t1 - t0;
		a[i] = t2 - t1;
		t[i] = c[i] + a[i] + d[i];
	}
	report("create (memory+pids limits)", c, n);
	report("attach", a, n);
	report("destroy (after exit)", d, n);
	report("create+attach+destroy", t, n);
	free(c);
	free(a);
	free(d);
	free(t);
	return 0;
}

/* A new context pays detection, hierarchy dirfds and the parent's setup
 * once: what a short-lived `engine run` process pays on top. */
static int bench_cold(const engine_context_options *o, int n)
{
	engine__cgroup_limits l = {.memory = 64 << 20, .pids = 64};
	double *t = calloc((size_t)n, sizeof(double));

	for (int i = 0; i < n; i++) {
		engine_context *ctx = NULL;
		engine__cgroup *cg;
		double t0 = now_us();

		if (engine_context_new(&ctx, o) < 0 || engine__cgroup_create(ctx, "cold", &l, &cg) < 0) {
			fprintf(stderr, "cold create: %s\n", engine_error_last()->message);
			return 1;
		}
		t[i] = now_us() - t0;
		engine__cgroup_destroy(cg);
		engine_context_free(ctx);
	}
	report("cold: new context + create", t, n);
	free(t);
	return 0;
}

/* Bare mkdir+rmdir of one cgroup in each v1 hierarchy (or the v2 root). */
static void bench_floor(const char *parent, int n)
{
	static const char *const v1[] = {"memory", "cpuacct", "pids", "freezer", "devices", NULL};
	double *t = calloc((size_t)n, sizeof(double));
	char path[512];
	int dirs = 0;

	for (int i = 0; i < n; i++) {
		double t0 = now_us();

		dirs = 0;
		for (int k = 0; v1[k]; k++) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s/f", v1[k], parent);
			if (mkdir(path, 0755) == 0)
				dirs++;
		}
		for (int k = 0; v1[k]; k++) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s/f", v1[k], parent);
			rmdir(path);
		}
		t[i] = now_us() - t0;
	}
	if (dirs)
		report("floor: bare mkdir+rmdir", t, n);
	free(t);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;
	engine__cgroup_mode mode;
	char root[] = "/tmp/engine-cgbench-XXXXXX", conf[256], parent[64];
	FILE *f;
	int r;

	if (n < 1 || geteuid() != 0) {
		fprintf(stderr, "usage (as root): %s [ITERATIONS]\n", argv[0]);
		return 2;
	}
	if (!mkdtemp(root))
		return 1;
	snprintf(parent, sizeof(parent), "engine-bench-%d", (int)getpid());
	snprintf(conf, sizeof(conf), "%s/config.json", root);
	f = fopen(conf, "w");
	if (!f)
		return 1;
	fprintf(f, "{\"cgroup-parent\": \"%s\"}\n", parent);
	fclose(f);
	o.root = root;
	o.config_path = conf;
	if (engine_context_new(&ctx, &o) < 0 || engine__cgroup_mode_get(ctx, &mode) < 0) {
		fprintf(stderr, "%s\n", engine_error_last()->message);
		return 1;
	}
	printf("cgroup mode %s, %d iterations\n", engine__cgroup_mode_name(mode), n);
	r = bench_engine(ctx, n);
	if (r == 0)
		r = bench_cold(&o, n < 50 ? n : 50);
	if (r == 0 && mode != ENGINE__CGROUP_UNIFIED)
		bench_floor(parent, n);
	engine__cgroup_parent_remove(ctx);
	engine_context_free(ctx);
	unlink(conf);
	rmdir(root);
	return r;
}
