/**
 * @file evhttp.h
 * @brief libev-http: an HTTP/1.1 server and client on libev's event loop.
 *
 * Source-compatible with libevent's 1.3 `<evhttp.h>` and with the 2.x
 * `<event2/http.h>` calls listed in the libev API document.  The server
 * accepts HTTP/1.0 and HTTP/1.1 (keep-alive, pipelining with responses in
 * request order, Content-Length and chunked bodies, `Expect:
 * 100-continue`); the client speaks the same and reuses connections.
 *
 * Input is parsed by a strict RFC 9112 parser: messages that could be
 * read two ways (request smuggling) are refused with 400, and every size
 * has a limit with a documented default:
 * | limit | default | answer |
 * |---|---|---|
 * | header section (evhttp_set_max_headers_size) | 16 KiB | 431 |
 * | request target (evhttp_set_max_uri_size) | 8 KiB | 414 |
 * | body (evhttp_set_max_body_size) | 16 MiB | 413 |
 * | fields per message | 128 | 431 |
 * | idle keep-alive / read / write timeout (evhttp_set_timeout) | 60 s | close
 * | | time to receive a request head (evhttp_set_request_timeout_tv) | 30 s |
 * 408 | | concurrent connections (evhttp_set_max_connections) | 10000 | accept
 * paused |
 *
 * Threading: an evhttp, its connections and requests belong to the thread
 * that runs their event base.
 *
 * Memory: strings returned by the encode/decode helpers are allocated with
 * malloc() and freed by the caller with free().
 */
#ifndef LIBEV_EVHTTP_H
#define LIBEV_EVHTTP_H

#include <sys/queue.h>
#include <sys/time.h>
#include <event.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evbuffer;
struct event_base;
struct evdns_base;
struct bufferevent;

/** @name Response codes (values fixed by HTTP)
 * @{ */
#define HTTP_OK                200 /**< The request succeeded. */
#define HTTP_NOCONTENT         204 /**< The request succeeded, no body. */
#define HTTP_MOVEPERM          301 /**< The resource moved permanently. */
#define HTTP_MOVETEMP          302 /**< The resource moved temporarily. */
#define HTTP_NOTMODIFIED       304 /**< The cached copy is still good. */
#define HTTP_BADREQUEST        400 /**< The request could not be parsed. */
#define HTTP_NOTFOUND          404 /**< No such resource. */
#define HTTP_BADMETHOD         405 /**< Method not allowed for the resource. */
#define HTTP_ENTITYTOOLARGE    413 /**< The body is too large. */
#define HTTP_EXPECTATIONFAILED 417 /**< The Expect field cannot be met. */
#define HTTP_INTERNAL          500 /**< Internal error. */
#define HTTP_NOTIMPLEMENTED    501 /**< Method not implemented. */
#define HTTP_SERVUNAVAIL       503 /**< The server is not available. */
/** @} */

/** Default port of HTTP. */
#define HTTP_DEFAULTPORT 80

/**
 * One header field (or one query parameter) in an evkeyvalq.  Programs
 * walk a list with TAILQ_FOREACH(kv, headers, next).
 */
struct evkeyval {
	TAILQ_ENTRY(evkeyval) next; /**< Link to the next field. */
	char *key;                  /**< Field name, NUL-terminated. */
	char *value;                /**< Field value, NUL-terminated. */
};

/** An ordered list of header fields (a sys/queue.h TAILQ of evkeyval). */
TAILQ_HEAD(evkeyvalq, evkeyval);

/** The request methods (values fixed by libevent), usable as a bit set. */
enum evhttp_cmd_type {
	EVHTTP_REQ_GET = 1 << 0,     /**< GET */
	EVHTTP_REQ_POST = 1 << 1,    /**< POST */
	EVHTTP_REQ_HEAD = 1 << 2,    /**< HEAD */
	EVHTTP_REQ_PUT = 1 << 3,     /**< PUT */
	EVHTTP_REQ_DELETE = 1 << 4,  /**< DELETE */
	EVHTTP_REQ_OPTIONS = 1 << 5, /**< OPTIONS */
	EVHTTP_REQ_TRACE = 1 << 6,   /**< TRACE */
	EVHTTP_REQ_CONNECT = 1 << 7, /**< CONNECT */
	EVHTTP_REQ_PATCH = 1 << 8    /**< PATCH */
};

/** Whether a request object holds a request or a response. */
enum evhttp_request_kind {
	EVHTTP_REQUEST, /**< A request received by a server. */
	EVHTTP_RESPONSE /**< A request made by a client (holds its response). */
};

/** Why a client request failed (passed to the error callback). */
enum evhttp_request_error {
	EVREQ_HTTP_TIMEOUT,        /**< A timeout expired. */
	EVREQ_HTTP_EOF,            /**< The server closed the connection. */
	EVREQ_HTTP_INVALID_HEADER, /**< The response could not be parsed. */
	EVREQ_HTTP_BUFFER_ERROR,   /**< A read or write failed. */
	EVREQ_HTTP_REQUEST_CANCEL, /**< evhttp_cancel_request() was called. */
	EVREQ_HTTP_DATA_TOO_LONG   /**< The body was over the limit. */
};

struct evhttp;
struct evhttp_connection;
struct evhttp_bound_socket;
struct evhttp_request_private;

/**
 * An HTTP request (server side) or a request and its response (client
 * side).  The fields marked public may be read (and the header lists and
 * buffers used); everything in `priv` is the library's.
 */
struct evhttp_request {
	/** Public: EVHTTP_REQUEST (server) or EVHTTP_RESPONSE (client). */
	enum evhttp_request_kind kind;
	/** Public: header fields received. */
	struct evkeyvalq *input_headers;
	/** Public: header fields to send. */
	struct evkeyvalq *output_headers;
	/** Public: address of the peer, numeric. */
	char *remote_host;
	/** Public: port of the peer. */
	ev_uint16_t remote_port;
	/** Public: the method. */
	enum evhttp_cmd_type type;
	/** Public: the request target as received or as sent. */
	char *uri;
	/** Public: HTTP major version of the received message. */
	char major;
	/** Public: HTTP minor version of the received message. */
	char minor;
	/** Public: the response status code. */
	int response_code;
	/** Public: the response reason phrase. */
	char *response_code_line;
	/** Public: the body received. */
	struct evbuffer *input_buffer;
	/** Public: the body to send. */
	struct evbuffer *output_buffer;
	/** Private: connection, callbacks and parser state. */
	struct evhttp_request_private *priv;
};

/** Callback with a request: completion, chunks, server handlers. */
typedef void (*evhttp_request_cb)(struct evhttp_request *req, void *arg);

/* ---------------------------------------------------------------------- */
/** @name Server
 * @{ */

/**
 * Creates an HTTP server on `base`; bind it with evhttp_bind_socket().
 * @return the server, or NULL (out of memory).
 */
struct evhttp *evhttp_new(struct event_base *base);
/**
 * 1.3 API: creates a server on the current base (event_init()) and binds
 * it to `address`:`port`.
 * @return the server, or NULL if the socket could not be bound.
 */
struct evhttp *evhttp_start(const char *address, ev_uint16_t port);
/**
 * Frees the server: closes its listening sockets and every connection
 * (requests in progress are dropped without their callbacks).
 */
void evhttp_free(struct evhttp *http);
/**
 * Binds and listens on `address`:`port` (numeric IPv4 or IPv6 address);
 * may be called several times to listen on several sockets.  Port 0
 * picks a free port (see evhttp_bound_socket_get_fd()).
 * @return 0 on success, -1 on failure (errno set).
 */
int evhttp_bind_socket(struct evhttp *http, const char *address,
                       ev_uint16_t port);
/** Like evhttp_bind_socket(), returning a handle to the bound socket. */
struct evhttp_bound_socket *evhttp_bind_socket_with_handle(struct evhttp *http,
                                                           const char *address,
                                                           ev_uint16_t port);
/**
 * Accepts connections on an already listening socket `fd`; the server
 * closes it when freed.
 * @return 0 on success, -1 on failure.
 */
int evhttp_accept_socket(struct evhttp *http, evutil_socket_t fd);
/** Like evhttp_accept_socket(), returning a handle to the socket. */
struct evhttp_bound_socket *
evhttp_accept_socket_with_handle(struct evhttp *http, evutil_socket_t fd);
/** The listening socket of a handle. */
evutil_socket_t evhttp_bound_socket_get_fd(struct evhttp_bound_socket *bound);
/** Stops listening on one socket and closes it. */
void evhttp_del_accept_socket(struct evhttp *http,
                              struct evhttp_bound_socket *bound);

/**
 * Calls `cb` for requests whose path (the target without its query) is
 * exactly `path`.
 * @return 0, -1 if `path` already has a callback or on error.
 */
int evhttp_set_cb(struct evhttp *http, const char *path, evhttp_request_cb cb,
                  void *arg);
/** Removes the callback of `path`. @return 0, or -1 if there was none. */
int evhttp_del_cb(struct evhttp *http, const char *path);
/**
 * Calls `cb` for requests that no path callback takes.  Without one the
 * server answers 404.
 */
void evhttp_set_gencb(struct evhttp *http, evhttp_request_cb cb, void *arg);
/**
 * Calls `cb` as soon as a request head has arrived, before its body.  The
 * callback may call evhttp_request_set_chunked_cb() to receive the body
 * piece by piece as it arrives (each piece in `input_buffer`, emptied
 * after the chunk callback returns); it may also answer at once (e.g.
 * evhttp_send_error()) and return -1 to refuse the body, in which case an
 * `Expect: 100-continue` client is not told to continue.
 * This is a libev extension.
 */
void evhttp_set_header_cb(struct evhttp *http,
                          int (*cb)(struct evhttp_request *req, void *arg),
                          void *arg);
/**
 * Sets the idle keep-alive timeout and the read/write inactivity timeout
 * of connections, in seconds (default 60).
 */
void evhttp_set_timeout(struct evhttp *http, int timeout_in_secs);
/** evhttp_set_timeout() with a timeval. */
void evhttp_set_timeout_tv(struct evhttp *http, const struct timeval *tv);
/**
 * Sets how long a client may take to send a whole request head once its
 * first byte has arrived (default 30 s); past it the server answers 408
 * and closes.  A libev extension.
 */
void evhttp_set_request_timeout_tv(struct evhttp *http,
                                   const struct timeval *tv);
/** Maximum size of a request's header section, bytes (431 beyond). */
void evhttp_set_max_headers_size(struct evhttp *http,
                                 ev_ssize_t max_headers_size);
/** Maximum size of a request body, bytes (413 beyond). */
void evhttp_set_max_body_size(struct evhttp *http, ev_ssize_t max_body_size);
/** Maximum length of a request target, bytes (414 beyond). libev. */
void evhttp_set_max_uri_size(struct evhttp *http, ev_ssize_t max_uri_size);
/**
 * Maximum number of connections open at once; further clients wait in
 * the kernel's listen queue until one closes.
 */
void evhttp_set_max_connections(struct evhttp *http, int max_connections);
/**
 * Methods (EVHTTP_REQ_* bits) the server accepts; others get 405 if the
 * method is known, 501 if not.  Default: GET POST HEAD PUT DELETE OPTIONS
 * PATCH.
 */
void evhttp_set_allowed_methods(struct evhttp *http, ev_uint16_t methods);
/** Number of connections currently open on the server. */
int evhttp_get_connection_count(struct evhttp *http);
/** @} */

/* ---------------------------------------------------------------------- */
/** @name Replies (server side)
 * @{ */

/**
 * Sends an error page with `error` and `reason` (NULL: the standard
 * phrase) and finishes the request.
 */
void evhttp_send_error(struct evhttp_request *req, int error,
                       const char *reason);
/**
 * Sends a complete reply: status, `output_headers` and `databuf` (may be
 * NULL; drained) as the body with a Content-Length.  Finishes the request.
 */
void evhttp_send_reply(struct evhttp_request *req, int code, const char *reason,
                       struct evbuffer *databuf);
/**
 * Starts a streamed reply: sends the status and headers, then the body
 * follows through evhttp_send_reply_chunk() (chunked for HTTP/1.1
 * clients, until close for HTTP/1.0 ones).
 */
void evhttp_send_reply_start(struct evhttp_request *req, int code,
                             const char *reason);
/** Sends the contents of `databuf` (drained) as one piece of the body. */
void evhttp_send_reply_chunk(struct evhttp_request *req,
                             struct evbuffer *databuf);
/**
 * Like evhttp_send_reply_chunk(), then calls `cb` once everything queued
 * so far has been written to the socket: the way to stream a large reply
 * without buffering it all (send the next piece from `cb`).
 */
void evhttp_send_reply_chunk_with_cb(
    struct evhttp_request *req, struct evbuffer *databuf,
    void (*cb)(struct evhttp_connection *evcon, void *arg), void *arg);
/** Ends a streamed reply and finishes the request. */
void evhttp_send_reply_end(struct evhttp_request *req);
/** @} */

/* ---------------------------------------------------------------------- */
/** @name Request objects
 * @{ */

/**
 * Creates a request for evhttp_make_request(); `cb` runs when the
 * response is complete (with NULL on failure).  The library frees the
 * request after `cb` returns unless evhttp_request_own() was called.
 */
struct evhttp_request *evhttp_request_new(evhttp_request_cb cb, void *arg);
/** Frees a request that the library does not own (see own()). */
void evhttp_request_free(struct evhttp_request *req);
/** Keeps the request alive after its callback; free it yourself. */
void evhttp_request_own(struct evhttp_request *req);
/** Whether the program owns the request. */
int evhttp_request_is_owned(struct evhttp_request *req);
/**
 * Calls `cb` each time a piece of the body has arrived; the piece is in
 * `input_buffer` and is discarded after `cb` returns.  Client side: for
 * responses; server side: from the header callback (see
 * evhttp_set_header_cb()).
 */
void evhttp_request_set_chunked_cb(struct evhttp_request *req,
                                   evhttp_request_cb cb);
/**
 * Client side: calls `cb` once the response head has arrived; returning -1
 * cancels the request.
 */
void evhttp_request_set_header_cb(struct evhttp_request *req,
                                  int (*cb)(struct evhttp_request *req,
                                            void *arg));
/** Client side: calls `cb` with the reason when the request fails. */
void evhttp_request_set_error_cb(struct evhttp_request *req,
                                 void (*cb)(enum evhttp_request_error err,
                                            void *arg));
/** The connection a request travels on (NULL if none yet). */
struct evhttp_connection *
evhttp_request_get_connection(struct evhttp_request *req);
/** The request target. */
const char *evhttp_request_get_uri(const struct evhttp_request *req);
/** 1.3 name of evhttp_request_get_uri(). */
const char *evhttp_request_uri(struct evhttp_request *req);
/** The method. */
enum evhttp_cmd_type
evhttp_request_get_command(const struct evhttp_request *req);
/** The response status code. */
int evhttp_request_get_response_code(const struct evhttp_request *req);
/** The response reason phrase. */
const char *
evhttp_request_get_response_code_line(const struct evhttp_request *req);
/** The received header fields. */
struct evkeyvalq *evhttp_request_get_input_headers(struct evhttp_request *req);
/** The header fields to send. */
struct evkeyvalq *evhttp_request_get_output_headers(struct evhttp_request *req);
/** The received body. */
struct evbuffer *evhttp_request_get_input_buffer(struct evhttp_request *req);
/** The body to send. */
struct evbuffer *evhttp_request_get_output_buffer(struct evhttp_request *req);
/** The host the request is for: its Host field, else the peer's name. */
const char *evhttp_request_get_host(struct evhttp_request *req);
/** @} */

/* ---------------------------------------------------------------------- */
/** @name Client connections
 * @{ */

/**
 * Creates a client connection to `address`:`port`.  A numeric address is
 * used as is; a name is looked up through `dnsbase` (libev-dns) when
 * given, else with the system resolver in a blocking call.  Nothing is
 * connected until the first request.
 * @return the connection, or NULL (out of memory).
 */
struct evhttp_connection *evhttp_connection_base_new(struct event_base *base,
                                                     struct evdns_base *dnsbase,
                                                     const char *address,
                                                     ev_uint16_t port);
/** 1.3 API: evhttp_connection_base_new() on the current base. */
struct evhttp_connection *evhttp_connection_new(const char *address,
                                                ev_uint16_t port);
/** 1.3 API: moves a connection (with nothing pending) to `base`. */
void evhttp_connection_set_base(struct evhttp_connection *evcon,
                                struct event_base *base);
/** The base of a connection. */
struct event_base *evhttp_connection_get_base(struct evhttp_connection *evcon);
/**
 * Frees a connection.  Client side: pending requests are freed without
 * their callbacks (requests the program owns are only detached).  The
 * close callback runs if the connection was open.  Safe from inside any
 * callback of the connection (the teardown then happens from the loop).
 */
void evhttp_connection_free(struct evhttp_connection *evcon);
/** Sets the connect, read and write timeouts at once, seconds (-1: default). */
void evhttp_connection_set_timeout(struct evhttp_connection *evcon,
                                   int timeout_in_secs);
/** evhttp_connection_set_timeout() with a timeval. */
void evhttp_connection_set_timeout_tv(struct evhttp_connection *evcon,
                                      const struct timeval *tv);
/** Timeout of the TCP connect (default 45 s). */
void evhttp_connection_set_connect_timeout_tv(struct evhttp_connection *evcon,
                                              const struct timeval *tv);
/** Timeout while waiting for response bytes (default 50 s). */
void evhttp_connection_set_read_timeout_tv(struct evhttp_connection *evcon,
                                           const struct timeval *tv);
/** Timeout while a request cannot be written (default 50 s). */
void evhttp_connection_set_write_timeout_tv(struct evhttp_connection *evcon,
                                            const struct timeval *tv);
/**
 * How many times a request is retried after the connection failed before
 * any of its response arrived (default 0; -1: forever).
 */
void evhttp_connection_set_retries(struct evhttp_connection *evcon,
                                   int retry_max);
/** Delay before the first retry (doubles each time; default 2 s). */
void evhttp_connection_set_initial_retry_tv(struct evhttp_connection *evcon,
                                            const struct timeval *tv);
/** Calls `cb` whenever the connection closes. */
void evhttp_connection_set_closecb(struct evhttp_connection *evcon,
                                   void (*cb)(struct evhttp_connection *evcon,
                                              void *arg),
                                   void *arg);
/** The peer's numeric address and port; *address stays owned by evcon. */
void evhttp_connection_get_peer(struct evhttp_connection *evcon, char **address,
                                ev_uint16_t *port);
/** Maximum size of a response header section (client). */
void evhttp_connection_set_max_headers_size(struct evhttp_connection *evcon,
                                            ev_ssize_t new_max_headers_size);
/** Maximum size of a response body (client). */
void evhttp_connection_set_max_body_size(struct evhttp_connection *evcon,
                                         ev_ssize_t new_max_body_size);
/** The server a server-side connection belongs to (NULL for clients). */
struct evhttp *evhttp_connection_get_server(struct evhttp_connection *evcon);
/**
 * Queues `req` on `evcon` and sends it as soon as possible (requests are
 * pipelined on a keep-alive connection).  Adds Host, Content-Length and
 * Connection fields when missing.  The library owns `req` from here.
 * @return 0, or -1 (invalid arguments; the request is freed).
 */
int evhttp_make_request(struct evhttp_connection *evcon,
                        struct evhttp_request *req, enum evhttp_cmd_type type,
                        const char *uri);
/**
 * Cancels a pending client request: its callback will not run.  A request
 * already on the wire closes the connection (the next one reconnects).
 */
void evhttp_cancel_request(struct evhttp_request *req);
/** @} */

/* ---------------------------------------------------------------------- */
/** @name Header lists
 * @{ */

/** First value of `key` (case-insensitive), or NULL. */
const char *evhttp_find_header(const struct evkeyvalq *headers,
                               const char *key);
/** Removes the first field named `key`. @return 0, or -1 if none. */
int evhttp_remove_header(struct evkeyvalq *headers, const char *key);
/**
 * Appends a field.  Refuses (returns -1) a name that is not an HTTP token
 * and a value containing CR or LF, so no header can be injected.
 * @return 0, or -1.
 */
int evhttp_add_header(struct evkeyvalq *headers, const char *key,
                      const char *value);
/** Removes and frees every field. */
void evhttp_clear_headers(struct evkeyvalq *headers);
/** @} */

/* ---------------------------------------------------------------------- */
/** @name URI and HTML helpers
 * @{ */

/**
 * Percent-encodes every byte of `str` but the unreserved characters
 * (ALPHA DIGIT - . _ ~).  @return a malloc'd string, or NULL.
 */
char *evhttp_encode_uri(const char *str);
/**
 * Percent-encodes `size` bytes of `str` (-1: up to its NUL); with
 * `space_to_plus`, spaces become '+'.  @return a malloc'd string, or NULL.
 */
char *evhttp_uriencode(const char *str, ev_ssize_t size, int space_to_plus);
/**
 * Decodes %XX escapes; '+' becomes a space only after a '?' (libevent's
 * behaviour).  @return a malloc'd string, or NULL.
 */
char *evhttp_decode_uri(const char *uri);
/**
 * Decodes %XX escapes; with `decode_plus`, '+' becomes a space.  Invalid
 * escapes are kept as they are.  *size_out (if not NULL) receives the
 * length, since the result may contain NUL bytes.
 * @return a malloc'd string, or NULL.
 */
char *evhttp_uridecode(const char *uri, int decode_plus, size_t *size_out);
/**
 * Parses the query of `uri` (the part after '?') into `headers` as
 * key/value pairs, decoding values ('+' as space).
 * @return 0, or -1 on a malformed query (headers left empty).
 */
int evhttp_parse_query(const char *uri, struct evkeyvalq *headers);
/** Like evhttp_parse_query() for a bare query string (no '?'). */
int evhttp_parse_query_str(const char *uri, struct evkeyvalq *headers);
/**
 * Escapes < > " ' & as HTML entities.  @return a malloc'd string, or NULL.
 */
char *evhttp_htmlescape(const char *html);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* LIBEV_EVHTTP_H */
