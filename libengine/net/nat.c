/*
 * nftables, only ever in the engine's own table "ip engine" (no other table
 * or chain is read or touched), through libnftables. The rules are fixed
 * at table creation; everything per network or per container is a set or
 * map element, added and deleted by key in one transaction: bridges and
 * their subnets (masquerade, isolation, --internal) and published ports
 * (DNAT for traffic to the host's addresses; 127.0.0.1 is the forwarder's).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/nft_lib.h"
#include "core/error.h"
#include "net/internal.h"
#include "util/cleanup.h"
#include "util/str.h"

static const char table_def[] =
    "table ip engine {\n"
    "  set bridges { type ifname; }\n"
    "  set internal { type ifname; }\n"
    "  set same { type ifname . ifname; }\n"
    "  set nat_subnets { type ipv4_addr; flags interval; }\n"
    "  map ports_ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }\n"
    "  map ports_any { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
    "  chain prerouting { type nat hook prerouting priority dstnat; policy accept;\n"
    "    fib daddr type local jump ports; }\n"
    /* Loopback destinations never reach the DNAT: the forwarder serves them. */
    "  chain output { type nat hook output priority -100; policy accept;\n"
    "    ip daddr != 127.0.0.0/8 fib daddr type local jump ports; }\n"
    "  chain ports {\n"
    "    dnat to ip daddr . meta l4proto . th dport map @ports_ip\n"
    "    dnat to meta l4proto . th dport map @ports_any\n"
    "  }\n"
    "  chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
    "    ip saddr @nat_subnets oifname != @bridges masquerade; }\n"
    "  chain forward { type filter hook forward priority filter; policy accept;\n"
    "    iifname . oifname @same accept\n"
    "    iifname @internal drop\n"
    "    oifname @internal drop\n"
    "    iifname @bridges oifname @bridges drop\n"
    "  }\n"
    "}\n";

/* Run @cmds in one transaction; the error carries nft's own message. */
static int nft_run(const char *cmds, const char *what, bool quiet)
{
	struct nft_ctx *nft;
	int r = engine__backend_require(&engine__backend_nft);

	if (r < 0)
		return r;
	nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft)
		return engine__error_oom();
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	if (nft_run_cmd_from_buffer(nft, cmds) != 0) {
		const char *err = nft_ctx_get_error_buffer(nft);
		char line[512] = "";

		/* The first line says what nft disliked. */
		if (err)
			snprintf(line, sizeof(line), "%.*s", (int)strcspn(err, "\n"), err);
		r = quiet ? ENGINE_ERROR
			  : engine__error_set(ENGINE_ERROR, 0, "nftables: %s: %s", what,
					      *line ? line : "failed");
	}
	nft_ctx_free(nft);
	return r;
}

static int ensure_table(void)
{
	if (nft_run("list table ip engine", "look up table", true) == 0)
		return 0;
	return nft_run(table_def, "create table ip engine", false);
}

int engine__nat_network_add(const engine__network *n)
{
	cleanup_free char *cmds = NULL;
	char subnet[20];

	if (ensure_table() < 0)
		return engine_error_last()->code;
	cmds = engine__strdup_printf(
	    "add element ip engine bridges { \"%s\" }\n"
	    "add element ip engine same { \"%s\" . \"%s\" }\n"
	    "add element ip engine %s { %s }\n",
	    n->bridge, n->bridge, n->bridge, n->internal ? "internal" : "nat_subnets",
	    n->internal ? (snprintf(subnet, sizeof(subnet), "\"%s\"", n->bridge), subnet)
			: engine__cidr_format(&n->subnet, subnet));
	if (!cmds)
		return ENGINE_ENOMEM;
	return nft_run(cmds, n->bridge, false);
}

int engine__nat_network_remove(const engine__network *n)
{
	char cmd[256], subnet[20];

	/* Each element on its own: a missing one must not stop the others. */
	snprintf(cmd, sizeof(cmd), "delete element ip engine bridges { \"%s\" }", n->bridge);
	nft_run(cmd, n->bridge, true);
	snprintf(cmd, sizeof(cmd), "delete element ip engine same { \"%s\" . \"%s\" }", n->bridge, n->bridge);
	nft_run(cmd, n->bridge, true);
	if (n->internal)
		snprintf(cmd, sizeof(cmd), "delete element ip engine internal { \"%s\" }", n->bridge);
	else
		snprintf(cmd, sizeof(cmd), "delete element ip engine nat_subnets { %s }",
			 engine__cidr_format(&n->subnet, subnet));
	nft_run(cmd, n->bridge, true);
	return 0;
}

int engine__nat_ports(bool add, uint32_t ctr_ip, const engine__port *ports, size_t n)
{
	cleanup_free char *cmds = NULL;
	char cip[16], hip[16];

	if (!n)
		return 0;
	if (add && ensure_table() < 0)
		return engine_error_last()->code;
	engine__ip_format(ctr_ip, cip);
	for (size_t i = 0; i < n; i++) {
		const engine__port *p = &ports[i];
		char *grown;

		if (p->host_ip == 0x7f000001)
			continue; /* loopback only: the forwarder's alone */
		char value[40] = "";

		if (add)
			snprintf(value, sizeof(value), " : %s . %u", cip, p->ctr_port);
		if (p->host_ip)
			grown = engine__strdup_printf("%s%s element ip engine ports_ip { %s . %s . %u%s }\n",
						      cmds ? cmds : "", add ? "add" : "delete",
						      engine__ip_format(p->host_ip, hip),
						      engine__proto_name(p->proto), p->host_port, value);
		else
			grown = engine__strdup_printf("%s%s element ip engine ports_any { %s . %u%s }\n",
						      cmds ? cmds : "", add ? "add" : "delete",
						      engine__proto_name(p->proto), p->host_port, value);
		if (!grown)
			return ENGINE_ENOMEM;
		free(cmds);
		cmds = grown;
	}
	if (!cmds)
		return 0;
	if (add)
		return nft_run(cmds, "publish ports", false);
	/* Deleting: one by one, so an element already gone does not keep the rest. */
	for (char *line = cmds, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		nft_run(line, "unpublish port", true);
	}
	return 0;
}

int engine__net_enable_forwarding(void)
{
	cleanup_close int fd = open("/proc/sys/net/ipv4/ip_forward", O_RDWR | O_CLOEXEC);
	char cur = '0';

	if (fd < 0)
		return engine__error_errno(errno, "open /proc/sys/net/ipv4/ip_forward");
	if (read(fd, &cur, 1) == 1 && cur == '1')
		return 0;
	if (pwrite(fd, "1\n", 2, 0) != 2)
		return engine__error_errno(errno, "enable IPv4 forwarding");
	return 0;
}
