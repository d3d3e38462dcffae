/*
 * The libnftables back end: the engine's own nftables table (net/nat.c).
 */
#include "config.h"

#include "backend/nft_lib.h"

/* clang-format off */
#define FUNCS(F, V, S) \
	F(struct nft_ctx *, nft_ctx_new, (uint32_t a0), (a0), NULL) \
	V(nft_ctx_free, (struct nft_ctx *a0), (a0)) \
	F(int, nft_ctx_buffer_output, (struct nft_ctx *a0), (a0), -1) \
	F(int, nft_ctx_buffer_error, (struct nft_ctx *a0), (a0), -1) \
	F(const char *, nft_ctx_get_error_buffer, (struct nft_ctx *a0), (a0), NULL) \
	F(int, nft_run_cmd_from_buffer, (struct nft_ctx *a0, const char *a1), (a0, a1), -1)
/* clang-format on */

ENGINE__BACKEND_DEFINE(nft, "libnftables", ENGINE_SONAME_NFT, "the engine's nftables rules (NAT, ports)",
		       FUNCS)
