/* The event-port emulation keeps the documented port_*(3C) semantics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "port.h"

static const timespec_t zero = {0, 0};

static int sv[2];
static int port;

static int setup(void **state)
{
	(void)state;
	port = port_create();
	if (port < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(port);
	close(sv[0]);
	close(sv[1]);
	return 0;
}

static void test_association_is_one_shot(void **state)
{
	port_event_t pe;
	int tag;

	(void)state;
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(port_associate(port, PORT_SOURCE_FD, (uintptr_t)sv[0],
	                                POLLIN, &tag),
	                 0);
	assert_int_equal(port_get(port, &pe, NULL), 0);
	assert_int_equal(pe.portev_source, PORT_SOURCE_FD);
	assert_int_equal(pe.portev_object, (uintptr_t)sv[0]);
	assert_int_equal(pe.portev_events, POLLIN);
	assert_ptr_equal(pe.portev_user, &tag);
	/* Still readable, but no longer associated. */
	errno = 0;
	assert_int_equal(port_get(port, &pe, &zero), -1);
	assert_int_equal(errno, ETIME);
	assert_int_equal(
	    port_dissociate(port, PORT_SOURCE_FD, (uintptr_t)sv[0]), -1);
	assert_int_equal(errno, ENOENT);
	/* Re-association brings it back. */
	assert_int_equal(port_associate(port, PORT_SOURCE_FD, (uintptr_t)sv[0],
	                                POLLIN, NULL),
	                 0);
	assert_int_equal(port_get(port, &pe, &zero), 0);
	assert_int_equal(pe.portev_object, (uintptr_t)sv[0]);
}

static void test_reassociation_replaces_events(void **state)
{
	port_event_t pe;

	(void)state;
	assert_int_equal(port_associate(port, PORT_SOURCE_FD, (uintptr_t)sv[0],
	                                POLLIN, NULL),
	                 0);
	assert_int_equal(port_get(port, &pe, &zero), -1);
	assert_int_equal(errno, ETIME);
	assert_int_equal(port_associate(port, PORT_SOURCE_FD, (uintptr_t)sv[0],
	                                POLLOUT, NULL),
	                 0);
	assert_int_equal(port_get(port, &pe, &zero), 0);
	assert_int_equal(pe.portev_events, POLLOUT);
	assert_int_equal(port_associate(port, PORT_SOURCE_FD, (uintptr_t)sv[0],
	                                POLLIN, NULL),
	                 0);
	assert_int_equal(
	    port_dissociate(port, PORT_SOURCE_FD, (uintptr_t)sv[0]), 0);
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(port_get(port, &pe, &zero), -1);
	assert_int_equal(errno, ETIME);
}

static void test_getn_etime_with_partial_results(void **state)
{
	timespec_t ts = {0, 20 * 1000 * 1000};
	port_event_t list[4];
	uint_t nget = 2;

	(void)state;
	assert_int_equal(port_associate(port, PORT_SOURCE_FD, (uintptr_t)sv[0],
	                                POLLOUT, NULL),
	                 0);
	assert_int_equal(port_associate(port, PORT_SOURCE_FD, (uintptr_t)sv[1],
	                                POLLIN, NULL),
	                 0);
	errno = 0;
	assert_int_equal(port_getn(port, list, 4, &nget, &ts), -1);
	assert_int_equal(errno, ETIME);
	assert_int_equal(nget, 1);
	assert_int_equal(list[0].portev_object, (uintptr_t)sv[0]);
	/* More wanted than room: EINVAL. */
	nget = 5;
	assert_int_equal(port_getn(port, list, 4, &nget, &zero), -1);
	assert_int_equal(errno, EINVAL);
	/* max 0 counts what is available without retrieving it. */
	assert_int_equal(write(sv[0], "x", 1), 1);
	assert_int_equal(port_send(port, 7, NULL), 0);
	nget = 0;
	assert_int_equal(port_getn(port, list, 0, &nget, NULL), 0);
	assert_int_equal(nget, 2);
	nget = 2;
	assert_int_equal(port_getn(port, list, 4, &nget, NULL), 0);
	assert_int_equal(nget, 2);
}

static void test_bad_fds(void **state)
{
	port_event_t pe;
	int fd;

	(void)state;
	assert_int_equal(
	    port_associate(port, PORT_SOURCE_FD, (uintptr_t)-1, POLLIN, NULL),
	    -1);
	assert_int_equal(errno, EBADFD);
	assert_int_equal(
	    port_associate(port, 99, (uintptr_t)sv[0], POLLIN, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(
	    port_associate(-1, PORT_SOURCE_FD, (uintptr_t)sv[0], POLLIN, NULL),
	    -1);
	assert_int_equal(errno, EBADF);
	fd = dup(sv[0]);
	assert_int_equal(
	    port_associate(port, PORT_SOURCE_FD, (uintptr_t)fd, POLLIN, NULL),
	    0);
	close(fd);
	assert_int_equal(port_dissociate(port, PORT_SOURCE_FD, (uintptr_t)fd),
	                 -1);
	assert_int_equal(errno, EBADFD);
	/* Closing removed the association: the reused number has none. */
	assert_int_equal(dup2(sv[1], fd), fd);
	assert_int_equal(port_dissociate(port, PORT_SOURCE_FD, (uintptr_t)fd),
	                 -1);
	assert_int_equal(errno, ENOENT);
	close(fd);
	/* A closed fd whose file lives on (sv[0]) is not reported. */
	fd = dup(sv[0]);
	assert_int_equal(
	    port_associate(port, PORT_SOURCE_FD, (uintptr_t)fd, POLLOUT, NULL),
	    0);
	close(fd);
	assert_int_equal(dup2(sv[1], fd), fd);
	assert_int_equal(port_get(port, &pe, &zero), -1);
	assert_int_equal(errno, ETIME);
	close(fd);
}

static void test_send_and_alert(void **state)
{
	port_event_t pe;
	int tag;

	(void)state;
	assert_int_equal(port_send(port, 42, &tag), 0);
	assert_int_equal(port_get(port, &pe, NULL), 0);
	assert_int_equal(pe.portev_source, PORT_SOURCE_USER);
	assert_int_equal(pe.portev_events, 42);
	assert_ptr_equal(pe.portev_user, &tag);
	assert_int_equal(port_alert(port, PORT_ALERT_SET, 5, &tag), 0);
	assert_int_equal(port_alert(port, PORT_ALERT_UPDATE, 6, NULL), -1);
	assert_int_equal(errno, EBUSY);
	/* Every retrieval sees the alert until it is cleared. */
	assert_int_equal(port_get(port, &pe, NULL), 0);
	assert_int_equal(pe.portev_source, PORT_SOURCE_ALERT);
	assert_int_equal(pe.portev_events, 5);
	assert_int_equal(port_get(port, &pe, NULL), 0);
	assert_int_equal(pe.portev_source, PORT_SOURCE_ALERT);
	assert_int_equal(port_alert(port, PORT_ALERT_SET, 0, NULL), 0);
	assert_int_equal(port_get(port, &pe, &zero), -1);
	assert_int_equal(errno, ETIME);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_association_is_one_shot),
	    T(test_reassociation_replaces_events),
	    T(test_getn_etime_with_partial_results),
	    T(test_bad_fds),
	    T(test_send_and_alert),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
