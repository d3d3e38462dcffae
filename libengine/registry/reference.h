/* Image references ("busybox", "reg:5000/a/b:1", "a@sha256:..."), parsed and
 * normalised like Docker's distribution/reference. Pure: no I/O. */
#ifndef ENGINE_REGISTRY_REFERENCE_H
#define ENGINE_REGISTRY_REFERENCE_H

#include <stdbool.h>

/* Docker Hub's name, and the host its API actually lives on. */
#define ENGINE__DOCKER_HUB "docker.io"
#define ENGINE__DOCKER_HUB_API "registry-1.docker.io"

typedef struct engine__reference {
	char *domain; /* "docker.io", "127.0.0.1:5000" */
	char *path;   /* "library/busybox" */
	char *tag;    /* NULL when pulling by digest only */
	char *digest; /* "sha256:<hex>" or NULL */
} engine__reference;

/* Parse @s; short names go to @default_domain (NULL: docker.io) and, when
 * one component, get the "library/" prefix. A reference without tag or
 * digest gets "latest". ENGINE_EINVALID names @s and the problem. */
int engine__reference_parse(const char *s, const char *default_domain, engine__reference **out);
void engine__reference_free(engine__reference *r);

/* "domain/path" (malloc'd). */
char *engine__reference_name(const engine__reference *r);
/* "domain/path:tag", "domain/path@digest" or "domain/path:tag@digest". */
char *engine__reference_string(const engine__reference *r);
/* The name a user sees and the store tags: the default domain and Docker's
 * "library/" are dropped ("busybox:latest", "reg:5000/a/b:1"). With
 * @with_digest the digest form is preferred when there is one. */
char *engine__reference_familiar(const engine__reference *r, const char *default_domain, bool with_digest);

/* Whether @s is a valid registry host ("host", "host:port", "[v6]:port"). */
bool engine__reference_domain_valid(const char *s);
/* The host to talk to for @domain: docker.io -> registry-1.docker.io. */
const char *engine__reference_api_host(const char *domain);

#endif
