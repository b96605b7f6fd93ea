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

#include "log-capture.h"

static void test_severities_and_text(void **state)
{
	static const int sev[] = {EVENT_LOG_MSG, EVENT_LOG_WARN, EVENT_LOG_ERR};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sev) / sizeof(sev[0]); i++) {
		ncaptured = 0;
		evutil_log(sev[i], "message %d of %s", (int)i, "test");
		assert_int_equal(ncaptured, 1);
		assert_int_equal(log_capture_last()->severity, sev[i]);
		assert_true(strncmp(log_capture_last()->text, "message ", 8) ==
		            0);
		assert_int_equal(log_capture_last()->text[8], '0' + (int)i);
		assert_string_equal(log_capture_last()->text + 9, " of test");
	}
}

static void test_debug_needs_debug_logging(void **state)
{
	(void)state;
	evutil_log(EVENT_LOG_DEBUG, "dropped %d", 1);
	assert_int_equal(ncaptured, 0);

	event_enable_debug_logging(EVENT_DBG_ALL);
	evutil_log(EVENT_LOG_DEBUG, "kept %d", 2);
	assert_int_equal(ncaptured, 1);
	assert_int_equal(log_capture_last()->severity, EVENT_LOG_DEBUG);
	assert_string_equal(log_capture_last()->text, "kept 2");

	event_enable_debug_logging(EVENT_DBG_NONE);
	evutil_log(EVENT_LOG_DEBUG, "dropped %d", 3);
	assert_int_equal(ncaptured, 1);
	/* Other severities are not affected by the switch. */
	evutil_log(EVENT_LOG_WARN, "warned");
	assert_int_equal(ncaptured, 2);
	assert_string_equal(log_capture_last()->text, "warned");
}

static void test_long_message_truncated(void **state)
{
	char big[4000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	evutil_log(EVENT_LOG_ERR, "%s", big);
	assert_int_equal(ncaptured, 1);
	assert_true(strlen(log_capture_last()->text) > 0);
	assert_true(strlen(log_capture_last()->text) < sizeof(big) - 1);
	assert_int_equal(log_capture_last()->text[0], 'x');
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
	assert_int_equal(ncaptured, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_severities_and_text,
	                                    log_capture_setup,
	                                    log_capture_teardown),
	    cmocka_unit_test_setup_teardown(test_debug_needs_debug_logging,
	                                    log_capture_setup,
	                                    log_capture_teardown),
	    cmocka_unit_test_setup_teardown(test_long_message_truncated,
	                                    log_capture_setup,
	                                    log_capture_teardown),
	    cmocka_unit_test_setup_teardown(test_default_is_stderr,
	                                    log_capture_setup,
	                                    log_capture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
