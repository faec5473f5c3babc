/* Groups a batch by resource and instrumentation scope, as OTLP's ResourceSpans/ScopeSpans nesting
 * requires. The usual batch comes from one provider and one tracer, so the common case is detected in
 * one pass and keeps the batch order; otherwise the spans are sorted by (resource, scope, position),
 * which is deterministic and O(n log n) even for pathological batches. */
#include <stdlib.h>

#include "otelc/log.h"

#include "otlp_internal.h"

static int cmp_group(const void *a, const void *b) {
    const otelc_span_data *x = *(const otelc_span_data *const *)a;
    const otelc_span_data *y = *(const otelc_span_data *const *)b;
    uintptr_t xr = (uintptr_t)x->resource, yr = (uintptr_t)y->resource;
    if (xr != yr) return xr < yr ? -1 : 1;
    uintptr_t xs = (uintptr_t)x->scope, ys = (uintptr_t)y->scope;
    if (xs != ys) return xs < ys ? -1 : 1;
    return 0;
}

typedef struct slot {
    const otelc_span_data *span;
    size_t pos;
} slot;

static int cmp_slot(const void *a, const void *b) {
    const slot *x = a, *y = b;
    int c = cmp_group(&x->span, &y->span);
    if (c) return c;
    return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

/* Stable insertion sort: used for small batches, and as the fallback when scratch memory is missing. */
static void insertion_sort(const otelc_span_data **out, size_t n) {
    for (size_t i = 1; i < n; i++) {
        const otelc_span_data *s = out[i];
        size_t j = i;
        while (j > 0 && cmp_group(&out[j - 1], &s) > 0) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = s;
    }
}

void otelc__otlp_group(const otelc_span_data *const *spans, size_t n, const otelc_span_data **out) {
    int uniform = 1;
    for (size_t i = 0; i < n; i++) {
        out[i] = spans[i];
        if (spans[i]->resource != spans[0]->resource || spans[i]->scope != spans[0]->scope) uniform = 0;
    }
    if (uniform || n < 2) return;
    slot *tmp = n > 64 ? otelc_malloc(n * sizeof *tmp) : NULL;
    if (!tmp) {
        insertion_sort(out, n);
        return;
    }
    for (size_t i = 0; i < n; i++) tmp[i] = (slot){spans[i], i};
    qsort(tmp, n, sizeof *tmp, cmp_slot);
    for (size_t i = 0; i < n; i++) out[i] = tmp[i].span;
    otelc_free(tmp);
}
