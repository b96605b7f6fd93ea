/**
 * @file event2/bufferevent.h
 * @brief libevent 2.x header name for the bufferevent API (ev-bufferevent.h).
 */
#ifndef LIBEV_EVENT2_BUFFEREVENT_H
#define LIBEV_EVENT2_BUFFEREVENT_H
#include <event.h>
#include <ev-bufferevent.h>
#endif
