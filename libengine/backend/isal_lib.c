/*
 * The ISA-L back end: igzip inflates gzip layers two to three times faster
 * than zlib (image/stream.c uses it for gzip blobs when it loads).
 */
#include "config.h"

#include "backend/isal_lib.h"

/* clang-format off */
#define FUNCS(F, V, S) \
	V(isal_inflate_init, (struct inflate_state *a0), (a0)) \
	V(isal_inflate_reset, (struct inflate_state *a0), (a0)) \
	F(int, isal_inflate, (struct inflate_state *a0), (a0), ISAL_INVALID_BLOCK)
/* clang-format on */

ENGINE__BACKEND_DEFINE(isal, "ISA-L", ENGINE_SONAME_ISAL, "fast gzip inflation", FUNCS)
