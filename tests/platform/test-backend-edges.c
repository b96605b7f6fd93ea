/*
 * Conformance: the corners where backends differ (one fd with several
 * events, closed and reused fds, many fds, level versus edge, end of
 * stream, fork, waits with no fd).  Registered once per backend, the
 * emulated ones included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event.h>

#define NPAIRS 200

struct counter {
	int calls;
	short last;
	int drain; /* bytes to read per call; 0: none */
};

static void count_cb(evutil_socket_t fd, short what, void *arg)
{
	struct counter *c = arg;
	char buf[64];

	c->calls++;
	c->last = what;
	if (c->drain > 0 && (what & EV_READ)) {
		ssize_t n = read(fd, buf, (size_t)c->drain);
		(void)n;
	}
}

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
}

/* Runs the loop without blocking a few times, so every ready event has
 * had its chance. */
static void spin(struct event_base *base)
{
	int i;

	for (i = 0; i < 3; i++)
		assert_true(
		    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK) >= 0);
}

static void test_method_is_the_one_asked_for(void **state)
{
	const char *want = getenv("EV_BACKEND");
	struct event_base *base = event_base_new();

	(void)state;
	assert_non_null(base);
	if (want != NULL)
		assert_string_equal(event_base_get_method(base), want);
	event_base_free(base);
}

static void test_read_and_write_on_one_fd(void **state)
{
	struct event_base *base = event_base_new();
	struct counter r = {0, 0, 1}, w = {0, 0, 0};
	struct event *er, *ew;
	int sv[2];

	(void)state;
	pair(sv);
	er = event_new(base, sv[0], EV_READ | EV_PERSIST, count_cb, &r);
	ew = event_new(base, sv[0], EV_WRITE | EV_PERSIST, count_cb, &w);
	assert_int_equal(event_add(er, NULL), 0);
	assert_int_equal(event_add(ew, NULL), 0);
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	assert_int_equal(r.calls, 0);
	assert_true(w.calls >= 1);
	assert_int_equal(w.last, EV_WRITE);
	/* Dropping the write interest keeps the read interest. */
	assert_int_equal(event_del(ew), 0);
	w.calls = 0;
	assert_int_equal(write(sv[1], "ab", 2), 2);
	spin(base);
	assert_int_equal(w.calls, 0);
	/* Level-triggered: one byte per call, two calls. */
	assert_int_equal(r.calls, 2);
	assert_int_equal(r.last, EV_READ);
	/* And the other way round. */
	assert_int_equal(event_add(ew, NULL), 0);
	assert_int_equal(event_del(er), 0);
	r.calls = 0;
	w.calls = 0;
	assert_int_equal(write(sv[1], "c", 1), 1);
	spin(base);
	assert_int_equal(r.calls, 0);
	assert_true(w.calls >= 1);
	event_free(er);
	event_free(ew);
	close(sv[0]);
	close(sv[1]);
	event_base_free(base);
}

static void test_many_fds(void **state)
{
	struct event_base *base = event_base_new();
	static struct counter c[NPAIRS];
	static struct event *ev[NPAIRS];
	static int sv[NPAIRS][2];
	int i;

	(void)state;
	for (i = 0; i < NPAIRS; i++) {
		pair(sv[i]);
		c[i].calls = 0;
		c[i].drain = 8;
		ev[i] = event_new(base, sv[i][0], EV_READ | EV_PERSIST,
		                  count_cb, &c[i]);
		assert_int_equal(event_add(ev[i], NULL), 0);
	}
	for (i = 0; i < NPAIRS; i += 3)
		assert_int_equal(write(sv[i][1], "x", 1), 1);
	spin(base);
	for (i = 0; i < NPAIRS; i++)
		assert_int_equal(c[i].calls, i % 3 == 0 ? 1 : 0);
	/* Remove half, write to all: only the rest fire. */
	for (i = 0; i < NPAIRS; i += 2)
		assert_int_equal(event_del(ev[i]), 0);
	for (i = 0; i < NPAIRS; i++) {
		c[i].calls = 0;
		assert_int_equal(write(sv[i][1], "y", 1), 1);
	}
	spin(base);
	for (i = 0; i < NPAIRS; i++)
		assert_int_equal(c[i].calls, i % 2 ? 1 : 0);
	for (i = 0; i < NPAIRS; i++) {
		event_free(ev[i]);
		close(sv[i][0]);
		close(sv[i][1]);
	}
	event_base_free(base);
}

static void test_closed_and_reused_fd(void **state)
{
	struct event_base *base = event_base_new();
	struct counter c = {0, 0, 8};
	struct event ev;
	int sv[2], sv2[2], fd;

	(void)state;
	pair(sv);
	fd = sv[0];
	event_assign(&ev, base, fd, EV_READ | EV_PERSIST, count_cb, &c);
	assert_int_equal(event_add(&ev, NULL), 0);
	spin(base);
	/* Closed while its event is still added, then deleted. */
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(event_del(&ev), 0);
	spin(base);
	/* The same number comes back for another socket. */
	pair(sv2);
	if (sv2[0] != fd) {
		assert_int_equal(dup2(sv2[0], fd), fd);
		close(sv2[0]);
		sv2[0] = fd;
	}
	event_assign(&ev, base, fd, EV_READ | EV_PERSIST, count_cb, &c);
	assert_int_equal(event_add(&ev, NULL), 0);
	assert_int_equal(write(sv2[1], "z", 1), 1);
	spin(base);
	assert_int_equal(c.calls, 1);
	/* Closed and reused with no event_del in between. */
	close(sv2[0]);
	close(sv2[1]);
	pair(sv);
	if (sv[0] != fd) {
		assert_int_equal(dup2(sv[0], fd), fd);
		close(sv[0]);
		sv[0] = fd;
	}
	assert_int_equal(event_del(&ev), 0);
	event_assign(&ev, base, fd, EV_READ | EV_PERSIST, count_cb, &c);
	assert_int_equal(event_add(&ev, NULL), 0);
	c.calls = 0;
	assert_int_equal(write(sv[1], "w", 1), 1);
	spin(base);
	assert_int_equal(c.calls, 1);
	assert_int_equal(event_del(&ev), 0);
	close(sv[0]);
	close(sv[1]);
	event_base_free(base);
}

static void test_edge_triggered(void **state)
{
	struct event_base *base = event_base_new();
	struct counter c = {0, 0, 1};
	struct event *ev;
	int sv[2];

	(void)state;
	if (!(event_base_get_features(base) & EV_FEATURE_ET)) {
		event_base_free(base);
		skip();
	}
	pair(sv);
	ev = event_new(base, sv[0], EV_READ | EV_PERSIST | EV_ET, count_cb, &c);
	assert_int_equal(event_add(ev, NULL), 0);
	assert_int_equal(write(sv[1], "abc", 3), 3);
	spin(base);
	/* Reading one byte of three does not re-arm an edge. */
	assert_int_equal(c.calls, 1);
	assert_int_equal(write(sv[1], "d", 1), 1);
	spin(base);
	assert_int_equal(c.calls, 2);
	event_free(ev);
	close(sv[0]);
	close(sv[1]);
	event_base_free(base);
}

static void test_end_of_stream(void **state)
{
	struct event_base *base = event_base_new();
	struct counter c = {0, 0, 0};
	struct event *ev;
	char buf[4];
	int sv[2];

	(void)state;
	pair(sv);
	ev = event_new(base, sv[0], EV_READ, count_cb, &c);
	assert_int_equal(event_add(ev, NULL), 0);
	close(sv[1]);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(c.calls, 1);
	assert_true(c.last & EV_READ);
	assert_int_equal(read(sv[0], buf, sizeof(buf)), 0);
	event_free(ev);
	close(sv[0]);
	event_base_free(base);
}

static void test_wait_without_fds(void **state)
{
	struct event_base *base = event_base_new();
	struct timeval tv = {0, 60 * 1000};
	struct counter c = {0, 0, 0};
	struct timespec a, b;
	struct event *ev;
	long ms;

	(void)state;
	ev = evtimer_new(base, count_cb, &c);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(evtimer_add(ev, &tv), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_int_equal(c.calls, 1);
	assert_true(ms >= 55);
	event_free(ev);
	event_base_free(base);
}

static void test_fd_and_signal_together(void **state)
{
	struct event_base *base = event_base_new();
	struct counter r = {0, 0, 8}, s = {0, 0, 0};
	struct event *er, *es;
	int sv[2];

	(void)state;
	pair(sv);
	er = event_new(base, sv[0], EV_READ | EV_PERSIST, count_cb, &r);
	es = evsignal_new(base, SIGUSR2, count_cb, &s);
	assert_int_equal(event_add(er, NULL), 0);
	assert_int_equal(event_add(es, NULL), 0);
	assert_int_equal(write(sv[1], "q", 1), 1);
	assert_int_equal(kill(getpid(), SIGUSR2), 0);
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	spin(base);
	assert_int_equal(r.calls, 1);
	assert_int_equal(s.calls, 1);
	event_free(er);
	event_free(es);
	close(sv[0]);
	close(sv[1]);
	event_base_free(base);
}

static void test_child_after_fork(void **state)
{
	struct event_base *base = event_base_new();
	struct counter c = {0, 0, 8};
	struct event *ev;
	int sv[2], status;
	pid_t pid;

	(void)state;
	pair(sv);
	ev = event_new(base, sv[0], EV_READ | EV_PERSIST, count_cb, &c);
	assert_int_equal(event_add(ev, NULL), 0);
	spin(base);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct timeval tv = {5, 0};
		alarm(10);
		if (event_reinit(base) < 0)
			_exit(2);
		event_base_loopexit(base, &tv);
		if (write(sv[1], "c", 1) != 1)
			_exit(3);
		while (c.calls == 0 && !event_base_got_exit(base))
			if (event_base_loop(base, EVLOOP_ONCE) < 0)
				_exit(4);
		_exit(c.calls == 1 ? 0 : 5);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The parent's registrations are intact (the child's count was its
	 * own). */
	assert_int_equal(write(sv[1], "p", 1), 1);
	spin(base);
	assert_int_equal(c.calls, 1);
	event_free(ev);
	close(sv[0]);
	close(sv[1]);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_method_is_the_one_asked_for),
	    cmocka_unit_test(test_read_and_write_on_one_fd),
	    cmocka_unit_test(test_many_fds),
	    cmocka_unit_test(test_closed_and_reused_fd),
	    cmocka_unit_test(test_edge_triggered),
	    cmocka_unit_test(test_end_of_stream),
	    cmocka_unit_test(test_wait_without_fds),
	    cmocka_unit_test(test_fd_and_signal_together),
	    cmocka_unit_test(test_child_after_fork),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
