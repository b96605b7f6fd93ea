/*
 * The timer min-heap: events ordered by ev_deadline, each remembering its
 * slot in ev_heap_idx so removal and rescheduling are O(log n).
 */
#include <errno.h>
#include <stdlib.h>

#include "ev-internal.h"

static void heap_place(struct event **heap, int idx, struct event *ev)
{
	heap[idx] = ev;
	ev->ev_heap_idx = idx;
}

static void heap_sift_up(struct event **heap, int idx, struct event *ev)
{
	while (idx > 0) {
		int parent = (idx - 1) / 2;
		if (heap[parent]->ev_deadline <= ev->ev_deadline)
			break;
		heap_place(heap, idx, heap[parent]);
		idx = parent;
	}
	heap_place(heap, idx, ev);
}

static void heap_sift_down(struct event **heap, int n, int idx, struct event *ev)
{
	for (;;) {
		int child = 2 * idx + 1;
		if (child >= n)
			break;
		if (child + 1 < n &&
		    heap[child + 1]->ev_deadline < heap[child]->ev_deadline)
			child++;
		if (ev->ev_deadline <= heap[child]->ev_deadline)
			break;
		heap_place(heap, idx, heap[child]);
		idx = child;
	}
	heap_place(heap, idx, ev);
}

int ev__heap_push(struct event_base *base, struct event *ev)
{
	if (base->nheap == base->heap_cap) {
		int cap = base->heap_cap ? base->heap_cap * 2 : 64;
		struct event **h = realloc(base->heap, (size_t)cap * sizeof(*h));
		if (h == NULL) {
			errno = ENOMEM;
			return -1;
		}
		base->heap = h;
		base->heap_cap = cap;
	}
	heap_sift_up(base->heap, base->nheap++, ev);
	return 0;
}

void ev__heap_remove(struct event_base *base, struct event *ev)
{
	int idx = ev->ev_heap_idx;
	struct event *last = base->heap[--base->nheap];

	ev->ev_heap_idx = -1;
	if (last == ev)
		return;
	/* The last element fills the hole; it may belong above or below. */
	if (idx > 0 && base->heap[(idx - 1) / 2]->ev_deadline > last->ev_deadline)
		heap_sift_up(base->heap, idx, last);
	else
		heap_sift_down(base->heap, base->nheap, idx, last);
}

void ev__heap_update(struct event_base *base, struct event *ev)
{
	int idx = ev->ev_heap_idx;

	if (idx > 0 && base->heap[(idx - 1) / 2]->ev_deadline > ev->ev_deadline)
		heap_sift_up(base->heap, idx, ev);
	else
		heap_sift_down(base->heap, base->nheap, idx, ev);
}
