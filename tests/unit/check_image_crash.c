/* Image store: crash safety and concurrency. A loading process is SIGKILLed
 * at random points, after which check must find the store clean; two
 * processes loading the same image into one root must both succeed. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include <engine/store.h>

#include "check_image_helpers.h"

#define NLAYERS 3

static char *tars[NLAYERS];
static char *tar_dir;

/* Layers with enough files that a load takes a while to kill into. */
static void make_tars(void)
{
	static char blob[8 * 1024];

	tar_dir = th_mkdtemp("crash-tars");
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (char)('a' + (i * 7 + i / 13) % 26);
	blob[sizeof(blob) - 1] = '\0';
	for (int l = 0; l < NLAYERS; l++) {
		struct th_entry es[402];
		char names[400][32];
		size_t n = 0;

		es[n++] = (struct th_entry){.path = "d/", .type = AE_IFDIR};
		for (int i = 0; i < 400; i++) {
			snprintf(names[i], sizeof(names[i]), "d/l%d-f%d", l, i);
			es[n++] = (struct th_entry){.path = names[i], .data = blob + (i * 97 % 4096)};
		}
		es[n++] = (struct th_entry){.path = l ? "d/.wh.l0-f1" : "base", .data = ""};
		tars[l] = engine__strdup_printf("%s/layer%d.tar.gz", tar_dir, l);
		th_write_tar(tars[l], "gzip", es, n);
	}
}

static void free_tars(void)
{
	for (int l = 0; l < NLAYERS; l++)
		free(tars[l]);
	th_cleanup_dir(tar_dir);
}

/* What a load does, through the store's internal API: blobs, layers, config,
 * register, tag — under the shared lock so GC cannot interleave. */
static int load_image(const char *root)
{
	engine_context *ctx = NULL;
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	char blob[ENGINE__DIGEST_LEN + 1], chain[ENGINE__DIGEST_LEN + 1] = "", cfg[ENGINE__DIGEST_LEN + 1];
	json_object *config = json_object_new_object(), *rootfs = json_object_new_object();
	json_object *diffs = json_object_new_array();
	int lock, r = 0;

	o.root = root;
	if (engine_context_new(&ctx, &o) < 0)
		return -1;
	lock = engine__store_lock(ctx, false);
	for (int l = 0; r == 0 && l < NLAYERS; l++) {
		cleanup_close int fd = open(tars[l], O_RDONLY | O_CLOEXEC);
		cleanup_json json_object *rec = NULL;
		char next[ENGINE__DIGEST_LEN + 1];

		r = engine__blob_put_fd(ctx, fd, NULL, blob);
		if (r == 0)
			r = engine__layer_unpack_blob(ctx, blob, NULL, l ? chain : NULL, next);
		if (r == 0)
			r = engine__layer_record(ctx, next, &rec);
		if (r == 0)
			json_object_array_add(
			    diffs, json_object_new_string(engine__json_get_string(rec, "diff_id")));
		memcpy(chain, next, sizeof(next));
	}
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", diffs);
	json_object_object_add(config, "rootfs", rootfs);
	const char *s = json_object_to_json_string(config);
	if (r == 0)
		r = engine__blob_put_buf(ctx, s, strlen(s), NULL, cfg);
	if (r == 0)
		r = engine__image_register(ctx, cfg, NULL);
	if (r == 0)
		r = engine__image_tag(ctx, cfg, "crash:latest");
	if (r < 0)
		fprintf(stderr, "load: %s\n", engine_error_last()->message);
	json_object_put(config);
	engine__store_unlock(lock);
	engine_context_free(ctx);
	return r;
}

static pid_t spawn_load(const char *root, int start_fd)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char c;
		if (start_fd >= 0 && read(start_fd, &c, 1) != 1)
			_exit(3);
		_exit(load_image(root) == 0 ? 0 : 1);
	}
	return pid;
}

static int wait_status(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return st;
}

static void assert_clean(engine_context *ctx, const char *when)
{
	engine_strarray problems = {NULL, 0};

	ck_assert_engine_ok(engine_store_check(ctx, &problems));
	ck_assert_msg(problems.count == 0, "%s: %zu problems, first: %s", when, problems.count,
		      problems.count ? problems.strings[0] : "");
	engine_strarray_dispose(&problems);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_image_crash__killed_load_leaves_clean_store)
{
	char *root = th_mkdtemp("crash");
	cleanup_free char *tmpdir = engine__path_join(root, "tmp");
	engine_context *ctx = th_context(root);
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	char id[ENGINE__DIGEST_LEN + 1];
	double t0, full;

	make_tars();
	/* How long a whole load takes here picks the range of kill points. */
	t0 = now();
	ck_assert_int_eq(wait_status(spawn_load(root, -1)), 0);
	full = now() - t0;
	ck_assert_engine_ok(engine_store_prune_images(ctx, 1, NULL, NULL));
	ck_assert_engine_ok(engine_store_prune(ctx, 1, NULL));
	{
		cleanup_free char *layers = engine__path_join(root, "layers");
		cleanup_free char *blobs = engine__path_join(root, "blobs/sha256");
		ck_assert_int_eq(th_count_tree(layers), 0);
		ck_assert_int_eq(th_count_tree(blobs), 0);
	}

	fprintf(stderr, "crash test: seed %u, full load %.3f s\n", seed, full);
	srand(seed);
	for (int i = 0; i < 10; i++) {
		useconds_t delay = (useconds_t)((double)rand() / RAND_MAX * full * 1.1e6);
		pid_t pid = spawn_load(root, -1);
		int st;

		usleep(delay);
		kill(pid, SIGKILL);
		st = wait_status(pid);
		ck_assert_msg(WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) == 0), "load failed: %d",
			      st);
		assert_clean(ctx, "after kill");
		if (i % 2) {
			/* GC then finds nothing broken either, and empties tmp/. */
			ck_assert_engine_ok(engine_store_prune(ctx, 0, NULL));
			assert_clean(ctx, "after prune");
			ck_assert_int_eq(th_count_tree(tmpdir), 0);
		}
	}
	/* What was left behind never blocks the next load. */
	ck_assert_int_eq(wait_status(spawn_load(root, -1)), 0);
	assert_clean(ctx, "after a full load");
	ck_assert_engine_ok(engine__image_lookup(ctx, "crash", id));
	ck_assert_engine_ok(engine_store_prune(ctx, 0, NULL));
	assert_clean(ctx, "end");
	ck_assert_int_eq(th_count_tree(tmpdir), 0);
	free_tars();
	engine_context_free(ctx);
	th_cleanup_dir(root);
}
END_TEST

START_TEST(test_image_crash__concurrent_loads)
{
	make_tars();
	for (int round = 0; round < 3; round++) {
		char *root = th_mkdtemp("concurrent");
		cleanup_free char *layers = engine__path_join(root, "layers");
		engine_context *ctx = th_context(root);
		char id[ENGINE__DIGEST_LEN + 1];
		engine__image_rootfs *rf = NULL;
		int go[2];
		pid_t a, b;

		ck_assert_int_eq(pipe(go), 0);
		a = spawn_load(root, go[0]);
		b = spawn_load(root, go[0]);
		/* Release both at once. */
		ck_assert_int_eq(write(go[1], "ab", 2), 2);
		close(go[0]);
		close(go[1]);
		int sa = wait_status(a), sb = wait_status(b);
		ck_assert_msg(WIFEXITED(sa) && WEXITSTATUS(sa) == 0, "first loader failed (%d)", sa);
		ck_assert_msg(WIFEXITED(sb) && WEXITSTATUS(sb) == 0, "second loader failed (%d)", sb);
		assert_clean(ctx, "after concurrent loads");
		ck_assert_engine_ok(engine__image_rootfs_get(ctx, "crash:latest", &rf));
		ck_assert_int_eq(engine__strv_len(rf->layer_dirs), NLAYERS);
		ck_assert(S_ISCHR(th_lstat(rf->layer_dirs[1], "d/l0-f1").st_mode));
		engine__image_rootfs_free(rf);
		ck_assert_engine_ok(engine__image_lookup(ctx, "crash", id));
		/* Each layer unpacked once: the loser of a race dropped its copy. */
		ck_assert_engine_ok(engine_store_prune(ctx, 0, NULL));
		/* per layer: its dir, diff/, layer.json, d/, 400 files, one more */
		ck_assert_int_eq(th_count_tree(layers), NLAYERS * (3 + 1 + 400 + 1));
		engine_context_free(ctx);
		th_cleanup_dir(root);
	}
	free_tars();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("image_crash");
	TCase *tc = tcase_create("crash");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_image_crash__killed_load_leaves_clean_store);
	tcase_add_test(tc, test_image_crash__concurrent_loads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite(), 1);
}
