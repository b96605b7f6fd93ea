/*
 * Resolver benchmark variant: c-ares (Debian libc-ares-dev).  c-ares has
 * no loop of its own; this program drives it with poll(2), or with epoll
 * when BENCH_CARES_LOOP=epoll (sockets registered through c-ares's
 * socket-state callback, as an epoll-based program would).
 */
#include <ares.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>

#include "bench-dns.h"

static long next, done, ok, failed, total;
static ares_channel ch;

static void start_one(void);

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf,
                      int alen)
{
	struct hostent *h = NULL;

	(void)arg;
	(void)timeouts;
	if (status == ARES_SUCCESS &&
	    ares_parse_a_reply(abuf, alen, &h, NULL, NULL) == ARES_SUCCESS &&
	    h && h->h_addr_list[0])
		ok++;
	else
		failed++;
	if (h)
		ares_free_hostent(h);
	done++;
	if (next < total)
		start_one();
}

static void start_one(void)
{
	char name[64];

	bd_name(name, sizeof(name), next++);
	ares_query(ch, name, ns_c_in, ns_t_a, on_answer, NULL);
}

/* One wait-and-process step of a poll(2) loop. */
static void poll_step(void)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	int bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM), n = 0, i;
	struct timeval tv, *tvp;

	for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		if (!ARES_GETSOCK_READABLE(bits, i) &&
		    !ARES_GETSOCK_WRITABLE(bits, i))
			continue;
		pfd[n].fd = socks[i];
		pfd[n].events =
		    (short)((ARES_GETSOCK_READABLE(bits, i) ? POLLIN : 0) |
		            (ARES_GETSOCK_WRITABLE(bits, i) ? POLLOUT : 0));
		pfd[n].revents = 0;
		n++;
	}
	tvp = ares_timeout(ch, NULL, &tv);
	poll(pfd, (nfds_t)n,
	     tvp ? (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000) : 1000);
	for (i = 0; i < n; i++) {
		ares_socket_t r = (pfd[i].revents & (POLLIN | POLLERR))
		                      ? pfd[i].fd
		                      : ARES_SOCKET_BAD;
		ares_socket_t w =
		    (pfd[i].revents & POLLOUT) ? pfd[i].fd : ARES_SOCKET_BAD;

		ares_process_fd(ch, r, w);
	}
	if (n == 0)
		ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

static int epfd = -1;

/* c-ares says which sockets it wants watched; keep epoll in step. */
static void sock_state(void *data, ares_socket_t s, int readable, int writable)
{
	struct epoll_event ev;

	(void)data;
	memset(&ev, 0, sizeof(ev));
	ev.data.fd = s;
	ev.events = (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u);
	if (!readable && !writable)
		epoll_ctl(epfd, EPOLL_CTL_DEL, s, &ev);
	else if (epoll_ctl(epfd, EPOLL_CTL_MOD, s, &ev) < 0)
		epoll_ctl(epfd, EPOLL_CTL_ADD, s, &ev);
}

/* One wait-and-process step of an epoll loop. */
static void epoll_step(void)
{
	struct epoll_event evs[16];
	struct timeval tv, *tvp = ares_timeout(ch, NULL, &tv);
	int n = epoll_wait(epfd, evs, 16,
	                   tvp ? (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000)
	                       : 1000);
	int i;

	for (i = 0; i < n; i++) {
		int fd = evs[i].data.fd;

		ares_process_fd(
		    ch,
		    (evs[i].events & (EPOLLIN | EPOLLERR)) ? fd
		                                           : ARES_SOCKET_BAD,
		    (evs[i].events & EPOLLOUT) ? fd : ARES_SOCKET_BAD);
	}
	if (n <= 0)
		ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

int main(int argc, char **argv)
{
	struct ares_options opt;
	char csv[64];
	int port, inflight, i, optmask;
	const char *loop = getenv("BENCH_CARES_LOOP");
	int use_epoll = loop != NULL && strcmp(loop, "epoll") == 0;
	double t0;

	bd_args(argc, argv, &port, &total, &inflight);
	ares_library_init(ARES_LIB_INIT_ALL);
	memset(&opt, 0, sizeof(opt));
	opt.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	opt.timeout = 2000;
	opt.tries = 3;
	opt.socket_receive_buffer_size = 4194304;
	optmask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	          ARES_OPT_SOCK_RCVBUF;
	if (use_epoll) {
		epfd = epoll_create1(EPOLL_CLOEXEC);
		if (epfd < 0)
			return 1;
		opt.sock_state_cb = sock_state;
		optmask |= ARES_OPT_SOCK_STATE_CB;
	}
	if (ares_init_options(&ch, &opt, optmask) != ARES_SUCCESS)
		return 1;
	snprintf(csv, sizeof(csv), "127.0.0.1:%d", port);
	ares_set_servers_ports_csv(ch, csv);
	t0 = bd_now();
	for (i = 0; i < inflight && next < total; i++)
		start_one();
	while (done < total) {
		if (use_epoll)
			epoll_step();
		else
			poll_step();
	}
	bd_report("c-ares", ok, failed, bd_now() - t0);
	ares_destroy(ch);
	ares_library_cleanup();
	return 0;
}
