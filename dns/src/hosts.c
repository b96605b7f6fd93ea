/*
 * The hosts file, read the way glibc's "files" source reads it: one
 * address and its names per line, '#' starts a comment, names compare
 * without case, the first name is the canonical one, every matching line
 * contributes an address in file order.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "dns-internal.h"

struct host_entry {
	int family;
	uint8_t addr[16];
	char *names; /* NUL-separated, ends with an empty string */
};

struct ev__dns_hosts {
	struct host_entry *v;
	size_t n, cap;
};

void ev__dns_hosts_free(struct ev__dns_hosts *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++)
		free(h->v[i].names);
	free(h->v);
	free(h);
}

static int add_line(struct ev__dns_hosts *h, char *line)
{
	char *save = NULL, *tok, *names = NULL;
	struct host_entry e;
	size_t used = 0;

	tok = strtok_r(line, " \t\r\n", &save);
	if (tok == NULL)
		return 0;
	memset(&e, 0, sizeof(e));
	if (inet_pton(AF_INET, tok, e.addr) == 1)
		e.family = AF_INET;
	else if (inet_pton(AF_INET6, tok, e.addr) == 1)
		e.family = AF_INET6;
	else
		return 0; /* not an address: ignore the line, like glibc */
	while ((tok = strtok_r(NULL, " \t\r\n", &save))) {
		size_t k = strlen(tok) + 1;
		char *nn = realloc(names, used + k + 1);

		if (nn == NULL) {
			free(names);
			return -1;
		}
		names = nn;
		memcpy(names + used, tok, k);
		used += k;
		names[used] = '\0';
	}
	if (names == NULL)
		return 0;
	if (h->n == h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 16;
		struct host_entry *nv = realloc(h->v, nc * sizeof(*nv));

		if (nv == NULL) {
			free(names);
			return -1;
		}
		h->v = nv;
		h->cap = nc;
	}
	e.names = names;
	h->v[h->n++] = e;
	return 0;
}

struct ev__dns_hosts *ev__dns_hosts_load(const char *path)
{
	struct ev__dns_hosts *h;
	char line[2048];
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		fclose(f);
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		if (add_line(h, line) < 0) {
			ev__dns_hosts_free(h);
			fclose(f);
			return NULL;
		}
	}
	fclose(f);
	return h;
}

int ev__dns_hosts_lookup(const struct ev__dns_hosts *h, const char *name,
			 int family, void *addrs, int max, const char **canon)
{
	size_t i, nlen = strlen(name);
	int n = 0, alen = family == AF_INET ? 4 : 16;

	/* "host." and "host" are the same name. */
	if (nlen && name[nlen - 1] == '.')
		nlen--;
	if (h == NULL || nlen == 0)
		return 0;
	for (i = 0; i < h->n && n < max; i++) {
		const char *p;

		if (h->v[i].family != family)
			continue;
		for (p = h->v[i].names; *p; p += strlen(p) + 1) {
			if (strlen(p) == nlen && strncasecmp(p, name, nlen) == 0) {
				memcpy((uint8_t *)addrs + (size_t)n * alen,
				       h->v[i].addr, (size_t)alen);
				if (n == 0 && canon)
					*canon = h->v[i].names;
				n++;
				break;
			}
		}
	}
	return n;
}

int evdns_base_load_hosts(struct evdns_base *base, const char *hosts_fname)
{
	struct ev__dns_hosts *h;

	if (base == NULL)
		return -1;
	h = ev__dns_hosts_load(hosts_fname ? hosts_fname : "/etc/hosts");
	base->hosts_loaded = 1;
	if (h == NULL) {
		ev__dns_log(1, "cannot read hosts file %s",
			    hosts_fname ? hosts_fname : "/etc/hosts");
		return -1;
	}
	ev__dns_hosts_free(base->hosts);
	base->hosts = h;
	return 0;
}
