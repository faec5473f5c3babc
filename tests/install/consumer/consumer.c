/* A program built against the installed otelc only: records one span into the memory exporter. */
#include <stdio.h>

#include "otelc/exporters/memory.h"
#include "otelc/otelc.h"
#include "otelc/sdk/provider.h"

int main(void) {
    otelc_memory_store *store = otelc_memory_store_create(0);
    otelc_processor *proc = otelc_simple_processor_create(otelc_memory_exporter_create(store));
    otelc_tracer_provider_options o;
    otelc_tracer_provider_options_init(&o);
    o.sampler = otelc_sampler_always_on();
    o.processors = &proc;
    o.processor_count = 1;
    otelc_error err;
    otelc_tracer_provider *p = otelc_tracer_provider_create(&o, &err);
    if (!p) { fprintf(stderr, "provider: %s\n", err.message); return 1; }
    otelc_set_tracer_provider(p);
    otelc_span *s = otelc_tracer_start_span(otelc_get_tracer("consumer", "1", NULL), "installed", NULL);
    otelc_span_set_attr_int(s, "answer", 42);
    otelc_span_end(s, 0);
    otelc_tracer_provider_destroy(p);
    const otelc_span_data *d = otelc_memory_store_find(store, "installed");
    int ok = d && d->attribute_count == 1 && d->attributes[0].value.u.i == 42;
    otelc_memory_store_destroy(store);
    printf("consumer: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
