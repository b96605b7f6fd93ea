/*
 * Private state of libev-dns: the resolver base, its nameservers and
 * requests.  Only libev-dns's own sources include this; it sees nothing
 * of libev-core but the public headers.
 */
#ifndef LIBEV_DNS_INTERNAL_H
#define LIBEV_DNS_INTERNAL_H

#include <evdns.h>
#include <sys/socket.h>

#include "packet.h"

#define EV__DNS_MAX_ADDRS 32   /* addresses handed to one callback */
#define EV__DNS_BUCKETS   1024 /* transaction ID hash buckets */
#define EV__DNS_MAX_CNAME 16   /* CNAME hops followed, also across queries */

#define EV__DNS_RECV_BATCH 32 /* replies read by one recvmmsg */
#define EV__DNS_SENDQ      64 /* queries queued for one sendmmsg batch */

struct ev__dns_hosts;
struct ev__dns_cache;

/* Queries waiting for the end of a read batch (sendq.c). */
struct ev__dns_sendq {
	int batching; /* > 0: queue instead of sending */
	int n;
	struct {
		int fd;
		uint16_t len;
		uint8_t data[EV__DNS_NAME_MAX + 64];
	} pkt[EV__DNS_SENDQ];
};

/* One UDP socket of a nameserver (socket.c). */
struct ev__dns_sock {
	struct evdns_nameserver *ns;
	struct ev__dns_sock *next; /* the nameserver's list; head = current */
	int fd;
	int connected; /* fd is connect()ed to the server */
	struct event ev;
	unsigned uses; /* queries sent from it */
	int pending;   /* requests whose last query left from it */
	int retired;   /* no new queries; closed when idle */
	int in_cb;     /* its read callback is running */
};

struct evdns_nameserver {
	struct evdns_base *base;
	struct evdns_nameserver *next;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct ev__dns_sock *socks;
	int index;    /* position in the configured order */
	int timeouts; /* consecutive timeouts */
	int dead;
	struct event probe_ev; /* fires when a dead server is due a probe */
	struct timeval probe_wait;
	struct evdns_request *probe; /* the probe in flight, if any */
};

enum ev__dns_req_state {
	EV__DNS_WAITING, /* queued: suspended, no server or in-flight bound */
	EV__DNS_ACTIVE,  /* sent over UDP or TCP, timer armed */
	EV__DNS_DONE     /* result stored, callback runs from the timer */
};

struct ev__dns_req_list {
	struct evdns_request *head, *tail;
	int count;
};

struct evdns_request {
	struct evdns_base *base;
	struct evdns_request *prev, *next; /* in one of the base's lists */
	struct evdns_request *hnext; /* in the ID hash while it has an ID */
	enum ev__dns_req_state state;
	int in_hash;

	evdns_callback_type cb;
	void *arg;
	char type; /* DNS_IPv4_A, DNS_IPv6_AAAA, DNS_PTR */
	uint16_t qtype;
	int flags;

	char *name;    /* as asked (text) */
	int candidate; /* index of the search candidate being asked */
	int ncandidates;
	int cname_hops;
	int no_edns; /* the server rejected EDNS0: ask without it */
	struct evdns_nameserver *pinned; /* probes go to one server only */

	uint8_t qname[EV__DNS_NAME_MAX]; /* as sent, case randomised */
	size_t qname_len;
	uint16_t id;
	struct evdns_nameserver *ns; /* server of the last transmission */
	char *canon_out; /* getaddrinfo: gets the canonical name (text) */
	struct ev__dns_sock *sock; /* socket of the last transmission */
	int tx;                    /* transmissions of this candidate */
	struct event timer;

	/* TCP retry after a truncated UDP reply. */
	int tcp_fd;
	struct event tcp_ev;
	uint8_t *tcp_buf;
	size_t tcp_have, tcp_want;
	int tcp_reading;

	/* Stored result, for callbacks run from the timer. */
	int result;
	int count;
	int ttl;
	union {
		struct in_addr a4[EV__DNS_MAX_ADDRS];
		struct in6_addr a6[EV__DNS_MAX_ADDRS];
		char ptr[EV__DNS_TEXT_MAX];
	} ans;
};

struct evdns_base {
	struct event_base *ev_base;
	struct evdns_nameserver *servers;
	int nservers;
	unsigned rotate_next;
	int suspended;

	/* Options. */
	int ndots;
	struct timeval timeout;
	int attempts;
	int max_timeouts;
	int max_inflight;
	int randomize_case;
	struct timeval probe_timeout;
	int rotate;
	int so_rcvbuf, so_sndbuf;
	struct sockaddr_storage bind_addr;
	socklen_t bind_len;
	int edns_size;
	int port_rotate;   /* queries per source port, 0 = never rotate */
	int no_default_ns; /* EVDNS_BASE_NAMESERVERS_NO_DEFAULT */

	char **search;
	int nsearch;

	struct evdns_request *bucket[EV__DNS_BUCKETS];
	struct ev__dns_req_list waiting, active, done;
	int ninflight;

	struct ev__dns_hosts *hosts;
	int hosts_loaded;
	struct ev__dns_cache *cache;
	struct evdns_getaddrinfo_request *gai_list;

	struct evdns_base_stats stats;
	int freeing;
	int depth;              /* event callbacks of this base on the stack */
	int free_pending;       /* evdns_base_free() ran inside one of them */
	unsigned ns_generation; /* bumped when the server list is cleared */
	struct ev__dns_sendq sendq;
	uint8_t rbuf[65536];
};

/* base.c: every event callback that may run user callbacks brackets
 * itself with these, so a user callback may free the base: the memory
 * goes when the outermost callback leaves. */
void ev__dns_enter(struct evdns_base *base);
void ev__dns_leave(struct evdns_base *base);

/* log.c */
void ev__dns_log(int is_warning, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* 1 when err is how the kernel reports what the network sent (an ICMP
 * error): such failures are logged at debug level only. */
int ev__dns_errno_from_network(int err);

/* random.c */
void ev__dns_random(void *buf, size_t n);
uint16_t ev__dns_random_id(void);

/* nameserver.c */
int ev__dns_ns_add(struct evdns_base *base, const struct sockaddr *sa,
                   socklen_t len);
void ev__dns_ns_free_all(struct evdns_base *base);
struct evdns_nameserver *ev__dns_ns_pick(struct evdns_base *base,
                                         struct evdns_nameserver *after);
void ev__dns_ns_timed_out(struct evdns_nameserver *ns);
void ev__dns_ns_answered(struct evdns_nameserver *ns);
int ev__dns_ns_apply_bufsizes(struct evdns_base *base);
void ev__dns_ns_probe_failed(struct evdns_nameserver *ns);
int ev__dns_parse_addr(const char *text, struct sockaddr_storage *ss,
                       socklen_t *len, int default_port);

/* answer.c */
int ev__dns_parse_answers(struct evdns_request *req, const uint8_t *msg,
                          size_t len, size_t an_start, unsigned ancount);
int ev__dns_rcode_to_err(int rcode);

/* socket.c */
int ev__dns_sock_open(struct evdns_nameserver *ns);
struct ev__dns_sock *ev__dns_sock_for_send(struct evdns_nameserver *ns);
void ev__dns_sock_use(struct evdns_request *req, struct ev__dns_sock *s);
void ev__dns_sock_release(struct evdns_request *req);
void ev__dns_sock_done_reading(struct ev__dns_sock *s);
void ev__dns_sock_free_all(struct evdns_nameserver *ns);

/* sendq.c: queries sent while sendq.batching > 0 wait for the flush. */
void ev__dns_sock_send(struct evdns_base *base, struct ev__dns_sock *s,
                       const struct evdns_nameserver *ns, const uint8_t *pkt,
                       size_t len);
void ev__dns_sendq_flush(struct evdns_base *base);

/* search.c (and resolver.c below) */
void ev__dns_ns_readable(evutil_socket_t fd, short what, void *arg);
struct evdns_request *ev__dns_request_new(struct evdns_base *base, int type,
                                          const char *name, int flags,
                                          evdns_callback_type cb, void *arg);
void ev__dns_kick(struct evdns_base *base);
void ev__dns_requeue_all(struct evdns_base *base);
int ev__dns_search_candidate(const struct evdns_base *base, const char *name,
                             int flags, int i, char *out, size_t size);
int ev__dns_search_count(const struct evdns_base *base, const char *name,
                         int flags);
void ev__dns_probe_send(struct evdns_nameserver *ns);
void ev__dns_requests_free_all(struct evdns_base *base, int fail);
size_t ev__dns_build_query(const struct evdns_request *req, uint8_t *buf,
                           size_t cap, int edns);
void ev__dns_retry_or_fail(struct evdns_request *req, int err);

/* tcp.c */
int ev__dns_tcp_start(struct evdns_request *req);
void ev__dns_tcp_close(struct evdns_request *req);
void ev__dns_handle_reply(struct evdns_request *req, const uint8_t *msg,
                          size_t len, int via_tcp);

/* hosts.c */
struct ev__dns_hosts *ev__dns_hosts_load(const char *path);
void ev__dns_hosts_free(struct ev__dns_hosts *h);
/* Fills up to `max` addresses of `family` (AF_INET/AF_INET6) for `name`;
 * returns how many, and the canonical name (first name on the line). */
int ev__dns_hosts_lookup(const struct ev__dns_hosts *h, const char *name,
                         int family, void *addrs, int max, const char **canon);

/* cache.c */
struct ev__dns_cache *ev__dns_cache_new(int max_entries);
void ev__dns_cache_free(struct ev__dns_cache *c);
int ev__dns_cache_get(struct ev__dns_cache *c, const uint8_t *qname,
                      uint16_t qtype, struct evdns_request *out);
void ev__dns_cache_put(struct ev__dns_cache *c, const uint8_t *qname,
                       uint16_t qtype, const struct evdns_request *res);

/* getaddrinfo.c */
void ev__dns_gai_free_all(struct evdns_base *base);

/* list helpers (resolver.c) */
void ev__dns_list_push(struct ev__dns_req_list *l, struct evdns_request *r);
void ev__dns_list_remove(struct ev__dns_req_list *l, struct evdns_request *r);

/* Same address and port? */
#include <string.h>
#include <netinet/in.h>
static inline int ev__dns_sa_equal(const struct sockaddr *a,
                                   const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a,
		                         *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a,
		                          *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return 0;
}

#endif
