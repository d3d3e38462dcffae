/* Build: end-to-end builds running real commands in busybox (privileged). */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "check_helpers.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

struct fixture {
	char *root, *ctxdir;
	char cg_parent[256]; /* RUN steps' cgroups go under this parent of the test's own */
	engine_context *ctx;
	char log[65536]; /* one "kind step text" line per event */
	size_t len;
};

static const char *const kinds[] = {"step", "cached", "running", "output", "removed",
				    "done", "built",  "tagged",	 "warning"};

static void collect(const engine_build_event *ev, void *payload)
{
	struct fixture *f = payload;
	int n = snprintf(f->log + f->len, sizeof(f->log) - f->len, "%s %d %s\n", kinds[ev->kind], ev->step,
			 ev->text);

	if (n > 0 && (size_t)n < sizeof(f->log) - f->len)
		f->len += (size_t)n;
}

static void setup(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->root = th_mkdtemp("build-root");
	f->ctxdir = th_mkdtemp("build-ctx");
	f->ctx = th_context_cgroups(f->root, f->cg_parent);
	ck_assert_engine_ok(engine_image_create_default(f->ctx, NULL, NULL));
}

static void teardown(struct fixture *f)
{
	th_context_free_cgroups(f->ctx);
	th_cleanup_dir(f->root);
	th_cleanup_dir(f->ctxdir);
}

static void put(struct fixture *f, const char *name, const char *content)
{
	cleanup_free char *p = engine__path_join(f->ctxdir, name);
	cleanup_free char *dir = strdup(p);

	*strrchr(dir, '/') = '\0';
	ck_assert_engine_ok(engine__mkdir_p(dir, 0755));
	ck_assert_engine_ok(engine__write_file_atomic(p, content, strlen(content), 0644, false));
}

/* Build with the given Dockerfile; returns the result code, *id the image. */
static int build(struct fixture *f, const char *dockerfile, engine_build_options *o, char **id)
{
	engine_build_options def = ENGINE_BUILD_OPTIONS_INIT;

	put(f, "Dockerfile", dockerfile);
	f->len = 0;
	f->log[0] = '\0';
	return engine_build(f->ctx, f->ctxdir, o ? o : &def, collect, f, id);
}

static void build_ok(struct fixture *f, const char *dockerfile, engine_build_options *o, char **id)
{
	int r = build(f, dockerfile, o, id);

	ck_assert_msg(r == 0, "build failed: %s\nevents:\n%s", engine_error_last()->message, f->log);
}

#define ck_assert_log_has(f, s)                                                                              \
	ck_assert_msg(strstr((f)->log, (s)) != NULL, "no \"%s\" in:\n%s", (s), (f)->log)
#define ck_assert_log_lacks(f, s)                                                                            \
	ck_assert_msg(strstr((f)->log, (s)) == NULL, "\"%s\" in:\n%s", (s), (f)->log)

/* Read a file of an image (flattened into a temp dir). NULL when missing. */
static char *image_file(struct fixture *f, const char *ref, const char *path)
{
	char *dir = th_mkdtemp("build-unpack");
	cleanup_free char *p = engine__path_join(dir, path);
	char *data = NULL;

	engine__rm_rf(dir);
	ck_assert_engine_ok(engine_image_unpack(f->ctx, ref, dir));
	if (engine__read_file(p, &data, NULL) < 0)
		data = NULL;
	th_cleanup_dir(dir);
	return data;
}

START_TEST(test_build__cache_follows_the_chain)
{
	struct fixture f;
	cleanup_free char *id1 = NULL, *id2 = NULL, *id3 = NULL, *id4 = NULL, *df = NULL, *base = NULL;
	engine_image *img = NULL;

	setup(&f);
	build_ok(&f, "FROM busybox\nRUN echo \"a\"\nRUN echo \"b\"\n", NULL, &id1);
	ck_assert_log_has(&f, "step 1 FROM busybox\n");
	ck_assert_log_has(&f, "step 2 RUN echo \"a\"\nrunning 2 ");
	ck_assert_log_has(&f, "output 2 a\nremoved 2 ");
	ck_assert_log_has(&f, "output 3 b\n");
	ck_assert_log_lacks(&f, "cached");

	/* The same prefix is reused; the first different step and after run. */
	build_ok(&f, "FROM busybox\nRUN echo \"a\"\nRUN echo \"poulet\"\n", NULL, &id2);
	ck_assert_log_has(&f, "step 2 RUN echo \"a\"\ncached 2 \ndone 2 ");
	ck_assert_log_has(&f, "step 3 RUN echo \"poulet\"\nrunning 3 ");
	ck_assert_log_has(&f, "output 3 poulet\n");
	ck_assert_log_lacks(&f, "cached 3");
	ck_assert_str_ne(id1, id2);

	/* The parent is the image, not the FROM text: its ID hits too. */
	ck_assert_engine_ok(engine_image_open(f.ctx, "busybox", &img));
	base = strdup(engine_image_id(img));
	engine_image_free(img);
	df = engine__strdup_printf("FROM %s\nRUN echo \"a\"\nRUN echo \"b\"\n", base);
	build_ok(&f, df, NULL, &id3);
	ck_assert_log_has(&f, "cached 2");
	ck_assert_log_has(&f, "cached 3");
	ck_assert_str_eq(id3, id1);

	/* A different base rebuilds everything. */
	free(df);
	df = engine__strdup_printf("FROM %s\nRUN echo \"a\"\nRUN echo \"b\"\n", id2);
	build_ok(&f, df, NULL, &id4);
	ck_assert_log_lacks(&f, "cached");
	ck_assert_log_has(&f, "output 2 a\n");
	teardown(&f);
}
END_TEST

START_TEST(test_build__no_cache_and_cache_across_contexts)
{
	struct fixture f;
	engine_build_options o = ENGINE_BUILD_OPTIONS_INIT;
	cleanup_free char *id1 = NULL, *id2 = NULL, *id3 = NULL;
	engine_context *other;
	const char *df = "FROM busybox\nENV A=1\nRUN echo run\nCMD [\"sh\"]\n";

	setup(&f);
	build_ok(&f, df, NULL, &id1);
	o.no_cache = 1;
	build_ok(&f, df, &o, &id2);
	ck_assert_log_lacks(&f, "cached");
	ck_assert_log_has(&f, "output 3 run\n");
	ck_assert_str_ne(id1, id2);
	/* The cache lives in the store: another context (process) sees it. */
	other = th_context_cgroups(f.root, f.cg_parent);
	engine_context_free(f.ctx);
	f.ctx = other;
	build_ok(&f, df, NULL, &id3);
	ck_assert_log_has(&f, "cached 2");
	ck_assert_log_has(&f, "cached 3");
	ck_assert_log_has(&f, "cached 4");
	teardown(&f);
}
END_TEST

START_TEST(test_build__copy_cache_uses_content_not_mtime)
{
	struct fixture f;
	cleanup_free char *id1 = NULL, *id2 = NULL, *id3 = NULL, *id4 = NULL, *data = NULL, *p = NULL;
	const char *df = "FROM busybox\nCOPY f.txt /data/\nRUN cat /data/f.txt\n";
	struct timeval tv[2] = {{1000000, 0}, {1000000, 0}};

	setup(&f);
	put(&f, "f.txt", "one\n");
	build_ok(&f, df, NULL, &id1);
	ck_assert_log_has(&f, "output 3 one\n");
	/* Only the mtime changes: still a hit. */
	p = engine__path_join(f.ctxdir, "f.txt");
	ck_assert_int_eq(utimes(p, tv), 0);
	build_ok(&f, df, NULL, &id2);
	ck_assert_log_has(&f, "cached 2");
	ck_assert_log_has(&f, "cached 3");
	ck_assert_str_eq(id1, id2);
	/* The mode is part of the content. */
	ck_assert_int_eq(chmod(p, 0600), 0);
	build_ok(&f, df, NULL, &id3);
	ck_assert_log_lacks(&f, "cached");
	/* New content: a miss, and the new file is in the image. */
	put(&f, "f.txt", "two\n");
	build_ok(&f, df, NULL, &id4);
	ck_assert_log_lacks(&f, "cached");
	ck_assert_log_has(&f, "output 3 two\n");
	data = image_file(&f, id4, "/data/f.txt");
	ck_assert_str_eq(data, "two\n");
	teardown(&f);
}
END_TEST

START_TEST(test_build__multi_stage_target)
{
	struct fixture f;
	engine_build_options o = ENGINE_BUILD_OPTIONS_INIT;
	cleanup_free char *id = NULL, *data = NULL, *from_img = NULL;
	const char *df = "FROM busybox AS builder\n"
			 "RUN echo built > /artifact && chmod 0750 /artifact\n"
			 "FROM busybox AS final\n"
			 "COPY --from=builder /artifact /app/artifact\n"
			 "COPY --from=busybox /etc/passwd /app/passwd\n"
			 "FROM busybox\n"
			 "RUN false\n";

	setup(&f);
	o.target = "final";
	build_ok(&f, df, &o, &id);
	/* Steps of the stages up to the target only: 2 + 3. */
	ck_assert_log_has(&f, "step 5 COPY --from=busybox /etc/passwd /app/passwd\n");
	ck_assert_log_lacks(&f, "RUN false");
	data = image_file(&f, id, "/app/artifact");
	ck_assert_str_eq(data, "built\n");
	from_img = image_file(&f, id, "/app/passwd");
	ck_assert_ptr_nonnull(strstr(from_img, "root:"));
	/* Without a target the last stage runs, and fails. */
	ck_assert_int_eq(build(&f, df, NULL, NULL), ENGINE_ERROR);
	o.target = "nope";
	ck_assert_engine_error(build(&f, df, &o, NULL), ENGINE_EINVALID, "failed to reach build target nope");
	teardown(&f);
}
END_TEST

START_TEST(test_build__dockerignore)
{
	struct fixture f;
	cleanup_free char *id = NULL, *keep = NULL, *log = NULL, *sec = NULL, *inc = NULL;

	setup(&f);
	put(&f, ".dockerignore", "*.log\nsecret\n!secret/public.txt\n");
	put(&f, "keep.txt", "keep\n");
	put(&f, "debug.log", "noise\n");
	put(&f, "secret/key", "k\n");
	put(&f, "secret/public.txt", "pub\n");
	build_ok(&f, "FROM busybox\nCOPY . /app/\n", NULL, &id);
	keep = image_file(&f, id, "/app/keep.txt");
	log = image_file(&f, id, "/app/debug.log");
	sec = image_file(&f, id, "/app/secret/key");
	inc = image_file(&f, id, "/app/secret/public.txt");
	ck_assert_str_eq(keep, "keep\n");
	ck_assert_ptr_null(log);
	ck_assert_ptr_null(sec);
	ck_assert_str_eq(inc, "pub\n");
	/* Exclude everything but one directory: copying "." copies just that. */
	put(&f, ".dockerignore", "*\n!secret\n");
	free(id);
	build_ok(&f, "FROM busybox\nCOPY . /all/\n", NULL, &id);
	free(keep);
	free(inc);
	keep = image_file(&f, id, "/all/keep.txt");
	inc = image_file(&f, id, "/all/secret/key");
	ck_assert_ptr_null(keep);
	ck_assert_str_eq(inc, "k\n");
	ck_assert_engine_error(
	    build(&f, "FROM busybox\nCOPY debug.log /x\n", NULL, NULL), ENGINE_ENOTFOUND,
	    "Dockerfile:2: COPY failed: file not found in build context or excluded by .dockerignore");
	teardown(&f);
}
END_TEST

START_TEST(test_build__run_rm_makes_whiteouts)
{
	struct fixture f;
	cleanup_free char *id = NULL, *group = NULL, *gone = NULL, *kept = NULL, *out = NULL;
	engine_spec *spec = NULL;
	engine_run_result *res = NULL;
	engine_strarray argv;
	char *args[] = {"sh", "-c", "ls /d /o; test -e /etc/group || echo nogroup", NULL};

	setup(&f);
	build_ok(&f,
		 "FROM busybox\n"
		 "RUN mkdir /d && echo x > /d/gone && echo y > /d/kept\n"
		 "RUN rm /etc/group /d/gone\n"
		 /* A directory removed and made again hides everything below it. */
		 "RUN mkdir -p /o/sub && echo old > /o/sub/old\n"
		 "RUN rm -rf /o && mkdir /o && echo new > /o/new\n",
		 NULL, &id);
	group = image_file(&f, id, "/etc/group");
	gone = image_file(&f, id, "/d/gone");
	kept = image_file(&f, id, "/d/kept");
	ck_assert_ptr_null(group);
	ck_assert_ptr_null(gone);
	ck_assert_str_eq(kept, "y\n");
	free(gone);
	gone = image_file(&f, id, "/o/sub/old");
	ck_assert_ptr_null(gone);
	free(kept);
	kept = image_file(&f, id, "/o/new");
	ck_assert_str_eq(kept, "new\n");
	/* And a container of the image sees the same. */
	argv.strings = args;
	argv.count = 3;
	ck_assert_engine_ok(engine_spec_new(&spec));
	ck_assert_engine_ok(engine_spec_set_image(spec, id));
	ck_assert_engine_ok(engine_spec_set_argv(spec, &argv));
	ck_assert_engine_ok(engine_run(f.ctx, spec, &res));
	ck_assert_str_eq(res->stdout_data, "/d:\nkept\n\n/o:\nnew\nnogroup\n");
	engine_run_result_free(res);
	engine_spec_free(spec);
	teardown(&f);
}
END_TEST

START_TEST(test_build__image_runs_with_its_config)
{
	struct fixture f;
	engine_build_options o = ENGINE_BUILD_OPTIONS_INIT;
	cleanup_free char *id = NULL;
	engine_image *img = NULL;
	engine_spec *spec = NULL;
	engine_run_result *res = NULL;
	char *tags[] = {"app:1", NULL}, *args[] = {"GREETING=hello", NULL};
	const engine_strarray *env;
	bool found = false;

	setup(&f);
	put(&f, "run.sh", "#!/bin/sh\necho \"$GREETING from $(pwd) as $(id -u)\"\n");
	o.tags.strings = tags;
	o.tags.count = 1;
	o.build_args.strings = args;
	o.build_args.count = 1;
	build_ok(&f,
		 "FROM busybox\n"
		 "ARG GREETING=hi\n"
		 "ENV GREETING=$GREETING\n"
		 "WORKDIR /srv/app\n"
		 "COPY --chmod=0755 --chown=1000:1000 run.sh .\n"
		 "WORKDIR /srv/new\n"
		 "COPY run.sh .\n"
		 "WORKDIR /srv/app\n"
		 "USER 1000\n"
		 "CMD [\"./run.sh\"]\n",
		 &o, &id);
	ck_assert_log_has(&f, "tagged 0 app:1\n");
	{
		char *copied = image_file(&f, id, "/srv/new/run.sh");

		ck_assert_ptr_nonnull(copied);
		free(copied);
	}
	{
		char *json = NULL;

		/* Each step's image names its parent, as Docker's do. */
		ck_assert_engine_ok(engine_image_inspect(f.ctx, "app:1", &json));
		ck_assert_msg(strstr(json, "\"Parent\": \"sha256:") || strstr(json, "\"Parent\":\"sha256:"),
			      "%s", json);
		engine_free(json);
	}
	ck_assert_engine_ok(engine_image_open(f.ctx, "app:1", &img));
	ck_assert_str_eq(engine_image_id(img), id);
	ck_assert_str_eq(engine_image_working_dir(img), "/srv/app");
	ck_assert_str_eq(engine_image_user(img), "1000");
	ck_assert_str_eq(engine_image_cmd(img)->strings[0], "./run.sh");
	env = engine_image_env(img);
	for (size_t i = 0; i < env->count; i++)
		found |= strcmp(env->strings[i], "GREETING=hello") == 0;
	ck_assert(found);
	engine_image_free(img);
	ck_assert_engine_ok(engine_spec_new(&spec));
	ck_assert_engine_ok(engine_spec_set_image(spec, "app:1"));
	ck_assert_engine_ok(engine_run(f.ctx, spec, &res));
	ck_assert_int_eq(res->exit_code, 0);
	ck_assert_str_eq(res->stdout_data, "hello from /srv/app as 1000\n");
	engine_run_result_free(res);
	engine_spec_free(spec);
	teardown(&f);
}
END_TEST

START_TEST(test_build__failed_run_leaves_no_image)
{
	struct fixture f;
	engine_build_options o = ENGINE_BUILD_OPTIONS_INIT;
	engine_image *img = NULL;
	engine_image_list *list = NULL;
	engine_strarray ids = {NULL, 0};
	char *tags[] = {"broken:1", NULL};
	size_t before;

	setup(&f);
	ck_assert_engine_ok(engine_image_list_new(f.ctx, &list));
	before = engine_image_list_count(list);
	engine_image_list_free(list);
	o.tags.strings = tags;
	o.tags.count = 1;
	ck_assert_engine_error(build(&f, "FROM busybox\nRUN echo out; exit 3\n", &o, NULL), ENGINE_ERROR,
			       "The command '/bin/sh -c echo out; exit 3' returned a non-zero code: 3");
	ck_assert_log_has(&f, "output 2 out\n");
	ck_assert_int_eq(engine_image_open(f.ctx, "broken:1", &img), ENGINE_ENOTFOUND);
	ck_assert_engine_ok(engine_image_list_new(f.ctx, &list));
	ck_assert_uint_eq(engine_image_list_count(list), before);
	engine_image_list_free(list);
	/* The RUN container is gone too. */
	ck_assert_engine_ok(engine_container_list_ids(f.ctx, 1, &ids));
	ck_assert_uint_eq(ids.count, 0);
	engine_strarray_dispose(&ids);
	ck_assert_engine_error(build(&f, "FROM busybox\nRUN [\"/nonexistent\"]\n", NULL, NULL),
			       ENGINE_ENOTFOUND, "The command '/nonexistent' returned a non-zero code: 127");
	teardown(&f);
}
END_TEST

START_TEST(test_build__bad_input)
{
	struct fixture f;

	setup(&f);
	put(&f, "a.txt", "a\n");
	ck_assert_engine_error(build(&f, "FROM busybox\nRUNN x\n", NULL, NULL), ENGINE_EINVALID,
			       "Dockerfile:2: unknown instruction: RUNN");
	/* The check without a build: the same error; a good one (even with a
	 * missing base image) passes. */
	ck_assert_engine_error(engine_build_check(f.ctxdir, NULL), ENGINE_EINVALID,
			       "Dockerfile:2: unknown instruction: RUNN");
	put(&f, "Dockerfile", "FROM nosuch:1\nRUN true\n");
	ck_assert_engine_ok(engine_build_check(f.ctxdir, NULL));
	{
		engine_build_options o = ENGINE_BUILD_OPTIONS_INIT;

		o.dockerfile = "Nope";
		ck_assert_engine_error(engine_build_check(f.ctxdir, &o), ENGINE_ENOTFOUND, "Dockerfile");
	}
	ck_assert_engine_error(build(&f, "FROM nosuch:1\nRUN true\n", NULL, NULL), ENGINE_ENOTFOUND,
			       "Dockerfile:1: FROM nosuch:1:");
	ck_assert_engine_error(
	    build(&f, "FROM busybox\nCOPY ../etc/passwd /x\n", NULL, NULL), ENGINE_EINVALID,
	    "Dockerfile:2: COPY failed: forbidden path outside the build context: ../etc/passwd");
	ck_assert_engine_error(build(&f, "FROM busybox\nCOPY missing /x\n", NULL, NULL), ENGINE_ENOTFOUND,
			       "stat missing: file does not exist");
	ck_assert_engine_error(build(&f, "FROM busybox\nCOPY *.nope /x/\n", NULL, NULL), ENGINE_ENOTFOUND,
			       "no source files were specified");
	ck_assert_engine_error(build(&f, "FROM busybox\nADD http://example.com/x /x\n", NULL, NULL),
			       ENGINE_ENOTSUP, "remote URLs are not supported");
	ck_assert_engine_error(build(&f, "FROM busybox\nCOPY a.txt Dockerfile /x\n", NULL, NULL),
			       ENGINE_EINVALID, "the destination must be a directory and end with a /");
	ck_assert_engine_error(build(&f, "FROM busybox\nCOPY --chown=nobodyhere a.txt /x\n", NULL, NULL),
			       ENGINE_ENOTFOUND, "unable to find user \"nobodyhere\"");
	teardown(&f);
}
END_TEST

START_TEST(test_build__add_extracts_archives)
{
	struct fixture f;
	cleanup_free char *id = NULL, *cmd = NULL, *a = NULL, *raw = NULL;
	engine_spec *spec = NULL;
	engine_run_result *res = NULL;
	char *args[] = {"stat", "-c", "%u:%g %a", "/opt/t/a.txt", NULL};
	engine_strarray argv = {args, 4};

	setup(&f);
	put(&f, "src/t/a.txt", "from tar\n");
	cmd = engine__strdup_printf("tar -C %s/src -czf %s/t.tar.gz t && cp %s/t.tar.gz %s/raw.bin", f.ctxdir,
				    f.ctxdir, f.ctxdir, f.ctxdir);
	ck_assert_int_eq(system(cmd), 0);
	build_ok(&f, "FROM busybox\nADD --chown=5:6 t.tar.gz /opt/\nCOPY raw.bin /raw/\n", NULL, &id);
	a = image_file(&f, id, "/opt/t/a.txt");
	ck_assert_str_eq(a, "from tar\n");
	/* COPY never extracts. */
	raw = image_file(&f, id, "/raw/raw.bin");
	ck_assert_ptr_nonnull(raw);
	ck_assert_engine_ok(engine_spec_new(&spec));
	ck_assert_engine_ok(engine_spec_set_image(spec, id));
	ck_assert_engine_ok(engine_spec_set_argv(spec, &argv));
	ck_assert_engine_ok(engine_run(f.ctx, spec, &res));
	ck_assert_str_eq(res->stdout_data, "5:6 644\n");
	engine_run_result_free(res);
	engine_spec_free(spec);
	teardown(&f);
}
END_TEST

START_TEST(test_build__events_as_json_lines_and_cache_prune)
{
	struct fixture f;
	engine_build_options o = ENGINE_BUILD_OPTIONS_INIT;
	engine_image_remove_options ro = ENGINE_IMAGE_REMOVE_OPTIONS_INIT;
	cleanup_free char *id = NULL, *data = NULL, *path = NULL;
	char *tags[] = {"j:1", NULL};
	int64_t removed = -1;
	int fd;

	setup(&f);
	path = engine__path_join(f.root, "events.jsonl");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	o.event_fd = fd;
	o.tags.strings = tags;
	o.tags.count = 1;
	build_ok(&f, "FROM busybox\nRUN echo hi\n", &o, &id);
	close(fd);
	ck_assert_engine_ok(engine__read_file(path, &data, NULL));
	ck_assert_ptr_nonnull(
	    strstr(data, "{\"event\":\"step\",\"step\":1,\"total\":2,\"text\":\"FROM busybox\"}\n"));
	ck_assert_ptr_nonnull(
	    strstr(data, "{\"event\":\"output\",\"step\":2,\"total\":2,\"text\":\"hi\"}\n"));
	ck_assert_ptr_nonnull(
	    strstr(data, "{\"event\":\"tagged\",\"step\":0,\"total\":2,\"text\":\"j:1\"}\n"));
	/* Store GC keeps what the cache points at: the step still hits. */
	ck_assert_engine_ok(engine_store_prune(f.ctx, 0, NULL));
	o.event_fd = -1;
	build_ok(&f, "FROM busybox\nRUN echo hi\n", &o, NULL);
	ck_assert_log_has(&f, "cached 2");
	/* Nothing to prune while the image exists; its entry goes with it. */
	ck_assert_engine_ok(engine_build_cache_prune(f.ctx, &removed));
	ck_assert_int_eq(removed, 0);
	ro.force = 1;
	ck_assert_engine_ok(engine_image_remove(f.ctx, "j:1", &ro, NULL));
	ck_assert_engine_ok(engine_build_cache_prune(f.ctx, &removed));
	ck_assert_int_eq(removed, 1);
	/* The next build runs the step again. */
	build_ok(&f, "FROM busybox\nRUN echo hi\n", &o, NULL);
	ck_assert_log_lacks(&f, "cached");
	teardown(&f);
}
END_TEST

START_TEST(test_build__copy_follows_symlinks_in_the_image)
{
	struct fixture f;
	cleanup_free char *id = NULL;
	engine_spec *spec = NULL;
	engine_run_result *res = NULL;
	char *args[] = {"sh", "-c", "readlink /link; cat /usr/local/share/a.txt /usr/local/share/rel/b.txt",
			NULL};
	engine_strarray argv = {args, 3};

	setup(&f);
	put(&f, "a.txt", "a\n");
	put(&f, "b.txt", "b\n");
	build_ok(&f,
		 "FROM busybox\n"
		 "RUN mkdir -p /usr/local/share/rel && ln -s /usr/local/share /link && ln -s ../share/rel "
		 "/usr/local/share/r\n"
		 "COPY a.txt /link/\n"
		 "COPY b.txt /link/r/\n",
		 NULL, &id);
	ck_assert_engine_ok(engine_spec_new(&spec));
	ck_assert_engine_ok(engine_spec_set_image(spec, id));
	ck_assert_engine_ok(engine_spec_set_argv(spec, &argv));
	ck_assert_engine_ok(engine_run(f.ctx, spec, &res));
	/* The link is still a link; the files went where it points. */
	ck_assert_str_eq(res->stdout_data, "/usr/local/share\na\nb\n");
	engine_run_result_free(res);
	engine_spec_free(spec);
	teardown(&f);
}
END_TEST

START_TEST(test_build__build_args_key_run_steps)
{
	struct fixture f;
	engine_build_options o = ENGINE_BUILD_OPTIONS_INIT;
	char *one[] = {"V=2", NULL}, *unused[] = {"NOPE=1", NULL};
	const char *df = "FROM busybox\nARG V=1\nRUN echo \"v=$V\"\n";

	setup(&f);
	build_ok(&f, df, NULL, NULL);
	ck_assert_log_has(&f, "output 3 v=1\n");
	o.build_args.strings = one;
	o.build_args.count = 1;
	/* The ARG step is the same; the RUN sees another value: a miss. */
	build_ok(&f, df, &o, NULL);
	ck_assert_log_has(&f, "cached 2");
	ck_assert_log_has(&f, "output 3 v=2\n");
	build_ok(&f, df, &o, NULL);
	ck_assert_log_has(&f, "cached 3");
	o.build_args.strings = unused;
	build_ok(&f, df, &o, NULL);
	ck_assert_log_has(&f, "cached 3");
	ck_assert_log_has(&f, "warning 0 [Warning] One or more build-args [NOPE] were not consumed\n");
	teardown(&f);
}
END_TEST

/* Issue 9, item 5: a RUN that turns /etc into a symlink to a host directory
 * must not make the builder's clean-up of the runtime's files (etc/hosts,
 * etc/hostname, etc/resolv.conf) delete that directory's files. The host
 * directory here is a marker directory of the test's own. */
START_TEST(test_build__run_cannot_delete_host_files_through_symlinks)
{
	struct fixture f;
	static const char *const names[] = {"hosts", "hostname", "resolv.conf"};
	char *marker = th_mkdtemp("build-marker");
	cleanup_free char *df = NULL, *id = NULL, *link = NULL;

	setup(&f);
	for (size_t i = 0; i < 3; i++) {
		cleanup_free char *p = engine__path_join(marker, names[i]);
		ck_assert_engine_ok(engine__write_file_atomic(p, "marker\n", 7, 0644, false));
	}
	df = engine__strdup_printf("FROM busybox\nRUN rm -rf /etc && ln -s %s /etc\n", marker);
	build_ok(&f, df, NULL, &id);
	for (size_t i = 0; i < 3; i++) {
		cleanup_free char *p = engine__path_join(marker, names[i]);
		ck_assert_msg(engine__path_exists(p), "the build deleted %s outside its root", p);
	}
	/* The build's own symlink is kept in the layer as it made it. */
	{
		char *dir = th_mkdtemp("build-unpack");
		cleanup_free char *p = engine__path_join(dir, "etc");
		char buf[4096];
		ssize_t n;

		engine__rm_rf(dir);
		ck_assert_engine_ok(engine_image_unpack(f.ctx, id, dir));
		n = readlink(p, buf, sizeof(buf) - 1);
		ck_assert_int_gt(n, 0);
		buf[n] = '\0';
		ck_assert_str_eq(buf, marker);
		th_cleanup_dir(dir);
	}
	th_cleanup_dir(marker);
	teardown(&f);
}
END_TEST

/* ADD of a local tar goes through the store's unpacker: an entry climbing
 * out of the destination or writing through a symlink it planted is
 * refused with the entry's name, and nothing outside changes. */
START_TEST(test_build__add_archive_cannot_escape)
{
	struct fixture f;
	char *marker = th_mkdtemp("build-marker");
	cleanup_free char *cmd = NULL, *pwned = engine__path_join(marker, "pwned");

	setup(&f);
	cmd = engine__strdup_printf("cd %s && python3 -c '\n"
				    "import io, tarfile\n"
				    "def add(t, name, data=b\"x\", link=None):\n"
				    "    i = tarfile.TarInfo(name)\n"
				    "    if link:\n"
				    "        i.type, i.linkname = tarfile.SYMTYPE, link\n"
				    "        t.addfile(i)\n"
				    "    else:\n"
				    "        i.size = len(data)\n"
				    "        t.addfile(i, io.BytesIO(data))\n"
				    "with tarfile.open(\"dotdot.tar\", \"w\") as t:\n"
				    "    add(t, \"ok.txt\")\n"
				    "    add(t, \"../../../../escape.txt\")\n"
				    "with tarfile.open(\"link.tar.gz\", \"w:gz\") as t:\n"
				    "    add(t, \"l\", link=\"%s\")\n"
				    "    add(t, \"l/pwned\")\n"
				    "'",
				    f.ctxdir, marker);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_engine_error(build(&f, "FROM busybox\nADD dotdot.tar /opt/\n", NULL, NULL), ENGINE_EPERM,
			       "entry \"../../../../escape.txt\": escapes the layer root");
	ck_assert_engine_error(build(&f, "FROM busybox\nADD link.tar.gz /opt/\n", NULL, NULL), ENGINE_EPERM,
			       "entry \"l/pwned\": escapes the layer root");
	ck_assert(!engine__path_exists(pwned));
	th_cleanup_dir(marker);
	teardown(&f);
}
END_TEST

/* Issue 9, item 6 end to end: "-u NAME" on an image whose /etc is a
 * symlink to a (marker) host directory must not read that directory's
 * passwd; "exec -u" into a container that made /etc/passwd a FIFO must
 * fail, not hang (bounded here: the exec runs in a child we kill after 30 s). */
START_TEST(test_build__user_lookup_stays_in_the_container)
{
	struct fixture f;
	char *marker = th_mkdtemp("build-marker");
	cleanup_free char *df = NULL, *id = NULL, *pw = engine__path_join(marker, "passwd"),
			  *gr = engine__path_join(marker, "group");
	engine_spec *spec = NULL;
	engine_run_result *res = NULL;
	engine_container *c = NULL;
	engine_exec_options eo = ENGINE_EXEC_OPTIONS_INIT;
	char *args[] = {"id", NULL};
	engine_strarray argv = {args, 1};
	pid_t child;
	int status = -1;

	setup(&f);
	ck_assert_engine_ok(engine__write_file_atomic(pw, "evil:x:4242:4242::/:/bin/sh\n", 28, 0644, false));
	ck_assert_engine_ok(engine__write_file_atomic(gr, "evil:x:4242:\n", 13, 0644, false));
	df = engine__strdup_printf("FROM busybox\nRUN rm -rf /etc && ln -s %s /etc\n", marker);
	build_ok(&f, df, NULL, &id);
	ck_assert_engine_ok(engine_spec_new(&spec));
	ck_assert_engine_ok(engine_spec_set_image(spec, id));
	ck_assert_engine_ok(engine_spec_set_argv(spec, &argv));
	ck_assert_engine_ok(engine_spec_set_user(spec, "evil"));
	ck_assert_engine_error(engine_run(f.ctx, spec, &res), ENGINE_ENOTFOUND, "unable to find user evil");
	engine_run_result_free(res);
	res = NULL;
	engine_spec_free(spec);

	/* A running container turns its /etc/passwd into a FIFO. */
	args[0] = "sh";
	ck_assert_engine_ok(engine_spec_new(&spec));
	ck_assert_engine_ok(engine_spec_set_image(spec, "busybox"));
	ck_assert_engine_ok(engine_spec_set_argv(
	    spec, &(engine_strarray){
		      (char *[]){"sh", "-c", "rm /etc/passwd && mkfifo /etc/passwd && sleep 120", NULL}, 3}));
	ck_assert_engine_ok(engine_container_create(f.ctx, spec, &c));
	engine_spec_free(spec);
	ck_assert_engine_ok(engine_container_start(c));
	eo.argv = (engine_strarray){(char *[]){"test", "-p", "/etc/passwd", NULL}, 3};
	for (int i = 0; i < 100; i++) {
		ck_assert_engine_ok(engine_container_exec(c, &eo, &res));
		status = res->exit_code;
		engine_run_result_free(res);
		res = NULL;
		if (status == 0)
			break;
		usleep(100000);
	}
	ck_assert_int_eq(status, 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		int r;

		eo.argv = (engine_strarray){(char *[]){"true", NULL}, 1};
		eo.user = "nobody";
		r = engine_container_exec(c, &eo, &res);
		_exit(r == ENGINE_EINVALID && strstr(engine_error_last()->message, "not a regular file") ? 0
													 : 1);
	}
	for (int i = 0; i < 300 && waitpid(child, &status, WNOHANG) == 0; i++)
		usleep(100000);
	if (waitpid(child, &status, WNOHANG) == 0) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		status = -1;
	}
	ck_assert_engine_ok(engine_container_remove(c, 1));
	engine_container_free(c);
	ck_assert_msg(status == 0, "exec -u nobody with a FIFO /etc/passwd: %s",
		      status == -1 ? "hung (killed after 30 s)" : "did not fail with \"not a regular file\"");
	th_cleanup_dir(marker);
	teardown(&f);
}
END_TEST

/* Fuzzer finding: a base image whose config is JSON but not an object made
 * json-c abort the process on the first instruction's member add. The
 * store or the builder must refuse it with an error instead. */
START_TEST(test_build__non_object_config_is_refused)
{
	struct fixture f;
	char digest[ENGINE__DIGEST_LEN + 1];
	cleanup_free char *df = NULL;
	int r;

	setup(&f);
	ck_assert_engine_ok(engine__blob_put_buf(f.ctx, "[]", 2, NULL, digest));
	r = engine__image_register(f.ctx, digest, NULL);
	if (r == 0) {
		df = engine__strdup_printf("FROM %s\nENV A=1\n", digest);
		ck_assert_engine_error(build(&f, df, NULL, NULL), ENGINE_EINVALID,
				       "config is not a JSON object");
	} else {
		ck_assert_int_eq(r, ENGINE_EINVALID);
	}
	teardown(&f);
}
END_TEST

static Suite *build_suite(void)
{
	Suite *s = suite_create("build");
	TCase *tc = tcase_create("build");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_build__cache_follows_the_chain);
	tcase_add_test(tc, test_build__no_cache_and_cache_across_contexts);
	tcase_add_test(tc, test_build__copy_cache_uses_content_not_mtime);
	tcase_add_test(tc, test_build__multi_stage_target);
	tcase_add_test(tc, test_build__dockerignore);
	tcase_add_test(tc, test_build__run_rm_makes_whiteouts);
	tcase_add_test(tc, test_build__image_runs_with_its_config);
	tcase_add_test(tc, test_build__failed_run_leaves_no_image);
	tcase_add_test(tc, test_build__bad_input);
	tcase_add_test(tc, test_build__add_extracts_archives);
	tcase_add_test(tc, test_build__build_args_key_run_steps);
	tcase_add_test(tc, test_build__copy_follows_symlinks_in_the_image);
	tcase_add_test(tc, test_build__events_as_json_lines_and_cache_prune);
	tcase_add_test(tc, test_build__run_cannot_delete_host_files_through_symlinks);
	tcase_add_test(tc, test_build__add_archive_cannot_escape);
	tcase_add_test(tc, test_build__user_lookup_stays_in_the_container);
	tcase_add_test(tc, test_build__non_object_config_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(build_suite(), 1);
}
