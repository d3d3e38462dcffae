/* Signal names, Docker style ("SIGTERM", "TERM", "15", "SIGRTMIN+3"). */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "runtime/lifecycle.h"

static const struct {
	const char *name;
	int sig;
} signals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},	    {"QUIT", SIGQUIT}, {"ILL", SIGILL},	  {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"BUS", SIGBUS},	    {"FPE", SIGFPE},   {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},   {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG},	    {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"PWR", SIGPWR},	  {"SYS", SIGSYS},
};

int engine__signal_parse(const char *name, int *out)
{
	const char *n = name;
	char *end;
	long v;

	if (!name || !*name)
		return engine__error_set(ENGINE_EINVALID, 0, "empty signal name");
	v = strtol(name, &end, 10);
	if (!*end && v > 0 && v < 65) {
		*out = (int)v;
		return 0;
	}
	if (strncasecmp(n, "SIG", 3) == 0)
		n += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(n, signals[i].name) == 0) {
			*out = signals[i].sig;
			return 0;
		}
	if (strncasecmp(n, "RTMIN+", 6) == 0) {
		v = strtol(n + 6, &end, 10);
		if (!*end && v >= 0 && SIGRTMIN + v <= SIGRTMAX) {
			*out = SIGRTMIN + (int)v;
			return 0;
		}
	}
	return engine__error_set(ENGINE_EINVALID, 0, "invalid signal \"%s\"", name);
}

ENGINE_EXTERN int engine_signal_parse(const char *name, int *out)
{
	if (!out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_signal_parse: NULL argument");
	return engine__signal_parse(name, out);
}
