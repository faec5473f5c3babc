/* The fuzz harness shared by every extractor target; see fuzz_common.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_common.h"
#include "otelc/baggage.h"
#include "otelc/context.h"

#define MAX_HEADERS 16

typedef struct fuzz_carrier {
    size_t count;
    const char *names[MAX_HEADERS];
    char *values[MAX_HEADERS]; /* exact length, no NUL */
    size_t lens[MAX_HEADERS];
    /* injected headers, NUL-terminated copies */
    size_t out_count;
    char *out_names[MAX_HEADERS];
    char *out_values[MAX_HEADERS];
} fuzz_carrier;

static const char *get_in(void *c_, const char *key, size_t *len) {
    fuzz_carrier *c = c_;
    for (size_t i = 0; i < c->count; i++)
        if (!strcasecmp(c->names[i], key)) {
            *len = c->lens[i];
            return c->values[i];
        }
    return NULL;
}

static const char *get_out(void *c_, const char *key, size_t *len) {
    fuzz_carrier *c = c_;
    for (size_t i = 0; i < c->out_count; i++)
        if (!strcasecmp(c->out_names[i], key)) {
            *len = strlen(c->out_values[i]);
            return c->out_values[i];
        }
    return NULL;
}

static void set_out(void *c_, const char *key, const char *value) {
    fuzz_carrier *c = c_;
    if (c->out_count == MAX_HEADERS) abort(); /* a propagator set more headers than it declares */
    c->out_names[c->out_count] = strdup(key);
    c->out_values[c->out_count] = strdup(value);
    c->out_count++;
}

static void same_baggage(const otelc_baggage *a, const otelc_baggage *b) {
    if (otelc_baggage_count(a) != otelc_baggage_count(b)) abort();
    for (size_t i = 0; i < otelc_baggage_count(a); i++) {
        const char *n, *v, *p;
        otelc_baggage_entry(a, i, &n, &v, &p);
        const char *v2 = otelc_baggage_get(b, n);
        if (!v2 || strcmp(v, v2) != 0) abort();
    }
}

void fuzz_run(otelc_propagator *p, const char *const *names, const uint8_t *data, size_t size) {
    fuzz_carrier c;
    memset(&c, 0, sizeof c);
    size_t start = 0;
    for (size_t i = 0; i <= size && names[c.count] && c.count < MAX_HEADERS; i++) {
        if (i == size || data[i] == '\n') {
            size_t n = i - start;
            c.names[c.count] = names[c.count];
            c.values[c.count] = malloc(n ? n : 1);
            memcpy(c.values[c.count], data + start, n);
            c.lens[c.count] = n;
            c.count++;
            start = i + 1;
        }
    }
    otelc_carrier_getter g = {get_in, &c};
    otelc_context *ctx = otelc_propagator_extract(p, NULL, &g);
    if (!ctx) abort();
    otelc_span_context sc = otelc_context_get_span_context(ctx);
    bool valid = otelc_span_context_is_valid(&sc);
    if (valid && !sc.is_remote) abort();

    otelc_carrier_setter s = {set_out, &c};
    otelc_propagator_inject(p, ctx, &s);
    otelc_carrier_getter g2 = {get_out, &c};
    otelc_context *again = otelc_propagator_extract(p, NULL, &g2);
    if (!again) abort();
    otelc_span_context sc2 = otelc_context_get_span_context(again);
    if (valid != otelc_span_context_is_valid(&sc2)) abort();
    if (valid && (memcmp(sc.trace_id, sc2.trace_id, 16) || memcmp(sc.span_id, sc2.span_id, 8) ||
                  (sc.trace_flags & 1) != (sc2.trace_flags & 1)))
        abort();
    same_baggage(otelc_context_get_baggage(ctx), otelc_context_get_baggage(again));

    otelc_context_release(again);
    otelc_context_release(ctx);
    for (size_t i = 0; i < c.count; i++) free(c.values[i]);
    for (size_t i = 0; i < c.out_count; i++) {
        free(c.out_names[i]);
        free(c.out_values[i]);
    }
}
