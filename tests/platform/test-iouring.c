/*
 * backend-iouring specifics: more changes than the submission queue holds
 * in one go, and a clean refusal where io_uring is unavailable (here
 * simulated with a seccomp filter in a child), so the loader moves on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event.h>

#define NPAIRS 600 /* more than the ring's 256 submission entries */

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	char buf[16];
	ssize_t n;

	(void)what;
	n = read(fd, buf, sizeof(buf));
	(void)n;
	(*(int *)arg)++;
}

static void test_more_changes_than_the_ring_holds(void **state)
{
	static struct event *ev[NPAIRS];
	static int sv[NPAIRS][2], calls[NPAIRS];
	struct event_base *base;
	struct rlimit rl;
	int i, round, total = 0;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 2 * NPAIRS + 64) {
		rl.rlim_cur = rl.rlim_max < 2 * NPAIRS + 64 ? rl.rlim_max
		                                            : 2 * NPAIRS + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < 2 * NPAIRS + 64)
			skip();
	}
	base = event_base_new();
	assert_non_null(base);
	assert_string_equal(event_base_get_method(base), "iouring");
	for (i = 0; i < NPAIRS; i++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
		calls[i] = 0;
		ev[i] = event_new(base, sv[i][0], EV_READ | EV_PERSIST, read_cb,
		                  &calls[i]);
		assert_int_equal(event_add(ev[i], NULL), 0);
	}
	for (i = 0; i < NPAIRS; i++)
		assert_int_equal(write(sv[i][1], "x", 1), 1);
	for (round = 0; round < 10 && total < NPAIRS; round++) {
		struct timeval bound = {1, 0};
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

/* In the calling process: io_uring_setup fails with ENOSYS from now on. */
static int deny_io_uring(void)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	             offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static void test_unavailable_moves_on(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct event_base *base;
		if (deny_io_uring() < 0)
			_exit(2);
		setenv("EV_BACKEND", "iouring", 1);
		if (event_base_new() != NULL)
			_exit(3); /* must refuse, not half-work */
		setenv("EV_BACKEND", "iouring,epoll", 1);
		base = event_base_new();
		if (base == NULL)
			_exit(4);
		_exit(strcmp(event_base_get_method(base), "epoll") == 0 ? 0
		                                                        : 5);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_more_changes_than_the_ring_holds),
	    cmocka_unit_test(test_unavailable_moves_on),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
