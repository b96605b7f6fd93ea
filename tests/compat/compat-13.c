/*
 * A program written the way libevent 1.3 programs were: the struct event
 * lives inside the program's own structure, everything runs on the global
 * base of event_init(), callbacks take an int fd, and the program peeks
 * at ev_base and ev_flags as memcached-era code does.  It must compile
 * with -Wall -Wextra -Werror against <event.h> and exit 0.
 */
#include <sys/types.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event.h>

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "compat-13: %s:%d: %s\n", __FILE__,    \
			        __LINE__, #cond);                              \
			exit(1);                                               \
		}                                                              \
	} while (0)

struct conn {
	int fd;
	int nread;
	struct event ev; /* embedded, as 1.3 programs do */
	char buf[16];
};

static struct event tick_ev;
static struct event sig_ev;
static struct event guard_ev;
static int ticks, signals, once_calls;
static int peer_fd;

static void conn_read(int fd, short which, void *arg)
{
	struct conn *c = arg;
	ssize_t n;

	CHECK(which == EV_READ);
	CHECK(fd == c->fd);
	CHECK(EVENT_FD(&c->ev) == fd);
	CHECK(c->ev.ev_base != NULL);
	n = read(fd, c->buf, sizeof(c->buf));
	if (n > 0)
		c->nread += (int)n;
}

static void tick(int fd, short which, void *arg)
{
	struct timeval tv;

	(void)arg;
	CHECK(fd == -1);
	CHECK(which == EV_TIMEOUT);
	ticks++;
	CHECK(write(peer_fd, "ab", 2) == 2);
	if (ticks < 3) {
		tv.tv_sec = 0;
		tv.tv_usec = 5000;
		timeout_add(&tick_ev, &tv);
	} else {
		kill(getpid(), SIGUSR1);
	}
}

static void on_signal(int sig, short which, void *arg)
{
	struct timeval tv;

	(void)arg;
	CHECK(sig == SIGUSR1);
	CHECK(which == EV_SIGNAL);
	CHECK(EVENT_SIGNAL(&sig_ev) == SIGUSR1);
	signals++;
	signal_del(&sig_ev);
	tv.tv_sec = 0;
	tv.tv_usec = 20000;
	event_loopexit(&tv);
}

static void on_once(int fd, short which, void *arg)
{
	(void)fd;
	(void)arg;
	CHECK(which == EV_TIMEOUT);
	once_calls++;
}

static void guard(int fd, short which, void *arg)
{
	(void)fd;
	(void)which;
	(void)arg;
	fprintf(stderr, "compat-13: timed out\n");
	exit(1);
}

int main(void)
{
	struct event_base *base;
	struct conn *c;
	struct timeval tv;
	int sv[2];

	base = event_init();
	CHECK(base != NULL);
	CHECK(event_get_version() != NULL);
	CHECK(event_get_method() != NULL);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	peer_fd = sv[1];

	c = calloc(1, sizeof(*c));
	CHECK(c != NULL);
	c->fd = sv[0];
	event_set(&c->ev, c->fd, EV_READ | EV_PERSIST, conn_read, c);
	CHECK(c->ev.ev_flags & EVLIST_INIT);
	CHECK(event_initialized(&c->ev));
	CHECK(c->ev.ev_base == base);
	CHECK(event_add(&c->ev, NULL) == 0);
	CHECK(event_pending(&c->ev, EV_READ, NULL) == EV_READ);

	evtimer_set(&tick_ev, tick, NULL);
	tv.tv_sec = 0;
	tv.tv_usec = 5000;
	CHECK(evtimer_add(&tick_ev, &tv) == 0);
	CHECK(evtimer_pending(&tick_ev, NULL));

	signal_set(&sig_ev, SIGUSR1, on_signal, NULL);
	CHECK(signal_add(&sig_ev, NULL) == 0);
	CHECK(signal_pending(&sig_ev, NULL));

	evtimer_set(&guard_ev, guard, NULL);
	tv.tv_sec = 5;
	tv.tv_usec = 0;
	CHECK(evtimer_add(&guard_ev, &tv) == 0);

	CHECK(event_once(-1, EV_TIMEOUT, on_once, NULL, NULL) == 0);
	CHECK(event_loop(EVLOOP_NONBLOCK) == 0);
	CHECK(once_calls == 1);

	CHECK(event_dispatch() == 0);
	CHECK(ticks == 3);
	CHECK(signals == 1);
	CHECK(c->nread == 6);

	event_del(&c->ev);
	evtimer_del(&guard_ev);
	CHECK(!(c->ev.ev_flags & EVLIST_INSERTED));
	CHECK(event_dispatch() == 1);
	free(c);
	event_base_free(base);
	close(sv[0]);
	close(sv[1]);
	printf("compat-13: ok (%s)\n", "1.3 API");
	return 0;
}
