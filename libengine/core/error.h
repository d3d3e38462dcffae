/* Internal error recording: set, wrap with context, map errno. */
#ifndef ENGINE_CORE_ERROR_H
#define ENGINE_CORE_ERROR_H

#include <engine/errors.h>

/* Record an error on this thread and return @code (always negative). */
int engine__error_set(int code, int sys_errno, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Record errno as an error: the code is mapped from @sys_errno and the
 * message becomes "<fmt>: <strerror>". Returns the mapped code. */
int engine__error_errno(int sys_errno, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefix the current message with "<fmt>: " and return the current code,
 * crun style, as the error travels up. With no current error, records a
 * generic one. */
int engine__error_wrap(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Record ENGINE_ENOMEM. */
int engine__error_oom(void);

/* The ENGINE_E* code that corresponds to an errno value. */
int engine__error_code_from_errno(int sys_errno);

/* Save and restore the thread's error around cleanup code that may fail. */
typedef struct engine__error_saved {
	int code;
	int sys_errno;
	char message[1024];
} engine__error_saved;
void engine__error_save(engine__error_saved *s);
void engine__error_restore(const engine__error_saved *s);

#endif
