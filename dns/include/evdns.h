/**
 * @file evdns.h
 * @brief libev-dns: an asynchronous DNS resolver and a DNS server library.
 *
 * Source-compatible with libevent's `<evdns.h>` (1.3 API, process-wide
 * resolver on the current base) and `<event2/dns.h>` (2.x API with an
 * explicit `struct evdns_base`).  Built on libev-core's public API only.
 *
 * Threading: a resolver base and a server port are used from the thread
 * that runs their event base.  Callbacks run from inside the event loop,
 * never from inside the call that started the request (except where a
 * function says so, e.g. evdns_getaddrinfo() with an immediate answer).
 */
#ifndef LIBEV_EVDNS_H
#define LIBEV_EVDNS_H

#include <event.h>
#include <evutil.h>
#include <netdb.h>
#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @name Result codes passed to resolver callbacks (values fixed by libevent)
 * @{ */
#define DNS_ERR_NONE         0  /**< No error: the answer is in `addresses`. */
#define DNS_ERR_FORMAT       1  /**< The server could not parse our query. */
#define DNS_ERR_SERVERFAILED 2  /**< The server failed (SERVFAIL). */
#define DNS_ERR_NOTEXIST     3  /**< The name does not exist (NXDOMAIN). */
#define DNS_ERR_NOTIMPL      4  /**< The server does not do such queries. */
#define DNS_ERR_REFUSED      5  /**< The server refused the query. */
#define DNS_ERR_TRUNCATED    65 /**< The reply was truncated or malformed. */
#define DNS_ERR_UNKNOWN      66 /**< An unknown error happened. */
#define DNS_ERR_TIMEOUT      67 /**< No server answered in time. */
#define DNS_ERR_SHUTDOWN     68 /**< The resolver was freed meanwhile. */
#define DNS_ERR_CANCEL       69 /**< The request was cancelled. */
#define DNS_ERR_NODATA       70 /**< The name has no record of this type. */
/** @} */

/** @name Answer types passed to resolver callbacks
 * @{ */
#define DNS_IPv4_A    1 /**< `addresses`: `count` struct in_addr. */
#define DNS_PTR       2 /**< `addresses`: a `char **` (points at the host name). */
#define DNS_IPv6_AAAA 3 /**< `addresses`: `count` struct in6_addr. */
/** @} */

/** Resolve flag: look the name up as given, without the search list. */
#define DNS_QUERY_NO_SEARCH 1

/** @name Parts of resolv.conf to honour (evdns_base_resolv_conf_parse())
 * @{ */
#define DNS_OPTION_SEARCH      1 /**< `search` and `domain` lines. */
#define DNS_OPTION_NAMESERVERS 2 /**< `nameserver` lines. */
#define DNS_OPTION_MISC        4 /**< `options` lines. */
#define DNS_OPTION_HOSTSFILE   8 /**< Also load /etc/hosts for getaddrinfo. */
/** Everything above. */
#define DNS_OPTIONS_ALL                                                        \
	(DNS_OPTION_SEARCH | DNS_OPTION_NAMESERVERS | DNS_OPTION_MISC |        \
	 DNS_OPTION_HOSTSFILE)
/** @} */

/** evdns_base_new() flag: read /etc/resolv.conf (and /etc/hosts) now. */
#define EVDNS_BASE_INITIALIZE_NAMESERVERS 1
/** evdns_base_new() flag (libevent 2.1): accepted; libev's resolver never
 *  keeps the loop alive while idle anyway. */
#define EVDNS_BASE_DISABLE_WHEN_INACTIVE 0x8000
/** evdns_base_new() flag (libevent 2.2): with INITIALIZE_NAMESERVERS, do not
 *  fall back to 127.0.0.1 when resolv.conf names no server. */
#define EVDNS_BASE_NAMESERVERS_NO_DEFAULT 0x10000

/**
 * A resolver callback.
 * @param result DNS_ERR_NONE or another DNS_ERR_* code.
 * @param type DNS_IPv4_A, DNS_IPv6_AAAA or DNS_PTR.
 * @param count number of addresses (0 on error).
 * @param ttl smallest time-to-live of the records used, in seconds.
 * @param addresses the answer (see DNS_IPv4_A etc.); owned by the
 *        library and valid only during the callback.
 * @param arg the argument given when the request was made.
 */
typedef void (*evdns_callback_type)(int result, char type, int count, int ttl,
                                    void *addresses, void *arg);

/** A resolver: nameservers, search list, options and pending requests. */
struct evdns_base;
/** A pending resolve request, valid until its callback has run. */
struct evdns_request;

/* ---------------------------------------------------------------------- */
/** @name Resolver bases (2.x API)
 * @{ */

/**
 * Creates a resolver on `event_base`.
 * @param event_base the loop its sockets and timers live on.
 * @param flags 0 (no nameservers: add them yourself), or
 *        EVDNS_BASE_INITIALIZE_NAMESERVERS to read /etc/resolv.conf
 *        (falling back to 127.0.0.1, with a log line, when it names no
 *        server unless EVDNS_BASE_NAMESERVERS_NO_DEFAULT).
 * @return the resolver, or NULL on failure (out of memory or no random
 *         source).
 */
struct evdns_base *evdns_base_new(struct event_base *event_base, int flags);
/**
 * Frees a resolver.  Each pending resolve request's callback runs once
 * with DNS_ERR_SHUTDOWN when `fail_requests` is true; otherwise those are
 * freed silently.  Pending evdns_getaddrinfo() callbacks always run
 * once, with EVUTIL_EAI_CANCEL, so their owners can release their state.
 * May be called from one of the resolver's own callbacks: the memory is
 * released when that callback has returned.
 */
void evdns_base_free(struct evdns_base *base, int fail_requests);
/**
 * Adds an IPv4 nameserver on port 53.
 * @param base the resolver.
 * @param address IPv4 address in network byte order.
 * @return 0 on success, 3 if it is already listed, -1 (or 2) on failure.
 */
int evdns_base_nameserver_add(struct evdns_base *base,
                              unsigned long int address);
/**
 * Adds a nameserver given as text: "1.2.3.4", "1.2.3.4:5353", "::1",
 * "[::1]:5353".
 * @return 0 on success, 3 if already listed, 4 if the text does not parse,
 *         -1 or 2 on failure.
 */
int evdns_base_nameserver_ip_add(struct evdns_base *base,
                                 const char *ip_as_string);
/**
 * Adds a nameserver given as a socket address (IPv4 or IPv6).
 * @param base the resolver.
 * @param sa the server address (port 0 means 53).
 * @param len size of `sa`.
 * @param flags must be 0.
 * @return 0 on success, 3 if already listed, -1 or 2 on failure.
 */
int evdns_base_nameserver_sockaddr_add(struct evdns_base *base,
                                       const struct sockaddr *sa,
                                       ev_socklen_t len, unsigned flags);
/** Number of configured nameservers. */
int evdns_base_count_nameservers(struct evdns_base *base);
/**
 * Removes every nameserver and holds new requests (they queue) until
 * evdns_base_resume().  In-flight requests are re-queued.
 * @return 0.
 */
int evdns_base_clear_nameservers_and_suspend(struct evdns_base *base);
/**
 * Sends the requests queued while suspended.
 * @return 0.
 */
int evdns_base_resume(struct evdns_base *base);
/**
 * Sets an option, named as in resolv.conf with a trailing colon:
 * `ndots:`, `timeout:` (seconds, fractions allowed), `max-timeouts:`,
 * `max-inflight:`, `attempts:`, `randomize-case:`,
 * `initial-probe-timeout:`, `so-rcvbuf:`, `so-sndbuf:`, `bind-to:`,
 * `rotate`, and the libev additions `edns-udp-size:` (0 turns EDNS0
 * off; default 1232), `port-rotate:` (queries sent from one random
 * source port before a new one is drawn; default 256, 0 = never) and
 * `cache-size:` (entries of the answer cache; 0, the default, turns it
 * off).
 * @return 0 on success, -1 for an unknown name or a bad value.
 */
int evdns_base_set_option(struct evdns_base *base, const char *option,
                          const char *val);
/**
 * Reads a resolv.conf-style file: `nameserver`, `search`, `domain`,
 * `options ndots: timeout: attempts: rotate ...`.
 * @param base the resolver.
 * @param flags which parts to honour (DNS_OPTION_*).
 * @param filename the file (e.g. "/etc/resolv.conf").
 * @return 0 on success; 1 if the file could not be opened, 2 if it could
 *         not be read, 6 on out of memory (libevent's codes).  When no
 *         nameserver results, 127.0.0.1 is added and a line is logged.
 */
int evdns_base_resolv_conf_parse(struct evdns_base *base, int flags,
                                 const char *const filename);
/**
 * Loads a hosts file that evdns_getaddrinfo() consults before DNS.
 * @param base the resolver.
 * @param hosts_fname the file, or NULL for /etc/hosts.
 * @return 0 on success, -1 if it could not be read.
 */
int evdns_base_load_hosts(struct evdns_base *base, const char *hosts_fname);
/** Empties the search list. */
void evdns_base_search_clear(struct evdns_base *base);
/** Appends a domain to the search list. */
void evdns_base_search_add(struct evdns_base *base, const char *domain);
/** Sets ndots: names with at least this many dots are tried as-is first. */
void evdns_base_search_ndots_set(struct evdns_base *base, const int ndots);
/**
 * Starts an A lookup.
 * @param base the resolver.
 * @param name the host name to look up.
 * @param callback called once with the result.
 * @param ptr passed to `callback`.
 * @param flags 0 or DNS_QUERY_NO_SEARCH.
 * @return a handle valid until the callback runs (for
 *         evdns_cancel_request()), or NULL on failure (the callback is
 *         then not called).
 */
struct evdns_request *evdns_base_resolve_ipv4(struct evdns_base *base,
                                              const char *name, int flags,
                                              evdns_callback_type callback,
                                              void *ptr);
/** Starts an AAAA lookup; see evdns_base_resolve_ipv4(). */
struct evdns_request *evdns_base_resolve_ipv6(struct evdns_base *base,
                                              const char *name, int flags,
                                              evdns_callback_type callback,
                                              void *ptr);
/** Starts a PTR lookup of an IPv4 address (in-addr.arpa). */
struct evdns_request *
evdns_base_resolve_reverse(struct evdns_base *base, const struct in_addr *in,
                           int flags, evdns_callback_type callback, void *ptr);
/** Starts a PTR lookup of an IPv6 address (ip6.arpa). */
struct evdns_request *
evdns_base_resolve_reverse_ipv6(struct evdns_base *base,
                                const struct in6_addr *in, int flags,
                                evdns_callback_type callback, void *ptr);
/**
 * Cancels a pending request: its callback runs once with DNS_ERR_CANCEL,
 * from the event loop shortly after (as in libevent 2.x, where it is
 * deferred), and the handle is freed after that.
 */
void evdns_cancel_request(struct evdns_base *base, struct evdns_request *req);

/** Counters of a resolver (a libev addition, for tests and monitoring). */
struct evdns_base_stats {
	unsigned long sent;         /**< Queries sent (UDP and TCP). */
	unsigned long received;     /**< Datagrams read from nameservers. */
	unsigned long accepted;     /**< Replies matched to a request. */
	unsigned long bad_source;   /**< Replies from an address not asked. */
	unsigned long bad_id;       /**< Replies with no pending ID. */
	unsigned long bad_question; /**< Replies whose question differs. */
	unsigned long malformed;    /**< Replies that failed to parse. */
	unsigned long timeouts;     /**< Query transmissions that timed out. */
	unsigned long tcp_retries;  /**< Truncated replies retried over TCP. */
	unsigned long cache_hits;   /**< Answers served from the cache. */
};
/** Copies the resolver's counters into `out`. */
void evdns_base_get_stats(const struct evdns_base *base,
                          struct evdns_base_stats *out);
/** @} */

/* ---------------------------------------------------------------------- */
/** @name getaddrinfo
 * @{ */
#ifndef EVUTIL_AI_PASSIVE
#ifdef AI_PASSIVE
/** libevent's name for struct addrinfo (the system's own struct here). */
#define evutil_addrinfo addrinfo
#else
/**
 * struct addrinfo under libevent's name, for programs built without the
 * POSIX feature macros that make <netdb.h> declare it.  Same layout as
 * the C library's struct addrinfo, which is what the library fills in.
 */
struct evutil_addrinfo {
	int ai_flags;                    /**< AI_* flags. */
	int ai_family;                   /**< AF_INET or AF_INET6. */
	int ai_socktype;                 /**< SOCK_STREAM, SOCK_DGRAM... */
	int ai_protocol;                 /**< IPPROTO_TCP, IPPROTO_UDP... */
	socklen_t ai_addrlen;            /**< Length of ai_addr. */
	struct sockaddr *ai_addr;        /**< The address. */
	char *ai_canonname;              /**< Canonical name (AI_CANONNAME). */
	struct evutil_addrinfo *ai_next; /**< Next entry, or NULL. */
};
#endif
#ifdef AI_PASSIVE
/** @name AI_* flags under libevent's names
 * @{ */
#define EVUTIL_AI_PASSIVE     AI_PASSIVE     /**< Wildcard address. */
#define EVUTIL_AI_CANONNAME   AI_CANONNAME   /**< Fill ai_canonname. */
#define EVUTIL_AI_NUMERICHOST AI_NUMERICHOST /**< No name lookup. */
#define EVUTIL_AI_NUMERICSERV AI_NUMERICSERV /**< No service lookup. */
#define EVUTIL_AI_V4MAPPED    AI_V4MAPPED    /**< Map IPv4 into IPv6. */
#define EVUTIL_AI_ALL         AI_ALL         /**< With V4MAPPED: both. */
#define EVUTIL_AI_ADDRCONFIG  AI_ADDRCONFIG  /**< Configured families. */
/** @} */
#else
/* glibc's values, for programs built without POSIX feature macros. */
#define EVUTIL_AI_PASSIVE     0x0001 /**< Wildcard address. */
#define EVUTIL_AI_CANONNAME   0x0002 /**< Fill ai_canonname. */
#define EVUTIL_AI_NUMERICHOST 0x0004 /**< No name lookup. */
#define EVUTIL_AI_NUMERICSERV 0x0400 /**< No service lookup. */
#define EVUTIL_AI_V4MAPPED    0x0008 /**< Map IPv4 into IPv6. */
#define EVUTIL_AI_ALL         0x0010 /**< With V4MAPPED: both. */
#define EVUTIL_AI_ADDRCONFIG  0x0020 /**< Configured families. */
#endif
/** @name getaddrinfo errors under libevent's names (glibc's values)
 * @{ */
#define EVUTIL_EAI_BADFLAGS   (-1)  /**< Bad ai_flags. */
#define EVUTIL_EAI_NONAME     (-2)  /**< Name unknown. */
#define EVUTIL_EAI_AGAIN      (-3)  /**< Temporary failure. */
#define EVUTIL_EAI_FAIL       (-4)  /**< Permanent failure. */
#define EVUTIL_EAI_NODATA     (-5)  /**< No address for the name. */
#define EVUTIL_EAI_FAMILY     (-6)  /**< Family not supported. */
#define EVUTIL_EAI_SOCKTYPE   (-7)  /**< Socket type not supported. */
#define EVUTIL_EAI_SERVICE    (-8)  /**< Service unknown. */
#define EVUTIL_EAI_ADDRFAMILY (-9)  /**< Address of the other family. */
#define EVUTIL_EAI_MEMORY     (-10) /**< Out of memory. */
#define EVUTIL_EAI_SYSTEM     (-11) /**< System error (errno). */
/** @} */
/** The request was cancelled (libevent's value). */
#define EVUTIL_EAI_CANCEL (-90001)
/** Frees a result of evdns_getaddrinfo() (see evdns_freeaddrinfo()). */
#define evutil_freeaddrinfo(ai) evdns_freeaddrinfo(ai)
#endif

/**
 * Frees a result list of evdns_getaddrinfo().  The list is laid out like
 * glibc's, so freeaddrinfo(3) frees it too.
 */
void evdns_freeaddrinfo(struct evutil_addrinfo *ai);

/**
 * getaddrinfo callback.
 * @param result 0 or an EVUTIL_EAI_* error (EVUTIL_EAI_CANCEL when
 *        cancelled).
 * @param res the addresses (caller frees with evutil_freeaddrinfo()), or
 *        NULL on error.
 * @param arg the argument given to evdns_getaddrinfo().
 */
typedef void (*evdns_getaddrinfo_cb)(int result, struct evutil_addrinfo *res,
                                     void *arg);
/** A pending evdns_getaddrinfo() request. */
struct evdns_getaddrinfo_request;
/**
 * Resolves a host and service like getaddrinfo(3), asynchronously:
 * numeric hosts and services are answered at once, then the hosts file
 * (see evdns_base_load_hosts(); /etc/hosts by default), then DNS (A and
 * AAAA of one name, using the search list so both answers are for the
 * same name).  AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, AI_NUMERICSERV,
 * AI_V4MAPPED, AI_ALL and AI_ADDRCONFIG (treated as "both families") are
 * honoured.
 * @return a handle, or NULL when the callback has already run (immediate
 *         answer or error).
 */
struct evdns_getaddrinfo_request *
evdns_getaddrinfo(struct evdns_base *dns_base, const char *nodename,
                  const char *servname, const struct evutil_addrinfo *hints_in,
                  evdns_getaddrinfo_cb cb, void *arg);
/**
 * Cancels a pending evdns_getaddrinfo(): the callback runs once with
 * EVUTIL_EAI_CANCEL (unless it already ran).
 */
void evdns_getaddrinfo_cancel(struct evdns_getaddrinfo_request *req);
/** @} */

/* ---------------------------------------------------------------------- */
/** @name Logging and randomness
 * @{ */
/** A log function: `is_warning` is 1 for warnings, 0 for debug output. */
typedef void (*evdns_debug_log_fn_type)(int is_warning, const char *msg);
/**
 * Sets the process-wide log function.  With NULL (the default), messages
 * go to the core log (event_set_log_callback()): warnings at
 * EVENT_LOG_WARN, debug output at EVENT_LOG_DEBUG.
 */
void evdns_set_log_fn(evdns_debug_log_fn_type fn);
/**
 * Replaces the transaction ID generator (libevent API).  By default IDs
 * come from the kernel CSPRNG (getrandom); only tests should change it.
 * NULL restores the default.
 */
void evdns_set_transaction_id_fn(ev_uint16_t (*fn)(void));
/** Replaces the random byte source (libevent API); NULL restores getrandom. */
void evdns_set_random_bytes_fn(void (*fn)(char *, size_t));
/** Text for a DNS_ERR_* code ("unknown" for others). */
const char *evdns_err_to_string(int err);
/** @} */

/* ---------------------------------------------------------------------- */
/** @name 1.3 API: the process-wide resolver on the current base
 * @{ */
/**
 * Creates the process-wide resolver on the current base (event_init())
 * and reads /etc/resolv.conf.
 * @return 0 on success, -1 on failure.
 */
int evdns_init(void);
/** The process-wide resolver, or NULL before evdns_init(). */
struct evdns_base *evdns_get_global_base(void);
/** Frees the process-wide resolver; see evdns_base_free(). */
void evdns_shutdown(int fail_requests);
/** evdns_base_nameserver_add() on the process-wide resolver. */
int evdns_nameserver_add(unsigned long int address);
/** evdns_base_count_nameservers() on the process-wide resolver. */
int evdns_count_nameservers(void);
/** evdns_base_clear_nameservers_and_suspend() on the process-wide resolver. */
int evdns_clear_nameservers_and_suspend(void);
/** evdns_base_resume() on the process-wide resolver. */
int evdns_resume(void);
/** evdns_base_nameserver_ip_add() on the process-wide resolver. */
int evdns_nameserver_ip_add(const char *ip_as_string);
/**
 * evdns_base_resolve_ipv4() on the process-wide resolver.
 * @return 0 on success, -1 on failure.
 */
int evdns_resolve_ipv4(const char *name, int flags,
                       evdns_callback_type callback, void *ptr);
/** evdns_base_resolve_ipv6() on the process-wide resolver; 0 or -1. */
int evdns_resolve_ipv6(const char *name, int flags,
                       evdns_callback_type callback, void *ptr);
/** evdns_base_resolve_reverse() on the process-wide resolver; 0 or -1. */
int evdns_resolve_reverse(const struct in_addr *ip, int flags,
                          evdns_callback_type callback, void *ptr);
/** evdns_base_resolve_reverse_ipv6() on the process-wide resolver; 0 or -1. */
int evdns_resolve_reverse_ipv6(const struct in6_addr *ip, int flags,
                               evdns_callback_type callback, void *ptr);
/**
 * evdns_base_set_option() on the process-wide resolver.
 * @param option the option name, with its colon (e.g. "ndots:").
 * @param val its value as text.
 * @param flags ignored (libevent's DNS_OPTION_* filter).
 */
int evdns_set_option(const char *option, const char *val, int flags);
/** evdns_base_resolv_conf_parse() on the process-wide resolver. */
int evdns_resolv_conf_parse(int flags, const char *const filename);
/** evdns_base_search_clear() on the process-wide resolver. */
void evdns_search_clear(void);
/** evdns_base_search_add() on the process-wide resolver. */
void evdns_search_add(const char *domain);
/** evdns_base_search_ndots_set() on the process-wide resolver. */
void evdns_search_ndots_set(const int ndots);
/** @} */

/* ---------------------------------------------------------------------- */
/** @name DNS server
 * @{ */

/** @name Record types for the server API
 * @{ */
#define EVDNS_TYPE_A     1   /**< IPv4 address. */
#define EVDNS_TYPE_NS    2   /**< Name server. */
#define EVDNS_TYPE_CNAME 5   /**< Canonical name (alias). */
#define EVDNS_TYPE_SOA   6   /**< Start of authority. */
#define EVDNS_TYPE_PTR   12  /**< Domain name pointer (reverse). */
#define EVDNS_TYPE_MX    15  /**< Mail exchange. */
#define EVDNS_TYPE_TXT   16  /**< Text strings. */
#define EVDNS_TYPE_AAAA  28  /**< IPv6 address. */
#define EVDNS_QTYPE_AXFR 252 /**< Question type: zone transfer. */
#define EVDNS_QTYPE_ALL  255 /**< Question type: any record. */
/** @} */
/** The Internet class. */
#define EVDNS_CLASS_INET 1
/** Header flag: authoritative answer (evdns_server_request_set_flags()). */
#define EVDNS_FLAGS_AA 0x400
/** Header flag: recursion desired (as seen in `flags` of a request). */
#define EVDNS_FLAGS_RD 0x080
/** @name Sections for evdns_server_request_add_reply()
 * @{ */
#define EVDNS_ANSWER_SECTION     0 /**< The answer section. */
#define EVDNS_AUTHORITY_SECTION  1 /**< The authority section. */
#define EVDNS_ADDITIONAL_SECTION 2 /**< The additional section. */
/** @} */
/** Flag of evdns_add_server_port_with_base(): `fd` is a listening TCP
 *  socket (1, libevent 1.3's `is_tcp`). */
#define EVDNS_SERVER_PORT_TCP 1

/** One question of a request received by a server port. */
struct evdns_server_question {
	int type;               /**< EVDNS_TYPE_* or EVDNS_QTYPE_*. */
	int dns_question_class; /**< Usually EVDNS_CLASS_INET. */
	char name[1];           /**< The name asked, as text (NUL-terminated,
	                             allocated longer than declared). */
};

/** A request received by a server port.  Only these fields are public. */
struct evdns_server_request {
	int flags;      /**< Header flags of the query (e.g. EVDNS_FLAGS_RD). */
	int nquestions; /**< Number of entries in `questions`. */
	struct evdns_server_question **questions; /**< The questions. */
};

/** A socket that a DNS server listens on. */
struct evdns_server_port;

/**
 * Called for each request received.  The callback (or later code) must
 * end the request with evdns_server_request_respond() or
 * evdns_server_request_drop().
 */
typedef void (*evdns_request_callback_fn_type)(struct evdns_server_request *,
                                               void *);

/**
 * Serves DNS on a socket.
 * @param base the loop.
 * @param fd a bound UDP socket, or a listening TCP socket when `flags`
 *        has EVDNS_SERVER_PORT_TCP (a SOCK_STREAM socket is also
 *        recognised by itself).  Made non-blocking; from now on the port
 *        owns it and evdns_close_server_port() closes it (as libevent).
 * @param flags 0 or EVDNS_SERVER_PORT_TCP.
 * @param callback called for each request.
 * @param user_data passed to `callback`.
 * @return the port, or NULL on failure.
 */
struct evdns_server_port *evdns_add_server_port_with_base(
    struct event_base *base, evutil_socket_t fd, int flags,
    evdns_request_callback_fn_type callback, void *user_data);
/**
 * Serves DNS over TCP on a listening socket (a libev addition, like
 * libevent 2.2's evdns_add_server_port_with_listener()): connections are
 * accepted, each carries length-prefixed queries (RFC 1035 4.2.2), and
 * idle connections are closed after 10 seconds.
 * @return the port, or NULL on failure.
 */
struct evdns_server_port *evdns_add_server_port_tcp_with_base(
    struct event_base *base, evutil_socket_t listen_fd, int flags,
    evdns_request_callback_fn_type callback, void *user_data);
/** evdns_add_server_port_with_base() on the current base (1.3 API). */
struct evdns_server_port *
evdns_add_server_port(evutil_socket_t socket, int flags,
                      evdns_request_callback_fn_type callback, void *user_data);
/**
 * Stops serving.  Requests not yet answered stay valid until they are
 * responded to or dropped; the port's memory goes with the last one.
 */
void evdns_close_server_port(struct evdns_server_port *port);

/** Counters of a server port (a libev addition). */
struct evdns_server_stats {
	unsigned long received;  /**< Messages read. */
	unsigned long answered;  /**< Replies sent. */
	unsigned long formerr;   /**< Malformed queries answered FORMERR. */
	unsigned long dropped;   /**< Messages dropped unanswered. */
	unsigned long truncated; /**< Replies cut to fit, with TC set. */
};
/** Copies a server port's counters into `out`. */
void evdns_server_port_get_stats(const struct evdns_server_port *port,
                                 struct evdns_server_stats *out);

/**
 * Adds a record to the reply.
 * @param req the request being answered.
 * @param section EVDNS_ANSWER_SECTION, _AUTHORITY_ or _ADDITIONAL_.
 * @param name owner name (text).
 * @param type record type; @param dns_class record class.
 * @param ttl time-to-live in seconds.
 * @param datalen length of `data`, or -1 for a NUL-terminated string
 *        when `is_name` is set.
 * @param is_name `data` is a domain name (text), written compressed.
 * @param data the record data.
 * @return 0 on success, -1 on failure (bad name, or already responded).
 */
int evdns_server_request_add_reply(struct evdns_server_request *req,
                                   int section, const char *name, int type,
                                   int dns_class, int ttl, int datalen,
                                   int is_name, const char *data);
/** Adds `n` A records (`addrs`: n * 4 bytes, network order). 0 or -1. */
int evdns_server_request_add_a_reply(struct evdns_server_request *req,
                                     const char *name, int n, const void *addrs,
                                     int ttl);
/** Adds `n` AAAA records (`addrs`: n * 16 bytes). 0 or -1. */
int evdns_server_request_add_aaaa_reply(struct evdns_server_request *req,
                                        const char *name, int n,
                                        const void *addrs, int ttl);
/**
 * Adds a PTR record for `in` (its in-addr.arpa name) or, when `in` is
 * NULL, for the name `inaddr_name`.
 * @return 0 or -1.
 */
int evdns_server_request_add_ptr_reply(struct evdns_server_request *req,
                                       struct in_addr *in,
                                       const char *inaddr_name,
                                       const char *hostname, int ttl);
/** Adds a CNAME record `name` -> `cname`. 0 or -1. */
int evdns_server_request_add_cname_reply(struct evdns_server_request *req,
                                         const char *name, const char *cname,
                                         int ttl);
/** Sets header flags of the reply (e.g. EVDNS_FLAGS_AA). */
void evdns_server_request_set_flags(struct evdns_server_request *req,
                                    int flags);
/**
 * Sends the reply with rcode `err` (0 = NOERROR, 3 = NXDOMAIN, ...) and
 * frees the request.  Replies too large for the client's UDP size (512,
 * or its EDNS0 size) are cut at a record boundary and get the TC flag.
 * @return 0 on success, -1 if sending failed (the request is freed).
 */
int evdns_server_request_respond(struct evdns_server_request *req, int err);
/** Frees the request without replying. @return 0. */
int evdns_server_request_drop(struct evdns_server_request *req);
/**
 * Copies the client's address into `sa`.
 * @return 0 on success, -1 if `addr_len` is too small.
 */
int evdns_server_request_get_requesting_addr(struct evdns_server_request *req,
                                             struct sockaddr *sa, int addr_len);
/** @} */

#ifdef __cplusplus
}
#endif
#endif /* LIBEV_EVDNS_H */
