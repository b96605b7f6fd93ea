/**
 * @file event2/bufferevent_struct.h
 * @brief libevent 2.x header name for `struct bufferevent`; in libev its
 *        public fields are always visible, so this only includes
 *        ev-bufferevent.h.
 */
#ifndef LIBEV_EVENT2_BUFFEREVENT_STRUCT_H
#define LIBEV_EVENT2_BUFFEREVENT_STRUCT_H
#include <event.h>
#include <ev-bufferevent.h>
#endif
