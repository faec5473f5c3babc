/* Built-in propagators: W3C trace context and baggage, Datadog, B3 (single and multi header), and the
 * OTEL_PROPAGATORS selection. Each call returns a new propagator owned by the caller (destroy with
 * otelc_propagator_destroy), or NULL on OOM. Propagators are immutable and thread-safe. */
#ifndef OTELC_SDK_PROPAGATORS_H
#define OTELC_SDK_PROPAGATORS_H

#include <stdbool.h>

#include "otelc/propagation.h"
#include "otelc/status.h"

OTELC_BEGIN_DECLS

OTELC_API otelc_propagator *otelc_propagator_tracecontext(void);
OTELC_API otelc_propagator *otelc_propagator_baggage(void);
OTELC_API otelc_propagator *otelc_propagator_datadog(void);
/* multi_header=false: the single `b3` header; true: X-B3-* headers. Extraction accepts both forms. */
OTELC_API otelc_propagator *otelc_propagator_b3(bool multi_header);

/* A composite from a comma-separated list of names as in OTEL_PROPAGATORS (tracecontext, baggage,
 * datadog, b3, b3multi, none). Unknown names get one diagnostic each and are skipped; NULL or "" means
 * the default "tracecontext,baggage". "none" alone gives a propagator that does nothing. */
OTELC_API otelc_propagator *otelc_propagator_from_names(const char *names, otelc_error *err);
/* otelc_propagator_from_names(getenv("OTEL_PROPAGATORS")). */
OTELC_API otelc_propagator *otelc_propagator_from_env(otelc_error *err);

OTELC_END_DECLS
#endif
