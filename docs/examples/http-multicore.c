/*
 * ev-http-multicore: an HTTP server on every core.  Each thread runs its
 * own base and its own evhttp, and listens on its own socket bound to the
 * same address and port with SO_REUSEPORT, so the kernel spreads incoming
 * connections over the threads and they share nothing: the bases are
 * created with EVENT_BASE_FLAG_NOLOCK and take no lock at all.
 *
 *   build/bin/ev-http-multicore [-t THREADS] [-a ADDRESS] [-p PORT]
 *
 * Defaults: 2 threads, 127.0.0.1, port 8080; port 0 picks a free one.
 * Prints "listening on ADDRESS:PORT" once every thread listens.  Every
 * reply says which thread served it (header X-Worker).  SIGINT or SIGTERM
 * stops all threads: each base watches both signals itself, so no thread
 * has to reach into another's base.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>
#include <evhttp.h>

#define MAX_THREADS 64

struct worker {
	int id;
	int fd; /* listening socket */
	pthread_t thr;
	struct event_base *base;
	struct evhttp *http;
	struct event sigint, sigterm;
	char id_str[16];
};

static void on_request(struct evhttp_request *req, void *arg)
{
	struct worker *w = arg;
	struct evbuffer *body = evhttp_request_get_output_buffer(req);

	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Worker",
	                  w->id_str);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	                  "Content-Type", "text/plain");
	evbuffer_add_printf(body, "hello from worker %d\n", w->id);
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void on_signal(evutil_socket_t signo, short what, void *arg)
{
	struct worker *w = arg;

	(void)signo;
	(void)what;
	event_base_loopbreak(w->base);
}

/* A listening socket on addr:port that shares the port with the others. */
static int listen_on(const char *addr, int port)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "not an IPv4 address: %s\n", addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 1024) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int bound_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	return ntohs(sin.sin_port);
}

/* Everything of a worker is made on the main thread, before any loop
 * runs; the thread then owns it. */
static int worker_init(struct worker *w, int id, int fd)
{
	struct event_config *cfg = event_config_new();

	w->id = id;
	w->fd = fd;
	snprintf(w->id_str, sizeof(w->id_str), "%d", id);
	if (cfg == NULL)
		return -1;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
	w->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (w->base == NULL)
		return -1;
	w->http = evhttp_new(w->base);
	if (w->http == NULL || evhttp_accept_socket(w->http, fd) < 0)
		return -1;
	evhttp_set_gencb(w->http, on_request, w);
	evsignal_assign(&w->sigint, w->base, SIGINT, on_signal, w);
	evsignal_assign(&w->sigterm, w->base, SIGTERM, on_signal, w);
	if (evsignal_add(&w->sigint, NULL) < 0 ||
	    evsignal_add(&w->sigterm, NULL) < 0)
		return -1;
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	event_base_dispatch(w->base);
	return NULL;
}

static void worker_free(struct worker *w)
{
	if (w->base == NULL)
		return;
	evsignal_del(&w->sigint);
	evsignal_del(&w->sigterm);
	if (w->http != NULL)
		evhttp_free(w->http); /* closes the listening socket */
	else if (w->fd >= 0)
		close(w->fd);
	event_base_free(w->base);
}

int main(int argc, char **argv)
{
	static struct worker workers[MAX_THREADS];
	const char *addr = "127.0.0.1";
	int nthreads = 2, port = 8080, i, opt, ret = 1;

	while ((opt = getopt(argc, argv, "t:a:p:")) != -1) {
		switch (opt) {
		case 't':
			nthreads = atoi(optarg);
			break;
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		default:
			fprintf(stderr,
			        "usage: %s [-t threads] [-a address] "
			        "[-p port]\n",
			        argv[0]);
			return 2;
		}
	}
	if (nthreads < 1 || nthreads > MAX_THREADS || port < 0 ||
	    port > 65535) {
		fprintf(stderr, "threads must be 1..%d, port 0..65535\n",
		        MAX_THREADS);
		return 2;
	}

	/* The first socket fixes the port (port 0: the kernel's choice); the
	 * others join it. */
	for (i = 0; i < nthreads; i++) {
		int fd = listen_on(addr, port);

		workers[i].fd = -1;
		if (fd < 0) {
			fprintf(stderr, "listen on %s:%d: %s\n", addr, port,
			        strerror(errno));
			goto out;
		}
		port = bound_port(fd);
		if (worker_init(&workers[i], i, fd) < 0) {
			fprintf(stderr, "worker %d: setup failed\n", i);
			goto out;
		}
	}
	printf("listening on %s:%d with %d threads\n", addr, port, nthreads);
	fflush(stdout);

	ret = 0;
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&workers[i].thr, NULL, worker_main,
		                   &workers[i]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			/* Stop the threads already running the way a user
			 * would: every base watches SIGTERM. */
			nthreads = i;
			ret = 1;
			raise(SIGTERM);
			break;
		}
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(workers[i].thr, NULL);
out:
	for (i = 0; i < MAX_THREADS; i++)
		worker_free(&workers[i]);
	return ret;
}
