/* Encoding of the Datadog `dd=` tracestate member. Tracestate values forbid ',' and '=' and our
 * sub-fields use ';' and ':', so origin and tag values are sanitised the way Datadog tracers do it:
 * '=' travels as '~', and ',', ';', '~' and non-printable bytes become '_'. */
#include <stdio.h>
#include <string.h>

#include "dd_state.h"
#include "prop_util.h"

static bool bad_value_char(char c) {
    return (unsigned char)c < 0x20 || (unsigned char)c > 0x7e || c == ',' || c == ';' || c == '~';
}
static bool bad_key_char(char c) {
    return (unsigned char)c <= 0x20 || (unsigned char)c > 0x7e || c == ',' || c == ';' || c == '=' ||
           c == ':' || c == '~';
}

bool otelc__dd_info_add_tag(otelc__dd_info *info, const char *key, size_t kn, const char *value, size_t vn) {
    if (kn == 0 || kn > OTELC__DD_MAX_KEY || vn == 0 || vn > OTELC__DD_MAX_VALUE) return false;
    otelc__dd_tag *t = NULL;
    for (size_t i = 0; i < info->tag_count; i++)
        if (strlen(info->tags[i].key) == kn && memcmp(info->tags[i].key, key, kn) == 0) t = &info->tags[i];
    if (!t) {
        if (info->tag_count == OTELC__DD_MAX_TAGS) return false;
        t = &info->tags[info->tag_count++];
        memcpy(t->key, key, kn);
        t->key[kn] = '\0';
    }
    memcpy(t->value, value, vn);
    t->value[vn] = '\0';
    return true;
}

/* Copies src (n bytes) into dst undoing the '=' -> '~' substitution. */
static void copy_decoded(char *dst, const char *src, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = src[i] == '~' ? '=' : src[i];
    dst[n] = '\0';
}

void otelc__dd_info_from_trace_state(const otelc_trace_state *ts, otelc__dd_info *info) {
    memset(info, 0, sizeof *info);
    const char *v = otelc_trace_state_get(ts, "dd");
    if (!v) return;
    const char *end = v + strlen(v);
    while (v < end) {
        const char *semi = memchr(v, ';', (size_t)(end - v));
        const char *fend = semi ? semi : end;
        const char *colon = memchr(v, ':', (size_t)(fend - v));
        if (colon) {
            size_t kn = (size_t)(colon - v), vn = (size_t)(fend - colon - 1);
            const char *val = colon + 1;
            if (kn == 1 && v[0] == 's') {
                int prio;
                if (otelc__parse_small_int((otelc__slice){val, vn}, &prio)) {
                    info->has_priority = true;
                    info->priority = prio;
                }
            } else if (kn == 1 && v[0] == 'o' && vn > 0 && vn <= OTELC__DD_MAX_VALUE) {
                info->has_origin = true;
                copy_decoded(info->origin, val, vn);
            } else if (kn == 1 && v[0] == 'p' && vn == 16) {
                uint8_t tmp[8];
                if (otelc_hex_decode(val, 8, tmp, false)) {
                    memcpy(info->parent, val, 16);
                    info->parent[16] = '\0';
                }
            } else if (kn > 2 && v[0] == 't' && v[1] == '.' && vn <= OTELC__DD_MAX_VALUE) {
                char decoded[OTELC__DD_MAX_VALUE + 1];
                copy_decoded(decoded, val, vn);
                otelc__dd_info_add_tag(info, v + 2, kn - 2, decoded, vn);
            }
        }
        if (!semi) break;
        v = semi + 1;
    }
}

int otelc__dd_priority_for(const otelc__dd_info *info, uint8_t trace_flags) {
    bool sampled = (trace_flags & OTELC_TRACE_FLAGS_SAMPLED) != 0;
    if (info && info->has_priority && (info->priority > 0) == sampled) return info->priority;
    return sampled ? 1 : 0;
}

/* Appends ";<prefix><text>" sanitised, unless the member would pass 256 bytes (then the field is
 * dropped whole, as Datadog tracers do). */
static void append_field(char *buf, size_t *pos, const char *prefix, const char *text, bool is_key_then_value,
                         const char *value) {
    char field[1 + 2 + OTELC__DD_MAX_KEY + 1 + OTELC__DD_MAX_VALUE + 1];
    size_t n = 0;
    field[n++] = ';';
    for (const char *p = prefix; *p; p++) field[n++] = *p;
    for (const char *p = text; *p; p++) {
        if (is_key_then_value) field[n++] = bad_key_char(*p) ? '_' : *p;
        else field[n++] = *p == '=' ? '~' : bad_value_char(*p) ? '_' : *p;
    }
    if (is_key_then_value) {
        field[n++] = ':';
        for (const char *p = value; *p; p++) field[n++] = *p == '=' ? '~' : bad_value_char(*p) ? '_' : *p;
    }
    /* A tracestate value must not end in a space. */
    while (n && field[n - 1] == ' ') n--;
    if (*pos + n > OTELC_TRACE_STATE_MAX_VALUE) return;
    memcpy(buf + *pos, field, n);
    *pos += n;
}

otelc_trace_state *otelc__dd_info_to_trace_state(const otelc_trace_state *ts, const otelc__dd_info *info) {
    char buf[OTELC_TRACE_STATE_MAX_VALUE + 1];
    int prio = info->has_priority ? info->priority : 0;
    size_t pos = (size_t)snprintf(buf, sizeof buf, "s:%d", prio);
    if (info->parent[0]) append_field(buf, &pos, "p:", info->parent, false, NULL);
    if (info->has_origin) append_field(buf, &pos, "o:", info->origin, false, NULL);
    for (size_t i = 0; i < info->tag_count; i++) {
        if (strcmp(info->tags[i].key, "tid") == 0) continue; /* the trace id already carries it */
        append_field(buf, &pos, "t.", info->tags[i].key, true, info->tags[i].value);
    }
    buf[pos] = '\0';
    return otelc_trace_state_set(ts, "dd", buf);
}
