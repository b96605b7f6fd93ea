/*
 * Queries made while the resolver reads a batch of replies (each answer's
 * callback typically starts the next lookup) are queued here and leave
 * with one sendmmsg(2) per socket when the batch ends.  One send(2) per
 * query wakes the server once per query and lets it preempt us after
 * each; a batch wakes it once and hands it a full receive queue.
 *
 * Only connected sockets are queued (no address to carry).  A socket is
 * never closed with queries of its own still queued: closing flushes.
 */
#include <errno.h>

#include "dns-internal.h"

static void send_group(struct evdns_base *base, int fd, int from, int to)
{
	struct ev__dns_sendq *q = &base->sendq;
	struct mmsghdr msgs[EV__DNS_SENDQ];
	struct iovec iov[EV__DNS_SENDQ];
	int i, n = to - from, done = 0;

	for (i = 0; i < n; i++) {
		iov[i].iov_base = q->pkt[from + i].data;
		iov[i].iov_len = q->pkt[from + i].len;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < n) {
		int r = sendmmsg(fd, msgs + done, (unsigned)(n - done), 0);

		if (r > 0) {
			done += r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		/* A lost query is treated like a lost reply: its request's
		 * timer retries.  Skip the one that failed, try the rest. */
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ENOBUFS) {
			int e = errno;

			ev__dns_log(!ev__dns_errno_from_network(e),
			            "sendmmsg to a nameserver failed: %s",
			            strerror(e));
		}
		done++;
	}
}

void ev__dns_sendq_flush(struct evdns_base *base)
{
	struct ev__dns_sendq *q = &base->sendq;
	int i = 0;

	while (i < q->n) {
		int j = i + 1;

		while (j < q->n && q->pkt[j].fd == q->pkt[i].fd)
			j++;
		send_group(base, q->pkt[i].fd, i, j);
		i = j;
	}
	q->n = 0;
}

void ev__dns_sock_send(struct evdns_base *base, struct ev__dns_sock *s,
                       const struct evdns_nameserver *ns, const uint8_t *pkt,
                       size_t len)
{
	struct ev__dns_sendq *q = &base->sendq;
	ssize_t r;

	if (q->batching && s->connected && len <= sizeof(q->pkt[0].data)) {
		if (q->n == EV__DNS_SENDQ)
			ev__dns_sendq_flush(base);
		q->pkt[q->n].fd = s->fd;
		q->pkt[q->n].len = (uint16_t)len;
		memcpy(q->pkt[q->n].data, pkt, len);
		q->n++;
		return;
	}
	r = s->connected
	        ? send(s->fd, pkt, len, 0)
	        : sendto(s->fd, pkt, len, 0, (const struct sockaddr *)&ns->addr,
	                 ns->addrlen);
	/* A lost send is treated like a lost reply: the timer retries. */
	if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != ENOBUFS) {
		int e = errno;

		ev__dns_log(!ev__dns_errno_from_network(e),
		            "sendto nameserver %d failed: %s", ns->index,
		            strerror(e));
	}
}
