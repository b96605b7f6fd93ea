/*
 * Test-only emulation of kqueue(2)/kevent(2) on Linux epoll, following the
 * FreeBSD manual page:
 *
 *  - a knote is identified by (ident, filter); EV_ADD creates or modifies
 *    it (and enables it), EV_DELETE/ENABLE/DISABLE on a missing knote fail
 *    with ENOENT, an fd that is not open fails with EBADF, an unknown filter
 *    with EINVAL;
 *  - a failed change is reported as an EV_ERROR entry (data = errno) when
 *    the event list has room, else kevent() returns -1; EV_RECEIPT forces an
 *    entry for every change (data 0 on success); once any such entry was
 *    written kevent() returns at once, without collecting events;
 *  - closing an fd removes its knotes: a later EV_DELETE sees EBADF (fd not
 *    open) or ENOENT (the number now names another file);
 *  - EV_ONESHOT deletes and EV_DISPATCH disables after retrieval, EV_CLEAR
 *    is edge-triggered (epoll's EPOLLET);
 *  - EVFILT_READ data is the number of bytes to read, EV_EOF marks the end
 *    of the stream; EVFILT_SIGNAL counts deliveries, coexisting with the
 *    program's handler (here by chaining to the handler found at EV_ADD);
 *  - a kqueue is not inherited by fork(): the child's copy is closed.
 *
 * Level-triggered registrations are EPOLLONESHOT, re-armed by the next
 * kevent() call: a registration that epoll still holds for a file whose
 * fd was closed while a dup kept it open (epoll cannot drop it through the
 * old number) then fires at most once, and is dropped because the fd's
 * identity changed.
 *
 * Known differences: EV_CLEAR applies to both filters of an fd (epoll has
 * one registration per fd), and a signal handler installed after EV_ADD
 * replaces the emulation's counter.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/event.h"

#define KFLAGS_KEPT (EV_ONESHOT | EV_CLEAR | EV_DISPATCH)
#define SIG_TAG     UINT64_MAX
#define WAIT_BATCH  64

struct knote {
	int active;
	int enabled;
	unsigned short flags; /* EV_ONESHOT/EV_CLEAR/EV_DISPATCH */
	unsigned int fflags;
	void *udata;
	unsigned last; /* EVFILT_SIGNAL: hit count already reported */
};

struct kfd {
	struct knote kn[2]; /* [0] EVFILT_READ, [1] EVFILT_WRITE */
	dev_t dev;
	ino_t ino;
	uint32_t gen;    /* tells this file from an older one on the same fd */
	uint32_t epmask; /* what epoll holds for it, 0 when nothing */
	int regular; /* regular files are always ready, epoll refuses them */
	int rearm;   /* on the re-arm list */
};

struct kq {
	int epfd;
	uint32_t gen;
	struct kfd *fds;
	int nfds;
	int nregular;
	int nsig;
	int sig_in_epoll;
	struct knote sig[NSIG];
	struct kevent carry[2]; /* events that did not fit the last list */
	int ncarry;
	int *rearm; /* fds whose one-shot registration fired */
	int nrearm;
	int rearm_cap;
};

static pthread_mutex_t kq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t kq_once = PTHREAD_ONCE_INIT;
static struct kq **kqs; /* indexed by the epoll fd that is the kqueue fd */
static int nkqs;

static atomic_uint sig_hits[NSIG];
static atomic_int sig_efd = -1;
static struct sigaction sig_prev[NSIG];
static int sig_installed[NSIG];

static void kq_free(struct kq *q)
{
	free(q->rearm);
	free(q->fds);
	free(q);
}

/* fork(): the child does not inherit kqueues. */
static void kq_atfork_child(void)
{
	int i;

	for (i = 0; i < nkqs; i++) {
		if (kqs[i] == NULL)
			continue;
		close(kqs[i]->epfd);
		kq_free(kqs[i]);
		kqs[i] = NULL;
	}
	pthread_mutex_init(&kq_lock, NULL);
}

/*
 * The test module is unloaded with the last base that used it: whatever a
 * kqueue closed with plain close() left in the table goes with it.
 */
__attribute__((destructor)) static void kq_unload(void)
{
	int i;

	for (i = 0; i < nkqs; i++)
		if (kqs[i] != NULL)
			kq_free(kqs[i]);
	free(kqs);
	kqs = NULL;
	nkqs = 0;
}

static void kq_setup(void)
{
	pthread_atfork(NULL, NULL, kq_atfork_child);
}

int kqueue(void)
{
	struct kq *q;
	int fd;

	pthread_once(&kq_once, kq_setup);
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -1;
	fd = epoll_create1(EPOLL_CLOEXEC);
	if (fd < 0) {
		free(q);
		return -1;
	}
	q->epfd = fd;
	pthread_mutex_lock(&kq_lock);
	if (fd >= nkqs) {
		int n = fd + 16;
		struct kq **p = realloc(kqs, (size_t)n * sizeof(*p));
		if (p == NULL) {
			pthread_mutex_unlock(&kq_lock);
			close(fd);
			free(q);
			errno = ENOMEM;
			return -1;
		}
		memset(p + nkqs, 0, (size_t)(n - nkqs) * sizeof(*p));
		kqs = p;
		nkqs = n;
	}
	/* A stale entry means the program closed an old kqueue with close(). */
	if (kqs[fd] != NULL)
		kq_free(kqs[fd]);
	kqs[fd] = q;
	pthread_mutex_unlock(&kq_lock);
	return fd;
}

static void sig_handler(int signo, siginfo_t *info, void *ctx)
{
	int saved = errno;
	struct sigaction *prev = &sig_prev[signo];
	uint64_t one = 1;
	int efd;

	atomic_fetch_add(&sig_hits[signo], 1);
	efd = atomic_load(&sig_efd);
	if (efd >= 0 && write(efd, &one, sizeof(one)) < 0) {
		/* A saturated counter still wakes the waiters. */
	}
	errno = saved;
	if (prev->sa_flags & SA_SIGINFO)
		prev->sa_sigaction(signo, info, ctx);
	else if (prev->sa_handler != SIG_IGN && prev->sa_handler != SIG_DFL)
		prev->sa_handler(signo);
}

static int sig_install(struct kq *q, int signo)
{
	struct sigaction sa;

	if (atomic_load(&sig_efd) < 0) {
		int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (efd < 0)
			return errno;
		atomic_store(&sig_efd, efd);
	}
	if (!q->sig_in_epoll) {
		struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
		ev.data.u64 = SIG_TAG;
		if (epoll_ctl(q->epfd, EPOLL_CTL_ADD, atomic_load(&sig_efd),
		              &ev) < 0)
			return errno;
		q->sig_in_epoll = 1;
	}
	if (sig_installed[signo])
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sig_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(signo, &sa, &sig_prev[signo]) < 0)
		return errno;
	sig_installed[signo] = 1;
	return 0;
}

static int kfd_reserve(struct kq *q, int fd)
{
	int n;
	struct kfd *p;

	if (fd < q->nfds)
		return 0;
	n = fd < 64 ? 64 : fd + fd / 2 + 1;
	p = realloc(q->fds, (size_t)n * sizeof(*p));
	if (p == NULL)
		return ENOMEM;
	memset(p + q->nfds, 0, (size_t)(n - q->nfds) * sizeof(*p));
	q->fds = p;
	q->nfds = n;
	return 0;
}

static int kfd_used(const struct kfd *k)
{
	return k->kn[0].active || k->kn[1].active;
}

/* Forgets every knote of fd, as close() does on a real kqueue. */
static void kfd_drop(struct kq *q, int fd)
{
	struct kfd *k = &q->fds[fd];
	struct epoll_event ev;

	if (k->epmask)
		epoll_ctl(q->epfd, EPOLL_CTL_DEL, fd, &ev);
	if (k->regular && kfd_used(k))
		q->nregular--;
	memset(k, 0, sizeof(*k));
}

/* Makes epoll's registration of fd match its enabled knotes. */
static int kfd_sync(struct kq *q, int fd)
{
	struct kfd *k = &q->fds[fd];
	struct epoll_event ev;
	uint32_t mask = 0;
	int op;

	if (k->regular)
		return 0;
	if (k->kn[0].active && k->kn[0].enabled)
		mask |= EPOLLIN | EPOLLRDHUP;
	if (k->kn[1].active && k->kn[1].enabled)
		mask |= EPOLLOUT;
	if (mask && ((k->kn[0].active && (k->kn[0].flags & EV_CLEAR)) ||
	             (k->kn[1].active && (k->kn[1].flags & EV_CLEAR))))
		mask |= EPOLLET;
	else if (mask)
		mask |= EPOLLONESHOT;
	memset(&ev, 0, sizeof(ev));
	if (mask == 0) {
		if (k->epmask)
			epoll_ctl(q->epfd, EPOLL_CTL_DEL, fd, &ev);
		k->epmask = 0;
		return 0;
	}
	ev.events = mask;
	ev.data.u64 = ((uint64_t)k->gen << 32) | (uint32_t)fd;
	op = k->epmask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(q->epfd, op, fd, &ev) < 0) {
		if (op == EPOLL_CTL_MOD && errno == ENOENT)
			op = EPOLL_CTL_ADD;
		else if (op == EPOLL_CTL_ADD && errno == EEXIST)
			op = EPOLL_CTL_MOD;
		else
			return errno;
		if (epoll_ctl(q->epfd, op, fd, &ev) < 0)
			return errno;
	}
	k->epmask = mask;
	return 0;
}

/* Applies the action bits of one change to knote kn; returns an errno. */
static int knote_apply(struct knote *kn, const struct kevent *c, int *fresh)
{
	*fresh = 0;
	if (c->flags & EV_ADD) {
		if (!kn->active) {
			memset(kn, 0, sizeof(*kn));
			kn->active = 1;
			*fresh = 1;
		}
		kn->enabled = 1;
		kn->flags = c->flags & KFLAGS_KEPT;
		kn->fflags = c->fflags;
		kn->udata = c->udata;
	} else if (!kn->active) {
		return ENOENT;
	}
	if (c->flags & EV_DISABLE)
		kn->enabled = 0;
	if (c->flags & EV_ENABLE)
		kn->enabled = 1;
	if (c->flags & EV_DELETE)
		kn->active = 0;
	return 0;
}

static int change_fd(struct kq *q, const struct kevent *c)
{
	struct knote *kn, saved;
	struct kfd *k;
	struct stat st;
	int fd, fresh, err;

	if (c->ident > INT_MAX)
		return EBADF;
	fd = (int)c->ident;
	if (fstat(fd, &st) < 0) {
		if (fd < q->nfds)
			kfd_drop(q, fd);
		return EBADF;
	}
	if ((err = kfd_reserve(q, fd)) != 0)
		return err;
	k = &q->fds[fd];
	if (kfd_used(k) && (k->dev != st.st_dev || k->ino != st.st_ino))
		kfd_drop(q, fd);
	if (!kfd_used(k)) {
		if (!(c->flags & EV_ADD))
			return ENOENT;
		memset(k, 0, sizeof(*k));
		k->dev = st.st_dev;
		k->ino = st.st_ino;
		k->gen = ++q->gen;
		k->regular = S_ISREG(st.st_mode);
		if (k->regular)
			q->nregular++;
	}
	kn = &k->kn[c->filter == EVFILT_WRITE];
	saved = *kn;
	if ((err = knote_apply(kn, c, &fresh)) != 0)
		goto out;
	if ((err = kfd_sync(q, fd)) != 0)
		*kn = saved;
out:
	if (!kfd_used(k))
		kfd_drop(q, fd);
	(void)fresh;
	return err;
}

static int change_sig(struct kq *q, const struct kevent *c)
{
	struct knote *kn;
	int fresh, err;

	if (c->ident == 0 || c->ident >= NSIG)
		return EINVAL;
	kn = &q->sig[c->ident];
	if ((err = knote_apply(kn, c, &fresh)) != 0)
		return err;
	if (fresh) {
		if ((err = sig_install(q, (int)c->ident)) != 0) {
			kn->active = 0;
			return err;
		}
		kn->last = atomic_load(&sig_hits[c->ident]);
		q->nsig++;
	}
	if (!kn->active)
		q->nsig--;
	return 0;
}

static int change_one(struct kq *q, const struct kevent *c)
{
	switch (c->filter) {
	case EVFILT_READ:
	case EVFILT_WRITE:
		return change_fd(q, c);
	case EVFILT_SIGNAL:
		return change_sig(q, c);
	default:
		return EINVAL;
	}
}

/* After retrieval: one-shot knotes go, dispatch knotes are disabled.
 * Returns 1 when the registration must change. */
static int knote_fired(struct knote *kn)
{
	if (kn->flags & EV_ONESHOT)
		kn->active = 0;
	else if (kn->flags & EV_DISPATCH)
		kn->enabled = 0;
	else
		return 0;
	return 1;
}

static void emit(struct kevent *out, uintptr_t ident, short filter,
                 const struct knote *kn, unsigned short extra,
                 unsigned int fflags, intptr_t data)
{
	out->ident = ident;
	out->filter = filter;
	out->flags = (unsigned short)(kn->flags | EV_ADD | extra);
	out->fflags = fflags;
	out->data = data;
	out->udata = kn->udata;
}

static int collect_signals(struct kq *q, struct kevent *ev, int room)
{
	int s, n = 0;

	for (s = 1; s < NSIG && n < room && q->nsig > 0; s++) {
		struct knote *kn = &q->sig[s];
		unsigned hits;

		if (!kn->active || !kn->enabled)
			continue;
		hits = atomic_load(&sig_hits[s]);
		if (hits == kn->last)
			continue;
		emit(&ev[n++], (uintptr_t)s, EVFILT_SIGNAL, kn, EV_CLEAR, 0,
		     (intptr_t)(hits - kn->last));
		kn->last = hits;
		knote_fired(kn);
		if (!kn->active)
			q->nsig--;
	}
	return n;
}

static int collect_regular(struct kq *q, struct kevent *ev, int room)
{
	int fd, n = 0;

	for (fd = 0; fd < q->nfds && n < room && q->nregular > 0; fd++) {
		struct kfd *k = &q->fds[fd];
		struct stat st;
		off_t off;

		if (!k->regular || !kfd_used(k))
			continue;
		if (k->kn[0].active && k->kn[0].enabled &&
		    fstat(fd, &st) == 0 &&
		    (off = lseek(fd, 0, SEEK_CUR)) >= 0 && st.st_size > off) {
			emit(&ev[n++], (uintptr_t)fd, EVFILT_READ, &k->kn[0], 0,
			     0, (intptr_t)(st.st_size - off));
			knote_fired(&k->kn[0]);
		}
		if (n < room && k->kn[1].active && k->kn[1].enabled) {
			emit(&ev[n++], (uintptr_t)fd, EVFILT_WRITE, &k->kn[1],
			     0, 0, 0);
			knote_fired(&k->kn[1]);
		}
		if (!kfd_used(k))
			kfd_drop(q, fd);
	}
	return n;
}

static intptr_t bytes_readable(int fd)
{
	int n = 0;

	return ioctl(fd, FIONREAD, &n) == 0 ? n : 0;
}

static intptr_t bytes_writable(int fd)
{
	int size = 0, queued = 0;
	socklen_t len = sizeof(size);

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &len) < 0)
		return 0;
	if (ioctl(fd, TIOCOUTQ, &queued) < 0)
		queued = 0;
	return size > queued ? size - queued : 0;
}

static int kfd_same_file(const struct kfd *k, int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_dev == k->dev &&
	       st.st_ino == k->ino;
}

static void kfd_remember(struct kq *q, int fd)
{
	if (q->nrearm == q->rearm_cap) {
		int cap = q->rearm_cap ? q->rearm_cap * 2 : 64;
		int *p = realloc(q->rearm, (size_t)cap * sizeof(*p));
		if (p == NULL)
			return; /* stays disarmed until its next change */
		q->rearm = p;
		q->rearm_cap = cap;
	}
	q->rearm[q->nrearm++] = fd;
	q->fds[fd].rearm = 1;
}

/* Re-arms the one-shot registrations that fired, for level semantics. */
static void kq_rearm(struct kq *q)
{
	int i;

	for (i = 0; i < q->nrearm; i++) {
		int fd = q->rearm[i];
		struct kfd *k = &q->fds[fd];

		if (!k->rearm)
			continue;
		k->rearm = 0;
		if (!kfd_used(k) || !k->epmask)
			continue;
		if (!kfd_same_file(k, fd))
			kfd_drop(q, fd);
		else
			kfd_sync(q, fd);
	}
	q->nrearm = 0;
}

/* Turns one epoll result into up to two kevents (read, write). */
static int collect_fd(struct kq *q, const struct epoll_event *e,
                      struct kevent *ev, int room)
{
	int fd = (int)(uint32_t)e->data.u64;
	uint32_t r = e->events;
	struct kevent tmp[2];
	struct kfd *k;
	int n = 0, i, resync = 0;

	if (fd >= q->nfds)
		return 0;
	k = &q->fds[fd];
	if (!kfd_used(k) || k->gen != (uint32_t)(e->data.u64 >> 32))
		return 0;
	if (!kfd_same_file(k, fd)) {
		kfd_drop(q, fd); /* closed since: its knotes went with it */
		return 0;
	}
	if ((k->epmask & EPOLLONESHOT) && !k->rearm)
		kfd_remember(q, fd);
	if (k->kn[0].active && k->kn[0].enabled &&
	    (r & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
		unsigned int err = 0;
		if (r & EPOLLERR) {
			int so = 0;
			socklen_t len = sizeof(so);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) ==
			    0)
				err = (unsigned int)so;
		}
		emit(&tmp[n++], (uintptr_t)fd, EVFILT_READ, &k->kn[0],
		     (r & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ? EV_EOF : 0, err,
		     bytes_readable(fd));
		resync |= knote_fired(&k->kn[0]);
	}
	if (k->kn[1].active && k->kn[1].enabled &&
	    (r & (EPOLLOUT | EPOLLHUP | EPOLLERR))) {
		emit(&tmp[n++], (uintptr_t)fd, EVFILT_WRITE, &k->kn[1],
		     (r & (EPOLLHUP | EPOLLERR)) ? EV_EOF : 0, 0,
		     bytes_writable(fd));
		resync |= knote_fired(&k->kn[1]);
	}
	/* Only when needed: re-arming an EPOLLET registration would report
	 * the same edge again. */
	if (resync)
		kfd_sync(q, fd);
	if (!kfd_used(k))
		kfd_drop(q, fd);
	for (i = 0; i < n; i++) {
		if (i < room)
			ev[i] = tmp[i];
		else
			q->carry[q->ncarry++] = tmp[i];
	}
	return n < room ? n : room;
}

static int timeout_ms(const struct timespec *ts)
{
	long long ms;

	if (ts == NULL)
		return -1;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
		return -2;
	ms = (long long)ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

int kevent(int kqfd, const struct kevent *changelist, int nchanges,
           struct kevent *eventlist, int nevents,
           const struct timespec *timeout)
{
	struct epoll_event ep[WAIT_BATCH];
	struct kq *q;
	int i, n = 0, ms, got, want, sigwake = 0;

	if (nchanges < 0 || nevents < 0 || (nchanges && !changelist) ||
	    (nevents && !eventlist)) {
		errno = EINVAL;
		return -1;
	}
	if ((ms = timeout_ms(timeout)) == -2) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&kq_lock);
	q = kqfd >= 0 && kqfd < nkqs ? kqs[kqfd] : NULL;
	if (q == NULL) {
		pthread_mutex_unlock(&kq_lock);
		errno = EBADF;
		return -1;
	}
	for (i = 0; i < nchanges; i++) {
		const struct kevent *c = &changelist[i];
		int err = change_one(q, c);

		if (err == 0 && !(c->flags & EV_RECEIPT))
			continue;
		if (n >= nevents) {
			if (err == 0)
				continue;
			pthread_mutex_unlock(&kq_lock);
			errno = err;
			return -1;
		}
		eventlist[n] = *c;
		eventlist[n].flags = EV_ERROR;
		eventlist[n].data = err;
		n++;
	}
	if (n > 0 || nevents == 0) {
		pthread_mutex_unlock(&kq_lock);
		return n;
	}
	kq_rearm(q);
	while (q->ncarry > 0 && n < nevents)
		eventlist[n++] = q->carry[--q->ncarry];
	n += collect_signals(q, eventlist + n, nevents - n);
	n += collect_regular(q, eventlist + n, nevents - n);
	if (n > 0)
		ms = 0;
	want = (nevents - n) / 2;
	want = want < 1 ? 1 : want > WAIT_BATCH ? WAIT_BATCH : want;
	if (n >= nevents) {
		pthread_mutex_unlock(&kq_lock);
		return n;
	}
	pthread_mutex_unlock(&kq_lock);
	got = epoll_wait(kqfd, ep, want, ms);
	pthread_mutex_lock(&kq_lock);
	if (got < 0) {
		int saved = errno;
		pthread_mutex_unlock(&kq_lock);
		if (n > 0)
			return n;
		errno = saved;
		return -1;
	}
	if (kqs[kqfd] != q) {
		/* Closed by another thread while we waited. */
		pthread_mutex_unlock(&kq_lock);
		errno = EBADF;
		return -1;
	}
	for (i = 0; i < got; i++) {
		if (ep[i].data.u64 == SIG_TAG) {
			sigwake = 1;
			continue;
		}
		if (n < nevents)
			n += collect_fd(q, &ep[i], eventlist + n, nevents - n);
	}
	if (sigwake && n < nevents)
		n += collect_signals(q, eventlist + n, nevents - n);
	pthread_mutex_unlock(&kq_lock);
	return n;
}
