/*
 * evbuffer and file descriptors: readv() into free chunk space, writev()
 * (sendmsg() on sockets, so a closed peer gives EPIPE instead of SIGPIPE)
 * over the chunks, and file ranges sent with sendfile().
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif

#include "buffer-internal.h"
#include "ev-internal.h"

/* Most bytes one evbuffer_read() asks for when the caller leaves it open. */
#define READ_MAX (64 * 1024)
/* What a buffer asks for at first (read_guess adapts from there). */
#define READ_GUESS 4096
/* Chunks gathered by one writev(). */
#define WRITE_IOV 64

void ev__ext_unref(struct evbuf_ext *e)
{
	if (e == NULL || --e->refcnt > 0)
		return;
	if (e->fd >= 0)
		close(e->fd);
	if (e->cleanup != NULL)
		e->cleanup(e->data, e->len, e->cleanup_arg);
	free(e);
}

/* Reads len bytes at offset off of fd fully. */
static int pread_full(int fd, unsigned char *out, size_t len, off_t off)
{
	ssize_t r;

	while (len > 0) {
		r = pread(fd, out, len, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO; /* the file shrank */
			return -1;
		}
		out += r;
		len -= (size_t)r;
		off += r;
	}
	return 0;
}

int ev__buf_load_files(struct evbuffer *buf)
{
	struct evbuf_chunk **link, *c, *m;

	for (link = &buf->first; (c = *link) != NULL; link = &(*link)->next) {
		if (!(c->flags & EVBUF_CH_FILE))
			continue;
		m = ev__chunk_new_mem(buf, c->off);
		if (m == NULL)
			return -1;
		if (pread_full(c->ext->fd, m->buf, c->off, (off_t)c->misalign) <
		    0) {
			ev__log(EVENT_LOG_WARN,
			        "evbuffer: reading file data failed: %s",
			        strerror(errno));
			ev__chunk_free(buf, m);
			return -1;
		}
		m->off = c->off;
		m->next = c->next;
		*link = m;
		if (buf->last == c) {
			buf->last = m;
		} else if (buf->last_link == &c->next) {
			buf->last_link = &m->next;
		}
		ev__chunk_free(buf, c);
	}
	buf->n_resv = 0;
	return 0;
}

static int evbuffer_read_nl(struct evbuffer *buffer, evutil_socket_t fd,
                            int howmuch)
{
	struct evbuf_chunk *c, *n = NULL;
	struct iovec iov[2];
	size_t want, space, orig, limit;
	ssize_t r;
	int niov = 0;

	if (buffer == NULL || fd < 0 || buffer->freeze_end)
		return -1;
	if (howmuch == 0)
		return 0;
	limit = howmuch > 0 && (size_t)howmuch < READ_MAX ? (size_t)howmuch
	                                                  : READ_MAX;
	if (limit > EVBUF_MAX - buffer->total_len)
		return -1;
	/* How much to ask for adapts to what the fd delivered before (see
	 * below), so neither a FIONREAD call per read nor a large chunk
	 * per idle connection is needed. */
	want = buffer->read_guess;
	if (want > limit)
		want = limit;
	/* Fill the tail of the last chunk first, then one new chunk. */
	c = buffer->last;
	space = c != NULL ? ev__chunk_space(c) : 0;
	if (space > 0) {
		iov[0].iov_base = c->buf + c->misalign + c->off;
		iov[0].iov_len = space < limit ? space : limit;
		niov = 1;
	}
	if (space < want) {
		n = ev__chunk_new_mem(buffer, want - space);
		if (n == NULL)
			return -1;
		iov[niov].iov_base = n->buf;
		iov[niov].iov_len = want - space;
		niov++;
	}
	/* One piece is the usual case; read() skips the kernel's copy-in
	 * of the iovec array. */
	do
		r = niov == 1 ? read(fd, iov[0].iov_base, iov[0].iov_len)
		              : readv(fd, iov, niov);
	while (r < 0 && errno == EINTR);
	if (r <= 0) {
		if (n != NULL) {
			int e = errno;

			ev__chunk_free(buffer, n);
			errno = e;
		}
		return r < 0 ? -1 : 0;
	}
	/* A full read says more is waiting: ask for twice as much next
	 * time; a read well short of the request halves it. */
	if ((size_t)r >= want && want < limit)
		buffer->read_guess = want * 2 < READ_MAX ? want * 2 : READ_MAX;
	else if ((size_t)r < want / 4 && buffer->read_guess > READ_GUESS)
		buffer->read_guess /= 2;
	orig = buffer->total_len;
	buffer->total_len += (size_t)r;
	if (space > 0) {
		size_t k =
		    (size_t)r < iov[0].iov_len ? (size_t)r : iov[0].iov_len;

		c->off += k;
		r -= (ssize_t)k;
	}
	if (n != NULL) {
		if (r > 0) {
			n->off = (size_t)r;
			ev__buf_append_chunk(buffer, n);
		} else {
			ev__chunk_free(buffer, n);
		}
	}
	buffer->n_resv = 0;
	ev__buf_notify(buffer, orig, buffer->total_len - orig, 0);
	return (int)(buffer->total_len - orig);
}

/* The path with a lock, kept out of line so the one without stays
 * a test and a tail call. */
static __attribute__((noinline)) int
evbuffer_read_locked(struct evbuffer *buffer, evutil_socket_t fd, int howmuch)
{
	EVBUF_LOCKED(buffer);
	return evbuffer_read_nl(buffer, fd, howmuch);
}

int evbuffer_read(struct evbuffer *buffer, evutil_socket_t fd, int howmuch)
{
	if ((buffer != NULL && buffer->lock != NULL))
		return evbuffer_read_locked(buffer, fd, howmuch);
	return evbuffer_read_nl(buffer, fd, howmuch);
}

/* Sends the file chunk at the front with sendfile().  Returns bytes sent,
 * -1 with errno, or -2 when sendfile() cannot be used for this pair. */
static ssize_t write_file_chunk(struct evbuf_chunk *c, int fd, size_t max)
{
#ifdef __linux__
	off_t off = (off_t)c->misalign;
	ssize_t r;

	if (max > c->off)
		max = c->off;
	do
		r = sendfile(fd, c->ext->fd, &off, max);
	while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == EINVAL || errno == ENOSYS))
		return -2;
	if (r == 0)
		return -2; /* the file shrank: let the read path report it */
	return r;
#else
	(void)c;
	(void)fd;
	(void)max;
	return -2;
#endif
}

static int evbuffer_write_atmost_nl(struct evbuffer *buffer, evutil_socket_t fd,
                                    ev_ssize_t howmuch)
{
	struct iovec iov[WRITE_IOV];
	struct evbuf_chunk *c;
	size_t left, orig;
	ssize_t r;
	int n = 0;

	if (buffer == NULL || fd < 0 || buffer->freeze_start)
		return -1;
	if (howmuch < 0 || (size_t)howmuch > buffer->total_len)
		howmuch = (ev_ssize_t)buffer->total_len;
	if (howmuch == 0)
		return 0;
	if (howmuch > INT_MAX)
		howmuch = INT_MAX;
	c = buffer->first;
	if (c->flags & EVBUF_CH_FILE) {
		r = write_file_chunk(c, fd, (size_t)howmuch);
		if (r == -1)
			return -1;
		if (r == -2) {
			/* Not sendfile-able: fall back to memory. */
			if (ev__buf_load_files(buffer) < 0)
				return -1;
			c = buffer->first;
		} else {
			goto wrote;
		}
	}
	for (left = (size_t)howmuch; c != NULL && left > 0 && n < WRITE_IOV;
	     c = c->next) {
		if (c->flags & EVBUF_CH_FILE)
			break;
		if (c->off == 0)
			continue;
		iov[n].iov_base = c->buf + c->misalign;
		iov[n].iov_len = c->off < left ? c->off : left;
		left -= iov[n].iov_len;
		n++;
	}
	if (fd != buffer->nonsock_fd) {
		struct msghdr msg;

		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)n;
		/* One piece (a small reply) goes with send(), which skips
		 * the copy-in of the msghdr and iovec array. */
		do
			r = n == 1 ? send(fd, iov[0].iov_base, iov[0].iov_len,
			                  MSG_NOSIGNAL)
			           : sendmsg(fd, &msg, MSG_NOSIGNAL);
		while (r < 0 && errno == EINTR);
		if (r >= 0 || errno != ENOTSOCK)
			goto wrote;
		/* A pipe or a file: remember, so it goes to writev() next. */
		buffer->nonsock_fd = fd;
	}
	do
		r = writev(fd, iov, n);
	while (r < 0 && errno == EINTR);
wrote:
	if (r <= 0)
		return (int)r;
	orig = buffer->total_len;
	ev__buf_drain(buffer, (size_t)r);
	ev__buf_notify(buffer, orig, 0, (size_t)r);
	return (int)r;
}

static __attribute__((noinline)) int
evbuffer_write_atmost_locked(struct evbuffer *buffer, evutil_socket_t fd,
                             ev_ssize_t howmuch)
{
	EVBUF_LOCKED(buffer);
	return evbuffer_write_atmost_nl(buffer, fd, howmuch);
}

int evbuffer_write_atmost(struct evbuffer *buffer, evutil_socket_t fd,
                          ev_ssize_t howmuch)
{
	if ((buffer != NULL && buffer->lock != NULL))
		return evbuffer_write_atmost_locked(buffer, fd, howmuch);
	return evbuffer_write_atmost_nl(buffer, fd, howmuch);
}

int evbuffer_write(struct evbuffer *buffer, evutil_socket_t fd)
{
	return evbuffer_write_atmost(buffer, fd, -1); /* it locks */
}

int evbuffer_add_file(struct evbuffer *outbuf, int fd, ev_off_t offset,
                      ev_off_t length)
{
	EVBUF_LOCKED(outbuf);
	struct evbuf_chunk *c = NULL;
	struct evbuf_ext *e = NULL;
	struct evbuffer_iovec v;
	struct stat st;
	size_t orig;

	if (fd < 0)
		return -1;
	if (outbuf == NULL || offset < 0 || length < -1 || outbuf->freeze_end)
		goto fail;
	if (length == -1) {
		if (fstat(fd, &st) < 0)
			goto fail;
		length = st.st_size > offset ? st.st_size - offset : 0;
	}
	if ((ev_uint64_t)length > EVBUF_MAX - outbuf->total_len)
		goto fail;
	if (length == 0) {
		close(fd);
		return 0;
	}
	if (!(outbuf->flags & EVBUFFER_FLAG_DRAINS_TO_FD)) {
		/* Not headed for an fd: sendfile cannot help, read it now. */
		if (evbuffer_reserve_space(outbuf, length, &v, 1) != 1)
			goto fail;
		if (pread_full(fd, v.iov_base, (size_t)length, offset) < 0)
			goto fail;
		v.iov_len = (size_t)length;
		if (evbuffer_commit_space(outbuf, &v, 1) < 0)
			goto fail;
		close(fd);
		return 0;
	}
	c = malloc(sizeof(*c));
	e = malloc(sizeof(*e));
	if (c == NULL || e == NULL)
		goto fail;
	e->refcnt = 1;
	e->fd = fd;
	e->cleanup = NULL;
	e->cleanup_arg = NULL;
	e->data = NULL;
	e->len = (size_t)length;
	c->buf = NULL;
	c->size = (size_t)length;
	c->misalign = (size_t)offset;
	c->off = (size_t)length;
	c->flags = EVBUF_CH_FILE;
	c->ext = e;
	orig = outbuf->total_len;
	ev__buf_append_chunk(outbuf, c);
	outbuf->total_len += (size_t)length;
	ev__buf_notify(outbuf, orig, (size_t)length, 0);
	return 0;
fail:
	free(c);
	free(e);
	close(fd);
	return -1;
}
