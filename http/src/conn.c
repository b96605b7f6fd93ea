/*
 * What server-side and client-side connections share: allocation,
 * teardown, deferred work and the small accessors.
 */
#include <stdlib.h>
#include <string.h>

#include <ev-bufferevent.h>
#include "http-internal.h"

void ev__http_server_defer(struct evhttp_connection *evcon);
void ev__http_client_defer(struct evhttp_connection *evcon);
void ev__http_client_fail_all(struct evhttp_connection *evcon,
                              enum evhttp_request_error err);
void ev__http_client_cancel_lookup(struct evhttp_connection *evcon);

static void defer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evhttp_connection *evcon = arg;

	(void)fd;
	(void)what;
	if (evcon->destroy_pending) {
		ev__http_conn_destroy(evcon);
		return;
	}
	if (evcon->http)
		ev__http_server_defer(evcon);
	else
		ev__http_client_defer(evcon);
}

struct evhttp_connection *ev__http_conn_new(struct event_base *base)
{
	struct evhttp_connection *evcon = calloc(1, sizeof(*evcon));

	if (!evcon)
		return NULL;
	evcon->base = base;
	TAILQ_INIT(&evcon->requests);
	evcon->defer = event_new(base, -1, 0, defer_cb, evcon);
	if (!evcon->defer) {
		free(evcon);
		return NULL;
	}
	return evcon;
}

void ev__http_conn_destroy(struct evhttp_connection *evcon)
{
	struct evhttp_request_private *p;

	if (evcon->busy) {
		/* A user callback of this connection is on the stack: tear
		 * down from the loop once it has returned. */
		evcon->destroy_pending = 1;
		event_active(evcon->defer, EV_TIMEOUT, 1);
		return;
	}
	if (!evcon->http) {
		ev__http_client_cancel_lookup(evcon);
		ev__http_client_fail_all(evcon, EVREQ_HTTP_EOF);
	}
	/* Server side: a request the application is still answering stays
	 * alive, detached; its reply calls become no-ops that free it. */
	if (evcon->reading) {
		struct evhttp_request *req = evcon->reading;

		evcon->reading = NULL;
		if (req->priv->dispatched && !req->priv->reply_done) {
			req->priv->orphan = 1;
			req->priv->evcon = NULL;
		} else if (!req->priv->queued) {
			ev__http_request_free(req);
		}
	}
	while ((p = TAILQ_FIRST(&evcon->requests)) != NULL) {
		TAILQ_REMOVE(&evcon->requests, p, link);
		p->queued = 0;
		ev__http_request_free(p->req);
	}
	if (evcon->spare)
		ev__http_request_free(evcon->spare);
	if (evcon->http)
		ev__http_server_conn_closed(evcon->http, evcon);
	if (evcon->bev)
		bufferevent_free(evcon->bev);
	if (evcon->connected && evcon->closecb)
		evcon->closecb(evcon, evcon->closecb_arg);
	if (evcon->timer)
		event_free(evcon->timer);
	event_free(evcon->defer);
	ev__http_parser_free(&evcon->parser);
	free(evcon->address);
	free(evcon->bind_address);
	free(evcon);
}

void ev__http_conn_defer(struct evhttp_connection *evcon)
{
	event_active(evcon->defer, EV_TIMEOUT, 1);
}

struct event_base *evhttp_connection_get_base(struct evhttp_connection *evcon)
{
	return evcon->base;
}

struct evhttp *evhttp_connection_get_server(struct evhttp_connection *evcon)
{
	return evcon->http;
}

void evhttp_connection_set_closecb(struct evhttp_connection *evcon,
                                   void (*cb)(struct evhttp_connection *,
                                              void *),
                                   void *arg)
{
	evcon->closecb = cb;
	evcon->closecb_arg = arg;
}

void evhttp_connection_get_peer(struct evhttp_connection *evcon, char **address,
                                ev_uint16_t *port)
{
	*address = evcon->address;
	*port = evcon->port;
}
