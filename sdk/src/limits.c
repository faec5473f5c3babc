/* Span limits from the specification's defaults and the environment. */
#include <string.h>

#include "internal.h"
#include "otelc/sdk/limits.h"

void otelc_span_limits_init(otelc_span_limits *l) {
    if (!l) return;
    memset(l, 0, sizeof *l);
    l->struct_size = sizeof *l;
    l->attribute_count = 128;
    l->attribute_value_length = OTELC_LIMIT_UNLIMITED;
    l->event_count = 128;
    l->link_count = 128;
    l->event_attribute_count = 128;
    l->link_attribute_count = 128;
    /* Generic attribute limits first, then the span-specific ones override them. */
    otelc__env_uint32("OTEL_ATTRIBUTE_COUNT_LIMIT", 0, &l->attribute_count);
    otelc__env_uint32("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", 0, &l->attribute_value_length);
    otelc__env_uint32("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", 0, &l->attribute_count);
    otelc__env_uint32("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", 0, &l->attribute_value_length);
    otelc__env_uint32("OTEL_SPAN_EVENT_COUNT_LIMIT", 0, &l->event_count);
    otelc__env_uint32("OTEL_SPAN_LINK_COUNT_LIMIT", 0, &l->link_count);
    otelc__env_uint32("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", 0, &l->event_attribute_count);
    otelc__env_uint32("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", 0, &l->link_attribute_count);
}
