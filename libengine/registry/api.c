/* The public registry entry points that are not pull or push: reference
 * normalisation against the context's config, login and logout. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <engine/registry.h>

#include "core/context.h"
#include "core/error.h"
#include "registry/authfile.h"
#include "registry/endpoint.h"
#include "util/reference.h"
#include "registry/regconfig.h"
#include "registry/resolve.h"
#include "util/str.h"

ENGINE_EXTERN int engine_registry_reference_normalize(engine_context *ctx, const char *ref, char **out)
{
	engine__reference *r = NULL;
	const char *def;
	int rc;

	if (!ctx || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "reference normalize: NULL argument");
	rc = engine__regconfig_default_domain(engine__context_config(ctx, "default-registry"), &def);
	if (rc < 0)
		return rc;
	rc = engine__reference_parse(ref, def, &r);
	if (rc < 0)
		return rc;
	*out = engine__reference_string(r);
	engine__reference_free(r);
	return *out ? 0 : ENGINE_ENOMEM;
}

/* "docker.io", "https://index.docker.io/v1/", "reg:5000" or NULL -> a domain. */
static int login_domain(engine_context *ctx, const char *registry, const char **out)
{
	const char *s = registry;

	if (!s || !*s)
		return engine__endpoint_default_domain(ctx, out);
	if (strstr(s, "index.docker.io") || strcmp(s, ENGINE__DOCKER_HUB) == 0 ||
	    strcmp(s, ENGINE__DOCKER_HUB_API) == 0) {
		*out = ENGINE__DOCKER_HUB;
		return 0;
	}
	if (engine__str_starts_with(s, "http://") || engine__str_starts_with(s, "https://"))
		return engine__error_set(ENGINE_EINVALID, 0,
					 "login: give the registry as host[:port], not \"%s\"", s);
	if (!engine__reference_domain_valid(s))
		return engine__error_set(ENGINE_EINVALID, 0, "login: \"%s\" is not a registry host", s);
	*out = s;
	return 0;
}

/* Login checks the credentials the way `docker login` does: a GET /v2/
 * that must end in 200 after answering the registry's challenge (for a
 * token server: a token request with the credentials and no scope). */
static int login(engine_context *ctx, const char *registry, const char *username, const char *password,
		 bool store)
{
	engine__endpoint *eps = NULL;
	engine__regclient *c = NULL;
	engine__regclient_options o = {0};
	const char *domain;
	size_t n = 0;
	int r;

	if (!ctx || !username || !password || !*username)
		return engine__error_set(ENGINE_EINVALID, 0, "login: username and password are required");
	r = login_domain(ctx, registry, &domain);
	if (r < 0)
		return r;
	r = engine__endpoints_for(ctx, domain, false, &eps, &n);
	if (r < 0)
		return r;
	o.domain = domain;
	o.base_url = eps[n - 1].url;
	o.label = eps[n - 1].label;
	o.tls_verify = eps[n - 1].tls_verify;
	o.timeout = engine__endpoint_timeout(ctx, 0);
	o.username = username;
	o.password = password;
	r = engine__regclient_new(ctx, &o, &c);
	if (r == 0)
		r = engine__pull_ping(c);
	if (r == 0 && store)
		r = engine__authfile_set(ctx, domain, username, password);
	if (r < 0)
		r = engine__error_wrap("login %s", domain);
	engine__regclient_free(c);
	engine__endpoints_free(eps, n);
	return r;
}

ENGINE_EXTERN int engine_registry_login(engine_context *ctx, const char *registry, const char *username,
					const char *password)
{
	return login(ctx, registry, username, password, true);
}

ENGINE_EXTERN int engine_registry_check_login(engine_context *ctx, const char *registry, const char *username,
					      const char *password)
{
	return login(ctx, registry, username, password, false);
}

ENGINE_EXTERN int engine_registry_logout(engine_context *ctx, const char *registry)
{
	const char *domain;
	int r;

	if (!ctx)
		return engine__error_set(ENGINE_EINVALID, 0, "logout: NULL context");
	r = login_domain(ctx, registry, &domain);
	if (r == 0)
		r = engine__authfile_remove(ctx, domain);
	return r;
}
