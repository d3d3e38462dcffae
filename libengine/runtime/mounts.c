/*
 * A container's volumes over its life: at create (or an engine_run()) each
 * volume mount takes a reference on its volume (created when missing: the
 * image's VOLUME paths and "-v /path" as anonymous ones), an empty new
 * volume is filled with the image's files at its destination (Docker's
 * copy-up), and the references go when the container does. The copy reads
 * the image through an overlay mounted in a private mount namespace of a
 * short-lived child, the path resolved inside it (util/safepath.c), so an
 * image's symlink cannot make the engine copy a host file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <engine/volume.h>

#include "core/error.h"
#include "image/store.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/safepath.h"
#include "util/strv.h"
#include "volume/volume.h"

/* The image's VOLUME paths no mount of the spec covers become anonymous volumes. */
static int add_image_volumes(engine_spec *spec, json_object *image_config)
{
	json_object *vols = engine__json_get_type(image_config, "Volumes", json_type_object);

	if (!vols)
		return 0;
	json_object_object_foreach(vols, dst, v)
	{
		engine__mount m = {.dst = dst, .is_volume = true, .anonymous = true};
		bool covered = false;
		int r;

		(void)v;
		for (size_t i = 0; i < spec->n_mounts && !covered; i++)
			covered = strcmp(spec->mounts[i].dst, dst) == 0;
		if (covered || dst[0] != '/')
			continue;
		if ((r = engine__spec_push_mount(spec, &m)) < 0)
			return r;
	}
	return 0;
}

/* Create a volume a mount names with its volume-opt options (a no-op when it exists). */
static int create_with_options(engine_context *ctx, const engine__mount *m, char **name)
{
	engine_volume_create_options o = ENGINE_VOLUME_CREATE_OPTIONS_INIT;

	o.name = m->volume;
	o.options.strings = m->volume_opts;
	o.options.count = engine__strv_len(m->volume_opts);
	if (m->anonymous) {
		/* Docker's label for volumes made for a container */
		static char *anon[] = {ENGINE__VOLUME_ANON_LABEL};

		o.labels = (engine_strarray){anon, 1};
	}
	return engine_volume_create(ctx, &o, name);
}

int engine__mounts_resolve(engine_context *ctx, engine_spec *spec, json_object *image_config,
			   const char *owner, pid_t pid)
{
	int r = add_image_volumes(spec, image_config);

	for (size_t i = 0; i < spec->n_mounts && r == 0; i++) {
		engine__mount *m = &spec->mounts[i];
		engine__volume_mount vm;
		cleanup_free char *made = NULL;

		if (!m->is_volume || m->src || (m->tmpfs && m->volume))
			continue;
		if (m->volume_opts && (r = create_with_options(ctx, m, &made)) < 0)
			break;
		r = engine__volume_use(ctx, made ? made : m->volume, owner, pid, &vm);
		if (r < 0)
			break;
		free(m->volume);
		free(m->src);
		m->volume = steal_ptr(vm.name);
		m->src = steal_ptr(vm.src);
		m->tmpfs = vm.tmpfs;
		if (vm.tmpfs) {
			free(m->data);
			m->data = steal_ptr(vm.data);
		}
		m->copy_up = vm.empty && !m->nocopy && !m->tmpfs;
		engine__volume_mount_clear(&vm);
	}
	if (r < 0) {
		/* The release clears its own errors: keep the one that says why. */
		engine__error_saved why;

		engine__error_save(&why);
		engine__mounts_release(ctx, spec, owner, true);
		engine__error_restore(&why);
	}
	return r;
}

void engine__mounts_release(engine_context *ctx, const engine_spec *spec, const char *owner,
			    bool remove_anonymous)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (spec->mounts[i].is_volume && spec->mounts[i].volume &&
		    engine__volume_release(ctx, spec->mounts[i].volume, owner,
					   remove_anonymous && spec->mounts[i].anonymous) < 0)
			engine_error_clear();
}

/* --- copy-up ------------------------------------------------------------- */

typedef struct report {
	int code, sys_errno;
	char message[1024];
} report;

/* In the helper: the image's files at @path (a directory) into @dir. */
static int copy_dir(engine_context *ctx, int rootfd, const char *path, const char *dir)
{
	engine__tar_options o = {.skip_pseudo = false};
	cleanup_close int src = engine__open_in_root(rootfd, path, O_PATH), dfd = -EBADF, tar = -EBADF;
	struct stat st;
	int r;

	if (src == -ENOENT)
		return 0; /* nothing there in the image: nothing to copy */
	if (src < 0)
		return engine__error_errno(-src, "%s in the image", path);
	if (fstat(src, &st) < 0)
		return engine__error_errno(errno, "stat %s in the image", path);
	if (!S_ISDIR(st.st_mode))
		return 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return engine__error_errno(errno, "open volume directory %s", dir);
	/* The volume's root takes the owner and mode of the image's directory. */
	if (fchown(dfd, st.st_uid, st.st_gid) < 0 || fchmod(dfd, st.st_mode & 07777) < 0)
		return engine__error_errno(errno, "chown volume directory %s", dir);
	tar = memfd_create("engine-copy-up", MFD_CLOEXEC);
	if (tar < 0)
		return engine__error_errno(errno, "memfd_create");
	if ((r = engine__tar_write_tree(tar, src, "", &o)) < 0)
		return r;
	if (lseek(tar, 0, SEEK_SET) < 0)
		return engine__error_errno(errno, "lseek");
	return engine__tar_extract(ctx, tar, dfd, false);
}

__attribute__((noreturn)) static void helper(engine_context *ctx, const char *mnt, const char *data,
					     const char *cwd, const engine_spec *spec, int report_fd)
{
	report rep;
	int rootfd = -1, r = 0;

	signal(SIGPIPE, SIG_IGN);
	memset(&rep, 0, sizeof(rep));
	if (unshare(CLONE_NEWNS) < 0)
		r = engine__error_errno(errno, "unshare the mount namespace");
	else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		r = engine__error_errno(errno, "make the mounts private");
	else if (cwd && chdir(cwd) < 0)
		r = engine__error_errno(errno, "chdir %s", cwd);
	else if (mount("overlay", mnt, "overlay", MS_RDONLY, data) < 0)
		r = engine__error_errno(errno, "mount overlay on %s", mnt);
	else if ((rootfd = open(mnt, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = engine__error_errno(errno, "open %s", mnt);
	for (size_t i = 0; i < spec->n_mounts && r == 0; i++)
		if (spec->mounts[i].copy_up &&
		    (r = copy_dir(ctx, rootfd, spec->mounts[i].dst, spec->mounts[i].src)) < 0)
			r = engine__error_wrap("copy the image's %s into volume %.12s", spec->mounts[i].dst,
					       spec->mounts[i].volume);
	if (r < 0) {
		rep.code = r;
		rep.sys_errno = engine_error_last()->sys_errno;
		snprintf(rep.message, sizeof(rep.message), "%s", engine_error_last()->message);
	}
	if (write(report_fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(1);
	_exit(0);
}

int engine__mounts_copy_up(engine_context *ctx, const engine_spec *spec, char *const *layers)
{
	cleanup_free char *tmp = NULL, *base = NULL, *upper = NULL, *mnt = NULL, *data = NULL, *cwd = NULL;
	bool any = false;
	report rep;
	int fds[2], status = 0, r;
	ssize_t n;
	pid_t pid;

	for (size_t i = 0; i < spec->n_mounts; i++)
		any = any || spec->mounts[i].copy_up;
	if (!any || !layers || !layers[0])
		return 0;
	if ((r = engine__store_tmpdir(ctx, &base)) < 0 || (r = engine__mkdtemp_in(base, "copy-up", &tmp)) < 0)
		return r;
	upper = engine__path_join(tmp, "upper");
	mnt = engine__path_join(tmp, "rootfs");
	if (!upper || !mnt) {
		r = engine__error_oom();
		goto remove_tmp;
	}
	if (mkdir(upper, 0700) < 0 || mkdir(mnt, 0700) < 0) {
		r = engine__error_errno(errno, "mkdir in %s", tmp);
		goto remove_tmp;
	}
	/* The empty "upper" is the top read-only layer: overlay wants two. */
	if ((r = engine__overlay_options(layers, tmp, true, &data, &cwd)) < 0)
		goto remove_tmp;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		r = engine__error_errno(errno, "create a pipe");
		goto remove_tmp;
	}
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		helper(ctx, mnt, data, cwd, spec, fds[1]);
	}
	close(fds[1]);
	if (pid < 0) {
		r = engine__error_errno(errno, "fork");
		close(fds[0]);
		goto remove_tmp;
	}
	do
		n = read(fds[0], &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(rep))
		r = engine__error_set(ENGINE_ERROR, 0, "the copy-up helper died (status %d)", status);
	else if (rep.code < 0) {
		rep.message[sizeof(rep.message) - 1] = '\0';
		r = engine__error_set(rep.code, rep.sys_errno, "%s", rep.message);
	}
remove_tmp:
	engine__rm_rf(tmp);
	return r;
}
