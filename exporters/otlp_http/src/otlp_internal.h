/* Private declarations shared by the OTLP/HTTP exporter's source files. */
#ifndef OTELC_OTLP_INTERNAL_H
#define OTELC_OTLP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otelc/exporters/otlp_http.h"

#if defined(__GNUC__)
#  define OTELC__HIDDEN __attribute__((visibility("hidden")))
#else
#  define OTELC__HIDDEN
#endif

/* A growable byte buffer owned by whoever holds it (freed with otelc__otlp_buf_free). */
typedef struct otelc__otlp_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    int failed; /* an allocation failed; contents are incomplete */
} otelc__otlp_buf;

OTELC__HIDDEN int otelc__otlp_buf_reserve(otelc__otlp_buf *b, size_t extra);
OTELC__HIDDEN void otelc__otlp_buf_append(otelc__otlp_buf *b, const void *p, size_t n);
OTELC__HIDDEN void otelc__otlp_buf_free(otelc__otlp_buf *b);

/* Orders spans so that each (resource, scope) group is contiguous and each resource's scopes are
 * contiguous. Writes n pointers to out (caller-allocated). */
OTELC__HIDDEN void otelc__otlp_group(const otelc_span_data *const *spans, size_t n, const otelc_span_data **out);

/* OTLP JSON of an ExportTraceServiceRequest appended to out; OTELC_OK or OTELC_ERR_NO_MEMORY. */
OTELC__HIDDEN otelc_status otelc__otlp_json_encode(const otelc_span_data *const *spans, size_t n,
                                                    otelc__otlp_buf *out);

/* gzip (RFC 1952) of in[0..n) into out (replacing its contents). OTELC_OK or an error status. */
OTELC__HIDDEN otelc_status otelc__otlp_gzip(const uint8_t *in, size_t n, otelc__otlp_buf *out);

/* Checks a PEM certificate / private key file with mbedtls; on failure fills err naming the file. */
OTELC__HIDDEN otelc_status otelc__otlp_check_cert(const char *what, const char *path, otelc_error *err);
OTELC__HIDDEN otelc_status otelc__otlp_check_key(const char *what, const char *path, otelc_error *err);

/* Parses "k=v,k2=v2" with percent-decoding into a libcurl header list ("k: v"). Returns OTELC_OK and sets
 * *list (NULL when empty), or OTELC_ERR_PARSE with err filled. */
struct curl_slist;
/* Rewrites an environment-given header list in place keeping only well-formed entries (one warning per
 * entry left out, naming var). */
OTELC__HIDDEN void otelc__otlp_headers_clean(char *spec, const char *var);
OTELC__HIDDEN otelc_status otelc__otlp_parse_headers(const char *spec, struct curl_slist **list, otelc_error *err);

/* Decodes the protobuf body of an export response: rejected_spans and error_message of its
 * partial_success (0 and "" when absent; msg truncated to cap - 1 bytes). False, with both reset, when
 * the body is malformed. Pure function, any thread. */
OTELC__HIDDEN bool otelc__otlp_decode_partial_success(const uint8_t *body, size_t len, int64_t *rejected, char *msg,
                                                      size_t cap);

/* Retry-After value (delay-seconds or HTTP-date) in milliseconds from now; -1 when absent/invalid. */
OTELC__HIDDEN int64_t otelc__otlp_retry_after_ms(const char *value, int64_t now_unix_s);

#endif
