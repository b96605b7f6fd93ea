/*
 * DNS wire format readers and writer.  The readers are the first thing
 * hostile input reaches, so each one bounds every access by `len` and
 * follows compression pointers only strictly backwards (each jump lands
 * before the segment it came from), which makes loops impossible without
 * needing a hop counter.
 */
#include "packet.h"

#include <string.h>

uint16_t ev__dns_get_u16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

void ev__dns_set_u16(uint8_t *msg, size_t at, uint16_t v)
{
	msg[at] = (uint8_t)(v >> 8);
	msg[at + 1] = (uint8_t)v;
}

int ev__dns_hdr_read(const uint8_t *msg, size_t len, struct ev__dns_hdr *h)
{
	if (len < EV__DNS_HDR_LEN)
		return EV__DNS_ETRUNC;
	h->id = ev__dns_get_u16(msg);
	h->flags = ev__dns_get_u16(msg + 2);
	h->qdcount = ev__dns_get_u16(msg + 4);
	h->ancount = ev__dns_get_u16(msg + 6);
	h->nscount = ev__dns_get_u16(msg + 8);
	h->arcount = ev__dns_get_u16(msg + 10);
	return EV__DNS_OK;
}

int ev__dns_name_read(const uint8_t *msg, size_t len, size_t *off,
		      uint8_t *wire, size_t *wire_len)
{
	size_t pos = *off, segment = *off, resume = 0, out = 0;
	int jumped = 0;

	for (;;) {
		uint8_t c;

		if (pos >= len)
			return EV__DNS_ETRUNC;
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return EV__DNS_ETRUNC;
			target = ((size_t)(c & 0x3f) << 8) | msg[pos + 1];
			/* Only strictly backwards, before the segment we are
			 * reading: every jump lowers `segment`, so a chain of
			 * pointers ends after at most len/2 jumps. */
			if (target >= segment)
				return EV__DNS_EPTR;
			if (!jumped) {
				resume = pos + 2;
				jumped = 1;
			}
			segment = pos = target;
			continue;
		}
		if (c & 0xc0)
			return EV__DNS_ELABEL; /* 0x40/0x80 label types */
		if (c == 0) {
			if (out + 1 > EV__DNS_NAME_MAX)
				return EV__DNS_ENAME;
			wire[out++] = 0;
			pos++;
			break;
		}
		if (len - pos - 1 < c)
			return EV__DNS_ETRUNC;
		if (out + 1 + c + 1 > EV__DNS_NAME_MAX)
			return EV__DNS_ENAME;
		memcpy(wire + out, msg + pos, (size_t)c + 1);
		out += (size_t)c + 1;
		pos += (size_t)c + 1;
	}
	*off = jumped ? resume : pos;
	*wire_len = out;
	return EV__DNS_OK;
}

int ev__dns_question_read(const uint8_t *msg, size_t len, size_t *off,
			  uint8_t *wire, size_t *wire_len, uint16_t *type,
			  uint16_t *cls)
{
	size_t pos = *off;
	int r = ev__dns_name_read(msg, len, &pos, wire, wire_len);

	if (r)
		return r;
	if (len - pos < 4)
		return EV__DNS_ETRUNC;
	*type = ev__dns_get_u16(msg + pos);
	*cls = ev__dns_get_u16(msg + pos + 2);
	*off = pos + 4;
	return EV__DNS_OK;
}

int ev__dns_rr_read(const uint8_t *msg, size_t len, size_t *off,
		    struct ev__dns_rr *rr)
{
	size_t pos = *off;
	int r = ev__dns_name_read(msg, len, &pos, rr->name, &rr->name_len);

	if (r)
		return r;
	if (len - pos < 10)
		return EV__DNS_ETRUNC;
	rr->type = ev__dns_get_u16(msg + pos);
	rr->cls = ev__dns_get_u16(msg + pos + 2);
	rr->ttl = get_u32(msg + pos + 4);
	rr->rdlen = ev__dns_get_u16(msg + pos + 8);
	pos += 10;
	if (len - pos < rr->rdlen)
		return EV__DNS_ETRUNC;
	rr->rdoff = pos;
	*off = pos + rr->rdlen;
	return EV__DNS_OK;
}

int ev__dns_rdata_name(const uint8_t *msg, size_t len,
		       const struct ev__dns_rr *rr, uint8_t *wire,
		       size_t *wire_len)
{
	size_t pos = rr->rdoff;
	int r;

	/* Read with the whole message (pointers may point outside the
	 * data), then insist that the name's own bytes fill the data. */
	r = ev__dns_name_read(msg, len, &pos, wire, wire_len);
	if (r)
		return r;
	if (pos != rr->rdoff + rr->rdlen)
		return EV__DNS_ERDATA;
	return EV__DNS_OK;
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

int ev__dns_name_equal(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		size_t n = *a, i;

		if (n != *b)
			return 0;
		if (n == 0)
			return 1;
		for (i = 1; i <= n; i++)
			if (lower(a[i]) != lower(b[i]))
				return 0;
		a += n + 1;
		b += n + 1;
	}
}

int ev__dns_name_from_text(const char *text, uint8_t *wire, size_t *wire_len)
{
	size_t out = 0, lab = 0;
	int open = 0;
	const char *p = text;

	if (text == NULL)
		return EV__DNS_ETEXT;
	if (p[0] == '.' && p[1] == '\0')
		p++;
	while (*p) {
		int c = (unsigned char)*p++;

		if (c == '.') {
			if (!open)
				return EV__DNS_ETEXT; /* empty label */
			open = 0;
			continue;
		}
		if (c == '\\') {
			if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' &&
			    p[1] <= '9' && p[2] >= '0' && p[2] <= '9') {
				c = (p[0] - '0') * 100 + (p[1] - '0') * 10 +
				    (p[2] - '0');
				if (c > 255)
					return EV__DNS_ETEXT;
				p += 3;
			} else if (*p) {
				c = (unsigned char)*p++;
			} else {
				return EV__DNS_ETEXT;
			}
		}
		if (!open) {
			if (out + 1 >= EV__DNS_NAME_MAX)
				return EV__DNS_ENAME;
			lab = out;
			wire[out++] = 0;
			open = 1;
		}
		if (wire[lab] == EV__DNS_LABEL_MAX)
			return EV__DNS_ELABEL;
		if (out + 1 >= EV__DNS_NAME_MAX)
			return EV__DNS_ENAME;
		wire[out++] = (uint8_t)c;
		wire[lab]++;
	}
	wire[out++] = 0;
	*wire_len = out;
	return EV__DNS_OK;
}

int ev__dns_name_to_text(const uint8_t *wire, char *text, size_t size)
{
	size_t out = 0;

	if (size == 0)
		return EV__DNS_ESPACE;
	while (*wire) {
		size_t n = *wire++, i;

		if (out && out + 1 < size)
			text[out++] = '.';
		for (i = 0; i < n; i++) {
			unsigned c = wire[i];
			char tmp[5];
			size_t k;

			/* Escape what would change the name's meaning or
			 * break a log line. */
			if (c == '.' || c == '\\') {
				tmp[0] = '\\';
				tmp[1] = (char)c;
				k = 2;
			} else if (c <= 0x20 || c >= 0x7f) {
				tmp[0] = '\\';
				tmp[1] = (char)('0' + c / 100);
				tmp[2] = (char)('0' + c / 10 % 10);
				tmp[3] = (char)('0' + c % 10);
				k = 4;
			} else {
				tmp[0] = (char)c;
				k = 1;
			}
			if (out + k >= size)
				return EV__DNS_ESPACE;
			memcpy(text + out, tmp, k);
			out += k;
		}
		wire += n;
	}
	text[out] = '\0';
	return EV__DNS_OK;
}

const char *ev__dns_strerror(int err)
{
	switch (err) {
	case EV__DNS_OK: return "ok";
	case EV__DNS_ETRUNC: return "field past the end of the message";
	case EV__DNS_ELABEL: return "bad label";
	case EV__DNS_ENAME: return "name too long";
	case EV__DNS_EPTR: return "bad compression pointer";
	case EV__DNS_ESPACE: return "no room";
	case EV__DNS_ETEXT: return "bad name";
	case EV__DNS_ERDATA: return "bad record data";
	}
	return "unknown";
}

void ev__dns_builder_init(struct ev__dns_builder *b, uint8_t *buf, size_t cap)
{
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->nslots = 0;
}

int ev__dns_put_bytes(struct ev__dns_builder *b, const void *p, size_t n)
{
	if (b->cap - b->len < n)
		return EV__DNS_ESPACE;
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return EV__DNS_OK;
}

int ev__dns_put_u16(struct ev__dns_builder *b, uint16_t v)
{
	uint8_t t[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	return ev__dns_put_bytes(b, t, 2);
}

int ev__dns_put_u32(struct ev__dns_builder *b, uint32_t v)
{
	uint8_t t[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
			(uint8_t)(v >> 8), (uint8_t)v};

	return ev__dns_put_bytes(b, t, 4);
}

int ev__dns_put_hdr(struct ev__dns_builder *b, const struct ev__dns_hdr *h)
{
	int r = 0;

	r |= ev__dns_put_u16(b, h->id);
	r |= ev__dns_put_u16(b, h->flags);
	r |= ev__dns_put_u16(b, h->qdcount);
	r |= ev__dns_put_u16(b, h->ancount);
	r |= ev__dns_put_u16(b, h->nscount);
	r |= ev__dns_put_u16(b, h->arcount);
	return r ? EV__DNS_ESPACE : EV__DNS_OK;
}

/* Does the name written at `at` in our own output equal `suffix`?  Our
 * output only holds names we wrote, so pointers there are trusted to be
 * backwards; the walk is still bounded by the buffer length. */
static int match_at(const uint8_t *buf, size_t len, size_t at,
		    const uint8_t *suffix)
{
	unsigned hops = 0;

	for (;;) {
		size_t n, i;

		if (at >= len)
			return 0;
		if ((buf[at] & 0xc0) == 0xc0) {
			if (at + 1 >= len || ++hops > 127)
				return 0;
			at = ((size_t)(buf[at] & 0x3f) << 8) | buf[at + 1];
			continue;
		}
		n = buf[at];
		if (n != *suffix || at + n >= len)
			return 0;
		if (n == 0)
			return 1;
		for (i = 1; i <= n; i++)
			if (lower(buf[at + i]) != lower(suffix[i]))
				return 0;
		at += n + 1;
		suffix += n + 1;
	}
}

int ev__dns_put_name(struct ev__dns_builder *b, const uint8_t *wire,
		     int compress)
{
	const uint8_t *p = wire;
	size_t start = b->len;

	while (*p) {
		if (compress) {
			unsigned i;

			for (i = 0; i < b->nslots; i++) {
				if (match_at(b->buf, b->len, b->slot[i], p)) {
					uint16_t ptr =
						(uint16_t)(0xc000 | b->slot[i]);

					if (ev__dns_put_u16(b, ptr))
						goto nospace;
					return EV__DNS_OK;
				}
			}
			if (b->len < 0x4000 &&
			    b->nslots < EV__DNS_COMPRESS_SLOTS)
				b->slot[b->nslots++] = (uint16_t)b->len;
		}
		if (ev__dns_put_bytes(b, p, (size_t)*p + 1))
			goto nospace;
		p += *p + 1;
	}
	if (ev__dns_put_bytes(b, p, 1) == 0)
		return EV__DNS_OK;
nospace:
	/* Forget slots pointing into the part that did not fit. */
	while (b->nslots && b->slot[b->nslots - 1] >= start)
		b->nslots--;
	b->len = start;
	return EV__DNS_ESPACE;
}
