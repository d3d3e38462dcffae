/*
 * A container being created or opened: its ID, directory and image
 * (layer dirs and config), shared by engine_run and the lifecycle code.
 */
#ifndef ENGINE_RUNTIME_CONTAINER_INT_H
#define ENGINE_RUNTIME_CONTAINER_INT_H

#include <stdbool.h>

#include <json-c/json.h>

#include "runtime/runtime.h"

typedef struct engine__cinfo {
	char id[65];
	char *dir;	     /* <root>/containers/<id> */
	char **layers;	     /* lower dirs, lowest first */
	json_object *config; /* the image's config object (Env, Cmd, ...), never NULL */
	char *image_id;	     /* "" for a plain rootfs */
} engine__cinfo;

/* Resolve the spec's image, pick an ID, make containers/<id>/{upper,work,rootfs}
 * and write image-id. */
int engine__cinfo_prepare(engine_context *ctx, const engine_spec *spec, bool keep, engine__cinfo **out);
/* engine_run: the image, an ID, and the context's image marker; nothing
 * else on disk (ci->dir is named but not created). */
int engine__cinfo_ephemeral(engine_context *ctx, const engine_spec *spec, engine__cinfo **out);
/* Keep @image_id from GC while this context lives (ephemeral.c). */
int engine__ephemeral_mark(engine_context *ctx, const char *image_id);
/* Load the image side again for an existing container (layers + config). */
int engine__cinfo_load_image(engine_context *ctx, const engine_spec *spec, engine__cinfo *ci);
/* rm -rf the container directory. */
int engine__cinfo_remove(engine__cinfo *ci);
void engine__cinfo_free(engine__cinfo *ci);

/* Whether any cgroup limit is set. */
bool engine__limits_set(const engine__cgroup_limits *l);

/* Stdio wiring (run.c). */
int engine__stdio_setup(const engine_spec *spec, int mode, const char *cdir, engine__plan *p, int capture[2],
			int owned[3]);
void engine__stdio_close(int fds[3]);

/* Spawn @plan in @cg, close the parent's copies of the child's stdio
 * (@owned), then wait (capture pipes @capture are handed to the wait and set
 * to -1; @kill_cg is killed on @timeout) and time the run into @res. When
 * the spawn fails with an exit status (126/127 for exec failures) the call
 * fails but @res carries it and *@deliver is set, as docker run reports it;
 * likewise when @cancel_fd (-1: none) ended the run (ENGINE_ECANCELED).
 * @capture_max bounds what is kept of each captured stream (0: no bound). */
int engine__spawn_and_wait(engine__plan *plan, engine__cgroup *cg, engine__cgroup *kill_cg, int owned[3],
			   int capture[2], double timeout, int cancel_fd, size_t capture_max,
			   engine_run_result *res, bool *deliver, int *mntns);

/* An exec's process as the runtime sees it (exec.c). */
typedef struct engine__exec_req {
	const engine_strarray *argv, *env;
	const char *user, *working_dir;
	bool tty, privileged;
	uint16_t tty_rows, tty_cols;
} engine__exec_req;

/* The plan of an exec into @c (which must be running: ENGINE_EBUSY) with
 * its stdio unset, and the container's cgroup. The plan owns the pidfd of
 * the container's PID 1 it joins through. */
int engine__exec_plan(engine_container *c, const engine__exec_req *req, engine__plan **plan_out,
		      engine__cgroup **cg_out);

/* engine_container_exec() keeping at most @capture_max bytes of each
 * captured stream (0: all of it); what is past that is read and dropped. */
int engine__container_exec(engine_container *c, const engine_exec_options *opts, size_t capture_max,
			   engine_run_result **out);

#endif
