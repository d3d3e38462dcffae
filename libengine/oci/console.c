/*
 * The console socket protocol (runc's --console-socket): the container's
 * pty master, made in its own devpts by the runtime's terminal code
 * (child_tty.c), is sent to the caller's AF_UNIX socket with SCM_RIGHTS,
 * the pty's name as the message; the caller (the shim) owns the terminal.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/error.h"
#include "oci/oci.h"
#include "util/cleanup.h"
#include "util/fdpass.h"
#include "util/json.h"

int engine__oci_console_size(json_object *proc, engine__plan *p)
{
	json_object *size = engine__json_get_type(proc, "consoleSize", json_type_object);

	p->tty_rows = (uint16_t)engine__json_get_int(size, "height", 0);
	p->tty_cols = (uint16_t)engine__json_get_int(size, "width", 0);
	return 0;
}

int engine__oci_console_send(const char *path, int master)
{
	struct sockaddr_un addr;
	cleanup_close int sock = -EBADF;
	static const char name[] = "/dev/ptmx";

	if (strlen(path) >= sizeof(addr.sun_path))
		return engine__error_set(ENGINE_EINVALID, 0, "console socket %s: path too long", path);
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return engine__error_errno(errno, "console socket %s", path);
	if (engine__fd_send(sock, master, name, sizeof(name) - 1, 0) < 0)
		return engine__error_errno(errno, "console socket %s: send the terminal", path);
	return 0;
}
