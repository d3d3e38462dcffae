/*
 * ISA-L's igzip inflater through its lazily loaded back end (backend.h):
 * include this instead of <isa-l/igzip_lib.h>. Only built when configure
 * found the header (HAVE_ISAL); an accelerator, so a missing library at run
 * time means zlib through libarchive, not an error.
 */
#ifndef ENGINE_BACKEND_ISAL_LIB_H
#define ENGINE_BACKEND_ISAL_LIB_H

#include "backend/backend.h"

#define isal_inflate_init engine__dl_isal_inflate_init
#define isal_inflate_reset engine__dl_isal_inflate_reset
#define isal_inflate engine__dl_isal_inflate

#include <isa-l/igzip_lib.h>

extern engine__backend engine__backend_isal;

#endif
