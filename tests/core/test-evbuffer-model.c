/*
 * evbuffer against a model: random operations on two buffers, each
 * mirrored on a flat byte array, compared after every step.  Seeded, so a
 * failure reproduces; bounded in steps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event.h>
#include <event2/buffer.h>

struct model {
	unsigned char *d;
	size_t len, cap;
};

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

/* A small alphabet with line ends, so lines and searches hit often. */
static unsigned char rnd_byte(void)
{
	static const char alpha[] = "ab\r\n\0xyz";

	return (unsigned char)alpha[rnd(sizeof(alpha) - 1)];
}

static void m_reserve(struct model *m, size_t n)
{
	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2 + 16;
		m->d = realloc(m->d, m->cap);
		assert_non_null(m->d);
	}
}

static void m_append(struct model *m, const void *p, size_t n)
{
	if (n == 0)
		return;
	m_reserve(m, n);
	memcpy(m->d + m->len, p, n);
	m->len += n;
}

static void m_prepend(struct model *m, const void *p, size_t n)
{
	if (n == 0)
		return;
	m_reserve(m, n);
	memmove(m->d + n, m->d, m->len);
	memcpy(m->d, p, n);
	m->len += n;
}

static void m_drain(struct model *m, size_t n)
{
	if (n > m->len)
		n = m->len;
	if (n == 0)
		return;
	memmove(m->d, m->d + n, m->len - n);
	m->len -= n;
}

static void check(struct evbuffer *b, const struct model *m)
{
	struct evbuffer_iovec v[64];
	size_t total = 0;
	int n, i;

	assert_int_equal(evbuffer_get_length(b), m->len);
	n = evbuffer_peek(b, -1, NULL, v, 64);
	assert_true(n >= 0);
	if (n > 64)
		n = 64; /* checked below by pullup instead */
	for (i = 0; i < n; i++) {
		assert_true(v[i].iov_len > 0);
		assert_memory_equal(v[i].iov_base, m->d + total, v[i].iov_len);
		total += v[i].iov_len;
	}
}

/* End-of-line rules on a flat array, written independently of the
 * library: the line length and the end-of-line length, or 0 if none. */
static int model_eol(const struct model *m, enum evbuffer_eol_style st,
                     size_t *line, size_t *eol)
{
	size_t i;

	for (i = 0; i < m->len; i++) {
		unsigned char ch = m->d[i];

		switch (st) {
		case EVBUFFER_EOL_ANY:
			if (ch == '\r' || ch == '\n') {
				size_t j = i;

				while (j < m->len &&
				       (m->d[j] == '\r' || m->d[j] == '\n'))
					j++;
				*line = i;
				*eol = j - i;
				return 1;
			}
			break;
		case EVBUFFER_EOL_CRLF:
			if (ch == '\n') {
				int cr = i > 0 && m->d[i - 1] == '\r';

				*line = cr ? i - 1 : i;
				*eol = cr ? 2 : 1;
				return 1;
			}
			break;
		case EVBUFFER_EOL_CRLF_STRICT:
			if (ch == '\r' && i + 1 < m->len &&
			    m->d[i + 1] == '\n') {
				*line = i;
				*eol = 2;
				return 1;
			}
			break;
		case EVBUFFER_EOL_LF:
		case EVBUFFER_EOL_NUL:
			if (ch == (st == EVBUFFER_EOL_LF ? '\n' : '\0')) {
				*line = i;
				*eol = 1;
				return 1;
			}
			break;
		}
	}
	return 0;
}

static unsigned char pool[65536];

static void step(struct evbuffer *bufs[2], struct model ms[2])
{
	unsigned char tmp[4096] = {0};
	int w = (int)rnd(2);
	struct evbuffer *b = bufs[w], *o = bufs[!w];
	struct model *m = &ms[w], *mo = &ms[!w];
	size_t n, i;

	switch (rnd(17)) {
	case 0:
	case 1: /* add a copy */
		n = rnd(3000);
		for (i = 0; i < n; i++)
			tmp[i] = rnd_byte();
		assert_int_equal(evbuffer_add(b, tmp, n), 0);
		m_append(m, tmp, n);
		break;
	case 2: { /* add a reference */
		size_t off = rnd(sizeof(pool));

		n = rnd((uint32_t)(sizeof(pool) - off));
		assert_int_equal(
		    evbuffer_add_reference(b, pool + off, n, NULL, NULL), 0);
		m_append(m, pool + off, n);
		break;
	}
	case 3: /* prepend */
		n = rnd(200);
		for (i = 0; i < n; i++)
			tmp[i] = rnd_byte();
		assert_int_equal(evbuffer_prepend(b, tmp, n), 0);
		m_prepend(m, tmp, n);
		break;
	case 4: /* drain */
		n = rnd((uint32_t)m->len + 10);
		assert_int_equal(evbuffer_drain(b, n), 0);
		m_drain(m, n);
		break;
	case 5: /* remove */
		n = rnd(sizeof(tmp));
		{
			int r = evbuffer_remove(b, tmp, n);
			size_t want = n < m->len ? n : m->len;

			assert_int_equal(r, (int)want);
			assert_memory_equal(tmp, m->d, want);
			m_drain(m, want);
		}
		break;
	case 6: /* move a prefix to the other buffer */
		n = rnd((uint32_t)m->len + 10);
		{
			size_t want = n < m->len ? n : m->len;

			assert_int_equal(evbuffer_remove_buffer(b, o, n),
			                 (int)want);
			m_append(mo, m->d, want);
			m_drain(m, want);
		}
		break;
	case 7: /* move everything */
		assert_int_equal(evbuffer_add_buffer(o, b), 0);
		m_append(mo, m->d, m->len);
		m->len = 0;
		break;
	case 8: /* prepend everything */
		assert_int_equal(evbuffer_prepend_buffer(o, b), 0);
		m_prepend(mo, m->d, m->len);
		m->len = 0;
		break;
	case 9: { /* pullup */
		unsigned char *p;

		n = rnd((uint32_t)m->len + 2);
		p = evbuffer_pullup(b, (ev_ssize_t)n);
		if (n == 0 || n > m->len) {
			assert_null(p);
		} else {
			assert_non_null(p);
			assert_memory_equal(p, m->d, n);
		}
		break;
	}
	case 10: { /* readln, any style */
		static const enum evbuffer_eol_style styles[] = {
		    EVBUFFER_EOL_ANY, EVBUFFER_EOL_CRLF,
		    EVBUFFER_EOL_CRLF_STRICT, EVBUFFER_EOL_LF,
		    EVBUFFER_EOL_NUL};
		enum evbuffer_eol_style st = styles[rnd(5)];
		size_t got, k, eol;
		char *l = evbuffer_readln(b, &got, st);

		if (!model_eol(m, st, &k, &eol)) {
			assert_null(l);
			break;
		}
		assert_non_null(l);
		assert_int_equal(got, k);
		assert_memory_equal(l, m->d, k);
		free(l);
		m_drain(m, k + eol);
		break;
	}
	case 11: { /* search a range for a piece of the content */
		struct evbuffer_ptr p, st, en;
		size_t at, len, from, end, i2;
		unsigned char needle[8];
		ev_ssize_t want = -1;

		if (m->len == 0)
			break;
		at = rnd((uint32_t)m->len);
		len = 1 + rnd(8);
		if (len > m->len - at)
			len = m->len - at;
		memcpy(needle, m->d + at, len);
		from = rnd((uint32_t)m->len + 1);
		end = rnd((uint32_t)m->len + 1);
		assert_int_equal(
		    evbuffer_ptr_set(b, &st, from, EVBUFFER_PTR_SET), 0);
		assert_int_equal(
		    evbuffer_ptr_set(b, &en, end, EVBUFFER_PTR_SET), 0);
		p = evbuffer_search_range(b, (const char *)needle, len, &st,
		                          &en);
		for (i2 = from; i2 + len <= end; i2++)
			if (memcmp(m->d + i2, needle, len) == 0) {
				want = (ev_ssize_t)i2;
				break;
			}
		assert_int_equal(p.pos, want);
		break;
	}
	case 12: { /* reserve and commit */
		struct evbuffer_iovec v[2];
		int k, j;
		size_t want = rnd(5000), used;

		k = evbuffer_reserve_space(b, (ev_ssize_t)want, v, 2);
		assert_true(k == 1 || k == 2);
		for (j = 0; j < k; j++) {
			used = rnd((uint32_t)v[j].iov_len + 1);
			if (j == 0 && k == 2 && used < v[0].iov_len)
				used = v[0].iov_len; /* fill in order */
			for (i = 0; i < used; i++)
				((unsigned char *)v[j].iov_base)[i] =
				    rnd_byte();
			m_append(m, v[j].iov_base, used);
			v[j].iov_len = used;
		}
		assert_int_equal(evbuffer_commit_space(b, v, k), 0);
		break;
	}
	case 13: /* expand */
		assert_int_equal(evbuffer_expand(b, rnd(70000)), 0);
		break;
	case 14: { /* copyout from a position */
		struct evbuffer_ptr p;
		size_t at = rnd((uint32_t)m->len + 1);
		ev_ssize_t r;

		assert_int_equal(evbuffer_ptr_set(b, &p, at, EVBUFFER_PTR_SET),
		                 0);
		r = evbuffer_copyout_from(b, &p, tmp, sizeof(tmp));
		n = m->len - at < sizeof(tmp) ? m->len - at : sizeof(tmp);
		assert_int_equal(r, (ev_ssize_t)n);
		assert_memory_equal(tmp, m->d + at, n);
		break;
	}
	case 15: { /* search_eol from a position */
		static const enum evbuffer_eol_style styles[] = {
		    EVBUFFER_EOL_ANY, EVBUFFER_EOL_CRLF,
		    EVBUFFER_EOL_CRLF_STRICT, EVBUFFER_EOL_LF,
		    EVBUFFER_EOL_NUL};
		enum evbuffer_eol_style st = styles[rnd(5)];
		size_t from = rnd((uint32_t)m->len + 1), k, eol, got = 99;
		struct evbuffer_ptr p, sp;
		struct model tail;

		if (m->len == 0)
			break;
		assert_int_equal(
		    evbuffer_ptr_set(b, &sp, from, EVBUFFER_PTR_SET), 0);
		p = evbuffer_search_eol(b, &sp, &got, st);
		tail.d = m->d + from;
		tail.len = m->len - from;
		if (!model_eol(&tail, st, &k, &eol)) {
			assert_int_equal(p.pos, -1);
			assert_int_equal(got, 0);
		} else {
			assert_int_equal(p.pos, (ev_ssize_t)(from + k));
			assert_int_equal(got, eol);
		}
		break;
	}
	default: /* printf */
	{
		unsigned v = rnd(1000);
		char s[16];
		int k = snprintf(s, sizeof(s), "%u\n", v);

		assert_int_equal(evbuffer_add_printf(b, "%u\n", v), k);
		m_append(m, s, (size_t)k);
	} break;
	}
	check(bufs[0], &ms[0]);
	check(bufs[1], &ms[1]);
}

static void test_random_operations(void **state)
{
	struct evbuffer *bufs[2] = {evbuffer_new(), evbuffer_new()};
	struct model ms[2] = {{0}, {0}};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pool); i++)
		pool[i] = rnd_byte();
	for (i = 0; i < 20000; i++) {
		step(bufs, ms);
		/* Keep the model small enough to stay fast. */
		if (ms[0].len > 400000) {
			evbuffer_drain(bufs[0], 300000);
			m_drain(&ms[0], 300000);
		}
		if (ms[1].len > 400000) {
			evbuffer_drain(bufs[1], 300000);
			m_drain(&ms[1], 300000);
		}
	}
	evbuffer_free(bufs[0]);
	evbuffer_free(bufs[1]);
	free(ms[0].d);
	free(ms[1].d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random_operations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
