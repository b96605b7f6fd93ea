/*
 * Randomness for transaction IDs, source ports and 0x20 case mixing.
 * Off-path spoofing is only hard if these are unpredictable, so they come
 * from the kernel CSPRNG (getrandom), drawn in blocks to keep the system
 * call count low under load.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include "dns-internal.h"

static uint8_t pool[512];
static size_t pool_left;
static ev_uint16_t (*id_fn)(void);
static void (*bytes_fn)(char *, size_t);

void evdns_set_transaction_id_fn(ev_uint16_t (*fn)(void))
{
	id_fn = fn;
}

void evdns_set_random_bytes_fn(void (*fn)(char *, size_t))
{
	bytes_fn = fn;
	pool_left = 0;
}

static void refill(void)
{
	size_t got = 0;

	if (bytes_fn) {
		bytes_fn((char *)pool, sizeof(pool));
		pool_left = sizeof(pool);
		return;
	}
	while (got < sizeof(pool)) {
		ssize_t n = getrandom(pool + got, sizeof(pool) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof(pool)) {
		/* Kernels without getrandom(2): the same CSPRNG via
		 * /dev/urandom. */
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			while (got < sizeof(pool)) {
				ssize_t n = read(fd, pool + got,
						 sizeof(pool) - got);
				if (n <= 0)
					break;
				got += (size_t)n;
			}
			close(fd);
		}
		if (got < sizeof(pool))
			ev__dns_log(1, "no random source: IDs are weak");
	}
	pool_left = sizeof(pool);
}

void ev__dns_random(void *buf, size_t n)
{
	uint8_t *out = buf;

	while (n) {
		size_t k;

		if (pool_left == 0)
			refill();
		k = n < pool_left ? n : pool_left;
		memcpy(out, pool + sizeof(pool) - pool_left, k);
		/* Bytes handed out are not kept around. */
		memset(pool + sizeof(pool) - pool_left, 0, k);
		pool_left -= k;
		out += k;
		n -= k;
	}
}

uint16_t ev__dns_random_id(void)
{
	uint16_t v;

	if (id_fn)
		return id_fn();
	ev__dns_random(&v, sizeof(v));
	return v;
}
