/* The kqueue emulation keeps the documented kqueue(2) semantics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/event.h"

static const struct timespec zero = {0, 0};

static int sv[2];
static int kq;

static int setup(void **state)
{
	(void)state;
	kq = kqueue();
	if (kq < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(kq);
	close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	return 0;
}

static int change(int fd, short filter, unsigned short flags)
{
	struct kevent ch, res;
	int n;

	EV_SET(&ch, (uintptr_t)fd, filter, flags | EV_RECEIPT, 0, 0, NULL);
	n = kevent(kq, &ch, 1, &res, 1, &zero);
	assert_int_equal(n, 1);
	assert_true(res.flags & EV_ERROR);
	assert_int_equal(res.ident, (uintptr_t)fd);
	return (int)res.data;
}

static void test_receipt_success_returns_at_once(void **state)
{
	struct kevent ch[2], res[2];

	(void)state;
	assert_int_equal(write(sv[1], "x", 1), 1);
	EV_SET(&ch[0], (uintptr_t)sv[0], EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0,
	       NULL);
	EV_SET(&ch[1], (uintptr_t)sv[0], EVFILT_WRITE, EV_ADD | EV_RECEIPT, 0,
	       0, NULL);
	/* Receipts only, although sv[0] is readable and writable. */
	assert_int_equal(kevent(kq, ch, 2, res, 2, NULL), 2);
	assert_int_equal(res[0].flags, EV_ERROR);
	assert_int_equal(res[0].data, 0);
	assert_int_equal(res[1].filter, EVFILT_WRITE);
	assert_int_equal(res[1].data, 0);
}

static void test_errors_per_change(void **state)
{
	struct kevent ch[3], res[3];
	int n;

	(void)state;
	EV_SET(&ch[0], (uintptr_t)-1, EVFILT_READ, EV_ADD, 0, 0, NULL);
	EV_SET(&ch[1], (uintptr_t)sv[0], EVFILT_READ, EV_ADD, 0, 0, NULL);
	EV_SET(&ch[2], (uintptr_t)sv[0], EVFILT_WRITE, EV_DELETE, 0, 0, NULL);
	n = kevent(kq, ch, 3, res, 3, &zero);
	assert_int_equal(n, 2);
	assert_int_equal(res[0].ident, (uintptr_t)-1);
	assert_int_equal(res[0].data, EBADF);
	assert_int_equal(res[1].filter, EVFILT_WRITE);
	assert_int_equal(res[1].data, ENOENT);
	/* The good change in between was applied. */
	assert_int_equal(change(sv[0], EVFILT_READ, EV_DELETE), 0);
	/* No room for the error: the call itself fails. */
	errno = 0;
	assert_int_equal(kevent(kq, ch, 1, NULL, 0, &zero), -1);
	assert_int_equal(errno, EBADF);
	EV_SET(&ch[0], (uintptr_t)sv[0], 99, EV_ADD, 0, 0, NULL);
	assert_int_equal(kevent(kq, ch, 1, res, 1, &zero), 1);
	assert_int_equal(res[0].data, EINVAL);
}

static void test_read_data_and_eof(void **state)
{
	struct kevent ev[4];
	int n;

	(void)state;
	assert_int_equal(change(sv[0], EVFILT_READ, EV_ADD), 0);
	assert_int_equal(kevent(kq, NULL, 0, ev, 4, &zero), 0);
	assert_int_equal(write(sv[1], "hello", 5), 5);
	n = kevent(kq, NULL, 0, ev, 4, &zero);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].filter, EVFILT_READ);
	assert_int_equal(ev[0].data, 5);
	assert_false(ev[0].flags & EV_EOF);
	/* Level-triggered: still there. */
	assert_int_equal(kevent(kq, NULL, 0, ev, 4, &zero), 1);
	close(sv[1]);
	sv[1] = -1;
	assert_int_equal(kevent(kq, NULL, 0, ev, 4, &zero), 1);
	assert_true(ev[0].flags & EV_EOF);
	assert_int_equal(ev[0].data, 5);
}

static void test_oneshot(void **state)
{
	struct kevent ev[2];

	(void)state;
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(change(sv[0], EVFILT_READ, EV_ADD | EV_ONESHOT), 0);
	assert_int_equal(kevent(kq, NULL, 0, ev, 2, &zero), 1);
	assert_int_equal(kevent(kq, NULL, 0, ev, 2, &zero), 0);
	assert_int_equal(change(sv[0], EVFILT_READ, EV_DELETE), ENOENT);
}

static void test_clear_and_dispatch(void **state)
{
	struct kevent ev[2];

	(void)state;
	assert_int_equal(change(sv[0], EVFILT_READ, EV_ADD | EV_CLEAR), 0);
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(kevent(kq, NULL, 0, ev, 2, &zero), 1);
	assert_int_equal(kevent(kq, NULL, 0, ev, 2, &zero), 0);
	assert_int_equal(write(sv[1], "y", 1), 1);
	assert_int_equal(kevent(kq, NULL, 0, ev, 2, &zero), 1);
	assert_int_equal(ev[0].data, 2);
	/* EV_DISPATCH: disabled after retrieval until EV_ENABLE. */
	assert_int_equal(change(sv[0], EVFILT_READ, EV_ADD | EV_DISPATCH), 0);
	assert_int_equal(kevent(kq, NULL, 0, ev, 2, &zero), 1);
	assert_int_equal(kevent(kq, NULL, 0, ev, 2, &zero), 0);
	assert_int_equal(change(sv[0], EVFILT_READ, EV_ENABLE), 0);
	assert_int_equal(kevent(kq, NULL, 0, ev, 2, &zero), 1);
	assert_int_equal(change(sv[0], EVFILT_READ, EV_DISABLE), 0);
	assert_int_equal(kevent(kq, NULL, 0, ev, 2, &zero), 0);
}

static void test_close_removes_knotes(void **state)
{
	int fd;

	(void)state;
	fd = dup(sv[0]);
	assert_true(fd >= 0);
	assert_int_equal(change(fd, EVFILT_READ, EV_ADD), 0);
	close(fd);
	assert_int_equal(change(fd, EVFILT_READ, EV_DELETE), EBADF);
	fd = dup(sv[0]);
	assert_int_equal(change(fd, EVFILT_READ, EV_ADD), 0);
	close(fd);
	/* The number now names another file: its knotes are gone. */
	assert_int_equal(dup2(sv[1], fd), fd);
	assert_int_equal(change(fd, EVFILT_READ, EV_DELETE), ENOENT);
	close(fd);
}

static void test_closed_fd_is_not_reported(void **state)
{
	struct kevent ev[2];
	int fd, i;

	(void)state;
	/* The file outlives the fd (sv[0] still refers to it). */
	fd = dup(sv[0]);
	assert_int_equal(change(fd, EVFILT_READ, EV_ADD), 0);
	assert_int_equal(write(sv[1], "x", 1), 1);
	close(fd);
	assert_int_equal(dup2(sv[1], fd), fd);
	for (i = 0; i < 3; i++)
		assert_int_equal(kevent(kq, NULL, 0, ev, 2, &zero), 0);
	close(fd);
}

static void test_udata_and_timeout(void **state)
{
	struct timespec ts = {0, 20 * 1000 * 1000};
	struct kevent ch, ev;
	int tag;

	(void)state;
	EV_SET(&ch, (uintptr_t)sv[0], EVFILT_WRITE, EV_ADD, 0, 0, &tag);
	assert_int_equal(kevent(kq, &ch, 1, &ev, 1, &zero), 1);
	assert_ptr_equal(ev.udata, &tag);
	assert_true(ev.data > 0);
	EV_SET(&ch, (uintptr_t)sv[0], EVFILT_WRITE, EV_DELETE, 0, 0, NULL);
	assert_int_equal(kevent(kq, &ch, 1, &ev, 1, &ts), 0);
}

static void test_signal_counts(void **state)
{
	struct kevent ch, ev;

	(void)state;
	signal(SIGUSR1, SIG_IGN);
	EV_SET(&ch, SIGUSR1, EVFILT_SIGNAL, EV_ADD, 0, 0, NULL);
	assert_int_equal(kevent(kq, &ch, 1, NULL, 0, &zero), 0);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(kevent(kq, NULL, 0, &ev, 1, NULL), 1);
	assert_int_equal(ev.filter, EVFILT_SIGNAL);
	assert_int_equal(ev.ident, SIGUSR1);
	assert_int_equal(ev.data, 2);
	assert_int_equal(kevent(kq, NULL, 0, &ev, 1, &zero), 0);
	EV_SET(&ch, SIGUSR1, EVFILT_SIGNAL, EV_DELETE, 0, 0, NULL);
	assert_int_equal(kevent(kq, &ch, 1, NULL, 0, &zero), 0);
}

static void test_not_inherited_by_fork(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct kevent ev;
		int r = kevent(kq, NULL, 0, &ev, 1, &zero);
		_exit(r == -1 && errno == EBADF ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_receipt_success_returns_at_once),
	    T(test_errors_per_change),
	    T(test_read_data_and_eof),
	    T(test_oneshot),
	    T(test_clear_and_dispatch),
	    T(test_close_removes_knotes),
	    T(test_closed_fd_is_not_reported),
	    T(test_udata_and_timeout),
	    T(test_signal_counts),
	    T(test_not_inherited_by_fork),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
