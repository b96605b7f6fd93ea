/**
 * @file event2/dns.h
 * @brief libevent 2.x name of <evdns.h>.
 */
#ifndef LIBEV_EVENT2_DNS_H
#define LIBEV_EVENT2_DNS_H
#include <evdns.h>
#endif
