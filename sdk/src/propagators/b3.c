/* Zipkin B3 (https://github.com/openzipkin/b3-propagation): the single `b3` header
 * `{trace}-{span}[-{sampling}[-{parent}]]` (or a bare sampling state) and the X-B3-* headers.
 * Ids are lowercase hex; a 16-digit trace id is a 64-bit id, left-padded with zeros to 128 bits.
 * Sampling: "1" sampled, "0" not, "d" (debug) is sampled; X-B3-Flags: 1 is debug, hence sampled.
 * Extraction prefers the single header and falls back to the multi headers, whichever form this
 * propagator injects. A bare sampling state carries no ids, so it yields no span context. */
#include <string.h>

#include "otelc/log.h"
#include "otelc/sdk/propagators.h"
#include "prop_util.h"

typedef struct b3_impl {
    bool multi;
} b3_impl;

static const char *const single_fields[] = {"b3", NULL};
static const char *const multi_fields[] = {"x-b3-traceid", "x-b3-spanid", "x-b3-sampled", NULL};

static bool parse_trace_id(otelc__slice s, uint8_t out[16]) {
    memset(out, 0, 16);
    if (s.n == 32) return otelc_hex_decode(s.p, 16, out, false) && otelc_trace_id_is_valid(out);
    if (s.n == 16) return otelc_hex_decode(s.p, 8, out + 8, false) && otelc_trace_id_is_valid(out);
    return false;
}

static bool parse_span_id(otelc__slice s, uint8_t out[8]) {
    return s.n == 16 && otelc_hex_decode(s.p, 8, out, false) && otelc_span_id_is_valid(out);
}

/* Returns 1 sampled, 0 not sampled, -1 invalid. */
static int parse_sampling(otelc__slice s) {
    if (s.n == 1 && (s.p[0] == '1' || s.p[0] == 'd')) return 1;
    if (s.n == 1 && s.p[0] == '0') return 0;
    return -1;
}

static bool extract_single(otelc__slice v, otelc_span_context *sc) {
    /* Fields: up to 4, separated by '-'. */
    otelc__slice f[4];
    size_t nf = 0, start = 0;
    for (size_t i = 0; i <= v.n; i++) {
        if (i == v.n || v.p[i] == '-') {
            if (nf == 4) return false;
            f[nf++] = (otelc__slice){v.p + start, i - start};
            start = i + 1;
        }
    }
    if (nf < 2) return false; /* a bare sampling state, or garbage */
    if (!parse_trace_id(f[0], sc->trace_id) || !parse_span_id(f[1], sc->span_id)) return false;
    if (nf >= 3) {
        int smp = parse_sampling(f[2]);
        if (smp < 0) return false;
        if (smp) sc->trace_flags |= OTELC_TRACE_FLAGS_SAMPLED;
    }
    if (nf == 4) {
        uint8_t parent[8];
        if (!parse_span_id(f[3], parent)) return false;
    }
    return true;
}

static bool extract_multi(const otelc_carrier_getter *g, otelc_span_context *sc) {
    otelc__slice t, s, v;
    if (!otelc__get_trimmed(g, "x-b3-traceid", &t) || !otelc__get_trimmed(g, "x-b3-spanid", &s)) return false;
    if (!parse_trace_id(t, sc->trace_id) || !parse_span_id(s, sc->span_id)) return false;
    if (otelc__get_trimmed(g, "x-b3-flags", &v) && v.n == 1 && v.p[0] == '1') {
        sc->trace_flags |= OTELC_TRACE_FLAGS_SAMPLED; /* debug implies sampled */
    } else if (otelc__get_trimmed(g, "x-b3-sampled", &v)) {
        int smp = parse_sampling(v);
        /* Older Zipkin clients send true/false. */
        if (v.n == 4 && memcmp(v.p, "true", 4) == 0) smp = 1;
        if (v.n == 5 && memcmp(v.p, "false", 5) == 0) smp = 0;
        if (smp < 0) return false;
        if (smp) sc->trace_flags |= OTELC_TRACE_FLAGS_SAMPLED;
    }
    return true;
}

static otelc_context *b3_extract(void *self, const otelc_context *base, const otelc_carrier_getter *g) {
    (void)self;
    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    otelc__slice v;
    bool ok = otelc__get_trimmed(g, "b3", &v) && extract_single(v, &sc);
    if (!ok) {
        memset(&sc, 0, sizeof sc);
        ok = extract_multi(g, &sc);
    }
    if (!ok) return otelc__extract_result(base, NULL);
    sc.is_remote = true;
    return otelc__extract_result(base, &sc);
}

static void b3_inject(void *self, const otelc_context *ctx, const otelc_carrier_setter *s) {
    b3_impl *impl = self;
    otelc_span_context sc = otelc_context_get_span_context(ctx);
    if (!otelc_span_context_is_valid(&sc)) return;
    const char *smp = (sc.trace_flags & OTELC_TRACE_FLAGS_SAMPLED) ? "1" : "0";
    char trace[33], span[17];
    otelc_hex_encode(sc.trace_id, 16, trace);
    otelc_hex_encode(sc.span_id, 8, span);
    if (impl->multi) {
        s->set(s->carrier, "x-b3-traceid", trace);
        s->set(s->carrier, "x-b3-spanid", span);
        s->set(s->carrier, "x-b3-sampled", smp);
        return;
    }
    char b3[32 + 1 + 16 + 1 + 1 + 1];
    memcpy(b3, trace, 32);
    b3[32] = '-';
    memcpy(b3 + 33, span, 16);
    b3[49] = '-';
    b3[50] = smp[0];
    b3[51] = '\0';
    s->set(s->carrier, "b3", b3);
}

static const char *const *b3_get_fields(void *self) { return ((b3_impl *)self)->multi ? multi_fields : single_fields; }

static void b3_destroy(void *self) { otelc_free(self); }

static const otelc_propagator_ops b3_single_ops = {"b3", b3_inject, b3_extract, b3_get_fields, b3_destroy};
static const otelc_propagator_ops b3_multi_ops = {"b3multi", b3_inject, b3_extract, b3_get_fields, b3_destroy};

otelc_propagator *otelc_propagator_b3(bool multi_header) {
    b3_impl *impl = otelc_malloc(sizeof *impl);
    if (!impl) return NULL;
    impl->multi = multi_header;
    return otelc_propagator_create(multi_header ? &b3_multi_ops : &b3_single_ops, impl);
}
