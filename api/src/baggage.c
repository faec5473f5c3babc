/* W3C baggage as an immutable list of entries, each entry one allocation-free slice of a single block
 * (name\0value\0properties\0). The header codec (percent-encoding) lives in the SDK's propagator.
 * Limits are checked against the unencoded size; the propagator re-checks the encoded size. */
#include <string.h>

#include "otelc/baggage.h"
#include "otelc/log.h"
#include "otelc/impl/provider_impl.h"

typedef struct bag_entry {
    const char *name;
    const char *value;
    const char *properties; /* NULL when none */
} bag_entry;

struct otelc_baggage {
    atomic_uint refs;
    size_t count;
    bag_entry *entries; /* points into the same allocation */
};

typedef struct in_entry { const char *n, *v, *p; } in_entry;

static size_t entry_bytes(const char *n, const char *v, const char *p) {
    /* The serialised size: name=value;properties (before percent-encoding, a lower bound). */
    return strlen(n) + 1 + strlen(v) + (p && *p ? 1 + strlen(p) : 0);
}

static otelc_baggage *build(const in_entry *in, size_t count) {
    if (count == 0) return NULL;
    size_t text = 0;
    for (size_t i = 0; i < count; i++)
        text += strlen(in[i].n) + strlen(in[i].v) + (in[i].p ? strlen(in[i].p) : 0) + 3;
    otelc_baggage *b = otelc_malloc(sizeof *b + count * sizeof(bag_entry) + text);
    if (!b) return NULL;
    atomic_init(&b->refs, 1);
    b->count = count;
    b->entries = (bag_entry *)(b + 1);
    char *p = (char *)(b->entries + count);
    for (size_t i = 0; i < count; i++) {
        size_t l = strlen(in[i].n) + 1;
        memcpy(p, in[i].n, l); b->entries[i].name = p; p += l;
        l = strlen(in[i].v) + 1;
        memcpy(p, in[i].v, l); b->entries[i].value = p; p += l;
        if (in[i].p) {
            l = strlen(in[i].p) + 1;
            memcpy(p, in[i].p, l); b->entries[i].properties = p; p += l;
        } else {
            b->entries[i].properties = NULL;
        }
    }
    return b;
}

/* Names are RFC 7230 tokens (W3C Baggage `key`): anything else could not be sent in the header. */
static bool name_valid(const char *n) {
    if (!*n) return false;
    for (; *n; n++) {
        unsigned char c = (unsigned char)*n;
        bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && !strchr("!#$%&'*+-.^_`|~", c)) return false;
    }
    return true;
}

otelc_baggage *otelc_baggage_set(const otelc_baggage *b, const char *name, const char *value,
                                 const char *properties) {
    if (!name || !value || !name_valid(name)) return NULL;
    /* Properties are kept verbatim but must not break the list: no ',' and no control bytes. */
    for (const char *q = properties; q && *q; q++)
        if (*q == ',' || (unsigned char)*q < 0x20 || (unsigned char)*q == 0x7f) return NULL;
    if (entry_bytes(name, value, properties) > OTELC_BAGGAGE_MAX_ENTRY_BYTES) {
        otelc_log(OTELC_LOG_DEBUG, "baggage entry '%.32s' exceeds %d bytes; not set", name, OTELC_BAGGAGE_MAX_ENTRY_BYTES);
        return NULL;
    }
    size_t n = b ? b->count : 0;
    in_entry *in = otelc_malloc((n + 1) * sizeof *in);
    if (!in) return NULL;
    size_t count = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(b->entries[i].name, name) == 0) continue;
        in[count++] = (in_entry){b->entries[i].name, b->entries[i].value, b->entries[i].properties};
        total += entry_bytes(b->entries[i].name, b->entries[i].value, b->entries[i].properties) + 1;
    }
    total += entry_bytes(name, value, properties);
    if (count + 1 > OTELC_BAGGAGE_MAX_ENTRIES || total > OTELC_BAGGAGE_MAX_TOTAL_BYTES) {
        otelc_log(OTELC_LOG_DEBUG, "baggage limits reached; entry '%.32s' not set", name);
        otelc_free(in);
        return NULL;
    }
    in[count++] = (in_entry){name, value, properties};
    otelc_baggage *r = build(in, count);
    otelc_free(in);
    return r;
}

otelc_baggage *otelc_baggage_remove(const otelc_baggage *b, const char *name) {
    if (!b) return NULL;
    in_entry *in = otelc_malloc((b->count ? b->count : 1) * sizeof *in);
    if (!in) return NULL;
    size_t count = 0;
    for (size_t i = 0; i < b->count; i++) {
        if (name && strcmp(b->entries[i].name, name) == 0) continue;
        in[count++] = (in_entry){b->entries[i].name, b->entries[i].value, b->entries[i].properties};
    }
    otelc_baggage *r = build(in, count);
    otelc_free(in);
    return r;
}

const char *otelc_baggage_get(const otelc_baggage *b, const char *name) {
    if (!b || !name) return NULL;
    for (size_t i = 0; i < b->count; i++)
        if (strcmp(b->entries[i].name, name) == 0) return b->entries[i].value;
    return NULL;
}

size_t otelc_baggage_count(const otelc_baggage *b) { return b ? b->count : 0; }

int otelc_baggage_entry(const otelc_baggage *b, size_t i, const char **name, const char **value,
                        const char **properties) {
    if (!b || i >= b->count) return OTELC_ERR_NOT_FOUND;
    if (name) *name = b->entries[i].name;
    if (value) *value = b->entries[i].value;
    if (properties) *properties = b->entries[i].properties;
    return OTELC_OK;
}

otelc_baggage *otelc_baggage_retain(const otelc_baggage *b) {
    otelc_baggage *x = (otelc_baggage *)b;
    if (x) atomic_fetch_add_explicit(&x->refs, 1, memory_order_relaxed);
    return x;
}

void otelc_baggage_release(const otelc_baggage *b) {
    otelc_baggage *x = (otelc_baggage *)b;
    if (x && atomic_fetch_sub_explicit(&x->refs, 1, memory_order_acq_rel) == 1) otelc_free(x);
}
