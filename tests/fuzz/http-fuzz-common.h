/*
 * Shared by the HTTP fuzz targets: run the parser over the input whole and
 * in small pieces, and trap if the two runs disagree (the parser must not
 * depend on how the input is split) or if it ever claims more input than
 * it was given.
 */
#ifndef HTTP_FUZZ_COMMON_H
#define HTTP_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parser.h"

struct fuzz_outcome {
	int error;
	int messages;
	int heads;
	uint64_t body;
	uint64_t body_hash;
};

static void fuzz_run(const uint8_t *data, size_t size, size_t step, int mode,
                     int chunked_only, struct fuzz_outcome *o)
{
	struct ev__http_parser p;
	size_t off = 0;

	memset(o, 0, sizeof(*o));
	ev__http_parser_init(&p, mode ? EV__HTTP_PARSE_RESPONSE
	                              : EV__HTTP_PARSE_REQUEST);
	p.max_body = 1 << 20;
	if (chunked_only)
		ev__http_parser_start_chunked(&p);
	/* Bounded: every call consumes a byte or changes state. */
	for (int guard = 0; guard < 1000000; guard++) {
		size_t piece = size - off, used, blen;
		const char *body;
		enum ev__http_result r;

		if (step && piece > step)
			piece = step;
		r = ev__http_parse(&p, (const char *)data + off, piece, &used,
		                   &body, &blen);
		if (used > piece)
			__builtin_trap();
		off += used;
		if (r == EV__HTTP_ERROR) {
			o->error = p.error;
			break;
		}
		if (r == EV__HTTP_HEAD) {
			o->heads++;
			if (p.buf_len > p.max_head * 2 + 64)
				__builtin_trap();
		} else if (r == EV__HTTP_BODY) {
			if (body < (const char *)data ||
			    body + blen > (const char *)data + size)
				__builtin_trap();
			o->body += blen;
			for (size_t i = 0; i < blen; i++)
				o->body_hash =
				    o->body_hash * 31 + (uint8_t)body[i];
		} else if (r == EV__HTTP_DONE) {
			o->messages++;
			if (chunked_only)
				break;
			ev__http_parser_reset(&p);
		} else if (off == size) {
			break;
		}
		if (off == size && r != EV__HTTP_HEAD && r != EV__HTTP_BODY)
			break;
	}
	ev__http_parser_free(&p);
}

static int fuzz_check(const uint8_t *data, size_t size, int mode,
                      int chunked_only)
{
	struct fuzz_outcome a, b, c;

	fuzz_run(data, size, 0, mode, chunked_only, &a);
	fuzz_run(data, size, 1, mode, chunked_only, &b);
	fuzz_run(data, size, 7, mode, chunked_only, &c);
	if (a.error != b.error || a.error != c.error ||
	    a.messages != b.messages || a.messages != c.messages ||
	    a.body_hash != b.body_hash || a.body_hash != c.body_hash ||
	    a.body != b.body || a.body != c.body)
		__builtin_trap();
	return 0;
}

#endif
