/*
 * evbuffer: positions, search, end-of-line detection, line reading and
 * zero-copy peeking.  A position is (chunk, offset in the chunk's data)
 * plus the absolute offset; the chunk is NULL at the very end.  Positions
 * are only valid until the buffer changes, as in libevent.
 */
#include <stdlib.h>
#include <string.h>

#include "buffer-internal.h"
#include "ev-internal.h"

/* Moves (c, o) forward past chunks that o has run beyond. */
static void pos_normalize(struct evbuf_chunk **c, size_t *o)
{
	while (*c != NULL && *o >= (*c)->off) {
		*o -= (*c)->off;
		*c = (*c)->next;
	}
}

static void ptr_fill(struct evbuffer_ptr *p, size_t pos, struct evbuf_chunk *c,
                     size_t o)
{
	p->pos = (ev_ssize_t)pos;
	p->internal_.chain = c;
	p->internal_.pos_in_chain = o;
}

static void ptr_none(struct evbuffer_ptr *p)
{
	p->pos = -1;
	p->internal_.chain = NULL;
	p->internal_.pos_in_chain = 0;
}

/* Reads a start position (NULL: the beginning) into (c, o, pos).
 * Returns -1 for an invalid one. */
static int ptr_start(struct evbuffer *buf, const struct evbuffer_ptr *start,
                     struct evbuf_chunk **c, size_t *o, size_t *pos)
{
	if (start == NULL) {
		*c = buf->first;
		*o = 0;
		*pos = 0;
	} else {
		if (start->pos < 0 || (size_t)start->pos > buf->total_len)
			return -1;
		*c = start->internal_.chain;
		*o = start->internal_.pos_in_chain;
		*pos = (size_t)start->pos;
		if (*c == NULL && *pos != buf->total_len) {
			/* Not made by evbuffer_ptr_set() (only `pos` was
			 * filled in): find the chunk from the start. */
			*c = buf->first;
			*o = *pos;
		}
	}
	pos_normalize(c, o);
	return 0;
}

int evbuffer_ptr_set(struct evbuffer *buffer, struct evbuffer_ptr *ptr,
                     size_t position, enum evbuffer_ptr_how how)
{
	EVBUF_LOCKED(buffer);
	struct evbuf_chunk *c;
	size_t o, base;

	if (buffer == NULL || ptr == NULL)
		return -1;
	if (how == EVBUFFER_PTR_SET) {
		c = buffer->first;
		o = 0;
		base = 0;
	} else if (how == EVBUFFER_PTR_ADD) {
		if (ptr->pos < 0 || (size_t)ptr->pos > buffer->total_len)
			goto fail;
		c = ptr->internal_.chain;
		o = ptr->internal_.pos_in_chain;
		base = (size_t)ptr->pos;
		if (c == NULL && base != buffer->total_len) {
			c = buffer->first; /* see ptr_start() */
			o = base;
		}
	} else {
		goto fail;
	}
	if (position > buffer->total_len - base)
		goto fail;
	o += position;
	pos_normalize(&c, &o);
	ptr_fill(ptr, base + position, c, c != NULL ? o : 0);
	return 0;
fail:
	ptr_none(ptr);
	return -1;
}

/* Compares `len` bytes at (c, o) with `what`, across chunks. */
static int match_at(const struct evbuf_chunk *c, size_t o, const char *what,
                    size_t len)
{
	size_t n;

	while (len > 0) {
		if (c == NULL)
			return 0;
		n = c->off - o;
		if (n > len)
			n = len;
		if (memcmp(c->buf + c->misalign + o, what, n) != 0)
			return 0;
		what += n;
		len -= n;
		c = c->next;
		o = 0;
	}
	return 1;
}

struct evbuffer_ptr evbuffer_search_range(struct evbuffer *buffer,
                                          const char *what, size_t len,
                                          const struct evbuffer_ptr *start,
                                          const struct evbuffer_ptr *end)
{
	EVBUF_LOCKED(buffer);
	struct evbuffer_ptr r;
	struct evbuf_chunk *c;
	size_t o, pos, limit;
	const unsigned char *data, *p;

	ptr_none(&r);
	if (buffer == NULL || (what == NULL && len > 0))
		return r;
	if (buffer->n_file && ev__buf_load_files(buffer) < 0)
		return r;
	if (ptr_start(buffer, start, &c, &o, &pos) < 0)
		return r;
	limit = buffer->total_len;
	if (end != NULL && end->pos >= 0 && (size_t)end->pos < limit)
		limit = (size_t)end->pos;
	if (len == 0) {
		if (pos <= limit)
			ptr_fill(&r, pos, c, c != NULL ? o : 0);
		return r;
	}
	if (pos > limit || len > limit - pos)
		return r;
	while (c != NULL) {
		data = c->buf + c->misalign;
		p = memchr(data + o, (unsigned char)what[0], c->off - o);
		if (p == NULL) {
			pos += c->off - o;
			c = c->next;
			o = 0;
			continue;
		}
		pos += (size_t)(p - data) - o;
		o = (size_t)(p - data);
		if (pos > limit || len > limit - pos)
			break;
		if (match_at(c, o, what, len)) {
			ptr_fill(&r, pos, c, o);
			return r;
		}
		pos++;
		o++;
		pos_normalize(&c, &o);
	}
	return r;
}

struct evbuffer_ptr evbuffer_search(struct evbuffer *buffer, const char *what,
                                    size_t len,
                                    const struct evbuffer_ptr *start)
{
	EVBUF_LOCKED(buffer);
	return evbuffer_search_range(buffer, what, len, start, NULL);
}

/* Finds the first byte equal to `a` or `b` at or after (c, o); returns its
 * absolute position and moves (c, o) there, or returns -1. */
static ev_ssize_t find_byte2(struct evbuf_chunk **cp, size_t *op, size_t pos,
                             int a, int b)
{
	struct evbuf_chunk *c = *cp;
	size_t o = *op;
	const unsigned char *data, *p, *q;

	for (; c != NULL; c = c->next, o = 0) {
		data = c->buf + c->misalign;
		p = memchr(data + o, a, c->off - o);
		if (a != b) {
			size_t lim = p != NULL ? (size_t)(p - data) : c->off;

			q = memchr(data + o, b, lim - o);
			if (q != NULL)
				p = q;
		}
		if (p != NULL) {
			pos += (size_t)(p - data) - o;
			*cp = c;
			*op = (size_t)(p - data);
			return (ev_ssize_t)pos;
		}
		pos += c->off - o;
	}
	return -1;
}

static unsigned char byte_at(const struct evbuf_chunk *c, size_t o)
{
	return c->buf[c->misalign + o];
}

/* The core of evbuffer_search_eol(): from (c, o, pos) finds the start of
 * the next end of line and its length.  Returns its position or -1. */
static ev_ssize_t find_eol(struct evbuf_chunk *c, size_t o, size_t pos,
                           enum evbuffer_eol_style style,
                           struct evbuf_chunk **out_c, size_t *out_o,
                           size_t *eol_len)
{
	ev_ssize_t at;

	switch (style) {
	case EVBUFFER_EOL_LF:
	case EVBUFFER_EOL_NUL: {
		int ch = style == EVBUFFER_EOL_LF ? '\n' : '\0';

		at = find_byte2(&c, &o, pos, ch, ch);
		if (at < 0)
			return -1;
		*eol_len = 1;
		break;
	}
	case EVBUFFER_EOL_ANY: {
		struct evbuf_chunk *rc;
		size_t ro, n = 0;

		at = find_byte2(&c, &o, pos, '\n', '\r');
		if (at < 0)
			return -1;
		/* The whole run of CR and LF bytes is one end of line. */
		rc = c;
		ro = o;
		while (rc != NULL) {
			unsigned char ch = byte_at(rc, ro);

			if (ch != '\r' && ch != '\n')
				break;
			n++;
			ro++;
			pos_normalize(&rc, &ro);
		}
		*eol_len = n;
		break;
	}
	case EVBUFFER_EOL_CRLF:
	case EVBUFFER_EOL_CRLF_STRICT: {
		/* Scan for LF and look at the byte before it, which may end
		 * the previous chunk.  A lone CR is data, and a CR at the very
		 * end means the line is not complete yet. */
		size_t start = pos, k;
		struct evbuf_chunk *prevc = NULL;
		const unsigned char *data, *p;

		for (; c != NULL; prevc = c, c = c->next, o = 0) {
			data = c->buf + c->misalign;
			while (o < c->off) {
				p = memchr(data + o, '\n', c->off - o);
				if (p == NULL) {
					pos += c->off - o;
					o = c->off;
					break;
				}
				k = (size_t)(p - data);
				pos += k - o;
				if (pos > start &&
				    (k > 0 ? data[k - 1] == '\r'
				           : byte_at(prevc, prevc->off - 1) ==
				                 '\r')) {
					at = (ev_ssize_t)pos - 1;
					if (k > 0) {
						o = k - 1;
					} else {
						c = prevc;
						o = prevc->off - 1;
					}
					*eol_len = 2;
					goto found;
				}
				if (style == EVBUFFER_EOL_CRLF) {
					at = (ev_ssize_t)pos;
					o = k;
					*eol_len = 1;
					goto found;
				}
				o = k + 1;
				pos++;
			}
		}
		return -1;
	}
	default:
		return -1;
	}
found:
	*out_c = c;
	*out_o = o;
	return at;
}

static struct evbuffer_ptr
evbuffer_search_eol_nl(struct evbuffer *buffer, struct evbuffer_ptr *start,
                       size_t *eol_len_out, enum evbuffer_eol_style eol_style)
{
	struct evbuffer_ptr r;
	struct evbuf_chunk *c, *fc;
	size_t o, pos, fo, eol_len = 0;
	ev_ssize_t at;

	ptr_none(&r);
	if (eol_len_out != NULL)
		*eol_len_out = 0;
	if (buffer == NULL)
		return r;
	if (buffer->n_file && ev__buf_load_files(buffer) < 0)
		return r;
	if (ptr_start(buffer, start, &c, &o, &pos) < 0)
		return r;
	at = find_eol(c, o, pos, eol_style, &fc, &fo, &eol_len);
	if (at < 0)
		return r;
	ptr_fill(&r, (size_t)at, fc, fo);
	if (eol_len_out != NULL)
		*eol_len_out = eol_len;
	return r;
}

static __attribute__((noinline)) struct evbuffer_ptr
evbuffer_search_eol_locked(struct evbuffer *buffer, struct evbuffer_ptr *start,
                           size_t *eol_len_out,
                           enum evbuffer_eol_style eol_style)
{
	EVBUF_LOCKED(buffer);
	return evbuffer_search_eol_nl(buffer, start, eol_len_out, eol_style);
}

struct evbuffer_ptr evbuffer_search_eol(struct evbuffer *buffer,
                                        struct evbuffer_ptr *start,
                                        size_t *eol_len_out,
                                        enum evbuffer_eol_style eol_style)
{
	if ((buffer != NULL && buffer->lock != NULL))
		return evbuffer_search_eol_locked(buffer, start, eol_len_out,
		                                  eol_style);
	return evbuffer_search_eol_nl(buffer, start, eol_len_out, eol_style);
}

static char *evbuffer_readln_nl(struct evbuffer *buffer, size_t *n_read_out,
                                enum evbuffer_eol_style eol_style)
{
	struct evbuf_chunk *c, *fc;
	size_t fo, eol_len = 0, n, orig;
	ev_ssize_t at;
	char *line;

	if (n_read_out != NULL)
		*n_read_out = 0;
	if (buffer == NULL || buffer->freeze_start || buffer->total_len == 0)
		return NULL;
	if (buffer->n_file && ev__buf_load_files(buffer) < 0)
		return NULL;
	c = buffer->first;
	at = find_eol(c, 0, 0, eol_style, &fc, &fo, &eol_len);
	if (at < 0)
		return NULL;
	n = (size_t)at;
	line = malloc(n + 1);
	if (line == NULL) {
		ev__log(EVENT_LOG_WARN, "evbuffer_readln: out of memory");
		return NULL;
	}
	orig = buffer->total_len;
	if (n <= c->off) {
		/* The common case: the line lies in the first chunk. */
		memcpy(line, c->buf + c->misalign, n);
	} else {
		ev__buf_copy_front(buffer, line, n);
	}
	line[n] = '\0';
	ev__buf_drain(buffer, n + eol_len);
	ev__buf_notify(buffer, orig, 0, n + eol_len);
	if (n_read_out != NULL)
		*n_read_out = n;
	return line;
}

/* The path with a lock, kept out of line so the one without stays
 * a test and a tail call. */
static __attribute__((noinline)) char *
evbuffer_readln_locked(struct evbuffer *buffer, size_t *n_read_out,
                       enum evbuffer_eol_style eol_style)
{
	EVBUF_LOCKED(buffer);
	return evbuffer_readln_nl(buffer, n_read_out, eol_style);
}

char *evbuffer_readln(struct evbuffer *buffer, size_t *n_read_out,
                      enum evbuffer_eol_style eol_style)
{
	if ((buffer != NULL && buffer->lock != NULL))
		return evbuffer_readln_locked(buffer, n_read_out, eol_style);
	return evbuffer_readln_nl(buffer, n_read_out, eol_style);
}

char *evbuffer_readline(struct evbuffer *buffer)
{
	EVBUF_LOCKED(buffer);
	return evbuffer_readln(buffer, NULL, EVBUFFER_EOL_ANY);
}

int evbuffer_peek(struct evbuffer *buffer, ev_ssize_t len,
                  struct evbuffer_ptr *start_at, struct evbuffer_iovec *vec_out,
                  int n_vec)
{
	EVBUF_LOCKED(buffer);
	struct evbuf_chunk *c;
	size_t o, pos, left;
	int n = 0;

	if (buffer == NULL || n_vec < 0 || (n_vec > 0 && vec_out == NULL))
		return -1;
	if (buffer->n_file && ev__buf_load_files(buffer) < 0)
		return -1;
	if (ptr_start(buffer, start_at, &c, &o, &pos) < 0)
		return -1;
	left = len < 0 ? buffer->total_len - pos : (size_t)len;
	for (; c != NULL && left > 0; c = c->next, o = 0) {
		size_t take = c->off - o;

		if (take == 0)
			continue;
		if (take > left)
			take = left;
		if (n < n_vec) {
			vec_out[n].iov_base = c->buf + c->misalign + o;
			vec_out[n].iov_len = take;
		}
		n++;
		left -= take;
	}
	return n;
}

ev_ssize_t evbuffer_copyout_from(struct evbuffer *buf,
                                 const struct evbuffer_ptr *pos, void *data_out,
                                 size_t datlen)
{
	EVBUF_LOCKED(buf);
	struct evbuf_chunk *c;
	size_t o, at, done = 0, n;
	unsigned char *out = data_out;

	if (buf == NULL || (data_out == NULL && datlen > 0))
		return -1;
	if (buf->n_file && ev__buf_load_files(buf) < 0)
		return -1;
	if (ptr_start(buf, pos, &c, &o, &at) < 0)
		return -1;
	if (datlen > buf->total_len - at)
		datlen = buf->total_len - at;
	for (; c != NULL && done < datlen; c = c->next, o = 0) {
		n = c->off - o;
		if (n > datlen - done)
			n = datlen - done;
		memcpy(out + done, c->buf + c->misalign + o, n);
		done += n;
	}
	return (ev_ssize_t)done;
}

unsigned char *evbuffer_find(struct evbuffer *buffer, const unsigned char *what,
                             size_t len)
{
	EVBUF_LOCKED(buffer);
	struct evbuffer_ptr p;
	unsigned char *data;

	if (buffer == NULL || what == NULL || len == 0)
		return NULL;
	p = evbuffer_search(buffer, (const char *)what, len, NULL);
	if (p.pos < 0)
		return NULL;
	data = evbuffer_pullup(buffer, p.pos + (ev_ssize_t)len);
	return data != NULL ? data + p.pos : NULL;
}
