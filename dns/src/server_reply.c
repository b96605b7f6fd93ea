/*
 * Assembling a server reply: the records the user adds are kept as a list
 * (names already in wire form), then written in one pass with name
 * compression.  When the client's size limit is reached, the reply is cut
 * at a record boundary and TC is set if an answer or authority record had
 * to go (a missing additional record is not truncation, RFC 2181 9).
 */
#include <stdio.h>
#include <stdlib.h>

#include "server.h"

static int add_rr(struct server_req *r, int section, const char *name, int type,
                  int cls, int ttl, const void *data, size_t len, int is_name)
{
	uint8_t wire[EV__DNS_NAME_MAX];
	struct reply_rr *rr;
	size_t wl;

	if (section < 0 || section > 2 || type < 0 || type > 65535 || cls < 0 ||
	    cls > 65535)
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
	return add_rr((struct server_req *)req, section, name, type, dns_class,
	              ttl, data, len, is_name);
}

static int add_addrs(struct evdns_server_request *req, const char *name, int n,
                     const void *addrs, int ttl, int type, size_t alen)
{
	int i;

	if (req == NULL || name == NULL || n < 0 || (n && addrs == NULL))
		return -1;
	for (i = 0; i < n; i++)
		if (add_rr((struct server_req *)req, EVDNS_ANSWER_SECTION, name,
		           type, EVDNS_CLASS_INET, ttl,
		           (const uint8_t *)addrs + (size_t)i * alen, alen, 0))
			return -1;
	return 0;
}

int evdns_server_request_add_a_reply(struct evdns_server_request *req,
                                     const char *name, int n, const void *addrs,
                                     int ttl)
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

void evdns_server_request_set_flags(struct evdns_server_request *req, int flags)
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

	if (ev__dns_put_name(b, rr->name, 1) || ev__dns_put_u16(b, rr->type) ||
	    ev__dns_put_u16(b, rr->cls) || ev__dns_put_u32(b, rr->ttl))
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
size_t ev__dns_build_reply(struct server_req *r, int rcode, uint8_t *buf,
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
		        &b, (uint16_t)r->pub.questions[i]->dns_question_class))
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
