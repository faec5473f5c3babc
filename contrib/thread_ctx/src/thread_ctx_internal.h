/* Private to contrib/thread_ctx: what thread_ctx.c needs from process_ctx.c. */
#ifndef OTELC_THREAD_CTX_INTERNAL_H
#define OTELC_THREAD_CTX_INTERNAL_H

#include "otelc/status.h"

/* Publishes the OTEP 4719 process context carrying the OTEP 4947 `threadlocal.*` keys, once per
 * process (again in a forked child, whose copy of the mapping is gone). Idempotent and thread-safe.
 * Returns OTELC_OK when a mapping is published, OTELC_ERR_UNSUPPORTED when the system refuses it. */
__attribute__((visibility("hidden"))) otelc_status otelc__process_ctx_publish(void);

#endif
