/* Span limits (specification defaults, then OTEL_SPAN_* / OTEL_ATTRIBUTE_* / OTEL_EVENT_* /
 * OTEL_LINK_*). Whatever exceeds a limit is dropped (or truncated for value lengths) and counted.
 * Thread-safety: otelc_span_limits_init only reads the environment and fills the caller's struct. */
#ifndef OTELC_SDK_LIMITS_H
#define OTELC_SDK_LIMITS_H

#include <stddef.h>
#include <stdint.h>

#include "otelc/export.h"

OTELC_BEGIN_DECLS

#define OTELC_LIMIT_UNLIMITED UINT32_MAX

typedef struct otelc_span_limits {
    size_t struct_size;
    uint32_t attribute_count;           /* OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, else OTEL_ATTRIBUTE_COUNT_LIMIT; 128 */
    uint32_t attribute_value_length;    /* OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT, else
                                           OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT; unlimited */
    uint32_t event_count;               /* OTEL_SPAN_EVENT_COUNT_LIMIT; 128 */
    uint32_t link_count;                /* OTEL_SPAN_LINK_COUNT_LIMIT; 128 */
    uint32_t event_attribute_count;     /* OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT; 128 */
    uint32_t link_attribute_count;      /* OTEL_LINK_ATTRIBUTE_COUNT_LIMIT; 128 */
} otelc_span_limits;

/* Fills the specification defaults, then the environment (one diagnostic per invalid value). */
OTELC_API void otelc_span_limits_init(otelc_span_limits *limits);

OTELC_END_DECLS
#endif
