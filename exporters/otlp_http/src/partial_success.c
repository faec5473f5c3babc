/* The protobuf body of an OTLP/HTTP export response:
 *   ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
 *   ExportTracePartialSuccess  { int64 rejected_spans = 1; string error_message = 2; }
 * decoded with nanopb's primitives and the generated field tags rather than generated descriptors, so
 * the library carries no opentelemetry_proto_* symbols (they would clash with an application's own
 * nanopb OTLP code when both are linked statically). The body is untrusted input from the server. */
#include <pb_decode.h>

#include "otlp_internal.h"
#include "otlp_tags.h"

/* Reads a length-delimited string field into out (at most cap - 1 bytes kept, the rest skipped). */
static bool read_str(pb_istream_t *in, char *out, size_t cap) {
    pb_istream_t sub;
    if (!pb_make_string_substream(in, &sub)) return false;
    size_t n = sub.bytes_left < cap - 1 ? sub.bytes_left : cap - 1;
    bool ok = pb_read(&sub, (pb_byte_t *)out, n) && pb_read(&sub, NULL, sub.bytes_left);
    out[ok ? n : 0] = 0;
    return pb_close_string_substream(in, &sub) && ok;
}

static bool decode_partial(pb_istream_t *in, int64_t *rejected, char *msg, size_t cap) {
    pb_wire_type_t wt;
    uint32_t tag;
    bool eof = false;
    while (pb_decode_tag(in, &wt, &tag, &eof)) {
        bool ok;
        if (tag == T_PSUCC(rejected_spans) && wt == PB_WT_VARINT) {
            uint64_t v;
            ok = pb_decode_varint(in, &v);
            if (ok) *rejected = (int64_t)v;
        } else if (tag == T_PSUCC(error_message) && wt == PB_WT_STRING) {
            ok = read_str(in, msg, cap);
        } else {
            ok = pb_skip_field(in, wt); /* unknown fields are skipped, as protobuf requires */
        }
        if (!ok) return false;
    }
    return eof;
}

bool otelc__otlp_decode_partial_success(const uint8_t *body, size_t len, int64_t *rejected, char *msg, size_t cap) {
    *rejected = 0;
    if (cap) msg[0] = 0;
    if (cap < 2) return false;
    pb_istream_t in = pb_istream_from_buffer(body, len);
    pb_wire_type_t wt;
    uint32_t tag;
    bool eof = false;
    while (pb_decode_tag(&in, &wt, &tag, &eof)) {
        bool ok;
        if (tag == T_RESP(partial_success) && wt == PB_WT_STRING) {
            pb_istream_t sub;
            ok = pb_make_string_substream(&in, &sub);
            if (ok) {
                ok = decode_partial(&sub, rejected, msg, cap);
                ok = pb_close_string_substream(&in, &sub) && ok;
            }
        } else {
            ok = pb_skip_field(&in, wt);
        }
        if (!ok) {
            *rejected = 0;
            msg[0] = 0;
            return false;
        }
    }
    return eof;
}
