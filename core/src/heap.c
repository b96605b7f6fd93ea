/*
 * The timer heap: a 4-ary min-heap of (deadline, event) entries, each event
 * remembering its slot in ev_heap_idx so removal and rescheduling are
 * O(log n).
 *
 * The deadline is copied into the entry so that comparisons read only the
 * heap array, never the events themselves: with many timers the events are
 * scattered over memory and each dereference was a cache miss.  Four
 * children per node halve the depth, and the array is laid out so that the
 * four children of a node share one 64-byte cache line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ev-internal.h"

/* Logical index 0 lives at physical index HEAP_PAD: the children of i,
 * 4i+1 .. 4i+4, then start at physical 4(i+1), a multiple of four 16-byte
 * entries, i.e. on a cache line boundary of the 64-byte aligned block. */
#define HEAP_PAD   3
#define HEAP_ALIGN 64

static void heap_place(struct ev__heapent *heap, int idx, struct ev__heapent e)
{
	heap[idx] = e;
	e.ev->ev_heap_idx = idx;
}

static void heap_sift_up(struct ev__heapent *heap, int idx,
                         struct ev__heapent e)
{
	while (idx > 0) {
		int parent = (idx - 1) / 4;
		if (heap[parent].deadline <= e.deadline)
			break;
		heap_place(heap, idx, heap[parent]);
		idx = parent;
	}
	heap_place(heap, idx, e);
}

/* Inlined into both callers: the call was a tenth of a timer removal. */
static inline __attribute__((always_inline)) void
heap_sift_down(struct ev__heapent *heap, int n, int idx, struct ev__heapent e)
{
	for (;;) {
		int child = 4 * idx + 1;
		int best, k;
		int64_t min;

		if (child + 3 < n) {
			/* The common case, all four children present: unrolled,
			 * with the running minimum kept in a register. */
			best = child;
			min = heap[child].deadline;
			if (heap[child + 1].deadline < min)
				min = heap[best = child + 1].deadline;
			if (heap[child + 2].deadline < min)
				min = heap[best = child + 2].deadline;
			if (heap[child + 3].deadline < min)
				min = heap[best = child + 3].deadline;
		} else if (child < n) {
			best = child;
			min = heap[child].deadline;
			for (k = child + 1; k < n; k++)
				if (heap[k].deadline < min)
					min = heap[best = k].deadline;
		} else {
			break;
		}
		if (e.deadline <= min)
			break;
		heap_place(heap, idx, heap[best]);
		idx = best;
	}
	heap_place(heap, idx, e);
}

/* Rare: kept out of line so the push fast path saves no registers. */
__attribute__((noinline, cold)) static int heap_grow(struct event_base *base)
{
	int cap = base->heap_cap ? base->heap_cap * 2 : 64;
	void *mem;

	size_t bytes;

	if (cap >
	    (int)((size_t)0x7fffffff / sizeof(struct ev__heapent)) - HEAP_PAD) {
		errno = ENOMEM;
		return -1;
	}
	/* aligned_alloc wants a multiple of the alignment. */
	bytes = (size_t)(cap + HEAP_PAD) * sizeof(struct ev__heapent);
	bytes = (bytes + HEAP_ALIGN - 1) & ~(size_t)(HEAP_ALIGN - 1);
	mem = aligned_alloc(HEAP_ALIGN, bytes);
	if (mem == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (base->nheap > 0)
		memcpy((struct ev__heapent *)mem + HEAP_PAD, base->heap,
		       (size_t)base->nheap * sizeof(struct ev__heapent));
	ev__heap_free(base);
	base->heap = (struct ev__heapent *)mem + HEAP_PAD;
	base->heap_cap = cap;
	return 0;
}

void ev__heap_free(struct event_base *base)
{
	if (base->heap != NULL)
		free(base->heap - HEAP_PAD);
	base->heap = NULL;
}

int ev__heap_push(struct event_base *base, struct event *ev)
{
	struct ev__heapent e = {ev->ev_deadline, ev};

	if (base->nheap == base->heap_cap && heap_grow(base) < 0)
		return -1;
	heap_sift_up(base->heap, base->nheap++, e);
	return 0;
}

void ev__heap_remove(struct event_base *base, struct event *ev)
{
	int idx = ev->ev_heap_idx;
	struct ev__heapent last = base->heap[--base->nheap];

	ev->ev_heap_idx = -1;
	if (last.ev == ev)
		return;
	/* The last element fills the hole; it may belong above or below. */
	if (idx > 0 && base->heap[(idx - 1) / 4].deadline > last.deadline)
		heap_sift_up(base->heap, idx, last);
	else
		heap_sift_down(base->heap, base->nheap, idx, last);
}

void ev__heap_update(struct event_base *base, struct event *ev)
{
	int idx = ev->ev_heap_idx;
	struct ev__heapent e = {ev->ev_deadline, ev};

	if (idx > 0 && base->heap[(idx - 1) / 4].deadline > e.deadline)
		heap_sift_up(base->heap, idx, e);
	else
		heap_sift_down(base->heap, base->nheap, idx, e);
}
