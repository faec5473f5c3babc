/* Umbrella header for the otelc API. */
#ifndef OTELC_OTELC_H
#define OTELC_OTELC_H
#include "otelc/attr.h"
#include "otelc/baggage.h"
#include "otelc/context.h"
#include "otelc/log.h"
#include "otelc/propagation.h"
#include "otelc/span_context.h"
#include "otelc/status.h"
#include "otelc/trace.h"
#include "otelc/trace_state.h"
#endif
