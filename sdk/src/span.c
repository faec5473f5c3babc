/* The recording span, stored packed.
 *
 * A span is one 232-byte object (a 240-byte malloc chunk, recycled by span_pool.c): a 104-byte header
 * and a 128-byte inline buffer. Attributes are appended to the buffer as records
 *     key pointer (8) | type (1) | flags (1) | inline length (2) | position (2) | value
 * where the key is the interned copy (intern.c) and the value is 8 bytes for a scalar, the bytes and a
 * NUL for a string, or a pointer and a count into the extension for a long string or an array. The
 * name is stored at the far end of the buffer. What does not fit, and what few spans have (events,
 * links, a status description), lives in a separately allocated extension: a bump arena plus overflow
 * record chunks, all freed with the span.
 *
 * Nothing is laid out for exporters while the span is recorded or queued: processors and exporters get
 * an otelc_span_data view built when they are called (otelc__span_view), which is what keeps a queued
 * span at a quarter of its former size. A replaced attribute leaves a dead record behind; the bound on
 * the extension (SPAN_ARENA_MAX) bounds that too. */
#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "internal.h"
#include "span_pool.h"
#include "otelc/sdk/processor.h"
#include "otelc/sdk/sampler.h"

#if UINTPTR_MAX == UINT64_MAX /* the 240-byte chunk is sized for 64-bit pointers */
static_assert(offsetof(sdk_span, buf) + SPAN_BUF == SPAN_BYTES, "SPAN_BUF must fill the span to SPAN_BYTES");
static_assert(sizeof(sdk_span) == SPAN_BYTES, "sdk_span has padding: adjust SPAN_BUF");
#endif

/* ---- extension: arena chunks, overflow records, events, links, status description ---- */

typedef struct chunk {
    struct chunk *next;
    uint32_t used, cap;
    char data[];
} chunk;

struct span_ext {
    const char *name;             /* in the arena, when it did not fit in buf */
    uint32_t dropped_attrs;       /* attributes dropped by the limits (rare: kept out of the header) */
    chunk *arena;                 /* bump arena, newest chunk first */
    chunk *recs_head, *recs_tail; /* attribute records that did not fit in buf, in order */
    size_t total;                 /* bytes of chunks, bounded by SPAN_ARENA_MAX */
    const char *status_description;
    otelc_event_data *events;
    uint32_t event_count, event_cap, dropped_events;
    otelc_link_data *links;
    uint32_t link_count, link_cap, dropped_links;
    /* Spans with many attributes (INDEX_MIN or more): the live record of each key, by a hash of the key's
     * text, so that setting an attribute does not scan every record (quadratic with a large count
     * limit). Open addressing, at most half full; NULL until needed or when it could not be allocated
     * (then the scan is the fallback). */
    char **index;
    uint32_t index_cap, index_used;
};

static span_ext *ext_of(sdk_span *s) {
    if (!s->ext) s->ext = otelc_calloc(1, sizeof *s->ext);
    return s->ext;
}

static chunk *new_chunk(span_ext *x, size_t need) {
    size_t cap = need > 256 ? need : 256;
    if (x->total + cap > SPAN_ARENA_MAX) return NULL; /* bounded: the caller drops and counts */
    chunk *c = otelc_malloc(sizeof *c + cap);
    if (!c) return NULL;
    c->next = NULL;
    c->used = 0;
    c->cap = (uint32_t)cap;
    x->total += cap;
    return c;
}

static void *arena_alloc(sdk_span *s, size_t size) {
    size = (size + 7u) & ~(size_t)7u;
    span_ext *x = ext_of(s);
    if (!x) return NULL;
    chunk *c = x->arena;
    if (!c || c->used + size > c->cap) {
        if (!(c = new_chunk(x, size))) return NULL;
        c->next = x->arena;
        x->arena = c;
    }
    void *p = c->data + c->used;
    c->used += (uint32_t)size;
    return p;
}

static char *arena_strndup(sdk_span *s, const char *src, size_t n) {
    char *d = arena_alloc(s, n + 1);
    if (!d) return NULL;
    memcpy(d, src, n);
    d[n] = '\0';
    return d;
}

/* Truncates to at most limit bytes without splitting a UTF-8 sequence. */
static size_t truncated_len(const char *s, size_t len, uint32_t limit, bool *truncated) {
    *truncated = false;
    if (limit == OTELC_LIMIT_UNLIMITED || len <= limit) return len;
    size_t n = limit;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    *truncated = true;
    return n;
}

static const otelc_span_limits *limits_of(const sdk_span *s) { return &s->tracer->provider->limits; }

/* Copies v into the arena (strings truncated to the value-length limit). Returns false on arena
 * exhaustion, in which case the caller drops the attribute. */
static bool copy_value(sdk_span *s, otelc_value *dst, const otelc_value *src) {
    uint32_t limit = limits_of(s)->attribute_value_length;
    bool cut = false, any_cut = false;
    *dst = *src;
    switch (src->type) {
    case OTELC_VALUE_STRING: {
        size_t n = truncated_len(src->u.s, src->len, limit, &cut);
        char *d = arena_strndup(s, src->u.s, n);
        if (!d) return false;
        dst->u.s = d;
        dst->len = (uint32_t)n;
        any_cut = cut;
        break;
    }
    case OTELC_VALUE_STRING_ARRAY: {
        const char **a = arena_alloc(s, (src->len ? src->len : 1) * sizeof *a);
        if (!a || (src->len && !src->u.sa)) return false;
        for (uint32_t i = 0; i < src->len; i++) {
            const char *e = src->u.sa[i] ? src->u.sa[i] : "";
            size_t n = truncated_len(e, strlen(e), limit, &cut);
            any_cut |= cut;
            if (!(a[i] = arena_strndup(s, e, n))) return false;
        }
        dst->u.sa = a;
        break;
    }
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY: {
        size_t el = src->type == OTELC_VALUE_BOOL_ARRAY ? sizeof(bool) : 8;
        if (src->len && !src->u.ia) return false;
        void *a = arena_alloc(s, src->len ? src->len * el : 1);
        if (!a) return false;
        if (src->len) memcpy(a, src->u.ia, src->len * el);
        dst->u.ia = a;
        break;
    }
    case OTELC_VALUE_BOOL:
    case OTELC_VALUE_INT:
    case OTELC_VALUE_DOUBLE:
        break;
    default:
        return false;
    }
    if (any_cut) otelc__count(OTELC_COUNTER_LIMIT_TRUNCATED, 1);
    return true;
}

static bool valid_input(const char *key, const otelc_value *v) {
    if (!key || !*key || !v || v->type <= OTELC_VALUE_NONE || v->type > OTELC_VALUE_DOUBLE_ARRAY) return false;
    if (v->type == OTELC_VALUE_STRING && !v->u.s) return false;
    return true;
}

/* The key as the span keeps it: the interned copy, or a copy in the arena. */
static const char *keep_key(sdk_span *s, const char *key, bool *copied) {
    const char *k = otelc__intern_key(key);
    *copied = k == NULL;
    return k ? k : arena_strndup(s, key, strlen(key));
}

static bool same_key(const char *a, bool a_copied, const char *b, bool b_copied) {
    if (a == b) return true;
    return (a_copied || b_copied) && strcmp(a, b) == 0;
}

/* ---- key index for spans with many attributes ---- */

#define INDEX_MIN 32u /* below this many attributes a scan of the records is cheaper */

static uint32_t key_hash(const char *k) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *k; k++) h = (h ^ (unsigned char)*k) * 16777619u;
    return h;
}

static void drop_attr(uint32_t *dropped) {
    (*dropped)++;
    otelc__count(OTELC_COUNTER_LIMIT_ATTRIBUTES, 1);
}

/* A span's own attribute dropped: counted in the extension (allocated for it; when even that fails,
 * only the process-wide counter sees it). */
static void drop_span_attr(sdk_span *s) {
    span_ext *x = ext_of(s);
    uint32_t lost = 0;
    drop_attr(x ? &x->dropped_attrs : &lost);
}

/* ---- attribute records ---- */

/* Record header: key pointer, then type, flags, inline length (16 bits), position (16 bits); accessed
 * with memcpy and byte stores only, since records are unaligned. */
#define REC_KEY_SZ sizeof(const char *)
#define REC_TYPE REC_KEY_SZ
#define REC_FLAGS (REC_KEY_SZ + 1u)
#define REC_LEN (REC_KEY_SZ + 2u)
#define REC_ORD (REC_KEY_SZ + 4u)
#define REC_HDR (REC_KEY_SZ + 6u)
#define REC_DEAD 1u
#define REC_INDIRECT 2u /* value is a pointer (8) and a count (4) into the arena */
#define REC_KEY_COPIED 4u

typedef struct rec {
    const char *key;
    uint8_t type, flags;
    uint16_t len; /* inline string length */
    uint16_t ord; /* the key's position among the span's attributes (kept when its value is replaced) */
} rec;

static inline void rec_read(const char *p, rec *r) {
    memcpy(&r->key, p, REC_KEY_SZ);
    r->type = (uint8_t)p[REC_TYPE];
    r->flags = (uint8_t)p[REC_FLAGS];
    memcpy(&r->len, p + REC_LEN, 2);
    memcpy(&r->ord, p + REC_ORD, 2);
}

static inline size_t rec_size(const rec *r) {
    if (r->flags & REC_INDIRECT) return REC_HDR + 12u;
    if (r->type == OTELC_VALUE_STRING) return REC_HDR + r->len + 1u;
    return REC_HDR + 8u;
}

/* Record regions in order: the inline buffer, then the overflow chunks. */
typedef struct rec_iter {
    char *p, *end;
    chunk *next;
} rec_iter;

static void rec_iter_init(const sdk_span *s, rec_iter *it) {
    it->p = (char *)s->buf;
    it->end = (char *)s->buf + s->used;
    it->next = s->ext ? s->ext->recs_head : NULL;
}

static char *rec_next(rec_iter *it, rec *r) {
    while (it->p == it->end) {
        if (!it->next) return NULL;
        it->p = it->next->data;
        it->end = it->next->data + it->next->used;
        it->next = it->next->next;
    }
    char *p = it->p;
    rec_read(p, r);
    it->p += rec_size(r);
    return p;
}

/* Free bytes of buf: records grow from the start, the name sits at the end. */
static inline size_t buf_room(const sdk_span *s) { return (size_t)s->buf_end - s->used; }

static char *rec_alloc(sdk_span *s, size_t size) {
    if (__builtin_expect(size <= buf_room(s), 1)) {
        char *p = s->buf + s->used;
        s->used = (uint16_t)(s->used + size);
        return p;
    }
    span_ext *x = ext_of(s);
    if (!x) return NULL;
    chunk *c = x->recs_tail;
    if (!c || c->used + size > c->cap) {
        if (!(c = new_chunk(x, size))) return NULL;
        if (x->recs_tail) x->recs_tail->next = c;
        else x->recs_head = c;
        x->recs_tail = c;
    }
    char *p = c->data + c->used;
    c->used += (uint32_t)size;
    return p;
}

static inline void rec_write_hdr(char *p, const char *key, uint8_t type, uint8_t flags, uint16_t len,
                                 uint16_t ord) {
    memcpy(p, &key, REC_KEY_SZ);
    p[REC_TYPE] = (char)type;
    p[REC_FLAGS] = (char)flags;
    memcpy(p + REC_LEN, &len, 2);
    memcpy(p + REC_ORD, &ord, 2);
}

/* The 8-byte value of a scalar record; a bool is stored as 0/1 and zero bytes, so records compare and
 * copy deterministically. */
static inline void rec_write_scalar(char *p, const otelc_value *v) {
    if (v->type == OTELC_VALUE_BOOL) {
        memset(p + REC_HDR, 0, 8);
        p[REC_HDR] = (char)(v->u.b ? 1 : 0);
    } else {
        memcpy(p + REC_HDR, &v->u, 8);
    }
}

/* memcpy through a call: with the length's range known (< 512) GCC would inline `rep movsq` instead of
 * libc's vector copy. */
__attribute__((noinline)) static void copy_bytes(char *d, const char *src, size_t n) { memcpy(d, src, n); }

/* An inline string record: header, the n bytes, a NUL (n < 0xFFFF, checked by the callers). */
__attribute__((always_inline)) static inline void rec_write_str(char *p, const char *key, uint8_t flags, uint16_t ord,
                                                                const char *src, size_t n) {
    rec_write_hdr(p, key, OTELC_VALUE_STRING, flags, (uint16_t)n, ord);
    char *d = p + REC_HDR;
    /* Most values are short: two overlapping word moves, never past either end. (Left to itself, GCC
     * expands this copy into `rep movsq`, whose start-up costs more than the copy.) */
    if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, src, 8);
        memcpy(&b, src + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, b;
        memcpy(&a, src, 4);
        memcpy(&b, src + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
    } else if (n < 4) {
        for (size_t i = 0; i < n; i++) d[i] = src[i];
    } else {
        copy_bytes(d, src, n);
    }
    d[n] = '\0';
}

/* Appends a record for key = v. Returns it, or NULL (nothing appended) when out of room or memory. */
static char *rec_append(sdk_span *s, const char *key, bool key_copied, const otelc_value *v, uint16_t ord) {
    uint8_t kf = key_copied ? REC_KEY_COPIED : 0;
    switch (v->type) {
    case OTELC_VALUE_BOOL:
    case OTELC_VALUE_INT:
    case OTELC_VALUE_DOUBLE: {
        char *p = rec_alloc(s, REC_HDR + 8u);
        if (!p) return NULL;
        rec_write_hdr(p, key, (uint8_t)v->type, kf, 0, ord);
        rec_write_scalar(p, v);
        return p;
    }
    case OTELC_VALUE_STRING: {
        bool cut;
        size_t n = truncated_len(v->u.s, v->len, limits_of(s)->attribute_value_length, &cut);
        if (n < 0xFFFFu && REC_HDR + n + 1u <= 512u) {
            char *p = rec_alloc(s, REC_HDR + n + 1u);
            if (!p) return NULL;
            rec_write_str(p, key, kf, ord, v->u.s, n);
            if (cut) otelc__count(OTELC_COUNTER_LIMIT_TRUNCATED, 1);
            return p;
        }
    } /* fall through: long strings go to the arena */
    /* fall through */
    default: {
        otelc_value c;
        if (!copy_value(s, &c, v)) return NULL;
        char *p = rec_alloc(s, REC_HDR + 12u);
        if (!p) return NULL;
        rec_write_hdr(p, key, (uint8_t)v->type, kf | REC_INDIRECT, 0, ord);
        memcpy(p + REC_HDR, &c.u, 8);
        memcpy(p + REC_HDR + 8, &c.len, 4);
        return p;
    }
    }
}

static bool is_scalar(int type) {
    return type == OTELC_VALUE_BOOL || type == OTELC_VALUE_INT || type == OTELC_VALUE_DOUBLE;
}

/* Interned keys are packed byte by byte in one table, so their addresses' low bits spread them. */
static inline uint16_t key_bit(const char *interned) { return (uint16_t)(1u << ((uintptr_t)interned & 15u)); }

/* The record's key (records start with the key pointer). */
static inline const char *rec_key(const char *p) {
    const char *k;
    memcpy(&k, p, REC_KEY_SZ);
    return k;
}

/* Slot of key in the index: its record's slot, or the empty slot where it would go. */
static char **index_slot(span_ext *x, const char *key, uint32_t h) {
    uint32_t mask = x->index_cap - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        char *p = x->index[i];
        if (!p || rec_key(p) == key || strcmp(rec_key(p), key) == 0) return &x->index[i];
    }
}

/* Points key's slot at record p (inserting it), doubling the table past half full; false when out of
 * memory (the index is then dropped and the scan takes over). */
static bool index_put(span_ext *x, char *p) {
    if ((x->index_used + 1) * 2 > x->index_cap) {
        uint32_t ncap = x->index_cap ? x->index_cap * 2 : 64;
        char **old = x->index;
        uint32_t ocap = x->index_cap;
        x->index = otelc_calloc(ncap, sizeof *x->index);
        if (!x->index) {
            otelc_free(old);
            x->index_cap = x->index_used = 0;
            return false;
        }
        x->index_cap = ncap;
        for (uint32_t i = 0; i < ocap; i++)
            if (old[i]) *index_slot(x, rec_key(old[i]), key_hash(rec_key(old[i]))) = old[i];
        otelc_free(old);
    }
    char **slot = index_slot(x, rec_key(p), key_hash(rec_key(p)));
    if (!*slot) x->index_used++;
    *slot = p;
    return true;
}

/* Builds the index from the live records. From now on every set looks its key up here: the filter is
 * saturated, so that op_set_attribute's fast path (which does not maintain the index) is not taken. */
static void index_build(sdk_span *s, span_ext *x) {
    s->key_filter = 0xFFFFu;
    rec_iter it;
    rec r;
    char *p;
    rec_iter_init(s, &it);
    while ((p = rec_next(&it, &r)))
        if (!(r.flags & REC_DEAD) && !index_put(x, p)) return;
}

/* The live record of key (NULL: none), through the index when the span has one or is big enough to
 * want one, else by scanning. */
static char *find_record(sdk_span *s, const char *key, bool key_copied, rec *out) {
    span_ext *x = s->attr_count >= INDEX_MIN ? ext_of(s) : s->ext;
    if (x && (x->index || s->attr_count >= INDEX_MIN)) {
        if (!x->index) index_build(s, x);
        if (x->index) {
            char *p = *index_slot(x, key, key_hash(key));
            if (p) rec_read(p, out);
            return p;
        }
    }
    rec_iter it;
    char *p;
    rec_iter_init(s, &it);
    while ((p = rec_next(&it, out)))
        if (!(out->flags & REC_DEAD) && same_key(out->key, out->flags & REC_KEY_COPIED, key, key_copied)) return p;
    return NULL;
}

/* After a record for a new key or a replacement was appended: keep the index pointing at live records
 * (when index_put runs out of memory it drops the index, and the scan takes over). */
static void index_note(sdk_span *s, char *p) {
    if (s->ext && s->ext->index) index_put(s->ext, p);
}

/* Writes key = v as a record in buf when v is a scalar, or a string short enough to keep whole, and the
 * record fits; returns it, or NULL (nothing written: the caller takes the general path). */
__attribute__((always_inline)) static inline char *inline_record(sdk_span *s, const char *k, const otelc_value *v,
                                                                const otelc_span_limits *l) {
    size_t room = buf_room(s);
    char *p = s->buf + s->used;
    if (is_scalar(v->type)) {
        if (room < REC_HDR + 8u) return NULL;
        rec_write_hdr(p, k, (uint8_t)v->type, 0, 0, s->attr_count);
        rec_write_scalar(p, v);
        s->used = (uint16_t)(s->used + REC_HDR + 8u);
        return p;
    }
    if (v->type != OTELC_VALUE_STRING || !v->u.s || v->len > l->attribute_value_length || v->len >= 512u ||
        room < REC_HDR + v->len + 1u)
        return NULL;
    rec_write_str(p, k, 0, s->attr_count, v->u.s, v->len);
    s->used = (uint16_t)(s->used + REC_HDR + v->len + 1u);
    return p;
}

static void span_put_attr(sdk_span *s, const char *key, const otelc_value *v) {
    if (!valid_input(key, v)) {
        otelc__count(OTELC_COUNTER_BAD_INPUT, 1);
        return;
    }
    bool copied;
    const char *k = otelc__intern_key(key);
    copied = k == NULL;
    /* Replace an existing key: scalars in place, anything else as a new record (the old one dies). The
     * filter skips the scan for a key this span has certainly not seen. */
    uint16_t bit = k ? key_bit(k) : 0xFFFFu;
    if (s->key_filter & bit) {
        rec r;
        char *p = find_record(s, k ? k : key, copied, &r);
        if (p) {
            if (is_scalar(r.type) && is_scalar(v->type) && !(r.flags & REC_INDIRECT)) {
                p[REC_TYPE] = (char)v->type;
                rec_write_scalar(p, v);
                return;
            }
            char *np = rec_append(s, r.key, r.flags & REC_KEY_COPIED, v, r.ord);
            if (!np) {
                drop_span_attr(s);
                return;
            }
            p[REC_FLAGS] = (char)(r.flags | REC_DEAD);
            index_note(s, np);
            return;
        }
    }
    /* Positions are 16-bit: 65535 attributes per span at most, whatever the configured limit. */
    const otelc_span_limits *l = limits_of(s);
    if (s->attr_count >= l->attribute_count || s->attr_count >= 0xFFFFu) {
        drop_span_attr(s);
        return;
    }
    /* An interned key with a scalar or a short string that fits in buf: written in place. */
    char *p = k ? inline_record(s, k, v, l) : NULL;
    if (!p) {
        if (!k && !(k = arena_strndup(s, key, strlen(key)))) {
            drop_span_attr(s);
            return;
        }
        if (!(p = rec_append(s, k, copied, v, s->attr_count))) {
            drop_span_attr(s);
            return;
        }
    }
    s->attr_count++;
    s->key_filter |= bit;
    index_note(s, p);
}

/* ---- attribute lists of events and links (otelc_attr arrays in the arena) ---- */

static void list_put(sdk_span *s, otelc_attr *list, uint32_t *count, uint32_t cap, uint32_t *dropped,
                     const char *key, const otelc_value *v) {
    if (!valid_input(key, v)) {
        otelc__count(OTELC_COUNTER_BAD_INPUT, 1);
        return;
    }
    for (uint32_t i = 0; i < *count; i++) {
        if (strcmp(list[i].key, key) == 0) {
            otelc_value nv;
            if (copy_value(s, &nv, v)) list[i].value = nv;
            else drop_attr(dropped);
            return;
        }
    }
    if (*count >= cap) {
        drop_attr(dropped);
        return;
    }
    bool copied;
    const char *k = keep_key(s, key, &copied);
    if (!k || !copy_value(s, &list[*count].value, v)) {
        drop_attr(dropped);
        return;
    }
    list[*count].key = k;
    (*count)++;
}

/* Copies a fixed attribute list (event or link attributes) with its own count limit. */
static void list_copy(sdk_span *s, const otelc_attr *src, size_t n, uint32_t limit, const otelc_attr **out,
                      uint32_t *out_count, uint32_t *out_dropped) {
    otelc_attr *list = NULL;
    uint32_t count = 0, cap = 0, dropped = 0;
    if (src && n) {
        cap = (uint32_t)(n < limit ? n : limit);
        list = cap ? arena_alloc(s, cap * sizeof *list) : NULL;
        if (!list) cap = 0;
        for (size_t i = 0; i < n; i++) list_put(s, list, &count, cap, &dropped, src[i].key, &src[i].value);
    }
    *out = list;
    *out_count = count;
    *out_dropped = dropped;
}

/* ---- span ops ---- */

/* The common case without the general path's checks: a key the intern cache answers, new to this span
 * (its filter bit is clear), room under the count limit, and a scalar or a short string that fits in
 * buf untruncated. Anything else (bad input included) goes to span_put_attr. */
static void op_set_attribute(otelc_span *base, const char *key, const otelc_value *v) {
    sdk_span *s = (sdk_span *)base;
    const char *k;
    if (__builtin_expect(key && *key && v && (k = otelc__intern_key_cached(key)), 1)) {
        uint16_t bit = key_bit(k);
        const otelc_span_limits *l = limits_of(s);
        if (!(s->key_filter & bit) && s->attr_count < l->attribute_count && s->attr_count < 0xFFFFu &&
            inline_record(s, k, v, l)) {
            s->attr_count++;
            s->key_filter |= bit;
            return;
        }
    }
    span_put_attr(s, key, v);
}

static void drop_event(span_ext *x) {
    x->dropped_events++;
    otelc__count(OTELC_COUNTER_LIMIT_EVENTS, 1);
}

static void op_add_event(otelc_span *base, const char *name, const otelc_attr *attrs, size_t count, uint64_t t) {
    sdk_span *s = (sdk_span *)base;
    const otelc_span_limits *l = limits_of(s);
    if (!name) name = "";
    span_ext *x = ext_of(s);
    if (!x) {
        otelc__count(OTELC_COUNTER_LIMIT_EVENTS, 1);
        return;
    }
    if (x->event_count >= l->event_count) {
        drop_event(x);
        return;
    }
    if (x->event_count == x->event_cap) {
        uint32_t ncap = x->event_cap ? x->event_cap * 2 : 2;
        if (ncap > l->event_count) ncap = l->event_count;
        otelc_event_data *ne = arena_alloc(s, ncap * sizeof *ne);
        if (!ne) {
            drop_event(x);
            return;
        }
        if (x->event_count) memcpy(ne, x->events, x->event_count * sizeof *ne);
        x->events = ne;
        x->event_cap = ncap;
    }
    otelc_event_data *e = &x->events[x->event_count];
    e->name = arena_strndup(s, name, strlen(name));
    if (!e->name) {
        drop_event(x);
        return;
    }
    e->time_unix_nano = t ? t : otelc_now_unix_nano();
    list_copy(s, attrs, count, l->event_attribute_count, &e->attributes, &e->attribute_count,
              &e->dropped_attributes_count);
    x->event_count++;
}

static void drop_link(span_ext *x) {
    x->dropped_links++;
    otelc__count(OTELC_COUNTER_LIMIT_LINKS, 1);
}

static void op_add_link(otelc_span *base, const otelc_link_options *link) {
    sdk_span *s = (sdk_span *)base;
    const otelc_span_limits *l = limits_of(s);
    /* The spec allows dropping links to invalid contexts unless they carry attributes or trace state. */
    if (!otelc_span_context_is_valid(&link->context) && !link->attribute_count && !link->context.trace_state) return;
    span_ext *x = ext_of(s);
    if (!x) {
        otelc__count(OTELC_COUNTER_LIMIT_LINKS, 1);
        return;
    }
    if (x->link_count >= l->link_count) {
        drop_link(x);
        return;
    }
    if (x->link_count == x->link_cap) {
        uint32_t ncap = x->link_cap ? x->link_cap * 2 : 2;
        if (ncap > l->link_count) ncap = l->link_count;
        otelc_link_data *nl = arena_alloc(s, ncap * sizeof *nl);
        if (!nl) {
            drop_link(x);
            return;
        }
        if (x->link_count) memcpy(nl, x->links, x->link_count * sizeof *nl);
        x->links = nl;
        x->link_cap = ncap;
    }
    otelc_link_data *d = &x->links[x->link_count];
    d->context = link->context;
    d->context.trace_state = otelc_trace_state_retain(link->context.trace_state);
    list_copy(s, link->attributes, link->attribute_count, l->link_attribute_count, &d->attributes,
              &d->attribute_count, &d->dropped_attributes_count);
    x->link_count++;
}

static void op_set_status(otelc_span *base, otelc_status_code code, const char *description) {
    sdk_span *s = (sdk_span *)base;
    if (s->status_code == OTELC_STATUS_OK) return; /* OK is final */
    if (code == OTELC_STATUS_OK) {
        s->status_code = OTELC_STATUS_OK;
        if (s->ext) s->ext->status_description = NULL;
    } else if (code == OTELC_STATUS_ERROR) {
        s->status_code = OTELC_STATUS_ERROR;
        const char *d = description && *description ? arena_strndup(s, description, strlen(description)) : NULL;
        if (s->ext) s->ext->status_description = d;
    }
    /* UNSET (or an unknown code) is ignored. */
}

/* The name goes at the far end of buf when it fits beside the records (replacing a name already
 * there), else into the arena. memmove: a rename may pass the span's own name. */
static void set_name(sdk_span *s, const char *name) {
    size_t n = strlen(name);
    if (n + 1 <= SPAN_BUF - s->used) {
        char *d = s->buf + SPAN_BUF - (n + 1);
        memmove(d, name, n);
        d[n] = '\0';
        s->buf_end = (uint8_t)(SPAN_BUF - (n + 1));
        return;
    }
    char *d = arena_strndup(s, name, n);
    if (d) {
        s->ext->name = d; /* arena_strndup allocated the extension */
        s->buf_end = SPAN_BUF; /* the bytes of a name that was in buf are free again */
    }
}

static void op_update_name(otelc_span *base, const char *name) { set_name((sdk_span *)base, name); }

static bool needs_view(const sdk_provider *p);

static void op_end(otelc_span *base, uint64_t t) {
    sdk_span *s = (sdk_span *)base;
    sdk_provider *p = s->tracer->provider;
    s->end_time_unix_nano = t ? t : otelc_now_unix_nano();
    if (s->end_time_unix_nano < s->start_time_unix_nano) s->end_time_unix_nano = s->start_time_unix_nano;
    /* No need to clear RECORDING: the API already set ENDED, which every check looks at. */
    otelc__count(OTELC_COUNTER_SPANS_ENDED, 1);
    size_t n = p->processor_count;
    if (n == 0) {
        otelc_span_release(base);
        return;
    }
    if (!needs_view(p)) {
        /* The one processor queues the span and builds its view later (the batch processor). */
        otelc__processor_on_end_last(p->processors[0], base, NULL);
        return;
    }
    otelc_attr small[16];
    otelc_attr *attrs = s->attr_count <= 16 ? small : otelc_malloc(s->attr_count * sizeof *attrs);
    otelc_span_data d;
    otelc__span_view(s, &d, attrs); /* attrs NULL (out of memory): the view reports them as dropped */
    for (size_t i = 0; i + 1 < n; i++) otelc__processor_on_end(p->processors[i], base, &d);
    /* The last processor consumes the caller's reference (the batch processor keeps it in its queue). */
    otelc__processor_on_end_last(p->processors[n - 1], base, &d);
    if (attrs && attrs != small) otelc_free(attrs);
}

static void op_free(otelc_span *base) {
    sdk_span *s = (sdk_span *)base;
    otelc_trace_state_release(base->context.trace_state);
    span_ext *x = s->ext;
    if (x) {
        for (uint32_t i = 0; i < x->link_count; i++) otelc_trace_state_release(x->links[i].context.trace_state);
        otelc_free(x->index);
        chunk *lists[2] = {x->arena, x->recs_head};
        for (int l = 0; l < 2; l++) {
            for (chunk *c = lists[l]; c;) {
                chunk *next = c->next;
                otelc_free(c);
                c = next;
            }
        }
        otelc_free(x);
    }
    otelc__pool_free(SPAN_POOL_RECORDING, s);
}

static const otelc_span_ops sdk_span_ops = {
    op_set_attribute, op_add_event, op_add_link, op_set_status, op_update_name, op_end, op_free,
};

/* A view is needed at end unless the only processor adopts the span (and builds views at export). */
static bool needs_view(const sdk_provider *p) { return !p->adopting_only; }

/* ---- views ---- */

void otelc__span_view(const sdk_span *s, otelc_span_data *d, otelc_attr *attrs) {
    const span_ext *x = s->ext;
    d->context = s->base.context; /* borrows the span's trace state reference */
    memcpy(d->parent_span_id, s->parent_span_id, 8);
    d->has_parent = s->has_parent;
    d->parent_is_remote = s->parent_is_remote;
    d->kind = (otelc_span_kind)s->kind;
    d->status_code = (otelc_status_code)s->status_code;
    d->status_description = (s->status_code == OTELC_STATUS_ERROR && x && x->status_description)
                                ? x->status_description : "";
    d->name = s->buf_end < SPAN_BUF ? s->buf + s->buf_end : x && x->name ? x->name : "";
    d->start_time_unix_nano = s->start_time_unix_nano;
    d->end_time_unix_nano = s->end_time_unix_nano;
    uint32_t n = 0;
    if (s->attr_count && attrs) {
        rec_iter it;
        rec r;
        const char *p;
        rec_iter_init(s, &it);
        while (n < s->attr_count && (p = rec_next(&it, &r))) {
            if ((r.flags & REC_DEAD) || r.ord >= s->attr_count) continue;
            n++;
            otelc_attr *a = &attrs[r.ord]; /* insertion order, also for replaced values */
            a->key = r.key;
            a->value.type = (otelc_value_type)r.type;
            if (r.flags & REC_INDIRECT) {
                memcpy(&a->value.u, p + REC_HDR, 8);
                memcpy(&a->value.len, p + REC_HDR + 8, 4);
            } else if (r.type == OTELC_VALUE_STRING) {
                a->value.u.s = p + REC_HDR;
                a->value.len = r.len;
            } else {
                memcpy(&a->value.u, p + REC_HDR, 8);
                a->value.len = 0;
            }
        }
    }
    d->attributes = n ? attrs : NULL;
    d->attribute_count = n;
    /* Without room for them (attrs NULL on out-of-memory), the attributes count as dropped. */
    d->dropped_attributes_count = (x ? x->dropped_attrs : 0) + (attrs ? 0 : s->attr_count);
    d->events = x ? x->events : NULL;
    d->event_count = x ? x->event_count : 0;
    d->dropped_events_count = x ? x->dropped_events : 0;
    d->links = x ? x->links : NULL;
    d->link_count = x ? x->link_count : 0;
    d->dropped_links_count = x ? x->dropped_links : 0;
    d->resource = s->tracer->provider->resource;
    d->scope = &s->tracer->scope;
}

otelc_span_data *otelc_span_data_view(const otelc_span *span) {
    if (!span || span->ops != &sdk_span_ops) return NULL;
    const sdk_span *s = (const sdk_span *)span;
    otelc_span_data *d = otelc_malloc(sizeof *d + s->attr_count * sizeof(otelc_attr));
    if (!d) return NULL;
    otelc__span_view(s, d, (otelc_attr *)(void *)(d + 1));
    return d;
}

void otelc_span_data_free(otelc_span_data *d) { otelc_free(d); }

/* ---- non-recording spans for dropped samples ----
 * They must carry their span context (children and propagation use it), so they are real objects; the
 * small pool makes them as cheap as a free-list pop. */

static void nr_set_attribute(otelc_span *s, const char *k, const otelc_value *v) { (void)s; (void)k; (void)v; }
static void nr_add_event(otelc_span *s, const char *n, const otelc_attr *a, size_t c, uint64_t t) {
    (void)s; (void)n; (void)a; (void)c; (void)t;
}
static void nr_add_link(otelc_span *s, const otelc_link_options *l) { (void)s; (void)l; }
static void nr_set_status(otelc_span *s, otelc_status_code c, const char *d) { (void)s; (void)c; (void)d; }
static void nr_update_name(otelc_span *s, const char *n) { (void)s; (void)n; }
static void nr_end(otelc_span *s, uint64_t t) { (void)t; otelc_span_release(s); }
static void nr_free(otelc_span *s) {
    otelc_trace_state_release(s->context.trace_state);
    otelc__pool_free(SPAN_POOL_SMALL, s);
}
static const otelc_span_ops nonrecording_ops = {
    nr_set_attribute, nr_add_event, nr_add_link, nr_set_status, nr_update_name, nr_end, nr_free,
};

static otelc_span *non_recording(const otelc_span_context *sc) {
    otelc_span *s = otelc__pool_alloc(SPAN_POOL_SMALL);
    if (!s) return otelc_span_noop();
    otelc_span_base_init(s, &nonrecording_ops, 0, sc);
    return s;
}

/* ---- start ---- */

static void new_ids(sdk_provider *p, uint8_t *trace_id, uint8_t *span_id) {
    if (!p->custom_ids) {
        if (trace_id) otelc__random_ids(trace_id, span_id);
        else otelc__random_span_id(span_id);
        return;
    }
    for (int tries = 0; trace_id && tries < 8; tries++) {
        p->ids.trace_id(trace_id, p->ids.user_data);
        if (otelc_trace_id_is_valid(trace_id)) break;
        if (tries == 7) otelc__random_trace_id(trace_id);
    }
    for (int tries = 0; tries < 8; tries++) {
        p->ids.span_id(span_id, p->ids.user_data);
        if (otelc_span_id_is_valid(span_id)) return;
    }
    otelc__random_span_id(span_id);
}

otelc_span *otelc__span_start(sdk_tracer *tracer, const char *name, const otelc_span_start_options *opts) {
    sdk_provider *p = tracer->provider;
    otelc_span_context parent;
    bool has_parent = otelc_span_start_resolve_parent(opts, &parent);
    if (atomic_load_explicit(&p->shut_down, memory_order_relaxed))
        return has_parent ? otelc_span_create_non_recording(&parent) : otelc_span_noop();

    otelc_span_context sc;
    memset(&sc, 0, sizeof sc);
    if (has_parent) {
        memcpy(sc.trace_id, parent.trace_id, 16);
        new_ids(p, NULL, sc.span_id);
        sc.trace_flags = parent.trace_flags & (uint8_t)~OTELC_TRACE_FLAGS_SAMPLED;
        sc.trace_state = parent.trace_state;
    } else {
        new_ids(p, sc.trace_id, sc.span_id);
        if (!p->custom_ids) sc.trace_flags = OTELC_TRACE_FLAGS_RANDOM;
    }

    otelc_span_kind kind = opts ? opts->kind : OTELC_SPAN_KIND_INTERNAL;
    if (kind < OTELC_SPAN_KIND_INTERNAL || kind > OTELC_SPAN_KIND_CONSUMER) kind = OTELC_SPAN_KIND_INTERNAL;
    otelc_sampling_params sp = {
        has_parent ? &parent : NULL, sc.trace_id, name, kind,
        opts ? opts->attributes : NULL, opts ? opts->attribute_count : 0,
        opts ? opts->links : NULL, opts ? opts->link_count : 0,
    };
    otelc_sampling_result r = otelc_sampler_should_sample(p->sampler, &sp);
    if (r.trace_state) sc.trace_state = r.trace_state;

    if (r.decision == OTELC_SAMPLING_DROP) {
        otelc__count(OTELC_COUNTER_SPANS_NOT_SAMPLED, 1);
        otelc_span *ns = non_recording(&sc);
        otelc_trace_state_release(r.trace_state);
        return ns;
    }
    if (r.decision == OTELC_SAMPLING_RECORD_AND_SAMPLE) sc.trace_flags |= OTELC_TRACE_FLAGS_SAMPLED;

    sdk_span *s = otelc__pool_alloc(SPAN_POOL_RECORDING);
    if (!s) {
        otelc_trace_state_release(r.trace_state);
        return otelc_span_noop();
    }
    /* otelc_span_base_init, inline: the span owns one trace state reference, which is the sampler's
     * when it returned one (sc points to it) and a new one on the parent's otherwise. */
    s->base.ops = &sdk_span_ops;
    atomic_init(&s->base.refs, 1);
    atomic_init(&s->base.state, OTELC_SPAN_STATE_RECORDING);
    s->base.context = sc;
    if (!r.trace_state && sc.trace_state) otelc_trace_state_retain(sc.trace_state);
    s->tracer = tracer;
    s->buf_end = SPAN_BUF;
    s->ext = NULL;
    s->attr_count = 0;
    s->key_filter = 0;
    s->used = 0;
    s->kind = (uint8_t)kind;
    s->status_code = OTELC_STATUS_UNSET;
    if (has_parent) {
        memcpy(s->parent_span_id, parent.span_id, 8);
        s->has_parent = 1;
        s->parent_is_remote = parent.is_remote;
    } else {
        memset(s->parent_span_id, 0, 8);
        s->has_parent = s->parent_is_remote = 0;
    }
    set_name(s, name);
    s->start_time_unix_nano = (opts && opts->start_time_unix_nano) ? opts->start_time_unix_nano
                                                                   : otelc_now_unix_nano();
    s->end_time_unix_nano = 0;

    if (opts && opts->attributes) otelc_span_set_attributes(&s->base, opts->attributes, opts->attribute_count);
    if (r.attributes) otelc_span_set_attributes(&s->base, r.attributes, r.attribute_count);
    for (size_t i = 0; opts && opts->links && i < opts->link_count; i++) op_add_link(&s->base, &opts->links[i]);

    otelc__count(OTELC_COUNTER_SPANS_STARTED, 1);
    if (p->has_on_start)
        for (size_t i = 0; i < p->processor_count; i++)
            otelc__processor_on_start(p->processors[i], &s->base, opts ? opts->parent : NULL);
    return &s->base;
}

const otelc_attr *otelc_attrs_find(const otelc_attr *attrs, size_t count, const char *key) {
    if (!attrs || !key) return NULL;
    for (size_t i = 0; i < count; i++)
        if (attrs[i].key && strcmp(attrs[i].key, key) == 0) return &attrs[i];
    return NULL;
}
