/*
 * The libcurl back end: the registry client (pull, push, login). Loaded on
 * the first call, so commands that never talk to a registry do not load
 * curl's TLS, Kerberos, LDAP and SSH libraries.
 */
#include "config.h"

#include <stdarg.h>

#include "backend/curl_lib.h"

/* clang-format off */
#define FUNCS(F, V, S) \
	V(curl_easy_cleanup, (CURL *a0), (a0)) \
	F(CURL *, curl_easy_init, (void), (), NULL) \
	F(CURLcode, curl_easy_perform, (CURL *a0), (a0), CURLE_FAILED_INIT) \
	F(const char *, curl_easy_strerror, (CURLcode a0), (a0), this_backend->error) \
	F(CURLcode, curl_global_init, (long a0), (a0), CURLE_FAILED_INIT) \
	F(CURLMcode, curl_multi_add_handle, (CURLM *a0, CURL *a1), (a0, a1), CURLM_INTERNAL_ERROR) \
	F(CURLMcode, curl_multi_cleanup, (CURLM *a0), (a0), CURLM_INTERNAL_ERROR) \
	F(CURLMsg *, curl_multi_info_read, (CURLM *a0, int *a1), (a0, a1), NULL) \
	F(CURLM *, curl_multi_init, (void), (), NULL) \
	F(CURLMcode, curl_multi_perform, (CURLM *a0, int *a1), (a0, a1), CURLM_INTERNAL_ERROR) \
	F(CURLMcode, curl_multi_poll, (CURLM *a0, struct curl_waitfd a1[], unsigned int a2, int a3, int *a4), (a0, a1, a2, a3, a4), CURLM_INTERNAL_ERROR) \
	F(CURLMcode, curl_multi_remove_handle, (CURLM *a0, CURL *a1), (a0, a1), CURLM_INTERNAL_ERROR) \
	F(CURLMcode, curl_multi_wakeup, (CURLM *a0), (a0), CURLM_INTERNAL_ERROR) \
	F(struct curl_slist *, curl_slist_append, (struct curl_slist *a0, const char *a1), (a0, a1), NULL) \
	V(curl_slist_free_all, (struct curl_slist *a0), (a0)) \
	S(curl_easy_setopt) \
	S(curl_easy_getinfo)
/* clang-format on */

ENGINE__BACKEND_DEFINE(curl, "libcurl", ENGINE_SONAME_CURL, "registry access (pull, push, login)", FUNCS)

/* An option's number says its argument's type (curl.h: CURLOPTTYPE_*):
 * read exactly that type and pass it on. */
CURLcode engine__dl_curl_easy_setopt(CURL *h, CURLoption option, ...)
{
	CURLcode (*fn)(CURL *, CURLoption, ...) = ENGINE__BE_SLOT(curl_easy_setopt);
	CURLcode r;
	va_list ap;

	if (!fn)
		return CURLE_FAILED_INIT;
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		r = fn(h, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		r = fn(h, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		r = fn(h, option, va_arg(ap, void (*)(void)));
	else if (option < CURLOPTTYPE_BLOB)
		r = fn(h, option, va_arg(ap, curl_off_t));
	else
		r = fn(h, option, va_arg(ap, void *));
	va_end(ap);
	return r;
}

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode engine__dl_curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	CURLcode (*fn)(CURL *, CURLINFO, ...) = ENGINE__BE_SLOT(curl_easy_getinfo);
	CURLcode r;
	va_list ap;

	if (!fn)
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	r = fn(h, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}
