/*
 * Parsing and formatting for the network subsystem, free of side effects:
 * IPv4 addresses and subnets, Docker's -p syntax, resolv.conf filtering
 * and hosts-file lines.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "net/addr.h"
#include "util/cleanup.h"
#include "util/str.h"

int engine__ip_parse(const char *s, const char *what, uint32_t *out)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return engine__error_set(ENGINE_EINVALID, 0, "%s \"%s\": not an IPv4 address", what,
					 s ? s : "");
	*out = ntohl(a.s_addr);
	return 0;
}

char *engine__ip_format(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
	return buf;
}

uint32_t engine__cidr_mask(int prefix)
{
	return prefix <= 0 ? 0 : 0xffffffffu << (32 - prefix);
}

int engine__cidr_parse(const char *s, const char *what, bool host_ok, engine__cidr *out, uint32_t *host)
{
	char ip[32];
	const char *slash = s ? strchr(s, '/') : NULL;
	char *end;
	long prefix;
	uint32_t addr = 0;

	if (!slash || (size_t)(slash - s) >= sizeof(ip))
		return engine__error_set(ENGINE_EINVALID, 0, "%s \"%s\": want ADDRESS/PREFIX", what,
					 s ? s : "");
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	errno = 0;
	prefix = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || prefix < 8 || prefix > 30)
		return engine__error_set(ENGINE_EINVALID, 0, "%s \"%s\": prefix length must be 8..30", what,
					 s);
	if (engine__ip_parse(ip, what, &addr) < 0)
		return engine_error_last()->code;
	if (!host_ok && (addr & ~engine__cidr_mask((int)prefix)))
		return engine__error_set(
		    ENGINE_EINVALID, 0, "%s \"%s\": host bits set (did you mean %s/%ld?)", what, s,
		    engine__ip_format(addr & engine__cidr_mask((int)prefix), ip), prefix);
	out->prefix = (int)prefix;
	out->addr = addr & engine__cidr_mask((int)prefix);
	if (host)
		*host = addr;
	return 0;
}

bool engine__cidr_contains(const engine__cidr *c, uint32_t ip)
{
	return (ip & engine__cidr_mask(c->prefix)) == c->addr;
}

bool engine__cidr_overlaps(const engine__cidr *a, const engine__cidr *b)
{
	int p = a->prefix < b->prefix ? a->prefix : b->prefix;

	return (a->addr & engine__cidr_mask(p)) == (b->addr & engine__cidr_mask(p));
}

char *engine__cidr_format(const engine__cidr *c, char *buf)
{
	char ip[16];

	snprintf(buf, 20, "%s/%d", engine__ip_format(c->addr, ip), c->prefix);
	return buf;
}

const char *engine__proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

static int parse_proto(const char *s, const char *spec, int *proto)
{
	if (!s || strcmp(s, "tcp") == 0)
		*proto = IPPROTO_TCP;
	else if (strcmp(s, "udp") == 0)
		*proto = IPPROTO_UDP;
	else
		return engine__error_set(ENGINE_EINVALID, 0, "port \"%s\": protocol must be tcp or udp",
					 spec);
	return 0;
}

/* "80" or "8000-8010" (empty allowed when @empty_ok: 0-0). */
static int parse_range(const char *s, const char *spec, bool empty_ok, unsigned *lo, unsigned *hi)
{
	char *end;
	unsigned long a, b;

	if (!*s && empty_ok) {
		*lo = *hi = 0;
		return 0;
	}
	errno = 0;
	a = strtoul(s, &end, 10);
	b = a;
	if (*end == '-') {
		const char *second = end + 1;

		b = strtoul(second, &end, 10);
		if (end == second)
			b = 0;
	}
	if (end == s || *end || errno || a < 1 || a > 65535 || b < a || b > 65535)
		return engine__error_set(ENGINE_EINVALID, 0, "port \"%s\": invalid port or range \"%s\"",
					 spec, s);
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

int engine__port_parse(const char *spec, engine__port **ports, size_t *n)
{
	cleanup_free char *copy = strdup(spec ? spec : "");
	char *fields[3], *proto, *p;
	size_t nf = 0;
	unsigned hlo = 0, hhi = 0, clo, chi;
	uint32_t ip = 0;
	int pr;
	engine__port *grown;

	if (!copy)
		return engine__error_oom();
	if (!*copy)
		return engine__error_set(ENGINE_EINVALID, 0, "empty port specification");
	proto = strchr(copy, '/');
	if (proto)
		*proto++ = '\0';
	if (parse_proto(proto, spec, &pr) < 0)
		return engine_error_last()->code;
	/* An IP may only be IPv4 here, so splitting on ':' is unambiguous. */
	for (p = copy; nf < 3;) {
		char *colon = strchr(p, ':');

		fields[nf++] = p;
		if (!colon)
			break;
		*colon = '\0';
		p = colon + 1;
	}
	if (strchr(p, ':'))
		return engine__error_set(ENGINE_EINVALID, 0, "port \"%s\": too many ':'", spec);
	if (nf == 3 && *fields[0] && engine__ip_parse(fields[0], "port host address", &ip) < 0)
		return engine_error_last()->code;
	if (nf >= 2 && parse_range(fields[nf - 2], spec, true, &hlo, &hhi) < 0)
		return engine_error_last()->code;
	if (parse_range(fields[nf - 1], spec, false, &clo, &chi) < 0)
		return engine_error_last()->code;
	if (hlo && hhi - hlo != chi - clo)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "port \"%s\": host and container ranges differ in size", spec);
	grown = realloc(*ports, (*n + (chi - clo + 1)) * sizeof(**ports));
	if (!grown)
		return engine__error_oom();
	*ports = grown;
	for (unsigned i = 0; i <= chi - clo; i++)
		grown[(*n)++] = (engine__port){pr, ip, (uint16_t)(hlo ? hlo + i : 0), (uint16_t)(clo + i)};
	return 0;
}

int engine__port_key_parse(const char *key, uint16_t *port, int *proto)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(key ? key : "", &end, 10);
	if (!key || end == key || errno || v < 1 || v > 65535 || (*end && *end != '/'))
		return engine__error_set(ENGINE_EINVALID, 0, "exposed port \"%s\": want PORT[/tcp|udp]",
					 key ? key : "");
	*port = (uint16_t)v;
	return parse_proto(*end ? end + 1 : NULL, key, proto);
}

static int buf_add(char **buf, const char *fmt, const char *a, const char *b)
{
	char *grown = engine__strdup_printf("%s%s%s%s", *buf ? *buf : "", fmt, a, b ? b : "");

	if (!grown)
		return ENGINE_ENOMEM;
	free(*buf);
	*buf = grown;
	return 0;
}

static bool is_loopback(const char *ip)
{
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0;
}

char *engine__resolv_conf(const char *host_conf, char *const *dns, char *const *search, char *const *options)
{
	cleanup_free char *copy = strdup(host_conf ? host_conf : "");
	char *out = NULL, *save = NULL;
	bool any_ns = false;

	if (!copy || buf_add(&out, "", "", NULL) < 0) {
		engine__error_oom();
		return NULL;
	}
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char word[16] = "", arg[256] = "";

		if (sscanf(line, " %15s %255s", word, arg) < 1)
			continue;
		if (strcmp(word, "nameserver") == 0) {
			if (dns || is_loopback(arg))
				continue;
			any_ns = true;
		} else if ((strcmp(word, "search") == 0 || strcmp(word, "domain") == 0) && search) {
			continue;
		} else if (strcmp(word, "options") == 0 && options) {
			continue;
		} else if (word[0] == '#' || word[0] == ';') {
			continue;
		}
		if (buf_add(&out, "", line, "\n") < 0)
			goto oom;
	}
	for (size_t i = 0; dns && dns[i]; i++, any_ns = true)
		if (buf_add(&out, "nameserver ", dns[i], "\n") < 0)
			goto oom;
	if (!any_ns && (buf_add(&out, "nameserver ", "8.8.8.8", "\n") < 0 ||
			buf_add(&out, "nameserver ", "8.8.4.4", "\n") < 0))
		goto oom;
	if (search && search[0]) {
		if (buf_add(&out, "search", "", NULL) < 0)
			goto oom;
		for (size_t i = 0; search[i]; i++)
			if (strcmp(search[i], ".") != 0 && buf_add(&out, " ", search[i], NULL) < 0)
				goto oom;
		if (buf_add(&out, "\n", "", NULL) < 0)
			goto oom;
	}
	if (options && options[0]) {
		if (buf_add(&out, "options", "", NULL) < 0)
			goto oom;
		for (size_t i = 0; options[i]; i++)
			if (buf_add(&out, " ", options[i], NULL) < 0)
				goto oom;
		if (buf_add(&out, "\n", "", NULL) < 0)
			goto oom;
	}
	return out;
oom:
	free(out);
	engine__error_oom();
	return NULL;
}

char *engine__hosts_head(void)
{
	char *s = strdup("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
			 "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
			 "ff02::2\tip6-allrouters\n");

	if (!s)
		engine__error_oom();
	return s;
}

int engine__hosts_add(char **buf, const char *ip, const char *names)
{
	char *grown = engine__strdup_printf("%s%s\t%s\n", *buf ? *buf : "", ip, names);

	if (!grown)
		return ENGINE_ENOMEM;
	free(*buf);
	*buf = grown;
	return 0;
}
