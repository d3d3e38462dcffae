/* Helpers for the cgroup suites (see check_cgroup.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

		if (!sep || sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s", type) != 1)
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

/* Fork a child that waits until it has been placed in the cgroup. */
void th_child_spawn(th_child *c, th_child_fn fn, void *arg)
{
	int go[2], rep[2];

	ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(rep, O_CLOEXEC), 0);
	c->pid = fork();
	ck_assert_int_ge(c->pid, 0);
	if (c->pid == 0) {
		char b;

		/* Check's handlers would turn a SIGTERM into a kill of the
		 * test's process group. */
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGALRM, SIG_DFL);
		close(go[1]);
		close(rep[0]);
		if (read(go[0], &b, 1) != 1)
			_exit(100);
		_exit(fn(rep[1], arg));
	}
	close(go[0]);
	close(rep[1]);
	c->go = go[1];
	c->report = rep[0];
}

/* Fork a child, put it in @cg, let it run. */
void th_child_start(th_child *c, engine__cgroup *cg, th_child_fn fn, void *arg)
{
	th_child_spawn(c, fn, arg);
	ck_assert_engine_ok(engine__cgroup_attach(cg, c->pid));
	ck_assert_int_eq(write(c->go, "g", 1), 1);
}

/* Read exactly @len bytes the child reports. */
void th_child_read(th_child *c, void *buf, size_t len)
{
	ck_assert_int_eq(read(c->report, buf, len), (ssize_t)len);
}

int th_child_wait(th_child *c)
{
	int status;

	ck_assert_int_eq(waitpid(c->pid, &status, 0), c->pid);
	close(c->go);
	close(c->report);
	return status;
}

void th_spin(void)
{
	for (volatile unsigned long i = 0;; i++)
		;
}

int th_spin_child(int report, void *arg)
{
	(void)arg;
	if (write(report, "s", 1) != 1)
		return 1;
	th_spin();
	return 0;
}

int th_count_forever(int report, void *arg)
{
	volatile uint64_t *counter = arg;

	(void)report;
	for (;;)
		(*counter)++;
	return 0;
}

uint64_t th_wait_progress(volatile uint64_t *counter, uint64_t from)
{
	for (int i = 0; i < 5000 && *counter <= from; i++)
		usleep(1000);
	return *counter;
}

int th_devices_child(int report, void *arg)
{
	const char *paths[2] = {"/dev/null", "/dev/kmsg"};
	const char *node = arg;
	int errs[3];

	for (int i = 0; i < 2; i++) {
		int fd = open(paths[i], O_RDWR | O_NONBLOCK | O_CLOEXEC);

		errs[i] = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
	}
	/* mknod of any device is allowed; using it is what the policy bars. */
	errs[2] = mknod(node, S_IFCHR | 0600, makedev(1, 11)) < 0 ? errno : 0;
	unlink(node);
	return write(report, errs, sizeof(errs)) == sizeof(errs) ? 0 : 1;
}

void th_assert_device_policy(engine__cgroup *cg, bool enforced)
{
	char *tmp = th_mkdtemp("cg-dev");
	cleanup_free char *node = engine__path_join(tmp, "kmsg");
	th_child c;
	int errs[3];

	th_child_start(&c, cg, th_devices_child, node);
	th_child_read(&c, errs, sizeof(errs));
	ck_assert_int_eq(th_child_wait(&c), 0);
	ck_assert_msg(errs[0] == 0, "open /dev/null: %s", strerror(errs[0]));
	ck_assert_msg(errs[2] == 0, "mknod c 1:11: %s", strerror(errs[2]));
	if (enforced)
		ck_assert_msg(errs[1] == EPERM, "open /dev/kmsg: %s, want EPERM", strerror(errs[1]));
	else
		ck_assert_msg(errs[1] == 0, "open /dev/kmsg: %s", strerror(errs[1]));
	th_cleanup_dir(tmp);
}
