/*
 * libcurl through its lazily loaded back end (backend.h): include this
 * instead of <curl/curl.h>. curl's GCC option type checks are macros over
 * the real names, so they are off here; the varargs stubs in curl_lib.c
 * read each option's argument by the type its number encodes.
 */
#ifndef ENGINE_BACKEND_CURL_LIB_H
#define ENGINE_BACKEND_CURL_LIB_H

#include "backend/backend.h"

#define CURL_DISABLE_TYPECHECK 1
#define curl_easy_cleanup engine__dl_curl_easy_cleanup
#define curl_easy_init engine__dl_curl_easy_init
#define curl_easy_perform engine__dl_curl_easy_perform
#define curl_easy_strerror engine__dl_curl_easy_strerror
#define curl_global_init engine__dl_curl_global_init
#define curl_multi_add_handle engine__dl_curl_multi_add_handle
#define curl_multi_cleanup engine__dl_curl_multi_cleanup
#define curl_multi_info_read engine__dl_curl_multi_info_read
#define curl_multi_init engine__dl_curl_multi_init
#define curl_multi_perform engine__dl_curl_multi_perform
#define curl_multi_poll engine__dl_curl_multi_poll
#define curl_multi_remove_handle engine__dl_curl_multi_remove_handle
#define curl_multi_wakeup engine__dl_curl_multi_wakeup
#define curl_slist_append engine__dl_curl_slist_append
#define curl_slist_free_all engine__dl_curl_slist_free_all
#define curl_easy_setopt engine__dl_curl_easy_setopt
#define curl_easy_getinfo engine__dl_curl_easy_getinfo

#include <curl/curl.h>

/* curl.h ends by defining both as function-like macros over themselves (to
 * count their arguments): point them back at the stubs. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_setopt engine__dl_curl_easy_setopt
#define curl_easy_getinfo engine__dl_curl_easy_getinfo

#endif
