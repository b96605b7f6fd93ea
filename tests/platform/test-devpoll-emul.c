/* The /dev/poll emulation keeps the documented poll(7d) semantics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/devpoll.h>

static int sv[2];
static int dp;

static int setup(void **state)
{
	(void)state;
	dp = open("/dev/poll", O_RDWR);
	if (dp < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(dp);
	close(sv[0]);
	close(sv[1]);
	return 0;
}

static void put(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};

	assert_int_equal(write(dp, &p, sizeof(p)), (ssize_t)sizeof(p));
}

static int dpoll(struct pollfd *out, int n, int ms)
{
	struct dvpoll dv = {
	    .dp_fds = out, .dp_nfds = (nfds_t)n, .dp_timeout = ms};

	return ioctl(dp, DP_POLL, &dv);
}

static short polled(int fd)
{
	struct pollfd p = {.fd = fd};

	if (ioctl(dp, DP_ISPOLLED, &p) != 1)
		return 0;
	return p.revents;
}

static void test_events_are_ored_until_pollremove(void **state)
{
	struct pollfd out[4];

	(void)state;
	put(sv[0], POLLIN);
	assert_int_equal(dpoll(out, 4, 0), 0);
	put(sv[0], POLLOUT);
	assert_int_equal(polled(sv[0]), POLLIN | POLLOUT);
	assert_int_equal(dpoll(out, 4, 0), 1);
	assert_int_equal(out[0].fd, sv[0]);
	assert_int_equal(out[0].revents, POLLOUT);
	/* Only POLLREMOVE narrows the interest. */
	put(sv[0], POLLREMOVE);
	assert_int_equal(polled(sv[0]), 0);
	put(sv[0], POLLIN);
	assert_int_equal(polled(sv[0]), POLLIN);
	assert_int_equal(dpoll(out, 4, 0), 0);
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(dpoll(out, 4, 0), 1);
	assert_int_equal(out[0].revents, POLLIN);
	/* Level-triggered. */
	assert_int_equal(dpoll(out, 4, 0), 1);
	/* POLLREMOVE of an fd not in the set is no error. */
	put(sv[1], POLLREMOVE);
}

static void test_batch_size_and_timeout(void **state)
{
	struct pollfd out[4];
	struct timespec a, b;
	long ms;

	(void)state;
	put(sv[0], POLLOUT);
	put(sv[1], POLLOUT);
	/* A batch of one returns one of the two ready fds. */
	assert_int_equal(dpoll(out, 1, 0), 1);
	assert_int_equal(dpoll(out, 4, 0), 2);
	put(sv[0], POLLREMOVE);
	put(sv[1], POLLREMOVE);
	put(sv[0], POLLIN);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(dpoll(out, 4, 30), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms >= 25);
	assert_int_equal(dpoll(out, 0, 0), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_bad_writes_and_fds(void **state)
{
	struct pollfd p[2] = {{.fd = sv[0], .events = POLLIN}};
	struct pollfd out[4];
	int fd;

	(void)state;
	assert_int_equal(write(dp, p, sizeof(p[0]) + 1), -1);
	assert_int_equal(errno, EINVAL);
	fd = dup(sv[0]);
	close(fd);
	put(fd, POLLIN);
	assert_int_equal(dpoll(out, 4, 0), 1);
	assert_int_equal(out[0].fd, fd);
	assert_int_equal(out[0].revents, POLLNVAL);
	put(fd, POLLREMOVE);
	assert_int_equal(dpoll(out, 4, 0), 0);
	/* Closing an fd removes it from the set. */
	fd = dup(sv[0]);
	put(fd, POLLOUT);
	assert_int_equal(polled(fd), POLLOUT);
	close(fd);
	assert_int_equal(dup2(sv[1], fd), fd);
	assert_int_equal(polled(fd), 0);
	assert_int_equal(dpoll(out, 4, 0), 0);
	close(fd);
	assert_int_equal(open("/dev/poll", O_RDONLY), -1);
	assert_int_equal(errno, EACCES);
}

static void test_other_fds_pass_through(void **state)
{
	char c;

	(void)state;
	assert_int_equal(write(sv[1], "y", 1), 1);
	assert_int_equal(read(sv[0], &c, 1), 1);
	assert_int_equal(c, 'y');
}

static void test_child_may_not_use_it(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pollfd out[1];
		int r = dpoll(out, 1, 0);
		_exit(r == -1 && errno == EACCES ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_events_are_ored_until_pollremove),
	    T(test_batch_size_and_timeout),
	    T(test_bad_writes_and_fds),
	    T(test_other_fds_pass_through),
	    T(test_child_may_not_use_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
