/* evtag: round trips, libevent's wire format, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event.h>
#include <event2/tag.h>
#include <event2/tag_compat.h>

static void expect_bytes(struct evbuffer *b, const char *hex)
{
	size_t n = strlen(hex) / 2, i;
	unsigned char *p;
	char got[256];

	assert_int_equal(evbuffer_get_length(b), n);
	p = evbuffer_pullup(b, -1);
	for (i = 0; i < n && i < sizeof(got) / 2 - 1; i++)
		snprintf(got + 2 * i, 3, "%02x", p[i]);
	got[2 * i] = '\0';
	assert_string_equal(got, hex);
}

/* Encodings checked against libevent 2.1's output for the same calls. */
static void test_wire_format(void **state)
{
	struct evbuffer *b = evbuffer_new();
	struct timeval tv = {1234567, 999999};

	(void)state;
	evtag_init();
	evtag_encode_int(b, 0);
	expect_bytes(b, "00");
	evbuffer_drain(b, 100);
	evtag_encode_int(b, 0x12);
	expect_bytes(b, "1210");
	evbuffer_drain(b, 100);
	encode_int(b, 0xffffffffu);
	expect_bytes(b, "7ffffffff0");
	evbuffer_drain(b, 100);
	evtag_marshal_int(b, 0x2345, 0x12345);
	expect_bytes(b, "c54603454321");
	evbuffer_drain(b, 100);
	evtag_marshal_int64(b, 300, 0x123456789abcdefULL);
	expect_bytes(b, "ac0208efedcba987654321");
	evbuffer_drain(b, 100);
	evtag_marshal_string(b, 77, "hello");
	expect_bytes(b, "4d0568656c6c6f");
	evbuffer_drain(b, 100);
	evtag_marshal_timeval(b, 9, &tv);
	expect_bytes(b, "09075786d2104f324f");
	evbuffer_free(b);
}

static void test_round_trips(void **state)
{
	struct evbuffer *b = evbuffer_new(), *dst = evbuffer_new(),
	                *payload = evbuffer_new();
	static const ev_uint32_t vals[] = {
	    0, 1, 15, 16, 255, 256, 0xfffff, 0x7fffffff, 0xffffffffu};
	struct timeval tv = {42, 123456}, tv2;
	ev_uint32_t u, tag, len;
	ev_uint64_t u64;
	char fixed[4], *s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		evtag_marshal_int(b, vals[i], vals[i]);
		assert_int_equal(evtag_unmarshal_int(b, vals[i], &u), 0);
		assert_int_equal(u, vals[i]);
		evtag_encode_int(b, vals[i]);
		assert_int_equal(evtag_decode_int(&u, b), 0);
		assert_int_equal(u, vals[i]);
		encode_int64(b, (ev_uint64_t)vals[i] << 32 | 7);
		assert_int_equal(evtag_decode_int64(&u64, b), 0);
		assert_true(u64 == ((ev_uint64_t)vals[i] << 32 | 7));
	}
	assert_int_equal(evbuffer_get_length(b), 0);
	evtag_marshal_int64(b, 1, ~(ev_uint64_t)0);
	assert_int_equal(evtag_unmarshal_int64(b, 1, &u64), 0);
	assert_true(u64 == ~(ev_uint64_t)0);
	evtag_marshal_string(b, 2, "text");
	assert_int_equal(evtag_unmarshal_string(b, 2, &s), 0);
	assert_string_equal(s, "text");
	free(s);
	evtag_marshal_string(b, 2, "");
	assert_int_equal(evtag_unmarshal_string(b, 2, &s), 0);
	assert_string_equal(s, "");
	free(s);
	evtag_marshal_timeval(b, 3, &tv);
	assert_int_equal(evtag_unmarshal_timeval(b, 3, &tv2), 0);
	assert_int_equal(tv2.tv_sec, 42);
	assert_int_equal(tv2.tv_usec, 123456);
	evtag_marshal(b, 4, "abcd", 4);
	assert_int_equal(evtag_unmarshal_fixed(b, 4, fixed, 4), 0);
	assert_memory_equal(fixed, "abcd", 4);
	/* A big tag number, peeked before reading. */
	evtag_marshal(b, 0xfffffff0u, "xyz", 3);
	assert_int_equal(evtag_peek(b, &tag), 5);
	assert_int_equal(tag, 0xfffffff0u);
	assert_int_equal(evtag_peek_length(b, &len), 0);
	assert_int_equal(len, 5 + 1 + 3);
	assert_int_equal(evtag_payload_length(b, &len), 0);
	assert_int_equal(len, 3);
	assert_int_equal(evtag_unmarshal(b, &tag, dst), 3);
	assert_int_equal(tag, 0xfffffff0u);
	assert_memory_equal(evbuffer_pullup(dst, -1), "xyz", 3);
	/* marshal_buffer moves the payload. */
	evbuffer_add(payload, "moved", 5);
	evtag_marshal_buffer(b, 5, payload);
	assert_int_equal(evbuffer_get_length(payload), 0);
	assert_int_equal(evtag_unmarshal_header(b, &tag), 5);
	assert_int_equal(tag, 5);
	assert_memory_equal(evbuffer_pullup(b, -1), "moved", 5);
	evbuffer_drain(b, 5);
	/* consume and decode_tag */
	evtag_marshal(b, 6, "skip", 4);
	evtag_encode_tag(b, 300);
	assert_int_equal(evtag_consume(b), 0);
	assert_int_equal(evtag_decode_tag(&tag, b), 2);
	assert_int_equal(tag, 300);
	assert_int_equal(evbuffer_get_length(b), 0);
	evbuffer_free(b);
	evbuffer_free(dst);
	evbuffer_free(payload);
}

static struct evbuffer *from_hex(const char *hex)
{
	struct evbuffer *b = evbuffer_new();
	size_t i;

	for (i = 0; hex[i] && hex[i + 1]; i += 2) {
		unsigned v;
		unsigned char c;

		assert_int_equal(sscanf(hex + i, "%2x", &v), 1);
		c = (unsigned char)v;
		evbuffer_add(b, &c, 1);
	}
	return b;
}

/* Every failure leaves the buffer unchanged. */
static void expect_all_fail(const char *hex, ev_uint32_t need_tag)
{
	struct evbuffer *b = from_hex(hex), *dst = evbuffer_new();
	size_t before = evbuffer_get_length(b);
	struct timeval tv;
	ev_uint32_t u;
	ev_uint64_t u64;
	char *s = NULL, fixed[8];

	assert_int_equal(evtag_unmarshal_int(b, need_tag, &u), -1);
	assert_int_equal(evtag_unmarshal_int64(b, need_tag, &u64), -1);
	assert_int_equal(evtag_unmarshal_string(b, need_tag, &s), -1);
	assert_null(s);
	assert_int_equal(evtag_unmarshal_timeval(b, need_tag, &tv), -1);
	assert_int_equal(evtag_unmarshal_fixed(b, need_tag, fixed, 8), -1);
	assert_int_equal(evbuffer_get_length(b), before);
	assert_int_equal(evbuffer_get_length(dst), 0);
	evbuffer_free(b);
	evbuffer_free(dst);
}

static void test_hostile(void **state)
{
	struct evbuffer *b;
	ev_uint32_t tag, len, u;
	ev_uint64_t u64;

	(void)state;
	/* Empty input. */
	b = evbuffer_new();
	assert_int_equal(evtag_peek(b, &tag), -1);
	assert_int_equal(evtag_peek_length(b, &len), -1);
	assert_int_equal(evtag_payload_length(b, &len), -1);
	assert_int_equal(evtag_consume(b), -1);
	assert_int_equal(evtag_unmarshal_header(b, &tag), -1);
	assert_int_equal(evtag_unmarshal(b, &tag, b), -1);
	assert_int_equal(evtag_decode_int(&u, b), -1);
	assert_int_equal(evtag_decode_tag(&tag, b), -1);
	evbuffer_free(b);
	/* Tag with the continuation bit forever (longer than 5 bytes). */
	expect_all_fail("ffffffffffff0100", 1);
	/* Tag whose 5th byte overflows 32 bits. */
	expect_all_fail("ffffffff7f0100", 1);
	/* Truncated tag, truncated length. */
	expect_all_fail("81", 1);
	expect_all_fail("0170", 1);
	/* Length claims more than is there. */
	expect_all_fail("01050001", 1);
	/* Huge length: 0xffffffff. */
	expect_all_fail("017fffffff0f00", 1);
	/* Length field with 9 nibbles (beyond 32 bits). */
	expect_all_fail("0180ffffffff0f", 1);
	/* Wrong tag. */
	expect_all_fail("020100", 1);
	/* An int payload with trailing junk, and one that is cut short:
	 * well-formed elements, but not integers. */
	b = from_hex("01020000");
	assert_int_equal(evtag_unmarshal_int(b, 1, &u), -1);
	assert_int_equal(evtag_unmarshal_int64(b, 1, &u64), -1);
	assert_int_equal(evbuffer_get_length(b), 4);
	evbuffer_free(b);
	b = from_hex("01017f");
	assert_int_equal(evtag_unmarshal_int(b, 1, &u), -1);
	assert_int_equal(evtag_decode_int(&u, b), 0);  /* the tag byte */
	assert_int_equal(evtag_decode_int(&u, b), 0);  /* the length */
	assert_int_equal(evtag_decode_int(&u, b), -1); /* 8 nibbles, 0 bytes */
	evbuffer_free(b);
	/* A 64-bit int where 32 bits are wanted: fails for int only. */
	b = from_hex("0109fffffffffffffffff0");
	assert_int_equal(evtag_unmarshal_int(b, 1, &u), -1);
	assert_int_equal(evtag_unmarshal_int64(b, 1, &u64), 0);
	assert_true(u64 == ~(ev_uint64_t)0);
	evbuffer_free(b);
	/* Decoding ints: too many nibbles, truncated. */
	b = from_hex("80ffffffff");
	assert_int_equal(evtag_decode_int(&u, b), -1);
	assert_int_equal(evbuffer_get_length(b), 5);
	evbuffer_free(b);
	b = from_hex("7fff");
	assert_int_equal(evtag_decode_int(&u, b), -1);
	assert_int_equal(evtag_decode_int64(&u64, b), -1);
	evbuffer_free(b);
	b = from_hex("f0ffff"); /* 16 nibbles need 9 bytes */
	assert_int_equal(evtag_decode_int64(&u64, b), -1);
	evbuffer_free(b);
}

/* Every prefix of a valid stream is rejected without reading past it. */
static void test_every_truncation(void **state)
{
	struct evbuffer *full = evbuffer_new();
	struct timeval tv = {7, 8};
	unsigned char *p;
	size_t n, cut;

	(void)state;
	evtag_marshal_timeval(full, 0x4000, &tv);
	n = evbuffer_get_length(full);
	p = evbuffer_pullup(full, -1);
	for (cut = 0; cut < n; cut++) {
		struct evbuffer *b = evbuffer_new();
		struct timeval out;
		ev_uint32_t tag;

		/* Copy into an exactly-sized heap block: ASan and valgrind
		 * catch any read past it. */
		unsigned char *exact = malloc(cut + 1);

		memcpy(exact, p, cut);
		evbuffer_add_reference(b, exact, cut, NULL, NULL);
		assert_int_equal(evtag_unmarshal_timeval(b, 0x4000, &out), -1);
		assert_int_equal(evtag_consume(b), -1);
		if (cut < 3)
			assert_int_equal(evtag_payload_length(b, &tag), -1);
		assert_int_equal(evbuffer_get_length(b), cut);
		evbuffer_free(b);
		free(exact);
	}
	evbuffer_free(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wire_format),
	    cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_every_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
