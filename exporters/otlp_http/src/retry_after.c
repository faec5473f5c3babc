/* Retry-After (RFC 9110 10.2.3): either delay-seconds or an HTTP-date. Untrusted input from the
 * server: anything else is ignored (the exporter then uses its own backoff), and huge values are
 * clamped by the caller against the export deadline. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otlp_internal.h"

int64_t otelc__otlp_retry_after_ms(const char *value, int64_t now_unix_s) {
    if (!value) return -1;
    while (*value == ' ' || *value == '\t') value++;
    if (!*value) return -1;
    if (isdigit((unsigned char)*value)) {
        int64_t s = 0;
        const char *p = value;
        for (; isdigit((unsigned char)*p); p++) {
            if (s > 86400 * 365) return -1; /* absurd; treat as invalid rather than overflow */
            s = s * 10 + (*p - '0');
        }
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
        return *p ? -1 : s * 1000;
    }
    /* IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (the format servers must send). */
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end) return -1;
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') end++;
    if (*end) return -1;
    int64_t when = (int64_t)timegm(&tm);
    int64_t delta = when - now_unix_s;
    return delta > 0 ? delta * 1000 : 0;
}
