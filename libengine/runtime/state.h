/* A container's state.json and the process checks behind it. */
#ifndef ENGINE_RUNTIME_STATE_H
#define ENGINE_RUNTIME_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/runtime.h"

typedef struct engine__cstate {
	char status[16]; /* created, running, paused, exited */
	pid_t pid;	 /* host pid of the container's PID 1 */
	uint64_t pid_start;
	pid_t monitor;
	uint64_t monitor_start;
	int exit_code;
	bool oom_killed;
	int64_t started_ns, finished_ns;
	char error[256];
	int restart_count; /* restarts by the restart policy since the last start */
	bool manual_stop;  /* stop/kill asked for it: the restart policy stands down */
} engine__cstate;

/* A missing state.json reads as "created". */
int engine__state_read(const char *dir, engine__cstate *st);
int engine__state_write(const char *dir, const engine__cstate *st);
/* Demote "running" to "exited" when neither monitor nor process is alive. */
void engine__state_refresh(engine__cstate *st);

/* Under the container's lock: read state.json, set manual_stop, write it. */
int engine__state_mark_stopped(engine_context *ctx, const char *id, const char *dir);

/* /proc/<pid>/stat start time (clock ticks since boot), 0 when gone. */
uint64_t engine__proc_start_time(pid_t pid);
/* Whether @pid is alive and (when @start != 0) still the same process. */
bool engine__proc_alive(pid_t pid, uint64_t start);

#endif
