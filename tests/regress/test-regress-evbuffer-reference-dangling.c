/*
 * Bug class: dangling references after evbuffer_add_reference() cleanup.
 * Referenced memory belongs to the caller until the cleanup callback runs;
 * the callback must run exactly once, only after the last buffer that
 * shows the bytes let go of them, however the bytes were moved between
 * buffers.  Here the cleanup frees the memory (and counts), so any later
 * read through a stale pointer is caught by ASan or valgrind, and an early
 * cleanup is caught by the counters.
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

static int cleanups;

static void cleanup_free(const void *data, size_t len, void *arg)
{
	(void)len;
	assert_ptr_equal(data, arg);
	cleanups++;
	free(arg);
}

static char *make_ref(struct evbuffer *b, size_t n)
{
	char *p = malloc(n);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (char)('a' + i % 26);
	assert_int_equal(evbuffer_add_reference(b, p, n, cleanup_free, p), 0);
	return p;
}

static void assert_pattern(struct evbuffer *b, size_t from, size_t n)
{
	char *out = malloc(n ? n : 1);

	assert_non_null(out);
	assert_int_equal(evbuffer_remove(b, out, n), (int)n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(out[i], (char)('a' + (from + i) % 26));
	free(out);
}

static void test_drain_then_free(void **state)
{
	struct evbuffer *b = evbuffer_new();

	(void)state;
	cleanups = 0;
	make_ref(b, 1000);
	evbuffer_drain(b, 400);
	assert_int_equal(cleanups, 0);
	assert_pattern(b, 400, 100);
	evbuffer_drain(b, 500); /* all of it: released now */
	assert_int_equal(cleanups, 1);
	evbuffer_free(b);
	assert_int_equal(cleanups, 1);
}

static void test_moved_between_buffers(void **state)
{
	struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
	struct evbuffer *c = evbuffer_new();

	(void)state;
	cleanups = 0;
	evbuffer_add(a, "xy", 2);
	make_ref(a, 3000);
	/* Part moved, the rest moved whole, then the first buffer freed:
	 * the bytes are alive in b and c. */
	assert_int_equal(evbuffer_remove_buffer(a, b, 1002), 1002);
	assert_int_equal(evbuffer_add_buffer(c, a), 0);
	evbuffer_free(a);
	assert_int_equal(cleanups, 0);
	evbuffer_drain(b, 2);
	assert_pattern(b, 0, 1000);
	assert_pattern(c, 1000, 2000);
	evbuffer_free(b);
	evbuffer_free(c);
	assert_int_equal(cleanups, 1);
}

static void test_prepend_and_pullup(void **state)
{
	struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
	unsigned char *flat;

	(void)state;
	cleanups = 0;
	make_ref(a, 64);
	evbuffer_add(b, "head", 4);
	assert_int_equal(evbuffer_prepend_buffer(a, b), 0);
	/* pullup copies across the reference; the copy must not point at
	 * the caller's memory once it is released. */
	flat = evbuffer_pullup(a, -1);
	assert_non_null(flat);
	assert_memory_equal(flat, "head", 4);
	evbuffer_drain(a, 4);
	assert_pattern(a, 0, 64);
	assert_int_equal(evbuffer_get_length(a), 0);
	evbuffer_free(a);
	evbuffer_free(b);
	assert_int_equal(cleanups, 1);
}

static void test_free_with_reference_unread(void **state)
{
	struct evbuffer *a = evbuffer_new();

	(void)state;
	cleanups = 0;
	make_ref(a, 10);
	make_ref(a, 20);
	evbuffer_free(a);
	assert_int_equal(cleanups, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drain_then_free),
	    cmocka_unit_test(test_moved_between_buffers),
	    cmocka_unit_test(test_prepend_and_pullup),
	    cmocka_unit_test(test_free_with_reference_unread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
