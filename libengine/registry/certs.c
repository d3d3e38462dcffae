/*
 * Per-registry TLS material read from a certs.d directory, the layout
 * Docker reads from /etc/docker/certs.d: a directory per registry host
 * ("host:port", or "host" for 443) holding CA certificates (*.crt), trusted
 * for that registry in addition to the system's, and client certificates
 * (*.cert, each with the *.key of the same name).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "registry/certs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/strv.h"

#define SYSTEM_DIR "/etc/engine/certs.d"
/* Where Debian's ca-certificates (and curl's default) keep the system's CAs. */
static const char *const system_bundles[] = {"/etc/ssl/certs/ca-certificates.crt",
					     "/etc/pki/tls/certs/ca-bundle.crt", NULL};

char *engine__regcerts_dir(engine_context *ctx)
{
	cleanup_free char *dir = NULL;
	char *slash;

	if (!ctx->config_path)
		return strdup(SYSTEM_DIR);
	dir = strdup(ctx->config_path);
	if (!dir)
		return NULL;
	slash = strrchr(dir, '/');
	if (!slash)
		return strdup("certs.d");
	*slash = '\0';
	return engine__strdup_printf("%s/certs.d", slash == dir ? "" : dir);
}

void engine__regcerts_clear(engine__regcerts *c)
{
	free(c->ca_pem);
	free(c->cert);
	free(c->key);
	memset(c, 0, sizeof(*c));
}

static int append(char **pem, size_t *len, const char *path)
{
	cleanup_free char *data = NULL;
	size_t n = 0;
	char *p;
	int r = engine__read_file(path, &data, &n);

	if (r < 0)
		return r;
	p = realloc(*pem, *len + n + 2);
	if (!p)
		return engine__error_oom();
	memcpy(p + *len, data, n);
	*len += n;
	p[(*len)++] = '\n';
	p[*len] = '\0';
	*pem = p;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The path in @dir of @name with its @suffix replaced by @other, or NULL. */
static char *sibling(const char *dir, const char *name, const char *suffix, const char *other)
{
	cleanup_free char *s =
	    engine__strdup_printf("%.*s%s", (int)(strlen(name) - strlen(suffix)), name, other);

	return s ? engine__path_join(dir, s) : NULL;
}

/* Fill @out from the (sorted) entries @names of @dir (no dot-files). */
static int read_entries(const char *dir, char **names, engine__regcerts *out)
{
	bool any_ca = false;
	int r;

	for (size_t i = 0; names[i]; i++) {
		cleanup_free char *path = engine__path_join(dir, names[i]);

		if (!path)
			return engine__error_oom();
		if (engine__str_ends_with(names[i], ".crt")) {
			if (!any_ca) { /* beside the system's, as Docker adds them */
				for (size_t b = 0; system_bundles[b]; b++)
					if (access(system_bundles[b], R_OK) == 0) {
						if ((r = append(&out->ca_pem, &out->ca_len,
								system_bundles[b])) < 0)
							return r;
						break;
					}
				any_ca = true;
			}
			if ((r = append(&out->ca_pem, &out->ca_len, path)) < 0)
				return engine__error_wrap("CA certificate %s", path);
		} else if (engine__str_ends_with(names[i], ".cert")) {
			cleanup_free char *key_path = sibling(dir, names[i], ".cert", ".key");

			if (!key_path)
				return engine__error_oom();
			if (access(key_path, R_OK) != 0)
				return engine__error_set(ENGINE_EINVALID, errno,
							 "missing key %s for client certificate %s", key_path,
							 path);
			if (!out->cert) {
				out->cert = steal_ptr(path);
				out->key = steal_ptr(key_path);
			}
		} else if (engine__str_ends_with(names[i], ".key")) {
			cleanup_free char *cert_path = sibling(dir, names[i], ".key", ".cert");

			if (!cert_path)
				return engine__error_oom();
			if (access(cert_path, F_OK) != 0)
				return engine__error_set(ENGINE_EINVALID, errno,
							 "missing client certificate %s for key %s",
							 cert_path, path);
		}
	}
	return 0;
}

int engine__regcerts_load(engine_context *ctx, const char *host, engine__regcerts *out)
{
	cleanup_free char *base = engine__regcerts_dir(ctx);
	cleanup_free char *dir = NULL;
	cleanup_strv char **names = calloc(1, sizeof(char *));
	cleanup_closedir DIR *dh = NULL;
	struct dirent *de;
	int r;

	memset(out, 0, sizeof(*out));
	if (!base || !names)
		return engine__error_oom();
	if (!host || !*host || strchr(host, '/') || strcmp(host, ".") == 0 || strcmp(host, "..") == 0)
		return 0;
	dir = engine__path_join(base, host);
	if (!dir)
		return engine__error_oom();
	dh = opendir(dir);
	if (!dh)
		return errno == ENOENT || errno == ENOTDIR
			   ? 0
			   : engine__error_errno(errno, "registry certificates %s", dir);
	while ((de = readdir(dh)))
		if (de->d_name[0] != '.' && (r = engine__strv_push(&names, de->d_name)) < 0)
			return r;
	qsort(names, engine__strv_len(names), sizeof(char *), cmp_str);
	r = read_entries(dir, names, out);
	if (r < 0) {
		engine__regcerts_clear(out);
		return engine__error_wrap("registry %s: %s", host, dir);
	}
	return 0;
}
