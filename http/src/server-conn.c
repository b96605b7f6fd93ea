/*
 * Server-side connections: read requests, dispatch them, write replies.
 *
 * One request at a time per connection: the next pipelined request stays
 * in the input buffer (bounded by a read high-watermark) until the reply
 * to the current one has been written, so replies go out in order without
 * holding several replies in memory.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <ev-bufferevent.h>
#include "http-internal.h"

void ev__http_server_defer(struct evhttp_connection *evcon);
void ev__http_conn_defer(struct evhttp_connection *evcon);

enum { TIMER_NONE, TIMER_HEAD, TIMER_LINGER };

static void srv_process(struct evhttp_connection *evcon);
static void srv_fail(struct evhttp_connection *evcon, int code);
static void srv_check_done(struct evhttp_connection *evcon);

static int64_t coarse_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0 &&
	    clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void srv_timer_arm(struct evhttp_connection *evcon, int64_t in_ms)
{
	struct timeval tv;

	if (in_ms < 1)
		in_ms = 1;
	tv.tv_sec = (time_t)(in_ms / 1000);
	tv.tv_usec = (suseconds_t)(in_ms % 1000) * 1000;
	if (event_add(evcon->timer, &tv) == 0) {
		evcon->timer_armed = 1;
		evcon->timer_expiry = coarse_ms() + in_ms;
	}
}

/*
 * Every keep-alive request sets the head timer and clears it again; doing
 * that with event_add()/event_del() put two timer-heap updates on every
 * request.  Instead, clearing only forgets the kind, and setting keeps an
 * armed timer that expires no later than the new deadline: when it fires
 * early, srv_timer_cb() re-arms it for the rest (the coarse clock makes
 * that a few milliseconds late at worst).
 */
static void srv_timer_set(struct evhttp_connection *evcon, int kind,
                          const struct timeval *tv)
{
	int64_t in_ms = 0;

	evcon->timer_kind = kind;
	if (kind == TIMER_NONE)
		return;
	if (tv)
		in_ms = (int64_t)tv->tv_sec * 1000 + tv->tv_usec / 1000;
	evcon->timer_deadline = coarse_ms() + in_ms;
	if (evcon->timer_armed && evcon->timer_expiry <= evcon->timer_deadline)
		return;
	srv_timer_arm(evcon, in_ms);
}

static void srv_linger(struct evhttp_connection *evcon)
{
	struct timeval tv = {EV__HTTP_LINGER_SECS, 0};

	/* Half-close and read until the client closes too (or a bounded
	 * time/volume passes): closing with unread input makes the kernel
	 * send a reset, which can destroy the reply before it is read. */
	evcon->state = EVCON_LINGER;
	evcon->linger_bytes = 0;
	shutdown(bufferevent_getfd(evcon->bev), SHUT_WR);
	bufferevent_set_timeouts(evcon->bev, NULL, NULL);
	bufferevent_setwatermark(evcon->bev, EV_READ, 0, 0);
	bufferevent_disable(evcon->bev, EV_WRITE);
	bufferevent_enable(evcon->bev, EV_READ);
	evbuffer_drain(bufferevent_get_input(evcon->bev),
	               evbuffer_get_length(bufferevent_get_input(evcon->bev)));
	srv_timer_set(evcon, TIMER_LINGER, &tv);
}

/* The current request is answered and written: next one, or close. */
static void srv_finish(struct evhttp_connection *evcon)
{
	struct evhttp_request *req = evcon->reading;
	int keep = req && req->priv->keepalive && !evcon->close_after &&
	           req->priv->body_done;

	evcon->reading = NULL;
	/* One finished request per connection is kept for the next: saves
	 * a handful of allocations per request on keep-alive connections. */
	if (req && keep && !evcon->spare && !req->priv->owned) {
		ev__http_request_recycle(req);
		evcon->spare = req;
	} else if (req && req->priv->owned) {
		req->priv->evcon = NULL; /* the application frees it */
	} else if (req) {
		ev__http_request_free(req);
	}
	if (!keep) {
		srv_linger(evcon);
		return;
	}
	evcon->state = EVCON_IDLE;
	ev__http_parser_reset(&evcon->parser);
	srv_process(evcon);
}

static void srv_check_done(struct evhttp_connection *evcon)
{
	struct evhttp_request *req = evcon->reading;

	if (evcon->state == EVCON_LINGER || evcon->state == EVCON_CLOSED)
		return;
	if (evbuffer_get_length(bufferevent_get_output(evcon->bev)) != 0)
		return;
	bufferevent_disable(evcon->bev, EV_WRITE);
	if (req && req->priv->write_done_cb) {
		void (*cb)(struct evhttp_connection *, void *) =
		    req->priv->write_done_cb;

		req->priv->write_done_cb = NULL;
		evcon->busy++;
		cb(evcon, req->priv->write_done_arg);
		evcon->busy--;
		if (evcon->destroy_pending)
			return;
		req = evcon->reading;
	}
	if (req && req->priv->reply_done &&
	    evbuffer_get_length(bufferevent_get_output(evcon->bev)) == 0)
		srv_finish(evcon);
}

void ev__http_server_defer(struct evhttp_connection *evcon)
{
	srv_check_done(evcon);
}

/* ---- writing replies ------------------------------------------------- */

enum framing { FR_LENGTH, FR_CHUNKED, FR_CLOSE, FR_NONE };

static int no_body_status(int code)
{
	return (code >= 100 && code < 200) || code == 204 || code == 304;
}

/*
 * Writes whatever is queued straight to the socket.  Replies usually fit
 * in the socket buffer, so the write event (and its two epoll_ctl calls)
 * is armed only for what is left over; the bufferevent then finishes the
 * job and srv_write_cb() follows.  When nothing is left, the follow-up
 * (next request, write-done callback) runs from the loop.
 */
static void srv_flush(struct evhttp_connection *evcon)
{
	struct evbuffer *out = bufferevent_get_output(evcon->bev);
	evutil_socket_t fd = bufferevent_getfd(evcon->bev);

	while (evbuffer_get_length(out) > 0)
		if (evbuffer_write(out, fd) <= 0)
			break; /* EAGAIN, or an error the bufferevent reports */
	if (evbuffer_get_length(out) > 0)
		bufferevent_enable(evcon->bev, EV_WRITE);
	else
		ev__http_conn_defer(evcon);
}

static size_t put(char *dst, size_t at, const char *src, size_t n)
{
	memcpy(dst + at, src, n);
	return at + n;
}

static size_t put_uint(char *dst, size_t at, size_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return put(dst, at, tmp + i, sizeof(tmp) - i);
}

/* Header names the library writes itself (framing, connection, date);
 * the length is known, so most names are told apart without a compare. */
enum managed { M_NONE, M_OWN, M_CONNECTION, M_DATE };

static enum managed managed_header(const char *key, size_t kl)
{
	switch (kl) {
	case 4:
		return !evutil_ascii_strcasecmp(key, "Date") ? M_DATE : M_NONE;
	case 10:
		return !evutil_ascii_strcasecmp(key, "Connection")
		           ? M_CONNECTION
		           : M_NONE;
	case 14:
		return !evutil_ascii_strcasecmp(key, "Content-Length") ? M_OWN
		                                                       : M_NONE;
	case 17:
		return !evutil_ascii_strcasecmp(key, "Transfer-Encoding")
		           ? M_OWN
		           : M_NONE;
	}
	return M_NONE;
}

static void write_head(struct evhttp_connection *evcon,
                       struct evhttp_request *req, int code, const char *reason,
                       enum framing fr, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(evcon->bev);
	struct evkeyval *kv;
	const char *conn, *date;
	char head[1024];
	size_t n;

	if (!reason || !ev__http_valid_value(reason) || strlen(reason) > 200)
		reason = ev__http_reason(code);
	req->response_code = code;
	(void)ev__http_request_set_line(req, reason);

	/* Answered before the whole body arrived (see reply_queued()): the
	 * connection will close, so say so. */
	if (fr == FR_CLOSE || evcon->close_after || !req->priv->body_done)
		req->priv->keepalive = 0;
	/* The application may ask for the close itself. */
	/* One pass over the application's fields: the first Connection
	 * and Date count (as evhttp_find_header() would find them). */
	conn = date = NULL;
	TAILQ_FOREACH(kv, req->output_headers, next)
	{
		switch (managed_header(kv->key, strlen(kv->key))) {
		case M_CONNECTION:
			if (!conn)
				conn = kv->value;
			break;
		case M_DATE:
			if (!date)
				date = kv->value;
			break;
		default:
			break;
		}
	}
	if (conn && strcasestr(conn, "close"))
		req->priv->keepalive = 0;
	if (!date || !ev__http_valid_value(date) || strlen(date) > 64)
		date = ev__http_date(evcon->http);

	/* Status line and the fields we own, in one piece. */
	/* Status line and the fields we own, in one piece; put together by
	 * hand since this runs for every reply (reason <= 200, date <= 64
	 * bytes, checked above, so it fits). */
	n = 0;
	n = put(head, n, "HTTP/1.1 ", 9);
	n = put_uint(head, n, (unsigned)code);
	head[n++] = ' ';
	n = put(head, n, reason, strlen(reason));
	n = put(head, n, "\r\nDate: ", 8);
	n = put(head, n, date, strlen(date));
	n = put(head, n, "\r\n", 2);
	if (!req->priv->keepalive)
		n = put(head, n, "Connection: close\r\n", 19);
	else if (req->minor == 0)
		n = put(head, n, "Connection: keep-alive\r\n", 24);
	if (fr == FR_LENGTH) {
		n = put(head, n, "Content-Length: ", 16);
		n = put_uint(head, n, len);
		n = put(head, n, "\r\n", 2);
	} else if (fr == FR_CHUNKED) {
		n = put(head, n, "Transfer-Encoding: chunked\r\n", 28);
	}
	/* The fields follow in the same buffer, so that a usual head is
	 * one evbuffer_add() (each add runs the buffer's callbacks). */
	TAILQ_FOREACH(kv, req->output_headers, next)
	{
		size_t kl, vl;

		/* The list is public and may have been edited directly:
		 * check again so no value can inject a field. */
		kl = strlen(kv->key);
		if (managed_header(kv->key, kl) != M_NONE)
			continue;
		if (!ev__http_is_token(kv->key, kl) ||
		    !ev__http_valid_value(kv->value))
			continue;
		vl = strlen(kv->value);
		if (n + kl + vl + 4 > sizeof(head)) {
			evbuffer_add(out, head, n);
			n = 0;
		}
		if (kl + vl + 4 <= sizeof(head)) {
			n = put(head, n, kv->key, kl);
			n = put(head, n, ": ", 2);
			n = put(head, n, kv->value, vl);
			n = put(head, n, "\r\n", 2);
		} else {
			evbuffer_add(out, kv->key, kl);
			evbuffer_add(out, ": ", 2);
			evbuffer_add(out, kv->value, vl);
			evbuffer_add(out, "\r\n", 2);
		}
	}
	if (n + 2 > sizeof(head)) {
		evbuffer_add(out, head, n);
		n = 0;
	}
	n = put(head, n, "\r\n", 2);
	evbuffer_add(out, head, n);
	req->priv->reply_started = 1;
}

/* Common checks: returns the live connection, or NULL after freeing an
 * orphaned request (its connection is gone). */
static struct evhttp_connection *reply_conn(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = req->priv->evcon;

	if (req->priv->orphan || !evcon) {
		if (req->priv->orphan && !req->priv->reply_done) {
			req->priv->reply_done = 1;
			ev__http_request_free(req);
		}
		return NULL;
	}
	return evcon;
}

static void reply_queued(struct evhttp_connection *evcon,
                         struct evhttp_request *req)
{
	req->priv->reply_done = 1;
	/* Answered before the whole body arrived: the rest of it cannot be
	 * told apart from a next request, so the connection must close. */
	if (!req->priv->body_done) {
		evcon->close_after = 1;
		evcon->state = EVCON_DISPATCHED;
	}
	srv_flush(evcon);
}

void evhttp_send_reply(struct evhttp_request *req, int code, const char *reason,
                       struct evbuffer *databuf)
{
	struct evhttp_connection *evcon;
	size_t len;

	if (!req)
		return;
	if (databuf && !req->priv->orphan)
		evbuffer_add_buffer(req->output_buffer, databuf);
	evcon = reply_conn(req);
	if (!evcon || req->priv->reply_started)
		return;
	len = evbuffer_get_length(req->output_buffer);
	if (no_body_status(code)) {
		write_head(evcon, req, code, reason, FR_NONE, 0);
		evbuffer_drain(req->output_buffer, len);
	} else {
		write_head(evcon, req, code, reason, FR_LENGTH, len);
		if (req->type == EVHTTP_REQ_HEAD)
			evbuffer_drain(req->output_buffer, len);
		else
			evbuffer_add_buffer(bufferevent_get_output(evcon->bev),
			                    req->output_buffer);
	}
	reply_queued(evcon, req);
}

void evhttp_send_error(struct evhttp_request *req, int error,
                       const char *reason)
{
	char *esc;

	if (!req)
		return;
	if (!reason)
		reason = ev__http_reason(error);
	esc = evhttp_htmlescape(reason);
	evbuffer_drain(req->output_buffer,
	               evbuffer_get_length(req->output_buffer));
	evhttp_remove_header(req->output_headers, "Content-Type");
	evhttp_add_header(req->output_headers, "Content-Type",
	                  "text/html; charset=utf-8");
	evbuffer_add_printf(req->output_buffer,
	                    "<html><head><title>%d %s</title></head>"
	                    "<body><h1>%d %s</h1></body></html>\n",
	                    error, esc ? esc : "", error, esc ? esc : "");
	free(esc);
	evhttp_send_reply(req, error, reason, NULL);
}

void evhttp_send_reply_start(struct evhttp_request *req, int code,
                             const char *reason)
{
	struct evhttp_connection *evcon = reply_conn(req);
	enum framing fr;

	if (!evcon || req->priv->reply_started)
		return;
	if (no_body_status(code) || req->type == EVHTTP_REQ_HEAD)
		fr = FR_NONE;
	else if (req->major == 1 && req->minor >= 1)
		fr = FR_CHUNKED;
	else
		fr = FR_CLOSE; /* an HTTP/1.0 client reads until close */
	req->priv->reply_chunked = fr == FR_CHUNKED;
	write_head(evcon, req, code, reason, fr, 0);
	if (fr == FR_NONE)
		req->priv->reply_chunked = 0;
}

void evhttp_send_reply_chunk_with_cb(
    struct evhttp_request *req, struct evbuffer *databuf,
    void (*cb)(struct evhttp_connection *, void *), void *arg)
{
	struct evhttp_connection *evcon;
	struct evbuffer *out;
	size_t len;

	if (!req)
		return;
	evcon = req->priv->orphan ? NULL : req->priv->evcon;
	len = databuf ? evbuffer_get_length(databuf) : 0;
	if (!evcon || !req->priv->reply_started || req->priv->reply_done) {
		if (databuf)
			evbuffer_drain(databuf, len);
		return;
	}
	out = bufferevent_get_output(evcon->bev);
	if (req->type == EVHTTP_REQ_HEAD) {
		evbuffer_drain(databuf, len);
	} else if (len > 0) {
		/* An empty chunk would end the body: skip it. */
		if (req->priv->reply_chunked)
			evbuffer_add_printf(out, "%zx\r\n", len);
		evbuffer_add_buffer(out, databuf);
		if (req->priv->reply_chunked)
			evbuffer_add(out, "\r\n", 2);
	}
	req->priv->write_done_cb = cb;
	req->priv->write_done_arg = arg;
	srv_flush(evcon);
}

void evhttp_send_reply_chunk(struct evhttp_request *req,
                             struct evbuffer *databuf)
{
	evhttp_send_reply_chunk_with_cb(req, databuf, NULL, NULL);
}

void evhttp_send_reply_end(struct evhttp_request *req)
{
	struct evhttp_connection *evcon;

	if (!req)
		return;
	evcon = reply_conn(req);
	if (!evcon || !req->priv->reply_started || req->priv->reply_done)
		return;
	if (req->priv->reply_chunked)
		evbuffer_add(bufferevent_get_output(evcon->bev), "0\r\n\r\n",
		             5);
	reply_queued(evcon, req);
}

/* ---- reading requests ------------------------------------------------ */

/*
 * Why a request was refused.  What a client sends is logged at debug
 * level only (as libevent's event_debug): hostile input must not be able
 * to fill the program's log, and nothing is formatted unless debug
 * logging is on.
 */
static void srv_log_refused(const struct evhttp_connection *evcon)
{
	const struct ev__http_parser *p = &evcon->parser;
	int status = ev__http_error_status(p->error);
	const char *text = ev__http_error_text(p->error);

	switch (p->error) {
	case EV__HTTP_E_NOMEM:
		evutil_log(EVENT_LOG_ERR,
		           "evhttp: %s:%u: out of memory parsing a request; "
		           "answering %d",
		           evcon->address, evcon->port, status);
		break;
	case EV__HTTP_E_HEAD_TOO_LARGE:
		evutil_log(EVENT_LOG_DEBUG,
		           "evhttp: %s:%u: %s (limit %zu bytes, "
		           "evhttp_set_max_headers_size); answering %d",
		           evcon->address, evcon->port, text, p->max_head,
		           status);
		break;
	case EV__HTTP_E_TOO_MANY_HEADERS:
		evutil_log(EVENT_LOG_DEBUG,
		           "evhttp: %s:%u: %s (limit %zu); answering %d",
		           evcon->address, evcon->port, text, p->max_headers,
		           status);
		break;
	case EV__HTTP_E_URI_TOO_LONG:
		evutil_log(EVENT_LOG_DEBUG,
		           "evhttp: %s:%u: %s (limit %zu bytes, "
		           "evhttp_set_max_uri_size); answering %d",
		           evcon->address, evcon->port, text, p->max_uri,
		           status);
		break;
	case EV__HTTP_E_BODY_TOO_LARGE:
		evutil_log(EVENT_LOG_DEBUG,
		           "evhttp: %s:%u: %s (limit %" PRIu64
		           " bytes, evhttp_set_max_body_size); answering %d",
		           evcon->address, evcon->port, text, p->max_body,
		           status);
		break;
	default:
		evutil_log(EVENT_LOG_DEBUG,
		           "evhttp: %s:%u: malformed request: %s; answering %d",
		           evcon->address, evcon->port, text, status);
		break;
	}
}

/* A reply the server itself sends for a broken request, then closes. */
static void srv_fail(struct evhttp_connection *evcon, int code)
{
	struct evhttp_request *req = evcon->reading;

	srv_timer_set(evcon, TIMER_NONE, NULL);
	evcon->close_after = 1;
	if (!req || req->priv->reply_started || req->priv->dispatched) {
		/* Nothing sensible can be written any more. */
		if (req && req->priv->dispatched && !req->priv->reply_done) {
			ev__http_conn_destroy(evcon);
			return;
		}
		srv_linger(evcon);
		return;
	}
	req->priv->keepalive = 0;
	evcon->state = EVCON_DISPATCHED;
	bufferevent_disable(evcon->bev, EV_READ);
	evhttp_send_error(req, code, NULL);
}

/* The path part of a request target, for matching path callbacks. */
static size_t target_path(const char *uri, const char **path)
{
	const char *p = uri;

	/* absolute-form (proxies; RFC 9112 3.2.2): skip scheme://authority */
	if (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0) {
		p = strchr(p + 7 + (p[4] == 's'), '/');
		if (!p)
			p = "/";
	}
	*path = p;
	return strcspn(p, "?#");
}

static void srv_dispatch(struct evhttp_connection *evcon,
                         struct evhttp_request *req)
{
	struct evhttp *http = evcon->http;
	struct evhttp_cb *c;
	const char *path;
	size_t n = target_path(req->uri, &path);

	req->priv->dispatched = 1;
	evcon->busy++;
	TAILQ_FOREACH(c, &http->callbacks, link)
	{
		if (strlen(c->path) == n && memcmp(c->path, path, n) == 0) {
			c->cb(req, c->arg);
			goto out;
		}
	}
	if (http->gencb)
		http->gencb(req, http->gencb_arg);
	else
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
out:
	evcon->busy--;
}

static int srv_head(struct evhttp_connection *evcon)
{
	struct evhttp *http = evcon->http;
	struct ev__http_parser *p = &evcon->parser;
	struct evhttp_request *req = evcon->reading;
	enum evhttp_cmd_type type;
	const char *method = ev__http_parser_str(p, p->method), *target;

	srv_timer_set(evcon, TIMER_NONE, NULL);
	if (ev__http_request_take_head(req, p) < 0) {
		evutil_log(EVENT_LOG_ERR,
		           "evhttp: %s:%u: out of memory storing a request's "
		           "header fields; answering 500",
		           evcon->address, evcon->port);
		srv_fail(evcon, 500);
		return -1;
	}
	target = ev__http_parser_str(p, p->target);
	if (ev__http_request_set_uri(req, target, strlen(target)) < 0) {
		/* A target the URI parser refuses, or no memory for it. */
		evutil_log(EVENT_LOG_DEBUG,
		           "evhttp: %s:%u: cannot store the request target; "
		           "answering 500",
		           evcon->address, evcon->port);
		srv_fail(evcon, 500);
		return -1;
	}
	req->priv->keepalive = p->minor >= 1
	                           ? !p->conn_close
	                           : (p->conn_keepalive && !p->conn_close);
	if (p->framing == EV__HTTP_BODY_NONE)
		req->priv->body_done = 1;
	if (ev__http_method_parse(method, &type) < 0) {
		evutil_log(EVENT_LOG_DEBUG,
		           "evhttp: %s:%u: unknown method; answering 501",
		           evcon->address, evcon->port);
		srv_fail(evcon, HTTP_NOTIMPLEMENTED);
		return -1;
	}
	req->type = type;
	if (!(http->allowed & type)) {
		char allow[96] = "";
		int bit;

		for (bit = 0; bit < 9; bit++) {
			const char *m = ev__http_method_name(
			    (enum evhttp_cmd_type)(1 << bit));

			if (!(http->allowed & (1 << bit)) || !m)
				continue;
			if (allow[0])
				strcat(allow, ", ");
			strcat(allow, m);
		}
		evhttp_add_header(req->output_headers, "Allow", allow);
		evutil_log(EVENT_LOG_DEBUG,
		           "evhttp: %s:%u: method %s not allowed "
		           "(evhttp_set_allowed_methods); answering 405",
		           evcon->address, evcon->port, method);
		srv_fail(evcon, HTTP_BADMETHOD);
		return -1;
	}
	if (http->header_cb) {
		int r;

		evcon->busy++;
		r = http->header_cb(req, http->header_cb_arg);
		evcon->busy--;
		if (evcon->destroy_pending)
			return -1;
		if (r < 0 || req->priv->reply_started) {
			if (!req->priv->reply_started)
				srv_fail(evcon, HTTP_BADREQUEST);
			else
				evcon->close_after = 1;
			evcon->state = EVCON_DISPATCHED;
			req->priv->dispatched = 1;
			return -1;
		}
	}
	if (p->expect_continue && p->minor >= 1 &&
	    p->framing != EV__HTTP_BODY_NONE) {
		evbuffer_add(bufferevent_get_output(evcon->bev),
		             "HTTP/1.1 100 Continue\r\n\r\n", 25);
		srv_flush(evcon);
	}
	return 0;
}

static void srv_process(struct evhttp_connection *evcon)
{
	struct evbuffer *in = bufferevent_get_input(evcon->bev);

	while (evcon->state == EVCON_IDLE || evcon->state == EVCON_READING) {
		struct evbuffer_iovec v;
		const char *body;
		size_t used, blen;
		enum ev__http_result r;
		struct evhttp_request *req;

		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			v.iov_len = 0;
		if (evcon->state == EVCON_IDLE) {
			if (v.iov_len == 0) {
				/* The client half-closed after its last
				 * request: nothing more will come. */
				if (evcon->read_eof)
					ev__http_conn_destroy(evcon);
				return;
			}
			if (evcon->spare) {
				req = evcon->spare;
				evcon->spare = NULL;
			} else {
				req = ev__http_request_new();
				if (!req) {
					evutil_log(
					    EVENT_LOG_ERR,
					    "evhttp: %s:%u: out of memory "
					    "for a request; closing",
					    evcon->address, evcon->port);
					ev__http_conn_destroy(evcon);
					return;
				}
				req->remote_host = strdup(evcon->address);
				req->remote_port = evcon->port;
			}
			req->kind = EVHTTP_REQUEST;
			req->priv->evcon = evcon;
			evcon->reading = req;
			evcon->state = EVCON_READING;
			srv_timer_set(evcon, TIMER_HEAD,
			              &evcon->http->request_tv);
		}
		req = evcon->reading;
		r = ev__http_parse(&evcon->parser, v.iov_base, v.iov_len, &used,
		                   &body, &blen);
		if (r == EV__HTTP_BODY) {
			/* Copy before draining: body points into `in`. */
			evbuffer_add(req->input_buffer, body, blen);
		}
		evbuffer_drain(in, used);
		switch (r) {
		case EV__HTTP_NEED_MORE:
			if (v.iov_len == 0 || evbuffer_get_length(in) == 0) {
				if (evcon->read_eof) { /* truncated request */
					evutil_log(
					    EVENT_LOG_DEBUG,
					    "evhttp: %s:%u: client closed "
					    "in the middle of a request",
					    evcon->address, evcon->port);
					ev__http_conn_destroy(evcon);
				}
				return;
			}
			break;
		case EV__HTTP_HEAD:
			if (srv_head(evcon) < 0)
				return;
			break;
		case EV__HTTP_BODY:
			if (req->priv->chunk_cb) {
				evcon->busy++;
				req->priv->chunk_cb(req, req->priv->cb_arg);
				evcon->busy--;
				evbuffer_drain(
				    req->input_buffer,
				    evbuffer_get_length(req->input_buffer));
				if (evcon->destroy_pending)
					return;
			}
			break;
		case EV__HTTP_DONE:
			req->priv->body_done = 1;
			evcon->state = EVCON_DISPATCHED;
			if (req->priv->reply_done) /* answered early */
				return;
			srv_dispatch(evcon, req);
			return;
		case EV__HTTP_ERROR:
			srv_log_refused(evcon);
			srv_fail(evcon,
			         ev__http_error_status(evcon->parser.error));
			return;
		}
	}
}

static void srv_read_cb(struct bufferevent *bev, void *arg)
{
	struct evhttp_connection *evcon = arg;

	if (evcon->state == EVCON_LINGER) {
		struct evbuffer *in = bufferevent_get_input(bev);
		size_t n = evbuffer_get_length(in);

		evbuffer_drain(in, n);
		evcon->linger_bytes += n;
		if (evcon->linger_bytes > EV__HTTP_LINGER_BYTES)
			ev__http_conn_destroy(evcon);
		return;
	}
	srv_process(evcon);
}

static void srv_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	srv_check_done(arg);
}

static void srv_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		/* The application is still answering: a quiet client is no
		 * reason to close.  (The timeout stays set between requests,
		 * so as not to re-arm the read event for every request.) */
		if ((what & BEV_EVENT_READING) &&
		    evcon->state == EVCON_DISPATCHED) {
			bufferevent_enable(evcon->bev, EV_READ);
			return;
		}
		if ((what & BEV_EVENT_READING) &&
		    evcon->state == EVCON_READING &&
		    !ev__http_parser_idle(&evcon->parser)) {
			evutil_log(EVENT_LOG_DEBUG,
			           "evhttp: %s:%u: nothing read for %ld.%06lds "
			           "(evhttp_set_timeout) in the middle of a "
			           "request; answering 408",
			           evcon->address, evcon->port,
			           (long)evcon->timeout_tv.tv_sec,
			           (long)evcon->timeout_tv.tv_usec);
			srv_fail(evcon, 408);
			return;
		}
		evutil_log(EVENT_LOG_DEBUG,
		           "evhttp: %s:%u: %s timeout (%ld.%06lds, "
		           "evhttp_set_timeout); closing",
		           evcon->address, evcon->port,
		           (what & BEV_EVENT_READING) ? "idle/read" : "write",
		           (long)evcon->timeout_tv.tv_sec,
		           (long)evcon->timeout_tv.tv_usec);
		ev__http_conn_destroy(evcon);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    evcon->state == EVCON_DISPATCHED) {
		/* A half-close after the requests (printf ... | nc): answer
		 * what was received, then close. */
		evcon->read_eof = 1;
		return;
	}
	ev__http_conn_destroy(evcon);
}

static void srv_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)fd;
	(void)what;
	evcon->timer_armed = 0;
	if (evcon->timer_kind == TIMER_NONE)
		return;
	if (coarse_ms() <
	    evcon->timer_deadline) { /* armed for an earlier kind */
		srv_timer_arm(evcon, evcon->timer_deadline - coarse_ms());
		return;
	}
	if (evcon->timer_kind == TIMER_HEAD && evcon->state == EVCON_READING) {
		evutil_log(EVENT_LOG_DEBUG,
		           "evhttp: %s:%u: request not complete within "
		           "%ld.%06lds (evhttp_set_request_timeout_tv); "
		           "answering 408",
		           evcon->address, evcon->port,
		           (long)evcon->http->request_tv.tv_sec,
		           (long)evcon->http->request_tv.tv_usec);
		srv_fail(evcon, 408);
		return;
	}
	if (evcon->timer_kind == TIMER_LINGER)
		ev__http_conn_destroy(evcon);
}

int ev__http_server_conn_start(struct evhttp *http, evutil_socket_t fd,
                               const struct sockaddr *sa, int salen)
{
	struct evhttp_connection *evcon = ev__http_conn_new(http->base);
	char host[INET6_ADDRSTRLEN] = "";

	(void)salen;
	if (!evcon)
		return -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		evcon->port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		evcon->port = ntohs(sin6->sin6_port);
	}
	evcon->address = strdup(host);
	evcon->http = http;
	evcon->connected = 1;
	evcon->timeout_tv = http->timeout_tv;
	evcon->timer = evtimer_new(http->base, srv_timer_cb, evcon);
	/* The bufferevent comes last: once it exists it owns fd. */
	if (evcon->address && evcon->timer)
		evcon->bev = bufferevent_socket_new(http->base, fd,
		                                    BEV_OPT_CLOSE_ON_FREE);
	if (!evcon->bev) {
		/* Not yet in http->conns: undo by hand; the caller closes fd.
		 */
		if (evcon->timer)
			event_free(evcon->timer);
		event_free(evcon->defer);
		free(evcon->address);
		free(evcon);
		return -1;
	}
	ev__http_parser_init(&evcon->parser, EV__HTTP_PARSE_REQUEST);
	evcon->parser.max_head = http->max_head;
	evcon->parser.max_uri = http->max_uri;
	evcon->parser.max_body = http->max_body;
	evcon->state = EVCON_IDLE;
	TAILQ_INSERT_TAIL(&http->conns, evcon, link);
	http->nconns++;
	bufferevent_setcb(evcon->bev, srv_read_cb, srv_write_cb, srv_event_cb,
	                  evcon);
	bufferevent_set_timeouts(evcon->bev, &evcon->timeout_tv,
	                         &evcon->timeout_tv);
	/* Input is parsed (and drained) as it arrives, except while a
	 * request is being answered: then pipelined requests wait in the
	 * buffer, up to this much. */
	bufferevent_setwatermark(evcon->bev, EV_READ, 0,
	                         EV__HTTP_PIPELINE_HIGHWATER);
	/* Writing is enabled only while output is left over: see
	 * srv_flush(). */
	bufferevent_enable(evcon->bev, EV_READ);
	return 0;
}
