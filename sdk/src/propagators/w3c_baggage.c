/* W3C Baggage header (https://www.w3.org/TR/baggage/): `key=value;property,...`.
 * Keys are RFC 7230 tokens; values are percent-decoded on extract and percent-encoded on inject
 * (everything outside the spec's baggage-octet set, plus '%' itself so that decoding is exact);
 * properties are kept verbatim. A malformed list-member is skipped on its own rather than voiding the
 * header, so one bad entry from a peer does not cost the others. Limits (baggage.h): at most 180
 * members, 4096 bytes per member and 8192 bytes in total, on both sides. */
#include <string.h>

#include "otelc/log.h"
#include "otelc/sdk/propagators.h"
#include "prop_util.h"

static const char *const bg_fields[] = {"baggage", NULL};

/* tchar from RFC 7230. */
static bool is_tchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}
/* baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E */
static bool is_bag_octet(unsigned char c) {
    return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) || (c >= 0x3c && c <= 0x5b) ||
           (c >= 0x5d && c <= 0x7e);
}
/* Decodes a value into out (NUL-terminated, out holds n+1). Rejects octets outside the grammar, bad
 * escapes, and %00 (values are C strings). */
static bool decode_value(otelc__slice v, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c == '%') {
            uint8_t b;
            if (v.n - i < 3 || !otelc_hex_decode(v.p + i + 1, 1, &b, true) || b == 0) return false;
            out[o++] = (char)b;
            i += 2;
        } else if (is_bag_octet(c)) {
            out[o++] = (char)c;
        } else {
            return false;
        }
    }
    out[o] = '\0';
    return true;
}

/* Parses one list-member and adds it to *bag. Returns false when the member was skipped. */
static bool add_member(otelc_baggage **bag, otelc__slice m) {
    if (m.n > OTELC_BAGGAGE_MAX_ENTRY_BYTES) return false;
    const char *semi = memchr(m.p, ';', m.n);
    otelc__slice kv = {m.p, semi ? (size_t)(semi - m.p) : m.n};
    const char *eq = memchr(kv.p, '=', kv.n);
    if (!eq) return false;
    otelc__slice key = otelc__trim((otelc__slice){kv.p, (size_t)(eq - kv.p)});
    otelc__slice val = otelc__trim((otelc__slice){eq + 1, kv.n - (size_t)(eq - kv.p) - 1});
    if (key.n == 0) return false;
    for (size_t i = 0; i < key.n; i++)
        if (!is_tchar((unsigned char)key.p[i])) return false;
    otelc__slice props = {"", 0};
    if (semi) props = otelc__trim((otelc__slice){semi + 1, m.n - (size_t)(semi - m.p) - 1});
    for (size_t i = 0; i < props.n; i++) { /* printable, no list separator: kept verbatim */
        unsigned char c = (unsigned char)props.p[i];
        if (c < 0x20 || c > 0x7e) return false;
    }
    char buf[3 * (OTELC_BAGGAGE_MAX_ENTRY_BYTES + 1)];
    char *k = buf, *v = buf + key.n + 1, *p = v + val.n + 1;
    memcpy(k, key.p, key.n);
    k[key.n] = '\0';
    if (!decode_value(val, v)) return false;
    memcpy(p, props.p, props.n);
    p[props.n] = '\0';
    otelc_baggage *next = otelc_baggage_set(*bag, k, v, props.n ? p : NULL);
    if (!next) return false;
    otelc_baggage_release(*bag);
    *bag = next;
    return true;
}

static otelc_context *bg_extract(void *self, const otelc_context *base, const otelc_carrier_getter *g) {
    (void)self;
    otelc__slice h;
    if (!otelc__get_trimmed(g, "baggage", &h) || h.n == 0) return otelc__extract_result(base, NULL);
    otelc_baggage *bag = NULL;
    size_t members = 0, skipped = 0, used = 0;
    size_t i = 0;
    while (i < h.n && members < OTELC_BAGGAGE_MAX_ENTRIES) {
        const char *comma = memchr(h.p + i, ',', h.n - i);
        size_t end = comma ? (size_t)(comma - h.p) : h.n;
        otelc__slice m = otelc__trim((otelc__slice){h.p + i, end - i});
        i = end + 1;
        if (m.n == 0) continue;
        if (used + m.n > OTELC_BAGGAGE_MAX_TOTAL_BYTES) break; /* the rest is beyond the total limit */
        if (add_member(&bag, m)) {
            members++;
            used += m.n + 1;
        } else {
            skipped++;
        }
    }
    if (skipped) otelc_log(OTELC_LOG_DEBUG, "baggage: %zu malformed or oversized members skipped", skipped);
    otelc_context *r = bag ? otelc_context_with_baggage(base, bag) : otelc__extract_result(base, NULL);
    otelc_baggage_release(bag);
    return r;
}

static void bg_inject(void *self, const otelc_context *ctx, const otelc_carrier_setter *s) {
    (void)self;
    const otelc_baggage *bag = otelc_context_get_baggage(ctx);
    size_t count = otelc_baggage_count(bag);
    if (count == 0) return;
    char *out = otelc_malloc(OTELC_BAGGAGE_MAX_TOTAL_BYTES + 1);
    char *member = otelc_malloc(OTELC_BAGGAGE_MAX_ENTRY_BYTES + 1);
    if (!out || !member) {
        otelc_free(out);
        otelc_free(member);
        return;
    }
    static const char hex[] = "0123456789ABCDEF";
    size_t pos = 0, written = 0;
    for (size_t i = 0; i < count && written < OTELC_BAGGAGE_MAX_ENTRIES; i++) {
        const char *name, *value, *props;
        otelc_baggage_entry(bag, i, &name, &value, &props);
        size_t n = 0, cap = OTELC_BAGGAGE_MAX_ENTRY_BYTES;
        bool ok = true;
        for (const char *c = name; *c && ok; c++) {
            ok = is_tchar((unsigned char)*c) && n < cap;
            if (ok) member[n++] = *c;
        }
        if (ok && n < cap) member[n++] = '=';
        for (const unsigned char *c = (const unsigned char *)value; *c && ok; c++) {
            if (is_bag_octet(*c) && *c != '%') {
                ok = n < cap;
                if (ok) member[n++] = (char)*c;
            } else {
                ok = n + 3 <= cap;
                if (ok) {
                    member[n++] = '%';
                    member[n++] = hex[*c >> 4];
                    member[n++] = hex[*c & 15];
                }
            }
        }
        if (ok && props && *props) {
            size_t pl = strlen(props);
            ok = n + 1 + pl <= cap && !memchr(props, ',', pl);
            if (ok) {
                member[n++] = ';';
                memcpy(member + n, props, pl);
                n += pl;
            }
        }
        if (!ok) continue; /* an entry that cannot be sent within the limits is left out */
        if (pos + (pos ? 1 : 0) + n > OTELC_BAGGAGE_MAX_TOTAL_BYTES) break;
        if (pos) out[pos++] = ',';
        memcpy(out + pos, member, n);
        pos += n;
        written++;
    }
    out[pos] = '\0';
    if (pos) s->set(s->carrier, "baggage", out);
    otelc_free(out);
    otelc_free(member);
}

static const char *const *bg_get_fields(void *self) {
    (void)self;
    return bg_fields;
}

static const otelc_propagator_ops bg_ops = {"baggage", bg_inject, bg_extract, bg_get_fields, NULL};

otelc_propagator *otelc_propagator_baggage(void) { return otelc_propagator_create(&bg_ops, NULL); }
