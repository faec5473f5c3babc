/* A deliberately small HTTP/1.1 server for the example: one request per connection
 * (Connection: close), a thread per connection up to a fixed limit, loopback only. It parses the
 * request line, headers and a Content-Length body within fixed bounds and rejects anything else;
 * the example's point is the instrumentation, not the HTTP stack. */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <stddef.h>

#include "otelc/propagation.h"

#define HTTP_MAX_HEADERS 64
#define HTTP_MAX_HEAD 16384       /* request line + headers */
#define HTTP_MAX_BODY (1u << 20)  /* 1 MiB */

typedef struct http_header {
    const char *name;
    const char *value;
    size_t value_len;
} http_header;

typedef struct http_request {
    const char *method;
    const char *path;  /* without the query string */
    const char *query; /* after '?', or "" */
    size_t header_count;
    http_header headers[HTTP_MAX_HEADERS];
    const char *body;
    size_t body_len;
    /* storage for header values joined when a header repeats; freed with the request */
    char *joined[HTTP_MAX_HEADERS];
    size_t joined_count;
} http_request;

typedef struct http_response {
    int status;
    const char *content_type;
    char *body; /* malloc'd, owned by the server after the handler returns */
    size_t body_len;
} http_response;

typedef void (*http_handler)(const http_request *req, http_response *resp, void *user_data);

/* A getter over the request headers (case-insensitive; repeated headers joined with ","). */
otelc_carrier_getter http_request_getter(http_request *req);

/* Listens on 127.0.0.1:port and serves until http_server_stop() (or a signal sets *stop).
 * Returns 0 after a clean stop, -1 if the port cannot be bound. Waits for in-flight requests. */
int http_server_run(unsigned short port, http_handler handler, void *user_data, volatile int *stop);

/* Sets resp to a copy of text. */
void http_respond(http_response *resp, int status, const char *content_type, const char *text);

#endif
