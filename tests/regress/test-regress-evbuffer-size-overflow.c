/*
 * Bug class: size arithmetic overflow.  A length near SIZE_MAX added to
 * what a buffer already holds wraps around; code that sizes an allocation
 * from the wrapped sum then copies the real length writes far past it.
 * Every entry point taking a length must refuse such a length and leave
 * the buffer as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <event.h>
#include <ev-buffer.h>
#include <ev-bufferevent.h>

static const size_t huge[] = {
    SIZE_MAX,
    SIZE_MAX - 1,
    SIZE_MAX - 15,
    SIZE_MAX / 2 + 1,
    (size_t)PTRDIFF_MAX + 1,
};
#define NHUGE (sizeof(huge) / sizeof(huge[0]))

/* The buffer still holds exactly "hello" and works. */
static void assert_intact(struct evbuffer *b)
{
	char out[8];

	assert_int_equal(evbuffer_get_length(b), 5);
	assert_int_equal(evbuffer_copyout(b, out, sizeof(out)), 5);
	assert_memory_equal(out, "hello", 5);
	assert_int_equal(evbuffer_add(b, "!", 1), 0);
	assert_int_equal(evbuffer_get_length(b), 6);
	evbuffer_drain(b, 6);
	assert_int_equal(evbuffer_add(b, "hello", 5), 0);
}

static void test_add_huge(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char small[16] = "0123456789abcdef";

	(void)state;
	assert_non_null(b);
	assert_int_equal(evbuffer_add(b, "hello", 5), 0);
	for (size_t i = 0; i < NHUGE; i++) {
		/* Only `small` is readable: a copy of the claimed length
		 * would fault (or be caught by ASan/valgrind). */
		assert_int_equal(evbuffer_add(b, small, huge[i]), -1);
		assert_intact(b);
		assert_int_equal(evbuffer_prepend(b, small, huge[i]), -1);
		assert_intact(b);
	}
	evbuffer_free(b);
}

static void test_expand_huge(void **state)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_iovec v[2];

	(void)state;
	assert_non_null(b);
	assert_int_equal(evbuffer_add(b, "hello", 5), 0);
	for (size_t i = 0; i < NHUGE; i++) {
		assert_int_equal(evbuffer_expand(b, huge[i]), -1);
		assert_intact(b);
		if (huge[i] <= (size_t)PTRDIFF_MAX + 1) {
			/* ev_ssize_t: only lengths that stay positive. */
			ev_ssize_t s = (ev_ssize_t)(huge[i] - 1);

			assert_true(evbuffer_reserve_space(b, s, v, 2) <= 0);
			assert_intact(b);
		}
	}
	evbuffer_free(b);
}

static void test_bufferevent_write_huge(void **state)
{
	struct event_base *base = event_base_new();
	struct bufferevent *bev;
	char small[16] = "0123456789abcdef";
	int sv[2];

	(void)state;
	assert_non_null(base);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	assert_non_null(bev);
	assert_int_equal(bufferevent_write(bev, "hello", 5), 0);
	for (size_t i = 0; i < NHUGE; i++) {
		assert_int_equal(bufferevent_write(bev, small, huge[i]), -1);
		assert_int_equal(
		    evbuffer_get_length(bufferevent_get_output(bev)), 5);
	}
	/* What was queued before still goes out intact. */
	event_base_loop(base, EVLOOP_NONBLOCK);
	{
		char got[8];
		ssize_t n = read(sv[1], got, sizeof(got));

		assert_int_equal(n, 5);
		assert_memory_equal(got, "hello", 5);
	}
	bufferevent_free(bev);
	close(sv[1]);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_huge),
	    cmocka_unit_test(test_expand_huge),
	    cmocka_unit_test(test_bufferevent_write_huge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
