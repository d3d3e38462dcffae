/* The registry part of the engine's JSON config: default registry, mirrors,
 * insecure registries, timeout. Pure functions of the parsed JSON. */
#ifndef ENGINE_REGISTRY_REGCONFIG_H
#define ENGINE_REGISTRY_REGCONFIG_H

#include <stdbool.h>

#include <json-c/json.h>

#define ENGINE__REGISTRY_DEFAULT_TIMEOUT 30

/* "default-registry" (borrowed), or docker.io. ENGINE_EINVALID for a bad value. */
int engine__regconfig_default_domain(json_object *value, const char **out);

/* The ordered mirror base URLs ("http://host:port", no trailing slash) for
 * registry @domain, from "registry-mirrors" @value: a list mirrors
 * @default_domain only; an object maps domains to lists. *out is a
 * NULL-terminated vector (empty when none). ENGINE_EINVALID names the bad entry. */
int engine__regconfig_mirrors(json_object *value, const char *domain, const char *default_domain,
			      char ***out);

/* Whether @host ("host[:port]") may be reached over plain HTTP / without TLS
 * verification: loopback hosts always, else when "insecure-registries"
 * @value lists it ("host:port", "host", or an IPv4 CIDR "10.0.0.0/8"). */
bool engine__regconfig_insecure(json_object *value, const char *host);

/* The host part of a URL ("http://h:1/x" -> "h:1", malloc'd), NULL on OOM. */
char *engine__url_host(const char *url);

#endif
