/* sha256 digests in OCI form ("sha256:<64 hex>"), streaming and one-shot. */
#ifndef ENGINE_UTIL_DIGEST_H
#define ENGINE_UTIL_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#define ENGINE__DIGEST_LEN 71 /* "sha256:" + 64 hex */

typedef struct engine__sha256 engine__sha256;

int engine__sha256_new(engine__sha256 **out);
int engine__sha256_update(engine__sha256 *h, const void *data, size_t len);
/* Write "sha256:<hex>" into @out (ENGINE__DIGEST_LEN + 1 bytes). */
int engine__sha256_final(engine__sha256 *h, char out[ENGINE__DIGEST_LEN + 1]);
void engine__sha256_free(engine__sha256 *h);

int engine__sha256_buf(const void *data, size_t len, char out[ENGINE__DIGEST_LEN + 1]);
int engine__sha256_file(const char *path, char out[ENGINE__DIGEST_LEN + 1]);

/* Whether @s is a well-formed "sha256:<64 lowercase hex>" digest. */
bool engine__digest_valid(const char *s);
/* The hex part of a valid digest (borrowed from @s). */
const char *engine__digest_hex(const char *s);

/* Random lowercase hex id of @nbytes bytes (2*nbytes chars + NUL in @out). */
int engine__random_hex(char *out, size_t nbytes);

#endif
