/* The backend loader: search path, ABI check, choice and its log lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event.h>

#ifndef LIBEV_TEST_BUILTIN
#define LIBEV_TEST_BUILTIN 0
#endif

/* Every message the library logged during the current test. */
static char logbuf[16384];
static size_t loglen;
static int log_msgs[4];

static void capture(int severity, const char *msg)
{
	int n;

	if (severity >= 0 && severity < 4)
		log_msgs[severity]++;
	if (loglen >= sizeof(logbuf) - 1)
		return;
	n = snprintf(logbuf + loglen, sizeof(logbuf) - loglen, "[%d] %s\n",
	             severity, msg);
	if (n > 0)
		loglen += (size_t)n;
	if (loglen >= sizeof(logbuf))
		loglen = sizeof(logbuf) - 1;
}

static void assert_logged(const char *what)
{
	if (strstr(logbuf, what) == NULL)
		fail_msg("log does not mention \"%s\"; log was:\n%s", what,
		         logbuf);
}

static const char *const env_vars[] = {
    "EV_BACKEND",        "EV_BACKEND_PATH",
    "EVENT_NOEPOLL",     "EVENT_NOPOLL",
    "EVENT_NOSELECT",    "EVENT_NOKQUEUE",
    "EVENT_NODEVPOLL",   "EVENT_NOEVPORT",
    "EVENT_SHOW_METHOD", NULL,
};

static int clean_env(void **state)
{
	int i;

	(void)state;
	for (i = 0; env_vars[i]; i++)
		unsetenv(env_vars[i]);
	loglen = 0;
	logbuf[0] = '\0';
	memset(log_msgs, 0, sizeof(log_msgs));
	event_set_log_callback(capture);
	return 0;
}

static int restore(void **state)
{
	clean_env(state);
	event_set_log_callback(NULL);
	return 0;
}

#define LOADER_TEST(f) cmocka_unit_test_setup_teardown(f, clean_env, restore)

/* What the default choice gives, with the environment clean. */
static void expect_method(const struct event_config *cfg, const char *name)
{
	struct event_base *base =
	    cfg ? event_base_new_with_config(cfg) : event_base_new();

	if (base == NULL)
		fail_msg("no base; log:\n%s", logbuf);
	assert_string_equal(event_base_get_method(base), name);
	event_base_free(base);
}

static void expect_no_base(const struct event_config *cfg)
{
	struct event_base *base =
	    cfg ? event_base_new_with_config(cfg) : event_base_new();

	if (base != NULL) {
		const char *m = event_base_get_method(base);
		event_base_free(base);
		fail_msg("got a base on %s, expected none", m);
	}
	assert_true(log_msgs[EVENT_LOG_ERR] >= 1);
}

static void test_supported_methods(void **state)
{
	const char **m = event_get_supported_methods();
	int i, epoll = -1, poll = -1, sel = -1;

	(void)state;
	assert_non_null(m);
	for (i = 0; m[i] != NULL; i++) {
		if (strcmp(m[i], "epoll") == 0)
			epoll = i;
		else if (strcmp(m[i], "poll") == 0)
			poll = i;
		else if (strcmp(m[i], "select") == 0)
			sel = i;
		assert_true(i < 32);
	}
	/* All three, in order of preference. */
	assert_true(epoll >= 0);
	assert_true(poll > epoll);
	assert_true(sel > poll);
	/* Cached: the same array next time. */
	assert_ptr_equal(event_get_supported_methods(), m);
}

static void test_default_is_epoll(void **state)
{
	(void)state;
	expect_method(NULL, "epoll");
	assert_int_equal(log_msgs[EVENT_LOG_ERR], 0);
}

static void test_missing_dir(void **state)
{
	(void)state;
	if (LIBEV_TEST_BUILTIN)
		skip(); /* built-in backends need no directory */
	setenv("EV_BACKEND_PATH", "/nonexistent/libev-test-dir", 1);
	expect_no_base(NULL);
	assert_logged("/nonexistent/libev-test-dir");
	/* Also with a name asked for. */
	setenv("EV_BACKEND", "poll", 1);
	loglen = 0;
	expect_no_base(NULL);
	assert_logged("/nonexistent/libev-test-dir");
	assert_logged("poll");
}

static void test_bad_abi(void **state)
{
	(void)state;
	setenv("EV_BACKEND_PATH", LIBEV_TEST_BAD_MODULE_DIR, 1);
	setenv("EV_BACKEND", "badabi", 1);
	expect_no_base(NULL);
	assert_logged("badabi");
	assert_logged("ABI");
	assert_logged("42"); /* the version the module claims */
}

static void test_no_entry_symbol(void **state)
{
	(void)state;
	setenv("EV_BACKEND_PATH", LIBEV_TEST_BAD_MODULE_DIR, 1);
	setenv("EV_BACKEND", "noentry", 1);
	expect_no_base(NULL);
	assert_logged("noentry");
	assert_logged("ev_backend_entry");
}

static void test_unknown_name(void **state)
{
	(void)state;
	setenv("EV_BACKEND", "nosuchbackend", 1);
	expect_no_base(NULL);
	assert_logged("nosuchbackend");
	/* Names that could escape the module directory are not even tried. */
	setenv("EV_BACKEND", "../../tmp/evil", 1);
	loglen = 0;
	expect_no_base(NULL);
	assert_logged("not a backend name");
}

static void test_fallback_after_bad(void **state)
{
	char path[4096];

	(void)state;
	snprintf(path, sizeof(path), "%s:%s", LIBEV_TEST_BAD_MODULE_DIR,
	         LIBEV_TEST_MODULE_DIR);
	setenv("EV_BACKEND_PATH", path, 1);
	setenv("EV_BACKEND", "badabi,poll", 1);
	expect_method(NULL, "poll");
	setenv("EV_BACKEND", "nosuch, noentry ,select", 1);
	expect_method(NULL, "select");
}

static void test_event_no_vars(void **state)
{
	(void)state;
	setenv("EVENT_NOEPOLL", "1", 1);
	expect_method(NULL, "poll");
	setenv("EVENT_NOPOLL", "yes", 1);
	expect_method(NULL, "select");
	setenv("EVENT_NOSELECT", "1", 1);
	expect_no_base(NULL);
	assert_logged("EVENT_NOEPOLL");
	/* An empty value does not count as set. */
	setenv("EVENT_NOEPOLL", "", 1);
	expect_method(NULL, "epoll");
	/* EV_BACKEND names are filtered by EVENT_NO* too. */
	setenv("EV_BACKEND", "poll,epoll", 1);
	expect_method(NULL, "epoll");
}

static void test_avoid_method(void **state)
{
	struct event_config *cfg = event_config_new();

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(event_config_avoid_method(cfg, "epoll"), 0);
	expect_method(cfg, "poll");
	assert_int_equal(event_config_avoid_method(cfg, "poll"), 0);
	expect_method(cfg, "select");
	assert_int_equal(event_config_avoid_method(cfg, "select"), 0);
	expect_no_base(cfg);
	assert_logged("avoided");
	assert_int_equal(event_config_avoid_method(NULL, "x"), -1);
	assert_int_equal(event_config_avoid_method(cfg, NULL), -1);
	event_config_free(cfg);
}

static void test_require_features(void **state)
{
	struct event_config *cfg = event_config_new();

	(void)state;
	assert_int_equal(event_config_require_features(cfg, EV_FEATURE_O1), 0);
	expect_method(cfg, "epoll");
	assert_int_equal(event_config_avoid_method(cfg, "epoll"), 0);
	expect_no_base(cfg);
	event_config_free(cfg);
	/* FDS (regular files): select has it. */
	cfg = event_config_new();
	assert_int_equal(event_config_require_features(cfg, EV_FEATURE_FDS), 0);
	{
		struct event_base *base = event_base_new_with_config(cfg);
		assert_non_null(base);
		assert_true(event_base_get_features(base) & EV_FEATURE_FDS);
		event_base_free(base);
	}
	event_config_free(cfg);
}

static void test_ignore_env(void **state)
{
	struct event_config *cfg = event_config_new();

	(void)state;
	setenv("EV_BACKEND", "nosuchbackend", 1);
	setenv("EVENT_NOEPOLL", "1", 1);
	setenv("EV_BACKEND_PATH", "/nonexistent/libev-test-dir", 1);
	setenv("EVENT_SHOW_METHOD", "1", 1);
	expect_no_base(NULL);
	loglen = 0;
	memset(log_msgs, 0, sizeof(log_msgs));
	assert_int_equal(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV),
	                 0);
	expect_method(cfg, "epoll");
	/* EVENT_SHOW_METHOD is part of the environment it ignores. */
	assert_int_equal(log_msgs[EVENT_LOG_MSG], 0);
	event_config_free(cfg);
}

static void test_show_method(void **state)
{
	(void)state;
	setenv("EVENT_SHOW_METHOD", "1", 1);
	setenv("EV_BACKEND", "select", 1);
	expect_method(NULL, "select");
	assert_int_equal(log_msgs[EVENT_LOG_MSG], 1);
	assert_logged("select");
	/* Without it, nothing is said. */
	unsetenv("EVENT_SHOW_METHOD");
	loglen = 0;
	logbuf[0] = '\0';
	expect_method(NULL, "select");
	assert_int_equal(loglen, 0);
}

/* No base at all: the public API must not crash on NULL. */
static void test_null_base_calls(void **state)
{
	(void)state;
	setenv("EV_BACKEND", "nosuchbackend", 1);
	assert_null(event_base_new());
	assert_null(event_init());
	assert_int_equal(event_base_dispatch(NULL), -1);
	assert_int_equal(event_base_loopexit(NULL, NULL), -1);
	assert_int_equal(event_base_priority_init(NULL, 2), -1);
	assert_null(event_base_get_method(NULL));
	event_base_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    /* First, so the once-per-process probe sees a clean
	     * environment. */
	    LOADER_TEST(test_supported_methods),
	    LOADER_TEST(test_default_is_epoll),
	    LOADER_TEST(test_missing_dir),
	    LOADER_TEST(test_bad_abi),
	    LOADER_TEST(test_no_entry_symbol),
	    LOADER_TEST(test_unknown_name),
	    LOADER_TEST(test_fallback_after_bad),
	    LOADER_TEST(test_event_no_vars),
	    LOADER_TEST(test_avoid_method),
	    LOADER_TEST(test_require_features),
	    LOADER_TEST(test_ignore_env),
	    LOADER_TEST(test_show_method),
	    LOADER_TEST(test_null_base_calls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
