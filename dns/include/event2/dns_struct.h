/**
 * @file event2/dns_struct.h
 * @brief libevent 2.x header of the public server structs (in <evdns.h>).
 */
#ifndef LIBEV_EVENT2_DNS_STRUCT_H
#define LIBEV_EVENT2_DNS_STRUCT_H
#include <evdns.h>
#endif
