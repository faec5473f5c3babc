/* W3C tracestate as an immutable list. One allocation holds the header array and every member's
 * text, so a list is freed in one call and copied lists never share mutable state. */
#include <string.h>

#include "otelc/log.h"
#include "otelc/trace_state.h"
#include "otelc/impl/provider_impl.h"

struct otelc_trace_state {
    atomic_uint refs;
    size_t count;
    const char *keys[OTELC_TRACE_STATE_MAX_MEMBERS];
    const char *values[OTELC_TRACE_STATE_MAX_MEMBERS];
    char text[]; /* "k\0v\0k\0v\0..." */
};

static bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_keychar(char c) {
    return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}

/* key = simple-key / multi-tenant-key (W3C Trace Context 3.3.1.3.1). */
static bool key_valid(const char *k, size_t n) {
    if (n == 0 || n > 256) return false;
    const char *at = memchr(k, '@', n);
    if (!at) {
        if (!is_lcalpha(k[0])) return false;
        for (size_t i = 1; i < n; i++)
            if (!is_keychar(k[i])) return false;
        return true;
    }
    size_t tn = (size_t)(at - k), sn = n - tn - 1;
    if (tn == 0 || tn > 241 || sn == 0 || sn > 14) return false;
    if (!is_lcalpha(k[0]) && !is_digit(k[0])) return false;
    for (size_t i = 1; i < tn; i++)
        if (!is_keychar(k[i])) return false;
    if (!is_lcalpha(at[1])) return false;
    for (size_t i = 2; i <= sn; i++)
        if (!is_keychar(at[i])) return false;
    return true;
}

/* value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E. */
static bool value_valid(const char *v, size_t n) {
    if (n == 0 || n > 256) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
    }
    return v[n - 1] != ' ';
}

typedef struct span_ref { const char *p; size_t n; } span_ref;

static otelc_trace_state *build(const span_ref *k, const span_ref *v, size_t count) {
    size_t bytes = 0;
    for (size_t i = 0; i < count; i++) bytes += k[i].n + v[i].n + 2;
    otelc_trace_state *ts = otelc_malloc(sizeof *ts + bytes);
    if (!ts) return NULL;
    atomic_init(&ts->refs, 1);
    ts->count = count;
    char *p = ts->text;
    for (size_t i = 0; i < count; i++) {
        memcpy(p, k[i].p, k[i].n); p[k[i].n] = '\0'; ts->keys[i] = p; p += k[i].n + 1;
        memcpy(p, v[i].p, v[i].n); p[v[i].n] = '\0'; ts->values[i] = p; p += v[i].n + 1;
    }
    return ts;
}

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

otelc_trace_state *otelc_trace_state_parse(const char *header, size_t len) {
    if (!header) return NULL;
    span_ref keys[OTELC_TRACE_STATE_MAX_MEMBERS], vals[OTELC_TRACE_STATE_MAX_MEMBERS];
    size_t count = 0, i = 0;
    while (i <= len) {
        size_t start = i;
        while (i < len && header[i] != ',') i++;
        size_t a = start, b = i;
        while (a < b && is_ows(header[a])) a++;
        while (b > a && is_ows(header[b - 1])) b--;
        if (b > a) { /* empty members are allowed and skipped */
            const char *eq = memchr(header + a, '=', b - a);
            if (!eq) return NULL;
            size_t kn = (size_t)(eq - (header + a));
            size_t vn = b - a - kn - 1;
            if (!key_valid(header + a, kn) || !value_valid(eq + 1, vn)) return NULL;
            if (count == OTELC_TRACE_STATE_MAX_MEMBERS) return NULL; /* over 32 members: discard */
            for (size_t j = 0; j < count; j++)
                if (keys[j].n == kn && memcmp(keys[j].p, header + a, kn) == 0) return NULL; /* duplicate */
            keys[count] = (span_ref){header + a, kn};
            vals[count] = (span_ref){eq + 1, vn};
            count++;
        }
        i++; /* skip ',' (or step past the end) */
    }
    if (count == 0) return NULL;
    return build(keys, vals, count);
}

const char *otelc_trace_state_get(const otelc_trace_state *ts, const char *key) {
    if (!ts || !key) return NULL;
    for (size_t i = 0; i < ts->count; i++)
        if (strcmp(ts->keys[i], key) == 0) return ts->values[i];
    return NULL;
}

otelc_trace_state *otelc_trace_state_set(const otelc_trace_state *ts, const char *key, const char *value) {
    if (!key || !value || !key_valid(key, strlen(key)) || !value_valid(value, strlen(value))) return NULL;
    span_ref keys[OTELC_TRACE_STATE_MAX_MEMBERS], vals[OTELC_TRACE_STATE_MAX_MEMBERS];
    size_t count = 0;
    keys[count] = (span_ref){key, strlen(key)};
    vals[count] = (span_ref){value, strlen(value)};
    count++;
    for (size_t i = 0; ts && i < ts->count && count < OTELC_TRACE_STATE_MAX_MEMBERS; i++) {
        if (strcmp(ts->keys[i], key) == 0) continue;
        keys[count] = (span_ref){ts->keys[i], strlen(ts->keys[i])};
        vals[count] = (span_ref){ts->values[i], strlen(ts->values[i])};
        count++;
    }
    return build(keys, vals, count);
}

otelc_trace_state *otelc_trace_state_remove(const otelc_trace_state *ts, const char *key) {
    if (!ts) return NULL;
    span_ref keys[OTELC_TRACE_STATE_MAX_MEMBERS], vals[OTELC_TRACE_STATE_MAX_MEMBERS];
    size_t count = 0;
    for (size_t i = 0; i < ts->count; i++) {
        if (key && strcmp(ts->keys[i], key) == 0) continue;
        keys[count] = (span_ref){ts->keys[i], strlen(ts->keys[i])};
        vals[count] = (span_ref){ts->values[i], strlen(ts->values[i])};
        count++;
    }
    if (count == 0) return NULL;
    return build(keys, vals, count);
}

size_t otelc_trace_state_count(const otelc_trace_state *ts) { return ts ? ts->count : 0; }

int otelc_trace_state_member(const otelc_trace_state *ts, size_t i, const char **key, const char **value) {
    if (!ts || i >= ts->count) return OTELC_ERR_NOT_FOUND;
    if (key) *key = ts->keys[i];
    if (value) *value = ts->values[i];
    return OTELC_OK;
}

int otelc_trace_state_to_header(const otelc_trace_state *ts, char *buf, size_t size) {
    if (!buf || size == 0) return OTELC_ERR_BUFFER_TOO_SMALL;
    size_t pos = 0;
    for (size_t i = 0; ts && i < ts->count; i++) {
        size_t kn = strlen(ts->keys[i]), vn = strlen(ts->values[i]);
        size_t need = (i ? 1 : 0) + kn + 1 + vn;
        if (pos + need + 1 > size) {
            buf[0] = '\0';
            return OTELC_ERR_BUFFER_TOO_SMALL;
        }
        if (i) buf[pos++] = ',';
        memcpy(buf + pos, ts->keys[i], kn); pos += kn;
        buf[pos++] = '=';
        memcpy(buf + pos, ts->values[i], vn); pos += vn;
    }
    buf[pos] = '\0';
    return (int)pos;
}

otelc_trace_state *otelc_trace_state_retain(const otelc_trace_state *ts) {
    otelc_trace_state *t = (otelc_trace_state *)ts;
    if (t) atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}

void otelc_trace_state_release(const otelc_trace_state *ts) {
    otelc_trace_state *t = (otelc_trace_state *)ts;
    if (t && atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1) otelc_free(t);
}
