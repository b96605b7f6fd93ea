/**
 * @file event2/tag.h
 * @brief libevent 2.x header name for the evtag API (ev-tag.h).
 */
#ifndef LIBEV_EVENT2_TAG_H
#define LIBEV_EVENT2_TAG_H
#include <event.h>
#include <ev-tag.h>
#endif
