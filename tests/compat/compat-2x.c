/*
 * A program in the libevent 2.x style: configured base, heap-allocated
 * events, an embedded event set up with event_assign, the accessors, and
 * the version gates real programs use.  Must compile with -Wall -Wextra
 * -Werror against <event2/event.h> and exit 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/util.h>

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "compat-2x: %s:%d: %s\n", __FILE__,    \
			        __LINE__, #cond);                              \
			exit(1);                                               \
		}                                                              \
	} while (0)

#if LIBEVENT_VERSION_NUMBER < 0x02000101
#error "libev must announce a 2.x API level"
#endif

struct client {
	struct event read_ev; /* embedded, set up with event_assign */
	evutil_socket_t fd;
	int bytes;
};

static int timer_calls, sig_calls, once_calls;

static void client_read(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	char buf[32];
	ev_ssize_t n;

	CHECK(what & EV_READ);
	n = read(fd, buf, sizeof(buf));
	if (n > 0)
		cl->bytes += (int)n;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)arg;
	CHECK(what == EV_TIMEOUT);
	timer_calls++;
	kill(getpid(), SIGUSR2);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;
	struct timeval tv = {0, 10000};

	CHECK(sig == SIGUSR2);
	CHECK(what == EV_SIGNAL);
	sig_calls++;
	event_base_loopexit(base, &tv);
}

static void on_once(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)arg;
	CHECK(what == EV_TIMEOUT);
	once_calls++;
}

static void breaker(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

int main(void)
{
	struct event_config *cfg;
	struct event_base *base;
	struct event *timer, *sig, *brk;
	struct client cl;
	evutil_socket_t sv[2];
	struct timeval tv = {0, 5000}, a = {1, 600000}, b = {0, 500000}, sum,
	               now;
	const char **methods;

	CHECK(strncmp(event_get_version(), "1.", 2) != 0);
	CHECK(event_get_version_number() >= 0x02000101);
	methods = event_get_supported_methods();
	CHECK(methods != NULL && methods[0] != NULL);

	cfg = event_config_new();
	CHECK(cfg != NULL);
	CHECK(event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK) == 0);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	CHECK(base != NULL);
	CHECK(event_base_get_method(base) != NULL);

	CHECK(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(evutil_make_socket_nonblocking(sv[0]) == 0);
	memset(&cl, 0, sizeof(cl));
	cl.fd = sv[0];
	CHECK(event_assign(&cl.read_ev, base, cl.fd, EV_READ | EV_PERSIST,
	                   client_read, &cl) == 0);
	CHECK(event_get_fd(&cl.read_ev) == sv[0]);
	CHECK(event_get_base(&cl.read_ev) == base);
	CHECK(event_get_events(&cl.read_ev) == (EV_READ | EV_PERSIST));
	CHECK(event_get_callback(&cl.read_ev) == client_read);
	CHECK(event_get_callback_arg(&cl.read_ev) == &cl);
	CHECK(event_add(&cl.read_ev, NULL) == 0);

	timer = evtimer_new(base, on_timer, NULL);
	sig = evsignal_new(base, SIGUSR2, on_signal, base);
	CHECK(timer != NULL && sig != NULL);
	CHECK(evsignal_add(sig, NULL) == 0);
	CHECK(evtimer_add(timer, &tv) == 0);
	CHECK(event_base_once(base, -1, EV_TIMEOUT, on_once, NULL, &tv) == 0);
	CHECK(write(sv[1], "hello", 5) == 5);

	CHECK(event_base_dispatch(base) == 0);
	CHECK(event_base_got_exit(base));
	CHECK(!event_base_got_break(base));
	CHECK(timer_calls == 1);
	CHECK(sig_calls == 1);
	CHECK(once_calls == 1);
	CHECK(cl.bytes == 5);

	brk = event_new(base, -1, 0, breaker, base);
	CHECK(brk != NULL);
	event_active(brk, EV_TIMEOUT, 1);
	CHECK(event_base_loop(base, 0) == 0);
	CHECK(event_base_got_break(base));
	CHECK(!event_base_got_exit(base));

	evutil_timeradd(&a, &b, &sum);
	CHECK(sum.tv_sec == 2 && sum.tv_usec == 100000);
	evutil_timersub(&sum, &b, &sum);
	CHECK(evutil_timercmp(&sum, &a, ==));
	CHECK(evutil_gettimeofday(&now, NULL) == 0 && now.tv_sec > 0);
	CHECK(event_base_gettimeofday_cached(base, &now) == 0);

	event_free(brk);
	event_free(timer);
	event_free(sig);
	event_del(&cl.read_ev);
	event_base_free(base);
	evutil_closesocket(sv[0]);
	evutil_closesocket(sv[1]);
	printf("compat-2x: ok\n");
	return 0;
}
