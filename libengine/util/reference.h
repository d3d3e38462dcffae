/* Image references ("busybox", "reg:5000/a/b:1", "a@sha256:..."): the one
 * parser of Docker's reference grammar (distribution/reference,
 * ParseNormalizedNamed) and its spellings. Pure: no I/O, no context. Used by
 * image/ (tags, lookup, archives) and registry/ (pull, push, login). */
#ifndef ENGINE_UTIL_REFERENCE_H
#define ENGINE_UTIL_REFERENCE_H

#include <stdbool.h>

/* Docker Hub's name, and the host its API actually lives on. */
#define ENGINE__DOCKER_HUB "docker.io"
#define ENGINE__DOCKER_HUB_API "registry-1.docker.io"

typedef struct engine__reference {
	char *domain;	  /* "docker.io", "127.0.0.1:5000" */
	char *path;	  /* "library/busybox" */
	char *tag;	  /* NULL when named by digest only */
	char *digest;	  /* "sha256:<hex>" or NULL */
	bool tag_implied; /* no tag was written: tag is the default "latest" */
} engine__reference;

/* Parse @s; short names go to @default_domain (NULL: docker.io) and, when
 * one component, get the "library/" prefix. A reference without tag or
 * digest gets "latest" (and tag_implied). Every error is ENGINE_EINVALID
 * with the message "invalid reference format: \"@s\": <what is wrong>". */
int engine__reference_parse(const char *s, const char *default_domain, engine__reference **out);
void engine__reference_free(engine__reference *r);
static inline void engine__reference_freep(engine__reference **r)
{
	engine__reference_free(*r);
}
#define cleanup_reference __attribute__((cleanup(engine__reference_freep)))

/* "domain/path" (malloc'd). */
char *engine__reference_name(const engine__reference *r);
/* "domain/path:tag", "domain/path@digest" or "domain/path:tag@digest". */
char *engine__reference_string(const engine__reference *r);
/* The name a user sees: the default domain and Docker's "library/" are
 * dropped ("busybox", "reg:5000/a/b"). */
char *engine__reference_familiar_name(const engine__reference *r, const char *default_domain);
/* The familiar name with its tag ("busybox:latest"); with @with_digest the
 * digest form is preferred when there is one ("busybox@sha256:..."). */
char *engine__reference_familiar(const engine__reference *r, const char *default_domain, bool with_digest);

/* The spelling the image store keys tags by: @s parsed against docker.io
 * and written familiar, digest preferred ("busybox" -> "busybox:latest",
 * "docker.io/library/busybox:1" -> "busybox:1", "a@sha256:.." kept). */
int engine__reference_normalize(const char *s, char **out);

/* Whether @s is a valid registry host ("host", "host:port", "[v6]:port"). */
bool engine__reference_domain_valid(const char *s);
/* The host to talk to for @domain: docker.io -> registry-1.docker.io. */
const char *engine__reference_api_host(const char *domain);

#endif
