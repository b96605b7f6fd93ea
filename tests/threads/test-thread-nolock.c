/* Threads: which bases get a lock.  Bases created before
 * evthread_use_pthreads(), or with EVENT_BASE_FLAG_NOLOCK, have none (and
 * so no wake-up channel either: one fd fewer); calling
 * evthread_use_pthreads() twice is harmless. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <string.h>

#include <event.h>
#include <event2/thread.h>

#include "thread-util.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Open fds a new base costs, with this configuration. */
static int fds_of_new_base(int nolock, struct event_base **out)
{
	struct event_config *cfg = event_config_new();
	int before = count_fds();

	assert_non_null(cfg);
	if (nolock)
		assert_int_equal(
		    event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK), 0);
	*out = event_base_new_with_config(cfg);
	event_config_free(cfg);
	assert_non_null(*out);
	return count_fds() - before;
}

static int fired;

static void cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	fired++;
}

/* A base works on its own thread whatever its locking. */
static void run_one_timer(struct event_base *base)
{
	struct event ev;
	struct timeval tv = {0, 1000};

	fired = 0;
	evtimer_assign(&ev, base, cb, NULL);
	assert_int_equal(event_add(&ev, &tv), 0);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(fired, 1);
}

static void test_which_bases_lock(void **state)
{
	struct event_base *early, *nolock, *locked, *again;
	int n_early, n_nolock, n_locked, n_again;

	(void)state;
	if (count_fds() < 0)
		skip();
	n_early = fds_of_new_base(0, &early);
	assert_int_equal(evthread_use_pthreads(), 0);
	n_nolock = fds_of_new_base(1, &nolock);
	n_locked = fds_of_new_base(0, &locked);
	assert_int_equal(evthread_use_pthreads(), 0);
	n_again = fds_of_new_base(0, &again);

	/* Only the locked bases carry the wake-up fd. */
	assert_int_equal(n_nolock, n_early);
	assert_int_equal(n_locked, n_early + 1);
	assert_int_equal(n_again, n_locked);

	run_one_timer(early);
	run_one_timer(nolock);
	run_one_timer(locked);
	run_one_timer(again);
	event_base_free(early);
	event_base_free(nolock);
	event_base_free(locked);
	event_base_free(again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_which_bases_lock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
