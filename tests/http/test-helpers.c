/* libev-http helpers: header lists, URI encoding, query strings, HTML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <evhttp.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

static void test_headers(void **state)
{
	struct evkeyvalq h;
	struct evkeyval *kv;
	int n = 0;

	(void)state;
	TAILQ_INIT(&h);
	assert_int_equal(evhttp_add_header(&h, "Content-Type", "text/plain"),
	                 0);
	assert_int_equal(evhttp_add_header(&h, "X-A", "1"), 0);
	assert_int_equal(evhttp_add_header(&h, "x-a", "2"), 0);
	assert_string_equal(evhttp_find_header(&h, "content-type"),
	                    "text/plain");
	assert_string_equal(evhttp_find_header(&h, "X-a"), "1");
	assert_null(evhttp_find_header(&h, "missing"));
	TAILQ_FOREACH(kv, &h, next)
	n++;
	assert_int_equal(n, 3);
	assert_int_equal(evhttp_remove_header(&h, "X-A"), 0);
	assert_string_equal(evhttp_find_header(&h, "x-a"), "2");
	assert_int_equal(evhttp_remove_header(&h, "nope"), -1);

	/* No header injection through values or names. */
	assert_int_equal(evhttp_add_header(&h, "X-Bad", "a\r\nSet-Cookie: x"),
	                 -1);
	assert_int_equal(evhttp_add_header(&h, "X-Bad", "a\nb"), -1);
	assert_int_equal(evhttp_add_header(&h, "X-Bad", "a\rb"), -1);
	assert_int_equal(evhttp_add_header(&h, "X Bad", "v"), -1);
	assert_int_equal(evhttp_add_header(&h, "X:Bad", "v"), -1);
	assert_int_equal(evhttp_add_header(&h, "", "v"), -1);
	assert_null(evhttp_find_header(&h, "X-Bad"));
	assert_int_equal(evhttp_add_header(&h, "X-Tab", "a\tb"), 0);

	evhttp_clear_headers(&h);
	assert_true(TAILQ_EMPTY(&h));
}

static void test_encode(void **state)
{
	char *s;

	(void)state;
	s = evhttp_encode_uri("a b/c?d=e&f~g_h.i-j\xff");
	assert_string_equal(s, "a%20b%2Fc%3Fd%3De%26f~g_h.i-j%FF");
	free(s);
	s = evhttp_uriencode("a b+c", -1, 1);
	assert_string_equal(s, "a+b%2Bc");
	free(s);
	s = evhttp_uriencode("a\0b", 3, 0);
	assert_string_equal(s, "a%00b");
	free(s);
}

static void test_decode(void **state)
{
	char *s;
	size_t n;

	(void)state;
	s = evhttp_decode_uri("/a+b%20c?d+e%2Bf");
	/* '+' is a space only in the query, as libevent does it. */
	assert_string_equal(s, "/a+b c?d e+f");
	free(s);
	s = evhttp_uridecode("a+b%20c", 0, NULL);
	assert_string_equal(s, "a+b c");
	free(s);
	s = evhttp_uridecode("a+b%20c", 1, &n);
	assert_string_equal(s, "a b c");
	assert_int_equal(n, 5);
	free(s);
	/* Invalid or truncated escapes stay as they are. */
	s = evhttp_uridecode("%zz%4%", 0, NULL);
	assert_string_equal(s, "%zz%4%");
	free(s);
	s = evhttp_uridecode("a%00b", 0, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(s, "a\0b", 3);
	free(s);
}

static void test_query(void **state)
{
	struct evkeyvalq q;

	(void)state;
	assert_int_equal(
	    evhttp_parse_query("/p?a=1&b=x+y%21&c=&d=%3D#frag", &q), 0);
	assert_string_equal(evhttp_find_header(&q, "a"), "1");
	assert_string_equal(evhttp_find_header(&q, "b"), "x y!");
	assert_string_equal(evhttp_find_header(&q, "c"), "");
	assert_string_equal(evhttp_find_header(&q, "d"), "=");
	evhttp_clear_headers(&q);

	assert_int_equal(evhttp_parse_query("/nothing", &q), 0);
	assert_true(TAILQ_EMPTY(&q));

	assert_int_equal(evhttp_parse_query_str("k=v&&z=2", &q), 0);
	assert_string_equal(evhttp_find_header(&q, "k"), "v");
	assert_string_equal(evhttp_find_header(&q, "z"), "2");
	evhttp_clear_headers(&q);

	/* A pair without '=' is malformed: -1 and nothing kept. */
	assert_int_equal(evhttp_parse_query_str("a=1&oops", &q), -1);
	assert_true(TAILQ_EMPTY(&q));
}

static void test_htmlescape(void **state)
{
	char *s;

	(void)state;
	s = evhttp_htmlescape("<a href=\"x\">'&'</a>");
	assert_string_equal(
	    s, "&lt;a href=&quot;x&quot;&gt;&#039;&amp;&#039;&lt;/a&gt;");
	free(s);
	s = evhttp_htmlescape("");
	assert_string_equal(s, "");
	free(s);
}

static void test_method_values(void **state)
{
	(void)state;
	/* Programs store these in configuration and bit masks. */
	assert_int_equal(EVHTTP_REQ_GET, 1);
	assert_int_equal(EVHTTP_REQ_POST, 2);
	assert_int_equal(EVHTTP_REQ_HEAD, 4);
	assert_int_equal(EVHTTP_REQ_PUT, 8);
	assert_int_equal(EVHTTP_REQ_DELETE, 16);
	assert_int_equal(EVHTTP_REQ_OPTIONS, 32);
	assert_int_equal(EVHTTP_REQ_TRACE, 64);
	assert_int_equal(EVHTTP_REQ_CONNECT, 128);
	assert_int_equal(EVHTTP_REQ_PATCH, 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_headers),
	    cmocka_unit_test(test_encode),
	    cmocka_unit_test(test_decode),
	    cmocka_unit_test(test_query),
	    cmocka_unit_test(test_htmlescape),
	    cmocka_unit_test(test_method_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
