/*
 * DNS over TCP for the resolver (RFC 1035 4.2.2 / RFC 7766): when a UDP
 * reply comes back truncated, the same question is asked again over a
 * fresh TCP connection to the same server, with the two-byte length
 * prefix.  Plain non-blocking sockets and one fd event per request; the
 * request's own timer bounds the whole exchange.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "dns-internal.h"

void ev__dns_tcp_close(struct evdns_request *req)
{
	if (req->tcp_fd < 0)
		return;
	event_del(&req->tcp_ev);
	close(req->tcp_fd);
	req->tcp_fd = -1;
	free(req->tcp_buf);
	req->tcp_buf = NULL;
}

static void tcp_failed(struct evdns_request *req)
{
	ev__dns_tcp_close(req);
	ev__dns_retry_or_fail(req, DNS_ERR_TRUNCATED);
}

static void tcp_io_run(evutil_socket_t fd, struct evdns_request *req);

static void tcp_io(evutil_socket_t fd, short what, void *arg)
{
	struct evdns_request *req = arg;
	struct evdns_base *base = req->base;

	(void)what;
	ev__dns_enter(base);
	tcp_io_run(fd, req);
	ev__dns_leave(base);
}

static void tcp_io_run(evutil_socket_t fd, struct evdns_request *req)
{
	ssize_t n;

	if (!req->tcp_reading) {
		n = write(fd, req->tcp_buf + req->tcp_have,
		          req->tcp_want - req->tcp_have);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			tcp_failed(req);
			return;
		}
		req->tcp_have += (size_t)n;
		if (req->tcp_have < req->tcp_want)
			return;
		/* Query written: read the two-byte length next. */
		req->tcp_reading = 1;
		req->tcp_have = 0;
		req->tcp_want = 2;
		event_del(&req->tcp_ev);
		event_assign(&req->tcp_ev, req->base->ev_base, fd,
		             EV_READ | EV_PERSIST, tcp_io, req);
		event_add(&req->tcp_ev, NULL);
		return;
	}
	n = read(fd, req->tcp_buf + req->tcp_have,
	         req->tcp_want - req->tcp_have);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		tcp_failed(req);
		return;
	}
	req->tcp_have += (size_t)n;
	if (req->tcp_have < req->tcp_want)
		return;
	if (req->tcp_want == 2) {
		size_t len = ev__dns_get_u16(req->tcp_buf);
		uint8_t *nb;

		if (len < EV__DNS_HDR_LEN) {
			req->base->stats.malformed++;
			tcp_failed(req);
			return;
		}
		nb = realloc(req->tcp_buf, 2 + len);
		if (nb == NULL) {
			tcp_failed(req);
			return;
		}
		req->tcp_buf = nb;
		req->tcp_want = 2 + len;
		return;
	}
	{
		/* The connection has served its one question: close it
		 * before handling the reply, which may free the request. */
		uint8_t *msg = req->tcp_buf;
		size_t len = req->tcp_want - 2;

		req->tcp_buf = NULL;
		ev__dns_tcp_close(req);
		req->base->stats.received++;
		ev__dns_handle_reply(req, msg + 2, len, 1);
		free(msg);
	}
}

int ev__dns_tcp_start(struct evdns_request *req)
{
	struct evdns_base *base = req->base;
	struct evdns_nameserver *ns = req->ns;
	uint8_t pkt[EV__DNS_NAME_MAX + 64];
	size_t len;
	int fd;

	ev__dns_tcp_close(req);
	len = ev__dns_build_query(req, pkt, sizeof(pkt), 0);
	if (len == 0)
		return -1;
	fd = socket(ns->addr.ss_family,
	            SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ns->addr, ns->addrlen) < 0 &&
	    errno != EINPROGRESS) {
		int e = errno;

		/* Reached after a truncated answer: what the network sent. */
		ev__dns_log(!ev__dns_errno_from_network(e),
		            "TCP connect to nameserver %d failed: %s",
		            ns->index, strerror(e));
		close(fd);
		errno = e;
		return -1;
	}
	req->tcp_buf = malloc(len + 2);
	if (req->tcp_buf == NULL) {
		close(fd);
		return -1;
	}
	req->tcp_buf[0] = (uint8_t)(len >> 8);
	req->tcp_buf[1] = (uint8_t)len;
	memcpy(req->tcp_buf + 2, pkt, len);
	req->tcp_fd = fd;
	req->tcp_have = 0;
	req->tcp_want = len + 2;
	req->tcp_reading = 0;
	event_assign(&req->tcp_ev, base->ev_base, fd, EV_WRITE | EV_PERSIST,
	             tcp_io, req);
	if (event_add(&req->tcp_ev, NULL) < 0) {
		ev__dns_tcp_close(req);
		return -1;
	}
	base->stats.sent++;
	event_add(&req->timer, &base->timeout);
	return 0;
}
