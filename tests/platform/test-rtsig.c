/*
 * backend-rtsig specifics: no event is lost when the real-time signal
 * queue overflows (the kernel then sends SIGIO and every fd is checked),
 * and fds that cannot signal (an eventfd) still work.  Run with
 * EV_BACKEND=rtsig.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>

#define NPAIRS 150

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	char buf[16];
	ssize_t n;

	(void)what;
	n = read(fd, buf, sizeof(buf));
	(void)n;
	(*(int *)arg)++;
}

static void test_method(void **state)
{
	struct event_base *base = event_base_new();

	(void)state;
	assert_non_null(base);
	assert_string_equal(event_base_get_method(base), "rtsig");
	event_base_free(base);
}

static void test_queue_overflow_loses_nothing(void **state)
{
	struct event_base *base = event_base_new();
	static struct event *ev[NPAIRS];
	static int sv[NPAIRS][2], calls[NPAIRS];
	struct rlimit old, tiny;
	int i, round, total = 0;

	(void)state;
	for (i = 0; i < NPAIRS; i++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
		calls[i] = 0;
		ev[i] = event_new(base, sv[i][0], EV_READ | EV_PERSIST, read_cb,
		                  &calls[i]);
		assert_int_equal(event_add(ev[i], NULL), 0);
	}
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	/* At most two queued signals: the rest overflow into SIGIO. */
	assert_int_equal(getrlimit(RLIMIT_SIGPENDING, &old), 0);
	tiny.rlim_cur = 2;
	tiny.rlim_max = old.rlim_max; /* lowering the hard limit is for good */
	assert_int_equal(setrlimit(RLIMIT_SIGPENDING, &tiny), 0);
	for (i = 0; i < NPAIRS; i++)
		assert_int_equal(write(sv[i][1], "x", 1), 1);
	assert_int_equal(setrlimit(RLIMIT_SIGPENDING, &old), 0);
	for (round = 0; round < 5 && total < NPAIRS; round++) {
		struct timeval bound = {1, 0};
		/* A lost event would block here: bound the wait. */
		assert_int_equal(event_base_loopexit(base, &bound), 0);
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
		for (i = 0, total = 0; i < NPAIRS; i++)
			total += calls[i];
	}
	for (i = 0; i < NPAIRS; i++)
		assert_int_equal(calls[i], 1);
	for (i = 0; i < NPAIRS; i++) {
		event_free(ev[i]);
		close(sv[i][0]);
		close(sv[i][1]);
	}
	event_base_free(base);
}

static void test_fd_that_cannot_signal(void **state)
{
	struct event_base *base = event_base_new();
	struct timeval tv = {5, 0};
	uint64_t one = 1;
	struct event *ev;
	int efd, calls = 0;

	(void)state;
	efd = eventfd(0, EFD_NONBLOCK);
	assert_true(efd >= 0);
	ev = event_new(base, efd, EV_READ, read_cb, &calls);
	assert_int_equal(event_add(ev, &tv), 0);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(calls, 0);
	assert_int_equal(write(efd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(calls, 1);
	event_free(ev);
	close(efd);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_method),
	    cmocka_unit_test(test_queue_overflow_loses_nothing),
	    cmocka_unit_test(test_fd_that_cannot_signal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
