/*
 * Strict, incremental HTTP/1.1 parser (RFC 9112).  See parser.h.
 *
 * Strictness is the point: every rule below closes a request-smuggling or
 * desynchronisation hole that arises when two HTTP implementations
 * disagree on where a message ends.  When in doubt, refuse.
 */
#include "parser.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Default limits: small enough that a hostile peer cannot make us hold much
 * memory per connection, large enough for real browsers and APIs. */
#define DEFAULT_MAX_HEAD    (16 * 1024)
#define DEFAULT_MAX_URI     (8 * 1024)
#define DEFAULT_MAX_HEADERS 128
#define MAX_METHOD          32
/* 16 hex digits already reach 2^64; anything longer is an attack. */
#define MAX_CHUNK_DIGITS 16
#define MAX_CHUNK_EXT    4096

enum state {
	S_IDLE,
	S_LEAD_LF,
	S_METHOD,
	S_TARGET,
	S_REQ_VERSION,
	S_REQ_CR,
	S_REQ_LF,
	S_RESP_VERSION,
	S_STATUS,
	S_STATUS_END,
	S_REASON,
	S_RESP_LF,
	S_FIELD_START,
	S_FIELD_NAME,
	S_FIELD_OWS,
	S_FIELD_VALUE,
	S_FIELD_LF,
	S_HEAD_LF,
	S_BODY_LENGTH,
	S_BODY_EOF,
	S_CHUNK_START,
	S_CHUNK_SIZE,
	S_CHUNK_BWS,
	S_CHUNK_EXT,
	S_CHUNK_LF,
	S_CHUNK_DATA,
	S_CHUNK_DATA_CR,
	S_CHUNK_DATA_LF,
	S_MSG_DONE,
	S_FINISHED,
	S_ERROR
};

/* Character classes (RFC 9110 5.6.2 and 5.5). */
#define C_TCHAR  0x01 /* token character */
#define C_FIELD  0x02 /* field-vchar: VCHAR / obs-text */
#define C_TARGET 0x04 /* request-target: VCHAR only */
#define C_HEX    0x08

static unsigned char cclass[256];
static pthread_once_t cclass_once = PTHREAD_ONCE_INIT;

/* Built once per process: servers on several threads (one base each)
 * start parsers concurrently, and two threads filling the table at once
 * would be a data race even though they write the same bytes. */
static void cclass_build(void)
{
	const char *tspecial = "!#$%&'*+-.^_`|~";
	int c;

	for (c = 0x21; c <= 0x7e; c++)
		cclass[c] |= C_FIELD | C_TARGET;
	for (c = 0x80; c <= 0xff; c++)
		cclass[c] |= C_FIELD;
	for (c = '0'; c <= '9'; c++)
		cclass[c] |= C_TCHAR | C_HEX;
	for (c = 'a'; c <= 'z'; c++)
		cclass[c] |= C_TCHAR;
	for (c = 'A'; c <= 'Z'; c++)
		cclass[c] |= C_TCHAR;
	for (c = 'a'; c <= 'f'; c++)
		cclass[c] |= C_HEX;
	for (c = 'A'; c <= 'F'; c++)
		cclass[c] |= C_HEX;
	for (; *tspecial; tspecial++)
		cclass[(unsigned char)*tspecial] |= C_TCHAR;
}

static void cclass_init(void)
{
	pthread_once(&cclass_once, cclass_build);
}

static const struct {
	int status;
	const char *text;
} errors[] = {
#define EV__HTTP_ERR_ROW(name, status, text) {status, text},
    EV__HTTP_ERRORS(EV__HTTP_ERR_ROW)
#undef EV__HTTP_ERR_ROW
};

int ev__http_error_status(enum ev__http_error e)
{
	if ((unsigned)e >= EV__HTTP_E_COUNT)
		return 500;
	return errors[e].status;
}

const char *ev__http_error_text(enum ev__http_error e)
{
	if ((unsigned)e >= EV__HTTP_E_COUNT)
		return "unknown error";
	return errors[e].text;
}

void ev__http_parser_init(struct ev__http_parser *p, enum ev__http_mode mode)
{
	cclass_init();
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->max_head = DEFAULT_MAX_HEAD;
	p->max_uri = DEFAULT_MAX_URI;
	p->max_headers = DEFAULT_MAX_HEADERS;
	p->max_body = UINT64_MAX;
	p->state = S_IDLE;
}

void ev__http_parser_reset(struct ev__http_parser *p)
{
	struct ev__http_parser keep = *p;

	memset(p, 0, sizeof(*p));
	p->mode = keep.mode;
	p->max_head = keep.max_head;
	p->max_uri = keep.max_uri;
	p->max_headers = keep.max_headers;
	p->max_body = keep.max_body;
	p->buf = keep.buf;
	p->buf_cap = keep.buf_cap;
	p->fields = keep.fields;
	p->fields_cap = keep.fields_cap;
	p->state = S_IDLE;
}

void ev__http_parser_free(struct ev__http_parser *p)
{
	free(p->buf);
	free(p->fields);
	p->buf = NULL;
	p->fields = NULL;
	p->buf_cap = p->fields_cap = 0;
}

void ev__http_parser_start_chunked(struct ev__http_parser *p)
{
	p->framing = EV__HTTP_BODY_CHUNKED;
	p->state = S_CHUNK_START;
}

int ev__http_parser_idle(const struct ev__http_parser *p)
{
	return p->state == S_IDLE && p->head_bytes == 0;
}

const char *ev__http_parser_str(const struct ev__http_parser *p, uint32_t off)
{
	if (!p->buf || off >= p->buf_len)
		return "";
	return p->buf + off;
}

int ev__http_parser_field(const struct ev__http_parser *p, size_t i,
                          const char **name, const char **value)
{
	if (i >= p->nfields)
		return -1;
	*name = p->buf + p->fields[i].name;
	*value = p->buf + p->fields[i].value;
	return 0;
}

static int fail(struct ev__http_parser *p, enum ev__http_error e)
{
	p->error = e;
	p->state = S_ERROR;
	return -1;
}

static int push(struct ev__http_parser *p, char c)
{
	if (p->buf_len == p->buf_cap) {
		size_t cap = p->buf_cap ? p->buf_cap * 2 : 256;
		char *nb;

		/* Offsets are 32-bit; max_head keeps us far below that. */
		if (cap > UINT32_MAX)
			return fail(p, EV__HTTP_E_HEAD_TOO_LARGE);
		nb = realloc(p->buf, cap);
		if (!nb)
			return fail(p, EV__HTTP_E_NOMEM);
		p->buf = nb;
		p->buf_cap = cap;
	}
	p->buf[p->buf_len++] = c;
	return 0;
}

/* Case-insensitive compare of an ASCII buffer with a lower-case literal. */
static int lit_eq(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!lit[i] || c != lit[i])
			return 0;
	}
	return lit[n] == '\0';
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Calls fn(p, element, len) for each non-empty element of a comma list
 * (RFC 9110 5.6.1), OWS trimmed.  Returns -1 as soon as fn does.
 */
static int for_each_element(struct ev__http_parser *p, const char *v, size_t n,
                            int (*fn)(struct ev__http_parser *, const char *,
                                      size_t))
{
	size_t i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && is_ows(v[i]))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && is_ows(v[e - 1]))
			e--;
		if (e > s && fn(p, v + s, e - s) < 0)
			return -1;
		i++; /* the comma */
	}
	return 0;
}

static int te_element(struct ev__http_parser *p, const char *s, size_t n)
{
	if (lit_eq(s, n, "chunked")) {
		if (p->te_chunked)
			p->te_dup = 1;
		p->te_chunked = 1;
		p->te_last_chunked = 1;
	} else {
		/* Anything else, parameters included, is a coding we do not
		 * decode; it also means chunked is no longer last. */
		p->te_unknown = 1;
		p->te_last_chunked = 0;
	}
	return 0;
}

static int conn_element(struct ev__http_parser *p, const char *s, size_t n)
{
	if (lit_eq(s, n, "close"))
		p->conn_close = 1;
	else if (lit_eq(s, n, "keep-alive"))
		p->conn_keepalive = 1;
	return 0;
}

/* Content-Length = 1*DIGIT; a list of identical values is tolerated. */
static int cl_parse(struct ev__http_parser *p, const char *v, size_t n)
{
	size_t i = 0;
	int any = 0;

	while (i < n) {
		uint64_t x = 0;
		size_t s;

		while (i < n && is_ows(v[i]))
			i++;
		s = i;
		for (; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
			unsigned d = (unsigned)(v[i] - '0');

			if (x > ((uint64_t)INT64_MAX - d) / 10)
				return fail(p, EV__HTTP_E_CL_OVERFLOW);
			x = x * 10 + d;
		}
		if (i == s)
			return fail(p, EV__HTTP_E_CL_INVALID);
		while (i < n && is_ows(v[i]))
			i++;
		if (i < n && v[i] != ',')
			return fail(p, EV__HTTP_E_CL_INVALID);
		if (i < n)
			i++;
		if (i == n && v[n - 1] == ',')
			return fail(p, EV__HTTP_E_CL_INVALID);
		if ((p->has_cl || any) && p->content_length != x)
			return fail(p, EV__HTTP_E_CL_CONFLICT);
		p->content_length = x;
		any = 1;
	}
	if (!any)
		return fail(p, EV__HTTP_E_CL_INVALID);
	p->has_cl = 1;
	return 0;
}

/* A field line is complete: record it and note what it says about framing. */
static int field_done(struct ev__http_parser *p)
{
	struct ev__http_field *f;
	const char *name, *value;

	/* Drop trailing OWS of the value and terminate it. */
	p->buf_len = p->value_trim;
	if (push(p, '\0') < 0)
		return -1;
	f = &p->fields[p->nfields];
	f->value_len = (uint32_t)(p->buf_len - 1 - f->value);
	p->nfields++;
	name = p->buf + f->name;
	value = p->buf + f->value;

	if (p->in_trailer) {
		/* Framing is settled by the time trailers arrive; a trailer
		 * that tries to change it is an attack on a later hop. */
		if (lit_eq(name, f->name_len, "content-length") ||
		    lit_eq(name, f->name_len, "transfer-encoding") ||
		    lit_eq(name, f->name_len, "host") ||
		    lit_eq(name, f->name_len, "trailer"))
			return fail(p, EV__HTTP_E_TRAILER_FRAMING);
		return 0;
	}
	switch (f->name_len) {
	case 14:
		if (lit_eq(name, 14, "content-length"))
			return cl_parse(p, value, f->value_len);
		break;
	case 17:
		if (lit_eq(name, 17, "transfer-encoding")) {
			p->has_te = 1;
			return for_each_element(p, value, f->value_len,
			                        te_element);
		}
		break;
	case 4:
		if (lit_eq(name, 4, "host")) {
			if (p->has_host)
				return fail(p, EV__HTTP_E_HOST_DUPLICATE);
			p->has_host = 1;
		}
		break;
	case 10:
		if (lit_eq(name, 10, "connection"))
			return for_each_element(p, value, f->value_len,
			                        conn_element);
		break;
	case 6:
		if (lit_eq(name, 6, "expect") &&
		    lit_eq(value, f->value_len, "100-continue"))
			p->expect_continue = 1;
		break;
	}
	return 0;
}

static int field_begin(struct ev__http_parser *p)
{
	if (p->nfields >= p->max_headers + p->first_trailer)
		return fail(p, EV__HTTP_E_TOO_MANY_HEADERS);
	if (p->nfields == p->fields_cap) {
		size_t cap = p->fields_cap ? p->fields_cap * 2 : 16;
		struct ev__http_field *nf;

		nf = realloc(p->fields, cap * sizeof(*nf));
		if (!nf)
			return fail(p, EV__HTTP_E_NOMEM);
		p->fields = nf;
		p->fields_cap = cap;
	}
	p->fields[p->nfields].name = (uint32_t)p->buf_len;
	p->fields[p->nfields].name_len = 0;
	return 0;
}

/* The empty line after the fields: decide how the body is framed. */
static int head_done(struct ev__http_parser *p)
{
	int request = p->mode == EV__HTTP_PARSE_REQUEST;

	if (p->has_te && p->has_cl)
		return fail(p, EV__HTTP_E_TE_AND_CL);
	if (p->has_te && p->major == 1 && p->minor == 0)
		return fail(p, EV__HTTP_E_TE_HTTP10);
	if (p->te_dup)
		return fail(p, EV__HTTP_E_TE_DUPLICATE);
	if (request) {
		if (p->te_chunked && !p->te_last_chunked)
			return fail(p, EV__HTTP_E_TE_NOT_LAST);
		if (p->has_te && !p->te_chunked)
			return fail(p, EV__HTTP_E_TE_UNKNOWN);
		if (p->te_unknown)
			return fail(p, EV__HTTP_E_TE_UNKNOWN);
		if (p->minor >= 1 && !p->has_host)
			return fail(p, EV__HTTP_E_HOST_MISSING);
	}

	if (!request && (p->no_body || p->status < 200 || p->status == 204 ||
	                 p->status == 304))
		p->framing = EV__HTTP_BODY_NONE;
	else if (p->has_te && p->te_last_chunked)
		p->framing = EV__HTTP_BODY_CHUNKED;
	else if (p->has_te)
		p->framing = EV__HTTP_BODY_EOF; /* responses only, see above */
	else if (p->has_cl)
		p->framing = p->content_length ? EV__HTTP_BODY_LENGTH
		                               : EV__HTTP_BODY_NONE;
	else if (request)
		p->framing = EV__HTTP_BODY_NONE;
	else
		p->framing = EV__HTTP_BODY_EOF;

	switch (p->framing) {
	case EV__HTTP_BODY_NONE:
		p->state = S_MSG_DONE;
		break;
	case EV__HTTP_BODY_LENGTH:
		if (p->content_length > p->max_body)
			return fail(p, EV__HTTP_E_BODY_TOO_LARGE);
		p->remaining = p->content_length;
		p->state = S_BODY_LENGTH;
		break;
	case EV__HTTP_BODY_CHUNKED:
		p->state = S_CHUNK_START;
		break;
	case EV__HTTP_BODY_EOF:
		p->state = S_BODY_EOF;
		break;
	}
	return 0;
}

/* An error for a byte that is not allowed where it appears in the head. */
static enum ev__http_error head_byte_error(unsigned char c,
                                           enum ev__http_error otherwise)
{
	if (c == '\0')
		return EV__HTTP_E_NUL;
	if (c == '\n')
		return EV__HTTP_E_BARE_LF;
	if (c == '\r')
		return EV__HTTP_E_BARE_CR;
	return otherwise;
}

/* Appends n bytes at once (the run fast paths below). */
static int push_run(struct ev__http_parser *p, const unsigned char *src,
                    size_t n)
{
	if (n == 0)
		return 0;
	if (p->buf_cap - p->buf_len < n) {
		size_t cap = p->buf_cap ? p->buf_cap : 256;
		char *nb;

		while (cap - p->buf_len < n) {
			if (cap > UINT32_MAX)
				return fail(p, EV__HTTP_E_HEAD_TOO_LARGE);
			cap *= 2;
		}
		if (cap > UINT32_MAX)
			return fail(p, EV__HTTP_E_HEAD_TOO_LARGE);
		nb = realloc(p->buf, cap);
		if (!nb)
			return fail(p, EV__HTTP_E_NOMEM);
		p->buf = nb;
		p->buf_cap = cap;
	}
	memcpy(p->buf + p->buf_len, src, n);
	p->buf_len += n;
	return 0;
}

/*
 * How many of the bytes after d[i] may be taken in one go by a state that
 * just took d[i]: at most `room` more for the token, within the input and
 * the head budget (the byte that would cross a limit is left to the
 * per-byte path, which reports it).  Requests are mostly long runs of
 * one class (target, names, values); taking them a run at a time instead
 * of a byte at a time is what keeps the parser off the profile.
 */
static size_t run_bound(const struct ev__http_parser *p, size_t i, size_t len,
                        size_t room)
{
	size_t n = len - i - 1, budget = p->max_head - p->head_bytes;

	if (n > budget)
		n = budget;
	if (n > room)
		n = room;
	return n;
}

/* Bytes of class cls among the first n after d[i]. */
static size_t run_len(const unsigned char *d, size_t i, size_t n,
                      unsigned char cls)
{
	size_t k = 0;

	while (k < n && (cclass[d[i + 1 + k]] & cls))
		k++;
	return k;
}

static int in_head(int state)
{
	return state <= S_HEAD_LF;
}

/* Hands out up to p->remaining bytes of body (Content-Length or one
 * chunk) from `avail` bytes at `at`, `off` bytes into the input, and moves
 * to `next` when that part of the body is complete. */
static enum ev__http_result take_body(struct ev__http_parser *p, const char *at,
                                      size_t avail, const char **body,
                                      size_t *body_len, size_t *used,
                                      size_t off, enum state next)
{
	size_t n = avail;

	if (n > p->remaining)
		n = (size_t)p->remaining;
	p->remaining -= n;
	p->body_seen += n;
	*body = at;
	*body_len = n;
	*used = off + n;
	if (p->remaining == 0)
		p->state = next;
	return EV__HTTP_BODY;
}

enum ev__http_result ev__http_parse(struct ev__http_parser *p, const char *data,
                                    size_t len, size_t *used, const char **body,
                                    size_t *body_len)
{
	const unsigned char *d = (const unsigned char *)data;
	size_t i = 0;

	*used = 0;
	*body = NULL;
	*body_len = 0;

	if (p->state == S_MSG_DONE) {
		p->state = S_FINISHED;
		return EV__HTTP_DONE;
	}
	if (p->state == S_ERROR)
		return EV__HTTP_ERROR;
	if (p->state == S_FINISHED) {
		fail(p, EV__HTTP_E_STATE);
		return EV__HTTP_ERROR;
	}

	while (i < len) {
		unsigned char c = d[i];

		if (in_head(p->state) || p->in_trailer) {
			/* The whole head (and the trailer section) is bounded;
			 * the request line gets the more precise 414. */
			if (++p->head_bytes > p->max_head) {
				if (p->state == S_TARGET ||
				    p->state == S_METHOD)
					fail(p, EV__HTTP_E_URI_TOO_LONG);
				else
					fail(p, EV__HTTP_E_HEAD_TOO_LARGE);
				goto error;
			}
		}

	reswitch:
		switch (p->state) {
		case S_IDLE:
			if (p->mode == EV__HTTP_PARSE_RESPONSE) {
				p->state = S_RESP_VERSION;
				p->sub = 0;
				goto reswitch; /* c is part of the version */
			}
			/* RFC 9112 2.2: ignore empty lines before a request. */
			if (c == '\r') {
				p->state = S_LEAD_LF;
				break;
			}
			if (!(cclass[c] & C_TCHAR)) {
				fail(p, head_byte_error(c, EV__HTTP_E_METHOD));
				goto error;
			}
			p->method = (uint32_t)p->buf_len;
			p->tok_len = 0;
			p->state = S_METHOD;
			goto reswitch;
		case S_LEAD_LF:
			if (c != '\n') {
				fail(p, EV__HTTP_E_BARE_CR);
				goto error;
			}
			p->state = S_IDLE;
			break;
		case S_METHOD:
			if (cclass[c] & C_TCHAR) {
				size_t k;

				if (++p->tok_len > MAX_METHOD) {
					fail(p, EV__HTTP_E_METHOD_TOO_LONG);
					goto error;
				}
				k = run_len(d, i,
				            run_bound(p, i, len,
				                      MAX_METHOD - p->tok_len),
				            C_TCHAR);
				if (push(p, (char)c) < 0 ||
				    push_run(p, d + i + 1, k) < 0)
					goto error;
				p->tok_len += k;
				p->head_bytes += k;
				i += k;
				break;
			}
			if (c != ' ') {
				fail(p, head_byte_error(c, EV__HTTP_E_METHOD));
				goto error;
			}
			p->method_len = (uint32_t)p->tok_len;
			if (push(p, '\0') < 0)
				goto error;
			p->target = (uint32_t)p->buf_len;
			p->tok_len = 0;
			p->state = S_TARGET;
			break;
		case S_TARGET:
			if (cclass[c] & C_TARGET) {
				size_t k;

				if (++p->tok_len > p->max_uri) {
					fail(p, EV__HTTP_E_URI_TOO_LONG);
					goto error;
				}
				k = run_len(d, i,
				            run_bound(p, i, len,
				                      p->max_uri - p->tok_len),
				            C_TARGET);
				if (push(p, (char)c) < 0 ||
				    push_run(p, d + i + 1, k) < 0)
					goto error;
				p->tok_len += k;
				p->head_bytes += k;
				i += k;
				break;
			}
			if (c != ' ' || p->tok_len == 0) {
				fail(p, head_byte_error(c, EV__HTTP_E_TARGET));
				goto error;
			}
			p->target_len = (uint32_t)p->tok_len;
			if (push(p, '\0') < 0)
				goto error;
			p->state = S_REQ_VERSION;
			p->sub = 0;
			break;
		case S_REQ_VERSION:
		case S_RESP_VERSION:
			/* "HTTP/" DIGIT "." DIGIT, case-sensitive.  The
			 * usual "HTTP/1.x" whole in the input is taken at
			 * once (within the head budget). */
			if (p->sub == 0 && len - i >= 8 &&
			    p->max_head - p->head_bytes >= 7 &&
			    memcmp(d + i, "HTTP/1.", 7) == 0 &&
			    d[i + 7] >= '0' && d[i + 7] <= '9') {
				p->major = 1;
				p->minor = d[i + 7] - '0';
				p->head_bytes += 7;
				i += 7;
				p->sub = 7;
			} else if (p->sub < 5) {
				if (c != (unsigned char)"HTTP/"[p->sub]) {
					fail(p, head_byte_error(
					            c, EV__HTTP_E_VERSION));
					goto error;
				}
			} else if (p->sub == 6) {
				if (c != '.') {
					fail(p, head_byte_error(
					            c, EV__HTTP_E_VERSION));
					goto error;
				}
			} else {
				if (c < '0' || c > '9') {
					fail(p, head_byte_error(
					            c, EV__HTTP_E_VERSION));
					goto error;
				}
				if (p->sub == 5)
					p->major = c - '0';
				else
					p->minor = c - '0';
			}
			if (++p->sub == 8) {
				if (p->major != 1) {
					fail(p, EV__HTTP_E_VERSION_UNSUPPORTED);
					goto error;
				}
				p->state = p->state == S_REQ_VERSION ? S_REQ_CR
				                                     : S_STATUS;
				p->sub = 0;
				if (p->state == S_STATUS)
					p->sub = -1; /* expect the SP first */
			}
			break;
		case S_REQ_CR:
			if (c != '\r') {
				fail(p, head_byte_error(c, EV__HTTP_E_VERSION));
				goto error;
			}
			p->state = S_REQ_LF;
			break;
		case S_REQ_LF:
		case S_RESP_LF:
			if (c != '\n') {
				fail(p, EV__HTTP_E_BARE_CR);
				goto error;
			}
			p->state = S_FIELD_START;
			break;
		case S_STATUS:
			if (p->sub < 0) {
				if (c != ' ') {
					fail(p, head_byte_error(
					            c, EV__HTTP_E_STATUS));
					goto error;
				}
				p->sub = 0;
				break;
			}
			if (c < '0' || c > '9') {
				fail(p, head_byte_error(c, EV__HTTP_E_STATUS));
				goto error;
			}
			p->status = p->status * 10 + (c - '0');
			if (++p->sub == 3) {
				if (p->status < 100 || p->status > 599) {
					fail(p, EV__HTTP_E_STATUS);
					goto error;
				}
				p->state = S_STATUS_END;
			}
			break;
		case S_STATUS_END:
			p->reason = (uint32_t)p->buf_len;
			if (c == ' ') {
				p->state = S_REASON;
				break;
			}
			/* A missing reason phrase is common enough to accept.
			 */
			if (c == '\r') {
				if (push(p, '\0') < 0)
					goto error;
				p->state = S_RESP_LF;
				break;
			}
			fail(p, head_byte_error(c, EV__HTTP_E_STATUS));
			goto error;
		case S_REASON:
			if ((cclass[c] & C_FIELD) || is_ows((char)c)) {
				p->reason_len++;
				if (push(p, (char)c) < 0)
					goto error;
				break;
			}
			if (c != '\r') {
				fail(p, head_byte_error(c, EV__HTTP_E_STATUS));
				goto error;
			}
			if (push(p, '\0') < 0)
				goto error;
			p->state = S_RESP_LF;
			break;
		case S_FIELD_START:
			if (c == '\r') {
				p->state = S_HEAD_LF;
				break;
			}
			if (c == ' ' || c == '\t') {
				/* obs-fold, or whitespace before the first
				 * field (RFC 9112 2.2): both refused. */
				fail(p, EV__HTTP_E_OBS_FOLD);
				goto error;
			}
			if (!(cclass[c] & C_TCHAR)) {
				fail(p, head_byte_error(
				            c, EV__HTTP_E_HEADER_NAME));
				goto error;
			}
			if (field_begin(p) < 0)
				goto error;
			p->state = S_FIELD_NAME;
			goto reswitch;
		case S_FIELD_NAME:
			if (cclass[c] & C_TCHAR) {
				size_t k = run_len(
				    d, i, run_bound(p, i, len, SIZE_MAX),
				    C_TCHAR);

				if (push(p, (char)c) < 0 ||
				    push_run(p, d + i + 1, k) < 0)
					goto error;
				p->fields[p->nfields].name_len +=
				    (uint32_t)(k + 1);
				p->head_bytes += k;
				i += k;
				break;
			}
			if (c == ':') {
				if (push(p, '\0') < 0)
					goto error;
				p->fields[p->nfields].value =
				    (uint32_t)p->buf_len;
				p->value_trim = p->buf_len;
				p->state = S_FIELD_OWS;
				break;
			}
			if (c == ' ' || c == '\t') {
				fail(p, EV__HTTP_E_WS_BEFORE_COLON);
				goto error;
			}
			if (c == '\r' || c == '\n') {
				fail(p, EV__HTTP_E_NO_COLON);
				goto error;
			}
			fail(p, head_byte_error(c, EV__HTTP_E_HEADER_NAME));
			goto error;
		case S_FIELD_OWS:
			if (is_ows((char)c))
				break;
			p->state = S_FIELD_VALUE;
			goto reswitch;
		case S_FIELD_VALUE:
			if (cclass[c] & C_FIELD) {
				/* The run may hold blanks; value_trim ends
				 * after its last non-blank. */
				size_t n = run_bound(p, i, len, SIZE_MAX),
				       k = 0, trim = 0;

				while (k < n) {
					unsigned char x = d[i + 1 + k];

					if (cclass[x] & C_FIELD)
						trim = k + 1;
					else if (!is_ows((char)x))
						break;
					k++;
				}
				if (push(p, (char)c) < 0 ||
				    push_run(p, d + i + 1, k) < 0)
					goto error;
				p->value_trim = p->buf_len - (k - trim);
				p->head_bytes += k;
				i += k;
				break;
			}
			if (is_ows((char)c)) {
				if (push(p, (char)c) < 0)
					goto error;
				break;
			}
			if (c == '\r') {
				p->state = S_FIELD_LF;
				break;
			}
			fail(p, head_byte_error(c, EV__HTTP_E_HEADER_VALUE));
			goto error;
		case S_FIELD_LF:
			if (c != '\n') {
				fail(p, EV__HTTP_E_BARE_CR);
				goto error;
			}
			if (field_done(p) < 0)
				goto error;
			p->state = S_FIELD_START;
			break;
		case S_HEAD_LF:
			if (c != '\n') {
				fail(p, EV__HTTP_E_BARE_CR);
				goto error;
			}
			*used = i + 1;
			if (p->in_trailer) {
				p->state = S_FINISHED;
				return EV__HTTP_DONE;
			}
			if (head_done(p) < 0)
				goto error;
			return EV__HTTP_HEAD;
		case S_BODY_LENGTH:
			return take_body(p, data + i, len - i, body, body_len,
			                 used, i, S_MSG_DONE);
		case S_BODY_EOF:
			if (len - i > p->max_body - p->body_seen) {
				fail(p, EV__HTTP_E_BODY_TOO_LARGE);
				goto error;
			}
			p->body_seen += len - i;
			*body = data + i;
			*body_len = len - i;
			*used = len;
			return EV__HTTP_BODY;
		case S_CHUNK_START:
			if (!(cclass[c] & C_HEX)) {
				fail(p,
				     head_byte_error(c, EV__HTTP_E_CHUNK_SIZE));
				goto error;
			}
			p->remaining = 0;
			p->sub = 0;
			p->ext_len = 0;
			p->state = S_CHUNK_SIZE;
			goto reswitch;
		case S_CHUNK_SIZE:
			if (cclass[c] & C_HEX) {
				unsigned v =
				    c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

				if (++p->sub > MAX_CHUNK_DIGITS) {
					fail(p, EV__HTTP_E_CHUNK_SIZE_TOO_LONG);
					goto error;
				}
				if (p->remaining > ((uint64_t)INT64_MAX >> 4)) {
					fail(p, EV__HTTP_E_CHUNK_SIZE_TOO_LONG);
					goto error;
				}
				p->remaining = (p->remaining << 4) | v;
				break;
			}
			if (c == ';') {
				p->state = S_CHUNK_EXT;
				break;
			}
			if (c == ' ' || c == '\t') {
				p->state = S_CHUNK_BWS;
				break;
			}
			if (c == '\r') {
				p->state = S_CHUNK_LF;
				break;
			}
			fail(p, head_byte_error(c, EV__HTTP_E_CHUNK_SIZE));
			goto error;
		case S_CHUNK_BWS:
			/* BWS is allowed only before a chunk extension. */
			if (c == ' ' || c == '\t')
				break;
			if (c == ';') {
				p->state = S_CHUNK_EXT;
				break;
			}
			fail(p, c == '\n' ? EV__HTTP_E_BARE_LF
			                  : EV__HTTP_E_CHUNK_EXT);
			goto error;
		case S_CHUNK_EXT:
			/* Extensions are ignored, but a CTL inside one (a bare
			 * LF above all) would let two parsers disagree. */
			if (c == '\r') {
				p->state = S_CHUNK_LF;
				break;
			}
			if (++p->ext_len > MAX_CHUNK_EXT ||
			    !((cclass[c] & C_FIELD) || is_ows((char)c))) {
				fail(p,
				     head_byte_error(c, EV__HTTP_E_CHUNK_EXT));
				goto error;
			}
			break;
		case S_CHUNK_LF:
			if (c != '\n') {
				fail(p, EV__HTTP_E_BARE_CR);
				goto error;
			}
			if (p->remaining == 0) {
				p->in_trailer = 1;
				p->head_bytes = 0;
				p->first_trailer = p->nfields;
				p->state = S_FIELD_START;
				break;
			}
			if (p->remaining > p->max_body - p->body_seen) {
				fail(p, EV__HTTP_E_BODY_TOO_LARGE);
				goto error;
			}
			p->state = S_CHUNK_DATA;
			break;
		case S_CHUNK_DATA:
			return take_body(p, data + i, len - i, body, body_len,
			                 used, i, S_CHUNK_DATA_CR);
		case S_CHUNK_DATA_CR:
			if (c != '\r') {
				fail(p, EV__HTTP_E_CHUNK_CRLF);
				goto error;
			}
			p->state = S_CHUNK_DATA_LF;
			break;
		case S_CHUNK_DATA_LF:
			if (c != '\n') {
				fail(p, EV__HTTP_E_CHUNK_CRLF);
				goto error;
			}
			p->state = S_CHUNK_START;
			break;
		default:
			fail(p, EV__HTTP_E_STATE);
			goto error;
		}
		i++;
	}
	*used = len;
	if (p->state == S_MSG_DONE) {
		p->state = S_FINISHED;
		return EV__HTTP_DONE;
	}
	return EV__HTTP_NEED_MORE;
error:
	*used = i;
	return EV__HTTP_ERROR;
}

enum ev__http_result ev__http_parse_eof(struct ev__http_parser *p)
{
	switch (p->state) {
	case S_IDLE:
	case S_LEAD_LF:
		if (p->state == S_IDLE)
			return EV__HTTP_NEED_MORE;
		break;
	case S_BODY_EOF:
	case S_MSG_DONE:
		p->state = S_FINISHED;
		return EV__HTTP_DONE;
	case S_ERROR:
		return EV__HTTP_ERROR;
	default:
		break;
	}
	fail(p, EV__HTTP_E_TRUNCATED);
	return EV__HTTP_ERROR;
}
