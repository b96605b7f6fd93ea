/*
 * Reading the answer section of a reply that matched a request: the CNAME
 * chain is followed from the name asked, the records of the asked type
 * are collected, and every record is checked against the message end and
 * its own declared length first.
 */
#include "dns-internal.h"

/* Follows the CNAME chain from the asked name through the answer section
 * and collects the records of the asked type.  Returns 0 with the result
 * stored, 1 when the chain leaves this reply (ask for the target), or -1
 * when the section is malformed. */
int ev__dns_parse_answers(struct evdns_request *req, const uint8_t *msg,
                          size_t len, size_t an_start, unsigned ancount)
{
	uint8_t cur[EV__DNS_NAME_MAX], target[EV__DNS_NAME_MAX];
	size_t off, tlen;
	uint32_t ttl = UINT32_MAX;
	struct ev__dns_rr rr;
	unsigned i;
	int hops;

	off = an_start;
	for (i = 0; i < ancount; i++)
		if (ev__dns_rr_read(msg, len, &off, &rr))
			return -1;
	memcpy(cur, req->qname, req->qname_len);
	for (hops = 0; hops <= EV__DNS_MAX_CNAME; hops++) {
		int n = 0, have_cname = 0;
		uint32_t cname_ttl = 0;

		off = an_start;
		for (i = 0; i < ancount; i++) {
			ev__dns_rr_read(msg, len, &off, &rr);
			if (rr.cls != EV__DNS_C_IN ||
			    !ev__dns_name_equal(rr.name, cur))
				continue;
			if (rr.type == req->qtype) {
				if (req->qtype == EV__DNS_T_A) {
					if (rr.rdlen != 4)
						return -1;
					if (n < EV__DNS_MAX_ADDRS)
						memcpy(&req->ans.a4[n++],
						       msg + rr.rdoff, 4);
				} else if (req->qtype == EV__DNS_T_AAAA) {
					if (rr.rdlen != 16)
						return -1;
					if (n < EV__DNS_MAX_ADDRS)
						memcpy(&req->ans.a6[n++],
						       msg + rr.rdoff, 16);
				} else if (n == 0) {
					if (ev__dns_rdata_name(msg, len, &rr,
					                       target, &tlen) ||
					    ev__dns_name_to_text(
					        target, req->ans.ptr,
					        sizeof(req->ans.ptr)))
						return -1;
					n = 1;
				}
				if (rr.ttl < ttl)
					ttl = rr.ttl;
			} else if (rr.type == EV__DNS_T_CNAME && !have_cname) {
				if (ev__dns_rdata_name(msg, len, &rr, target,
				                       &tlen))
					return -1;
				have_cname = 1;
				cname_ttl = rr.ttl;
			}
		}
		if (n > 0) {
			/* The owner of the records is the canonical name;
			 * only worth reporting at the end of a CNAME chain.
			 * Lower-cased: our own 0x20 mixing must not show. */
			if (req->canon_out &&
			    (hops > 0 || req->cname_hops > 0)) {
				char *p = req->canon_out;

				if (ev__dns_name_to_text(cur, p,
				                         EV__DNS_TEXT_MAX))
					p[0] = '\0';
				for (; *p; p++)
					if (*p >= 'A' && *p <= 'Z')
						*p = (char)(*p + 32);
			}
			req->count = n;
			req->ttl = ttl > INT32_MAX ? INT32_MAX : (int)ttl;
			req->result = DNS_ERR_NONE;
			return 0;
		}
		if (!have_cname)
			break;
		memcpy(cur, target, tlen);
		if (cname_ttl < ttl)
			ttl = cname_ttl;
	}
	if (hops > 0 && !ev__dns_name_equal(cur, req->qname) &&
	    req->cname_hops < EV__DNS_MAX_CNAME && hops <= EV__DNS_MAX_CNAME) {
		/* The server gave the alias but not the target's records:
		 * ask for the target itself, without the search list. */
		req->cname_hops++;
		req->qname_len = tlen;
		memcpy(req->qname, cur, tlen);
		return 1;
	}
	req->result = DNS_ERR_NODATA;
	req->count = 0;
	req->ttl = 0;
	return 0;
}

int ev__dns_rcode_to_err(int rcode)
{
	switch (rcode) {
	case 0:
		return DNS_ERR_NONE;
	case 1:
		return DNS_ERR_FORMAT;
	case 2:
		return DNS_ERR_SERVERFAILED;
	case 3:
		return DNS_ERR_NOTEXIST;
	case 4:
		return DNS_ERR_NOTIMPL;
	case 5:
		return DNS_ERR_REFUSED;
	}
	return DNS_ERR_UNKNOWN;
}
