/*
 * backend-rtsig: Linux real-time signal I/O (experimental; the loader uses
 * it only when EV_BACKEND names it).
 *
 * Each watched fd gets O_ASYNC, F_SETSIG with a real-time signal of this
 * instance's own, and F_SETOWN_EX naming the dispatching thread, which
 * keeps that signal blocked and collects it with sigtimedwait(): the
 * siginfo carries the fd.  A signal is only a hint that an fd's state
 * changed, never a level, so:
 *
 *  - every hinted fd, and every fd just added (it may already be ready:
 *    O_ASYNC only signals new events), goes on a check list that one
 *    poll() pass with no timeout turns into readiness; an fd stays on the
 *    list while it is ready, which gives level-triggered behaviour;
 *  - when the kernel's signal queue overflows it sends SIGIO instead, and
 *    the next pass checks every fd, so no event is lost;
 *  - stale hints (an fd removed or closed since) cost one poll() entry.
 *
 * The real-time signal is claimed by swapping in this module's handler
 * only where the disposition was SIG_DFL or SIG_IGN, so another base or
 * the program keeps theirs; it is released to SIG_IGN, which also drops
 * signals still in flight.  When every signal is taken, instances share
 * SIGRTMAX and check all their fds on each pass.  SIGIO is blocked in the
 * dispatching thread (the program cannot watch SIGIO with this backend).
 *
 * Only sockets, pipes and terminals signal; any other fd (an eventfd, a
 * regular file...) is accepted silently by O_ASYNC but never signals, so
 * such fds are checked on every pass and the wait becomes a ppoll() on
 * them that lets the real-time signal in: a signal taken that way has
 * lost its fd, so the pass then checks every fd.
 *
 * Write space is not reliably signalled: Linux raises the write-space
 * signal on a socket only after a write failed with EAGAIN, not after a
 * short write, so an fd waiting for EV_WRITE is checked on every pass
 * (and waited on with ppoll) for as long as it wants EV_WRITE.
 *
 * After fork() the child shares its open file descriptions, and so their
 * signal owner, with the parent: taking them would steal the parent's
 * events.  The child's instance therefore polls all its fds that way.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ev-backend.h"

#define RTSIG_DRAIN_MAX 1024 /* hints taken per dispatch before polling */

struct rtsig_state {
	struct ev_backend_base *base;
	const struct ev_backend_host *host;
	int signo;
	int shared;    /* signo is shared: check every fd on every pass */
	pid_t tid;     /* thread that owns the fds' signals */
	int poll_mode; /* after fork: poll every fd, no signals */
	unsigned char *interest; /* fd -> EV_BACKEND_READ|WRITE */
	unsigned char *listed;   /* fd -> on the check list */
	unsigned char *polled;   /* fd -> cannot signal: checked every pass */
	int npolled;
	unsigned char *wpoll; /* fd -> wants EV_WRITE: checked every pass */
	int nwpoll;
	int nfds;
	int maxfd; /* highest fd with interest, -1 for none */
	int *list; /* the check list */
	int nlist;
	struct pollfd *pfds; /* room for the check list, or every fd */
	int npfds;
	int overflow; /* SIGIO seen: check every fd */
};

/* Marks a signal as taken by an rtsig instance; never runs, as the signal
 * stays blocked in the thread it is directed to. */
static void rtsig_claimed(int signo, siginfo_t *info, void *ctx)
{
	(void)signo;
	(void)info;
	(void)ctx;
}

/*
 * The handler above must stay mapped while any thread could still take a
 * signal through it (one queued to a thread that later unblocks it), so
 * the module pins itself in memory once it claims a signal.
 */
static void rtsig_pin(void)
{
	Dl_info info;

	if (dladdr((void *)rtsig_claimed, &info) && info.dli_fname != NULL) {
		void *h = dlopen(info.dli_fname,
		                 RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
		if (h != NULL)
			dlclose(h); /* the pin outlives the handle */
	}
}

/* Swaps in rtsig_claimed on `s`; returns the old disposition's kind:
 * 0 free (default, ignored), 1 claimed by an instance, -1 the program's
 * (given back). */
static int rtsig_try(int s)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = rtsig_claimed;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	/* The swap is atomic: of two instances racing for s, only one sees
	 * it free. */
	if (sigaction(s, &sa, &old) < 0)
		return -1;
	if (!(old.sa_flags & SA_SIGINFO) &&
	    (old.sa_handler == SIG_DFL || old.sa_handler == SIG_IGN))
		return 0;
	if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction == rtsig_claimed)
		return 1;
	sigaction(s, &old, NULL);
	return -1;
}

/*
 * A signal of its own for each instance, from SIGRTMIN+1 to SIGRTMAX-1.
 * When all are taken, instances share SIGRTMAX: a hint on a shared signal
 * may be taken by another instance on the same thread, so a sharing
 * instance checks all its fds on every pass (*shared set).
 */
static int rtsig_claim(int *shared)
{
	int s;

	rtsig_pin();
	*shared = 0;
	for (s = SIGRTMIN + 1; s < SIGRTMAX; s++)
		if (rtsig_try(s) == 0)
			return s;
	if (rtsig_try(SIGRTMAX) >= 0) {
		*shared = 1;
		return SIGRTMAX;
	}
	errno = EAGAIN;
	return -1;
}

static void rtsig_sigset(const struct rtsig_state *st, sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, st->signo);
	sigaddset(set, SIGIO);
}

/* Signals are directed at one thread: the one that dispatches. */
static int rtsig_own(struct rtsig_state *st, int fd)
{
	struct f_owner_ex owner = {.type = F_OWNER_TID, .pid = st->tid};
	int fl;

	if (fcntl(fd, F_SETOWN_EX, &owner) < 0 ||
	    fcntl(fd, F_SETSIG, st->signo) < 0)
		return -1;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	if (!(fl & O_ASYNC) && fcntl(fd, F_SETFL, fl | O_ASYNC) < 0)
		return -1;
	return 0;
}

static int rtsig_adopt_thread(struct rtsig_state *st)
{
	pid_t tid = gettid();
	sigset_t set;
	int fd;

	if (tid == st->tid)
		return 0;
	rtsig_sigset(st, &set);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	st->tid = tid;
	for (fd = 0; fd <= st->maxfd; fd++)
		if (st->interest[fd] && !st->polled[fd])
			rtsig_own(st, fd); /* a closed fd has nothing to own */
	st->overflow = 1; /* hints sent to the old thread are gone */
	return 0;
}

static int rtsig_init(struct ev_backend_base *base,
                      const struct ev_backend_host *host, void **statep)
{
	struct rtsig_state *st = calloc(1, sizeof(*st));
	struct sigaction ign;

	if (st == NULL)
		return -1;
	st->signo = rtsig_claim(&st->shared);
	if (st->signo < 0) {
		free(st);
		return -1;
	}
	st->base = base;
	st->host = host;
	st->maxfd = -1;
	st->tid = 0;
	if (rtsig_adopt_thread(st) < 0) {
		int saved = errno;
		memset(&ign, 0, sizeof(ign));
		ign.sa_handler = SIG_IGN;
		if (!st->shared)
			sigaction(st->signo, &ign, NULL);
		free(st);
		errno = saved;
		return -1;
	}
	st->overflow = 0;
	*statep = st;
	return 0;
}

static int rtsig_grow(unsigned char **a, int from, int to)
{
	unsigned char *p = realloc(*a, (size_t)to);

	if (p == NULL)
		return -1;
	memset(p + from, 0, (size_t)(to - from));
	*a = p;
	return 0;
}

static int rtsig_reserve(struct rtsig_state *st, int fd)
{
	int *l, n;

	if (fd < st->nfds)
		return 0;
	n = fd < 64 ? 64 : (fd > INT_MAX / 2 ? fd + 1 : fd * 2);
	if (rtsig_grow(&st->interest, st->nfds, n) < 0 ||
	    rtsig_grow(&st->listed, st->nfds, n) < 0 ||
	    rtsig_grow(&st->polled, st->nfds, n) < 0 ||
	    rtsig_grow(&st->wpoll, st->nfds, n) < 0)
		return -1;
	if ((l = realloc(st->list, (size_t)n * sizeof(*l))) == NULL)
		return -1;
	st->list = l;
	st->nfds = n;
	return 0;
}

static void rtsig_check(struct rtsig_state *st, int fd)
{
	if (fd < 0 || fd >= st->nfds || !st->interest[fd] || st->listed[fd])
		return;
	st->listed[fd] = 1;
	st->list[st->nlist++] = fd;
}

/* Sockets, pipes and terminals implement O_ASYNC; nothing else is
 * known to. */
static int rtsig_can_signal(int fd)
{
	struct stat sb;

	if (fstat(fd, &sb) < 0)
		return -1;
	return S_ISSOCK(sb.st_mode) || S_ISFIFO(sb.st_mode) || isatty(fd);
}

static void rtsig_set_polled(struct rtsig_state *st, int fd, int on)
{
	if (st->polled[fd] == on)
		return;
	st->polled[fd] = (unsigned char)on;
	st->npolled += on ? 1 : -1;
}

static void rtsig_set_wpoll(struct rtsig_state *st, int fd, int on)
{
	if (st->wpoll[fd] == on)
		return;
	st->wpoll[fd] = (unsigned char)on;
	st->nwpoll += on ? 1 : -1;
}

/* Checked on every pass: cannot signal, or waits for write space. */
static int rtsig_always(const struct rtsig_state *st, int fd)
{
	return st->polled[fd] || st->wpoll[fd];
}

static int rtsig_add(void *state, int fd, int old_mask, int new_mask,
                     void *fdinfo)
{
	struct rtsig_state *st = state;
	int want = new_mask & (EV_BACKEND_READ | EV_BACKEND_WRITE);
	int can;

	(void)fdinfo;
	if (rtsig_reserve(st, fd) < 0)
		return -1;
	/* New, or possibly closed and reopened: (re)arm its signals. */
	if (want && (!st->interest[fd] || old_mask == new_mask)) {
		if ((can = rtsig_can_signal(fd)) < 0)
			return -1;
		if (st->poll_mode)
			can = 0;
		if (can && rtsig_own(st, fd) < 0)
			return -1;
		rtsig_set_polled(st, fd, !can);
	}
	st->interest[fd] = (unsigned char)want;
	rtsig_set_wpoll(st, fd, (want & EV_BACKEND_WRITE) != 0);
	if (want && fd > st->maxfd)
		st->maxfd = fd;
	/* It may be ready already, and no signal will say so. */
	rtsig_check(st, fd);
	return 0;
}

static int rtsig_del(void *state, int fd, int old_mask, int new_mask,
                     void *fdinfo)
{
	struct rtsig_state *st = state;
	int fl;

	(void)old_mask;
	(void)fdinfo;
	if (fd >= st->nfds || !st->interest[fd])
		return 0;
	st->interest[fd] =
	    (unsigned char)(new_mask & (EV_BACKEND_READ | EV_BACKEND_WRITE));
	rtsig_set_wpoll(st, fd, (st->interest[fd] & EV_BACKEND_WRITE) != 0);
	if (st->interest[fd])
		return 0;
	if (st->polled[fd]) {
		rtsig_set_polled(st, fd, 0);
		goto out;
	}
	/* Quiet the fd; a closed one (EBADF) is quiet already.  Its place on
	 * the check list is dropped by the next pass. */
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_ASYNC))
		fcntl(fd, F_SETFL, fl & ~O_ASYNC);
out:
	while (st->maxfd >= 0 && !st->interest[st->maxfd])
		st->maxfd--;
	return 0;
}

/* Takes the hints: waits up to `timeout` for the first, then drains. */
static int rtsig_collect(struct rtsig_state *st, const struct timespec *timeout)
{
	static const struct timespec zero = {0, 0};
	const struct timespec *ts = timeout;
	siginfo_t info;
	sigset_t set;
	int i, s;

	rtsig_sigset(st, &set);
	for (i = 0; i < RTSIG_DRAIN_MAX; i++) {
		s = sigtimedwait(&set, &info, ts);
		if (s < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return -1;
		}
		ts = &zero;
		if (s == SIGIO) {
			st->overflow = 1;
			continue;
		}
		/* Only the kernel's POLL_* codes carry an fd. */
		if (info.si_code > 0)
			rtsig_check(st, info.si_fd);
	}
	/* Still more queued: check everything rather than leave them. */
	st->overflow = 1;
	return 0;
}

static int rtsig_pass(struct rtsig_state *st)
{
	int i, n, kept = 0, fd;

	if (st->overflow || st->npolled || st->nwpoll) {
		for (fd = 0; fd <= st->maxfd; fd++)
			if (st->overflow || rtsig_always(st, fd))
				rtsig_check(st, fd);
		st->overflow = 0;
	}
	if (st->nlist == 0)
		return 0;
	if (st->npfds < st->nlist) {
		struct pollfd *p =
		    realloc(st->pfds, (size_t)st->nfds * sizeof(*p));
		if (p == NULL)
			return -1;
		st->pfds = p;
		st->npfds = st->nfds;
	}
	for (i = 0, n = 0; i < st->nlist; i++) {
		fd = st->list[i];
		st->listed[fd] = 0;
		if (!st->interest[fd])
			continue;
		st->pfds[n].fd = fd;
		st->pfds[n].events =
		    (short)(((st->interest[fd] & EV_BACKEND_READ) ? POLLIN
		                                                  : 0) |
		            ((st->interest[fd] & EV_BACKEND_WRITE) ? POLLOUT
		                                                   : 0));
		st->pfds[n].revents = 0;
		n++;
	}
	st->nlist = 0;
	if (n > 0 && poll(st->pfds, (nfds_t)n, 0) < 0) {
		/* Keep them listed for the next pass. */
		for (i = 0; i < n; i++)
			rtsig_check(st, st->pfds[i].fd);
		return errno == EINTR ? 0 : -1;
	}
	for (i = 0; i < n; i++) {
		short r = st->pfds[i].revents;
		int what = 0;

		if (r == 0)
			continue; /* the next change brings a signal */
		if (r & (POLLERR | POLLHUP | POLLNVAL))
			what |= EV_BACKEND_READ | EV_BACKEND_WRITE;
		if (r & POLLIN)
			what |= EV_BACKEND_READ;
		if (r & POLLOUT)
			what |= EV_BACKEND_WRITE;
		/* Still ready next time unless the callbacks change that. */
		rtsig_check(st, st->pfds[i].fd);
		kept++;
		st->host->fd_ready(st->base, st->pfds[i].fd, what);
	}
	return kept;
}

/*
 * Waits on the fds that cannot signal, letting this instance's signals in
 * for the time of the wait.  A signal taken that way ran the (empty)
 * handler and its fd is lost: the next pass checks every fd.
 */
static int rtsig_wait_polled(struct rtsig_state *st,
                             const struct timespec *timeout)
{
	sigset_t mask;
	int fd, n = 0;

	if (st->npfds < st->nfds) {
		struct pollfd *p =
		    realloc(st->pfds, (size_t)st->nfds * sizeof(*p));
		if (p == NULL)
			return -1;
		st->pfds = p;
		st->npfds = st->nfds;
	}
	for (fd = 0; fd <= st->maxfd; fd++) {
		if (!rtsig_always(st, fd) || !st->interest[fd])
			continue;
		st->pfds[n].fd = fd;
		st->pfds[n].events =
		    (short)(((st->interest[fd] & EV_BACKEND_READ) ? POLLIN
		                                                  : 0) |
		            ((st->interest[fd] & EV_BACKEND_WRITE) ? POLLOUT
		                                                   : 0));
		n++;
	}
	if (pthread_sigmask(SIG_BLOCK, NULL, &mask) != 0)
		return -1;
	/* SIGIO stays blocked (its default action would end the process):
	 * it is still pending for the collection that follows. */
	if (!st->poll_mode)
		sigdelset(&mask, st->signo);
	if (ppoll(st->pfds, (nfds_t)n, timeout, &mask) < 0) {
		if (errno != EINTR)
			return -1;
		st->overflow = !st->poll_mode;
	}
	return 0;
}

static int rtsig_dispatch(void *state, const struct timespec *timeout)
{
	static const struct timespec zero = {0, 0};
	struct rtsig_state *st = state;
	/* Fds still listed may be ready now: do not sleep on them. */
	const struct timespec *ts =
	    (st->nlist || st->overflow) ? &zero : timeout;

	if (!st->poll_mode && rtsig_adopt_thread(st) < 0)
		return -1;
	if (st->shared)
		st->overflow = 1;
	if (st->npolled > 0 || st->nwpoll > 0 || st->poll_mode) {
		if (rtsig_wait_polled(st, ts) < 0)
			return -1;
		ts = &zero;
	}
	if (!st->poll_mode && rtsig_collect(st, ts) < 0)
		return -1;
	return rtsig_pass(st) < 0 ? -1 : 0;
}

static void rtsig_dealloc(void *state)
{
	struct rtsig_state *st = state;
	struct sigaction ign;
	int fd;

	if (!st->poll_mode) {
		for (fd = 0; fd <= st->maxfd; fd++) {
			int fl;
			if (!st->interest[fd])
				continue;
			fl = fcntl(fd, F_GETFL);
			if (fl >= 0 && (fl & O_ASYNC))
				fcntl(fd, F_SETFL, fl & ~O_ASYNC);
		}
		/* SIG_IGN drops what is queued and whatever is in flight.  The
		 * shared signal stays claimed: others may be using it. */
		memset(&ign, 0, sizeof(ign));
		ign.sa_handler = SIG_IGN;
		if (!st->shared)
			sigaction(st->signo, &ign, NULL);
	}
	free(st->interest);
	free(st->listed);
	free(st->polled);
	free(st->wpoll);
	free(st->list);
	free(st->pfds);
	free(st);
}

static int rtsig_reinit(void *state)
{
	struct rtsig_state *st = state;
	int fd;

	/* Leave the shared file descriptions to the parent. */
	st->poll_mode = 1;
	for (fd = 0; fd < st->nfds; fd++)
		st->interest[fd] = st->listed[fd] = st->polled[fd] =
		    st->wpoll[fd] = 0;
	st->nlist = 0;
	st->npolled = 0;
	st->nwpoll = 0;
	st->maxfd = -1;
	st->host->log(st->base, EV_BACKEND_LOG_DEBUG,
	              "rtsig: child after fork runs on poll()");
	return 0;
}

static const struct ev_backend_ops rtsig_ops = {
    .abi_version = EV_BACKEND_ABI_VERSION,
    .struct_size = sizeof(struct ev_backend_ops),
    .name = "rtsig",
    .features = 0,
    .fdinfo_size = 0,
    .need_reinit = 1,
    .init = rtsig_init,         /* claim a real-time signal, block it */
    .add = rtsig_add,           /* O_ASYNC + F_SETSIG + owner, check now */
    .del = rtsig_del,           /* clear O_ASYNC when no interest is left */
    .dispatch = rtsig_dispatch, /* sigtimedwait hints, one poll() pass */
    .dealloc = rtsig_dealloc,
    .reinit = rtsig_reinit, /* child: poll() mode, parent keeps signals */
};

EV_BACKEND_EXPORT(rtsig, rtsig_ops)
