/* Loading libmicrohttpd and GnuTLS on first use (see lazy.h). */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include "lazy.h"

struct hs_lazy hs__lazy;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *load_error;

static void load(void)
{
	static const struct {
		int lib; /* 0 microhttpd, 1 gnutls */
		const char *name;
		size_t offset;
	} syms[] = {
	    {0, "MHD_start_daemon", offsetof(struct hs_lazy, start_daemon)},
	    {0, "MHD_stop_daemon", offsetof(struct hs_lazy, stop_daemon)},
	    {0, "MHD_lookup_connection_value", offsetof(struct hs_lazy, lookup_connection_value)},
	    {0, "MHD_get_connection_info", offsetof(struct hs_lazy, get_connection_info)},
	    {0, "MHD_create_response_from_buffer", offsetof(struct hs_lazy, create_response_from_buffer)},
	    {0, "MHD_create_response_from_callback", offsetof(struct hs_lazy, create_response_from_callback)},
	    {0, "MHD_create_response_for_upgrade", offsetof(struct hs_lazy, create_response_for_upgrade)},
	    {0, "MHD_add_response_header", offsetof(struct hs_lazy, add_response_header)},
	    {0, "MHD_queue_response", offsetof(struct hs_lazy, queue_response)},
	    {0, "MHD_destroy_response", offsetof(struct hs_lazy, destroy_response)},
	    {0, "MHD_upgrade_action", offsetof(struct hs_lazy, upgrade_action)},
	    {0, "MHD_get_connection_values", offsetof(struct hs_lazy, get_connection_values)},
	    {1, "gnutls_certificate_get_peers", offsetof(struct hs_lazy, certificate_get_peers)},
	    {1, "gnutls_certificate_verify_peers2", offsetof(struct hs_lazy, certificate_verify_peers2)},
	};
	void *libs[2];

	libs[0] = dlopen(ENGINE_SONAME_MHD, RTLD_NOW | RTLD_GLOBAL);
	libs[1] = dlopen(ENGINE_SONAME_GNUTLS, RTLD_NOW | RTLD_GLOBAL);
	if (!libs[0] || !libs[1]) {
		load_error = !libs[0] ? "cannot load " ENGINE_SONAME_MHD " (apt-get install libmicrohttpd12)"
				      : "cannot load " ENGINE_SONAME_GNUTLS " (apt-get install libgnutls30)";
		return;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(libs[syms[i].lib], syms[i].name);

		if (!f) {
			load_error = "libmicrohttpd or GnuTLS lacks a function the server needs";
			return;
		}
		*(void **)((char *)&hs__lazy + syms[i].offset) = f;
	}
}

int hs__lazy_load(const char **err)
{
	pthread_once(&once, load);
	if (load_error) {
		*err = load_error;
		return -1;
	}
	return 0;
}
