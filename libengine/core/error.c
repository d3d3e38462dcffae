/* Thread-local last error: what bindings turn into exceptions and Go errors. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

#define MSG_MAX 1024

static _Thread_local int last_code;
static _Thread_local int last_errno;
static _Thread_local char last_msg[MSG_MAX];
static _Thread_local engine_error last_view;

static void vset(int code, int sys_errno, const char *fmt, va_list ap)
{
	last_code = code < 0 ? code : ENGINE_ERROR;
	last_errno = sys_errno;
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
}

int engine__error_set(int code, int sys_errno, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(code, sys_errno, fmt, ap);
	va_end(ap);
	return last_code;
}

int engine__error_code_from_errno(int e)
{
	switch (e) {
	case 0:
		return ENGINE_ERROR;
	case ENOENT:
	case ESRCH:
		return ENGINE_ENOTFOUND;
	case EEXIST:
	case ENOTEMPTY:
		return ENGINE_EEXISTS;
	case EINVAL:
	case ENAMETOOLONG:
	case ELOOP:
	case ENOTDIR:
	case EISDIR:
	case EBADMSG:
		return ENGINE_EINVALID;
	case EPERM:
	case EACCES:
	case EROFS:
	case EXDEV:
		return ENGINE_EPERM;
	case EBUSY:
	case EAGAIN:
		return ENGINE_EBUSY;
	case ENOTSUP:
	case ENOSYS:
		return ENGINE_ENOTSUP;
	case ENOMEM:
		return ENGINE_ENOMEM;
	case ETIMEDOUT:
		return ENGINE_ETIMEOUT;
	case ECANCELED:
		return ENGINE_ECANCELED;
	case ENOSPC:
	case EDQUOT:
	case EIO:
	case EPIPE:
	case EFBIG:
		return ENGINE_EIO;
	default:
		return ENGINE_ERROR;
	}
}

int engine__error_errno(int sys_errno, const char *fmt, ...)
{
	va_list ap;
	char buf[MSG_MAX / 2];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return engine__error_set(engine__error_code_from_errno(sys_errno), sys_errno, "%s: %.200s", buf,
				 strerror(sys_errno));
}

int engine__error_wrap(const char *fmt, ...)
{
	va_list ap;
	char prefix[MSG_MAX], old[MSG_MAX];

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (last_code == 0)
		return engine__error_set(ENGINE_ERROR, 0, "%s: unknown error", prefix);
	memcpy(old, last_msg, sizeof(old));
	/* Keep the outer context whole; the innermost detail is what gets cut. */
	size_t n = strnlen(prefix, MSG_MAX - 3);
	memcpy(last_msg, prefix, n);
	memcpy(last_msg + n, ": ", 2);
	n += 2;
	size_t rest = strnlen(old, MSG_MAX - 1 - n);
	memcpy(last_msg + n, old, rest);
	last_msg[n + rest] = '\0';
	return last_code;
}

int engine__error_oom(void)
{
	/* No allocation here: this must work when memory is exhausted. */
	last_code = ENGINE_ENOMEM;
	last_errno = ENOMEM;
	strcpy(last_msg, "out of memory");
	return last_code;
}

void engine__error_save(engine__error_saved *s)
{
	s->code = last_code;
	s->sys_errno = last_errno;
	memcpy(s->message, last_msg, sizeof(s->message));
}

void engine__error_restore(const engine__error_saved *s)
{
	last_code = s->code;
	last_errno = s->sys_errno;
	memcpy(last_msg, s->message, sizeof(last_msg));
}

ENGINE_EXTERN const engine_error *engine_error_last(void)
{
	last_view.code = last_code;
	last_view.sys_errno = last_errno;
	last_view.message = last_code ? last_msg : "no error";
	return &last_view;
}

ENGINE_EXTERN void engine_error_clear(void)
{
	last_code = 0;
	last_errno = 0;
	last_msg[0] = '\0';
}

static const struct {
	int code;
	const char *name;
	const char *text;
} codes[] = {
    {ENGINE_OK, "ENGINE_OK", "success"},
    {ENGINE_ERROR, "ENGINE_ERROR", "error"},
    {ENGINE_ENOTFOUND, "ENGINE_ENOTFOUND", "not found"},
    {ENGINE_EEXISTS, "ENGINE_EEXISTS", "already exists"},
    {ENGINE_EINVALID, "ENGINE_EINVALID", "invalid argument"},
    {ENGINE_EPERM, "ENGINE_EPERM", "permission denied"},
    {ENGINE_EBUSY, "ENGINE_EBUSY", "busy"},
    {ENGINE_ENOTSUP, "ENGINE_ENOTSUP", "not supported"},
    {ENGINE_ENOMEM, "ENGINE_ENOMEM", "out of memory"},
    {ENGINE_ETIMEOUT, "ENGINE_ETIMEOUT", "timed out"},
    {ENGINE_EIO, "ENGINE_EIO", "input/output error"},
    {ENGINE_ECANCELED, "ENGINE_ECANCELED", "cancelled"},
};

ENGINE_EXTERN const char *engine_strerror(int code)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].text;
	return "unknown error";
}

ENGINE_EXTERN const char *engine_err_name(int code)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].name;
	return "ENGINE_EUNKNOWN";
}
