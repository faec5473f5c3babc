/* otelc_sdk_setup: the SDK as the OpenTelemetry environment variables describe it. Each piece
 * degrades on its own: a bad sampler value falls back to the default sampler, an unknown exporter name
 * is skipped with a diagnostic, and the application always gets a working (possibly exporting-nothing)
 * pipeline rather than an error, except on out-of-memory. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "otelc/exporters/console.h"
#include "otelc/log.h"
#include "otelc/sdk/propagators.h"
#include "otelc/setup.h"
#ifdef OTELC_HAVE_OTLP
#include "otelc/exporters/otlp_http.h"
#endif

#define MAX_PROCESSORS 8

void otelc_sdk_options_init(otelc_sdk_options *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
}

static bool env_true(const char *name) {
    const char *v = getenv(name);
    if (!v) return false;
    while (isspace((unsigned char)*v)) v++;
    size_t n = strlen(v);
    while (n && isspace((unsigned char)v[n - 1])) n--;
    if (n == 0) return false;
    if (n == 4 && !strncasecmp(v, "true", 4)) return true;
    if (!(n == 5 && !strncasecmp(v, "false", 5)))
        otelc_log(OTELC_LOG_WARN, "%s=\"%s\" is not true or false; treating it as false", name, v);
    return false;
}

/* Creates the exporter called `name` (already trimmed, lowercase compare), or NULL with a diagnostic. */
static otelc_exporter *exporter_by_name(const char *name, bool *simple) {
    otelc_error err = {OTELC_OK, ""};
    *simple = false;
    if (!strcasecmp(name, "console") || !strcasecmp(name, "logging")) {
        *simple = true; /* the spec pairs the console exporter with the simple processor */
        return otelc_console_exporter_create(NULL);
    }
    otelc_exporter_factory_fn fn = otelc_exporter_factory_find(name);
    if (!fn) {
        otelc_log(OTELC_LOG_WARN, "OTEL_TRACES_EXPORTER: exporter \"%s\" is not available in this build; skipped", name);
        return NULL;
    }
    otelc_exporter *e = fn(&err);
    if (!e) otelc_log(OTELC_LOG_ERROR, "exporter \"%s\" could not be created: %s", name, err.message);
    return e;
}

static otelc_processor *processor_for(otelc_exporter *e, bool simple) {
    if (simple) return otelc_simple_processor_create(e);
    otelc_error err = {OTELC_OK, ""};
    otelc_processor *p = otelc_batch_processor_create(e, NULL, &err);
    if (!p) otelc_log(OTELC_LOG_ERROR, "%s", err.message); /* the message names the batch processor */
    return p;
}

/* Splits a comma-separated list of exporter names into processors. */
static size_t processors_from_names(const char *names, bool force_simple, otelc_processor **out) {
    size_t n = 0;
    const char *p = names;
    while (p && *p && n < MAX_PROCESSORS) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && isspace((unsigned char)*p)) { p++; len--; }
        while (len && isspace((unsigned char)p[len - 1])) len--;
        char name[64];
        if (len && len < sizeof name) {
            memcpy(name, p, len);
            name[len] = '\0';
            if (strcasecmp(name, "none") != 0) {
                bool simple;
                otelc_exporter *e = exporter_by_name(name, &simple);
                otelc_processor *proc = e ? processor_for(e, simple || force_simple) : NULL;
                if (proc) out[n++] = proc;
            }
        } else if (len) {
            otelc_log(OTELC_LOG_WARN, "OTEL_TRACES_EXPORTER: name \"%.*s\" is too long; skipped", (int)len, p);
        }
        if (!end) break;
        p = end + 1;
    }
    return n;
}

otelc_status otelc_sdk_setup(const otelc_sdk_options *opts, otelc_sdk *sdk, otelc_error *err) {
    otelc_sdk_options defaults;
    if (!opts || opts->struct_size < sizeof *opts) {
        otelc_sdk_options_init(&defaults);
        opts = &defaults;
    }
    if (!sdk) {
        otelc_sampler_destroy(opts->sampler);
        otelc_exporter_destroy(opts->exporter);
        return otelc_error_set(err, OTELC_ERR_INVALID_ARGUMENT, "otelc_sdk_setup: sdk is NULL");
    }
    memset(sdk, 0, sizeof *sdk);
#ifdef OTELC_HAVE_OTLP
    otelc_otlp_http_register();
#endif

    const char *prop_names = opts->propagators ? opts->propagators : getenv("OTEL_PROPAGATORS");
    sdk->propagator = otelc_propagator_from_names(prop_names, err);
    if (!sdk->propagator) {
        otelc_sampler_destroy(opts->sampler);
        otelc_exporter_destroy(opts->exporter);
        return otelc_error_set(err, OTELC_ERR_NO_MEMORY, "otelc_sdk_setup: cannot create propagators");
    }

    if (env_true("OTEL_SDK_DISABLED")) {
        otelc_log(OTELC_LOG_INFO, "OTEL_SDK_DISABLED=true: tracing stays a no-op");
        otelc_sampler_destroy(opts->sampler);
        otelc_exporter_destroy(opts->exporter);
        otelc_set_text_map_propagator(sdk->propagator);
        return otelc_error_set(err, OTELC_OK, NULL);
    }

    otelc_processor *procs[MAX_PROCESSORS];
    size_t nproc = 0;
    if (opts->exporter) {
        otelc_processor *p = processor_for(opts->exporter, opts->use_simple_processor);
        if (p) procs[nproc++] = p;
    } else {
        const char *names = opts->traces_exporter ? opts->traces_exporter : getenv("OTEL_TRACES_EXPORTER");
        if (!names || !*names) names = "otlp"; /* the specification's default */
        nproc = processors_from_names(names, opts->use_simple_processor, procs);
    }

    otelc_tracer_provider_options po;
    otelc_tracer_provider_options_init(&po);
    po.resource = otelc_resource_default();
    if (po.resource && opts->service_name) {
        otelc_attr a = otelc_attr_str("service.name", opts->service_name);
        otelc_resource *extra = otelc_resource_create(&a, 1, NULL);
        otelc_resource *merged = extra ? otelc_resource_merge(po.resource, extra) : NULL;
        otelc_resource_destroy(extra);
        if (merged) {
            otelc_resource_destroy(po.resource);
            po.resource = merged;
        }
    }
    po.sampler = opts->sampler;
    po.processors = procs;
    po.processor_count = nproc;
    sdk->provider = otelc_tracer_provider_create(&po, err);
    if (!sdk->provider) {
        otelc_propagator_destroy(sdk->propagator);
        sdk->propagator = NULL;
        return err ? err->code : OTELC_ERR_NO_MEMORY;
    }
    otelc_set_tracer_provider(sdk->provider);
    otelc_set_text_map_propagator(sdk->propagator);
    return otelc_error_set(err, OTELC_OK, NULL);
}

otelc_status otelc_sdk_teardown(otelc_sdk *sdk, uint32_t timeout_ms) {
    if (!sdk) return OTELC_ERR_INVALID_ARGUMENT;
    otelc_status st = OTELC_OK;
    if (sdk->provider) {
        st = otelc_tracer_provider_shutdown(sdk->provider, timeout_ms);
        if (otelc_get_tracer_provider() == sdk->provider) otelc_set_tracer_provider(NULL);
        otelc_tracer_provider_destroy(sdk->provider);
        sdk->provider = NULL;
    }
    if (sdk->propagator) {
        if (otelc_get_text_map_propagator() == sdk->propagator) otelc_set_text_map_propagator(NULL);
        otelc_propagator_destroy(sdk->propagator);
        sdk->propagator = NULL;
    }
    return st;
}
