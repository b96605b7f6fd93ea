/*
 * evbuffer callbacks: the registry and their invocation after every
 * change of a buffer's length.
 */
#include <stdlib.h>

#include "buffer-internal.h"
#include "ev-internal.h"

/* Callbacks run after every change of the length.  They may add or remove
 * callbacks; removed entries are unlinked once no invocation runs. */
static void buf_sweep_cbs(struct evbuffer *buf)
{
	struct evbuffer_cb_entry **pp = &buf->cbs, *e;

	while ((e = *pp) != NULL) {
		if (e->removed) {
			*pp = e->next;
			free(e);
		} else {
			pp = &e->next;
		}
	}
	buf->cb_removed = 0;
}

void ev__buf_notify(struct evbuffer *buf, size_t orig, size_t added,
                    size_t deleted)
{
	struct evbuffer_cb_info info;
	struct evbuffer_cb_entry *e;

	if (buf->cbs == NULL || (added == 0 && deleted == 0))
		return;
	info.orig_size = orig;
	info.n_added = added;
	info.n_deleted = deleted;
	buf->cb_depth++;
	for (e = buf->cbs; e != NULL; e = e->next) {
		if (e->removed || !(e->flags & EVBUFFER_CB_ENABLED))
			continue;
		if (e->obsolete)
			e->u.cb_obsolete(buf, orig, orig + added - deleted,
			                 e->arg);
		else
			e->u.cb(buf, &info, e->arg);
	}
	if (--buf->cb_depth == 0 && buf->cb_removed)
		buf_sweep_cbs(buf);
}

/* Callback registry. */
static struct evbuffer_cb_entry *buf_new_cb(struct evbuffer *buf, void *arg)
{
	struct evbuffer_cb_entry *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->arg = arg;
	e->flags = EVBUFFER_CB_ENABLED;
	e->next = buf->cbs;
	buf->cbs = e;
	return e;
}

static void buf_drop_cb(struct evbuffer *buf, struct evbuffer_cb_entry *e)
{
	e->removed = 1;
	buf->cb_removed = 1;
	if (buf->cb_depth == 0)
		buf_sweep_cbs(buf);
}

struct evbuffer_cb_entry *evbuffer_add_cb(struct evbuffer *buffer,
                                          evbuffer_cb_func cb, void *cbarg)
{
	EVBUF_LOCKED(buffer);
	struct evbuffer_cb_entry *e;

	if (buffer == NULL || cb == NULL)
		return NULL;
	e = buf_new_cb(buffer, cbarg);
	if (e != NULL)
		e->u.cb = cb;
	return e;
}

int evbuffer_remove_cb_entry(struct evbuffer *buffer,
                             struct evbuffer_cb_entry *ent)
{
	EVBUF_LOCKED(buffer);
	struct evbuffer_cb_entry *e;

	if (buffer == NULL)
		return -1;
	for (e = buffer->cbs; e != NULL; e = e->next) {
		if (e == ent && !e->removed) {
			buf_drop_cb(buffer, e);
			return 0;
		}
	}
	return -1;
}

int evbuffer_remove_cb(struct evbuffer *buffer, evbuffer_cb_func cb,
                       void *cbarg)
{
	EVBUF_LOCKED(buffer);
	struct evbuffer_cb_entry *e;

	if (buffer == NULL)
		return -1;
	for (e = buffer->cbs; e != NULL; e = e->next) {
		if (!e->removed && !e->obsolete && e->u.cb == cb &&
		    e->arg == cbarg) {
			buf_drop_cb(buffer, e);
			return 0;
		}
	}
	return -1;
}

int evbuffer_cb_set_flags(struct evbuffer *buffer, struct evbuffer_cb_entry *cb,
                          ev_uint32_t flags)
{
	EVBUF_LOCKED(buffer);
	(void)buffer;
	if (cb == NULL)
		return -1;
	cb->flags |= flags & EVBUFFER_CB_ENABLED;
	return 0;
}

int evbuffer_cb_clear_flags(struct evbuffer *buffer,
                            struct evbuffer_cb_entry *cb, ev_uint32_t flags)
{
	EVBUF_LOCKED(buffer);
	(void)buffer;
	if (cb == NULL)
		return -1;
	cb->flags &= ~(flags & EVBUFFER_CB_ENABLED);
	return 0;
}

void evbuffer_setcb(struct evbuffer *buffer, evbuffer_cb cb, void *cbarg)
{
	EVBUF_LOCKED(buffer);
	struct evbuffer_cb_entry *e;

	if (buffer == NULL)
		return;
	for (e = buffer->cbs; e != NULL; e = e->next)
		e->removed = 1;
	buffer->cb_removed = 1;
	if (buffer->cb_depth == 0)
		buf_sweep_cbs(buffer);
	if (cb == NULL)
		return;
	e = buf_new_cb(buffer, cbarg);
	if (e == NULL) {
		ev__log(EVENT_LOG_WARN, "evbuffer_setcb: out of memory");
		return;
	}
	e->u.cb_obsolete = cb;
	e->obsolete = 1;
}
