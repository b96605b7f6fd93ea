/*
 * libFuzzer target: the evtag decoders on hostile input.  The input is
 * put in an evbuffer (in two chains, so decoders cross a chain boundary)
 * and decoded element by element with every unmarshal call; byte 0 picks
 * which.  A failed call must leave the buffer unchanged where the API says
 * so, and no call may consume more than is stored.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event.h>
#include <ev-buffer.h>
#include <ev-tag.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_step(struct evbuffer *b, struct evbuffer *out, int op)
{
	size_t before = evbuffer_get_length(b);
	ev_uint32_t tag = 0, u32 = 0;
	ev_uint64_t u64 = 0;
	struct timeval tv;
	char *s = NULL;
	uint8_t fixed[8];
	int r = 0, keeps = 1;

	switch (op) {
	case 0:
		r = evtag_unmarshal(b, &tag, out);
		break;
	case 1:
		r = evtag_unmarshal_int(b, 1, &u32);
		break;
	case 2:
		r = evtag_unmarshal_int64(b, 1, &u64);
		break;
	case 3:
		r = evtag_unmarshal_string(b, 1, &s);
		if (r == 0 && s == NULL)
			__builtin_trap();
		free(s);
		break;
	case 4:
		r = evtag_unmarshal_timeval(b, 1, &tv);
		break;
	case 5:
		r = evtag_unmarshal_fixed(b, 1, fixed, sizeof(fixed));
		break;
	case 6:
		r = evtag_peek_length(b, &u32);
		if (r == 0) {
			int whole = u32 <= before;

			r = evtag_consume(b);
			/* A truncated element cannot be consumed. */
			if ((r == 0) != whole)
				__builtin_trap();
		}
		break;
	default:
		/* The bare decoders consume on success; unspecified otherwise.
		 */
		keeps = 0;
		if (op == 7)
			r = evtag_decode_int(&u32, b);
		else if (op == 8)
			r = evtag_decode_int64(&u64, b);
		else
			r = evtag_decode_tag(&tag, b);
		if (r < 0)
			evbuffer_drain(b, 1);
		break;
	}
	if (evbuffer_get_length(b) > before)
		__builtin_trap();
	if (r < 0 && keeps && evbuffer_get_length(b) != before)
		__builtin_trap();
	if (r < 0 && keeps)
		evbuffer_drain(b, 1); /* move on past the bad byte */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer *b, *out;
	ev_uint32_t plen;
	size_t half;

	if (size < 1)
		return 0;
	b = evbuffer_new();
	out = evbuffer_new();
	if (b == NULL || out == NULL)
		goto done;
	half = (size - 1) / 2;
	evbuffer_add(b, data + 1, half);
	evbuffer_add(b, data + 1 + half, size - 1 - half);
	if (evtag_peek(b, &plen) >= 0)
		evtag_payload_length(b, &plen);
	for (int guard = 0; guard < (int)size && evbuffer_get_length(b);
	     guard++)
		one_step(b, out, (data[0] + guard) % 10);
done:
	if (b)
		evbuffer_free(b);
	if (out)
		evbuffer_free(out);
	return 0;
}
