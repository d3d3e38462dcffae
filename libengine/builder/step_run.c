/*
 * RUN: the command runs in a container of our own runtime on top of the
 * current image (entrypoint cleared, the step's env, workdir and user,
 * network none by default), its output streamed line by line; the diff of
 * the container's upper dir becomes the layer (overlay whiteouts turned into
 * .wh. entries by the store), minus the files the runtime itself puts into
 * every container (/etc/hosts, /etc/hostname), which Docker never commits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <engine/container.h>

#include "builder/steps.h"
#include "builder/step_copy.h"
#include "builder/sbuf.h"
#include "core/context.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/safepath.h"
#include "util/str.h"
#include "util/strv.h"

static void spec_freep(engine_spec **s)
{
	engine_spec_free(*s);
}

static int make_spec(engine__builder *b, engine__build_stage *st, char **argv, char **env, int out_fd,
		     engine_spec **out)
{
	__attribute__((cleanup(spec_freep))) engine_spec *spec = NULL;
	json_object *cfg = engine__build_config(st);
	engine_strarray a = {argv, engine__strv_len(argv)}, none = {NULL, 0};
	const char *wd = engine__json_get_string(cfg, "WorkingDir"),
		   *user = engine__json_get_string(cfg, "User");
	int r;

	if ((r = engine_spec_new(&spec)) < 0 || (r = engine_spec_set_image(spec, b->cur)) < 0 ||
	    (r = engine_spec_set_entrypoint(spec, &none)) < 0 || (r = engine_spec_set_argv(spec, &a)) < 0)
		return r;
	/* The image's Env is applied by the runtime; ARG values come on top. */
	for (size_t i = 0; env[i]; i++)
		if ((r = engine_spec_add_env(spec, env[i])) < 0)
			return r;
	if ((wd && *wd && (r = engine_spec_set_working_dir(spec, wd)) < 0) ||
	    (user && *user && (r = engine_spec_set_user(spec, user)) < 0))
		return r;
	if ((r = engine_spec_set_network(spec, b->network ? b->network : ENGINE_NETWORK_NONE)) < 0 ||
	    (r = engine_spec_set_stdio_fds(spec, -1, out_fd, out_fd)) < 0 ||
	    (r = engine_spec_set_auto_remove(spec, 0)) < 0)
		return r;
	*out = steal_ptr(spec);
	return 0;
}

/* A line longer than this is passed on in pieces of this size: the step's
 * command must not make the builder hold an output without newlines. */
#define OUTPUT_LINE_MAX 65536

/* Read the container's output until every writer is gone, one event per line. */
static void stream_output(engine__builder *b, int fd)
{
	cleanup_sbuf engine__sbuf line = {0};
	char buf[4096];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' || line.len >= OUTPUT_LINE_MAX) {
				engine__build_emit(b, ENGINE_BUILD_EVENT_OUTPUT, line.s ? line.s : "");
				line.len = 0;
				if (line.s)
					line.s[0] = '\0';
			}
			if (buf[i] != '\n' && engine__sbuf_addc(&line, buf[i]) < 0)
				engine_error_clear();
		}
	}
	if (line.len)
		engine__build_emit(b, ENGINE_BUILD_EVENT_OUTPUT, line.s);
}

static bool opaque(int dfd)
{
	return engine__overlay_opaque_fd(dfd);
}

/* Drop what the runtime wrote into every container and the directories it
 * created only to hold them or to mount on, when the image lacks them. The
 * upper dir is the container's: the build's command may have made any of
 * these a symlink (to the host's /etc, say), so every step is relative to
 * the upper dir's fd and follows no symlink. */
static int filter_upper(const char *upper, char *const *layers)
{
	static const char *const files[] = {"etc/hosts", "etc/hostname", "etc/resolv.conf"};
	static const char *const dirs[] = {"etc", "proc", "sys", "dev"};
	cleanup_close int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (ufd < 0)
		return engine__error_errno(errno, "open %s", upper);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const char *base;
		cleanup_close int pfd = engine__open_parent_beneath(ufd, files[i], 0, &base);
		struct stat st;

		/* Only the regular file the runtime wrote; a symlink or a
		 * directory of that name is the build's own. */
		if (pfd >= 0 && fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			unlinkat(pfd, base, 0);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		cleanup_close int dfd = openat(ufd, dirs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		cleanup_free char *in_image = engine__strdup_printf("/%s", dirs[i]);
		struct stat st, img;

		if (dfd < 0 || !in_image || fstat(dfd, &st) < 0 || opaque(dfd))
			continue;
		/* Empty and the image has it with the same mode: nothing to commit. An
		 * empty mount point the image lacks is the runtime's, not the build's. */
		if (engine__image_path_stat(layers, in_image, &img) != 0 ||
		    (S_ISDIR(img.st_mode) && (img.st_mode & 07777) == (st.st_mode & 07777) &&
		     img.st_uid == st.st_uid && img.st_gid == st.st_gid))
			unlinkat(ufd, dirs[i], AT_REMOVEDIR); /* fails, as it should, unless empty */
	}
	engine_error_clear();
	return 0;
}

static char *join_argv(char *const *argv)
{
	cleanup_sbuf engine__sbuf b = {0};

	for (size_t i = 0; argv[i]; i++)
		if ((i && engine__sbuf_addc(&b, ' ') < 0) || engine__sbuf_add(&b, argv[i]) < 0)
			return NULL;
	return engine__sbuf_steal(&b);
}

static void container_freep(engine_container **c)
{
	engine_container_free(*c);
}

int engine__build_step_run(engine__builder *b, engine__build_stage *st, const engine__df_instr *in)
{
	cleanup_strv char **argv = NULL, **env = NULL, **layers = NULL;
	cleanup_free char *created_by = NULL, *key = NULL, *cmd = NULL, *upper = NULL, *rel = NULL;
	__attribute__((cleanup(spec_freep))) engine_spec *spec = NULL;
	__attribute__((cleanup(container_freep))) engine_container *c = NULL;
	cleanup_close int rd = -EBADF, wr = -EBADF;
	char diff_id[ENGINE__DIGEST_LEN + 1], cid[13];
	engine__error_saved saved;
	int fds[2], exit_code = 0, r;
	bool hit;

	if ((r = engine__build_run_argv(st, in, &argv, &env, &created_by)) < 0 ||
	    (r = engine__build_step_key(st, created_by, &key)) < 0)
		return r;
	if ((r = engine__build_probe(b, st, key, &hit)) < 0 || hit)
		return r;
	if (!b->cur[0])
		return engine__error_set(ENGINE_EINVALID, 0,
					 "Dockerfile:%d: RUN needs a base image: FROM scratch has no "
					 "filesystem to run in",
					 in->line);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return engine__error_errno(errno, "pipe");
	rd = fds[0];
	wr = fds[1];
	if ((r = make_spec(b, st, argv, env, wr, &spec)) < 0)
		return engine__error_wrap("Dockerfile:%d: RUN", in->line);
	if ((r = engine_container_create(b->ctx, spec, &c)) < 0)
		return engine__error_wrap("Dockerfile:%d: RUN: create container", in->line);
	snprintf(cid, sizeof(cid), "%.12s", engine_container_id(c));
	engine__build_emit(b, ENGINE_BUILD_EVENT_RUNNING, engine_container_id(c));
	r = engine_container_start(c);
	/* Our copy of the write end must go, or the output never ends. */
	close(steal_fd(wr));
	if (r >= 0) {
		stream_output(b, rd);
		r = engine_container_wait(c, -1, &exit_code);
	}
	cmd = join_argv(argv);
	if (r >= 0 && exit_code != 0)
		r = engine__error_set(ENGINE_ERROR, 0, "The command '%s' returned a non-zero code: %d",
				      cmd ? cmd : "", exit_code);
	else if (r == ENGINE_ENOTFOUND || r == ENGINE_EPERM)
		/* The command could not run: not found (127) or not executable (126). */
		r = engine__error_wrap("The command '%s' returned a non-zero code: %d", cmd ? cmd : "",
				       r == ENGINE_ENOTFOUND ? 127 : 126);
	if (r >= 0) {
		rel = engine__strdup_printf("containers/%s/upper", engine_container_id(c));
		upper = rel ? engine__context_path(b->ctx, rel) : NULL;
		r = upper ? engine__build_layer_dirs(b, &layers) : ENGINE_ENOMEM;
		if (r >= 0)
			r = filter_upper(upper, layers);
		if (r >= 0)
			r = engine__build_layer(b, st, upper, diff_id);
		if (r >= 0)
			r = engine__build_finish_step(b, st, created_by, key, diff_id);
	}
	/* The container goes whatever happened; its error must not hide ours. */
	engine__error_save(&saved);
	if (engine_container_remove(c, 1) == 0 && r >= 0)
		engine__build_emit(b, ENGINE_BUILD_EVENT_REMOVED, engine_container_id(c));
	engine__error_restore(&saved);
	return r;
}
