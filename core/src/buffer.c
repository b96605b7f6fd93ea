/*
 * evbuffer: the chunk chain and the calls that add, remove and move data.
 * Chunk allocation is in buffer-chunk.c, callbacks in buffer-cb.c,
 * positions, search and lines in buffer-search.c, fds and files in
 * buffer-io.c.  The invariants are described in buffer-internal.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer-internal.h"
#include "ev-internal.h"

/* Chain surgery.  Every change of first/last goes through these so that
 * last_link stays right. */
static void buf_reset_chain(struct evbuffer *buf)
{
	buf->first = NULL;
	buf->last = NULL;
	buf->last_link = &buf->first;
}

/* Links the chain `first`..`last` at the end of `buf`.  `inner_link` is
 * where `last` hangs inside that chain, or NULL when first == last.  An
 * empty tail chunk of `buf` is dropped, keeping "only last may be empty". */
static void buf_splice_tail(struct evbuffer *buf, struct evbuf_chunk *first,
                            struct evbuf_chunk *last,
                            struct evbuf_chunk **inner_link)
{
	struct evbuf_chunk **link;
	struct evbuf_chunk *old = NULL;

	if (buf->last == NULL) {
		link = &buf->first;
	} else if (buf->last->off == 0) {
		link = buf->last_link;
		old = buf->last;
	} else {
		link = &buf->last->next;
	}
	*link = first;
	buf->last = last;
	buf->last_link = inner_link != NULL ? inner_link : link;
	if (old != NULL)
		ev__chunk_free(buf, old);
}

void ev__buf_append_chunk(struct evbuffer *buf, struct evbuf_chunk *c)
{
	c->next = NULL;
	buf->n_resv = 0;
	if (c->flags & EVBUF_CH_FILE)
		buf->n_file++;
	buf_splice_tail(buf, c, c, NULL);
}

struct evbuf_chunk *ev__buf_unlink_first(struct evbuffer *buf)
{
	struct evbuf_chunk *c = buf->first;

	buf->first = c->next;
	if (buf->first == NULL)
		buf_reset_chain(buf);
	else if (buf->last_link == &c->next)
		buf->last_link = &buf->first;
	c->next = NULL;
	if (c->flags & EVBUF_CH_FILE)
		buf->n_file--;
	return c;
}

struct evbuffer *evbuffer_new(void)
{
	struct evbuffer *buf = calloc(1, sizeof(*buf));

	if (buf == NULL) {
		ev__log(EVENT_LOG_WARN, "evbuffer_new: out of memory");
		return NULL;
	}
	buf_reset_chain(buf);
	buf->nonsock_fd = -1;
	buf->read_guess = 4096;
	return buf;
}

void evbuffer_free(struct evbuffer *buf)
{
	struct evbuf_chunk *c, *next;
	struct evbuffer_cb_entry *e, *enext;

	if (buf == NULL)
		return;
	for (c = buf->first; c != NULL; c = next) {
		next = c->next;
		ev__chunk_free(NULL, c);
	}
	if (buf->spare != NULL)
		ev__chunk_free(NULL, buf->spare);
	for (e = buf->cbs; e != NULL; e = enext) {
		enext = e->next;
		free(e);
	}
	if (buf->own_lock) {
		pthread_mutex_destroy(buf->lock);
		free(buf->lock);
	}
	free(buf);
}

/* Makes a recursive mutex: entry points call each other, and a buffer's
 * callbacks may use the buffer, all under the one lock. */
int ev__mutex_init_recursive(pthread_mutex_t *m)
{
	pthread_mutexattr_t attr;
	int r;

	if (pthread_mutexattr_init(&attr) != 0)
		return -1;
	r = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE) == 0 &&
	    pthread_mutex_init(m, &attr) == 0;
	pthread_mutexattr_destroy(&attr);
	return r ? 0 : -1;
}

int evbuffer_enable_locking(struct evbuffer *buf, void *lock)
{
	pthread_mutex_t *m;

	if (buf == NULL || buf->lock != NULL)
		return -1;
	if (lock != NULL) {
		buf->lock = lock;
		return 0;
	}
	m = malloc(sizeof(*m));
	if (m == NULL || ev__mutex_init_recursive(m) < 0) {
		free(m);
		ev__log(EVENT_LOG_WARN, "evbuffer_enable_locking: no mutex");
		return -1;
	}
	buf->lock = m;
	buf->own_lock = 1;
	return 0;
}

void evbuffer_lock(struct evbuffer *buf)
{
	ev__buf_lock(buf);
}

void evbuffer_unlock(struct evbuffer *buf)
{
	if (buf != NULL && buf->lock != NULL)
		pthread_mutex_unlock(buf->lock);
}

int evbuffer_set_flags(struct evbuffer *buf, ev_uint64_t flags)
{
	EVBUF_LOCKED(buf);
	if (buf == NULL)
		return -1;
	buf->flags |= flags;
	return 0;
}

int evbuffer_clear_flags(struct evbuffer *buf, ev_uint64_t flags)
{
	EVBUF_LOCKED(buf);
	if (buf == NULL)
		return -1;
	buf->flags &= ~flags;
	return 0;
}

/* The paths with a lock are kept out of line so the ones without stay
 * a test and a tail call. */
static __attribute__((noinline)) size_t
evbuffer_get_length_locked(const struct evbuffer *buf)
{
	EVBUF_LOCKED(buf);
	return buf->total_len;
}

size_t evbuffer_get_length(const struct evbuffer *buf)
{
	if (buf == NULL)
		return 0;
	if (buf->lock != NULL)
		return evbuffer_get_length_locked(buf);
	return buf->total_len;
}

size_t evbuffer_get_contiguous_space(const struct evbuffer *buf)
{
	EVBUF_LOCKED(buf);
	return (buf != NULL && buf->first != NULL) ? buf->first->off : 0;
}

/* Moves the data of a MEM chunk to the start of its storage when that
 * makes `want` bytes fit at its end and the move is cheap. */
static int chunk_try_realign(struct evbuf_chunk *c, size_t want)
{
	if (!(c->flags & EVBUF_CH_MEM) || c->misalign == 0)
		return 0;
	if (c->size - c->off < want || c->off > c->size / 2 || c->off > 2048)
		return 0;
	memmove(c->buf, c->buf + c->misalign, c->off);
	c->misalign = 0;
	return 1;
}

int ev__buf_add_raw(struct evbuffer *buf, const void *data, size_t datlen)
{
	const unsigned char *p = data;
	struct evbuf_chunk *c = buf->last, *n;
	size_t space = 0, need, grow;

	buf->n_resv = 0;
	if (c != NULL && (c->flags & EVBUF_CH_MEM)) {
		space = ev__chunk_space(c);
		if (datlen > space && chunk_try_realign(c, datlen))
			space = ev__chunk_space(c);
		if (datlen <= space) {
			memcpy(c->buf + c->misalign + c->off, p, datlen);
			c->off += datlen;
			buf->total_len += datlen;
			return 0;
		}
		/* An empty tail is replaced, not filled; and a large add is
		 * not split over a sliver of tail space, which keeps it
		 * contiguous for readln/pullup at a bounded waste. */
		if (c->off == 0 || space < datlen / 4)
			space = 0;
	}
	need = datlen - space;
	grow = need;
	if (grow < CHUNK_GROW_MAX && c != NULL) {
		size_t g =
		    c->size < CHUNK_GROW_MAX / 2 ? c->size * 2 : CHUNK_GROW_MAX;
		if (grow < g)
			grow = g;
	}
	n = ev__chunk_new_mem(buf, grow);
	if (n == NULL)
		return -1;
	if (space > 0) {
		memcpy(c->buf + c->misalign + c->off, p, space);
		c->off += space;
		p += space;
	}
	memcpy(n->buf, p, need);
	n->off = need;
	ev__buf_append_chunk(buf, n);
	buf->total_len += datlen;
	return 0;
}

static int evbuffer_add_nl(struct evbuffer *buf, const void *data,
                           size_t datlen)
{
	size_t orig;

	if (buf == NULL)
		return -1;
	if (datlen == 0)
		return 0;
	if (data == NULL || buf->freeze_end ||
	    datlen > EVBUF_MAX - buf->total_len)
		return -1;
	orig = buf->total_len;
	buf->n_resv = 0;
	if (ev__buf_add_raw(buf, data, datlen) < 0)
		return -1;
	ev__buf_notify(buf, orig, datlen, 0);
	return 0;
}

static __attribute__((noinline)) int
evbuffer_add_locked(struct evbuffer *buf, const void *data, size_t datlen)
{
	EVBUF_LOCKED(buf);
	return evbuffer_add_nl(buf, data, datlen);
}

int evbuffer_add(struct evbuffer *buf, const void *data, size_t datlen)
{
	if ((buf != NULL && buf->lock != NULL))
		return evbuffer_add_locked(buf, data, datlen);
	return evbuffer_add_nl(buf, data, datlen);
}

size_t evbuffer_add_iovec(struct evbuffer *buf, struct evbuffer_iovec *vec,
                          int n_vec)
{
	EVBUF_LOCKED(buf);
	size_t total = 0, orig;
	int i;

	if (buf == NULL || (n_vec > 0 && vec == NULL) || buf->freeze_end)
		return 0;
	for (i = 0; i < n_vec; i++) {
		if (vec[i].iov_len > EVBUF_MAX - total ||
		    (vec[i].iov_len > 0 && vec[i].iov_base == NULL))
			return 0;
		total += vec[i].iov_len;
	}
	if (total == 0 || total > EVBUF_MAX - buf->total_len)
		return 0;
	/* One contiguous reservation, so the pieces cost one allocation. */
	if (evbuffer_expand(buf, total) < 0)
		return 0;
	orig = buf->total_len;
	for (i = 0; i < n_vec; i++)
		if (vec[i].iov_len > 0)
			ev__buf_add_raw(buf, vec[i].iov_base, vec[i].iov_len);
	ev__buf_notify(buf, orig, total, 0);
	return total;
}

void ev__buf_drain(struct evbuffer *buf, size_t len)
{
	struct evbuf_chunk *c;

	buf->n_resv = 0;
	buf->total_len -= len;
	while (len > 0) {
		c = buf->first;
		if (len < c->off) {
			c->misalign += len;
			c->off -= len;
			return;
		}
		len -= c->off;
		if (c == buf->last) {
			/* Keep a modest MEM tail for the next add. */
			if ((c->flags & EVBUF_CH_MEM) && c->size <= SPARE_MAX) {
				c->misalign = 0;
				c->off = 0;
			} else {
				ev__chunk_free(buf, ev__buf_unlink_first(buf));
			}
			return;
		}
		ev__chunk_free(buf, ev__buf_unlink_first(buf));
	}
}

static int evbuffer_drain_nl(struct evbuffer *buf, size_t len)
{
	size_t orig;

	if (buf == NULL || buf->freeze_start)
		return -1;
	orig = buf->total_len;
	if (len > orig)
		len = orig;
	if (len == 0)
		return 0;
	buf->n_resv = 0;
	ev__buf_drain(buf, len);
	ev__buf_notify(buf, orig, 0, len);
	return 0;
}

static __attribute__((noinline)) int evbuffer_drain_locked(struct evbuffer *buf,
                                                           size_t len)
{
	EVBUF_LOCKED(buf);
	return evbuffer_drain_nl(buf, len);
}

int evbuffer_drain(struct evbuffer *buf, size_t len)
{
	if ((buf != NULL && buf->lock != NULL))
		return evbuffer_drain_locked(buf, len);
	return evbuffer_drain_nl(buf, len);
}

void ev__buf_copy_front(const struct evbuffer *buf, void *out, size_t len)
{
	const struct evbuf_chunk *c;
	unsigned char *o = out;
	size_t n;

	for (c = buf->first; len > 0; c = c->next) {
		n = c->off < len ? c->off : len;
		memcpy(o, c->buf + c->misalign, n);
		o += n;
		len -= n;
	}
}

static ev_ssize_t evbuffer_copyout_nl(struct evbuffer *buf, void *data_out,
                                      size_t datlen)
{
	if (buf == NULL || (data_out == NULL && datlen > 0))
		return -1;
	if (datlen > buf->total_len)
		datlen = buf->total_len;
	if (datlen == 0)
		return 0;
	if (buf->n_file && ev__buf_load_files(buf) < 0)
		return -1;
	ev__buf_copy_front(buf, data_out, datlen);
	return (ev_ssize_t)datlen;
}

static __attribute__((noinline)) ev_ssize_t
evbuffer_copyout_locked(struct evbuffer *buf, void *data_out, size_t datlen)
{
	EVBUF_LOCKED(buf);
	return evbuffer_copyout_nl(buf, data_out, datlen);
}

ev_ssize_t evbuffer_copyout(struct evbuffer *buf, void *data_out, size_t datlen)
{
	if ((buf != NULL && buf->lock != NULL))
		return evbuffer_copyout_locked(buf, data_out, datlen);
	return evbuffer_copyout_nl(buf, data_out, datlen);
}

static int evbuffer_remove_nl(struct evbuffer *buf, void *data, size_t datlen)
{
	size_t orig;

	if (buf == NULL || buf->freeze_start || (data == NULL && datlen > 0))
		return -1;
	if (datlen > (size_t)EV_INT32_MAX)
		datlen = (size_t)EV_INT32_MAX;
	if (datlen > buf->total_len)
		datlen = buf->total_len;
	if (datlen == 0)
		return 0;
	if (buf->n_file && ev__buf_load_files(buf) < 0)
		return -1;
	orig = buf->total_len;
	buf->n_resv = 0;
	ev__buf_copy_front(buf, data, datlen);
	ev__buf_drain(buf, datlen);
	ev__buf_notify(buf, orig, 0, datlen);
	return (int)datlen;
}

static __attribute__((noinline)) int
evbuffer_remove_locked(struct evbuffer *buf, void *data, size_t datlen)
{
	EVBUF_LOCKED(buf);
	return evbuffer_remove_nl(buf, data, datlen);
}

int evbuffer_remove(struct evbuffer *buf, void *data, size_t datlen)
{
	if ((buf != NULL && buf->lock != NULL))
		return evbuffer_remove_locked(buf, data, datlen);
	return evbuffer_remove_nl(buf, data, datlen);
}

/* evbuffer_add_buffer() copies up to this many bytes rather than moving
 * chunks. */
#define ADD_BUFFER_COPY_MAX 1024

static int evbuffer_add_buffer_nl(struct evbuffer *outbuf,
                                  struct evbuffer *inbuf)
{
	size_t in_orig, out_orig, n;
	struct evbuf_chunk **inner;

	if (outbuf == NULL || inbuf == NULL || outbuf == inbuf)
		return -1;
	n = inbuf->total_len;
	if (n == 0)
		return 0;
	if (outbuf->freeze_end || inbuf->freeze_start ||
	    n > EVBUF_MAX - outbuf->total_len)
		return -1;
	in_orig = inbuf->total_len;
	out_orig = outbuf->total_len;
	/* A few bytes (a small reply body after its head) are copied into
	 * the free tail of the last chunk instead of linking their chunks:
	 * a memcpy is cheaper than one more chunk to walk, and the next
	 * write is then one contiguous piece. */
	if (n <= ADD_BUFFER_COPY_MAX && inbuf->n_file == 0 &&
	    outbuf->last != NULL && ev__chunk_space(outbuf->last) >= n) {
		struct evbuf_chunk *d = outbuf->last, *c;
		unsigned char *to = d->buf + d->misalign + d->off;

		for (c = inbuf->first; c != NULL; c = c->next) {
			memcpy(to, c->buf + c->misalign, c->off);
			to += c->off;
		}
		d->off += n;
		outbuf->total_len += n;
		outbuf->n_resv = 0;
		ev__buf_drain(inbuf, n);
		ev__buf_notify(inbuf, in_orig, 0, n);
		ev__buf_notify(outbuf, out_orig, n, 0);
		return 0;
	}
	inner = inbuf->last_link == &inbuf->first ? NULL : inbuf->last_link;
	buf_splice_tail(outbuf, inbuf->first, inbuf->last, inner);
	outbuf->total_len += n;
	outbuf->n_file += inbuf->n_file;
	outbuf->n_resv = 0;
	inbuf->n_file = 0;
	inbuf->total_len = 0;
	inbuf->n_resv = 0;
	buf_reset_chain(inbuf);
	ev__buf_notify(inbuf, in_orig, 0, n);
	ev__buf_notify(outbuf, out_orig, n, 0);
	return 0;
}

static __attribute__((noinline)) int
evbuffer_add_buffer_locked(struct evbuffer *outbuf, struct evbuffer *inbuf)
{
	EVBUF_LOCKED2(outbuf, inbuf);
	return evbuffer_add_buffer_nl(outbuf, inbuf);
}

int evbuffer_add_buffer(struct evbuffer *outbuf, struct evbuffer *inbuf)
{
	if ((outbuf != NULL && outbuf->lock != NULL) ||
	    (inbuf != NULL && inbuf->lock != NULL))
		return evbuffer_add_buffer_locked(outbuf, inbuf);
	return evbuffer_add_buffer_nl(outbuf, inbuf);
}

/* Drops an empty tail chunk (only prepend_buffer needs to; it walks). */
static void buf_drop_empty_last(struct evbuffer *buf)
{
	struct evbuf_chunk **link, *c = buf->last;

	if (c == NULL || c->off != 0)
		return;
	if (buf->first == c) {
		buf_reset_chain(buf);
		ev__chunk_free(buf, c);
		return;
	}
	*buf->last_link = NULL;
	buf->last =
	    (struct evbuf_chunk *)(void *)((char *)buf->last_link -
	                                   offsetof(struct evbuf_chunk, next));
	for (link = &buf->first; *link != buf->last; link = &(*link)->next)
		;
	buf->last_link = link;
	ev__chunk_free(buf, c);
}

int evbuffer_prepend_buffer(struct evbuffer *dst, struct evbuffer *src)
{
	EVBUF_LOCKED2(dst, src);
	size_t n, src_orig, dst_orig;
	struct evbuf_chunk *tail;

	if (dst == NULL || src == NULL || dst == src)
		return -1;
	n = src->total_len;
	if (n == 0)
		return 0;
	if (dst->freeze_start || src->freeze_start ||
	    n > EVBUF_MAX - dst->total_len)
		return -1;
	if (dst->total_len == 0)
		return evbuffer_add_buffer(dst, src);
	src_orig = n;
	dst_orig = dst->total_len;
	buf_drop_empty_last(src);
	tail = src->last;
	tail->next = dst->first;
	dst->first = src->first;
	if (dst->last_link == &dst->first)
		dst->last_link = &tail->next;
	dst->total_len += n;
	dst->n_file += src->n_file;
	dst->n_resv = 0;
	src->n_file = 0;
	src->total_len = 0;
	src->n_resv = 0;
	buf_reset_chain(src);
	ev__buf_notify(src, src_orig, 0, n);
	ev__buf_notify(dst, dst_orig, n, 0);
	return 0;
}

int evbuffer_remove_buffer(struct evbuffer *src, struct evbuffer *dst,
                           size_t datlen)
{
	EVBUF_LOCKED2(src, dst);
	struct evbuf_chunk *c, *part;
	size_t moved = 0, src_orig, dst_orig;

	if (src == NULL || dst == NULL || src == dst)
		return -1;
	if (datlen > (size_t)EV_INT32_MAX)
		datlen = (size_t)EV_INT32_MAX;
	if (datlen > src->total_len)
		datlen = src->total_len;
	if (datlen == 0)
		return 0;
	if (src->freeze_start || dst->freeze_end ||
	    datlen > EVBUF_MAX - dst->total_len)
		return -1;
	if (datlen == src->total_len)
		return evbuffer_add_buffer(dst, src) < 0 ? -1 : (int)datlen;
	src_orig = src->total_len;
	dst_orig = dst->total_len;
	src->n_resv = 0;
	dst->n_resv = 0;
	/* Whole chunks move; datlen < total_len, so `last` never does. */
	while (src->first->off <= datlen - moved) {
		c = ev__buf_unlink_first(src);
		moved += c->off;
		src->total_len -= c->off;
		dst->total_len += c->off;
		ev__buf_append_chunk(dst, c);
	}
	if (moved < datlen) {
		size_t rest = datlen - moved;

		c = src->first;
		if (c->flags & EVBUF_CH_MEM) {
			if (ev__buf_add_raw(dst, c->buf + c->misalign, rest) <
			    0)
				goto done;
		} else {
			/* Shared backing: cut the range, no copy, no read. */
			part = malloc(sizeof(*part));
			if (part == NULL)
				goto done;
			*part = *c;
			part->off = rest;
			part->ext->refcnt++;
			ev__buf_append_chunk(dst, part);
			dst->total_len += rest;
		}
		ev__buf_drain(src, rest);
		moved = datlen;
	}
done:
	ev__buf_notify(src, src_orig, 0, moved);
	ev__buf_notify(dst, dst_orig, moved, 0);
	return moved > 0 || datlen == 0 ? (int)moved : -1;
}

int evbuffer_expand(struct evbuffer *buf, size_t datlen)
{
	EVBUF_LOCKED(buf);
	struct evbuf_chunk *c, *n;

	if (buf == NULL || datlen > EVBUF_MAX - buf->total_len)
		return -1;
	c = buf->last;
	if (c != NULL && (c->flags & EVBUF_CH_MEM)) {
		if (ev__chunk_space(c) >= datlen)
			return 0;
		if (chunk_try_realign(c, datlen))
			return 0;
	}
	n = ev__chunk_new_mem(buf, datlen);
	if (n == NULL)
		return -1;
	buf->n_resv = 0;
	ev__buf_append_chunk(buf, n);
	return 0;
}

static int evbuffer_reserve_space_nl(struct evbuffer *buf, ev_ssize_t size,
                                     struct evbuffer_iovec *vec, int n_vec)
{
	struct evbuf_chunk *c, *n;
	size_t want, space;

	if (buf == NULL || vec == NULL || n_vec < 1 || size < 0 ||
	    buf->freeze_end)
		return -1;
	want = size > 0 ? (size_t)size : 1;
	if (want > EVBUF_MAX - buf->total_len)
		return -1;
	c = buf->last;
	space = c != NULL ? ev__chunk_space(c) : 0;
	if (n_vec >= 2 && c != NULL && c->off > 0 && space > 0 &&
	    space < want) {
		/* Use the tail of the last chunk and one new chunk. */
		n = ev__chunk_new_mem(buf, want - space);
		if (n == NULL)
			return -1;
		ev__buf_append_chunk(buf, n);
		buf->resv_chunk[0] = c;
		buf->resv[0] = c->buf + c->misalign + c->off;
		buf->resv_len[0] = space;
		buf->resv_chunk[1] = n;
		buf->resv[1] = n->buf;
		buf->resv_len[1] = n->size;
		buf->n_resv = 2;
	} else {
		if (evbuffer_expand(buf, want) < 0)
			return -1;
		c = buf->last;
		buf->resv_chunk[0] = c;
		buf->resv[0] = c->buf + c->misalign + c->off;
		buf->resv_len[0] = ev__chunk_space(c);
		buf->n_resv = 1;
	}
	vec[0].iov_base = buf->resv[0];
	vec[0].iov_len = buf->resv_len[0];
	if (buf->n_resv == 2) {
		vec[1].iov_base = buf->resv[1];
		vec[1].iov_len = buf->resv_len[1];
	}
	return buf->n_resv;
}

static __attribute__((noinline)) int
evbuffer_reserve_space_locked(struct evbuffer *buf, ev_ssize_t size,
                              struct evbuffer_iovec *vec, int n_vec)
{
	EVBUF_LOCKED(buf);
	return evbuffer_reserve_space_nl(buf, size, vec, n_vec);
}

int evbuffer_reserve_space(struct evbuffer *buf, ev_ssize_t size,
                           struct evbuffer_iovec *vec, int n_vec)
{
	if ((buf != NULL && buf->lock != NULL))
		return evbuffer_reserve_space_locked(buf, size, vec, n_vec);
	return evbuffer_reserve_space_nl(buf, size, vec, n_vec);
}

static int evbuffer_commit_space_nl(struct evbuffer *buf,
                                    struct evbuffer_iovec *vec, int n_vecs)
{
	size_t added = 0, orig;
	int i;

	if (buf == NULL || n_vecs < 0 || (n_vecs > 0 && vec == NULL))
		return -1;
	if (n_vecs == 0)
		return 0;
	if (n_vecs > buf->n_resv)
		return -1;
	for (i = 0; i < n_vecs; i++) {
		struct evbuf_chunk *c = buf->resv_chunk[i];

		/* The reservation is stale if the tail moved since. */
		if (vec[i].iov_base != buf->resv[i] ||
		    vec[i].iov_len > buf->resv_len[i] ||
		    c->buf + c->misalign + c->off != buf->resv[i])
			return -1;
		added += vec[i].iov_len;
	}
	orig = buf->total_len;
	for (i = 0; i < n_vecs; i++)
		buf->resv_chunk[i]->off += vec[i].iov_len;
	buf->total_len += added;
	buf->n_resv = 0;
	ev__buf_notify(buf, orig, added, 0);
	return 0;
}

static __attribute__((noinline)) int
evbuffer_commit_space_locked(struct evbuffer *buf, struct evbuffer_iovec *vec,
                             int n_vecs)
{
	EVBUF_LOCKED(buf);
	return evbuffer_commit_space_nl(buf, vec, n_vecs);
}

int evbuffer_commit_space(struct evbuffer *buf, struct evbuffer_iovec *vec,
                          int n_vecs)
{
	if ((buf != NULL && buf->lock != NULL))
		return evbuffer_commit_space_locked(buf, vec, n_vecs);
	return evbuffer_commit_space_nl(buf, vec, n_vecs);
}

static void ext_cleanup_noop(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	(void)arg;
}

int evbuffer_add_reference(struct evbuffer *outbuf, const void *data,
                           size_t datlen, evbuffer_ref_cleanup_cb cleanupfn,
                           void *cleanupfn_arg)
{
	EVBUF_LOCKED(outbuf);
	struct evbuf_chunk *c;
	struct evbuf_ext *e;
	size_t orig;

	if (outbuf == NULL || (data == NULL && datlen > 0) ||
	    outbuf->freeze_end || datlen > EVBUF_MAX - outbuf->total_len)
		return -1;
	if (datlen == 0) {
		/* Nothing is kept, so the memory is released at once. */
		if (cleanupfn != NULL)
			cleanupfn(data, datlen, cleanupfn_arg);
		return 0;
	}
	c = malloc(sizeof(*c));
	e = malloc(sizeof(*e));
	if (c == NULL || e == NULL) {
		free(c);
		free(e);
		return -1;
	}
	e->refcnt = 1;
	e->fd = -1;
	e->cleanup = cleanupfn != NULL ? cleanupfn : ext_cleanup_noop;
	e->cleanup_arg = cleanupfn_arg;
	e->data = data;
	e->len = datlen;
	/* The library never writes through buf for REF chunks. */
	c->buf = (unsigned char *)(ev_uintptr_t)data;
	c->size = datlen;
	c->misalign = 0;
	c->off = datlen;
	c->flags = EVBUF_CH_REF;
	c->ext = e;
	orig = outbuf->total_len;
	outbuf->n_resv = 0;
	ev__buf_append_chunk(outbuf, c);
	outbuf->total_len += datlen;
	ev__buf_notify(outbuf, orig, datlen, 0);
	return 0;
}

int evbuffer_add_vprintf(struct evbuffer *buf, const char *fmt, va_list ap)
{
	EVBUF_LOCKED(buf);
	struct evbuf_chunk *c;
	size_t space, orig;
	va_list aq;
	char *tail = NULL;
	int n;

	if (buf == NULL || fmt == NULL || buf->freeze_end)
		return -1;
	c = buf->last;
	space = c != NULL ? ev__chunk_space(c) : 0;
	if (space > 0)
		tail = (char *)c->buf + c->misalign + c->off;
	va_copy(aq, ap);
	n = vsnprintf(tail, space, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -1;
	if ((size_t)n >= space) {
		/* Did not fit (or no room for the NUL): make room, redo. */
		if (evbuffer_expand(buf, (size_t)n + 1) < 0)
			return -1;
		c = buf->last;
		tail = (char *)c->buf + c->misalign + c->off;
		va_copy(aq, ap);
		n = vsnprintf(tail, (size_t)n + 1, fmt, aq);
		va_end(aq);
		if (n < 0)
			return -1;
	}
	if ((size_t)n > EVBUF_MAX - buf->total_len)
		return -1;
	orig = buf->total_len;
	c->off += (size_t)n;
	buf->total_len += (size_t)n;
	buf->n_resv = 0;
	ev__buf_notify(buf, orig, (size_t)n, 0);
	return n;
}

int evbuffer_add_printf(struct evbuffer *buf, const char *fmt, ...)
{
	EVBUF_LOCKED(buf);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = evbuffer_add_vprintf(buf, fmt, ap);
	va_end(ap);
	return n;
}

int evbuffer_prepend(struct evbuffer *buf, const void *data, size_t size)
{
	EVBUF_LOCKED(buf);
	struct evbuf_chunk *c, *n;
	size_t orig;

	if (buf == NULL || (data == NULL && size > 0) || buf->freeze_start ||
	    size > EVBUF_MAX - buf->total_len)
		return -1;
	if (size == 0)
		return 0;
	orig = buf->total_len;
	buf->n_resv = 0;
	if (orig == 0) {
		if (ev__buf_add_raw(buf, data, size) < 0)
			return -1;
		ev__buf_notify(buf, orig, size, 0);
		return 0;
	}
	c = buf->first;
	if ((c->flags & EVBUF_CH_MEM) && c->misalign >= size) {
		c->misalign -= size;
		c->off += size;
		memcpy(c->buf + c->misalign, data, size);
	} else {
		n = ev__chunk_new_mem(buf, size);
		if (n == NULL)
			return -1;
		/* Data at the end of the chunk: later prepends fit before. */
		n->misalign = n->size - size;
		n->off = size;
		memcpy(n->buf + n->misalign, data, size);
		n->next = buf->first;
		buf->first = n;
		if (buf->last_link == &buf->first)
			buf->last_link = &n->next;
	}
	buf->total_len += size;
	ev__buf_notify(buf, orig, size, 0);
	return 0;
}

int evbuffer_freeze(struct evbuffer *buf, int at_front)
{
	EVBUF_LOCKED(buf);
	if (buf == NULL)
		return -1;
	if (at_front)
		buf->freeze_start = 1;
	else
		buf->freeze_end = 1;
	return 0;
}

int evbuffer_unfreeze(struct evbuffer *buf, int at_front)
{
	EVBUF_LOCKED(buf);
	if (buf == NULL)
		return -1;
	if (at_front)
		buf->freeze_start = 0;
	else
		buf->freeze_end = 0;
	return 0;
}

static unsigned char *evbuffer_pullup_nl(struct evbuffer *buf, ev_ssize_t size)
{
	struct evbuf_chunk *dst, *s, **link;
	size_t want, remaining, take;

	if (buf == NULL)
		return NULL;
	want = size < 0 ? buf->total_len : (size_t)size;
	if (want == 0 || want > buf->total_len)
		return NULL;
	if (buf->n_file && ev__buf_load_files(buf) < 0)
		return NULL;
	dst = buf->first;
	if (dst->off >= want)
		return dst->buf + dst->misalign;
	buf->n_resv = 0;
	if ((dst->flags & EVBUF_CH_MEM) && dst->size >= want) {
		memmove(dst->buf, dst->buf + dst->misalign, dst->off);
		dst->misalign = 0;
		remaining = want - dst->off;
	} else {
		dst = ev__chunk_new_mem(buf, want);
		if (dst == NULL)
			return NULL;
		dst->next = buf->first;
		buf->first = dst;
		if (buf->last_link == &buf->first)
			buf->last_link = &dst->next;
		remaining = want;
	}
	link = &dst->next;
	while (remaining > 0) {
		s = *link;
		take = s->off < remaining ? s->off : remaining;
		memcpy(dst->buf + dst->misalign + dst->off,
		       s->buf + s->misalign, take);
		dst->off += take;
		remaining -= take;
		if (take < s->off) {
			s->misalign += take;
			s->off -= take;
			break;
		}
		*link = s->next;
		if (s == buf->last) {
			buf->last = dst;
			buf->last_link = &buf->first;
		} else if (buf->last_link == &s->next) {
			buf->last_link = link;
		}
		ev__chunk_free(buf, s);
	}
	return dst->buf + dst->misalign;
}

static __attribute__((noinline)) unsigned char *
evbuffer_pullup_locked(struct evbuffer *buf, ev_ssize_t size)
{
	EVBUF_LOCKED(buf);
	return evbuffer_pullup_nl(buf, size);
}

unsigned char *evbuffer_pullup(struct evbuffer *buf, ev_ssize_t size)
{
	if ((buf != NULL && buf->lock != NULL))
		return evbuffer_pullup_locked(buf, size);
	return evbuffer_pullup_nl(buf, size);
}
