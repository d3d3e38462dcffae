/* engine_spec's networking setters (mode, aliases, address, published and
 * exposed ports, hosts and resolver entries), validated where the caller
 * sets them, and their config.json form. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "net/addr.h"
#include "net/net.h"
#include "runtime/runtime.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

#define CHECK_SPEC(s)                                                                                        \
	do {                                                                                                 \
		if (!(s))                                                                                    \
			return engine__error_set(ENGINE_EINVALID, 0, "spec is NULL");                        \
	} while (0)

void engine__spec_net_free(engine_spec *s)
{
	free(s->network);
	engine__strv_free(s->net_aliases);
	engine__strv_free(s->links);
	free(s->ip);
	engine__strv_free(s->ports);
	engine__strv_free(s->expose);
	engine__strv_free(s->extra_hosts);
	engine__strv_free(s->dns);
	engine__strv_free(s->dns_search);
	engine__strv_free(s->dns_options);
}

ENGINE_EXTERN int engine_spec_set_network(engine_spec *s, const char *mode)
{
	char *copy = NULL;

	CHECK_SPEC(s);
	if (mode && strcmp(mode, "default") == 0)
		mode = ENGINE_NETWORK_BRIDGE;
	if (mode && engine__net_mode_check(mode) < 0)
		return engine_error_last()->code;
	if (mode && strcmp(mode, ENGINE_NETWORK_NONE) != 0 && !(copy = strdup(mode)))
		return engine__error_oom();
	free(s->network);
	s->network = copy;
	s->net_host = mode && strcmp(mode, ENGINE_NETWORK_HOST) == 0;
	return 0;
}

static int push_checked(char ***v, const char *item, const char *what)
{
	if (!item || !*item)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: empty value", what);
	return engine__strv_push(v, item);
}

ENGINE_EXTERN int engine_spec_add_network_alias(engine_spec *s, const char *alias)
{
	CHECK_SPEC(s);
	return push_checked(&s->net_aliases, alias, "network alias");
}

ENGINE_EXTERN int engine_spec_add_link(engine_spec *s, const char *link)
{
	const char *colon = link ? strchr(link, ':') : NULL;
	size_t n = colon ? (size_t)(colon - link) : (link ? strlen(link) : 0);
	const char *name = link && link[0] == '/' ? link + 1 : link;
	char *item;
	int r;

	CHECK_SPEC(s);
	if (!link || n == 0 || !name[0] || name[0] == ':' ||
	    (colon && (!colon[1] || strchr(colon + 1, ':'))) || strpbrk(name, " \t\n/"))
		return engine__error_set(ENGINE_EINVALID, 0, "invalid link \"%s\": expected NAME[:ALIAS]",
					 link ? link : "(null)");
	item = colon ? strdup(name) : engine__strdup_printf("%s:%s", name, name);
	if (!item)
		return engine__error_oom();
	/* the CLI sends a user network's links twice (HostConfig and endpoint) */
	for (size_t i = 0; s->links && s->links[i]; i++)
		if (strcmp(s->links[i], item) == 0) {
			free(item);
			return 0;
		}
	r = engine__strv_push(&s->links, item);
	free(item);
	return r;
}

ENGINE_EXTERN int engine_spec_set_ip(engine_spec *s, const char *ip)
{
	uint32_t a;
	char *copy = NULL;

	CHECK_SPEC(s);
	if (ip && engine__ip_parse(ip, "--ip", &a) < 0)
		return engine_error_last()->code;
	if (ip && !(copy = strdup(ip)))
		return engine__error_oom();
	free(s->ip);
	s->ip = copy;
	return 0;
}

ENGINE_EXTERN int engine_spec_add_port(engine_spec *s, const char *port)
{
	engine__port *p = NULL;
	size_t n = 0;
	int r;

	CHECK_SPEC(s);
	r = engine__port_parse(port, &p, &n);
	free(p);
	if (r < 0)
		return r;
	return engine__strv_push(&s->ports, port);
}

ENGINE_EXTERN int engine_spec_set_publish_all(engine_spec *s, int enable)
{
	CHECK_SPEC(s);
	s->publish_all = enable != 0;
	return 0;
}

ENGINE_EXTERN int engine_spec_add_expose(engine_spec *s, const char *port)
{
	uint16_t n;
	int proto;

	CHECK_SPEC(s);
	if (engine__port_key_parse(port, &n, &proto) < 0)
		return engine_error_last()->code;
	return engine__strv_push(&s->expose, port);
}

ENGINE_EXTERN int engine_spec_add_host(engine_spec *s, const char *host)
{
	const char *sep = host ? strchr(host, ':') : NULL;
	uint32_t ip;

	CHECK_SPEC(s);
	if (!sep || sep == host)
		return engine__error_set(ENGINE_EINVALID, 0, "extra host \"%s\": want NAME:IP",
					 host ? host : "");
	if (strcmp(sep + 1, ENGINE_HOST_GATEWAY) != 0 &&
	    engine__ip_parse(sep + 1, "extra host address", &ip) < 0)
		return engine_error_last()->code;
	return engine__strv_push(&s->extra_hosts, host);
}

ENGINE_EXTERN int engine_spec_add_dns(engine_spec *s, const char *server)
{
	uint32_t ip;

	CHECK_SPEC(s);
	if (engine__ip_parse(server, "DNS server", &ip) < 0)
		return engine_error_last()->code;
	return engine__strv_push(&s->dns, server);
}

ENGINE_EXTERN int engine_spec_add_dns_search(engine_spec *s, const char *domain)
{
	CHECK_SPEC(s);
	return push_checked(&s->dns_search, domain, "DNS search domain");
}

ENGINE_EXTERN int engine_spec_add_dns_option(engine_spec *s, const char *option)
{
	CHECK_SPEC(s);
	return push_checked(&s->dns_options, option, "DNS option");
}

int engine__spec_net_to_json(const engine_spec *s, json_object *o)
{
	if (engine__json_add_string(o, "NetworkMode", s->network ? s->network : ENGINE_NETWORK_NONE) < 0 ||
	    engine__spec_add_strv(o, "Aliases", s->net_aliases) < 0 ||
	    engine__spec_add_strv(o, "Links", s->links) < 0 ||
	    engine__json_add_string(o, "IPAddress", s->ip) < 0 ||
	    engine__spec_add_strv(o, "Publish", s->ports) < 0 ||
	    engine__spec_add_strv(o, "ExposedPorts", s->expose) < 0 ||
	    engine__spec_add_strv(o, "ExtraHosts", s->extra_hosts) < 0 ||
	    engine__spec_add_strv(o, "Dns", s->dns) < 0 ||
	    engine__spec_add_strv(o, "DnsSearch", s->dns_search) < 0 ||
	    engine__spec_add_strv(o, "DnsOptions", s->dns_options) < 0)
		return ENGINE_ENOMEM;
	json_object_object_add(o, "PublishAllPorts", json_object_new_boolean(s->publish_all));
	return 0;
}

int engine__spec_net_from_json(json_object *o, engine_spec *s)
{
	const char *mode = engine__json_get_string(o, "NetworkMode");
	const char *ip = engine__json_get_string(o, "IPAddress");
	json_object *v;

	if (mode && strcmp(mode, ENGINE_NETWORK_NONE) != 0 && !(s->network = strdup(mode)))
		return engine__error_oom();
	s->net_host = mode && strcmp(mode, ENGINE_NETWORK_HOST) == 0;
	if ((ip && !(s->ip = strdup(ip))) || engine__spec_get_strv(o, "Aliases", &s->net_aliases) < 0 ||
	    engine__spec_get_strv(o, "Links", &s->links) < 0 ||
	    engine__spec_get_strv(o, "Publish", &s->ports) < 0 ||
	    engine__spec_get_strv(o, "ExposedPorts", &s->expose) < 0 ||
	    engine__spec_get_strv(o, "ExtraHosts", &s->extra_hosts) < 0 ||
	    engine__spec_get_strv(o, "Dns", &s->dns) < 0 ||
	    engine__spec_get_strv(o, "DnsSearch", &s->dns_search) < 0 ||
	    engine__spec_get_strv(o, "DnsOptions", &s->dns_options) < 0)
		return engine__error_oom();
	s->publish_all = json_object_object_get_ex(o, "PublishAllPorts", &v) && json_object_get_boolean(v);
	return 0;
}
