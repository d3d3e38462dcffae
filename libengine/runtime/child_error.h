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

/* A prepared sandbox's job (runtime/pool.c): this header on the sync
 * socket, with the stdio fds as SCM_RIGHTS, then the strings: engine-init's
 * argv (its own, "--exec" or "--", the command's) and the env, each
 * NUL-terminated. Read by engine-init in --job mode, or by the child
 * itself (child_pool.c). */
typedef struct engine__pool_job_header {
	unsigned int argc, envc; /* argc: engine-init's, "--exec" and the command's */
	unsigned int len;	 /* bytes of NUL-terminated strings that follow */
	unsigned int stdio_mask; /* bit i: an fd for stdio i comes along, in order */
} engine__pool_job_header;

/* What engine-init --job may receive. */
#define ENGINE__POOL_JOB_BYTES (256 * 1024)
#define ENGINE__POOL_JOB_PTRS 8192

#endif
