/*
 * Test-only backend modules that the loader must refuse:
 *  - BADABI_NOENTRY undefined: libev-backend-badabi.so, a well-formed ops
 *    table that claims an ABI version the core does not speak;
 *  - BADABI_NOENTRY defined: libev-backend-noentry.so, which exports no
 *    entry symbol at all.
 * Neither is ever initialised, but the ops are real so that a loader that
 * skipped the checks would fail the tests rather than crash.
 */
#include <errno.h>
#include <stddef.h>

#include "ev-backend.h"

static int bad_init(struct ev_backend_base *base,
                    const struct ev_backend_host *host, void **state)
{
	(void)base;
	(void)host;
	*state = NULL;
	errno = ENOSYS;
	return -1;
}

static int bad_change(void *state, int fd, int old_mask, int new_mask,
                      void *fdinfo)
{
	(void)state;
	(void)fd;
	(void)old_mask;
	(void)new_mask;
	(void)fdinfo;
	errno = ENOSYS;
	return -1;
}

static int bad_dispatch(void *state, const struct timespec *timeout)
{
	(void)state;
	(void)timeout;
	errno = ENOSYS;
	return -1;
}

static void bad_dealloc(void *state)
{
	(void)state;
}

#ifndef BADABI_NOENTRY
static const struct ev_backend_ops badabi_ops = {
    .abi_version = EV_BACKEND_ABI_VERSION + 41, /* the point of the module */
    .struct_size = sizeof(struct ev_backend_ops),
    .name = "badabi",
    .features = 0,
    .fdinfo_size = 0,
    .need_reinit = 0,
    .init = bad_init,
    .add = bad_change,
    .del = bad_change,
    .dispatch = bad_dispatch,
    .dealloc = bad_dealloc,
    .reinit = NULL,
};

EV_BACKEND_EXPORT(badabi, badabi_ops)
#else
/* Exported under a name the loader does not look for. */
__attribute__((visibility("default"))) int noentry_marker(void);
__attribute__((visibility("default"))) int noentry_marker(void)
{
	struct timespec ts = {0, 0};
	void *st;

	return bad_init(NULL, NULL, &st) + bad_change(NULL, 0, 0, 0, NULL) +
	       bad_dispatch(NULL, &ts) + (bad_dealloc(NULL), 0);
}
#endif
