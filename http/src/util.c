/*
 * Header lists, URI percent-encoding, query strings and HTML escaping.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evhttp.h"
#include "http-internal.h"

/* ---- header lists ---------------------------------------------------- */

/* Entry layout: the struct, the size of the string area, then the
 * name and the value, each NUL-terminated. */
struct kv_block {
	struct evkeyval kv;
	size_t len;
	char s[];
};

/* Frees an entry made by ev__http_add_header_n(): its strings live in
 * the same block unless the application pointed them elsewhere (a
 * pointer into a live block can only be one of ours). */
static void kv_free(struct evkeyval *kv)
{
	struct kv_block *b = (struct kv_block *)kv;
	uintptr_t lo = (uintptr_t)b->s, hi = lo + b->len;

	if ((uintptr_t)kv->key < lo || (uintptr_t)kv->key >= hi)
		free(kv->key);
	if ((uintptr_t)kv->value < lo || (uintptr_t)kv->value >= hi)
		free(kv->value);
	free(b);
}

const char *evhttp_find_header(const struct evkeyvalq *headers, const char *key)
{
	struct evkeyval *kv;

	if (!headers || !key)
		return NULL;
	TAILQ_FOREACH(kv, headers, next)
	if (evutil_ascii_strcasecmp(kv->key, key) == 0)
		return kv->value;
	return NULL;
}

int evhttp_remove_header(struct evkeyvalq *headers, const char *key)
{
	struct evkeyval *kv;

	if (!headers || !key)
		return -1;
	TAILQ_FOREACH(kv, headers, next)
	{
		if (evutil_ascii_strcasecmp(kv->key, key) == 0) {
			TAILQ_REMOVE(headers, kv, next);
			kv_free(kv);
			return 0;
		}
	}
	return -1;
}

/* RFC 9110 5.6.2 tchar, as a bitmap over the 128 ASCII codes: every
 * reply re-checks its field names, so this is one load per byte rather
 * than a strchr() per punctuation byte. */
static const uint32_t tchar_map[4] = {
    0x00000000u, /* 0x00-0x1f: controls */
    0x03ff6cfau, /* 0x20-0x3f: ! # $ % & ' * + - . 0-9 */
    0xc7fffffeu, /* 0x40-0x5f: A-Z ^ _ */
    0x57ffffffu, /* 0x60-0x7f: ` a-z | ~ */
};

int ev__http_is_token(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 128 || !(tchar_map[c >> 5] >> (c & 31) & 1))
			return 0;
	}
	return 1;
}

int ev__http_valid_value(const char *v)
{
	/* CR and LF would let a value start a new field or end the head;
	 * other controls (but tab) are refused by every strict peer. */
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

/*
 * One allocation holds the entry, its name and its value: a reply or a
 * request adds a few fields every time, and three malloc/free pairs per
 * field were the largest user-space cost of a small keep-alive exchange.
 * The public struct keeps its two pointers; kv_free() frees a pointer
 * only if the application replaced it with a heap string of its own.
 */
int ev__http_add_header_n(struct evkeyvalq *headers, const char *key,
                          size_t klen, const char *value, size_t vlen)
{
	struct kv_block *b;
	char *s;

	if (klen > SIZE_MAX / 4 || vlen > SIZE_MAX / 4) {
		errno = ENOMEM;
		return -1;
	}
	b = malloc(sizeof(*b) + klen + vlen + 2);
	if (!b)
		return -1;
	b->len = klen + vlen + 2;
	s = b->s;
	memcpy(s, key, klen);
	s[klen] = '\0';
	b->kv.key = s;
	s += klen + 1;
	memcpy(s, value, vlen);
	s[vlen] = '\0';
	b->kv.value = s;
	TAILQ_INSERT_TAIL(headers, &b->kv, next);
	return 0;
}

int evhttp_add_header(struct evkeyvalq *headers, const char *key,
                      const char *value)
{
	if (!headers || !key || !value)
		return -1;
	if (!ev__http_is_token(key, strlen(key)) ||
	    !ev__http_valid_value(value))
		return -1;
	return ev__http_add_header_n(headers, key, strlen(key), value,
	                             strlen(value));
}

void evhttp_clear_headers(struct evkeyvalq *headers)
{
	struct evkeyval *kv;

	if (!headers)
		return;
	while ((kv = TAILQ_FIRST(headers)) != NULL) {
		TAILQ_REMOVE(headers, kv, next);
		kv_free(kv);
	}
}

/* ---- percent encoding ------------------------------------------------ */

static int unreserved(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

char *evhttp_uriencode(const char *str, ev_ssize_t size, int space_to_plus)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n, i, o = 0;
	char *out;

	if (!str)
		return NULL;
	n = size < 0 ? strlen(str) : (size_t)size;
	if (n > (SIZE_MAX - 1) / 3) {
		errno = ENOMEM;
		return NULL;
	}
	out = malloc(n * 3 + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)str[i];

		if (unreserved(c)) {
			out[o++] = (char)c;
		} else if (c == ' ' && space_to_plus) {
			out[o++] = '+';
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

char *evhttp_encode_uri(const char *str)
{
	return evhttp_uriencode(str, -1, 0);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * decode_plus: 1 always, 0 never, -1 only once a '?' has been seen (the
 * behaviour of libevent's evhttp_decode_uri, which programs rely on).
 */
static char *decode(const char *uri, int decode_plus, size_t *size_out)
{
	size_t n, i, o = 0;
	char *out;

	if (!uri)
		return NULL;
	n = strlen(uri);
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		char c = uri[i];

		if (c == '?' && decode_plus < 0)
			decode_plus = 1;
		if (c == '+' && decode_plus > 0) {
			c = ' ';
		} else if (c == '%' && i + 2 < n && hexval(uri[i + 1]) >= 0 &&
		           hexval(uri[i + 2]) >= 0) {
			c = (char)(hexval(uri[i + 1]) * 16 +
			           hexval(uri[i + 2]));
			i += 2;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	if (size_out)
		*size_out = o;
	return out;
}

char *evhttp_decode_uri(const char *uri)
{
	return decode(uri, -1, NULL);
}

char *evhttp_uridecode(const char *uri, int decode_plus, size_t *size_out)
{
	return decode(uri, decode_plus ? 1 : 0, size_out);
}

/* ---- query strings --------------------------------------------------- */

static int parse_query(const char *q, struct evkeyvalq *headers)
{
	const char *p = q;

	TAILQ_INIT(headers);
	if (!q)
		return -1;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		char *raw, *val;
		size_t vlen;
		int r;

		if (len == 0) { /* "a=1&&b=2": skip the empty pair */
			p += amp ? 1 : 0;
			continue;
		}
		if (!eq)
			goto fail;
		raw = malloc(len - (size_t)(eq - p));
		if (!raw)
			goto fail;
		memcpy(raw, eq + 1, len - (size_t)(eq - p) - 1);
		raw[len - (size_t)(eq - p) - 1] = '\0';
		val = decode(raw, 1, &vlen);
		free(raw);
		if (!val)
			goto fail;
		r = ev__http_add_header_n(headers, p, (size_t)(eq - p), val,
		                          strlen(val));
		free(val);
		if (r < 0)
			goto fail;
		p += len + (amp ? 1 : 0);
	}
	return 0;
fail:
	evhttp_clear_headers(headers);
	return -1;
}

int evhttp_parse_query_str(const char *uri, struct evkeyvalq *headers)
{
	return parse_query(uri, headers);
}

int evhttp_parse_query(const char *uri, struct evkeyvalq *headers)
{
	const char *q;

	if (!uri) {
		TAILQ_INIT(headers);
		return -1;
	}
	q = strchr(uri, '?');
	if (!q) {
		TAILQ_INIT(headers);
		return 0;
	}
	/* A fragment is not part of the query. */
	{
		const char *hash = strchr(q + 1, '#');
		char *copy;
		int r;

		if (!hash)
			return parse_query(q + 1, headers);
		copy = strndup(q + 1, (size_t)(hash - q - 1));
		if (!copy) {
			TAILQ_INIT(headers);
			return -1;
		}
		r = parse_query(copy, headers);
		free(copy);
		return r;
	}
}

/* ---- HTML ------------------------------------------------------------ */

char *evhttp_htmlescape(const char *html)
{
	size_t n = 0, o = 0;
	const char *p;
	char *out;

	if (!html)
		return NULL;
	for (p = html; *p; p++) {
		switch (*p) {
		case '<':
		case '>':
			n += 4;
			break;
		case '"':
			n += 6;
			break;
		case '\'':
			n += 6;
			break;
		case '&':
			n += 5;
			break;
		default:
			n += 1;
		}
	}
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (p = html; *p; p++) {
		const char *rep = NULL;

		switch (*p) {
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#039;";
			break;
		case '&':
			rep = "&amp;";
			break;
		}
		if (rep) {
			memcpy(out + o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return out;
}
