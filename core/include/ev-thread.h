/**
 * @file ev-thread.h
 * @brief libev-core: using a base from several threads (libevent's
 *        `<event2/thread.h>` subset), and the rules that go with it.
 *
 * By default a base belongs to one thread: only that thread may touch the
 * base and its events, and the base takes no lock at all.  One base per
 * thread always works this way and costs nothing.
 *
 * After evthread_use_pthreads(), every base created from then on (unless
 * its configuration sets EVENT_BASE_FLAG_NOLOCK) has a lock and a wake-up
 * channel (an eventfd on Linux, a pipe elsewhere).  On such a base, any
 * thread may call:
 *   - event_add(), event_del(), event_free(), event_active(),
 *     event_pending(), event_base_once();
 *   - event_base_loopbreak(), event_base_loopexit(),
 *     event_base_got_break(), event_base_got_exit(),
 *     event_base_get_num_events();
 * and a loop sleeping in its backend wakes at once to notice the change
 * (a new earlier timeout, a new fd, an activation, a break).
 * Bufferevents created with BEV_OPT_THREADSAFE on such a base may be
 * written, read, enabled, disabled and freed from any thread too; their
 * rules are in ev-bufferevent.h.  So may listeners created with
 * LEV_OPT_THREADSAFE (see ev-listener.h).
 *
 * The loop thread holds the lock except while it waits in the backend and
 * while it runs a callback, so callbacks may call any of the functions
 * above, and a slow callback does not hold up other threads.
 *
 * **The event_del() rule.**  event_del() (and event_free()) called from a
 * thread other than the loop's, while the loop runs that event's callback,
 * first removes the event and then waits until the callback has returned,
 * so the caller may free the event and its argument afterwards.  Called
 * from a callback running in the loop thread (the event's own callback or
 * any other), event_del() never waits, so it cannot deadlock.  Do not call
 * event_del() on an event from another thread while holding a lock that
 * the event's callback takes: the callback could then never finish.
 *
 * Still single-threaded on any base: event_set()/event_assign() and
 * event_base_set() (the event must not be pending), event_priority_set(),
 * event_base_priority_init(), event_reinit(), event_base_free() (no other
 * thread may use the base any more), and running the loop itself (one
 * thread at a time; a second concurrent event_base_loop() returns -1).
 *
 * When another thread adds an fd event while the loop waits in the
 * backend, the backend is told at the loop's next iteration; if it then
 * refuses the fd, the refusal is logged rather than returned by
 * event_add().
 *
 * fork(): see event_reinit() in event.h.  In a child of a threaded
 * program only the forking thread exists; event_reinit() gives the base a
 * new wake-up channel (and, if a thread of the parent held the base's
 * lock at the moment of fork(), a new lock).
 */
#ifndef LIBEV_EV_THREAD_H
#define LIBEV_EV_THREAD_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Defined because evthread_use_pthreads() is available, as libevent's
 * configuration header defines it.
 */
#define EVTHREAD_USE_PTHREADS_IMPLEMENTED 1

/**
 * Turns on locking for the bases created after this call (except those
 * configured with EVENT_BASE_FLAG_NOLOCK).  Bases created earlier keep
 * working without a lock and stay single-threaded.  Calling it again is
 * harmless.  May be called from any thread at any time, but only bases
 * created after it returns are covered.
 * @return 0 (it cannot fail: locks are created with each base).
 */
int evthread_use_pthreads(void);

#ifdef __cplusplus
}
#endif
#endif /* LIBEV_EV_THREAD_H */
