/**
 * @file event2/http.h
 * @brief libevent 2.x header name; libev declares everything of libev-http
 * in <evhttp.h>.
 */
#ifndef LIBEV_EVENT2_HTTP_H
#define LIBEV_EVENT2_HTTP_H
#include <evhttp.h>
#endif
