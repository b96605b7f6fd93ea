/*
 * Signals on any base.  The process-wide handler only does async-signal-
 * safe work: it bumps a per-base, per-signal counter and writes one byte
 * into that base's wake-up pipe.  The base reads the pipe as an internal
 * fd event and activates its signal events with the counts.
 *
 * Each base that watches signals owns one of EV__SIGWATCH_MAX slots; the
 * handler scans them.  Slots and the installed handlers are changed under
 * a mutex; the handler reads only atomics.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "ev-internal.h"

#define EV__SIGWATCH_MAX 64

struct ev__sigwatch {
	atomic_int used;
	atomic_int wfd;            /* write end of the wake-up pipe */
	atomic_uchar watch[NSIG];  /* signals this base watches */
	atomic_uint pending[NSIG]; /* deliveries not yet dispatched */
	int rfd;                   /* read end, owned by the base */
};

static struct ev__sigwatch sigwatch[EV__SIGWATCH_MAX];
static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static int sig_refs[NSIG];
static struct sigaction sig_saved[NSIG];

static void sig_handler(int signo)
{
	int saved = errno;
	int i;

	if (signo <= 0 || signo >= NSIG)
		return;
	for (i = 0; i < EV__SIGWATCH_MAX; i++) {
		struct ev__sigwatch *w = &sigwatch[i];
		int fd;

		if (!atomic_load_explicit(&w->watch[signo],
		                          memory_order_acquire))
			continue;
		atomic_fetch_add(&w->pending[signo], 1);
		fd = atomic_load(&w->wfd);
		if (fd >= 0) {
			/* A full pipe already guarantees a wake-up. */
			ssize_t r = write(fd, "", 1);
			(void)r;
		}
	}
	errno = saved;
}

static void sig_pipe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event_base *base = arg;
	struct ev__sigwatch *w = base->sigwatch;
	char buf[256];
	int signo;

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	for (signo = 1; signo < NSIG; signo++) {
		unsigned n;
		struct event *ev;

		if (base->sig_head[signo] == NULL)
			continue;
		n = atomic_exchange(&w->pending[signo], 0);
		if (n == 0)
			continue;
		if (n > 0x7fff)
			n = 0x7fff;
		for (ev = base->sig_head[signo]; ev != NULL;
		     ev = ev->ev_io_next)
			ev__activate(base, ev, EV_SIGNAL, (short)n);
	}
}

static int make_pipe(int fds[2])
{
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
		ev__log(EVENT_LOG_ERR, "signals: pipe failed: %s",
		        strerror(errno));
		return -1;
	}
	return 0;
}

/* Gives the base a slot and its wake-up pipe, registered as an internal
 * event.  Called on the base's first signal event. */
static int sigwatch_attach(struct event_base *base)
{
	struct ev__sigwatch *w = NULL;
	int fds[2];
	int i;

	if (make_pipe(fds) < 0)
		return -1;
	pthread_mutex_lock(&sig_lock);
	for (i = 0; i < EV__SIGWATCH_MAX; i++) {
		if (!atomic_load(&sigwatch[i].used)) {
			w = &sigwatch[i];
			atomic_store(&w->used, 1);
			break;
		}
	}
	pthread_mutex_unlock(&sig_lock);
	if (w == NULL) {
		ev__log(EVENT_LOG_ERR,
		        "signals: more than %d bases watch "
		        "signals at once",
		        EV__SIGWATCH_MAX);
		close(fds[0]);
		close(fds[1]);
		errno = EMFILE;
		return -1;
	}
	for (i = 0; i < NSIG; i++) {
		atomic_store(&w->watch[i], 0);
		atomic_store(&w->pending[i], 0);
	}
	w->rfd = fds[0];
	atomic_store(&w->wfd, fds[1]);
	base->sigwatch = w;
	event_assign(&base->sig_ev, base, fds[0], EV_READ | EV_PERSIST,
	             sig_pipe_cb, base);
	base->sig_ev.ev_flags |= EVLIST_INTERNAL;
	if (ev__event_add_nolock(&base->sig_ev, NULL) < 0) {
		ev__signal_base_free(base);
		return -1;
	}
	return 0;
}

int ev__signal_add(struct event_base *base, struct event *ev)
{
	int signo = ev->ev_fd;

	if (signo <= 0 || signo >= NSIG) {
		ev__log(EVENT_LOG_WARN, "event_add: invalid signal %d", signo);
		errno = EINVAL;
		return -1;
	}
	if (base->sigwatch == NULL && sigwatch_attach(base) < 0)
		return -1;
	if (base->sig_head[signo] == NULL) {
		pthread_mutex_lock(&sig_lock);
		if (sig_refs[signo] == 0) {
			struct sigaction sa;

			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = sig_handler;
			sa.sa_flags = SA_RESTART;
			sigfillset(&sa.sa_mask);
			if (sigaction(signo, &sa, &sig_saved[signo]) < 0) {
				int saved = errno;
				pthread_mutex_unlock(&sig_lock);
				ev__log(EVENT_LOG_WARN,
				        "sigaction(%d) failed: %s", signo,
				        strerror(saved));
				errno = saved;
				return -1;
			}
		}
		sig_refs[signo]++;
		pthread_mutex_unlock(&sig_lock);
		atomic_store(&base->sigwatch->pending[signo], 0);
		atomic_store_explicit(&base->sigwatch->watch[signo], 1,
		                      memory_order_release);
	}
	ev->ev_io_prev = NULL;
	ev->ev_io_next = base->sig_head[signo];
	if (ev->ev_io_next)
		ev->ev_io_next->ev_io_prev = ev;
	base->sig_head[signo] = ev;
	base->nsig_events++;
	return 0;
}

static void unwatch(struct event_base *base, int signo)
{
	atomic_store(&base->sigwatch->watch[signo], 0);
	atomic_store(&base->sigwatch->pending[signo], 0);
	pthread_mutex_lock(&sig_lock);
	if (--sig_refs[signo] == 0)
		sigaction(signo, &sig_saved[signo], NULL);
	pthread_mutex_unlock(&sig_lock);
}

void ev__signal_del(struct event_base *base, struct event *ev)
{
	int signo = ev->ev_fd;

	if (ev->ev_io_prev)
		ev->ev_io_prev->ev_io_next = ev->ev_io_next;
	else
		base->sig_head[signo] = ev->ev_io_next;
	if (ev->ev_io_next)
		ev->ev_io_next->ev_io_prev = ev->ev_io_prev;
	ev->ev_io_next = ev->ev_io_prev = NULL;
	base->nsig_events--;
	if (base->sig_head[signo] == NULL)
		unwatch(base, signo);
}

void ev__signal_base_free(struct event_base *base)
{
	struct ev__sigwatch *w = base->sigwatch;
	int fd;

	if (w == NULL)
		return;
	ev__event_del_nolock(&base->sig_ev);
	/* The handler may still hold the old write fd for an instant; it only
	 * ever writes one byte, so a stale write is harmless to a pipe we
	 * close last. */
	fd = atomic_exchange(&w->wfd, -1);
	close(w->rfd);
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&sig_lock);
	atomic_store(&w->used, 0);
	pthread_mutex_unlock(&sig_lock);
	base->sigwatch = NULL;
}

int ev__signal_reinit(struct event_base *base)
{
	struct ev__sigwatch *w = base->sigwatch;
	int fds[2], old;

	if (w == NULL)
		return 0;
	/* After fork the pipe is shared with the parent: give the child its
	 * own, so neither steals the other's wake-ups. */
	if (make_pipe(fds) < 0)
		return -1;
	ev__event_del_nolock(&base->sig_ev);
	close(w->rfd);
	old = atomic_exchange(&w->wfd, fds[1]);
	if (old >= 0)
		close(old);
	w->rfd = fds[0];
	event_assign(&base->sig_ev, base, fds[0], EV_READ | EV_PERSIST,
	             sig_pipe_cb, base);
	base->sig_ev.ev_flags |= EVLIST_INTERNAL;
	return ev__event_add_nolock(&base->sig_ev, NULL);
}
