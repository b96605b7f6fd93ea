/**
 * @file event2/util.h
 * @brief libevent 2.x header name for evutil.h.
 */
#ifndef LIBEV_EVENT2_UTIL_H
#define LIBEV_EVENT2_UTIL_H
#include <evutil.h>
#endif
