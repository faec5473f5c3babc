/* The minimal OTEP 4719 process context that OTEP 4947 readers look for before they search for the TLS
 * symbol: one mapping named OTEL_CTX holding a 32-byte header and, right after it, a protobuf
 * opentelemetry.proto.common.v1.ProcessContext whose extra_attributes carry threadlocal.schema_version
 * and threadlocal.attribute_key_map. Published once per process (install time), never updated, and
 * published again in a forked child because MADV_DONTFORK leaves the child without the mapping.
 * The payload is encoded by hand (a few fixed fields): no protobuf dependency for contrib. */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "otelc/contrib/thread_ctx.h"
#include "thread_ctx_internal.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PR_SET_VMA_ANON_NAME
#define PR_SET_VMA_ANON_NAME 0
#endif

/* OTEP 4719 header, version 2. */
typedef struct process_ctx_header {
    char signature[8];
    uint32_t version;
    uint32_t payload_size;
    uint64_t published_at_ns;
    uint64_t payload; /* pointer to the payload in this process, as uint64 */
} process_ctx_header;
_Static_assert(sizeof(process_ctx_header) == 32, "OTEP 4719 header is 32 bytes");
_Static_assert(offsetof(process_ctx_header, payload_size) == 12, "OTEP 4719: payload_size at 12");
_Static_assert(offsetof(process_ctx_header, published_at_ns) == 16, "OTEP 4719: published_at_ns at 16");

#define MAP_BYTES 4096u /* one page: header + payload (the payload is under 128 bytes) */

static _Atomic(process_ctx_header *) g_header;
static pthread_once_t g_atfork_once = PTHREAD_ONCE_INIT;

/* ---- protobuf, just enough: length-delimited fields with lengths under 128 (one-byte varints) ---- */

typedef struct pb {
    uint8_t *p;
    size_t n, cap;
    int overflow;
} pb;

static void pb_bytes(pb *b, const void *src, size_t n) {
    if (b->n + n > b->cap) {
        b->overflow = 1;
        return;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}
static void pb_byte(pb *b, uint8_t v) { pb_bytes(b, &v, 1); }
/* Field `field` (wire type 2) whose content is a string. */
static void pb_str(pb *b, unsigned field, const char *s) {
    size_t n = strlen(s);
    pb_byte(b, (uint8_t)(field << 3 | 2));
    pb_byte(b, (uint8_t)n);
    pb_bytes(b, s, n);
}

/* ProcessContext { extra_attributes(2): KeyValue { key(1), value(2): AnyValue } ... } */
static size_t encode_payload(uint8_t *out, size_t cap) {
    pb b = {out, 0, cap, 0};
    /* KeyValue{ key = threadlocal.schema_version, value = AnyValue{ string_value(1) } } */
    uint8_t kv[96];
    pb k = {kv, 0, sizeof kv, 0};
    pb_str(&k, 1, "threadlocal.schema_version");
    uint8_t any[32];
    pb a = {any, 0, sizeof any, 0};
    pb_str(&a, 1, OTELC_THREAD_CTX_SCHEMA_VERSION);
    pb_byte(&k, 2 << 3 | 2);
    pb_byte(&k, (uint8_t)a.n);
    pb_bytes(&k, any, a.n);
    pb_byte(&b, 2 << 3 | 2);
    pb_byte(&b, (uint8_t)k.n);
    pb_bytes(&b, kv, k.n);
    /* KeyValue{ key = threadlocal.attribute_key_map, value = AnyValue{ array_value(5) = ArrayValue{} } }:
     * no custom attributes are published, so the map is an empty array (index -> name). */
    k.n = 0;
    pb_str(&k, 1, "threadlocal.attribute_key_map");
    pb_byte(&k, 2 << 3 | 2);
    pb_byte(&k, 2);
    pb_byte(&k, 5 << 3 | 2);
    pb_byte(&k, 0);
    pb_byte(&b, 2 << 3 | 2);
    pb_byte(&b, (uint8_t)k.n);
    pb_bytes(&b, kv, k.n);
    return b.overflow || k.overflow || a.overflow ? 0 : b.n;
}

/* ---- the mapping (OTEP 4719 "Publication Protocol") ---- */

/* Only system calls and stores: also runs in the child of fork(), where no lock may be taken. */
static otelc_status map_and_publish(void) {
    void *m = MAP_FAILED;
    int named_by_file = 0;
    int fd = memfd_create("OTEL_CTX", MFD_CLOEXEC);
    if (fd >= 0) {
        if (ftruncate(fd, MAP_BYTES) == 0) {
            m = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
            named_by_file = m != MAP_FAILED;
        }
        close(fd); /* the mapping keeps the memfd alive and visible as /memfd:OTEL_CTX in maps */
    }
    if (m == MAP_FAILED) m = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return OTELC_ERR_UNSUPPORTED;
    if (madvise(m, MAP_BYTES, MADV_DONTFORK) != 0) {
        munmap(m, MAP_BYTES);
        return OTELC_ERR_UNSUPPORTED;
    }
    process_ctx_header *h = m;
    uint8_t *payload = (uint8_t *)m + sizeof *h;
    size_t n = encode_payload(payload, MAP_BYTES - sizeof *h);
    if (n == 0) {
        munmap(m, MAP_BYTES);
        return OTELC_ERR_INTERNAL;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    h->version = OTELC_PROCESS_CTX_VERSION;
    h->published_at_ns = now ? now : 1;
    h->payload_size = (uint32_t)n;
    h->payload = (uint64_t)(uintptr_t)payload;
    /* A reader in another process may look at any time: every field above must be visible before the
     * signature, which is written last (a CPU fence here, unlike the thread records). */
    atomic_thread_fence(memory_order_seq_cst);
    memcpy(h->signature, OTELC_PROCESS_CTX_SIGNATURE, 8);
    atomic_thread_fence(memory_order_seq_cst);
    /* Name the mapping (Linux 5.17+ with CONFIG_ANON_VMA_NAME); done unconditionally as the OTEP asks.
     * It fails on a memfd-backed mapping or an older kernel, which is fine as long as one of the two
     * names exists. */
    int named = prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)m, (unsigned long)MAP_BYTES,
                      (unsigned long)"OTEL_CTX") == 0;
    if (!named_by_file && !named) {
        munmap(m, MAP_BYTES); /* no reader could find it */
        return OTELC_ERR_UNSUPPORTED;
    }
    atomic_store(&g_header, h);
    return OTELC_OK;
}

/* The child of fork() has no mapping (MADV_DONTFORK) but may keep the parent's thread records: publish
 * again so readers of the child find them. Runs with only the forking thread alive. */
static void atfork_child(void) {
    if (atomic_load(&g_header)) {
        atomic_store(&g_header, NULL);
        (void)map_and_publish();
    }
}
static void register_atfork(void) { pthread_atfork(NULL, NULL, atfork_child); }

otelc_status otelc__process_ctx_publish(void) {
    pthread_once(&g_atfork_once, register_atfork);
    if (atomic_load(&g_header)) return OTELC_OK; /* the caller (install) serialises publication */
    return map_and_publish();
}
