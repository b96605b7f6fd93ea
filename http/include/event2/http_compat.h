/**
 * @file event2/http_compat.h
 * @brief libevent 2.x header name; libev declares everything of libev-http
 * in <evhttp.h>.
 */
#ifndef LIBEV_EVENT2_HTTP_COMPAT_H
#define LIBEV_EVENT2_HTTP_COMPAT_H
#include <evhttp.h>
#endif
