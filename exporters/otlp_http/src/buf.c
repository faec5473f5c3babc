/* Growable byte buffer used for encoded requests and compressed bodies; the exporter keeps one of
 * each across exports, so steady-state exports allocate nothing. */
#include <string.h>

#include "otelc/log.h"
#include "otlp_internal.h"

int otelc__otlp_buf_reserve(otelc__otlp_buf *b, size_t extra) {
    if (b->failed) return 0;
    if (extra > SIZE_MAX - b->len) {
        b->failed = 1;
        return 0;
    }
    size_t need = b->len + extra;
    if (need <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *d = otelc_realloc(b->data, cap);
    if (!d) {
        b->failed = 1;
        return 0;
    }
    b->data = d;
    b->cap = cap;
    return 1;
}

void otelc__otlp_buf_append(otelc__otlp_buf *b, const void *p, size_t n) {
    if (!n || !otelc__otlp_buf_reserve(b, n)) return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void otelc__otlp_buf_free(otelc__otlp_buf *b) {
    otelc_free(b->data);
    memset(b, 0, sizeof *b);
}
