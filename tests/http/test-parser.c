/*
 * The HTTP/1.1 parser on its own: every case is fed whole, one byte at a
 * time, and placed against a guard page (the byte after the input is
 * PROT_NONE), and the three runs must agree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "parser.h"

/* What a run observed. */
struct outcome {
	int error; /* EV__HTTP_E_*, NONE when every message completed */
	int messages;
	int incomplete; /* input ended inside a message */
	char method[64], target[256], reason[64];
	int major, minor, status;
	size_t nfields, ntrailers;
	char fields[1024]; /* "name=value;" of the last message */
	char body[4096];
	size_t body_len;
	int keepalive, close, expect;
};

struct guard {
	char *map;
	size_t page;
};

static void guard_map(struct guard *g, size_t need)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t pages;

	g->page = (size_t)pg;
	pages = (need + g->page - 1) / g->page + 1;
	g->map = mmap(NULL, (pages + 1) * g->page, PROT_READ | PROT_WRITE,
	              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g->map != MAP_FAILED);
	assert_int_equal(mprotect(g->map + pages * g->page, g->page, PROT_NONE),
	                 0);
	g->page = pages * g->page; /* usable bytes before the guard */
}

/*
 * Runs the parser over in[0..len) fed in pieces of `step` bytes (0 = all at
 * once), parsing pipelined messages until the input ends.
 */
static void run(const char *in, size_t len, size_t step, int response,
                int no_body, struct outcome *o)
{
	struct ev__http_parser p;
	size_t off = 0;

	memset(o, 0, sizeof(*o));
	ev__http_parser_init(&p, response ? EV__HTTP_PARSE_RESPONSE
	                                  : EV__HTTP_PARSE_REQUEST);
	p.max_body = 100000;
	p.no_body = no_body;
	for (;;) {
		size_t piece = len - off, used;
		const char *body;
		size_t blen;
		enum ev__http_result r;

		if (step && piece > step)
			piece = step;
		r = ev__http_parse(&p, in + off, piece, &used, &body, &blen);
		assert_true(used <= piece);
		off += used;
		if (r == EV__HTTP_ERROR) {
			o->error = p.error;
			break;
		}
		if (r == EV__HTTP_HEAD) {
			size_t i;

			snprintf(o->method, sizeof(o->method), "%s",
			         ev__http_parser_str(&p, p.method));
			snprintf(o->target, sizeof(o->target), "%s",
			         ev__http_parser_str(&p, p.target));
			snprintf(o->reason, sizeof(o->reason), "%s",
			         ev__http_parser_str(&p, p.reason));
			o->major = p.major;
			o->minor = p.minor;
			o->status = p.status;
			o->nfields = p.nfields;
			o->keepalive = p.conn_keepalive;
			o->close = p.conn_close;
			o->expect = p.expect_continue;
			o->fields[0] = '\0';
			o->body_len = 0;
			for (i = 0; i < p.nfields; i++) {
				const char *n, *v;
				size_t l = strlen(o->fields);

				assert_int_equal(
				    ev__http_parser_field(&p, i, &n, &v), 0);
				snprintf(o->fields + l, sizeof(o->fields) - l,
				         "%s=%s;", n, v);
			}
		} else if (r == EV__HTTP_BODY) {
			assert_true(o->body_len + blen <= sizeof(o->body));
			memcpy(o->body + o->body_len, body, blen);
			o->body_len += blen;
		} else if (r == EV__HTTP_DONE) {
			o->messages++;
			o->ntrailers = p.nfields - p.first_trailer;
			if (p.framing != EV__HTTP_BODY_CHUNKED)
				o->ntrailers = 0;
			ev__http_parser_reset(&p);
			if (off == len)
				break;
		} else if (off == len) {
			/* NEED_MORE with nothing left to give. */
			r = ev__http_parse_eof(&p);
			if (r == EV__HTTP_DONE)
				o->messages++;
			else if (r == EV__HTTP_ERROR)
				o->incomplete = 1;
			break;
		}
	}
	ev__http_parser_free(&p);
}

/* Runs whole, byte-by-byte and at the guard page, checks they agree. */
static void run_all(const char *in, int response, int no_body,
                    struct outcome *o)
{
	size_t len = strlen(in);
	struct outcome b, g, gb;
	struct guard gp;
	char *at;

	run(in, len, 0, response, no_body, o);
	run(in, len, 1, response, no_body, &b);
	guard_map(&gp, len);
	at = gp.map + gp.page - len;
	memcpy(at, in, len);
	run(at, len, 0, response, no_body, &g);
	run(at, len, 1, response, no_body, &gb);
	munmap(gp.map, gp.page + (size_t)sysconf(_SC_PAGESIZE));

	assert_memory_equal(o, &b, sizeof(b));
	assert_memory_equal(o, &g, sizeof(g));
	assert_memory_equal(o, &gb, sizeof(gb));
}

static void expect_error(const char *in, int response, enum ev__http_error e)
{
	struct outcome o;

	run_all(in, response, 0, &o);
	if ((int)o.error != (int)e)
		fail_msg("input %s: error %s (%d), expected %s (%d)", in,
		         ev__http_error_text(o.error), o.error,
		         ev__http_error_text(e), e);
}

static void test_simple_get(void **state)
{
	struct outcome o;

	(void)state;
	run_all("GET /a/b?c=d HTTP/1.1\r\nHost: x\r\nUser-Agent:  t  1 \r\n"
	        "\r\n",
	        0, 0, &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 1);
	assert_string_equal(o.method, "GET");
	assert_string_equal(o.target, "/a/b?c=d");
	assert_int_equal(o.major, 1);
	assert_int_equal(o.minor, 1);
	assert_string_equal(o.fields, "Host=x;User-Agent=t  1;");
	assert_int_equal(o.body_len, 0);
}

static void test_leading_crlf_and_empty_value(void **state)
{
	struct outcome o;

	(void)state;
	run_all("\r\n\r\nPOST / HTTP/1.0\r\nX-Empty:\r\nX-E2: \t \r\n\r\n", 0,
	        0, &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 1);
	assert_string_equal(o.fields, "X-Empty=;X-E2=;");
	assert_int_equal(o.minor, 0);
}

static void test_content_length_body(void **state)
{
	struct outcome o;

	(void)state;
	run_all("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n"
	        "hello world",
	        0, 0, &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 1);
	assert_int_equal(o.body_len, 11);
	assert_memory_equal(o.body, "hello world", 11);
	/* Identical repeated values are one value (RFC 9110 8.6). */
	run_all("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n"
	        "Content-Length: 2\r\n\r\nok",
	        0, 0, &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.body_len, 2);
}

static void test_chunked_with_trailers(void **state)
{
	struct outcome o;

	(void)state;
	run_all("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	        "\r\n5\r\nhello\r\n1;ext=\"v\" ; e2\r\n \r\n"
	        "00000a\r\n0123456789\r\n0\r\nX-Sum: 1\r\nX-T: 2\r\n\r\n",
	        0, 0, &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 1);
	assert_int_equal(o.body_len, 16);
	assert_memory_equal(o.body, "hello 0123456789", 16);
	assert_int_equal(o.ntrailers, 2);
	/* Codings are case-insensitive, empty list elements are ignored. */
	run_all("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: , CHUNKED\r\n"
	        "\r\n0\r\n\r\n",
	        0, 0, &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 1);
}

static void test_pipelined(void **state)
{
	struct outcome o;

	(void)state;
	run_all("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
	        "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
	        "GET /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
	        0, 0, &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 3);
	assert_string_equal(o.target, "/3");
	assert_int_equal(o.close, 1);
}

static void test_flags(void **state)
{
	struct outcome o;

	(void)state;
	run_all("PUT /x HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, Keep-Alive"
	        "\r\nExpect: 100-Continue\r\nContent-Length: 0\r\n\r\n",
	        0, 0, &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.keepalive, 1);
	assert_int_equal(o.expect, 1);
	assert_int_equal(o.close, 0);
}

static void test_responses(void **state)
{
	struct outcome o;

	(void)state;
	run_all("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 1, 0, &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.status, 200);
	assert_string_equal(o.reason, "OK");
	assert_int_equal(o.body_len, 5);

	/* No framing: the body runs to the end of the connection. */
	run_all("HTTP/1.0 200 Fine thanks\r\n\r\nuntil close", 1, 0, &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 1);
	assert_string_equal(o.reason, "Fine thanks");
	assert_int_equal(o.body_len, 11);

	run_all("HTTP/1.1 204\r\n\r\nHTTP/1.1 304 Not Modified\r\n"
	        "Content-Length: 9\r\n\r\n",
	        1, 0, &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 2);

	/* A response to HEAD has no body whatever its fields say. */
	run_all("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", 1, 1, &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.messages, 1);

	run_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	        "3\r\nabc\r\n0\r\n\r\n",
	        1, 0, &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.body_len, 3);

	/* A truncated Content-Length body is an error at EOF. */
	run_all("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nabc", 1, 0, &o);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.incomplete, 1);
}

static void test_reject_framing(void **state)
{
	(void)state;
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked"
	             "\r\nContent-Length: 3\r\n\r\n",
	             0, EV__HTTP_E_TE_AND_CL);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
	             "Transfer-Encoding: chunked\r\n\r\n",
	             0, EV__HTTP_E_TE_AND_CL);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked,"
	             " chunked\r\n\r\n",
	             0, EV__HTTP_E_TE_DUPLICATE);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked"
	             "\r\nTransfer-Encoding: chunked\r\n\r\n",
	             0, EV__HTTP_E_TE_DUPLICATE);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked,"
	             " gzip\r\n\r\n",
	             0, EV__HTTP_E_TE_NOT_LAST);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, "
	             "chunked\r\n\r\n",
	             0, EV__HTTP_E_TE_UNKNOWN);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked"
	             "\r\n\r\n",
	             0, EV__HTTP_E_TE_UNKNOWN);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
	             "chunked;q=1\r\n\r\n",
	             0, EV__HTTP_E_TE_UNKNOWN);
	expect_error("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
	             EV__HTTP_E_TE_HTTP10);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
	             "Content-Length: 4\r\n\r\n",
	             0, EV__HTTP_E_CL_CONFLICT);
	expect_error(
	    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n", 0,
	    EV__HTTP_E_CL_CONFLICT);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\n",
	             0, EV__HTTP_E_CL_INVALID);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3a\r\n\r\n",
	             0, EV__HTTP_E_CL_INVALID);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", 0,
	             EV__HTTP_E_CL_INVALID);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3,\r\n\r\n",
	             0, EV__HTTP_E_CL_INVALID);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: "
	             "99999999999999999999\r\n\r\n",
	             0, EV__HTTP_E_CL_OVERFLOW);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: "
	             "9223372036854775808\r\n\r\n",
	             0, EV__HTTP_E_CL_OVERFLOW);
	expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100001\r\n"
	             "\r\n",
	             0, EV__HTTP_E_BODY_TOO_LARGE);
	expect_error("GET / HTTP/1.1\r\n\r\n", 0, EV__HTTP_E_HOST_MISSING);
	expect_error("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 0,
	             EV__HTTP_E_HOST_DUPLICATE);
	/* The same smuggling rules hold for responses. */
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	             "Content-Length: 3\r\n\r\n",
	             1, EV__HTTP_E_TE_AND_CL);
}

static void test_reject_syntax(void **state)
{
	(void)state;
	expect_error("GET / HTTP/1.1\nHost: h\r\n\r\n", 0, EV__HTTP_E_BARE_LF);
	expect_error("GET / HTTP/1.1\r\nHost: h\n\r\n", 0, EV__HTTP_E_BARE_LF);
	expect_error("GET / HTTP/1.1\r\nHost: h\r\n\n", 0, EV__HTTP_E_BARE_LF);
	expect_error("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 0,
	             EV__HTTP_E_BARE_CR);
	expect_error("GET / HTTP/1.1\r\nHost: h\r\n\rX", 0, EV__HTTP_E_BARE_CR);
	expect_error("GET / HTTP/1.1\rHost: h\r\n\r\n", 0, EV__HTTP_E_BARE_CR);
	expect_error("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 0,
	             EV__HTTP_E_WS_BEFORE_COLON);
	expect_error("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", 0,
	             EV__HTTP_E_WS_BEFORE_COLON);
	expect_error("GET / HTTP/1.1\r\n: h\r\n\r\n", 0,
	             EV__HTTP_E_HEADER_NAME);
	expect_error("GET / HTTP/1.1\r\nHo(st: h\r\n\r\n", 0,
	             EV__HTTP_E_HEADER_NAME);
	expect_error("GET / HTTP/1.1\r\nHost h\r\n\r\n", 0,
	             EV__HTTP_E_WS_BEFORE_COLON);
	expect_error("GET / HTTP/1.1\r\nHost\r\n\r\n", 0, EV__HTTP_E_NO_COLON);
	expect_error("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 0,
	             EV__HTTP_E_OBS_FOLD);
	expect_error("GET / HTTP/1.1\r\n Host: h\r\n\r\n", 0,
	             EV__HTTP_E_OBS_FOLD);
	expect_error("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01\r\n\r\n", 0,
	             EV__HTTP_E_HEADER_VALUE);
	expect_error("GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n", 0,
	             EV__HTTP_E_HEADER_VALUE);
	expect_error("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 0,
	             EV__HTTP_E_VERSION);
	expect_error("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 0,
	             EV__HTTP_E_TARGET);
	expect_error("GET /\x80 HTTP/1.1\r\nHost: h\r\n\r\n", 0,
	             EV__HTTP_E_TARGET);
	expect_error("G@T / HTTP/1.1\r\nHost: h\r\n\r\n", 0, EV__HTTP_E_METHOD);
	expect_error("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 0,
	             EV__HTTP_E_VERSION);
	expect_error("GET / http/1.1\r\nHost: h\r\n\r\n", 0,
	             EV__HTTP_E_VERSION);
	expect_error("GET / HTTP/11\r\nHost: h\r\n\r\n", 0, EV__HTTP_E_VERSION);
	expect_error("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 0,
	             EV__HTTP_E_VERSION_UNSUPPORTED);
	expect_error("GET / HTTP/1.1\r\n", 0, EV__HTTP_E_NONE);
	expect_error("HTTP/1.1 20 OK\r\n\r\n", 1, EV__HTTP_E_STATUS);
	expect_error("HTTP/1.1 2000 OK\r\n\r\n", 1, EV__HTTP_E_STATUS);
	expect_error("HTTP/1.1 099 OK\r\n\r\n", 1, EV__HTTP_E_STATUS);
	expect_error("HTTP/1.1 200 O\nK\r\n\r\n", 1, EV__HTTP_E_BARE_LF);
}

static void test_reject_nul(void **state)
{
	static const char *const heads[] = {
	    "G\0ET / HTTP/1.1\r\nHost: h\r\n\r\n",
	    "GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n",
	    "GET / HTTP/1.1\r\nHo\0st: h\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: h\0\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: \0h\r\n\r\n",
	    "GET / HTTP/1\0.1\r\nHost: h\r\n\r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		/* strlen would stop at the NUL: give the length by hand. */
		size_t len = strlen(heads[i]) + 1 +
		             strlen(heads[i] + strlen(heads[i]) + 1);
		struct outcome a, b;

		run(heads[i], len, 0, 0, 0, &a);
		run(heads[i], len, 1, 0, 0, &b);
		assert_int_equal(a.error, EV__HTTP_E_NUL);
		assert_int_equal(b.error, EV__HTTP_E_NUL);
	}
}

static void test_reject_chunks(void **state)
{
#define CH "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	(void)state;
	expect_error(CH "11111111111111111\r\n", 0,
	             EV__HTTP_E_CHUNK_SIZE_TOO_LONG);
	expect_error(CH "00000000000000001\r\n", 0,
	             EV__HTTP_E_CHUNK_SIZE_TOO_LONG);
	expect_error(CH "8000000000000000\r\n", 0,
	             EV__HTTP_E_CHUNK_SIZE_TOO_LONG);
	expect_error(CH "fffff\r\n", 0, EV__HTTP_E_BODY_TOO_LARGE);
	expect_error(CH "x\r\n", 0, EV__HTTP_E_CHUNK_SIZE);
	expect_error(CH "-1\r\n", 0, EV__HTTP_E_CHUNK_SIZE);
	expect_error(CH " 1\r\n", 0, EV__HTTP_E_CHUNK_SIZE);
	expect_error(CH "1 \r\n", 0, EV__HTTP_E_CHUNK_EXT);
	expect_error(CH "1\n", 0, EV__HTTP_E_BARE_LF);
	expect_error(CH "1;a\nb\r\n", 0, EV__HTTP_E_BARE_LF);
	expect_error(CH "1;a\x01\r\n", 0, EV__HTTP_E_CHUNK_EXT);
	expect_error(CH "1\r\nab\r\n", 0, EV__HTTP_E_CHUNK_CRLF);
	expect_error(CH "1\r\na\n0\r\n\r\n", 0, EV__HTTP_E_CHUNK_CRLF);
	expect_error(CH "1\r\na\r\r\n", 0, EV__HTTP_E_CHUNK_CRLF);
	expect_error(CH "0\r\nContent-Length: 5\r\n\r\n", 0,
	             EV__HTTP_E_TRAILER_FRAMING);
	expect_error(CH "0\r\ntransfer-encoding: chunked\r\n\r\n", 0,
	             EV__HTTP_E_TRAILER_FRAMING);
	expect_error(CH "0\r\nHost: evil\r\n\r\n", 0,
	             EV__HTTP_E_TRAILER_FRAMING);
	expect_error(CH "0\r\nX: y\n\r\n", 0, EV__HTTP_E_BARE_LF);
	expect_error(CH "0\r\nX : y\r\n\r\n", 0, EV__HTTP_E_WS_BEFORE_COLON);
#undef CH
}

static void test_limits(void **state)
{
	char big[20000];
	struct ev__http_parser p;
	size_t used, blen;
	const char *body;

	(void)state;
	/* URI over max_uri: 414. */
	memset(big, 0, sizeof(big));
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', 9000);
	memcpy(big + 9005, " HTTP/1.1\r\nHost: h\r\n\r\n", 22);
	expect_error(big, 0, EV__HTTP_E_URI_TOO_LONG);

	/* Head over max_head: 431. */
	memset(big, 0, sizeof(big));
	strcpy(big, "GET / HTTP/1.1\r\nHost: h\r\nX: ");
	memset(big + strlen(big), 'v', 17000);
	strcat(big, "\r\n\r\n");
	expect_error(big, 0, EV__HTTP_E_HEAD_TOO_LARGE);

	/* Too many fields: 431. */
	memset(big, 0, sizeof(big));
	strcpy(big, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 0; i < 200; i++)
		strcat(big, "A: b\r\n");
	strcat(big, "\r\n");
	expect_error(big, 0, EV__HTTP_E_TOO_MANY_HEADERS);

	/* Limits are settable. */
	ev__http_parser_init(&p, EV__HTTP_PARSE_REQUEST);
	p.max_uri = 4;
	assert_int_equal(ev__http_parse(&p, "GET /abcd HTTP/1.1\r\n", 20, &used,
	                                &body, &blen),
	                 EV__HTTP_ERROR);
	assert_int_equal(p.error, EV__HTTP_E_URI_TOO_LONG);
	assert_int_equal(ev__http_error_status(p.error), 414);
	ev__http_parser_free(&p);

	assert_int_equal(ev__http_error_status(EV__HTTP_E_HEAD_TOO_LARGE), 431);
	assert_int_equal(ev__http_error_status(EV__HTTP_E_BODY_TOO_LARGE), 413);
	assert_int_equal(ev__http_error_status(EV__HTTP_E_TE_UNKNOWN), 501);
	assert_int_equal(ev__http_error_status(EV__HTTP_E_BARE_LF), 400);
}

/* Byte-at-a-time must stay linear: a 15 KB head fed one byte per call. */
static void test_linear(void **state)
{
	static char head[16000];
	struct ev__http_parser p;
	size_t i, used, blen, n;
	const char *body;
	enum ev__http_result r = EV__HTTP_NEED_MORE;

	(void)state;
	strcpy(head, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (i = 0; i < 100; i++)
		strcat(head,
		       "X-Long-Header-Name: some value that is long ok\r\n");
	strcat(head, "\r\n");
	n = strlen(head);
	ev__http_parser_init(&p, EV__HTTP_PARSE_REQUEST);
	for (i = 0; i < n; i++) {
		r = ev__http_parse(&p, head + i, 1, &used, &body, &blen);
		assert_int_equal(used, 1);
		if (i + 1 < n)
			assert_int_equal(r, EV__HTTP_NEED_MORE);
	}
	assert_int_equal(r, EV__HTTP_HEAD);
	assert_int_equal(p.nfields, 101);
	/* Each byte of the head was copied at most once. */
	assert_true(p.buf_len < n);
	ev__http_parser_free(&p);
}

static void test_chunked_decoder_alone(void **state)
{
	struct ev__http_parser p;
	const char *in = "4\r\nwiki\r\n0\r\n\r\n";
	size_t used, blen, off = 0;
	const char *body;
	enum ev__http_result r;
	char out[16];
	size_t olen = 0;

	(void)state;
	ev__http_parser_init(&p, EV__HTTP_PARSE_RESPONSE);
	ev__http_parser_start_chunked(&p);
	do {
		r = ev__http_parse(&p, in + off, strlen(in) - off, &used, &body,
		                   &blen);
		off += used;
		if (r == EV__HTTP_BODY) {
			memcpy(out + olen, body, blen);
			olen += blen;
		}
	} while (r == EV__HTTP_BODY);
	assert_int_equal(r, EV__HTTP_DONE);
	assert_int_equal(olen, 4);
	assert_memory_equal(out, "wiki", 4);
	/* Used after completion without a reset: a clear error, no crash. */
	assert_int_equal(ev__http_parse(&p, "x", 1, &used, &body, &blen),
	                 EV__HTTP_ERROR);
	ev__http_parser_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simple_get),
	    cmocka_unit_test(test_leading_crlf_and_empty_value),
	    cmocka_unit_test(test_content_length_body),
	    cmocka_unit_test(test_chunked_with_trailers),
	    cmocka_unit_test(test_pipelined),
	    cmocka_unit_test(test_flags),
	    cmocka_unit_test(test_responses),
	    cmocka_unit_test(test_reject_framing),
	    cmocka_unit_test(test_reject_syntax),
	    cmocka_unit_test(test_reject_nul),
	    cmocka_unit_test(test_reject_chunks),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_linear),
	    cmocka_unit_test(test_chunked_decoder_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
