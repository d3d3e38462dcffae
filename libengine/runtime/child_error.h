/*
 * The record a container's process writes on the runtime's error pipe when
 * it fails before its command runs: in the cloned child (child.c) or in
 * engine-init (libengine/init/engine_init.c), which builds without libc, so
 * this header includes nothing.
 */
#ifndef ENGINE_RUNTIME_CHILD_ERROR_H
#define ENGINE_RUNTIME_CHILD_ERROR_H

typedef struct engine__child_error {
	int sys_errno;
	int exit_code; /* 126/127 for exec failures, 0 for setup failures */
	char message[512];
} engine__child_error;

/* The fd on which engine-init finds the error pipe. */
#define ENGINE__INIT_REPORT_FD 3

#endif
