/* Fork: a child that calls event_reinit() receives fd events and signals,
 * both those added before fork() and those added after; the parent keeps
 * working, even after the child deleted inherited events.  Run once per
 * backend; the same checks hold whether or not the backend needs a
 * rebuild.  Each case runs on a base without a lock, then with one (where
 * the child also checks that another thread's event_active() wakes its
 * loop through the child's own wake-up channel); and with fork() called
 * from the parent's code between loops, then from inside a callback, the
 * child carrying on in the same loop.
 *
 * The child cannot use cmocka's asserts (they would unwind into a copy of
 * the runner): it checks by hand and reports a bitmask of failures as its
 * exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event.h>
#include <event2/thread.h>

#include "thread-util.h"

/* What the child saw (its exit status: the bits it missed) and what the
 * parent checks afterwards. */
enum {
	GOT_FD_BEFORE = 1,  /* fd event added before fork */
	GOT_FD_AFTER = 2,   /* fd event added in the child */
	GOT_SIG_BEFORE = 4, /* SIGUSR1, added before fork */
	GOT_SIG_AFTER = 8,  /* SIGUSR2, added in the child */
	GOT_CROSS = 16,     /* event_active() from a thread of the child */
	CHILD_SETUP_FAILED = 32,
	CHILD_TIMED_OUT = 64,
	CHILD_REINIT_FAILED = 128,
	GOT_KEPT = 256 /* fd event the parent keeps using */
};

struct fx {
	struct event_base *base;
	int locked;
	int a[2], b[2], k[2]; /* before, after, kept by the parent */
	struct event ev_a, ev_b, ev_k, sig1, sig2, cross, safety, forker;
	int got;
	int want;
	pid_t pid; /* the child, in the parent */
	int in_child;
	int child_status;
	pthread_t thr;
};

/* Callback argument: the fixture and the bit the event reports. */
struct tag {
	struct fx *f;
	int bit;
};

static struct tag tag_a, tag_b, tag_k, tag_s1, tag_s2, tag_cross;

static void fd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tag *t = arg;
	struct fx *f = t->f;
	char buf[8];
	int got_data = 0;

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		got_data = 1;
	/* Count only deliveries that carried data: a backend may report a
	 * readiness the other process consumed meanwhile (io_uring posts
	 * poll completions when data arrives, and the child drains the
	 * socket both processes share); a spurious wake-up is allowed. */
	if (!got_data)
		return;
	f->got |= t->bit;
	if ((f->got & f->want) == f->want)
		event_base_loopbreak(f->base);
}

static void sig_cb(evutil_socket_t signo, short what, void *arg)
{
	struct tag *t = arg;
	struct fx *f = t->f;

	(void)signo;
	(void)what;
	f->got |= t->bit;
	if ((f->got & f->want) == f->want)
		event_base_loopbreak(f->base);
}

static void safety_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fx *f = arg;

	(void)fd;
	(void)what;
	f->got |= CHILD_TIMED_OUT;
	event_base_loopbreak(f->base);
}

static void set_tag(struct tag *t, struct fx *f, int bit)
{
	t->f = f;
	t->bit = bit;
}

static void nonblock_pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
}

/* Runs the loop until every wanted bit came in, or 5 s. */
static void run_until(struct fx *f, int want)
{
	struct timeval five = {5, 0};

	f->want = want;
	evtimer_assign(&f->safety, f->base, safety_cb, f);
	event_add(&f->safety, &five);
	event_base_dispatch(f->base);
	event_del(&f->safety);
}

static void *cross_main(void *arg)
{
	struct fx *f = arg;

	tu_sleep_ms(20);
	event_active(&f->cross, EV_TIMEOUT, 1);
	return NULL;
}

static int child_want(struct fx *f)
{
	return GOT_FD_BEFORE | GOT_FD_AFTER | GOT_SIG_BEFORE | GOT_SIG_AFTER |
	       (f->locked ? GOT_CROSS : 0);
}

/* In the child, right after fork(): reinit, delete an inherited event, add
 * new ones, make everything fire.  Returns 0 or failure bits. */
static int child_setup(struct fx *f)
{
	f->in_child = 1;
	f->got = 0;
	if (event_reinit(f->base) != 0)
		return CHILD_REINIT_FAILED;
	/* The parent's registration of k must survive this. */
	if (event_del(&f->ev_k) != 0)
		return CHILD_SETUP_FAILED;
	event_assign(&f->ev_b, f->base, f->b[0], EV_READ | EV_PERSIST, fd_cb,
	             &tag_b);
	evsignal_assign(&f->sig2, f->base, SIGUSR2, sig_cb, &tag_s2);
	if (event_add(&f->ev_b, NULL) != 0 || event_add(&f->sig2, NULL) != 0)
		return CHILD_SETUP_FAILED;
	if (write(f->a[1], "a", 1) != 1 || write(f->b[1], "b", 1) != 1 ||
	    kill(getpid(), SIGUSR1) != 0 || kill(getpid(), SIGUSR2) != 0)
		return CHILD_SETUP_FAILED;
	if (f->locked) {
		event_assign(&f->cross, f->base, -1, 0, sig_cb, &tag_cross);
		if (pthread_create(&f->thr, NULL, cross_main, f) != 0)
			return CHILD_SETUP_FAILED;
	}
	return 0;
}

/* The child's exit status once its loop has returned. */
static int child_result(struct fx *f)
{
	int want = child_want(f);

	if (f->locked)
		pthread_join(f->thr, NULL);
	return (~f->got & want) | (f->got & CHILD_TIMED_OUT);
}

/* fork() between loops: the child runs a loop of its own. */
static void fork_outside(struct fx *f)
{
	/* One iteration so every registration has reached the backend. */
	assert_int_equal(event_base_loop(f->base, EVLOOP_NONBLOCK), 0);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		int r = child_setup(f);

		if (r != 0)
			_exit(r);
		/* An iteration first, so the deletion of k reaches the
		 * child's backend (and would reach the parent's if the
		 * kernel object were still shared). */
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		run_until(f, child_want(f));
		_exit(child_result(f));
	}
}

/* fork() from a callback: the child carries on in the loop that ran it. */
static void forker_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fx *f = arg;

	(void)fd;
	(void)what;
	f->pid = fork();
	if (f->pid != 0) {
		event_base_loopbreak(f->base);
		return;
	}
	f->child_status = child_setup(f);
	f->want = child_want(f);
	if (f->child_status != 0)
		event_base_loopbreak(f->base);
}

static void fork_inside(struct fx *f)
{
	struct timeval zero = {0, 0}, five = {5, 0};

	evtimer_assign(&f->forker, f->base, forker_cb, f);
	assert_int_equal(event_add(&f->forker, &zero), 0);
	evtimer_assign(&f->safety, f->base, safety_cb, f);
	assert_int_equal(event_add(&f->safety, &five), 0);
	f->want = 0x10000; /* nothing: only the forker stops the parent */
	event_base_dispatch(f->base);
	event_del(&f->safety);
	if (f->in_child)
		_exit(f->child_status ? f->child_status : child_result(f));
	assert_true(f->pid > 0);
}

static void fork_case(int locked, int inside)
{
	struct fx f;
	int status;

	memset(&f, 0, sizeof(f));
	f.locked = locked;
	if (locked)
		evthread_use_pthreads();
	f.base = event_base_new();
	assert_non_null(f.base);
	nonblock_pair(f.a);
	nonblock_pair(f.b);
	nonblock_pair(f.k);
	set_tag(&tag_a, &f, GOT_FD_BEFORE);
	set_tag(&tag_b, &f, GOT_FD_AFTER);
	set_tag(&tag_k, &f, GOT_KEPT);
	set_tag(&tag_s1, &f, GOT_SIG_BEFORE);
	set_tag(&tag_s2, &f, GOT_SIG_AFTER);
	set_tag(&tag_cross, &f, GOT_CROSS);
	event_assign(&f.ev_a, f.base, f.a[0], EV_READ | EV_PERSIST, fd_cb,
	             &tag_a);
	event_assign(&f.ev_k, f.base, f.k[0], EV_READ | EV_PERSIST, fd_cb,
	             &tag_k);
	evsignal_assign(&f.sig1, f.base, SIGUSR1, sig_cb, &tag_s1);
	assert_int_equal(event_add(&f.ev_a, NULL), 0);
	assert_int_equal(event_add(&f.ev_k, NULL), 0);
	assert_int_equal(event_add(&f.sig1, NULL), 0);
	if (inside)
		fork_inside(&f);
	else
		fork_outside(&f);
	assert_int_equal(waitpid(f.pid, &status, 0), f.pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("child reported 0x%x", WEXITSTATUS(status));

	/* The parent: its k registration and its signal still work. */
	f.got = 0;
	assert_int_equal(write(f.k[1], "k", 1), 1);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	run_until(&f, GOT_KEPT | GOT_SIG_BEFORE);
	assert_int_equal(f.got, GOT_KEPT | GOT_SIG_BEFORE);

	event_del(&f.ev_a);
	event_del(&f.ev_k);
	event_del(&f.sig1);
	event_base_free(f.base);
	close(f.a[0]);
	close(f.a[1]);
	close(f.b[0]);
	close(f.b[1]);
	close(f.k[0]);
	close(f.k[1]);
}

static void test_fork_unlocked_base(void **state)
{
	(void)state;
	fork_case(0, 0);
}

static void test_fork_in_callback_unlocked_base(void **state)
{
	(void)state;
	fork_case(0, 1);
}

static void test_fork_locked_base(void **state)
{
	(void)state;
	fork_case(1, 0);
}

static void test_fork_in_callback_locked_base(void **state)
{
	(void)state;
	fork_case(1, 1);
}

int main(void)
{
	/* Tests run in this order: the unlocked bases are created before
	 * evthread_use_pthreads(). */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fork_unlocked_base),
	    cmocka_unit_test(test_fork_in_callback_unlocked_base),
	    cmocka_unit_test(test_fork_locked_base),
	    cmocka_unit_test(test_fork_in_callback_locked_base),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
