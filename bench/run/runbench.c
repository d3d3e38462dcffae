/*
 * Start-latency driver for bench/run/run.sh.
 *
 *   runbench --root DIR [--config FILE] [--image REF | --rootfs DIR] [-n N] [--workers W]
 *            [--no-limits]
 *       N ephemeral containers by engine_run (fresh overlay rootfs, all
 *       namespaces, 64m memory + 64 pids limits, default seccomp) running
 *       /bin/true; with W > 1, W threads share the context (throughput);
 *       --no-limits drops the two limits (the container still gets its own
 *       cgroup and the device policy); --config is the context's JSON config
 *       (a cgroup parent of the benchmark's own).
 *   runbench --cmd [-n N] [--workers W] [--quiet] -- PROG ARG...
 *       the same loop over an external command ("{}" in an argument becomes
 *       the iteration number, unique across workers, for peers that need
 *       unique container IDs); with W > 1, W threads run it side by side;
 *       --quiet sends its stdout to /dev/null.
 *
 * Prints "median_ms p95_ms runs_per_s" on one line.
 */
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

struct worker {
	engine_context *ctx;
	const char *image, *rootfs;
	int n;
	double *times;
	int failed;
};

static int no_limits;

static void *work(void *arg)
{
	struct worker *w = arg;
	engine_spec *s = NULL;
	char *cmd[] = {"/bin/true", NULL};
	engine_strarray argv = {cmd, 1};

	if (engine_spec_new(&s) < 0 ||
	    (w->image ? engine_spec_set_image(s, w->image) : engine_spec_set_rootfs(s, w->rootfs)) < 0 ||
	    engine_spec_set_argv(s, &argv) < 0 ||
	    (!no_limits &&
	     (engine_spec_set_memory_str(s, "64m") < 0 || engine_spec_set_pids_limit(s, 64) < 0)) ||
	    engine_spec_set_seccomp_profile(s, "default") < 0) {
		fprintf(stderr, "spec: %s\n", engine_error_last()->message);
		w->failed = 1;
		engine_spec_free(s);
		return NULL;
	}
	for (int i = 0; i < w->n; i++) {
		engine_run_result *res = NULL;
		double t0 = now();

		if (engine_run(w->ctx, s, &res) < 0 || res->exit_code != 0) {
			fprintf(stderr, "run: %s\n", engine_error_last()->message);
			w->failed = 1;
			engine_run_result_free(res);
			break;
		}
		w->times[i] = (now() - t0) * 1000;
		engine_run_result_free(res);
	}
	engine_spec_free(s);
	return NULL;
}

static int quiet;

static int run_cmd(char **argv, int i)
{
	posix_spawn_file_actions_t fa;
	char *args[64], bufs[64][256];
	pid_t pid;
	int st, k;

	for (k = 0; argv[k] && k < 63; k++) {
		char *brace = strstr(argv[k], "{}");

		if (!brace) {
			args[k] = argv[k];
			continue;
		}
		snprintf(bufs[k], sizeof(bufs[k]), "%.*s%d%s", (int)(brace - argv[k]), argv[k], i, brace + 2);
		args[k] = bufs[k];
	}
	args[k] = NULL;
	posix_spawn_file_actions_init(&fa);
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	k = posix_spawn(&pid, args[0], &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (k != 0)
		return -1;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

struct cmd_worker {
	char **argv;
	int n, first;
	double *times;
	int failed;
};

static void *cmd_work(void *arg)
{
	struct cmd_worker *w = arg;

	for (int k = 0; k < w->n; k++) {
		double s = now();

		if (run_cmd(w->argv, w->first + k) < 0) {
			fprintf(stderr, "%s failed at run %d\n", w->argv[0], w->first + k);
			w->failed = 1;
			return NULL;
		}
		w->times[k] = (now() - s) * 1000;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *root = NULL, *config = NULL, *image = NULL, *rootfs = NULL;
	int n = 100, workers = 1, cmd = 0, total;
	double *times, t0, elapsed;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
			root = argv[++i];
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config = argv[++i];
		else if (strcmp(argv[i], "--image") == 0 && i + 1 < argc)
			image = argv[++i];
		else if (strcmp(argv[i], "--rootfs") == 0 && i + 1 < argc)
			rootfs = argv[++i];
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
			workers = atoi(argv[++i]);
		else if (strcmp(argv[i], "--no-limits") == 0)
			no_limits = 1;
		else if (strcmp(argv[i], "--cmd") == 0)
			cmd = 1;
		else if (strcmp(argv[i], "--quiet") == 0)
			quiet = 1;
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			fprintf(stderr, "usage: see the comment in runbench.c\n");
			return 2;
		}
	}
	if (n < 1 || workers < 1 || (cmd && i >= argc) || (!cmd && !root))
		return 2;
	total = n * workers;
	times = calloc((size_t)total, sizeof(double));
	if (!times)
		return 1;
	t0 = now();
	if (cmd) {
		struct cmd_worker *w = calloc((size_t)workers, sizeof(*w));
		pthread_t *th = calloc((size_t)workers, sizeof(*th));

		if (!w || !th)
			return 1;
		for (int k = 0; k < workers; k++) {
			w[k] = (struct cmd_worker){argv + i, n, k * n, times + k * n, 0};
			pthread_create(&th[k], NULL, cmd_work, &w[k]);
		}
		for (int k = 0; k < workers; k++) {
			pthread_join(th[k], NULL);
			if (w[k].failed)
				return 1;
		}
		free(w);
		free(th);
	} else {
		engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
		engine_context *ctx = NULL;
		struct worker *w = calloc((size_t)workers, sizeof(*w));
		pthread_t *th = calloc((size_t)workers, sizeof(*th));

		o.root = root;
		o.config_path = config;
		if (!w || !th || engine_context_new(&ctx, &o) < 0) {
			fprintf(stderr, "context: %s\n", engine_error_last()->message);
			return 1;
		}
		/* One warm-up run: the seccomp cache and the image lookup. */
		{
			struct worker warm = {ctx, image, rootfs, 1, times, 0};

			work(&warm);
			if (warm.failed)
				return 1;
		}
		t0 = now();
		for (int k = 0; k < workers; k++) {
			w[k] = (struct worker){ctx, image, rootfs, n, times + k * n, 0};
			pthread_create(&th[k], NULL, work, &w[k]);
		}
		for (int k = 0; k < workers; k++) {
			pthread_join(th[k], NULL);
			if (w[k].failed)
				return 1;
		}
		free(w);
		free(th);
		engine_context_free(ctx);
	}
	elapsed = now() - t0;
	qsort(times, (size_t)total, sizeof(double), cmp_double);
	printf("%.3f %.3f %.1f\n", times[total / 2],
	       times[(int)(total * 0.95) < total ? (int)(total * 0.95) : total - 1], total / elapsed);
	free(times);
	return 0;
}
