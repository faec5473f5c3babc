/* Interned attribute keys.
 *
 * Instrumentation uses a few dozen distinct attribute keys ("http.request.method", "url.path"), each
 * set on millions of spans. Copying each key into each span was a third of a span's memory. Instead a
 * span stores a pointer to one process-wide copy of the key, which also turns the duplicate-key check
 * into a pointer comparison.
 *
 * The table lives in static storage (no allocation, nothing to free; the child of fork() resets the
 * lock, otelc__intern_after_fork): at most
 * INTERN_MAX_KEYS keys of at most INTERN_MAX_LEN bytes, INTERN_BYTES in total. A key that does not fit
 * (table full, too long, or the insert lock busy) is not interned and the span copies it, as before.
 * Interned keys are never removed, so their pointers stay valid for the life of the process.
 *
 * Lookups: a per-thread direct-mapped cache keyed by the caller's pointer (usually a string literal)
 * answers after one strcmp; the shared table is an open-addressed array of published pointers, read
 * without a lock; inserts take a try-lock (never waits). */
#include <stdatomic.h>
#include <string.h>

#include "internal.h"

#define INTERN_MAX_KEYS 1024u
#define INTERN_SLOTS 2048u /* power of two, twice the key bound: short probe sequences */
#define INTERN_BYTES (64u * 1024u)
#define INTERN_MAX_LEN 128u

static _Alignas(64) char g_bytes[INTERN_BYTES];
static size_t g_bytes_used;  /* written under g_lock */
static unsigned g_key_count; /* written under g_lock */
static _Atomic(const char *) g_slots[INTERN_SLOTS];
static atomic_flag g_lock = ATOMIC_FLAG_INIT;
static atomic_bool g_full; /* set once no more keys fit: misses then skip the shared try-lock */

_Thread_local otelc__intern_entry otelc__intern_cache[OTELC__INTERN_CACHE_SLOTS];

static uint32_t hash_key(const char *s, size_t n) {
    uint32_t h = 2166136261u; /* FNV-1a: keys are short */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static const char *find(const char *key, size_t n, uint32_t h) {
    for (uint32_t i = 0; i < INTERN_SLOTS; i++) {
        const char *k = atomic_load_explicit(&g_slots[(h + i) & (INTERN_SLOTS - 1)], memory_order_acquire);
        if (!k) return NULL;
        if (strncmp(k, key, n) == 0 && k[n] == '\0') return k;
    }
    return NULL;
}

static const char *insert_locked(const char *key, size_t n, uint32_t h) {
    const char *k = find(key, n, h); /* another thread may have added it */
    if (k) return k;
    if (g_key_count >= INTERN_MAX_KEYS || g_bytes_used + n + 1 > INTERN_BYTES) {
        if (g_key_count >= INTERN_MAX_KEYS) atomic_store_explicit(&g_full, true, memory_order_relaxed);
        return NULL;
    }
    char *copy = g_bytes + g_bytes_used;
    memcpy(copy, key, n);
    copy[n] = '\0';
    g_bytes_used += n + 1;
    g_key_count++;
    for (uint32_t i = 0;; i++) {
        _Atomic(const char *) *slot = &g_slots[(h + i) & (INTERN_SLOTS - 1)];
        if (!atomic_load_explicit(slot, memory_order_relaxed)) {
            atomic_store_explicit(slot, copy, memory_order_release); /* publishes the bytes too */
            return copy;
        }
    }
}

const char *otelc__intern_key_slow(const char *key, otelc__intern_entry *e) {
    size_t n = strlen(key);
    if (n == 0 || n > INTERN_MAX_LEN) return NULL;
    uint32_t h = hash_key(key, n);
    const char *k = find(key, n, h);
    if (!k) {
        if (atomic_load_explicit(&g_full, memory_order_relaxed)) return NULL; /* copy */
        if (atomic_flag_test_and_set_explicit(&g_lock, memory_order_acquire)) return NULL; /* busy: copy */
        k = insert_locked(key, n, h);
        atomic_flag_clear_explicit(&g_lock, memory_order_release);
        if (!k) return NULL;
    }
    e->src = key;
    e->key = k;
    return k;
}

/* Only the forking thread exists in the child; a thread that held the lock mid-insert is gone, and its
 * half-written key was never published (the slot store comes last), so the table is consistent. */
void otelc__intern_after_fork(void) { atomic_flag_clear_explicit(&g_lock, memory_order_relaxed); }
