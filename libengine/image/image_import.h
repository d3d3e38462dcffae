/* Importing a rootfs tar stream as a one-layer image (import and the
 * built-in default image share it). */
#ifndef ENGINE_IMAGE_IMPORT_H
#define ENGINE_IMAGE_IMPORT_H

#include <stdint.h>

#include <engine/image.h>

#include "util/digest.h"

/* Read a tar (any compression) from @fd and make an image of it: config
 * from @opts (may be NULL; a current-version struct, the public entry
 * point reads the caller's version), created at @created (Unix seconds), one history
 * entry by @created_by. The image ID goes to @id_out; @opts->ref is tagged. */
int engine__image_import_fd(engine_context *ctx, int fd, const engine_image_import_options *opts,
			    int64_t created, const char *created_by, const char *comment,
			    char id_out[ENGINE__DIGEST_LEN + 1]);

/* The host's architecture in OCI terms ("amd64", "arm64", ...). */
const char *engine__host_arch(void);

/* Format Unix seconds as RFC 3339 UTC ("2006-01-02T15:04:05Z"). */
void engine__format_rfc3339(int64_t t, char buf[32]);

#endif
