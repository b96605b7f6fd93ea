/* Resolver benchmark variant: c-ares (Debian libc-ares-dev), poll loop. */
#include <ares.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>

#include "bench-dns.h"

static long next, done, ok, failed, total;
static ares_channel ch;

static void start_one(void);

static void on_answer(void *arg, int status, int timeouts,
		      unsigned char *abuf, int alen)
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

int main(int argc, char **argv)
{
	struct ares_options opt;
	char csv[64];
	int port, inflight, i;
	double t0;

	bd_args(argc, argv, &port, &total, &inflight);
	ares_library_init(ARES_LIB_INIT_ALL);
	memset(&opt, 0, sizeof(opt));
	opt.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	opt.timeout = 2000;
	opt.tries = 3;
	opt.socket_receive_buffer_size = 4194304;
	if (ares_init_options(&ch, &opt,
			      ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS |
				      ARES_OPT_TRIES |
				      ARES_OPT_SOCK_RCVBUF) != ARES_SUCCESS)
		return 1;
	snprintf(csv, sizeof(csv), "127.0.0.1:%d", port);
	ares_set_servers_ports_csv(ch, csv);
	t0 = bd_now();
	for (i = 0; i < inflight && next < total; i++)
		start_one();
	while (done < total) {
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		struct pollfd pfd[ARES_GETSOCK_MAXNUM];
		int bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM), n = 0;
		struct timeval tv, *tvp;

		for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			if (!ARES_GETSOCK_READABLE(bits, i) &&
			    !ARES_GETSOCK_WRITABLE(bits, i))
				continue;
			pfd[n].fd = socks[i];
			pfd[n].events =
				(short)((ARES_GETSOCK_READABLE(bits, i) ? POLLIN
									: 0) |
					(ARES_GETSOCK_WRITABLE(bits, i) ? POLLOUT
									: 0));
			pfd[n].revents = 0;
			n++;
		}
		tvp = ares_timeout(ch, NULL, &tv);
		poll(pfd, (nfds_t)n,
		     tvp ? (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000)
			 : 1000);
		for (i = 0; i < n; i++) {
			ares_socket_t r = (pfd[i].revents & (POLLIN | POLLERR))
						  ? pfd[i].fd
						  : ARES_SOCKET_BAD;
			ares_socket_t w = (pfd[i].revents & POLLOUT)
						  ? pfd[i].fd
						  : ARES_SOCKET_BAD;

			ares_process_fd(ch, r, w);
		}
		if (n == 0)
			ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	}
	bd_report("c-ares", ok, failed, bd_now() - t0);
	ares_destroy(ch);
	ares_library_cleanup();
	return 0;
}
