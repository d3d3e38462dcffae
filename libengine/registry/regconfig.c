/* Registry settings from the config file: which registry short names go to,
 * which mirrors stand in front of which registry, and which hosts may be
 * reached without TLS. Validation errors name the config key and entry. */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "util/reference.h"
#include "registry/regconfig.h"
#include "util/cleanup.h"
#include "util/str.h"
#include "util/strv.h"

int engine__regconfig_default_domain(json_object *value, const char **out)
{
	const char *s;

	if (!value) {
		*out = ENGINE__DOCKER_HUB;
		return 0;
	}
	if (!json_object_is_type(value, json_type_string))
		return engine__error_set(ENGINE_EINVALID, 0, "config default-registry: expected a string");
	s = json_object_get_string(value);
	if (engine__str_starts_with(s, "http://") || engine__str_starts_with(s, "https://"))
		return engine__error_set(ENGINE_EINVALID, 0,
					 "config default-registry \"%s\": give a host[:port], not a URL", s);
	if (!engine__reference_domain_valid(s))
		return engine__error_set(ENGINE_EINVALID, 0,
					 "config default-registry \"%s\": invalid registry host", s);
	*out = strcmp(s, "index.docker.io") == 0 ? ENGINE__DOCKER_HUB : s;
	return 0;
}

char *engine__url_host(const char *url)
{
	const char *p = strstr(url, "://");
	const char *end;
	char *out;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	out = strndup(p, (size_t)(end - p));
	if (!out)
		engine__error_oom();
	return out;
}

/* A mirror entry: an http(s) URL of a host, optionally with a trailing "/". */
static int mirror_url(json_object *entry, const char *key, char **out)
{
	cleanup_free char *host = NULL;
	const char *s;
	size_t len;

	if (!json_object_is_type(entry, json_type_string))
		return engine__error_set(ENGINE_EINVALID, 0,
					 "config registry-mirrors%s%s: expected URL strings",
					 key ? " for " : "", key ? key : "");
	s = json_object_get_string(entry);
	if (!engine__str_starts_with(s, "http://") && !engine__str_starts_with(s, "https://"))
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "config registry-mirrors: \"%s\": a mirror must be an http:// or https:// URL", s);
	host = engine__url_host(s);
	if (!host)
		return ENGINE_ENOMEM;
	if (!engine__reference_domain_valid(host))
		return engine__error_set(ENGINE_EINVALID, 0, "config registry-mirrors: \"%s\": invalid host",
					 s);
	len = strlen(s);
	while (len > 0 && s[len - 1] == '/')
		len--;
	*out = strndup(s, len);
	return *out ? 0 : engine__error_oom();
}

static int push_list(json_object *list, const char *key, char ***out)
{
	if (!json_object_is_type(list, json_type_array))
		return engine__error_set(ENGINE_EINVALID, 0,
					 "config registry-mirrors%s%s: expected a list of URLs",
					 key ? " for " : "", key ? key : "");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		char *url = NULL;
		int r = mirror_url(json_object_array_get_idx(list, i), key, &url);
		if (r < 0)
			return r;
		r = engine__strv_push_take(out, url);
		if (r < 0)
			return r;
	}
	return 0;
}

int engine__regconfig_mirrors(json_object *value, const char *domain, const char *default_domain, char ***out)
{
	cleanup_strv char **list = calloc(1, sizeof(char *));
	int r = 0;

	if (!list)
		return engine__error_oom();
	if (!default_domain)
		default_domain = ENGINE__DOCKER_HUB;
	if (!value) {
		/* nothing configured */
	} else if (json_object_is_type(value, json_type_array)) {
		/* Docker's form: validate every entry even when they do not apply. */
		cleanup_strv char **all = calloc(1, sizeof(char *));
		if (!all)
			return engine__error_oom();
		r = push_list(value, NULL, &all);
		if (r == 0 && strcmp(domain, default_domain) == 0) {
			engine__strv_free(list);
			list = steal_ptr(all);
		}
	} else if (json_object_is_type(value, json_type_object)) {
		json_object_object_foreach(value, key, entries)
		{
			const char *k = strcmp(key, "index.docker.io") == 0 ? ENGINE__DOCKER_HUB : key;
			cleanup_strv char **these = calloc(1, sizeof(char *));
			if (!these)
				return engine__error_oom();
			if (!engine__reference_domain_valid(key))
				return engine__error_set(
				    ENGINE_EINVALID, 0,
				    "config registry-mirrors: key \"%s\" is not a registry host", key);
			r = push_list(entries, key, &these);
			if (r < 0)
				return r;
			if (strcmp(k, domain) == 0)
				for (char **m = these; *m; m++)
					if ((r = engine__strv_push(&list, *m)) < 0)
						return r;
		}
	} else {
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "config registry-mirrors: expected a list of URLs or an object of lists");
	}
	if (r < 0)
		return r;
	*out = steal_ptr(list);
	return 0;
}

/* "host:port" -> "host" without brackets, into @buf. */
static void host_only(const char *host, char *buf, size_t size)
{
	const char *end;

	if (host[0] == '[') {
		host++;
		end = strchr(host, ']');
	} else {
		end = strchr(host, ':');
	}
	if (!end)
		end = host + strlen(host);
	snprintf(buf, size, "%.*s", (int)(end - host), host);
}

static bool cidr_contains(const char *cidr, const char *ip)
{
	char net[64];
	const char *slash = strchr(cidr, '/');
	struct in_addr a, n;
	long bits;
	uint32_t mask;

	if (!slash || (size_t)(slash - cidr) >= sizeof(net))
		return false;
	snprintf(net, sizeof(net), "%.*s", (int)(slash - cidr), cidr);
	bits = strtol(slash + 1, NULL, 10);
	if (bits < 0 || bits > 32 || inet_pton(AF_INET, net, &n) != 1 || inet_pton(AF_INET, ip, &a) != 1)
		return false;
	mask = bits == 0 ? 0 : htonl(~0u << (32 - bits));
	return (a.s_addr & mask) == (n.s_addr & mask);
}

bool engine__regconfig_insecure(json_object *value, const char *host)
{
	char bare[256];

	host_only(host, bare, sizeof(bare));
	/* Docker treats loopback as insecure by default: nothing to intercept there. */
	if (strcmp(bare, "localhost") == 0 || strcmp(bare, "::1") == 0 || cidr_contains("127.0.0.0/8", bare))
		return true;
	if (!value || !json_object_is_type(value, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(value); i++) {
		json_object *ev = json_object_array_get_idx(value, i);
		/* Strings only: json-c writes the text of any other value into it. */
		const char *e = json_object_is_type(ev, json_type_string) ? json_object_get_string(ev) : NULL;

		if (!e)
			continue;
		if (strcmp(e, host) == 0 || strcmp(e, bare) == 0 || cidr_contains(e, bare))
			return true;
	}
	return false;
}
