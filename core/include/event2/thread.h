/**
 * @file event2/thread.h
 * @brief libevent 2.x header name for the thread API (ev-thread.h).
 */
#ifndef LIBEV_EVENT2_THREAD_H
#define LIBEV_EVENT2_THREAD_H
#include <ev-thread.h>
#endif
