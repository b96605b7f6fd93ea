/*
 * Fault: the listener survives EMFILE.  With the process's descriptors
 * used up, connections wait in the kernel's backlog: the server must
 * neither spin on accept() (CPU time is measured over the starved
 * second) nor give up listening; once descriptors free up, it accepts the
 * waiting clients and serves them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/time.h>

#include <cmocka.h>

#include "load-util.h"

#define NWAIT   3
#define MAXFILL 4096

static int served;

static void reply_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	__atomic_add_fetch(&served, 1, __ATOMIC_SEQ_CST);
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void test_emfile(void **state)
{
	struct lu_server s;
	struct rlimit old, rl;
	int fill[MAXFILL], nfill = 0, cl[NWAIT], codes[NWAIT] = {0};
	char bufs[NWAIT][512];
	size_t lens[NWAIT] = {0};
	double cpu0, cpu;
	int64_t deadline;
	int done = 0;

	(void)state;
	assert_int_equal(lu_server_init(&s), 0);
	evhttp_set_gencb(s.http, reply_cb, NULL);
	assert_int_equal(lu_server_run(&s), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl = old;
	rl.rlim_cur = (rlim_t)lu_count_fds() + 64;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);

	/* The client sockets first (connect() needs no new descriptor),
	 * then every remaining descriptor used up: the server has none. */
	for (int i = 0; i < NWAIT; i++) {
		cl[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(cl[i] >= 0);
	}
	while (nfill < MAXFILL && (fill[nfill] = dup(0)) >= 0)
		nfill++;
	assert_int_equal(errno, EMFILE);
	for (int i = 0; i < NWAIT; i++) {
		struct sockaddr_in sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)s.port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_true(
		    connect(cl[i], (struct sockaddr *)&sin, sizeof(sin)) == 0 ||
		    errno == EINPROGRESS);
	}
	for (int i = 0; i < NWAIT; i++) {
		struct pollfd p = {cl[i], POLLOUT, 0};

		assert_int_equal(poll(&p, 1, 5000), 1); /* in the backlog */
		assert_int_equal(
		    send(cl[i], "GET / HTTP/1.1\r\nHost: l\r\n\r\n", 27, 0),
		    27);
	}
	/* One starved second: nothing served, and little CPU used. */
	cpu0 = cpu_seconds();
	usleep(1000000);
	cpu = cpu_seconds() - cpu0;
	assert_int_equal(__atomic_load_n(&served, __ATOMIC_SEQ_CST), 0);
	assert_true(cpu < 0.5);

	/* Descriptors back: every waiting client is served. */
	while (nfill > 0)
		close(fill[--nfill]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	deadline = lu_now_ms() + 5000;
	while (done < NWAIT && lu_now_ms() < deadline) {
		struct pollfd p[NWAIT];

		for (int i = 0; i < NWAIT; i++) {
			p[i].fd = codes[i] ? -1 : cl[i];
			p[i].events = POLLIN;
		}
		if (poll(p, NWAIT, 500) <= 0)
			continue;
		for (int i = 0; i < NWAIT; i++) {
			ssize_t n;

			if (!(p[i].revents & POLLIN))
				continue;
			n = recv(cl[i], bufs[i] + lens[i],
			         sizeof(bufs[i]) - lens[i], 0);
			assert_true(n > 0);
			lens[i] += (size_t)n;
			if (lu_response_len(bufs[i], lens[i], &codes[i]))
				done++;
		}
	}
	assert_int_equal(done, NWAIT);
	for (int i = 0; i < NWAIT; i++) {
		assert_int_equal(codes[i], 200);
		close(cl[i]);
	}
	print_message("starved 1 s with %.3f s CPU; %d waiting clients served "
	              "after descriptors came back\n",
	              cpu, NWAIT);
	lu_server_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_emfile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
