/*
 * The rootless network: a user-mode stack by pasta (Debian's passt
 * package), which joins the container's user and network namespaces,
 * gives it a tap interface configured like the host's (--config-net) and
 * carries its connections over sockets of the caller's: outbound traffic
 * and published ports (-t/-u HOST:CONTAINER) without any privilege. Like
 * rootless Docker's default, the host's loopback stays out of reach
 * (--no-map-gw, no -T/-U). pasta puts itself in the background once the
 * interface is up; its pid file lets the release stop it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "net/addr.h"
#include "net/pasta.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/strv.h"

extern char **environ;

#define PASTA "/usr/bin/pasta"

bool engine__pasta_available(void)
{
	return access(PASTA, X_OK) == 0;
}

/* "-t" "8080:80" (or "-u"), with the host address when one was given. */
static int port_args(char ***argv, const engine__port *ports, size_t n, int proto)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		const engine__port *p = &ports[i];
		char *spec;

		if (p->proto != proto)
			continue;
		if (p->host_ip) {
			uint32_t a = p->host_ip;

			spec = engine__strdup_printf("%u.%u.%u.%u/%u:%u", a >> 24, (a >> 16) & 255,
						     (a >> 8) & 255, a & 255,
						     p->host_port ? p->host_port : p->ctr_port, p->ctr_port);
		} else {
			spec = engine__strdup_printf("%u:%u", p->host_port ? p->host_port : p->ctr_port,
						     p->ctr_port);
		}
		if (engine__strv_push(argv, proto == IPPROTO_TCP ? "-t" : "-u") < 0 ||
		    engine__strv_push_take(argv, spec) < 0)
			return ENGINE_ENOMEM;
		any = true;
	}
	if (!any && (engine__strv_push(argv, proto == IPPROTO_TCP ? "-t" : "-u") < 0 ||
		     engine__strv_push(argv, "none") < 0))
		return ENGINE_ENOMEM;
	return 0;
}

/* pasta may return before its netlink configuration of the namespace has
 * landed: the command must not start before its default route exists
 * (/proc/PID/net/route is the namespace's, "00000000" its destination). */
static int wait_configured(pid_t pid)
{
	char path[64], line[256];

	snprintf(path, sizeof(path), "/proc/%d/net/route", (int)pid);
	for (int i = 0; i < 1500; i++) {
		cleanup_fclose FILE *f = fopen(path, "re");

		while (f && fgets(line, sizeof(line), f)) {
			char dst[16];

			if (sscanf(line, "%*s %15s", dst) == 1 && strcmp(dst, "00000000") == 0)
				return 0;
		}
		usleep(2000);
	}
	return engine__error_set(ENGINE_ETIMEOUT, 0, "pasta: no default route in the container after 3 s");
}

int engine__pasta_start(pid_t pid, const engine__port *ports, size_t n_ports, const char *pid_file,
			pid_t *out)
{
	cleanup_strv char **argv = NULL;
	cleanup_free char *text = NULL, *log = engine__strdup_printf("%s.log", pid_file);
	posix_spawn_file_actions_t fa;
	char spid[16];
	pid_t child;
	int status, r;

	if (!log)
		return engine__error_oom();
	*out = 0;
	snprintf(spid, sizeof(spid), "%d", (int)pid);
	if (engine__strv_push(&argv, PASTA) < 0 || engine__strv_push(&argv, "--config-net") < 0 ||
	    engine__strv_push(&argv, "--quiet") < 0 || engine__strv_push(&argv, "--no-map-gw") < 0 ||
	    engine__strv_push(&argv, "-T") < 0 || engine__strv_push(&argv, "none") < 0 ||
	    engine__strv_push(&argv, "-U") < 0 || engine__strv_push(&argv, "none") < 0 ||
	    port_args(&argv, ports, n_ports, IPPROTO_TCP) < 0 ||
	    port_args(&argv, ports, n_ports, IPPROTO_UDP) < 0 || engine__strv_push(&argv, "--pid") < 0 ||
	    engine__strv_push(&argv, pid_file) < 0 || engine__strv_push(&argv, spid) < 0)
		return ENGINE_ENOMEM;
	unlink(pid_file);
	/* Its chatter (no syslog here) goes to a file, read back on failure. */
	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		return engine__error_errno(r, "run %s", PASTA);
	/* Nothing of the caller's: it outlives the call (a pipe it kept open
	 * would keep a reader of the caller's output waiting). */
	r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (r == 0)
		r = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (r == 0)
		r = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (r == 0)
		r = posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	/* A clean signal state: a detached container's monitor blocks some. */
	{
		posix_spawnattr_t at;
		sigset_t none, all;

		sigemptyset(&none);
		sigfillset(&all);
		if (r == 0 && (r = posix_spawnattr_init(&at)) == 0) {
			r = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
			if (r == 0)
				r = posix_spawnattr_setsigmask(&at, &none);
			if (r == 0)
				r = posix_spawnattr_setsigdefault(&at, &all);
			if (r == 0)
				r = posix_spawn(&child, PASTA, &fa, &at, argv, environ);
			posix_spawnattr_destroy(&at);
		}
	}
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return engine__error_errno(r, "run %s", PASTA);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return engine__error_errno(errno, "wait for %s", PASTA);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		cleanup_free char *why = NULL;
		char *nl;

		if (engine__read_file(log, &why, NULL) < 0)
			engine_error_clear();
		unlink(log);
		/* Its last complaint is the reason. */
		while (why && (nl = strrchr(why, '\n')) && !nl[1])
			*nl = '\0';
		nl = why ? strrchr(why, '\n') : NULL;
		return engine__error_set(ENGINE_ERROR, 0, "pasta for pid %d failed (status %d): %s", (int)pid,
					 status,
					 nl	       ? nl + 1
					 : why && *why ? why
						       : "no message");
	}
	unlink(log);
	/* It forked into the background after the setup: its pid for release. */
	if (engine__read_file(pid_file, &text, NULL) < 0)
		return engine__error_wrap("pasta");
	*out = (pid_t)strtol(text, NULL, 10);
	unlink(pid_file);
	if (*out <= 0)
		return engine__error_set(ENGINE_ERROR, 0, "pasta: no pid in %s", pid_file);
	return wait_configured(pid);
}

void engine__pasta_stop(pid_t pid)
{
	/* Not our child (it daemonized); it also quits with the namespace. */
	if (pid > 0)
		kill(pid, SIGTERM);
}
