/*
 * Hello-world HTTP server for tests/bench/run-http.sh, on the libevent 2.x
 * headers: built against libev-http (bench-http-server) and against
 * Debian's libevent 2.1 (bench-http-server-libevent), so both run the same
 * code:
 *   bench-http-server[-libevent] PORT [THREADS]
 * Every request gets "Hello, World!" (13 bytes), keep-alive.  With several
 * threads, each runs its own loop and server on its own SO_REUSEPORT
 * socket, so the kernel spreads the connections.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

static void hello(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	(void)arg;
	evbuffer_add(out, "Hello, World!", 13);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	                  "Content-Type", "text/plain");
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

static int listen_on(int port)
{
	struct sockaddr_in sin;
	/* Non-blocking: listeners accept in a loop until EAGAIN. */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 1024) < 0) {
		perror("bind/listen");
		exit(1);
	}
	return fd;
}

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct event_base *base = event_base_new();
	struct evhttp *http = evhttp_new(base);

	if (!http || evhttp_accept_socket(http, fd) < 0) {
		fprintf(stderr, "cannot start the server\n");
		exit(1);
	}
	evhttp_set_gencb(http, hello, NULL);
	event_base_dispatch(base);
	return NULL;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 8080;
	int threads = argc > 2 ? atoi(argv[2]) : 1;
	pthread_t tid[64];
	int i;

	signal(SIGPIPE, SIG_IGN);
	if (threads < 1 || threads > 64)
		threads = 1;
	for (i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, serve,
		               (void *)(intptr_t)listen_on(port));
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	return 0;
}
