/**
 * @file event2/bufferevent_compat.h
 * @brief libevent 2.x header name for the 1.x bufferevent calls;
 *        in libev they live in ev-bufferevent.h.
 */
#ifndef LIBEV_EVENT2_BUFFEREVENT_COMPAT_H
#define LIBEV_EVENT2_BUFFEREVENT_COMPAT_H
#include <event.h>
#include <ev-bufferevent.h>
#endif
