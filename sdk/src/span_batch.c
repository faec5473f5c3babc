/* Views of ended spans for exporters, built on demand (otelc_span_batch, exporter.h).
 *
 * Spans are stored packed (span.c); an exporter reads otelc_span_data views. The batch worker used to
 * build every view before calling the exporter, which made it read every span's memory: on a
 * two-core machine that pulled each span's cache lines to the worker's core and back to the thread
 * that reuses the span, and cost the producing thread more than the span itself. Views are now built
 * when an exporter asks for them, into storage the caller keeps between batches: an array of views
 * sized at the start of each batch and attribute blocks that never move while a batch is exported
 * (views handed out earlier keep pointing into them). */
#include <string.h>

#include "internal.h"
#include "otelc/sdk/exporter.h"

struct otelc__attr_block {
    struct otelc__attr_block *next;
    size_t cap, used;
    otelc_attr a[];
};

#define ATTR_BLOCK_MIN 2048u

size_t otelc__views_begin(otelc__views *v, size_t n) {
    if (n > v->cap) {
        otelc_span_data *nd = otelc_realloc(v->data, n * sizeof *nd);
        if (nd) v->data = nd;
        const otelc_span_data **np = nd ? otelc_realloc(v->ptrs, n * sizeof *np) : NULL;
        if (np) v->ptrs = np;
        if (!nd || !np) return 0;
        v->cap = n;
    }
    memset(v->ptrs, 0, n * sizeof *v->ptrs);
    for (otelc__attr_block *b = v->blocks; b; b = b->next) b->used = 0;
    return n;
}

/* k attribute slots that stay put until the next otelc__views_begin; NULL on out-of-memory. */
static otelc_attr *attrs_alloc(otelc__views *v, size_t k) {
    otelc__attr_block **link = &v->blocks;
    for (otelc__attr_block *b = v->blocks; b; b = b->next) {
        if (b->cap - b->used >= k) {
            otelc_attr *a = b->a + b->used;
            b->used += k;
            return a;
        }
        link = &b->next;
    }
    size_t cap = k > ATTR_BLOCK_MIN ? k : ATTR_BLOCK_MIN;
    otelc__attr_block *b = otelc_malloc(sizeof *b + cap * sizeof(otelc_attr));
    if (!b) return NULL;
    b->next = NULL;
    b->cap = cap;
    b->used = k;
    *link = b;
    return b->a;
}

static const otelc_span_data *view_at(otelc__views *v, otelc_span *span, size_t i) {
    const sdk_span *s = (const sdk_span *)span;
    otelc_span_data *d = &v->data[i];
    uint32_t count = s->attr_count;
    otelc_attr *attrs = count ? attrs_alloc(v, count) : NULL;
    /* attrs NULL on out-of-memory: the view goes without them and reports them as dropped. Nothing
     * here writes the span: other processors and threads may be reading it. */
    if (count && !attrs) otelc__count(OTELC_COUNTER_LIMIT_ATTRIBUTES, count);
    otelc__span_view(s, d, attrs);
    v->ptrs[i] = d;
    return d;
}

void otelc__views_free(otelc__views *v) {
    otelc__attr_block *b = v->blocks;
    while (b) {
        otelc__attr_block *next = b->next;
        otelc_free(b);
        b = next;
    }
    otelc_free(v->data);
    otelc_free(v->ptrs);
    memset(v, 0, sizeof *v);
}

size_t otelc_span_batch_count(const otelc_span_batch *batch) { return batch ? batch->n : 0; }

const otelc_span_data *otelc_span_batch_get(otelc_span_batch *batch, size_t i) {
    if (!batch || i >= batch->n) return NULL;
    if (batch->views[i] || !batch->spans) return batch->views[i];
    return view_at(batch->store, batch->spans[i], i);
}

const otelc_span_data *const *otelc_span_batch_all(otelc_span_batch *batch) {
    if (!batch || batch->n == 0) return NULL;
    if (batch->spans)
        for (size_t i = 0; i < batch->n; i++)
            if (!batch->views[i]) view_at(batch->store, batch->spans[i], i);
    return batch->views;
}
