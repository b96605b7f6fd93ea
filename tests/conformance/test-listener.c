/* Conformance: evconnlistener on loopback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>
#include <event2/listener.h>

#include "fd-hog.h"

struct acc {
	struct event_base *base;
	int calls;
	int last_fd;
	int family;
	int socklen;
	int nonblock;
	int errors;
	int err;
	int stop_after;
	int free_in_cb;
};

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd,
                      struct sockaddr *sa, int socklen, void *arg)
{
	struct acc *a = arg;

	a->calls++;
	a->family = sa->sa_family;
	a->socklen = socklen;
	a->nonblock = (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
	a->last_fd = fd;
	close(fd);
	if (a->free_in_cb)
		evconnlistener_free(lev);
	if (a->stop_after && a->calls >= a->stop_after)
		event_base_loopbreak(a->base);
}

static void on_error(struct evconnlistener *lev, void *arg)
{
	struct acc *a = arg;

	(void)lev;
	a->errors++;
	a->err = errno;
	event_base_loopbreak(a->base);
}

static struct evconnlistener *bind_loopback(struct event_base *base,
                                            struct acc *a, unsigned flags,
                                            struct sockaddr_in *sin)
{
	struct evconnlistener *lev;
	socklen_t len = sizeof(*sin);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lev = evconnlistener_new_bind(base, on_accept, a,
	                              flags | LEV_OPT_REUSEABLE, -1,
	                              (struct sockaddr *)sin, sizeof(*sin));
	assert_non_null(lev);
	assert_int_equal(getsockname(evconnlistener_get_fd(lev),
	                             (struct sockaddr *)sin, &len),
	                 0);
	return lev;
}

static int connect_to(const struct sockaddr_in *sin)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(
	    connect(fd, (const struct sockaddr *)sin, sizeof(*sin)), 0);
	return fd;
}

static void run_for_ms(struct event_base *base, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static void test_accept(void **state)
{
	struct event_base *base = event_base_new();
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	struct acc a = {0};
	int c;

	(void)state;
	a.base = base;
	a.stop_after = 1;
	lev = bind_loopback(base, &a, LEV_OPT_CLOSE_ON_EXEC, &sin);
	assert_ptr_equal(evconnlistener_get_base(lev), base);
	assert_true(fcntl(evconnlistener_get_fd(lev), F_GETFD) & FD_CLOEXEC);
	c = connect_to(&sin);
	run_for_ms(base, 5000);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.socklen, (int)sizeof(struct sockaddr_in));
	assert_true(a.nonblock);
	close(c);
	evconnlistener_free(lev);
	event_base_free(base);
}

static void test_enable_disable(void **state)
{
	struct event_base *base = event_base_new();
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	struct acc a = {0};
	int c1, c2;

	(void)state;
	a.base = base;
	lev = bind_loopback(
	    base, &a, LEV_OPT_DISABLED | LEV_OPT_LEAVE_SOCKETS_BLOCKING, &sin);
	c1 = connect_to(&sin);
	run_for_ms(base, 50);
	assert_int_equal(a.calls, 0); /* created disabled */
	assert_int_equal(evconnlistener_enable(lev), 0);
	a.stop_after = 1;
	run_for_ms(base, 5000);
	assert_int_equal(a.calls, 1);
	assert_false(a.nonblock);
	assert_int_equal(evconnlistener_disable(lev), 0);
	c2 = connect_to(&sin);
	a.stop_after = 0;
	run_for_ms(base, 50);
	assert_int_equal(a.calls, 1);
	assert_int_equal(evconnlistener_enable(lev), 0);
	a.stop_after = 2;
	run_for_ms(base, 5000);
	assert_int_equal(a.calls, 2);
	close(c1);
	close(c2);
	evconnlistener_free(lev);
	event_base_free(base);
}

static void test_existing_socket_and_free_in_cb(void **state)
{
	struct event_base *base = event_base_new();
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct acc a = {0};
	int fd, c1, c2;

	(void)state;
	a.base = base;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	/* backlog 0: already listening; without CLOSE_ON_FREE. */
	lev = evconnlistener_new(base, on_accept, &a, 0, 0, fd);
	assert_non_null(lev);
	assert_int_equal(evconnlistener_get_fd(lev), fd);
	a.free_in_cb = 1;
	c1 = connect_to(&sin);
	c2 = connect_to(&sin);
	run_for_ms(base, 200);
	/* Freed in the first callback: the second connection waits. */
	assert_int_equal(a.calls, 1);
	assert_true(fcntl(fd, F_GETFD) >= 0); /* not ours to close */
	close(c1);
	close(c2);
	close(fd);
	event_base_free(base);
}

static void test_no_callback_closes(void **state)
{
	struct event_base *base = event_base_new();
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	struct acc a = {0};
	char ch;
	int c;

	(void)state;
	a.base = base;
	lev = bind_loopback(base, &a, 0, &sin);
	evconnlistener_set_cb(lev, NULL, NULL);
	c = connect_to(&sin);
	run_for_ms(base, 100);
	assert_int_equal(read(c, &ch, 1), 0); /* closed by the listener */
	close(c);
	evconnlistener_set_cb(lev, on_accept, &a);
	a.stop_after = 1;
	c = connect_to(&sin);
	run_for_ms(base, 5000);
	assert_int_equal(a.calls, 1);
	close(c);
	evconnlistener_free(lev);
	event_base_free(base);
}

static int log_warns;
static void count_log(int severity, const char *msg)
{
	print_message("log %d: %s\n", severity, msg);
	if (severity >= EVENT_LOG_WARN)
		log_warns++;
}

/* Out of descriptors: no spin, one log line, no error callback, and
 * accepting resumes once descriptors are free again. */
static void test_emfile_pauses(void **state)
{
	struct event_base *base = event_base_new();
	struct evconnlistener *lev;
	struct sockaddr_in sin;
	struct acc a = {0};
	struct rlimit old;
	int clients[3], hog[64], nhog, i;
	long cpu;

	(void)state;
	/* valgrind emulates RLIMIT_NOFILE its own way and keeps refusing
	 * accept() after descriptors are freed; the test is meaningful only
	 * natively (and under ASan). */
	if (fd_hog_under_valgrind()) {
		event_base_free(base);
		skip();
	}
	a.base = base;
	lev = bind_loopback(base, &a, 0, &sin);
	evconnlistener_set_error_cb(lev, on_error);
	for (i = 0; i < 3; i++)
		clients[i] = connect_to(&sin);
	/* Use up every descriptor under a low limit. */
	nhog = fd_hog_fill(clients[2], &old, hog, 64);
	assert_true(nhog >= 0);
	event_set_log_callback(count_log);
	log_warns = 0;
	cpu = process_cpu_ms();
	run_for_ms(base, 400);
	cpu = process_cpu_ms() - cpu;
	assert_int_equal(a.calls, 0);
	assert_int_equal(a.errors, 0);
	assert_int_equal(log_warns, 1);
	assert_true(cpu < 200); /* a spinning loop would burn ~400 ms */
	/* Free descriptors: the pending connections are accepted. */
	assert_int_equal(fd_hog_release(&old, hog, nhog), 0);
	a.stop_after = 3;
	run_for_ms(base, 5000);
	assert_int_equal(a.calls, 3);
	assert_int_equal(log_warns, 1);
	event_set_log_callback(NULL);
	for (i = 0; i < 3; i++)
		close(clients[i]);
	evconnlistener_free(lev);
	event_base_free(base);
}

static void test_bad_arguments(void **state)
{
	struct event_base *base = event_base_new();
	struct sockaddr_in sin;
	int fd;

	(void)state;
	assert_null(evconnlistener_new(NULL, on_accept, NULL, 0, -1, 0));
	assert_null(evconnlistener_new(base, on_accept, NULL, 0, -1, -1));
	/* Not a socket: listen() fails. */
	fd = open("/dev/null", O_RDONLY);
	assert_null(evconnlistener_new(base, on_accept, NULL, 0, 8, fd));
	close(fd);
	/* An address that cannot be bound (not local). */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0xC0000201); /* 192.0.2.1, TEST-NET */
	assert_null(evconnlistener_new_bind(base, on_accept, NULL, 0, -1,
	                                    (struct sockaddr *)&sin,
	                                    sizeof(sin)));
	assert_int_equal(errno, EADDRNOTAVAIL);
	evconnlistener_free(NULL);
	assert_int_equal(evconnlistener_get_fd(NULL), -1);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accept),
	    cmocka_unit_test(test_enable_disable),
	    cmocka_unit_test(test_existing_socket_and_free_in_cb),
	    cmocka_unit_test(test_no_callback_closes),
	    cmocka_unit_test(test_emfile_pauses),
	    cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
