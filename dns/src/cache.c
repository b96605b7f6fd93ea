/*
 * A small answer cache: positive answers keyed by (lower-cased name,
 * type), kept until their TTL runs out, at most `max` entries with the
 * least recently stored one evicted first.  Off unless the `cache-size:`
 * option asks for it, because a stub resolver usually sits next to a
 * caching server already.
 */
#include <stdlib.h>
#include <time.h>

#include "dns-internal.h"

struct cache_entry {
	struct cache_entry *hnext;  /* hash chain */
	struct cache_entry *older, *newer; /* age order */
	uint16_t qtype;
	uint8_t key[EV__DNS_NAME_MAX];
	size_t key_len;
	time_t expires;
	int count;
	int ttl;
	union {
		struct in_addr a4[EV__DNS_MAX_ADDRS];
		struct in6_addr a6[EV__DNS_MAX_ADDRS];
		char ptr[EV__DNS_TEXT_MAX];
	} ans;
};

struct ev__dns_cache {
	int max, n;
	unsigned nbuckets;
	struct cache_entry **bucket;
	struct cache_entry *oldest, *newest;
};

static time_t now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

struct ev__dns_cache *ev__dns_cache_new(int max_entries)
{
	struct ev__dns_cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->max = max_entries;
	c->nbuckets = 64;
	while (c->nbuckets < (unsigned)max_entries && c->nbuckets < (1u << 20))
		c->nbuckets *= 2;
	c->bucket = calloc(c->nbuckets, sizeof(*c->bucket));
	if (c->bucket == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void ev__dns_cache_free(struct ev__dns_cache *c)
{
	struct cache_entry *e, *next;

	if (c == NULL)
		return;
	for (e = c->oldest; e; e = next) {
		next = e->newer;
		free(e);
	}
	free(c->bucket);
	free(c);
}

static unsigned hash_key(const uint8_t *k, size_t len, uint16_t qtype)
{
	uint32_t h = 2166136261u ^ qtype;
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t b = k[i];

		if (b >= 'A' && b <= 'Z')
			b |= 0x20;
		h = (h ^ b) * 16777619u;
	}
	return h;
}

static struct cache_entry **find(struct ev__dns_cache *c, const uint8_t *qname,
				 uint16_t qtype)
{
	size_t len = 0;
	struct cache_entry **pp;

	while (qname[len])
		len += qname[len] + 1u;
	len++;
	pp = &c->bucket[hash_key(qname, len, qtype) & (c->nbuckets - 1)];
	while (*pp && !((*pp)->qtype == qtype && (*pp)->key_len == len &&
			ev__dns_name_equal((*pp)->key, qname)))
		pp = &(*pp)->hnext;
	return pp;
}

static void unlink_entry(struct ev__dns_cache *c, struct cache_entry **pp)
{
	struct cache_entry *e = *pp;

	*pp = e->hnext;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->n--;
	free(e);
}

int ev__dns_cache_get(struct ev__dns_cache *c, const uint8_t *qname,
		      uint16_t qtype, struct evdns_request *out)
{
	struct cache_entry **pp = find(c, qname, qtype);
	time_t now = now_sec();

	if (*pp == NULL)
		return 0;
	if ((*pp)->expires <= now) {
		unlink_entry(c, pp);
		return 0;
	}
	out->count = (*pp)->count;
	out->ttl = (int)((*pp)->expires - now);
	out->result = DNS_ERR_NONE;
	memcpy(&out->ans, &(*pp)->ans, sizeof(out->ans));
	return 1;
}

void ev__dns_cache_put(struct ev__dns_cache *c, const uint8_t *qname,
		       uint16_t qtype, const struct evdns_request *res)
{
	struct cache_entry **pp, *e;
	size_t len = 0;

	if (res->ttl <= 0 || res->count <= 0)
		return;
	pp = find(c, qname, qtype);
	if (*pp)
		unlink_entry(c, pp);
	while (c->n >= c->max && c->oldest)
		unlink_entry(c, find(c, c->oldest->key, c->oldest->qtype));
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return;
	while (qname[len])
		len += qname[len] + 1u;
	len++;
	memcpy(e->key, qname, len);
	e->key_len = len;
	e->qtype = qtype;
	e->expires = now_sec() + res->ttl;
	e->count = res->count;
	memcpy(&e->ans, &res->ans, sizeof(e->ans));
	pp = find(c, qname, qtype);
	e->hnext = *pp;
	*pp = e;
	e->older = c->newest;
	if (c->newest)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->n++;
}
