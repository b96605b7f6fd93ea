/*
 * libev-http internals shared by the server, the client and the request
 * code.  Only libev-core's public headers are used.
 */
#ifndef LIBEV_HTTP_INTERNAL_H
#define LIBEV_HTTP_INTERNAL_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <event.h>
#include "evhttp.h"
#include "parser.h"

/* Defaults documented in evhttp.h. */
#define EV__HTTP_DEFAULT_TIMEOUT         60
#define EV__HTTP_DEFAULT_REQUEST_TIMEOUT 30
#define EV__HTTP_DEFAULT_MAX_BODY        (16 * 1024 * 1024)
#define EV__HTTP_DEFAULT_MAX_CONNECTIONS 10000
#define EV__HTTP_DEFAULT_CONNECT_TIMEOUT 45
#define EV__HTTP_DEFAULT_IO_TIMEOUT      50
/* Input held for a pipelined request while the previous one is answered. */
#define EV__HTTP_PIPELINE_HIGHWATER (64 * 1024)
/* After an error reply, how long and how much we keep reading (and
 * discarding) so the close does not turn into a reset that destroys the
 * reply in the client's receive buffer. */
#define EV__HTTP_LINGER_SECS  2
#define EV__HTTP_LINGER_BYTES (1024 * 1024)

TAILQ_HEAD(ev__http_reqq, evhttp_request_private);

struct evhttp_request_private {
	struct evhttp_request *req; /* back pointer */
	TAILQ_ENTRY(evhttp_request_private) link;
	struct evhttp_connection *evcon;
	struct evkeyvalq in_hdrs, out_hdrs;

	evhttp_request_cb cb;
	void *cb_arg;
	evhttp_request_cb chunk_cb;
	int (*header_cb)(struct evhttp_request *, void *);
	void (*error_cb)(enum evhttp_request_error, void *);
	void (*write_done_cb)(struct evhttp_connection *, void *);
	void *write_done_arg;

	char *host_cache;
	/* Kept by ev__http_request_recycle() for the next request on the
	 * connection, so keep-alive requests need no malloc for them:
	 * the previous target buffer (uri_cap bytes) and reason phrase. */
	char *uri_spare;
	size_t uri_cap;
	char *line_spare;
	unsigned owned : 1;
	unsigned queued : 1;       /* client: in evcon->requests */
	unsigned sent : 1;         /* client: written to the socket */
	unsigned got_response : 1; /* client: response bytes arrived */
	unsigned cancelled : 1;
	unsigned reply_started : 1; /* server: head written */
	unsigned reply_chunked : 1; /* server: chunked framing */
	unsigned reply_done : 1;    /* server: whole reply queued */
	unsigned body_done : 1;     /* request body fully received */
	unsigned dispatched : 1;    /* server: handler called */
	unsigned keepalive : 1;
	unsigned orphan : 1; /* server: connection gone, app still holds it */
};

struct evhttp_cb {
	TAILQ_ENTRY(evhttp_cb) link;
	char *path;
	evhttp_request_cb cb;
	void *arg;
};

struct evhttp_bound_socket {
	TAILQ_ENTRY(evhttp_bound_socket) link;
	struct evconnlistener *listener;
};

enum ev__conn_state {
	EVCON_IDLE,       /* server: waiting for a request; client: unused */
	EVCON_CONNECTING, /* client */
	EVCON_READING,    /* reading a message head or body */
	EVCON_DISPATCHED, /* server: handler owns the request */
	EVCON_LINGER,     /* server: error reply sent, discarding input */
	EVCON_CLOSED
};

struct evhttp_connection {
	TAILQ_ENTRY(evhttp_connection) link; /* in http->conns */
	struct evhttp *http;                 /* server side, else NULL */
	struct event_base *base;
	struct evdns_base *dns;
	struct bufferevent *bev;
	enum ev__conn_state state;

	char *address; /* peer (server side) or target host (client) */
	ev_uint16_t port;
	char *bind_address;

	struct ev__http_parser parser;
	struct ev__http_reqq requests;  /* server: current; client: queue */
	struct evhttp_request *reading; /* the message being parsed */
	struct evhttp_request *spare;   /* server: a finished one, for reuse */

	struct event *timer; /* request head (408), connect, retry, linger */
	struct event *defer; /* runs deferred work from the loop */
	struct timeval timeout_tv; /* server: idle/read/write */
	struct timeval connect_tv, read_tv, write_tv, retry_tv;
	int retry_max, retry_cnt;
	size_t linger_bytes;
	int timer_kind;
	/* server: the timer is left armed between keep-alive requests (see
	 * srv_timer_set()); deadline of the current kind and expiry of the
	 * armed timer, CLOCK_MONOTONIC_COARSE milliseconds. */
	int64_t timer_deadline, timer_expiry;
	int timer_armed;

	size_t max_head;
	uint64_t max_body;

	void (*closecb)(struct evhttp_connection *, void *);
	void *closecb_arg;

	int busy; /* inside a user callback: free later */
	unsigned free_pending : 1;
	unsigned destroy_pending : 1;
	unsigned close_after : 1; /* close once the current reply is out */
	unsigned read_eof : 1;
	unsigned connected : 1;
	unsigned resolving : 1;
	struct evdns_getaddrinfo_request *dns_req;
	void *resolve_ctx;
	/* client: why the last attempt failed, logged once the request is
	 * given up (not on every retry).  fail_err is an errno value, or
	 * with fail_gai set an EVUTIL_EAI_* code. */
	const char *fail_what;
	int fail_err;
	unsigned fail_gai : 1;
};

struct evhttp {
	struct event_base *base;
	TAILQ_HEAD(, evhttp_bound_socket) sockets;
	TAILQ_HEAD(, evhttp_cb) callbacks;
	TAILQ_HEAD(, evhttp_connection) conns;
	int nconns;
	int max_conns;
	int accept_paused;

	evhttp_request_cb gencb;
	void *gencb_arg;
	int (*header_cb)(struct evhttp_request *, void *);
	void *header_cb_arg;

	struct timeval timeout_tv;
	struct timeval request_tv;
	size_t max_head;
	size_t max_uri;
	uint64_t max_body;
	ev_uint16_t allowed;

	long date_sec;
	char date[64];
};

/* util.c */
int ev__http_is_token(const char *s, size_t n);
int ev__http_valid_value(const char *v);
/* req->uri = a copy of the n bytes at s (NUL added), reusing the buffer
 * of the previous request on the connection when it is large enough. */
int ev__http_request_set_uri(struct evhttp_request *req, const char *s,
                             size_t n);
/* req->response_code_line = a copy of reason, likewise. */
int ev__http_request_set_line(struct evhttp_request *req, const char *reason);
int ev__http_add_header_n(struct evkeyvalq *headers, const char *key,
                          size_t klen, const char *value, size_t vlen);

/* request.c */
struct evhttp_request *ev__http_request_new(void);
void ev__http_request_free(struct evhttp_request *req);
/* Empties a finished request for reuse on the same connection. */
void ev__http_request_recycle(struct evhttp_request *req);
const char *ev__http_method_name(enum evhttp_cmd_type type);
int ev__http_method_parse(const char *m, enum evhttp_cmd_type *type);
const char *ev__http_reason(int code);
/* Copies the parsed head into req (version, fields). */
int ev__http_request_take_head(struct evhttp_request *req,
                               const struct ev__http_parser *p);

/* server.c */
void ev__http_server_conn_closed(struct evhttp *http,
                                 struct evhttp_connection *evcon);
const char *ev__http_date(struct evhttp *http);

/* conn.c */
struct evhttp_connection *ev__http_conn_new(struct event_base *base);
void ev__http_conn_destroy(struct evhttp_connection *evcon);
void ev__http_conn_defer(struct evhttp_connection *evcon);
int ev__http_server_conn_start(struct evhttp *http, evutil_socket_t fd,
                               const struct sockaddr *sa, int salen);
void ev__http_server_reply_progress(struct evhttp_connection *evcon);

/* client.c: numeric addresses and "localhost", no lookups. */
int ev__http_resolve_numeric(const char *host, ev_uint16_t port,
                             struct sockaddr_storage *ss, socklen_t *len);

/* Base of the 1.3 "current base" (event_init()), through public API. */
struct event_base *ev__http_current_base(void);

#endif /* LIBEV_HTTP_INTERNAL_H */
