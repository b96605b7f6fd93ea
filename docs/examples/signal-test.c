/*
 * signal-test: catch SIGINT through the loop, in the spirit of libevent's
 * classic sample.  Instead of waiting for someone to press Ctrl-C, a timer
 * sends the process SIGINT every 100 ms; after the second one the signal
 * event deletes itself and the loop, having nothing left to wait for once
 * the timer stops, returns.
 *
 * Exits 0 when SIGINT was caught twice; 1 if it was not within ten ticks.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <event.h>

static struct event sig_ev;
static struct event tick_ev;
static int caught;
static int ticks;

static void on_sigint(evutil_socket_t sig, short what, void *arg)
{
	(void)arg;
	caught++;
	/* The callback runs in the loop, not in signal context: printf is
	 * fine here. */
	printf("%s: got signal %d (what=0x%x), %d so far\n", __func__, (int)sig,
	       (unsigned)what, caught);
	if (caught == 2) {
		/* Deleting from its own callback is allowed.  SIGINT's
		 * default action (terminate) is restored. */
		event_del(&sig_ev);
		event_del(&tick_ev);
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	/* Bounded: give up rather than wait forever for a lost signal. */
	if (++ticks > 10) {
		fprintf(stderr, "signal-test: SIGINT not delivered\n");
		event_del(&sig_ev);
		event_del(&tick_ev);
		return;
	}
	kill(getpid(), SIGINT);
}

int main(void)
{
	struct timeval period = {0, 100000};

	if (event_init() == NULL) {
		fprintf(stderr,
		        "signal-test: no event backend could be loaded\n");
		return 1;
	}
	/* signal_set() makes a persistent EV_SIGNAL event. */
	signal_set(&sig_ev, SIGINT, on_sigint, NULL);
	if (signal_add(&sig_ev, NULL) < 0) {
		fprintf(stderr, "signal-test: signal_add failed\n");
		return 1;
	}
	event_set(&tick_ev, -1, EV_PERSIST, on_tick, NULL);
	event_add(&tick_ev, &period);

	event_dispatch();

	printf("caught SIGINT %d times on \"%s\"\n", caught,
	       event_get_method());
	event_base_free(NULL);
	return caught == 2 ? 0 : 1;
}
