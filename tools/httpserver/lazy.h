/*
 * libmicrohttpd and GnuTLS are loaded when a server starts, not when the
 * engine binary does: every other engine command keeps its start-up cost
 * (tests/unit/test_lazy_backends.sh checks the binary links neither).
 * The library's own calls go through this table; the macros below keep the
 * code reading like plain libmicrohttpd.
 */
#ifndef ENGINE_TOOLS_HTTPSERVER_LAZY_H
#define ENGINE_TOOLS_HTTPSERVER_LAZY_H

#include <gnutls/gnutls.h>
#include <microhttpd.h>

struct hs_lazy {
	struct MHD_Daemon *(*start_daemon)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
					   MHD_AccessHandlerCallback, void *, ...);
	void (*stop_daemon)(struct MHD_Daemon *);
	const char *(*lookup_connection_value)(struct MHD_Connection *, enum MHD_ValueKind, const char *);
	const union MHD_ConnectionInfo *(*get_connection_info)(struct MHD_Connection *,
							       enum MHD_ConnectionInfoType, ...);
	struct MHD_Response *(*create_response_from_buffer)(size_t, void *, enum MHD_ResponseMemoryMode);
	struct MHD_Response *(*create_response_from_callback)(uint64_t, size_t, MHD_ContentReaderCallback,
							      void *, MHD_ContentReaderFreeCallback);
	struct MHD_Response *(*create_response_for_upgrade)(MHD_UpgradeHandler, void *);
	enum MHD_Result (*add_response_header)(struct MHD_Response *, const char *, const char *);
	enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
	void (*destroy_response)(struct MHD_Response *);
	int (*get_connection_values)(struct MHD_Connection *, enum MHD_ValueKind, MHD_KeyValueIterator,
				     void *);
	int (*get_connection_values_n)(struct MHD_Connection *, enum MHD_ValueKind, MHD_KeyValueIteratorN,
				       void *);
	enum MHD_Result (*upgrade_action)(struct MHD_UpgradeResponseHandle *, enum MHD_UpgradeAction, ...);
	const gnutls_datum_t *(*certificate_get_peers)(gnutls_session_t, unsigned int *);
	int (*certificate_verify_peers2)(gnutls_session_t, unsigned int *);
};

extern struct hs_lazy hs__lazy;

/* Load both libraries once; 0, or -1 with a static message in *err. */
int hs__lazy_load(const char **err);

#define MHD_start_daemon hs__lazy.start_daemon
#define MHD_stop_daemon hs__lazy.stop_daemon
#define MHD_lookup_connection_value hs__lazy.lookup_connection_value
#define MHD_get_connection_info hs__lazy.get_connection_info
#define MHD_create_response_from_buffer hs__lazy.create_response_from_buffer
#define MHD_create_response_from_callback hs__lazy.create_response_from_callback
#define MHD_create_response_for_upgrade hs__lazy.create_response_for_upgrade
#define MHD_add_response_header hs__lazy.add_response_header
#define MHD_queue_response hs__lazy.queue_response
#define MHD_destroy_response hs__lazy.destroy_response
#define MHD_upgrade_action hs__lazy.upgrade_action
#define MHD_get_connection_values hs__lazy.get_connection_values
#define MHD_get_connection_values_n hs__lazy.get_connection_values_n
#define gnutls_certificate_get_peers hs__lazy.certificate_get_peers
#define gnutls_certificate_verify_peers2 hs__lazy.certificate_verify_peers2

#endif
