/*
 * Private layout of struct evbuffer, shared by buffer.c (the chunk chain),
 * buffer-search.c (positions, search, lines) and buffer-io.c (fds, files).
 *
 * An evbuffer is a singly linked chain of chunks.  Invariants, relied on
 * everywhere:
 *  - every chunk but `last` holds data (off > 0); `last` may be empty,
 *    which keeps a reserved or drained tail chunk for reuse;
 *  - `first` is NULL exactly when `last` is NULL;
 *  - total_len is the sum of `off` over the chain.
 * Only MEM chunks (storage inline after the header) may be appended to;
 * REF chunks point at caller memory and FILE chunks at a file range, both
 * through a shared, reference-counted `struct evbuf_ext` so one range can
 * be split between buffers.
 */
#ifndef LIBEV_BUFFER_INTERNAL_H
#define LIBEV_BUFFER_INTERNAL_H

#include <limits.h> /* SSIZE_MAX, behind EV_SSIZE_MAX */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ev-buffer.h"

/* The chunk owns inline storage and may grow at its end. */
#define EVBUF_CH_MEM 0x01
/* The data is caller memory given to evbuffer_add_reference(). */
#define EVBUF_CH_REF 0x02
/* The data is a range of a file, not in memory (see buffer-io.c). */
#define EVBUF_CH_FILE 0x04

/* Backing shared by the REF and FILE chunks cut from one range. */
struct evbuf_ext {
	unsigned refcnt;
	int fd;                          /* FILE: closed with the last ref */
	evbuffer_ref_cleanup_cb cleanup; /* REF: run with the last ref */
	void *cleanup_arg;
	const void *data; /* REF: as given, for the cleanup */
	size_t len;
};

struct evbuf_chunk {
	struct evbuf_chunk *next;
	/* Storage; NULL for FILE chunks. */
	unsigned char *buf;
	/* Bytes of storage at buf (MEM: the capacity). */
	size_t size;
	/* Data starts at buf + misalign (FILE: at this file offset). */
	size_t misalign;
	/* Bytes of data. */
	size_t off;
	unsigned flags;
	struct evbuf_ext *ext;
};

struct evbuffer_cb_entry {
	struct evbuffer_cb_entry *next;
	union {
		evbuffer_cb_func cb;
		evbuffer_cb cb_obsolete;
	} u;
	void *arg;
	ev_uint32_t flags;
	unsigned char obsolete; /* 1.3 (old, new) signature */
	unsigned char removed;  /* unlinked once no callback runs */
};

struct evbuffer {
	struct evbuf_chunk *first;
	struct evbuf_chunk *last;
	/* The pointer that holds `last` (&first or the previous chunk's
	 * next), so an empty tail chunk can be replaced in O(1). */
	struct evbuf_chunk **last_link;
	size_t total_len;
	/* One drained MEM chunk kept so steady add/drain does not malloc. */
	struct evbuf_chunk *spare;
	/* Chunks of kind FILE, so byte readers know when to load them. */
	size_t n_file;
	ev_uint64_t flags;
	unsigned char freeze_start;
	unsigned char freeze_end;
	/* Callbacks, and how deep their invocation is nested. */
	struct evbuffer_cb_entry *cbs;
	int cb_depth;
	int cb_removed;
	/* Bytes the next evbuffer_read() asks for (buffer-io.c). */
	size_t read_guess;
	/* Last fd for which sendmsg() said ENOTSOCK, so writes to pipes go
	 * straight to writev(). */
	int nonsock_fd;
	/* The last evbuffer_reserve_space(): where each piece starts. */
	struct evbuf_chunk *resv_chunk[2];
	unsigned char *resv[2];
	size_t resv_len[2];
	int n_resv;
	/* evbuffer_enable_locking(): a recursive mutex (shared with the
	 * bufferevent that owns the buffer), or NULL for a buffer used from
	 * one thread, which then pays one test per call and nothing else. */
	pthread_mutex_t *lock;
	unsigned char own_lock; /* made by evbuffer_enable_locking(NULL) */
};

/* Locking.  Every public entry point that reads or changes a buffer
 * opens with EVBUF_LOCKED(buf) (or EVBUF_LOCKED2 for two buffers): the
 * lock is taken if the buffer has one and released when the function
 * returns, whichever return that is.  The mutex is recursive, so entry
 * points may call each other and the callbacks they run may use the
 * buffer again. */
static inline const struct evbuffer *ev__buf_lock(const struct evbuffer *b)
{
	if (b != NULL && b->lock != NULL)
		pthread_mutex_lock(b->lock);
	return b;
}

static inline void ev__buf_unlock_guard(const struct evbuffer *const *bp)
{
	if (*bp != NULL && (*bp)->lock != NULL)
		pthread_mutex_unlock((*bp)->lock);
}

/* "unused": the guard is never read, only cleaned up (clang warns). */
#define EVBUF_LOCKED(b)                                                        \
	const struct evbuffer *const evbuf_guard_                              \
	    __attribute__((unused, cleanup(ev__buf_unlock_guard))) =           \
	        ev__buf_lock(b)

/* Two buffers: locks in address order, so two threads moving data
 * between the same two buffers in opposite directions cannot deadlock. */
struct ev__buf_pair {
	const struct evbuffer *a, *b;
};

static inline struct ev__buf_pair ev__buf_lock2(const struct evbuffer *x,
                                                const struct evbuffer *y)
{
	struct ev__buf_pair p;
	pthread_mutex_t *lx = x != NULL ? x->lock : NULL;
	pthread_mutex_t *ly = y != NULL ? y->lock : NULL;

	p.a = (uintptr_t)lx <= (uintptr_t)ly ? x : y;
	p.b = p.a == x ? y : x;
	ev__buf_lock(p.a);
	if (ly != lx)
		ev__buf_lock(p.b);
	else
		p.b = NULL;
	return p;
}

static inline void ev__buf_unlock2_guard(const struct ev__buf_pair *p)
{
	ev__buf_unlock_guard(&p->b);
	ev__buf_unlock_guard(&p->a);
}

#define EVBUF_LOCKED2(x, y)                                                    \
	const struct ev__buf_pair evbuf_guard2_                                \
	    __attribute__((unused, cleanup(ev__buf_unlock2_guard))) =          \
	        ev__buf_lock2(x, y)

/* Space at the end of a MEM chunk. */
static inline size_t ev__chunk_space(const struct evbuf_chunk *c)
{
	return (c->flags & EVBUF_CH_MEM) ? c->size - c->misalign - c->off : 0;
}

/* A stream of small adds gets chunks growing up to this size, so it does
 * not end up as thousands of tiny chunks. */
#define CHUNK_GROW_MAX 16384
/* Chunks up to this size are kept for reuse once drained. */
#define SPARE_MAX (256 * 1024)
/* Largest length a buffer may reach: positions are ev_ssize_t. */
#define EVBUF_MAX ((size_t)EV_SSIZE_MAX)

/* buffer.c */
__attribute__((visibility("hidden"))) int
ev__mutex_init_recursive(pthread_mutex_t *m);
struct evbuf_chunk *ev__chunk_new_mem(struct evbuffer *buf, size_t need);
void ev__chunk_free(struct evbuffer *buf, struct evbuf_chunk *c);
void ev__buf_append_chunk(struct evbuffer *buf, struct evbuf_chunk *c);
struct evbuf_chunk *ev__buf_unlink_first(struct evbuffer *buf);
int ev__buf_add_raw(struct evbuffer *buf, const void *data, size_t datlen);
void ev__buf_copy_front(const struct evbuffer *buf, void *out, size_t len);
void ev__buf_notify(struct evbuffer *buf, size_t orig, size_t added,
                    size_t deleted);
void ev__buf_drain(struct evbuffer *buf, size_t len);

/* buffer-io.c */
int ev__buf_load_files(struct evbuffer *buf);
void ev__ext_unref(struct evbuf_ext *e);

#endif
