/**
 * @file event2/buffer_compat.h
 * @brief libevent 2.x header name for the 1.x evbuffer calls;
 *        in libev they live in ev-buffer.h.
 */
#ifndef LIBEV_EVENT2_BUFFER_COMPAT_H
#define LIBEV_EVENT2_BUFFER_COMPAT_H
#include <event.h>
#include <ev-buffer.h>
#endif
