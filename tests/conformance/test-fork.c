/* Conformance: a base survives fork() with event_reinit() in the child. */
#include "conformance.h"

#include <signal.h>
#include <sys/wait.h>

struct hits {
	int pre_fd, post_fd, pre_sig, post_sig;
};

static void fd_cb(evutil_socket_t fd, short what, void *arg)
{
	int *n = arg;
	char c;

	if ((what & EV_READ) && read(fd, &c, 1) == 1)
		(*n)++;
}

static void sig_cb(evutil_socket_t sig, short what, void *arg)
{
	int *n = arg;

	(void)sig;
	if (what & EV_SIGNAL)
		(*n)++;
}

static void guard_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Waits for the child at most `ms`; kills it on overrun.  Returns its
 * wait status, or -1 on timeout. */
static int wait_bounded(pid_t pid, int ms)
{
	int status, i;

	for (i = 0; i < ms / 10; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/*
 * The child checks everything itself and reports through its exit status
 * (a bit per missing delivery), since cmocka's asserts do not cross fork.
 */
static int child_main(struct event_base *base, struct hits *h, int pre_peer,
                      struct event *pre_fd)
{
	struct event post_fd, post_sig, guard_ev;
	struct timeval guard = {3, 0};
	int sv[2], code = 0, expired = 0;

	if (event_reinit(base) < 0)
		return 100;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		return 101;
	event_assign(&post_fd, base, sv[0], EV_READ, fd_cb, &h->post_fd);
	evsignal_assign(&post_sig, base, SIGUSR2, sig_cb, &h->post_sig);
	if (event_add(&post_fd, NULL) < 0 || evsignal_add(&post_sig, NULL) < 0)
		return 102;
	if (write(pre_peer, "c", 1) != 1 || write(sv[1], "c", 1) != 1)
		return 103;
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR2);
	evtimer_assign(&guard_ev, base, guard_cb, &expired);
	evtimer_add(&guard_ev, &guard);
	/* Stop as soon as all four came (the signal events are persistent). */
	while (!(h->pre_fd && h->post_fd && h->pre_sig && h->post_sig) &&
	       !expired)
		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			return 104;
	code |= h->pre_fd ? 0 : 1;
	code |= h->post_fd ? 0 : 2;
	code |= h->pre_sig ? 0 : 4;
	code |= h->post_sig ? 0 : 8;
	/* Drop the inherited fd event and let the loop tell the backend.  If
	 * the child still shared the parent's kernel object (no real
	 * reinit), the parent would lose the fd: it checks below. */
	event_del(pre_fd);
	if (event_base_loop(base, EVLOOP_NONBLOCK) < 0)
		code |= 16;
	/* Here, while post_fd and post_sig still exist. */
	event_base_free(base);
	return code;
}

static void test_fork_reinit(void **state)
{
	struct event_base *base = conf_base();
	struct hits h = {0};
	struct event pre_fd, pre_sig;
	struct timeval tv = {0, 0};
	int sv[2], status;
	pid_t pid;

	(void)state;
	conf_pair(sv);
	event_assign(&pre_fd, base, sv[0], EV_READ | EV_PERSIST, fd_cb,
	             &h.pre_fd);
	evsignal_assign(&pre_sig, base, SIGUSR1, sig_cb, &h.pre_sig);
	assert_int_equal(event_add(&pre_fd, NULL), 0);
	assert_int_equal(evsignal_add(&pre_sig, NULL), 0);
	/* Run once so the backend really holds the fd before the fork. */
	assert_int_equal(event_base_loopexit(base, &tv), 0);
	assert_int_equal(event_base_dispatch(base), 0);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		_exit(child_main(base, &h, sv[1], &pre_fd));
	}
	status = wait_bounded(pid, 6000);
	assert_int_not_equal(status, -1);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* The parent's base is untouched by the child: the byte the child
	 * wrote was read there, so nothing is pending; a new one arrives. */
	{
		struct timeval stop = {0, 200000};
		char c;
		while (read(sv[0], &c, 1) == 1)
			;
		conf_write1(sv[1]);
		kill(getpid(), SIGUSR1);
		assert_int_equal(event_base_loopexit(base, &stop), 0);
		assert_int_equal(event_base_dispatch(base), 0);
		assert_int_equal(h.pre_fd, 1);
		assert_int_equal(h.pre_sig, 1);
	}
	event_base_free(base);
	conf_close_pair(sv);
}

/* A child that forks without any events added, then adds them. */
static void test_fork_empty_base(void **state)
{
	struct event_base *base = conf_base();
	struct hits h = {0};
	int sv[2], status;
	pid_t pid;

	(void)state;
	conf_pair(sv);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct event e, s, g;
		struct timeval guard = {3, 0};
		int expired = 0;
		if (event_reinit(base) < 0)
			_exit(100);
		event_assign(&e, base, sv[0], EV_READ, fd_cb, &h.post_fd);
		event_assign(&s, base, SIGUSR2, EV_SIGNAL, sig_cb, &h.post_sig);
		if (event_add(&e, NULL) < 0 || event_add(&s, NULL) < 0)
			_exit(102);
		if (write(sv[1], "c", 1) != 1)
			_exit(103);
		kill(getpid(), SIGUSR2);
		evtimer_assign(&g, base, guard_cb, &expired);
		evtimer_add(&g, &guard);
		while (!(h.post_fd && h.post_sig) && !expired)
			if (event_base_loop(base, EVLOOP_ONCE) < 0)
				_exit(104);
		event_base_free(base);
		_exit((h.post_fd ? 0 : 2) | (h.post_sig ? 0 : 8));
	}
	status = wait_bounded(pid, 6000);
	assert_int_not_equal(status, -1);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	event_base_free(base);
	conf_close_pair(sv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    CONF_TEST(test_fork_reinit),
	    CONF_TEST(test_fork_empty_base),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
