/* Threads: calls from another thread wake a loop blocked in its backend.
 *
 * Every loop here has only an idle fd and a 10 s safety timer, so without a
 * wake-up it would sleep 10 s; each test asserts the other thread's action
 * took effect in well under that (bound: 2 s, to stay robust on a loaded
 * machine). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>
#include <event2/thread.h>

#include "thread-util.h"

#define BOUND_MS 2000

struct fx {
	struct tu_safety safety;
	struct event_base *base;
	int idle[2]; /* never written: keeps the loop in the backend */
	int data[2];
	struct event idle_ev, started_ev, target;
	atomic_int started;
	atomic_int fired;
	atomic_llong fired_at;
};

static void nop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static void started_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fx *f = arg;

	(void)fd;
	(void)what;
	atomic_store(&f->started, 1);
}

/* The target's callback: note the time and stop the loop. */
static void target_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fx *f = arg;
	char c;

	(void)what;
	if (fd >= 0)
		while (read(fd, &c, 1) == 1)
			;
	atomic_fetch_add(&f->fired, 1);
	atomic_store(&f->fired_at, tu_now_ms());
	event_base_loopbreak(f->base);
}

static int fx_setup(void **state)
{
	static struct fx f;
	struct timeval zero = {0, 0};

	memset(&f, 0, sizeof(f));
	f.base = event_base_new();
	assert_non_null(f.base);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, f.idle), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, f.data), 0);
	assert_int_equal(fcntl(f.data[0], F_SETFL, O_NONBLOCK), 0);
	event_assign(&f.idle_ev, f.base, f.idle[0], EV_READ | EV_PERSIST,
	             nop_cb, NULL);
	assert_int_equal(event_add(&f.idle_ev, NULL), 0);
	assert_int_equal(tu_safety_start(&f.safety, f.base, 10), 0);
	evtimer_assign(&f.started_ev, f.base, started_cb, &f);
	assert_int_equal(event_add(&f.started_ev, &zero), 0);
	*state = &f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	event_del(&f->idle_ev);
	event_del(&f->safety.ev);
	event_del(&f->target);
	event_base_free(f->base);
	close(f->idle[0]);
	close(f->idle[1]);
	close(f->data[0]);
	close(f->data[1]);
	return 0;
}

/* Waits until the loop has run a first iteration, then a little more so
 * it is asleep in the backend. */
static void wait_loop_asleep(struct fx *f)
{
	assert_true(tu_wait_flag(&f->started, 5000));
	tu_sleep_ms(50);
}

static void check_fired(struct fx *f, int64_t t0)
{
	int64_t took = atomic_load(&f->fired_at) - t0;

	assert_int_equal(tu_safety_fired(&f->safety), 0);
	assert_int_equal(atomic_load(&f->fired), 1);
	assert_true(took >= 0);
	if (took >= BOUND_MS)
		fail_msg("woke after %lld ms (bound %d)", (long long)took,
		         BOUND_MS);
}

static void test_active_wakes(void **state)
{
	struct fx *f = *state;
	struct tu_loop l;
	int64_t t0;

	event_assign(&f->target, f->base, -1, 0, target_cb, f);
	assert_int_equal(tu_loop_start(&l, f->base, 0), 0);
	wait_loop_asleep(f);
	t0 = tu_now_ms();
	event_active(&f->target, EV_TIMEOUT, 1);
	assert_int_equal(tu_loop_join(&l), 0);
	check_fired(f, t0);
}

static void test_add_timer_wakes(void **state)
{
	struct fx *f = *state;
	struct timeval ms10 = {0, 10000};
	struct tu_loop l;
	int64_t t0;

	evtimer_assign(&f->target, f->base, target_cb, f);
	assert_int_equal(tu_loop_start(&l, f->base, 0), 0);
	wait_loop_asleep(f);
	t0 = tu_now_ms();
	assert_int_equal(event_add(&f->target, &ms10), 0);
	assert_int_equal(tu_loop_join(&l), 0);
	check_fired(f, t0);
	assert_true(atomic_load(&f->fired_at) - t0 >= 10);
}

/* An fd added while the loop sleeps reaches the backend at once. */
static void test_add_fd_wakes(void **state)
{
	struct fx *f = *state;
	struct tu_loop l;
	int64_t t0;

	event_assign(&f->target, f->base, f->data[0], EV_READ, target_cb, f);
	assert_int_equal(tu_loop_start(&l, f->base, 0), 0);
	wait_loop_asleep(f);
	assert_int_equal(write(f->data[1], "x", 1), 1);
	t0 = tu_now_ms();
	assert_int_equal(event_add(&f->target, NULL), 0);
	assert_int_equal(tu_loop_join(&l), 0);
	check_fired(f, t0);
}

/* The fd is added first and written later: the backend must watch it. */
static void test_add_fd_then_write(void **state)
{
	struct fx *f = *state;
	struct tu_loop l;
	int64_t t0;

	event_assign(&f->target, f->base, f->data[0], EV_READ, target_cb, f);
	assert_int_equal(tu_loop_start(&l, f->base, 0), 0);
	wait_loop_asleep(f);
	assert_int_equal(event_add(&f->target, NULL), 0);
	tu_sleep_ms(50);
	assert_int_equal(atomic_load(&f->fired), 0);
	t0 = tu_now_ms();
	assert_int_equal(write(f->data[1], "x", 1), 1);
	assert_int_equal(tu_loop_join(&l), 0);
	check_fired(f, t0);
}

static void test_loopbreak_from_thread(void **state)
{
	struct fx *f = *state;
	struct tu_loop l;
	int64_t t0, took;

	assert_int_equal(tu_loop_start(&l, f->base, 0), 0);
	wait_loop_asleep(f);
	t0 = tu_now_ms();
	assert_int_equal(event_base_loopbreak(f->base), 0);
	assert_int_equal(tu_loop_join(&l), 0);
	took = tu_now_ms() - t0;
	assert_int_equal(tu_safety_fired(&f->safety), 0);
	assert_true(event_base_got_break(f->base));
	assert_true(took < BOUND_MS);
}

static void test_loopexit_from_thread(void **state)
{
	struct fx *f = *state;
	struct tu_loop l;
	int64_t t0, took;

	assert_int_equal(tu_loop_start(&l, f->base, 0), 0);
	wait_loop_asleep(f);
	t0 = tu_now_ms();
	assert_int_equal(event_base_loopexit(f->base, NULL), 0);
	assert_int_equal(tu_loop_join(&l), 0);
	took = tu_now_ms() - t0;
	assert_int_equal(tu_safety_fired(&f->safety), 0);
	assert_true(event_base_got_exit(f->base));
	assert_true(took < BOUND_MS);
}

/* A later exit: the loop must wake to re-arm its wait for the new,
 * earlier deadline. */
static void test_loopexit_timeout_from_thread(void **state)
{
	struct fx *f = *state;
	struct timeval ms50 = {0, 50000};
	struct tu_loop l;
	int64_t t0, took;

	assert_int_equal(tu_loop_start(&l, f->base, 0), 0);
	wait_loop_asleep(f);
	t0 = tu_now_ms();
	assert_int_equal(event_base_loopexit(f->base, &ms50), 0);
	assert_int_equal(tu_loop_join(&l), 0);
	took = tu_now_ms() - t0;
	assert_int_equal(tu_safety_fired(&f->safety), 0);
	assert_true(event_base_got_exit(f->base));
	assert_true(took >= 50);
	assert_true(took < BOUND_MS);
}

static void test_once_from_thread(void **state)
{
	struct fx *f = *state;
	struct tu_loop l;
	int64_t t0;

	evtimer_assign(&f->target, f->base, nop_cb, NULL);
	assert_int_equal(tu_loop_start(&l, f->base, 0), 0);
	wait_loop_asleep(f);
	t0 = tu_now_ms();
	assert_int_equal(
	    event_base_once(f->base, -1, EV_TIMEOUT, target_cb, f, NULL), 0);
	assert_int_equal(tu_loop_join(&l), 0);
	check_fired(f, t0);
}

/* Deleting the last events from another thread lets the loop see it has
 * nothing left to wait for. */
static void test_del_last_events_from_thread(void **state)
{
	struct fx *f = *state;
	struct tu_loop l;
	int64_t t0, took;

	assert_int_equal(tu_loop_start(&l, f->base, 0), 0);
	wait_loop_asleep(f);
	t0 = tu_now_ms();
	assert_int_equal(event_del(&f->safety.ev), 0);
	assert_int_equal(event_del(&f->idle_ev), 0);
	assert_int_equal(tu_loop_join(&l), 1);
	took = tu_now_ms() - t0;
	assert_true(took < BOUND_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_active_wakes, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_add_timer_wakes, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_add_fd_wakes, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_add_fd_then_write, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_loopbreak_from_thread,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_loopexit_from_thread, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_loopexit_timeout_from_thread,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_once_from_thread, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_del_last_events_from_thread,
	                                    fx_setup, fx_teardown),
	};

	evthread_use_pthreads();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
