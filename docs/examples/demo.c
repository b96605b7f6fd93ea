/*
 * ev-demo: an fd event, a repeating timer and a signal on one base, in the
 * libevent 1.3 style.  Prints the backend it runs on; try
 *   EV_BACKEND=poll build/bin/ev-demo
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>

static int sv[2];
static int ticks;

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	(void)what;
	(void)arg;
	if (n > 0) {
		buf[n] = '\0';
		printf("read event: \"%s\"\n", buf);
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	char msg[32];

	(void)fd;
	(void)what;
	(void)arg;
	ticks++;
	printf("timer tick %d\n", ticks);
	snprintf(msg, sizeof(msg), "hello #%d", ticks);
	if (write(sv[1], msg, strlen(msg)) < 0)
		perror("write");
	if (ticks == 3)
		kill(getpid(), SIGUSR1);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;
	struct timeval later = {0, 100000};

	(void)what;
	printf("signal %d (%s) caught, leaving in 100 ms\n", (int)sig,
	       strsignal((int)sig));
	event_base_loopexit(base, &later);
}

int main(void)
{
	struct event_base *base = event_init();
	struct event rd, tick, sig;
	struct timeval period = {0, 200000};

	if (base == NULL) {
		fprintf(stderr, "no event backend could be loaded\n");
		return 1;
	}
	printf("libev %s (libevent API %s) using backend \"%s\"\n",
	       libev_get_version(), event_get_version(), event_get_method());
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		perror("socketpair");
		return 1;
	}
	event_set(&rd, sv[0], EV_READ | EV_PERSIST, on_readable, NULL);
	event_add(&rd, NULL);
	event_set(&tick, -1, EV_PERSIST, on_tick, NULL);
	event_add(&tick, &period);
	signal_set(&sig, SIGUSR1, on_signal, base);
	signal_add(&sig, NULL);

	event_dispatch();
	printf("done after %d ticks\n", ticks);
	event_del(&rd);
	event_del(&tick);
	event_del(&sig);
	close(sv[0]);
	close(sv[1]);
	event_base_free(base);
	return 0;
}
