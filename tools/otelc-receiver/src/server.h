/* A small single-threaded OTLP/HTTP server (poll loop, keep-alive, bounded connections and sizes) for
 * otelc-receiver and the integration tests. It accepts POST /v1/traces with protobuf or JSON bodies,
 * gzip/deflate or not, decodes them and hands each request to a callback. Bad requests get a 4xx and
 * one explanatory line; nothing a client sends can crash it or make it allocate without bound. */
#ifndef OTELC_RECEIVER_SERVER_H
#define OTELC_RECEIVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

typedef struct rcv_http_info {
    const char *method, *path;
    const char *content_type;     /* "" when absent */
    const char *content_encoding; /* "" when absent */
    const char *headers;          /* raw header lines ("Name: value\r\n"...), NUL-terminated */
    size_t wire_bytes;            /* body bytes as received (before decompression) */
} rcv_http_info;

/* Called on the server thread for every decoded request. Return true to keep req (then free it later
 * with rcv_request_free), false to let the server free it. */
typedef bool (*rcv_on_request)(rcv_request *req, const rcv_http_info *info, void *user_data);

typedef struct rcv_server_options {
    const char *host;          /* listen address; default "127.0.0.1" */
    int port;                  /* 0 picks a free port (see rcv_server_port) */
    size_t max_body;           /* largest body, before and after decompression; default 16 MiB */
    int fail_first;            /* answer the first N /v1/traces requests with fail_status */
    int fail_status;           /* e.g. 503 */
    int retry_after_s;         /* Retry-After seconds sent with those failures; < 0 = none */
    int64_t partial_rejected;  /* > 0: successful answers carry partial_success with this count */
    rcv_on_request on_request;
    void *user_data;
    FILE *log;                 /* one line per bad request; NULL = stderr */
} rcv_server_options;

typedef struct rcv_server rcv_server;

void rcv_server_options_init(rcv_server_options *o);
/* Binds and listens; NULL with err filled on failure. */
rcv_server *rcv_server_create(const rcv_server_options *o, char *err, size_t err_size);
int rcv_server_port(const rcv_server *s);
/* Serves until rcv_server_stop. */
void rcv_server_run(rcv_server *s);
/* Async-signal-safe and thread-safe: makes rcv_server_run return. */
void rcv_server_stop(rcv_server *s);
void rcv_server_destroy(rcv_server *s);
/* Number of POST /v1/traces requests answered so far (any status). Thread-safe. */
unsigned rcv_server_requests(const rcv_server *s);
/* Number of TCP connections accepted so far (shows whether clients keep connections alive). Thread-safe. */
unsigned rcv_server_connections(const rcv_server *s);

#endif
