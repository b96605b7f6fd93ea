/**
 * @file ev-tag.h
 * @brief libev-core: evtag, tagged data in an evbuffer (libevent's 1.3
 *        tagging API and `<event2/tag.h>`).
 *
 * An element is a tag number, the payload length and the payload.  Tags
 * are written 7 bits per byte (low bits first, the high bit saying "more
 * follows"); integers and lengths as a nibble count followed by the
 * nibbles, low first.  All decoding functions treat their input as
 * hostile: truncated data, over-long numbers or lengths beyond the data
 * make them return -1 without reading out of bounds.
 */
#ifndef LIBEV_EV_TAG_H
#define LIBEV_EV_TAG_H

#include <sys/time.h>
#include <evutil.h>
#include <ev-buffer.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Initialises the tagging code; kept for the 1.3 API, does nothing. */
void evtag_init(void);

/**
 * Decodes the tag and length of the next element and removes them, leaving
 * the payload at the front of `evbuf`.
 * @return the payload length, or -1 on malformed or truncated input.
 */
int evtag_unmarshal_header(struct evbuffer *evbuf, ev_uint32_t *ptag);
/** Appends an element with tag `tag` and `len` bytes of `data`. */
void evtag_marshal(struct evbuffer *evbuf, ev_uint32_t tag, const void *data,
                   ev_uint32_t len);
/**
 * Appends an element whose payload is all of `data`; the data is moved
 * (not copied), so `data` ends up empty, as in libevent.
 */
void evtag_marshal_buffer(struct evbuffer *evbuf, ev_uint32_t tag,
                          struct evbuffer *data);
/** Appends the encoding of a 32-bit number (no tag). */
void evtag_encode_int(struct evbuffer *evbuf, ev_uint32_t number);
/** Appends the encoding of a 64-bit number (no tag). */
void evtag_encode_int64(struct evbuffer *evbuf, ev_uint64_t number);
/** 1.3 name of evtag_encode_int(). */
void encode_int(struct evbuffer *evbuf, ev_uint32_t number);
/** 1.4 name of evtag_encode_int64(). */
void encode_int64(struct evbuffer *evbuf, ev_uint64_t number);
/** Appends the encoding of a tag number (no length, no payload). */
void evtag_encode_tag(struct evbuffer *evbuf, ev_uint32_t tag);
/** Appends an element holding an encoded 32-bit number. */
void evtag_marshal_int(struct evbuffer *evbuf, ev_uint32_t tag,
                       ev_uint32_t integer);
/** Appends an element holding an encoded 64-bit number. */
void evtag_marshal_int64(struct evbuffer *evbuf, ev_uint32_t tag,
                         ev_uint64_t integer);
/** Appends an element holding `string` without its NUL. */
void evtag_marshal_string(struct evbuffer *buf, ev_uint32_t tag,
                          const char *string);
/** Appends an element holding the seconds and microseconds of `tv`. */
void evtag_marshal_timeval(struct evbuffer *evbuf, ev_uint32_t tag,
                           struct timeval *tv);

/**
 * Removes the next element from `src` and appends its payload to `dst`.
 * @return the payload length, or -1 on malformed or truncated input
 *         (`src` is then unchanged).
 */
int evtag_unmarshal(struct evbuffer *src, ev_uint32_t *ptag,
                    struct evbuffer *dst);
/**
 * Decodes the tag of the next element without removing anything.
 * @return the number of bytes of the tag encoding, or -1.
 */
int evtag_peek(struct evbuffer *evbuf, ev_uint32_t *ptag);
/**
 * Gives the total length of the next element (tag, length and payload)
 * without removing anything.
 * @return 0 on success, -1 on malformed or truncated input.
 */
int evtag_peek_length(struct evbuffer *evbuf, ev_uint32_t *plength);
/**
 * Gives the payload length of the next element without removing anything.
 * @return 0 on success, -1 on malformed or truncated input.
 */
int evtag_payload_length(struct evbuffer *evbuf, ev_uint32_t *plength);
/**
 * Removes the next element.
 * @return 0 on success, -1 on malformed or truncated input.
 */
int evtag_consume(struct evbuffer *evbuf);
/**
 * Removes the next element, which must have tag `need_tag` and hold an
 * encoded 32-bit number filling its payload exactly.
 * @return 0 on success, -1 otherwise (`evbuf` is then unchanged).
 */
int evtag_unmarshal_int(struct evbuffer *evbuf, ev_uint32_t need_tag,
                        ev_uint32_t *pinteger);
/** evtag_unmarshal_int() for a 64-bit number. */
int evtag_unmarshal_int64(struct evbuffer *evbuf, ev_uint32_t need_tag,
                          ev_uint64_t *pinteger);
/**
 * Removes the next element, which must have tag `need_tag` and exactly
 * `len` bytes of payload, copying the payload to `data`.
 * @return 0 on success, -1 otherwise (`evbuf` is then unchanged).
 */
int evtag_unmarshal_fixed(struct evbuffer *src, ev_uint32_t need_tag,
                          void *data, size_t len);
/**
 * Removes the next element, which must have tag `need_tag`, and returns
 * its payload as a new NUL-terminated string in `*pstring` (free it with
 * free()).
 * @return 0 on success, -1 otherwise (`evbuf` is then unchanged).
 */
int evtag_unmarshal_string(struct evbuffer *evbuf, ev_uint32_t need_tag,
                           char **pstring);
/**
 * Removes the next element, which must have tag `need_tag` and hold a
 * timeval written by evtag_marshal_timeval().
 * @return 0 on success, -1 otherwise (`evbuf` is then unchanged).
 */
int evtag_unmarshal_timeval(struct evbuffer *evbuf, ev_uint32_t need_tag,
                            struct timeval *ptv);
/**
 * Decodes and removes an encoded 32-bit number (no tag) from the front.
 * @return 0 on success, -1 on malformed or truncated input.
 */
int evtag_decode_int(ev_uint32_t *pnumber, struct evbuffer *evbuf);
/** evtag_decode_int() for a 64-bit number. */
int evtag_decode_int64(ev_uint64_t *pnumber, struct evbuffer *evbuf);
/**
 * Decodes and removes a tag number from the front.
 * @return the number of bytes removed, or -1 on malformed or truncated
 *         input.
 */
int evtag_decode_tag(ev_uint32_t *ptag, struct evbuffer *evbuf);

#ifdef __cplusplus
}
#endif
#endif /* LIBEV_EV_TAG_H */
