/* Hand-filled span data covering every field the OTLP encoders write. */
#ifndef OTELC_TEST_OTLP_FIXTURE_H
#define OTELC_TEST_OTLP_FIXTURE_H

#include "otelc/sdk/span_data.h"

typedef struct fixture {
    otelc_resource *resource;
    otelc_trace_state *ts, *link_ts;
    otelc_instrumentation_scope scope_a, scope_b;
    otelc_attr scope_attrs[1];
    otelc_attr attrs[8];
    otelc_attr event_attrs[1];
    otelc_event_data events[2];
    otelc_attr link_attrs[1];
    otelc_link_data links[1];
    otelc_span_data spans[3];
    const otelc_span_data *ptrs[3];
} fixture;

void fixture_init(fixture *f);
void fixture_free(fixture *f);

#endif
