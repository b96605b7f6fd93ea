/*
 * The floor: a minimal hand-written epoll loop with just what the
 * experiment needs.  Per fd it remembers the interest the program wants
 * and the interest the kernel holds; delete and add only change the
 * former and queue the fd, and the pass before epoll_wait makes a system
 * call only for fds whose two masks differ.  A delete+add that leaves the
 * interest unchanged therefore costs no system call at all.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "bench.h"

#define FLOOR_MAX_EVENTS 1024

struct floor_io {
	int fd;
	uint32_t want; /* interest the program asked for */
	uint32_t have; /* interest the kernel holds */
	int queued;    /* on the change queue */
};

static int epfd = -1;
static struct floor_io *ios;
static int *changes;
static int nchanges;
static struct epoll_event events[FLOOR_MAX_EVENTS];

static int floor_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd >= 0 ? 0 : -1;
}

static int floor_io_alloc(int n)
{
	ios = calloc((size_t)n, sizeof(*ios));
	changes = calloc((size_t)n, sizeof(*changes));
	return ios && changes ? 0 : -1;
}

static void floor_queue(int i)
{
	if (!ios[i].queued) {
		ios[i].queued = 1;
		changes[nchanges++] = i;
	}
}

static void floor_io_rearm(int i, int fd)
{
	struct floor_io *io = &ios[i];

	/* delete */
	io->want = 0;
	floor_queue(i);
	/* set: a different fd must be registered afresh */
	if (io->fd != fd && io->have) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, io->fd, NULL);
		io->have = 0;
	}
	io->fd = fd;
	/* add */
	io->want = EPOLLIN;
}

static void floor_flush(void)
{
	int k;

	for (k = 0; k < nchanges; k++) {
		struct floor_io *io = &ios[changes[k]];
		struct epoll_event ev;

		io->queued = 0;
		if (io->want == io->have)
			continue;
		ev.events = io->want;
		ev.data.u32 = (uint32_t)changes[k];
		if (io->want == 0)
			epoll_ctl(epfd, EPOLL_CTL_DEL, io->fd, &ev);
		else
			epoll_ctl(epfd,
			          io->have ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
			          io->fd, &ev);
		io->have = io->want;
	}
	nchanges = 0;
}

static void floor_loop_nonblock(void)
{
	int k, n;

	if (nchanges)
		floor_flush();
	n = epoll_wait(epfd, events, FLOOR_MAX_EVENTS, 0);
	for (k = 0; k < n; k++) {
		int i = (int)events[k].data.u32;
		bench_on_read(ios[i].fd, i);
	}
}

const struct bench_lib bench_lib = {
    .name = "epoll",
    .io_size = sizeof(struct floor_io),
    .timer_size = 0,
    .init = floor_init,
    .io_alloc = floor_io_alloc,
    .io_rearm = floor_io_rearm,
    .loop_nonblock = floor_loop_nonblock,
};
