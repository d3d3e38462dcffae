/*
 * Basic authentication against an htpasswd file with bcrypt entries, as
 * Distribution's htpasswd auth takes them ("user:$2y$..."; created with
 * `htpasswd -B`). Hashes are checked with libxcrypt's crypt_r, loaded when
 * a file is given (the engine binary does not link it). bcrypt is slow on
 * purpose, and a pull makes dozens of requests: a password that matched is
 * remembered for a few minutes as a salted SHA-256, so later requests cost
 * a hash, not a bcrypt round.
 */
#include <crypt.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "registry/regserve.h"

#define CACHE_SLOTS 64
#define CACHE_SECONDS 300
#define MAX_CREDENTIALS 1024

struct entry {
	char *user;
	char *hash;
};

struct cached {
	uint8_t key[SHA256_DIGEST_SIZE];
	time_t until;
};

struct htpasswd {
	struct entry *entries;
	size_t n;
	char *(*crypt_r)(const char *, const char *, struct crypt_data *);
	uint8_t salt[32];
	pthread_mutex_t lock;
	struct cached cache[CACHE_SLOTS];
	size_t next;
};

static bool is_bcrypt(const char *h)
{
	return strncmp(h, "$2y$", 4) == 0 || strncmp(h, "$2b$", 4) == 0 || strncmp(h, "$2a$", 4) == 0;
}

void htpasswd_free(struct htpasswd *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		free(h->entries[i].user);
		free(h->entries[i].hash);
	}
	free(h->entries);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static int add_entry(struct htpasswd *h, const char *user, const char *hash)
{
	struct entry *n = realloc(h->entries, (h->n + 1) * sizeof(*n));

	if (!n)
		return -1;
	h->entries = n;
	n[h->n].user = strdup(user);
	n[h->n].hash = strdup(hash);
	if (!n[h->n].user || !n[h->n].hash) {
		free(n[h->n].user);
		free(n[h->n].hash);
		return -1;
	}
	h->n++;
	return 0;
}

struct htpasswd *htpasswd_load(const char *path, char *err, size_t errlen)
{
	struct htpasswd *h = calloc(1, sizeof(*h));
	FILE *f = NULL;
	char line[4096];
	unsigned lineno = 0;
	void *lib;

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	lib = dlopen("libcrypt.so.1", RTLD_NOW | RTLD_LOCAL);
	h->crypt_r =
	    lib ? (char *(*)(const char *, const char *, struct crypt_data *))dlsym(lib, "crypt_r") : NULL;
	if (!h->crypt_r) {
		snprintf(err, errlen,
			 "htpasswd: cannot load crypt_r from libcrypt.so.1 (apt-get install libcrypt1)");
		goto fail;
	}
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "htpasswd %s: %s", path, strerror(errno));
		goto fail;
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon, *end = line + strcspn(line, "\r\n");

		lineno++;
		*end = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		colon = strchr(line, ':');
		if (!colon || colon == line) {
			snprintf(err, errlen, "htpasswd %s: line %u: expected \"user:hash\"", path, lineno);
			goto fail;
		}
		*colon = '\0';
		if (!is_bcrypt(colon + 1)) {
			snprintf(err, errlen,
				 "htpasswd %s: line %u: user \"%s\": only bcrypt entries are supported, like "
				 "Distribution's htpasswd (create them with htpasswd -B)",
				 path, lineno, line);
			goto fail;
		}
		if (h->n >= MAX_CREDENTIALS || add_entry(h, line, colon + 1) < 0) {
			snprintf(err, errlen, "htpasswd %s: too many entries or out of memory", path);
			goto fail;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "htpasswd %s: read error", path);
		goto fail;
	}
	if (h->n == 0) {
		snprintf(err, errlen, "htpasswd %s: no users", path);
		goto fail;
	}
	fclose(f);
	{
		FILE *r = fopen("/dev/urandom", "re");

		if (!r || fread(h->salt, 1, sizeof(h->salt), r) != sizeof(h->salt)) {
			if (r)
				fclose(r);
			snprintf(err, errlen, "htpasswd: cannot read /dev/urandom");
			htpasswd_free(h);
			return NULL;
		}
		fclose(r);
	}
	return h;
fail:
	if (f)
		fclose(f);
	htpasswd_free(h);
	return NULL;
}

static void cache_key(struct htpasswd *h, const char *user, const char *pass, uint8_t out[SHA256_DIGEST_SIZE])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, sizeof(h->salt), h->salt);
	sha256_update(&c, strlen(user) + 1, (const uint8_t *)user);
	sha256_update(&c, strlen(pass), (const uint8_t *)pass);
	sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

static bool verify(struct htpasswd *h, const char *user, const char *pass)
{
	struct crypt_data *cd;
	bool ok = false;

	for (size_t i = 0; i < h->n; i++) {
		if (strcmp(h->entries[i].user, user) != 0)
			continue;
		cd = calloc(1, sizeof(*cd));
		if (!cd)
			return false;
		const char *got = h->crypt_r(pass, h->entries[i].hash, cd);
		ok = got && got[0] != '*' && strcmp(got, h->entries[i].hash) == 0;
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
		return ok;
	}
	return false;
}

bool htpasswd_check(struct htpasswd *h, const char *header)
{
	char creds[1024], *colon;
	uint8_t key[SHA256_DIGEST_SIZE];
	time_t now = time(NULL);
	bool ok = false;

	if (!header || strncasecmp(header, "Basic ", 6) != 0)
		return false;
	header += 6;
	while (*header == ' ')
		header++;
	if (hs_base64_decode(header, creds, sizeof(creds)) < 0 || !(colon = strchr(creds, ':')))
		return false;
	*colon = '\0';
	cache_key(h, creds, colon + 1, key);
	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < CACHE_SLOTS && !ok; i++)
		ok = h->cache[i].until > now && memcmp(h->cache[i].key, key, sizeof(key)) == 0;
	pthread_mutex_unlock(&h->lock);
	if (!ok && verify(h, creds, colon + 1)) {
		ok = true;
		pthread_mutex_lock(&h->lock);
		memcpy(h->cache[h->next].key, key, sizeof(key));
		h->cache[h->next].until = now + CACHE_SECONDS;
		h->next = (h->next + 1) % CACHE_SLOTS;
		pthread_mutex_unlock(&h->lock);
	}
	explicit_bzero(creds, sizeof(creds));
	return ok;
}
