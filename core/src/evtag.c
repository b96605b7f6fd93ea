/*
 * evtag: tagged data in an evbuffer, in libevent's wire format so data
 * marshalled by either library reads back in the other.
 *
 *   element = tag, length, payload
 *   tag     = 7 bits per byte, least significant group first, the high
 *             bit set on every byte but the last (at most 5 bytes)
 *   length, integers = nibble-coded: the high nibble of the first byte is
 *             the number of value nibbles minus one, then the value's
 *             nibbles, least significant first, filling the low nibble of
 *             byte 0, the high then low nibbles of byte 1, and so on
 *
 * Decoding only ever looks at bytes that are present: headers are copied
 * out (at most 10 bytes) and parsed from memory, and every length is
 * checked against what the buffer holds before anything is removed, so a
 * failed call leaves the buffer as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "ev-internal.h"
#include "event.h"

/* Longest encodings: a 32-bit tag, a 32-bit and a 64-bit integer. */
#define TAG_MAX         5
#define INT32_MAX_BYTES 5
#define INT64_MAX_BYTES 9

void evtag_init(void)
{
}

/* Encodes `v` into out[]; returns the number of bytes. */
static size_t int_encode(unsigned char *out, ev_uint64_t v)
{
	size_t nib = 0, pos, nbytes;

	memset(out, 0, INT64_MAX_BYTES);
	do {
		pos = nib + 1; /* position 0 holds the count */
		if (pos & 1)
			out[pos / 2] |= (unsigned char)(v & 0x0f);
		else
			out[pos / 2] |= (unsigned char)((v & 0x0f) << 4);
		v >>= 4;
		nib++;
	} while (v != 0);
	out[0] |= (unsigned char)((nib - 1) << 4);
	nbytes = (nib + 2) / 2;
	return nbytes;
}

/* Decodes an integer of at most `max_nib` nibbles from p[0..n).  Returns
 * the bytes used or -1. */
static int int_decode(const unsigned char *p, size_t n, unsigned max_nib,
                      ev_uint64_t *out)
{
	unsigned nib, pos, k;
	size_t nbytes;
	ev_uint64_t v = 0;

	if (n < 1)
		return -1;
	nib = (unsigned)(p[0] >> 4) + 1;
	if (nib > max_nib)
		return -1;
	nbytes = (nib + 2) / 2;
	if (nbytes > n)
		return -1;
	for (k = nib; k-- > 0;) {
		pos = k + 1;
		v = (v << 4) | ((pos & 1) ? (p[pos / 2] & 0x0fu)
		                          : (unsigned)(p[pos / 2] >> 4));
	}
	*out = v;
	return (int)nbytes;
}

static size_t tag_encode(unsigned char *out, ev_uint32_t tag)
{
	size_t n = 0;

	do {
		out[n] = (unsigned char)(tag & 0x7f);
		tag >>= 7;
		if (tag != 0)
			out[n] |= 0x80;
		n++;
	} while (tag != 0);
	return n;
}

static int tag_decode(const unsigned char *p, size_t n, ev_uint32_t *out)
{
	ev_uint64_t v = 0;
	size_t i;

	for (i = 0; i < n && i < TAG_MAX; i++) {
		v |= (ev_uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			if (v > EV_UINT32_MAX)
				return -1;
			*out = (ev_uint32_t)v;
			return (int)(i + 1);
		}
	}
	return -1; /* truncated, or longer than a 32-bit tag can be */
}

/* Parses the tag and length at the front of `b` without removing them.
 * Returns 0 and fills *tag, *len and *hdr (bytes of tag + length), or -1.
 */
static int parse_header(struct evbuffer *b, ev_uint32_t *tag, ev_uint32_t *len,
                        size_t *hdr)
{
	unsigned char h[TAG_MAX + INT32_MAX_BYTES];
	ev_ssize_t n;
	ev_uint64_t l;
	int t, k;

	if (b == NULL)
		return -1;
	n = evbuffer_copyout(b, h, sizeof(h));
	if (n <= 0)
		return -1;
	t = tag_decode(h, (size_t)n, tag);
	if (t < 0)
		return -1;
	k = int_decode(h + t, (size_t)n - (size_t)t, 8, &l);
	if (k < 0)
		return -1;
	*len = (ev_uint32_t)l;
	*hdr = (size_t)t + (size_t)k;
	return 0;
}

/* parse_header() plus: the whole payload is present. */
static int parse_element(struct evbuffer *b, ev_uint32_t *tag, ev_uint32_t *len,
                         size_t *hdr)
{
	if (parse_header(b, tag, len, hdr) < 0)
		return -1;
	if (evbuffer_get_length(b) - *hdr < *len)
		return -1;
	return 0;
}

static void add_or_log(struct evbuffer *b, const void *p, size_t n)
{
	if (evbuffer_add(b, p, n) < 0)
		ev__log(EVENT_LOG_WARN, "evtag: cannot append %zu bytes", n);
}

void evtag_encode_tag(struct evbuffer *evbuf, ev_uint32_t tag)
{
	unsigned char t[TAG_MAX];

	add_or_log(evbuf, t, tag_encode(t, tag));
}

void evtag_encode_int(struct evbuffer *evbuf, ev_uint32_t number)
{
	unsigned char d[INT64_MAX_BYTES];

	add_or_log(evbuf, d, int_encode(d, number));
}

void evtag_encode_int64(struct evbuffer *evbuf, ev_uint64_t number)
{
	unsigned char d[INT64_MAX_BYTES];

	add_or_log(evbuf, d, int_encode(d, number));
}

void encode_int(struct evbuffer *evbuf, ev_uint32_t number)
{
	evtag_encode_int(evbuf, number);
}

void encode_int64(struct evbuffer *evbuf, ev_uint64_t number)
{
	evtag_encode_int64(evbuf, number);
}

/* Tag and length in one add, so a failed add leaves no half header. */
static void put_header(struct evbuffer *b, ev_uint32_t tag, ev_uint32_t len)
{
	unsigned char h[TAG_MAX + INT64_MAX_BYTES];
	size_t t = tag_encode(h, tag);

	t += int_encode(h + t, len);
	add_or_log(b, h, t);
}

void evtag_marshal(struct evbuffer *evbuf, ev_uint32_t tag, const void *data,
                   ev_uint32_t len)
{
	put_header(evbuf, tag, len);
	if (len > 0)
		add_or_log(evbuf, data, len);
}

void evtag_marshal_buffer(struct evbuffer *evbuf, ev_uint32_t tag,
                          struct evbuffer *data)
{
	size_t n = evbuffer_get_length(data);

	if (n > EV_UINT32_MAX) {
		ev__log(EVENT_LOG_WARN,
		        "evtag_marshal_buffer: %zu bytes do "
		        "not fit a tag",
		        n);
		return;
	}
	put_header(evbuf, tag, (ev_uint32_t)n);
	if (evbuffer_add_buffer(evbuf, data) < 0)
		ev__log(EVENT_LOG_WARN, "evtag_marshal_buffer: append failed");
}

void evtag_marshal_int(struct evbuffer *evbuf, ev_uint32_t tag,
                       ev_uint32_t integer)
{
	unsigned char d[INT64_MAX_BYTES];
	size_t n = int_encode(d, integer);

	evtag_marshal(evbuf, tag, d, (ev_uint32_t)n);
}

void evtag_marshal_int64(struct evbuffer *evbuf, ev_uint32_t tag,
                         ev_uint64_t integer)
{
	unsigned char d[INT64_MAX_BYTES];
	size_t n = int_encode(d, integer);

	evtag_marshal(evbuf, tag, d, (ev_uint32_t)n);
}

void evtag_marshal_string(struct evbuffer *buf, ev_uint32_t tag,
                          const char *string)
{
	size_t n = string != NULL ? strlen(string) : 0;

	if (n > EV_UINT32_MAX)
		return;
	evtag_marshal(buf, tag, string, (ev_uint32_t)n);
}

void evtag_marshal_timeval(struct evbuffer *evbuf, ev_uint32_t tag,
                           struct timeval *tv)
{
	unsigned char d[2 * INT64_MAX_BYTES];
	size_t n;

	if (tv == NULL)
		return;
	/* Both fields as 32-bit values, as libevent writes them. */
	n = int_encode(d, (ev_uint32_t)tv->tv_sec);
	n += int_encode(d + n, (ev_uint32_t)tv->tv_usec);
	evtag_marshal(evbuf, tag, d, (ev_uint32_t)n);
}

int evtag_peek(struct evbuffer *evbuf, ev_uint32_t *ptag)
{
	unsigned char h[TAG_MAX];
	ev_uint32_t tag;
	ev_ssize_t n;
	int t;

	if (evbuf == NULL)
		return -1;
	n = evbuffer_copyout(evbuf, h, sizeof(h));
	if (n <= 0)
		return -1;
	t = tag_decode(h, (size_t)n, &tag);
	if (t >= 0 && ptag != NULL)
		*ptag = tag;
	return t;
}

int evtag_peek_length(struct evbuffer *evbuf, ev_uint32_t *plength)
{
	ev_uint32_t tag, len;
	size_t hdr;

	if (parse_header(evbuf, &tag, &len, &hdr) < 0)
		return -1;
	if ((ev_uint64_t)len + hdr > EV_UINT32_MAX)
		return -1;
	if (plength != NULL)
		*plength = len + (ev_uint32_t)hdr;
	return 0;
}

int evtag_payload_length(struct evbuffer *evbuf, ev_uint32_t *plength)
{
	ev_uint32_t tag, len;
	size_t hdr;

	if (parse_header(evbuf, &tag, &len, &hdr) < 0)
		return -1;
	if (plength != NULL)
		*plength = len;
	return 0;
}

int evtag_consume(struct evbuffer *evbuf)
{
	ev_uint32_t tag, len;
	size_t hdr;

	if (parse_element(evbuf, &tag, &len, &hdr) < 0)
		return -1;
	return evbuffer_drain(evbuf, hdr + len);
}

int evtag_unmarshal_header(struct evbuffer *evbuf, ev_uint32_t *ptag)
{
	ev_uint32_t tag, len;
	size_t hdr;

	if (parse_element(evbuf, &tag, &len, &hdr) < 0 || len > EV_INT32_MAX)
		return -1;
	if (evbuffer_drain(evbuf, hdr) < 0)
		return -1;
	if (ptag != NULL)
		*ptag = tag;
	return (int)len;
}

int evtag_unmarshal(struct evbuffer *src, ev_uint32_t *ptag,
                    struct evbuffer *dst)
{
	ev_uint32_t tag, len;
	size_t hdr;

	if (dst == NULL || parse_element(src, &tag, &len, &hdr) < 0 ||
	    len > EV_INT32_MAX)
		return -1;
	if (evbuffer_drain(src, hdr) < 0)
		return -1;
	if (evbuffer_remove_buffer(src, dst, len) != (int)len)
		return -1;
	if (ptag != NULL)
		*ptag = tag;
	return (int)len;
}

/* Shared body of the fixed-tag integer unmarshallers: the payload must be
 * exactly one encoded integer of at most max_nib nibbles. */
static int unmarshal_integer(struct evbuffer *evbuf, ev_uint32_t need_tag,
                             unsigned max_nib, ev_uint64_t *out)
{
	unsigned char d[TAG_MAX + INT32_MAX_BYTES + INT64_MAX_BYTES];
	ev_uint32_t tag, len;
	size_t hdr;
	int used;

	if (parse_element(evbuf, &tag, &len, &hdr) < 0 || tag != need_tag ||
	    len > INT64_MAX_BYTES)
		return -1;
	if (evbuffer_copyout(evbuf, d, hdr + len) != (ev_ssize_t)(hdr + len))
		return -1;
	used = int_decode(d + hdr, len, max_nib, out);
	if (used < 0 || (ev_uint32_t)used != len)
		return -1;
	return evbuffer_drain(evbuf, hdr + len);
}

int evtag_unmarshal_int(struct evbuffer *evbuf, ev_uint32_t need_tag,
                        ev_uint32_t *pinteger)
{
	ev_uint64_t v;

	if (unmarshal_integer(evbuf, need_tag, 8, &v) < 0)
		return -1;
	if (pinteger != NULL)
		*pinteger = (ev_uint32_t)v;
	return 0;
}

int evtag_unmarshal_int64(struct evbuffer *evbuf, ev_uint32_t need_tag,
                          ev_uint64_t *pinteger)
{
	ev_uint64_t v;

	if (unmarshal_integer(evbuf, need_tag, 16, &v) < 0)
		return -1;
	if (pinteger != NULL)
		*pinteger = v;
	return 0;
}

int evtag_unmarshal_fixed(struct evbuffer *src, ev_uint32_t need_tag,
                          void *data, size_t len)
{
	ev_uint32_t tag, plen;
	size_t hdr;

	if (parse_element(src, &tag, &plen, &hdr) < 0 || tag != need_tag ||
	    plen != len || (data == NULL && len > 0))
		return -1;
	if (evbuffer_drain(src, hdr) < 0)
		return -1;
	if (len > 0 && evbuffer_remove(src, data, len) != (int)len)
		return -1;
	return 0;
}

int evtag_unmarshal_string(struct evbuffer *evbuf, ev_uint32_t need_tag,
                           char **pstring)
{
	ev_uint32_t tag, len;
	size_t hdr;
	char *s;

	if (pstring == NULL || parse_element(evbuf, &tag, &len, &hdr) < 0 ||
	    tag != need_tag)
		return -1;
	s = malloc((size_t)len + 1);
	if (s == NULL)
		return -1;
	if (evbuffer_drain(evbuf, hdr) < 0 ||
	    (len > 0 && evbuffer_remove(evbuf, s, len) != (int)len)) {
		free(s);
		return -1;
	}
	s[len] = '\0';
	*pstring = s;
	return 0;
}

int evtag_unmarshal_timeval(struct evbuffer *evbuf, ev_uint32_t need_tag,
                            struct timeval *ptv)
{
	unsigned char d[TAG_MAX + INT32_MAX_BYTES + 2 * INT32_MAX_BYTES];
	ev_uint64_t sec, usec;
	ev_uint32_t tag, len;
	size_t hdr;
	int a, b;

	if (parse_element(evbuf, &tag, &len, &hdr) < 0 || tag != need_tag ||
	    len > 2 * INT32_MAX_BYTES)
		return -1;
	if (evbuffer_copyout(evbuf, d, hdr + len) != (ev_ssize_t)(hdr + len))
		return -1;
	a = int_decode(d + hdr, len, 8, &sec);
	if (a < 0)
		return -1;
	b = int_decode(d + hdr + a, len - (size_t)a, 8, &usec);
	if (b < 0 || (size_t)a + (size_t)b != len)
		return -1;
	if (evbuffer_drain(evbuf, hdr + len) < 0)
		return -1;
	if (ptv != NULL) {
		ptv->tv_sec = (time_t)sec;
		ptv->tv_usec = (suseconds_t)usec;
	}
	return 0;
}

static int decode_front(struct evbuffer *evbuf, unsigned max_nib,
                        ev_uint64_t *out)
{
	unsigned char d[INT64_MAX_BYTES];
	ev_ssize_t n;
	int used;

	if (evbuf == NULL)
		return -1;
	n = evbuffer_copyout(evbuf, d, sizeof(d));
	if (n <= 0)
		return -1;
	used = int_decode(d, (size_t)n, max_nib, out);
	if (used < 0)
		return -1;
	return evbuffer_drain(evbuf, (size_t)used);
}

int evtag_decode_int(ev_uint32_t *pnumber, struct evbuffer *evbuf)
{
	ev_uint64_t v;

	if (decode_front(evbuf, 8, &v) < 0)
		return -1;
	if (pnumber != NULL)
		*pnumber = (ev_uint32_t)v;
	return 0;
}

int evtag_decode_int64(ev_uint64_t *pnumber, struct evbuffer *evbuf)
{
	ev_uint64_t v;

	if (decode_front(evbuf, 16, &v) < 0)
		return -1;
	if (pnumber != NULL)
		*pnumber = v;
	return 0;
}

int evtag_decode_tag(ev_uint32_t *ptag, struct evbuffer *evbuf)
{
	ev_uint32_t tag;
	int t = evtag_peek(evbuf, &tag);

	if (t < 0 || evbuffer_drain(evbuf, (size_t)t) < 0)
		return -1;
	if (ptag != NULL)
		*ptag = tag;
	return t;
}
