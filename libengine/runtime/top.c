/*
 * engine_container_top: the processes of a running container, as docker top
 * shows them. The container's tasks come from its cgroup. Without ps
 * arguments the table is built from /proc in the columns of `ps -ef`; with
 * them, the host's ps runs with those arguments (as dockerd does) and only
 * the rows of the container's pids are kept.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "runtime/lifecycle.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

extern char **environ;

static int by_pid(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* The container's pids, ascending. */
static int container_pids(engine_container *c, long **out, size_t *n)
{
	cleanup_free char *procs = NULL;
	engine__cgroup *cg = NULL;
	long *pids;
	char *save = NULL;
	size_t k = 0;
	int r;

	r = engine__cgroup_open(c->ctx, c->id, &cg);
	if (r < 0)
		return r;
	r = engine__cgroup_procs(cg, &procs);
	engine__cgroup_free(cg);
	if (r < 0)
		return r;
	pids = calloc(strlen(procs) / 2 + 1, sizeof(*pids));
	if (!pids)
		return engine__error_oom();
	for (char *p = strtok_r(procs, "\n", &save); p; p = strtok_r(NULL, "\n", &save))
		pids[k++] = strtol(p, NULL, 10);
	qsort(pids, k, sizeof(*pids), by_pid);
	*out = pids;
	*n = k;
	return 0;
}

static json_object *str_array(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* --- the default table, from /proc --------------------------------------- */

typedef struct proc_row {
	char uid[64], pid[16], ppid[16], c[8], stime[16], tty[16], time[32];
	char *cmd;
} proc_row;

static void format_stime(time_t start, char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm, tn;

	localtime_r(&start, &tm);
	localtime_r(&now, &tn);
	if (now - start < 24 * 3600)
		strftime(buf, len, "%H:%M", &tm);
	else if (tm.tm_year == tn.tm_year)
		strftime(buf, len, "%b%d", &tm);
	else
		strftime(buf, len, "%Y", &tm);
}

static void format_tty(unsigned long nr, char *buf, size_t len)
{
	unsigned maj = major(nr), min = minor(nr);

	if (nr == 0)
		snprintf(buf, len, "?");
	else if (maj >= 136 && maj <= 143)
		snprintf(buf, len, "pts/%u", (maj - 136) * 256 + min);
	else if (maj == 4 && min < 64)
		snprintf(buf, len, "tty%u", min);
	else
		snprintf(buf, len, "?");
}

static void user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(buf, len, "%s", res->pw_name);
	else
		snprintf(buf, len, "%u", (unsigned)uid);
}

/* One row; false when the process is gone. */
static bool read_row(long pid, proc_row *row)
{
	char path[64];
	cleanup_free char *stat = NULL, *cmdline = NULL, *status = NULL;
	unsigned long long utime, stime, start;
	unsigned long tty;
	long ppid, hz = sysconf(_SC_CLK_TCK);
	size_t cmdlen = 0;
	struct timespec boot, now_rt;
	double up, age, cpu;
	unsigned euid = 0;
	char *p;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (engine__read_file(path, &stat, NULL) < 0)
		return false;
	p = strrchr(stat, ')');
	if (!p || sscanf(p + 2,
			 "%*c %ld %*d %*d %lu %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu",
			 &ppid, &tty, &utime, &stime, &start) != 5)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if (engine__read_file(path, &status, NULL) == 0 && (p = strstr(status, "\nUid:")))
		sscanf(p + 5, "%*u %u", &euid);
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if (engine__read_file(path, &cmdline, &cmdlen) < 0)
		cmdlen = 0;
	engine_error_clear();
	for (size_t i = 0; i + 1 < cmdlen; i++)
		if (cmdline[i] == '\0')
			cmdline[i] = ' ';
	if (cmdlen) {
		row->cmd = strdup(cmdline);
	} else {
		/* no argv (a zombie): ps shows [comm] */
		char *open = strchr(stat, '(');

		*strrchr(stat, ')') = '\0';
		row->cmd = engine__strdup_printf("[%s]", open ? open + 1 : "?");
	}
	if (!row->cmd)
		return false;
	user_name(euid, row->uid, sizeof(row->uid));
	snprintf(row->pid, sizeof(row->pid), "%ld", pid);
	snprintf(row->ppid, sizeof(row->ppid), "%ld", ppid);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_REALTIME, &now_rt);
	up = (double)boot.tv_sec + (double)boot.tv_nsec / 1e9;
	age = up - (double)start / (double)hz;
	cpu = (double)(utime + stime) / (double)hz;
	snprintf(row->c, sizeof(row->c), "%d", age > 0 ? (int)(cpu * 100 / age) : 0);
	format_stime(now_rt.tv_sec - (time_t)age, row->stime, sizeof(row->stime));
	format_tty(tty, row->tty, sizeof(row->tty));
	snprintf(row->time, sizeof(row->time), "%02llu:%02llu:%02llu", (unsigned long long)cpu / 3600,
		 (unsigned long long)cpu / 60 % 60, (unsigned long long)cpu % 60);
	return true;
}

static int top_default(const long *pids, size_t n, json_object *out)
{
	static const char *const titles[] = {"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"};
	json_object *procs = json_object_new_array();

	json_object_object_add(out, "Titles", str_array(titles, 8));
	json_object_object_add(out, "Processes", procs);
	for (size_t i = 0; i < n; i++) {
		proc_row row = {0};

		if (!read_row(pids[i], &row))
			continue;
		const char *cells[] = {row.uid,	  row.pid, row.ppid, row.c,
				       row.stime, row.tty, row.time, row.cmd};
		json_object_array_add(procs, str_array(cells, 8));
		free(row.cmd);
	}
	return 0;
}

/* --- ps with the caller's arguments -------------------------------------- */

/* Run ps @args, stdout into *@out; its exit status, or < 0 (error set). */
static int run_ps(char **args, char **out)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2], status = 0, r;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	pid_t pid;
	ssize_t n;

	if (!buf)
		return engine__error_oom();
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		free(buf);
		return engine__error_errno(errno, "ps: pipe");
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, "ps", &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		free(buf);
		return engine__error_errno(r, "run ps");
	}
	while ((n = read(pipefd[0], buf + len, cap - len - 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
		if (cap - len < 2) {
			char *g = realloc(buf, cap * 2);

			if (!g)
				break;
			buf = g;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*out = buf;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

static bool has_pid(const long *pids, size_t n, long pid)
{
	return bsearch(&pid, pids, n, sizeof(*pids), by_pid) != NULL;
}

static int top_ps(const char *ps_args, const long *pids, size_t n, json_object *out)
{
	cleanup_strv char **args = engine__strv_dup(NULL);
	cleanup_strv char **titles = engine__strv_dup(NULL);
	cleanup_free char *copy = strdup(ps_args), *list = NULL, *text = NULL;
	json_object *procs;
	char *save = NULL, *line, *lsave = NULL;
	size_t pid_col = (size_t)-1, ncols;
	int r;

	if (!args || !titles || !copy || engine__strv_push(&args, "ps") < 0)
		return engine__error_oom();
	for (char *a = strtok_r(copy, " ", &save); a; a = strtok_r(NULL, " ", &save))
		if (engine__strv_push(&args, a) < 0)
			return ENGINE_ENOMEM;
	/* "-q PID,..." narrows the listing; some options (f) refuse it, so
	 * without it on failure, as dockerd does. */
	list = strdup("");
	for (size_t i = 0; list && i < n; i++) {
		char *g = engine__strdup_printf("%s%s%ld", list, i ? "," : "", pids[i]);

		free(list);
		list = g;
	}
	if (!list)
		return engine__error_oom();
	r = -1;
	if (n && engine__strv_push(&args, "-q") == 0 && engine__strv_push(&args, list) == 0) {
		r = run_ps(args, &text);
		if (r < 0)
			return r;
		if (r != 0) {
			size_t k = engine__strv_len(args);

			free(args[k - 1]);
			free(args[k - 2]);
			args[k - 2] = NULL;
			free(text);
			text = NULL;
		}
	}
	if (r != 0 && (r = run_ps(args, &text)) != 0)
		return r < 0 ? r
			     : engine__error_set(ENGINE_EINVALID, 0, "ps %s: exited with status %d", ps_args,
						 r);
	line = strtok_r(text, "\n", &lsave);
	if (!line)
		return engine__error_set(ENGINE_ERROR, 0, "ps %s: no output", ps_args);
	save = NULL;
	for (char *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (strcmp(t, "PID") == 0)
			pid_col = engine__strv_len(titles);
		if (engine__strv_push(&titles, t) < 0)
			return ENGINE_ENOMEM;
	}
	ncols = engine__strv_len(titles);
	if (pid_col == (size_t)-1)
		return engine__error_set(ENGINE_EINVALID, 0, "ps %s: no PID column in its output", ps_args);
	json_object_object_add(out, "Titles", engine__json_from_strv(titles));
	procs = json_object_new_array();
	json_object_object_add(out, "Processes", procs);
	while ((line = strtok_r(NULL, "\n", &lsave))) {
		json_object *row = json_object_new_array();
		char *p = line;
		size_t col = 0;
		long pid = -1;

		/* The last column (the command) keeps its spaces. */
		while (*p && col < ncols) {
			size_t skip = strspn(p, " \t"), len;

			p += skip;
			if (!*p)
				break;
			len = col + 1 == ncols ? strlen(p) : strcspn(p, " \t");
			if (col == pid_col)
				pid = strtol(p, NULL, 10);
			json_object_array_add(row, json_object_new_string_len(p, (int)len));
			p += len;
			col++;
		}
		if (col == ncols && has_pid(pids, n, pid))
			json_object_array_add(procs, row);
		else
			json_object_put(row);
	}
	return 0;
}

ENGINE_EXTERN int engine_container_top(engine_container *c, const char *ps_args, char **json_out)
{
	cleanup_json json_object *o = json_object_new_object();
	cleanup_free long *pids = NULL;
	engine__cstate st;
	size_t n = 0;
	int r;

	if (!c || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_top: NULL argument");
	if (!o)
		return engine__error_oom();
	r = engine__state_read(c->dir, &st);
	if (r < 0)
		return r;
	engine__state_refresh(&st);
	if (strcmp(st.status, "running") != 0 && strcmp(st.status, "paused") != 0)
		return engine__error_set(ENGINE_EBUSY, 0, "container %.12s is not running", c->id);
	r = container_pids(c, &pids, &n);
	if (r == 0)
		r = ps_args && *ps_args && strcmp(ps_args, "-ef") != 0 ? top_ps(ps_args, pids, n, o)
								       : top_default(pids, n, o);
	if (r < 0)
		return engine__error_wrap("top of container %.12s", c->id);
	*json_out = strdup(
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return *json_out ? 0 : engine__error_oom();
}
