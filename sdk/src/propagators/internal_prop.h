/* Constructors shared between the propagator files and the OTEL_PROPAGATORS selection. */
#ifndef OTELC_INTERNAL_PROP_H
#define OTELC_INTERNAL_PROP_H

#include <stdbool.h>

#include "otelc/propagation.h"

/* W3C trace context; with_datadog makes injection keep the `dd=` tracestate member current (sampling
 * priority reconciled with the sampled flag, p: = the injected span id), as Datadog tracers do when
 * both styles are configured. */
otelc_propagator *otelc__propagator_tracecontext(bool with_datadog);

#endif
