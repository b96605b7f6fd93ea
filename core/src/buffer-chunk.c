/*
 * evbuffer chunks: allocation sizes, the per-buffer spare and the
 * per-thread cache that keep the steady state free of malloc/free.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buffer-internal.h"
#include "ev-internal.h"

/* Chunk header size, rounded so inline storage stays 16-byte aligned. */
#define CHUNK_HDR ((sizeof(struct evbuf_chunk) + 15) & ~(size_t)15)
/* Smallest allocation; below a page, allocations are powers of two. */
#define CHUNK_MIN  1024
#define CHUNK_PAGE 4096

/* Bytes to allocate for a MEM chunk with `need` bytes of storage, or 0 if
 * that does not fit in a size_t. */
static size_t chunk_alloc_size(size_t need)
{
	size_t total, sz;

	if (need > EVBUF_MAX - CHUNK_HDR - CHUNK_PAGE)
		return 0;
	total = need + CHUNK_HDR;
	if (total <= CHUNK_PAGE) {
		sz = CHUNK_MIN;
		while (sz < total)
			sz <<= 1;
		return sz;
	}
	return (total + CHUNK_PAGE - 1) & ~(size_t)(CHUNK_PAGE - 1);
}

/*
 * A small per-thread cache of drained MEM chunks.  Data often flows from
 * one buffer to another (socket input -> output of the peer, lines read
 * then freed), so the buffer that frees a chunk is rarely the one that
 * needs the next; without the cache every such hop is a malloc/free pair,
 * and large ones make malloc trim and re-fault the heap top.  Bounded in
 * count and bytes; freed at thread exit.
 */
#define TCACHE_MAX_CHUNKS 32
#define TCACHE_MAX_BYTES  (2u << 20)

struct chunk_cache {
	/* Oldest first; sizes kept beside the pointers so that looking for
	 * a fit touches no chunk memory. */
	struct evbuf_chunk *c[TCACHE_MAX_CHUNKS];
	size_t size[TCACHE_MAX_CHUNKS];
	size_t n, bytes;
	int registered;
};

/* initial-exec: one instruction per access instead of __tls_get_addr. */
static _Thread_local struct chunk_cache tcache
    __attribute__((tls_model("initial-exec")));
static pthread_key_t tcache_key;
static pthread_once_t tcache_once = PTHREAD_ONCE_INIT;
static int tcache_key_ok;

static void tcache_destroy(void *arg)
{
	struct chunk_cache *cc = arg;

	while (cc->n > 0)
		free(cc->c[--cc->n]);
	cc->bytes = 0;
}

static void tcache_key_init(void)
{
	tcache_key_ok = pthread_key_create(&tcache_key, tcache_destroy) == 0;
}

/* If the library is unloaded (dlclose) while threads still run, their
 * exit must not call into unmapped code: drop the key (other threads'
 * caches are then leaked, not freed). */
__attribute__((destructor)) static void tcache_unload(void)
{
	if (tcache_key_ok) {
		pthread_key_delete(tcache_key);
		tcache_key_ok = 0;
	}
	tcache_destroy(&tcache);
}

static void tcache_take(size_t i)
{
	tcache.bytes -= tcache.size[i];
	tcache.n--;
	memmove(&tcache.c[i], &tcache.c[i + 1],
	        (tcache.n - i) * sizeof(tcache.c[0]));
	memmove(&tcache.size[i], &tcache.size[i + 1],
	        (tcache.n - i) * sizeof(tcache.size[0]));
}

static int tcache_put(struct evbuf_chunk *c)
{
	if (c->size > SPARE_MAX)
		return 0;
	/* The oldest make room, so the cache follows the sizes in use now. */
	while (tcache.n > 0 && (tcache.n >= TCACHE_MAX_CHUNKS ||
	                        tcache.bytes + c->size > TCACHE_MAX_BYTES)) {
		free(tcache.c[0]);
		tcache_take(0);
	}
	if (!tcache.registered) {
		/* The key's destructor frees the cache when the thread ends. */
		pthread_once(&tcache_once, tcache_key_init);
		if (!tcache_key_ok ||
		    pthread_setspecific(tcache_key, &tcache) != 0)
			return 0;
		tcache.registered = 1;
	}
	tcache.c[tcache.n] = c;
	tcache.size[tcache.n] = c->size;
	tcache.n++;
	tcache.bytes += c->size;
	return 1;
}

/* The newest cached chunk that fits `need` without wasting much memory. */
static struct evbuf_chunk *tcache_get(size_t need)
{
	size_t limit = need < 2048 ? 8192 : 4 * need, i;
	struct evbuf_chunk *c;

	for (i = tcache.n; i-- > 0;) {
		if (tcache.size[i] >= need && tcache.size[i] <= limit) {
			c = tcache.c[i];
			tcache_take(i);
			return c;
		}
	}
	return NULL;
}

struct evbuf_chunk *ev__chunk_new_mem(struct evbuffer *buf, size_t need)
{
	struct evbuf_chunk *c = buf->spare;
	size_t total;

	if (c != NULL && c->size >= need) {
		buf->spare = NULL;
	} else {
		c = tcache_get(need);
	}
	if (c != NULL) {
		c->next = NULL;
		c->misalign = 0;
		c->off = 0;
		return c;
	}
	total = chunk_alloc_size(need);
	if (total == 0) {
		errno = ENOMEM;
		return NULL;
	}
	c = malloc(total);
	if (c == NULL) {
		ev__log(EVENT_LOG_WARN, "evbuffer: out of memory for %zu bytes",
		        need);
		return NULL;
	}
	c->next = NULL;
	c->buf = (unsigned char *)c + CHUNK_HDR;
	c->size = total - CHUNK_HDR;
	c->misalign = 0;
	c->off = 0;
	c->flags = EVBUF_CH_MEM;
	c->ext = NULL;
	return c;
}

void ev__chunk_free(struct evbuffer *buf, struct evbuf_chunk *c)
{
	if (c->flags & EVBUF_CH_MEM) {
		/* Keep the larger of the spare and this one for the next
		 * allocation: steady add/drain then never mallocs. */
		if (buf != NULL && c->size <= SPARE_MAX &&
		    (buf->spare == NULL || buf->spare->size < c->size)) {
			struct evbuf_chunk *old = buf->spare;

			buf->spare = c;
			if (old == NULL)
				return;
			c = old;
		}
		if (!tcache_put(c))
			free(c);
		return;
	}
	if ((c->flags & EVBUF_CH_FILE) && buf != NULL)
		buf->n_file--;
	ev__ext_unref(c->ext);
	free(c);
}
