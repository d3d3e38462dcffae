/*
 * The built-in default image, busybox:latest, made from a static busybox
 * binary: its applets as hard links, a minimal /etc, the usual top-level
 * directories. Every entry has fixed metadata and the entries are written
 * in a fixed order, so the same binary always gives the same image ID.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "image/archive_util.h"
#include "image/image_import.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/strv.h"

#define DEFAULT_BUSYBOX "/bin/busybox"
#define DEFAULT_REF "busybox:latest"
#define APPLET_LIST_MAX (1024 * 1024)

extern char **environ;

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
			     "bin:x:2:2:bin:/bin:/bin/false\n"
			     "sys:x:3:3:sys:/dev:/bin/false\n"
			     "sync:x:4:100:sync:/bin:/bin/sync\n"
			     "mail:x:8:8:mail:/var/spool/mail:/bin/false\n"
			     "www-data:x:33:33:www-data:/var/www:/bin/false\n"
			     "operator:x:37:37:Operator:/var:/bin/false\n"
			     "nobody:x:65534:65534:nobody:/home:/bin/false\n";

static const char group[] = "root:x:0:\n"
			    "daemon:x:1:\n"
			    "bin:x:2:\n"
			    "sys:x:3:\n"
			    "adm:x:4:\n"
			    "tty:x:5:\n"
			    "disk:x:6:\n"
			    "lp:x:7:\n"
			    "mail:x:8:\n"
			    "kmem:x:9:\n"
			    "wheel:x:10:root\n"
			    "cdrom:x:11:\n"
			    "dialout:x:18:\n"
			    "floppy:x:19:\n"
			    "video:x:28:\n"
			    "audio:x:29:\n"
			    "tape:x:32:\n"
			    "www-data:x:33:\n"
			    "operator:x:37:\n"
			    "utmp:x:43:\n"
			    "staff:x:50:\n"
			    "users:x:100:\n"
			    "nogroup:x:65534:\n";

static const struct {
	const char *path;
	mode_t mode;
} dirs[] = {
    {"bin", 0755},	{"dev", 0755},	    {"etc", 0755}, {"home", 0755},	{"proc", 0555},
    {"root", 0700},	{"sbin", 0755},	    {"sys", 0555}, {"tmp", 01777},	{"usr", 0755},
    {"usr/bin", 0755},	{"usr/sbin", 0755}, {"var", 0755}, {"var/spool", 0755}, {"var/spool/mail", 0755},
    {"var/tmp", 01777}, {"var/www", 0755},
};

/* Run `busybox --list-full` (or --list: everything goes to bin/). */
static int list_applets(const char *busybox, bool full, char ***out)
{
	char *argv[] = {(char *)busybox, full ? "--list-full" : "--list", NULL};
	posix_spawn_file_actions_t fa;
	cleanup_free char *buf = NULL;
	cleanup_strv char **applets = NULL;
	int pipefd[2], status, r = 0;
	size_t len = 0;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return engine__error_errno(errno, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	r = posix_spawn(&pid, busybox, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return engine__error_set(ENGINE_EINVALID, r, "run %s: %s; is it busybox?", busybox,
					 strerror(r));
	}
	buf = malloc(APPLET_LIST_MAX + 1);
	while (buf && len < APPLET_LIST_MAX) {
		ssize_t n = read(pipefd[0], buf + len, APPLET_LIST_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!buf)
		return engine__error_oom();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return engine__error_set(ENGINE_EINVALID, 0, "%s %s: failed (status %d); is it busybox?",
					 busybox, argv[1], status);
	buf[len] = '\0';
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		cleanup_free char *path = NULL;

		while (*line == '/')
			line++;
		/* Applet names are plain words; anything else is not an applet list. */
		if (!*line || strstr(line, "..") || strpbrk(line, " \t"))
			continue;
		path = full ? strdup(line) : engine__strdup_printf("bin/%s", line);
		if (!path || (r = engine__strv_push_take(&applets, steal_ptr(path))) < 0)
			return engine__error_oom();
	}
	if (!applets)
		return engine__error_set(ENGINE_EINVALID, 0, "%s %s: listed no applets", busybox, argv[1]);
	*out = steal_ptr(applets);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int write_link(struct archive *a, const char *name, const char *target)
{
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	if (!e)
		return engine__error_oom();
	archive_entry_set_pathname(e, name);
	archive_entry_set_hardlink(e, target);
	archive_entry_set_mode(e, S_IFREG | 0755);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_size(e, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		r = engine__archive_error(a, name);
	archive_entry_free(e);
	return r;
}

static int write_rootfs(int fd, const char *busybox, char **applets)
{
	struct archive *a = NULL;
	size_t n = engine__strv_len(applets);
	int r = engine__archive_writer_fd(fd, &a);

	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < sizeof(dirs) / sizeof(dirs[0]); i++)
		r = engine__archive_write_dir(a, dirs[i].path, dirs[i].mode, 0);
	if (r >= 0)
		r = engine__archive_write_file(a, "bin/busybox", 0755, 0, busybox);
	if (r >= 0)
		r = engine__archive_write_buf(a, "etc/group", 0644, 0, group, sizeof(group) - 1);
	if (r >= 0)
		r = engine__archive_write_buf(a, "etc/passwd", 0644, 0, passwd, sizeof(passwd) - 1);
	qsort(applets, n, sizeof(char *), cmp_str);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		/* Applets in a directory we do not make, or duplicates, are skipped. */
		bool known = false;
		const char *slash = strrchr(applets[i], '/');

		if (!strcmp(applets[i], "bin/busybox") || (i && !strcmp(applets[i], applets[i - 1])))
			continue;
		for (size_t d = 0; slash && d < sizeof(dirs) / sizeof(dirs[0]); d++)
			known = known || (strlen(dirs[d].path) == (size_t)(slash - applets[i]) &&
					  !strncmp(dirs[d].path, applets[i], (size_t)(slash - applets[i])));
		if (known)
			r = write_link(a, applets[i], "bin/busybox");
	}
	if (r < 0) {
		archive_write_free(a);
		return r;
	}
	return engine__archive_writer_close(a, "write the default rootfs");
}

ENGINE_EXTERN int engine_image_create_default(engine_context *ctx, const char *busybox_path, char **id_out)
{
	static char *const env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
	static char *const cmd[] = {"sh"};
	engine_image_import_options opts = ENGINE_IMAGE_IMPORT_OPTIONS_INIT;
	const char *busybox = busybox_path ? busybox_path : DEFAULT_BUSYBOX;
	cleanup_free char *tmpdir = NULL;
	cleanup_free char *tmp = NULL;
	cleanup_strv char **applets = NULL;
	cleanup_close int fd = -EBADF;
	char id[ENGINE__DIGEST_LEN + 1];
	struct stat st;
	int r;

	if (!ctx)
		return engine__error_set(ENGINE_EINVALID, 0, "default image: missing context");
	if (stat(busybox, &st) < 0)
		return errno == ENOENT
			   ? engine__error_set(ENGINE_ENOTFOUND, ENOENT,
					       "default image: %s: no such file (install busybox-static)",
					       busybox)
			   : engine__error_errno(errno, "default image: %s", busybox);
	if (!S_ISREG(st.st_mode))
		return engine__error_set(ENGINE_EINVALID, 0, "default image: %s: not a regular file",
					 busybox);
	r = list_applets(busybox, true, &applets);
	if (r < 0) {
		engine_error_clear();
		r = list_applets(busybox, false, &applets);
	}
	if (r < 0)
		return engine__error_wrap("default image");

	if ((r = engine__store_tmpdir(ctx, &tmpdir)) < 0)
		return engine__error_wrap("default image");
	tmp = engine__strdup_printf("%s/default-rootfs-XXXXXX", tmpdir);
	if (!tmp)
		return engine__error_oom();
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return engine__error_errno(errno, "default image: create %s", tmp);
	unlink(tmp);
	r = write_rootfs(fd, busybox, applets);
	if (r >= 0 && lseek(fd, 0, SEEK_SET) < 0)
		r = engine__error_errno(errno, "default image: rewind %s", tmp);
	if (r < 0)
		return engine__error_wrap("default image");

	opts.ref = DEFAULT_REF;
	opts.env = (engine_strarray){(char **)env, 1};
	opts.cmd = (engine_strarray){(char **)cmd, 1};
	/* Created at the epoch: the ID depends on the binary alone. */
	r = engine__image_import_fd(ctx, fd, &opts, 0, "engine image default", "busybox from the host", id);
	if (r < 0)
		return engine__error_wrap("default image from %s", busybox);
	if (id_out && !(*id_out = strdup(id)))
		return engine__error_oom();
	return 0;
}
