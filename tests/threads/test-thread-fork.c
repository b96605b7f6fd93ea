/* Fork: a child that calls event_reinit() receives fd events and signals,
 * both those added before fork() and those added after; the parent keeps
 * working, even after the child deleted inherited events.  Run once per
 * backend; the same checks hold whether or not the backend needs a
 * rebuild.  Each case runs on a base without a lock, then with one.
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

enum {
	GOT_FD_BEFORE = 1,  /* fd event added before fork */
	GOT_FD_AFTER = 2,   /* fd event added in the child */
	GOT_SIG_BEFORE = 4, /* SIGUSR1, added before fork */
	GOT_SIG_AFTER = 8,  /* SIGUSR2, added in the child */
	GOT_KEPT = 16,      /* fd event the parent keeps using */
	GOT_ALL_CHILD = 15,
	CHILD_REINIT_FAILED = 32,
	CHILD_TIMED_OUT = 64,
	CHILD_SETUP_FAILED = 128
};

struct fx {
	struct event_base *base;
	int a[2], b[2], k[2]; /* before, after, kept by the parent */
	struct event ev_a, ev_b, ev_k, sig1, sig2, safety;
	int got;
	int want;
};

/* Callback argument: the fixture and the bit the event reports. */
struct tag {
	struct fx *f;
	int bit;
};

static struct tag tag_a, tag_b, tag_k, tag_s1, tag_s2;

static void fd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tag *t = arg;
	struct fx *f = t->f;
	char buf[8];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
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

/* Child side; returns its exit status. */
static int child(struct fx *f)
{
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
	/* Pass one loop iteration so the deletion reaches the backend. */
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	if (write(f->a[1], "a", 1) != 1 || write(f->b[1], "b", 1) != 1 ||
	    kill(getpid(), SIGUSR1) != 0 || kill(getpid(), SIGUSR2) != 0)
		return CHILD_SETUP_FAILED;
	run_until(f, GOT_ALL_CHILD);
	return (f->got & GOT_ALL_CHILD) == GOT_ALL_CHILD
		       ? 0
		       : (~f->got & GOT_ALL_CHILD) | (f->got & CHILD_TIMED_OUT);
}

static void fork_case(void)
{
	struct fx f;
	pid_t pid;
	int status;

	memset(&f, 0, sizeof(f));
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
	event_assign(&f.ev_a, f.base, f.a[0], EV_READ | EV_PERSIST, fd_cb,
		     &tag_a);
	event_assign(&f.ev_k, f.base, f.k[0], EV_READ | EV_PERSIST, fd_cb,
		     &tag_k);
	evsignal_assign(&f.sig1, f.base, SIGUSR1, sig_cb, &tag_s1);
	assert_int_equal(event_add(&f.ev_a, NULL), 0);
	assert_int_equal(event_add(&f.ev_k, NULL), 0);
	assert_int_equal(event_add(&f.sig1, NULL), 0);
	/* One iteration so every registration has reached the backend. */
	assert_int_equal(event_base_loop(f.base, EVLOOP_NONBLOCK), 0);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child(&f));
	assert_int_equal(waitpid(pid, &status, 0), pid);
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
	fork_case();
}

static void test_fork_locked_base(void **state)
{
	(void)state;
	evthread_use_pthreads();
	fork_case();
}

int main(void)
{
	/* Tests run in this order: the first base is created before
	 * evthread_use_pthreads(). */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_unlocked_base),
		cmocka_unit_test(test_fork_locked_base),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
