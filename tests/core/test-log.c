/*
 * evutil_log(): the public entry to the core log.  Its messages must reach
 * the program's callback exactly as the core's own do, with debug
 * messages dropped unless debug logging is on, and stderr by default.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event.h>
#include <evutil.h>

static int got_count;
static int got_severity;
static char got_msg[2048];

static void capture(int severity, const char *msg)
{
	got_count++;
	got_severity = severity;
	snprintf(got_msg, sizeof(got_msg), "%s", msg);
}

static int setup(void **state)
{
	(void)state;
	got_count = 0;
	got_severity = -1;
	got_msg[0] = '\0';
	event_enable_debug_logging(EVENT_DBG_NONE);
	event_set_log_callback(capture);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	event_enable_debug_logging(EVENT_DBG_NONE);
	event_set_log_callback(NULL);
	return 0;
}

static void test_severities_and_text(void **state)
{
	static const int sev[] = {EVENT_LOG_MSG, EVENT_LOG_WARN, EVENT_LOG_ERR};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sev) / sizeof(sev[0]); i++) {
		got_count = 0;
		evutil_log(sev[i], "message %d of %s", (int)i, "test");
		assert_int_equal(got_count, 1);
		assert_int_equal(got_severity, sev[i]);
		assert_true(strncmp(got_msg, "message ", 8) == 0);
		assert_int_equal(got_msg[8], '0' + (int)i);
		assert_string_equal(got_msg + 9, " of test");
	}
}

static void test_debug_needs_debug_logging(void **state)
{
	(void)state;
	evutil_log(EVENT_LOG_DEBUG, "dropped %d", 1);
	assert_int_equal(got_count, 0);

	event_enable_debug_logging(EVENT_DBG_ALL);
	evutil_log(EVENT_LOG_DEBUG, "kept %d", 2);
	assert_int_equal(got_count, 1);
	assert_int_equal(got_severity, EVENT_LOG_DEBUG);
	assert_string_equal(got_msg, "kept 2");

	event_enable_debug_logging(EVENT_DBG_NONE);
	evutil_log(EVENT_LOG_DEBUG, "dropped %d", 3);
	assert_int_equal(got_count, 1);
	/* Other severities are not affected by the switch. */
	evutil_log(EVENT_LOG_WARN, "warned");
	assert_int_equal(got_count, 2);
	assert_string_equal(got_msg, "warned");
}

static void test_long_message_truncated(void **state)
{
	char big[4000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	evutil_log(EVENT_LOG_ERR, "%s", big);
	assert_int_equal(got_count, 1);
	assert_true(strlen(got_msg) > 0);
	assert_true(strlen(got_msg) < sizeof(big) - 1);
	assert_int_equal(got_msg[0], 'x');
}

/* Without a callback: one line on stderr, as the core's own messages. */
static void test_default_is_stderr(void **state)
{
	char buf[512];
	int fds[2], saved;
	ssize_t n;

	(void)state;
	event_set_log_callback(NULL);
	assert_int_equal(pipe(fds), 0);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fds[1], 2) >= 0);
	evutil_log(EVENT_LOG_WARN, "to stderr %d", 7);
	evutil_log(EVENT_LOG_DEBUG, "not to stderr");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "to stderr 7\n"));
	assert_non_null(strstr(buf, "warn"));
	assert_null(strstr(buf, "not to stderr"));
	assert_int_equal(got_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_severities_and_text, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_debug_needs_debug_logging,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_message_truncated, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_default_is_stderr, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
