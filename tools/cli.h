/* Shared pieces of the engine CLI: the command table, global options,
 * error reporting. Each cmd_*.c file contributes one table. */
#ifndef ENGINE_TOOLS_CLI_H
#define ENGINE_TOOLS_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <engine.h>

struct cli_command {
	const char *name;
	/* argv[0] is the command's own name; returns the process exit status. */
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* docker's status for failures of the engine itself (run, exec, create). */
#define EXIT_ENGINE 125

/* Global options, set by main before dispatch. */
struct cli_globals {
	const char *root;
	const char *config;
	int log_level;
	int debug;
};
extern struct cli_globals cli_globals;

/* Tables, each ending with a { NULL } entry. */
extern const struct cli_command cli_image_commands[];
extern const struct cli_command cli_image_io_commands[];
extern const struct cli_command cli_container_commands[];
/* start, stop, kill, rm, pause, unpause, wait (cmd_lifecycle.c). */
extern const struct cli_command cli_lifecycle_commands[];
int cli_rm(int argc, char **argv);
/* ps and stats (cmd_ps.c); `engine container ls` is cli_ps. */
extern const struct cli_command cli_ps_commands[];
int cli_ps(int argc, char **argv);
/* `engine container inspect [-f FORMAT]` (cmd_image.c). */
int cli_inspect_containers(int argc, char **argv);
extern const struct cli_command cli_manage_commands[];
/* `engine container prune` (cmd_manage.c). */
int cli_container_prune(int argc, char **argv);
extern const struct cli_command cli_attach_commands[];
extern const struct cli_command cli_build_commands[];
extern const struct cli_command cli_registry_commands[];
extern const struct cli_command cli_system_commands[];
/* events (cmd_events.c). */
extern const struct cli_command cli_events_commands[];
/* history (cmd_history.c), also `engine image history`. */
extern const struct cli_command cli_history_commands[];
int cli_history(int argc, char **argv);
/* version and info (cmd_info.c). */
extern const struct cli_command cli_info_commands[];
int cli_info(int argc, char **argv);
extern const struct cli_command cli_daemon_commands[];
extern const struct cli_command cli_network_commands[];
extern const struct cli_command cli_volume_commands[];
extern const struct cli_command cli_regserve_commands[];

/* Open the context the global options describe; prints the error itself. */
int cli_open_context(engine_context **out);
/* Open container @key (name, ID or prefix) in it; prints the error itself. */
int cli_open_container(const char *key, engine_container **out);

/* Print "Error: <context>: <engine_error_last message>" to stderr and
 * return @status (1 unless a command has its own convention, like run's 125). */
int cli_fail(int status, const char *context);
/* Print "Error: <formatted>" and return @status. */
int cli_failf(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* import's Dockerfile-style changes (engine import -c, the API's
 * changes=): parsed into @o, whose lists *@owner holds until
 * cli_import_changes_free(*@owner), on failure too. -1 on a bad change
 * (reported on stderr). */
int cli_import_changes(const char *const *changes, size_t n, engine_image_import_options *o, void **owner);
void cli_import_changes_free(void *owner);

/* A command group (`engine container ...`): --help (or no command) lists
 * the commands of @tables, else argv[1] runs from them. */
int cli_group(int argc, char **argv, const char *summary, const struct cli_command *const *tables);

/* Find @name in the NULL-terminated tables and run it; 127 if unknown. */
int cli_dispatch(const struct cli_command *const *tables, int argc, char **argv, const char *what);

/* A command's help: "Usage: engine <usage>", the summary, the option lines. */
struct cli_usage {
	const char *command; /* "run", "container prune": for "See 'engine run --help'." */
	const char *args;    /* "[OPTIONS] CONTAINER NEW_NAME" */
	const char *summary;
	const char *options; /* option lines, each ending in "\n", or NULL */
};

/* What cli_getopt returns besides an option character. */
#define CLI_OPT_END (-1)
#define CLI_OPT_HELP (-2) /* --help was printed: exit 0 */
#define CLI_OPT_BAD (-3)  /* a bad flag was reported: exit 125 */

/* getopt_long with docker's conventions: -h/--help prints the usage to
 * stdout; an unknown flag or a missing argument prints one line naming it
 * and "See 'engine <command> --help'." Reset optind to 1 before the loop. */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	       const struct cli_usage *u);
/* cli_getopt where flags may also follow operands (`images busybox -q`),
 * as docker's commands other than run/create/exec allow. */
int cli_getopt_mixed(int argc, char **argv, const char *shortopts, const struct option *longopts,
		     const struct cli_usage *u);
/* For commands without flags of their own: --help, unknown flags and the
 * operand count (@min..@max, @max < 0: no limit) the docker way. Returns
 * the index of the first operand (> 0), else minus the status to exit
 * with (0 after --help). */
int cli_operands(int argc, char **argv, const struct cli_usage *u, int min, int max);
/* getopt_long (@longopts may be NULL), and docker's --flag=true|false /
 * -f=false for every boolean flag (one without an argument): true is the
 * flag, false leaves it unset; a flag whose long form takes an optional
 * argument (--sig-proxy, commit's --pause: true by default) gets the value,
 * which cli_optarg_bool reads. Any other value prints docker's "invalid
 * argument" line, sets cli_bad_bool and returns '?'. */
int cli_getopt_long(int argc, char **argv, const char *spec, const struct option *longopts, int *longindex);
extern bool cli_bad_bool;
/* Go's strconv.ParseBool ("1", "t", "true", "FALSE", ...); -1 otherwise. */
int cli_parse_bool(const char *s, bool *out);
/* An optional boolean flag's argument: true when absent. */
bool cli_optarg_bool(const char *arg);

/* Print the usage (to stdout for --help, else stderr). */
void cli_usage_print(const struct cli_usage *u, FILE *f);
/* "engine X" requires N arguments: one line + the See line; returns 125. */
int cli_args_error(const struct cli_usage *u, const char *what);

/* Pull @ref for run/create --pull (progress on stderr, @platform may be
 * NULL); -1 with engine_error_last() set (cmd_registry.c). */
int cli_pull_for_run(const char *ref, const char *platform);

/* Print a table's commands (for usage). */
void cli_print_commands(const struct cli_command *table);
void cli_print_commands_to(FILE *f, const struct cli_command *table);

/* Attach to @c (stdin when @interactive), optionally start it, copy its
 * stdio until it exits or the user detaches with @detach_keys (NULL:
 * ctrl-p,ctrl-q), and return docker's status: the container's exit code,
 * 0 after a detach, 125 when the engine failed. @wait_removed: it was
 * created with auto-remove (cmd_attach.c). */
/* engine exec (cmd_exec.c). */
int cli_exec(int argc, char **argv);

int cli_run_attached(engine_container *c, int interactive, int start, int wait_removed,
		     const char *detach_keys, int sig_proxy);

#endif
