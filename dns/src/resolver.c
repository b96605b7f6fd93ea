/*
 * The resolver's request engine: search candidates, transaction IDs,
 * transmissions and retries, matching replies to requests, and handing
 * results to callbacks.
 *
 * A request lives in exactly one of three lists of its base: `waiting`
 * (not sent yet: suspended, no server, or the in-flight bound reached),
 * `active` (sent, timer armed, its ID in the hash) or `done` (result
 * stored; the callback runs from a zero timer so it never runs inside the
 * call that made or cancelled the request).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "dns-internal.h"

/* ---- lists and the ID hash ------------------------------------------- */

void ev__dns_list_push(struct ev__dns_req_list *l, struct evdns_request *r)
{
	r->next = NULL;
	r->prev = l->tail;
	if (l->tail)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
	l->count++;
}

void ev__dns_list_remove(struct ev__dns_req_list *l, struct evdns_request *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		l->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		l->tail = r->prev;
	r->next = r->prev = NULL;
	l->count--;
}

static struct ev__dns_req_list *list_of(struct evdns_request *req)
{
	struct evdns_base *base = req->base;

	switch (req->state) {
	case EV__DNS_WAITING:
		return &base->waiting;
	case EV__DNS_ACTIVE:
		return &base->active;
	case EV__DNS_DONE:
		return &base->done;
	}
	return NULL;
}

static void move_to(struct evdns_request *req, enum ev__dns_req_state st)
{
	ev__dns_list_remove(list_of(req), req);
	req->state = st;
	ev__dns_list_push(list_of(req), req);
}

static struct evdns_request *hash_find(struct evdns_base *base, uint16_t id)
{
	struct evdns_request *r = base->bucket[id % EV__DNS_BUCKETS];

	while (r && r->id != id)
		r = r->hnext;
	return r;
}

static void hash_remove(struct evdns_request *req)
{
	struct evdns_request **pp;

	if (!req->in_hash)
		return;
	pp = &req->base->bucket[req->id % EV__DNS_BUCKETS];
	while (*pp != req)
		pp = &(*pp)->hnext;
	*pp = req->hnext;
	req->hnext = NULL;
	req->in_hash = 0;
}

/* A fresh random ID that no pending request of this base uses. */
static void new_id(struct evdns_request *req)
{
	struct evdns_base *base = req->base;
	uint16_t id;
	int tries = 0;

	hash_remove(req);
	do
		id = ev__dns_random_id();
	while (hash_find(base, id) && ++tries < 1000);
	req->id = id;
	req->hnext = base->bucket[id % EV__DNS_BUCKETS];
	base->bucket[id % EV__DNS_BUCKETS] = req;
	req->in_hash = 1;
}

/* ---- building and sending -------------------------------------------- */

size_t ev__dns_build_query(const struct evdns_request *req, uint8_t *buf,
                           size_t cap, int edns)
{
	struct ev__dns_builder b;
	struct ev__dns_hdr h = {req->id, EV__DNS_RD, 1, 0, 0, 0};
	int r;

	if (edns)
		h.arcount = 1;
	ev__dns_builder_init(&b, buf, cap);
	r = ev__dns_put_hdr(&b, &h);
	r |= ev__dns_put_bytes(&b, req->qname, req->qname_len);
	r |= ev__dns_put_u16(&b, req->qtype);
	r |= ev__dns_put_u16(&b, EV__DNS_C_IN);
	if (edns) {
		/* OPT pseudo-record: root owner, our UDP size as class. */
		r |= ev__dns_put_bytes(&b, "", 1);
		r |= ev__dns_put_u16(&b, EV__DNS_T_OPT);
		r |= ev__dns_put_u16(&b, (uint16_t)edns);
		r |= ev__dns_put_u32(&b, 0);
		r |= ev__dns_put_u16(&b, 0);
	}
	return r ? 0 : b.len;
}

static void finish(struct evdns_request *req, int result, int now);

static void transmit(struct evdns_request *req, struct evdns_nameserver *ns)
{
	struct evdns_base *base = req->base;
	uint8_t pkt[EV__DNS_NAME_MAX + 64];
	int edns = req->no_edns ? 0 : base->edns_size;
	struct ev__dns_sock *s = ev__dns_sock_for_send(ns);
	size_t len;

	req->ns = ns;
	ev__dns_sock_use(req, s);
	s->uses++;
	req->tx++;
	len = ev__dns_build_query(req, pkt, sizeof(pkt), edns);
	if (len)
		ev__dns_sock_send(base, s, ns, pkt, len);
	base->stats.sent++;
	event_add(&req->timer, &base->timeout);
}

static void randomize_case(struct evdns_request *req)
{
	uint8_t bits[EV__DNS_NAME_MAX / 8 + 1];
	size_t i;

	/* 0x20 mixing (draft-vixie-dnsext-0x20): a spoofer must also guess
	 * the case of every letter, and servers echo it unchanged. */
	if (!req->base->randomize_case)
		return;
	ev__dns_random(bits, (req->qname_len + 7) / 8);
	for (i = 0; i < req->qname_len; i++) {
		uint8_t c = req->qname[i] | 0x20;

		if (c >= 'a' && c <= 'z' && (bits[i / 8] >> (i % 8)) & 1)
			req->qname[i] ^= 0x20;
	}
}

/* Prepares the current candidate name.  Returns 0, or -1 when this
 * candidate cannot be asked (too long) or was answered from the cache
 * (then the request is already finished). */
static int prepare_candidate(struct evdns_request *req)
{
	char text[EV__DNS_TEXT_MAX + 256];

	if (ev__dns_search_candidate(req->base, req->name, req->flags,
	                             req->candidate, text, sizeof(text)) ||
	    ev__dns_name_from_text(text, req->qname, &req->qname_len))
		return -1;
	return 0;
}

static int try_cache(struct evdns_request *req)
{
	struct evdns_base *base = req->base;

	if (base->cache == NULL || req->pinned)
		return 0;
	if (!ev__dns_cache_get(base->cache, req->qname, req->qtype, req))
		return 0;
	base->stats.cache_hits++;
	finish(req, req->result, 0);
	return 1;
}

/* Moves on to the next search candidate; false when none is left. */
static int next_candidate(struct evdns_request *req)
{
	while (++req->candidate < req->ncandidates) {
		if (prepare_candidate(req) == 0)
			return 1;
	}
	return 0;
}

/* Sends the current candidate of an active request from scratch. */
static void send_candidate(struct evdns_request *req)
{
	if (try_cache(req))
		return;
	randomize_case(req);
	new_id(req);
	req->tx = 0;
	req->no_edns = 0;
	transmit(req,
	         req->pinned ? req->pinned : ev__dns_ns_pick(req->base, NULL));
}

void ev__dns_kick(struct evdns_base *base)
{
	while (base->waiting.head && !base->suspended && base->nservers &&
	       base->ninflight < base->max_inflight && !base->freeing) {
		struct evdns_request *req = base->waiting.head;

		move_to(req, EV__DNS_ACTIVE);
		base->ninflight++;
		send_candidate(req);
	}
}

/* ---- results --------------------------------------------------------- */

static void free_request(struct evdns_request *req)
{
	ev__dns_sock_release(req);
	event_del(&req->timer);
	ev__dns_tcp_close(req);
	free(req->name);
	free(req);
}

/* Takes the request out of every structure and runs its callback. */
static void deliver(struct evdns_request *req)
{
	struct evdns_base *base = req->base;
	void *addrs = NULL;
	char *ptr_name = req->ans.ptr;

	ev__dns_list_remove(&base->done, req);
	/* As libevent: for DNS_PTR `addresses` points at a `char *` holding
	 * the name (programs do `*(char **)addresses`). */
	if (req->result == DNS_ERR_NONE && req->count > 0)
		addrs = req->type == DNS_PTR ? (void *)&ptr_name
		                             : (void *)&req->ans;
	if (req->cb)
		req->cb(req->result, req->type,
		        req->result == DNS_ERR_NONE ? req->count : 0, req->ttl,
		        addrs, req->arg);
	free_request(req);
}

static void finish(struct evdns_request *req, int result, int now)
{
	struct evdns_base *base = req->base;
	static const struct timeval zero = {0, 0};

	if (req->state == EV__DNS_ACTIVE && !req->pinned)
		base->ninflight--;
	hash_remove(req);
	ev__dns_sock_release(req);
	ev__dns_tcp_close(req);
	event_del(&req->timer);
	req->result = result;
	if (result != DNS_ERR_NONE)
		req->count = 0;
	move_to(req, EV__DNS_DONE);
	if (req->pinned && req->pinned->probe == req)
		req->pinned->probe = NULL;
	if (now)
		deliver(req);
	else
		event_add(&req->timer, &zero);
	ev__dns_kick(base);
}

static void candidate_failed(struct evdns_request *req, int err)
{
	if ((err == DNS_ERR_NOTEXIST || err == DNS_ERR_NODATA) &&
	    req->cname_hops == 0 && next_candidate(req)) {
		send_candidate(req);
		return;
	}
	finish(req, err, 1);
}

void ev__dns_retry_or_fail(struct evdns_request *req, int err)
{
	if (req->pinned == NULL && req->tx < req->base->attempts) {
		event_del(&req->timer);
		transmit(req, ev__dns_ns_pick(req->base, req->ns));
		return;
	}
	finish(req, err, 1);
}

static void req_timer_run(struct evdns_request *req)
{
	struct evdns_nameserver *pinned = req->pinned;

	if (req->state == EV__DNS_DONE) {
		deliver(req);
		return;
	}
	if (req->state != EV__DNS_ACTIVE)
		return;
	req->base->stats.timeouts++;
	ev__dns_tcp_close(req);
	if (pinned) {
		finish(req, DNS_ERR_TIMEOUT, 1);
		ev__dns_ns_probe_failed(pinned);
		return;
	}
	ev__dns_ns_timed_out(req->ns);
	ev__dns_retry_or_fail(req, DNS_ERR_TIMEOUT);
}

static void req_timer(evutil_socket_t fd, short what, void *arg)
{
	struct evdns_request *req = arg;
	struct evdns_base *base = req->base;

	(void)fd;
	(void)what;
	ev__dns_enter(base);
	req_timer_run(req);
	ev__dns_leave(base);
}

/* ---- reading replies ------------------------------------------------- */

void ev__dns_handle_reply(struct evdns_request *req, const uint8_t *msg,
                          size_t len, int via_tcp)
{
	struct evdns_base *base = req->base;
	uint8_t qname[EV__DNS_NAME_MAX];
	size_t qlen, off = EV__DNS_HDR_LEN;
	uint16_t qtype, qcls;
	struct ev__dns_hdr h;
	int err, r = 0;

	if (ev__dns_hdr_read(msg, len, &h) || !(h.flags & EV__DNS_QR)) {
		base->stats.malformed++;
		return;
	}
	if (h.id != req->id) {
		base->stats.bad_id++;
		return;
	}
	err = ev__dns_rcode_to_err(h.flags & EV__DNS_RCODE_MASK);
	if (h.qdcount != 1) {
		/* Only an error reply may leave the question out. */
		if (h.qdcount != 0 || err == DNS_ERR_NONE) {
			base->stats.bad_question++;
			return;
		}
	} else {
		r = ev__dns_question_read(msg, len, &off, qname, &qlen, &qtype,
		                          &qcls);
		if (r) {
			base->stats.malformed++;
			return;
		}
		if (qlen != req->qname_len || qtype != req->qtype ||
		    qcls != EV__DNS_C_IN ||
		    (base->randomize_case
		         ? memcmp(qname, req->qname, qlen) != 0
		         : !ev__dns_name_equal(qname, req->qname))) {
			base->stats.bad_question++;
			return;
		}
	}
	if (err == DNS_ERR_NONE && (via_tcp || !(h.flags & EV__DNS_TC))) {
		r = ev__dns_parse_answers(req, msg, len, off, h.ancount);
		if (r < 0) {
			base->stats.malformed++;
			return;
		}
	}
	base->stats.accepted++;
	ev__dns_ns_answered(req->ns);
	if (req->pinned) {
		finish(req, err, 1);
		return;
	}
	if ((h.flags & EV__DNS_TC) && !via_tcp) {
		base->stats.tcp_retries++;
		if (ev__dns_tcp_start(req) == 0)
			return;
		finish(req, DNS_ERR_TRUNCATED, 1);
		return;
	}
	if ((err == DNS_ERR_FORMAT || err == DNS_ERR_NOTIMPL) &&
	    !req->no_edns && base->edns_size) {
		/* RFC 6891 6.2.2: a server that rejects EDNS0 is asked again
		 * without it. */
		req->no_edns = 1;
		event_del(&req->timer);
		transmit(req, req->ns);
		return;
	}
	switch (err) {
	case DNS_ERR_NONE:
		if (r == 1) {
			randomize_case(req);
			new_id(req);
			req->tx = 0;
			transmit(req, ev__dns_ns_pick(base, NULL));
			return;
		}
		if (req->result == DNS_ERR_NODATA) {
			candidate_failed(req, DNS_ERR_NODATA);
			return;
		}
		if (base->cache)
			ev__dns_cache_put(base->cache, req->qname, req->qtype,
			                  req);
		finish(req, DNS_ERR_NONE, 1);
		return;
	case DNS_ERR_NOTEXIST:
		candidate_failed(req, err);
		return;
	case DNS_ERR_SERVERFAILED:
	case DNS_ERR_REFUSED:
	case DNS_ERR_NOTIMPL:
		/* This server cannot help; another one may. */
		ev__dns_retry_or_fail(req, err);
		return;
	default:
		finish(req, err, 1);
	}
}

/* Checks one datagram read from `s` and hands it to its request.  `from`
 * is NULL for a connected socket: the kernel delivers nothing else to it
 * than datagrams from the server it is connected to. */
static void reply_read(struct ev__dns_sock *s, uint8_t *msg, size_t n,
                       const struct sockaddr *from, int truncated)
{
	struct evdns_nameserver *ns = s->ns;
	struct evdns_base *base = ns->base;
	struct evdns_request *req;
	uint16_t id;

	base->stats.received++;
	if (from && !ev__dns_sa_equal(from, (struct sockaddr *)&ns->addr)) {
		base->stats.bad_source++;
		return;
	}
	if (n < EV__DNS_HDR_LEN) {
		base->stats.malformed++;
		return;
	}
	id = ev__dns_get_u16(msg);
	req = hash_find(base, id);
	if (req == NULL || req->tcp_fd >= 0) {
		base->stats.bad_id++;
		return;
	}
	if (req->ns != ns || req->sock != s) {
		/* Only the server asked last may answer, and only on the
		 * socket (port) the question left from. */
		base->stats.bad_source++;
		return;
	}
	/* Longer than a read slot (a server ignoring our EDNS0 size): what
	 * we have is treated as a truncated answer, so it is asked again
	 * over TCP. */
	if (truncated)
		msg[2] |= EV__DNS_TC >> 8;
	ev__dns_handle_reply(req, msg, n, 0);
}

void ev__dns_ns_readable(evutil_socket_t fd, short what, void *arg)
{
	struct ev__dns_sock *s = arg;
	struct evdns_base *base = s->ns->base;
	unsigned gen = base->ns_generation;
	struct sockaddr_storage from[EV__DNS_RECV_BATCH];
	struct mmsghdr msgs[EV__DNS_RECV_BATCH];
	struct iovec iov[EV__DNS_RECV_BATCH];
	size_t slot;
	int nslots, i, total = 0;

	(void)what;
	/* One recvmmsg(2) fills up to EV__DNS_RECV_BATCH slots of rbuf; a
	 * UDP size (EDNS0, or 512 without) past a slot gets the whole
	 * buffer, one reply a call. */
	if ((size_t)(base->edns_size ? base->edns_size : 512) <=
	    sizeof(base->rbuf) / EV__DNS_RECV_BATCH) {
		nslots = EV__DNS_RECV_BATCH;
		slot = sizeof(base->rbuf) / EV__DNS_RECV_BATCH;
	} else {
		nslots = 1;
		slot = sizeof(base->rbuf);
	}
	ev__dns_enter(base);
	base->sendq.batching++;
	s->in_cb = 1;
	/* Bounded so one busy socket cannot starve the rest of the loop.
	 * `gen` changes when the server list is cleared (or the base
	 * freed) from a callback: `s` and `ns` are gone then. */
	while (total < 256 && gen == base->ns_generation) {
		int n;

		for (i = 0; i < nslots; i++) {
			iov[i].iov_base = base->rbuf + (size_t)i * slot;
			iov[i].iov_len = slot;
			memset(&msgs[i], 0, sizeof(msgs[i]));
			/* No source address needed (or copied) when the
			 * socket is connected. */
			if (!s->connected) {
				msgs[i].msg_hdr.msg_name = &from[i];
				msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
			}
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, msgs, (unsigned)nslots, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		total += n;
		for (i = 0; i < n && gen == base->ns_generation; i++)
			reply_read(
			    s, iov[i].iov_base, msgs[i].msg_len,
			    s->connected ? NULL : (struct sockaddr *)&from[i],
			    (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0);
		/* The next queries leave before more replies are read, so
		 * the server is kept busy while we read. */
		ev__dns_sendq_flush(base);
		if (n < nslots)
			break; /* drained */
	}
	/* Queries the callbacks made leave together (sendq.c). */
	base->sendq.batching--;
	ev__dns_sendq_flush(base);
	if (gen == base->ns_generation)
		ev__dns_sock_done_reading(s);
	ev__dns_leave(base);
}

/* ---- creating, cancelling, freeing ----------------------------------- */

struct evdns_request *ev__dns_request_new(struct evdns_base *base, int type,
                                          const char *name, int flags,
                                          evdns_callback_type cb, void *arg)
{
	struct evdns_request *req;

	if (base == NULL || name == NULL || base->freeing)
		return NULL;
	req = calloc(1, sizeof(*req));
	if (req == NULL)
		return NULL;
	req->name = strdup(name);
	if (req->name == NULL) {
		free(req);
		return NULL;
	}
	req->base = base;
	req->cb = cb;
	req->arg = arg;
	req->type = (char)type;
	req->qtype = type == DNS_IPv4_A      ? EV__DNS_T_A
	             : type == DNS_IPv6_AAAA ? EV__DNS_T_AAAA
	             : type == DNS_PTR       ? EV__DNS_T_PTR
	                                     : EV__DNS_T_NS;
	req->flags = flags;
	req->tcp_fd = -1;
	req->ncandidates = ev__dns_search_count(base, name, flags);
	req->candidate = -1;
	evtimer_assign(&req->timer, base->ev_base, req_timer, req);
	if (!next_candidate(req)) {
		free(req->name);
		free(req);
		return NULL;
	}
	req->state = EV__DNS_WAITING;
	ev__dns_list_push(&base->waiting, req);
	ev__dns_kick(base);
	return req;
}

void evdns_cancel_request(struct evdns_base *base, struct evdns_request *req)
{
	(void)base;
	if (req == NULL)
		return;
	if (req->state == EV__DNS_DONE) {
		/* The callback is already due; make it report the cancel. */
		req->result = DNS_ERR_CANCEL;
		req->count = 0;
		return;
	}
	finish(req, DNS_ERR_CANCEL, 0);
}

void ev__dns_probe_send(struct evdns_nameserver *ns)
{
	struct evdns_base *base = ns->base;
	struct evdns_request *req;

	if (ns->probe || base->freeing)
		return;
	/* Any reply, even an error, shows the server is alive; "." NS is
	 * the cheapest question every server can answer. */
	req = calloc(1, sizeof(*req));
	if (req == NULL) {
		ev__dns_ns_probe_failed(ns);
		return;
	}
	req->base = base;
	req->name = NULL;
	req->type = 0;
	req->qtype = EV__DNS_T_NS;
	req->flags = DNS_QUERY_NO_SEARCH;
	req->tcp_fd = -1;
	req->pinned = ns;
	req->qname[0] = 0;
	req->qname_len = 1;
	req->ncandidates = 1;
	evtimer_assign(&req->timer, base->ev_base, req_timer, req);
	req->state = EV__DNS_ACTIVE;
	ev__dns_list_push(&base->active, req);
	ns->probe = req;
	send_candidate(req);
}

void ev__dns_requeue_all(struct evdns_base *base)
{
	struct evdns_request *req, *next;

	for (req = base->active.head; req; req = next) {
		next = req->next;
		hash_remove(req);
		ev__dns_sock_release(req);
		ev__dns_tcp_close(req);
		event_del(&req->timer);
		if (req->pinned) {
			ev__dns_list_remove(&base->active, req);
			free_request(req);
			continue;
		}
		req->ns = NULL;
		base->ninflight--;
		move_to(req, EV__DNS_WAITING);
	}
}

void ev__dns_requests_free_all(struct evdns_base *base, int fail)
{
	struct ev__dns_req_list *lists[3] = {&base->waiting, &base->active,
	                                     &base->done};
	int i;

	for (i = 0; i < 3; i++) {
		struct evdns_request *req;

		while ((req = lists[i]->head) != NULL) {
			ev__dns_list_remove(lists[i], req);
			hash_remove(req);
			ev__dns_sock_release(req);
			event_del(&req->timer);
			ev__dns_tcp_close(req);
			if (fail && req->cb && !req->pinned)
				req->cb(req->state == EV__DNS_DONE &&
				                req->result == DNS_ERR_CANCEL
				            ? DNS_ERR_CANCEL
				            : DNS_ERR_SHUTDOWN,
				        req->type, 0, 0, NULL, req->arg);
			free(req->name);
			free(req);
		}
	}
	base->ninflight = 0;
}
