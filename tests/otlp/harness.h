/* Test collector: the otelc-receiver server on a free loopback port, served from a thread, keeping
 * every decoded request for inspection. */
#ifndef OTELC_TEST_OTLP_HARNESS_H
#define OTELC_TEST_OTLP_HARNESS_H

#include <pthread.h>

#include "server.h"

#define HARNESS_MAX_REQ 64

typedef struct harness {
    rcv_server *server;
    pthread_t thread;
    pthread_mutex_t lock;
    rcv_request *reqs[HARNESS_MAX_REQ];
    char headers[HARNESS_MAX_REQ][2048];
    char content_type[HARNESS_MAX_REQ][64];
    size_t wire_bytes[HARNESS_MAX_REQ];
    int count;
    unsigned spans;
    char url[64];
} harness;

/* Starts a server with o (NULL = defaults) on a free port; asserts on failure. */
void harness_start(harness *h, const rcv_server_options *o);
void harness_stop(harness *h);
int harness_count(harness *h);
unsigned harness_spans(harness *h);
/* A loopback port nothing listens on. */
int harness_closed_port(void);

#endif
