/* Threads: the event_del() rule.  From another thread, event_del() of an
 * event whose callback is running waits for the callback to return; from
 * a callback in the loop thread it never waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <event.h>
#include <event2/thread.h>

#include "thread-util.h"

struct slow {
	struct event_base *base;
	atomic_int in_cb;
	atomic_int done;
	int calls;
};

/* Sleeps long enough that a non-waiting event_del() would return first. */
static void slow_cb(evutil_socket_t fd, short what, void *arg)
{
	struct slow *s = arg;

	(void)fd;
	(void)what;
	s->calls++;
	atomic_store(&s->in_cb, 1);
	tu_sleep_ms(200);
	atomic_store(&s->done, 1);
}

static void test_del_waits_for_running_cb(void **state)
{
	struct slow s;
	struct event ev;
	struct tu_loop l;
	int64_t t0;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.base = event_base_new();
	assert_non_null(s.base);
	event_assign(&ev, s.base, -1, EV_PERSIST, slow_cb, &s);
	assert_int_equal(tu_loop_start(&l, s.base, EVLOOP_NO_EXIT_ON_EMPTY), 0);
	event_active(&ev, EV_TIMEOUT, 1);
	assert_true(tu_wait_flag(&s.in_cb, 5000));
	t0 = tu_now_ms();
	assert_int_equal(event_del(&ev), 0);
	/* The callback had returned before event_del() did. */
	assert_int_equal(atomic_load(&s.done), 1);
	assert_true(tu_now_ms() - t0 >= 50);
	assert_int_equal(event_base_loopbreak(s.base), 0);
	assert_int_equal(tu_loop_join(&l), 0);
	assert_int_equal(s.calls, 1);
	event_base_free(s.base);
}

/* event_free() from another thread: the memory goes only after the
 * callback is done with it. */
static void test_free_waits_for_running_cb(void **state)
{
	struct slow s;
	struct event *ev;
	struct tu_loop l;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.base = event_base_new();
	assert_non_null(s.base);
	ev = event_new(s.base, -1, 0, slow_cb, &s);
	assert_non_null(ev);
	assert_int_equal(tu_loop_start(&l, s.base, EVLOOP_NO_EXIT_ON_EMPTY), 0);
	event_active(ev, EV_TIMEOUT, 1);
	assert_true(tu_wait_flag(&s.in_cb, 5000));
	event_free(ev);
	assert_int_equal(atomic_load(&s.done), 1);
	assert_int_equal(event_base_loopbreak(s.base), 0);
	assert_int_equal(tu_loop_join(&l), 0);
	event_base_free(s.base);
}

/* An event not running now is deleted without waiting, even while another
 * callback is slow. */
static void test_del_other_event_does_not_wait(void **state)
{
	struct slow s;
	struct event ev, other;
	struct timeval long_tv = {30, 0};
	struct tu_loop l;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.base = event_base_new();
	assert_non_null(s.base);
	event_assign(&ev, s.base, -1, 0, slow_cb, &s);
	evtimer_assign(&other, s.base, slow_cb, &s);
	assert_int_equal(event_add(&other, &long_tv), 0);
	assert_int_equal(tu_loop_start(&l, s.base, EVLOOP_NO_EXIT_ON_EMPTY), 0);
	event_active(&ev, EV_TIMEOUT, 1);
	assert_true(tu_wait_flag(&s.in_cb, 5000));
	assert_int_equal(event_del(&other), 0);
	assert_int_equal(atomic_load(&s.done), 0);
	assert_int_equal(event_base_loopbreak(s.base), 0);
	assert_int_equal(tu_loop_join(&l), 0);
	event_base_free(s.base);
}

struct selfdel {
	struct event_base *base;
	struct event ev, peer;
	struct event *heap_ev;
	int calls;
};

/* Deletes itself, a peer, and frees a heap event, all from the loop
 * thread: none of these may wait for the running callback. */
static void selfdel_cb(evutil_socket_t fd, short what, void *arg)
{
	struct selfdel *d = arg;

	(void)fd;
	(void)what;
	d->calls++;
	assert_int_equal(event_del(&d->ev), 0);
	assert_int_equal(event_del(&d->peer), 0);
	event_free(d->heap_ev);
	d->heap_ev = NULL;
}

static void heap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct selfdel *d = arg;

	(void)fd;
	(void)what;
	/* Its own callback frees it: the loop must not touch it after. */
	event_free(d->heap_ev);
	d->heap_ev = NULL;
	d->calls++;
}

static void test_del_from_own_cb_no_deadlock(void **state)
{
	struct selfdel d;
	struct timeval tv = {0, 1000}, long_tv = {30, 0};

	(void)state;
	memset(&d, 0, sizeof(d));
	d.base = event_base_new();
	assert_non_null(d.base);
	event_assign(&d.ev, d.base, -1, EV_PERSIST, selfdel_cb, &d);
	evtimer_assign(&d.peer, d.base, selfdel_cb, &d);
	d.heap_ev = evtimer_new(d.base, heap_cb, &d);
	assert_non_null(d.heap_ev);
	assert_int_equal(event_add(&d.ev, &tv), 0);
	assert_int_equal(event_add(&d.peer, &long_tv), 0);
	assert_int_equal(event_add(d.heap_ev, &long_tv), 0);
	/* Ran out of events: every one was deleted from the callback. */
	assert_int_equal(event_base_dispatch(d.base), 1);
	assert_int_equal(d.calls, 1);
	assert_null(d.heap_ev);

	/* And an event freed by its own callback, in a loop thread. */
	d.heap_ev = evtimer_new(d.base, heap_cb, &d);
	assert_non_null(d.heap_ev);
	assert_int_equal(event_add(d.heap_ev, &tv), 0);
	{
		struct tu_loop l;

		assert_int_equal(tu_loop_start(&l, d.base, 0), 0);
		assert_int_equal(tu_loop_join(&l), 1);
	}
	assert_int_equal(d.calls, 2);
	assert_null(d.heap_ev);
	event_base_free(d.base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_del_waits_for_running_cb),
	    cmocka_unit_test(test_free_waits_for_running_cb),
	    cmocka_unit_test(test_del_other_event_does_not_wait),
	    cmocka_unit_test(test_del_from_own_cb_no_deadlock),
	};

	evthread_use_pthreads();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
