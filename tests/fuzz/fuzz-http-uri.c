/*
 * libFuzzer target: URI percent-decoding and query parsing
 * (evhttp_uridecode, evhttp_decode_uri, evhttp_parse_query[_str]) and the
 * encoders they pair with.  Checked properties: decoding never grows the
 * string, decode(encode(x)) gives x back, and every parsed query pair is
 * a pair of NUL-terminated strings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <evhttp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_query(const char *s, int bare)
{
	struct evkeyvalq q;
	struct evkeyval *kv;
	int r;

	TAILQ_INIT(&q);
	r = bare ? evhttp_parse_query_str(s, &q) : evhttp_parse_query(s, &q);
	if (r < 0 && !TAILQ_EMPTY(&q))
		__builtin_trap(); /* documented: left empty on error */
	TAILQ_FOREACH(kv, &q, next)
	{
		if (kv->key == NULL || kv->value == NULL)
			__builtin_trap();
		/* The first value under a key is what find_header gives. */
		if (evhttp_find_header(&q, kv->key) == NULL)
			__builtin_trap();
	}
	evhttp_clear_headers(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *dec, *enc, *back;
	size_t n = 0, m = 0;

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	for (int plus = 0; plus < 2; plus++) {
		dec = evhttp_uridecode(s, plus, &n);
		if (dec && n > strlen(s))
			__builtin_trap();
		free(dec);
	}
	dec = evhttp_decode_uri(s);
	if (dec && strlen(dec) > strlen(s))
		__builtin_trap();
	free(dec);

	/* Round trip over the raw bytes, NULs included. */
	for (int plus = 0; plus < 2; plus++) {
		enc = evhttp_uriencode((const char *)data, (ev_ssize_t)size,
		                       plus);
		if (enc == NULL)
			continue;
		back = evhttp_uridecode(enc, plus, &m);
		if (back == NULL || m != size || memcmp(back, data, size))
			__builtin_trap();
		free(back);
		free(enc);
	}
	enc = evhttp_encode_uri(s);
	if (enc) {
		back = evhttp_uridecode(enc, 0, &m);
		if (back == NULL || m != strlen(s) || memcmp(back, s, m))
			__builtin_trap();
		free(back);
		free(enc);
	}

	check_query(s, 0);
	check_query(s, 1);
	free(s);
	return 0;
}
