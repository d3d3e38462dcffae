/*
 * rtnetlink over libmnl: bridges, veth pairs created straight into a
 * container's namespace, addresses and the default route inside it. Every
 * request asks for an ACK so a failure comes back as the kernel's errno,
 * wrapped with the interface it was about.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "core/error.h"
#include "net/netlink.h"
#include "util/cleanup.h"
#include "util/strv.h"

#define NL_BUF 8192
/* Dump replies come in skbs of up to 32 KiB. */
#define NL_RBUF 32768

int engine__nl_open(engine__nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		return engine__error_errno(errno, "open rtnetlink socket");
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return engine__error_errno(e, "bind rtnetlink socket");
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = 1;
	return 0;
}

int engine__nl_open_in(engine__nl *nl, pid_t pid)
{
	char path[64];
	cleanup_close int self = -EBADF, target = -EBADF;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return engine__error_errno(errno, "open %s", path);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return engine__error_errno(errno, "open /proc/thread-self/ns/net");
	if (setns(target, CLONE_NEWNET) < 0)
		return engine__error_errno(errno, "enter the network namespace of pid %d", (int)pid);
	r = engine__nl_open(nl);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* Should never happen; the thread must not stay in there. */
		int e = errno;

		engine__nl_close(nl);
		return engine__error_errno(e, "return to the caller's network namespace");
	}
	return r;
}

void engine__nl_close(engine__nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/* Send @len bytes holding @count requests (each with NLM_F_ACK) and read
 * until every one is acknowledged; the first error wins. Replies other
 * than errors and ACKs go to @cb when given. */
static int talk(engine__nl *nl, const void *buf, size_t len, int count, mnl_cb_t cb, void *data)
{
	char rbuf[NL_RBUF];
	int first_err = 0, acked = 0;

	if (mnl_socket_sendto(nl->sock, buf, len) < 0)
		return -errno;
	while (acked < count) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
		int left = (int)n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(h, left);
		     h = mnl_nlmsg_next(h, &left)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

				acked++;
				if (e->error && !first_err)
					first_err = e->error;
			} else if (h->nlmsg_type == NLMSG_DONE) {
				acked++;
			} else if (cb) {
				cb(h, data);
			}
		}
	}
	return first_err;
}

static struct nlmsghdr *msg_start(engine__nl *nl, void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);

	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->nlmsg_seq = nl->seq++;
	return h;
}

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *h)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	return ifi;
}

static int index_cb(const struct nlmsghdr *h, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);

	if (h->nlmsg_type == RTM_NEWLINK)
		*(int *)data = ifi->ifi_index;
	return MNL_CB_OK;
}

int engine__nl_link_index(engine__nl *nl, const char *name, int *out)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = msg_start(nl, buf, RTM_GETLINK, 0);
	int r;

	put_ifinfo(h);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	*out = 0;
	r = talk(nl, buf, h->nlmsg_len, 1, index_cb, out);
	if (r == -ENODEV) {
		*out = 0;
		return 0;
	}
	if (r < 0)
		return engine__error_errno(-r, "look up interface %s", name);
	return 0;
}

static void put_addr(engine__nl *nl, char *buf, size_t *off, int ifindex, uint32_t ip, int prefix)
{
	struct nlmsghdr *h = msg_start(nl, buf + *off, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	uint32_t be = htonl(ip);
	uint32_t bcast = htonl(ip | (prefix ? (0xffffffffu >> prefix) : 0xffffffffu));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(h, IFA_LOCAL, 4, &be);
	mnl_attr_put(h, IFA_ADDRESS, 4, &be);
	if (prefix < 31)
		mnl_attr_put(h, IFA_BROADCAST, 4, &bcast);
	*off += h->nlmsg_len;
}

static void put_up(engine__nl *nl, char *buf, size_t *off, int ifindex)
{
	struct nlmsghdr *h = msg_start(nl, buf + *off, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = put_ifinfo(h);

	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	*off += h->nlmsg_len;
}

int engine__nl_bridge_ensure(engine__nl *nl, const char *name, uint32_t gw, int prefix, int *ifindex,
			     bool *created)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = msg_start(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *info;
	size_t off = 0;
	int r;

	*created = false;
	put_ifinfo(h);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(h, info);
	r = talk(nl, buf, h->nlmsg_len, 1, NULL, NULL);
	if (r < 0 && r != -EEXIST)
		return engine__error_errno(-r, "create bridge %s", name);
	*created = r == 0;
	if (engine__nl_link_index(nl, name, ifindex) < 0)
		return engine_error_last()->code;
	if (!*ifindex)
		return engine__error_set(ENGINE_ERROR, 0, "bridge %s vanished after its creation", name);
	if (!*created)
		return 0;
	put_addr(nl, buf, &off, *ifindex, gw, prefix);
	put_up(nl, buf, &off, *ifindex);
	r = talk(nl, buf, off, 2, NULL, NULL);
	if (r < 0)
		return engine__error_errno(-r, "configure bridge %s", name);
	return 0;
}

int engine__nl_veth_create(engine__nl *nl, const char *host, int master, const char *peer, pid_t peer_pid,
			   const uint8_t mac[6])
{
	char buf[NL_BUF];
	struct nlmsghdr *h = msg_start(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = put_ifinfo(h), *pifi;
	struct nlattr *info, *data, *pn;
	int r;

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(h, IFLA_IFNAME, host);
	if (master > 0)
		mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	pn = mnl_attr_nest_start(h, VETH_INFO_PEER);
	/* The peer's attributes follow its own ifinfomsg. */
	pifi = mnl_nlmsg_get_payload_tail(h);
	memset(pifi, 0, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	h->nlmsg_len += MNL_ALIGN(sizeof(*pifi));
	mnl_attr_put_strz(h, IFLA_IFNAME, peer);
	mnl_attr_put_u32(h, IFLA_NET_NS_PID, (uint32_t)peer_pid);
	if (mac)
		mnl_attr_put(h, IFLA_ADDRESS, 6, mac);
	mnl_attr_nest_end(h, pn);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	r = talk(nl, buf, h->nlmsg_len, 1, NULL, NULL);
	if (r < 0)
		return engine__error_errno(-r, "create veth pair %s/%s", host, peer);
	return 0;
}

int engine__nl_iface_configure(engine__nl *nl, const char *ifname, uint32_t ip, int prefix, uint32_t gw)
{
	char buf[NL_BUF];
	size_t off = 0;
	int idx, r, count = 2;

	if (engine__nl_link_index(nl, ifname, &idx) < 0)
		return engine_error_last()->code;
	if (!idx)
		return engine__error_set(ENGINE_ENOTFOUND, 0, "interface %s: not in the container", ifname);
	put_addr(nl, buf, &off, idx, ip, prefix);
	put_up(nl, buf, &off, idx);
	if (gw) {
		struct nlmsghdr *h = msg_start(nl, buf + off, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(h, sizeof(*rtm));
		uint32_t be = htonl(gw);

		rtm->rtm_family = AF_INET;
		rtm->rtm_table = RT_TABLE_MAIN;
		rtm->rtm_protocol = RTPROT_BOOT;
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;
		rtm->rtm_type = RTN_UNICAST;
		mnl_attr_put(h, RTA_GATEWAY, 4, &be);
		mnl_attr_put_u32(h, RTA_OIF, (uint32_t)idx);
		off += h->nlmsg_len;
		count++;
	}
	r = talk(nl, buf, off, count, NULL, NULL);
	if (r < 0)
		return engine__error_errno(-r, "configure %s in the container", ifname);
	return 0;
}

int engine__nl_link_delete(engine__nl *nl, const char *name)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = msg_start(nl, buf, RTM_DELLINK, 0);
	int r;

	put_ifinfo(h);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	r = talk(nl, buf, h->nlmsg_len, 1, NULL, NULL);
	if (r < 0 && r != -ENODEV)
		return engine__error_errno(-r, "delete interface %s", name);
	return 0;
}

static int name_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_IFNAME && mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
		*(const char **)data = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

static int names_cb(const struct nlmsghdr *h, void *data)
{
	const char *name = NULL;

	if (h->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_parse(h, sizeof(struct ifinfomsg), name_attr_cb, &name);
	if (name)
		engine__strv_push((char ***)data, name);
	return MNL_CB_OK;
}

int engine__nl_link_names(engine__nl *nl, char ***out)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = msg_start(nl, buf, RTM_GETLINK, NLM_F_DUMP);
	cleanup_strv char **names = engine__strv_dup(NULL);
	int r;

	if (!names)
		return ENGINE_ENOMEM;
	h->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
	put_ifinfo(h);
	/* A dump ends with NLMSG_DONE, counted as its acknowledgement. */
	r = talk(nl, buf, h->nlmsg_len, 1, names_cb, &names);
	if (r < 0)
		return engine__error_errno(-r, "list network interfaces");
	*out = steal_ptr(names);
	return 0;
}

struct routes {
	engine__cidr *a;
	size_t n;
	bool oom;
};

static int dst_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == RTA_DST && mnl_attr_get_payload_len(a) == 4)
		memcpy(data, mnl_attr_get_payload(a), 4);
	return MNL_CB_OK;
}

static int routes_cb(const struct nlmsghdr *h, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
	struct routes *r = data;
	uint32_t be = 0;
	engine__cidr *grown;

	if (h->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET || rtm->rtm_table != RT_TABLE_MAIN ||
	    rtm->rtm_dst_len == 0)
		return MNL_CB_OK;
	mnl_attr_parse(h, sizeof(*rtm), dst_attr_cb, &be);
	grown = realloc(r->a, (r->n + 1) * sizeof(*r->a));
	if (!grown) {
		r->oom = true;
		return MNL_CB_OK;
	}
	r->a = grown;
	r->a[r->n++] = (engine__cidr){ntohl(be) & engine__cidr_mask(rtm->rtm_dst_len), rtm->rtm_dst_len};
	return MNL_CB_OK;
}

int engine__nl_routes4(engine__nl *nl, engine__cidr **out, size_t *n)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = msg_start(nl, buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm;
	struct routes r = {NULL, 0, false};
	int rc;

	h->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
	rtm = mnl_nlmsg_put_extra_header(h, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rc = talk(nl, buf, h->nlmsg_len, 1, routes_cb, &r);
	if (rc < 0 || r.oom) {
		free(r.a);
		return r.oom ? engine__error_oom() : engine__error_errno(-rc, "list IPv4 routes");
	}
	*out = r.a;
	*n = r.n;
	return 0;
}
