/* Volume store: create/inspect/list/remove/prune through the public API and
 * the references containers take (volume/volume.h); no privileges needed. */
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_helpers.h"
#include "volume/volume.h"

static int create(engine_context *ctx, const char *name, char **labels, size_t nl, char **opts, size_t no)
{
	engine_volume_create_options o = ENGINE_VOLUME_CREATE_OPTIONS_INIT;

	o.name = name;
	o.labels = (engine_strarray){labels, nl};
	o.options = (engine_strarray){opts, no};
	return engine_volume_create(ctx, &o, NULL);
}

static char *list(engine_context *ctx, const char *filter)
{
	char *f[] = {(char *)filter};
	engine_strarray fs = {f, filter ? 1 : 0};
	char *json = NULL;

	ck_assert_engine_ok(engine_volume_list(ctx, &fs, &json));
	return json;
}

START_TEST(test_volume__create_inspect_remove)
{
	char *root = th_mkdtemp("volume"), *json = NULL, *name = NULL, *mp;
	engine_context *ctx = th_context(root);
	engine_volume_create_options o;
	char *labels[] = {"team=web", "flag"}, *bad_opts[] = {"type=nfs"},
	     *tmpfs[] = {"type=tmpfs", "o=size=1m"};
	char *unknown[] = {"size=1m"};

	ck_assert_engine_ok(create(ctx, "data", labels, 2, NULL, 0));
	/* Creating it again keeps it, as Docker does. */
	ck_assert_engine_ok(create(ctx, "data", NULL, 0, NULL, 0));
	ck_assert_engine_ok(engine_volume_inspect(ctx, "data", &json));
	ck_assert_ptr_nonnull(strstr(json, "\"Name\":\"data\""));
	ck_assert_ptr_nonnull(strstr(json, "\"Driver\":\"local\""));
	ck_assert_ptr_nonnull(strstr(json, "\"Scope\":\"local\""));
	ck_assert_ptr_nonnull(strstr(json, "\"team\":\"web\""));
	ck_assert_ptr_nonnull(strstr(json, "\"flag\":\"\""));
	ck_assert_ptr_nonnull(strstr(json, "\"Options\":null"));
	ck_assert_ptr_nonnull(strstr(json, "\"CreatedAt\":\"20"));
	ck_assert_int_eq(asprintf(&mp, "\"Mountpoint\":\"%s/volumes/data/_data\"", root), (int)strlen(mp));
	ck_assert_msg(strstr(json, mp), "%s lacks %s", json, mp);
	free(mp);
	engine_free(json);

	ck_assert_engine_error(create(ctx, "x", NULL, 0, NULL, 0), ENGINE_EINVALID,
			       "invalid volume name \"x\"");
	ck_assert_engine_error(create(ctx, "../etc", NULL, 0, NULL, 0), ENGINE_EINVALID,
			       "invalid volume name");
	ck_assert_engine_error(create(ctx, "v2", NULL, 0, bad_opts, 1), ENGINE_ENOTSUP,
			       "volume type \"nfs\" is not supported");
	ck_assert_engine_error(create(ctx, "v2", NULL, 0, unknown, 1), ENGINE_EINVALID,
			       "invalid option key: \"size\"");
	engine_volume_create_options_init(&o, ENGINE_VOLUME_CREATE_OPTIONS_VERSION);
	o.name = "v2";
	o.driver = "nfs";
	ck_assert_engine_error(engine_volume_create(ctx, &o, NULL), ENGINE_ENOTSUP, "volume driver \"nfs\"");
	o.version = 99;
	ck_assert_engine_error(engine_volume_create(ctx, &o, NULL), ENGINE_EINVALID,
			       "unsupported version 99");
	ck_assert_engine_ok(create(ctx, "scratch", NULL, 0, tmpfs, 2));
	ck_assert_engine_ok(engine_volume_inspect(ctx, "scratch", &json));
	ck_assert_ptr_nonnull(strstr(json, "\"Options\":{\"type\":\"tmpfs\",\"o\":\"size=1m\"}"));
	engine_free(json);

	/* An anonymous volume gets a 64-hex name. */
	engine_volume_create_options_init(&o, ENGINE_VOLUME_CREATE_OPTIONS_VERSION);
	ck_assert_engine_ok(engine_volume_create(ctx, &o, &name));
	ck_assert_uint_eq(strlen(name), 64);
	ck_assert_engine_ok(engine_volume_remove(ctx, name, 0));
	engine_free(name);

	ck_assert_engine_error(engine_volume_inspect(ctx, "nope", &json), ENGINE_ENOTFOUND,
			       "no such volume: nope");
	ck_assert_engine_error(engine_volume_remove(ctx, "nope", 0), ENGINE_ENOTFOUND,
			       "no such volume: nope");
	ck_assert_engine_ok(engine_volume_remove(ctx, "nope", 1));
	ck_assert_engine_ok(engine_volume_remove(ctx, "scratch", 0));
	ck_assert_engine_error(engine_volume_inspect(ctx, "scratch", &json), ENGINE_ENOTFOUND, "scratch");
	engine_context_free(ctx);
	th_cleanup_dir(root);
}
END_TEST

START_TEST(test_volume__refs_list_prune)
{
	char *root = th_mkdtemp("volume"), *json, *cdir, *path;
	engine_context *ctx = th_context(root);
	engine__volume_mount m, anon;
	engine_strarray removed = {NULL, 0};
	char *labels[] = {"keep=yes"}, *all[] = {"all=true"}, *bad[] = {"dangling=maybe"};
	engine_strarray fall = {all, 1}, fbad = {bad, 1};
	int64_t bytes = -1;
	int fd;

	/* A container "c1" (its dir is what keeps a reference alive). */
	ck_assert_int_eq(asprintf(&cdir, "%s/containers/c1", root), (int)strlen(cdir));
	ck_assert_int_eq(engine__mkdir_p(cdir, 0700), 0);
	ck_assert_engine_ok(engine__volume_use(ctx, "named", "c1", 0, &m));
	ck_assert_str_eq(m.name, "named");
	ck_assert(m.empty && !m.tmpfs);
	ck_assert_ptr_nonnull(strstr(m.src, "/volumes/named/_data"));
	ck_assert_int_eq(asprintf(&path, "%s/file", m.src), (int)strlen(path));
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "hello", 5), 5);
	close(fd);
	free(path);
	engine__volume_mount_clear(&m);
	ck_assert_engine_ok(engine__volume_use(ctx, NULL, "c1", 0, &anon));
	ck_assert_uint_eq(strlen(anon.name), 64);
	ck_assert_engine_ok(engine__volume_use(ctx, "named", "c1", 0, &m));
	ck_assert(!m.empty);
	engine__volume_mount_clear(&m);
	ck_assert_engine_ok(create(ctx, "labelled", labels, 1, NULL, 0));

	ck_assert_engine_error(engine_volume_remove(ctx, "named", 0), ENGINE_EBUSY,
			       "remove named: volume is in use by 1 container");
	json = list(ctx, NULL);
	ck_assert_ptr_nonnull(strstr(json, "\"Name\":\"labelled\""));
	ck_assert_ptr_nonnull(strstr(json, "\"RefCount\":1"));
	engine_free(json);
	json = list(ctx, "dangling=true");
	ck_assert_ptr_nonnull(strstr(json, "labelled"));
	ck_assert_ptr_null(strstr(json, "\"named\""));
	engine_free(json);
	json = list(ctx, "dangling=false");
	ck_assert_ptr_nonnull(strstr(json, "\"named\""));
	ck_assert_ptr_null(strstr(json, "labelled"));
	engine_free(json);
	json = list(ctx, "label=keep=yes");
	ck_assert_ptr_nonnull(strstr(json, "labelled"));
	ck_assert_ptr_null(strstr(json, "\"named\""));
	engine_free(json);
	json = list(ctx, "name=amed");
	ck_assert_ptr_nonnull(strstr(json, "\"named\""));
	ck_assert_ptr_null(strstr(json, "labelled"));
	engine_free(json);
	ck_assert_engine_error(engine_volume_list(ctx, &fbad, &json), ENGINE_EINVALID,
			       "invalid filter 'dangling=maybe'");

	/* In use: prune leaves everything. */
	ck_assert_engine_ok(engine_volume_prune(ctx, NULL, &removed, &bytes));
	ck_assert_uint_eq(removed.count, 0);
	engine_strarray_dispose(&removed);
	/* The container went away without releasing: its references are stale. */
	ck_assert_int_eq(engine__rm_rf(cdir), 0);
	ck_assert_engine_ok(engine_volume_prune(ctx, NULL, &removed, &bytes));
	ck_assert_uint_eq(removed.count, 1);
	ck_assert_str_eq(removed.strings[0], anon.name);
	engine_strarray_dispose(&removed);
	ck_assert_engine_ok(engine_volume_prune(ctx, &fall, &removed, &bytes));
	ck_assert_uint_eq(removed.count, 2);
	ck_assert_int_gt(bytes, 0);
	engine_strarray_dispose(&removed);
	engine__volume_mount_clear(&anon);

	/* docker rm -v: an anonymous volume goes with its last user; a named one stays. */
	ck_assert_int_eq(engine__mkdir_p(cdir, 0700), 0);
	ck_assert_engine_ok(engine__volume_use(ctx, NULL, "c1", 0, &anon));
	ck_assert_engine_ok(engine__volume_use(ctx, "named2", "c1", 0, &m));
	ck_assert_engine_ok(engine__volume_release(ctx, anon.name, "c1", true));
	ck_assert_engine_ok(engine__volume_release(ctx, "named2", "c1", true));
	ck_assert_int_eq(engine_volume_inspect(ctx, anon.name, &json), ENGINE_ENOTFOUND);
	ck_assert_engine_ok(engine_volume_inspect(ctx, "named2", &json));
	engine_free(json);
	ck_assert_engine_ok(engine_volume_remove(ctx, "named2", 0));
	engine__volume_mount_clear(&anon);
	engine__volume_mount_clear(&m);
	free(cdir);
	engine_context_free(ctx);
	th_cleanup_dir(root);
}
END_TEST

START_TEST(test_volume__run_reference)
{
	char *root = th_mkdtemp("volume");
	engine_context *ctx = th_context(root);
	engine__volume_mount m;
	pid_t child;

	/* An engine_run() keeps its volume while its process lives. */
	ck_assert_engine_ok(engine__volume_use(ctx, "live", "eph1", getpid(), &m));
	engine__volume_mount_clear(&m);
	ck_assert_int_eq(engine_volume_remove(ctx, "live", 0), ENGINE_EBUSY);
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	ck_assert_engine_ok(engine__volume_use(ctx, "gone", "eph2", child, &m));
	engine__volume_mount_clear(&m);
	ck_assert_engine_ok(engine_volume_remove(ctx, "gone", 0));
	ck_assert_engine_ok(engine_volume_remove(ctx, "live", 1));
	engine_context_free(ctx);
	th_cleanup_dir(root);
}
END_TEST

static Suite *volume_suite(void)
{
	Suite *s = suite_create("volume");
	TCase *tc = tcase_create("volume");

	tcase_add_test(tc, test_volume__create_inspect_remove);
	tcase_add_test(tc, test_volume__refs_list_prune);
	tcase_add_test(tc, test_volume__run_reference);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(volume_suite(), 0);
}
