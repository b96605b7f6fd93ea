/**
 * @file event2/listener.h
 * @brief libevent 2.x header name for the evconnlistener API (ev-listener.h).
 */
#ifndef LIBEV_EVENT2_LISTENER_H
#define LIBEV_EVENT2_LISTENER_H
#include <event.h>
#include <ev-listener.h>
#endif
