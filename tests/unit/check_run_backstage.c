/* engine_run's background thread (libengine/runtime/backstage.c): network
 * namespaces made ahead are each given to one run, with lo up, and never
 * twice; a rootfs tree made ahead mounts alike and is used once; finished
 * mount namespaces are closed there; a freed context leaves no thread and
 * no namespace fd; a forked child of the owner runs without the thread. */
#define TR_FIXTURE "runtime-backstage"
#include "check_runtime.h"

#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <sys/wait.h>

#define NS_MAX 64

/* The inodes of the namespaces of @type ("net", "mnt") this process holds fds of. */
static size_t held_ns(const char *type, unsigned long *out, size_t max)
{
	char prefix[16], path[300], link[64];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	ck_assert(d != NULL);
	snprintf(prefix, sizeof(prefix), "%s:[", type);
	while ((e = readdir(d))) {
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (strncmp(link, prefix, strlen(prefix)) == 0 && n < max)
			out[n++] = strtoul(link + strlen(prefix), NULL, 10);
	}
	closedir(d);
	return n;
}

static int threads_now(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	ck_assert(d != NULL);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A run's look at its network namespace: "used" when an earlier run's
 * mark is there (namespace inodes are reused once one is freed, so only a
 * mark left inside tells a namespace given twice), then its own mark. */
#define NS_SCRIPT                                                                                            \
	"ip -o addr show lo | grep -q 10.77.0.1 && echo used; ip addr add 10.77.0.1/32 dev lo || echo "      \
	"nomark; "                                                                                           \
	"readlink /proc/self/ns/net | tr -dc 0-9; echo; "

static engine_spec *ns_spec(const char *more)
{
	char script[1024];
	engine_spec *s;

	snprintf(script, sizeof(script), "%s%s", NS_SCRIPT, more);
	s = tr_spec(rootfs, SH(script));
	ck_assert_engine_ok(engine_spec_add_cap(s, "NET_ADMIN"));
	return s;
}

/* One run: returns its netns inode; asserts a fresh namespace, lo up, and
 * no fd but stdio in the container. */
static unsigned long run_netns(engine_context *c)
{
	engine_spec *s = ns_spec("ip -o link show lo | grep -q '<LOOPBACK,UP' && echo up; "
				 "ls /proc/self/fd | tr '\\n' ' '");
	engine_run_result *res = tr_run_ok(c, s);
	unsigned long ino;
	char *line2;

	ck_assert_msg(res->exit_code == 0, "exit %d: %s", res->exit_code, res->stderr_data);
	ino = strtoul(res->stdout_data, &line2, 10);
	ck_assert_msg(ino != 0 && strncmp(line2, "\nup\n", 4) == 0, "output: %s", res->stdout_data);
	/* ls's own directory fd is 3 */
	ck_assert_msg(strcmp(line2 + 4, "0 1 2 3 ") == 0, "fds in the container: %s", line2 + 4);
	engine_run_result_free(res);
	engine_spec_free(s);
	return ino;
}

static bool contains(const unsigned long *v, size_t n, unsigned long x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

START_TEST(test_backstage__netns_given_once)
{
	unsigned long seen[8], host, stock[NS_MAX];
	struct stat st;
	size_t n_stock = 0;

	ck_assert_int_eq(stat("/proc/self/ns/net", &st), 0);
	host = st.st_ino;
	/* A context's first run makes its own; the second asks for a stock. */
	seen[0] = run_netns(ctx);
	seen[1] = run_netns(ctx);
	for (int i = 2; i < 8; i++) {
		/* Wait (bounded) until the thread has one ready: then this run
		 * must get one of those, and the stock must no longer hold it. */
		for (int t = 0; t < 500 && (n_stock = held_ns("net", stock, NS_MAX)) == 0; t++)
			usleep(10000);
		ck_assert_msg(n_stock > 0, "no network namespace was made ahead");
		seen[i] = run_netns(ctx);
		ck_assert_msg(contains(stock, n_stock, seen[i]), "run %d got netns %lu, not one made ahead",
			      i, seen[i]);
		{
			unsigned long after[NS_MAX];
			size_t n_after = held_ns("net", after, NS_MAX);

			ck_assert_msg(!contains(after, n_after, seen[i]), "netns %lu is still in the stock",
				      seen[i]);
		}
	}
	for (int i = 0; i < 8; i++)
		ck_assert(seen[i] != host);
}
END_TEST

#define PAR_THREADS 4
#define PAR_RUNS 4

static unsigned long par_seen[PAR_THREADS * PAR_RUNS];

static void *par_worker(void *arg)
{
	int k = (int)(intptr_t)arg;
	engine_spec *s = ns_spec("");

	for (int i = 0; i < PAR_RUNS; i++) {
		engine_run_result *res = NULL;

		/* 0: failed or reused */
		if (engine_run(ctx, s, &res) == 0 && res->exit_code == 0 && isdigit(res->stdout_data[0]))
			par_seen[k * PAR_RUNS + i] = strtoul(res->stdout_data, NULL, 10);
		engine_run_result_free(res);
	}
	engine_spec_free(s);
	return NULL;
}

START_TEST(test_backstage__parallel_runs_distinct)
{
	pthread_t th[PAR_THREADS];
	const int n = PAR_THREADS * PAR_RUNS;

	for (int k = 0; k < PAR_THREADS; k++)
		ck_assert_int_eq(pthread_create(&th[k], NULL, par_worker, (void *)(intptr_t)k), 0);
	for (int k = 0; k < PAR_THREADS; k++)
		ck_assert_int_eq(pthread_join(th[k], NULL), 0);
	for (int i = 0; i < n; i++)
		ck_assert_msg(par_seen[i] != 0, "run %d failed or found another run's mark", i);
}
END_TEST

START_TEST(test_backstage__free_leaves_nothing)
{
	unsigned long ns[NS_MAX];
	int threads = threads_now();
	char parent[256];
	engine_context *c = tr_context(root, parent);

	ck_assert_uint_eq(held_ns("net", ns, NS_MAX), 0);
	ck_assert_uint_eq(held_ns("mnt", ns, NS_MAX), 0);
	for (int i = 0; i < 5; i++)
		run_netns(c);
	ck_assert_int_gt(threads_now(), threads);
	tr_context_free(c);
	/* The threads joined (a joined thread's task leaves /proc a moment
	 * after pthread_join returns), the stock and held trees closed. */
	for (int t = 0; t < 100 && threads_now() != threads; t++)
		usleep(10000);
	ck_assert_int_eq(threads_now(), threads);
	ck_assert_uint_eq(held_ns("net", ns, NS_MAX), 0);
	ck_assert_uint_eq(held_ns("mnt", ns, NS_MAX), 0);
}
END_TEST

START_TEST(test_backstage__forked_child_runs_alone)
{
	pid_t pid;
	int status;

	run_netns(ctx);
	run_netns(ctx);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Check's asserts in a forked child: report by exit status. */
		engine_spec *s = tr_spec(rootfs, SH("ip -o link show lo | grep -q '<LOOPBACK,UP'"));
		engine_run_result *res = NULL;
		int ok = 1;

		for (int i = 0; i < 3 && ok; i++) {
			ok = engine_run(ctx, s, &res) == 0 && res->exit_code == 0 && threads_now() == 1;
			engine_run_result_free(res);
			res = NULL;
		}
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	run_netns(ctx);
}
END_TEST

/* A run's mount namespace inode, then its mount table without what differs
 * per mount (ids, device numbers). */
static char *mount_table(engine_context *c, unsigned long *ns)
{
	engine_spec *s = tr_spec(
	    rootfs, SH("readlink /proc/self/ns/mnt | tr -dc 0-9; echo; cut -d' ' -f4- /proc/self/mountinfo"));
	char *out = tr_sh(c, s), *nl = strchr(out, '\n');

	engine_spec_free(s);
	ck_assert(nl != NULL);
	*ns = strtoul(out, NULL, 10);
	memmove(out, nl + 1, strlen(nl + 1) + 1);
	return out;
}

START_TEST(test_backstage__rootfs_made_ahead_alike)
{
	unsigned long ns, held[NS_MAX];
	char *own, *ahead = NULL;
	bool found = false;

	/* The first run builds its own tree; later ones find one made ahead:
	 * a namespace this process held before the run started. */
	own = mount_table(ctx, &ns);
	ck_assert_msg(strncmp(own, "/ / ", 4) == 0 && !strstr(own, root), "mounts: %s", own);
	for (int i = 0; i < 50 && !found; i++) {
		size_t n = held_ns("mnt", held, NS_MAX);

		free(ahead);
		ahead = mount_table(ctx, &ns);
		found = contains(held, n, ns);
		if (!found)
			usleep(20000);
	}
	ck_assert_msg(found, "no run got a rootfs made ahead");
	ck_assert_str_eq(ahead, own);
	free(own);
	free(ahead);
	/* what a run writes stays in its own tree */
	{
		engine_spec *s = tr_spec(rootfs, SH("test ! -e /mark && touch /mark"));

		for (int i = 0; i < 4; i++)
			free(tr_sh(ctx, s));
		engine_spec_free(s);
	}
}
END_TEST

static Suite *backstage_suite(void)
{
	Suite *s = suite_create("runtime-backstage");
	TCase *tc = tcase_create("backstage");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_backstage__netns_given_once);
	tcase_add_test(tc, test_backstage__parallel_runs_distinct);
	tcase_add_test(tc, test_backstage__free_leaves_nothing);
	tcase_add_test(tc, test_backstage__forked_child_runs_alone);
	tcase_add_test(tc, test_backstage__rootfs_made_ahead_alike);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(backstage_suite(), 1);
}
