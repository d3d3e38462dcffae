/* A container's files from the host (privileged): docker cp's placement
 * rules both ways, stopped and running, the archive API (get with stat,
 * put), export, and symlinks planted by the container that must not lead
 * the engine to the host's files. */
#define TR_FIXTURE "runtime-files"
#include "check_runtime.h"

#include <sys/wait.h>

static engine_container *create(const char *script)
{
	engine_spec *s = tr_spec(rootfs, SH(script));
	engine_container *c = NULL;

	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	return c;
}

static char *slurp(const char *path)
{
	char *data = NULL;

	ck_assert_msg(engine__read_file(path, &data, NULL) == 0, "read %s: %s", path,
		      engine_error_last()->message);
	return data;
}

static void put(const char *rel, const char *content)
{
	tr_write(root, rel, content, 0644);
}

/* The names in a tar file, comma-separated, as `tar t` lists them. */
static char *tar_names(const char *tar)
{
	char cmd[4096], *out = calloc(1, 65536);
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "tar tf %s | paste -sd, -", tar);
	p = popen(cmd, "r");
	ck_assert(p && out);
	n = fread(out, 1, 65535, p);
	pclose(p);
	while (n && out[n - 1] == '\n')
		out[--n] = '\0';
	return out;
}

static void run_to_end(engine_container *c)
{
	int code = -1;

	ck_assert_engine_ok(engine_container_start(c));
	ck_assert_engine_ok(engine_container_wait(c, -1, &code));
	ck_assert_int_eq(code, 0);
}

START_TEST(test_runtime__copy_placement)
{
	engine_container *c = create("mkdir -p /data && echo old > /data/file");
	char src[4096], dst[4096], *got;

	run_to_end(c);
	mkdir(strcat(strcpy(src, root), "/src"), 0755);
	mkdir(strcat(strcpy(src, root), "/src/sub"), 0755);
	put("src/a", "A\n");
	put("src/sub/b", "B\n");
	snprintf(src, sizeof(src), "%s/src", root);

	/* into an existing directory under the source's name */
	ck_assert_engine_ok(engine_container_copy_to(c, src, "/data", 0));
	/* as a new name */
	ck_assert_engine_ok(engine_container_copy_to(c, src, "/data/renamed", 0));
	/* the content only */
	ck_assert_engine_ok(engine_container_copy_to(c, strcat(strcpy(dst, src), "/."), "/tmp", 0));
	/* over an existing file */
	ck_assert_engine_ok(engine_container_copy_to(c, strcat(strcpy(dst, src), "/a"), "/data/file", 0));
	ck_assert_engine_error(engine_container_copy_to(c, src, "/data/file", 0), ENGINE_EINVALID,
			       "cannot copy a directory to a file");
	ck_assert_engine_error(engine_container_copy_to(c, src, "/no/such/dir", 0), ENGINE_ENOTFOUND,
			       "/no/such");
	ck_assert_engine_error(engine_container_copy_to(c, strcat(strcpy(dst, src), "/a"), "/nodir/", 0),
			       ENGINE_ENOTFOUND, "does not exist");
	ck_assert_engine_error(engine_container_copy_to(c, "/no/such/host/file", "/data", 0),
			       ENGINE_ENOTFOUND, "/no/such/host/file");

	/* and back out: each lands where docker cp puts it */
	snprintf(dst, sizeof(dst), "%s/out", root);
	ck_assert_engine_ok(engine_container_copy_from(c, "/data", dst, 0));
	got = slurp(strcat(strcpy(src, dst), "/src/sub/b"));
	ck_assert_str_eq(got, "B\n");
	free(got);
	got = slurp(strcat(strcpy(src, dst), "/renamed/a"));
	ck_assert_str_eq(got, "A\n");
	free(got);
	got = slurp(strcat(strcpy(src, dst), "/file"));
	ck_assert_str_eq(got, "A\n");
	free(got);
	snprintf(dst, sizeof(dst), "%s/tmpcopy", root);
	ck_assert_engine_ok(engine_container_copy_from(c, "/tmp/.", dst, 0));
	got = slurp(strcat(strcpy(src, dst), "/sub/b"));
	ck_assert_str_eq(got, "B\n");
	free(got);
	ck_assert_engine_error(engine_container_copy_from(c, "/nope", dst, 0), ENGINE_ENOTFOUND, "/nope");
	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);
}
END_TEST

START_TEST(test_runtime__copy_symlinks_stay_inside)
{
	/* The container plants links to the root and to /etc. */
	engine_container *c =
	    create("ln -s / /tmp/up; ln -s ../../.. /tmp/rel; ln -s /etc /tmp/etc; sleep 60");
	char dst[4096], src[4096], *got, *mine;

	ck_assert_engine_ok(engine_container_start(c));
	for (int i = 0; i < 100; i++) {
		char *json = NULL;

		if (engine_container_path_stat(c, "/tmp/etc", &json) == 0) {
			engine_free(json);
			break;
		}
		usleep(50 * 1000);
	}
	/* reading through them gives the container's files, not the host's */
	snprintf(dst, sizeof(dst), "%s/passwd.copy", root);
	ck_assert_engine_ok(engine_container_copy_from(c, "/tmp/etc/passwd", dst, 0));
	got = slurp(dst);
	mine = slurp(strcat(strcpy(src, rootfs), "/etc/passwd"));
	ck_assert_str_eq(got, mine);
	free(got);
	free(mine);
	snprintf(dst, sizeof(dst), "%s/group.copy", root);
	ck_assert_engine_ok(engine_container_copy_from(c, "/tmp/rel/etc/group", dst, 0));
	got = slurp(dst);
	ck_assert_ptr_nonnull(strstr(got, "staff:x:50:app"));
	free(got);
	/* writing through them stays inside too */
	put("payload", "P\n");
	snprintf(src, sizeof(src), "%s/payload", root);
	ck_assert_engine_ok(engine_container_copy_to(c, src, "/tmp/up/tmp/landed", 0));
	ck_assert_int_eq(access("/tmp/landed", F_OK), -1);
	snprintf(dst, sizeof(dst), "%s/landed.copy", root);
	ck_assert_engine_ok(engine_container_copy_from(c, "/tmp/landed", dst, 0));
	/* a symlink source is copied as a link */
	snprintf(dst, sizeof(dst), "%s/link.copy", root);
	ck_assert_engine_ok(engine_container_copy_from(c, "/tmp/etc", dst, 0));
	{
		char target[64] = {0};

		ck_assert_int_gt(readlink(dst, target, sizeof(target) - 1), 0);
		ck_assert_str_eq(target, "/etc");
	}
	ck_assert_engine_ok(engine_container_remove(c, 1));
	engine_container_free(c);
}
END_TEST

START_TEST(test_runtime__archive_api)
{
	engine_container *c = create("mkdir -p /d/e && echo x > /d/e/f && ln -s e/f /d/l && rm /etc/group");
	char tar[4096], *json = NULL, *names;
	int fd;

	run_to_end(c);
	ck_assert_engine_ok(engine_container_path_stat(c, "/d/l", &json));
	ck_assert_ptr_nonnull(strstr(json, "\"name\":\"l\""));
	ck_assert_ptr_nonnull(strstr(json, "\"linkTarget\":\"/d/e/f\""));
	ck_assert_ptr_nonnull(strstr(json, "\"mode\":134218239")); /* ModeSymlink|0777 */
	engine_free(json);
	ck_assert_engine_ok(engine_container_path_stat(c, "/d", &json));
	ck_assert_ptr_nonnull(strstr(json, "\"mode\":2147484141")); /* ModeDir|0755 */
	engine_free(json);
	ck_assert_engine_error(engine_container_path_stat(c, "/nope", &json), ENGINE_ENOTFOUND, "/nope");

	snprintf(tar, sizeof(tar), "%s/get.tar", root);
	fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	json = NULL;
	ck_assert_engine_ok(engine_container_archive_get(c, "/d", fd, &json));
	close(fd);
	ck_assert_ptr_nonnull(strstr(json, "\"name\":\"d\""));
	engine_free(json);
	names = tar_names(tar);
	ck_assert_str_eq(names, "d/,d/e/,d/e/f,d/l");
	free(names);
	fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_engine_ok(engine_container_archive_get(c, "/d/.", fd, NULL));
	close(fd);
	names = tar_names(tar);
	ck_assert_str_eq(names, "./,./e/,./e/f,./l");
	free(names);

	/* put it back elsewhere; a file is no directory */
	fd = open(tar, O_RDONLY | O_CLOEXEC);
	ck_assert_engine_ok(engine_container_archive_put(c, "/tmp", fd));
	close(fd);
	ck_assert_engine_ok(engine_container_path_stat(c, "/tmp/e/f", &json));
	engine_free(json);
	fd = open(tar, O_RDONLY | O_CLOEXEC);
	ck_assert_engine_error(engine_container_archive_put(c, "/d/e/f", fd), ENGINE_EINVALID,
			       "not a directory");
	close(fd);

	/* export: layers + changes, the deleted file gone */
	snprintf(tar, sizeof(tar), "%s/export.tar", root);
	fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_engine_ok(engine_container_export(c, fd));
	close(fd);
	names = tar_names(tar);
	ck_assert_ptr_nonnull(strstr(names, ",d/e/f,"));
	ck_assert_ptr_nonnull(strstr(names, ",etc/passwd,"));
	ck_assert_ptr_nonnull(strstr(names, ",tmp/e/f"));
	ck_assert_ptr_null(strstr(names, "etc/group"));
	ck_assert_ptr_nonnull(strstr(names, "bin/busybox"));
	free(names);
	ck_assert_engine_ok(engine_container_remove(c, 0));
	engine_container_free(c);
}
END_TEST

START_TEST(test_runtime__commit)
{
	engine_commit_options co = ENGINE_COMMIT_OPTIONS_INIT;
	char *changes[] = {"CMD [\"sh\", \"-c\", \"cat /hello; echo $A\"]", "ENV A=b", "LABEL k=v"};
	engine_spec *s = NULL;
	engine_container *c = NULL;
	engine_run_result *res = NULL;
	char *id = NULL, *json = NULL;

	ck_assert_engine_ok(engine_image_create_default(ctx, NULL, NULL));
	ck_assert_engine_ok(engine_spec_new(&s));
	ck_assert_engine_ok(engine_spec_set_image(s, "busybox"));
	ck_assert_engine_ok(engine_spec_set_argv(
	    s, &(engine_strarray){(char *[]){"sh", "-c", "rm /etc/group; echo hi > /hello; sleep 60"}, 3}));
	ck_assert_engine_ok(engine_container_create(ctx, s, &c));
	engine_spec_free(s);
	ck_assert_engine_ok(engine_container_start(c));
	for (int i = 0; i < 100 && engine_container_path_stat(c, "/hello", &json) < 0; i++)
		usleep(50 * 1000);
	engine_free(json);

	co.ref = "committed:1";
	co.comment = "a message";
	co.author = "me";
	co.changes = (engine_strarray){changes, 3};
	ck_assert_engine_ok(engine_container_commit(c, &co, &id));
	ck_assert_str_eq(engine_container_status(c), "running");
	ck_assert_int_eq(strncmp(id, "sha256:", 7), 0);
	ck_assert_engine_ok(engine_image_inspect(ctx, "committed:1", &json));
	ck_assert_ptr_nonnull(strstr(json, "a message"));
	ck_assert_ptr_nonnull(strstr(json, "\"A=b\""));
	ck_assert_ptr_nonnull(strstr(json, "\"k\": \"v\""));
	engine_free(json);
	engine_free(id);

	/* the new image runs the committed command on the committed files */
	ck_assert_engine_ok(engine_spec_new(&s));
	ck_assert_engine_ok(engine_spec_set_image(s, "committed:1"));
	ck_assert_engine_ok(engine_run(ctx, s, &res));
	ck_assert_str_eq(res->stdout_data, "hi\nb\n");
	engine_run_result_free(res);
	res = NULL;
	ck_assert_engine_ok(
	    engine_spec_set_argv(s, &(engine_strarray){(char *[]){"sh", "-c", "ls /etc"}, 3}));
	ck_assert_engine_ok(engine_run(ctx, s, &res));
	ck_assert_ptr_null(strstr(res->stdout_data, "group"));
	engine_run_result_free(res);
	engine_spec_free(s);

	co = (engine_commit_options)ENGINE_COMMIT_OPTIONS_INIT;
	co.changes = (engine_strarray){(char *[]){"RUN true"}, 1};
	ck_assert_engine_error(engine_container_commit(c, &co, &id), ENGINE_EINVALID,
			       "RUN is not a valid change");
	co.changes = (engine_strarray){NULL, 0};
	co.ref = "Bad:Ref";
	ck_assert_engine_error(engine_container_commit(c, &co, &id), ENGINE_EINVALID, "Bad");
	ck_assert_engine_ok(engine_container_remove(c, 1));
	engine_container_free(c);
}
END_TEST

static Suite *files_suite(void)
{
	Suite *s = suite_create("runtime-files");
	TCase *tc = tcase_create("files");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_runtime__copy_placement);
	tcase_add_test(tc, test_runtime__copy_symlinks_stay_inside);
	tcase_add_test(tc, test_runtime__archive_api);
	tcase_add_test(tc, test_runtime__commit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(files_suite(), 1);
}
