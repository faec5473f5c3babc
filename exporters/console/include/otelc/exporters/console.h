/* Console exporter: one readable line per span (stable format, documented in docs/console-format.md),
 * written to a FILE* (default stdout) under a lock. Thread-safe. */
#ifndef OTELC_EXPORTERS_CONSOLE_H
#define OTELC_EXPORTERS_CONSOLE_H

#include <stdio.h>

#include "otelc/sdk/exporter.h"

OTELC_BEGIN_DECLS

/* out NULL = stdout. The exporter does not close out. NULL on OOM. */
OTELC_API otelc_exporter *otelc_console_exporter_create(FILE *out);

/* Formats one span as the console line (without newline) into buf; returns the length that the full
 * line needs (like snprintf). */
OTELC_API int otelc_console_format_span(const otelc_span_data *span, char *buf, size_t size);

OTELC_END_DECLS
#endif
