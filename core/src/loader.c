/*
 * The backend loader: finds libev-backend-NAME.so modules at run time,
 * checks their ABI, and picks the first that initialises, in the order the
 * environment, the configuration or the default preference gives.
 *
 * Search path: EV_BACKEND_PATH (colon list) if set; otherwise the
 * libev/backends directory beside the libev-core that is running (so a
 * build tree and a relocated install both work), then the install
 * directory compiled in.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev-internal.h"
#include "builtin-backends.h"

#ifndef LIBEV_BACKEND_DIR
#define LIBEV_BACKEND_DIR "/usr/local/lib/libev/backends"
#endif

/* Preferred order when nothing is asked for.  Experimental modules (rtsig,
 * iouring) are only used when named in EV_BACKEND. */
static const char *const default_order[] = {
    "epoll", "kqueue", "evport", "devpoll", "poll", "select", NULL,
};
static const char *const named_only[] = {"iouring", "rtsig", NULL};

#define MAX_DIRS  16
#define MAX_NAMES 16

struct search {
	char *dirs[MAX_DIRS];
	int ndirs;
	char *storage;  /* one allocation holding the directory strings */
	char why[2048]; /* reasons every candidate was refused */
	size_t whylen;
};

static void why_add(struct search *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void why_add(struct search *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->whylen >= sizeof(s->why) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->why + s->whylen, sizeof(s->why) - s->whylen, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->whylen += (size_t)n;
	if (s->whylen >= sizeof(s->why))
		s->whylen = sizeof(s->why) - 1;
}

static const char *env(const char *name, int ignore_env)
{
	const char *v;

	if (ignore_env)
		return NULL;
	/* secure_getenv: a set-uid program must not load modules chosen by
	 * its caller. */
	v = secure_getenv(name);
	return (v != NULL && *v != '\0') ? v : NULL;
}

/* Fills s->dirs.  Returns 0, or -1 when out of memory. */
static int search_init(struct search *s, int ignore_env)
{
	const char *path = env("EV_BACKEND_PATH", ignore_env);
	size_t need;
	char *p;

	memset(s, 0, sizeof(*s));
	if (path != NULL) {
		s->storage = strdup(path);
		if (s->storage == NULL)
			return -1;
		for (p = strtok(s->storage, ":"); p && s->ndirs < MAX_DIRS;
		     p = strtok(NULL, ":"))
			s->dirs[s->ndirs++] = p;
		return 0;
	}
	{
		Dl_info info;
		const char *self = NULL;
		size_t selflen = 0;

		if (dladdr((void *)&ev__load_backend, &info) &&
		    info.dli_fname) {
			const char *slash = strrchr(info.dli_fname, '/');
			if (slash != NULL) {
				self = info.dli_fname;
				selflen = (size_t)(slash - info.dli_fname);
			}
		}
		need = selflen + sizeof("/libev/backends") + 1 +
		       sizeof(LIBEV_BACKEND_DIR) + 1;
		s->storage = malloc(need);
		if (s->storage == NULL)
			return -1;
		p = s->storage;
		if (self != NULL) {
			memcpy(p, self, selflen);
			strcpy(p + selflen, "/libev/backends");
			s->dirs[s->ndirs++] = p;
			p += strlen(p) + 1;
		}
		if (s->ndirs == 0 ||
		    strcmp(s->dirs[0], LIBEV_BACKEND_DIR) != 0) {
			strcpy(p, LIBEV_BACKEND_DIR);
			s->dirs[s->ndirs++] = p;
		}
	}
	return 0;
}

static int valid_name(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (!islower((unsigned char)name[i]) &&
		    !isdigit((unsigned char)name[i]))
			return 0;
	return i > 0 && i < 32;
}

static int check_ops(struct search *s, const struct ev_backend_ops *ops,
                     const char *name, const char *where)
{
	if (ops == NULL) {
		why_add(s, "; %s: %s returned no ops table", name, where);
		return -1;
	}
	if (ops->abi_version != EV_BACKEND_ABI_VERSION) {
		why_add(s,
		        "; %s: %s speaks backend ABI %u, this libev-core "
		        "speaks %u",
		        name, where, ops->abi_version, EV_BACKEND_ABI_VERSION);
		return -1;
	}
	if (ops->struct_size < sizeof(struct ev_backend_ops) ||
	    ops->name == NULL || strcmp(ops->name, name) != 0 || !ops->init ||
	    !ops->add || !ops->del || !ops->dispatch || !ops->dealloc ||
	    (ops->need_reinit && !ops->reinit)) {
		why_add(s, "; %s: %s has a malformed ops table", name, where);
		return -1;
	}
	return 0;
}

/* Finds the ops of `name`: built in, or in the first directory holding a
 * module of that name.  On success *dl is the handle (NULL if built in). */
static const struct ev_backend_ops *find_module(struct search *s,
                                                const char *name, void **dl)
{
	char path[4096];
	int i;

	*dl = NULL;
	for (i = 0; ev__builtin_backends[i].name != NULL; i++) {
		if (strcmp(ev__builtin_backends[i].name, name) == 0) {
			const struct ev_backend_ops *ops =
			    ev__builtin_backends[i].entry();
			return check_ops(s, ops, name, "built-in backend")
			           ? NULL
			           : ops;
		}
	}
	for (i = 0; i < s->ndirs; i++) {
		ev_backend_entry_fn entry;
		const struct ev_backend_ops *ops;
		void *h;

		if (snprintf(path, sizeof(path), "%s/libev-backend-%s.so",
		             s->dirs[i], name) >= (int)sizeof(path))
			continue;
		if (access(path, F_OK) != 0)
			continue;
		h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (h == NULL) {
			why_add(s, "; %s: %s", name, dlerror());
			return NULL;
		}
		*(void **)&entry = dlsym(h, EV_BACKEND_ENTRY_SYMBOL);
		if (entry == NULL) {
			why_add(s, "; %s: %s has no symbol %s", name, path,
			        EV_BACKEND_ENTRY_SYMBOL);
			dlclose(h);
			return NULL;
		}
		ops = entry();
		if (check_ops(s, ops, name, path) < 0) {
			dlclose(h);
			return NULL;
		}
		*dl = h;
		return ops;
	}
	why_add(s, "; %s: no libev-backend-%s.so found", name, name);
	return NULL;
}

static int avoided(const struct event_config *cfg, const char *name,
                   int ignore_env, struct search *s)
{
	char var[48];
	int i;

	if (cfg != NULL)
		for (i = 0; i < cfg->navoid; i++)
			if (strcmp(cfg->avoid[i], name) == 0) {
				why_add(s, "; %s: avoided by the configuration",
				        name);
				return 1;
			}
	snprintf(var, sizeof(var), "EVENT_NO%s", name);
	for (i = 8; var[i]; i++)
		var[i] = (char)toupper((unsigned char)var[i]);
	if (env(var, ignore_env) != NULL) {
		why_add(s, "; %s: disabled by %s", name, var);
		return 1;
	}
	return 0;
}

/* Splits EV_BACKEND's comma list into names (in `buf`). */
static int parse_names(const char *list, char *buf, size_t buflen,
                       const char **names)
{
	int n = 0;
	char *p;

	snprintf(buf, buflen, "%s", list);
	for (p = strtok(buf, ", "); p && n < MAX_NAMES - 1;
	     p = strtok(NULL, ", "))
		names[n++] = p;
	names[n] = NULL;
	return n;
}

int ev__load_backend(struct event_base *base, const struct event_config *cfg)
{
	int ignore_env = cfg && (cfg->flags & EVENT_BASE_FLAG_IGNORE_ENV);
	const char *asked = env("EV_BACKEND", ignore_env);
	const char *names_buf[MAX_NAMES];
	const char *const *names = default_order;
	char listbuf[256];
	struct search s;
	int i;

	if (search_init(&s, ignore_env) < 0) {
		ev__log(EVENT_LOG_ERR, "event_base_new: out of memory");
		return -1;
	}
	if (asked != NULL) {
		parse_names(asked, listbuf, sizeof(listbuf), names_buf);
		names = names_buf;
	}
	for (i = 0; names[i] != NULL; i++) {
		const struct ev_backend_ops *ops;
		void *dl;

		if (!valid_name(names[i])) {
			why_add(&s, "; \"%s\": not a backend name", names[i]);
			continue;
		}
		if (avoided(cfg, names[i], ignore_env, &s))
			continue;
		ops = find_module(&s, names[i], &dl);
		if (ops == NULL)
			continue;
		if (cfg && (ops->features & cfg->require_features) !=
		               cfg->require_features) {
			why_add(&s, "; %s: lacks required features 0x%x",
			        names[i],
			        cfg->require_features & ~ops->features);
			if (dl)
				dlclose(dl);
			continue;
		}
		if (ops->init((struct ev_backend_base *)(void *)base,
		              &base->host, &base->backend_state) < 0) {
			why_add(&s, "; %s: init failed: %s", names[i],
			        strerror(errno));
			if (dl)
				dlclose(dl);
			continue;
		}
		base->module.ops = ops;
		base->module.dl = dl;
		if (env("EVENT_SHOW_METHOD", ignore_env) != NULL)
			ev__log(EVENT_LOG_MSG, "libev using: %s", ops->name);
		free(s.storage);
		return 0;
	}
	{
		char dirs[1024];
		size_t len = 0;

		dirs[0] = '\0';
		for (i = 0; i < s.ndirs && len < sizeof(dirs); i++)
			len +=
			    (size_t)snprintf(dirs + len, sizeof(dirs) - len,
			                     "%s%s", i ? ":" : "", s.dirs[i]);
		ev__log(EVENT_LOG_ERR,
		        "no usable event backend (%s%s); "
		        "searched %s%s",
		        asked ? "EV_BACKEND=" : "default order",
		        asked ? asked : "", s.ndirs ? dirs : "(no directory)",
		        s.why);
	}
	free(s.storage);
	errno = ENOENT;
	return -1;
}

void ev__unload_backend(struct event_base *base)
{
	if (base->module.ops == NULL)
		return;
	base->module.ops->dealloc(base->backend_state);
	base->backend_state = NULL;
	if (base->module.dl != NULL)
		dlclose(base->module.dl);
	base->module.ops = NULL;
}

/* ---- event_get_supported_methods ------------------------------------- */

static const char *supported[MAX_NAMES + 1];
static pthread_once_t supported_once = PTHREAD_ONCE_INIT;

static void probe_one(struct search *s, const char *name, int *n)
{
	void *dl;

	if (find_module(s, name, &dl) == NULL)
		return;
	if (dl)
		dlclose(dl);
	supported[(*n)++] = name;
}

static void probe_supported(void)
{
	struct search s;
	int i, n = 0;

	if (search_init(&s, 0) < 0)
		return;
	for (i = 0; default_order[i] && n < MAX_NAMES; i++)
		probe_one(&s, default_order[i], &n);
	for (i = 0; named_only[i] && n < MAX_NAMES; i++)
		probe_one(&s, named_only[i], &n);
	supported[n] = NULL;
	free(s.storage);
}

const char **event_get_supported_methods(void)
{
	pthread_once(&supported_once, probe_supported);
	return supported;
}
