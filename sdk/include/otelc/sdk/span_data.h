/* The read-only view of a finished span that processors and exporters receive. The SDK stores spans
 * packed and builds this view when it calls a processor or an exporter; the strings and arrays it
 * points to are the span's own (no copies). Everything is borrowed: valid until the export (or on_end)
 * call returns; a processor that keeps a span longer takes a reference (otelc_span_retain) and asks
 * for a view of its own with otelc_span_data_view. Strings are NUL-terminated. Nothing writes a
 * finished span's data, so any number of threads may read it during that call. */
#ifndef OTELC_SDK_SPAN_DATA_H
#define OTELC_SDK_SPAN_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "otelc/attr.h"
#include "otelc/span_context.h"
#include "otelc/trace.h"
#include "otelc/sdk/resource.h"

OTELC_BEGIN_DECLS

typedef struct otelc_instrumentation_scope {
    const char *name;       /* "" when none */
    const char *version;    /* "" when none */
    const char *schema_url; /* "" when none */
    const otelc_attr *attributes;
    uint32_t attribute_count;
} otelc_instrumentation_scope;

typedef struct otelc_event_data {
    const char *name;
    uint64_t time_unix_nano;
    const otelc_attr *attributes;
    uint32_t attribute_count;
    uint32_t dropped_attributes_count;
} otelc_event_data;

typedef struct otelc_link_data {
    otelc_span_context context;
    const otelc_attr *attributes;
    uint32_t attribute_count;
    uint32_t dropped_attributes_count;
} otelc_link_data;

typedef struct otelc_span_data {
    otelc_span_context context;
    uint8_t parent_span_id[8]; /* all zero for a root span */
    bool has_parent;
    bool parent_is_remote;
    otelc_span_kind kind; /* never UNSPECIFIED: normalised to INTERNAL */
    otelc_status_code status_code;
    const char *status_description; /* "" unless status is ERROR with a description */
    const char *name;
    uint64_t start_time_unix_nano;
    uint64_t end_time_unix_nano;
    const otelc_attr *attributes;
    uint32_t attribute_count;
    uint32_t dropped_attributes_count;
    const otelc_event_data *events;
    uint32_t event_count;
    uint32_t dropped_events_count;
    const otelc_link_data *links;
    uint32_t link_count;
    uint32_t dropped_links_count;
    const otelc_resource *resource;
    const otelc_instrumentation_scope *scope;
} otelc_span_data;

/* A view of an SDK span's data, allocated for the caller: the struct and its attribute array are
 * owned by the caller (free with otelc_span_data_free); the strings, events and links it points to are
 * borrowed from the span, valid while the caller holds a reference to it. Call it on an ended span (or
 * on the thread that records it). NULL for a span the SDK did not record (no-op, non-recording) or on
 * out-of-memory. Thread-safe. */
OTELC_API otelc_span_data *otelc_span_data_view(const otelc_span *span);
/* Frees a view from otelc_span_data_view; NULL is a no-op. */
OTELC_API void otelc_span_data_free(otelc_span_data *data);

/* Lookup helper for tests and exporters: the attribute with key, or NULL. */
OTELC_API const otelc_attr *otelc_attrs_find(const otelc_attr *attrs, size_t count, const char *key);

OTELC_END_DECLS
#endif
