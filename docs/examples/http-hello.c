/* http-hello: README.md's HTTP server, built and run by ctest. */
#include <stdio.h>
#include <stdlib.h>
#include <event.h>
#include <evhttp.h>

static void hello(struct evhttp_request *req, void *arg)
{
	(void)arg; /* the pointer given to evhttp_set_gencb() */
	evbuffer_add_printf(evhttp_request_get_output_buffer(req),
	                    "Hello from libev: %s\n",
	                    evhttp_request_get_uri(req));
	evhttp_send_reply(req, HTTP_OK, "OK", NULL); /* sends the buffer */
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 8080;
	struct event_base *base = event_base_new();
	struct evhttp *http = base ? evhttp_new(base) : NULL;

	if (http == NULL || evhttp_bind_socket(http, "127.0.0.1", port) != 0)
		return 1; /* no backend module, or the port is taken */
	evhttp_set_gencb(http, hello, NULL); /* every path */
	printf("listening on http://127.0.0.1:%d/\n", port);
	fflush(stdout);
	return event_base_dispatch(base) < 0; /* serves until killed */
}
