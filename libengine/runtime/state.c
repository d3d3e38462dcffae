/*
 * state.json: a container's status as any process sees it (status, pid and
 * its start time, monitor pid, exit code, OOM, timestamps). Pids are paired
 * with their /proc start time so a recycled pid is never mistaken for the
 * container or its monitor.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"

int64_t engine__realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void engine__format_time(char *buf, size_t len, int64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;
	char base[32];

	if (ns <= 0) {
		snprintf(buf, len, "0001-01-01T00:00:00Z");
		return;
	}
	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09lldZ", base, (long long)(ns % 1000000000));
}

uint64_t engine__proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	ssize_t n;
	char *p;
	int fd;
	unsigned long long start = 0;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* Field 22, counted after the ")" that ends the command name. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	p += 2;
	/* A zombie (its reaper has not come by yet) is dead for our purposes:
	 * after a kill -9 of a monitor, it and its container can stay zombies. */
	if (*p == 'Z' || *p == 'X')
		return 0;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%llu", &start) != 1)
		return 0;
	return start;
}

bool engine__proc_alive(pid_t pid, uint64_t start)
{
	uint64_t now = engine__proc_start_time(pid);

	return now != 0 && (start == 0 || now == start);
}

int engine__state_read(const char *dir, engine__cstate *st)
{
	cleanup_free char *path = engine__path_join(dir, "state.json");
	cleanup_json json_object *o = NULL;
	const char *s;

	memset(st, 0, sizeof(*st));
	strcpy(st->status, "created");
	if (!path)
		return ENGINE_ENOMEM;
	if (access(path, F_OK) < 0)
		return 0;
	if (engine__json_parse_file(path, &o) < 0)
		return engine_error_last()->code;
	s = engine__json_get_string(o, "Status");
	if (s)
		snprintf(st->status, sizeof(st->status), "%s", s);
	st->pid = (pid_t)engine__json_get_int(o, "Pid", 0);
	st->pid_start = (uint64_t)engine__json_get_int(o, "PidStart", 0);
	st->monitor = (pid_t)engine__json_get_int(o, "MonitorPid", 0);
	st->monitor_start = (uint64_t)engine__json_get_int(o, "MonitorStart", 0);
	st->exit_code = (int)engine__json_get_int(o, "ExitCode", 0);
	st->oom_killed = engine__json_get_int(o, "OOMKilled", 0) != 0;
	st->started_ns = engine__json_get_int(o, "StartedAt", 0);
	st->finished_ns = engine__json_get_int(o, "FinishedAt", 0);
	s = engine__json_get_string(o, "Error");
	if (s)
		snprintf(st->error, sizeof(st->error), "%s", s);
	st->restart_count = (int)engine__json_get_int(o, "RestartCount", 0);
	st->manual_stop = engine__json_get_int(o, "ManualStop", 0) != 0;
	return 0;
}

int engine__state_write(const char *dir, const engine__cstate *st)
{
	cleanup_free char *path = engine__path_join(dir, "state.json");
	char buf[1536];
	int n;

	if (!path)
		return ENGINE_ENOMEM;
	/* Written without json-c: the monitor calls this too. */
	n = snprintf(
	    buf, sizeof(buf),
	    "{\"Status\":\"%s\",\"Pid\":%d,\"PidStart\":%llu,\"MonitorPid\":%d,\"MonitorStart\":%llu,"
	    "\"ExitCode\":%d,\"OOMKilled\":%d,\"StartedAt\":%lld,\"FinishedAt\":%lld,"
	    "\"RestartCount\":%d,\"ManualStop\":%d,\"Error\":\"",
	    st->status, (int)st->pid, (unsigned long long)st->pid_start, (int)st->monitor,
	    (unsigned long long)st->monitor_start, st->exit_code, st->oom_killed ? 1 : 0,
	    (long long)st->started_ns, (long long)st->finished_ns, st->restart_count,
	    st->manual_stop ? 1 : 0);
	for (const char *p = st->error; *p && n < (int)sizeof(buf) - 8; p++) {
		if (*p == '"' || *p == '\\')
			buf[n++] = '\\';
		buf[n++] = (*p >= 0 && *p < 0x20) ? ' ' : *p;
	}
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\"}\n");
	return engine__write_file_atomic(path, buf, (size_t)n, 0644, false);
}

/* A container whose monitor died without recording the exit is "exited". */
void engine__state_refresh(engine__cstate *st)
{
	if ((strcmp(st->status, "running") == 0 || strcmp(st->status, "paused") == 0 ||
	     strcmp(st->status, "restarting") == 0) &&
	    !engine__proc_alive(st->monitor, st->monitor_start) &&
	    !engine__proc_alive(st->pid, st->pid_start)) {
		strcpy(st->status, "exited");
		if (!st->exit_code)
			st->exit_code = 255;
		st->pid = 0;
	}
}

int engine__container_lock(engine_context *ctx, const char *id)
{
	cleanup_free char *dir = engine__container_dir(ctx, id);
	cleanup_free char *path = dir ? engine__path_join(dir, "lock") : NULL;

	if (!path)
		return ENGINE_ENOMEM;
	return engine__lock_take(path, true);
}

int engine__state_mark_stopped(engine_context *ctx, const char *id, const char *dir)
{
	cleanup_close int lock = engine__container_lock(ctx, id);
	engine__cstate st;
	int r;

	if (lock < 0)
		return lock;
	r = engine__state_read(dir, &st);
	if (r < 0 || st.manual_stop)
		return r;
	st.manual_stop = true;
	return engine__state_write(dir, &st);
}
