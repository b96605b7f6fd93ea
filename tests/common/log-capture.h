/*
 * Test helper: records what reaches the core log callback, so a test can
 * check which messages a failure produced and at which severity.
 * Header-only; include it from one test file.
 */
#ifndef LIBEV_TEST_LOG_CAPTURE_H
#define LIBEV_TEST_LOG_CAPTURE_H

#include <stdio.h>
#include <string.h>

#include <event.h>

#define LOG_CAPTURE_MAX 64

/** One recorded message. */
struct log_capture_msg {
	int severity;
	char text[2048]; /* longer than the core's own message limit */
};

static struct log_capture_msg captured[LOG_CAPTURE_MAX];
static int ncaptured; /* recorded; later messages are not kept */

static void log_capture_cb(int severity, const char *msg)
{
	if (ncaptured >= LOG_CAPTURE_MAX)
		return;
	captured[ncaptured].severity = severity;
	snprintf(captured[ncaptured].text, sizeof(captured[ncaptured].text),
	         "%s", msg);
	ncaptured++;
}

/* The newest recorded message (only valid when ncaptured > 0). */
static inline const struct log_capture_msg *log_capture_last(void)
{
	return &captured[ncaptured - 1];
}

/* How many recorded messages have this severity; the text of the last of
 * them in *last when `last` is not NULL. */
static inline int log_capture_count(int severity, const char **last)
{
	int i, n = 0;

	for (i = 0; i < ncaptured; i++)
		if (captured[i].severity == severity) {
			n++;
			if (last)
				*last = captured[i].text;
		}
	return n;
}

/* Starts recording afresh, with debug messages off. */
static inline void log_capture_start(void)
{
	ncaptured = 0;
	event_enable_debug_logging(EVENT_DBG_NONE);
	event_set_log_callback(log_capture_cb);
}

/* Back to the default log (stderr), debug messages off. */
static inline void log_capture_stop(void)
{
	event_enable_debug_logging(EVENT_DBG_NONE);
	event_set_log_callback(NULL);
}

/* The two as cmocka setup and teardown functions. */
static inline int log_capture_setup(void **state)
{
	(void)state;
	log_capture_start();
	return 0;
}

static inline int log_capture_teardown(void **state)
{
	(void)state;
	log_capture_stop();
	return 0;
}

#endif
