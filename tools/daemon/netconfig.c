/*
 * A container's networking as the Docker API carries it: create's
 * HostConfig keys (NetworkMode, PortBindings, PublishAllPorts, Dns*,
 * ExtraHosts), Config.ExposedPorts and NetworkingConfig turned into the
 * spec; networks beyond the first connected right after the create; and
 * inspect's NetworkSettings and list's Ports completed the way dockerd
 * fills them (a stopped container keeps its networks, with no address).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"

__attribute__((format(printf, 3, 4))) static int nfail(struct neterr *e, int status, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int ncheck(struct neterr *e, int r, const char *name)
{
	return r < 0 ? nfail(e, 400, "%s: %s", name, engine_error_last()->message) : 0;
}

json_object *jget(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v) ? v
												      : NULL;
}

const char *jget_str(json_object *o, const char *key)
{
	json_object *v = jget(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

void jput_default(json_object *o, const char *key, json_object *v)
{
	if (!json_object_object_get_ex(o, key, NULL))
		json_object_object_add(o, key, v);
	else
		json_object_put(v);
}

bool jis_set(json_object *v)
{
	switch (v ? json_object_get_type(v) : json_type_null) {
	case json_type_boolean:
		return json_object_get_boolean(v);
	case json_type_int:
	case json_type_double:
		return json_object_get_double(v) != 0;
	case json_type_string:
		return *json_object_get_string(v) != '\0';
	case json_type_array:
		return json_object_array_length(v) > 0;
	case json_type_object:
		return json_object_object_length(v) > 0;
	default:
		return false;
	}
}

const char *netconfig_mode_network(const char *mode)
{
	return !mode || !*mode || strcmp(mode, "default") == 0 ? "bridge" : mode;
}

/* Each string of the array @o.@key through @add (NULL or [] adds nothing). */
static int each_string(struct neterr *e, engine_spec *spec, json_object *o, const char *key, const char *name,
		       int (*add)(engine_spec *, const char *))
{
	json_object *a = jget(o, key);

	if (!a)
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return nfail(e, 400, "%s: expected an array of strings", name);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *s = json_object_array_get_idx(a, i);

		if (!json_object_is_type(s, json_type_string))
			return nfail(e, 400, "%s: expected an array of strings", name);
		if (ncheck(e, add(spec, json_object_get_string(s)), name) < 0)
			return -1;
	}
	return 0;
}

/* Docker's ExtraHosts items are "name:ip"; newer clients also send "name=ip". */
static int add_host(engine_spec *spec, const char *item)
{
	char buf[512];
	char *eq;

	snprintf(buf, sizeof(buf), "%s", item);
	if ((eq = strchr(buf, '=')) && !strchr(buf, ':'))
		*eq = ':';
	return engine_spec_add_host(spec, buf);
}

static int port_bindings(struct neterr *e, engine_spec *spec, json_object *pb)
{
	if (!pb)
		return 0;
	if (!json_object_is_type(pb, json_type_object))
		return nfail(e, 400, "%s: expected an object", "HostConfig.PortBindings");
	json_object_object_foreach(pb, key, list)
	{
		size_t n =
		    list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

		if (list && !json_object_is_type(list, json_type_array))
			return nfail(e, 400, "%s: the bindings of \"%s\" must be an array",
				     "HostConfig.PortBindings", key);
		if (n == 0 && ncheck(e, engine_spec_add_port(spec, key), "HostConfig.PortBindings") < 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			json_object *b = json_object_array_get_idx(list, i);
			const char *ip = jget_str(b, "HostIp"), *hp = jget_str(b, "HostPort");
			char buf[256];

			if (ip && strchr(ip, ':'))
				return nfail(e, 400,
					     "%s: host address \"%s\" of \"%s\": IPv6 is not supported",
					     "HostConfig.PortBindings", ip, key);
			snprintf(buf, sizeof(buf), "%s%s%s:%s", ip && *ip ? ip : "", ip && *ip ? ":" : "",
				 hp ? hp : "", key);
			/* "80/tcp" alone, not ":80/tcp", when neither is given. */
			if (ncheck(e, engine_spec_add_port(spec, buf[0] == ':' ? buf + 1 : buf),
				   "HostConfig.PortBindings") < 0)
				return -1;
		}
	}
	return 0;
}

static const char *const endpoint_keys[] = {"IPAMConfig",
					    "Links",
					    "Aliases",
					    "NetworkID",
					    "EndpointID",
					    "Gateway",
					    "IPAddress",
					    "IPPrefixLen",
					    "IPv6Gateway",
					    "GlobalIPv6Address",
					    "GlobalIPv6PrefixLen",
					    "MacAddress",
					    "DriverOpts",
					    "DNSNames",
					    "GwPriority",
					    NULL};

/* One EndpointsConfig entry: known keys only, nothing this engine ignores. */
static int endpoint_check(struct neterr *e, const char *net, json_object *ep)
{
	json_object *ipam;

	if (!ep)
		return 0;
	if (!json_object_is_type(ep, json_type_object))
		return nfail(e, 400, "NetworkingConfig.EndpointsConfig.%s: expected an object", net);
	json_object_object_foreach(ep, k, v)
	{
		bool ok = false;

		for (size_t i = 0; endpoint_keys[i]; i++)
			ok = ok || strcmp(endpoint_keys[i], k) == 0;
		if (!ok)
			return nfail(e, 400, "NetworkingConfig.EndpointsConfig.%s: unknown field \"%s\"", net,
				     k);
		if ((strcmp(k, "MacAddress") == 0 || strcmp(k, "DriverOpts") == 0) && jis_set(v))
			return nfail(e, 400,
				     "NetworkingConfig.EndpointsConfig.%s.%s: not supported by this engine",
				     net, k);
	}
	ipam = jget(ep, "IPAMConfig");
	if (ipam && !json_object_is_type(ipam, json_type_object))
		return nfail(e, 400, "NetworkingConfig.EndpointsConfig.%s.IPAMConfig: expected an object",
			     net);
	if (jis_set(jget(ipam, "IPv6Address")))
		return nfail(e, 400, "NetworkingConfig.EndpointsConfig.%s.IPAMConfig.IPv6Address: %s", net,
			     "IPv6 is not supported by this engine");
	if (jis_set(jget(ipam, "LinkLocalIPs")))
		return nfail(e, 400, "NetworkingConfig.EndpointsConfig.%s.IPAMConfig.LinkLocalIPs: %s", net,
			     "not supported by this engine");
	return 0;
}

/* The network exists (the predefined ones always do). A 400, not dockerd's
 * 404 at start: clients answer a create's 404 by pulling the image. */
static int network_exists(struct neterr *e, engine_context *ctx, const char *net)
{
	char *json = NULL;
	int r = engine_network_inspect(ctx, net, &json);

	engine_free(json);
	if (r == ENGINE_ENOTFOUND)
		return nfail(e, 400, "network %s not found", net);
	return ncheck(e, r, "network");
}

/* Legacy links ("name[:alias]", HostConfig.Links or an endpoint's Links):
 * the container must exist. A 400 rather than dockerd's 404, which clients
 * answer by pulling the image. */
static int add_links(struct neterr *e, engine_context *ctx, engine_spec *spec, json_object *a,
		     const char *what)
{
	if (!a)
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return nfail(e, 400, "%s: expected an array of strings", what);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		const char *l = json_object_get_string(json_object_array_get_idx(a, i));
		engine_container *c = NULL;
		char name[512];

		if (!json_object_is_type(json_object_array_get_idx(a, i), json_type_string))
			return nfail(e, 400, "%s: expected an array of strings", what);
		l += l[0] == '/';
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(l, ":"), l);
		if (engine_container_open(ctx, name, &c) < 0)
			return nfail(e, 400, "could not get container for %s", name);
		engine_container_free(c);
		if (ncheck(e, engine_spec_add_link(spec, l), what) < 0)
			return -1;
	}
	return 0;
}

static int primary_endpoint(struct neterr *e, engine_context *ctx, engine_spec *spec, const char *net,
			    json_object *ep)
{
	json_object *aliases = jget(ep, "Aliases");
	const char *ip = jget_str(jget(ep, "IPAMConfig"), "IPv4Address");
	bool user = strcmp(net, "bridge") != 0 && strcmp(net, "host") != 0 && strcmp(net, "none") != 0;

	if (jis_set(aliases) && !user)
		return nfail(e, 400,
			     "%s: network-scoped alias is supported only for containers in user defined "
			     "networks",
			     "NetworkingConfig.EndpointsConfig");
	if (ip && *ip && !user)
		return nfail(e, 400,
			     "%s: user specified IP address is supported on user defined networks only",
			     "NetworkingConfig.EndpointsConfig");
	if (each_string(e, spec, ep, "Aliases", "NetworkingConfig.EndpointsConfig.Aliases",
			engine_spec_add_network_alias) < 0 ||
	    add_links(e, ctx, spec, jget(ep, "Links"), "NetworkingConfig.EndpointsConfig.Links") < 0)
		return -1;
	return ip && *ip
		   ? ncheck(e, engine_spec_set_ip(spec, ip), "NetworkingConfig.EndpointsConfig.IPAMConfig")
		   : 0;
}

int netconfig_apply(engine_context *ctx, engine_spec *spec, json_object *body, json_object *warnings,
		    struct neterr *e)
{
	json_object *hc = jget(body, "HostConfig"), *exposed = jget(body, "ExposedPorts");
	json_object *eps = jget(jget(body, "NetworkingConfig"), "EndpointsConfig");
	const char *mode = jget_str(hc, "NetworkMode"), *net;
	bool bridged, joined;

	if (jget(hc, "NetworkMode") && !mode)
		return nfail(e, 400, "%s: expected a string", "HostConfig.NetworkMode");
	if (jis_set(jget(body, "NetworkDisabled")))
		mode = "none";
	net = netconfig_mode_network(mode);
	joined = strncmp(net, "container:", 10) == 0;
	bridged = !joined && strcmp(net, "host") != 0 && strcmp(net, "none") != 0;
	if (joined) {
		engine_container *other = NULL;

		if (engine_container_open(ctx, net + 10, &other) < 0)
			return nfail(e, 400, "No such container: %s", net + 10);
		engine_container_free(other);
	} else if (network_exists(e, ctx, net) < 0) {
		return -1;
	}
	if (ncheck(e, engine_spec_set_network(spec, net), "HostConfig.NetworkMode") < 0)
		return -1;
	if (jis_set(jget(body, "MacAddress")))
		return nfail(e, 400, "%s: not supported by this engine (addresses are derived from the IP)",
			     "MacAddress");
	if (joined && (jis_set(jget(hc, "PortBindings")) || jis_set(jget(hc, "PublishAllPorts"))))
		return nfail(e, 400,
			     "%s: conflicting options: port publishing and the container type network mode",
			     "HostConfig.PortBindings");
	if (joined && (jis_set(jget(hc, "Dns")) || jis_set(jget(hc, "ExtraHosts"))))
		return nfail(e, 400, "%s: conflicting options: dns and the network mode", "HostConfig.Dns");
	if (exposed && !json_object_is_type(exposed, json_type_object))
		return nfail(e, 400, "%s: expected an object", "ExposedPorts");
	if (exposed) {
		json_object_object_foreach(exposed, port, unused)
		{
			(void)unused;
			if (ncheck(e, engine_spec_add_expose(spec, port), "ExposedPorts") < 0)
				return -1;
		}
	}
	if (bridged) {
		if (port_bindings(e, spec, jget(hc, "PortBindings")) < 0)
			return -1;
		if (jis_set(jget(hc, "PublishAllPorts")))
			engine_spec_set_publish_all(spec, 1);
	} else if (strcmp(net, "host") == 0 && jis_set(jget(hc, "PortBindings"))) {
		json_object_array_add(
		    warnings,
		    json_object_new_string("Published ports are discarded when using host network mode"));
	}
	if (each_string(e, spec, hc, "Dns", "HostConfig.Dns", engine_spec_add_dns) < 0 ||
	    each_string(e, spec, hc, "DnsSearch", "HostConfig.DnsSearch", engine_spec_add_dns_search) < 0 ||
	    each_string(e, spec, hc, "DnsOptions", "HostConfig.DnsOptions", engine_spec_add_dns_option) < 0 ||
	    each_string(e, spec, hc, "ExtraHosts", "HostConfig.ExtraHosts", add_host) < 0 ||
	    add_links(e, ctx, spec, jget(hc, "Links"), "HostConfig.Links") < 0)
		return -1;
	if (eps && !json_object_is_type(eps, json_type_object))
		return nfail(e, 400, "%s: expected an object", "NetworkingConfig.EndpointsConfig");
	if (eps) {
		json_object_object_foreach(eps, name, ep)
		{
			if (endpoint_check(e, name, ep) < 0)
				return -1;
			if (strcmp(netconfig_mode_network(name), net) == 0) {
				if (primary_endpoint(e, ctx, spec, net, ep) < 0)
					return -1;
			} else if (jis_set(jget(ep, "Links"))) {
				return nfail(e, 400, "NetworkingConfig.EndpointsConfig.%s.Links: %s", name,
					     "links only on the container's own network");
			} else if (!bridged || strcmp(net, "bridge") == 0) {
				return nfail(e, 400,
					     "%s: container cannot be connected to network \"%s\" with "
					     "network mode \"%s\"",
					     "NetworkingConfig.EndpointsConfig", name, net);
			} else if (network_exists(e, ctx, name) < 0) {
				return -1;
			}
		}
	}
	return 0;
}

int netconfig_connect_extra(engine_context *ctx, const char *cid, json_object *body, struct neterr *e)
{
	json_object *eps = jget(jget(body, "NetworkingConfig"), "EndpointsConfig");
	const char *net = netconfig_mode_network(jget_str(jget(body, "HostConfig"), "NetworkMode"));

	if (!eps)
		return 0;
	json_object_object_foreach(eps, name, ep)
	{
		engine_network_connect_options o = ENGINE_NETWORK_CONNECT_OPTIONS_INIT;
		engine_strarray aliases = {NULL, 0};
		json_object *a = jget(ep, "Aliases");
		const char *list[64];
		int r;

		if (strcmp(netconfig_mode_network(name), net) == 0)
			continue;
		for (size_t i = 0; a && i < json_object_array_length(a) && i < 64; i++)
			list[aliases.count++] = json_object_get_string(json_object_array_get_idx(a, i));
		aliases.strings = (char **)list;
		o.aliases = aliases;
		o.ip = jget_str(jget(ep, "IPAMConfig"), "IPv4Address");
		if (o.ip && !*o.ip)
			o.ip = NULL;
		r = engine_network_connect(ctx, name, cid, &o);
		if (r < 0)
			return nfail(e, derr_status(r), "connect to network %s: %s", name,
				     engine_error_last()->message);
	}
	return 0;
}

/* --- inspect and list ----------------------------------------------------- */

static void endpoint_defaults(json_object *ep, json_object *asked)
{
	static const char *const empty[] = {"NetworkID",   "EndpointID",	"Gateway",    "IPAddress",
					    "IPv6Gateway", "GlobalIPv6Address", "MacAddress", NULL};

	jput_default(ep, "IPAMConfig", json_object_get(jget(asked, "IPAMConfig")));
	jput_default(ep, "Links", NULL);
	jput_default(ep, "Aliases", json_object_get(jget(asked, "Aliases")));
	for (size_t i = 0; empty[i]; i++)
		jput_default(ep, empty[i], json_object_new_string(""));
	jput_default(ep, "IPPrefixLen", json_object_new_int(0));
	jput_default(ep, "GlobalIPv6PrefixLen", json_object_new_int(0));
	jput_default(ep, "DriverOpts", NULL);
}

static const char *network_id(engine_context *ctx, const char *net, char *buf, size_t len)
{
	char *json = NULL;
	json_object *o;

	buf[0] = '\0';
	if (engine_network_inspect(ctx, net, &json) == 0 && (o = json_tokener_parse(json))) {
		snprintf(buf, len, "%s", jget_str(o, "Id") ?: "");
		json_object_put(o);
	}
	engine_free(json);
	engine_error_clear();
	return buf;
}

void netconfig_settings(engine_context *ctx, json_object *ins, json_object *meta)
{
	static const char *const empty[] = {"Bridge",
					    "SandboxID",
					    "LinkLocalIPv6Address",
					    "SandboxKey",
					    "EndpointID",
					    "Gateway",
					    "GlobalIPv6Address",
					    "IPAddress",
					    "IPv6Gateway",
					    "MacAddress",
					    NULL};
	json_object *ns = jget(ins, "NetworkSettings"), *nets, *cfg = jget(ins, "Config"), *ports, *prim;
	json_object *asked = jget(jget(meta, "NetworkingConfig"), "EndpointsConfig");
	const char *net = netconfig_mode_network(jget_str(jget(ins, "HostConfig"), "NetworkMode"));
	bool running = jis_set(jget(jget(ins, "State"), "Running"));
	char id[80];

	if (!ns) {
		ns = json_object_new_object();
		json_object_object_add(ins, "NetworkSettings", ns);
	}
	for (size_t i = 0; empty[i]; i++)
		jput_default(ns, empty[i], json_object_new_string(""));
	jput_default(ns, "HairpinMode", json_object_new_boolean(0));
	jput_default(ns, "LinkLocalIPv6PrefixLen", json_object_new_int(0));
	jput_default(ns, "SecondaryIPAddresses", NULL);
	jput_default(ns, "SecondaryIPv6Addresses", NULL);
	jput_default(ns, "GlobalIPv6PrefixLen", json_object_new_int(0));
	jput_default(ns, "IPPrefixLen", json_object_new_int(0));
	jput_default(ns, "Ports", json_object_new_object());
	jput_default(ns, "Networks", json_object_new_object());
	nets = jget(ns, "Networks");
	/* The library lists bridge networks (those left included); "host" and
	 * "none" have no endpoint there, dockerd shows them all the same. */
	if ((strcmp(net, "host") == 0 || strcmp(net, "none") == 0) && !jget(nets, net)) {
		json_object *ep = json_object_new_object();

		json_object_object_add(ep, "NetworkID",
				       json_object_new_string(network_id(ctx, net, id, sizeof(id))));
		json_object_object_add(nets, net, ep);
	}
	json_object_object_foreach(nets, name, ep)
	{
		json_object *want = NULL;

		if (asked && json_object_is_type(asked, json_type_object)) {
			json_object_object_foreach(asked, k, v)
			{
				if (strcmp(netconfig_mode_network(k), name) == 0)
					want = v;
			}
		}
		endpoint_defaults(ep, want);
	}
	if ((prim = jget(nets, net)) && jis_set(jget(prim, "IPAddress")))
		json_object_object_add(ns, "EndpointID", json_object_get(jget(prim, "EndpointID")));
	/* A running container's exposed but unpublished ports are listed as null. */
	ports = jget(ns, "Ports");
	if (running && jget(cfg, "ExposedPorts") &&
	    json_object_is_type(jget(cfg, "ExposedPorts"), json_type_object)) {
		json_object_object_foreach(jget(cfg, "ExposedPorts"), port, unused)
		{
			char key[64];

			(void)unused;
			snprintf(key, sizeof(key), "%s%s", port, strchr(port, '/') ? "" : "/tcp");
			jput_default(ports, key, NULL);
		}
	}
}

json_object *netconfig_list_ports(json_object *ins)
{
	json_object *a = json_object_new_array(), *ports = jget(jget(ins, "NetworkSettings"), "Ports");

	if (!ports || !json_object_is_type(ports, json_type_object))
		return a;
	json_object_object_foreach(ports, key, list)
	{
		int priv = atoi(key);
		const char *proto = strchr(key, '/') ? strchr(key, '/') + 1 : "tcp";

		for (size_t i = 0; list && i < json_object_array_length(list); i++) {
			json_object *b = json_object_array_get_idx(list, i), *p = json_object_new_object();

			json_object_object_add(p, "IP", json_object_new_string(jget_str(b, "HostIp") ?: ""));
			json_object_object_add(p, "PrivatePort", json_object_new_int(priv));
			json_object_object_add(p, "PublicPort",
					       json_object_new_int(atoi(jget_str(b, "HostPort") ?: "0")));
			json_object_object_add(p, "Type", json_object_new_string(proto));
			json_object_array_add(a, p);
		}
		if (!list) {
			json_object *p = json_object_new_object();

			json_object_object_add(p, "PrivatePort", json_object_new_int(priv));
			json_object_object_add(p, "Type", json_object_new_string(proto));
			json_object_array_add(a, p);
		}
	}
	return a;
}

/* "80", "80/udp", "8000-8080/tcp": does port key "N/proto" fall in it? */
static bool port_in(const char *key, const char *want)
{
	const char *kp = strchr(key, '/'), *wp = strchr(want, '/');
	long k = atol(key), lo = atol(want), hi = lo;
	const char *dash = strchr(want, '-');

	if (dash && (!wp || dash < wp))
		hi = atol(dash + 1);
	return k >= lo && k <= hi && strcmp(kp ? kp + 1 : "tcp", wp ? wp + 1 : "tcp") == 0;
}

static bool any_port_in(json_object *ports, const char *want)
{
	if (!ports || !json_object_is_type(ports, json_type_object))
		return false;
	json_object_object_foreach(ports, key, unused)
	{
		(void)unused;
		if (port_in(key, want))
			return true;
	}
	return false;
}

int netconfig_filter(json_object *ins, const char *key, const char *want)
{
	json_object *hc = jget(ins, "HostConfig"), *nets = jget(jget(ins, "NetworkSettings"), "Networks");

	if (strcmp(key, "network") == 0) {
		if (!nets || !json_object_is_type(nets, json_type_object))
			return 0;
		json_object_object_foreach(nets, name, ep)
		{
			if (strcmp(name, want) == 0 || strcmp(jget_str(ep, "NetworkID") ?: "", want) == 0)
				return 1;
		}
		return 0;
	}
	if (strcmp(key, "publish") == 0)
		return any_port_in(jget(hc, "PortBindings"), want) ||
		       (jis_set(jget(hc, "PublishAllPorts")) &&
			any_port_in(jget(jget(ins, "Config"), "ExposedPorts"), want));
	if (strcmp(key, "expose") == 0)
		return any_port_in(jget(jget(ins, "Config"), "ExposedPorts"), want);
	return -1;
}
