/* Deep copy of an otelc_span_data into one owned allocation (private to the memory exporter). */
#ifndef OTELC_MEMORY_SPAN_COPY_H
#define OTELC_MEMORY_SPAN_COPY_H

#include "otelc/sdk/span_data.h"

/* Returns a copy that owns everything it points to (resource and scope included), freed with
 * otelc__span_copy_free(). NULL on out-of-memory. */
__attribute__((visibility("hidden"))) otelc_span_data *otelc__span_copy(const otelc_span_data *src);
__attribute__((visibility("hidden"))) void otelc__span_copy_free(otelc_span_data *copy);

#endif
