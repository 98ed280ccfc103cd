/* lws_bind.h — checks a listening address before libwebsockets takes it. */
#ifndef CALLTOP_LWS_BIND_H
#define CALLTOP_LWS_BIND_H

/* Binds (and releases) host:port the way lws will (SO_REUSEADDR), so "the
 * address is in use" is told apart from other start failures, and lws 4.1's
 * small leak when lws_create_context() fails to listen is avoided for the
 * common case. Returns 0 or an errno; port 0 and hosts that are not numeric
 * addresses (interface names) are left to lws. Used by calltop-relay and
 * calltop-sim. */
int ct_lws_bind_probe(const char *host, int port);

#endif
