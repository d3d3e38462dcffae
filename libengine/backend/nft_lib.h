/*
 * libnftables through its lazily loaded back end (backend.h): include this
 * instead of <nftables/libnftables.h>. libnftables brings libnftnl,
 * libxtables, libjansson and libgmp along; only a bridge network's first
 * use and published ports need it.
 */
#ifndef ENGINE_BACKEND_NFT_LIB_H
#define ENGINE_BACKEND_NFT_LIB_H

#include "backend/backend.h"

#define nft_ctx_new engine__dl_nft_ctx_new
#define nft_ctx_free engine__dl_nft_ctx_free
#define nft_ctx_buffer_output engine__dl_nft_ctx_buffer_output
#define nft_ctx_buffer_error engine__dl_nft_ctx_buffer_error
#define nft_ctx_get_error_buffer engine__dl_nft_ctx_get_error_buffer
#define nft_run_cmd_from_buffer engine__dl_nft_run_cmd_from_buffer

#include <nftables/libnftables.h>

extern engine__backend engine__backend_nft;

#endif
