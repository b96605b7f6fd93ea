/*
 * Request objects: allocation, accessors, method and status names.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ev-buffer.h>
#include "http-internal.h"

struct evhttp_request *ev__http_request_new(void)
{
	struct evhttp_request *req = calloc(1, sizeof(*req));
	struct evhttp_request_private *priv = calloc(1, sizeof(*priv));

	if (!req || !priv)
		goto fail;
	req->priv = priv;
	priv->req = req;
	TAILQ_INIT(&priv->in_hdrs);
	TAILQ_INIT(&priv->out_hdrs);
	req->input_headers = &priv->in_hdrs;
	req->output_headers = &priv->out_hdrs;
	req->input_buffer = evbuffer_new();
	req->output_buffer = evbuffer_new();
	if (!req->input_buffer || !req->output_buffer)
		goto fail;
	req->type = EVHTTP_REQ_GET;
	req->major = 1;
	req->minor = 1;
	return req;
fail:
	if (req) {
		if (req->input_buffer)
			evbuffer_free(req->input_buffer);
		if (req->output_buffer)
			evbuffer_free(req->output_buffer);
	}
	free(priv);
	free(req);
	return NULL;
}

void ev__http_request_free(struct evhttp_request *req)
{
	if (!req)
		return;
	evhttp_clear_headers(req->input_headers);
	evhttp_clear_headers(req->output_headers);
	evbuffer_free(req->input_buffer);
	evbuffer_free(req->output_buffer);
	free(req->remote_host);
	free(req->uri);
	free(req->response_code_line);
	free(req->priv->host_cache);
	free(req->priv->uri_spare);
	free(req->priv->line_spare);
	free(req->priv);
	free(req);
}

void ev__http_request_recycle(struct evhttp_request *req)
{
	struct evhttp_request_private *p = req->priv;
	char *uri_spare = p->uri_spare, *line_spare = p->line_spare;
	size_t uri_cap = p->uri_cap;

	evhttp_clear_headers(req->input_headers);
	evhttp_clear_headers(req->output_headers);
	evbuffer_drain(req->input_buffer,
	               evbuffer_get_length(req->input_buffer));
	evbuffer_drain(req->output_buffer,
	               evbuffer_get_length(req->output_buffer));
	/* The strings become the spares (the larger target buffer wins). */
	if (req->uri) {
		size_t n = strlen(req->uri) + 1;

		if (n > uri_cap) {
			free(uri_spare);
			uri_spare = req->uri;
			uri_cap = n;
		} else {
			free(req->uri);
		}
	}
	if (req->response_code_line) {
		free(line_spare);
		line_spare = req->response_code_line;
	}
	free(p->host_cache);
	req->uri = NULL;
	req->response_code_line = NULL;
	req->response_code = 0;
	req->type = EVHTTP_REQ_GET;
	req->major = 1;
	req->minor = 1;
	/* remote_host/port stay: a recycled request stays on its connection */
	memset(p, 0, sizeof(*p));
	p->req = req;
	p->uri_spare = uri_spare;
	p->uri_cap = uri_cap;
	p->line_spare = line_spare;
	TAILQ_INIT(&p->in_hdrs);
	TAILQ_INIT(&p->out_hdrs);
}

int ev__http_request_set_uri(struct evhttp_request *req, const char *s,
                             size_t n)
{
	struct evhttp_request_private *p = req->priv;
	char *d;

	if (p->uri_spare && n < p->uri_cap) {
		d = p->uri_spare;
		p->uri_spare = NULL;
		p->uri_cap = 0;
	} else if (n == SIZE_MAX || (d = malloc(n + 1)) == NULL) {
		return -1;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	free(req->uri);
	req->uri = d;
	return 0;
}

int ev__http_request_set_line(struct evhttp_request *req, const char *reason)
{
	struct evhttp_request_private *p = req->priv;
	char *d;

	if (p->line_spare && strcmp(p->line_spare, reason) == 0) {
		d = p->line_spare;
		p->line_spare = NULL;
	} else if ((d = strdup(reason)) == NULL) {
		return -1;
	}
	free(req->response_code_line);
	req->response_code_line = d;
	return 0;
}

struct evhttp_request *evhttp_request_new(evhttp_request_cb cb, void *arg)
{
	struct evhttp_request *req = ev__http_request_new();

	if (!req)
		return NULL;
	req->kind = EVHTTP_RESPONSE;
	req->priv->cb = cb;
	req->priv->cb_arg = arg;
	return req;
}

void evhttp_request_free(struct evhttp_request *req)
{
	if (!req)
		return;
	/* A request still queued on a client connection is the library's;
	 * freeing it here would leave a dangling pointer in the queue. */
	if (req->priv->queued) {
		evhttp_cancel_request(req);
		return;
	}
	ev__http_request_free(req);
}

void evhttp_request_own(struct evhttp_request *req)
{
	req->priv->owned = 1;
}

int evhttp_request_is_owned(struct evhttp_request *req)
{
	return req->priv->owned;
}

void evhttp_request_set_chunked_cb(struct evhttp_request *req,
                                   evhttp_request_cb cb)
{
	req->priv->chunk_cb = cb;
}

void evhttp_request_set_header_cb(struct evhttp_request *req,
                                  int (*cb)(struct evhttp_request *, void *))
{
	req->priv->header_cb = cb;
}

void evhttp_request_set_error_cb(struct evhttp_request *req,
                                 void (*cb)(enum evhttp_request_error, void *))
{
	req->priv->error_cb = cb;
}

struct evhttp_connection *
evhttp_request_get_connection(struct evhttp_request *req)
{
	return req->priv->evcon;
}

const char *evhttp_request_get_uri(const struct evhttp_request *req)
{
	return req->uri;
}

const char *evhttp_request_uri(struct evhttp_request *req)
{
	return req->uri;
}

enum evhttp_cmd_type
evhttp_request_get_command(const struct evhttp_request *req)
{
	return req->type;
}

int evhttp_request_get_response_code(const struct evhttp_request *req)
{
	return req->response_code;
}

const char *
evhttp_request_get_response_code_line(const struct evhttp_request *req)
{
	return req->response_code_line;
}

struct evkeyvalq *evhttp_request_get_input_headers(struct evhttp_request *req)
{
	return req->input_headers;
}

struct evkeyvalq *evhttp_request_get_output_headers(struct evhttp_request *req)
{
	return req->output_headers;
}

struct evbuffer *evhttp_request_get_input_buffer(struct evhttp_request *req)
{
	return req->input_buffer;
}

struct evbuffer *evhttp_request_get_output_buffer(struct evhttp_request *req)
{
	return req->output_buffer;
}

const char *evhttp_request_get_host(struct evhttp_request *req)
{
	const char *host;
	size_t n;

	if (req->priv->host_cache)
		return req->priv->host_cache;
	host = evhttp_find_header(req->input_headers, "Host");
	if (!host) {
		if (req->priv->evcon)
			return req->priv->evcon->address;
		return NULL;
	}
	/* Without the port; an IPv6 literal keeps its brackets. */
	n = strlen(host);
	if (host[0] == '[') {
		const char *end = strchr(host, ']');

		if (end)
			n = (size_t)(end - host) + 1;
	} else {
		const char *colon = strrchr(host, ':');

		if (colon)
			n = (size_t)(colon - host);
	}
	req->priv->host_cache = strndup(host, n);
	return req->priv->host_cache;
}

static const struct {
	enum evhttp_cmd_type type;
	const char *name;
} methods[] = {
    {EVHTTP_REQ_GET, "GET"},       {EVHTTP_REQ_POST, "POST"},
    {EVHTTP_REQ_HEAD, "HEAD"},     {EVHTTP_REQ_PUT, "PUT"},
    {EVHTTP_REQ_DELETE, "DELETE"}, {EVHTTP_REQ_OPTIONS, "OPTIONS"},
    {EVHTTP_REQ_TRACE, "TRACE"},   {EVHTTP_REQ_CONNECT, "CONNECT"},
    {EVHTTP_REQ_PATCH, "PATCH"},
};

const char *ev__http_method_name(enum evhttp_cmd_type type)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].type == type)
			return methods[i].name;
	return NULL;
}

int ev__http_method_parse(const char *m, enum evhttp_cmd_type *type)
{
	size_t i;

	/* Methods are case-sensitive (RFC 9110 9.1). */
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (strcmp(methods[i].name, m) == 0) {
			*type = methods[i].type;
			return 0;
		}
	}
	return -1;
}

const char *ev__http_reason(int code)
{
	switch (code) {
	case 100:
		return "Continue";
	case 101:
		return "Switching Protocols";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 307:
		return "Temporary Redirect";
	case 308:
		return "Permanent Redirect";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 417:
		return "Expectation Failed";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	}
	if (code >= 100 && code < 200)
		return "Informational";
	if (code >= 200 && code < 300)
		return "OK";
	if (code >= 300 && code < 400)
		return "Redirection";
	if (code >= 400 && code < 500)
		return "Client Error";
	return "Server Error";
}

int ev__http_request_take_head(struct evhttp_request *req,
                               const struct ev__http_parser *p)
{
	size_t i;

	req->major = (char)p->major;
	req->minor = (char)p->minor;
	evhttp_clear_headers(req->input_headers);
	for (i = 0; i < p->nfields; i++) {
		const struct ev__http_field *f = &p->fields[i];

		if (ev__http_add_header_n(req->input_headers, p->buf + f->name,
		                          f->name_len, p->buf + f->value,
		                          f->value_len) < 0)
			return -1;
	}
	return 0;
}

struct event_base *ev__http_current_base(void)
{
	struct event ev;

	/* event_set() puts an event on the current base (event_init()); that
	 * is the only public way to learn which base that is. */
	memset(&ev, 0, sizeof(ev));
	event_set(&ev, -1, 0, NULL, NULL);
	return ev.ev_base;
}
