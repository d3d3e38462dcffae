/*
 * Reading a container's logs as Docker's `logs` endpoint serves them:
 * entries with their stream (stdout/stderr) and time, filtered by time,
 * the last N lines, optionally followed until the container exits.
 * Also the time values Docker accepts for since/until.
 */
#ifndef ENGINE_LOGS_H
#define ENGINE_LOGS_H

#include "common.h"
#include "container.h"

ENGINE_BEGIN_DECLS

#define ENGINE_LOGS_OPTIONS_VERSION 1

/** Options for engine_container_logs(). */
typedef struct engine_logs_options {
	unsigned version;
	int show_stdout; /**< entries of stdout (default 1) */
	int show_stderr; /**< entries of stderr (default 1) */
	int follow;	 /**< keep reading while the container runs (Docker's -f) */
	int64_t tail;	 /**< only the last N lines; < 0 (the default): all */
	int64_t since;	 /**< ns since the epoch: entries from then on; 0: no limit */
	int64_t until;	 /**< ns since the epoch: entries up to then; 0: no limit */
	int timestamps;	 /**< start every line with its RFC 3339 time and a space (Docker's -t) */
} engine_logs_options;

#define ENGINE_LOGS_OPTIONS_INIT                                                                             \
	{                                                                                                    \
		ENGINE_LOGS_OPTIONS_VERSION, 1, 1, 0, -1, 0, 0, 0                                            \
	}

/** Initialise @p opts like ENGINE_LOGS_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_logs_options_init(engine_logs_options *opts, unsigned version);

/** One piece of output: a line, or a part of one the container has not finished. */
typedef struct engine_log_entry {
	int stream;	  /**< 1 stdout, 2 stderr (a TTY's output is stdout) */
	int64_t time;	  /**< when it was written, ns since the epoch */
	const char *data; /**< the bytes (with the timestamp prefix when asked for) */
	size_t len;
	int partial; /**< 1 when the line goes on in a later entry of the same stream */
} engine_log_entry;

/** A log reader. */
typedef struct engine_logs engine_logs;

/**
 * Open @p container's log. Logs are kept for containers started with the
 * engine's stdio (the default); one that never ran has an empty log.
 * *@p out is freed with engine_logs_free(). Errors: ENGINE_EINVALID
 * (options), ENGINE_EIO.
 */
ENGINE_EXTERN int engine_container_logs(engine_container *container, const engine_logs_options *opts,
					engine_logs **out);

/**
 * Move to the next entry, waiting at most @p timeout seconds (< 0: forever)
 * when following a running container. Returns 1 when an entry is ready
 * (engine_logs_entry()), 0 at the end (everything read; when following, the
 * container stopped or @p until passed), ENGINE_ETIMEOUT, ENGINE_EIO.
 */
ENGINE_EXTERN int engine_logs_next(engine_logs *logs, double timeout);
/** The current entry (borrowed until the next engine_logs_next() call), NULL before the first. */
ENGINE_EXTERN const engine_log_entry *engine_logs_entry(const engine_logs *logs);
/**
 * An fd that becomes readable when engine_logs_next() has something new, for
 * servers multiplexing many readers: valid once engine_logs_next() returned
 * ENGINE_ETIMEOUT (-1 before that and when not following). Borrowed.
 */
ENGINE_EXTERN int engine_logs_fd(const engine_logs *logs);
/** Free the reader. Accepts NULL. */
ENGINE_EXTERN void engine_logs_free(engine_logs *logs);

/**
 * Parse a time as Docker's since/until accept it into ns since the epoch:
 * Unix seconds ("1700000000", "1700000000.5"), RFC 3339 and its shorter
 * forms ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00.123+02:00",
 * "2024-05-01T10:00", "2024-05-01"; local time without a zone), or a
 * duration before @p now_ns ("10m", "1h30m", "2.5s"). ENGINE_EINVALID
 * names the value.
 */
ENGINE_EXTERN int engine_time_parse(const char *value, int64_t now_ns, int64_t *out);
/** Format ns since the epoch as RFC 3339 with nanoseconds, UTC
 * ("2024-05-01T10:00:00.000000000Z"). *@p out is freed with engine_free(). */
ENGINE_EXTERN int engine_time_format(int64_t ns, char **out);
/** A duration of @p seconds as Docker's listings say it ("Less than a
 * second", "About a minute", "3 hours", "2 weeks": the "Up 3 hours" of a
 * status, the "2 weeks ago" of an image). *@p out is freed with engine_free(). */
ENGINE_EXTERN int engine_duration_format(int64_t seconds, char **out);

ENGINE_END_DECLS

#endif
