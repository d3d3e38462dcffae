/*
 * Error reporting: every fallible function returns 0 or a negative
 * ENGINE_E* code and records the details of the failure per thread.
 */
#ifndef ENGINE_ERRORS_H
#define ENGINE_ERRORS_H

#include "common.h"

ENGINE_BEGIN_DECLS

/** Stable error codes; the values never change once released. */
typedef enum engine_error_code {
	ENGINE_OK = 0,
	ENGINE_ERROR = -1,     /**< generic failure, see the message */
	ENGINE_ENOTFOUND = -2, /**< an image, container, file or key does not exist */
	ENGINE_EEXISTS = -3,   /**< the object already exists */
	ENGINE_EINVALID = -4,  /**< bad argument or malformed input */
	ENGINE_EPERM = -5,     /**< permission denied, or unsafe input refused */
	ENGINE_EBUSY = -6,     /**< in use (a running container, a locked store) */
	ENGINE_ENOTSUP = -7,   /**< not supported by this host or build */
	ENGINE_ENOMEM = -8,    /**< out of memory */
	ENGINE_ETIMEOUT = -9,  /**< a deadline passed */
	ENGINE_EIO = -10,      /**< an I/O failure: full disk, short read, broken pipe */
	ENGINE_ECANCELED = -11 /**< the caller cancelled the call (a cancel fd became readable) */
} engine_error_code;

/** Details of the last failure on the calling thread. */
typedef struct engine_error {
	int code;	     /**< the negative ENGINE_E* code (0 when none) */
	int sys_errno;	     /**< the errno behind it, 0 when none */
	const char *message; /**< one line, never NULL; "no error" when none */
} engine_error;

/**
 * The last error recorded on the calling thread. Never NULL; the pointer is
 * valid until the next engine_* call on the same thread.
 */
ENGINE_EXTERN const engine_error *engine_error_last(void);

/** Forget the calling thread's last error. */
ENGINE_EXTERN void engine_error_clear(void);

/** A short description of a code ("not found"). Static storage, never NULL. */
ENGINE_EXTERN const char *engine_strerror(int code);

/** The code's symbolic name ("ENGINE_ENOTFOUND"). Static storage, never NULL. */
ENGINE_EXTERN const char *engine_err_name(int code);

ENGINE_END_DECLS

#endif
