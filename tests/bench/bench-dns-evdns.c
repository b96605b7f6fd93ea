/*
 * Resolver benchmark variant on the evdns API: one source, built against
 * libev-dns (BENCH_LIBEV defined) and against Debian's libevent 2.1, since
 * the API is the same.  Options only libev-dns has are set only there.
 */
#include <event2/dns.h>
#include <event2/event.h>

#include "bench-dns.h"

static long next, done, ok, failed, total;
static struct evdns_base *dns;
static struct event_base *base;

static void start_one(void);

static void on_answer(int result, char type, int count, int ttl,
                      void *addresses, void *arg)
{
	(void)type;
	(void)ttl;
	(void)addresses;
	(void)arg;
	if (result == DNS_ERR_NONE && count > 0)
		ok++;
	else
		failed++;
	if (++done == total)
		event_base_loopbreak(base);
	else if (next < total)
		start_one();
}

static void start_one(void)
{
	char name[64];

	bd_name(name, sizeof(name), next++);
	if (!evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH, on_answer,
	                             NULL)) {
		failed++;
		done++;
	}
}

int main(int argc, char **argv)
{
	char ns[64], inf[16];
	int port, inflight, i;
	double t0;

	bd_args(argc, argv, &port, &total, &inflight);
	base = event_base_new();
	dns = evdns_base_new(base, 0);
	snprintf(ns, sizeof(ns), "127.0.0.1:%d", port);
	snprintf(inf, sizeof(inf), "%d", inflight);
	evdns_base_nameserver_ip_add(dns, ns);
	evdns_base_set_option(dns, "max-inflight:", inf);
	/* Room for every answer in flight (~1 KiB of kernel memory each). */
	evdns_base_set_option(dns, "so-rcvbuf:", "4194304");
	evdns_base_set_option(dns, "timeout:", "2");
#ifdef BENCH_LIBEV
	if (getenv("BENCH_NO_EDNS"))
		evdns_base_set_option(dns, "edns-udp-size:", "0");
	if (getenv("BENCH_PORT_ROTATE"))
		evdns_base_set_option(
		    dns, "port-rotate:", getenv("BENCH_PORT_ROTATE"));
	if (getenv("BENCH_NO_0X20"))
		evdns_base_set_option(dns, "randomize-case:", "0");
#endif
	t0 = bd_now();
	for (i = 0; i < inflight && next < total; i++)
		start_one();
	event_base_dispatch(base);
#ifdef BENCH_LIBEV
	bd_report("libev-dns", ok, failed, bd_now() - t0);
#else
	bd_report("libevent-2.1-evdns", ok, failed, bd_now() - t0);
#endif
	evdns_base_free(dns, 0);
	event_base_free(base);
	return 0;
}
