/* gzip request bodies with zlib (Content-Encoding: gzip, as OTLP/HTTP specifies). */
#include <zlib.h>

#include "otlp_internal.h"

otelc_status otelc__otlp_gzip(const uint8_t *in, size_t n, otelc__otlp_buf *out) {
    out->len = 0;
    out->failed = 0;
    if (n > UINT32_MAX) return OTELC_ERR_INVALID_ARGUMENT;
    z_stream z = {0};
    /* windowBits 15 + 16 selects the gzip wrapper; level 6 is zlib's default trade-off. */
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return OTELC_ERR_NO_MEMORY;
    uLong bound = deflateBound(&z, (uLong)n) + 32;
    if (!otelc__otlp_buf_reserve(out, bound)) {
        deflateEnd(&z);
        return OTELC_ERR_NO_MEMORY;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out->data;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    out->len = z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? OTELC_OK : OTELC_ERR_INTERNAL;
}
