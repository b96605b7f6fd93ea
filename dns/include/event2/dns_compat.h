/**
 * @file event2/dns_compat.h
 * @brief libevent 2.x name of the 1.3 part of <evdns.h>.
 */
#ifndef LIBEV_EVENT2_DNS_COMPAT_H
#define LIBEV_EVENT2_DNS_COMPAT_H
#include <evdns.h>
#endif
