/*
 * The DNS server side: a port reads queries from a UDP socket, or from
 * TCP connections accepted on a listening socket, hands each to the user
 * callback as a struct evdns_server_request, and writes the reply the
 * user assembles.  Malformed queries get FORMERR (or are dropped when not
 * even the header is there) and the port keeps serving.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dns-internal.h"
#include "server.h"

#define MAX_QUESTIONS 16

void ev__dns_port_unref(struct evdns_server_port *port)
{
	if (--port->refcnt == 0 && port->closing) {
		ev__dns_udp_free(port);
		free(port);
	}
}

static void free_req(struct server_req *r)
{
	int i;

	while (r->rrs) {
		struct reply_rr *n = r->rrs->next;

		free(r->rrs);
		r->rrs = n;
	}
	for (i = 0; i < r->pub.nquestions; i++)
		free(r->pub.questions[i]);
	free(r->pub.questions);
	free(r->qwire);
	if (r->conn)
		ev__dns_tcp_conn_unref(r->conn);
	ev__dns_port_unref(r->port);
	free(r);
}

static int send_reply(struct server_req *r, int rcode)
{
	struct evdns_server_port *port = r->port;
	uint8_t *buf = port->obuf;
	size_t cap = r->conn ? 65535 : r->max_size;
	int tc, ret = 0;
	size_t len = ev__dns_build_reply(r, rcode, buf, cap, &tc);

	if (len == 0) {
		/* Only the records the program added can make this fail
		 * (the header and question always fit). */
		ev__dns_log(1, "server reply to %s could not be built",
		            r->pub.nquestions ? r->pub.questions[0]->name
		                              : "(no question)");
		return -1;
	}
	if (tc)
		port->stats.truncated++;
	if (r->conn) {
		ret = ev__dns_tcp_conn_send(r->conn, buf, len);
	} else {
		ret = ev__dns_udp_send(port, buf, len,
		                       (struct sockaddr *)&r->addr, r->addrlen);
		/* A full socket buffer or an ICMP error for this client:
		 * what the network did, so debug only. */
		if (ret < 0)
			ev__dns_log(0, "server reply not sent: %s",
			            strerror(errno));
	}
	if (ret == 0)
		port->stats.answered++;
	return ret;
}

int evdns_server_request_respond(struct evdns_server_request *req, int err)
{
	struct server_req *r = (struct server_req *)req;
	int ret;

	if (req == NULL)
		return -1;
	ret = send_reply(r, err);
	free_req(r);
	return ret;
}

int evdns_server_request_drop(struct evdns_server_request *req)
{
	if (req == NULL)
		return -1;
	((struct server_req *)req)->port->stats.dropped++;
	free_req((struct server_req *)req);
	return 0;
}

/* ---- parsing queries ------------------------------------------------- */

/* An error reply with only the header (the question could not be read). */
static void reply_bare(struct evdns_server_port *port,
                       struct ev__dns_tcp_conn *conn, const uint8_t *msg,
                       const struct sockaddr *from, socklen_t flen, int rcode)
{
	uint8_t out[EV__DNS_HDR_LEN];
	struct ev__dns_builder b;
	struct ev__dns_hdr h;

	memset(&h, 0, sizeof(h));
	h.id = ev__dns_get_u16(msg);
	h.flags = (uint16_t)(EV__DNS_QR |
	                     (ev__dns_get_u16(msg + 2) &
	                      (EV__DNS_OPCODE_MASK | EV__DNS_RD)) |
	                     rcode);
	ev__dns_builder_init(&b, out, sizeof(out));
	ev__dns_put_hdr(&b, &h);
	if (conn)
		ev__dns_tcp_conn_send(conn, out, b.len);
	else
		ev__dns_udp_send(port, out, b.len, from, flen);
	port->stats.answered++;
}

void ev__dns_server_handle(struct evdns_server_port *port,
                           struct ev__dns_tcp_conn *conn, const uint8_t *msg,
                           size_t len, const struct sockaddr *from,
                           socklen_t flen)
{
	struct ev__dns_hdr h;
	struct server_req *r;
	size_t off = EV__DNS_HDR_LEN;
	unsigned i;

	port->stats.received++;
	if (ev__dns_hdr_read(msg, len, &h) || (h.flags & EV__DNS_QR)) {
		/* No header to answer, or a reply: answering replies could
		 * start a loop between two servers. */
		port->stats.dropped++;
		return;
	}
	if (h.flags & EV__DNS_OPCODE_MASK) {
		reply_bare(port, conn, msg, from, flen, 4);
		return;
	}
	if (h.qdcount == 0 || h.qdcount > MAX_QUESTIONS)
		goto formerr;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		port->stats.dropped++;
		return;
	}
	r->port = port;
	port->refcnt++;
	r->rrs_tail = &r->rrs;
	r->id = h.id;
	r->qflags = h.flags;
	r->pub.flags = h.flags; /* the whole header word, as libevent */
	memcpy(&r->addr, from, flen);
	r->addrlen = flen;
	r->max_size = 512;
	r->pub.questions = calloc(h.qdcount, sizeof(*r->pub.questions));
	r->qwire = calloc(h.qdcount, sizeof(*r->qwire));
	if (r->pub.questions == NULL || r->qwire == NULL)
		goto drop;
	for (i = 0; i < h.qdcount; i++) {
		char text[EV__DNS_TEXT_MAX];
		struct evdns_server_question *q;
		uint16_t type, cls;
		size_t wl;

		if (ev__dns_question_read(msg, len, &off, r->qwire[i], &wl,
		                          &type, &cls) ||
		    ev__dns_name_to_text(r->qwire[i], text, sizeof(text)))
			goto formerr_req;
		q = malloc(sizeof(*q) + strlen(text));
		if (q == NULL)
			goto drop;
		q->type = type;
		q->dns_question_class = cls;
		strcpy(q->name, text);
		r->pub.questions[r->pub.nquestions++] = q;
	}
	/* Skip answer and authority records; look for OPT in additional. */
	for (i = 0; i < (unsigned)h.ancount + h.nscount + h.arcount; i++) {
		struct ev__dns_rr rr;

		if (ev__dns_rr_read(msg, len, &off, &rr))
			goto formerr_req;
		if (i >= (unsigned)h.ancount + h.nscount &&
		    rr.type == EV__DNS_T_OPT && rr.name_len == 1) {
			r->edns = 1;
			r->max_size = rr.cls < 512 ? 512 : rr.cls;
			if (r->max_size > 4096)
				r->max_size = 4096;
		}
	}
	if (conn) {
		r->conn = conn;
		ev__dns_tcp_conn_ref(conn);
	}
	port->cb(&r->pub, port->user_data);
	return;

formerr_req:
	free_req(r);
formerr:
	port->stats.formerr++;
	reply_bare(port, conn, msg, from, flen, 1);
	return;
drop:
	port->stats.dropped++;
	free_req(r);
}

/* ---- ports ----------------------------------------------------------- */

static struct evdns_server_port *port_new(struct event_base *base,
                                          evutil_socket_t fd, int tcp,
                                          evdns_request_callback_fn_type cb,
                                          void *user_data)
{
	struct evdns_server_port *port;

	if (base == NULL || fd < 0 || cb == NULL) {
		ev__dns_log(1, "evdns server port: %s",
		            base == NULL ? "no event base"
		            : fd < 0     ? "no socket"
		                         : "no request callback");
		errno = EINVAL;
		return NULL;
	}
	if (evutil_make_socket_nonblocking(fd) < 0) {
		ev__dns_log(1, "evdns server port on fd %d: %s", (int)fd,
		            strerror(errno));
		return NULL;
	}
	port = calloc(1, sizeof(*port));
	if (port == NULL) {
		ev__dns_log(1, "evdns server port on fd %d: out of memory",
		            (int)fd);
		return NULL;
	}
	port->base = base;
	port->fd = fd;
	port->tcp = tcp;
	port->cb = cb;
	port->user_data = user_data;
	port->refcnt = 1;
	if (!tcp && ev__dns_udp_init(port) < 0) {
		ev__dns_log(1, "evdns server port on fd %d: out of memory",
		            (int)fd);
		free(port);
		return NULL;
	}
	if (tcp)
		ev__dns_tcp_port_init(port);
	event_assign(&port->ev, base, fd, EV_READ | EV_PERSIST,
	             tcp ? ev__dns_tcp_accept : ev__dns_udp_readable, port);
	if (event_add(&port->ev, NULL) < 0) {
		ev__dns_log(1, "evdns server port on fd %d: cannot watch it",
		            (int)fd);
		ev__dns_udp_free(port);
		free(port);
		return NULL;
	}
	return port;
}

struct evdns_server_port *evdns_add_server_port_with_base(
    struct event_base *base, evutil_socket_t fd, int flags,
    evdns_request_callback_fn_type callback, void *user_data)
{
	int type = 0;
	socklen_t tl = sizeof(type);

	if (!(flags & EVDNS_SERVER_PORT_TCP) &&
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 &&
	    type == SOCK_STREAM)
		flags |= EVDNS_SERVER_PORT_TCP;
	return port_new(base, fd, (flags & EVDNS_SERVER_PORT_TCP) != 0,
	                callback, user_data);
}

struct evdns_server_port *evdns_add_server_port_tcp_with_base(
    struct event_base *base, evutil_socket_t listen_fd, int flags,
    evdns_request_callback_fn_type callback, void *user_data)
{
	(void)flags;
	return port_new(base, listen_fd, 1, callback, user_data);
}

struct evdns_server_port *
evdns_add_server_port(evutil_socket_t socket, int flags,
                      evdns_request_callback_fn_type callback, void *user_data)
{
	struct event probe;

	/* event_set() binds to the current base: that is the base the 1.3
	 * API means, reached through public API only. */
	event_set(&probe, -1, 0, NULL, NULL);
	return evdns_add_server_port_with_base(probe.ev_base, socket, flags,
	                                       callback, user_data);
}

void evdns_close_server_port(struct evdns_server_port *port)
{
	if (port == NULL || port->closing)
		return;
	event_del(&port->ev);
	ev__dns_tcp_close_all(port);
	close(port->fd);
	port->fd = -1;
	port->closing = 1;
	ev__dns_port_unref(port);
}

void evdns_server_port_get_stats(const struct evdns_server_port *port,
                                 struct evdns_server_stats *out)
{
	if (port && out)
		*out = port->stats;
}
