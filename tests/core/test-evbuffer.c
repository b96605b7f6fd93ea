/* evbuffer without file descriptors: the chunk chain, lines, search. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <event.h>
#include <event2/buffer.h>
#include <event2/buffer_compat.h>

/* Builds a buffer whose chunks are exactly the given pieces, by adding
 * each as a reference (references are never merged). */
static struct evbuffer *pieces(const char *const *p, size_t n)
{
	struct evbuffer *b = evbuffer_new();
	size_t i;

	assert_non_null(b);
	for (i = 0; i < n; i++)
		assert_int_equal(
		    evbuffer_add_reference(b, p[i], strlen(p[i]), NULL, NULL),
		    0);
	return b;
}

static int n_vecs(struct evbuffer *b)
{
	return evbuffer_peek(b, -1, NULL, NULL, 0);
}

static void test_empty(void **state)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_ptr p;
	char out[4];
	size_t n = 99;

	(void)state;
	assert_int_equal(evbuffer_get_length(b), 0);
	assert_int_equal(EVBUFFER_LENGTH(b), 0);
	assert_null(EVBUFFER_DATA(b));
	assert_null(evbuffer_pullup(b, 1));
	assert_null(evbuffer_readln(b, &n, EVBUFFER_EOL_ANY));
	assert_int_equal(n, 0);
	assert_null(evbuffer_readline(b));
	assert_int_equal(evbuffer_remove(b, out, sizeof(out)), 0);
	assert_int_equal(evbuffer_copyout(b, out, sizeof(out)), 0);
	assert_int_equal(evbuffer_drain(b, 10), 0);
	p = evbuffer_search(b, "a", 1, NULL);
	assert_int_equal(p.pos, -1);
	assert_int_equal(n_vecs(b), 0);
	assert_int_equal(evbuffer_get_contiguous_space(b), 0);
	assert_null(evbuffer_find(b, (const unsigned char *)"a", 1));
	evbuffer_free(b);
	evbuffer_free(NULL);
}

static void test_zero_length_adds(void **state)
{
	struct evbuffer *b = evbuffer_new(), *c = evbuffer_new();

	(void)state;
	assert_int_equal(evbuffer_add(b, "x", 0), 0);
	assert_int_equal(evbuffer_add(b, NULL, 0), 0);
	assert_int_equal(evbuffer_prepend(b, "x", 0), 0);
	assert_int_equal(evbuffer_add_buffer(b, c), 0);
	assert_int_equal(evbuffer_add_printf(b, "%s", ""), 0);
	assert_int_equal(evbuffer_get_length(b), 0);
	assert_int_equal(evbuffer_add(b, NULL, 1), -1);
	assert_int_equal(evbuffer_add_buffer(b, b), -1);
	evbuffer_free(b);
	evbuffer_free(c);
}

static void test_overflow(void **state)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_iovec v[2];
	static const char x[4] = "abc";

	(void)state;
	assert_int_equal(evbuffer_add(b, "abc", 3), 0);
	assert_int_equal(evbuffer_add(b, x, SIZE_MAX), -1);
	assert_int_equal(evbuffer_add(b, x, SIZE_MAX - 2), -1);
	assert_int_equal(evbuffer_expand(b, SIZE_MAX), -1);
	assert_int_equal(evbuffer_expand(b, SIZE_MAX / 2), -1);
	assert_int_equal(evbuffer_prepend(b, x, SIZE_MAX), -1);
	assert_int_equal(evbuffer_add_reference(b, x, SIZE_MAX, NULL, NULL),
	                 -1);
	assert_int_equal(evbuffer_reserve_space(b, -1, v, 2), -1);
	assert_int_equal(evbuffer_reserve_space(b, INT64_MAX, v, 2), -1);
	assert_int_equal(evbuffer_get_length(b), 3);
	assert_memory_equal(evbuffer_pullup(b, -1), "abc", 3);
	evbuffer_free(b);
}

static void test_add_remove_many(void **state)
{
	struct evbuffer *b = evbuffer_new();
	unsigned char in[100000], out[100000];
	size_t i, got = 0;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + i / 251);
	/* Odd-sized adds cross every chunk boundary. */
	for (i = 0; i < sizeof(in);) {
		size_t n = 1 + (i % 37) * 13;

		if (n > sizeof(in) - i)
			n = sizeof(in) - i;
		assert_int_equal(evbuffer_add(b, in + i, n), 0);
		i += n;
	}
	assert_int_equal(evbuffer_get_length(b), sizeof(in));
	assert_true(n_vecs(b) < 20); /* chunks grow: no tiny chunks */
	while (got < sizeof(out)) {
		int r = evbuffer_remove(b, out + got, 777);

		assert_true(r > 0);
		got += (size_t)r;
		assert_int_equal(evbuffer_get_length(b), sizeof(in) - got);
	}
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(evbuffer_remove(b, out, 10), 0);
	evbuffer_free(b);
}

static void test_steady_state_reuses_memory(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char data[1024];
	struct evbuffer_iovec v;
	void *first;
	int i;

	(void)state;
	memset(data, 'q', sizeof(data));
	assert_int_equal(evbuffer_add(b, data, sizeof(data)), 0);
	assert_int_equal(evbuffer_peek(b, -1, NULL, &v, 1), 1);
	first = v.iov_base;
	assert_int_equal(evbuffer_drain(b, sizeof(data)), 0);
	/* Add/drain cycles land in the same storage: no allocation. */
	for (i = 0; i < 1000; i++) {
		assert_int_equal(evbuffer_add(b, data, sizeof(data)), 0);
		assert_int_equal(evbuffer_peek(b, -1, NULL, &v, 1), 1);
		assert_ptr_equal(v.iov_base, first);
		assert_int_equal(evbuffer_drain(b, sizeof(data)), 0);
	}
	evbuffer_free(b);
}

static void test_add_buffer_moves_chunks(void **state)
{
	struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
	struct evbuffer_iovec before[2], after[4];
	char big[5000];

	(void)state;
	memset(big, 'b', sizeof(big));
	assert_int_equal(evbuffer_add(a, "head", 4), 0);
	assert_int_equal(evbuffer_add(b, big, sizeof(big)), 0);
	assert_int_equal(evbuffer_peek(b, -1, NULL, before, 2), 1);
	assert_int_equal(evbuffer_add_buffer(a, b), 0);
	assert_int_equal(evbuffer_get_length(b), 0);
	assert_int_equal(evbuffer_get_length(a), 4 + sizeof(big));
	assert_int_equal(evbuffer_peek(a, -1, NULL, after, 4), 2);
	/* Same bytes at the same address: moved, not copied. */
	assert_ptr_equal(after[1].iov_base, before[0].iov_base);
	/* The emptied source is still usable. */
	assert_int_equal(evbuffer_add(b, "z", 1), 0);
	assert_int_equal(evbuffer_add_buffer(a, b), 0);
	assert_int_equal(evbuffer_get_length(a), 5 + sizeof(big));
	assert_memory_equal(evbuffer_pullup(a, 4), "head", 4);
	evbuffer_free(a);
	evbuffer_free(b);
}

static int cleanups;
static void count_cleanup(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	assert_ptr_equal(arg, &cleanups);
	cleanups++;
}

/* A small source is copied into the free tail of the destination: every
 * chunk of it in order, a reference released once its bytes are copied. */
static void test_add_buffer_small_copies(void **state)
{
	static const char ref[] = "cd";
	struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
	struct evbuffer_iovec v[4];

	(void)state;
	cleanups = 0;
	assert_int_equal(evbuffer_add(a, "head", 4), 0);
	assert_int_equal(evbuffer_add(b, "ab", 2), 0);
	assert_int_equal(
	    evbuffer_add_reference(b, ref, 2, count_cleanup, &cleanups), 0);
	assert_int_equal(evbuffer_add(b, "ef", 2), 0);
	assert_int_equal(evbuffer_add_buffer(a, b), 0);
	assert_int_equal(cleanups, 1);
	assert_int_equal(evbuffer_get_length(b), 0);
	assert_int_equal(evbuffer_get_length(a), 10);
	assert_int_equal(evbuffer_peek(a, -1, NULL, v, 4), 1);
	assert_memory_equal(v[0].iov_base, "headabcdef", 10);
	/* Both stay usable. */
	assert_int_equal(evbuffer_add(b, "z", 1), 0);
	assert_int_equal(evbuffer_add_buffer(a, b), 0);
	assert_memory_equal(evbuffer_pullup(a, 11), "headabcdefz", 11);
	evbuffer_free(a);
	evbuffer_free(b);
}

static void test_reference(void **state)
{
	static const char msg[] = "zero-copy data";
	struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
	struct evbuffer_iovec v;
	char out[32];

	(void)state;
	cleanups = 0;
	assert_int_equal(
	    evbuffer_add_reference(a, msg, 0, count_cleanup, &cleanups), 0);
	assert_int_equal(cleanups, 1); /* nothing kept, released at once */
	assert_int_equal(evbuffer_add_reference(a, msg, strlen(msg),
	                                        count_cleanup, &cleanups),
	                 0);
	assert_int_equal(evbuffer_peek(a, -1, NULL, &v, 1), 1);
	assert_ptr_equal(v.iov_base, msg);
	/* Split the reference between two buffers without copying. */
	assert_int_equal(evbuffer_remove_buffer(a, b, 4), 4);
	assert_int_equal(evbuffer_peek(b, -1, NULL, &v, 1), 1);
	assert_ptr_equal(v.iov_base, msg);
	assert_int_equal(evbuffer_drain(a, 100), 0);
	assert_int_equal(cleanups, 1); /* b still holds part of it */
	assert_int_equal(evbuffer_remove(b, out, sizeof(out)), 4);
	assert_memory_equal(out, "zero", 4);
	assert_int_equal(cleanups, 2);
	/* Freed with the buffer. */
	assert_int_equal(
	    evbuffer_add_reference(a, msg, 3, count_cleanup, &cleanups), 0);
	evbuffer_free(a);
	assert_int_equal(cleanups, 3);
	evbuffer_free(b);
}

static void test_remove_buffer(void **state)
{
	struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
	char data[10000], out[10000];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	assert_int_equal(evbuffer_add(a, data, 3000), 0);
	assert_int_equal(
	    evbuffer_add_reference(a, data + 3000, 4000, NULL, NULL), 0);
	assert_int_equal(evbuffer_add(a, data + 7000, 3000), 0);
	assert_int_equal(evbuffer_add(b, "x", 1), 0);
	assert_int_equal(evbuffer_remove_buffer(a, b, 5000), 5000);
	assert_int_equal(evbuffer_remove_buffer(a, b, 0), 0);
	assert_int_equal(evbuffer_get_length(a), 5000);
	assert_int_equal(evbuffer_get_length(b), 5001);
	assert_int_equal(evbuffer_drain(b, 1), 0);
	assert_int_equal(evbuffer_remove_buffer(a, b, 1u << 30), 5000);
	assert_int_equal(evbuffer_get_length(a), 0);
	assert_int_equal(evbuffer_remove(b, out, sizeof(out)), 10000);
	assert_memory_equal(out, data, sizeof(data));
	evbuffer_free(a);
	evbuffer_free(b);
}

struct line_case {
	enum evbuffer_eol_style style;
	const char *expect[4];
};

static void test_readln_styles(void **state)
{
	static const char *const src[] = {"one\r\ntwo\nthree\r\r\nfour\r"};
	struct evbuffer *b;
	char *l;
	size_t n;

	(void)state;
	/* LF */
	b = pieces(src, 1);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_LF);
	assert_string_equal(l, "one\r");
	assert_int_equal(n, 4);
	free(l);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_LF);
	assert_string_equal(l, "two");
	free(l);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_LF);
	assert_string_equal(l, "three\r\r");
	free(l);
	assert_null(evbuffer_readln(b, &n, EVBUFFER_EOL_LF));
	assert_int_equal(evbuffer_get_length(b), 5);
	evbuffer_free(b);
	/* CRLF */
	b = pieces(src, 1);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF);
	assert_string_equal(l, "one");
	free(l);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF);
	assert_string_equal(l, "two");
	free(l);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF);
	assert_string_equal(l, "three\r");
	free(l);
	/* A CR at the very end is not yet a line end. */
	assert_null(evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF));
	evbuffer_free(b);
	/* CRLF_STRICT: the bare LF is data. */
	b = pieces(src, 1);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF_STRICT);
	assert_string_equal(l, "one");
	free(l);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF_STRICT);
	assert_string_equal(l, "two\nthree\r");
	assert_int_equal(n, 10);
	free(l);
	assert_null(evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF_STRICT));
	evbuffer_free(b);
	/* ANY: a run of CR and LF is one line end. */
	b = pieces(src, 1);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_ANY);
	assert_string_equal(l, "one");
	free(l);
	l = evbuffer_readline(b);
	assert_string_equal(l, "two");
	free(l);
	l = evbuffer_readline(b);
	assert_string_equal(l, "three");
	free(l);
	l = evbuffer_readline(b);
	assert_string_equal(l, "four");
	free(l);
	assert_int_equal(evbuffer_get_length(b), 0);
	evbuffer_free(b);
}

static void test_readln_nul_and_bad_style(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char *l;
	size_t n;

	(void)state;
	assert_int_equal(evbuffer_add(b, "ab\0cd\0e", 7), 0);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_NUL);
	assert_string_equal(l, "ab");
	free(l);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_NUL);
	assert_string_equal(l, "cd");
	free(l);
	assert_null(evbuffer_readln(b, &n, EVBUFFER_EOL_NUL));
	assert_null(evbuffer_readln(b, &n, (enum evbuffer_eol_style)42));
	assert_int_equal(evbuffer_get_length(b), 1);
	evbuffer_free(b);
}

static void test_readln_split_across_chunks(void **state)
{
	/* The CR ends one chunk and the LF starts the next. */
	static const char *const src[] = {"ab", "c\r", "\nde", "f\r", "\n"};
	static const enum evbuffer_eol_style styles[] = {
	    EVBUFFER_EOL_CRLF, EVBUFFER_EOL_CRLF_STRICT, EVBUFFER_EOL_ANY};
	size_t i, n;
	char *l;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct evbuffer *b = pieces(src, 5);

		assert_int_equal(n_vecs(b), 5);
		l = evbuffer_readln(b, &n, styles[i]);
		assert_string_equal(l, "abc");
		assert_int_equal(n, 3);
		free(l);
		l = evbuffer_readln(b, &n, styles[i]);
		assert_string_equal(l, "def");
		free(l);
		assert_int_equal(evbuffer_get_length(b), 0);
		evbuffer_free(b);
	}
	/* LF leaves the CR in the line. */
	{
		struct evbuffer *b = pieces(src, 5);

		l = evbuffer_readln(b, &n, EVBUFFER_EOL_LF);
		assert_string_equal(l, "abc\r");
		free(l);
		evbuffer_free(b);
	}
}

static void test_readln_cr_at_chunk_end_then_more(void **state)
{
	/* "x\r" arrives first; the LF comes later. */
	struct evbuffer *b = evbuffer_new();
	char *l;

	(void)state;
	assert_int_equal(evbuffer_add(b, "x\r", 2), 0);
	assert_null(evbuffer_readln(b, NULL, EVBUFFER_EOL_CRLF));
	assert_null(evbuffer_readln(b, NULL, EVBUFFER_EOL_CRLF_STRICT));
	assert_int_equal(evbuffer_add_reference(b, "\ny\r\n", 4, NULL, NULL),
	                 0);
	l = evbuffer_readln(b, NULL, EVBUFFER_EOL_CRLF_STRICT);
	assert_string_equal(l, "x");
	free(l);
	l = evbuffer_readln(b, NULL, EVBUFFER_EOL_CRLF);
	assert_string_equal(l, "y");
	free(l);
	evbuffer_free(b);
}

static void test_readln_very_long_line(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char piece[1000];
	size_t n, i;
	char *l;

	(void)state;
	memset(piece, 'L', sizeof(piece));
	for (i = 0; i < 2000; i++) {
		assert_int_equal(evbuffer_add(b, piece, sizeof(piece)), 0);
		assert_null(i % 500 == 0
		                ? evbuffer_readln(b, NULL, EVBUFFER_EOL_LF)
		                : NULL);
	}
	assert_int_equal(evbuffer_add(b, "\r\ntail", 6), 0);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF);
	assert_non_null(l);
	assert_int_equal(n, 2000000);
	assert_int_equal(strlen(l), 2000000);
	assert_int_equal(l[0], 'L');
	assert_int_equal(l[n - 1], 'L');
	free(l);
	assert_int_equal(evbuffer_get_length(b), 4);
	evbuffer_free(b);
}

/* Every EOL style gives the same lines whether the input is one chunk or
 * one chunk per byte. */
static void test_readln_byte_at_a_time(void **state)
{
	static const char input[] = "a\r\nbb\n\r\ncc\r\r\n\nd\0e\r\n\r\nf";
	static const enum evbuffer_eol_style styles[] = {
	    EVBUFFER_EOL_ANY, EVBUFFER_EOL_CRLF, EVBUFFER_EOL_CRLF_STRICT,
	    EVBUFFER_EOL_LF, EVBUFFER_EOL_NUL};
	size_t s, i, n1, n2;

	(void)state;
	for (s = 0; s < sizeof(styles) / sizeof(styles[0]); s++) {
		struct evbuffer *whole = evbuffer_new(),
		                *bytes = evbuffer_new();
		char *l1, *l2;

		evbuffer_add(whole, input, sizeof(input) - 1);
		for (i = 0; i < sizeof(input) - 1; i++)
			evbuffer_add_reference(bytes, input + i, 1, NULL, NULL);
		assert_int_equal(evbuffer_peek(bytes, -1, NULL, NULL, 0),
		                 (int)(sizeof(input) - 1));
		for (;;) {
			l1 = evbuffer_readln(whole, &n1, styles[s]);
			l2 = evbuffer_readln(bytes, &n2, styles[s]);
			if (l1 == NULL) {
				assert_null(l2);
				break;
			}
			assert_non_null(l2);
			assert_int_equal(n1, n2);
			assert_memory_equal(l1, l2, n1);
			free(l1);
			free(l2);
		}
		assert_int_equal(evbuffer_get_length(whole),
		                 evbuffer_get_length(bytes));
		evbuffer_free(whole);
		evbuffer_free(bytes);
	}
}

/* Data that ends right before an unmapped page: searching, reading lines
 * and peeking never touch a byte past the end. */
static void test_guard_page(void **state)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
	                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static const char tail[] = "GET / HTTP/1.1\r\nHost: a\r";
	const size_t n = sizeof(tail) - 1;
	unsigned char *data;
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_ptr p;
	char *l;

	(void)state;
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + pg, (size_t)pg, PROT_NONE), 0);
	data = map + pg - n;
	memcpy(data, tail, n);
	evbuffer_add_reference(b, data, n, NULL, NULL);
	p = evbuffer_search(b, "\r\n\r\n", 4, NULL);
	assert_int_equal(p.pos, -1);
	p = evbuffer_search(b, "a\r\n", 3, NULL);
	assert_int_equal(p.pos, -1);
	p = evbuffer_search(b, "a\r", 2, NULL);
	assert_int_equal(p.pos, (ev_ssize_t)n - 2);
	l = evbuffer_readln(b, NULL, EVBUFFER_EOL_CRLF_STRICT);
	assert_string_equal(l, "GET / HTTP/1.1");
	free(l);
	assert_null(evbuffer_readln(b, NULL, EVBUFFER_EOL_CRLF));
	assert_null(evbuffer_readln(b, NULL, EVBUFFER_EOL_CRLF_STRICT));
	assert_null(evbuffer_readln(b, NULL, EVBUFFER_EOL_LF));
	assert_null(evbuffer_readln(b, NULL, EVBUFFER_EOL_NUL));
	l = evbuffer_readln(b, NULL, EVBUFFER_EOL_ANY);
	assert_string_equal(l, "Host: a");
	free(l);
	assert_int_equal(evbuffer_get_length(b), 0);
	evbuffer_free(b);
	munmap(map, (size_t)pg * 2);
}

/* A line that exactly fills its chunk, then lines sharing one. */
static void test_readln_whole_chunk(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char *big = malloc(70000), *l;
	size_t n;

	(void)state;
	memset(big, 'z', 70000);
	memcpy(big + 69998, "\r\n", 2);
	assert_int_equal(evbuffer_add(b, big, 70000), 0);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_CRLF);
	assert_int_equal(n, 69998);
	assert_int_equal(strlen(l), 69998);
	assert_int_equal(evbuffer_get_length(b), 0);
	free(l);
	/* Again, with more data behind the line. */
	assert_int_equal(evbuffer_add(b, "ab\ncd\n", 6), 0);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_LF);
	assert_string_equal(l, "ab");
	free(l);
	l = evbuffer_readln(b, &n, EVBUFFER_EOL_LF);
	assert_string_equal(l, "cd");
	free(l);
	assert_int_equal(evbuffer_add(b, "x", 1), 0);
	assert_int_equal(evbuffer_get_length(b), 1);
	evbuffer_free(b);
	free(big);
}

static void test_search(void **state)
{
	static const char *const src[] = {"hel", "lo wo", "rld hello", "!"};
	struct evbuffer *b = pieces(src, 4);
	struct evbuffer_ptr p, end;

	(void)state;
	p = evbuffer_search(b, "hello", 5, NULL);
	assert_int_equal(p.pos, 0);
	p = evbuffer_search(b, "world", 5, NULL);
	assert_int_equal(p.pos, 6);
	p = evbuffer_search(b, "hello", 5, &p);
	assert_int_equal(p.pos, 12);
	assert_int_equal(evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_ADD), 0);
	p = evbuffer_search(b, "hello", 5, &p);
	assert_int_equal(p.pos, -1);
	p = evbuffer_search(b, "hello!", 6, NULL);
	assert_int_equal(p.pos, 12);
	p = evbuffer_search(b, "hello!x", 7, NULL);
	assert_int_equal(p.pos, -1);
	p = evbuffer_search(b, "", 0, NULL);
	assert_int_equal(p.pos, 0);
	/* A range that cuts the second "hello" off. */
	assert_int_equal(evbuffer_ptr_set(b, &end, 16, EVBUFFER_PTR_SET), 0);
	p = evbuffer_search_range(b, "hello", 5, NULL, &end);
	assert_int_equal(p.pos, 0);
	assert_int_equal(evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_SET), 0);
	p = evbuffer_search_range(b, "hello", 5, &p, &end);
	assert_int_equal(p.pos, -1);
	assert_int_equal(evbuffer_ptr_set(b, &end, 17, EVBUFFER_PTR_SET), 0);
	assert_int_equal(evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_SET), 0);
	p = evbuffer_search_range(b, "hello", 5, &p, &end);
	assert_int_equal(p.pos, 12);
	/* Positions. */
	assert_int_equal(evbuffer_ptr_set(b, &p, 18, EVBUFFER_PTR_SET), 0);
	assert_int_equal(evbuffer_ptr_set(b, &p, 19, EVBUFFER_PTR_SET), -1);
	assert_int_equal(p.pos, -1);
	assert_int_equal(evbuffer_ptr_set(b, &p, 10, EVBUFFER_PTR_SET), 0);
	assert_int_equal(evbuffer_ptr_set(b, &p, 9, EVBUFFER_PTR_ADD), -1);
	/* A match that starts after the end of the range is not found. */
	{
		struct evbuffer *r = evbuffer_new();
		struct evbuffer_ptr e;

		evbuffer_add(r, "abcdefgh hello", 14);
		assert_int_equal(evbuffer_ptr_set(r, &e, 2, EVBUFFER_PTR_SET),
		                 0);
		p = evbuffer_search_range(r, "hello", 5, NULL, &e);
		assert_int_equal(p.pos, -1);
		p = evbuffer_search_range(r, "h", 1, NULL, &e);
		assert_int_equal(p.pos, -1);
		assert_int_equal(evbuffer_ptr_set(r, &e, 8, EVBUFFER_PTR_SET),
		                 0);
		p = evbuffer_search_range(r, "h", 1, NULL, &e);
		assert_int_equal(p.pos, 7);
		evbuffer_free(r);
	}
	/* A position with only `pos` filled in still works. */
	memset(&p, 0, sizeof(p));
	p.pos = 7;
	p = evbuffer_search(b, "o", 1, &p);
	assert_int_equal(p.pos, 7);
	memset(&p, 0, sizeof(p));
	p.pos = 8;
	assert_int_equal(evbuffer_ptr_set(b, &p, 4, EVBUFFER_PTR_ADD), 0);
	assert_int_equal(p.pos, 12);
	p = evbuffer_search(b, "hello", 5, &p);
	assert_int_equal(p.pos, 12);
	/* 1.3 evbuffer_find makes the match contiguous. */
	{
		unsigned char *f =
		    evbuffer_find(b, (const unsigned char *)"lo wor", 6);

		assert_non_null(f);
		assert_memory_equal(f, "lo wor", 6);
	}
	evbuffer_free(b);
}

static void test_search_eol_and_copyout_from(void **state)
{
	static const char *const src[] = {"GET / HTTP/1.1\r", "\nHost: x\r\n"};
	struct evbuffer *b = pieces(src, 2);
	struct evbuffer_ptr p;
	size_t eol = 0;
	char out[16];

	(void)state;
	p = evbuffer_search_eol(b, NULL, &eol, EVBUFFER_EOL_CRLF);
	assert_int_equal(p.pos, 14);
	assert_int_equal(eol, 2);
	assert_int_equal(evbuffer_ptr_set(b, &p, eol, EVBUFFER_PTR_ADD), 0);
	assert_int_equal(p.pos, 16);
	assert_int_equal(evbuffer_copyout_from(b, &p, out, 4), 4);
	assert_memory_equal(out, "Host", 4);
	p = evbuffer_search_eol(b, &p, &eol, EVBUFFER_EOL_CRLF_STRICT);
	assert_int_equal(p.pos, 23);
	assert_int_equal(eol, 2);
	assert_int_equal(evbuffer_ptr_set(b, &p, 2, EVBUFFER_PTR_ADD), 0);
	p = evbuffer_search_eol(b, &p, &eol, EVBUFFER_EOL_LF);
	assert_int_equal(p.pos, -1);
	assert_int_equal(eol, 0);
	assert_int_equal(evbuffer_copyout_from(b, NULL, out, 3), 3);
	assert_memory_equal(out, "GET", 3);
	evbuffer_free(b);
}

static void test_peek_and_pullup(void **state)
{
	static const char *const src[] = {"abc", "defg", "hij"};
	struct evbuffer *b = pieces(src, 3);
	struct evbuffer_iovec v[3];
	struct evbuffer_ptr p;
	unsigned char *d;

	(void)state;
	assert_int_equal(evbuffer_peek(b, -1, NULL, NULL, 0), 3);
	assert_int_equal(evbuffer_peek(b, 4, NULL, v, 3), 2);
	assert_int_equal(v[0].iov_len, 3);
	assert_int_equal(v[1].iov_len, 1);
	assert_int_equal(evbuffer_ptr_set(b, &p, 5, EVBUFFER_PTR_SET), 0);
	assert_int_equal(evbuffer_peek(b, -1, &p, v, 3), 2);
	assert_memory_equal(v[0].iov_base, "fg", 2);
	assert_int_equal(evbuffer_peek(b, 0, NULL, v, 3), 0);
	assert_null(evbuffer_pullup(b, 11));
	assert_ptr_equal(evbuffer_pullup(b, 2), src[0]); /* already there */
	d = evbuffer_pullup(b, 5);
	assert_memory_equal(d, "abcde", 5);
	assert_int_equal(evbuffer_get_length(b), 10);
	d = EVBUFFER_DATA(b);
	assert_memory_equal(d, "abcdefghij", 10);
	assert_int_equal(evbuffer_peek(b, -1, NULL, NULL, 0), 1);
	assert_int_equal(evbuffer_get_contiguous_space(b), 10);
	evbuffer_free(b);
}

static void test_prepend(void **state)
{
	struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
	char big[3000];

	(void)state;
	memset(big, 'p', sizeof(big));
	assert_int_equal(evbuffer_prepend(a, "world", 5), 0);
	assert_int_equal(evbuffer_prepend(a, "hello ", 6), 0);
	assert_int_equal(evbuffer_prepend(a, big, sizeof(big)), 0);
	assert_int_equal(evbuffer_drain(a, sizeof(big)), 0);
	assert_memory_equal(evbuffer_pullup(a, -1), "hello world", 11);
	assert_int_equal(evbuffer_add(b, ">> ", 3), 0);
	assert_int_equal(evbuffer_expand(b, 100), 0); /* empty tail chunk */
	assert_int_equal(evbuffer_prepend_buffer(a, b), 0);
	assert_int_equal(evbuffer_get_length(b), 0);
	assert_int_equal(evbuffer_add(a, "!", 1), 0);
	assert_int_equal(evbuffer_get_length(a), 15);
	assert_memory_equal(evbuffer_pullup(a, -1), ">> hello world!", 15);
	assert_int_equal(evbuffer_prepend_buffer(a, a), -1);
	evbuffer_free(a);
	evbuffer_free(b);
}

static void test_printf(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char big[5000];
	int i;

	(void)state;
	assert_int_equal(evbuffer_add_printf(b, "%d-%s", 42, "x"), 4);
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(evbuffer_add_printf(b, "[%s]", big), 5001);
	for (i = 0; i < 1000; i++)
		assert_int_equal(evbuffer_add_printf(b, "%03d", i), 3);
	assert_int_equal(evbuffer_get_length(b), 4 + 5001 + 3000);
	assert_memory_equal(evbuffer_pullup(b, 6), "42-x[y", 6);
	assert_int_equal(evbuffer_drain(b, 4 + 5001 + 2997), 0);
	assert_memory_equal(evbuffer_pullup(b, -1), "999", 3);
	evbuffer_free(b);
}

static void test_reserve_commit(void **state)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_iovec v[2];
	int n;

	(void)state;
	n = evbuffer_reserve_space(b, 100, v, 1);
	assert_int_equal(n, 1);
	assert_true(v[0].iov_len >= 100);
	memcpy(v[0].iov_base, "hello", 5);
	v[0].iov_len = 5;
	assert_int_equal(evbuffer_commit_space(b, v, 1), 0);
	assert_int_equal(evbuffer_get_length(b), 5);
	/* A second reservation that needs two pieces. */
	n = evbuffer_reserve_space(b, 100000, v, 2);
	assert_int_equal(n, 2);
	assert_true(v[0].iov_len + v[1].iov_len >= 100000);
	memset(v[0].iov_base, 'a', v[0].iov_len);
	memset(v[1].iov_base, 'b', 10);
	v[1].iov_len = 10;
	assert_int_equal(evbuffer_commit_space(b, v, 2), 0);
	assert_int_equal(evbuffer_get_length(b), 5 + v[0].iov_len + 10);
	/* Stale: the buffer changed since the reservation. */
	n = evbuffer_reserve_space(b, 10, v, 1);
	assert_int_equal(n, 1);
	assert_int_equal(evbuffer_add(b, "x", 1), 0);
	v[0].iov_len = 1;
	assert_int_equal(evbuffer_commit_space(b, v, 1), -1);
	/* Over-long commit. */
	n = evbuffer_reserve_space(b, 10, v, 1);
	v[0].iov_len += 1;
	assert_int_equal(evbuffer_commit_space(b, v, 1), -1);
	assert_int_equal(evbuffer_commit_space(b, v, 0), 0);
	evbuffer_free(b);
}

static void test_add_iovec_and_expand(void **state)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_iovec in[3] = {
	    {(void *)"ab", 2}, {(void *)"", 0}, {(void *)"cde", 3}};
	struct evbuffer_iovec v;
	void *p;

	(void)state;
	assert_int_equal(evbuffer_add_iovec(b, in, 3), 5);
	assert_memory_equal(evbuffer_pullup(b, -1), "abcde", 5);
	/* After expand(n), adding n bytes needs no new storage. */
	assert_int_equal(evbuffer_expand(b, 50000), 0);
	assert_int_equal(evbuffer_reserve_space(b, 50000, &v, 1), 1);
	p = v.iov_base;
	{
		char *big = calloc(1, 50000);

		assert_int_equal(evbuffer_add(b, big, 50000), 0);
		free(big);
	}
	assert_int_equal(evbuffer_peek(b, -1, NULL, NULL, 0), 2);
	{
		struct evbuffer_iovec w[2];

		evbuffer_peek(b, -1, NULL, w, 2);
		assert_ptr_equal(w[1].iov_base, p);
	}
	evbuffer_free(b);
}

struct cbrec {
	int calls;
	size_t orig, added, deleted;
	size_t old_len, new_len;
};

static void rec_cb(struct evbuffer *b, const struct evbuffer_cb_info *i,
                   void *arg)
{
	struct cbrec *r = arg;

	(void)b;
	r->calls++;
	r->orig = i->orig_size;
	r->added = i->n_added;
	r->deleted = i->n_deleted;
}

static void old_cb(struct evbuffer *b, size_t o, size_t n, void *arg)
{
	struct cbrec *r = arg;

	(void)b;
	r->calls++;
	r->old_len = o;
	r->new_len = n;
}

static struct evbuffer_cb_entry *self_entry;
static void self_removing_cb(struct evbuffer *b,
                             const struct evbuffer_cb_info *i, void *arg)
{
	(void)i;
	(*(int *)arg)++;
	assert_int_equal(evbuffer_remove_cb_entry(b, self_entry), 0);
}

static void test_callbacks(void **state)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_cb_entry *e;
	struct cbrec r = {0}, o = {0};
	int self_calls = 0;
	char out[8];

	(void)state;
	e = evbuffer_add_cb(b, rec_cb, &r);
	assert_non_null(e);
	assert_int_equal(evbuffer_add(b, "12345", 5), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.orig, 0);
	assert_int_equal(r.added, 5);
	assert_int_equal(evbuffer_remove(b, out, 2), 2);
	assert_int_equal(r.calls, 2);
	assert_int_equal(r.orig, 5);
	assert_int_equal(r.deleted, 2);
	assert_int_equal(evbuffer_add(b, "", 0), 0);
	assert_int_equal(r.calls, 2); /* no change, no call */
	assert_int_equal(evbuffer_cb_clear_flags(b, e, EVBUFFER_CB_ENABLED), 0);
	assert_int_equal(evbuffer_drain(b, 1), 0);
	assert_int_equal(r.calls, 2);
	assert_int_equal(evbuffer_cb_set_flags(b, e, EVBUFFER_CB_ENABLED), 0);
	self_entry = evbuffer_add_cb(b, self_removing_cb, &self_calls);
	assert_int_equal(evbuffer_add(b, "x", 1), 0);
	assert_int_equal(evbuffer_add(b, "x", 1), 0);
	assert_int_equal(self_calls, 1);
	assert_int_equal(r.calls, 4);
	assert_int_equal(evbuffer_remove_cb(b, rec_cb, &r), 0);
	assert_int_equal(evbuffer_remove_cb(b, rec_cb, &r), -1);
	/* 1.3 style replaces all callbacks. */
	assert_non_null(evbuffer_add_cb(b, rec_cb, &r));
	evbuffer_setcb(b, old_cb, &o);
	assert_int_equal(evbuffer_add(b, "abc", 3), 0);
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.old_len, 4);
	assert_int_equal(o.new_len, 7);
	assert_int_equal(r.calls, 4);
	evbuffer_setcb(b, NULL, NULL);
	assert_int_equal(evbuffer_drain(b, 7), 0);
	assert_int_equal(o.calls, 1);
	evbuffer_free(b);
}

static void test_freeze(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char out[4];

	(void)state;
	assert_int_equal(evbuffer_add(b, "abcd", 4), 0);
	assert_int_equal(evbuffer_freeze(b, 0), 0);
	assert_int_equal(evbuffer_add(b, "x", 1), -1);
	assert_int_equal(evbuffer_drain(b, 1), 0);
	assert_int_equal(evbuffer_freeze(b, 1), 0);
	assert_int_equal(evbuffer_drain(b, 1), -1);
	assert_int_equal(evbuffer_remove(b, out, 1), -1);
	assert_null(evbuffer_readln(b, NULL, EVBUFFER_EOL_ANY));
	assert_int_equal(evbuffer_unfreeze(b, 1), 0);
	assert_int_equal(evbuffer_unfreeze(b, 0), 0);
	assert_int_equal(evbuffer_add(b, "x", 1), 0);
	assert_int_equal(evbuffer_get_length(b), 4);
	evbuffer_free(b);
}

static int make_file(const char *content, size_t len)
{
	char path[] = "/tmp/libev-evbuffer-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	return fd;
}

static void test_add_file_memory_and_deferred(void **state)
{
	struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
	char *l;

	(void)state;
	/* Without DRAINS_TO_FD the data is read at once. */
	assert_int_equal(
	    evbuffer_add_file(a, make_file("0123456789", 10), 2, 5), 0);
	assert_int_equal(evbuffer_get_length(a), 5);
	assert_memory_equal(evbuffer_pullup(a, -1), "23456", 5);
	assert_int_equal(evbuffer_add_file(a, make_file("abc", 3), 0, -1), 0);
	assert_int_equal(evbuffer_get_length(a), 8);
	assert_int_equal(evbuffer_add_file(a, make_file("abc", 3), 5, -1), 0);
	assert_int_equal(evbuffer_get_length(a), 8);
	assert_int_equal(evbuffer_add_file(a, -1, 0, 1), -1);
	assert_int_equal(evbuffer_add_file(a, make_file("abc", 3), -1, 1), -1);
	/* A file range past the end fails when read. */
	assert_int_equal(evbuffer_add_file(a, make_file("abc", 3), 0, 10), -1);
	/* With the flag, it stays in the file until something reads it. */
	assert_int_equal(evbuffer_set_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD), 0);
	assert_int_equal(
	    evbuffer_add_file(b, make_file("line one\nline two\n", 18), 0, 18),
	    0);
	assert_int_equal(evbuffer_get_length(b), 18);
	/* Split the file range between buffers, then read both. */
	assert_int_equal(evbuffer_remove_buffer(b, a, 4), 4);
	l = evbuffer_readln(b, NULL, EVBUFFER_EOL_LF);
	assert_string_equal(l, " one");
	free(l);
	assert_int_equal(evbuffer_get_length(a), 12);
	assert_memory_equal(evbuffer_pullup(a, -1) + 8, "line", 4);
	assert_int_equal(evbuffer_clear_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD),
	                 0);
	evbuffer_free(a);
	evbuffer_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_zero_length_adds),
	    cmocka_unit_test(test_overflow),
	    cmocka_unit_test(test_add_remove_many),
	    cmocka_unit_test(test_steady_state_reuses_memory),
	    cmocka_unit_test(test_add_buffer_moves_chunks),
	    cmocka_unit_test(test_add_buffer_small_copies),
	    cmocka_unit_test(test_reference),
	    cmocka_unit_test(test_remove_buffer),
	    cmocka_unit_test(test_readln_styles),
	    cmocka_unit_test(test_readln_nul_and_bad_style),
	    cmocka_unit_test(test_readln_split_across_chunks),
	    cmocka_unit_test(test_readln_cr_at_chunk_end_then_more),
	    cmocka_unit_test(test_readln_very_long_line),
	    cmocka_unit_test(test_readln_byte_at_a_time),
	    cmocka_unit_test(test_guard_page),
	    cmocka_unit_test(test_readln_whole_chunk),
	    cmocka_unit_test(test_search),
	    cmocka_unit_test(test_search_eol_and_copyout_from),
	    cmocka_unit_test(test_peek_and_pullup),
	    cmocka_unit_test(test_prepend),
	    cmocka_unit_test(test_printf),
	    cmocka_unit_test(test_reserve_commit),
	    cmocka_unit_test(test_add_iovec_and_expand),
	    cmocka_unit_test(test_callbacks),
	    cmocka_unit_test(test_freeze),
	    cmocka_unit_test(test_add_file_memory_and_deferred),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
