/**
 * @file event2/event_struct.h
 * @brief libevent 2.x header exposing `struct event`; in libev it is
 *        always public, so this only includes event.h.
 */
#ifndef LIBEV_EVENT2_EVENT_STRUCT_H
#define LIBEV_EVENT2_EVENT_STRUCT_H
#include <event.h>
#endif
