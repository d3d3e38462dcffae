/* engine-oci's shared state and the verbs (tools/oci). */
#ifndef ENGINE_TOOLS_OCI_CLI_H
#define ENGINE_TOOLS_OCI_CLI_H

#include <stdbool.h>

#include <engine.h>

struct oci_globals {
	const char *root;
	const char *log;
	const char *log_format;
	int debug;
	int systemd_cgroup;
	const char *config;
};
extern struct oci_globals oci_g;

/* Print "engine-oci: MSG" to stderr and log it; returns 1. */
int oci_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with the library's last error after @what. */
int oci_fail_engine(const char *what);
void oci_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* @s as a number in 0..@max, or 1 after naming @what and @s. */
int oci_parse_uint(const char *what, const char *s, long max, long *out);
/* The context for --root (NULL after reporting the failure). */
engine_context *oci_context(void);
/* Write @pid to @path atomically (a temp file renamed into place). */
int oci_write_pid_file(const char *path, int pid);
/* Wait for our child @pid, forwarding signals to it; its exit status as a shell gives it. */
int oci_wait_child(int pid);

int oci_cmd_create(int argc, char **argv);
int oci_cmd_start(int argc, char **argv);
int oci_cmd_run(int argc, char **argv);
int oci_cmd_state(int argc, char **argv);
int oci_cmd_kill(int argc, char **argv);
int oci_cmd_delete(int argc, char **argv);
int oci_cmd_exec(int argc, char **argv);
int oci_cmd_pause(int argc, char **argv);
int oci_cmd_resume(int argc, char **argv);
int oci_cmd_ps(int argc, char **argv);
int oci_cmd_list(int argc, char **argv);
int oci_cmd_events(int argc, char **argv);
int oci_cmd_update(int argc, char **argv);
int oci_cmd_features(int argc, char **argv);
int oci_cmd_spec(int argc, char **argv);

#endif
