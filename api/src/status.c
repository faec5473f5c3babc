/* Status text and the error record helper. */
#include <stdarg.h>
#include <stdio.h>

#include "otelc/status.h"

const char *otelc_status_str(otelc_status status) {
    switch (status) {
    case OTELC_OK: return "ok";
    case OTELC_ERR_INVALID_ARGUMENT: return "invalid argument";
    case OTELC_ERR_NO_MEMORY: return "out of memory";
    case OTELC_ERR_TIMEOUT: return "timed out";
    case OTELC_ERR_ALREADY_SHUTDOWN: return "already shut down";
    case OTELC_ERR_EXPORT_FAILED: return "export failed";
    case OTELC_ERR_BUFFER_TOO_SMALL: return "buffer too small";
    case OTELC_ERR_PARSE: return "parse error";
    case OTELC_ERR_IO: return "I/O error";
    case OTELC_ERR_UNSUPPORTED: return "unsupported";
    case OTELC_ERR_NOT_FOUND: return "not found";
    case OTELC_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

otelc_status otelc_error_set(otelc_error *err, otelc_status code, const char *fmt, ...) {
    if (err) {
        err->code = code;
        err->message[0] = '\0';
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err->message, sizeof err->message, fmt, ap);
            va_end(ap);
        }
    }
    return code;
}
