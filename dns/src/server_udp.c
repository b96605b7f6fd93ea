/*
 * UDP for server ports, in batches: recvmmsg(2) reads up to BATCH
 * queries per system call, and replies made while those are handled are
 * queued and sent with one sendmmsg(2).  Replies made later (a callback
 * that answers asynchronously) go out at once with sendto(2).  Under load
 * this divides the per-packet system call cost by the batch size.
 */
#include <errno.h>
#include <stdlib.h>

#include "server.h"

#define BATCH 32
#define SLOT  4096 /* a query larger than this is malformed anyway */

struct ev__dns_udp_batch {
	int batching;  /* handling a batch: queue replies */
	unsigned nout; /* replies queued */
	struct mmsghdr in[BATCH], out[BATCH];
	struct iovec iin[BATCH], iout[BATCH];
	struct sockaddr_storage from[BATCH], to[BATCH];
	uint8_t ibuf[BATCH][SLOT];
	uint8_t obuf[BATCH][SLOT];
};

int ev__dns_udp_init(struct evdns_server_port *port)
{
	struct ev__dns_udp_batch *b = calloc(1, sizeof(*b));
	int i;

	if (b == NULL)
		return -1;
	for (i = 0; i < BATCH; i++) {
		b->iin[i].iov_base = b->ibuf[i];
		b->iin[i].iov_len = SLOT;
		b->iout[i].iov_base = b->obuf[i];
	}
	port->udp = b;
	return 0;
}

void ev__dns_udp_free(struct evdns_server_port *port)
{
	free(port->udp);
	port->udp = NULL;
}

static void flush(struct evdns_server_port *port)
{
	struct ev__dns_udp_batch *b = port->udp;
	unsigned done = 0;

	while (done < b->nout) {
		int n = sendmmsg(port->fd, b->out + done, b->nout - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* Socket buffer full or an error for the first
			 * reply: count it as lost and go on with the rest,
			 * the way a single sendto() would have failed.
			 * What the network did: debug only. */
			if (n < 0)
				ev__dns_log(0, "server reply not sent: %s",
				            strerror(errno));
			port->stats.answered--;
			port->stats.dropped++;
			done++;
			continue;
		}
		done += (unsigned)n;
	}
	b->nout = 0;
}

int ev__dns_udp_send(struct evdns_server_port *port, const uint8_t *msg,
                     size_t len, const struct sockaddr *to, socklen_t tolen)
{
	struct ev__dns_udp_batch *b = port->udp;
	unsigned k;

	if (b == NULL || !b->batching || len > SLOT || tolen > sizeof(b->to[0]))
		return sendto(port->fd, msg, len, 0, to, tolen) < 0 ? -1 : 0;
	k = b->nout++;
	memcpy(b->obuf[k], msg, len);
	memcpy(&b->to[k], to, tolen);
	b->iout[k].iov_len = len;
	memset(&b->out[k], 0, sizeof(b->out[k]));
	b->out[k].msg_hdr.msg_name = &b->to[k];
	b->out[k].msg_hdr.msg_namelen = tolen;
	b->out[k].msg_hdr.msg_iov = &b->iout[k];
	b->out[k].msg_hdr.msg_iovlen = 1;
	if (b->nout == BATCH)
		flush(port);
	return 0;
}

void ev__dns_udp_readable(evutil_socket_t fd, short what, void *arg)
{
	struct evdns_server_port *port = arg;
	struct ev__dns_udp_batch *b = port->udp;
	int round;

	(void)what;
	port->refcnt++; /* a callback may close the port */
	/* Bounded so one busy port cannot starve the rest of the loop. */
	for (round = 0; round < 8 && !port->closing; round++) {
		int i, n;

		for (i = 0; i < BATCH; i++) {
			memset(&b->in[i].msg_hdr, 0, sizeof(b->in[i].msg_hdr));
			b->in[i].msg_hdr.msg_name = &b->from[i];
			b->in[i].msg_hdr.msg_namelen = sizeof(b->from[i]);
			b->in[i].msg_hdr.msg_iov = &b->iin[i];
			b->in[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, b->in, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		b->batching = 1;
		for (i = 0; i < n && !port->closing; i++) {
			size_t len = b->in[i].msg_len;

			/* A datagram cut to the slot size would be parsed
			 * as if it were complete: count it and drop it. */
			if (b->in[i].msg_hdr.msg_flags & MSG_TRUNC) {
				port->stats.received++;
				port->stats.dropped++;
				continue;
			}
			ev__dns_server_handle(port, NULL, b->ibuf[i], len,
			                      (struct sockaddr *)&b->from[i],
			                      b->in[i].msg_hdr.msg_namelen);
		}
		b->batching = 0;
		if (!port->closing)
			flush(port);
		else
			b->nout = 0;
		if (n < BATCH)
			break;
	}
	ev__dns_port_unref(port);
}
