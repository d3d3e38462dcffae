/* Network subsystem, the pure parts: addresses, subnets, -p specs,
 * resolv.conf filtering; and the network records through the public API
 * (no bridge is made until a container starts, so no privileges needed). */
#include <netinet/in.h>

#include "check_helpers.h"
#include "net/addr.h"

START_TEST(test_net__cidr)
{
	engine__cidr c, d;
	uint32_t host = 0;
	char buf[20];

	ck_assert_int_eq(engine__cidr_parse("10.78.1.0/24", "subnet", false, &c, NULL), 0);
	ck_assert_str_eq(engine__cidr_format(&c, buf), "10.78.1.0/24");
	ck_assert(engine__cidr_contains(&c, 0x0a4e0105));
	ck_assert(!engine__cidr_contains(&c, 0x0a4e0205));
	ck_assert_engine_error(engine__cidr_parse("10.78.1.1/24", "subnet", false, &c, NULL), ENGINE_EINVALID,
			       "subnet \"10.78.1.1/24\": host bits set (did you mean 10.78.1.0/24?)");
	ck_assert_int_eq(engine__cidr_parse("10.77.0.1/16", "bip", true, &c, &host), 0);
	ck_assert_uint_eq(host, 0x0a4d0001);
	ck_assert_uint_eq(c.addr, 0x0a4d0000);
	ck_assert_int_eq(engine__cidr_parse("10.0.0.0/33", "subnet", false, &c, NULL), ENGINE_EINVALID);
	ck_assert_int_eq(engine__cidr_parse("10.0.0.0", "subnet", false, &c, NULL), ENGINE_EINVALID);
	ck_assert_int_eq(engine__cidr_parse("foo/24", "subnet", false, &c, NULL), ENGINE_EINVALID);
	engine__cidr_parse("10.78.0.0/16", "s", false, &c, NULL);
	engine__cidr_parse("10.78.5.0/24", "s", false, &d, NULL);
	ck_assert(engine__cidr_overlaps(&c, &d));
	engine__cidr_parse("10.79.0.0/24", "s", false, &d, NULL);
	ck_assert(!engine__cidr_overlaps(&c, &d));
}
END_TEST

START_TEST(test_net__ports)
{
	engine__port *p = NULL;
	size_t n = 0;

	ck_assert_int_eq(engine__port_parse("127.0.0.1:8080:80", &p, &n), 0);
	ck_assert_int_eq(engine__port_parse("80/udp", &p, &n), 0);
	ck_assert_int_eq(engine__port_parse("8000-8001:90-91", &p, &n), 0);
	ck_assert_int_eq(engine__port_parse("127.0.0.1::443", &p, &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(p[0].host_ip, 0x7f000001);
	ck_assert_uint_eq(p[0].host_port, 8080);
	ck_assert_uint_eq(p[0].ctr_port, 80);
	ck_assert_int_eq(p[0].proto, IPPROTO_TCP);
	ck_assert_uint_eq(p[1].host_port, 0);
	ck_assert_int_eq(p[1].proto, IPPROTO_UDP);
	ck_assert_uint_eq(p[3].host_port, 8001);
	ck_assert_uint_eq(p[3].ctr_port, 91);
	ck_assert_uint_eq(p[4].host_port, 0);
	ck_assert_uint_eq(p[4].ctr_port, 443);
	ck_assert_engine_error(engine__port_parse("80/sctp", &p, &n), ENGINE_EINVALID,
			       "port \"80/sctp\": protocol must be tcp or udp");
	ck_assert_int_eq(engine__port_parse("70000", &p, &n), ENGINE_EINVALID);
	ck_assert_int_eq(engine__port_parse("8000-8002:80-81", &p, &n), ENGINE_EINVALID);
	ck_assert_int_eq(engine__port_parse("a:b:c:d", &p, &n), ENGINE_EINVALID);
	ck_assert_int_eq(engine__port_parse("999.1.1.1:80:80", &p, &n), ENGINE_EINVALID);
	ck_assert_uint_eq(n, 5);
	free(p);
}
END_TEST

START_TEST(test_net__resolv_conf)
{
	const char *host =
	    "# comment\nnameserver 127.0.0.53\nnameserver 192.0.2.1\nsearch lan\noptions edns0\n";
	char *dns[] = {"192.0.2.9", NULL}, *search[] = {"example.test", NULL};
	char *r = engine__resolv_conf(host, NULL, NULL, NULL);

	ck_assert_str_eq(r, "nameserver 192.0.2.1\nsearch lan\noptions edns0\n");
	free(r);
	r = engine__resolv_conf(host, dns, search, NULL);
	ck_assert_str_eq(r, "options edns0\nnameserver 192.0.2.9\nsearch example.test\n");
	free(r);
	/* Only loopback resolvers: Docker's fallback. */
	r = engine__resolv_conf("nameserver 127.0.0.1\n", NULL, NULL, NULL);
	ck_assert_str_eq(r, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	free(r);
}
END_TEST

START_TEST(test_net__network_records)
{
	char *root = th_mkdtemp("net");
	engine_context_options co = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_network_create_options o = ENGINE_NETWORK_CREATE_OPTIONS_INIT;
	engine_context *ctx = NULL;
	engine_strarray removed = {NULL, 0};
	char *id = NULL, *json = NULL, *labels[] = {"team=web"};

	co.root = root;
	ck_assert_int_eq(engine_context_new(&ctx, &co), 0);
	o.name = "front";
	o.labels = (engine_strarray){labels, 1};
	ck_assert_int_eq(engine_network_create(ctx, &o, &id), 0);
	ck_assert_uint_eq(strlen(id), 64);
	ck_assert_engine_error(engine_network_create(ctx, &o, NULL), ENGINE_EEXISTS,
			       "network with name front already exists");
	o.name = "back";
	o.subnet = "10.78.0.0/16";
	ck_assert_int_eq(engine_network_create(ctx, &o, NULL), ENGINE_EINVALID); /* overlaps front */
	o.subnet = "192.0.2.0/24";
	o.gateway = "192.0.2.254";
	ck_assert_int_eq(engine_network_create(ctx, &o, NULL), 0);
	o.name = "bridge";
	ck_assert_int_eq(engine_network_create(ctx, &o, NULL), ENGINE_EPERM);
	o.name = "bad name";
	ck_assert_int_eq(engine_network_create(ctx, &o, NULL), ENGINE_EINVALID);
	ck_assert_int_eq(engine_network_inspect(ctx, "front", &json), 0);
	ck_assert_ptr_nonnull(strstr(json, "\"Subnet\":\"10.78.0.0\\/24\""));
	ck_assert_ptr_nonnull(strstr(json, "\"team\":\"web\""));
	engine_free(json);
	ck_assert_int_eq(engine_network_inspect(ctx, "back", &json), 0);
	ck_assert_ptr_nonnull(strstr(json, "\"Gateway\":\"192.0.2.254\""));
	engine_free(json);
	ck_assert_int_eq(engine_network_inspect(ctx, "nope", &json), ENGINE_ENOTFOUND);
	ck_assert_int_eq(engine_network_remove(ctx, "bridge"), ENGINE_EPERM);
	ck_assert_int_eq(engine_network_list(ctx, &json), 0);
	ck_assert_ptr_nonnull(strstr(json, "\"Name\":\"none\""));
	engine_free(json);
	engine_free(id);
	/* Nothing was ever attached: no bridge exists, so removal needs no privilege. */
	ck_assert_int_eq(engine_network_prune(ctx, &removed), 0);
	ck_assert_uint_eq(removed.count, 2);
	engine_strarray_dispose(&removed);
	engine_context_free(ctx);
	th_cleanup_dir(root);
}
END_TEST

static Suite *net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("net");

	tcase_add_test(tc, test_net__cidr);
	tcase_add_test(tc, test_net__ports);
	tcase_add_test(tc, test_net__resolv_conf);
	tcase_add_test(tc, test_net__network_records);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(net_suite(), 0);
}
