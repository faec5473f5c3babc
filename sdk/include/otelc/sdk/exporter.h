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

/* A batch of ended spans handed to an exporter's export_batch. The SDK stores spans packed and builds
 * each otelc_span_data view when it is first asked for, so an exporter that looks at some spans only
 * (sampling, routing, counting) does not pay for the others. Everything is borrowed and valid until
 * export_batch returns; only the thread running export_batch may use the batch. */
typedef struct otelc_span_batch otelc_span_batch;
/* Number of spans in the batch (0 for NULL). */
OTELC_API size_t otelc_span_batch_count(const otelc_span_batch *batch);
/* The view of span i, built on first use; NULL when i >= count. Repeated calls return the same view. */
OTELC_API const otelc_span_data *otelc_span_batch_get(otelc_span_batch *batch, size_t i);
/* All views as an array of count pointers (building those not built yet), e.g. for an encoder that
 * takes otelc_span_data arrays; NULL for an empty batch. */
OTELC_API const otelc_span_data *const *otelc_span_batch_all(otelc_span_batch *batch);

typedef struct otelc_exporter_ops {
    const char *name;
    /* Exports n spans (borrowed for the call). Must not retry beyond its own timeout. */
    otelc_export_result (*export_spans)(void *self, const otelc_span_data *const *spans, size_t n);
    /* Optional (NULL ok). */
    otelc_status (*force_flush)(void *self, uint32_t timeout_ms);
    otelc_status (*shutdown)(void *self, uint32_t timeout_ms);
    void (*destroy)(void *self);
    /* Alternative to export_spans (set one of them; when both are set export_batch is used): exports a
     * batch whose views are built only for the spans the exporter asks for. */
    otelc_export_result (*export_batch)(void *self, otelc_span_batch *batch);
} otelc_exporter_ops;

/* Wraps an implementation; ops must outlive the exporter and set export_spans or export_batch. NULL on
 * OOM or when neither is set (after ops->destroy(impl)). */
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
