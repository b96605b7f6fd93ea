/*
 * ev-http-dirserver: serves the files under one directory over HTTP.
 *
 *   build/bin/ev-http-dirserver [-a ADDRESS] [-p PORT] DIR
 *
 * Defaults: 127.0.0.1, port 8080; port 0 picks a free one.  Prints
 * "listening on ADDRESS:PORT" once it listens, then serves until SIGINT or
 * SIGTERM.  GET and HEAD only.  "/x/" serves "/x/index.html".
 *
 * The request path is hostile input: it is percent-decoded once, refused
 * (400) if the decoding hides a NUL, refused (403) if any segment is "..",
 * and the file it names is resolved with realpath() and served only if it
 * still lies under DIR, so a symbolic link cannot lead out either.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event.h>
#include <evhttp.h>

struct server {
	char root[PATH_MAX]; /* realpath of DIR, no trailing slash */
	size_t root_len;
};

/* A few common types; anything else is sent as opaque bytes. */
static const char *content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".htm", "text/html; charset=utf-8"},
	    {".txt", "text/plain; charset=utf-8"},
	    {".css", "text/css"},
	    {".js", "text/javascript"},
	    {".json", "application/json"},
	    {".png", "image/png"},
	    {".jpg", "image/jpeg"},
	    {".svg", "image/svg+xml"},
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	if (dot != NULL && strchr(dot, '/') == NULL)
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

/* True if some '/'-separated segment of `path` is exactly "..". */
static int has_dotdot(const char *path)
{
	const char *seg = path;

	for (;;) {
		const char *end = strchr(seg, '/');
		size_t len = end ? (size_t)(end - seg) : strlen(seg);

		if (len == 2 && seg[0] == '.' && seg[1] == '.')
			return 1;
		if (end == NULL)
			return 0;
		seg = end + 1;
	}
}

/*
 * Maps the request target to a file under the root.  Returns the HTTP
 * status to send on failure, 0 with `out` filled on success.
 */
static int resolve(const struct server *srv, const char *uri, char *out)
{
	char path[PATH_MAX], joined[PATH_MAX];
	const char *q = strchr(uri, '?');
	size_t raw_len = q ? (size_t)(q - uri) : strlen(uri);
	size_t dec_len;
	char *raw, *dec;
	int n;

	if (raw_len == 0 || uri[0] != '/' || raw_len >= sizeof(path))
		return HTTP_BADREQUEST;
	memcpy(path, uri, raw_len);
	path[raw_len] = '\0';
	raw = path;
	dec = evhttp_uridecode(raw, 0, &dec_len);
	if (dec == NULL)
		return HTTP_INTERNAL;
	if (dec_len != strlen(dec)) { /* "%00" */
		free(dec);
		return HTTP_BADREQUEST;
	}
	if (has_dotdot(dec)) {
		free(dec);
		return 403;
	}
	n = snprintf(joined, sizeof(joined), "%s%s%s", srv->root, dec,
	             dec[dec_len - 1] == '/' ? "index.html" : "");
	free(dec);
	if (n < 0 || (size_t)n >= sizeof(joined))
		return 414;
	if (realpath(joined, out) == NULL)
		return errno == EACCES ? 403 : HTTP_NOTFOUND;
	/* Still under the root after following links? */
	if (strncmp(out, srv->root, srv->root_len) != 0 ||
	    (out[srv->root_len] != '/' && out[srv->root_len] != '\0'))
		return 403;
	return 0;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct server *srv = arg;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	char file[PATH_MAX];
	struct stat st;
	int status, fd;

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, HTTP_BADMETHOD, NULL);
		return;
	}
	status = resolve(srv, evhttp_request_get_uri(req), file);
	if (status != 0) {
		evhttp_send_error(req, status, NULL);
		return;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		evhttp_send_error(req, errno == EACCES ? 403 : HTTP_NOTFOUND,
		                  NULL);
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(
		    fd); /* a directory without the trailing slash, a fifo... */
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	                  "Content-Type", content_type(file));
	/* The buffer owns fd from here on, also when this fails. */
	if (st.st_size > 0 &&
	    evbuffer_add_file(evhttp_request_get_output_buffer(req), fd, 0,
	                      st.st_size) != 0) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	if (st.st_size == 0)
		close(fd);
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

static void on_signal(evutil_socket_t signo, short what, void *arg)
{
	(void)signo;
	(void)what;
	event_base_loopexit(arg, NULL);
}

static int usage(void)
{
	fprintf(stderr,
	        "usage: ev-http-dirserver [-a ADDRESS] [-p PORT] DIR\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *address = "127.0.0.1";
	long port = 8080;
	struct server srv;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct event *sigint, *sigterm;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	int opt, rc;

	while ((opt = getopt(argc, argv, "a:p:")) != -1) {
		switch (opt) {
		case 'a':
			address = optarg;
			break;
		case 'p':
			port = strtol(optarg, NULL, 10);
			if (port < 0 || port > 65535)
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (optind != argc - 1)
		return usage();
	if (realpath(argv[optind], srv.root) == NULL) {
		perror(argv[optind]);
		return 1;
	}
	srv.root_len = strlen(srv.root);
	if (srv.root_len ==
	    1) /* "/": keep the comparison in resolve() simple */
		srv.root_len = 0, srv.root[0] = '\0';

	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	http = base ? evhttp_new(base) : NULL;
	if (http == NULL) {
		fprintf(stderr, "cannot create the server\n");
		return 1;
	}
	evhttp_set_gencb(http, on_request, &srv);
	bound =
	    evhttp_bind_socket_with_handle(http, address, (ev_uint16_t)port);
	if (bound == NULL || getsockname(evhttp_bound_socket_get_fd(bound),
	                                 (struct sockaddr *)&ss, &sl) != 0) {
		fprintf(stderr, "cannot listen on %s:%ld\n", address, port);
		return 1;
	}
	if (ss.ss_family == AF_INET6)
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	inet_ntop(ss.ss_family,
	          ss.ss_family == AF_INET6
	              ? (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
	              : (void *)&((struct sockaddr_in *)&ss)->sin_addr,
	          host, sizeof(host));

	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	if (sigint == NULL || sigterm == NULL || evsignal_add(sigint, NULL) ||
	    evsignal_add(sigterm, NULL)) {
		fprintf(stderr, "cannot watch signals\n");
		return 1;
	}
	printf("listening on %s:%ld serving %s\n", host, port,
	       srv.root_len ? srv.root : "/");
	fflush(stdout);

	rc = event_base_dispatch(base);
	event_free(sigint);
	event_free(sigterm);
	evhttp_free(http);
	event_base_free(base);
	return rc < 0;
}
