/*
 * The wire-format code on its own (dns/src/packet.c compiled in): name
 * limits, escapes, compression on both sides, and every prefix of valid
 * messages parsed against a guard page so a one-byte over-read faults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "packet.h"

static void test_text_roundtrip(void **state)
{
	uint8_t w[EV__DNS_NAME_MAX];
	char t[EV__DNS_TEXT_MAX];
	size_t wl;

	(void)state;
	assert_int_equal(ev__dns_name_from_text("www.Example.com.", w, &wl), 0);
	assert_int_equal(wl, 17);
	assert_int_equal(w[0], 3);
	assert_int_equal(ev__dns_name_to_text(w, t, sizeof(t)), 0);
	assert_string_equal(t, "www.Example.com");
	/* Root, both spellings. */
	assert_int_equal(ev__dns_name_from_text("", w, &wl), 0);
	assert_int_equal(wl, 1);
	assert_int_equal(ev__dns_name_from_text(".", w, &wl), 0);
	assert_int_equal(wl, 1);
	assert_int_equal(ev__dns_name_to_text(w, t, sizeof(t)), 0);
	assert_string_equal(t, "");
	/* Escapes in and out. */
	assert_int_equal(ev__dns_name_from_text("a\\.b\\032c.d", w, &wl), 0);
	assert_int_equal(w[0], 5);
	assert_int_equal(ev__dns_name_to_text(w, t, sizeof(t)), 0);
	assert_string_equal(t, "a\\.b\\032c.d");
	/* Empty labels and dangling escapes are refused. */
	assert_int_equal(ev__dns_name_from_text("a..b", w, &wl), EV__DNS_ETEXT);
	assert_int_equal(ev__dns_name_from_text(".a", w, &wl), EV__DNS_ETEXT);
	assert_int_equal(ev__dns_name_from_text("a\\", w, &wl), EV__DNS_ETEXT);
	assert_int_equal(ev__dns_name_from_text("\\999", w, &wl),
			 EV__DNS_ETEXT);
	assert_true(ev__dns_name_equal((const uint8_t *)"\1A\0",
				       (const uint8_t *)"\1a\0"));
	/* The text buffer limit is honoured. */
	ev__dns_name_from_text("abcdef", w, &wl);
	assert_int_equal(ev__dns_name_to_text(w, t, 4), EV__DNS_ESPACE);
}

static void test_limits(void **state)
{
	char name[400];
	uint8_t w[EV__DNS_NAME_MAX];
	size_t wl;
	int i;

	(void)state;
	memset(name, 'a', 63);
	name[63] = '\0';
	assert_int_equal(ev__dns_name_from_text(name, w, &wl), 0);
	name[63] = 'a';
	name[64] = '\0';
	assert_int_equal(ev__dns_name_from_text(name, w, &wl), EV__DNS_ELABEL);
	/* 4 labels of 63 = 4 * 64 + 1 = 257 wire bytes: too long. */
	for (i = 0; i < 4; i++) {
		memset(name + i * 64, 'b', 63);
		name[i * 64 + 63] = '.';
	}
	name[4 * 64 - 1] = '\0';
	assert_int_equal(ev__dns_name_from_text(name, w, &wl), EV__DNS_ENAME);
	/* 3 x 63 + 61 = 253 text bytes = 255 wire bytes: the maximum. */
	name[3 * 64 + 61] = '\0';
	assert_int_equal(ev__dns_name_from_text(name, w, &wl), 0);
	assert_int_equal(wl, 255);
	name[3 * 64 + 61] = 'b';
	name[3 * 64 + 62] = '\0';
	assert_int_equal(ev__dns_name_from_text(name, w, &wl), EV__DNS_ENAME);
}

static void test_read_names(void **state)
{
	uint8_t w[EV__DNS_NAME_MAX];
	size_t wl, off;
	/* 12 bytes of header, "a.b" at 12, "c" + pointer to 12 at 17. */
	uint8_t msg[64] = {0};
	static const uint8_t body[] = {1, 'a', 1, 'b', 0, 1, 'c', 0xc0, 12};

	(void)state;
	memcpy(msg + 12, body, sizeof(body));
	off = 17;
	assert_int_equal(ev__dns_name_read(msg, 21, &off, w, &wl), 0);
	assert_int_equal(off, 21);
	assert_int_equal(wl, 7);
	assert_memory_equal(w, "\1c\1a\1b", 7);
	/* Pointer to itself, forward, out of range, cut short. */
	msg[30] = 0xc0;
	msg[31] = 30;
	off = 30;
	assert_int_equal(ev__dns_name_read(msg, 32, &off, w, &wl),
			 EV__DNS_EPTR);
	msg[31] = 40;
	off = 30;
	assert_int_equal(ev__dns_name_read(msg, 64, &off, w, &wl),
			 EV__DNS_EPTR);
	off = 30;
	assert_int_equal(ev__dns_name_read(msg, 31, &off, w, &wl),
			 EV__DNS_ETRUNC);
	/* Reserved label types 0x40 and 0x80. */
	msg[30] = 0x40;
	off = 30;
	assert_int_equal(ev__dns_name_read(msg, 64, &off, w, &wl),
			 EV__DNS_ELABEL);
	msg[30] = 0x80;
	off = 30;
	assert_int_equal(ev__dns_name_read(msg, 64, &off, w, &wl),
			 EV__DNS_ELABEL);
	/* Empty input. */
	off = 0;
	assert_int_equal(ev__dns_name_read(msg, 0, &off, w, &wl),
			 EV__DNS_ETRUNC);
}

/* A pointer chain: many names each pointing at the previous one.  The
 * reader must follow it (all backwards) and still stop at 255 bytes. */
static void test_long_chain(void **state)
{
	uint8_t msg[2048] = {0}, w[EV__DNS_NAME_MAX];
	size_t off = 12, prev = 0, wl;
	int i;

	(void)state;
	for (i = 0; i < 200; i++) {
		size_t here = off;

		msg[off++] = 1;
		msg[off++] = 'x';
		if (i == 0) {
			msg[off++] = 0;
		} else {
			msg[off++] = (uint8_t)(0xc0 | (prev >> 8));
			msg[off++] = (uint8_t)prev;
		}
		prev = here;
	}
	wl = 0;
	{
		size_t o = prev;

		assert_int_equal(ev__dns_name_read(msg, off, &o, w, &wl),
				 EV__DNS_ENAME);
	}
}

static size_t sample_reply(uint8_t *buf, size_t cap)
{
	struct ev__dns_builder b;
	struct ev__dns_hdr h = {0x1234, 0x8180, 1, 3, 0, 0};
	uint8_t q[EV__DNS_NAME_MAX], t[EV__DNS_NAME_MAX];
	size_t ql, tl;
	static const uint8_t a[4] = {10, 0, 0, 1};

	ev__dns_name_from_text("www.example.com", q, &ql);
	ev__dns_name_from_text("web.example.com", t, &tl);
	ev__dns_builder_init(&b, buf, cap);
	ev__dns_put_hdr(&b, &h);
	ev__dns_put_name(&b, q, 1);
	ev__dns_put_u16(&b, 1);
	ev__dns_put_u16(&b, 1);
	/* CNAME www -> web, then A for web twice. */
	ev__dns_put_name(&b, q, 1);
	ev__dns_put_u16(&b, 5);
	ev__dns_put_u16(&b, 1);
	ev__dns_put_u32(&b, 60);
	ev__dns_put_u16(&b, 6); /* "web" + pointer */
	ev__dns_put_name(&b, t, 1);
	for (int i = 0; i < 2; i++) {
		ev__dns_put_name(&b, t, 1);
		ev__dns_put_u16(&b, 1);
		ev__dns_put_u16(&b, 1);
		ev__dns_put_u32(&b, 60);
		ev__dns_put_u16(&b, 4);
		ev__dns_put_bytes(&b, a, 4);
	}
	return b.len;
}

static void test_builder_compresses(void **state)
{
	uint8_t buf[512];
	size_t len = sample_reply(buf, sizeof(buf));
	struct ev__dns_hdr h;
	struct ev__dns_rr rr;
	uint8_t w[EV__DNS_NAME_MAX];
	char text[EV__DNS_TEXT_MAX];
	size_t off = 12, wl;
	uint16_t type, cls;

	(void)state;
	/* 12 + (17+4) + (2+10+6) + 2 * (2+10+4) = 83 */
	assert_int_equal(len, 83);
	assert_int_equal(ev__dns_hdr_read(buf, len, &h), 0);
	assert_int_equal(h.ancount, 3);
	assert_int_equal(ev__dns_question_read(buf, len, &off, w, &wl, &type,
					       &cls),
			 0);
	assert_int_equal(ev__dns_rr_read(buf, len, &off, &rr), 0);
	assert_int_equal(rr.type, 5);
	assert_int_equal(ev__dns_rdata_name(buf, len, &rr, w, &wl), 0);
	ev__dns_name_to_text(w, text, sizeof(text));
	assert_string_equal(text, "web.example.com");
	assert_int_equal(ev__dns_rr_read(buf, len, &off, &rr), 0);
	ev__dns_name_to_text(rr.name, text, sizeof(text));
	assert_string_equal(text, "web.example.com");
	assert_int_equal(ev__dns_rr_read(buf, len, &off, &rr), 0);
	assert_int_equal(off, len);
	/* The builder refuses to overflow and leaves the buffer as it was. */
	{
		struct ev__dns_builder b;
		uint8_t small[20];

		ev__dns_builder_init(&b, small, sizeof(small));
		ev__dns_put_bytes(&b, buf, 12);
		assert_int_equal(ev__dns_put_name(&b, w, 1), EV__DNS_ESPACE);
		assert_int_equal(b.len, 12);
	}
}

/* Parses everything in a message; returns 0 or the first error. */
static int parse_all(const uint8_t *m, size_t len)
{
	struct ev__dns_hdr h;
	struct ev__dns_rr rr;
	uint8_t w[EV__DNS_NAME_MAX];
	size_t off = 12, wl;
	uint16_t t, c;
	unsigned i;
	int r;

	if ((r = ev__dns_hdr_read(m, len, &h)))
		return r;
	for (i = 0; i < h.qdcount; i++)
		if ((r = ev__dns_question_read(m, len, &off, w, &wl, &t, &c)))
			return r;
	for (i = 0; i < (unsigned)h.ancount + h.nscount + h.arcount; i++) {
		if ((r = ev__dns_rr_read(m, len, &off, &rr)))
			return r;
		if (rr.type == 5 && (r = ev__dns_rdata_name(m, len, &rr, w, &wl)))
			return r;
	}
	return 0;
}

static void test_guard_page_prefixes(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *map, sample[512];
	size_t len = sample_reply(sample, sizeof(sample)), n;

	(void)state;
	map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + page, (size_t)page, PROT_NONE), 0);
	/* Every prefix, placed so its last byte touches the guard page:
	 * each must fail cleanly, the full message must parse. */
	for (n = 0; n <= len; n++) {
		uint8_t *p = map + page - n;

		memcpy(p, sample, n);
		if (n < len)
			assert_int_not_equal(parse_all(p, n), 0);
		else
			assert_int_equal(parse_all(p, n), 0);
	}
	/* Every single-byte corruption parses or fails, never faults. */
	for (n = 0; n < len; n++) {
		uint8_t *p = map + page - len;
		int v;

		for (v = 0; v < 256; v += 7) {
			memcpy(p, sample, len);
			p[n] = (uint8_t)v;
			(void)parse_all(p, len);
		}
	}
	munmap(map, (size_t)page * 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_roundtrip),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_read_names),
		cmocka_unit_test(test_long_chain),
		cmocka_unit_test(test_builder_compresses),
		cmocka_unit_test(test_guard_page_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
