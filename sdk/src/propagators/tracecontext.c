/* W3C Trace Context (https://www.w3.org/TR/trace-context/): the traceparent and tracestate headers.
 * Extraction follows the recommendation's parsing rules exactly: the version is two lowercase hex
 * digits other than "ff"; version 00 is exactly 55 characters; a later version is parsed by the
 * version-00 layout and anything after a '-' at offset 55 is ignored. Ids are lowercase hex and not
 * all zero. Flags keep only the bits we understand (sampled, and the Level 2 random bit); unknown bits
 * are dropped because the recommendation says a tracer must not propagate flags it does not know.
 * A tracestate that fails to parse is dropped on its own; the traceparent still counts. */
#include <string.h>

#include "dd_state.h"
#include "internal_prop.h"
#include "otelc/log.h"
#include "otelc/sdk/propagators.h"
#include "prop_util.h"

#define TP_LEN 55
#define KNOWN_FLAGS (OTELC_TRACE_FLAGS_SAMPLED | OTELC_TRACE_FLAGS_RANDOM)

typedef struct tc_impl {
    bool with_datadog;
} tc_impl;

static const char *const tc_fields[] = {"traceparent", "tracestate", NULL};

/* Parses a trimmed traceparent value into sc (trace_state untouched). */
static bool parse_traceparent(otelc__slice v, otelc_span_context *sc) {
    if (v.n < TP_LEN) return false;
    const char *s = v.p;
    uint8_t version;
    if (!otelc_hex_decode(s, 1, &version, false) || version == 0xff) return false;
    if (version == 0 && v.n != TP_LEN) return false;
    if (v.n > TP_LEN && s[TP_LEN] != '-') return false; /* future versions: fields follow a '-' */
    if (s[2] != '-' || s[35] != '-' || s[52] != '-') return false;
    uint8_t flags;
    if (!otelc_hex_decode(s + 3, 16, sc->trace_id, false) || !otelc_hex_decode(s + 36, 8, sc->span_id, false) ||
        !otelc_hex_decode(s + 53, 1, &flags, false))
        return false;
    if (!otelc_trace_id_is_valid(sc->trace_id) || !otelc_span_id_is_valid(sc->span_id)) return false;
    sc->trace_flags = flags & KNOWN_FLAGS;
    return true;
}

static otelc_context *tc_extract(void *self, const otelc_context *base, const otelc_carrier_getter *g) {
    (void)self;
    otelc__slice v;
    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    if (!otelc__get_trimmed(g, "traceparent", &v) || !parse_traceparent(v, &sc))
        return otelc__extract_result(base, NULL);
    otelc_trace_state *ts = NULL;
    otelc__slice st;
    if (otelc__get_trimmed(g, "tracestate", &st) && st.n) {
        ts = otelc_trace_state_parse(st.p, st.n);
        if (!ts) otelc_log(OTELC_LOG_DEBUG, "tracestate header is malformed; ignored");
    }
    sc.is_remote = true;
    sc.trace_state = ts;
    otelc_context *r = otelc__extract_result(base, &sc);
    otelc_trace_state_release(ts); /* the context holds its own reference */
    return r;
}

static void inject_tracestate(const otelc_trace_state *ts, const otelc_carrier_setter *s) {
    if (otelc_trace_state_count(ts) == 0) return;
    char small[512];
    int n = otelc_trace_state_to_header(ts, small, sizeof small);
    if (n >= 0) {
        s->set(s->carrier, "tracestate", small);
        return;
    }
    /* Rare: a long list. Size it exactly rather than guess. */
    size_t need = 1;
    for (size_t i = 0; i < otelc_trace_state_count(ts); i++) {
        const char *k, *val;
        otelc_trace_state_member(ts, i, &k, &val);
        need += strlen(k) + strlen(val) + 2;
    }
    char *buf = otelc_malloc(need);
    if (!buf) return;
    if (otelc_trace_state_to_header(ts, buf, need) >= 0) s->set(s->carrier, "tracestate", buf);
    otelc_free(buf);
}

static void tc_inject(void *self, const otelc_context *ctx, const otelc_carrier_setter *s) {
    tc_impl *impl = self;
    otelc_span_context sc = otelc_context_get_span_context(ctx);
    if (!otelc_span_context_is_valid(&sc)) return;
    char tp[TP_LEN + 1];
    memcpy(tp, "00-", 3);
    otelc_hex_encode(sc.trace_id, 16, tp + 3);
    tp[35] = '-';
    otelc_hex_encode(sc.span_id, 8, tp + 36);
    tp[52] = '-';
    uint8_t flags = sc.trace_flags & KNOWN_FLAGS;
    otelc_hex_encode(&flags, 1, tp + 53);
    s->set(s->carrier, "traceparent", tp);

    if (!impl->with_datadog) {
        inject_tracestate(sc.trace_state, s);
        return;
    }
    /* Datadog participates: our `dd` member describes this hop (priority agreeing with the flag, this
     * span as the last Datadog parent) and moves to the front, as the W3C rule for updates says. */
    otelc__dd_info info;
    otelc__dd_info_from_trace_state(sc.trace_state, &info);
    info.priority = otelc__dd_priority_for(&info, sc.trace_flags);
    info.has_priority = true;
    otelc_hex_encode(sc.span_id, 8, info.parent);
    otelc_trace_state *updated = otelc__dd_info_to_trace_state(sc.trace_state, &info);
    inject_tracestate(updated ? updated : sc.trace_state, s);
    otelc_trace_state_release(updated);
}

static const char *const *tc_get_fields(void *self) {
    (void)self;
    return tc_fields;
}

static void tc_destroy(void *self) { otelc_free(self); }

static const otelc_propagator_ops tc_ops = {"tracecontext", tc_inject, tc_extract, tc_get_fields, tc_destroy};

otelc_propagator *otelc__propagator_tracecontext(bool with_datadog) {
    tc_impl *impl = otelc_malloc(sizeof *impl);
    if (!impl) return NULL;
    impl->with_datadog = with_datadog;
    return otelc_propagator_create(&tc_ops, impl);
}

otelc_propagator *otelc_propagator_tracecontext(void) { return otelc__propagator_tracecontext(false); }
