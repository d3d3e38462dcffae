/*
 * Pure helpers of the network subsystem (no side effects, unit-tested
 * without privileges): IPv4 addresses and subnets, published-port specs,
 * and the generated /etc/hosts and /etc/resolv.conf.
 */
#ifndef ENGINE_NET_ADDR_H
#define ENGINE_NET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IPv4 addresses are host byte order throughout the subsystem. */
typedef struct engine__cidr {
	uint32_t addr; /* the network address (host bits cleared) */
	int prefix;
} engine__cidr;

/* "10.1.2.3" -> address. ENGINE_EINVALID naming @what otherwise. */
int engine__ip_parse(const char *s, const char *what, uint32_t *out);
/* Dotted quad into @buf (>= 16 bytes); returns @buf. */
char *engine__ip_format(uint32_t ip, char *buf);
/* "10.1.0.0/16" (host bits must be clear unless @host_ok: then *@host
 * receives the full address, as in bip "10.77.0.1/16"). */
int engine__cidr_parse(const char *s, const char *what, bool host_ok, engine__cidr *out, uint32_t *host);
uint32_t engine__cidr_mask(int prefix);
bool engine__cidr_contains(const engine__cidr *c, uint32_t ip);
bool engine__cidr_overlaps(const engine__cidr *a, const engine__cidr *b);
/* "10.1.0.0/16" into @buf (>= 20 bytes). */
char *engine__cidr_format(const engine__cidr *c, char *buf);

/* One published port: host_ip 0 means every address. */
typedef struct engine__port {
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t host_ip;
	uint16_t host_port; /* 0: an ephemeral port */
	uint16_t ctr_port;
} engine__port;

/* Docker's -p forms: "[IP:][HOST:]CONTAINER[/tcp|udp]", ranges
 * "8000-8001:80-81" expanded. Appends to *@ports. */
int engine__port_parse(const char *spec, engine__port **ports, size_t *n);
/* "80", "80/tcp", "53/udp" (an EXPOSE entry) -> port and protocol. */
int engine__port_key_parse(const char *key, uint16_t *port, int *proto);
const char *engine__proto_name(int proto);

/* /etc/resolv.conf: @host_conf (the host's file, may be NULL) with
 * loopback nameservers dropped (they mean nothing inside the container's
 * namespace), or the given @dns / @search / @options instead; Google's
 * public resolvers when nothing is left, as Docker does. malloc'd. */
char *engine__resolv_conf(const char *host_conf, char *const *dns, char *const *search, char *const *options);
/* Append "ip\tname [names]\n" to a growing hosts buffer. */
int engine__hosts_add(char **buf, const char *ip, const char *names);
/* The fixed head of /etc/hosts: localhost lines. malloc'd. */
char *engine__hosts_head(void);

#endif
