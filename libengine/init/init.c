/*
 * The sealed memfd that every container process is exec'd from. The
 * process that enters a container is a fork of the caller (the engine CLI,
 * a Python interpreter, a Go program): if it exec'd the container's command
 * directly, a "#!/proc/self/exe" script or an ELF interpreter resolved
 * during that exec would run the caller's binary inside the container and
 * hand it a reference to the host file (CVE-2019-5736). It execs
 * engine-init from this memfd instead, which then execs the command (or
 * stays as PID 1 with --init): /proc/self/exe inside is only ever this
 * copy, which nobody can write (F_SEAL_WRITE and friends), on the host or
 * in another container sharing it.
 *
 * One memfd per context, made the first time a container needs it: the
 * program is a few KiB, so the copy costs microseconds, and the extra exec
 * of a static binary without libc is cheap next to a container start.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "init/init.h"
#include "util/cleanup.h"
#include "util/fs.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

typedef struct init_ext {
	int fd;
} init_ext;

static void init_ext_free(void *data)
{
	init_ext *e = data;

	if (e->fd >= 0)
		close(e->fd);
	free(e);
}

static int make_memfd(void)
{
	cleanup_close int fd = -EBADF;
	int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

	/* MFD_EXEC says so explicitly where the kernel knows it (6.3+),
	 * which vm.memfd_noexec=1 requires; older kernels reject the flag. */
	fd = memfd_create("engine-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("engine-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return engine__error_errno(errno, "engine-init: memfd_create%s",
					   errno == EACCES ? " (vm.memfd_noexec forbids executable memfds)"
							   : "");
	if (engine__write_all(fd, engine__init_image, engine__init_image_size) < 0)
		return engine__error_wrap("engine-init: fill the memfd");
	/* F_SEAL_EXEC (6.3+) also freezes the mode bits. */
	if (fcntl(fd, F_ADD_SEALS, seals | F_SEAL_EXEC) < 0 &&
	    (errno != EINVAL || fcntl(fd, F_ADD_SEALS, seals) < 0))
		return engine__error_errno(errno, "engine-init: seal the memfd");
	return steal_fd(fd);
}

static void *init_ext_new(engine_context *ctx)
{
	init_ext *e = calloc(1, sizeof(*e));

	(void)ctx;
	if (!e) {
		engine__error_oom();
		return NULL;
	}
	e->fd = make_memfd();
	if (e->fd < 0) {
		free(e);
		return NULL;
	}
	return e;
}

int engine__init_fd(engine_context *ctx)
{
	init_ext *e = engine__context_ext(ctx, ENGINE__EXT_INIT, init_ext_new, init_ext_free);

	return e ? e->fd : engine_error_last()->code;
}
