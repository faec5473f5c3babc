/* Status codes and the error record filled by setup calls.
 * The enum is append-only: numbers are never reused. Hot-path calls return void; only setup calls
 * (create, shutdown, flush, parse) report a status. */
#ifndef OTELC_STATUS_H
#define OTELC_STATUS_H

#include "otelc/export.h"

OTELC_BEGIN_DECLS

typedef enum otelc_status {
    OTELC_OK = 0,
    OTELC_ERR_INVALID_ARGUMENT = -1,
    OTELC_ERR_NO_MEMORY = -2,
    OTELC_ERR_TIMEOUT = -3,
    OTELC_ERR_ALREADY_SHUTDOWN = -4,
    OTELC_ERR_EXPORT_FAILED = -5,
    OTELC_ERR_BUFFER_TOO_SMALL = -6,
    OTELC_ERR_PARSE = -7,
    OTELC_ERR_IO = -8,
    OTELC_ERR_UNSUPPORTED = -9,
    OTELC_ERR_NOT_FOUND = -10,
    OTELC_ERR_INTERNAL = -11
} otelc_status;

/* Filled by setup calls that take one; message is NUL-terminated, code is OTELC_OK on success. */
typedef struct otelc_error {
    otelc_status code;
    char message[256];
} otelc_error;

/* Static English text for a status; never NULL. Thread-safe. */
OTELC_API const char *otelc_status_str(otelc_status status);

/* Sets err (may be NULL) to code and a printf-formatted message; returns code. Thread-safe. */
OTELC_API otelc_status otelc_error_set(otelc_error *err, otelc_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

OTELC_END_DECLS
#endif
