/* OpenTelemetry thread-level context for out-of-process readers (e.g. the OpenTelemetry eBPF profiler).
 *
 * What this implements: OTEP 4947 "Thread Context: Sharing Thread-Level Information with External
 * Readers" (open-telemetry/opentelemetry-specification, oteps/profiles/4947-thread-ctx.md, the draft
 * with TLS symbol `otel_thread_ctx_v1`, a trace-flags byte in the record and "signal handler-like"
 * reading; schema `tlsdesc_v1_dev`, the name the OTEP gives until it is merged, then `tls_v1`), plus
 * the minimal part of OTEP 4719 "Process Context" (oteps/profiles/4719-process-ctx.md, header version 2,
 * `ProcessContext` protobuf payload) that readers need before they look for the thread records.
 * Linux only (ELF TLS, memfd, /proc).
 *
 * What a reader finds:
 *  - Process context: a mapping named `/memfd:OTEL_CTX` (or `[anon:OTEL_CTX]` when memfd is refused)
 *    in /proc/<pid>/maps. 32-byte header { char signature[8] = "OTEL_CTX"; uint32 version = 2;
 *    uint32 payload_size; uint64 published_at_ns (CLOCK_REALTIME); uint64 payload (pointer) } followed
 *    by the payload: an opentelemetry.proto.common.v1.ProcessContext whose extra_attributes hold
 *    `threadlocal.schema_version` = "tlsdesc_v1_dev" and `threadlocal.attribute_key_map` = [] (this
 *    module publishes no custom attributes, so the key map is empty). The resource (field 1) is left
 *    out: otelc_thread_ctx_install() does not know the SDK's resource.
 *  - TLS symbol `otel_thread_ctx_v1`: a thread-local pointer in the dynamic symbol table (.dynsym) of
 *    libotelc_thread_ctx.so, or of the executable when the static library is linked in (the CMake
 *    target adds `-Wl,--export-dynamic-symbol=otel_thread_ctx_v1` to whatever links it, as the OTEP
 *    requires for static linking). The name is not `otelc_`-prefixed because the OTEP fixes it: readers
 *    look it up by that exact name. It is compiled with the TLSDESC dialect (-mtls-dialect=gnu2) when
 *    the compiler supports it (the OTEP's recommendation); the linker may relax it to initial-/local-exec
 *    inside an executable, which the OTEP requires readers to handle. When libotelc_thread_ctx.so is
 *    dlopen()ed rather than linked, glibc allocates a thread's block of it on that thread's first
 *    access: the only allocation on the hot path, once per thread.
 *  - The pointer is NULL when the thread has no active span with a valid span context, else it points
 *    to a Thread-Local Context Record (layout below, 28 bytes, 2-byte aligned, host endianness).
 *
 * Write protocol (choices the OTEP leaves open):
 *  - Pointer swapping, not in-place updates of `valid` (the OTEP says to use one or the other, not both).
 *    Each thread owns two records in static TLS (no allocation, ever). A scope change writes the record
 *    the pointer does NOT point to (trace id, span id, valid = 1, trace flags, attrs-data-size = 0),
 *    issues a compiler fence (atomic_signal_fence), then stores the pointer with a volatile write. A
 *    reader interrupting the thread at any instruction sees either NULL, the old complete record or the
 *    new complete record, never a mix; switching from one span to another never shows NULL.
 *  - `valid` is always 1 in a published record. No custom attributes (attrs-data-size = 0).
 *  - A non-recording span (sampled out, or a remote parent attached from a propagator) is published
 *    with its ids and its trace flags (sampled bit clear when it was sampled out): the OTEP wants
 *    samples correlated with unsampled traces too. A span whose context is invalid (the no-op span)
 *    and "no span" both publish NULL.
 *  - As the OTEP states, readers must read a thread's record while that thread is stopped or
 *    interrupted (perf event, ptrace stop, a signal handler on that thread). The protocol uses compiler
 *    fences only, so a reader running concurrently on another CPU without stopping the thread is NOT
 *    guaranteed a consistent record.
 *
 * Record layout (OTEP 4947 "Thread-Local Context Record"):
 *   offset  0  uint8[16] trace-id      W3C bytes
 *   offset 16  uint8[8]  span-id       W3C bytes
 *   offset 24  uint8     valid         1 = valid; any other value: ignore the record
 *   offset 25  uint8     trace-flags   W3C trace-flags (sampled 0x01, random 0x02)
 *   offset 26  uint16    attrs-data-size (host endianness); attrs-data follows at offset 28
 *
 * Not implemented (left): custom attributes in attrs-data and appending to the attribute key map;
 * publishing the SDK resource in the process context; updating an existing process context (only one
 * publication per process, redone in a forked child). */
#ifndef OTELC_CONTRIB_THREAD_CTX_H
#define OTELC_CONTRIB_THREAD_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "otelc/export.h"
#include "otelc/status.h"

OTELC_BEGIN_DECLS

/* Exact names fixed by the OTEPs (readers match them byte for byte). */
#define OTELC_THREAD_CTX_TLS_SYMBOL "otel_thread_ctx_v1"
#define OTELC_THREAD_CTX_SCHEMA_VERSION "tlsdesc_v1_dev"
#define OTELC_THREAD_CTX_HEADER_SIZE 28u
#define OTELC_PROCESS_CTX_SIGNATURE "OTEL_CTX"
#define OTELC_PROCESS_CTX_VERSION 2u

/* The fixed 28-byte part of a Thread-Local Context Record, exactly as readers see it (no padding:
 * offsets asserted in the implementation). attrs-data, when attrs_data_size is not 0, follows it. */
typedef struct otelc_thread_ctx_record {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t valid;
    uint8_t trace_flags;
    uint16_t attrs_data_size;
} otelc_thread_ctx_record;

/* Registers the context listener that mirrors each thread's active span into that thread's record,
 * publishes the process context (once per process) and refreshes the calling thread's record from
 * its current span. Other threads' records follow from their next scope enter/exit/attach.
 * Idempotent: a second call while installed does nothing and returns OTELC_OK. Thread-safe (a mutex
 * serialises install/uninstall; the hot path takes none). Returns OTELC_OK, or the status of
 * otelc_context_listener_add() (e.g. OTELC_ERR_NO_MEMORY when 8 listeners are registered). A process
 * context that cannot be published (memfd and anonymous mappings both refused) is logged at warn level
 * and does not fail the call; readers then cannot discover the records.
 * Cost on the application thread per scope change: one call to the listener, which copies 26 bytes
 * and stores a pointer; no lock, no allocation, no system call. */
OTELC_API otelc_status otelc_thread_ctx_install(void);

/* Removes the listener and clears the calling thread's record (its pointer becomes NULL). Other
 * threads' records keep the span they last published until they exit (the listener that would clear
 * them is gone, and only the owning thread may write its record): uninstall when threads have no
 * active scope, e.g. at shutdown. The process context stays published (OTEP 4719 allows it to live
 * until the process exits). No-op when not installed. Thread-safe. */
OTELC_API void otelc_thread_ctx_uninstall(void);

/* True between install and uninstall. Thread-safe. */
OTELC_API bool otelc_thread_ctx_is_installed(void);

/* The calling thread's published record, read the way an out-of-process reader reads it: follows
 * the otel_thread_ctx_v1 pointer and copies the 28-byte header into *out. Returns true when the
 * pointer is set and the record's valid byte is 1; otherwise returns false and zeroes *out (out may
 * not be NULL). Reads only the calling thread's own TLS: async-signal-safe, so a signal handler that
 * interrupted the thread (what a sampling profiler does) may call it. */
OTELC_API bool otelc_thread_ctx_read(otelc_thread_ctx_record *out);

/* The calling thread's otel_thread_ctx_v1 pointer (NULL when no record is published). Borrowed: the
 * record lives in the thread's TLS and may be rewritten at the thread's next scope change, so copy it
 * right away. Async-signal-safe. */
OTELC_API const otelc_thread_ctx_record *otelc_thread_ctx_current(void);

OTELC_END_DECLS
#endif
