/* hello-timer: README.md's first program, built and run by ctest. */
#include <stdio.h>
#include <event.h>

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	int *left = arg;

	(void)fd, (void)what; /* a timer has no fd; what is EV_TIMEOUT */
	printf("tick, %d to go\n", --*left);
	if (*left == 0)
		event_loopexit(NULL); /* leave after this round of callbacks */
}

int main(void)
{
	struct event tick;
	struct timeval half_second = {0, 500000};
	int left = 3;

	if (event_init() == NULL) /* NULL: no backend module could be loaded */
		return 1;
	/* fd -1: a pure timer; EV_PERSIST: it keeps firing */
	event_set(&tick, -1, EV_PERSIST, on_tick, &left);
	event_add(&tick, &half_second);
	return event_dispatch() < 0;
}
