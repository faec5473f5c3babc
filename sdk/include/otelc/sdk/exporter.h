/* Span exporters: where finished spans go (OTLP, console, memory, or your own). An exporter is
 * called by one processor at a time (never concurrently with itself): export may block (it runs on
 * the batch worker, or on the ending thread with the simple processor). */
#ifndef OTELC_SDK_EXPORTER_H
#define OTELC_SDK_EXPORTER_H

#include <stddef.h>
#include <stdint.h>

#include "otelc/sdk/span_data.h"
#include "otelc/status.h"

OTELC_BEGIN_DECLS

typedef enum otelc_export_result {
    OTELC_EXPORT_SUCCESS = 0,
    OTELC_EXPORT_FAILURE = 1
} otelc_export_result;

typedef struct otelc_exporter otelc_exporter;

typedef struct otelc_exporter_ops {
    const char *name;
    /* Exports n spans (borrowed for the call). Must not retry beyond its own timeout. */
    otelc_export_result (*export_spans)(void *self, const otelc_span_data *const *spans, size_t n);
    /* Optional (NULL ok). */
    otelc_status (*force_flush)(void *self, uint32_t timeout_ms);
    otelc_status (*shutdown)(void *self, uint32_t timeout_ms);
    void (*destroy)(void *self);
} otelc_exporter_ops;

/* Wraps an implementation; ops must outlive the exporter. NULL on OOM (after ops->destroy(impl)). */
OTELC_API otelc_exporter *otelc_exporter_create(const otelc_exporter_ops *ops, void *impl);
OTELC_API otelc_export_result otelc_exporter_export(otelc_exporter *e, const otelc_span_data *const *spans,
                                                    size_t n);
OTELC_API otelc_status otelc_exporter_force_flush(otelc_exporter *e, uint32_t timeout_ms);
/* Idempotent; exports after shutdown fail. */
OTELC_API otelc_status otelc_exporter_shutdown(otelc_exporter *e, uint32_t timeout_ms);
OTELC_API void otelc_exporter_destroy(otelc_exporter *e);
OTELC_API const char *otelc_exporter_name(const otelc_exporter *e);

/* Exporter factories let configuration by name (OTEL_TRACES_EXPORTER) reach exporters the SDK does not
 * link against: an exporter library registers its factory (e.g. "otlp"), and the SDK's env setup creates
 * it. create returns NULL and fills err when it cannot. Registration is thread-safe; at most 16. */
typedef otelc_exporter *(*otelc_exporter_factory_fn)(otelc_error *err);
OTELC_API otelc_status otelc_exporter_factory_register(const char *name, otelc_exporter_factory_fn fn);
OTELC_API otelc_exporter_factory_fn otelc_exporter_factory_find(const char *name);

OTELC_END_DECLS
#endif
