/* Server port internals shared by server.c and server_tcp.c. */
#ifndef LIBEV_DNS_SERVER_H
#define LIBEV_DNS_SERVER_H

#include "dns-internal.h"

struct ev__dns_tcp_conn;

struct reply_rr {
	struct reply_rr *next;
	int section;
	uint8_t name[EV__DNS_NAME_MAX];
	uint16_t type, cls;
	uint32_t ttl;
	int is_name;
	size_t datalen;
	uint8_t data[]; /* raw data, or a wire name when is_name */
};

struct server_req {
	struct evdns_server_request pub; /* first: users get &pub */
	struct evdns_server_port *port;
	struct ev__dns_tcp_conn *conn;
	uint16_t id;
	uint16_t qflags;
	int reply_flags;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	size_t max_size; /* largest reply the client takes */
	int edns;
	uint8_t (*qwire)[EV__DNS_NAME_MAX];
	struct reply_rr *rrs, **rrs_tail;
};

size_t ev__dns_build_reply(struct server_req *r, int rcode, uint8_t *buf,
                           size_t cap, int *truncated);

struct evdns_server_port {
	struct event_base *base;
	int fd;
	int tcp;
	struct event ev;
	evdns_request_callback_fn_type cb;
	void *user_data;
	int refcnt; /* 1 while open, +1 per request and TCP connection */
	int closing;
	struct ev__dns_tcp_conn *conns;
	struct event accept_pause; /* TCP: re-arms accepting after EMFILE */
	int accept_warned;         /* TCP: out of descriptors, said once */
	struct evdns_server_stats stats;
	struct ev__dns_udp_batch *udp; /* recvmmsg/sendmmsg state (UDP) */
	uint8_t obuf[65536];
};

void ev__dns_server_handle(struct evdns_server_port *port,
                           struct ev__dns_tcp_conn *conn, const uint8_t *msg,
                           size_t len, const struct sockaddr *from,
                           socklen_t flen);
int ev__dns_udp_init(struct evdns_server_port *port);
void ev__dns_udp_free(struct evdns_server_port *port);
void ev__dns_udp_readable(evutil_socket_t fd, short what, void *arg);
int ev__dns_udp_send(struct evdns_server_port *port, const uint8_t *msg,
                     size_t len, const struct sockaddr *to, socklen_t tolen);
void ev__dns_tcp_accept(evutil_socket_t fd, short what, void *arg);
void ev__dns_tcp_port_init(struct evdns_server_port *port);
void ev__dns_tcp_close_all(struct evdns_server_port *port);
int ev__dns_tcp_conn_send(struct ev__dns_tcp_conn *c, const uint8_t *msg,
                          size_t len);
void ev__dns_tcp_conn_ref(struct ev__dns_tcp_conn *c);
void ev__dns_tcp_conn_unref(struct ev__dns_tcp_conn *c);
void ev__dns_port_unref(struct evdns_server_port *port);

#endif
