/*
 * Bases: creation with a configuration, teardown, fork recovery, priorities,
 * loop exit and break, and the version and method queries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ev-internal.h"

static void exit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct event_base *base = arg;

	(void)fd;
	(void)what;
	base->got_exit = 1;
}

struct event_base *event_base_new_with_config(const struct event_config *cfg)
{
	struct event_base *base = calloc(1, sizeof(*base));

	if (base == NULL) {
		ev__log(EVENT_LOG_ERR, "event_base_new: out of memory");
		return NULL;
	}
	base->activeq = calloc(1, sizeof(*base->activeq));
	if (base->activeq == NULL)
		goto fail;
	base->nactiveq = 1;
	base->host.abi_version = EV_BACKEND_ABI_VERSION;
	base->host.struct_size = sizeof(base->host);
	base->host.fd_ready = ev__fd_ready;
	base->host.log = ev__backend_log;
	base->no_cache_time =
	    cfg && (cfg->flags & EVENT_BASE_FLAG_NO_CACHE_TIME);
	if (ev__load_backend(base, cfg) < 0)
		goto fail;
	base->fdslot_size =
	    (EV__FDSLOT_HEAD + base->module.ops->fdinfo_size + 15) &
	    ~(size_t)15;
	event_assign(&base->exit_ev, base, -1, 0, exit_cb, base);
	base->exit_ev.ev_flags |= EVLIST_INTERNAL;
	if (ev__thread_base_init(base, cfg) < 0) {
		event_base_free(base);
		return NULL;
	}
	return base;
fail:
	free(base->activeq);
	free(base);
	return NULL;
}

struct event_base *event_base_new(void)
{
	return event_base_new_with_config(NULL);
}

struct event_base *event_init(void)
{
	struct event_base *base = event_base_new_with_config(NULL);

	if (base != NULL)
		ev__current_base = base;
	return base;
}

static void delete_list(struct event **head)
{
	while (*head != NULL)
		ev__event_del_nolock(*head);
}

void event_base_free(struct event_base *base)
{
	int i;

	if (base == NULL)
		base = ev__current_base;
	if (base == NULL)
		return;
	if (base == ev__current_base)
		ev__current_base = NULL;

	/* Detach every event that is still pending or active; their memory
	 * belongs to the program, except event_once()'s. */
	ev__once_free_all(base);
	for (i = 0; i < base->nfdslots; i++) {
		struct ev__fdslot *s =
		    (struct ev__fdslot *)(void *)(base->fdslots +
		                                  (size_t)i *
		                                      base->fdslot_size);
		delete_list(&s->head);
	}
	for (i = 0; i < NSIG; i++)
		delete_list(&base->sig_head[i]);
	while (base->nheap > 0)
		ev__event_del_nolock(base->heap[0].ev);
	for (i = 0; i < base->nactiveq; i++)
		while (base->activeq[i].head != NULL)
			ev__event_del_nolock(base->activeq[i].head);
	ev__signal_base_free(base);
	ev__thread_base_free(base);
	ev__unload_backend(base);
	free(base->fdslots);
	free(base->changes);
	ev__heap_free(base);
	free(base->activeq);
	free(base);
}

int event_reinit(struct event_base *base)
{
	const struct ev_backend_ops *ops;
	int ret = -1;

	if (base == NULL)
		base = ev__current_base;
	if (base == NULL)
		return -1;
	ops = base->module.ops;
	ev__thread_reinit_lock(base);
	/* The new signal pipe and wake-up fd must not reach a kernel object
	 * still shared with the parent: hold backend calls until it has been
	 * rebuilt, then register every fd in use at once. */
	base->backend_busy = 1;
	if (ev__signal_reinit(base) < 0 || ev__thread_reinit(base) < 0)
		goto out;
	if (ops->need_reinit && ops->reinit(base->backend_state) < 0) {
		ev__log(EVENT_LOG_ERR, "%s: reinit after fork failed: %s",
		        ops->name, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	base->backend_busy = 0;
	/* After a failure, queued changes wait for the loop: never flush them
	 * into a kernel object the parent may still share. */
	if (ret == 0 && ops->need_reinit)
		ev__fdmap_reregister(base);
	else if (ret == 0 && base->nchanges)
		ev__flush_changes(base);
	ev__unlock(base);
	return ret;
}

int event_base_priority_init(struct event_base *base, int npriorities)
{
	struct ev__activeq *q;

	if (base == NULL || base->nactive > 0 || base->running ||
	    npriorities < 1 || npriorities > EVENT_MAX_PRIORITIES)
		return -1;
	if (npriorities == base->nactiveq)
		return 0;
	q = calloc((size_t)npriorities, sizeof(*q));
	if (q == NULL)
		return -1;
	free(base->activeq);
	base->activeq = q;
	base->nactiveq = npriorities;
	return 0;
}

int event_priority_init(int npriorities)
{
	return event_base_priority_init(ev__current_base, npriorities);
}

int event_base_set(struct event_base *base, struct event *ev)
{
	if (base == NULL || ev == NULL ||
	    (ev->ev_flags & (EVLIST_INSERTED | EVLIST_TIMEOUT | EVLIST_ACTIVE)))
		return -1;
	ev->ev_base = base;
	ev->ev_pri = base->nactiveq / 2;
	return 0;
}

int event_base_loopexit(struct event_base *base, const struct timeval *tv)
{
	static const struct timeval zero = {0, 0};
	struct event *ev;
	int r = 0;

	if (base == NULL)
		return -1;
	ev = &base->exit_ev;
	if (tv == NULL)
		tv = &zero;
	ev__lock(base);
	/* No delay while the loop runs: exit once this iteration's
	 * callbacks have run, as libevent does (it activates its exit event
	 * at once).  A zero timer would only fire in the next iteration,
	 * after whatever else expired by then, so a short persistent timer
	 * could run once more on a slow machine.  The notify wakes a loop
	 * blocked in another thread. */
	if (base->running && tv->tv_sec == 0 && tv->tv_usec == 0) {
		if (ev->ev_flags & EVLIST_TIMEOUT)
			ev__event_del_nolock(ev); /* superseded, as a re-add */
		base->got_exit = 1;
		goto out;
	}
	/* Keep an earlier exit already scheduled. */
	if (ev->ev_flags & EVLIST_TIMEOUT) {
		int64_t at = ev__base_now(base) + ev__tv_to_ns(tv);
		if (ev->ev_deadline <= at)
			goto out;
	}
	r = ev__event_add_nolock(ev, tv);
out:
	ev__unlock_notify(base);
	return r;
}

int event_loopexit(const struct timeval *tv)
{
	return event_base_loopexit(ev__current_base, tv);
}

int event_base_loopbreak(struct event_base *base)
{
	if (base == NULL)
		return -1;
	ev__lock(base);
	base->got_break = 1;
	ev__unlock_notify(base);
	return 0;
}

int event_loopbreak(void)
{
	return event_base_loopbreak(ev__current_base);
}

int event_base_got_exit(struct event_base *base)
{
	int r;

	if (base == NULL)
		return 0;
	ev__lock(base);
	r = base->got_exit;
	ev__unlock(base);
	return r;
}

int event_base_got_break(struct event_base *base)
{
	int r;

	if (base == NULL)
		return 0;
	ev__lock(base);
	r = base->got_break;
	ev__unlock(base);
	return r;
}

int event_base_get_num_events(struct event_base *base, unsigned int flags)
{
	int n = 0;

	if (base == NULL)
		return -1;
	ev__lock(base);
	if (flags & EVENT_BASE_COUNT_ADDED)
		n += base->nevents;
	if (flags & EVENT_BASE_COUNT_ACTIVE)
		n += base->nactive;
	ev__unlock(base);
	return n;
}

const char *event_get_version(void)
{
	return LIBEVENT_VERSION;
}

ev_uint32_t event_get_version_number(void)
{
	return LIBEVENT_VERSION_NUMBER;
}

const char *libev_get_version(void)
{
	return LIBEV_VERSION;
}

const char *event_base_get_method(const struct event_base *base)
{
	return base ? base->module.ops->name : NULL;
}

const char *event_get_method(void)
{
	return event_base_get_method(ev__current_base);
}

int event_base_get_features(const struct event_base *base)
{
	return base ? base->module.ops->features : 0;
}

/* ---- configuration ---------------------------------------------------- */

struct event_config *event_config_new(void)
{
	return calloc(1, sizeof(struct event_config));
}

void event_config_free(struct event_config *cfg)
{
	int i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->navoid; i++)
		free(cfg->avoid[i]);
	free(cfg->avoid);
	free(cfg);
}

int event_config_avoid_method(struct event_config *cfg, const char *method)
{
	char **a;
	char *copy;

	if (cfg == NULL || method == NULL)
		return -1;
	copy = strdup(method);
	if (copy == NULL)
		return -1;
	a = realloc(cfg->avoid, (size_t)(cfg->navoid + 1) * sizeof(*a));
	if (a == NULL) {
		free(copy);
		return -1;
	}
	a[cfg->navoid++] = copy;
	cfg->avoid = a;
	return 0;
}

int event_config_set_flag(struct event_config *cfg, int flag)
{
	if (cfg == NULL)
		return -1;
	cfg->flags |= flag;
	return 0;
}

int event_config_require_features(struct event_config *cfg, int feature)
{
	if (cfg == NULL)
		return -1;
	cfg->require_features = feature;
	return 0;
}
