/*
 * bench/network/netbench: what networking adds to a container's start.
 *   netbench ROOT N
 * prints, for N runs each (alternating), the median and p95 (ms) of engine_run of
 * /bin/true with --network none and --network bridge (start to exit,
 * the whole call), then the time from engine_container_start of a busybox
 * httpd with -p 127.0.0.1::80 until a TCP connect to the published port
 * succeeds (the container is removed between runs).
 */
#include <arpa/inet.h>
#include <engine.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%-44s %8.2f %8.2f\n", what, t[n / 2], t[(n * 95) / 100 < n ? (n * 95) / 100 : n - 1]);
}

static int die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, engine_error_last()->message);
	return 1;
}

static int run_true(engine_context *ctx, const char *net, double *ms)
{
	char *argv[] = {"/bin/true"};
	engine_strarray a = {argv, 1};
	engine_spec *s = NULL;
	engine_run_result *res = NULL;
	double t0;
	int r;

	if (engine_spec_new(&s) < 0 || engine_spec_set_image(s, "busybox") < 0 ||
	    engine_spec_set_argv(s, &a) < 0 || engine_spec_set_network(s, net) < 0)
		return -1;
	t0 = now();
	r = engine_run(ctx, s, &res);
	*ms = now() - t0;
	if (r == 0 && res->exit_code != 0)
		r = -1;
	engine_run_result_free(res);
	engine_spec_free(s);
	return r;
}

static int port_ready(engine_context *ctx, double *ms)
{
	char *argv[] = {"httpd", "-f", "-p", "80"};
	engine_strarray a = {argv, 4}, where = {NULL, 0};
	engine_spec *s = NULL;
	engine_container *c = NULL;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	double t0;
	int r = -1;

	if (engine_spec_new(&s) < 0 || engine_spec_set_image(s, "busybox") < 0 ||
	    engine_spec_set_argv(s, &a) < 0 || engine_spec_set_network(s, "bridge") < 0 ||
	    engine_spec_add_port(s, "127.0.0.1::80") < 0 || engine_container_create(ctx, s, &c) < 0)
		goto out;
	t0 = now();
	if (engine_container_start(c) < 0 || engine_container_port(c, "80", &where) < 0)
		goto out;
	sa.sin_addr.s_addr = htonl(0x7f000001);
	sa.sin_port = htons((uint16_t)atoi(strrchr(where.strings[0], ':') + 1));
	for (int tries = 0; tries < 20000; tries++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		/* The forwarder accepts at once; a byte back means httpd answered. */
		char req[] = "HEAD / HTTP/1.0\r\n\r\n", b;
		int ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
			 write(fd, req, sizeof(req) - 1) > 0 && read(fd, &b, 1) == 1;

		close(fd);
		if (ok) {
			*ms = now() - t0;
			r = 0;
			break;
		}
		usleep(200);
	}
out:
	engine_strarray_dispose(&where);
	if (c)
		engine_container_remove(c, 1);
	engine_container_free(c);
	engine_spec_free(s);
	return r;
}

int main(int argc, char **argv)
{
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;
	int n = argc > 2 ? atoi(argv[2]) : 50;
	double *t = calloc((size_t)n, sizeof(double)), *t2 = calloc((size_t)n, sizeof(double)), warm;
	double *d = calloc((size_t)n, sizeof(double));

	if (argc < 2 || n < 1 || !t || !t2 || !d)
		return fprintf(stderr, "usage: netbench ROOT [N]\n"), 2;
	o.root = argv[1];
	if (engine_context_new(&ctx, &o) < 0 || engine_image_create_default(ctx, NULL, NULL) < 0)
		return die("setup");
	/* Warm up both paths once (the bridge and nftables table are made here). */
	if (run_true(ctx, "none", &warm) < 0 || run_true(ctx, "bridge", &warm) < 0)
		return die("warm-up");
	printf("%-44s %8s %8s\n", "", "median", "p95");
	/* Alternating, so both see the same load on a shared machine. */
	for (int i = 0; i < n; i++)
		if (run_true(ctx, "none", &t[i]) < 0 || run_true(ctx, "bridge", &t2[i]) < 0)
			return die("run");
	/* Each pair ran back to back: their difference cancels most of the
	 * machine's load swings, which the medians alone do not. */
	for (int i = 0; i < n; i++)
		d[i] = t2[i] - t[i];
	report("engine_run /bin/true, --network none (ms)", t, n);
	report("engine_run /bin/true, --network bridge (ms)", t2, n);
	report("bridge - none, paired (ms)", d, n);
	for (int i = 0; i < n; i++)
		if (port_ready(ctx, &t[i]) < 0)
			return die("published port");
	report("start to published port answering (ms)", t, n);
	free(t);
	free(t2);
	free(d);
	engine_context_free(ctx);
	return 0;
}
