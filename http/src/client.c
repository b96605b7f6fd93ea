/*
 * Client connections: queue requests, connect (with retries), pipeline
 * the queue on a keep-alive connection, parse responses in order.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev-bufferevent.h>
#ifdef LIBEV_HTTP_HAVE_DNS
#include <netdb.h>
#include <evdns.h>
#endif
#include "http-internal.h"

void ev__http_client_defer(struct evhttp_connection *evcon);
void ev__http_client_fail_all(struct evhttp_connection *evcon,
                              enum evhttp_request_error err);
void ev__http_client_cancel_lookup(struct evhttp_connection *evcon);

enum { TIMER_NONE, TIMER_CONNECT, TIMER_RETRY };

static void cli_connect(struct evhttp_connection *evcon);
static void cli_lost(struct evhttp_connection *evcon,
                     enum evhttp_request_error err);

/* Remembers why this attempt failed, for the message logged if the
 * request is given up; err is an errno value or 0. */
static void cli_note(struct evhttp_connection *evcon, const char *what, int err)
{
	evcon->fail_what = what;
	evcon->fail_err = err;
	evcon->fail_gai = 0;
}

static const char *cli_err_text(const struct evhttp_connection *evcon)
{
	if (!evcon->fail_err)
		return "";
#ifdef LIBEV_HTTP_HAVE_DNS
	if (evcon->fail_gai)
		return evcon->fail_err == EVUTIL_EAI_CANCEL
		           ? "cancelled"
		           : gai_strerror(evcon->fail_err);
#endif
	return strerror(evcon->fail_err);
}

/* Once per failed request, when no retry is left: the program gets the
 * error callback too, the log says why. */
static void cli_log_failure(const struct evhttp_connection *evcon,
                            const struct evhttp_request *req)
{
	const char *err = cli_err_text(evcon);

	evutil_log(EVENT_LOG_WARN,
	           "evhttp: %s %s to %s:%u failed after %d attempt%s: %s%s%s",
	           ev__http_method_name(req->type), req->uri, evcon->address,
	           (unsigned)evcon->port, evcon->retry_cnt + 1,
	           evcon->retry_cnt ? "s" : "",
	           evcon->fail_what ? evcon->fail_what : "connection lost",
	           *err ? ": " : "", err);
}

/* Resolution without a DNS base: numeric addresses and "localhost". */
int ev__http_resolve_numeric(const char *host, ev_uint16_t port,
                             struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(host);

	memset(ss, 0, sizeof(*ss));
	/* "[::1]" is how an IPv6 literal appears in URLs and Host. */
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' &&
	    n - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		host = buf;
	}
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

static void cli_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)fd;
	(void)what;
	if (evcon->timer_kind == TIMER_CONNECT) {
		evcon->timer_kind = TIMER_NONE;
		cli_note(evcon,
		         evcon->resolving ? "name lookup timed out"
		                          : "connect timed out",
		         0);
		ev__http_client_cancel_lookup(evcon);
		cli_lost(evcon, EVREQ_HTTP_TIMEOUT);
	} else if (evcon->timer_kind == TIMER_RETRY) {
		evcon->timer_kind = TIMER_NONE;
		cli_connect(evcon);
	}
}

struct evhttp_connection *evhttp_connection_base_new(struct event_base *base,
                                                     struct evdns_base *dnsbase,
                                                     const char *address,
                                                     ev_uint16_t port)
{
	struct evhttp_connection *evcon;

	if (!base || !address)
		return NULL;
	evcon = ev__http_conn_new(base);
	if (!evcon)
		return NULL;
	evcon->address = strdup(address);
	evcon->timer = evtimer_new(base, cli_timer_cb, evcon);
	if (!evcon->address || !evcon->timer) {
		ev__http_conn_destroy(evcon);
		return NULL;
	}
	evcon->port = port;
	evcon->dns = dnsbase;
	evcon->connect_tv.tv_sec = EV__HTTP_DEFAULT_CONNECT_TIMEOUT;
	evcon->read_tv.tv_sec = EV__HTTP_DEFAULT_IO_TIMEOUT;
	evcon->write_tv.tv_sec = EV__HTTP_DEFAULT_IO_TIMEOUT;
	evcon->retry_tv.tv_sec = 2;
	evcon->max_head = 16 * 1024;
	evcon->max_body = UINT64_MAX;
	ev__http_parser_init(&evcon->parser, EV__HTTP_PARSE_RESPONSE);
	evcon->state = EVCON_IDLE;
	return evcon;
}

struct evhttp_connection *evhttp_connection_new(const char *address,
                                                ev_uint16_t port)
{
	return evhttp_connection_base_new(ev__http_current_base(), NULL,
	                                  address, port);
}

void evhttp_connection_set_base(struct evhttp_connection *evcon,
                                struct event_base *base)
{
	struct event *t, *d;

	if (!base || evcon->bev || !TAILQ_EMPTY(&evcon->requests))
		return;
	t = evtimer_new(base, cli_timer_cb, evcon);
	d = event_new(base, -1, 0, event_get_callback(evcon->defer), evcon);
	if (!t || !d) {
		if (t)
			event_free(t);
		if (d)
			event_free(d);
		return;
	}
	event_free(evcon->timer);
	event_free(evcon->defer);
	evcon->timer = t;
	evcon->defer = d;
	evcon->base = base;
}

void evhttp_connection_free(struct evhttp_connection *evcon)
{
	if (evcon)
		ev__http_conn_destroy(evcon);
}

static int tv_ok(const struct timeval *tv)
{
	return tv && (tv->tv_sec > 0 || tv->tv_usec > 0);
}

void evhttp_connection_set_timeout(struct evhttp_connection *evcon, int secs)
{
	struct timeval tv = {secs, 0};

	if (secs <= 0) {
		evcon->connect_tv.tv_sec = EV__HTTP_DEFAULT_CONNECT_TIMEOUT;
		evcon->connect_tv.tv_usec = 0;
		evcon->read_tv.tv_sec = EV__HTTP_DEFAULT_IO_TIMEOUT;
		evcon->read_tv.tv_usec = 0;
		evcon->write_tv = evcon->read_tv;
		return;
	}
	evhttp_connection_set_timeout_tv(evcon, &tv);
}

void evhttp_connection_set_timeout_tv(struct evhttp_connection *evcon,
                                      const struct timeval *tv)
{
	if (!tv_ok(tv)) {
		evhttp_connection_set_timeout(evcon, -1);
		return;
	}
	evcon->connect_tv = *tv;
	evcon->read_tv = *tv;
	evcon->write_tv = *tv;
	if (evcon->bev && evcon->connected)
		bufferevent_set_timeouts(evcon->bev, &evcon->read_tv,
		                         &evcon->write_tv);
}

void evhttp_connection_set_connect_timeout_tv(struct evhttp_connection *evcon,
                                              const struct timeval *tv)
{
	if (tv_ok(tv))
		evcon->connect_tv = *tv;
}

void evhttp_connection_set_read_timeout_tv(struct evhttp_connection *evcon,
                                           const struct timeval *tv)
{
	if (tv_ok(tv))
		evcon->read_tv = *tv;
}

void evhttp_connection_set_write_timeout_tv(struct evhttp_connection *evcon,
                                            const struct timeval *tv)
{
	if (tv_ok(tv))
		evcon->write_tv = *tv;
}

void evhttp_connection_set_retries(struct evhttp_connection *evcon,
                                   int retry_max)
{
	evcon->retry_max = retry_max;
}

void evhttp_connection_set_initial_retry_tv(struct evhttp_connection *evcon,
                                            const struct timeval *tv)
{
	if (tv_ok(tv))
		evcon->retry_tv = *tv;
}

void evhttp_connection_set_max_headers_size(struct evhttp_connection *evcon,
                                            ev_ssize_t n)
{
	evcon->max_head = n > 0 ? (size_t)n : 16 * 1024;
}

void evhttp_connection_set_max_body_size(struct evhttp_connection *evcon,
                                         ev_ssize_t n)
{
	evcon->max_body = n >= 0 ? (uint64_t)n : UINT64_MAX;
}

/* ---- completing and failing requests --------------------------------- */

static void cli_dequeue(struct evhttp_connection *evcon,
                        struct evhttp_request *req)
{
	if (req->priv->queued) {
		TAILQ_REMOVE(&evcon->requests, req->priv, link);
		req->priv->queued = 0;
	}
}

/* Runs the failure callbacks of req (unless cancelled) and frees it. */
static void cli_fail_req(struct evhttp_connection *evcon,
                         struct evhttp_request *req,
                         enum evhttp_request_error err)
{
	struct evhttp_request_private *p = req->priv;

	cli_dequeue(evcon, req);
	evcon->busy++;
	if (!p->cancelled) {
		if (p->error_cb)
			p->error_cb(err, p->cb_arg);
		if (p->cb)
			p->cb(NULL, p->cb_arg);
	}
	evcon->busy--;
	if (!p->owned || p->cancelled)
		ev__http_request_free(req);
	else
		p->evcon = NULL;
}

void ev__http_client_fail_all(struct evhttp_connection *evcon,
                              enum evhttp_request_error err)
{
	struct evhttp_request_private *p;

	(void)err;
	/* Freeing the connection frees what it still holds without calling
	 * back into the program, which is tearing things down. */
	while ((p = TAILQ_FIRST(&evcon->requests)) != NULL) {
		TAILQ_REMOVE(&evcon->requests, p, link);
		p->queued = 0;
		if (p->owned)
			p->evcon = NULL;
		else
			ev__http_request_free(p->req);
	}
}

static void cli_close(struct evhttp_connection *evcon)
{
	struct evhttp_request_private *p;

	if (evcon->bev) {
		bufferevent_free(evcon->bev);
		evcon->bev = NULL;
	}
	event_del(evcon->timer);
	evcon->timer_kind = TIMER_NONE;
	evcon->state = EVCON_IDLE;
	ev__http_parser_reset(&evcon->parser);
	TAILQ_FOREACH(p, &evcon->requests, link)
	{
		p->sent = 0;
		p->got_response = 0;
		evbuffer_drain(p->req->input_buffer,
		               evbuffer_get_length(p->req->input_buffer));
		evhttp_clear_headers(p->req->input_headers);
	}
	if (evcon->connected) {
		evcon->connected = 0;
		if (evcon->closecb) {
			evcon->busy++;
			evcon->closecb(evcon, evcon->closecb_arg);
			evcon->busy--;
		}
	}
}

/* The connection broke (or timed out): retry or fail the head request. */
static void cli_lost(struct evhttp_connection *evcon,
                     enum evhttp_request_error err)
{
	struct evhttp_request_private *first = TAILQ_FIRST(&evcon->requests);
	int got = first && first->got_response;

	cli_close(evcon);
	if (evcon->destroy_pending || !first)
		return;
	if (!got &&
	    (evcon->retry_max < 0 || evcon->retry_cnt < evcon->retry_max)) {
		struct timeval tv = evcon->retry_tv;
		int i;

		/* Back off exponentially, capped at a minute. */
		for (i = 0; i < evcon->retry_cnt && tv.tv_sec < 60; i++) {
			tv.tv_sec *= 2;
			tv.tv_usec *= 2;
			if (tv.tv_usec >= 1000000) {
				tv.tv_sec += tv.tv_usec / 1000000;
				tv.tv_usec %= 1000000;
			}
		}
		evutil_log(EVENT_LOG_DEBUG,
		           "evhttp: %s:%u: %s; retrying in %ld.%06lds",
		           evcon->address, (unsigned)evcon->port,
		           evcon->fail_what ? evcon->fail_what
		                            : "connection lost",
		           (long)tv.tv_sec, (long)tv.tv_usec);
		evcon->retry_cnt++;
		evcon->timer_kind = TIMER_RETRY;
		event_add(evcon->timer, &tv);
		return;
	}
	cli_log_failure(evcon, first->req);
	evcon->retry_cnt = 0;
	cli_fail_req(evcon, first->req, err);
	if (evcon->destroy_pending)
		return;
	if (!TAILQ_EMPTY(&evcon->requests))
		cli_connect(evcon);
}

/* ---- sending ----------------------------------------------------------- */

static void cli_write_request(struct evhttp_connection *evcon,
                              struct evhttp_request *req)
{
	struct evbuffer *out = bufferevent_get_output(evcon->bev);
	struct evkeyval *kv;
	size_t len = evbuffer_get_length(req->output_buffer);
	struct evbuffer_iovec vec[16];
	struct evbuffer_ptr pos;
	int n, i;

	evbuffer_add_printf(out, "%s %s HTTP/1.1\r\n",
	                    ev__http_method_name(req->type), req->uri);
	TAILQ_FOREACH(kv, req->output_headers, next)
	{
		if (!ev__http_is_token(kv->key, strlen(kv->key)) ||
		    !ev__http_valid_value(kv->value))
			continue;
		evbuffer_add_printf(out, "%s: %s\r\n", kv->key, kv->value);
	}
	evbuffer_add(out, "\r\n", 2);
	/* Copy the body without draining it: a retry sends it again. */
	evbuffer_ptr_set(req->output_buffer, &pos, 0, EVBUFFER_PTR_SET);
	while (len > 0) {
		size_t done = 0;

		n = evbuffer_peek(req->output_buffer, (ev_ssize_t)len, &pos,
		                  vec, 16);
		if (n <= 0)
			break;
		if (n > 16)
			n = 16;
		for (i = 0; i < n && done < len; i++) {
			size_t l = vec[i].iov_len;

			if (l > len - done)
				l = len - done;
			evbuffer_add(out, vec[i].iov_base, l);
			done += l;
		}
		len -= done;
		if (evbuffer_ptr_set(req->output_buffer, &pos, done,
		                     EVBUFFER_PTR_ADD) < 0)
			break;
	}
	req->priv->sent = 1;
}

static void cli_send_pending(struct evhttp_connection *evcon)
{
	struct evhttp_request_private *p;

	if (!evcon->connected || !evcon->bev)
		return;
	TAILQ_FOREACH(p, &evcon->requests, link)
	if (!p->sent)
		cli_write_request(evcon, p->req);
}

static void cli_read_cb(struct bufferevent *bev, void *arg);
static void cli_write_cb(struct bufferevent *bev, void *arg);
static void cli_event_cb(struct bufferevent *bev, short what, void *arg);

static void cli_connect_to(struct evhttp_connection *evcon,
                           const struct sockaddr *sa, socklen_t len)
{
	evcon->fail_what = NULL;
	evcon->bev =
	    bufferevent_socket_new(evcon->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!evcon->bev) {
		evutil_log(EVENT_LOG_ERR,
		           "evhttp: %s:%u: out of memory for a connection",
		           evcon->address, (unsigned)evcon->port);
		cli_note(evcon, "out of memory", ENOMEM);
		evcon->state = EVCON_CLOSED;
		ev__http_conn_defer(evcon);
		return;
	}
	bufferevent_setcb(evcon->bev, cli_read_cb, cli_write_cb, cli_event_cb,
	                  evcon);
	evcon->state = EVCON_CONNECTING;
	evcon->timer_kind = TIMER_CONNECT;
	event_add(evcon->timer, &evcon->connect_tv);
	if (bufferevent_socket_connect(evcon->bev, sa, (int)len) < 0) {
		/* Reported from the loop, like any other failure. */
		cli_note(evcon, "connect failed", errno);
		evcon->state = EVCON_CLOSED;
		ev__http_conn_defer(evcon);
	}
}

#ifdef LIBEV_HTTP_HAVE_DNS
/*
 * The lookup context outlives the connection if the connection is freed
 * while the lookup runs: the callback then only frees the context.
 */
struct resolve_ctx {
	struct evhttp_connection *evcon;
};

static void cli_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
	struct resolve_ctx *ctx = arg;
	struct evhttp_connection *evcon = ctx->evcon;

	free(ctx);
	if (!evcon) {
		if (res)
			evdns_freeaddrinfo(res);
		return;
	}
	evcon->resolve_ctx = NULL;
	evcon->dns_req = NULL;
	evcon->resolving = 0;
	event_del(evcon->timer);
	evcon->timer_kind = TIMER_NONE;
	if (result != 0 || !res) {
		if (res)
			evdns_freeaddrinfo(res);
		cli_note(evcon, "name lookup failed", result);
		evcon->fail_gai = result != 0;
		/* Possibly called from inside evhttp_make_request(): report
		 * from the loop. */
		evcon->state = EVCON_CLOSED;
		ev__http_conn_defer(evcon);
		return;
	}
	cli_connect_to(evcon, res->ai_addr, res->ai_addrlen);
	evdns_freeaddrinfo(res);
}

void ev__http_client_cancel_lookup(struct evhttp_connection *evcon)
{
	struct resolve_ctx *ctx = evcon->resolve_ctx;

	if (!ctx)
		return;
	ctx->evcon = NULL;
	evcon->resolve_ctx = NULL;
	evcon->resolving = 0;
	if (evcon->dns_req)
		evdns_getaddrinfo_cancel(evcon->dns_req);
	evcon->dns_req = NULL;
}
#else
void ev__http_client_cancel_lookup(struct evhttp_connection *evcon)
{
	(void)evcon;
}
#endif

static void cli_connect(struct evhttp_connection *evcon)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (evcon->bev || evcon->resolving || TAILQ_EMPTY(&evcon->requests))
		return;
	if (ev__http_resolve_numeric(evcon->address, evcon->port, &ss, &len) ==
	    0) {
		cli_connect_to(evcon, (struct sockaddr *)&ss, len);
		return;
	}
#ifdef LIBEV_HTTP_HAVE_DNS
	if (evcon->dns) {
		struct evutil_addrinfo hints;
		struct resolve_ctx *ctx = calloc(1, sizeof(*ctx));
		struct evdns_getaddrinfo_request *r;
		char port[8];

		if (!ctx) {
			evutil_log(EVENT_LOG_ERR,
			           "evhttp: %s:%u: out of memory for a name "
			           "lookup",
			           evcon->address, (unsigned)evcon->port);
			cli_note(evcon, "out of memory", ENOMEM);
			goto fail;
		}
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		snprintf(port, sizeof(port), "%u", evcon->port);
		ctx->evcon = evcon;
		evcon->resolve_ctx = ctx;
		evcon->resolving = 1;
		evcon->state = EVCON_CONNECTING;
		/* The connect timeout covers the lookup too. */
		evcon->timer_kind = TIMER_CONNECT;
		event_add(evcon->timer, &evcon->connect_tv);
		r = evdns_getaddrinfo(evcon->dns, evcon->address, port, &hints,
		                      cli_resolved, ctx);
		/* NULL: the callback already ran (and may have connected). */
		if (r && evcon->resolving)
			evcon->dns_req = r;
		return;
	}
	cli_note(evcon, "not a numeric address, and no DNS base to look it up",
	         0);
fail:
#else
	cli_note(evcon,
	         "not a numeric address (libev-http built without libev-dns)",
	         0);
#endif
	/* A name, and no DNS base to look it up with. */
	evcon->state = EVCON_CLOSED;
	ev__http_conn_defer(evcon);
}

void ev__http_client_defer(struct evhttp_connection *evcon)
{
	/* A connect that failed before reaching the network. */
	if (evcon->state == EVCON_CLOSED)
		cli_lost(evcon, EVREQ_HTTP_EOF);
}

int evhttp_make_request(struct evhttp_connection *evcon,
                        struct evhttp_request *req, enum evhttp_cmd_type type,
                        const char *uri)
{
	const char *m = ev__http_method_name(type);
	size_t blen;
	const char *u;

	if (!evcon || !req)
		return -1;
	/* The target goes on the request line: refuse anything that could
	 * end it early or add a line. */
	for (u = uri; u && *u; u++)
		if ((unsigned char)*u <= 0x20 || *u == 0x7f)
			break;
	if (!m || !uri || !*uri || *u) {
		evutil_log(EVENT_LOG_WARN, "evhttp_make_request: %s (to %s:%u)",
		           !m ? "unknown method"
		              : "empty request target, or one with spaces or "
		                "control characters",
		           evcon->address, (unsigned)evcon->port);
		ev__http_request_free(req);
		return -1;
	}
	req->kind = EVHTTP_RESPONSE;
	req->type = type;
	free(req->uri);
	req->uri = strdup(uri);
	if (!req->uri) {
		ev__http_request_free(req);
		return -1;
	}
	if (!evhttp_find_header(req->output_headers, "Host")) {
		char host[300];
		int v6 = strchr(evcon->address, ':') != NULL &&
		         evcon->address[0] != '[';

		if (evcon->port == 80)
			snprintf(host, sizeof(host), v6 ? "[%s]" : "%s",
			         evcon->address);
		else
			snprintf(host, sizeof(host), v6 ? "[%s]:%u" : "%s:%u",
			         evcon->address, evcon->port);
		evhttp_add_header(req->output_headers, "Host", host);
	}
	/* We frame the body ourselves: a caller's framing fields could
	 * contradict it. */
	while (evhttp_remove_header(req->output_headers, "Content-Length") == 0)
		;
	while (evhttp_remove_header(req->output_headers, "Transfer-Encoding") ==
	       0)
		;
	blen = evbuffer_get_length(req->output_buffer);
	if (blen > 0 || type == EVHTTP_REQ_POST || type == EVHTTP_REQ_PUT ||
	    type == EVHTTP_REQ_PATCH) {
		char num[32];

		snprintf(num, sizeof(num), "%zu", blen);
		evhttp_add_header(req->output_headers, "Content-Length", num);
	}
	req->priv->evcon = evcon;
	req->priv->queued = 1;
	req->priv->sent = 0;
	TAILQ_INSERT_TAIL(&evcon->requests, req->priv, link);
	if (evcon->connected)
		cli_send_pending(evcon);
	else if (!evcon->bev && evcon->timer_kind != TIMER_RETRY)
		cli_connect(evcon);
	return 0;
}

void evhttp_cancel_request(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = req ? req->priv->evcon : NULL;
	int on_wire;

	if (!req || !req->priv->queued || !evcon) {
		return;
	}
	on_wire = req->priv->sent;
	cli_dequeue(evcon, req);
	ev__http_request_free(req);
	if (on_wire) {
		/* Its response may be arriving: the only way to skip it is to
		 * drop the connection; the others are sent again. */
		cli_close(evcon);
		if (!evcon->destroy_pending && !TAILQ_EMPTY(&evcon->requests))
			cli_connect(evcon);
	}
}

/* ---- receiving --------------------------------------------------------- */

static int cli_complete(struct evhttp_connection *evcon,
                        struct evhttp_request *req)
{
	struct ev__http_parser *p = &evcon->parser;
	int keep = p->minor >= 1 ? !p->conn_close
	                         : (p->conn_keepalive && !p->conn_close);
	struct evhttp_request_private *priv = req->priv;

	if (p->framing == EV__HTTP_BODY_EOF)
		keep = 0;
	cli_dequeue(evcon, req);
	ev__http_parser_reset(&evcon->parser);
	evcon->retry_cnt = 0;
	evcon->busy++;
	if (priv->cb)
		priv->cb(req, priv->cb_arg);
	evcon->busy--;
	if (!priv->owned)
		ev__http_request_free(req);
	else
		priv->evcon = NULL;
	if (evcon->destroy_pending)
		return -1;
	if (!keep) {
		cli_close(evcon);
		if (evcon->destroy_pending)
			return -1;
		if (!TAILQ_EMPTY(&evcon->requests))
			cli_connect(evcon);
		return -1;
	}
	return 0;
}

static void cli_process(struct evhttp_connection *evcon)
{
	struct evbuffer *in;

	while (evcon->bev) {
		struct evhttp_request_private *first =
		    TAILQ_FIRST(&evcon->requests);
		struct evhttp_request *req;
		struct ev__http_parser *p = &evcon->parser;
		struct evbuffer_iovec v;
		const char *body;
		size_t used, blen;
		enum ev__http_result r;

		in = bufferevent_get_input(evcon->bev);
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			v.iov_len = 0;
		if (!first || !first->sent) {
			if (v.iov_len == 0)
				return;
			/* Bytes nobody asked for: the stream is out of step. */
			cli_close(evcon);
			return;
		}
		req = first->req;
		if (ev__http_parser_idle(p)) {
			p->no_body = req->type == EVHTTP_REQ_HEAD;
			p->max_head = evcon->max_head;
			p->max_body = evcon->max_body;
		}
		r = ev__http_parse(p, v.iov_base, v.iov_len, &used, &body,
		                   &blen);
		if (r == EV__HTTP_BODY)
			evbuffer_add(req->input_buffer, body, blen);
		evbuffer_drain(in, used);
		switch (r) {
		case EV__HTTP_NEED_MORE:
			if (v.iov_len == 0 || evbuffer_get_length(in) == 0)
				return;
			break;
		case EV__HTTP_HEAD:
			first->got_response = 1;
			if (p->status < 200) {
				/* 100 Continue and friends: the real answer
				 * follows on the same request. */
				ev__http_parser_reset(p);
				break;
			}
			if (ev__http_request_take_head(req, p) < 0) {
				evutil_log(
				    EVENT_LOG_ERR,
				    "evhttp: %s:%u: out of memory storing "
				    "a response's header fields",
				    evcon->address, (unsigned)evcon->port);
				cli_fail_req(evcon, req,
				             EVREQ_HTTP_BUFFER_ERROR);
				cli_close(evcon);
				return;
			}
			req->response_code = p->status;
			free(req->response_code_line);
			req->response_code_line =
			    strdup(ev__http_parser_str(p, p->reason));
			if (first->header_cb) {
				int rc;

				evcon->busy++;
				rc = first->header_cb(req, first->cb_arg);
				evcon->busy--;
				if (evcon->destroy_pending)
					return;
				if (rc < 0) {
					cli_fail_req(evcon, req,
					             EVREQ_HTTP_REQUEST_CANCEL);
					if (!evcon->destroy_pending)
						cli_close(evcon);
					return;
				}
			}
			break;
		case EV__HTTP_BODY:
			if (first->chunk_cb) {
				evcon->busy++;
				first->chunk_cb(req, first->cb_arg);
				evcon->busy--;
				evbuffer_drain(
				    req->input_buffer,
				    evbuffer_get_length(req->input_buffer));
				if (evcon->destroy_pending)
					return;
			}
			break;
		case EV__HTTP_DONE:
			if (cli_complete(evcon, req) < 0)
				return;
			break;
		case EV__HTTP_ERROR:
			/* What the server sent: debug level, as on the
			 * server side. */
			evutil_log(p->error == EV__HTTP_E_NOMEM
			               ? EVENT_LOG_ERR
			               : EVENT_LOG_DEBUG,
			           "evhttp: %s:%u: bad response to %s %s: %s",
			           evcon->address, (unsigned)evcon->port,
			           ev__http_method_name(req->type), req->uri,
			           ev__http_error_text(p->error));
			cli_fail_req(evcon, req,
			             p->error == EV__HTTP_E_BODY_TOO_LARGE
			                 ? EVREQ_HTTP_DATA_TOO_LONG
			                 : EVREQ_HTTP_INVALID_HEADER);
			if (evcon->destroy_pending)
				return;
			cli_close(evcon);
			if (!evcon->destroy_pending &&
			    !TAILQ_EMPTY(&evcon->requests))
				cli_connect(evcon);
			return;
		}
	}
}

static void cli_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	cli_process(arg);
}

static void cli_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)arg;
}

static void cli_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		event_del(evcon->timer);
		evcon->timer_kind = TIMER_NONE;
		evcon->connected = 1;
		evcon->state = EVCON_READING;
		bufferevent_set_timeouts(evcon->bev, &evcon->read_tv,
		                         &evcon->write_tv);
		bufferevent_enable(evcon->bev, EV_READ | EV_WRITE);
		cli_send_pending(evcon);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if (TAILQ_EMPTY(&evcon->requests)) {
			/* An idle keep-alive connection: just drop it. */
			cli_close(evcon);
			return;
		}
		cli_note(evcon,
		         (what & BEV_EVENT_WRITING)
		             ? "timed out sending the request"
		             : "timed out waiting for the response",
		         0);
		cli_lost(evcon, EVREQ_HTTP_TIMEOUT);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !TAILQ_EMPTY(&evcon->requests) &&
	    TAILQ_FIRST(&evcon->requests)->got_response) {
		/* A body delimited by the close is complete now. */
		struct evhttp_request *req = TAILQ_FIRST(&evcon->requests)->req;

		cli_process(evcon);
		if (evcon->destroy_pending || !evcon->bev ||
		    TAILQ_EMPTY(&evcon->requests) ||
		    TAILQ_FIRST(&evcon->requests)->req != req)
			return;
		if (ev__http_parse_eof(&evcon->parser) == EV__HTTP_DONE) {
			if (cli_complete(evcon, req) == 0) {
				cli_close(evcon);
				if (!evcon->destroy_pending &&
				    !TAILQ_EMPTY(&evcon->requests))
					cli_connect(evcon);
			}
			return;
		}
	}
	if (what & BEV_EVENT_EOF)
		cli_note(evcon, "connection closed by the server", 0);
	else
		cli_note(evcon,
		         evcon->connected ? "connection error"
		                          : "connect failed",
		         errno);
	cli_lost(evcon, what & BEV_EVENT_EOF ? EVREQ_HTTP_EOF
	                                     : EVREQ_HTTP_BUFFER_ERROR);
}
