/*
 * libFuzzer target: evbuffer_readln() and evbuffer_search() over data
 * spread across several chains, and evbuffer_search_range().  Layout of an
 * input: byte 0 picks the end-of-line style and the piece size, byte 1 the
 * needle length, then the needle, then the data.  Every result is checked
 * against a plain scan of a flat copy, so a wrong answer (not only a crash)
 * traps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event.h>
#include <ev-buffer.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where a plain scan finds `what` in `hay` at or after `from`, or -1. */
static long naive_find(const uint8_t *hay, size_t n, const uint8_t *what,
                       size_t len, size_t from)
{
	for (size_t i = from; i + len <= n; i++)
		if (memcmp(hay + i, what, len) == 0)
			return (long)i;
	return -1;
}

static void check_search(const uint8_t *flat, size_t n, const uint8_t *needle,
                         size_t nlen, size_t step)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_ptr p;
	size_t from = 0;

	if (b == NULL)
		return;
	for (size_t off = 0; off < n; off += step)
		evbuffer_add(b, flat + off, n - off < step ? n - off : step);
	if (evbuffer_get_length(b) != n)
		__builtin_trap();
	/* Every occurrence, each search starting where the last one was. */
	p = evbuffer_search(b, (const char *)needle, nlen, NULL);
	for (int guard = 0; guard <= (int)n + 1; guard++) {
		long want = naive_find(flat, n, needle, nlen, from);

		if (p.pos != (ev_off_t)want)
			__builtin_trap();
		if (p.pos < 0)
			break;
		from = (size_t)p.pos + 1;
		if (evbuffer_ptr_set(b, &p, 1, EVBUFFER_PTR_ADD) < 0)
			break;
		p = evbuffer_search(b, (const char *)needle, nlen, &p);
	}
	/* search_range: only matches lying wholly before `end`, from every
	 * start up to it. */
	{
		struct evbuffer_ptr s, e;
		size_t end = n / 2 + nlen / 2;

		if (end <= n &&
		    evbuffer_ptr_set(b, &e, end, EVBUFFER_PTR_SET) == 0) {
			for (size_t st = 0; st <= end; st += step) {
				long want =
				    naive_find(flat, end, needle, nlen, st);

				if (evbuffer_ptr_set(b, &s, st,
				                     EVBUFFER_PTR_SET) < 0)
					__builtin_trap();
				p = evbuffer_search_range(
				    b, (const char *)needle, nlen, &s, &e);
				if (p.pos != (ev_off_t)want)
					__builtin_trap();
			}
		}
	}
	evbuffer_free(b);
}

static void check_readln(const uint8_t *flat, size_t n, int style, size_t step)
{
	struct evbuffer *b = evbuffer_new();
	size_t consumed = 0;

	if (b == NULL)
		return;
	for (size_t off = 0; off < n; off += step)
		evbuffer_add(b, flat + off, n - off < step ? n - off : step);
	for (int guard = 0; guard <= (int)n; guard++) {
		size_t len = 0, before = evbuffer_get_length(b);
		char *line =
		    evbuffer_readln(b, &len, (enum evbuffer_eol_style)style);

		if (line == NULL)
			break;
		/* The line is the front of what was stored, then the EOL. */
		if (len > before || memcmp(line, flat + consumed, len) != 0 ||
		    line[len] != '\0')
			__builtin_trap();
		/* The line and a non-empty end of line were removed. */
		if (before - evbuffer_get_length(b) <= len)
			__builtin_trap();
		consumed += before - evbuffer_get_length(b);
		free(line);
	}
	if (consumed + evbuffer_get_length(b) != n)
		__builtin_trap();
	evbuffer_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nlen, step;
	int style;

	if (size < 2)
		return 0;
	style = data[0] % 5;
	step = (size_t)(data[0] >> 3) + 1;
	nlen = data[1] % 16;
	data += 2;
	size -= 2;
	if (nlen > size)
		nlen = size;
	if (nlen > 0)
		check_search(data + nlen, size - nlen, data, nlen, step);
	check_readln(data + nlen, size - nlen, style, step);
	return 0;
}
