/*
 * consumer: the smallest complete libev program, built by a separate
 * CMake project against an installed libev.  Runs one timer and exits 0
 * when it fired.
 */
#include <stdio.h>

#include <event.h>

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	int *fired = arg;

	(void)fd;
	(void)what;
	*fired = 1;
}

int main(void)
{
	struct event_base *base = event_base_new();
	struct timeval tv = {0, 10000};
	struct event *timer;
	int fired = 0;

	if (base == NULL) {
		fprintf(stderr, "consumer: no event backend could be loaded\n");
		return 1;
	}
	timer = evtimer_new(base, on_timeout, &fired);
	if (timer == NULL || evtimer_add(timer, &tv) < 0) {
		fprintf(stderr, "consumer: cannot add a timer\n");
		return 1;
	}
	event_base_dispatch(base);
	printf("libev %s, libevent API %s, backend %s: timer %s\n",
	       libev_get_version(), event_get_version(),
	       event_base_get_method(base), fired ? "fired" : "did not fire");
	event_free(timer);
	event_base_free(base);
	return fired ? 0 : 1;
}
