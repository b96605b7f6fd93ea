/**
 * @file event2/buffer.h
 * @brief libevent 2.x header name for the evbuffer API (ev-buffer.h).
 */
#ifndef LIBEV_EVENT2_BUFFER_H
#define LIBEV_EVENT2_BUFFER_H
#include <event.h>
#include <ev-buffer.h>
#endif
