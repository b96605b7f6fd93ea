/*
 * A program built against an installed libev, as a user would: it prints
 * the backend it runs on, then checks an fd event and a timer really work.
 * Exit status: 0 ok, 1 an event misbehaved, 2 no base.
 */
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event.h>

static int got_read, got_timer;

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	char c;

	(void)arg;
	if ((what & EV_READ) && read(fd, &c, 1) == 1)
		got_read = 1;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)arg;
	if (what & EV_TIMEOUT)
		got_timer = 1;
}

int main(void)
{
	struct event_base *base = event_base_new();
	struct event *rd, *tm;
	struct timeval tv = {0, 10000};
	int sv[2];

	if (base == NULL) {
		fprintf(stderr, "consumer: no event base\n");
		return 2;
	}
	printf("backend: %s\n", event_base_get_method(base));
	fflush(stdout);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 1;
	rd = event_new(base, sv[0], EV_READ, on_read, NULL);
	tm = evtimer_new(base, on_timer, NULL);
	if (rd == NULL || tm == NULL || event_add(rd, NULL) < 0 ||
	    evtimer_add(tm, &tv) < 0 || write(sv[1], "x", 1) != 1)
		return 1;
	if (event_base_dispatch(base) != 1 || !got_read || !got_timer)
		return 1;
	event_free(rd);
	event_free(tm);
	event_base_free(base);
	close(sv[0]);
	close(sv[1]);
	printf("consumer: ok\n");
	return 0;
}
