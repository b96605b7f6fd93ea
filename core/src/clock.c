/*
 * Time: timeouts run on the monotonic clock, cached once per loop
 * iteration so that a callback-heavy iteration reads the clock once.
 */
#include <time.h>

#include "ev-internal.h"

int64_t ev__monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t ev__base_now(struct event_base *base)
{
	if (base->now_cache != 0 && !base->no_cache_time)
		return base->now_cache;
	return ev__monotonic_ns();
}

int event_base_gettimeofday_cached(struct event_base *base, struct timeval *tv)
{
	if (base == NULL)
		base = ev__current_base;
	if (base == NULL || tv == NULL)
		return -1;
	if (base->now_cache == 0 || base->no_cache_time)
		return gettimeofday(tv, NULL);
	if (!base->wall_cached) {
		gettimeofday(&base->wall_cache, NULL);
		base->wall_cached = 1;
	}
	*tv = base->wall_cache;
	return 0;
}
