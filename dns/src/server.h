/* Server port internals shared by server.c and server_tcp.c. */
#ifndef LIBEV_DNS_SERVER_H
#define LIBEV_DNS_SERVER_H

#include "dns-internal.h"

struct ev__dns_tcp_conn;

struct evdns_server_port {
	struct event_base *base;
	int fd;
	int tcp;
	struct event ev;
	evdns_request_callback_fn_type cb;
	void *user_data;
	int refcnt;   /* 1 while open, +1 per request and TCP connection */
	int closing;
	struct ev__dns_tcp_conn *conns;
	struct evdns_server_stats stats;
	uint8_t ibuf[65536];
	uint8_t obuf[65536];
};

void ev__dns_server_handle(struct evdns_server_port *port,
			   struct ev__dns_tcp_conn *conn, const uint8_t *msg,
			   size_t len, const struct sockaddr *from,
			   socklen_t flen);
void ev__dns_tcp_accept(evutil_socket_t fd, short what, void *arg);
void ev__dns_tcp_close_all(struct evdns_server_port *port);
int ev__dns_tcp_conn_send(struct ev__dns_tcp_conn *c, const uint8_t *msg,
			  size_t len);
void ev__dns_tcp_conn_ref(struct ev__dns_tcp_conn *c);
void ev__dns_tcp_conn_unref(struct ev__dns_tcp_conn *c);
void ev__dns_port_unref(struct evdns_server_port *port);

#endif
