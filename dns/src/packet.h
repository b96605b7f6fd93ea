/*
 * Wire format of DNS messages (RFC 1035), shared by the resolver and the
 * server.  Every reader takes the whole message and an offset, checks
 * every length against the end of the message, and returns a negative
 * EV__DNS_E* code instead of reading past it.  Names are handled in
 * uncompressed wire form (length-prefixed labels ending in a zero byte,
 * at most 255 bytes) so comparisons never depend on text escaping.
 */
#ifndef LIBEV_DNS_PACKET_H
#define LIBEV_DNS_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define EV__DNS_HDR_LEN 12
#define EV__DNS_NAME_MAX 255  /* wire bytes, including the final zero */
#define EV__DNS_LABEL_MAX 63
/* Text form: every byte may become "\DDD", plus dots and the NUL. */
#define EV__DNS_TEXT_MAX (4 * EV__DNS_NAME_MAX + 1)

#define EV__DNS_QR 0x8000
#define EV__DNS_OPCODE_MASK 0x7800
#define EV__DNS_AA 0x0400
#define EV__DNS_TC 0x0200
#define EV__DNS_RD 0x0100
#define EV__DNS_RA 0x0080
#define EV__DNS_RCODE_MASK 0x000f

#define EV__DNS_T_A 1
#define EV__DNS_T_NS 2
#define EV__DNS_T_CNAME 5
#define EV__DNS_T_SOA 6
#define EV__DNS_T_PTR 12
#define EV__DNS_T_AAAA 28
#define EV__DNS_T_OPT 41
#define EV__DNS_C_IN 1

enum ev__dns_err {
	EV__DNS_OK = 0,
	EV__DNS_ETRUNC = -1,    /* a field runs past the end of the message */
	EV__DNS_ELABEL = -2,    /* label over 63 bytes or of a reserved type */
	EV__DNS_ENAME = -3,     /* name over 255 bytes */
	EV__DNS_EPTR = -4,      /* compression pointer not strictly backwards */
	EV__DNS_ESPACE = -5,    /* builder: no room left */
	EV__DNS_ETEXT = -6,     /* text name cannot be encoded */
	EV__DNS_ERDATA = -7     /* record data inconsistent with its length */
};

struct ev__dns_hdr {
	uint16_t id, flags, qdcount, ancount, nscount, arcount;
};

struct ev__dns_rr {
	uint8_t name[EV__DNS_NAME_MAX];
	size_t name_len;
	uint16_t type, cls;
	uint32_t ttl;
	uint16_t rdlen;
	size_t rdoff; /* offset of the data inside the message */
};

/* Readers. */
int ev__dns_hdr_read(const uint8_t *msg, size_t len, struct ev__dns_hdr *h);
int ev__dns_name_read(const uint8_t *msg, size_t len, size_t *off,
		      uint8_t *wire, size_t *wire_len);
int ev__dns_question_read(const uint8_t *msg, size_t len, size_t *off,
			  uint8_t *wire, size_t *wire_len, uint16_t *type,
			  uint16_t *cls);
int ev__dns_rr_read(const uint8_t *msg, size_t len, size_t *off,
		    struct ev__dns_rr *rr);
/* Reads a name that must lie inside the record data [rdoff, rdoff+rdlen). */
int ev__dns_rdata_name(const uint8_t *msg, size_t len,
		       const struct ev__dns_rr *rr, uint8_t *wire,
		       size_t *wire_len);

/* Name conversions.  Text may end in a dot; "" and "." are the root. */
int ev__dns_name_from_text(const char *text, uint8_t *wire, size_t *wire_len);
int ev__dns_name_to_text(const uint8_t *wire, char *text, size_t size);
int ev__dns_name_equal(const uint8_t *a, const uint8_t *b); /* ASCII nocase */
const char *ev__dns_strerror(int err);

/* Builder: writes into a caller buffer, compressing names. */
#define EV__DNS_COMPRESS_SLOTS 64
struct ev__dns_builder {
	uint8_t *buf;
	size_t cap, len;
	unsigned nslots;
	uint16_t slot[EV__DNS_COMPRESS_SLOTS]; /* offsets of names written */
};
void ev__dns_builder_init(struct ev__dns_builder *b, uint8_t *buf, size_t cap);
int ev__dns_put_hdr(struct ev__dns_builder *b, const struct ev__dns_hdr *h);
int ev__dns_put_u16(struct ev__dns_builder *b, uint16_t v);
int ev__dns_put_u32(struct ev__dns_builder *b, uint32_t v);
int ev__dns_put_bytes(struct ev__dns_builder *b, const void *p, size_t n);
int ev__dns_put_name(struct ev__dns_builder *b, const uint8_t *wire,
		     int compress);
/* Rewrites the 16-bit count at header offset `field` (4, 6, 8 or 10). */
void ev__dns_set_u16(uint8_t *msg, size_t at, uint16_t v);
uint16_t ev__dns_get_u16(const uint8_t *p);

#endif
