/* Loading libmicrohttpd and GnuTLS on first use (see lazy.h). */
#include "config.h"

#include <pthread.h>
#include <stdio.h>

#include "dlsyms.h"
#include "lazy.h"

struct hs_lazy hs__lazy;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512];

#define SYM(field, name)                                                                                     \
	{                                                                                                    \
		name, (void **)&hs__lazy.field                                                               \
	}

static void load(void)
{
	const tools_dlsym mhd[] = {
	    SYM(start_daemon, "MHD_start_daemon"),
	    SYM(stop_daemon, "MHD_stop_daemon"),
	    SYM(lookup_connection_value, "MHD_lookup_connection_value"),
	    SYM(get_connection_info, "MHD_get_connection_info"),
	    SYM(create_response_from_buffer, "MHD_create_response_from_buffer"),
	    SYM(create_response_from_callback, "MHD_create_response_from_callback"),
	    SYM(create_response_for_upgrade, "MHD_create_response_for_upgrade"),
	    SYM(add_response_header, "MHD_add_response_header"),
	    SYM(queue_response, "MHD_queue_response"),
	    SYM(destroy_response, "MHD_destroy_response"),
	    SYM(upgrade_action, "MHD_upgrade_action"),
	    SYM(get_connection_values, "MHD_get_connection_values"),
	    SYM(get_connection_values_n, "MHD_get_connection_values_n"),
	};
	const tools_dlsym gnutls[] = {
	    SYM(certificate_get_peers, "gnutls_certificate_get_peers"),
	    SYM(certificate_verify_peers2, "gnutls_certificate_verify_peers2"),
	};
	char why[400];

	/* RTLD_GLOBAL: libmicrohttpd's TLS is the GnuTLS we call. */
	if (tools_dlsyms_load(ENGINE_SONAME_MHD, 1, mhd, sizeof(mhd) / sizeof(mhd[0]), why, sizeof(why)) < 0)
		snprintf(load_error, sizeof(load_error), "%s (apt-get install libmicrohttpd12)", why);
	else if (tools_dlsyms_load(ENGINE_SONAME_GNUTLS, 1, gnutls, sizeof(gnutls) / sizeof(gnutls[0]), why,
				   sizeof(why)) < 0)
		snprintf(load_error, sizeof(load_error), "%s (apt-get install libgnutls30)", why);
}

int hs__lazy_load(const char **err)
{
	pthread_once(&once, load);
	if (load_error[0]) {
		*err = load_error;
		return -1;
	}
	return 0;
}
