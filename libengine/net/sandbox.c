/*
 * A container's networking from before its clone to after its exit (see
 * net.h for the four steps). The start path stays short: for "none" only
 * resolv.conf is generated; for a bridge network one lock round trip on
 * the state file, the bridge looked up (created the first time), one
 * netlink message for the veth pair (created straight into the child's
 * namespace, enslaved and up) and one batch inside it (address, link up,
 * default route). Host ports are reserved by binding them before clone.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "net/internal.h"
#include "net/net.h"
#include "net/netlink.h"
#include "runtime/lifecycle.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "net/pasta.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

enum mode { MODE_NONE, MODE_HOST, MODE_BRIDGE, MODE_CONTAINER, MODE_PASTA };

typedef struct attachment {
	engine__network *net;
	int bridge_index;
	uint32_t ip;
	uint8_t mac[6];
	char veth[16];
	char ifname[16];
	char **aliases;
} attachment;

struct engine__net_sandbox {
	engine_context *ctx;
	char cid[65];
	enum mode mode;
	attachment *att;
	size_t n_att;
	engine__port *ports;
	size_t n_ports;
	int *lfds;
	engine__forwarder *fwd;
	engine__nl host_nl;
	engine__net_files files;
	char *hostname, *hosts, *hosts_path, *resolv, *rundir;
	bool registered;
	pid_t owner;
	pid_t pasta; /* MODE_PASTA: its background process */
};

int engine__net_mode_check(const char *mode)
{
	if (!mode || !*mode)
		return engine__error_set(ENGINE_EINVALID, 0, "network mode is empty");
	if (strncmp(mode, "container:", 10) == 0 && !mode[10])
		return engine__error_set(ENGINE_EINVALID, 0, "network mode \"%s\": no container named", mode);
	return 0;
}

const engine__net_files *engine__net_files_of(const engine__net_sandbox *sb)
{
	return &sb->files;
}

void engine__net_sandbox_free(engine__net_sandbox *sb)
{
	if (!sb)
		return;
	engine__forwarder_stop(sb->fwd);
	for (size_t i = 0; sb->lfds && i < sb->n_ports; i++)
		if (sb->lfds[i] >= 0)
			close(sb->lfds[i]);
	for (size_t i = 0; i < sb->n_att; i++) {
		engine__network_free(sb->att[i].net);
		engine__strv_free(sb->att[i].aliases);
	}
	if (sb->files.join_netns_fd >= 0)
		close(sb->files.join_netns_fd);
	engine__nl_close(&sb->host_nl);
	free(sb->att);
	free(sb->ports);
	free(sb->lfds);
	free(sb->hostname);
	free(sb->hosts);
	free(sb->hosts_path);
	free(sb->resolv);
	free(sb->rundir);
	free(sb);
}

static int make_resolv(engine__net_sandbox *sb, const engine_spec *spec)
{
	cleanup_free char *host = NULL;

	/* A missing host file is fine: the defaults apply. */
	if (engine__read_file("/etc/resolv.conf", &host, NULL) < 0)
		engine_error_clear();
	sb->resolv = engine__resolv_conf(host, spec->dns, spec->dns_search, spec->dns_options);
	return sb->resolv ? 0 : engine_error_last()->code;
}

/* What "host-gateway" in --add-host stands for: the host's address on the
 * container's first network, or on the default bridge without one (Docker
 * uses docker0's, which always exists; engine0 may not). */
static void host_gateway(engine__net_sandbox *sb, char buf[16])
{
	engine__network *n = NULL;

	if (sb->n_att) {
		engine__ip_format(sb->att[0].net->gateway, buf);
		return;
	}
	snprintf(buf, 16, "%s", ENGINE__DEFAULT_BIP);
	*strchr(buf, '/') = '\0';
	if (engine__network_find(sb->ctx, ENGINE__DEFAULT_NETWORK, &n) == 0)
		engine__ip_format(n->gateway, buf);
	engine__network_free(n);
	engine_error_clear();
}

static int add_extra_hosts(engine__net_sandbox *sb, char **buf, const engine_spec *spec)
{
	char gw[16] = "";

	for (size_t i = 0; spec->extra_hosts && spec->extra_hosts[i]; i++) {
		const char *h = spec->extra_hosts[i], *sep = strchr(h, ':');
		cleanup_free char *name = sep ? strndup(h, (size_t)(sep - h)) : NULL;
		const char *ip = sep ? sep + 1 : "";

		if (strcmp(ip, ENGINE_HOST_GATEWAY) == 0) {
			if (!gw[0])
				host_gateway(sb, gw);
			ip = gw;
		}
		if (!name || engine__hosts_add(buf, ip, name) < 0)
			return engine__error_oom();
	}
	return 0;
}

/* --- ports ---------------------------------------------------------------- */

static int collect_ports(engine__net_sandbox *sb, const engine_spec *spec, json_object *image_config)
{
	for (size_t i = 0; spec->ports && spec->ports[i]; i++)
		if (engine__port_parse(spec->ports[i], &sb->ports, &sb->n_ports) < 0)
			return engine_error_last()->code;
	if (spec->publish_all) {
		json_object *exp = engine__json_get_type(image_config, "ExposedPorts", json_type_object);
		cleanup_strv char **keys = engine__strv_dup(spec->expose);

		if (!keys)
			return ENGINE_ENOMEM;
		if (exp) {
			json_object_object_foreach(exp, key, val)
			{
				(void)val;
				if (engine__strv_push(&keys, key) < 0)
					return ENGINE_ENOMEM;
			}
		}
		for (size_t i = 0; keys[i]; i++) {
			uint16_t port;
			int proto;
			bool dup = false;
			engine__port *grown;

			if (engine__port_key_parse(keys[i], &port, &proto) < 0)
				return engine_error_last()->code;
			for (size_t k = 0; k < sb->n_ports; k++)
				dup = dup || (sb->ports[k].ctr_port == port && sb->ports[k].proto == proto);
			if (dup)
				continue;
			grown = realloc(sb->ports, (sb->n_ports + 1) * sizeof(*grown));
			if (!grown)
				return engine__error_oom();
			sb->ports = grown;
			sb->ports[sb->n_ports++] = (engine__port){proto, 0, 0, port};
		}
	}
	return 0;
}

/* Bind every host port now: it is ours (or the error is the caller's)
 * before anything else happens, and an ephemeral one gets its number. */
static int reserve_ports(engine__net_sandbox *sb)
{
	sb->lfds = calloc(sb->n_ports ? sb->n_ports : 1, sizeof(int));
	if (!sb->lfds)
		return engine__error_oom();
	for (size_t i = 0; i < sb->n_ports; i++)
		sb->lfds[i] = -1;
	for (size_t i = 0; i < sb->n_ports; i++) {
		engine__port *p = &sb->ports[i];
		int udp = p->proto == IPPROTO_UDP, one = 1;
		struct sockaddr_in sa = {.sin_family = AF_INET};
		socklen_t sl = sizeof(sa);
		char ip[16];
		int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return engine__error_errno(errno, "socket for a published port");
		sb->lfds[i] = fd;
		sa.sin_addr.s_addr = htonl(p->host_ip);
		sa.sin_port = htons(p->host_port);
		if (!udp)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			if (errno == EADDRINUSE)
				return engine__error_set(ENGINE_EBUSY, errno,
							 "Bind for %s:%u failed: port is already allocated",
							 engine__ip_format(p->host_ip, ip), p->host_port);
			return engine__error_errno(errno, "bind %s:%u/%s", engine__ip_format(p->host_ip, ip),
						   p->host_port, engine__proto_name(p->proto));
		}
		if (!udp && listen(fd, 128) < 0)
			return engine__error_errno(errno, "listen on port %u", p->host_port);
		if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
			p->host_port = ntohs(sa.sin_port);
	}
	return 0;
}

static json_object *ports_json(const engine__port *ports, size_t n)
{
	json_object *a = json_object_new_array();
	char ip[16];

	for (size_t i = 0; a && i < n; i++) {
		json_object *o = json_object_new_object();

		json_object_array_add(a, o);
		engine__json_add_string(o, "Proto", engine__proto_name(ports[i].proto));
		engine__json_add_string(o, "HostIp", engine__ip_format(ports[i].host_ip, ip));
		json_object_object_add(o, "HostPort", json_object_new_int(ports[i].host_port));
		json_object_object_add(o, "ContainerPort", json_object_new_int(ports[i].ctr_port));
	}
	return a;
}

/* --- modes ------------------------------------------------------------------ */

static int prepare_container_mode(engine__net_sandbox *sb, const engine_spec *spec, const char *target)
{
	engine_container *c = NULL;
	engine__cstate st;
	char path[64];
	cleanup_free char *dir = NULL, *hosts = NULL;
	int r;

	if (spec->ports || spec->publish_all)
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "conflicting options: port publishing and the container type network mode");
	r = engine_container_open(sb->ctx, target, &c);
	if (r < 0)
		return engine__error_wrap("network mode container:%s", target);
	r = engine__state_read(c->dir, &st);
	if (r == 0)
		engine__state_refresh(&st);
	if (r == 0 && strcmp(st.status, "running") != 0 && strcmp(st.status, "paused") != 0)
		r = engine__error_set(ENGINE_EBUSY, 0,
				      "network mode container:%s: container %.12s is not running", target,
				      c->id);
	if (r == 0 && c->spec->network && strncmp(c->spec->network, "container:", 10) == 0)
		r = engine__error_set(ENGINE_EINVALID, 0,
				      "network mode container:%s: that container shares another's network",
				      target);
	if (r < 0) {
		engine_container_free(c);
		return r;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)st.pid);
	sb->files.join_netns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (sb->files.join_netns_fd < 0) {
		r = engine__error_errno(errno, "network mode container:%s: open %s", target, path);
		engine_container_free(c);
		return r;
	}
	/* The same names as the container it joins, Docker's way. */
	free(sb->hostname);
	sb->hostname = c->spec->hostname ? strdup(c->spec->hostname) : strndup(c->id, 12);
	dir = engine__net_run_dir(sb->ctx, c->id);
	hosts = dir ? engine__path_join(dir, "hosts") : NULL;
	if (hosts && engine__path_exists(hosts))
		sb->hosts_path = steal_ptr(hosts);
	engine_container_free(c);
	if (!sb->hostname)
		return engine__error_oom();
	sb->files.new_netns = false;
	return make_resolv(sb, spec);
}

/* The bridge exists (with its nftables elements) before anyone attaches. */
static int ensure_bridge(engine__net_sandbox *sb, attachment *a)
{
	bool created;
	int r;

	r = engine__nl_bridge_ensure(&sb->host_nl, a->net->bridge, a->net->gateway, a->net->subnet.prefix,
				     &a->bridge_index, &created);
	if (r < 0)
		return r;
	if (!created)
		return 0;
	if (!a->net->internal && engine__net_enable_forwarding() < 0)
		return engine_error_last()->code;
	return engine__nat_network_add(a->net);
}

static int add_attachment(engine__net_sandbox *sb, const char *netkey, char *const *aliases, const char *ip)
{
	attachment *grown = realloc(sb->att, (sb->n_att + 1) * sizeof(*grown)), *a;
	int r;

	if (!grown)
		return engine__error_oom();
	sb->att = grown;
	a = &sb->att[sb->n_att];
	memset(a, 0, sizeof(*a));
	r = engine__network_find(sb->ctx, netkey, &a->net);
	if (r < 0)
		return r;
	sb->n_att++;
	if (aliases && aliases[0] && a->net->is_default)
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "network-scoped aliases are only supported for user-defined networks");
	a->aliases = engine__strv_dup(aliases);
	if (!a->aliases)
		return ENGINE_ENOMEM;
	if (ip && engine__ip_parse(ip, "--ip", &a->ip) < 0)
		return engine_error_last()->code;
	if (ip && a->net->is_default)
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "user specified IP address is supported on user defined networks only");
	snprintf(a->ifname, sizeof(a->ifname), "eth%zu", sb->n_att - 1);
	/* Unique while the container lives: its ID and the attachment's number. */
	snprintf(a->veth, sizeof(a->veth), "ve%.11s%zu", sb->cid, sb->n_att - 1);
	return 0;
}

static int write_hosts(engine__net_sandbox *sb, const engine_spec *spec)
{
	char ip[16];
	cleanup_free char *names = NULL;
	bool user = false;
	int r;

	sb->hosts = engine__hosts_head();
	names = engine__strdup_printf("%s", sb->hostname);
	if (!sb->hosts || !names)
		return ENGINE_ENOMEM;
	if (engine__hosts_add(&sb->hosts, engine__ip_format(sb->att[0].ip, ip), names) < 0 ||
	    add_extra_hosts(sb, &sb->hosts, spec) < 0)
		return ENGINE_ENOMEM;
	/* Only the default bridge: no peers will ever be written in, so the
	 * file is injected like any other, with no host file to keep. */
	for (size_t i = 0; i < sb->n_att && !user; i++)
		user = !sb->att[i].net->is_default;
	/* --link on the default bridge: the linked containers are written in */
	user = user || spec->links;
	if (!user)
		return 0;
	{
		cleanup_free char *parent = engine__context_path(sb->ctx, ENGINE__NET_FILES_DIR);

		r = parent ? engine__mkdir_p(parent, 0700) : ENGINE_ENOMEM;
	}
	if (r == 0)
		r = engine__mkdir_p(sb->rundir, 0711);
	if (r < 0)
		return engine__error_wrap("create %s", sb->rundir);
	sb->hosts_path = engine__path_join(sb->rundir, "hosts");
	if (!sb->hosts_path)
		return ENGINE_ENOMEM;
	return engine__write_file_atomic(sb->hosts_path, sb->hosts, strlen(sb->hosts), 0644, false);
}

/* Under the lock: addresses, the endpoint records, everyone's hosts files. */
static int register_locked(engine__net_sandbox *sb, const engine_spec *spec, const char *name)
{
	cleanup_json json_object *state = NULL;
	cleanup_strv char **netids = engine__strv_dup(NULL);
	json_object *eps;
	bool changed;
	int r;

	r = engine__net_state_load(sb->ctx, &state);
	if (r < 0)
		return r;
	engine__net_reconcile_locked(sb->ctx, state, &changed);
	eps = engine__net_state_endpoints(state);
	for (size_t i = 0; i < sb->n_att; i++) {
		attachment *a = &sb->att[i];

		r = ensure_bridge(sb, a);
		if (r < 0)
			return r;
		r = engine__ipam_allocate(state, a->net, a->ip, &a->ip);
		if (r < 0)
			return r;
		engine__mac_from_ip(a->ip, a->mac);
		if (!netids || engine__strv_push(&netids, a->net->id) < 0)
			return ENGINE_ENOMEM;
	}
	r = write_hosts(sb, spec);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sb->n_att; i++) {
		attachment *a = &sb->att[i];
		json_object *ep = engine__endpoint_new(sb->cid, name, a->net, a->ip, a->veth, a->ifname,
						       a->aliases, sb->owner, sb->hosts_path,
						       i == 0 ? ports_json(sb->ports, sb->n_ports) : NULL);

		if (!ep)
			return engine__error_oom();
		/* --link: names for peers in this container's hosts file (hosts.c) */
		if (spec->links)
			json_object_object_add(ep, "Links", engine__json_from_strv(spec->links));
		json_object_array_add(eps, ep);
	}
	r = engine__net_state_save(sb->ctx, state);
	if (r < 0)
		return r;
	sb->registered = true;
	if (sb->hosts_path)
		engine__hosts_refresh(state, sb->cid, sb->hosts_path);
	engine__hosts_refresh_peers(state, sb->cid, netids);
	return 0;
}

static int prepare_bridge(engine__net_sandbox *sb, const engine_spec *spec, json_object *image_config,
			  const char *name)
{
	cleanup_close int lock = -EBADF;
	int r;

	cleanup_json json_object *recs = NULL;
	bool off = false;

	/* Networks it was connected to (engine_network_connect) come after
	 * its own, which it may have left (then its ports are not published). */
	if (name) {
		r = engine__connect_records(sb->ctx, sb->cid, &recs);
		if (r < 0)
			return r;
		off = json_object_object_get_ex(recs, ENGINE__PRIMARY_OFF, NULL);
	}
	if (!off && (r = add_attachment(sb, spec->network, spec->net_aliases, spec->ip)) < 0)
		return r;
	if (recs) {
		json_object_object_foreach(recs, netname, rec)
		{
			cleanup_strv char **aliases = NULL;

			if (netname[0] == '-')
				continue;
			if (engine__json_to_strv(engine__json_get_type(rec, "Aliases", json_type_array),
						 &aliases) < 0)
				return engine_error_last()->code;
			r = add_attachment(sb, netname, aliases, engine__json_get_string(rec, "IP"));
			if (r < 0)
				return engine__error_wrap("connected network");
		}
	}
	if (sb->n_att == 0)
		return 1;
	if (!off && ((r = collect_ports(sb, spec, image_config)) < 0 || (r = reserve_ports(sb)) < 0))
		return r;
	sb->rundir = engine__net_run_dir(sb->ctx, sb->cid);
	if (!sb->rundir)
		return ENGINE_ENOMEM;
	r = engine__nl_open(&sb->host_nl);
	if (r < 0)
		return r;
	lock = engine__net_lock(sb->ctx);
	if (lock < 0)
		return lock;
	r = register_locked(sb, spec, name);
	if (r < 0)
		return r;
	if (engine__nat_ports(true, sb->att[0].ip, sb->ports, sb->n_ports) < 0)
		return engine_error_last()->code;
	return make_resolv(sb, spec);
}

static int prepare_none(engine__net_sandbox *sb, const engine_spec *spec)
{
	char names[300];
	int r;

	sb->mode = MODE_NONE;
	r = make_resolv(sb, spec);
	if (r < 0 || !spec->extra_hosts)
		return r;
	snprintf(names, sizeof(names), "%s", sb->hostname);
	sb->hosts = engine__hosts_head();
	return !sb->hosts || engine__hosts_add(&sb->hosts, "127.0.1.1", names) < 0 ||
		       add_extra_hosts(sb, &sb->hosts, spec) < 0
		   ? ENGINE_ENOMEM
		   : 0;
}

/* Rootless: the default bridge is pasta's user-mode network; a bridge of
 * ours (veths, nftables) or another container's namespace (owned by its
 * own user namespace) is out of an unprivileged caller's reach. */
static int prepare_rootless(engine__net_sandbox *sb, const engine_spec *spec, const char *mode)
{
	if (strcmp(mode, ENGINE_NETWORK_BRIDGE) != 0)
		return engine__error_set(ENGINE_ENOTSUP, 0,
					 "network \"%s\": running rootless, the networks are none, host and "
					 "bridge (a user-mode network by pasta)",
					 mode);
	if (!engine__pasta_available())
		return engine__error_set(
		    ENGINE_ENOTSUP, 0,
		    "network bridge: running rootless, it is a user-mode network by pasta: "
		    "install Debian's passt package, or use --network none or host");
	if (spec->publish_all)
		return engine__error_set(ENGINE_ENOTSUP, 0,
					 "publish all (-P): running rootless, publish each port with -p");
	for (size_t i = 0; spec->ports && spec->ports[i]; i++)
		if (engine__port_parse(spec->ports[i], &sb->ports, &sb->n_ports) < 0)
			return engine__error_wrap("publish %s", spec->ports[i]);
	sb->mode = MODE_PASTA;
	return make_resolv(sb, spec);
}

int engine__net_prepare(engine_context *ctx, const engine_spec *spec, json_object *image_config,
			const char *cid, const char *name, const char *hostname, engine__net_sandbox **out)
{
	engine__net_sandbox *sb = calloc(1, sizeof(*sb));
	const char *mode = spec->network ? spec->network : ENGINE_NETWORK_NONE;
	int r;

	if (!sb)
		return engine__error_oom();
	sb->ctx = ctx;
	sb->owner = getpid();
	sb->files.join_netns_fd = -1;
	sb->files.new_netns = true;
	snprintf(sb->cid, sizeof(sb->cid), "%s", cid);
	sb->hostname = strdup(hostname);
	if (!sb->hostname) {
		free(sb);
		return engine__error_oom();
	}
	if ((spec->ports || spec->publish_all) &&
	    (strcmp(mode, ENGINE_NETWORK_NONE) == 0 || strcmp(mode, ENGINE_NETWORK_HOST) == 0)) {
		/* Docker ignores them with a warning; a library caller wants to know. */
		r = engine__error_set(ENGINE_EINVALID, 0, "published ports need a bridge network, not \"%s\"",
				      mode);
	} else if (strcmp(mode, ENGINE_NETWORK_NONE) == 0) {
		r = prepare_none(sb, spec);
	} else if (strcmp(mode, ENGINE_NETWORK_HOST) == 0) {
		sb->mode = MODE_HOST;
		sb->files.new_netns = false;
		r = (spec->dns || spec->dns_search || spec->dns_options) ? make_resolv(sb, spec) : 0;
	} else if (engine__context_rootless(ctx)) {
		r = prepare_rootless(sb, spec, mode);
	} else if (strncmp(mode, "container:", 10) == 0) {
		sb->mode = MODE_CONTAINER;
		r = prepare_container_mode(sb, spec, mode + 10);
	} else {
		sb->mode = MODE_BRIDGE;
		r = prepare_bridge(sb, spec, image_config, name);
		/* Disconnected from every network: loopback only. */
		if (r == 1)
			r = prepare_none(sb, spec);
	}
	if (r < 0) {
		engine__net_release(sb);
		return r;
	}
	sb->files.hostname = sb->mode == MODE_CONTAINER ? sb->hostname : NULL;
	sb->files.hosts = sb->hosts;
	sb->files.hosts_path = sb->hosts_path;
	sb->files.resolv = sb->resolv;
	*out = sb;
	return 0;
}

bool engine__net_needs_attach(const engine__net_sandbox *sb)
{
	return sb && (sb->mode == MODE_BRIDGE || sb->mode == MODE_PASTA);
}

int engine__net_attach(engine__net_sandbox *sb, pid_t pid)
{
	engine__nl inner;
	int r = 0;

	if (sb && sb->mode == MODE_PASTA) {
		cleanup_free char *pid_file = engine__strdup_printf(
		    "%s/pasta-%d-%d.pid", engine_context_run_dir(sb->ctx), (int)getpid(), (int)pid);

		if (!pid_file)
			return engine__error_oom();
		return engine__pasta_start(pid, sb->ports, sb->n_ports, pid_file, &sb->pasta) < 0
			   ? engine__error_wrap("network bridge (pasta)")
			   : 0;
	}
	if (!sb || sb->mode != MODE_BRIDGE)
		return 0;
	for (size_t i = 0; i < sb->n_att; i++) {
		attachment *a = &sb->att[i];

		r = engine__nl_veth_create(&sb->host_nl, a->veth, a->bridge_index, a->ifname, pid, a->mac);
		if (r < 0)
			return engine__error_wrap("network %s", a->net->name);
	}
	r = engine__nl_open_in(&inner, pid);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sb->n_att && r == 0; i++) {
		attachment *a = &sb->att[i];

		/* The default route goes through the first network that has one
		 * (an --internal network has no way out). */
		r = engine__nl_iface_configure(&inner, a->ifname, a->ip, a->net->subnet.prefix,
					       i == 0 && !a->net->internal ? a->net->gateway : 0);
		if (r < 0)
			r = engine__error_wrap("network %s", a->net->name);
	}
	engine__nl_close(&inner);
	return r;
}

int engine__net_started(engine__net_sandbox *sb)
{
	if (!sb || sb->mode != MODE_BRIDGE)
		return 0;
	if (sb->owner != getpid()) {
		/* The monitor took over: the endpoints live as long as it does. */
		cleanup_close int lock = engine__net_lock(sb->ctx);
		cleanup_json json_object *state = NULL;
		json_object *eps;

		if (lock < 0)
			return lock;
		if (engine__net_state_load(sb->ctx, &state) < 0)
			return engine_error_last()->code;
		sb->owner = getpid();
		eps = engine__net_state_endpoints(state);
		for (size_t i = 0; i < json_object_array_length(eps); i++) {
			json_object *ep = json_object_array_get_idx(eps, i);

			if (strcmp(engine__json_get_string(ep, "Container") ?: "", sb->cid) != 0)
				continue;
			json_object_object_add(ep, "Owner", json_object_new_int64(sb->owner));
			json_object_object_add(
			    ep, "OwnerStart",
			    json_object_new_int64((int64_t)engine__proc_start_time(sb->owner)));
		}
		if (engine__net_state_save(sb->ctx, state) < 0)
			return engine_error_last()->code;
	}
	if (sb->n_ports && !sb->fwd) {
		int r = engine__forwarder_start(sb->lfds, sb->ports, sb->n_ports, sb->att[0].ip, &sb->fwd);

		if (r < 0)
			return r;
		/* The forwarder owns them now. */
		for (size_t i = 0; i < sb->n_ports; i++)
			sb->lfds[i] = -1;
	}
	return 0;
}

/* Remove @cid's endpoints from @state; their networks go into @netids. */
static void drop_endpoints(json_object *state, const char *cid, char ***netids)
{
	json_object *eps = engine__net_state_endpoints(state);

	for (size_t i = json_object_array_length(eps); i-- > 0;) {
		json_object *ep = json_object_array_get_idx(eps, i);

		if (strcmp(engine__json_get_string(ep, "Container") ?: "", cid) != 0)
			continue;
		engine__strv_push(netids, engine__json_get_string(ep, "Network") ?: "");
		json_object_array_del_idx(eps, i, 1);
	}
}

void engine__net_release(engine__net_sandbox *sb)
{
	engine__error_saved saved;

	if (!sb)
		return;
	engine__error_save(&saved);
	engine__pasta_stop(sb->pasta);
	engine__forwarder_stop(sb->fwd);
	sb->fwd = NULL;
	if (sb->registered) {
		cleanup_close int lock = engine__net_lock(sb->ctx);
		cleanup_json json_object *state = NULL;
		cleanup_strv char **netids = engine__strv_dup(NULL);

		if (lock >= 0 && engine__net_state_load(sb->ctx, &state) == 0 && netids) {
			engine__nat_ports(false, sb->att[0].ip, sb->ports, sb->n_ports);
			drop_endpoints(state, sb->cid, &netids);
			engine__net_state_save(sb->ctx, state);
			engine__hosts_refresh_peers(state, sb->cid, netids);
		}
	}
	if (sb->rundir)
		engine__rm_rf(sb->rundir);
	engine__net_sandbox_free(sb);
	engine__error_restore(&saved);
}
