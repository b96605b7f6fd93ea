/**
 * @file event2/tag_compat.h
 * @brief libevent 2.x header name for the 1.x evtag names (encode_int);
 *        in libev they live in ev-tag.h.
 */
#ifndef LIBEV_EVENT2_TAG_COMPAT_H
#define LIBEV_EVENT2_TAG_COMPAT_H
#include <event.h>
#include <ev-tag.h>
#endif
