/**
 * @file ev-buffer.h
 * @brief libev-core: evbuffer, a byte queue built as a chain of chunks.
 *
 * Source-compatible with libevent's 1.3 buffer API (`<event.h>`) and the
 * 2.x `<event2/buffer.h>` / `<event2/buffer_compat.h>`.  Appending never
 * copies what is already stored, moving one buffer into another moves
 * chunks rather than bytes, and reads and writes on file descriptors use
 * readv()/writev() over the chunks.
 *
 * Threading: an evbuffer is used from one thread at a time unless it has
 * a lock: evbuffer_enable_locking(), or being one of the two buffers of a
 * BEV_OPT_THREADSAFE bufferevent on a locked base (see ev-bufferevent.h).
 * Every evbuffer function on a buffer with a lock takes it for the length
 * of the call (functions on two buffers take both, in a fixed order), and
 * the buffer's callbacks run under it.  For several calls in a row, hold
 * evbuffer_lock().  Pointers into a buffer (evbuffer_pullup(),
 * evbuffer_peek(), evbuffer_reserve_space(), struct evbuffer_ptr) stay
 * valid only while no other thread changes it: hold the lock while using
 * them.  Without a lock each call tests one field and takes nothing.
 */
#ifndef LIBEV_EV_BUFFER_H
#define LIBEV_EV_BUFFER_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>
#include <evutil.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;

/**
 * A buffer of bytes.  Opaque: use the functions below (1.3 programs use the
 * EVBUFFER_LENGTH() and EVBUFFER_DATA() macros).
 */
struct evbuffer;

/**
 * A position inside an evbuffer, filled by evbuffer_search(),
 * evbuffer_ptr_set() and friends.  `pos` is public: the offset from the
 * start of the buffer, or -1 for "not found".  The rest is private and is
 * only valid until the buffer is next modified.
 */
struct evbuffer_ptr {
	ev_ssize_t pos; /**< Public: offset from the start, -1 if none. */
	/** Private: where `pos` lies in the chunk chain. */
	struct {
		void *chain;
		size_t pos_in_chain;
	} internal_;
};

/**
 * One contiguous piece of memory, used by evbuffer_peek(),
 * evbuffer_reserve_space() and evbuffer_add_iovec().  Same layout as
 * `struct iovec`.
 */
struct evbuffer_iovec {
	void *iov_base; /**< Start of the piece. */
	size_t iov_len; /**< Its length in bytes. */
};

/** End-of-line styles for evbuffer_readln() and evbuffer_search_eol(). */
enum evbuffer_eol_style {
	/** Any sequence of CR and LF characters ends a line. */
	EVBUFFER_EOL_ANY,
	/** A LF, optionally preceded by a CR, ends a line. */
	EVBUFFER_EOL_CRLF,
	/** Exactly CR LF ends a line. */
	EVBUFFER_EOL_CRLF_STRICT,
	/** A single LF ends a line. */
	EVBUFFER_EOL_LF,
	/** A single NUL byte ends a line. */
	EVBUFFER_EOL_NUL
};

/** How evbuffer_ptr_set() moves a pointer. */
enum evbuffer_ptr_how {
	/** Set the pointer to an absolute position. */
	EVBUFFER_PTR_SET,
	/** Move the pointer forward by the given amount. */
	EVBUFFER_PTR_ADD
};

/**
 * Buffer flag: the buffer is usually written to an fd, so
 * evbuffer_add_file() may keep file data out of memory and send it with
 * sendfile().  Set on the output buffer of every socket bufferevent.
 */
#define EVBUFFER_FLAG_DRAINS_TO_FD 1

/**
 * Allocates an empty buffer.
 * @return the buffer (free it with evbuffer_free()), or NULL when out of
 *         memory.
 */
struct evbuffer *evbuffer_new(void);
/** Frees a buffer and everything in it (reference cleanups run). */
void evbuffer_free(struct evbuffer *buf);
/**
 * Gives a buffer a lock, so that several threads may use it.
 * @param buf the buffer, not yet shared with another thread.
 * @param lock NULL to make a new lock, owned and freed by the buffer; or
 *        a `pthread_mutex_t *` made with PTHREAD_MUTEX_RECURSIVE, which the
 *        caller keeps alive (and destroys) after the buffer is freed, so
 *        that several buffers can share one lock.
 * @return 0 on success, -1 if `buf` is NULL, already has a lock, or no
 *         mutex could be made.
 */
int evbuffer_enable_locking(struct evbuffer *buf, void *lock);
/**
 * Takes the buffer's lock (recursive), for several calls in a row; a
 * no-op for a buffer without a lock.
 * @param buf the buffer.
 */
void evbuffer_lock(struct evbuffer *buf);
/**
 * Releases the lock taken by evbuffer_lock().
 * @param buf the buffer.
 */
void evbuffer_unlock(struct evbuffer *buf);
/**
 * Sets EVBUFFER_FLAG_* flags.
 * @return 0 on success, -1 if `buf` is NULL.
 */
int evbuffer_set_flags(struct evbuffer *buf, ev_uint64_t flags);
/**
 * Clears EVBUFFER_FLAG_* flags.
 * @return 0 on success, -1 if `buf` is NULL.
 */
int evbuffer_clear_flags(struct evbuffer *buf, ev_uint64_t flags);

/** Number of bytes stored in the buffer. */
size_t evbuffer_get_length(const struct evbuffer *buf);
/** Number of bytes stored contiguously in the first chunk. */
size_t evbuffer_get_contiguous_space(const struct evbuffer *buf);

/**
 * Makes sure that `datlen` bytes can be appended without a further
 * allocation, in one contiguous piece.
 * @return 0 on success, -1 when out of memory or `datlen` is too large.
 */
int evbuffer_expand(struct evbuffer *buf, size_t datlen);
/**
 * Exposes free space at the end of the buffer so the caller can write into
 * it directly, then evbuffer_commit_space() appends what was written.
 * @param buf the buffer.
 * @param size bytes wanted (the pieces hold at least that many).
 * @param vec receives up to `n_vec` pieces.
 * @param n_vec 1 or more; with 1 the space is contiguous.
 * @return the number of pieces used, or -1 on failure.
 */
int evbuffer_reserve_space(struct evbuffer *buf, ev_ssize_t size,
                           struct evbuffer_iovec *vec, int n_vec);
/**
 * Appends the data written into space from evbuffer_reserve_space().  Set
 * each `iov_len` to the amount actually written; the pieces must be the
 * ones returned, in order, with no buffer change in between.
 * @return 0 on success, -1 if the pieces do not match the reservation.
 */
int evbuffer_commit_space(struct evbuffer *buf, struct evbuffer_iovec *vec,
                          int n_vecs);

/**
 * Appends a copy of `datlen` bytes.  Adding 0 bytes succeeds and does
 * nothing.
 * @return 0 on success, -1 when out of memory, the length would overflow
 *         or the end of the buffer is frozen.
 */
int evbuffer_add(struct evbuffer *buf, const void *data, size_t datlen);
/**
 * Appends copies of several pieces.
 * @return the number of bytes added, or 0 on failure.
 */
size_t evbuffer_add_iovec(struct evbuffer *buf, struct evbuffer_iovec *vec,
                          int n_vec);
/**
 * Reads and removes up to `datlen` bytes from the front.
 * @return the number of bytes copied to `data`, or -1 on failure.
 */
int evbuffer_remove(struct evbuffer *buf, void *data, size_t datlen);
/**
 * Copies up to `datlen` bytes from the front without removing them.
 * @return the number of bytes copied, or -1 on failure.
 */
ev_ssize_t evbuffer_copyout(struct evbuffer *buf, void *data_out,
                            size_t datlen);
/**
 * Copies up to `datlen` bytes starting at `pos` without removing them.
 * @param buf the buffer.
 * @param data_out where the bytes are copied.
 * @param datlen number of bytes.
 * @param pos a position from evbuffer_ptr_set()/evbuffer_search(), or NULL
 *        for the start.
 * @return the number of bytes copied, or -1 on failure.
 */
ev_ssize_t evbuffer_copyout_from(struct evbuffer *buf,
                                 const struct evbuffer_ptr *pos, void *data_out,
                                 size_t datlen);
/**
 * Moves up to `datlen` bytes from the front of `src` to the end of `dst`,
 * moving whole chunks where it can.
 * @return the number of bytes moved, or -1 on failure.
 */
int evbuffer_remove_buffer(struct evbuffer *src, struct evbuffer *dst,
                           size_t datlen);
/**
 * Reads and removes one line.
 * @param buf the buffer.
 * @param eol_style which end-of-line sequences count (EVBUFFER_EOL_*).
 * @param n_read_out if not NULL, receives the line's length (without the
 *        end-of-line sequence).
 * @return the line as a NUL-terminated string without its end-of-line
 *         (free it with free()), or NULL when no complete line is stored
 *         (or out of memory).
 */
char *evbuffer_readln(struct evbuffer *buf, size_t *n_read_out,
                      enum evbuffer_eol_style eol_style);
/**
 * 1.3 API: evbuffer_readln() with EVBUFFER_EOL_ANY.
 * @return the line (free it with free()), or NULL.
 */
char *evbuffer_readline(struct evbuffer *buf);
/**
 * Moves all of `inbuf` to the end of `outbuf` (chunks are moved, not
 * copied); `inbuf` ends up empty.
 * @return 0 on success, -1 on failure (both buffers are then unchanged).
 */
int evbuffer_add_buffer(struct evbuffer *outbuf, struct evbuffer *inbuf);
/**
 * Moves all of `src` to the front of `dst`; `src` ends up empty.
 * @return 0 on success, -1 on failure.
 */
int evbuffer_prepend_buffer(struct evbuffer *dst, struct evbuffer *src);

/**
 * Called when the data given to evbuffer_add_reference() is no longer
 * used: (data, its length, the extra argument).
 */
typedef void (*evbuffer_ref_cleanup_cb)(const void *data, size_t datalen,
                                        void *extra);
/**
 * Appends `datlen` bytes of caller-owned memory without copying them.  The
 * memory must stay valid and unchanged until `cleanupfn` runs: when the
 * bytes have all been drained or the buffer is freed, or when
 * evbuffer_add_buffer() copied them (it copies sources of 1 KiB or less
 * instead of moving their chunks).
 * @param outbuf the buffer appended to.
 * @param data the bytes to append.
 * @param datlen number of bytes.
 * @param cleanupfn_arg passed to `cleanupfn`.
 * @param cleanupfn may be NULL.  With `datlen` 0 nothing is kept and it
 *        runs before this call returns.
 * @return 0 on success, -1 on failure (`cleanupfn` is then not called).
 */
int evbuffer_add_reference(struct evbuffer *outbuf, const void *data,
                           size_t datlen, evbuffer_ref_cleanup_cb cleanupfn,
                           void *cleanupfn_arg);
/**
 * Appends `length` bytes of the file `fd` starting at `offset`.  The buffer
 * takes ownership of `fd` and closes it when done, also on failure.  When
 * the buffer has EVBUFFER_FLAG_DRAINS_TO_FD the data stays in the file and
 * evbuffer_write() sends it with sendfile(); otherwise (or when it is read
 * back) it is read into memory.
 * @param outbuf the buffer appended to.
 * @param fd the file descriptor.
 * @param offset where in the file the range starts.
 * @param length -1 for "to the end of the file".
 * @return 0 on success, -1 on failure.
 */
int evbuffer_add_file(struct evbuffer *outbuf, int fd, ev_off_t offset,
                      ev_off_t length);
/**
 * Appends formatted text (printf format).
 * @return the number of bytes added, or -1 on failure.
 */
int evbuffer_add_printf(struct evbuffer *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/**
 * Appends formatted text (vprintf format).
 * @return the number of bytes added, or -1 on failure.
 */
int evbuffer_add_vprintf(struct evbuffer *buf, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/**
 * Removes up to `len` bytes from the front (all when `len` exceeds the
 * length).
 * @return 0 on success, -1 if the front is frozen.
 */
int evbuffer_drain(struct evbuffer *buf, size_t len);
/**
 * Writes as much of the buffer as the fd takes (writev over the chunks,
 * sendfile for file data) and drains what was written.
 * @return the number of bytes written, or -1 with errno set.
 */
int evbuffer_write(struct evbuffer *buffer, evutil_socket_t fd);
/**
 * evbuffer_write() of at most `howmuch` bytes (-1: no limit).
 * @return the number of bytes written, or -1 with errno set.
 */
int evbuffer_write_atmost(struct evbuffer *buffer, evutil_socket_t fd,
                          ev_ssize_t howmuch);
/**
 * Reads up to `howmuch` bytes from `fd` with one readv() into free chunk
 * space and appends them.  With `howmuch` -1 the request adapts between
 * 4 KiB and 64 KiB to what earlier reads on this buffer delivered.
 * @return the number of bytes read, 0 on end of file, or -1 with errno set.
 */
int evbuffer_read(struct evbuffer *buffer, evutil_socket_t fd, int howmuch);
/**
 * Finds the first occurrence of `len` bytes `what` at or after `start`
 * (NULL: from the beginning).
 * @return its position; `pos` is -1 when not found.
 */
struct evbuffer_ptr evbuffer_search(struct evbuffer *buffer, const char *what,
                                    size_t len,
                                    const struct evbuffer_ptr *start);
/**
 * evbuffer_search() limited to matches that end before `end` (NULL: the
 * end of the buffer).
 * @return its position; `pos` is -1 when not found.
 */
struct evbuffer_ptr evbuffer_search_range(struct evbuffer *buffer,
                                          const char *what, size_t len,
                                          const struct evbuffer_ptr *start,
                                          const struct evbuffer_ptr *end);
/**
 * Sets (EVBUFFER_PTR_SET) or advances (EVBUFFER_PTR_ADD) a position.  A
 * position equal to the length is allowed.
 * @return 0 on success, -1 if the result would lie beyond the end (the
 *         pointer's `pos` is then -1).
 */
int evbuffer_ptr_set(struct evbuffer *buffer, struct evbuffer_ptr *ptr,
                     size_t position, enum evbuffer_ptr_how how);
/**
 * Finds the next end of line at or after `start` (NULL: the beginning).
 * @param buffer the buffer.
 * @param start where to begin (NULL: the beginning).
 * @param eol_style which end-of-line sequences count (EVBUFFER_EOL_*).
 * @param eol_len_out if not NULL, receives the length of the end-of-line
 *        sequence found.
 * @return its position; `pos` is -1 when none is complete.
 */
struct evbuffer_ptr evbuffer_search_eol(struct evbuffer *buffer,
                                        struct evbuffer_ptr *start,
                                        size_t *eol_len_out,
                                        enum evbuffer_eol_style eol_style);
/**
 * Exposes the stored data without copying it.
 * @param buffer the buffer.
 * @param n_vec number of entries in `vec_out` (0 to only count).
 * @param len bytes wanted (-1: all of them).
 * @param start_at where to begin (NULL: the beginning).
 * @param vec_out receives up to `n_vec` pieces (may be NULL when `n_vec` is
 *        0, to count them).
 * @return the number of pieces needed to cover `len` bytes (which may be
 *         more than `n_vec`).
 */
int evbuffer_peek(struct evbuffer *buffer, ev_ssize_t len,
                  struct evbuffer_ptr *start_at, struct evbuffer_iovec *vec_out,
                  int n_vec);
/**
 * Makes the first `size` bytes (-1: all) contiguous.
 * @return a pointer to them, valid until the buffer next changes; NULL if
 *         `size` exceeds the length or out of memory.  For an empty buffer
 *         and size -1 it returns NULL.
 */
unsigned char *evbuffer_pullup(struct evbuffer *buf, ev_ssize_t size);
/**
 * Inserts a copy of `size` bytes at the front.
 * @return 0 on success, -1 on failure.
 */
int evbuffer_prepend(struct evbuffer *buf, const void *data, size_t size);
/**
 * Forbids changes at the front (`at_front` != 0: drains) or the end (adds)
 * until evbuffer_unfreeze().
 * @return 0 on success, -1 if `buf` is NULL.
 */
int evbuffer_freeze(struct evbuffer *buf, int at_front);
/**
 * Allows changes at the front or the end again.
 * @return 0 on success, -1 if `buf` is NULL.
 */
int evbuffer_unfreeze(struct evbuffer *buf, int at_front);

/** What changed, passed to an evbuffer_cb_func. */
struct evbuffer_cb_info {
	size_t orig_size; /**< Length before the change. */
	size_t n_added;   /**< Bytes added. */
	size_t n_deleted; /**< Bytes removed. */
};
/** Called after the buffer's length changes: (buffer, what, arg). */
typedef void (*evbuffer_cb_func)(struct evbuffer *buffer,
                                 const struct evbuffer_cb_info *info,
                                 void *arg);
/** A registered callback, returned by evbuffer_add_cb(). */
struct evbuffer_cb_entry;
/** Callback flag: the callback runs (set by default). */
#define EVBUFFER_CB_ENABLED 1
/**
 * Registers a callback that runs after every change of the length.
 * @return the entry, or NULL when out of memory.
 */
struct evbuffer_cb_entry *evbuffer_add_cb(struct evbuffer *buffer,
                                          evbuffer_cb_func cb, void *cbarg);
/**
 * Unregisters a callback by its entry.
 * @return 0 on success, -1 if it is not registered.
 */
int evbuffer_remove_cb_entry(struct evbuffer *buffer,
                             struct evbuffer_cb_entry *ent);
/**
 * Unregisters the first callback registered with `cb` and `cbarg`.
 * @return 0 on success, -1 if there is none.
 */
int evbuffer_remove_cb(struct evbuffer *buffer, evbuffer_cb_func cb,
                       void *cbarg);
/**
 * Sets flags (EVBUFFER_CB_ENABLED) on a callback.
 * @return 0.
 */
int evbuffer_cb_set_flags(struct evbuffer *buffer, struct evbuffer_cb_entry *cb,
                          ev_uint32_t flags);
/**
 * Clears flags (EVBUFFER_CB_ENABLED) on a callback.
 * @return 0.
 */
int evbuffer_cb_clear_flags(struct evbuffer *buffer,
                            struct evbuffer_cb_entry *cb, ev_uint32_t flags);

/* ---------------------------------------------------------------------- */
/** @name 1.3 API (event2/buffer_compat.h)
 * @{ */

/** 1.3 callback: (buffer, old length, new length, arg). */
typedef void (*evbuffer_cb)(struct evbuffer *buffer, size_t old_len,
                            size_t new_len, void *arg);
/**
 * 1.3 API: replaces every callback of the buffer by `cb` (NULL: none).
 */
void evbuffer_setcb(struct evbuffer *buffer, evbuffer_cb cb, void *cbarg);
/**
 * 1.3 API: finds `len` bytes in the buffer.
 * @return a pointer to the first occurrence (the buffer is made contiguous
 *         from its start to the end of the match), or NULL.
 */
unsigned char *evbuffer_find(struct evbuffer *buffer, const unsigned char *what,
                             size_t len);
/** 1.3 API: the number of bytes stored. */
#define EVBUFFER_LENGTH(x) evbuffer_get_length(x)
/** 1.3 API: the whole content made contiguous (NULL when empty). */
#define EVBUFFER_DATA(x) evbuffer_pullup((x), -1)
/** @} */

#ifdef __cplusplus
}
#endif
#endif /* LIBEV_EV_BUFFER_H */
