/* Endpoint selection: the config's mirrors for a registry, plain HTTP only
 * for insecure (and loopback) hosts, and the credentials to present. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "core/error.h"
#include "registry/authfile.h"
#include "registry/endpoint.h"
#include "util/reference.h"
#include "registry/regconfig.h"
#include "util/cleanup.h"
#include "util/str.h"
#include "util/strv.h"

int engine__endpoint_default_domain(engine_context *ctx, const char **out)
{
	return engine__regconfig_default_domain(engine__context_config(ctx, "default-registry"), out);
}

long engine__endpoint_timeout(engine_context *ctx, int requested)
{
	json_object *v;

	if (requested > 0)
		return requested;
	v = engine__context_config(ctx, "registry-timeout");
	if (v && json_object_is_type(v, json_type_int) && json_object_get_int(v) > 0)
		return json_object_get_int(v);
	return ENGINE__REGISTRY_DEFAULT_TIMEOUT;
}

void engine__endpoints_free(engine__endpoint *eps, size_t n)
{
	for (size_t i = 0; eps && i < n; i++) {
		free(eps[i].url);
		free(eps[i].label);
	}
	free(eps);
}

int engine__endpoints_for(engine_context *ctx, const char *domain, bool with_mirrors, engine__endpoint **out,
			  size_t *n)
{
	json_object *insecure = engine__context_config(ctx, "insecure-registries");
	cleanup_strv char **mirrors = NULL;
	const char *def;
	engine__endpoint *eps;
	size_t count = 0, nm;
	int r;

	r = engine__endpoint_default_domain(ctx, &def);
	if (r < 0)
		return r;
	if (with_mirrors) {
		r = engine__regconfig_mirrors(engine__context_config(ctx, "registry-mirrors"), domain, def,
					      &mirrors);
		if (r < 0)
			return r;
	}
	nm = engine__strv_len(mirrors);
	eps = calloc(nm + 1, sizeof(*eps));
	if (!eps)
		return engine__error_oom();
	for (size_t i = 0; i < nm; i++) {
		cleanup_free char *host = engine__url_host(mirrors[i]);
		if (!host)
			goto oom;
		eps[count].url = strdup(mirrors[i]);
		eps[count].label = engine__strdup_printf("mirror %s", mirrors[i]);
		eps[count].mirror = true;
		eps[count].tls_verify = !engine__regconfig_insecure(insecure, host);
		count++;
		if (!eps[count - 1].url || !eps[count - 1].label)
			goto oom;
	}
	{
		const char *host = engine__reference_api_host(domain);
		bool plain = engine__regconfig_insecure(insecure, domain);
		eps[count].url = engine__strdup_printf("%s://%s", plain ? "http" : "https", host);
		eps[count].label = engine__strdup_printf("registry %s", domain);
		eps[count].tls_verify = true;
		count++;
		if (!eps[count - 1].url || !eps[count - 1].label)
			goto oom;
	}
	*out = eps;
	*n = count;
	return 0;
oom:
	engine__endpoints_free(eps, count);
	return engine__error_oom();
}

int engine__endpoint_client(engine_context *ctx, const engine__endpoint *ep, const char *domain, long timeout,
			    const char *given_user, const char *given_pass, engine__regclient **out)
{
	cleanup_free char *host = ep->mirror ? engine__url_host(ep->url) : NULL;
	char *user = NULL, *pass = NULL;
	engine__regclient_options o = {0};
	int r;

	if (ep->mirror && !host)
		return ENGINE_ENOMEM;
	if (given_user && *given_user && !ep->mirror) {
		user = strdup(given_user);
		pass = strdup(given_pass ? given_pass : "");
		r = user && pass ? 0 : engine__error_oom();
	} else {
		r = engine__authfile_get(ctx, ep->mirror ? host : domain, &user, &pass);
	}
	if (r < 0 && r != ENGINE_ENOTFOUND) {
		free(user);
		free(pass);
		return r;
	}
	engine_error_clear();
	o.domain = domain;
	o.base_url = ep->url;
	o.label = ep->label;
	o.tls_verify = ep->tls_verify;
	o.tls_fallback = !ep->mirror;
	o.timeout = timeout;
	o.username = user;
	o.password = pass;
	r = engine__regclient_new(ctx, &o, out);
	if (pass)
		explicit_bzero(pass, strlen(pass));
	free(user);
	free(pass);
	return r;
}
