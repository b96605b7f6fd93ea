/*
 * Threads: the per-base lock, the wake-up channel that interrupts a loop
 * sleeping in its backend, and the handshake that lets event_del() from
 * another thread wait for a running callback.
 *
 * A base gets all of this only if evthread_use_pthreads() was called
 * before it was created and it was not created with
 * EVENT_BASE_FLAG_NOLOCK; otherwise base->th stays NULL and every lock
 * site in the core reduces to one test of that pointer.
 *
 * Who holds the lock: the loop thread, except while it waits in
 * ops->dispatch and while it runs a user callback; any thread inside a
 * public call on the base.  While the loop waits in the backend, other
 * threads must not call the backend (its state is the loop thread's), so
 * base->backend_busy makes them queue their fd changes on base->changes,
 * which the loop flushes before it waits again; the wake-up makes that
 * happen at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif

#include "ev-internal.h"
#include "ev-thread.h"

/* Set once by evthread_use_pthreads(); bases read it when created. */
static atomic_int threads_on;

int evthread_use_pthreads(void)
{
	atomic_store(&threads_on, 1);
	return 0;
}

/* Opens the wake-up channel: an eventfd where there is one (one fd, and a
 * counter that cannot fill up), else a non-blocking pipe. */
static int wake_open(int *rfd, int *wfd)
{
#ifdef __linux__
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	if (fd < 0) {
		ev__log(EVENT_LOG_ERR, "threads: eventfd failed: %s",
		        strerror(errno));
		return -1;
	}
	*rfd = *wfd = fd;
	return 0;
#else
	int fds[2], i;

	if (pipe(fds) < 0) {
		ev__log(EVENT_LOG_ERR, "threads: pipe failed: %s",
		        strerror(errno));
		return -1;
	}
	for (i = 0; i < 2; i++) {
		if (fcntl(fds[i], F_SETFL,
		          fcntl(fds[i], F_GETFL) | O_NONBLOCK) < 0 ||
		    fcntl(fds[i], F_SETFD, FD_CLOEXEC) < 0) {
			ev__log(EVENT_LOG_ERR, "threads: fcntl failed: %s",
			        strerror(errno));
			close(fds[0]);
			close(fds[1]);
			return -1;
		}
	}
	*rfd = fds[0];
	*wfd = fds[1];
	return 0;
#endif
}

static void wake_close(int rfd, int wfd)
{
	if (rfd >= 0)
		close(rfd);
	if (wfd >= 0 && wfd != rfd)
		close(wfd);
}

/* Internal callback, run by the loop with the lock held.  The flag was
 * already cleared when the loop left the backend, so draining here can
 * only swallow a wake-up that the loop no longer needs. */
static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
	char buf[64];

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static int wake_register(struct event_base *base)
{
	struct ev__thread *th = base->th;

	event_assign(&th->wake_ev, base, th->wake_rfd, EV_READ | EV_PERSIST,
	             wake_cb, base);
	th->wake_ev.ev_flags |= EVLIST_INTERNAL;
	return ev__event_add_nolock(&th->wake_ev, NULL);
}

int ev__thread_base_init(struct event_base *base,
                         const struct event_config *cfg)
{
	struct ev__thread *th;

	if (!atomic_load(&threads_on) ||
	    (cfg != NULL && (cfg->flags & EVENT_BASE_FLAG_NOLOCK)))
		return 0;
	th = calloc(1, sizeof(*th));
	if (th == NULL) {
		ev__log(EVENT_LOG_ERR, "event_base_new: out of memory");
		return -1;
	}
	if (pthread_mutex_init(&th->lock, NULL) != 0)
		goto fail_free;
	if (pthread_cond_init(&th->cb_done, NULL) != 0)
		goto fail_mutex;
	if (wake_open(&th->wake_rfd, &th->wake_wfd) < 0)
		goto fail_cond;
	base->th = th;
	if (wake_register(base) < 0) {
		base->th = NULL;
		wake_close(th->wake_rfd, th->wake_wfd);
		goto fail_cond;
	}
	return 0;
fail_cond:
	pthread_cond_destroy(&th->cb_done);
fail_mutex:
	pthread_mutex_destroy(&th->lock);
fail_free:
	free(th);
	return -1;
}

void ev__thread_base_free(struct event_base *base)
{
	struct ev__thread *th = base->th;

	if (th == NULL)
		return;
	ev__event_del_nolock(&th->wake_ev);
	wake_close(th->wake_rfd, th->wake_wfd);
	pthread_cond_destroy(&th->cb_done);
	pthread_mutex_destroy(&th->lock);
	free(th);
	base->th = NULL;
}

/* In the child after fork(): the wake-up channel is shared with the parent,
 * so a notification meant for one would wake the other; and the threads
 * that were inside the loop or waiting on it did not come along.  Called
 * by event_reinit() with the lock held and backend calls deferred. */
int ev__thread_reinit(struct event_base *base)
{
	struct ev__thread *th = base->th;
	int rfd, wfd;

	if (th == NULL)
		return 0;
	if (wake_open(&rfd, &wfd) < 0)
		return -1;
	ev__event_del_nolock(&th->wake_ev);
	wake_close(th->wake_rfd, th->wake_wfd);
	th->wake_rfd = rfd;
	th->wake_wfd = wfd;
	th->notified = 0;
	th->nwaiters = 0;
	/* A loop that ran in another thread of the parent is gone; one run by
	 * this very thread (fork from a callback) carries on. */
	if (base->running && !pthread_equal(th->loop_thread, pthread_self())) {
		base->running = 0;
		th->in_dispatch = 0;
		th->dispatch_locked = 0;
		th->running_ev = NULL;
	}
	return wake_register(base);
}

/* event_reinit() takes the lock through here.  In a child after fork()
 * only the forking thread exists; if another thread of the parent held the
 * lock at that moment it can never be released, so the child builds a
 * fresh one.  No live thread can hold it then: the caller is the only one
 * and never holds it when entering the library. */
void ev__thread_reinit_lock(struct event_base *base)
{
	struct ev__thread *th = base->th;

	if (th == NULL)
		return;
	if (pthread_mutex_trylock(&th->lock) == 0)
		return;
	ev__log(EVENT_LOG_DEBUG,
	        "event_reinit: the base lock was held by a "
	        "thread that did not survive fork(); making a new one");
	pthread_mutex_init(&th->lock, NULL);
	pthread_cond_init(&th->cb_done, NULL);
	pthread_mutex_lock(&th->lock);
}

void ev__thread_unlock_notify(struct event_base *base)
{
	struct ev__thread *th = base->th;

	if (th->in_dispatch && !th->notified) {
		static const uint64_t one = 1;
		ssize_t r;

		/* One write per wait is enough; a full pipe (EAGAIN) already
		 * means the loop will wake. */
		th->notified = 1;
#ifdef __linux__
		r = write(th->wake_wfd, &one, sizeof(one));
#else
		r = write(th->wake_wfd, &one, 1);
#endif
		(void)r;
	}
	pthread_mutex_unlock(&th->lock);
}

/* The backend reports ready fds from inside ops->dispatch, where the loop
 * does not hold the lock: take it at the first report and keep it until
 * dispatch returns, so a busy wait costs one lock, not one per fd. */
void ev__thread_fd_ready_lock(struct event_base *base)
{
	struct ev__thread *th = base->th;

	if (!th->dispatch_locked) {
		pthread_mutex_lock(&th->lock);
		th->dispatch_locked = 1;
	}
}

/* ops->dispatch for a base with a lock: called and returns with the lock
 * held, drops it for the wait.  errno is the backend's on failure. */
int ev__thread_dispatch(struct event_base *base, const struct timespec *ts)
{
	struct ev__thread *th = base->th;
	int n, saved;

	th->in_dispatch = 1;
	base->backend_busy = 1;
	pthread_mutex_unlock(&th->lock);

	n = base->module.ops->dispatch(base->backend_state, ts);
	saved = errno;

	if (!th->dispatch_locked)
		pthread_mutex_lock(&th->lock);
	th->dispatch_locked = 0;
	th->in_dispatch = 0;
	th->notified = 0;
	base->backend_busy = 0;
	errno = saved;
	return n;
}

/* Runs a user callback without the lock, so the callback may call into
 * the base and other threads are not held up by a slow callback. */
void ev__thread_run_cb(struct event_base *base, struct event *ev,
                       event_callback_fn cb, evutil_socket_t fd, short res,
                       void *arg)
{
	struct ev__thread *th = base->th;

	th->running_ev = ev;
	pthread_mutex_unlock(&th->lock);
	cb(fd, res, arg);
	pthread_mutex_lock(&th->lock);
	th->running_ev = NULL;
	if (th->nwaiters > 0)
		pthread_cond_broadcast(&th->cb_done);
}

/* event_del() from a thread other than the loop's, while ev's callback
 * runs: wait until it has returned, so the caller may free ev and its
 * argument afterwards.  The loop thread itself never waits here (it would
 * wait for itself).  Called with the lock held. */
void ev__thread_wait_cb(struct event_base *base, struct event *ev)
{
	struct ev__thread *th = base->th;

	if (th->running_ev != ev ||
	    pthread_equal(th->loop_thread, pthread_self()))
		return;
	th->nwaiters++;
	while (th->running_ev == ev)
		pthread_cond_wait(&th->cb_done, &th->lock);
	th->nwaiters--;
}
