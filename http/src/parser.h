/*
 * Strict, incremental HTTP/1.1 message parser (RFC 9112).  Private to
 * libev-http.
 *
 * The parser is a state machine over input chunks: every byte is examined
 * once, so a message that trickles in one byte at a time still costs O(n).
 * It never reads outside [data, data + len).  The head (start line and
 * fields) is copied, token by token, into a buffer the parser owns so the
 * caller may drop the input as soon as it has been consumed; bodies are
 * handed out as pointers into the caller's input (no copy).
 *
 * Use:
 *	ev__http_parser_init(&p, EV__HTTP_PARSE_REQUEST);
 *	loop: r = ev__http_parse(&p, data, len, &used, &body, &blen);
 *	      data += used, len -= used; act on r (HEAD, BODY, DONE, ERROR);
 *	      stop on NEED_MORE (everything consumed) or ERROR.
 *	after DONE: ev__http_parser_reset(&p) for the next message.
 */
#ifndef LIBEV_HTTP_PARSER_H
#define LIBEV_HTTP_PARSER_H

#include <stddef.h>
#include <stdint.h>

/* What ev__http_parse() stopped for. */
enum ev__http_result {
	EV__HTTP_NEED_MORE = 0, /* all input consumed, message incomplete */
	EV__HTTP_HEAD,          /* start line and fields are available */
	EV__HTTP_BODY,          /* *body / *body_len: a piece of the body */
	EV__HTTP_DONE,          /* message complete (trailers available) */
	EV__HTTP_ERROR          /* p->error says why; the parser is stuck */
};

enum ev__http_mode { EV__HTTP_PARSE_REQUEST, EV__HTTP_PARSE_RESPONSE };

/* How the body is delimited, decided when the head is complete. */
enum ev__http_framing {
	EV__HTTP_BODY_NONE,
	EV__HTTP_BODY_LENGTH,
	EV__HTTP_BODY_CHUNKED,
	EV__HTTP_BODY_EOF /* responses only: read until the peer closes */
};

/*
 * Every reason to refuse a message.  Each maps to the status code a server
 * answers with (ev__http_error_status) and a short text for the logs.
 */
#define EV__HTTP_ERRORS(X)                                                     \
	X(NONE, 200, "no error")                                               \
	X(NOMEM, 500, "out of memory")                                         \
	X(BARE_LF, 400, "bare LF where CRLF is required")                      \
	X(BARE_CR, 400, "bare CR")                                             \
	X(NUL, 400, "NUL byte in the head")                                    \
	X(CTL, 400, "control character in the head")                           \
	X(METHOD, 400, "invalid method")                                       \
	X(METHOD_TOO_LONG, 501, "method too long")                             \
	X(TARGET, 400, "invalid request target")                               \
	X(URI_TOO_LONG, 414, "request target too long")                        \
	X(VERSION, 400, "invalid HTTP version")                                \
	X(VERSION_UNSUPPORTED, 505, "HTTP version not supported")              \
	X(STATUS, 400, "invalid status line")                                  \
	X(HEADER_NAME, 400, "empty or invalid header name")                    \
	X(WS_BEFORE_COLON, 400, "whitespace before the colon")                 \
	X(NO_COLON, 400, "header line without a colon")                        \
	X(OBS_FOLD, 400, "obsolete line folding")                              \
	X(HEADER_VALUE, 400, "invalid character in a header value")            \
	X(HEAD_TOO_LARGE, 431, "header section too large")                     \
	X(TOO_MANY_HEADERS, 431, "too many header fields")                     \
	X(TE_AND_CL, 400, "both Transfer-Encoding and Content-Length")         \
	X(TE_DUPLICATE, 400, "duplicate transfer coding")                      \
	X(TE_NOT_LAST, 400, "chunked is not the last transfer coding")         \
	X(TE_UNKNOWN, 501, "unknown transfer coding")                          \
	X(TE_HTTP10, 400, "Transfer-Encoding in an HTTP/1.0 message")          \
	X(CL_INVALID, 400, "invalid Content-Length")                           \
	X(CL_CONFLICT, 400, "conflicting Content-Length values")               \
	X(CL_OVERFLOW, 400, "Content-Length overflows")                        \
	X(HOST_MISSING, 400, "HTTP/1.1 request without Host")                  \
	X(HOST_DUPLICATE, 400, "more than one Host")                           \
	X(BODY_TOO_LARGE, 413, "body too large")                               \
	X(CHUNK_SIZE, 400, "invalid chunk size")                               \
	X(CHUNK_SIZE_TOO_LONG, 400, "chunk size has too many digits")          \
	X(CHUNK_EXT, 400, "invalid chunk extension")                           \
	X(CHUNK_CRLF, 400, "chunk data not followed by CRLF")                  \
	X(TRAILER_FRAMING, 400, "trailer field sets message framing")          \
	X(TRUNCATED, 400, "connection closed inside a message")                \
	X(STATE, 500, "parser used after an error or completion")

enum ev__http_error {
#define EV__HTTP_ERR_ENUM(name, status, text) EV__HTTP_E_##name,
	EV__HTTP_ERRORS(EV__HTTP_ERR_ENUM)
#undef EV__HTTP_ERR_ENUM
	    EV__HTTP_E_COUNT
};

/* One parsed field; offsets into p->buf (which may move when it grows). */
struct ev__http_field {
	uint32_t name, name_len;
	uint32_t value, value_len;
};

struct ev__http_parser {
	/* Limits, settable between init and the first byte. */
	size_t max_head;    /* start line + fields, bytes (431; 414 if URI) */
	size_t max_uri;     /* request target, bytes (414) */
	size_t max_headers; /* number of fields (431) */
	uint64_t max_body;  /* body bytes (413); UINT64_MAX = no limit */
	int no_body;        /* response to HEAD: no body whatever it says */

	/* Results, valid from EV__HTTP_HEAD on. */
	enum ev__http_mode mode;
	enum ev__http_error error;
	enum ev__http_framing framing;
	int major, minor;
	int status;                   /* responses */
	uint64_t content_length;      /* EV__HTTP_BODY_LENGTH */
	unsigned conn_close : 1;      /* Connection: close */
	unsigned conn_keepalive : 1;  /* Connection: keep-alive */
	unsigned expect_continue : 1; /* Expect: 100-continue */
	unsigned has_te : 1, has_cl : 1, te_chunked : 1, te_last_chunked : 1,
	    te_unknown : 1, te_dup : 1, has_host : 1, in_trailer : 1;
	uint32_t method, method_len; /* offsets into buf */
	uint32_t target, target_len;
	uint32_t reason, reason_len;
	size_t nfields; /* fields of the head, then the trailers */
	size_t first_trailer;
	struct ev__http_field *fields;
	size_t fields_cap;

	/* Token storage: the significant bytes of the head, NUL-separated. */
	char *buf;
	size_t buf_len, buf_cap;

	/* Private scanning state. */
	int state;
	int sub;            /* position inside a fixed literal / digit count */
	size_t head_bytes;  /* raw bytes of the head (or trailers) seen */
	size_t tok_len;     /* length of the token being scanned */
	size_t value_trim;  /* buf_len at the last non-blank of a value */
	uint64_t remaining; /* body bytes (or chunk bytes) still to come */
	uint64_t body_seen; /* body bytes delivered so far */
	size_t ext_len;     /* chunk extension bytes on this line */
};

/* Sets up p for one kind of message with the default limits. */
void ev__http_parser_init(struct ev__http_parser *p, enum ev__http_mode mode);
/* Prepares p for the next message on the same connection; keeps limits. */
void ev__http_parser_reset(struct ev__http_parser *p);
/* Frees what p owns. */
void ev__http_parser_free(struct ev__http_parser *p);
/*
 * Starts p directly inside a chunked body (used by the fuzzer and by
 * tests of the chunked decoder alone).
 */
void ev__http_parser_start_chunked(struct ev__http_parser *p);

/*
 * Consumes input up to the next event.  *used is set to the number of
 * bytes consumed (the caller drops them); on EV__HTTP_BODY, *body and
 * *body_len point into data.  Never reads past data + len.
 */
enum ev__http_result ev__http_parse(struct ev__http_parser *p, const char *data,
                                    size_t len, size_t *used, const char **body,
                                    size_t *body_len);
/*
 * The peer closed the connection: returns EV__HTTP_DONE when that ends a
 * close-delimited body, EV__HTTP_NEED_MORE when no message had started,
 * else EV__HTTP_ERROR (TRUNCATED).
 */
enum ev__http_result ev__http_parse_eof(struct ev__http_parser *p);

/* Accessors for the head; strings are NUL-terminated and live in p->buf. */
const char *ev__http_parser_str(const struct ev__http_parser *p, uint32_t off);
/* Field i (head fields first, then trailers); 0, or -1 if out of range. */
int ev__http_parser_field(const struct ev__http_parser *p, size_t i,
                          const char **name, const char **value);
/* Whether p is between messages (nothing of the next one seen yet). */
int ev__http_parser_idle(const struct ev__http_parser *p);

/* The status code a server answers an error with, and a text for logs. */
int ev__http_error_status(enum ev__http_error e);
const char *ev__http_error_text(enum ev__http_error e);

#endif /* LIBEV_HTTP_PARSER_H */
