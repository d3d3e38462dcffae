/*
 * sha256 through nettle (its x86 build uses the SHA extensions where the CPU
 * has them), and random ids from getrandom. Nettle rather than libcrypto:
 * the digest is on every command's path (image configs are re-verified on
 * read, chain IDs, the seccomp cache key), and libcrypto's load and
 * configuration cost a CLI process more than a millisecond.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "core/error.h"
#include "util/cleanup.h"
#include "util/digest.h"

struct engine__sha256 {
	struct sha256_ctx ctx;
};

int engine__sha256_new(engine__sha256 **out)
{
	engine__sha256 *h = calloc(1, sizeof(*h));

	if (!h)
		return engine__error_oom();
	sha256_init(&h->ctx);
	*out = h;
	return 0;
}

int engine__sha256_update(engine__sha256 *h, const void *data, size_t len)
{
	sha256_update(&h->ctx, len, data);
	return 0;
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int engine__sha256_final(engine__sha256 *h, char out[ENGINE__DIGEST_LEN + 1])
{
	unsigned char md[SHA256_DIGEST_SIZE];

	sha256_digest(&h->ctx, sizeof(md), md);
	memcpy(out, "sha256:", 7);
	to_hex(md, sizeof(md), out + 7);
	return 0;
}

void engine__sha256_free(engine__sha256 *h)
{
	free(h);
}

int engine__sha256_buf(const void *data, size_t len, char out[ENGINE__DIGEST_LEN + 1])
{
	engine__sha256 h;

	sha256_init(&h.ctx);
	sha256_update(&h.ctx, len, data);
	return engine__sha256_final(&h, out);
}

int engine__sha256_file(const char *path, char out[ENGINE__DIGEST_LEN + 1])
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	engine__sha256 *h = NULL;
	char buf[1 << 16];
	int r;

	if (fd < 0)
		return engine__error_errno(errno, "open %s", path);
	r = engine__sha256_new(&h);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = engine__error_errno(errno, "read %s", path);
			break;
		}
		if (n == 0) {
			r = engine__sha256_final(h, out);
			break;
		}
		r = engine__sha256_update(h, buf, (size_t)n);
		if (r < 0)
			break;
	}
	engine__sha256_free(h);
	return r;
}

bool engine__digest_valid(const char *s)
{
	if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != ENGINE__DIGEST_LEN)
		return false;
	for (const char *p = s + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

const char *engine__digest_hex(const char *s)
{
	const char *colon = strchr(s, ':');

	return colon ? colon + 1 : s;
}

int engine__random_hex(char *out, size_t nbytes)
{
	unsigned char buf[64];
	size_t got = 0;

	if (nbytes > sizeof(buf))
		return engine__error_set(ENGINE_EINVALID, 0, "random id too long");
	while (got < nbytes) {
		ssize_t n = getrandom(buf + got, nbytes - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return engine__error_errno(errno, "getrandom");
		}
		got += (size_t)n;
	}
	to_hex(buf, nbytes, out);
	return 0;
}
