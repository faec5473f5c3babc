/* OTLP/HTTP span exporter: encodes batches as OTLP protobuf (or OTLP JSON) straight from span storage and
 * POSTs them with libcurl over one reused connection, with gzip, TLS, retries and Retry-After.
 *
 * Threading: create/destroy from any thread; the exporter itself runs on the thread its processor
 * calls it from (the batch worker), never concurrently with itself, as exporter.h requires. The
 * encode functions are pure and thread-safe. */
#ifndef OTELC_EXPORTERS_OTLP_HTTP_H
#define OTELC_EXPORTERS_OTLP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "otelc/sdk/exporter.h"
#include "otelc/sdk/span_data.h"
#include "otelc/status.h"

OTELC_BEGIN_DECLS

typedef enum otelc_otlp_protocol {
    OTELC_OTLP_HTTP_PROTOBUF = 0, /* "http/protobuf", the default */
    OTELC_OTLP_HTTP_JSON = 1,     /* "http/json" */
    OTELC_OTLP_GRPC = 2           /* "grpc": not supported; create fails with OTELC_ERR_UNSUPPORTED */
} otelc_otlp_protocol;

typedef enum otelc_otlp_compression {
    OTELC_OTLP_COMPRESSION_NONE = 0,
    OTELC_OTLP_COMPRESSION_GZIP = 1
} otelc_otlp_compression;

#define OTELC_OTLP_URL_MAX 2048
#define OTELC_OTLP_HEADERS_MAX 4096
#define OTELC_OTLP_PATH_MAX 1024

/* Options. Strings are stored in the struct (NUL-terminated, truncated to fit), so the struct owns
 * nothing and may be copied freely; create copies what it keeps. */
typedef struct otelc_otlp_http_options {
    size_t struct_size;
    /* Full URL the batches are POSTed to. Default "http://localhost:4318/v1/traces";
     * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is, OTEL_EXPORTER_OTLP_ENDPOINT gets "/v1/traces". */
    char endpoint[OTELC_OTLP_URL_MAX];
    otelc_otlp_protocol protocol; /* OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL */
    /* Extra request headers as "key1=value1,key2=value2", percent-encoded as in
     * OTEL_EXPORTER_OTLP_(TRACES_)HEADERS; decoded at create. */
    char headers[OTELC_OTLP_HEADERS_MAX];
    uint32_t timeout_ms; /* whole export including retries; default 10000; OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT */
    otelc_otlp_compression compression; /* OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION: "gzip" or "none" */
    /* PEM files (empty = none): CA bundle to verify the server, client certificate and key for mTLS.
     * OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE, _CLIENT_CERTIFICATE, _CLIENT_KEY. Parsed at create. */
    char certificate[OTELC_OTLP_PATH_MAX];
    char client_certificate[OTELC_OTLP_PATH_MAX];
    char client_key[OTELC_OTLP_PATH_MAX];
    /* Retry backoff: the first wait is retry_initial_ms, each next one multiplied by 1.5 up to
     * retry_max_ms, with +-20% jitter; a server's Retry-After replaces the computed wait. Retries stop
     * when the next attempt could not finish within timeout_ms. Defaults 1000 and 5000. */
    uint32_t retry_initial_ms;
    uint32_t retry_max_ms;
} otelc_otlp_http_options;

/* Fills the specification defaults, then the OTEL_EXPORTER_OTLP_* variables (signal-specific ones
 * override generic ones). An invalid value gets one diagnostic through otelc_log and keeps the default;
 * "grpc" is refused with one diagnostic and http/protobuf is used. Thread-safe if the environment is
 * not modified concurrently. */
OTELC_API void otelc_otlp_http_options_init(otelc_otlp_http_options *opts);

/* Creates the exporter. Validates everything once: URL scheme, protocol, headers, and the certificate
 * and key files (parsed with mbedtls; a missing or malformed file fails with a message naming it).
 * opts NULL = otelc_otlp_http_options_init() defaults. Returns NULL and fills err (may be NULL) on
 * failure. The caller owns the exporter (usually handing it to a processor). Thread-safe. */
OTELC_API otelc_exporter *otelc_otlp_http_exporter_create(const otelc_otlp_http_options *opts, otelc_error *err);

/* Registers the factory "otlp" (options from the environment) with otelc_exporter_factory_register(),
 * so OTEL_TRACES_EXPORTER=otlp works. Idempotent and thread-safe. */
OTELC_API otelc_status otelc_otlp_http_register(void);

/* OTLP protobuf encoding of an ExportTraceServiceRequest holding spans[0..n), grouped by resource and
 * instrumentation scope (pointer identity), in the order first seen.
 * otelc_otlp_encoded_size returns the exact encoded size in bytes, or a negative otelc_status
 * (OTELC_ERR_INVALID_ARGUMENT for spans NULL with n > 0, OTELC_ERR_NO_MEMORY, OTELC_ERR_BUFFER_TOO_SMALL
 * when the request would exceed INT_MAX bytes).
 * otelc_otlp_encode_traces writes it into buf and returns the length written, or a negative status;
 * OTELC_ERR_BUFFER_TOO_SMALL when size is less than the encoded size (buf contents then unspecified).
 * Spans are borrowed for the call. Both allocate one scratch array of n entries, freed before return.
 * Thread-safe. */
OTELC_API int otelc_otlp_encoded_size(const otelc_span_data *const *spans, size_t n);
OTELC_API int otelc_otlp_encode_traces(const otelc_span_data *const *spans, size_t n, uint8_t *buf, size_t size);

OTELC_END_DECLS
#endif
