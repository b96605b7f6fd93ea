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
#define TCP_IDLE_SEC 10
#define TCP_MAX_OUT (1u << 20)

struct reply_rr {
	struct reply_rr *next;
	int section;
	uint8_t name[EV__DNS_NAME_MAX];
	uint16_t type, cls;
	uint32_t ttl;
	int is_name;
	size_t datalen;
	uint8_t data[]; /* raw data, or a wire name when is_name */
};

struct server_req {
	struct evdns_server_request pub; /* first: users get &pub */
	struct evdns_server_port *port;
	struct ev__dns_tcp_conn *conn;
	uint16_t id;
	uint16_t qflags;
	int reply_flags;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	size_t max_size; /* largest reply the client takes */
	int edns;
	uint8_t (*qwire)[EV__DNS_NAME_MAX];
	struct reply_rr *rrs, **rrs_tail;
};

void ev__dns_port_unref(struct evdns_server_port *port)
{
	if (--port->refcnt == 0 && port->closing)
		free(port);
}

/* ---- replies --------------------------------------------------------- */

static int add_rr(struct server_req *r, int section, const char *name,
		  int type, int cls, int ttl, const void *data, size_t len,
		  int is_name)
{
	uint8_t wire[EV__DNS_NAME_MAX];
	struct reply_rr *rr;
	size_t wl;

	if (section < 0 || section > 2 || type < 0 || type > 65535 ||
	    cls < 0 || cls > 65535)
		return -1;
	if (is_name) {
		if (ev__dns_name_from_text(data, wire, &wl))
			return -1;
		data = wire;
		len = wl;
	} else if (len > 65535) {
		return -1;
	}
	rr = malloc(sizeof(*rr) + len);
	if (rr == NULL)
		return -1;
	if (ev__dns_name_from_text(name, rr->name, &wl)) {
		free(rr);
		return -1;
	}
	rr->next = NULL;
	rr->section = section;
	rr->type = (uint16_t)type;
	rr->cls = (uint16_t)cls;
	rr->ttl = ttl < 0 ? 0 : (uint32_t)ttl;
	rr->is_name = is_name;
	rr->datalen = len;
	if (len)
		memcpy(rr->data, data, len);
	*r->rrs_tail = rr;
	r->rrs_tail = &rr->next;
	return 0;
}

int evdns_server_request_add_reply(struct evdns_server_request *req,
				   int section, const char *name, int type,
				   int dns_class, int ttl, int datalen,
				   int is_name, const char *data)
{
	size_t len;

	if (req == NULL || name == NULL || (data == NULL && datalen))
		return -1;
	if (is_name) {
		if (data == NULL)
			return -1;
		len = 0;
	} else {
		if (datalen < 0)
			return -1;
		len = (size_t)datalen;
	}
	return add_rr((struct server_req *)req, section, name, type,
		      dns_class, ttl, data, len, is_name);
}

static int add_addrs(struct evdns_server_request *req, const char *name,
		     int n, const void *addrs, int ttl, int type, size_t alen)
{
	int i;

	if (req == NULL || name == NULL || n < 0 || (n && addrs == NULL))
		return -1;
	for (i = 0; i < n; i++)
		if (add_rr((struct server_req *)req, EVDNS_ANSWER_SECTION,
			   name, type, EVDNS_CLASS_INET, ttl,
			   (const uint8_t *)addrs + (size_t)i * alen, alen, 0))
			return -1;
	return 0;
}

int evdns_server_request_add_a_reply(struct evdns_server_request *req,
				     const char *name, int n,
				     const void *addrs, int ttl)
{
	return add_addrs(req, name, n, addrs, ttl, EVDNS_TYPE_A, 4);
}

int evdns_server_request_add_aaaa_reply(struct evdns_server_request *req,
					const char *name, int n,
					const void *addrs, int ttl)
{
	return add_addrs(req, name, n, addrs, ttl, EVDNS_TYPE_AAAA, 16);
}

int evdns_server_request_add_ptr_reply(struct evdns_server_request *req,
				       struct in_addr *in,
				       const char *inaddr_name,
				       const char *hostname, int ttl)
{
	char buf[32];

	if (req == NULL || hostname == NULL || (in == NULL && !inaddr_name))
		return -1;
	if (in) {
		const uint8_t *a = (const uint8_t *)&in->s_addr;

		snprintf(buf, sizeof(buf), "%u.%u.%u.%u.in-addr.arpa", a[3],
			 a[2], a[1], a[0]);
		inaddr_name = buf;
	}
	return add_rr((struct server_req *)req, EVDNS_ANSWER_SECTION,
		      inaddr_name, EVDNS_TYPE_PTR, EVDNS_CLASS_INET, ttl,
		      hostname, 0, 1);
}

int evdns_server_request_add_cname_reply(struct evdns_server_request *req,
					 const char *name, const char *cname,
					 int ttl)
{
	if (req == NULL || name == NULL || cname == NULL)
		return -1;
	return add_rr((struct server_req *)req, EVDNS_ANSWER_SECTION, name,
		      EVDNS_TYPE_CNAME, EVDNS_CLASS_INET, ttl, cname, 0, 1);
}

void evdns_server_request_set_flags(struct evdns_server_request *req,
				    int flags)
{
	if (req)
		((struct server_req *)req)->reply_flags |= flags;
}

int evdns_server_request_get_requesting_addr(struct evdns_server_request *req,
					     struct sockaddr *sa, int addr_len)
{
	struct server_req *r = (struct server_req *)req;

	if (req == NULL || sa == NULL || addr_len < (int)r->addrlen)
		return -1;
	memcpy(sa, &r->addr, r->addrlen);
	return 0;
}

static int put_rr(struct ev__dns_builder *b, const struct reply_rr *rr)
{
	size_t rdlen_at;

	if (ev__dns_put_name(b, rr->name, 1) ||
	    ev__dns_put_u16(b, rr->type) || ev__dns_put_u16(b, rr->cls) ||
	    ev__dns_put_u32(b, rr->ttl))
		return -1;
	rdlen_at = b->len;
	if (ev__dns_put_u16(b, 0))
		return -1;
	if (rr->is_name ? ev__dns_put_name(b, rr->data, 1)
			: ev__dns_put_bytes(b, rr->data, rr->datalen))
		return -1;
	ev__dns_set_u16(b->buf, rdlen_at, (uint16_t)(b->len - rdlen_at - 2));
	return 0;
}

/* Writes the reply into `buf`; returns its length (0 on failure). */
static size_t build_reply(struct server_req *r, int rcode, uint8_t *buf,
			  size_t cap, int *truncated)
{
	struct ev__dns_builder b;
	struct ev__dns_hdr h;
	uint16_t count[3] = {0, 0, 0};
	int i, sec, tc = 0;
	size_t room = cap - (r->edns ? 11 : 0);

	*truncated = 0;
	memset(&h, 0, sizeof(h));
	h.id = r->id;
	h.flags = (uint16_t)(EV__DNS_QR | (r->qflags & EV__DNS_RD) |
			     (r->reply_flags & 0x0780) | (rcode & 0xf));
	h.qdcount = (uint16_t)r->pub.nquestions;
	ev__dns_builder_init(&b, buf, room);
	if (ev__dns_put_hdr(&b, &h))
		return 0;
	for (i = 0; i < r->pub.nquestions; i++) {
		if (ev__dns_put_name(&b, r->qwire[i], 1) ||
		    ev__dns_put_u16(&b, (uint16_t)r->pub.questions[i]->type) ||
		    ev__dns_put_u16(
			    &b,
			    (uint16_t)r->pub.questions[i]->dns_question_class))
			return 0;
	}
	for (sec = 0; sec < 3 && !tc; sec++) {
		const struct reply_rr *rr;

		for (rr = r->rrs; rr; rr = rr->next) {
			size_t mark = b.len;
			unsigned slots = b.nslots;

			if (rr->section != sec)
				continue;
			if (put_rr(&b, rr) == 0) {
				count[sec]++;
				continue;
			}
			b.len = mark;
			b.nslots = slots;
			/* A missing additional record is not truncation
			 * (RFC 2181 9); a missing answer is. */
			if (sec < 2)
				tc = 1;
			break;
		}
	}
	b.cap = cap;
	if (r->edns) {
		ev__dns_put_bytes(&b, "", 1);
		ev__dns_put_u16(&b, EV__DNS_T_OPT);
		ev__dns_put_u16(&b, 1232);
		ev__dns_put_u32(&b, 0);
		ev__dns_put_u16(&b, 0);
		count[2]++;
	}
	if (tc)
		buf[2] |= EV__DNS_TC >> 8;
	ev__dns_set_u16(buf, 6, count[0]);
	ev__dns_set_u16(buf, 8, count[1]);
	ev__dns_set_u16(buf, 10, count[2]);
	*truncated = tc;
	return b.len;
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
	size_t len = build_reply(r, rcode, buf, cap, &tc);

	if (len == 0)
		return -1;
	if (tc)
		port->stats.truncated++;
	if (r->conn) {
		ret = ev__dns_tcp_conn_send(r->conn, buf, len);
	} else if (sendto(port->fd, buf, len, 0, (struct sockaddr *)&r->addr,
			  r->addrlen) < 0) {
		ret = -1;
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
		sendto(port->fd, out, b.len, 0, from, flen);
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
	r->pub.flags = h.flags & 0x07f0; /* libevent: AA TC RD RA etc. */
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

static void udp_readable(evutil_socket_t fd, short what, void *arg)
{
	struct evdns_server_port *port = arg;
	int i;

	(void)what;
	port->refcnt++; /* the callback may close the port */
	for (i = 0; i < 256 && !port->closing; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, port->ibuf, sizeof(port->ibuf), 0,
				     (struct sockaddr *)&from, &flen);

		if (n < 0)
			break;
		ev__dns_server_handle(port, NULL, port->ibuf, (size_t)n,
				      (struct sockaddr *)&from, flen);
	}
	ev__dns_port_unref(port);
}

static struct evdns_server_port *
port_new(struct event_base *base, evutil_socket_t fd, int tcp,
	 evdns_request_callback_fn_type cb, void *user_data)
{
	struct evdns_server_port *port;

	if (base == NULL || fd < 0 || cb == NULL)
		return NULL;
	if (evutil_make_socket_nonblocking(fd) < 0)
		return NULL;
	port = calloc(1, sizeof(*port));
	if (port == NULL)
		return NULL;
	port->base = base;
	port->fd = fd;
	port->tcp = tcp;
	port->cb = cb;
	port->user_data = user_data;
	port->refcnt = 1;
	event_assign(&port->ev, base, fd, EV_READ | EV_PERSIST,
		     tcp ? ev__dns_tcp_accept : udp_readable, port);
	if (event_add(&port->ev, NULL) < 0) {
		free(port);
		return NULL;
	}
	return port;
}

struct evdns_server_port *
evdns_add_server_port_with_base(struct event_base *base, evutil_socket_t fd,
				int flags,
				evdns_request_callback_fn_type callback,
				void *user_data)
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

struct evdns_server_port *
evdns_add_server_port_tcp_with_base(struct event_base *base,
				    evutil_socket_t listen_fd, int flags,
				    evdns_request_callback_fn_type callback,
				    void *user_data)
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
