/*
 * Bug class: evtag lengths that overflow.  A hostile element can claim a
 * payload of up to 2^32-1 bytes (or a length with more nibbles than 32
 * bits hold); header + payload then wraps a 32-bit sum, and a decoder that
 * checks the wrapped sum against the buffer reads past the data.  Each
 * such element must be refused with the buffer left as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <event.h>
#include <ev-buffer.h>
#include <ev-tag.h>

/* Tag 1, then a nibble-coded length of `nib` nibbles all 0xf, then a few
 * payload bytes: the claimed length is far more than what follows. */
static size_t hostile(unsigned char *out, unsigned nib)
{
	size_t n = 0, nbytes = (nib + 2) / 2;

	out[n++] = 0x01;
	memset(out + n, 0xff, nbytes);
	out[n] = (unsigned char)(((nib - 1) << 4) | 0x0f);
	n += nbytes;
	memcpy(out + n, "payload", 7);
	return n + 7;
}

static void assert_all_refused(struct evbuffer *b)
{
	size_t before = evbuffer_get_length(b);
	struct evbuffer *dst = evbuffer_new();
	ev_uint32_t tag, u32, len;
	ev_uint64_t u64;
	char *s = NULL;
	char fixed[8];
	struct timeval tv;

	assert_int_equal(evtag_unmarshal(b, &tag, dst), -1);
	assert_int_equal(evtag_unmarshal_int(b, 1, &u32), -1);
	assert_int_equal(evtag_unmarshal_int64(b, 1, &u64), -1);
	assert_int_equal(evtag_unmarshal_string(b, 1, &s), -1);
	assert_null(s);
	assert_int_equal(evtag_unmarshal_fixed(b, 1, fixed, sizeof(fixed)), -1);
	assert_int_equal(evtag_unmarshal_timeval(b, 1, &tv), -1);
	assert_int_equal(evtag_consume(b), -1);
	/* The peeks may report the claimed length, but never a wrapped,
	 * small one. */
	if (evtag_peek_length(b, &len) == 0) {
		ev_uint32_t payload;

		assert_true(len > before);
		/* Consistent with the payload length: a header of 2..10
		 * bytes in front of it. */
		assert_int_equal(evtag_payload_length(b, &payload), 0);
		assert_true(len > payload && len - payload <= 10);
	}
	assert_int_equal(evbuffer_get_length(b), before);
	assert_int_equal(evbuffer_get_length(dst), 0);
	evbuffer_free(dst);
}

static void test_claimed_lengths(void **state)
{
	(void)state;
	/* 7 nibbles: 2^28-1; 8 nibbles: 2^32-1, wraps with the header. */
	for (unsigned nib = 7; nib <= 8; nib++) {
		struct evbuffer *b = evbuffer_new();
		unsigned char raw[32];
		size_t n = hostile(raw, nib);

		evbuffer_add(b, raw, n);
		assert_all_refused(b);
		evbuffer_free(b);
	}
}

static void test_wrapping_sum(void **state)
{
	/* Length 2^32 - 6: header (1 + 5 bytes) + payload is exactly 2^32,
	 * zero after wrapping. */
	struct evbuffer *b = evbuffer_new();
	ev_uint32_t len;

	(void)state;
	evtag_encode_tag(b, 1);
	evtag_encode_int(b, 0xfffffffau);
	evbuffer_add(b, "x", 1);
	assert_int_equal(evtag_peek_length(b, &len), -1);
	assert_all_refused(b);
	evbuffer_free(b);
}

static void test_too_many_nibbles(void **state)
{
	/* A 32-bit field with 9+ nibbles, and a 64-bit one with 17: more
	 * bits than the type holds. */
	struct evbuffer *b = evbuffer_new();
	unsigned char raw[16];
	ev_uint32_t u32;
	ev_uint64_t u64;

	(void)state;
	memset(raw, 0xff, sizeof(raw));
	raw[0] = 0x8f; /* 9 nibbles */
	evbuffer_add(b, raw, sizeof(raw));
	assert_int_equal(evtag_decode_int(&u32, b), -1);
	evbuffer_drain(b, evbuffer_get_length(b));
	raw[0] = 0xff; /* 16 nibbles is the most a 64-bit value has */
	evbuffer_add(b, raw, sizeof(raw));
	assert_int_equal(evtag_decode_int64(&u64, b), 0);
	assert_true(u64 == UINT64_MAX);
	evbuffer_free(b);
}

static void test_tag_overflow(void **state)
{
	/* Six continuation bytes: more than a 32-bit tag; five whose value
	 * passes 2^32. */
	static const unsigned char six[] = {0x81, 0x81, 0x81, 0x81,
	                                    0x81, 0x01, 0x00};
	static const unsigned char big[] = {0xff, 0xff, 0xff, 0xff, 0x7f, 0x00};
	struct evbuffer *b = evbuffer_new();
	ev_uint32_t tag;

	(void)state;
	evbuffer_add(b, six, sizeof(six));
	assert_int_equal(evtag_decode_tag(&tag, b), -1);
	assert_int_equal(evtag_peek(b, &tag), -1);
	assert_all_refused(b);
	evbuffer_drain(b, evbuffer_get_length(b));
	evbuffer_add(b, big, sizeof(big));
	assert_int_equal(evtag_peek(b, &tag), -1);
	assert_all_refused(b);
	evbuffer_free(b);
}

static void test_truncated_by_one(void **state)
{
	/* A well-formed element missing its last payload byte. */
	struct evbuffer *b = evbuffer_new(), *whole = evbuffer_new();
	size_t n;

	(void)state;
	evtag_marshal_string(whole, 1, "abcdefgh");
	n = evbuffer_get_length(whole);
	evbuffer_remove_buffer(whole, b, n - 1);
	assert_all_refused(b);
	evbuffer_free(b);
	evbuffer_free(whole);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_claimed_lengths),
	    cmocka_unit_test(test_wrapping_sum),
	    cmocka_unit_test(test_too_many_nibbles),
	    cmocka_unit_test(test_tag_overflow),
	    cmocka_unit_test(test_truncated_by_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
