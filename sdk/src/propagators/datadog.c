/* Datadog headers: x-datadog-trace-id / x-datadog-parent-id (unsigned decimal 64-bit),
 * x-datadog-sampling-priority, x-datadog-origin and x-datadog-tags (`_dd.p.*` propagation tags, with
 * `_dd.p.tid` carrying the high 64 bits of a 128-bit trace id in lowercase hex).
 * The priority, origin and tags live in the span context's `dd=` tracestate member (dd_state.h), so a
 * context extracted from Datadog headers injects a consistent W3C tracestate and vice versa.
 * Priority > 0 means sampled; a missing priority leaves the trace unsampled, the conservative choice. */
#include <string.h>

#include "dd_state.h"
#include "otelc/log.h"
#include "otelc/sdk/propagators.h"
#include "prop_util.h"

static const char *const dd_fields[] = {"x-datadog-trace-id", "x-datadog-parent-id", "x-datadog-sampling-priority",
                                        "x-datadog-origin", "x-datadog-tags", NULL};

static bool origin_char_ok(unsigned char c) { return c >= 0x20 && c <= 0x7e; }

/* x-datadog-tags: "_dd.p.k=v,...". Keeps only propagation tags; returns the tid (high 64 bits) when
 * a valid one is present. A header over the Datadog size limit is ignored whole, as Datadog does. */
static bool parse_tags(otelc__slice h, otelc__dd_info *info, uint8_t high[8]) {
    bool has_tid = false;
    if (h.n == 0 || h.n > OTELC__DD_TAGS_MAX_HEADER) return false;
    size_t i = 0;
    while (i < h.n) {
        const char *comma = memchr(h.p + i, ',', h.n - i);
        size_t end = comma ? (size_t)(comma - h.p) : h.n;
        otelc__slice m = otelc__trim((otelc__slice){h.p + i, end - i});
        i = end + 1;
        const char *eq = m.n ? memchr(m.p, '=', m.n) : NULL;
        if (!eq) continue;
        size_t kn = (size_t)(eq - m.p), vn = m.n - kn - 1;
        if (kn <= 6 || memcmp(m.p, "_dd.p.", 6) != 0 || vn == 0) continue;
        bool ok = true;
        for (size_t j = 0; j < m.n && ok; j++) {
            unsigned char c = (unsigned char)m.p[j];
            ok = c >= 0x20 && c <= 0x7e && (j < kn ? c != ' ' : true);
        }
        if (!ok) continue;
        const char *key = m.p + 6, *val = eq + 1;
        kn -= 6;
        if (kn == 3 && memcmp(key, "tid", 3) == 0) {
            if (vn == 16 && otelc_hex_decode(val, 8, high, false)) has_tid = true;
            continue;
        }
        otelc__dd_info_add_tag(info, key, kn, val, vn);
    }
    return has_tid;
}

static otelc_context *dd_extract(void *self, const otelc_context *base, const otelc_carrier_getter *g) {
    (void)self;
    otelc__slice tid, pid, v;
    uint64_t trace_lo, parent;
    if (!otelc__get_trimmed(g, "x-datadog-trace-id", &tid) || !otelc__get_trimmed(g, "x-datadog-parent-id", &pid) ||
        !otelc__parse_u64_dec(tid, &trace_lo) || !otelc__parse_u64_dec(pid, &parent) || trace_lo == 0 || parent == 0)
        return otelc__extract_result(base, NULL);

    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    otelc__be64_store(trace_lo, sc.trace_id + 8);
    otelc__be64_store(parent, sc.span_id);
    sc.is_remote = true;

    otelc__dd_info info;
    memset(&info, 0, sizeof info);
    int prio;
    if (otelc__get_trimmed(g, "x-datadog-sampling-priority", &v) && otelc__parse_small_int(v, &prio)) {
        info.has_priority = true;
        info.priority = prio;
        if (prio > 0) sc.trace_flags |= OTELC_TRACE_FLAGS_SAMPLED;
    }
    if (otelc__get_trimmed(g, "x-datadog-origin", &v) && v.n && v.n <= OTELC__DD_MAX_VALUE) {
        bool ok = true;
        for (size_t i = 0; i < v.n && ok; i++) ok = origin_char_ok((unsigned char)v.p[i]);
        if (ok) {
            info.has_origin = true;
            memcpy(info.origin, v.p, v.n);
            info.origin[v.n] = '\0';
        }
    }
    if (otelc__get_trimmed(g, "x-datadog-tags", &v)) {
        uint8_t high[8];
        if (v.n > OTELC__DD_TAGS_MAX_HEADER) otelc_log(OTELC_LOG_DEBUG, "x-datadog-tags over %d bytes; ignored",
                                                       OTELC__DD_TAGS_MAX_HEADER);
        if (parse_tags(v, &info, high)) memcpy(sc.trace_id, high, 8);
    }
    otelc_hex_encode(sc.span_id, 8, info.parent);

    /* Keep the other vendors' tracestate members when a W3C extraction of the same trace ran first. */
    otelc_span_context prev = otelc_context_get_span_context(base);
    const otelc_trace_state *keep = NULL;
    if (otelc_span_context_is_valid(&prev) && memcmp(prev.trace_id, sc.trace_id, 16) == 0) {
        keep = prev.trace_state;
        sc.trace_flags |= prev.trace_flags & OTELC_TRACE_FLAGS_RANDOM;
    }
    otelc_trace_state *ts = otelc__dd_info_to_trace_state(keep, &info);
    sc.trace_state = ts;
    otelc_context *r = otelc__extract_result(base, &sc);
    otelc_trace_state_release(ts);
    return r;
}

static void dd_inject(void *self, const otelc_context *ctx, const otelc_carrier_setter *s) {
    (void)self;
    otelc_span_context sc = otelc_context_get_span_context(ctx);
    if (!otelc_span_context_is_valid(&sc)) return;
    uint64_t lo = otelc__be64_load(sc.trace_id + 8), span = otelc__be64_load(sc.span_id);
    if (lo == 0) return; /* not representable in Datadog headers */
    char num[24];
    otelc__u64_to_dec(lo, num);
    s->set(s->carrier, "x-datadog-trace-id", num);
    otelc__u64_to_dec(span, num);
    s->set(s->carrier, "x-datadog-parent-id", num);

    otelc__dd_info info;
    otelc__dd_info_from_trace_state(sc.trace_state, &info);
    int prio = otelc__dd_priority_for(&info, sc.trace_flags);
    char pbuf[16];
    size_t pn = 0;
    unsigned up = (unsigned)(prio < 0 ? -prio : prio);
    if (prio < 0) pbuf[pn++] = '-';
    pn += otelc__u64_to_dec(up, pbuf + pn);
    s->set(s->carrier, "x-datadog-sampling-priority", pbuf);
    if (info.has_origin) s->set(s->carrier, "x-datadog-origin", info.origin);

    char tags[OTELC__DD_TAGS_MAX_HEADER + 1];
    size_t pos = 0;
    bool over = false;
    if (otelc__be64_load(sc.trace_id) != 0) {
        memcpy(tags, "_dd.p.tid=", 10);
        otelc_hex_encode(sc.trace_id, 8, tags + 10);
        pos = 26;
    }
    for (size_t i = 0; i < info.tag_count; i++) {
        if (strcmp(info.tags[i].key, "tid") == 0) continue;
        size_t kn = strlen(info.tags[i].key), vn = strlen(info.tags[i].value);
        size_t need = (pos ? 1 : 0) + 6 + kn + 1 + vn;
        if (pos + need > OTELC__DD_TAGS_MAX_HEADER) {
            over = true;
            break;
        }
        if (pos) tags[pos++] = ',';
        memcpy(tags + pos, "_dd.p.", 6);
        memcpy(tags + pos + 6, info.tags[i].key, kn);
        tags[pos + 6 + kn] = '=';
        memcpy(tags + pos + 7 + kn, info.tags[i].value, vn);
        pos += 7 + kn + vn;
    }
    tags[pos] = '\0';
    if (over) otelc_log(OTELC_LOG_DEBUG, "x-datadog-tags would pass %d bytes; trailing tags not sent",
                        OTELC__DD_TAGS_MAX_HEADER);
    if (pos) s->set(s->carrier, "x-datadog-tags", tags);
}

static const char *const *dd_get_fields(void *self) {
    (void)self;
    return dd_fields;
}

static const otelc_propagator_ops dd_ops = {"datadog", dd_inject, dd_extract, dd_get_fields, NULL};

otelc_propagator *otelc_propagator_datadog(void) { return otelc_propagator_create(&dd_ops, NULL); }
