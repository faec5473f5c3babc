/* Outgoing HTTP calls from the example, each one a CLIENT span whose context is injected into the
 * request headers with the global propagator. Only http://127.0.0.1 and http://localhost URLs are
 * allowed: the example never sends traffic off the machine. */
#ifndef HTTP_CLIENT_H
#define HTTP_CLIENT_H

#include <stddef.h>

#include "otelc/context.h"

typedef struct http_result {
    long status;  /* HTTP status, or 0 when the call failed */
    char *body;   /* malloc'd, NUL-terminated (may be empty); caller frees */
    size_t body_len;
    char error[128];
} http_result;

/* Performs method (GET or POST) on url with an optional JSON body, as a CLIENT span child of parent
 * (NULL: the thread's active span). Thread-safe (one curl easy handle per call). */
void http_call(const char *method, const char *url, const char *json_body, const otelc_context *parent,
               http_result *out);

/* True for http://127.0.0.1[:port]/... and http://localhost[:port]/... */
int http_url_is_loopback(const char *url);

#endif
