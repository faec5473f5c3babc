/* In-memory exporter, for unit-testing instrumentation: every exported span is deep-copied into a
 * store that outlives the exporter and the provider. Thread-safe. */
#ifndef OTELC_EXPORTERS_MEMORY_H
#define OTELC_EXPORTERS_MEMORY_H

#include <stddef.h>

#include "otelc/sdk/exporter.h"

OTELC_BEGIN_DECLS

typedef struct otelc_memory_store otelc_memory_store;

/* A store with room for at most max_spans (0 = 65536); spans beyond are dropped and counted. */
OTELC_API otelc_memory_store *otelc_memory_store_create(size_t max_spans);
OTELC_API void otelc_memory_store_destroy(otelc_memory_store *store);
/* Exporter writing into store; the store must outlive the exporter. NULL on OOM. */
OTELC_API otelc_exporter *otelc_memory_exporter_create(otelc_memory_store *store);

OTELC_API size_t otelc_memory_store_count(otelc_memory_store *store);
/* Span i in export order, or NULL. The copy (ids, name, attributes, events, links, status, times,
 * dropped counts, kind, parent) stays valid until clear/destroy. Its resource and scope pointers
 * are copies too. */
OTELC_API const otelc_span_data *otelc_memory_store_get(otelc_memory_store *store, size_t i);
/* First span with this name, or NULL. */
OTELC_API const otelc_span_data *otelc_memory_store_find(otelc_memory_store *store, const char *name);
OTELC_API size_t otelc_memory_store_dropped(otelc_memory_store *store);
OTELC_API void otelc_memory_store_clear(otelc_memory_store *store);

OTELC_END_DECLS
#endif
