/* One-call SDK setup (library otelc::otelc, which links the SDK and every built-in exporter) from the
 * standard environment variables, for applications:
 * OTEL_SDK_DISABLED, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG), OTEL_BSP_*,
 * OTEL_SPAN_* / OTEL_ATTRIBUTE_* limits, OTEL_TRACES_EXPORTER (console, otlp, none, or any
 * registered factory; comma-separated for several), OTEL_PROPAGATORS, OTEL_LOG_LEVEL.
 * Values given in code (the options) override the environment. Invalid values never abort: one
 * diagnostic, then the default. Not thread-safe against a concurrent otelc_sdk_setup/teardown. */
#ifndef OTELC_SETUP_H
#define OTELC_SETUP_H

#include "otelc/propagation.h"
#include "otelc/sdk/provider.h"
#include "otelc/status.h"

OTELC_BEGIN_DECLS

typedef struct otelc_sdk {
    otelc_tracer_provider *provider; /* installed globally; NULL when OTEL_SDK_DISABLED=true */
    otelc_propagator *propagator;    /* installed globally */
} otelc_sdk;

typedef struct otelc_sdk_options {
    size_t struct_size;
    const char *service_name;     /* overrides OTEL_SERVICE_NAME when non-NULL */
    const char *traces_exporter;  /* overrides OTEL_TRACES_EXPORTER when non-NULL */
    const char *propagators;      /* overrides OTEL_PROPAGATORS when non-NULL */
    otelc_sampler *sampler;       /* overrides OTEL_TRACES_SAMPLER when non-NULL; owned after the call */
    otelc_exporter *exporter;     /* used (batch processor) instead of OTEL_TRACES_EXPORTER; owned after */
    int use_simple_processor;     /* export synchronously instead of batching */
} otelc_sdk_options;

OTELC_API void otelc_sdk_options_init(otelc_sdk_options *opts);

/* Builds the provider and propagator from opts + environment and installs both globally. Returns
 * OTELC_OK (sdk filled) or an error with err filled; on error nothing is installed. When the SDK is
 * disabled, returns OTELC_OK with sdk->provider NULL (the API stays a no-op) and propagators installed. */
OTELC_API otelc_status otelc_sdk_setup(const otelc_sdk_options *opts, otelc_sdk *sdk, otelc_error *err);
/* Flushes and shuts down within timeout_ms, uninstalls and frees everything in sdk. */
OTELC_API otelc_status otelc_sdk_teardown(otelc_sdk *sdk, uint32_t timeout_ms);

OTELC_END_DECLS
#endif
