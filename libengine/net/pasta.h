/* The rootless user-mode network by pasta (pasta.c). */
#ifndef ENGINE_NET_PASTA_H
#define ENGINE_NET_PASTA_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "net/addr.h"

/* Whether Debian's passt package (pasta) is installed. */
bool engine__pasta_available(void);
/* Give @pid's network namespace (joined through its user namespace) a
 * user-mode network with @ports published; *@out: pasta's pid, for
 * engine__pasta_stop. @pid_file: a scratch path for pasta's --pid. */
int engine__pasta_start(pid_t pid, const engine__port *ports, size_t n_ports, const char *pid_file,
			pid_t *out);
void engine__pasta_stop(pid_t pasta);

#endif
