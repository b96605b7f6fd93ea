/* Threads: the multi-core HTTP example (docs/examples/http-multicore.c).
 * Starts it with 2 threads on a free loopback port, makes 64 requests on
 * fresh connections, checks every reply and that both threads served some
 * (SO_REUSEPORT spreads connections by a hash of the 4-tuple; the chance
 * that 64 connections all land on one of two threads is 2^-63), then stops
 * it with SIGTERM and expects a clean exit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef HTTP_MULTICORE_BIN
#error HTTP_MULTICORE_BIN must name the example program
#endif

#define NREQ 64

/* Reads until EOF or `cap` bytes, each wait bounded by 5 s. */
static ssize_t read_all(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n < cap) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t r;

		if (poll(&p, 1, 5000) != 1)
			return -1;
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

/* One request on a new connection; returns the X-Worker value or -1. */
static int one_request(int port)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	                          "Connection: close\r\n\r\n";
	struct sockaddr_in sin;
	char buf[4096];
	const char *h;
	ssize_t n;
	int fd, worker = -1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    write(fd, req, sizeof(req) - 1) == (ssize_t)sizeof(req) - 1) {
		n = read_all(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			h = strstr(buf, "X-Worker: ");
			if (strncmp(buf, "HTTP/1.1 200", 12) == 0 &&
			    h != NULL &&
			    strstr(buf, "hello from worker") != NULL)
				worker = atoi(h + 10);
		}
	}
	close(fd);
	return worker;
}

static void test_two_threads_share_the_port(void **state)
{
	int out[2], status, port = -1, i, seen[2] = {0, 0};
	char line[256];
	FILE *f;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execl(HTTP_MULTICORE_BIN, HTTP_MULTICORE_BIN, "-t", "2", "-p",
		      "0", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	assert_non_null(f);
	if (fgets(line, sizeof(line), f) != NULL)
		sscanf(line, "listening on 127.0.0.1:%d", &port);
	if (port <= 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("no port announced: %s", line);
	}
	for (i = 0; i < NREQ; i++) {
		int w = one_request(port);

		if (w < 0 || w > 1) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("request %d: bad reply (worker %d)", i, w);
		}
		seen[w]++;
	}
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	fclose(f);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	print_message("worker 0: %d, worker 1: %d\n", seen[0], seen[1]);
	assert_true(seen[0] > 0);
	assert_true(seen[1] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_threads_share_the_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
