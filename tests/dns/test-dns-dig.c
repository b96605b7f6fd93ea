/*
 * Interop: Debian's dig (bind9-dnsutils), software no one here wrote,
 * queries our server over UDP and TCP.  Skipped only when dig is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "spawn.h"
#include "test-zone.h"

struct fx {
	struct event_base *base;
	struct evdns_server_port *udp, *tcp;
	struct zone_stats zone;
	int port;
	char dig[256];
	char portarg[16];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int u, t;

	f->base = event_base_new();
	assert_int_equal(tu_udp_tcp_pair(&u, &t, &f->port), 0);
	f->udp = evdns_add_server_port_with_base(f->base, u, 0, zone_cb,
						 &f->zone);
	f->tcp = evdns_add_server_port_with_base(f->base, t, 0, zone_cb,
						 &f->zone);
	snprintf(f->portarg, sizeof(f->portarg), "%d", f->port);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	evdns_close_server_port(f->udp);
	evdns_close_server_port(f->tcp);
	event_base_free(f->base);
	free(f);
	return 0;
}

static int count_lines(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* dig @127.0.0.1 -p PORT <args...> +noall +answer +comments */
static int dig(struct fx *f, struct sp_output *o, const char *a1,
	       const char *a2, const char *a3, const char *a4)
{
	char *argv[16];
	int n = 0;

	if (!sp_find("dig", f->dig, sizeof(f->dig)))
		return -2;
	argv[n++] = f->dig;
	argv[n++] = (char *)"@127.0.0.1";
	argv[n++] = (char *)"-p";
	argv[n++] = f->portarg;
	argv[n++] = (char *)"+time=2";
	argv[n++] = (char *)"+tries=1";
	argv[n++] = (char *)"+nocookie";
	if (a1)
		argv[n++] = (char *)a1;
	if (a2)
		argv[n++] = (char *)a2;
	if (a3)
		argv[n++] = (char *)a3;
	if (a4)
		argv[n++] = (char *)a4;
	argv[n] = NULL;
	return sp_run(f->base, argv, o, 8000);
}

static void test_udp(void **state)
{
	struct fx *f = *state;
	struct sp_output o;

	if (dig(f, &o, "a.example.test", "A", NULL, NULL) == -2)
		skip();
	assert_non_null(strstr(o.buf, "status: NOERROR"));
	assert_non_null(strstr(o.buf, "10.0.0.1"));
	assert_non_null(strstr(o.buf, "10.0.0.2"));
	assert_non_null(strstr(o.buf, "flags: qr aa rd;"));
	assert_int_equal(dig(f, &o, "a.example.test", "AAAA", NULL, NULL), 0);
	assert_non_null(strstr(o.buf, "2001:db8::1"));
	assert_int_equal(dig(f, &o, "-x", "10.0.0.1", NULL, NULL), 0);
	assert_non_null(strstr(o.buf, "PTR\ta.example.test."));
	assert_int_equal(dig(f, &o, "alias.example.test", "A", NULL, NULL), 0);
	assert_non_null(strstr(o.buf, "CNAME\talias2.example.test."));
	assert_non_null(strstr(o.buf, "CNAME\ta.example.test."));
	assert_int_equal(dig(f, &o, "missing.example.test", NULL, NULL, NULL),
			 0);
	assert_non_null(strstr(o.buf, "status: NXDOMAIN"));
	/* Without EDNS0 as well. */
	assert_int_equal(dig(f, &o, "+noedns", "a.example.test", NULL, NULL),
			 0);
	assert_non_null(strstr(o.buf, "10.0.0.2"));
}

static void test_tcp(void **state)
{
	struct fx *f = *state;
	struct sp_output o;

	if (dig(f, &o, "+tcp", "a.example.test", NULL, NULL) == -2)
		skip();
	assert_non_null(strstr(o.buf, "status: NOERROR"));
	assert_non_null(strstr(o.buf, "10.0.0.1"));
	assert_non_null(strstr(o.buf, "(TCP)"));
	assert_int_equal(dig(f, &o, "+tcp", "-x", "10.0.0.1", NULL), 0);
	assert_non_null(strstr(o.buf, "a.example.test."));
}

static void test_truncation(void **state)
{
	struct fx *f = *state;
	struct sp_output o;

	/* 100 A records do not fit in 512 bytes: TC over UDP ... */
	if (dig(f, &o, "+ignore", "+bufsize=512", "big.example.test",
		NULL) == -2)
		skip();
	assert_non_null(strstr(o.buf, "flags: qr aa tc rd;"));
	assert_true(count_lines(o.buf, "\tA\t10.100.") < 100);
	/* ... and dig's own retry over TCP gets them all. */
	assert_int_equal(dig(f, &o, "+bufsize=512", "big.example.test", NULL,
			     NULL),
			 0);
	assert_int_equal(count_lines(o.buf, "\tA\t10.100."), 100);
	assert_non_null(strstr(o.buf, "(TCP)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
