/*
 * ev-http-get: fetches one URL and writes the body to standard output.
 *
 *   build/bin/ev-http-get [-s DNS-SERVER[:PORT]] [-t SECONDS]
 * http://HOST[:PORT]/PATH
 *
 * Host names are resolved by libev-dns through evhttp_connection_base_new()'s
 * evdns_base: with -s, by that one server only (the smoke test points it at
 * ev-dns-server on 127.0.0.1); without, by the servers in /etc/resolv.conf
 * (after /etc/hosts).  A numeric address needs no lookup.
 *
 * Exit status: 0 for a 2xx answer, 1 for any other answer or a failure
 * (the status line goes to standard error), 2 for bad usage.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event.h>
#include <evdns.h>
#include <evhttp.h>

struct fetch {
	struct event_base *base;
	int code; /* 0 until an answer arrived */
};

static void on_done(struct evhttp_request *req, void *arg)
{
	struct fetch *f = arg;
	struct evbuffer *body;
	unsigned char chunk[4096];
	int n;

	event_base_loopexit(f->base, NULL);
	if (req == NULL || evhttp_request_get_response_code(req) == 0) {
		/* No answer: refused connection, timeout, broken reply. */
		fprintf(stderr, "ev-http-get: request failed\n");
		return;
	}
	f->code = evhttp_request_get_response_code(req);
	fprintf(stderr, "HTTP %d %s\n", f->code,
	        evhttp_request_get_response_code_line(req)
	            ? evhttp_request_get_response_code_line(req)
	            : "");
	body = evhttp_request_get_input_buffer(req);
	while ((n = evbuffer_remove(body, chunk, sizeof(chunk))) > 0)
		fwrite(chunk, 1, (size_t)n, stdout);
	fflush(stdout);
}

/*
 * Splits "http://host[:port][/path]" (host may be "[v6]").  Writes into
 * the caller's buffers; returns -1 for anything else.
 */
static int parse_url(const char *url, char *host, size_t hostsz, unsigned *port,
                     const char **path)
{
	const char *p, *end, *colon = NULL;
	size_t len;

	if (strncmp(url, "http://", 7) != 0)
		return -1;
	p = url + 7;
	end = p + strcspn(p, "/?#");
	if (*p == '[') { /* IPv6 literal */
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (close == NULL)
			return -1;
		if (close + 1 < end && close[1] == ':')
			colon = close + 1;
		else if (close + 1 != end)
			return -1;
		p++;
		len = (size_t)(close - p);
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		len = (size_t)((colon ? colon : end) - p);
	}
	if (len == 0 || len >= hostsz)
		return -1;
	memcpy(host, p, len);
	host[len] = '\0';
	*port = 80;
	if (colon != NULL) {
		char *stop;
		unsigned long v = strtoul(colon + 1, &stop, 10);

		if (stop != end || v == 0 || v > 65535)
			return -1;
		*port = (unsigned)v;
	}
	*path = *end == '/' ? end : "/";
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: ev-http-get [-s DNS-SERVER[:PORT]] "
	                "[-t SECONDS] http://HOST[:PORT]/PATH\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *dns_server = NULL, *path;
	char host[256], hostfield[300];
	unsigned port;
	int timeout = 10, opt;
	struct fetch f = {NULL, 0};
	struct evdns_base *dns;
	struct evhttp_connection *conn;
	struct evhttp_request *req;

	while ((opt = getopt(argc, argv, "s:t:")) != -1) {
		switch (opt) {
		case 's':
			dns_server = optarg;
			break;
		case 't':
			timeout = atoi(optarg);
			if (timeout <= 0)
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (optind != argc - 1 ||
	    parse_url(argv[optind], host, sizeof(host), &port, &path) != 0)
		return usage();

	signal(SIGPIPE, SIG_IGN);
	f.base = event_base_new();
	if (f.base == NULL)
		return 1;
	/* With -s: no resolv.conf, that server only; without: the system's. */
	dns = evdns_base_new(
	    f.base, dns_server ? 0 : EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (dns == NULL || (dns_server && evdns_base_nameserver_ip_add(
	                                      dns, dns_server) != 0)) {
		fprintf(stderr, "ev-http-get: cannot set up the resolver\n");
		return 1;
	}
	conn = evhttp_connection_base_new(f.base, dns, host, (ev_uint16_t)port);
	req = evhttp_request_new(on_done, &f);
	if (conn == NULL || req == NULL)
		return 1;
	evhttp_connection_set_timeout(conn, timeout);
	snprintf(hostfield, sizeof(hostfield),
	         strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	                  hostfield);
	if (evhttp_make_request(conn, req, EVHTTP_REQ_GET, path) != 0) {
		fprintf(stderr, "ev-http-get: cannot send the request\n");
		return 1;
	}
	event_base_dispatch(f.base);

	evhttp_connection_free(conn);
	evdns_base_free(dns, 0);
	event_base_free(f.base);
	return f.code >= 200 && f.code < 300 ? 0 : 1;
}
