/* Conformance: fd events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>

static int calls;

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	char c;
	(void)arg;
	assert_int_equal(what, EV_READ);
	assert_int_equal(read(fd, &c, 1), 1);
	calls++;
}

static void test_read_once(void **state)
{
	struct event_base *base = event_base_new();
	struct event ev;
	int sv[2];

	(void)state;
	assert_non_null(base);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	calls = 0;
	event_assign(&ev, base, sv[0], EV_READ, read_cb, NULL);
	assert_int_equal(event_add(&ev, NULL), 0);
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(calls, 1);
	close(sv[0]);
	close(sv[1]);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
