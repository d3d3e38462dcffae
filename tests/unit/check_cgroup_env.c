/* Helpers for the cgroup suites (see check_cgroup.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "check_cgroup.h"
#include "util/cleanup.h"

char th_cg_parent[64];

void th_write(const char *dir, const char *file, const char *content)
{
	cleanup_free char *p = engine__path_join(dir, file);
	cleanup_close int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	ck_assert_msg(fd >= 0, "open %s: %s", p, strerror(errno));
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
}

char *th_read(const char *dir, const char *file)
{
	cleanup_free char *p = engine__path_join(dir, file);
	char *data = NULL;
	size_t len;

	if (engine__read_file(p, &data, &len) < 0)
		return NULL;
	while (len > 0 && data[len - 1] == '\n')
		data[--len] = '\0';
	return data;
}

void th_assert_file(const char *dir, const char *file, const char *want)
{
	cleanup_free char *got = th_read(dir, file);

	ck_assert_msg(got != NULL, "%s/%s: unreadable", dir, file);
	ck_assert_msg(strcmp(got, want) == 0, "%s/%s: \"%s\", want \"%s\"", dir, file, got, want);
}

void th_cg_env_open_root(th_cg_env *env, const char *parent_json, const char *cg_root)
{
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	cleanup_free char *conf = NULL, *json = NULL;

	env->tmp = th_mkdtemp("cgroup");
	conf = engine__path_join(env->tmp, "config.json");
	if (parent_json)
		ck_assert_int_ge(asprintf(&json, "{\"cgroup-parent\": %s}", parent_json), 0);
	else
		ck_assert_int_ge(asprintf(&json, "{\"cgroup-parent\": \"%s\"}", th_cg_parent), 0);
	th_write(env->tmp, "config.json", json);
	o.root = env->tmp;
	o.config_path = conf;
	env->ctx = NULL;
	ck_assert_msg(engine_context_new(&env->ctx, &o) == 0, "context: %s", engine_error_last()->message);
	if (cg_root)
		ck_assert_engine_ok(engine__cgroup_context_set_root(env->ctx, cg_root));
}

void th_cg_env_open(th_cg_env *env, const char *parent_json)
{
	th_cg_env_open_root(env, parent_json, NULL);
}

void th_cg_env_close(th_cg_env *env)
{
	engine__cgroup_parent_remove(env->ctx);
	engine_context_free(env->ctx);
	th_cleanup_dir(env->tmp);
	env->ctx = NULL;
	env->tmp = NULL;
}

int th_cg_expected_mode(engine__cgroup_mode *out)
{
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	bool v2_root = false, v2_unified = false, v1 = false;
	char line[4096];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char mnt[1024], type[64];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 || sscanf(sep + 3, "%63s", type) != 1)
			continue;
		if (strcmp(type, "cgroup2") == 0 && strcmp(mnt, "/sys/fs/cgroup") == 0)
			v2_root = true;
		else if (strcmp(type, "cgroup2") == 0 && strcmp(mnt, "/sys/fs/cgroup/unified") == 0)
			v2_unified = true;
		else if (strcmp(type, "cgroup") == 0 && strncmp(mnt, "/sys/fs/cgroup/", 15) == 0 &&
			 !strstr(line, "name=systemd"))
			v1 = true;
	}
	if (v2_root)
		*out = ENGINE__CGROUP_UNIFIED;
	else if (v1)
		*out = v2_unified ? ENGINE__CGROUP_HYBRID : ENGINE__CGROUP_LEGACY;
	else
		return -1;
	return 0;
}

/* Best effort, never asserts: runs in the runner process. */
static void put(const char *dir, const char *file, const char *content)
{
	cleanup_free char *p = engine__path_join(dir, file);
	cleanup_close int fd = open(p, O_WRONLY | O_CLOEXEC);

	if (fd >= 0 && write(fd, content, strlen(content)) < 0)
		return;
}

static void purge_one(const char *dir)
{
	cleanup_free char *procs = engine__path_join(dir, "cgroup.procs");
	cleanup_free char *freezer = engine__path_join(dir, "freezer.state");
	cleanup_free char *kill_file = engine__path_join(dir, "cgroup.kill");

	for (int tries = 0; tries < 2000; tries++) {
		cleanup_free char *list = NULL;
		char *p, *end;

		if (access(freezer, F_OK) == 0)
			put(dir, "freezer.state", "THAWED");
		if (access(kill_file, F_OK) == 0)
			put(dir, "cgroup.kill", "1");
		if (engine__read_file(procs, &list, NULL) == 0)
			for (p = list; (void)(end = NULL), *p; p = end) {
				long pid = strtol(p, &end, 10);

				if (end == p)
					break;
				kill((pid_t)pid, SIGKILL);
				while (*end == '\n')
					end++;
			}
		if (rmdir(dir) == 0 || errno == ENOENT)
			return;
		usleep(1000);
	}
	fprintf(stderr, "cgroup test cleanup: could not remove %s: %s\n", dir, strerror(errno));
}

void th_cg_purge(const char *parent)
{
	cleanup_closedir DIR *top = opendir("/sys/fs/cgroup");
	struct dirent *e;

	if (!top || !parent[0])
		return;
	while ((e = readdir(top))) {
		cleanup_free char *pdir = NULL;
		cleanup_closedir DIR *d = NULL;
		struct dirent *c;

		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&pdir, "/sys/fs/cgroup/%s/%s", e->d_name, parent) < 0)
			continue;
		if (!(d = opendir(pdir)))
			continue;
		while ((c = readdir(d))) {
			cleanup_free char *cdir = NULL;

			if (c->d_type != DT_DIR || c->d_name[0] == '.')
				continue;
			if (asprintf(&cdir, "%s/%s", pdir, c->d_name) >= 0)
				purge_one(cdir);
		}
		purge_one(pdir);
	}
}

static void purge_fixture(void)
{
	th_cg_purge(th_cg_parent);
}

void th_cg_add_fixture(TCase *tc)
{
	tcase_add_unchecked_fixture(tc, NULL, purge_fixture);
}
